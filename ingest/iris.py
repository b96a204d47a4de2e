"""The one place where coprod mints IRIs, deterministically from source keys."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from rdflib import URIRef

from ingest.records import Person
from ontology import DEFAULT_BASE

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
# German umlauts are often transliterated (Löffler / Loeffler): fold both to one key.
_TRANSLITERATE = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by '-': 'Löffler, Elke' -> 'loffler-elke'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_ALNUM.sub("-", ascii_text.lower()).strip("-")
    if not slug:
        raise ValueError(f"cannot make an identifier from {text!r}")
    return slug


class Minter:
    """Mints record, graph and ontology IRIs under one base."""

    def __init__(self, base: str = DEFAULT_BASE, works: Mapping[str, str] | None = None) -> None:
        if not base.endswith("/"):
            base += "/"
        self.base = base
        # "doi:<doi>" and "key:<key>" -> IRI of works already known, so that one work found in
        # several sources (by DOI) is one record, and references by key find it.
        self.works: dict[str, str] = dict(works or {})

    def record(self, kind: str, key: str) -> URIRef:
        return URIRef(f"{self.base}id/{kind}/{slugify(key)}")

    def case(self, case_id: str) -> URIRef:
        return self.record("case", case_id)

    def work(self, key: str, doi: str | None = None) -> URIRef:
        """A work's IRI: that of the work already known with this DOI, else from its key."""
        if doi and f"doi:{doi}" in self.works:
            return URIRef(self.works[f"doi:{doi}"])
        return self.record("work", key)

    def work_ref(self, reference: str) -> URIRef:
        """The work a reference names: a known key or DOI, else an IRI minted from it."""
        for name in (f"key:{reference}", f"doi:{reference.lower()}"):
            if name in self.works:
                return URIRef(self.works[name])
        if DOI.match(reference):
            return self.record("work", f"doi {reference.lower()}")
        return self.record("work", reference)

    def register_works(self, works: Iterable[tuple[str, str | None]]) -> None:
        """Learn (key, doi) pairs in source order: the first IRI for a DOI wins."""
        for key, doi in works:
            iri = str(self.work(key, doi))
            self.works.setdefault(f"key:{key}", iri)
            if doi:
                self.works.setdefault(f"doi:{doi}", iri)

    def person(self, person: Person) -> URIRef:
        if person.orcid:
            return self.record("person", person.orcid)
        initials = "".join(part[0] for part in re.split(r"[\s.\-]+", person.given) if part)
        return self.record("person", f"{person.family} {initials}".translate(_TRANSLITERATE))

    def venue(self, name: str) -> URIRef:
        return self.record("venue", name)

    def place(self, name: str, country: str | None) -> URIRef:
        return self.record("place", f"{name} {country or ''}")

    def graph(self, source: str) -> URIRef:
        return URIRef(f"{self.base}graph/{slugify(source)}")

    def term(self, name: str) -> URIRef:
        return URIRef(f"{self.base}ontology#{name}")

    @property
    def ontology(self) -> URIRef:
        return URIRef(f"{self.base}ontology")

    @property
    def build_agent(self) -> URIRef:
        return URIRef(f"{self.base}id/agent/coprod-build")

"""The one place where coprod mints IRIs, deterministically from source keys."""

from __future__ import annotations

import re
import unicodedata

from rdflib import URIRef

from ingest.records import Person
from ontology import DEFAULT_BASE

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
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

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        if not base.endswith("/"):
            base += "/"
        self.base = base

    def record(self, kind: str, key: str) -> URIRef:
        return URIRef(f"{self.base}id/{kind}/{slugify(key)}")

    def case(self, case_id: str) -> URIRef:
        return self.record("case", case_id)

    def work(self, key: str) -> URIRef:
        return self.record("work", key)

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

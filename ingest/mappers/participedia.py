"""Participedia cases, methods and organisations -> triples, through a documented crosswalk.

Only values the crosswalk (`ingest/crosswalk/participedia.csv`, explained in
`docs/crosswalk.md`) matches become coprod concepts; every other coded value is kept as a
`cop:participediaValue "field:value"` literal and reported as unmapped, never dropped.
Bovaird's who-plans / who-delivers are never coded from Participedia: its data does not say.

The same Participedia id always gives the same IRI, whichever source generation it was read
from, so the 2017, 2018 and export forms of one case become one record.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from ingest.iris import Minter
from ingest.records import (
    Coded,
    ParticipediaCase,
    ParticipediaEntry,
    ParticipediaMethod,
    ParticipediaOrganisation,
)
from ontology.namespaces import COFOG, COP, COUNTRY, SCHEMA

LICENSE = "https://creativecommons.org/licenses/by-nc-sa/3.0/"
ATTRIBUTION = "Participedia (participedia.net) and its contributors"
CROSSWALK_FILE = Path(__file__).resolve().parent.parent / "crosswalk" / "participedia.csv"
SITE = "https://participedia.net"
# The page path on participedia.net and the record type of coprod IRIs, per entry type.
KINDS: dict[type[ParticipediaEntry], tuple[str, str]] = {
    ParticipediaCase: ("case", "case"),
    ParticipediaMethod: ("method", "method"),
    ParticipediaOrganisation: ("organization", "org"),
}
_PREFIXES = {"cop": str(COP), "cofog": str(COFOG), "dcterms": str(DCTERMS)}
_YEAR = re.compile(r"^(\d{4})")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
LAST_YEAR = 2026  # the shapes refuse start years after the current edition year


@dataclass(frozen=True)
class Mapping:
    """One crosswalk row: a Participedia value and the coprod triple it becomes."""

    property: URIRef
    target: URIRef
    match: str


@dataclass
class Crosswalk:
    """Crosswalk rows by (entity, field, key) and by (entity, field, casefolded label)."""

    by_key: dict[tuple[str, str, str], Mapping] = field(default_factory=dict)
    by_label: dict[tuple[str, str, str], Mapping] = field(default_factory=dict)

    def find(self, entity: str, field_name: str, value: Coded) -> Mapping | None:
        """The mapping of one coded value, by key first and then by label."""
        if value.key is not None:
            found = self.by_key.get((entity, field_name, value.key.strip()))
            if found is not None:
                return found
        if value.label is not None:
            return self.by_label.get((entity, field_name, value.label.strip().casefold()))
        return None


@dataclass(frozen=True)
class Unmapped:
    """A value that did not map: where it was read and what it was."""

    file: str
    entity: str
    record: str
    field: str
    value: str


@dataclass
class ParticipediaGraph:
    """What the mapper returns: the triples and every value it could not map."""

    graph: Graph
    unmapped: list[Unmapped] = field(default_factory=list)


def _expand(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    if prefix not in _PREFIXES or not local:
        raise ValueError(f"unknown term {curie!r} in the crosswalk")
    return URIRef(_PREFIXES[prefix] + local)


def load_crosswalk(path: Path = CROSSWALK_FILE) -> Crosswalk:
    """Read the crosswalk CSV (entity, field, key, label, property, target, match, note)."""
    crosswalk = Crosswalk()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            mapping = Mapping(_expand(row["property"]), _expand(row["target"]), row["match"])
            entity, name = row["entity"], row["field"]
            if row["key"]:
                crosswalk.by_key[(entity, name, row["key"])] = mapping
            if row["label"]:
                crosswalk.by_label[(entity, name, row["label"].casefold())] = mapping
    return crosswalk


ALIASES_FILE = Path(__file__).parents[1] / "crosswalk" / "country-aliases.csv"


def country_index(countries: Graph) -> dict[str, str]:
    """Casefolded English prefLabel/altLabel -> three-letter code of the EU country table."""
    index: dict[str, str] = {}
    namespace = str(COUNTRY)
    for predicate in (SKOS.altLabel, SKOS.prefLabel):  # prefLabels win over altLabels
        for subject, label in countries.subject_objects(predicate):
            if (
                str(subject).startswith(namespace)
                and isinstance(label, Literal)
                and label.language in (None, "en")
            ):
                index[str(label).casefold()] = str(subject)[len(namespace) :]
    with ALIASES_FILE.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            index.setdefault(row["name"].casefold(), row["code"])
    return index


def page(entry: ParticipediaEntry) -> URIRef:
    """The entry's page on participedia.net: as given, else built from its type and id."""
    if entry.url:
        return URIRef(entry.url)
    return URIRef(f"{SITE}/{KINDS[type(entry)][0]}/{entry.id}")


def entry_iri(minter: Minter, kind: str, entry_id: str) -> URIRef:
    """`{base}id/{kind}/participedia-{id}`: one IRI per Participedia id, whatever the source."""
    return minter.record(kind, f"participedia-{entry_id}")


def map_participedia(
    records: list[object],
    minter: Minter,
    *,
    countries: dict[str, str] | None = None,
    crosswalk: Crosswalk | None = None,
    into: Graph | None = None,
) -> ParticipediaGraph:
    """Triples for Participedia entries, and the list of values that did not map.

    `countries` is `country_index()` of the EU table; without it no country is linked and no
    miss reported.
    """
    crosswalk = crosswalk if crosswalk is not None else load_crosswalk()
    result = ParticipediaGraph(Graph() if into is None else into)
    for record in records:
        if not isinstance(record, ParticipediaEntry) or type(record) not in KINDS:
            raise TypeError(f"not a Participedia entry: {type(record).__name__}")
        _map_entry(record, minter, countries, crosswalk, result)
    return result


def _map_entry(
    entry: ParticipediaEntry,
    minter: Minter,
    countries: dict[str, str] | None,
    crosswalk: Crosswalk,
    result: ParticipediaGraph,
) -> None:
    graph = result.graph
    entity = KINDS[type(entry)][1]
    iri = entry_iri(minter, entity, entry.id)
    language = _language(entry)
    graph.add((iri, DCTERMS.identifier, Literal(f"participedia-{entry.id}")))
    if entry.title:
        graph.add((iri, RDFS.label, Literal(entry.title, lang=language)))
    else:
        # A label is required; this one names the record and claims nothing about it.
        graph.add((iri, RDFS.label, Literal(f"Participedia {entity} {entry.id}", lang="en")))
        note = Literal(f"No title in the {entry.form} source.", lang="en")
        graph.add((iri, SKOS.editorialNote, note))
    if entry.description:
        graph.add((iri, DCTERMS.description, Literal(entry.description, lang=language)))
    url = page(entry)
    graph.add((iri, SCHEMA.url, url))
    graph.add((iri, DCTERMS.source, url))
    graph.add((iri, COP.confirmation, COP.Unconfirmed))
    if isinstance(entry, ParticipediaCase):
        graph.add((iri, RDF.type, COP.Case))
        _case(entry, iri, minter, countries, result)
    elif isinstance(entry, ParticipediaMethod):
        graph.add((iri, RDF.type, COP.Method))
    else:
        graph.add((iri, RDF.type, FOAF.Organization))
        graph.add((iri, FOAF.name, Literal(entry.title or f"Participedia organisation {entry.id}")))
        _place(entry, iri, minter, graph)
    for name, values in sorted(entry.facets.items()):
        for value in values:
            mapping = crosswalk.find(entity, name, value)
            if mapping is not None:
                graph.add((iri, mapping.property, mapping.target))
            else:
                _keep(entry, iri, entity, name, value.key or value.label or "", result)
    for tag in entry.tags:
        _keep(entry, iri, entity, "tags", tag, result)


def _case(
    entry: ParticipediaCase,
    iri: URIRef,
    minter: Minter,
    countries: dict[str, str] | None,
    result: ParticipediaGraph,
) -> None:
    graph = result.graph
    if entry.country and countries is not None:
        code = countries.get(entry.country.strip().casefold())
        if code is not None:
            graph.add((iri, COP.country, COUNTRY[code]))
        else:
            result.unmapped.append(
                Unmapped(entry.origin.file, "case", entry.id, "country", entry.country)
            )
    _place(entry, iri, minter, graph)
    year = _YEAR.match(entry.start_date or "")
    if year and int(year.group(1)) <= LAST_YEAR:
        graph.add((iri, SCHEMA.startDate, Literal(year.group(1), datatype=XSD.gYear)))
    for link in entry.methods:
        graph.add((iri, COP.usesMethod, entry_iri(minter, "method", link.id)))
    for link in entry.organisers:
        graph.add((iri, COP.organisedBy, entry_iri(minter, "org", link.id)))


def _place(entry: ParticipediaEntry, iri: URIRef, minter: Minter, graph: Graph) -> None:
    parts = [p for p in (entry.city, entry.province) if p]
    if not parts and not entry.country:
        return
    name = ", ".join(parts) if parts else str(entry.country)
    place = minter.place(name, entry.country)
    graph.add((place, RDF.type, SCHEMA.Place))
    graph.add((place, RDF.type, DCTERMS.Location))
    graph.add((place, RDFS.label, Literal(", ".join([*parts, entry.country or ""]).strip(", "))))
    if entry.latitude is not None and entry.longitude is not None:
        graph.add((place, SCHEMA.latitude, Literal(entry.latitude)))
        graph.add((place, SCHEMA.longitude, Literal(entry.longitude)))
    graph.add((iri, DCTERMS.spatial, place))


def _keep(
    entry: ParticipediaEntry,
    iri: URIRef,
    entity: str,
    name: str,
    value: str,
    result: ParticipediaGraph,
) -> None:
    value = value.strip()
    if not value:
        return
    result.graph.add((iri, COP.participediaValue, Literal(f"{name}:{value}")))
    result.unmapped.append(Unmapped(entry.origin.file, entity, entry.id, name, value))


def _language(entry: ParticipediaEntry) -> str | None:
    for key in ("original_language", "language"):
        value = entry.extra.get(key, "").strip().lower()
        if value and _LANGUAGE.match(value):
            return value
    return None


def unmapped_rows(unmapped: list[Unmapped]) -> list[dict[str, str]]:
    """One row per (file, entity, field, value): how often it occurred and a few record ids."""
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for item in unmapped:
        groups.setdefault((item.file, item.entity, item.field, item.value), []).append(item.record)
    rows = []
    for (file, entity, name, value), ids in sorted(groups.items()):
        rows.append(
            {
                "file": file,
                "entity": entity,
                "field": name,
                "value": value,
                "count": str(len(ids)),
                "records": " ".join(sorted(set(ids), key=_id_order)[:10]),
            }
        )
    return rows


def _id_order(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (1 << 62, value)

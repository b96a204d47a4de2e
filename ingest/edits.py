"""Catalogue edits: one submitted case or work -> checked record -> one SPARQL Update with PROV.

The path is the import's: the readers' own row checks (`cases_csv.read_row`,
`bibtex.entry_to_record`), authority links, mapping, SHACL and HermiT, then ONE update that
 - deletes the record's triples from every graph that catalogues it (holds its
   `dcterms:identifier`) and its types from every `...inferred` graph,
 - writes the full new version into `{base}graph/catalogue-edits` (+ `-inferred` types),
 - records the change in `{base}graph/catalogue-history`: a `prov:Activity` `{base}id/edit/{uuid}`
   (agent, time, `prov:used` the replaced version, `prov:generated` the new one) and version
   entities `{record}/version/{n}` (`prov:specializationOf` the record, `prov:wasRevisionOf`,
   the fields as `rdf:value` JSON; a replaced version from a build source also keeps its exact
   triples as `rdf:Statement`s).
Nothing here touches a store: reads go through any object with `construct(query) -> Graph`.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, XSD
from rdflib.term import Node

from ingest import links
from ingest.aggregates import refresh_request
from ingest.iris import Minter, slugify
from ingest.mappers.cases import WHO_DELIVERS, WHO_PLANS, map_cases
from ingest.mappers.common import CONFIRMATION
from ingest.mappers.works import WORK_TYPES, map_works
from ingest.readers.bibtex import entry_to_record as bibtex_record
from ingest.readers.cases_csv import COLUMNS as CASE_FIELDS
from ingest.readers.cases_csv import read_row as case_row
from ingest.records import CaseRecord, Confirmation, Origin, Person, ReadResult, WorkRecord
from ingest.report import ReportRow, from_problem, from_violation
from ontology import DEFAULT_BASE
from ontology.errors import IngestError, InputError
from ontology.namespaces import BIBO, COP, FABIO, SCHEMA
from ontology.reason import classify
from ontology.rebase import rebase_graph, rebase_iri
from ontology.validate import validate

ORIGIN = "catalogue edit"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
WORK_FIELDS = [
    "key", "kind", "title", "authors", "year", "venue", "volume", "issue", "pages", "doi",
    "publisher", "sources", "status", "unverified", "editorial_note",
]
FIELDS = {"case": list(CASE_FIELDS), "work": WORK_FIELDS}
# WorkRecord.kind -> the BibTeX entry type the BibTeX reader maps back to that kind.
ENTRY_TYPES = {
    "article": "article", "book": "book", "chapter": "incollection", "report": "techreport",
    "thesis": "phdthesis", "paper": "inproceedings", "other": "misc",
}
# How a list field is joined into the one cell the readers split.
LIST_SEPARATORS = {"discussed_in": ";", "sources": " ", "unverified": ","}
# Ontology property -> the field an inconsistency is reported on.
PROPERTY_FIELDS = {
    "whoPlans": "who_plans", "whoDelivers": "who_delivers", "discussedIn": "discussed_in",
    "discussesCase": "discussed_in", "country": "country", "serviceArea": "service_area",
    "confirmation": "status",
}
SAFE_IRI = re.compile(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|^`\\]+$")
_HTTP_IRI = re.compile(r"^https?://[^\s<>\"{}|^`\\]+$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:.-]{0,200}$")
RDF_JSON = URIRef(str(RDF) + "JSON")


class GraphSource(Protocol):
    """What the edit needs from a store: CONSTRUCT queries (the Store seam has it)."""

    def construct(self, query: str) -> Graph:
        """Run a CONSTRUCT and return the graph."""
        ...


@dataclass
class EditPlan:
    """One edit: the rows that stop it, or the update that writes it."""

    kind: str
    iri: URIRef
    rows: list[ReportRow] = field(default_factory=list)
    data: Graph = field(default_factory=Graph)
    inferred: Graph = field(default_factory=Graph)
    update: str = ""
    version: int = 0

    @property
    def ok(self) -> bool:
        """True when the edit can be written."""
        return not any(row.severity == "error" for row in self.rows)


def graphs(base: str) -> dict[str, URIRef]:
    """The graphs the edits write: edits, their inferred types, history, and the catalogue."""
    return {
        "edits": URIRef(f"{base}graph/catalogue-edits"),
        "inferred": URIRef(f"{base}graph/catalogue-edits-inferred"),
        "history": URIRef(f"{base}graph/catalogue-history"),
        "catalog": URIRef(f"{base}graph/catalog"),
    }


def record_iri(kind: str, key: str, base: str) -> URIRef:
    """`{base}id/case/{slug}` or `{base}id/work/{slug}`; InputError for a bad kind or key."""
    if kind not in FIELDS:
        raise InputError("expected case or work", field="type", value=kind)
    try:
        return Minter(base).record(kind, key)
    except ValueError as exc:
        raise InputError(str(exc), field="id" if kind == "case" else "key", value=key) from exc


# --- fields -> records (the readers' own checks) ---------------------------------------------


def _cell(name: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATORS.get(name, " ").join(str(v).strip() for v in value)
    return str(value).strip()


def _unknown(kind: str, fields: Mapping[str, object], key: str) -> list[InputError]:
    return [
        InputError(f"unknown field; expected one of {FIELDS[kind]}", file=ORIGIN, record=key,
                   field=name)
        for name in fields if name not in FIELDS[kind]
    ]


def _bad_sources(fields: Mapping[str, object], key: str) -> list[InputError]:
    # Sources become IRIs in the update: only plain http(s) addresses are taken.
    return [
        InputError("expected an http(s) address without spaces or <>\"{}|^`\\", file=ORIGIN,
                   record=key, field="sources", value=source)
        for source in _cell("sources", fields.get("sources")).split()
        if not _HTTP_IRI.match(source)
    ]


def case_from_fields(fields: Mapping[str, object]) -> tuple[CaseRecord | None, list[InputError]]:
    """A CaseRecord through the case CSV reader's row checks, or the problems found."""
    cells = {name: _cell(name, fields.get(name)) for name in CASE_FIELDS}
    result = ReadResult()
    case_row(Path(ORIGIN), 1, dict(cells), set(), result)
    problems = _unknown("case", fields, cells["id"]) + _bad_sources(fields, cells["id"])
    problems += list(result.problems)
    for problem in problems:
        problem.line = None  # a form has no lines
    record = result.records[0] if result.records and not problems else None
    return (record if isinstance(record, CaseRecord) else None), problems


def work_from_fields(fields: Mapping[str, object]) -> tuple[WorkRecord | None, list[InputError]]:
    """A WorkRecord through the BibTeX reader's entry checks, or the problems found."""
    key = _cell("key", fields.get("key"))
    origin = Origin(ORIGIN, key)
    problems = _unknown("work", fields, key) + _bad_sources(fields, key)
    if not _KEY.match(key):
        problems.append(InputError("expected a key of letters, digits and _:.-", file=ORIGIN,
                                   record=key, field="key", value=key))
    kind = _cell("kind", fields.get("kind")) or "article"
    if kind not in ENTRY_TYPES:
        problems.append(InputError(f"expected one of: {', '.join(ENTRY_TYPES)}", file=ORIGIN,
                                   record=key, field="kind", value=kind))
    authors = _authors(fields.get("authors"), origin, problems)
    entry = {
        "ENTRYTYPE": ENTRY_TYPES.get(kind, "misc"), "ID": key,
        "title": _cell("title", fields.get("title")),
        "year": _cell("year", fields.get("year")),
        "doi": _cell("doi", fields.get("doi")),
        "status": _cell("status", fields.get("status")),
        "journal": _cell("venue", fields.get("venue")),
        "volume": _cell("volume", fields.get("volume")),
        "number": _cell("issue", fields.get("issue")),
        "pages": _cell("pages", fields.get("pages")),
        "publisher": _cell("publisher", fields.get("publisher")),
        "sources": _cell("sources", fields.get("sources")),
        "unverified": _cell("unverified", fields.get("unverified")),
        "editorialnote": _cell("editorial_note", fields.get("editorial_note")),
    }
    record = bibtex_record({k: v for k, v in entry.items() if v}, origin, problems)
    if record is None or problems:
        return None, problems
    record.authors = authors
    return record, problems


def _authors(value: object, origin: Origin, problems: list[InputError]) -> list[Person]:
    people: list[Person] = []
    items = value if isinstance(value, list) else [] if value in (None, "") else None
    if items is None:
        problems.append(InputError("expected a list of {family, given}", file=ORIGIN,
                                   record=origin.record, field="authors"))
        return people
    for item in items:
        family = str(item.get("family") or "").strip() if isinstance(item, dict) else ""
        if not family:
            problems.append(InputError("each author needs a family name", file=ORIGIN,
                                       record=origin.record, field="authors", value=str(item)))
            continue
        people.append(Person(family=family, given=str(item.get("given") or "").strip()))
    return people


def record_fields(record: CaseRecord | WorkRecord) -> dict[str, Any]:
    """The submitted-field view of a record (what the form shows and the history compares)."""
    if isinstance(record, CaseRecord):
        data = asdict(record)
        data.pop("origin")
        for name in ("who_plans", "who_delivers", "status"):
            data[name] = str(data[name]) if data[name] is not None else None
        return {name: data.get(name) for name in CASE_FIELDS}
    pages = "-".join(p for p in (record.page_start, record.page_end) if p) or None
    return {
        "key": record.key, "kind": record.kind, "title": record.title,
        "authors": [{"family": p.family, "given": p.given} for p in record.authors],
        "year": record.year, "venue": record.venue, "volume": record.volume,
        "issue": record.issue, "pages": pages, "doi": record.doi, "publisher": record.publisher,
        "sources": list(record.sources), "status": str(record.status),
        "unverified": list(record.unverified), "editorial_note": record.editorial_note,
    }


# --- triples -> records (the current version, for the form and the history) -----------------


def _local(term: Node) -> str:
    return re.split(r"[#/]", str(term))[-1]


def _text(graph: Graph, subject: Node, prop: URIRef) -> str | None:
    values = sorted(str(v) for v in graph.objects(subject, prop))
    return values[0] if values else None


def _reverse(table: Mapping[Any, URIRef], value: Node | None) -> Any:
    if value is None:
        return None
    return next((k for k, v in table.items() if _local(v) == _local(value)), None)


def _key(graph: Graph, iri: Node) -> str:
    return _text(graph, iri, DCTERMS.identifier) or _local(iri)


def _curation(graph: Graph, iri: URIRef) -> dict[str, Any]:
    return {
        "sources": sorted(str(s) for s in graph.objects(iri, DCTERMS.source)),
        "status": _reverse(CONFIRMATION, graph.value(iri, COP.confirmation))
        or Confirmation.UNCONFIRMED,
        "unverified": sorted(str(s) for s in graph.objects(iri, COP.unverifiedField)),
        "editorial_note": _text(graph, iri, SKOS_NOTE),
    }


SKOS_NOTE = URIRef("http://www.w3.org/2004/02/skos/core#editorialNote")


def case_from_graph(graph: Graph, iri: URIRef) -> CaseRecord:
    """The case `iri` as a record, from its triples (default base) and its neighbours' labels."""
    place = graph.value(iri, DCTERMS.spatial)
    country = graph.value(iri, COP.country)
    area = graph.value(iri, COP.serviceArea)
    code = _local(area) if area is not None else None
    year = _text(graph, iri, SCHEMA.startDate)
    works = {*graph.objects(iri, COP.discussedIn), *graph.subjects(COP.discussesCase, iri)}
    return CaseRecord(
        id=_key(graph, iri), name=_text(graph, iri, RDFS.label) or "", origin=Origin("", ""),
        description=_text(graph, iri, DCTERMS.description),
        place=_text(graph, place, RDFS.label) if place is not None else None,
        country=_local(country) if country is not None else None,
        start_year=int(year) if year and year.isdigit() else None,
        service_area=code[:2] + "".join("." + c for c in code[2:]) if code else None,
        who_plans=_reverse(WHO_PLANS, graph.value(iri, COP.whoPlans)),
        who_delivers=_reverse(WHO_DELIVERS, graph.value(iri, COP.whoDelivers)),
        discussed_in=sorted(_key(graph, w) for w in works),
        **_curation(graph, iri),
    )


def work_from_graph(graph: Graph, iri: URIRef) -> WorkRecord:
    """The work `iri` as a record, from its triples and its authors', venue's and seq's."""
    kind = _reverse(WORK_TYPES, next(
        (t for t in graph.objects(iri, RDF.type) if _reverse(WORK_TYPES, t)), None)) or "other"
    year = _text(graph, iri, FABIO.hasPublicationYear)

    def people(seq_prop: URIRef) -> list[Person]:
        seq = graph.value(iri, seq_prop)
        if seq is None:
            return []
        members = sorted(
            ((int(str(p).rsplit("_", 1)[1]), o) for p, o in graph.predicate_objects(seq)
             if re.search(r"#_\d+$", str(p))),
        )
        return [Person(family=_text(graph, o, FOAF.familyName) or _text(graph, o, RDFS.label)
                       or _local(o), given=_text(graph, o, FOAF.givenName) or "")
                for _, o in members]

    venue = graph.value(iri, DCTERMS.isPartOf)
    return WorkRecord(
        key=_key(graph, iri), kind=kind, title=_text(graph, iri, DCTERMS.title)
        or _text(graph, iri, RDFS.label) or "", origin=Origin("", ""),
        authors=people(BIBO.authorList), editors=people(BIBO.editorList),
        year=int(year) if year and year.isdigit() else None,
        venue=_text(graph, venue, RDFS.label) if venue is not None else None,
        volume=_text(graph, iri, BIBO.volume), issue=_text(graph, iri, BIBO.issue),
        page_start=_text(graph, iri, BIBO.pageStart), page_end=_text(graph, iri, BIBO.pageEnd),
        doi=_text(graph, iri, BIBO.doi), isbn=_text(graph, iri, BIBO.isbn),
        publisher=_text(graph, iri, DCTERMS.publisher),
        abstract=_text(graph, iri, DCTERMS.abstract),
        cites=sorted(_key(graph, w) for w in graph.objects(iri, URIRef(
            "http://purl.org/spar/cito/cites"))),
        **_curation(graph, iri),
    )


# --- reading the store ----------------------------------------------------------------------


def _skip(g: str, base: str) -> str:
    names = graphs(base)
    return (f"FILTER(?{g} != <{names['history']}> && ?{g} != <{names['catalog']}> "
            f"&& !STRENDS(STR(?{g}), \"inferred\"))")


def current_query(iri: URIRef, base: str) -> str:
    """CONSTRUCT the record as catalogued (graphs holding its identifier) and its neighbours."""
    ident, seq = DCTERMS.identifier, "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    return f"""CONSTRUCT {{ <{iri}> ?p ?o . ?o ?q ?v . ?w <{ident}> ?k . ?w ?r <{iri}> .
                  ?m ?mp ?mv }}
WHERE {{ GRAPH ?g {{ <{iri}> <{ident}> ?id . <{iri}> ?p ?o }} {_skip("g", base)}
  OPTIONAL {{ GRAPH ?h {{ ?o ?q ?v }} FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{base}id/")
             && ?q != <{RDF.type}>) }}
  OPTIONAL {{ GRAPH ?g {{ ?w ?r <{iri}> FILTER(?r = <{COP.discussesCase}>) }}
             OPTIONAL {{ GRAPH ?h2 {{ ?w <{ident}> ?k }} }} }}
  OPTIONAL {{ GRAPH ?h3 {{ ?o ?sp ?m FILTER(STRSTARTS(STR(?sp), "{seq}_")) ?m ?mp ?mv }} }}
}}""".replace(str(COP), f"{base}ontology#")


def own_triples_query(iri: URIRef, base: str) -> str:
    """CONSTRUCT the triples an edit removes: the record's, in the graphs that catalogue it."""
    ident = DCTERMS.identifier
    return (f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ GRAPH ?g {{ <{iri}> <{ident}> ?id . "
            f"<{iri}> ?p ?o }} {_skip('g', base)} }}")


HOLDS = URIRef("urn:coprod:holds")


def sources_query(iri: URIRef, base: str) -> str:
    """CONSTRUCT `?g <urn:coprod:holds> <iri>` for each graph that catalogues the record."""
    return (f"CONSTRUCT {{ ?g <{HOLDS}> <{iri}> }} WHERE {{ GRAPH ?g {{ <{iri}> "
            f"<{DCTERMS.identifier}> ?id }} {_skip('g', base)} }}")


def context_query(iri: URIRef, linked: list[URIRef], base: str) -> str:
    """CONSTRUCT what other graphs say about the record, and the types of what it links to."""
    values = " ".join(f"<{i}>" for i in linked if SAFE_IRI.match(str(i)))
    linked_part = (f"UNION {{ VALUES ?x {{ {values} }} GRAPH ?h {{ ?x a ?t }} "
                   f"FILTER(!STRENDS(STR(?h), \"inferred\")) }}") if values else ""
    return f"""CONSTRUCT {{ <{iri}> ?p ?o . ?x a ?t }}
WHERE {{ {{ GRAPH ?g {{ <{iri}> ?p ?o }} {_skip("g", base)}
    FILTER NOT EXISTS {{ GRAPH ?g {{ <{iri}> <{DCTERMS.identifier}> ?id }} }} }} {linked_part} }}"""


def codes_query(namespace: str) -> str:
    """CONSTRUCT the authority entries (country table or COFOG) the store holds."""
    return (f"CONSTRUCT {{ ?c <{SKOS_PREF}> ?l }} WHERE {{ GRAPH ?g {{ ?c <{SKOS_PREF}> ?l }} "
            f"FILTER(STRSTARTS(STR(?c), \"{namespace}\")) }}")


SKOS_PREF = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")


def works_query(keys: list[str], base: str) -> str:
    """CONSTRUCT the identifiers of the works (by key) that exist in the store."""
    iris = " ".join(f"<{Minter(base).work(k)}>" for k in keys)
    return (f"CONSTRUCT {{ ?w <{DCTERMS.identifier}> ?k }} WHERE {{ VALUES ?w {{ {iris} }} "
            f"GRAPH ?g {{ ?w a <{SCHEMA.CreativeWork}> ; <{DCTERMS.identifier}> ?k }} }}")


def history_query(iri: URIRef, base: str) -> str:
    """CONSTRUCT the history of a record: its versions and the activities around them."""
    hist = graphs(base)["history"]
    return f"""CONSTRUCT {{ ?v ?p ?o . ?a ?ap ?ao . ?ag ?gp ?go }}
WHERE {{ GRAPH <{hist}> {{ ?v <{PROV.specializationOf}> <{iri}> ; ?p ?o
  OPTIONAL {{ ?a <{PROV.generated}>|<{PROV.used}> ?v ; ?ap ?ao .
             OPTIONAL {{ ?a <{PROV.wasAssociatedWith}> ?ag . ?ag ?gp ?go }} }} }} }}"""


# --- the plan -------------------------------------------------------------------------------


@dataclass
class Current:
    """What the store holds now about the record being edited."""

    exists: bool
    record: CaseRecord | WorkRecord | None
    own: Graph  # the triples an edit removes (store base)
    sources: list[URIRef]  # the graphs those triples are in
    history: Graph  # its versions and activities (store base)


def read_current(source: GraphSource, kind: str, iri: URIRef, base: str) -> Current:
    """The record as it is now, its own triples and its history."""
    own = source.construct(own_triples_query(iri, base))
    history = source.construct(history_query(iri, base))
    record: CaseRecord | WorkRecord | None = None
    if len(own):
        whole = rebase_graph(source.construct(current_query(iri, base)), base, DEFAULT_BASE)
        here = rebase_iri(iri, base, DEFAULT_BASE)
        record = case_from_graph(whole, here) if kind == "case" else work_from_graph(whole, here)
    held = source.construct(sources_query(iri, base)).subjects(HOLDS, iri)
    return Current(exists=bool(len(own)), record=record, own=own,
                   sources=sorted((URIRef(str(g)) for g in held), key=str), history=history)


def plan_edit(
    source: GraphSource,
    kind: str,
    record: CaseRecord | WorkRecord,
    current: Current,
    *,
    base: str,
    agent: str,
    when: datetime,
) -> EditPlan:
    """Check `record` against the store's authorities and the ontology; build the update."""
    key = record.id if isinstance(record, CaseRecord) else record.key
    iri = record_iri(kind, key, base)
    plan = EditPlan(kind=kind, iri=iri)
    if isinstance(record, WorkRecord) and isinstance(current.record, WorkRecord):
        # Fields the API does not carry are kept from the version being replaced.
        old = current.record
        record.editors, record.isbn = old.editors, record.isbn or old.isbn
        record.abstract, record.cites = record.abstract or old.abstract, old.cites
    problems: list[InputError] = []
    if isinstance(record, CaseRecord):
        problems += _case_links(source, record, base)
    plan.rows = [from_problem(p) for p in problems]
    data = map_cases([record], Minter()) if isinstance(record, CaseRecord) else map_works(
        [record], Minter())
    plan.rows += [from_violation(v, ORIGIN) for v in validate(data)]
    if not plan.ok:
        return plan
    here = rebase_iri(iri, base, DEFAULT_BASE)
    linked = [rebase_iri(URIRef(str(o)), DEFAULT_BASE, base) for o in data.objects(here, None)
              if isinstance(o, URIRef) and str(o).startswith(DEFAULT_BASE + "id/")]
    context = rebase_graph(source.construct(context_query(iri, linked, base)), base, DEFAULT_BASE)
    try:
        inferred = classify(data + context).triples
    except IngestError as exc:
        plan.rows.append(_inconsistency(exc, key))
        return plan
    inferred_here = Graph()
    for triple in inferred.triples((here, None, None)):
        inferred_here.add(triple)
    plan.data = rebase_graph(data, DEFAULT_BASE, base) if base != DEFAULT_BASE else data
    plan.inferred = (rebase_graph(inferred_here, DEFAULT_BASE, base) if base != DEFAULT_BASE
                     else inferred_here)
    plan.update, plan.version = update_request(plan, record, current, base, agent, when)
    return plan


def _case_links(source: GraphSource, case: CaseRecord, base: str) -> list[InputError]:
    countries = links.known_codes(source.construct(codes_query(links.COUNTRY_NS)),
                                  links.COUNTRY_NS)
    cofog = links.known_codes(source.construct(codes_query(links.COFOG_NS)), links.COFOG_NS)
    problems = [p for p in links.check_cases([case], [], countries, cofog)
                if p.field != "discussed_in"]
    if case.discussed_in:
        found = {str(k) for k in source.construct(works_query(case.discussed_in, base)).objects()}
        problems += [
            InputError("no work with this key in the store", file=ORIGIN, record=case.id,
                       field="discussed_in", value=key)
            for key in case.discussed_in if key not in found
        ]
    for problem in problems:
        problem.line = None
    return problems


def _inconsistency(exc: IngestError, key: str) -> ReportRow:
    message = str(exc)
    field_name = next((f for prop, f in PROPERTY_FIELDS.items() if prop in message), "")
    return ReportRow("error", ORIGIN, "", key, field_name, "", "a record consistent with the "
                     "ontology and with what other graphs say about it", message)


def agent_iri(agent: str, base: str) -> URIRef:
    """The agent as given when it is an IRI (e.g. an ORCID), else `{base}id/agent/{slug}`."""
    if SAFE_IRI.match(agent) and agent.split(":", 1)[0] in ("http", "https"):
        return URIRef(agent)
    try:
        return URIRef(f"{base}id/agent/{slugify(agent)}")
    except ValueError as exc:
        raise InputError("give an agent name or IRI", field="agent", value=agent) from exc


def _versions(history: Graph) -> list[int]:
    return sorted(int(str(v)) for v in history.objects(None, SCHEMA.version) if str(v).isdigit())


def update_request(
    plan: EditPlan, record: CaseRecord | WorkRecord, current: Current, base: str, agent: str,
    when: datetime,
) -> tuple[str, int]:
    """ONE SPARQL Update: unlink the old version everywhere, write the new one and its PROV."""
    names = graphs(base)
    iri = plan.iri
    stamp = Literal(when.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    who = agent_iri(agent, base)
    activity = URIRef(f"{base}id/edit/{uuid.uuid4()}")
    history = Graph()
    history.add((who, RDF.type, PROV.Agent))
    history.add((who, RDFS.label, Literal(agent)))
    history.add((activity, RDF.type, PROV.Activity))
    history.add((activity, RDFS.label, Literal(
        f"{'correction' if current.exists else 'creation'} of {plan.kind} {_key_of(record)}")))
    history.add((activity, PROV.wasAssociatedWith, who))
    history.add((activity, PROV.startedAtTime, stamp))
    history.add((activity, PROV.endedAtTime, stamp))
    numbers = _versions(current.history)
    number = (numbers[-1] if numbers else 0) + 1
    old: URIRef | None = None
    if current.exists and numbers and names["edits"] in current.sources:
        old = URIRef(f"{iri}/version/{numbers[-1]}")  # the last edit, already described
    elif current.exists and current.record is not None:
        old = URIRef(f"{iri}/version/{number}")  # the build's version: snapshot it now
        _version(history, old, iri, number, record_fields(current.record))
        history.add((old, RDFS.comment, Literal("the version read from the graphs named by "
                                                "prov:hadPrimarySource, before the first edit")))
        for graph in current.sources:
            history.add((old, PROV.hadPrimarySource, graph))
        for s, p, o in current.own:
            statement = BNode()
            for prop, value in ((RDF.type, RDF.Statement), (RDF.subject, s),
                                (RDF.predicate, p), (RDF.object, o), (DCTERMS.isPartOf, old)):
                history.add((statement, prop, value))
        number += 1
    new = URIRef(f"{iri}/version/{number}")
    _version(history, new, iri, number, record_fields(record))
    history.add((new, PROV.wasGeneratedBy, activity))
    history.add((new, PROV.generatedAtTime, stamp))
    history.add((new, PROV.wasAttributedTo, who))
    history.add((activity, PROV.generated, new))
    if old is not None:
        history.add((activity, PROV.used, old))
        history.add((new, PROV.wasRevisionOf, old))
        history.add((old, PROV.invalidatedAtTime, stamp))
        history.add((old, PROV.wasInvalidatedBy, activity))
    _check_iris(plan.data + plan.inferred + history)
    return _request(plan, names, history, base), number


def _key_of(record: CaseRecord | WorkRecord) -> str:
    return record.id if isinstance(record, CaseRecord) else record.key


def _version(history: Graph, version: URIRef, iri: URIRef, number: int,
             fields: dict[str, Any]) -> None:
    history.add((version, RDF.type, PROV.Entity))
    history.add((version, PROV.specializationOf, iri))
    history.add((version, SCHEMA.version, Literal(number)))
    history.add((version, RDF.value, Literal(json.dumps(fields, sort_keys=True,
                                                        ensure_ascii=False), datatype=RDF_JSON)))


def _check_iris(graph: Graph) -> None:
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef) and not SAFE_IRI.match(str(term)):
                raise InputError("not a usable IRI", value=str(term)[:200])


def _nt(graph: Graph) -> str:
    return graph.serialize(format="nt", encoding="utf-8").decode("utf-8")


def _request(plan: EditPlan, names: dict[str, URIRef], history: Graph, base: str) -> str:
    iri, ident = plan.iri, DCTERMS.identifier
    cop = f"{base}ontology#"
    catalogued = (f"GRAPH ?g {{ <{iri}> <{ident}> ?id }} FILTER(?g != <{names['history']}> "
                  f"&& ?g != <{names['catalog']}>)")
    parts = [
        # Incoming inverse links and the author/editor lists first: they are found through the
        # identifier the last step removes.
        f"DELETE {{ GRAPH ?g {{ ?w <{cop}discussesCase> <{iri}> }} }} "
        f"WHERE {{ {catalogued} GRAPH ?g {{ ?w <{cop}discussesCase> <{iri}> }} }}",
        f"DELETE {{ GRAPH ?g {{ ?seq ?p ?o }} }} WHERE {{ {catalogued} "
        f"GRAPH ?g {{ <{iri}> <{BIBO.authorList}>|<{BIBO.editorList}> ?seq . ?seq ?p ?o }} }}",
        f"DELETE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }} WHERE {{ {catalogued} "
        f"GRAPH ?g {{ <{iri}> ?p ?o }} }}",
        f"DELETE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }} WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} "
        f"FILTER(STRENDS(STR(?g), \"inferred\")) }}",
    ]
    description = Graph()
    for graph, title in ((names["edits"], "Catalogue edits: records added or corrected "
                          "through the cataloguing API"),
                         (names["inferred"], "Types inferred by HermiT for edited records"),
                         (names["history"], "History of catalogue edits (PROV)")):
        parts.append(f"DELETE WHERE {{ GRAPH <{names['catalog']}> {{ <{graph}> ?p ?o }} }}")
        for p, o in ((RDF.type, PROV.Entity), (RDF.type, URIRef("http://rdfs.org/ns/void#Dataset")),
                     (DCTERMS.title, Literal(title)), (DCTERMS.license, URIRef(LICENSE)),
                     (DCTERMS.source, Literal("cataloguing API")),
                     (PROV.generatedAtTime, next(history.objects(None, PROV.endedAtTime)))):
            description.add((graph, p, o))
    body = "".join(
        f"GRAPH <{g}> {{\n{_nt(data)}}}\n"
        for g, data in ((names["edits"], plan.data), (names["inferred"], plan.inferred),
                        (names["history"], history), (names["catalog"], description))
        if len(data)
    )
    parts.append(f"INSERT DATA {{\n{body}}}")
    for graph in (names["edits"], names["inferred"], names["history"]):
        parts.append(
            f"INSERT {{ GRAPH <{names['catalog']}> {{ <{graph}> "
            f"<http://rdfs.org/ns/void#triples> ?n }} }} WHERE {{ SELECT (COUNT(*) AS ?n) "
            f"WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} }}")
    parts.append(refresh_request(base))  # the counts behind the matrix and charts
    return " ;\n".join(parts) + "\n"


def reapply_request(base: str) -> str:
    """After `coprod load` brings back a build graph, remove again what edits replaced."""
    names = graphs(base)
    edits, cop = names["edits"], f"{base}ontology#"
    others = (f"FILTER(?g != <{edits}> && ?g != <{names['history']}> "
              f"&& ?g != <{names['catalog']}>)")
    edited = f"GRAPH <{edits}> {{ ?r <{DCTERMS.identifier}> ?i }}"
    return " ;\n".join([
        f"DELETE {{ GRAPH ?g {{ ?w <{cop}discussesCase> ?r }} }} WHERE {{ {edited} "
        f"GRAPH ?g {{ ?r <{DCTERMS.identifier}> ?j . ?w <{cop}discussesCase> ?r }} {others} }}",
        f"DELETE {{ GRAPH ?g {{ ?seq ?p ?o }} }} WHERE {{ {edited} GRAPH ?g {{ ?r "
        f"<{DCTERMS.identifier}> ?j ; <{BIBO.authorList}>|<{BIBO.editorList}> ?seq . "
        f"?seq ?p ?o }} {others} }}",
        f"DELETE {{ GRAPH ?g {{ ?r ?p ?o }} }} WHERE {{ {edited} GRAPH ?g {{ ?r "
        f"<{DCTERMS.identifier}> ?j . ?r ?p ?o }} {others} }}",
        f"DELETE {{ GRAPH ?g {{ ?r ?p ?o }} }} WHERE {{ {edited} GRAPH ?g {{ ?r ?p ?o }} "
        f"FILTER(?g != <{names['inferred']}> && STRENDS(STR(?g), \"inferred\")) }}",
    ]) + "\n"


# --- history --------------------------------------------------------------------------------


def history_entries(history: Graph) -> list[dict[str, Any]]:
    """One entry per change, oldest first: when, who, which versions, fields before/after."""
    fields = {v: json.loads(str(o)) for v, o in history.subject_objects(RDF.value)}
    entries = []
    for activity in history.subjects(RDF.type, PROV.Activity):
        new = history.value(activity, PROV.generated)
        old = history.value(activity, PROV.used)
        who = history.value(activity, PROV.wasAssociatedWith)
        after = fields.get(new, {}) if new is not None else {}
        before = fields.get(old, {}) if old is not None else {}
        entries.append({
            "activity": str(activity),
            "action": "correct" if old is not None else "create",
            "when": str(history.value(activity, PROV.endedAtTime) or ""),
            "agent": str(history.value(who, RDFS.label) or who or ""),
            "agent_iri": str(who or ""),
            "version": str(new or ""),
            "replaced": str(old) if old is not None else None,
            "changes": [
                {"field": name, "before": before.get(name), "after": after.get(name)}
                for name in sorted(set(before) | set(after))
                if before.get(name) != after.get(name)
            ],
        })
    return sorted(entries, key=lambda e: (e["when"], e["version"]))


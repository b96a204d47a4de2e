"""The import plan: read -> map -> link -> SHACL -> reason -> one SPARQL update to write.

`plan_import` never touches a store: it returns what to write (one named graph per file, its
inferred types, its catalogue description) as a single SPARQL Update request, or the report
rows that stop the import. The service layer (`service/importer.py`) sends the request.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, VOID, XSD

from ingest import links
from ingest.aggregates import refresh_request
from ingest.iris import Minter, slugify
from ingest.mappers.cases import map_cases
from ingest.mappers.participedia import (
    ATTRIBUTION,
    Unmapped,
    country_index,
    map_participedia,
)
from ingest.mappers.participedia import (
    LICENSE as NC_LICENSE,
)
from ingest.mappers.works import map_works
from ingest.readers.bibtex import read_bibtex
from ingest.readers.cases_csv import read_cases_csv
from ingest.readers.crossref import read_crossref
from ingest.readers.csljson import read_csljson
from ingest.readers.participedia_2017 import read_participedia_2017
from ingest.readers.participedia_2018 import read_participedia_2018
from ingest.readers.participedia_export import read_participedia_export
from ingest.readers.ris import read_ris
from ingest.records import CaseRecord, ParticipediaEntry, ReadResult, WorkRecord
from ingest.report import ReportRow, from_problem, from_violation, has_errors
from ingest.sources import Reader, source_digest
from ontology import DEFAULT_BASE
from ontology.errors import InputError
from ontology.namespaces import COP
from ontology.reason import Inconsistency, classify
from ontology.rebase import rebase_graph
from ontology.validate import validate

DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
READERS: dict[str, Reader] = {
    "bibtex": read_bibtex,
    "ris": read_ris,
    "csl-json": read_csljson,
    "crossref": read_crossref,
    "cases-csv": read_cases_csv,
    "participedia-export": read_participedia_export,
    "participedia-2017": read_participedia_2017,
    "participedia-2018": read_participedia_2018,
}


@dataclass
class ImportPlan:
    """What importing one file would write, or why it cannot."""

    file: str
    format: str
    name: str
    graph: URIRef
    sha256: str
    license: str
    records: int = 0
    rows: list[ReportRow] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    data: Graph = field(default_factory=Graph)
    inferred: Graph = field(default_factory=Graph)
    update: str = ""

    @property
    def ok(self) -> bool:
        """True when the plan can be written."""
        return not has_errors(self.rows)


def detect_format(path: Path) -> str:
    """The reader for a file: by extension, then by sniffing JSON and CSV headers."""
    if path.is_dir():
        names = {p.name for p in path.iterdir()}
        if "cases.csv" in names and "case__localized_texts.csv" in names:
            return "participedia-2017"
        if "cases.json" in names or "methods.json" in names:
            return "participedia-2018"
        raise InputError("cannot tell the format of this folder", file=str(path))
    suffix = path.suffix.lower()
    if suffix in {".bib", ".bibtex"}:
        return "bibtex"
    if suffix == ".ris":
        return "ris"
    head = path.read_bytes()[:65536].decode("utf-8", "replace").lstrip("\ufeff")
    if suffix == ".csv":
        header = head.splitlines()[0] if head else ""
        columns = {c.strip().strip('"') for c in header.split(",")}
        if {"id", "type", "title", "url"} <= columns:
            return "participedia-export" if path.name != "cases.csv" else "participedia-2017"
        if "case_id" in columns and path.name == "cases.csv" and "language" not in columns:
            return "participedia-2017"
        return "cases-csv"
    if suffix == ".json":
        if '"message-type"' in head or '"DOI"' in head or '"container-title": [' in head:
            return "crossref"
        if path.name in {"cases.json", "methods.json", "organizations.json"} and (
            '"original_language"' in head
        ):
            return "participedia-2018"
        return "csl-json"
    raise InputError(
        "unknown file type; give --format (one of " + ", ".join(sorted(READERS)) + ")",
        file=str(path),
    )


def graph_name(name: str, base: str = DEFAULT_BASE) -> URIRef:
    """`{base}graph/import-<slug>` for an import named `name`."""
    return URIRef(f"{base}graph/import-{slugify(name)}")


def plan_import(
    path: Path,
    *,
    base: str = DEFAULT_BASE,
    name: str | None = None,
    fmt: str | None = None,
    license: str | None = None,
    agent: str | None = None,
    quarantine: bool = False,
    countries: Graph | None = None,
    cofog: Graph | None = None,
    when: datetime | None = None,
    known_works: Mapping[str, str] | None = None,
) -> ImportPlan:
    """Read, map, check and reason over one file; the plan holds the update or the errors.

    With `quarantine`, records with errors are set aside (with their reasons) and the rest
    is planned; problems that belong to no record (an unreadable file) still stop it all.
    """
    fmt = fmt or detect_format(path)
    if fmt not in READERS:
        raise InputError(f"unknown format; expected one of {sorted(READERS)}", value=fmt)
    name = name or (path.name if path.is_dir() else path.stem)
    nc = fmt.startswith("participedia")
    plan = ImportPlan(
        file=str(path),
        format=fmt,
        name=name,
        graph=graph_name(name, base),
        sha256=source_digest(path),
        license=license or (NC_LICENSE if nc else DEFAULT_LICENSE),
    )
    result: ReadResult = READERS[fmt](path)
    records = list(result.records)
    problems = list(result.problems) + _link_problems(records, countries, cofog)
    # Works the store already holds, moved to the default base the mappers mint under.
    known = {
        name: DEFAULT_BASE + iri[len(base) :] if iri.startswith(base) else iri
        for name, iri in (known_works or {}).items()
    }
    minter = Minter(DEFAULT_BASE, works=known)
    country_codes = country_index(countries) if countries is not None else None
    for _attempt in range(3):  # quarantining can reveal nothing new, but bound it anyway
        data, plan.unmapped = _map(records, minter, country_codes)
        violations = validate(data)
        rows = [from_problem(p) for p in problems]
        lines = {_record_id(r): r for r in records}  # SHACL rows name records by identifier
        rows += [
            from_violation(v, plan.file, _line(lines.get(v.record))) for v in violations
        ]
        bad = {row.record for row in rows if row.severity == "error"}
        if not quarantine or not bad:
            break
        if any(not row.record for row in rows if row.severity == "error"):
            break  # a problem of the whole file cannot be set aside
        plan.quarantined += [_quarantined(r, rows) for r in records if _ids(r) & bad]
        records = [r for r in records if not _ids(r) & bad]
        problems = []
    plan.rows = rows
    plan.records = len(records)
    if not plan.ok:
        return plan
    inferred = classify(data).triples if len(data) else Graph()
    if base != DEFAULT_BASE:
        data = rebase_graph(data, DEFAULT_BASE, base)
        inferred = rebase_graph(inferred, DEFAULT_BASE, base)
    plan.data, plan.inferred = data, inferred
    plan.update = update_request(plan, base, agent or _os_user(), when or datetime.now(UTC))
    return plan


def update_request(plan: ImportPlan, base: str, agent: str, when: datetime) -> str:
    """One SPARQL Update: replace the file's graph, its inferred graph and its description."""
    catalog = URIRef(f"{base}graph/catalog")
    inferred = URIRef(f"{plan.graph}-inferred")
    agent_iri = URIRef(f"{base}id/agent/{slugify(agent)}")
    stamp = Literal(when.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    description = Graph()
    for graph, title, triples in (
        (plan.graph, f"Imported from {os.path.basename(plan.file)}", len(plan.data)),
        (inferred, f"Types inferred for {os.path.basename(plan.file)}", len(plan.inferred)),
    ):
        description.add((graph, RDF.type, VOID.Dataset))
        description.add((graph, RDF.type, PROV.Entity))
        description.add((graph, DCTERMS.title, Literal(title)))
        description.add((graph, DCTERMS.source, Literal(plan.file)))
        description.add((graph, COP.sha256, Literal(plan.sha256)))
        description.add((graph, PROV.generatedAtTime, stamp))
        description.add((graph, PROV.wasAttributedTo, agent_iri))
        description.add((graph, DCTERMS.license, URIRef(plan.license)))
        description.add((graph, VOID.triples, Literal(triples)))
        if plan.license == NC_LICENSE:
            description.add((graph, DCTERMS.rights, Literal(ATTRIBUTION)))
    description.add((agent_iri, RDF.type, PROV.Agent))
    description.add((agent_iri, RDFS.label, Literal(agent)))
    parts = []
    for graph in (plan.graph, inferred):
        parts.append(f"DROP SILENT GRAPH <{graph}>")
        parts.append(f"DELETE WHERE {{ GRAPH <{catalog}> {{ <{graph}> ?p ?o }} }}")
    body = "".join(
        f"GRAPH <{g}> {{\n{_nt(data)}}}\n"
        for g, data in ((plan.graph, plan.data), (inferred, plan.inferred), (catalog, description))
        if len(data)
    )
    parts.append(f"INSERT DATA {{\n{body}}}")
    parts.append(refresh_request(base))  # the counts behind the matrix and charts
    return " ;\n".join(parts) + "\n"


def sha_query(graph: URIRef, base: str) -> str:
    """SELECT the checksum the catalogue records for `graph`."""
    return (
        f"SELECT ?sha WHERE {{ GRAPH <{base}graph/catalog> "
        f"{{ <{graph}> <{COP.sha256}> ?sha }} }}"
    ).replace(str(COP), f"{base}ontology#")


def write_quarantine(path: Path, plans: list[ImportPlan]) -> int:
    """Write the set-aside records with their reasons as JSON; return how many."""
    items = [item for plan in plans for item in plan.quarantined]
    path.write_text(json.dumps(items, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(items)


def _nt(graph: Graph) -> str:
    return graph.serialize(format="nt", encoding="utf-8").decode("utf-8")


def _map(
    records: list[object], minter: Minter, countries: dict[str, str] | None
) -> tuple[Graph, list[Unmapped]]:
    graph = Graph()
    works = [r for r in records if isinstance(r, WorkRecord)]
    cases = [r for r in records if isinstance(r, CaseRecord)]
    entries: list[object] = [r for r in records if isinstance(r, ParticipediaEntry)]
    unmapped: list[Unmapped] = []
    if works:
        graph += map_works(works, minter)
    if cases:
        graph += map_cases(cases, minter)
    if entries:
        mapped = map_participedia(entries, minter, countries=countries)
        graph += mapped.graph
        unmapped = mapped.unmapped
    return graph, unmapped


def _link_problems(
    records: list[object], countries: Graph | None, cofog: Graph | None
) -> list[InputError]:
    cases = [r for r in records if isinstance(r, CaseRecord)]
    if not cases:
        return []
    country_codes = links.known_codes(countries or Graph(), links.COUNTRY_NS)
    cofog_codes = links.known_codes(cofog or Graph(), links.COFOG_NS)
    # Works named in discussed_in may already be in the store: that link is not checked here.
    return [
        p
        for p in links.check_cases(cases, [], country_codes, cofog_codes)
        if p.field != "discussed_in"
    ]


def _record_id(record: object) -> str:
    if isinstance(record, WorkRecord):
        return record.key
    if isinstance(record, CaseRecord):
        return record.id
    if isinstance(record, ParticipediaEntry):
        return f"participedia-{record.id}"
    return ""


def _ids(record: object) -> set[str]:
    # Readers name Participedia records by their bare id; SHACL by the coprod identifier.
    rid = _record_id(record)
    return {rid, rid.removeprefix("participedia-")}


def _line(record: object | None) -> str:
    origin = getattr(record, "origin", None)
    return "" if origin is None or origin.line is None else str(origin.line)


def _quarantined(record: object, rows: list[ReportRow]) -> dict[str, Any]:
    rid = _record_id(record)
    ids = _ids(record)
    reasons = [
        {"field": r.field, "value": r.value, "message": r.message}
        for r in rows
        if r.record in ids and r.severity == "error"
    ]
    data = asdict(record) if is_dataclass(record) and not isinstance(record, type) else {}
    return {"record": rid, "line": _line(record), "reasons": reasons, "data": data}


def _os_user() -> str:
    try:
        return os.getlogin()
    except OSError:
        return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def plan_problems(
    path: Path, *, fmt: str | None = None, authorities: Path | None = None
) -> tuple[int, list[ReportRow]]:
    """(records read, report rows) for one file: readers' checks, links and SHACL, no writes."""
    countries = cofog = None
    if authorities is not None:
        countries = _parse(authorities / "countries-skos-en.ttl")
        cofog = _parse(authorities / "cofog.ttl")
    try:
        fmt = fmt or detect_format(path)
        if not path.exists():
            raise InputError("file not found", file=str(path))
        result = READERS[fmt](path) if fmt in READERS else None
        if result is None:
            raise InputError(f"unknown format; expected one of {sorted(READERS)}", value=fmt)
    except InputError as exc:
        return 0, [from_problem(exc if exc.file else InputError(exc.message, file=str(path)))]
    problems = list(result.problems) + _link_problems(result.records, countries, cofog)
    codes = country_index(countries) if countries is not None else None
    data, _ = _map(list(result.records), Minter(DEFAULT_BASE), codes)
    lines = {_record_id(r): r for r in result.records}
    rows = [from_problem(p) for p in problems]
    rows += [from_violation(v, str(path), _line(lines.get(v.record))) for v in validate(data)]
    if len(data) and not has_errors(rows):
        # SHACL first, then the reasoner: disjointness and functional roles, named per record.
        try:
            classify(data)
        except Inconsistency as exc:
            rows += [
                ReportRow("error", str(path), _line(lines.get(record)), record, "",
                          "", "a record consistent with the ontology", "; ".join(reasons))
                for record, reasons in exc.records.items()
            ]
    return len(result.records), rows


def _parse(path: Path) -> Graph | None:
    if not path.exists():
        return None
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph

"""The build: sources -> records -> triples -> checks -> reasoning -> one dataset artefact."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef

from ingest import links
from ingest.aggregates import count_cases, stats_graph
from ingest.artefact import Manifest, graph_lines, read_manifest, write_artefact
from ingest.catalog import GraphInfo, catalog_graph
from ingest.dumps import write_dumps
from ingest.iris import Minter
from ingest.mappers.cases import map_cases
from ingest.mappers.participedia import (
    CROSSWALK_FILE,
    ParticipediaGraph,
    Unmapped,
    country_index,
    load_crosswalk,
    map_participedia,
    unmapped_rows,
)
from ingest.mappers.works import map_works
from ingest.records import CaseRecord, ParticipediaEntry, WorkRecord
from ingest.sources import RDF_FORMATS, READERS, Source, load_sources, source_digest
from ontology import DEFAULT_BASE, HERE
from ontology.docs import write_docs
from ontology.errors import IngestError, InputError
from ontology.reason import classify, load_ontology
from ontology.rebase import rebase_graph, rebase_iri
from ontology.validate import Violation, validate

BUILD_VERSION = "1"
ONTOLOGY_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
Mapper = Callable[[list[Any], Minter, Graph], Graph]
MAPPERS: dict[type, Mapper] = {WorkRecord: map_works, CaseRecord: map_cases}
UNMAPPED_FILE = "unmapped.csv"
UNMAPPED_COLUMNS = ["file", "entity", "field", "value", "count", "records"]


class BuildFailed(IngestError):
    """The sources hold errors; nothing was written."""

    def __init__(self, problems: list[InputError], violations: list[Violation]) -> None:
        self.problems = problems
        self.violations = violations
        count = len(problems) + len(violations)
        super().__init__(f"the build found {count} blocking problem(s); nothing was written")


@dataclass
class BuildResult:
    """What a build did."""

    manifest: Manifest
    skipped: bool
    warnings: list[Violation] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # Participedia values that did not map to a coprod concept (also in unmapped.csv).
    unmapped: list[dict[str, str]] = field(default_factory=list)


def fingerprint(sources: list[Source], base: str) -> str:
    """A digest of everything the build reads, so an unchanged input is not rebuilt."""
    digest = hashlib.sha256(f"{BUILD_VERSION}\n{base}\n".encode())
    for source in sources:
        digest.update(f"{source.name}|{source.format}|{source.license}|{source.title}\n".encode())
        digest.update(bytes.fromhex(source_digest(source.path)))
    digest.update(hashlib.sha256(CROSSWALK_FILE.read_bytes()).digest())
    for path in sorted(HERE.rglob("*")):
        if path.suffix in {".ttl", ".py"} and "__pycache__" not in path.parts:
            digest.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def build(
    sources_dir: Path, out_dir: Path, *, base: str = DEFAULT_BASE, force: bool = False
) -> BuildResult:
    """Build the artefact in `out_dir`, or reuse it when the inputs have not changed."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    sources = load_sources(sources_dir)
    for source in sources:
        if not source.path.exists():
            raise InputError("source file not found", file=str(source.path), record=source.name)
    print_ = fingerprint(sources, base)
    previous = read_manifest(out_dir)
    if previous and previous.fingerprint == print_ and not force:
        return BuildResult(previous, skipped=True)

    minter = Minter(DEFAULT_BASE)
    problems: list[InputError] = []
    records: dict[str, list[object]] = {}
    rdf_graphs: dict[str, Graph] = {}
    for source in sources:
        if source.format in RDF_FORMATS:
            rdf_graphs[source.name] = _parse_rdf(source)
            continue
        step = time.perf_counter()
        result = READERS[source.format](source.path)
        timings[f"read {source.name}"] = time.perf_counter() - step
        problems.extend(result.problems)
        records[source.name] = result.records
    timings["read"] = time.perf_counter() - started

    all_records = [record for group in records.values() for record in group]
    cases = [record for record in all_records if isinstance(record, CaseRecord)]
    works = [record for record in all_records if isinstance(record, WorkRecord)]
    countries = links.known_codes(rdf_graphs.get("eu-countries", Graph()), links.COUNTRY_NS)
    cofog = links.known_codes(rdf_graphs.get("cofog", Graph()), links.COFOG_NS)
    problems.extend(links.check_cases(cases, works, countries, cofog))

    step = time.perf_counter()
    graphs: dict[URIRef, Graph] = {}
    participedia = _ParticipediaContext(rdf_graphs.get("eu-countries", Graph()))
    # Works are known before anything is mapped: the same DOI in two sources is one work, and
    # cases name works by key whatever source the work came from.
    minter.register_works((work.key, work.doi) for work in works)
    # Each source is mapped into its own named graph of one store, so validation and reasoning
    # read their union without a copy (rdflib adds cost about 10 us a triple).
    record_data = Dataset(default_union=True)
    for name, group in records.items():
        started_map = time.perf_counter()
        iri = minter.graph(name)
        graphs[iri] = _map(group, minter, participedia, record_data.graph(iri))
        timings[f"map {name}"] = time.perf_counter() - started_map
    timings["map"] = time.perf_counter() - step

    step = time.perf_counter()
    violations = validate(record_data)
    blocking = [v for v in violations if v.severity == "Violation"]
    timings["validate"] = time.perf_counter() - step
    if problems or blocking:
        raise BuildFailed(problems, blocking)

    step = time.perf_counter()
    inference = classify(record_data)
    inferred, inferred_nc, nc_source = _split_non_commercial(
        inference.triples, graphs, sources, minter
    )
    graphs[minter.graph("inferred")] = inferred
    if nc_source is not None and len(inferred_nc):
        graphs[minter.graph("inferred-nc")] = inferred_nc
    stats = stats_graph(count_cases(record_data, inference.triples))
    graphs[minter.graph("stats")] = stats
    timings["reason"] = time.perf_counter() - step

    infos = [
        _info(minter.graph(source.name), source, sources_dir, graphs, rdf_graphs)
        for source in sources
    ]
    for source in sources:
        if source.name in rdf_graphs:
            graphs[minter.graph(source.name)] = rdf_graphs[source.name]
    ontology_graph = load_ontology()
    graphs[minter.graph("ontology")] = ontology_graph
    infos.append(
        _derived(
            minter.graph("ontology"),
            "The coprod ontology and its SKOS schemes",
            "ontology/",
            ontology_graph,
        )
    )
    infos.append(
        _derived(
            minter.graph("inferred"),
            "Types inferred by HermiT from the asserted data",
            "ontology/reason.py",
            inferred,
        )
    )
    infos.append(
        _derived(
            minter.graph("stats"),
            "Case counts for the typology matrix and the charts",
            "ingest/aggregates.py",
            stats,
        )
    )
    if nc_source is not None and len(inferred_nc):
        infos.append(
            _derived(
                minter.graph("inferred-nc"),
                "Types inferred by HermiT for records from non-commercial sources",
                "ontology/reason.py",
                inferred_nc,
                nc_source.license,
                nc_source.attribution,
            )
        )
    now = datetime.now(UTC)
    graphs[minter.graph("catalog")] = catalog_graph(infos, minter, fingerprint=print_, when=now)
    if base != DEFAULT_BASE:
        graphs = {
            rebase_iri(name, DEFAULT_BASE, base): rebase_graph(g, DEFAULT_BASE, base)
            for name, g in graphs.items()
        }

    step = time.perf_counter()
    manifest = write_artefact(
        out_dir, graphs, fingerprint=print_, base=base, built_at=now.isoformat(timespec="seconds")
    )
    unmapped = unmapped_rows(participedia.unmapped)
    _write_unmapped(out_dir / UNMAPPED_FILE, unmapped, sources_dir)
    write_dumps(out_dir, out_dir.parent / "dumps")
    write_docs(out_dir.parent / "docs", base=base)
    timings["write"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    warnings = [v for v in violations if v.severity != "Violation"]
    return BuildResult(
        manifest, skipped=False, warnings=warnings, timings=timings, unmapped=unmapped
    )


class _ParticipediaContext:
    """What mapping Participedia needs once per build: countries, crosswalk, misses so far."""

    def __init__(self, countries: Graph) -> None:
        self.countries = country_index(countries) if len(countries) else None
        self.crosswalk = load_crosswalk()
        self.unmapped: list[Unmapped] = []

    def map(self, entries: list[object], minter: Minter, into: Graph) -> Graph:
        result: ParticipediaGraph = map_participedia(
            entries, minter, countries=self.countries, crosswalk=self.crosswalk, into=into
        )
        self.unmapped.extend(result.unmapped)
        return result.graph


def _write_unmapped(path: Path, rows: list[dict[str, str]], sources_dir: Path) -> None:
    """Write the unmapped-values report (file paths relative to the repository)."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, UNMAPPED_COLUMNS)
        writer.writeheader()
        for row in rows:
            file = row["file"]
            with contextlib.suppress(ValueError):  # another drive on Windows: keep it as read
                file = os.path.relpath(file, sources_dir.parent)
            writer.writerow({**row, "file": file})
    os.replace(tmp, path)


def _parse_rdf(source: Source) -> Graph:
    graph = Graph()
    try:
        graph.parse(source.path, format=RDF_FORMATS[source.format])
    except Exception as exc:  # rdflib raises several unrelated parser exceptions
        raise InputError(f"cannot parse RDF: {exc}", file=str(source.path)) from exc
    return graph


def _map(
    group: list[object], minter: Minter, participedia: _ParticipediaContext, graph: Graph
) -> Graph:
    by_type: dict[type, list[object]] = {}
    entries: list[object] = []
    for record in group:
        if isinstance(record, ParticipediaEntry):
            entries.append(record)
        else:
            by_type.setdefault(type(record), []).append(record)
    for kind, items in by_type.items():
        MAPPERS[kind](items, minter, graph)
    if entries:
        participedia.map(entries, minter, graph)
    return graph


def _info(
    iri: URIRef,
    source: Source,
    sources_dir: Path,
    graphs: dict[URIRef, Graph],
    rdf_graphs: dict[str, Graph],
) -> GraphInfo:
    graph = rdf_graphs[source.name] if source.name in rdf_graphs else graphs[iri]
    return GraphInfo(
        iri=iri,
        title=source.title,
        source=os.path.relpath(source.path, sources_dir.parent),
        sha256=source_digest(source.path),
        license=source.license,
        attribution=source.attribution,
        triples=len(graph),
    )


def _derived(
    iri: URIRef,
    title: str,
    source: str,
    graph: Graph,
    license: str = ONTOLOGY_LICENSE,
    attribution: str = "coprod contributors",
) -> GraphInfo:
    digest = hashlib.sha256("".join(graph_lines(graph, iri)).encode("utf-8")).hexdigest()
    return GraphInfo(iri, title, source, digest, license, attribution, len(graph))


def _split_non_commercial(
    inferred: Graph, graphs: dict[URIRef, Graph], sources: list[Source], minter: Minter
) -> tuple[Graph, Graph, Source | None]:
    """Inferred types of records asserted only in non-commercial sources go in their own
    graph, under that licence, so the open dump and `--no-nc` exports leave them out."""
    closed = [s for s in sources if "by-nc" in s.license and minter.graph(s.name) in graphs]
    if not closed:
        return inferred, Graph(), None
    open_subjects = {
        subject
        for name, graph in graphs.items()
        if name not in {minter.graph(s.name) for s in closed}
        for subject in graph.subjects(unique=True)
    }
    open_part, closed_part = Graph(), Graph()
    for triple in inferred:
        (open_part if triple[0] in open_subjects else closed_part).add(triple)
    return open_part, closed_part, closed[0]

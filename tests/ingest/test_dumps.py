"""Dump files from a tiny artefact with one open and one non-commercial graph."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS

from ingest.artefact import ARTEFACT, write_artefact
from ingest.dumps import FULL, OPEN, SUMS, TURTLE, read_sums, write_dumps

BASE = "https://w3id.org/coprod/"
OPEN_GRAPH = URIRef(BASE + "graph/canon-cases")
NC_GRAPH = URIRef(BASE + "graph/participedia-export-cases")
CATALOG = URIRef(BASE + "graph/catalog")


def tiny_artefact(folder: Path) -> None:
    """Two data graphs and a catalogue naming CC BY for one and CC BY-NC-SA for the other."""
    open_data = Graph()
    open_data.add((URIRef(BASE + "id/case/a"), RDFS.label, Literal("A", lang="en")))
    open_data.add((URIRef(BASE + "id/case/shared"), RDFS.label, Literal("S")))
    closed = Graph()
    closed.add((URIRef(BASE + "id/case/participedia-1"), RDFS.label, Literal("P", lang="en")))
    closed.add((URIRef(BASE + "id/case/shared"), RDFS.label, Literal("S")))
    catalog = Graph()
    catalog.add((OPEN_GRAPH, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    catalog.add(
        (NC_GRAPH, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by-nc-sa/3.0/"))
    )
    write_artefact(
        folder,
        {OPEN_GRAPH: open_data, NC_GRAPH: closed, CATALOG: catalog},
        fingerprint="f",
        base=BASE,
        built_at="2026-01-01T00:00:00+00:00",
    )


def quads(path: Path) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=gzip.decompress(path.read_bytes()), format="nquads")
    return dataset


def test_dumps_and_checksums(tmp_path: Path) -> None:
    tiny_artefact(tmp_path / "dataset")
    sums = write_dumps(tmp_path / "dataset", tmp_path / "dumps")
    assert set(sums) == {FULL, TURTLE, OPEN}
    assert read_sums(tmp_path / "dumps") == sums
    for name, digest in sums.items():
        assert hashlib.sha256((tmp_path / "dumps" / name).read_bytes()).hexdigest() == digest
    assert (tmp_path / "dumps" / SUMS).read_text().count("\n") == 3
    # The full dump is the artefact, byte for byte once unzipped.
    full = gzip.decompress((tmp_path / "dumps" / FULL).read_bytes())
    assert full == (tmp_path / "dataset" / ARTEFACT).read_bytes()


def test_open_dump_has_no_non_commercial_graph(tmp_path: Path) -> None:
    tiny_artefact(tmp_path / "dataset")
    write_dumps(tmp_path / "dataset", tmp_path / "dumps")
    open_dump = quads(tmp_path / "dumps" / OPEN)
    graphs = {g.identifier for g in open_dump.graphs() if len(g)}
    assert NC_GRAPH not in graphs
    assert {OPEN_GRAPH, CATALOG} <= graphs
    assert (URIRef(BASE + "id/case/participedia-1"), None, None) not in open_dump.graph(OPEN_GRAPH)
    full = quads(tmp_path / "dumps" / FULL)
    assert len(full.graph(NC_GRAPH)) == 2


def test_turtle_dump_is_the_union(tmp_path: Path) -> None:
    tiny_artefact(tmp_path / "dataset")
    write_dumps(tmp_path / "dataset", tmp_path / "dumps")
    union = Graph().parse(data=gzip.decompress((tmp_path / "dumps" / TURTLE).read_bytes()),
                          format="turtle")
    # Four data triples, one shared by both graphs, plus two catalogue triples.
    assert len(union) == 5
    assert (URIRef(BASE + "id/case/shared"), RDFS.label, Literal("S")) in union


def test_rebuilding_gives_the_same_bytes(tmp_path: Path) -> None:
    tiny_artefact(tmp_path / "dataset")
    first = write_dumps(tmp_path / "dataset", tmp_path / "one")
    second = write_dumps(tmp_path / "dataset", tmp_path / "two")
    assert first == second

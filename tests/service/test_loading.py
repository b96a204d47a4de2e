"""`coprod load`: graphs replaced one at a time, and imports' catalogue entries kept."""

from pathlib import Path

import pytest
from rdflib import URIRef

from ingest.build import build
from service.loading import load_artefact, loaded_fingerprint
from service.store.base import NTRIPLES, Store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sources"
BASE = "https://w3id.org/coprod/"
IMPORTED = BASE + "graph/import-mine"


@pytest.fixture(scope="module")
def artefact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("artefact")
    build(FIXTURE, out)
    return out


def test_load_then_reload_is_skipped_and_keeps_imports(store: Store, artefact: Path) -> None:
    report = load_artefact(store, artefact)
    assert not report.skipped
    assert loaded_fingerprint(store, BASE) is not None
    store.update(
        f'INSERT DATA {{ GRAPH <{BASE}graph/catalog> {{ <{IMPORTED}> '
        f'<http://purl.org/dc/terms/title> "an import" . '
        f'<{BASE}dataset> <http://rdfs.org/ns/void#subset> <{IMPORTED}> }} }}'
    )
    store.replace_graph(IMPORTED, b"<http://example.org/a> <http://example.org/b> \"c\" .\n",
                        NTRIPLES)
    assert load_artefact(store, artefact).skipped
    load_artefact(store, artefact, force=True)
    kept = store.select(
        f"SELECT ?t WHERE {{ GRAPH <{BASE}graph/catalog> {{ <{IMPORTED}> ?p ?t . "
        f"<{BASE}dataset> <http://rdfs.org/ns/void#subset> <{IMPORTED}> }} }}"
    )
    assert [str(row["t"]) for row in kept.rows] == ["an import"]
    assert URIRef(IMPORTED) in {URIRef(g) for g in store.graphs()}

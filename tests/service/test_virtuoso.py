"""The remote store and the named queries on a second engine: Virtuoso 7 (`make test-virtuoso`).

Every lookup example must give the same rows on Virtuoso as on the embedded store.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rdflib import Literal, URIRef
from rdflib.plugins.sparql.results.jsonresults import JSONResultParser

from ontology.errors import CoprodError, QueryError
from service.lookups import load_registry
from service.store.base import NTRIPLES, Store
from service.store.embedded import EmbeddedStore
from service.store.remote import RemoteStore
from tests.service.conftest import load_fixture
from tests.virtuoso_server import VirtuosoServer, available

pytestmark = [
    pytest.mark.virtuoso,
    pytest.mark.skipif(not available(), reason="virtuoso-opensource is not installed "
                       "(make test-virtuoso installs it)"),
]
EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
REGISTRY = load_registry()


@pytest.fixture(scope="module")
def virtuoso() -> Iterator[RemoteStore]:
    with VirtuosoServer() as server:
        store = RemoteStore(server.query_url, server.query_url, timeout_s=30)
        yield store
        store.close()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = EmbeddedStore(tmp_path_factory.mktemp("embedded") / "store", timeout_s=30)
    yield store
    store.close()


def test_select_ask_construct(virtuoso: RemoteStore) -> None:
    data = f'<{EX}a> <{EX}p> "alpha"@en .\n<{EX}a> <{EX}n> "3"^^<{XSD}integer> .\n'.encode()
    virtuoso.replace_graph(f"{EX}g1", data, NTRIPLES)
    rows = virtuoso.select(f"SELECT ?o WHERE {{ GRAPH <{EX}g1> {{ <{EX}a> <{EX}p> ?o }} }}").rows
    assert rows == [{"o": Literal("alpha", lang="en")}]
    assert virtuoso.ask(f"ASK {{ GRAPH <{EX}g1> {{ <{EX}a> <{EX}n> 3 }} }}")
    graph = virtuoso.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{EX}g1> {{ ?s ?p ?o }} }}"
    )
    assert (URIRef(f"{EX}a"), URIRef(f"{EX}p"), Literal("alpha", lang="en")) in graph


def test_replace_graph_replaces(virtuoso: RemoteStore) -> None:
    virtuoso.replace_graph(f"{EX}g2", f'<{EX}a> <{EX}p> "old" .'.encode(), NTRIPLES)
    virtuoso.replace_graph(f"{EX}g2", f'<{EX}a> <{EX}p> "new" .'.encode(), NTRIPLES)
    rows = virtuoso.select(f"SELECT ?o WHERE {{ GRAPH <{EX}g2> {{ ?s ?p ?o }} }}").rows
    assert [str(r["o"]) for r in rows] == ["new"]


def test_raw_json_passes_through(virtuoso: RemoteStore) -> None:
    virtuoso.replace_graph(f"{EX}g3", f'<{EX}a> <{EX}p> "x" .'.encode(), NTRIPLES)
    raw = virtuoso.raw(f"SELECT ?o WHERE {{ GRAPH <{EX}g3> {{ ?s ?p ?o }} }}",
                       "application/sparql-results+json")
    result = JSONResultParser().parse(io.BytesIO(b"".join(raw.chunks)))
    assert [str(row[0]) for row in result] == ["x"]


def test_syntax_error_is_a_query_error(virtuoso: RemoteStore) -> None:
    with pytest.raises(QueryError):
        virtuoso.select("SELECT WHERE {")


def _answers(store: Store) -> dict[str, object]:
    """Rows of every lookup example (sorted), or the error the store gave."""
    answers: dict[str, object] = {}
    for lookup in REGISTRY:
        for number, example in enumerate(lookup.examples):
            try:
                page = REGISTRY.run(store, lookup.name, example, limit=1000)
            except CoprodError as exc:
                answers[f"{lookup.name}#{number}"] = f"error: {type(exc).__name__}"
                continue
            answers[f"{lookup.name}#{number}"] = sorted(
                tuple(str(v) for v in row.values()) for row in page.rows
            )
    return answers


# Lookups Virtuoso 7.2.5 cannot answer as the embedded store does (see README, "Virtuoso").
# `case` and `work`: "Internal Optimized compiler error: Bad dfe in sqlo_place_exp" (an engine
# bug on OPTIONAL-heavy queries); `concepts`: labels filtered by language come back unbound.
KNOWN_GAPS = {"case", "concepts", "work"}


def test_lookup_examples_answer_the_same_as_on_the_embedded_store(
    virtuoso: RemoteStore, embedded: Store
) -> None:
    virtuoso.update("DROP SILENT GRAPH <http://example.org/g1>")
    load_fixture(virtuoso)
    load_fixture(embedded)
    on_virtuoso, on_embedded = _answers(virtuoso), _answers(embedded)
    differing = {k.split("#")[0] for k in on_embedded if on_virtuoso.get(k) != on_embedded[k]}
    assert differing == KNOWN_GAPS

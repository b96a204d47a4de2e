"""Real SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore and SPARQLUpdateStore) against
the app served by uvicorn on a loopback port.

The triples below are made up for these tests (example.org IRIs).
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from service.app import create_app
from service.settings import get_settings
from service.store import open_store
from tests.oxigraph_server import free_port

TOKEN = "clients-test-token"
EX = "http://example.org/"
GRAPH = EX + "graph/clients"
DATA = (f'<{EX}a> <{RDFS.label}> "alpha" .\n<{EX}b> <{RDFS.label}> "beta" .\n').encode()
LABELS = (
    f"SELECT ?s ?label WHERE {{ GRAPH <{GRAPH}> {{ ?s <{RDFS.label}> ?label }} }} ORDER BY ?label"
)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The /sparql URL of the app running under uvicorn in a thread."""
    settings = get_settings(data_dir=tmp_path_factory.mktemp("data"), write_token=TOKEN)
    store = open_store(settings)
    store.replace_graph(GRAPH, DATA, "text/turtle")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, store), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}/sparql"
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def wrapper(endpoint: str, query: str, fmt: str) -> SPARQLWrapper:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    return sparql


def test_sparqlwrapper_json(endpoint: str) -> None:
    body = wrapper(endpoint, LABELS, JSON).query().convert()
    assert [row["label"]["value"] for row in body["results"]["bindings"]] == ["alpha", "beta"]


def test_sparqlwrapper_json_by_post(endpoint: str) -> None:
    sparql = wrapper(endpoint, LABELS, JSON)
    sparql.setMethod(POST)
    body = sparql.query().convert()
    assert [row["s"]["value"] for row in body["results"]["bindings"]] == [EX + "a", EX + "b"]


def test_sparqlwrapper_xml(endpoint: str) -> None:
    document = wrapper(endpoint, LABELS, XML).query().convert()
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert literals == ["alpha", "beta"]


def test_sparqlwrapper_csv(endpoint: str) -> None:
    data = wrapper(endpoint, LABELS, CSV).query().convert()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows == [["s", "label"], [EX + "a", "alpha"], [EX + "b", "beta"]]


def test_sparqlwrapper_ask(endpoint: str) -> None:
    query = f'ASK {{ GRAPH <{GRAPH}> {{ ?s ?p "beta" }} }}'
    assert wrapper(endpoint, query, JSON).query().convert()["boolean"] is True


def test_sparqlwrapper_construct_into_rdflib(endpoint: str) -> None:
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"
    graph = wrapper(endpoint, query, TURTLE).query().convert()
    if isinstance(graph, bytes):  # SPARQLWrapper hands Turtle back unparsed
        graph = Graph().parse(data=graph, format="turtle")
    assert set(graph) == {
        (URIRef(EX + "a"), RDFS.label, Literal("alpha")),
        (URIRef(EX + "b"), RDFS.label, Literal("beta")),
    }
    rdfxml = wrapper(endpoint, query, XML).query().convert()
    assert isinstance(rdfxml, Graph) and len(rdfxml) == 2


def test_rdflib_sparqlstore(endpoint: str) -> None:
    graph = Graph(store=SPARQLStore(endpoint))
    rows = list(graph.query(LABELS))
    assert [(str(s), str(label)) for s, label in rows] == [(EX + "a", "alpha"), (EX + "b", "beta")]
    assert bool(graph.query(f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}").askAnswer) is True


def test_rdflib_sparqlupdatestore_with_the_token(endpoint: str) -> None:
    store = SPARQLUpdateStore(endpoint, endpoint, headers={"Authorization": f"Bearer {TOKEN}"})
    target = EX + "graph/from-rdflib"
    store.update(f'INSERT DATA {{ GRAPH <{target}> {{ <{EX}c> <{RDFS.label}> "gamma" }} }}')
    rows = list(store.query(f"SELECT ?l WHERE {{ GRAPH <{target}> {{ ?s ?p ?l }} }}"))
    assert [str(row[0]) for row in rows] == ["gamma"]


def test_rdflib_sparqlupdatestore_without_the_token_is_refused(endpoint: str) -> None:
    from urllib.error import HTTPError

    store = SPARQLUpdateStore(endpoint, endpoint)
    with pytest.raises(HTTPError) as info:
        store.update(f"INSERT DATA {{ GRAPH <{EX}graph/nope> {{ <{EX}c> <{EX}p> 1 }} }}")
    assert info.value.code == 401

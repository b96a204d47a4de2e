"""With the union default graph (the default setting), queries need no GRAPH patterns."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import get_settings
from service.store import open_store
from tests.oxigraph_server import OxigraphServer

TTL = b'<http://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "alpha" .'
G = "http://example.org/g1"


@pytest.fixture(scope="module", params=["embedded", "remote"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[TestClient]:
    data_dir = tmp_path_factory.mktemp("union")
    if request.param == "embedded":
        with TestClient(create_app(get_settings(data_dir=data_dir))) as client:
            client.app.state.store.replace_graph(G, TTL, "application/n-triples")  # type: ignore[attr-defined]
            yield client
        return
    with OxigraphServer(data_dir / "db", union_default_graph=True) as server:
        settings = get_settings(data_dir=data_dir, store="remote", query_url=server.query_url,
                                update_url=server.update_url, graph_store_url=server.store_url)
        store = open_store(settings)
        store.replace_graph(G, TTL, "application/n-triples")
        with TestClient(create_app(settings, store)) as client:
            yield client
        store.close()


def test_named_graph_data_answers_without_graph_patterns(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": 'ASK { ?s ?p "alpha" }'})
    assert response.json()["boolean"] is True


def test_default_graph_uri_still_narrows_the_dataset(client: TestClient) -> None:
    query = 'ASK { ?s ?p "alpha" }'
    inside = client.get("/sparql", params={"query": query, "default-graph-uri": G})
    outside = client.get("/sparql", params={"query": query,
                                            "default-graph-uri": "http://example.org/none"})
    assert inside.json()["boolean"] is True
    assert outside.json()["boolean"] is False


def test_service_description_says_union(client: TestClient) -> None:
    text = client.get("/sparql", headers={"Accept": "text/turtle"}).text
    assert "UnionDefaultGraph" in text


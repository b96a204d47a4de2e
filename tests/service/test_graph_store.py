"""/store against the SPARQL 1.1 Graph Store HTTP Protocol, over the embedded and remote store.

The triples below are made up for these tests (example.org IRIs).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

from service.app import create_app
from service.settings import Settings, get_settings
from service.store import open_store
from tests.oxigraph_server import OxigraphServer

TOKEN = "graph-store-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EX = "http://example.org/"
KEPT = EX + "graph/kept"
A_TTL = f'<{EX}a> <{RDFS.label}> "alpha" .'.encode()
B_NT = f'<{EX}b> <{RDFS.label}> "beta" .\n'.encode()
FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


def triple(name: str, label: str) -> tuple[URIRef, URIRef, Literal]:
    return URIRef(EX + name), RDFS.label, Literal(label)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db") as server:
        yield server


def settings_for(kind: str, data_dir: Path, server: OxigraphServer | None) -> Settings:
    values: dict[str, object] = {"data_dir": data_dir, "write_token": TOKEN}
    if kind == "remote":
        assert server is not None
        values.update(
            store="remote",
            query_url=server.query_url,
            update_url=server.update_url,
            graph_store_url=server.store_url,
        )
    return get_settings(**values)


@pytest.fixture(scope="module", params=["embedded", "remote"])
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    server = request.getfixturevalue("oxigraph") if request.param == "remote" else None
    settings = settings_for(request.param, tmp_path_factory.mktemp("data"), server)
    store = open_store(settings)
    store.replace_graph(None, A_TTL, "text/turtle")
    store.replace_graph(KEPT, A_TTL, "text/turtle")
    with TestClient(create_app(settings, store)) as test_client:
        test_client.kind = request.param
        yield test_client
    store.close()


def fetch(client: TestClient, params: dict[str, str], accept: str = "text/turtle") -> Graph:
    response = client.get("/store", params=params, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    return Graph().parse(data=response.content, format=FORMATS[accept])


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def test_get_default_graph_is_turtle_by_default(client: TestClient) -> None:
    response = client.get("/store", params={"default": ""})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert set(Graph().parse(data=response.text, format="turtle")) == {triple("a", "alpha")}


@pytest.mark.parametrize("accept", list(FORMATS))
def test_get_named_graph_in_each_format(client: TestClient, accept: str) -> None:
    assert set(fetch(client, {"graph": KEPT}, accept)) == {triple("a", "alpha")}


def test_get_negotiates_with_q_values(client: TestClient) -> None:
    response = client.get(
        "/store",
        params={"graph": KEPT},
        headers={"Accept": "text/turtle;q=0.2, application/n-triples;q=0.8"},
    )
    assert response.headers["content-type"].startswith("application/n-triples")
    assert "vary" in response.headers and "Accept" in response.headers["vary"]


def test_get_in_a_results_format_is_406(client: TestClient) -> None:
    body = problem(
        client.get("/store", params={"graph": KEPT}, headers={"Accept": "text/csv"}), 406
    )
    assert "text/turtle" in body["offered"]


@pytest.mark.parametrize("method", ["get", "head", "delete"])
def test_missing_named_graph_is_404(client: TestClient, method: str) -> None:
    response = client.request(
        method.upper(), "/store", params={"graph": EX + "graph/missing"}, headers=AUTH
    )
    assert response.status_code == 404
    if method != "head":
        problem(response, 404)


def test_head_has_headers_and_no_body(client: TestClient) -> None:
    get = client.get("/store", params={"graph": KEPT})
    head = client.head("/store", params={"graph": KEPT})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))


@pytest.mark.parametrize("params", [{}, {"graph": KEPT, "default": ""}, {"graph": "no iri"}])
def test_graph_selection_errors_are_400(client: TestClient, params: dict[str, str]) -> None:
    problem(client.get("/store", params=params), 400)
    problem(
        client.put(
            "/store", params=params, content=A_TTL, headers={"Content-Type": "text/turtle", **AUTH}
        ),
        400,
    )


def test_put_creates_then_replaces(client: TestClient) -> None:
    graph = EX + "graph/put"
    created = client.put(
        "/store",
        params={"graph": graph},
        content=A_TTL,
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert created.status_code == 201, created.text
    assert set(fetch(client, {"graph": graph})) == {triple("a", "alpha")}
    replaced = client.put(
        "/store",
        params={"graph": graph},
        content=B_NT,
        headers={"Content-Type": "application/n-triples", **AUTH},
    )
    assert replaced.status_code == 204, replaced.text
    assert set(fetch(client, {"graph": graph})) == {triple("b", "beta")}


def test_put_default_graph_is_204(client: TestClient) -> None:
    before = fetch(client, {"default": ""})
    response = client.put(
        "/store?default", content=A_TTL, headers={"Content-Type": "text/turtle", **AUTH}
    )
    assert response.status_code == 204
    assert isomorphic(fetch(client, {"default": ""}), before)


@pytest.mark.parametrize("media_type", list(FORMATS))
def test_put_reads_each_format(client: TestClient, media_type: str) -> None:
    graph = EX + "graph/format-" + FORMATS[media_type]
    data = (
        Graph()
        .parse(data=B_NT, format="nt")
        .serialize(format=FORMATS[media_type], encoding="utf-8")
    )
    response = client.put(
        "/store",
        params={"graph": graph},
        content=data,
        headers={"Content-Type": media_type, **AUTH},
    )
    assert response.status_code == 201, response.text
    assert set(fetch(client, {"graph": graph})) == {triple("b", "beta")}


def test_bad_data_is_400_and_keeps_the_old_content(client: TestClient) -> None:
    graph = EX + "graph/atomic"
    client.put(
        "/store",
        params={"graph": graph},
        content=A_TTL,
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    response = client.put(
        "/store",
        params={"graph": graph},
        content=b"<broken",
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert response.status_code == 400
    assert set(fetch(client, {"graph": graph})) == {triple("a", "alpha")}


def test_post_adds(client: TestClient) -> None:
    graph = EX + "graph/post"
    first = client.post(
        "/store",
        params={"graph": graph},
        content=A_TTL,
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert first.status_code == 201
    second = client.post(
        "/store",
        params={"graph": graph},
        content=B_NT,
        headers={"Content-Type": "application/n-triples", **AUTH},
    )
    assert second.status_code == 204
    assert set(fetch(client, {"graph": graph})) == {triple("a", "alpha"), triple("b", "beta")}


def test_delete_then_404(client: TestClient) -> None:
    graph = EX + "graph/delete"
    client.put(
        "/store",
        params={"graph": graph},
        content=A_TTL,
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert client.delete("/store", params={"graph": graph}, headers=AUTH).status_code == 204
    assert client.get("/store", params={"graph": graph}).status_code == 404
    assert client.delete("/store", params={"graph": graph}, headers=AUTH).status_code == 404
    assert graph not in client.app.state.store.graphs()


@pytest.mark.parametrize("content_type", ["text/csv", "application/sparql-update", None])
def test_unsupported_body_is_415(client: TestClient, content_type: str | None) -> None:
    headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
    body = problem(
        client.put("/store", params={"graph": EX + "graph/x"}, content=A_TTL, headers=headers), 415
    )
    assert "text/turtle" in body["accepted"]


def test_body_above_the_limit_is_413(client: TestClient) -> None:
    settings = client.app.state.settings.model_copy(update={"max_body_bytes": 100})
    small = TestClient(create_app(settings, client.app.state.store))
    response = small.put(
        "/store",
        params={"graph": EX + "graph/big"},
        content=A_TTL * 10,
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    problem(response, 413)
    assert small.get("/store", params={"graph": EX + "graph/big"}).status_code == 404

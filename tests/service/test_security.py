"""The write token, the SERVICE/LOAD guard and CORS, over the embedded store.

The triples below are made up for these tests (example.org IRIs).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import Settings, get_settings
from service.store import open_store
from service.store.base import Store
from tests.oxigraph_server import OxigraphServer

TOKEN = "s3cret-write-token-for-tests"
EX = "http://example.org/"
GRAPH = EX + "graph/security"
DATA = f'<{EX}a> <{EX}p> "alpha" .'.encode()
ORIGIN = "https://yasgui.example.org"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(get_settings(data_dir=tmp_path_factory.mktemp("data")))
    opened.replace_graph(GRAPH, DATA, "text/turtle")
    yield opened
    opened.close()


def make_client(store: Store, data_dir: Path, **values: object) -> TestClient:
    settings: Settings = get_settings(data_dir=data_dir, **values)
    return TestClient(create_app(settings, store))


@pytest.fixture
def client(store: Store, tmp_path: Path) -> TestClient:
    return make_client(store, tmp_path, write_token=TOKEN)


def writes(client: TestClient, headers: dict[str, str]) -> list[httpx.Response]:
    """One request of each write kind; the graphs they touch are throw-away ones."""
    update = f"INSERT DATA {{ GRAPH <{EX}graph/written> {{ <{EX}x> <{EX}p> 1 }} }}"
    return [
        client.post(
            "/sparql",
            content=update.encode(),
            headers={"Content-Type": "application/sparql-update", **headers},
        ),
        client.post(
            "/sparql",
            content=urlencode({"update": update}),
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        ),
        client.put(
            "/store",
            params={"graph": EX + "graph/put"},
            content=DATA,
            headers={"Content-Type": "text/turtle", **headers},
        ),
        client.post(
            "/store",
            params={"graph": EX + "graph/post"},
            content=DATA,
            headers={"Content-Type": "text/turtle", **headers},
        ),
        client.delete("/store", params={"graph": EX + "graph/put"}, headers=headers),
    ]


def reads(client: TestClient) -> list[httpx.Response]:
    return [
        client.get("/sparql", params={"query": f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"}),
        client.post(
            "/sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"}
        ),
        client.get("/store", params={"graph": GRAPH}),
        client.get("/sparql"),
    ]


# -- the write token ---------------------------------------------------------------------------


def test_writes_without_a_token_are_401(client: TestClient, store: Store) -> None:
    for response in writes(client, {}):
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["type"] == "urn:coprod:problem:unauthorized"
    assert EX + "graph/written" not in store.graphs()


def test_writes_with_another_scheme_are_401(client: TestClient) -> None:
    for response in writes(client, {"Authorization": "Basic dXNlcjpwYXNz"}):
        assert response.status_code == 401


def test_writes_with_a_wrong_token_are_403(client: TestClient, store: Store) -> None:
    for response in writes(client, {"Authorization": "Bearer not-the-token"}):
        assert response.status_code == 403, response.text
        assert TOKEN not in response.text
    assert EX + "graph/written" not in store.graphs()


def test_writes_are_403_when_no_token_is_configured(store: Store, tmp_path: Path) -> None:
    read_only = make_client(store, tmp_path)
    for response in writes(read_only, {"Authorization": f"Bearer {TOKEN}"}):
        assert response.status_code == 403
        assert "disabled" in response.json()["detail"]
    assert EX + "graph/written" not in store.graphs()


def test_writes_with_the_token_succeed(client: TestClient, store: Store) -> None:
    statuses = [r.status_code for r in writes(client, {"Authorization": f"Bearer {TOKEN}"})]
    assert statuses[0] == statuses[1] == 204
    assert statuses[2] == statuses[3] == 201
    assert statuses[4] == 204
    assert EX + "graph/written" in store.graphs()
    assert EX + "graph/post" in store.graphs()
    assert EX + "graph/put" not in store.graphs()  # deleted by the last write


@pytest.mark.parametrize("token", [None, TOKEN])
def test_reads_need_no_token(store: Store, tmp_path: Path, token: str | None) -> None:
    plain = make_client(store, tmp_path, write_token=token)
    assert [r.status_code for r in reads(plain)] == [200, 200, 200, 200]
    assert reads(plain)[0].json()["boolean"] is True


def test_the_token_is_never_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        writes(client, {"Authorization": f"Bearer {TOKEN}"})
        writes(client, {"Authorization": f"Bearer {TOKEN}x"})
    assert TOKEN not in caplog.text


# -- SERVICE and LOAD ----------------------------------------------------------------------------


REFUSED_QUERIES = [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { service silent <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?a ?b ?c .SERVICE<http://example.org/sparql>{ ?s ?p ?o } }",
    "PREFIX ex: <http://example.org/>\nSELECT * WHERE { SERVICE ex:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<http://example.org/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE # a comment\n <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVIC\\u0045 <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <http://\\u0065xample.org/sparql> { ?s ?p ?o } }",
    'SELECT * WHERE { ?s ?p "\\u0022" SERVICE <http://example.org/sparql> { ?s ?p ?o } }',
]


@pytest.mark.parametrize("query", REFUSED_QUERIES)
def test_service_is_refused_by_default(client: TestClient, query: str) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["type"] == "urn:coprod:problem:refused"
    assert "SERVICE" in body["detail"] and "COPROD_FEDERATION_HOSTS" in body["detail"]


@pytest.mark.parametrize(
    "update",
    [
        f"LOAD <http://example.org/data.ttl> INTO GRAPH <{EX}graph/loaded>",
        f"load silent <http://example.org/data.ttl> into graph <{EX}graph/loaded>",
        f"BASE <http://example.org/>\nLOAD <data.ttl> INTO GRAPH <{EX}graph/loaded>",
        f"INSERT {{ GRAPH <{EX}graph/loaded> {{ ?s ?p ?o }} }} "
        "WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    ],
)
def test_load_and_service_in_updates_are_refused(
    client: TestClient, store: Store, update: str
) -> None:
    response = client.post(
        "/sparql",
        content=update.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "urn:coprod:problem:refused"
    assert EX + "graph/loaded" not in store.graphs()


def test_keywords_in_strings_comments_and_names_are_not_refused(client: TestClient) -> None:
    query = (
        "PREFIX service: <http://example.org/service/>\n"
        "SELECT ?service ?load WHERE { # SERVICE <http://example.org/sparql> { }\n"
        '  BIND("SERVICE <http://example.org/sparql> { }" AS ?service)\n'
        "  BIND(service:load AS ?load) }"
    )
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    row = response.json()["results"]["bindings"][0]
    assert row["service"]["value"].startswith("SERVICE")
    assert row["load"]["value"] == "http://example.org/service/load"


@pytest.fixture(scope="module")
def federated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A real Oxigraph server on loopback holding one triple, to federate with."""
    with OxigraphServer(tmp_path_factory.mktemp("federated") / "db") as server:
        remote = open_store(
            get_settings(
                store="remote",
                query_url=server.query_url,
                update_url=server.update_url,
                graph_store_url=server.store_url,
            )
        )
        remote.replace_graph(
            None, f'<{EX}r> <{EX}p> "from the other server" .'.encode(), "text/turtle"
        )
        remote.close()
        yield server


def test_service_to_an_allowed_host_runs(
    store: Store, tmp_path: Path, federated: OxigraphServer
) -> None:
    allowed = make_client(store, tmp_path, federation_hosts=[f"127.0.0.1:{federated.port}"])
    query = f"SELECT ?o WHERE {{ SERVICE <{federated.query_url}> {{ ?s ?p ?o }} }}"
    response = allowed.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    assert [r["o"]["value"] for r in response.json()["results"]["bindings"]] == [
        "from the other server"
    ]
    other = allowed.get("/sparql", params={"query": query.replace("127.0.0.1", "localhost")})
    assert other.status_code == 400
    assert "localhost" in other.json()["detail"]


# -- CORS --------------------------------------------------------------------------------------


def preflight(client: TestClient, origin: str) -> httpx.Response:
    return client.options(
        "/sparql",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_cors_is_off_by_default(client: TestClient) -> None:
    simple = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": ORIGIN})
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers
    assert "access-control-allow-origin" not in preflight(client, ORIGIN).headers


def test_cors_for_a_listed_origin_only(store: Store, tmp_path: Path) -> None:
    cors = make_client(store, tmp_path, cors_origins=[ORIGIN])
    allowed = preflight(cors, ORIGIN)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-credentials" not in allowed.headers
    simple = cors.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": ORIGIN})
    assert simple.headers["access-control-allow-origin"] == ORIGIN
    vary = {v.strip() for v in simple.headers["vary"].split(",")}
    assert {"Accept", "Origin"} <= vary
    other = cors.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in preflight(cors, "https://evil.example").headers


def test_cors_wildcard_is_rejected_by_the_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not '\\*'"):
        get_settings(data_dir=tmp_path, cors_origins=["*"])

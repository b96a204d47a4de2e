"""The remote store down, slow, or redirecting: clear 503s, recovery without restart, no SSRF.

A real Oxigraph server is stopped and started again on the same port and folder under a
running app; misbehaving stores are loopback socket servers (tests/reliability/slow_server.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import get_settings
from tests.oxigraph_server import OxigraphServer
from tests.reliability.helpers import EX
from tests.reliability.slow_server import LoopbackServer

PROBLEM = "application/problem+json"
ASK = {"query": "ASK { ?s ?p ?o }"}


def remote_client(tmp_path: Path, query_url: str, timeout_s: float = 10.0) -> TestClient:
    """A real app whose store is the remote endpoint at `query_url` (the app opens it)."""
    base = query_url.rsplit("/", 1)[0]
    settings = get_settings(
        data_dir=tmp_path,
        store="remote",
        query_url=query_url,
        update_url=f"{base}/update",
        graph_store_url=f"{base}/store",
        query_timeout_s=timeout_s,
    )
    return TestClient(create_app(settings))


def fresh() -> dict[str, str]:
    """Lookup parameters never asked before, so no cached page can answer for the store."""
    return {"q": f"q-{uuid.uuid4().hex}"}


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"] == f"urn:coprod:problem:{code}"
    assert "127.0.0.1" not in body["detail"], "the store address leaked to the client"


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path / "oxi", union_default_graph=True).start()
    yield server
    server.close()


def test_store_down_gives_503_and_service_resumes_without_restart(
    tmp_path: Path, oxigraph: OxigraphServer
) -> None:
    client = remote_client(tmp_path, oxigraph.query_url)
    put = client.app.state.store  # type: ignore[attr-defined]
    put.replace_graph(f"{EX}graph/g", f'<{EX}s> <{EX}p> "o" .'.encode(), "text/turtle")
    assert client.get("/sparql", params=ASK).json()["boolean"] is True
    assert client.get("/api/queries/authors", params=fresh()).status_code == 200
    assert client.get("/health").status_code == 200

    oxigraph.stop()
    assert_problem(client.get("/sparql", params=ASK), 503, "store-unavailable")
    down = client.get("/api/queries/authors", params=fresh())
    assert_problem(down, 503, "store-unavailable")
    health = client.get("/health")
    assert health.status_code == 503 and health.json()["reachable"] is False

    oxigraph.start()  # same port, same folder; the app is not restarted
    back = client.get("/sparql", params=ASK)
    assert back.status_code == 200 and back.json()["boolean"] is True
    assert client.get("/api/queries/authors", params=fresh()).status_code == 200
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize("mode", ["silent", "trickle"])
@pytest.mark.parametrize("path", ["/sparql", "/api/queries/authors"])
def test_slow_store_hits_the_configured_timeout(tmp_path: Path, mode: str, path: str) -> None:
    timeout_s = 1.0
    with LoopbackServer(mode, delay_s=0.08 if mode == "trickle" else 8.0) as slow:
        client = remote_client(tmp_path, f"{slow.url}/query", timeout_s=timeout_s)
        started = time.monotonic()
        response = client.get(path, params=ASK if path == "/sparql" else fresh())
        elapsed = time.monotonic() - started
    assert_problem(response, 503, "query-timeout")
    assert elapsed < timeout_s + 2.5, f"answered after {elapsed:.1f}s"
    assert slow.requests, "the slow store was never asked"


def test_remote_store_redirects_to_another_host_are_not_followed(tmp_path: Path) -> None:
    elsewhere = LoopbackServer("record", host="127.0.0.2")
    with elsewhere, LoopbackServer("redirect", location=f"{elsewhere.url}/query") as store:
        client = remote_client(tmp_path, f"{store.url}/query")
        answers = [
            client.get("/sparql", params=ASK),
            client.get("/api/queries/authors", params=fresh()),
            client.get("/store", params={"graph": f"{EX}graph/g"}),
        ]
        time.sleep(0.3)
    assert store.requests, "the store was never asked"
    assert elsewhere.requests == [], "the app followed a redirect to another host"
    for response in answers:
        assert response.status_code in (503, 404), response.text

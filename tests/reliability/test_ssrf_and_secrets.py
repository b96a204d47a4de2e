"""No request makes the server fetch a URL it was not configured to; secrets never reach a log.

A loopback listener records every hit: RDF/XML with external entities and JSON-LD with a
remote `@context`, posted to `/store`, must not reach it (nor read a local file). The write
token and the remote store password must not appear in any log line of a real `coprod serve`
(stdout and stderr), nor in the records of an in-process app logging at DEBUG.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import get_settings
from service.store.base import NTRIPLES, Store
from service.store.embedded import EmbeddedStore
from service.store.remote import RemoteStore
from tests.oxigraph_server import OxigraphServer, free_port
from tests.reliability.helpers import EX, served
from tests.reliability.slow_server import LoopbackServer

TOKEN = "tok-9f2c1d7e-never-log-me"
PASSWORD = "pw-5b8a3e10-never-log-me"
GRAPH = f"{EX}graph/posted"
SECRET_FILE_TEXT = "secret-file-content-4471"


@pytest.fixture(scope="module")
def listener() -> Iterator[LoopbackServer]:
    with LoopbackServer("record") as server:
        yield server


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text(SECRET_FILE_TEXT, encoding="utf-8")
    return path


def bodies(url: str, secret: Path) -> dict[str, tuple[str, bytes]]:
    """Hostile bodies by name: (media type, bytes)."""
    entity_doc = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY remote SYSTEM "{url}/xxe">
  <!ENTITY local SYSTEM "file://{secret}">
  <!ENTITY % param SYSTEM "{url}/param"> %param;
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">
  <rdf:Description rdf:about="{EX}s"><ex:p>&remote;&local;</ex:p></rdf:Description>
</rdf:RDF>"""
    external_dtd = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF SYSTEM "{url}/dtd">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">
  <rdf:Description rdf:about="{EX}s"><ex:p>x</ex:p></rdf:Description>
</rdf:RDF>"""
    remote_context = f'{{"@context": "{url}/context", "@id": "{EX}s", "p": "x"}}'
    nested_context = (
        f'{{"@context": [{{"@import": "{url}/import"}}, "{url}/context2"], '
        f'"@id": "{EX}s", "{EX}p": "x"}}'
    )
    turtle_base = f'@base <{url}/base/> . <s> <{EX}p> "x" .'
    return {
        "xxe": ("application/rdf+xml", entity_doc.encode()),
        "external-dtd": ("application/rdf+xml", external_dtd.encode()),
        "jsonld-remote-context": ("application/ld+json", remote_context.encode()),
        "jsonld-import": ("application/ld+json", nested_context.encode()),
        "turtle-base": ("text/turtle", turtle_base.encode()),
    }


@pytest.fixture(params=["embedded", "remote"], scope="module")
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    if request.param == "embedded":
        opened: Store = EmbeddedStore(None)
        yield opened
        opened.close()
        return
    with OxigraphServer(tmp_path_factory.mktemp("ssrf") / "oxi") as server:
        opened = RemoteStore(server.query_url, server.update_url, server.store_url)
        yield opened
        opened.close()


@pytest.fixture(scope="module")
def client(store: Store, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    settings = get_settings(data_dir=tmp_path_factory.mktemp("app"), write_token=TOKEN)
    return TestClient(create_app(settings, store))


@pytest.mark.parametrize(
    "name", ["xxe", "external-dtd", "jsonld-remote-context", "jsonld-import", "turtle-base"]
)
@pytest.mark.parametrize("method", ["put", "post"])
def test_posted_rdf_never_makes_the_server_fetch(
    store: Store,
    client: TestClient,
    listener: LoopbackServer,
    secret_file: Path,
    name: str,
    method: str,
) -> None:
    media, body = bodies(listener.url, secret_file)[name]
    hits = len(listener.requests)
    response = client.request(
        method.upper(), "/store", params={"graph": GRAPH}, content=body,
        headers={"Content-Type": media, "Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code in (201, 204, 400), response.text
    assert len(listener.requests) == hits, f"the server fetched {listener.requests[hits:]}"
    stored = store.get_graph(GRAPH, NTRIPLES) or b""
    assert SECRET_FILE_TEXT.encode() not in stored, "a local file was read into the graph"
    assert SECRET_FILE_TEXT not in response.text
    store.drop_graph(GRAPH)


def requests_of_every_kind(url: str) -> None:
    """Writes with right and wrong tokens, reads, bad queries, while the store is up or down."""
    update = f"INSERT DATA {{ GRAPH <{EX}graph/w> {{ <{EX}a> <{EX}b> 1 }} }}"
    with httpx.Client(base_url=url, timeout=20) as client:
        for token in (TOKEN, TOKEN + "x", "wrong"):
            auth = {"Authorization": f"Bearer {token}"}
            client.post("/sparql", content=update, headers={
                "Content-Type": "application/sparql-update", **auth})
            client.put("/store", params={"graph": f"{EX}graph/w"}, content=b"not turtle <",
                       headers={"Content-Type": "text/turtle", **auth})
            client.delete("/store", params={"graph": f"{EX}graph/none"}, headers=auth)
        client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"})
        client.get("/sparql", params={"query": "SELECT * WHERE { broken"})
        client.get("/api/queries/graphs")
        client.get("/health")


def test_secrets_are_never_logged(tmp_path: Path) -> None:
    oxigraph = OxigraphServer(tmp_path / "oxi").start()
    port = free_port()
    log = tmp_path / "serve.log"
    try:
        settings = {
            "store": "remote",
            "query_url": oxigraph.query_url,
            "update_url": oxigraph.update_url,
            "graph_store_url": oxigraph.store_url,
            "store_user": "coprod",
            "store_password": PASSWORD,
            "write_token": TOKEN,
        }
        with served(tmp_path / "data", port, log, **settings):
            requests_of_every_kind(f"http://127.0.0.1:{port}")
            oxigraph.stop()  # failures now: connection refused, logged as warnings
            requests_of_every_kind(f"http://127.0.0.1:{port}")
    finally:
        oxigraph.close()
    text = log.read_text(errors="replace")
    assert "POST /sparql" in text and "503" in text, "the log did not record the requests"
    assert TOKEN not in text
    assert PASSWORD not in text


def test_secrets_are_not_in_debug_records(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with OxigraphServer(tmp_path / "oxi") as oxigraph:
        settings = get_settings(
            data_dir=tmp_path, store="remote", query_url=oxigraph.query_url,
            update_url=oxigraph.update_url, graph_store_url=oxigraph.store_url,
            store_user="coprod", store_password=PASSWORD, write_token=TOKEN,
        )
        with caplog.at_level(logging.DEBUG):
            client = TestClient(create_app(settings))
            transport = httpx.Client(transport=client._transport, base_url="http://testserver")
            requests_of_every_kind_in_process(transport)
            oxigraph.stop()
            requests_of_every_kind_in_process(transport)
    everything = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records
    )
    assert caplog.records, "nothing was logged at all"
    assert TOKEN not in everything and PASSWORD not in everything
    assert str(repr(settings)).count(PASSWORD) == 0  # SecretStr hides it in reprs too


def requests_of_every_kind_in_process(client: httpx.Client) -> None:
    update = f"INSERT DATA {{ GRAPH <{EX}graph/w> {{ <{EX}a> <{EX}b> 1 }} }}"
    for token in (TOKEN, "wrong"):
        auth = {"Authorization": f"Bearer {token}"}
        client.post("/sparql", content=update, headers={
            "Content-Type": "application/sparql-update", **auth})
        client.put("/store", params={"graph": f"{EX}graph/w"}, content=b"not turtle <",
                   headers={"Content-Type": "text/turtle", **auth})
    client.get("/sparql", params={"query": "SELECT * WHERE { broken"})
    client.get("/api/queries/graphs")
    client.get("/health")

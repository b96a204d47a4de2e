"""One deadline per request (service/deadline.py), alone and on the /cases and /works pages.

The page tests put a loopback proxy that waits before each connection between the app and
the real Oxigraph server (the lookups fixture loaded), so every query takes a known time.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ontology.errors import QueryTimeout
from service.app import create_app
from service.deadline import Deadline
from service.settings import get_settings
from service.store.remote import RemoteStore
from tests.oxigraph_server import OxigraphServer
from tests.reliability.slow_server import LoopbackServer
from tests.service.conftest import load_fixture

ID = "https://w3id.org/coprod/id/"
COP = "https://w3id.org/coprod/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def after(seconds: float, value: str) -> str:
    time.sleep(seconds)
    return value


def test_calls_started_together_share_one_deadline() -> None:
    deadline = Deadline(1.0)
    began = time.monotonic()
    first = deadline.start(lambda: after(0.6, "first"))
    second = deadline.start(lambda: after(0.6, "second"))
    assert deadline.result(first) == "first" and deadline.result(second) == "second"
    assert time.monotonic() - began < 1.0  # side by side, not 1.2 s one after the other


def test_a_late_call_times_out_at_the_deadline_not_when_it_ends() -> None:
    deadline = Deadline(0.3)
    began = time.monotonic()
    slow = deadline.start(lambda: time.sleep(2))
    with pytest.raises(QueryTimeout):
        deadline.result(slow)
    assert time.monotonic() - began < 1.0
    with pytest.raises(QueryTimeout):  # nothing starts once the time is up
        deadline.start(lambda: None)


def test_errors_of_a_call_raise_as_they_are() -> None:
    def fail() -> None:
        raise ValueError("boom")

    deadline = Deadline(1.0)
    with pytest.raises(ValueError, match="boom"):
        deadline.run(fail)


class DelayProxy(LoopbackServer):
    """Forwards each TCP connection on 127.0.0.1 to `target` after waiting `delay_s`."""

    def __init__(self, target: tuple[str, int], delay_s: float) -> None:
        super().__init__("proxy", delay_s=delay_s)
        self.target = target
        self.start()

    def _handle(self, conn: socket.socket) -> None:
        if self._stop.wait(self.delay_s):
            conn.close()
            return
        try:
            upstream = socket.create_connection(self.target, timeout=10)
        except OSError:
            conn.close()
            return
        threading.Thread(target=_pipe, args=(upstream, conn), daemon=True).start()
        _pipe(conn, upstream)


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


@pytest.fixture(scope="module")
def loaded_server(oxigraph_server: OxigraphServer) -> OxigraphServer:
    store = RemoteStore(oxigraph_server.query_url, oxigraph_server.update_url,
                        oxigraph_server.store_url, timeout_s=20)
    try:
        store.update("DROP ALL")
        load_fixture(store)
        # Enough extra records that the first page is not the last, so the page counts.
        extra = "\n".join(
            f"<{ID}case/extra-{i}> a <{COP}Case> ; <{RDFS}label> \"Extra case {i}\" .\n"
            f"<{ID}work/extra-{i}> a <https://schema.org/CreativeWork> ; "
            f"<http://purl.org/dc/terms/title> \"Extra work {i}\" ."
            for i in range(60))
        store.update(f"INSERT DATA {{ GRAPH <{ID}graph-extra> {{ {extra} }} }}")
    finally:
        store.close()
    return oxigraph_server


@contextlib.contextmanager
def _client(server: OxigraphServer, delay_s: float, timeout_s: float,
            tmp_path: Path) -> Iterator[TestClient]:
    host, port = server.base_url.split("//", 1)[1].rstrip("/").split(":")
    proxy = DelayProxy((host, int(port)), delay_s)
    path = server.query_url.split(server.base_url.rstrip("/"), 1)[1]
    store = RemoteStore(proxy.url + path, timeout_s=timeout_s)
    settings = get_settings(data_dir=tmp_path, query_timeout_s=timeout_s)
    try:
        with TestClient(create_app(settings, store)) as client:
            yield client
    finally:
        store.close()
        proxy.close()


@pytest.mark.parametrize(("path", "limit_s"), [("/cases", 3.0), ("/works", 2.0)])
def test_a_page_runs_its_queries_side_by_side(
    loaded_server: OxigraphServer, tmp_path: Path, path: str, limit_s: float
) -> None:
    # Each query waits 1.3 s. The first page of an unfiltered list and the list's count run
    # together (1.3 s); /cases then reads the shown cases' details (1.3 s more). One query
    # after the other, neither page would fit its limit.
    with _client(loaded_server, 1.3, limit_s, tmp_path) as client:
        began = time.monotonic()
        response = client.get(path)
        assert time.monotonic() - began < limit_s
    assert response.status_code == 200, response.text[:300]
    expected = {"/cases": "<strong>66</strong> cases found.",
                "/works": "<strong>68</strong> works found."}[path]
    assert expected in response.text and 'rel="next"' in response.text


def test_a_page_past_its_deadline_is_the_503_query_timeout(
    loaded_server: OxigraphServer, tmp_path: Path
) -> None:
    with _client(loaded_server, 5.0, 1.0, tmp_path) as client:
        began = time.monotonic()
        response = client.get("/works", params={"q": "the", "page": "2"})
        assert time.monotonic() - began < 2.5
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "urn:coprod:problem:query-timeout"

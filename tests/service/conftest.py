"""Store fixtures: a real Oxigraph server for the session, and a fresh store of each kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset

from service.store.base import Store
from service.store.embedded import EmbeddedStore
from service.store.remote import RemoteStore
from tests.oxigraph_server import OxigraphServer


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """One real `oxigraph serve` on 127.0.0.1 for the whole session."""
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "data") as server:
        yield server


def _clear(server: OxigraphServer) -> None:
    store = RemoteStore(server.query_url, server.update_url)
    try:
        store.update("DROP ALL")
    finally:
        store.close()


@pytest.fixture(params=["embedded", "remote"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store of each kind: embedded on disk, and remote over a real server."""
    opened: Store
    if request.param == "embedded":
        opened = EmbeddedStore(tmp_path / "store", timeout_s=10)
    else:
        server: OxigraphServer = request.getfixturevalue("oxigraph_server")
        _clear(server)
        opened = RemoteStore(server.query_url, server.update_url, server.store_url, timeout_s=10)
    try:
        yield opened
    finally:
        opened.close()


LOOKUPS_FIXTURE = Path(__file__).parents[1] / "fixtures" / "lookups.trig"


def load_fixture(store: Store, fixture: Path = LOOKUPS_FIXTURE) -> None:
    """Put each named graph of the lookups fixture (real works and cases) into `store`."""
    data = Dataset()
    data.parse(fixture, format="trig")
    for graph in data.graphs():
        if len(graph):
            body = graph.serialize(format="nt", encoding="utf-8")
            store.replace_graph(str(graph.identifier), body, "application/n-triples")


@pytest.fixture(scope="module", params=["embedded", "remote"])
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """The lookups fixture in an embedded store, then in the real Oxigraph server."""
    opened: Store
    if request.param == "embedded":
        opened = EmbeddedStore(tmp_path_factory.mktemp("loaded") / "store", timeout_s=20)
    else:
        server: OxigraphServer = request.getfixturevalue("oxigraph_server")
        opened = RemoteStore(server.query_url, server.update_url, server.store_url, timeout_s=20)
        opened.update("DROP ALL")
    load_fixture(opened)
    try:
        yield opened
    finally:
        opened.close()

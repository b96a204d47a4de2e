"""Shipped sources -> build -> embedded store -> running server -> SPARQL answer over HTTP."""

import csv
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from ingest.build import build
from service.app import create_app
from service.loading import load_artefact
from service.settings import get_settings
from service.store import open_store

ROOT = Path(__file__).parents[1]
FULL_COPRODUCTION = """
PREFIX cop: <https://w3id.org/coprod/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?id WHERE {
  GRAPH ?g { ?case a cop:PlannedJointlyDeliveredJointly }
  GRAPH ?h { ?case a cop:Case ; dcterms:identifier ?id }
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("data")
    settings = get_settings(data_dir=data_dir, sources_dir=ROOT / "sources")
    build(settings.sources_dir, settings.artefact_dir)
    store = open_store(settings)
    load_artefact(store, settings.artefact_dir)
    port = _free_port()
    config = uvicorn.Config(create_app(settings, store), host="127.0.0.1", port=port,
                            log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uv.started, "server did not start"
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)
    store.close()


def test_full_coproduction_cases_are_those_the_shipped_data_codes(server: str) -> None:
    with (ROOT / "sources" / "cases.csv").open(encoding="utf-8") as rows:
        expected = {r["id"] for r in csv.DictReader(rows)
                    if r["who_plans"] == "jointly" and r["who_delivers"] == "jointly"}
    assert expected, "the shipped data should hold at least one full-coproduction case"
    response = httpx.get(f"{server}/sparql", params={"query": FULL_COPRODUCTION},
                         headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    bindings = response.json()["results"]["bindings"]
    assert {b["id"]["value"] for b in bindings} == expected


def test_health_reports_the_store(server: str) -> None:
    response = httpx.get(f"{server}/health")
    assert response.status_code == 200
    assert response.json()["store"] == "embedded"

"""Comunica (npm @comunica/query-sparql) queries coprod's /sparql as a SPARQL endpoint.

Run with `make test-comunica`, which installs Comunica under build/comunica.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from service.app import create_app
from service.settings import get_settings
from tests.oxigraph_server import free_port
from tests.service.conftest import load_fixture

ROOT = Path(__file__).parents[2]
LOCAL = ROOT / "build" / "comunica" / "node_modules" / ".bin" / "comunica-sparql"
COMUNICA = os.environ.get("COPROD_COMUNICA") or (str(LOCAL) if LOCAL.exists() else None)

pytestmark = [
    pytest.mark.comunica,
    pytest.mark.skipif(COMUNICA is None or shutil.which("node") is None,
                       reason="Comunica is not installed (make test-comunica installs it)"),
]


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = get_settings(data_dir=tmp_path_factory.mktemp("comunica"))
    app = create_app(settings)
    load_fixture(app.state.store)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/sparql"
    server.should_exit = True
    thread.join(timeout=10)


def comunica(endpoint: str, query: str) -> list[dict[str, str]]:
    done = subprocess.run(
        [str(COMUNICA), f"sparql@{endpoint}", query, "-t", "application/sparql-results+json"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    bindings = json.loads(done.stdout)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in bindings]


def test_comunica_selects_full_coproduction_cases(endpoint: str) -> None:
    rows = comunica(endpoint, "SELECT ?c WHERE { ?c a "
                    "<https://w3id.org/coprod/ontology#PlannedJointlyDeliveredJointly> }")
    direct = load_expected()
    assert {row["c"] for row in rows} == direct


def load_expected() -> set[str]:
    from rdflib import Dataset
    from rdflib.namespace import RDF

    from ontology.namespaces import COP
    from tests.service.conftest import LOOKUPS_FIXTURE as FIXTURE

    data = Dataset()
    data.parse(FIXTURE, format="trig")
    return {str(s) for s, _, _, _ in data.quads((None, RDF.type, COP.PlannedJointlyDeliveredJointly,
                                                 None))}

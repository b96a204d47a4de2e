"""The statistics graph (behind the typology matrix and the charts) follows imports and
catalogue edits, on both store kinds.

The build computes the counts in Python (ingest.aggregates.count_cases); after the data
changes, `refresh_request` recomputes them in SPARQL. The two must agree: on the build of the
test fixture (real cases and works), the refreshed graph is isomorphic to the built one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.compare import isomorphic

from ingest.aggregates import refresh_request
from ingest.build import build
from ontology import DEFAULT_BASE
from service.app import create_app
from service.loading import load_artefact
from service.settings import get_settings
from service.store.base import NTRIPLES, Store
from tests.service.test_catalogue_api import AUTH, TOKEN, new_case

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sources"
STATS = f"{DEFAULT_BASE}graph/stats"
COP = f"{DEFAULT_BASE}ontology#"


@pytest.fixture(scope="module")
def artefact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    build(FIXTURE, out)
    return out


def stats(store: Store) -> Graph:
    data = store.get_graph(STATS, NTRIPLES)
    assert data is not None, "no statistics graph"
    return Graph().parse(data=data, format="nt")


def cell_count(store: Store, cell: str) -> int:
    rows = store.select(
        f"SELECT ?n WHERE {{ GRAPH <{STATS}> {{ ?c <{COP}countedValue> <{COP}{cell}> ; "
        f"<{COP}caseCount> ?n }} }}").rows
    return int(str(rows[0]["n"])) if rows else 0


def test_refreshed_counts_equal_the_build_counts(store: Store, artefact: Path) -> None:
    load_artefact(store, artefact)
    built = stats(store)
    assert len(built) > 20
    store.update(refresh_request(DEFAULT_BASE))
    refreshed = stats(store)
    assert isomorphic(built, refreshed), (
        sorted(built.serialize(format="nt").splitlines())[:5],
        sorted(refreshed.serialize(format="nt").splitlines())[:5],
    )


def test_a_catalogued_case_is_counted_at_once(
    store: Store, artefact: Path, tmp_path: Path
) -> None:
    load_artefact(store, artefact)
    cell = "PlannedJointlyDeliveredByCommunity"
    before = cell_count(store, cell)
    client = TestClient(create_app(get_settings(data_dir=tmp_path, write_token=TOKEN), store))
    # A made-up case (test data), planned jointly and delivered by the community.
    answer = client.post("/api/catalogue/cases", json=new_case(discussed_in=[]), headers=AUTH)
    assert answer.status_code == 201, answer.text
    assert cell_count(store, cell) == before + 1
    matrix = client.get("/api/queries/typology-matrix").json()
    counted = {row["cell"].rsplit("#", 1)[-1]: int(row["cases"]) for row in matrix["rows"]
               if row.get("cell")}
    assert counted[cell] == before + 1

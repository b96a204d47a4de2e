"""service/cache.py: lookup answers cached per dataset version, with ETag, 304 and no-cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.changes import data_changed
from service.settings import get_settings
from service.store.embedded import EmbeddedStore

CATALOG = "https://w3id.org/coprod/graph/catalog"
DATASET = "<https://w3id.org/coprod/dataset> <https://w3id.org/coprod/ontology#fingerprint>"
CELLS = "https://w3id.org/coprod/graph/stats"
COUNT = (
    "_:c <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://w3id.org/coprod/ontology#CaseCount> .\n"
    "_:c <https://w3id.org/coprod/ontology#countedProperty> "
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> .\n"
    "_:c <https://w3id.org/coprod/ontology#countedValue> "
    "<https://w3id.org/coprod/ontology#PlannedJointlyDeliveredJointly> .\n"
    '_:c <https://w3id.org/coprod/ontology#caseCount> "{n}"'
    "^^<http://www.w3.org/2001/XMLSchema#integer> .\n"
)


def _full(body: dict[str, object]) -> int:
    rows = body["rows"]
    assert isinstance(rows, list)
    return next(r["cases"] for r in rows if r["cell"].endswith("PlannedJointlyDeliveredJointly"))


@pytest.fixture()
def setup(tmp_path: Path) -> Iterator[tuple[TestClient, EmbeddedStore]]:
    store = EmbeddedStore(None)
    store.replace_graph(CATALOG, f'{DATASET} "build-1" .\n'.encode(), "application/n-triples")
    store.replace_graph(CELLS, COUNT.format(n=3).encode(), "application/n-triples")
    app = create_app(get_settings(data_dir=tmp_path), store)
    with TestClient(app) as client:
        yield client, store
    store.close()


def test_etag_304_and_cached_answer(setup: tuple[TestClient, EmbeddedStore]) -> None:
    client, store = setup
    first = client.get("/api/queries/typology-matrix")
    assert first.status_code == 200 and _full(first.json()) == 3
    etag = first.headers["etag"]
    again = client.get("/api/queries/typology-matrix", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    # Changed behind the service's back and the fingerprint kept: the stored answer stays...
    store.replace_graph(CELLS, COUNT.format(n=5).encode(), "application/n-triples")
    assert _full(client.get("/api/queries/typology-matrix").json()) == 3
    # ...unless the client asks for a fresh one.
    fresh = client.get("/api/queries/typology-matrix", headers={"Cache-Control": "no-cache"})
    assert _full(fresh.json()) == 5
    # Another format is another answer with another tag.
    csv = client.get("/api/queries/typology-matrix", params={"format": "csv"})
    assert csv.headers["etag"] != etag and csv.text.startswith("cell,")


def test_a_write_or_a_new_build_changes_the_version(
    setup: tuple[TestClient, EmbeddedStore],
) -> None:
    client, store = setup
    etag = client.get("/api/typology").headers["etag"]
    store.replace_graph(CELLS, COUNT.format(n=7).encode(), "application/n-triples")
    data_changed(client.app.state)  # type: ignore[attr-defined]
    answer = client.get("/api/typology", headers={"If-None-Match": etag})
    assert answer.status_code == 200 and answer.headers["etag"] != etag
    assert answer.json()["matrix"]["jointly"]["jointly"] == 7
    # A new build (new fingerprint) is noticed once the fingerprint is read again.
    store.replace_graph(CATALOG, f'{DATASET} "build-2" .\n'.encode(), "application/n-triples")
    client.app.state.answers._checked = float("-inf")  # type: ignore[attr-defined]
    newer = client.get("/api/typology", headers={"If-None-Match": answer.headers["etag"]})
    assert newer.status_code == 200 and newer.headers["etag"] != answer.headers["etag"]


def test_errors_are_not_cached(setup: tuple[TestClient, EmbeddedStore]) -> None:
    client, _ = setup
    bad = client.get("/api/queries/cases-by-country", params={"country": "1"})
    assert bad.status_code == 400 and "etag" not in bad.headers
    assert client.get("/api/cases/no-such-case").status_code == 404

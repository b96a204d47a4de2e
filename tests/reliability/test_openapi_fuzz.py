"""schemathesis against the app's own OpenAPI document, in process (ASGI): no 500s.

Every operation the document lists is called with generated parameters and bodies (a
bounded number each), over an in-memory store holding the lookup fixture
(tests/fixtures/lookups.trig, its sources noted there). Writes are disabled, so the fuzzing
cannot change the data it reads.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyoxigraph as ox
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case

from service.app import create_app
from service.settings import get_settings
from service.store.base import NTRIPLES
from service.store.embedded import EmbeddedStore

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "lookups.trig"


def _store() -> EmbeddedStore:
    store = EmbeddedStore(None, timeout_s=5)
    graphs: dict[str, list[str]] = {}
    for quad in ox.parse(path=str(FIXTURE), format=ox.RdfFormat.TRIG):
        key = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        graphs.setdefault(key, []).append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
    for graph, lines in graphs.items():
        store.replace_graph(graph or None, "".join(lines).encode(), NTRIPLES)
    return store


# schemathesis reads the schema when the module is collected, so the app is built here.
APP = create_app(
    get_settings(data_dir=Path(tempfile.mkdtemp(prefix="coprod-fuzz-")), query_timeout_s=5),
    _store(),
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_500(case: Case) -> None:
    response = case.call()
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}: "
        f"{response.text[:500]}"
    )

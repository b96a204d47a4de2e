"""A runaway query on the embedded store is stopped at COPROD_QUERY_TIMEOUT_S while other
clients are served, against a real `coprod serve` process.

"Stopped" is measured from outside: after the answer, the server process and every process
it started (the query workers: forked from memory, or spawned over a checkpoint of the store
on disk) must go back to idle (their CPU time stops growing), so nothing keeps evaluating
the query.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from service.store.embedded import EmbeddedStore
from tests.cpu import busy_cores
from tests.oxigraph_server import free_port
from tests.reliability.helpers import EX, served, triples

TIMEOUT_S = 1.0
CROSS = "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 1,000 triples: 10^9 rows, never finishes
STREAMING = f"SELECT * WHERE {CROSS}"
AGGREGATE = f"SELECT (COUNT(*) AS ?n) WHERE {CROSS}"


# (store mode, query processes): the defaults from memory and from disk, and threads.
MODES = {"memory": ("memory", "auto"), "disk": ("disk", "auto"), "disk-threads": ("disk", "off")}


@pytest.fixture(scope="module", params=sorted(MODES))
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, int]]:
    """`coprod serve` answering from memory or disk, queries in worker processes or threads."""
    data_dir = tmp_path_factory.mktemp(f"runaway-{request.param}")
    store = EmbeddedStore(data_dir / "store")
    store.replace_graph(f"{EX}graph/runaway", triples("r", 1000), "application/n-triples")
    store.close()
    port = free_port()
    memory, processes = MODES[request.param]
    with served(data_dir, port, data_dir / "serve.log", query_timeout_s=TIMEOUT_S,
                store_memory=memory, query_processes=processes) as process:
        yield f"http://127.0.0.1:{port}", process.pid


def run_runaway(url: str, query: str) -> tuple[int | None, bool, float]:
    """Send `query`, read whatever comes: (status, whole answer read cleanly, seconds)."""
    started = time.monotonic()
    status: int | None = None
    clean = False
    try:
        with httpx.stream(
            "GET", f"{url}/sparql", params={"query": query}, timeout=30,
            headers={"Accept": "application/sparql-results+json"},
        ) as response:
            status = response.status_code
            for _ in response.iter_bytes():
                if time.monotonic() - started > 20:
                    break
            else:
                clean = True
    except httpx.HTTPError:
        clean = False
    return status, clean, time.monotonic() - started


def other_clients(url: str, stop: threading.Event, delays: list[float]) -> None:
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            started = time.monotonic()
            response = client.get(f"{url}/sparql", params={"query": "ASK { ?s ?p ?o }"})
            assert response.status_code == 200 and response.json()["boolean"] is True
            delays.append(time.monotonic() - started)
            time.sleep(0.05)


NOT_CANCELLED_ON_THREADS = (
    "pyoxigraph 0.5 has no cancel API: on a thread (COPROD_QUERY_PROCESSES=off, or a store "
    "in memory too big for worker copies), a query that computes before its first solution "
    "(an aggregate) keeps its thread until it finishes; the client gets its 503 in time and "
    "other clients are served, but a core stays busy."
)


@pytest.mark.parametrize(
    ("query", "check_cpu"),
    [
        pytest.param(STREAMING, True, id="rows"),
        pytest.param(AGGREGATE, False, id="aggregate-answer"),
        pytest.param(AGGREGATE, True, id="aggregate-cancelled"),
    ],
)
def test_runaway_query_is_stopped_while_others_are_served(
    request: pytest.FixtureRequest, server: tuple[str, int], query: str, check_cpu: bool
) -> None:
    url, pid = server
    if query == AGGREGATE and check_cpu and "threads" in request.node.callspec.id:
        request.applymarker(pytest.mark.xfail(strict=True, reason=NOT_CANCELLED_ON_THREADS))
    delays: list[float] = []
    stop = threading.Event()
    helper = threading.Thread(target=other_clients, args=(url, stop, delays), daemon=True)
    helper.start()
    try:
        status, clean, elapsed = run_runaway(url, query)
    finally:
        stop.set()
        helper.join(timeout=10)
    # A 503 before the first byte, or (rows already streaming) an answer cut off.
    assert status == 503 or (status == 200 and not clean), (status, clean)
    assert elapsed < TIMEOUT_S + 3, f"the runaway query ran {elapsed:.1f}s"
    assert delays and max(delays) < 1.0, f"other clients waited up to {max(delays):.2f}s"
    if not check_cpu:
        return

    time.sleep(1.0)  # let a stopped worker notice and return
    busy = busy_cores(pid, 2.0)
    assert busy < 0.3, f"the server still uses {busy:.0%} of a core: the query was not stopped"

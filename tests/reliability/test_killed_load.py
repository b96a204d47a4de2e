"""A `coprod load` killed (SIGKILL) mid-load leaves no partial named graph, and a rerun repairs.

The load replaces one named graph per transaction and writes the catalogue (which records
the build) last. So after a kill each graph holds exactly its old or exactly its new
content, the graph being loaded holds its old content, the catalogue still names the old
build, and the next `coprod load` loads the new build whole.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from ontology import DEFAULT_BASE
from service.store.base import NTRIPLES
from service.store.embedded import TEMP_GRAPH_PREFIX, EmbeddedStore
from tests.reliability.helpers import ROOT, coprod_command, coprod_env, triples

SMALL = f"{DEFAULT_BASE}graph/a-small"
BIG = f"{DEFAULT_BASE}graph/big"
CATALOG = f"{DEFAULT_BASE}graph/catalog"
BIG_TRIPLES = 100_000  # loads in a few seconds here: long enough to kill it in the middle


def catalog(fingerprint: str) -> bytes:
    """The catalogue line `coprod load` reads to know which build the store holds."""
    return (
        f'<{DEFAULT_BASE}dataset> <{DEFAULT_BASE}ontology#fingerprint> "{fingerprint}" .\n'
    ).encode()


def write_artefact(folder: Path, fingerprint: str, graphs: dict[str, bytes]) -> None:
    """An artefact as ingest.artefact writes it: N-Quads grouped by graph, plus a manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with (folder / "coprod.nq").open("w", encoding="utf-8") as out:
        for graph, data in graphs.items():
            lines = data.decode().splitlines()
            counts[graph] = len(lines)
            for line in lines:
                out.write(f"{line[:-2]} <{graph}> .\n")
    manifest = {
        "fingerprint": fingerprint,
        "base": DEFAULT_BASE,
        "built_at": "2026-01-01T00:00:00Z",
        "graphs": counts,
        "sha256": "",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def snapshot(store_dir: Path) -> dict[str, set[str]]:
    """Every named graph of the store on disk, as a set of N-Triples lines."""
    store = EmbeddedStore(store_dir, timeout_s=60)
    try:
        return {
            g: set((store.get_graph(g, NTRIPLES) or b"").decode().splitlines())
            for g in store.graphs()
        }
    finally:
        store.close()


def load(data_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [coprod_command(), "load"],
        env=coprod_env(data_dir),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


OLD = {SMALL: triples("small", 3, "old"), BIG: triples("big", 5, "old"), CATALOG: catalog("old")}
NEW = {
    SMALL: triples("small", 4, "new"),
    BIG: triples("big", BIG_TRIPLES, "new"),
    CATALOG: catalog("new"),
}


def lines(data: bytes) -> set[str]:
    return set(data.decode().splitlines())


@pytest.mark.parametrize("extra_delay_s", [0.0, 2.0], ids=["while-parsing", "while-moving"])
def test_killed_load_leaves_no_partial_graph(tmp_path: Path, extra_delay_s: float) -> None:
    data_dir = tmp_path / "data"
    store_dir = data_dir / "store"
    write_artefact(data_dir / "dataset", "old", OLD)
    first = load(data_dir)
    assert first.wait(timeout=120) == 0, first.stderr.read() if first.stderr else ""
    before = snapshot(store_dir)
    assert before == {g: lines(d) for g, d in OLD.items()}

    write_artefact(data_dir / "dataset", "new", NEW)
    started_size = size(store_dir)
    process = load(data_dir)
    # Wait until the load is writing (the store grows), then a little more, then kill it.
    deadline = time.monotonic() + 60
    while size(store_dir) < started_size + 1_000_000 and time.monotonic() < deadline:
        assert process.poll() is None, "the load finished before it could be killed"
        time.sleep(0.02)
    time.sleep(extra_delay_s)
    assert process.poll() is None, "the load finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL

    after = snapshot(store_dir)
    assert set(after) == set(before), "a graph appeared or vanished"
    assert not any(g.startswith(TEMP_GRAPH_PREFIX) for g in after)
    assert after[BIG] == before[BIG], "the graph being loaded is not exactly its old content"
    assert after[CATALOG] == before[CATALOG], "the catalogue names a build not fully loaded"
    assert after[SMALL] in (before[SMALL], lines(NEW[SMALL]))

    rerun = load(data_dir)
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read() if rerun.stderr else ""
    assert snapshot(store_dir) == {g: lines(d) for g, d in NEW.items()}


FIRST_TRIPLES = 1_000_000  # a bulk load takes seconds here: long enough to kill it


def test_killed_first_load_leaves_an_empty_store(tmp_path: Path) -> None:
    """A first load (the store holds none of the graphs) is one bulk load, not a transaction
    per graph; killed in the middle, the store opens empty again and the rerun loads whole."""
    data_dir = tmp_path / "data"
    store_dir = data_dir / "store"
    first = {SMALL: triples("small", 4, "new"), BIG: triples("big", FIRST_TRIPLES, "new"),
             CATALOG: catalog("new")}
    write_artefact(data_dir / "dataset", "new", first)
    EmbeddedStore(store_dir).close()
    started_size = size(store_dir)
    process = load(data_dir)
    deadline = time.monotonic() + 60
    while size(store_dir) < started_size + 5_000_000 and time.monotonic() < deadline:
        assert process.poll() is None, "the load finished before it could be killed"
        time.sleep(0.02)
    assert process.poll() is None, "the load finished before it could be killed"
    assert store_dir.with_name("store.loading").exists(), "the bulk load wrote no marker"
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL

    assert snapshot(store_dir) == {}, "a killed first load left graphs behind"
    assert not store_dir.with_name("store.loading").exists()

    rerun = load(data_dir)
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read() if rerun.stderr else ""
    assert snapshot(store_dir) == {g: lines(d) for g, d in first.items()}

"""A `coprod import` killed (SIGKILL) mid-run leaves each file's graphs as they were or as the
import makes them, never in between, and a rerun completes.

The import writes each file as ONE SPARQL Update (its graph, its inferred graph and its
catalogue description), which pyoxigraph and Oxigraph run as one transaction. So after a kill,
for each file: both graphs and the description are all old or all new. A description left new
over old data would make the rerun skip that file as "unchanged" forever; the rerun reaching
the state of a completed import into a copy shows that cannot happen.

Two files of made-up records (example.org sources), imported together: cases as CSV (3,000
rows, with inferred types) then works as BibTeX (1,000 entries). Each store is killed three
times in turn: while reading, while writing the first file, while writing the second.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from ingest.aggregates import refresh_request
from ingest.importing import graph_name
from ingest.sources import source_digest
from ontology import DEFAULT_BASE
from service.store.embedded import TEMP_GRAPH_PREFIX
from tests.cpu import cpu_seconds
from tests.oxigraph_server import OxigraphServer
from tests.reliability.helpers import EX, ROOT, coprod_command, coprod_env

CASES = 3_000  # their update takes seconds here: long enough to kill the import inside it
WORKS = 1_000
FILES = ("kill-cases.csv", "kill-works.bib")  # imported in this order
CATALOG = f"{DEFAULT_BASE}graph/catalog"
STATS = f"{DEFAULT_BASE}graph/stats"
STAMP = "<http://www.w3.org/ns/prov#generatedAtTime>"
TRIPLES = "<http://rdfs.org/ns/void#triples>"
SHA = f"<{DEFAULT_BASE}ontology#sha256>"
KILL_AFTER_S = 0.2  # into a write that takes a second or more

Triple = tuple[str, str, str]
Snapshot = dict[str, set[Triple]]  # graph IRI -> triples, as N-Triples terms


# -- inputs ------------------------------------------------------------------------------


def write_cases(path: Path, tag: str) -> None:
    """Made-up cases in the case CSV format; `tag` changes every row's name and source."""
    columns = [
        "id", "name", "description", "place", "country", "start_year", "service_area",
        "who_plans", "who_delivers", "discussed_in", "sources", "status", "unverified",
        "editorial_note",
    ]
    roles = ["jointly", "professionals", "community", ""]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for i in range(CASES):
            writer.writerow([
                f"made-up-case-{i}", f"Made-up case {i} ({tag})", "A case made up for a test.",
                "Exampletown", "GBR", str(1990 + i % 30), "07", roles[i % 4],
                roles[(i // 4) % 4], "", f"{EX}{tag}/case/{i}", "confirmed", "", "",
            ])


def write_works(path: Path, tag: str) -> None:
    """Made-up journal articles in BibTeX; `tag` changes every title and source."""
    entries = [
        f"@article{{madeup{i},\n"
        f"  author = {{Example, Ann and Person, Bob{i}}},\n"
        f"  title = {{A made-up work number {i} ({tag})}},\n"
        f"  journal = {{Journal of Examples}},\n"
        f"  year = {{2001}},\n"
        f"  volume = {{{i % 50 + 1}}},\n"
        f"  pages = {{1--{i % 90 + 2}}},\n"
        f"  status = {{confirmed}},\n"
        f"  unverified = {{}},\n"
        f"  sources = {{{EX}{tag}/work/{i}}},\n"
        f"  editorialnote = {{Made up for a test.}}\n"
        f"}}\n"
        for i in range(WORKS)
    ]
    path.write_text("\n".join(entries), encoding="utf-8")


@dataclass
class Inputs:
    old: list[Path]
    new: list[Path]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    """The same two file names in `old/` and `new/`: same graphs, changed content."""
    folder = tmp_path_factory.mktemp("inputs")
    found: dict[str, list[Path]] = {}
    for tag in ("old", "new"):
        (folder / tag).mkdir()
        cases, works = (folder / tag / name for name in FILES)
        write_cases(cases, tag)
        write_works(works, tag)
        found[tag] = [cases, works]
    return Inputs(found["old"], found["new"])


# -- running and killing `coprod import` ---------------------------------------------------


class Import:
    """A real `coprod import` subprocess; its console lines are collected as they come."""

    def __init__(self, env: dict[str, str], files: list[Path], aside: Path) -> None:
        # The quarantine line is printed just before the first write: a marker to kill on.
        args = [coprod_command(), "import", *map(str, files), "--agent", "Kill Test",
                "--quarantine", str(aside)]
        self.process = subprocess.Popen(
            args, env={**env, "PYTHONUNBUFFERED": "1", "COLUMNS": "1000"}, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            self.lines.append(raw.decode("utf-8", "replace"))

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout_s: float = 180) -> None:
        """Return once a console line contains `text`; fail if the import ends first."""
        deadline = time.monotonic() + timeout_s
        while not any(text in line for line in self.lines):
            assert self.process.poll() is None, f"the import ended first:\n{self.output}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout_s}s"
            time.sleep(0.01)

    def kill(self) -> None:
        assert self.process.poll() is None, f"the import ended before the kill:\n{self.output}"
        os.kill(self.process.pid, signal.SIGKILL)
        assert self.process.wait(timeout=10) == -signal.SIGKILL
        self._reader.join(timeout=10)

    def finish(self, timeout_s: float = 300) -> str:
        code = self.process.wait(timeout=timeout_s)
        self._reader.join(timeout=10)
        assert code == 0, self.output
        return self.output


# -- reading a store and comparing -------------------------------------------------------


def from_quads(quads: Iterator[ox.Quad]) -> Snapshot:
    snapshot: Snapshot = {}
    for quad in quads:
        graph = quad.graph_name
        key = graph.value if isinstance(graph, ox.NamedNode) else ""
        snapshot.setdefault(key, set()).add(
            (str(quad.subject), str(quad.predicate), str(quad.object))
        )
    return snapshot


def embedded_snapshot(store_dir: Path) -> Snapshot:
    """Every quad on disk, read with pyoxigraph itself so temporary graphs would show too."""
    store = ox.Store(str(store_dir))
    try:
        return from_quads(store.quads_for_pattern(None, None, None, None))
    finally:
        del store  # pyoxigraph releases the lock when the object goes


def remote_snapshot(server: OxigraphServer) -> Snapshot:
    """Every quad of the Oxigraph server (Graph Store protocol, the whole dataset)."""
    response = httpx.get(server.store_url, headers={"Accept": "application/n-quads"},
                         timeout=60, trust_env=False)
    response.raise_for_status()
    return from_quads(ox.parse(response.content, format=ox.RdfFormat.N_QUADS))


@dataclass(frozen=True)
class View:
    """What one imported file put in the store: its two graphs and their description."""

    data: frozenset[Triple]
    inferred: frozenset[Triple]
    description: frozenset[Triple]  # without the time stamp, which differs run to run


def view(snapshot: Snapshot, file: Path) -> View:
    graph = str(graph_name(file.stem))
    described = {f"<{graph}>", f"<{graph}-inferred>"}
    catalog = snapshot.get(CATALOG, set())
    return View(
        frozenset(snapshot.get(graph, set())),
        frozenset(snapshot.get(f"{graph}-inferred", set())),
        frozenset(t for t in catalog if t[0] in described and t[1] != STAMP),
    )


def rest(snapshot: Snapshot, files: list[Path]) -> Snapshot:
    """Everything the files' views and the statistics do not cover (the agent, other graphs)."""
    graphs = {str(graph_name(f.stem)) for f in files} | {STATS}
    graphs |= {f"{g}-inferred" for g in graphs}
    described = {f"<{g}>" for g in graphs}
    left = {g: set(t) for g, t in snapshot.items() if g not in graphs}
    left[CATALOG] = {t for t in left.get(CATALOG, set()) if t[0] not in described}
    return left


def check_stats(snapshot: Snapshot, when: str) -> None:
    """The statistics graph counts exactly the data beside it: each import recounts it in the
    same transaction as its data, so a kill leaves no count of a half-written state."""
    recount = ox.Store()
    lines = "".join(f"{s} {p} {o} <{g}> .\n" for g, triples in snapshot.items() if g and g != STATS
                    for s, p, o in triples)
    recount.load(lines.encode(), format=ox.RdfFormat.N_QUADS)
    recount.update(refresh_request(DEFAULT_BASE))
    expected = Graph().parse(
        data=recount.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(STATS)),
        format="nt")
    found = Graph().parse(
        data="".join(f"{s} {p} {o} .\n" for s, p, o in snapshot.get(STATS, set())), format="nt")
    assert len(found) and isomorphic(expected, found), f"{when}: the statistics do not fit the data"


def check_described(snapshot: Snapshot, files: list[Path]) -> None:
    """Each file's description holds its checksum and the size of each graph, stamped once."""
    for file in files:
        graph = str(graph_name(file.stem))
        catalog = snapshot[CATALOG]
        for name in (graph, f"{graph}-inferred"):
            about = {(p, o) for s, p, o in catalog if s == f"<{name}>"}
            assert (SHA, f'"{source_digest(file)}"') in about
            size = len(snapshot.get(name, set()))
            assert (TRIPLES, f'"{size}"^^<http://www.w3.org/2001/XMLSchema#integer>') in about
            assert sum(1 for p, _ in about if p == STAMP) == 1


@dataclass
class Reference:
    old_data_dir: Path  # the old files imported, kept as the starting point of each test
    old: Snapshot
    new: Snapshot  # the new files imported, to completion, into a copy of old_data_dir


def env_for(data_dir: Path, **values: object) -> dict[str, str]:
    return coprod_env(data_dir, sources_dir=ROOT / "sources", **values)


@pytest.fixture(scope="module")
def reference(inputs: Inputs, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    folder = tmp_path_factory.mktemp("reference")
    old_dir, new_dir = folder / "old", folder / "new"
    Import(env_for(old_dir), inputs.old, folder / "aside.json").finish()
    shutil.copytree(old_dir, new_dir)
    Import(env_for(new_dir), inputs.new, folder / "aside.json").finish()
    reference = Reference(
        old_dir, embedded_snapshot(old_dir / "store"), embedded_snapshot(new_dir / "store")
    )
    check_described(reference.old, inputs.old)
    check_described(reference.new, inputs.new)
    for old, new in zip(inputs.old, inputs.new, strict=True):
        assert view(reference.old, old) != view(reference.new, new)
    return reference


def states(after: Snapshot, reference: Reference, inputs: Inputs, when: str) -> list[str]:
    """'old' or 'new' for each file; fails on anything in between or beside."""
    assert not any(g.startswith(TEMP_GRAPH_PREFIX) for g in after), f"{when}: a temporary graph"
    assert set(after) <= set(reference.old) | set(reference.new), f"{when}: an unknown graph"
    assert rest(after, inputs.old) == rest(reference.old, inputs.old), when
    check_stats(after, when)
    found = []
    for old, new in zip(inputs.old, inputs.new, strict=True):
        now = view(after, old)
        if now == view(reference.old, old):
            found.append("old")
        elif now == view(reference.new, new):
            found.append("new")
        else:
            pytest.fail(f"{when}: {old.name}: its graphs and description are neither old nor new")
    return found


# -- the kill points -----------------------------------------------------------------------


def while_reading(run: Import, inputs: Inputs) -> None:
    time.sleep(1.0)  # reading and checking 4,000 records takes several seconds
    assert not any("set aside" in line for line in run.lines), "already writing"


def while_writing_first(run: Import, inputs: Inputs) -> None:
    run.wait_for("records set aside")
    time.sleep(KILL_AFTER_S)


def while_writing_second(run: Import, inputs: Inputs) -> None:
    run.wait_for(f"{inputs.new[0]}: ")  # the first file's outcome: the second write begins
    time.sleep(KILL_AFTER_S)


KILLS: list[tuple[Callable[[Import, Inputs], None], list[str]]] = [
    (while_reading, ["old", "old"]),
    (while_writing_first, ["old", "old"]),
    (while_writing_second, ["new", "old"]),
]


# -- the tests -----------------------------------------------------------------------------


def test_killed_embedded_import_leaves_old_or_new(
    inputs: Inputs, reference: Reference, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(reference.old_data_dir, data_dir)
    env = env_for(data_dir)
    for kill_point, expected in KILLS:
        run = Import(env, inputs.new, tmp_path / "aside.json")
        kill_point(run, inputs)
        run.kill()
        when = f"killed {kill_point.__name__}"
        found = states(embedded_snapshot(data_dir / "store"), reference, inputs, when)
        assert found == expected, when

    output = Import(env, inputs.new, tmp_path / "aside.json").finish()
    assert "unchanged: already loaded" in output  # the cases, written whole before the kill
    after = embedded_snapshot(data_dir / "store")
    assert states(after, reference, inputs, "rerun") == ["new", "new"]
    check_described(after, inputs.new)


def wait_idle(pid: int, timeout_s: float = 60) -> None:
    """Wait until the process uses no CPU for half a second (a killed client's update ends)."""
    deadline = time.monotonic() + timeout_s
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now == before:
            return
        before = now
    raise AssertionError(f"the server was still busy after {timeout_s}s")


@pytest.mark.remote
def test_killed_remote_import_leaves_old_or_new(
    inputs: Inputs, reference: Reference, tmp_path: Path
) -> None:
    with OxigraphServer(tmp_path / "oxigraph") as server:
        assert server.process is not None
        env = env_for(
            tmp_path / "data", store="remote", query_url=server.query_url,
            update_url=server.update_url,
        )
        Import(env, inputs.old, tmp_path / "aside.json").finish()
        assert states(remote_snapshot(server), reference, inputs, "first") == ["old", "old"]
        for kill_point, expected in KILLS:
            run = Import(env, inputs.new, tmp_path / "aside.json")
            kill_point(run, inputs)
            run.kill()
            # The server may finish an update whose client is gone: it is one transaction,
            # so a file is still all old or all new, but only settled once the server idles.
            wait_idle(server.process.pid)
            when = f"killed {kill_point.__name__}"
            found = states(remote_snapshot(server), reference, inputs, when)
            for state, strict in zip(found, expected, strict=True):
                assert state == strict or (strict == "old" and kill_point != while_reading), when

        Import(env, inputs.new, tmp_path / "aside.json").finish()
        after = remote_snapshot(server)
        assert states(after, reference, inputs, "rerun") == ["new", "new"]
        check_described(after, inputs.new)

"""`dump` then `restore` into an empty store gives an isomorphic dataset, on both store kinds.

The data: the lookup fixture (tests/fixtures/lookups.trig, its sources noted in the file),
plus made-up example.org triples with blank nodes, language tags, unicode and an empty
named graph.
"""

from __future__ import annotations

import gzip
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from ontology.errors import InputError
from service.backup import dump, restore
from service.store.base import NTRIPLES, Store
from service.store.embedded import EmbeddedStore
from service.store.remote import RemoteStore
from tests.oxigraph_server import OxigraphServer
from tests.reliability.helpers import EX, ROOT, coprod_command, coprod_env

FIXTURE = ROOT / "tests" / "fixtures" / "lookups.trig"
EXTRA = f"""
<{EX}s> <{EX}p> _:b1 .
_:b1 <{EX}q> "nested blank node"@en .
_:b1 <{EX}q> "Zürich \\"quoted\\" {{braces}} # not a comment\\nsecond line" .
<{EX}s> <{EX}n> "42"^^<http://www.w3.org/2001/XMLSchema#integer> .
""".encode()
DEFAULT = f'<{EX}d> <{EX}p> "in the default graph" .\n'.encode()
EMPTY = f"{EX}graph/empty"


def fill(store: Store) -> None:
    """Load the fixture's graphs, a graph with blank nodes, an empty graph, the default graph."""
    graphs: dict[str, list[str]] = {}
    for quad in ox.parse(path=str(FIXTURE), format=ox.RdfFormat.TRIG):
        key = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        graphs.setdefault(key, []).append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
    for name, lines in graphs.items():
        store.replace_graph(name or None, "".join(lines).encode(), NTRIPLES)
    store.replace_graph(f"{EX}graph/extra", EXTRA, NTRIPLES)
    store.replace_graph(EMPTY, b"", NTRIPLES)
    store.add_to_graph(None, DEFAULT, NTRIPLES)


def dataset(store: Store) -> dict[str | None, Graph]:
    """Every graph of the store as an rdflib Graph, for isomorphism checks."""
    found: dict[str | None, Graph] = {}
    for name in [None, *store.graphs()]:
        graph = Graph()
        graph.parse(data=(store.get_graph(name, NTRIPLES) or b"").decode(), format="nt")
        found[name] = graph
    return found


def same(left: dict[str | None, Graph], right: dict[str | None, Graph]) -> bool:
    return left.keys() == right.keys() and all(isomorphic(left[k], right[k]) for k in left)


@pytest.fixture(params=["embedded", "remote"])
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """A source and an empty target store of one kind."""
    if request.param == "embedded":
        pair: tuple[Store, Store] = (
            EmbeddedStore(tmp_path / "a"), EmbeddedStore(tmp_path / "b"),
        )
        yield pair
        for store in pair:
            store.close()
        return
    with OxigraphServer(tmp_path / "oa") as one, OxigraphServer(tmp_path / "ob") as two:
        pair = (
            RemoteStore(one.query_url, one.update_url, one.store_url),
            RemoteStore(two.query_url, two.update_url, two.store_url),
        )
        yield pair
        for store in pair:
            store.close()


def test_dump_then_restore_gives_an_isomorphic_dataset(
    two_stores: tuple[Store, Store], tmp_path: Path
) -> None:
    source, target = two_stores
    fill(source)
    path = tmp_path / "backup.nq.gz"
    written = dump(source, path)
    assert path.exists() and not path.with_name(path.name + ".tmp").exists()
    assert written.graphs[None] == 1
    # Oxigraph's server does not list an empty named graph; the embedded store does.
    assert written.graphs.get(EMPTY, 0) == 0
    assert (EMPTY in written.graphs) == (EMPTY in source.graphs())
    assert written.triples > 100

    read = restore(target, path)
    assert read.graphs == written.graphs
    before, after = dataset(source), dataset(target)
    assert (EMPTY in after) == (EMPTY in before)
    assert same(before, after)


@pytest.fixture
def memory() -> Iterator[Callable[[], EmbeddedStore]]:
    """Open in-memory stores, all closed at the end (never left to the garbage collector)."""
    opened: list[EmbeddedStore] = []

    def open_one() -> EmbeddedStore:
        opened.append(EmbeddedStore(None))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


def test_the_dump_is_plain_gzipped_nquads(
    tmp_path: Path, memory: Callable[[], EmbeddedStore]
) -> None:
    store = memory()
    fill(store)
    path = tmp_path / "backup.nq.gz"
    dump(store, path)
    with gzip.open(path, "rb") as source:
        quads = list(ox.parse(source.read(), format=ox.RdfFormat.N_QUADS))
    named = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    assert named == set(store.graphs()) - {EMPTY}
    assert sum(isinstance(q.graph_name, ox.DefaultGraph) for q in quads) == 1


def test_restore_refuses_a_store_that_holds_data(
    tmp_path: Path, memory: Callable[[], EmbeddedStore]
) -> None:
    source, target = memory(), memory()
    fill(source)
    path = tmp_path / "backup.nq.gz"
    dump(source, path)
    target.replace_graph(f"{EX}graph/other", f"<{EX}a> <{EX}b> <{EX}c> .".encode(), NTRIPLES)
    with pytest.raises(InputError, match="already holds data"):
        restore(target, path)
    assert target.graphs() == [f"{EX}graph/other"]
    restore(target, path, replace=True)
    assert f"{EX}graph/other" in target.graphs()
    assert same({k: v for k, v in dataset(target).items() if k != f"{EX}graph/other"},
                dataset(source))


@pytest.mark.parametrize(
    "content",
    [b"not gzip at all", gzip.compress(b"<a> <b> .\n"), gzip.compress(b"\xff\xfe broken")],
    ids=["not-gzip", "bad-nquads", "not-utf8"],
)
def test_a_corrupt_dump_writes_nothing(
    tmp_path: Path, content: bytes, memory: Callable[[], EmbeddedStore]
) -> None:
    path = tmp_path / "bad.nq.gz"
    path.write_bytes(content)
    target = memory()
    with pytest.raises(InputError):
        restore(target, path)
    assert target.graphs() == []
    assert (target.get_graph(None, NTRIPLES) or b"").strip() == b""


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [coprod_command(), *args], env=coprod_env(data_dir), cwd=ROOT,
        capture_output=True, timeout=120, check=False,
    )


def test_cli_dump_then_restore(tmp_path: Path) -> None:
    source = EmbeddedStore(tmp_path / "a" / "store")
    fill(source)
    before = dataset(source)
    source.close()
    path = tmp_path / "backup.nq.gz"
    assert cli(tmp_path / "a", "dump", str(path)).returncode == 0
    assert cli(tmp_path / "b", "restore", str(path)).returncode == 0
    again = cli(tmp_path / "b", "restore", str(path))
    assert again.returncode == 1 and b"already holds data" in again.stderr
    target = EmbeddedStore(tmp_path / "b" / "store")
    try:
        assert same(before, dataset(target))
    finally:
        target.close()

"""One contract for every store kind, run over the embedded store and a real Oxigraph server.

The data below is made up for these tests (example.org IRIs); it states nothing about
coproduction.
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD
from rdflib.query import Result

from ontology.errors import InputError, QueryError, QueryTimeout, StoreError
from service.settings import get_settings
from service.store import open_store
from service.store.base import Store
from service.store.embedded import EmbeddedStore, add_using, check_federation
from service.store.remote import RemoteStore
from tests.cpu import busy_cores
from tests.oxigraph_server import OxigraphServer, free_port

EX = Namespace("http://example.org/")
G1 = "http://example.org/graph/one"
G2 = "http://example.org/graph/two"

DATA = b"""
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:name "Alpha"@en, "Alfa"@it ;
    ex:year "2007"^^xsd:gYear ;
    ex:count 3 ;
    ex:note "plain" ;
    ex:knows _:x .
_:x ex:name "Anon" .
ex:b ex:name "Beta"@en .
"""
BAD = b'@prefix ex: <http://example.org/> .\nex:z ex:name "Zed" .\nex:z ex:name "unterminated'


def expected_graph() -> Graph:
    return Graph().parse(data=DATA.decode(), format="turtle")


def rows_of(store: Store, query: str) -> list[dict[str, object]]:
    return [dict(row) for row in store.select(query).rows]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_threads(baseline: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if threading.active_count() <= baseline:
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def loaded(store: Store) -> Store:
    store.replace_graph(None, DATA, "text/turtle")
    return store


# -- SELECT, ASK, CONSTRUCT, DESCRIBE ---------------------------------------------------


def test_select_converts_terms_faithfully(loaded: Store) -> None:
    result = loaded.select(
        "PREFIX ex: <http://example.org/> SELECT ?p ?o WHERE { ex:a ?p ?o } ORDER BY ?p ?o"
    )
    assert result.variables == ["p", "o"]
    objects = {row["o"] for row in result.rows}
    assert Literal("Alpha", lang="en") in objects
    assert Literal("Alfa", lang="it") in objects
    assert Literal("2007", datatype=XSD.gYear) in objects
    assert Literal("3", datatype=XSD.integer) in objects
    # xsd:string literals come back as plain literals from both kinds
    assert Literal("plain") in objects
    assert sum(isinstance(o, BNode) for o in objects) == 1


def test_select_leaves_unbound_variables_out_of_the_row(loaded: Store) -> None:
    result = loaded.select(
        "PREFIX ex: <http://example.org/> "
        "SELECT ?s ?year WHERE { ?s ex:name ?n OPTIONAL { ?s ex:year ?year } } ORDER BY ?s"
    )
    assert result.variables == ["s", "year"]
    by_subject = {row["s"]: row for row in result.rows if isinstance(row["s"], URIRef)}
    assert by_subject[EX.a]["year"] == Literal("2007", datatype=XSD.gYear)
    assert "year" not in by_subject[EX.b]


def test_blank_nodes_join_within_one_answer(loaded: Store) -> None:
    rows = rows_of(
        loaded,
        "PREFIX ex: <http://example.org/> SELECT ?x ?n WHERE { ex:a ex:knows ?x . ?x ex:name ?n }",
    )
    assert len(rows) == 1
    assert isinstance(rows[0]["x"], BNode)
    assert rows[0]["n"] == Literal("Anon")


def test_ask(loaded: Store) -> None:
    assert loaded.ask('ASK { <http://example.org/b> <http://example.org/name> "Beta"@en }')
    assert not loaded.ask('ASK { <http://example.org/b> <http://example.org/name> "Beta" }')


def test_construct_returns_the_graph(loaded: Store) -> None:
    graph = loaded.construct("CONSTRUCT WHERE { ?s ?p ?o }")
    assert isomorphic(graph, expected_graph())


def test_describe_returns_the_resource(loaded: Store) -> None:
    graph = loaded.construct("DESCRIBE <http://example.org/b>")
    assert (EX.b, EX.name, Literal("Beta", lang="en")) in graph


def test_wrong_query_form_is_a_query_error(loaded: Store) -> None:
    with pytest.raises(QueryError):
        loaded.select("ASK { ?s ?p ?o }")
    with pytest.raises(QueryError):
        loaded.ask("SELECT * WHERE { ?s ?p ?o }")


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.select("SELECT ?x WHERE { ?x }"),
        lambda s: s.ask("ASK { ?x ?y }"),
        lambda s: s.construct("CONSTRUCT { ?s } WHERE { ?s ?p ?o }"),
        lambda s: s.raw("SELEC * WHERE { ?s ?p ?o }", "application/sparql-results+json"),
        lambda s: s.update("INSERT DATA { <http://example.org/a> }"),
    ],
    ids=["select", "ask", "construct", "raw", "update"],
)
def test_syntax_error_is_a_query_error_with_the_parser_message(store: Store, call: object) -> None:
    with pytest.raises(QueryError) as caught:
        call(store)  # type: ignore[operator]
    assert str(caught.value).strip()


# -- raw answers in every format --------------------------------------------------------

SELECT_FORMATS = [
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
]


@pytest.mark.parametrize(("media_type", "parser"), SELECT_FORMATS)
def test_raw_select_in_each_format_parses_back(loaded: Store, media_type: str, parser: str) -> None:
    raw = loaded.raw(
        "PREFIX ex: <http://example.org/> SELECT ?n WHERE { ?s ex:name ?n } ORDER BY ?n",
        media_type,
    )
    assert raw.media_type.split(";")[0].strip() == media_type
    result = Result.parse(io.BytesIO(b"".join(raw.chunks)), format=parser)
    values = sorted(str(row[0]) for row in result)  # type: ignore[index]
    assert values == ["Alfa", "Alpha", "Anon", "Beta"]


@pytest.mark.parametrize(("media_type", "parser"), SELECT_FORMATS)
def test_raw_ask_in_each_format(loaded: Store, media_type: str, parser: str) -> None:
    raw = loaded.raw("ASK { <http://example.org/a> ?p ?o }", media_type)
    body = b"".join(raw.chunks)
    if parser in ("json", "xml"):
        assert Result.parse(io.BytesIO(body), format=parser).askAnswer is True
    else:
        assert b"true" in body.lower()


GRAPH_FORMATS = [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"),
]


@pytest.mark.parametrize(("media_type", "parser"), GRAPH_FORMATS)
def test_raw_construct_in_each_format_parses_back(
    loaded: Store, media_type: str, parser: str
) -> None:
    raw = loaded.raw("CONSTRUCT WHERE { ?s ?p ?o }", media_type)
    if raw.media_type.split(";")[0].strip() != media_type:
        pytest.skip(f"{loaded.kind} store does not write {media_type} (sent {raw.media_type})")
    graph = Graph().parse(data=b"".join(raw.chunks), format=parser)
    assert isomorphic(graph, expected_graph())


def test_raw_falls_back_when_the_format_does_not_fit_the_query_form(loaded: Store) -> None:
    raw = loaded.raw("CONSTRUCT WHERE { ?s ?p ?o }", "application/sparql-results+json")
    media_type = raw.media_type.split(";")[0].strip()
    assert media_type != "application/sparql-results+json"
    body = b"".join(raw.chunks)
    formats = {"text/turtle": "turtle", "application/n-triples": "nt"}
    if media_type in formats:
        assert isomorphic(Graph().parse(data=body, format=formats[media_type]), expected_graph())


# -- datasets and updates ---------------------------------------------------------------


@pytest.fixture
def two_graphs(store: Store) -> Store:
    store.replace_graph(G1, b'<http://example.org/s> <http://example.org/v> "one" .', "text/turtle")
    store.replace_graph(G2, b'<http://example.org/s> <http://example.org/v> "two" .', "text/turtle")
    return store


def raw_values(store: Store, query: str, **dataset: list[str]) -> list[str]:
    raw = store.raw(query, "application/sparql-results+json", **dataset)  # type: ignore[arg-type]
    result = Result.parse(io.BytesIO(b"".join(raw.chunks)), format="json")
    return sorted(str(row[0]) for row in result)  # type: ignore[index]


def test_dataset_parameters_change_the_answer(two_graphs: Store) -> None:
    query = "SELECT ?o WHERE { ?s <http://example.org/v> ?o }"
    assert raw_values(two_graphs, query) == []  # the store's default graph is empty
    assert raw_values(two_graphs, query, default_graphs=[G1]) == ["one"]
    assert raw_values(two_graphs, query, default_graphs=[G1, G2]) == ["one", "two"]
    named = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert raw_values(two_graphs, named) == [G1, G2]
    assert raw_values(two_graphs, named, named_graphs=[G2]) == [G2]


def test_update_with_using_clause(two_graphs: Store) -> None:
    two_graphs.update(
        "INSERT { ?s <http://example.org/copied> ?o } "
        f"USING <{G2}> WHERE {{ ?s <http://example.org/v> ?o }}"
    )
    assert rows_of(two_graphs, "SELECT ?o WHERE { ?s <http://example.org/copied> ?o }") == [
        {"o": Literal("two")}
    ]


def test_update_with_using_graphs_parameter(two_graphs: Store) -> None:
    two_graphs.update(
        "INSERT { ?s <http://example.org/copied> ?o } WHERE { ?s <http://example.org/v> ?o }",
        using_graphs=[G1],
    )
    assert rows_of(two_graphs, "SELECT ?o WHERE { ?s <http://example.org/copied> ?o }") == [
        {"o": Literal("one")}
    ]


def test_update_refuses_using_twice(two_graphs: Store) -> None:
    with pytest.raises(QueryError):
        two_graphs.update(
            f"INSERT {{ ?s ?p ?o }} USING <{G2}> WHERE {{ ?s ?p ?o }}", using_graphs=[G1]
        )


def test_add_using_skips_strings_iris_and_inner_where() -> None:
    text = (
        "PREFIX w: <http://example.org/where#> "
        "DELETE { ?s ?p 'WHERE' } INSERT { ?s ?p \"where\" } "
        "WHERE { ?s ?p ?o { SELECT ?s WHERE { ?s ?p ?o } } } ; DELETE WHERE { ?a ?b ?c }"
    )
    rewritten = add_using(text, [G1], [])
    assert rewritten.count("USING") == 1
    assert f"USING <{G1}> WHERE {{ ?s ?p ?o {{ SELECT" in rewritten


# -- graph operations -------------------------------------------------------------------


@pytest.mark.parametrize("graph", [G1, None], ids=["named", "default"])
def test_replace_graph_replaces_and_bad_data_keeps_the_old_content(
    store: Store, graph: str | None
) -> None:
    store.replace_graph(
        graph, b'<http://example.org/old> <http://example.org/v> "old" .', "text/turtle"
    )
    store.replace_graph(graph, DATA, "text/turtle")
    content = store.get_graph(graph, "application/n-triples")
    assert content is not None
    assert isomorphic(Graph().parse(data=content, format="nt"), expected_graph())
    with pytest.raises(InputError):
        store.replace_graph(graph, BAD, "text/turtle")
    after = store.get_graph(graph, "application/n-triples")
    assert after is not None
    assert isomorphic(Graph().parse(data=after, format="nt"), expected_graph())
    assert store.graphs() == ([G1] if graph else [])


def test_replace_graph_with_no_triples_empties_it(store: Store) -> None:
    store.replace_graph(G1, DATA, "text/turtle")
    store.replace_graph(G1, b"", "text/turtle")
    content = store.get_graph(G1, "application/n-triples")
    assert content is not None and content.strip() == b""


def test_add_to_graph_keeps_what_was_there(store: Store) -> None:
    store.replace_graph(G1, b'<http://example.org/s> <http://example.org/v> "one" .', "text/turtle")
    store.add_to_graph(
        G1, b'<http://example.org/s> <http://example.org/v> "more" .', "application/n-triples"
    )
    query = f"SELECT ?o WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}"
    assert sorted(str(r["o"]) for r in store.select(query).rows) == ["more", "one"]
    with pytest.raises(InputError):
        store.add_to_graph(G1, BAD, "text/turtle")
    assert len(store.select(query).rows) == 2


def test_get_graph_of_a_missing_graph_is_none(store: Store) -> None:
    assert store.get_graph("http://example.org/graph/missing", "text/turtle") is None


def test_drop_graph(two_graphs: Store) -> None:
    assert two_graphs.graphs() == [G1, G2]
    assert two_graphs.drop_graph(G1) is True
    assert two_graphs.graphs() == [G2]
    assert two_graphs.drop_graph(G1) is False
    assert two_graphs.get_graph(G1, "text/turtle") is None


def test_drop_default_graph_clears_it(loaded: Store) -> None:
    assert loaded.drop_graph(None) is True
    assert not loaded.ask("ASK { ?s ?p ?o }")


def test_graphs_lists_named_graphs_only(loaded: Store) -> None:
    assert loaded.graphs() == []
    loaded.add_to_graph(G2, DATA, "text/turtle")
    loaded.add_to_graph(G1, DATA, "text/turtle")
    assert loaded.graphs() == [G1, G2]


def test_unknown_media_type_is_refused(store: Store) -> None:
    with pytest.raises(InputError):
        store.replace_graph(G1, DATA, "text/x-unknown")


def test_ping(store: Store) -> None:
    assert store.ping() is True


# -- stores that cannot answer ----------------------------------------------------------


def test_remote_ping_is_false_when_the_server_is_down(tmp_path: Path) -> None:
    server = OxigraphServer(tmp_path / "down").start()
    store = RemoteStore(server.query_url, server.update_url, server.store_url, timeout_s=2)
    try:
        assert store.ping() is True
        server.stop()
        assert store.ping() is False
        with pytest.raises(StoreError) as caught:
            store.select("SELECT * WHERE { ?s ?p ?o }")
        assert f"127.0.0.1:{server.port}" in str(caught.value)
        assert not isinstance(caught.value, QueryTimeout)
    finally:
        store.close()
        server.close()


def test_embedded_ping_is_false_once_closed(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    assert store.ping() is True
    store.close()
    assert store.ping() is False
    with pytest.raises(StoreError):
        store.select("SELECT * WHERE { ?s ?p ?o }")


def test_remote_error_messages_never_name_the_password() -> None:
    port = free_port()
    store = RemoteStore(
        f"http://127.0.0.1:{port}/query", user="reader", password="s3cret-word", timeout_s=1
    )
    try:
        with pytest.raises(StoreError) as caught:
            store.ask("ASK {}")
        assert "s3cret-word" not in str(caught.value)
        assert str(port) in str(caught.value)
    finally:
        store.close()


# -- timeouts -----------------------------------------------------------------------------


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A loopback socket that accepts connections and never answers."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/query"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.select("SELECT * WHERE { ?s ?p ?o }"),
        lambda s: s.raw("SELECT * WHERE { ?s ?p ?o }", "application/sparql-results+json"),
        lambda s: s.get_graph(G1, "text/turtle"),
    ],
    ids=["select", "raw", "graph-store"],
)
def test_remote_that_does_not_answer_times_out(silent_endpoint: str, call: object) -> None:
    store = RemoteStore(silent_endpoint, graph_store_url=silent_endpoint, timeout_s=1)
    started = time.monotonic()
    try:
        with pytest.raises(QueryTimeout) as caught:
            call(store)  # type: ignore[operator]
    finally:
        store.close()
    assert time.monotonic() - started < 3
    assert "127.0.0.1" in str(caught.value)


def _cube(store: Store, size: int) -> None:
    data = "".join(f"<http://example.org/n{i}> <http://example.org/v> {i} .\n" for i in range(size))
    store.replace_graph(None, data.encode(), "text/turtle")


CUBE = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_embedded_streaming_query_past_the_timeout_is_stopped(tmp_path: Path) -> None:
    store = EmbeddedStore(None, timeout_s=0.5)
    _cube(store, 200)  # 8 million solutions
    baseline = threading.active_count()
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        store.select(CUBE)
    assert time.monotonic() - started < 1.5
    # the worker stopped too: it does not keep a core busy after the caller gave up
    assert wait_for_threads(baseline, within_s=1.0)
    with pytest.raises(QueryTimeout):
        for _ in store.raw(CUBE, "application/sparql-results+json").chunks:
            pass
    assert wait_for_threads(baseline, within_s=1.0)
    store.close()


def test_embedded_other_queries_are_served_while_one_runs_away() -> None:
    store = EmbeddedStore(None, timeout_s=0.3)
    _cube(store, 250)
    baseline = threading.active_count()
    with pytest.raises(QueryTimeout):
        store.select("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    started = time.monotonic()
    assert store.ask("ASK { <http://example.org/n1> ?p ?o }")
    assert time.monotonic() - started < 0.3
    wait_for_threads(baseline, within_s=30)
    store.close()


@pytest.mark.parametrize(
    ("where", "processes"),
    [
        pytest.param("memory", True, id="worker-processes"),
        pytest.param("disk", True, id="disk-worker-processes"),
        pytest.param("memory", False, id="threads", marks=pytest.mark.xfail(
            strict=True,
            reason="pyoxigraph 0.5 cannot cancel an evaluation that blocks before its first "
            "solution (an aggregate over everything): on a thread it runs on after "
            "QueryTimeout. Worker processes (forked from memory, spawned on disk) are killed.",
        )),
    ],
)
def test_embedded_blocking_aggregate_stops_at_the_timeout(
    tmp_path: Path, where: str, processes: bool
) -> None:
    path = tmp_path / "store" if where == "disk" else None
    store = EmbeddedStore(path, timeout_s=30, query_processes=processes)
    assert store.query_processes is processes
    _cube(store, 250)
    store.ask("ASK {}")  # a disk worker starts (and opens its checkpoint) before the clock
    store.timeout_s = 0.2
    try:
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            store.select("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        assert time.monotonic() - started < 1.0
        time.sleep(0.3)
        # nothing in this process or under it keeps evaluating the aggregate
        assert busy_cores(os.getpid(), 1.0) < 0.3
    finally:
        store.close()


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_embedded_worker_processes_see_writes(tmp_path: Path, where: str) -> None:
    """A worker answers from the store as it started: after a write, queries see new data."""
    store = EmbeddedStore(tmp_path / "store" if where == "disk" else None, query_processes=True)
    ask = "ASK { GRAPH ?g { <http://example.org/w> ?p ?o } }"
    assert store.ask(ask) is False
    store.add_to_graph(f"{EX}g", b"<http://example.org/w> <http://example.org/p> \"1\" .",
                       "application/n-triples")
    assert store.ask(ask) is True
    store.update(f"DROP GRAPH <{EX}g>")
    assert store.ask(ask) is False
    store.close()


def test_disk_workers_read_checkpoints_that_go_when_unused(tmp_path: Path) -> None:
    """Disk workers open a checkpoint per store version; one no worker uses is dropped."""
    store = EmbeddedStore(tmp_path / "store", timeout_s=30, query_processes=True)
    snapshots = tmp_path / "store.snapshots"
    _cube(store, 100)
    chunks = store.raw(CUBE, "text/csv").chunks  # a worker busy on this version
    first = next(chunks)
    busy_on = {p.name for p in snapshots.iterdir()}
    store.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}x> <{EX}p> 1 }} }}")
    assert store.ask(f"ASK {{ GRAPH ?g {{ <{EX}x> ?p 1 }} }}") is True
    both = {p.name for p in snapshots.iterdir()}
    assert busy_on < both  # the busy worker's checkpoint stays while it streams
    rows = first.count(b"\n") + sum(chunk.count(b"\n") for chunk in chunks)  # to the end
    assert rows >= 100**3  # a million rows: the old version, whole
    store.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}y> <{EX}p> 2 }} }}")
    assert store.ask(f"ASK {{ GRAPH ?g {{ <{EX}y> ?p 2 }} }}") is True
    assert len(list(snapshots.iterdir())) == 1  # only the current version's
    store.close()
    assert not snapshots.exists() or not list(snapshots.iterdir())


def test_embedded_closing_a_stream_frees_its_worker() -> None:
    store = EmbeddedStore(None, timeout_s=30)
    _cube(store, 200)
    baseline = threading.active_count()
    chunks = store.raw(CUBE, "text/csv").chunks
    assert next(chunks)
    chunks.close()  # type: ignore[attr-defined]
    assert wait_for_threads(baseline, within_s=1.0)
    store.close()


def test_embedded_stream_memory_stays_bounded() -> None:
    store = EmbeddedStore(None, timeout_s=60)
    _cube(store, 100)  # one million solutions
    rss_before = _rss_bytes()
    total = 0
    peak = 0
    for chunk in store.raw(CUBE, "application/sparql-results+json").chunks:
        total += len(chunk)
        peak = max(peak, _rss_bytes())
    store.close()
    assert total > 100_000_000  # the answer is far larger than what is held at once
    assert peak - rss_before < 50_000_000


def _rss_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_remote_streaming_query_past_the_timeout_stops_the_server(
    oxigraph_server: OxigraphServer,
) -> None:
    admin = RemoteStore(oxigraph_server.query_url, oxigraph_server.update_url)
    admin.update("DROP ALL")
    _cube_remote(admin, 200)
    store = RemoteStore(oxigraph_server.query_url, timeout_s=1)
    started = time.monotonic()
    try:
        with pytest.raises(QueryTimeout):
            store.select(CUBE)
        assert time.monotonic() - started < 3
        assert oxigraph_server.process is not None
        pid = oxigraph_server.process.pid
        time.sleep(0.3)
        before = cpu_seconds(pid)
        time.sleep(1.0)
        # the server noticed the closed connection and stopped evaluating
        assert cpu_seconds(pid) - before < 0.3
    finally:
        admin.update("DROP ALL")
        admin.close()
        store.close()


def test_remote_aggregate_past_the_timeout_stops_a_server_with_its_own_timeout(
    tmp_path: Path,
) -> None:
    """An aggregate computes before its first row, so closing the connection does not stop
    it; an Oxigraph server started with `--timeout-s` (as the README says) stops it."""
    with OxigraphServer(tmp_path / "oxi", timeout_s=1) as server:
        store = RemoteStore(server.query_url, server.update_url, timeout_s=1)
        _cube_remote(store, 250)
        started = time.monotonic()
        with pytest.raises((QueryTimeout, StoreError)):
            store.select("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        assert time.monotonic() - started < 3
        assert server.process is not None
        time.sleep(0.5)
        assert busy_cores(server.process.pid, 1.0) < 0.3
        assert store.ask("ASK { <http://example.org/n1> ?p ?o }")
        store.close()


def _cube_remote(store: RemoteStore, size: int) -> None:
    data = "".join(f"<http://example.org/n{i}> <http://example.org/v> {i} .\n" for i in range(size))
    store.update(f"INSERT DATA {{ {data} }}")


# -- remote without a Graph Store URL, in-memory embedded, open_store --------------------


def test_remote_without_graph_store_falls_back_to_update(oxigraph_server: OxigraphServer) -> None:
    store = RemoteStore(oxigraph_server.query_url, oxigraph_server.update_url)
    try:
        store.update("DROP ALL")
        store.replace_graph(
            G1, b'<http://example.org/old> <http://example.org/v> "old" .', "text/turtle"
        )
        store.replace_graph(G1, DATA, "text/turtle")
        with pytest.raises(InputError):
            store.replace_graph(G1, BAD, "text/turtle")
        content = store.get_graph(G1, "application/n-triples")
        assert content is not None
        assert isomorphic(Graph().parse(data=content, format="nt"), expected_graph())
        store.add_to_graph(G2, DATA, "text/turtle")
        assert store.graphs() == [G1, G2]
        assert store.drop_graph(G2) is True
        assert store.drop_graph(G2) is False
        assert store.get_graph(G2, "text/turtle") is None
    finally:
        store.update("DROP ALL")
        store.close()


def test_embedded_in_memory_copy_answers_and_writes_through(tmp_path: Path) -> None:
    on_disk = EmbeddedStore(tmp_path / "store")
    on_disk.replace_graph(G1, DATA, "text/turtle")
    on_disk.close()
    del on_disk
    memory = EmbeddedStore(tmp_path / "store", in_memory=True)
    assert memory.graphs() == [G1]
    memory.replace_graph(G2, DATA, "text/turtle")
    assert memory.graphs() == [G1, G2]
    memory.close()
    del memory
    reopened = EmbeddedStore(tmp_path / "store")
    assert reopened.graphs() == [G1, G2]
    reopened.close()


def test_open_store_picks_the_kind(tmp_path: Path, oxigraph_server: OxigraphServer) -> None:
    embedded = open_store(get_settings(data_dir=tmp_path))
    assert embedded.kind == "embedded"
    assert (tmp_path / "store").is_dir()
    embedded.close()
    remote = open_store(
        get_settings(
            store="remote",
            query_url=oxigraph_server.query_url,
            update_url=oxigraph_server.update_url,
        )
    )
    assert remote.kind == "remote"
    assert remote.ping()
    remote.close()


def test_embedded_dropping_an_unread_stream_frees_its_worker() -> None:
    store = EmbeddedStore(None, timeout_s=30)
    _cube(store, 200)
    baseline = threading.active_count()
    raw = store.raw(CUBE, "text/csv")
    del raw  # never iterated: the worker must still be released
    assert wait_for_threads(baseline, within_s=1.0)
    store.close()


@pytest.fixture(params=["embedded", "remote"])
def closed_to_federation(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A store of each kind built with an empty federation_hosts list, as open_store does."""
    opened: Store
    if request.param == "embedded":
        opened = EmbeddedStore(None, federation_hosts=[])
    else:
        server: OxigraphServer = request.getfixturevalue("oxigraph_server")
        opened = RemoteStore(server.query_url, server.update_url, federation_hosts=[])
    yield opened
    opened.close()


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT ?endpoint { ?s ?p ?o } }",
        "LOAD <http://127.0.0.1:1/data.ttl>",
    ],
)
def test_service_and_load_are_refused_without_federation_hosts(
    closed_to_federation: Store, text: str
) -> None:
    with pytest.raises(QueryError, match="COPROD_FEDERATION_HOSTS"):
        if text.startswith("LOAD"):
            closed_to_federation.update(text)
        else:
            closed_to_federation.select(text)


def test_federation_hosts_name_a_host_or_a_host_and_port() -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:8001/query> { ?s ?p ?o } }"
    check_federation(query, ["127.0.0.1:8001"])
    check_federation(query, ["127.0.0.1"])
    check_federation(query, None)
    with pytest.raises(QueryError):
        check_federation(query, ["127.0.0.1:8002"])
    with pytest.raises(QueryError):
        check_federation(query.replace("127.0.0.1", "localhost"), ["127.0.0.1:8001"])


def test_words_service_and_load_inside_strings_and_iris_are_fine(loaded: Store) -> None:
    rows = loaded.select(
        'SELECT ?x WHERE { BIND("SERVICE <http://evil.example/>" AS ?x) '
        "OPTIONAL { ?s <http://example.org/LOAD> ?o } }"
    )
    assert rows.rows == [{"x": Literal("SERVICE <http://evil.example/>")}]

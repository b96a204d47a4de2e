"""The embedded store: pyoxigraph in this process, on disk (RocksDB) or in memory.

Timeouts. pyoxigraph (0.5) has no timeout or cancel API, and a query holds its results in
objects that must stay on the thread that created them. So every query runs whole on a
worker thread (pyoxigraph releases the GIL while it evaluates, so other requests are
served meanwhile) and the caller waits at most until the deadline, then gets QueryTimeout.
The worker checks the deadline between solutions and between serialised chunks and stops
there; a query that computes for a long time before its first solution (an aggregate or an
ORDER BY over everything) cannot be interrupted and keeps its worker until pyoxigraph
returns. The number of workers is bounded (`max_running`), so runaway queries can hold at
most that many cores; a new query that finds no free worker within its deadline gets
QueryTimeout too.

Answering from memory, queries run in forked worker processes instead (see
service/store/processes.py): a worker whose query runs past the deadline is killed, so its
work ends whatever the query does. The thread still relays the worker's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

from ontology.errors import InputError, QueryError, QueryTimeout, StoreError
from service.problems import Refused
from service.sparql_text import check_remote
from service.store.base import SPARQL_JSON, TURTLE, RawResult, SelectResult
from service.store.processes import DATA, END, ERROR, HEADER, Worker, WorkerGone, Workers

T = TypeVar("T")

# Named graphs with this prefix hold data being loaded; they never show in graphs().
TEMP_GRAPH_PREFIX = "urn:coprod:loading:"
CHUNK_BYTES = 64 * 1024
POOL_IDLE_S = 0.5  # an idle pooled worker stops after this long, so quiet servers hold none
QUEUE_CHUNKS = 8  # with CHUNK_BYTES: at most ~512 KiB of a streamed answer held in memory


class _Stopped(Exception):
    """Raised inside a worker to stop it (deadline passed or the reader went away)."""


class _Job:
    """One query on one worker thread: its deadline, its stop flag and its outcome."""

    def __init__(self, timeout_s: float) -> None:
        self.deadline = time.monotonic() + timeout_s
        self.stop = threading.Event()
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def check(self) -> None:
        """Stop the work if the caller gave up or the deadline passed."""
        if self.stop.is_set() or time.monotonic() > self.deadline:
            self.stop.set()
            raise _Stopped

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


class _QueueWriter:
    """A binary file-like object that hands serialised bytes to a reader through a bounded queue."""

    def __init__(
        self,
        job: _Job,
        chunks: queue.Queue[bytes | BaseException | None],
        ready: Callable[[], None] | None = None,
    ) -> None:
        self._job = job
        self._chunks = chunks
        self._buffer = bytearray()
        self._ready = ready

    def write(self, data: bytes) -> int:
        self._job.check()
        self._buffer += data
        if len(self._buffer) >= CHUNK_BYTES:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._buffer:
            self.put(bytes(self._buffer))
            self._buffer.clear()

    def put(self, item: bytes | BaseException | None) -> None:
        # Time spent waiting for a slow reader is not query work: extend the deadline by it.
        started = time.monotonic()
        while True:
            if self._job.stop.is_set():
                raise _Stopped
            try:
                self._chunks.put(item, timeout=0.2)
                break
            except queue.Full:
                continue
        self._job.deadline += time.monotonic() - started
        # An async reader waits for two chunks, or the end, or an error.
        if self._ready is not None and (
            not isinstance(item, bytes) or self._chunks.qsize() >= 2
        ):
            ready, self._ready = self._ready, None
            ready()


def _worker_error(payload: bytes) -> Exception:
    """The coprod error for an ERROR frame of a worker process."""
    kind, message = json.loads(payload)
    if kind in ("SyntaxError", "ValueError"):
        return QueryError(message)
    return StoreError(f"embedded store failed: {message}")


def _detached(exc: BaseException) -> BaseException:
    """Drop the tracebacks of `exc` and its causes before it leaves the worker thread.

    Their frames hold pyoxigraph result objects, which must be freed on the thread that
    made them.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__
    return exc


class ClosingIterator(Iterator[bytes]):
    """Chunks of an answer; `on_close` runs once, when closed, exhausted or garbage collected.

    A plain generator that was never started does not run its `finally` when dropped, so
    an unread answer would hold its worker or connection; this does not.
    """

    def __init__(self, chunks: Iterator[bytes], on_close: Callable[[], None]) -> None:
        self._chunks = chunks
        self._on_close: Callable[[], None] | None = on_close

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop producing chunks and release what the answer holds."""
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()

    def __del__(self) -> None:
        self.close()


def to_rdflib(term: Any) -> Identifier:
    """Convert a pyoxigraph term to the equal rdflib term (xsd:string literals become plain)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    if isinstance(term, ox.DefaultGraph):
        raise StoreError("the default graph is not an RDF term")
    raise QueryError(f"unsupported RDF term in a result: {term!r} (RDF-star is not supported)")


def rdf_format(media_type: str) -> ox.RdfFormat:
    """The pyoxigraph RDF format for a media type, or InputError."""
    found = ox.RdfFormat.from_media_type(media_type)
    if found is None:
        raise InputError(f"unsupported RDF media type {media_type!r}")
    return found


def graph_name(graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
    """The pyoxigraph name of a graph; None is the default graph."""
    if graph is None:
        return ox.DefaultGraph()
    try:
        return ox.NamedNode(graph)
    except ValueError as exc:
        raise InputError(f"not an IRI: {exc}", value=graph) from exc


def iri(graph: str) -> str:
    """Check that `graph` is an IRI pyoxigraph accepts and return it."""
    name = graph_name(graph)
    assert isinstance(name, ox.NamedNode)
    return str(name.value)


def _translate(exc: BaseException) -> BaseException:
    """Map a pyoxigraph exception to the coprod error hierarchy."""
    if isinstance(exc, SyntaxError):
        return QueryError(str(exc.msg or exc) if hasattr(exc, "msg") else str(exc))
    if isinstance(exc, ValueError):
        return QueryError(str(exc))
    if isinstance(exc, OSError):
        return StoreError(f"embedded store failed: {exc}")
    return exc


_TOKEN = re.compile(
    r"\"\"\"(?:[^\\]|\\.)*?\"\"\"|'\'\'(?:[^\\]|\\.)*?'\'\'|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>|#[^\n]*|[?$]\w+|[A-Za-z_][\w.-]*:[\w.:%-]*|[A-Za-z_][\w-]*:?|:[\w.-]*"
    r"|[{}]|\s+|.",
    re.DOTALL,
)


def _tokens(text: str) -> Iterator[tuple[str, int]]:
    """SPARQL tokens with their brace depth; strings, IRIs, names and comments stay whole."""
    depth = 0
    for match in _TOKEN.finditer(text):
        piece = match.group(0)
        if piece == "{":
            depth += 1
        elif piece == "}":
            depth -= 1
        yield piece, depth


def check_federation(text: str, allowed_hosts: Sequence[str] | None) -> None:
    """The stores' own SERVICE/LOAD guard: the same check as the /sparql route's
    (service.sparql_text.check_remote), raised as a QueryError. `allowed_hosts=None` checks
    nothing (the caller enforces its own policy). The engine would otherwise fetch any URL a
    user writes (pyoxigraph and Oxigraph both run SERVICE and LOAD over HTTP)."""
    if allowed_hosts is None:
        return
    try:
        check_remote(text, allowed_hosts)
    except Refused as exc:
        raise QueryError(exc.message) from exc


def add_using(update: str, using_graphs: Sequence[str], using_named: Sequence[str]) -> str:
    """Add USING / USING NAMED clauses (the protocol's using-graph-uri) before each top-level WHERE.

    pyoxigraph has no parameter for the update dataset, so the clauses go into the text. As
    the SPARQL 1.1 Protocol requires, an update that already has USING or WITH is refused.
    """
    if not using_graphs and not using_named:
        return update
    clause = "".join(f"USING <{iri(g)}> " for g in using_graphs)
    clause += "".join(f"USING NAMED <{iri(g)}> " for g in using_named)
    out: list[str] = []
    last_word = ""
    for token, depth in _tokens(update):
        word = token.upper()
        if depth == 0 and word in ("USING", "WITH"):
            raise QueryError("an update with USING or WITH cannot take using-graph-uri as well")
        if depth == 0 and word == "WHERE" and last_word != "DELETE":
            out.append(clause)
        if depth == 0 and token.strip() and not token.startswith("#"):
            last_word = word
        out.append(token)
    return "".join(out)


# Memory a copy in memory takes per byte of the on-disk store: 0.55 measured on the
# synthetic benchmark graph (2.8 M quads: 2.0 GB on disk, 1.05 GB in memory), rounded up;
# auto mode also wants twice that free, to leave headroom for queries.
MEMORY_PER_DISK_BYTE = 1.0


def available_memory() -> int:
    """Bytes of memory the kernel says are available now (MemAvailable), 0 if unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def serve_from_memory(path: Path | None, mode: str) -> bool:
    """Whether to answer from a copy in memory: `memory`, `disk`, or `auto` (if it fits).

    auto estimates the copy from the size of the on-disk store and wants twice that free.
    """
    if mode in ("memory", "disk"):
        return mode == "memory"
    if path is None or not path.exists():
        return False
    return 2 * _memory_estimate(path) < available_memory()


def _memory_estimate(path: Path) -> float:
    """Bytes a copy in memory of the on-disk store at `path` is expected to take."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) * MEMORY_PER_DISK_BYTE


def processes_fit(path: Path | None, workers: int) -> bool:
    """Whether query worker processes fit beside a copy in memory of the store at `path`.

    A worker starts as a copy-on-write view, but the pages a query reads end up copied: at
    1,000,000 cases (an 11 GB copy) one worker that had run whole-graph queries held 7.7 GB
    of its own. So auto mode wants room for the copy, each worker's copy, and as much again.
    """
    if path is None or not path.exists():
        return True  # a throw-away store, filled by whoever opened it
    return (workers + 2) * _memory_estimate(path) < available_memory()


def _copy_to_memory(disk: ox.Store) -> ox.Store:
    """A copy of `disk` in memory, streamed as N-Quads through a pipe.

    Twice as fast as adding quad objects one by one from Python (25 s against 55 s for
    2.8 M quads), and the serialised form never sits in memory whole.
    """
    memory = ox.Store()
    read_end, write_end = os.pipe()
    failed: list[BaseException] = []

    def dump() -> None:
        try:
            with os.fdopen(write_end, "wb") as out:
                disk.dump(out, format=ox.RdfFormat.N_QUADS)
        except BaseException as exc:  # re-raised by the caller, unless loading failed first
            failed.append(exc)

    writer = threading.Thread(target=dump, name="coprod-copy", daemon=True)
    writer.start()
    with os.fdopen(read_end, "rb") as data:
        # bulk_load skips transactions: safe on a store nobody else can see yet.
        memory.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    writer.join()
    if failed:
        raise failed[0]
    return memory


class _Pool:
    """At most `size` long-lived worker threads, started on demand, fed from one queue.

    Starting a thread per query cost about as much as answering a small one; under load
    the workers stay, and a worker idle for POOL_IDLE_S stops. A slot
    (EmbeddedStore._slots) is taken before a task is submitted, so there are never more
    running tasks than threads; a task waits in the queue only for the instant between a
    worker releasing its slot and taking the next task.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._tasks: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0

    def submit(self, task: Callable[[], None]) -> None:
        """Queue `task`; start another worker when none is idle and the pool is not full."""
        with self._lock:
            if self._idle <= 0 and self._threads < self._size:
                self._threads += 1
                threading.Thread(target=self._work, name="coprod-query", daemon=True).start()
            else:
                self._idle -= 1
        self._tasks.put(task)

    def _work(self) -> None:
        while True:
            try:
                task = self._tasks.get(timeout=POOL_IDLE_S)
            except queue.Empty:
                with self._lock:
                    # Leave only if another idle worker would still be counted as free.
                    if self._idle > 0:
                        self._idle -= 1
                        self._threads -= 1
                        return
                continue
            if task is None:
                return
            task()
            del task  # drop the task's frame (and any pyoxigraph object in it) on this thread
            with self._lock:
                self._idle += 1

    def close(self) -> None:
        """Let every worker finish its task and stop."""
        with self._lock:
            count, self._threads = self._threads, 0
        for _ in range(count):
            self._tasks.put(None)


class EmbeddedStore:
    """pyoxigraph on disk at `path` (None: a throw-away store in memory).

    SERVICE and LOAD may reach only `federation_hosts` (`host` or `host:port` entries);
    None (what open_store passes) leaves that check to the routes.

    `in_memory=True` copies the on-disk store into memory at open and answers queries from
    the copy (faster). Writes then go to the disk store first (one transaction there) and
    are repeated on the copy, so the copy stays equal to the disk; blank node labels created
    by an update may differ between the two, which no query can observe across restarts.

    `query_processes` (default: when answering from memory) runs queries in worker processes
    that are killed at the deadline: forked from memory, or spawned over a read-only
    checkpoint of the disk store (service/store/processes.py).
    """

    kind = "embedded"
    DEFAULT_WORKERS = 4

    def __init__(
        self,
        path: Path | None,
        *,
        in_memory: bool = False,
        timeout_s: float = 30.0,
        max_running: int = DEFAULT_WORKERS,
        federation_hosts: Sequence[str] | None = None,
        union_default_graph: bool = False,
        query_processes: bool | None = None,
    ) -> None:
        self.path = path
        # With no default-graph-uri, a query's default graph is the union of all graphs
        # (as `oxigraph serve --union-default-graph`), so users need no GRAPH patterns.
        self.union_default_graph = union_default_graph
        self.federation_hosts = None if federation_hosts is None else list(federation_hosts)
        self.timeout_s = timeout_s
        self.max_running = max_running
        self._slots = threading.BoundedSemaphore(max_running)
        self._pool = _Pool(max_running)
        self._closed = False
        self._write_lock = threading.RLock()  # a bulk load's follow-up write nests
        self._workers: Workers | None = None
        try:
            if path is None:
                self._disk: ox.Store | None = None
                self._memory: ox.Store | None = ox.Store()
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._disk = ox.Store(str(path))
                self._undo_interrupted_bulk_load()
                self._memory = None
                if in_memory:
                    self._memory = _copy_to_memory(self._disk)
        except OSError as exc:
            raise StoreError(f"cannot open the embedded store at {path}: {exc}") from exc
        self._drop_leftover_temp_graphs()
        self._drop_snapshots(keep=set())
        if query_processes is None:
            query_processes = self._memory is not None and hasattr(os, "fork")
        if query_processes:
            # From memory: forked workers. On disk: spawned workers over checkpoints.
            snapshot = self._snapshot if self._memory is None else None
            self._workers = Workers(lambda: self._reader, max_running, self._write_lock, snapshot)

    @property
    def query_processes(self) -> bool:
        """Whether queries run in worker processes (killed at the deadline)."""
        return self._workers is not None

    # -- plumbing -------------------------------------------------------------------

    @property
    def _reader(self) -> ox.Store:
        if self._closed:
            raise StoreError("the embedded store is closed")
        store = self._memory if self._memory is not None else self._disk
        assert store is not None
        return store

    @property
    def _writers(self) -> list[ox.Store]:
        if self._closed:
            raise StoreError("the embedded store is closed")
        return [s for s in (self._disk, self._memory) if s is not None]

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the write lock (no worker is forked meanwhile); then retire stale workers."""
        with self._write_lock:
            try:
                yield
            finally:
                if self._workers is not None:
                    self._workers.renew()

    @property
    def _snapshots(self) -> Path | None:
        """Where the read-only checkpoints that disk workers open are kept (one per version)."""
        return None if self.path is None else self.path.with_name(self.path.name + ".snapshots")

    def _snapshot(self, version: int) -> Path:
        """The checkpoint of the store at `version`, made now if missing (write lock held).

        A RocksDB checkpoint hard-links the store's files, so it costs little disk and time.
        Checkpoints no live worker answers from are dropped.
        """
        root, disk = self._snapshots, self._disk
        assert root is not None and disk is not None
        folder = root / str(version)
        if not folder.exists():
            root.mkdir(exist_ok=True)
            partial = root / f"{version}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            try:
                disk.backup(str(partial))
            except OSError as exc:
                raise StoreError(f"cannot make a read-only copy of the store: {exc}") from exc
            os.replace(partial, folder)
            if self._workers is not None:
                self._drop_snapshots(keep=self._workers.versions())
        return folder

    def _drop_snapshots(self, keep: set[int]) -> None:
        root = self._snapshots
        if root is None or not root.exists():
            return
        for folder in root.iterdir():
            if not (folder.name.isdigit() and int(folder.name) in keep):
                shutil.rmtree(folder, ignore_errors=True)

    @property
    def _bulk_marker(self) -> Path | None:
        """While a bulk load runs, this file lists the graphs it creates."""
        return None if self.path is None else self.path.with_name(self.path.name + ".loading")

    def _undo_interrupted_bulk_load(self) -> None:
        # A bulk load is not a transaction: graphs it was creating when it stopped are
        # dropped, which gives back the store as it was (they did not exist before).
        marker = self._bulk_marker
        if marker is None or not marker.exists() or self._disk is None:
            return
        for graph in json.loads(marker.read_text(encoding="utf-8")):
            self._disk.remove_graph(ox.NamedNode(graph))
        self._disk.flush()
        marker.unlink()

    def load_new_graphs(
        self, nquads: Path, graphs: Sequence[str], then: Callable[[], None] | None = None
    ) -> None:
        """Bulk-load an N-Quads file into `graphs`, none of which the store holds yet.

        About 4x faster than one transaction per graph (pyoxigraph's bulk loader), and as
        safe: a marker file lists the graphs first, and a store opened after a crash in the
        middle drops them, so a failed load leaves the store as it was. Readers in this
        process may see the graphs fill while this runs; `coprod load` holds the store alone.
        `then` (a follow-up write) runs before the marker goes, so a crash in it undoes all.
        """
        with self._writing():
            present = set(self.graphs()) & set(graphs)
            if present:
                raise StoreError(f"cannot bulk-load graphs the store holds: {sorted(present)}")
            marker = self._bulk_marker
            if marker is not None:
                marker.write_text(json.dumps(sorted(graphs)), encoding="utf-8")
                with marker.open("rb") as written:
                    os.fsync(written.fileno())
            try:
                for store in self._writers:
                    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
                if then is not None:
                    then()
                if self._disk is not None:
                    self._disk.flush()
            except (SyntaxError, ValueError, OSError, StoreError, QueryError) as exc:
                for store in self._writers:
                    for graph in graphs:
                        store.remove_graph(ox.NamedNode(graph))
                if marker is not None:
                    marker.unlink(missing_ok=True)
                if isinstance(exc, (StoreError, QueryError)):
                    raise
                raise _translate(exc) from exc
            if marker is not None:
                marker.unlink()

    def _drop_leftover_temp_graphs(self) -> None:
        # A crash between loading and moving a graph leaves its temporary graph behind.
        with self._writing():
            for store in self._writers:
                for name in list(store.named_graphs()):
                    if isinstance(name, ox.NamedNode) and name.value.startswith(TEMP_GRAPH_PREFIX):
                        store.remove_graph(name)

    def _acquire(self, job: _Job) -> None:
        """Take a worker slot, waiting at most until the job's deadline."""
        if not self._slots.acquire(timeout=job.remaining()):
            raise QueryTimeout(
                f"the embedded store is busy: {self.max_running} queries are running; "
                f"none finished within {self.timeout_s}s"
            )

    def _start(self, work: Callable[[_Job], Any], job: _Job, *, acquired: bool = False) -> None:
        """Run `work(job)` on a pooled worker thread once a worker slot is free."""
        if not acquired:
            self._acquire(job)

        def run() -> None:
            try:
                job.result = work(job)
            except BaseException as exc:  # handed to the caller, which translates it
                job.error = _detached(exc)
            finally:
                self._slots.release()
                job.done.set()

        self._pool.submit(run)

    def _run(self, work: Callable[[_Job], T]) -> T:
        """Run `work` on a worker and wait for it until the deadline."""
        job = _Job(self.timeout_s)
        if self._workers is not None:
            # A worker process keeps the deadline itself (it is killed there), so the
            # caller's thread can wait on it directly: no hop through a pooled thread.
            self._acquire(job)
            try:
                return work(job)
            except _Stopped:
                raise self._timeout() from None
            except (SyntaxError, ValueError, OSError) as exc:
                raise _translate(exc) from exc
            finally:
                self._slots.release()
        self._start(work, job)
        if not job.done.wait(job.remaining()):
            job.stop.set()
            raise self._timeout()
        if isinstance(job.error, _Stopped):
            raise self._timeout()
        if job.error is not None:
            raise _translate(job.error) from job.error
        return job.result

    def _timeout(self) -> QueryTimeout:
        return QueryTimeout(f"the query ran past the {self.timeout_s}s timeout and was stopped")

    def _query(
        self,
        query: str,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> Any:
        check_federation(query, self.federation_hosts)
        kwargs: dict[str, Any] = {}
        if default_graphs:
            kwargs["default_graph"] = [graph_name(g) for g in default_graphs]
        elif self.union_default_graph:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs:
            kwargs["named_graphs"] = [graph_name(g) for g in named_graphs]
        return self._reader.query(query, **kwargs)

    def _in_worker(
        self,
        job: _Job,
        query: str,
        media_type: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        on_data: Callable[[bytes], Any],
        on_form: Callable[[str], Any] | None = None,
    ) -> tuple[str, str]:
        """Answer `query` in a worker process, handing each serialised chunk to `on_data`.

        Returns the answer's form (solutions, boolean, triples) and media type, which
        `on_form` also gets before the first chunk. A worker
        whose query passes the deadline, or whose reader goes away, is killed.
        """
        assert self._workers is not None
        request = self._worker_request(query, media_type, default_graphs, named_graphs)
        worker = self._workers.take()
        clean = False
        form: tuple[str, str] = ("", "")
        try:
            try:
                worker.request(**request)
            except WorkerGone:  # it ended while idle: one new worker, once
                self._workers.give_back(worker, False)
                worker = self._workers.take()
                worker.request(**request)
            for tag, payload in worker.frames(job.remaining, job.stop.is_set):
                if tag == HEADER:
                    found = json.loads(payload)
                    form = (found[0], found[1])
                    if on_form is not None:
                        on_form(form[1])
                elif tag == DATA:
                    on_data(payload)
                elif tag == ERROR:
                    clean = True
                    raise _worker_error(payload)
                elif tag == END:
                    clean = True
        except TimeoutError:
            job.stop.set()
            raise _Stopped from None
        except WorkerGone as exc:
            raise StoreError(f"a query worker process failed: {exc}") from None
        finally:
            self._workers.give_back(worker, clean)
        return form

    def _worker_request(
        self,
        query: str,
        media_type: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
    ) -> dict[str, Any]:
        """What a worker process is sent for one query (checked here, in coprod)."""
        check_federation(query, self.federation_hosts)
        for graph in (*default_graphs, *named_graphs):
            iri(graph)
        return {
            "query": query, "media_type": media_type, "default_graphs": list(default_graphs),
            "named_graphs": list(named_graphs), "union": self.union_default_graph,
        }

    async def _raw_start_in_worker(
        self,
        query: str,
        media_type: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
    ) -> tuple[RawResult, bytes, bytes | None]:
        """raw_start() on a worker process, waited for by the event loop (no thread hop)."""
        workers = self._workers
        assert workers is not None
        request = self._worker_request(query, media_type, default_graphs, named_graphs)
        job = _Job(self.timeout_s)
        if not self._slots.acquire(blocking=False):
            await asyncio.to_thread(self._acquire, job)
        held: list[Worker] = []
        state = {"clean": False, "released": False}
        lock = threading.Lock()

        def release() -> None:
            with lock:
                if state["released"]:
                    return
                state["released"] = True
            for worker in held:
                workers.give_back(worker, state["clean"])
            self._slots.release()

        media, chunks, ended = "", list[bytes](), False
        try:
            idle = workers.take_idle()
            worker = idle if idle is not None else await asyncio.to_thread(workers.take)
            held.append(worker)
            try:
                worker.request(**request)
            except WorkerGone:  # it ended while idle: one new worker, once
                held.remove(worker)
                workers.give_back(worker, False)
                worker = await asyncio.to_thread(workers.take)
                held.append(worker)
                worker.request(**request)
            while len(chunks) < 2 and not ended:
                frame = worker.next_frame()
                if frame is None:
                    if job.remaining() <= 0:
                        raise TimeoutError
                    await worker.read_more(job.remaining())
                    continue
                tag, payload = frame
                if tag == HEADER:
                    media = json.loads(payload)[1]
                elif tag == DATA:
                    chunks.append(payload)
                elif tag == ERROR:
                    state["clean"] = True
                    raise _worker_error(payload)
                elif tag == END:
                    state["clean"] = ended = True
        except TimeoutError:
            release()
            raise self._timeout() from None
        except WorkerGone as exc:
            release()
            raise StoreError(f"a query worker process failed: {exc}") from None
        except BaseException:  # an error answer, or cancelled: the client went away
            release()
            raise
        if ended:
            release()
            empty = ClosingIterator(iter(()), lambda: None)
            second = chunks[1] if len(chunks) > 1 else None
            return RawResult(media_type=media, chunks=empty), (chunks or [b""])[0], second

        def rest() -> Generator[bytes, None, None]:
            try:
                for tag, payload in worker.frames(job.remaining, job.stop.is_set):
                    if tag == DATA:
                        # Time the reader takes is not query time: the deadline moves with it.
                        paused = time.monotonic()
                        yield payload
                        job.deadline += time.monotonic() - paused
                    elif tag == ERROR:
                        state["clean"] = True
                        raise _worker_error(payload)
                    elif tag == END:
                        state["clean"] = True
                        return
            except TimeoutError:
                raise self._timeout() from None
            except WorkerGone as exc:
                raise StoreError(f"a query worker process failed: {exc}") from None
            finally:
                release()

        stream = rest()

        def close() -> None:
            job.stop.set()
            try:
                stream.close()
            except ValueError:  # running on another thread: it sees the stop and releases
                return
            release()

        answer = RawResult(media_type=media, chunks=ClosingIterator(stream, close))
        return answer, chunks[0], chunks[1]

    def _worker_answer(self, job: _Job, query: str, media_type: str, want: str) -> bytes:
        """The whole answer of a query run in a worker, checked to be of form `want`."""
        parts: list[bytes] = []
        form, _ = self._in_worker(job, query, media_type, (), (), parts.append)
        if form != want:
            raise QueryError(f"expected a query giving {want}, got {form}")
        return b"".join(parts)

    # -- queries --------------------------------------------------------------------

    def select(self, query: str) -> SelectResult:
        """Run a SELECT and return all rows as rdflib terms."""

        def work(job: _Job) -> SelectResult:
            if self._workers is not None:
                data = self._worker_answer(job, query, SPARQL_JSON, "solutions")
                solutions: Any = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
            else:
                solutions = self._query(query)
            if not isinstance(solutions, ox.QuerySolutions):
                raise QueryError("select() needs a SELECT query")
            names = [v.value for v in solutions.variables]
            rows: list[dict[str, Identifier]] = []
            for solution in solutions:
                job.check()
                row = {}
                for name in names:
                    term = solution[name]
                    if term is not None:
                        row[name] = to_rdflib(term)
                rows.append(row)
            return SelectResult(variables=names, rows=rows)

        return self._run(work)

    def ask(self, query: str) -> bool:
        """Run an ASK."""

        def work(job: _Job) -> bool:
            if self._workers is not None:
                data = self._worker_answer(job, query, SPARQL_JSON, "boolean")
                answer: Any = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
            else:
                answer = self._query(query)
            if not isinstance(answer, ox.QueryBoolean):
                raise QueryError("ask() needs an ASK query")
            return bool(answer)

        return self._run(work)

    def construct(self, query: str) -> Graph:
        """Run a CONSTRUCT or DESCRIBE and return an rdflib Graph."""

        def work(job: _Job) -> Graph:
            triples: Any
            if self._workers is not None:
                data = self._worker_answer(job, query, "application/n-triples", "triples")
                triples = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
            else:
                triples = self._query(query)
                if not isinstance(triples, ox.QueryTriples):
                    raise QueryError("construct() needs a CONSTRUCT or DESCRIBE query")
            graph = Graph()
            for triple in triples:
                job.check()
                subject, predicate = to_rdflib(triple.subject), to_rdflib(triple.predicate)
                graph.add((subject, predicate, to_rdflib(triple.object)))
            return graph

        return self._run(work)

    def raw(
        self,
        query: str,
        media_type: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> RawResult:
        """Run any query and stream its answer serialised by pyoxigraph.

        A media type that does not fit the query form (a results format for CONSTRUCT, say)
        falls back to JSON results or Turtle; `RawResult.media_type` says what was sent.
        Errors and timeouts before the first chunk raise here; past the first chunk the
        stream raises QueryTimeout when evaluation (not time spent waiting on the reader)
        exceeds the timeout. Closing the iterator stops the worker.
        """
        job, chunks, chosen = self._raw_job(query, media_type, default_graphs, named_graphs)
        first = self._next_chunk(job, chunks)
        stream = ClosingIterator(self._stream(job, chunks, first), job.stop.set)
        return RawResult(media_type=chosen[0], chunks=stream)

    async def raw_start(
        self,
        query: str,
        media_type: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> tuple[RawResult, bytes, bytes | None]:
        """raw() for an event loop: the answer, its first chunk and second chunk (None: no more).

        The loop waits for the worker without a thread of its own (raw() in a thread pool
        costs a second thread hop per request). Errors and timeouts raise here, as in raw().
        """
        if self._workers is not None:
            return await self._raw_start_in_worker(query, media_type, default_graphs, named_graphs)
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def settle() -> None:
            if not ready.done():
                ready.set_result(None)

        def wake() -> None:
            loop.call_soon_threadsafe(settle)

        # Waiting for a free worker slot blocks: only then is a thread needed.
        if self._slots.acquire(blocking=False):
            job, chunks, chosen = self._raw_job(
                query, media_type, default_graphs, named_graphs, wake, acquired=True)
        else:
            job, chunks, chosen = await asyncio.to_thread(
                self._raw_job, query, media_type, default_graphs, named_graphs, wake)
        try:
            await asyncio.wait_for(ready, timeout=max(job.remaining(), 0.001))
        except TimeoutError:
            job.stop.set()
            raise self._timeout() from None
        except BaseException:  # cancelled: the client went away
            job.stop.set()
            raise
        first = self._next_chunk(job, chunks)  # ready: these never block
        second = None if first is None else self._next_chunk(job, chunks)
        if first is None or second is None:
            job.stop.set()
            stream = ClosingIterator(iter(()), job.stop.set)
            return RawResult(media_type=chosen[0], chunks=stream), first or b"", None
        stream = ClosingIterator(self._stream_after(job, chunks), job.stop.set)
        return RawResult(media_type=chosen[0], chunks=stream), first, second

    def _raw_job(
        self,
        query: str,
        media_type: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        ready: Callable[[], None] | None = None,
        *,
        acquired: bool = False,
    ) -> tuple[_Job, queue.Queue[bytes | BaseException | None], list[str]]:
        """Start a worker that serialises the answer into a bounded queue of chunks.

        `acquired`: the caller already holds a worker slot.
        """
        chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=QUEUE_CHUNKS)
        chosen: list[str] = []

        def work(job: _Job) -> None:
            writer = _QueueWriter(job, chunks, ready)
            try:
                if self._workers is not None:
                    self._in_worker(job, query, media_type, default_graphs, named_graphs,
                                    writer.put, chosen.append)
                    writer.flush()
                    writer.put(None)
                    return
                answer = self._query(query, default_graphs, named_graphs)
                if isinstance(answer, ox.QueryTriples):
                    fmt: Any = ox.RdfFormat.from_media_type(media_type)
                    if fmt is None:
                        fmt = ox.RdfFormat.from_media_type(TURTLE)
                else:
                    fmt = ox.QueryResultsFormat.from_media_type(media_type)
                    if fmt is None:
                        fmt = ox.QueryResultsFormat.from_media_type(SPARQL_JSON)
                chosen.append(fmt.media_type)
                answer.serialize(writer, fmt)
                writer.flush()
                writer.put(None)
            except BaseException as exc:
                failure = _Stopped() if job.stop.is_set() else _detached(exc)
                with contextlib.suppress(_Stopped):
                    writer.put(failure)

        job = _Job(self.timeout_s)
        self._start(work, job, acquired=acquired)
        return job, chunks, chosen

    def _stream_after(
        self, job: _Job, chunks: queue.Queue[bytes | BaseException | None]
    ) -> Iterator[bytes]:
        try:
            item = self._next_chunk(job, chunks)
            while item is not None:
                yield item
                item = self._next_chunk(job, chunks)
        finally:
            job.stop.set()

    def _next_chunk(
        self, job: _Job, chunks: queue.Queue[bytes | BaseException | None]
    ) -> bytes | None:
        while True:
            try:
                item = chunks.get(timeout=min(0.2, job.remaining()) or 0.01)
            except queue.Empty:
                if job.remaining() <= 0:
                    job.stop.set()
                    raise self._timeout() from None
                continue
            if isinstance(item, _Stopped):
                raise self._timeout()
            if isinstance(item, BaseException):
                raise _translate(item) from item
            return item

    def _stream(
        self, job: _Job, chunks: queue.Queue[bytes | BaseException | None], first: bytes | None
    ) -> Iterator[bytes]:
        try:
            item = first
            while item is not None:
                yield item
                item = self._next_chunk(job, chunks)
        finally:
            job.stop.set()  # the reader went away or the stream ended: free the worker

    # -- updates and graphs ---------------------------------------------------------

    def update(
        self,
        update: str,
        *,
        using_graphs: Sequence[str] = (),
        using_named_graphs: Sequence[str] = (),
    ) -> None:
        """Run a SPARQL 1.1 Update as one transaction (on disk, then on the memory copy)."""
        check_federation(update, self.federation_hosts)
        text = add_using(update, using_graphs, using_named_graphs)
        with self._writing():
            for store in self._writers:
                try:
                    store.update(text)
                except (SyntaxError, ValueError, OSError) as exc:
                    raise _translate(exc) from exc

    def replace_graph(self, graph: str | None, data: bytes, media_type: str) -> None:
        """Replace a graph atomically: parse into a temporary graph, then one update moves it."""
        fmt = rdf_format(media_type)
        target = "DEFAULT" if graph is None else f"GRAPH <{iri(graph)}>"
        with self._writing():
            for store in self._writers:
                if graph is not None and not store.contains_named_graph(graph_name(graph)):
                    # A new graph: one load transaction into it is already all or nothing, and
                    # skips copying the data from a temporary graph (3x faster on big graphs).
                    try:
                        store.load(data, format=fmt, to_graph=graph_name(graph))
                    except SyntaxError as exc:
                        raise InputError(f"the data does not parse as {media_type}: {exc}") from exc
                    except (ValueError, OSError) as exc:
                        raise _translate(exc) from exc
                    continue
                temp = ox.NamedNode(TEMP_GRAPH_PREFIX + uuid.uuid4().hex)
                try:
                    store.load(data, format=fmt, to_graph=temp)  # one transaction: all or nothing
                except SyntaxError as exc:
                    raise InputError(f"the data does not parse as {media_type}: {exc}") from exc
                except (ValueError, OSError) as exc:
                    raise _translate(exc) from exc
                create = "" if graph is None else f"CREATE SILENT {target} ;\n"
                try:
                    store.update(
                        f"DROP SILENT {target} ;\n{create}"
                        f"ADD SILENT GRAPH <{temp.value}> TO {target} ;\n"
                        f"DROP SILENT GRAPH <{temp.value}>"
                    )
                except (SyntaxError, ValueError, OSError) as exc:
                    store.remove_graph(temp)
                    raise _translate(exc) from exc

    def add_to_graph(self, graph: str | None, data: bytes, media_type: str) -> None:
        """Add triples to a graph in one transaction."""
        fmt = rdf_format(media_type)
        with self._writing():
            for store in self._writers:
                try:
                    store.load(data, format=fmt, to_graph=graph_name(graph))
                except SyntaxError as exc:
                    raise InputError(f"the data does not parse as {media_type}: {exc}") from exc
                except (ValueError, OSError) as exc:
                    raise _translate(exc) from exc

    def get_graph(self, graph: str | None, media_type: str) -> bytes | None:
        """Serialise one graph; None when that named graph does not exist."""
        fmt = rdf_format(media_type)
        name = graph_name(graph)
        store = self._reader
        try:
            if graph is not None and not store.contains_named_graph(name):
                return None
            return store.dump(format=fmt, from_graph=name)
        except (ValueError, OSError) as exc:
            raise _translate(exc) from exc

    def drop_graph(self, graph: str | None) -> bool:
        """Remove a named graph (False if missing); None clears the default graph."""
        name = graph_name(graph)
        existed = graph is None or self._reader.contains_named_graph(name)
        with self._writing():
            for store in self._writers:
                try:
                    store.remove_graph(name)
                except OSError as exc:
                    raise _translate(exc) from exc
        return existed

    def graphs(self) -> list[str]:
        """IRIs of the named graphs (including empty ones), sorted."""
        return sorted(
            name.value
            for name in self._reader.named_graphs()
            if isinstance(name, ox.NamedNode) and not name.value.startswith(TEMP_GRAPH_PREFIX)
        )

    def ping(self) -> bool:
        """True while the store is open and answers."""
        if self._closed:
            return False
        try:
            return self.ask("ASK {}") is not None
        except StoreError:
            return False

    def close(self) -> None:
        """Flush to disk and release the store (RocksDB closes when the object goes)."""
        if self._closed:
            return
        try:
            if self._disk is not None:
                self._disk.flush()
        except OSError as exc:
            raise StoreError(f"cannot flush the embedded store: {exc}") from exc
        finally:
            # Released even when the flush fails (a full disk), so the store can be reopened.
            self._closed = True
            self._pool.close()
            if self._workers is not None:
                self._workers.close()
            self._drop_snapshots(keep=set())
            self._disk = None
            self._memory = None

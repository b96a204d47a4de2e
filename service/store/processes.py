"""Query worker processes for the embedded store: a query past its deadline is killed.

pyoxigraph has no cancel API, so a query running in a thread of coprod cannot be stopped
before pyoxigraph returns (an aggregate over everything computes before its first row).
A process can be stopped. A worker answers one query at a time over a socket, serialising
the answer itself. The caller kills a worker whose query ran past its deadline or whose
reader went away, and the work ends with it.

Where a worker's store comes from:
- store in memory: the worker is forked from coprod and holds a copy-on-write view of the
  in-memory store as it was at the fork;
- store on disk: the worker is a new process (`python -m service.store.processes`) that
  opens a read-only checkpoint of the store (RocksDB hard links, made after each write):
  a RocksDB store cannot be used across fork, nor opened read-only while coprod writes.

A worker answers from the store version it started at: after every write the store asks
for new workers (`Workers.renew`); running queries finish on the version they started on.
Workers start only while no write is in progress (the store's write lock), so no lock in
the store is held in a forked copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

FRAME = struct.Struct("!cI")
CHUNK_BYTES = 64 * 1024
REQUEST, HEADER, DATA, END, ERROR = b"Q", b"H", b"D", b"E", b"X"


class WorkerGone(Exception):
    """The worker process ended or stopped answering."""


class WorkerFailed(Exception):
    """The query failed inside the worker: `kind` is the exception class the engine raised."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _send(sock: socket.socket, tag: bytes, payload: bytes = b"") -> None:
    sock.sendall(FRAME.pack(tag, len(payload)) + payload)


class _Inbox:
    """Frames read from a socket: one recv may bring several, or part of one."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._data = bytearray()

    def take(self) -> tuple[bytes, bytes] | None:
        """The next whole frame already read, or None."""
        if len(self._data) < FRAME.size:
            return None
        tag, size = FRAME.unpack_from(self._data)
        end = FRAME.size + size
        if len(self._data) < end:
            return None
        payload = bytes(self._data[FRAME.size:end])
        del self._data[:end]
        return tag, payload

    def fill(self) -> bool:
        """Read what the socket has (blocking until something); False at its end."""
        data = self.sock.recv(1 << 20)
        self._data += data
        return bool(data)

    def next(self) -> tuple[bytes, bytes] | None:
        """The next frame, blocking; None when the socket ends first."""
        frame = self.take()
        while frame is None:
            if not self.fill():
                return None
            frame = self.take()
        return frame


# -- inside the worker ------------------------------------------------------------------


class _Outbox:
    """Frames to send, sent together: a small answer (header, data, end) is one write."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._data = bytearray()

    def frame(self, tag: bytes, payload: bytes = b"") -> None:
        self._data += FRAME.pack(tag, len(payload))
        self._data += payload
        if tag in (END, ERROR) or len(self._data) >= CHUNK_BYTES:
            self._sock.sendall(self._data)
            self._data.clear()


class _FrameWriter:
    """A binary file-like object that sends what pyoxigraph serialises as DATA frames."""

    def __init__(self, out: _Outbox) -> None:
        self._out = out
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= CHUNK_BYTES:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._buffer:
            self._out.frame(DATA, bytes(self._buffer))
            self._buffer.clear()


def _answer(store: ox.Store, out: _Outbox, request: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = {}
    if request["default_graphs"]:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request["default_graphs"]]
    elif request["union"]:
        kwargs["use_default_graph_as_union"] = True
    if request["named_graphs"]:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"]]
    try:
        answer: Any = store.query(request["query"], **kwargs)
        media_type = request["media_type"]
        if isinstance(answer, ox.QueryTriples):
            form = "triples"
            fmt: Any = ox.RdfFormat.from_media_type(media_type) or ox.RdfFormat.TURTLE
        else:
            form = "boolean" if isinstance(answer, ox.QueryBoolean) else "solutions"
            fmt = ox.QueryResultsFormat.from_media_type(media_type) or ox.QueryResultsFormat.JSON
    except Exception as exc:  # sent to the caller, which maps it to coprod's errors
        message = str(getattr(exc, "msg", None) or exc)
        out.frame(ERROR, json.dumps([type(exc).__name__, message]).encode())
        return
    out.frame(HEADER, json.dumps([form, fmt.media_type]).encode())
    writer = _FrameWriter(out)
    try:
        answer.serialize(writer, fmt)
        writer.flush()
    except Exception as exc:
        out.frame(ERROR, json.dumps([type(exc).__name__, str(exc)]).encode())
        return
    out.frame(END)


def _serve(store: ox.Store, sock: socket.socket) -> None:
    """The worker's loop: one request, one answer, until coprod closes the socket."""
    inbox, out = _Inbox(sock), _Outbox(sock)
    while True:
        frame = inbox.next()
        if frame is None:
            return
        _answer(store, out, json.loads(frame[1]))


def _die_with_parent(parent: int) -> None:
    """End this worker when coprod ends, even in the middle of a query.

    (PR_SET_PDEATHSIG would fire when the forking thread ends, not coprod, so a watcher
    thread asks instead; pyoxigraph lets it run while a query evaluates.)
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _child(store: Callable[[], ox.Store], sock: socket.socket, parent: int) -> None:
    """Run in the worker process; never returns. `store` opens (or hands over) its store."""
    code = 0
    try:
        # Ctrl-C and SIGTERM end the worker; coprod's own handlers must not run here.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        _die_with_parent(parent)
        keep = sock.fileno()
        # Drop every other inherited descriptor (listening sockets, other workers'
        # sockets), so a worker sees its socket close when coprod goes away.
        os.closerange(3, keep)
        os.closerange(keep + 1, 1 << 16)
        _serve(store(), sock)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _spawn(snapshot: Path, sock: socket.socket, parent: int) -> int:
    """Start `python -m service.store.processes SNAPSHOT PARENT` with `sock` as its fd 3."""
    env = dict(os.environ)
    # The package that holds this module, wherever coprod was started from.
    here = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    return os.posix_spawn(
        sys.executable,
        [sys.executable, "-m", "service.store.processes", str(snapshot), str(parent)],
        env,
        file_actions=[(os.POSIX_SPAWN_DUP2, sock.fileno(), 3)],
    )


def main(argv: list[str] | None = None) -> None:
    """A spawned worker: open the read-only snapshot, then answer on fd 3 (never returns)."""
    snapshot, parent = (argv if argv is not None else sys.argv[1:])[:2]
    # Opened after _child closed stray descriptors (a failure ends the process: coprod sees
    # the socket close and reports the worker gone).
    _child(lambda: ox.Store.read_only(snapshot), socket.socket(fileno=3), int(parent))


# -- in coprod ----------------------------------------------------------------------------


def _end(pid: int, sock: socket.socket) -> None:
    """Kill a worker process, reap it and close coprod's end of its socket."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    sock.close()


class Worker:
    """One worker process and coprod's end of its socket.

    Forked from coprod over `store` (in memory), or, given a `snapshot` folder, a new
    process that opens that read-only copy of the store on disk.
    """

    def __init__(self, store: ox.Store | None, version: int, snapshot: Path | None = None) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        coprod = os.getpid()
        if snapshot is not None:
            pid = _spawn(snapshot, child, coprod)
        else:
            assert store is not None
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child never returns
                parent.close()
                _child(lambda: store, child, coprod)
        child.close()
        self.pid = pid
        self.sock = parent
        self._inbox = _Inbox(parent)
        self.version = version
        self.alive = True
        # A worker dropped without kill() (a store never closed) is still stopped and reaped.
        self._end = weakref.finalize(self, _end, pid, parent)

    def running(self) -> bool:
        """Whether the process is still there (reaps it if it ended)."""
        if not self.alive:
            return False
        try:
            ended, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            ended = self.pid
        if ended:
            self.alive = False
            self._end.detach()
            self.sock.close()
        return not ended

    def kill(self) -> None:
        """Stop the worker now; its query ends with it."""
        if not self.alive:
            return
        self.alive = False
        self._end()

    def request(self, **request: Any) -> None:
        try:
            _send(self.sock, REQUEST, json.dumps(request).encode())
        except OSError as exc:
            raise WorkerGone(str(exc)) from exc

    def next_frame(self) -> tuple[bytes, bytes] | None:
        """A frame already read, or None (never blocks)."""
        return self._inbox.take()

    async def read_more(self, timeout: float) -> None:
        """Wait (in an event loop, without a thread) until the worker sends more, and read it.

        Raises TimeoutError after `timeout` seconds, WorkerGone if the worker ended.
        """
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        def expire() -> None:
            if not ready.done():
                ready.set_exception(TimeoutError())

        loop.add_reader(self.sock.fileno(), wake)
        timer = loop.call_later(max(timeout, 0.001), expire)
        try:
            await ready
        finally:
            timer.cancel()
            loop.remove_reader(self.sock.fileno())
        try:
            filled = self._inbox.fill()
        except OSError as exc:
            raise WorkerGone(str(exc)) from exc
        if not filled:
            raise WorkerGone("the query worker ended")

    def frames(self, remaining: Callable[[], float], stopped: Callable[[], bool]) -> Iterator[
        tuple[bytes, bytes]
    ]:
        """The answer's frames. Waits at most `remaining()` seconds for each; stops (raising
        TimeoutError) when that runs out or `stopped()` turns true."""
        while True:
            frame = self._inbox.take()
            while frame is None:
                if stopped():
                    raise TimeoutError
                wait = remaining()
                if wait <= 0:
                    raise TimeoutError
                ready, _, _ = select.select([self.sock], [], [], min(wait, 0.2))
                if ready:
                    try:
                        filled = self._inbox.fill()
                    except OSError as exc:
                        raise WorkerGone(str(exc)) from exc
                    if not filled:
                        raise WorkerGone("the query worker ended")
                    frame = self._inbox.take()
            yield frame
            if frame[0] in (END, ERROR):
                return


class Workers:
    """Query workers: at most `size` at a time, reused while the store is unchanged.

    `snapshot(version)`, when given, is the folder of a read-only copy of the store at that
    version: workers are then spawned over it instead of forked (store on disk).
    """

    def __init__(
        self,
        store: Callable[[], ox.Store],
        size: int,
        fork_lock: AbstractContextManager[Any],
        snapshot: Callable[[int], Path] | None = None,
    ) -> None:
        self._store = store
        self._size = size
        self._fork_lock = fork_lock  # the store's write lock: no write runs during a start
        self._snapshot = snapshot
        self._lock = threading.Lock()
        self._idle: list[Worker] = []
        self._alive: dict[int, Worker] = {}
        self._version = 0
        self.forks = 0
        self.kills = 0

    def take(self) -> Worker:
        """An idle worker of the current store version, or a new one."""
        idle = self.take_idle()
        if idle is not None:
            return idle
        with self._fork_lock:
            version = self._version
            if self._snapshot is not None:
                worker = Worker(None, version, snapshot=self._snapshot(version))
            else:
                worker = Worker(self._store(), version)
            with self._lock:  # counted before another start may drop unused checkpoints
                self.forks += 1
                self._alive[worker.pid] = worker
        return worker

    def take_idle(self) -> Worker | None:
        """An idle worker of the current store version, or None (never starts, never blocks)."""
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.version == self._version and worker.running():
                    return worker
                self._retire(worker)
        return None

    def give_back(self, worker: Worker, clean: bool) -> None:
        """Keep a worker that answered cleanly for the next query; kill any other."""
        with self._lock:
            if clean and worker.alive and worker.version == self._version and (
                len(self._idle) < self._size
            ):
                self._idle.append(worker)
                return
            if not clean:
                self.kills += 1
            self._retire(worker)

    def versions(self) -> set[int]:
        """The store versions some live worker answers from (their snapshots are in use)."""
        with self._lock:
            return {w.version for w in self._alive.values()} | {self._version}

    def renew(self) -> None:
        """The store changed: idle workers go now, running ones when their query ends."""
        with self._lock:
            self._version += 1
            for worker in self._idle:
                self._retire(worker)
            self._idle = []

    def close(self) -> None:
        self.renew()

    def _retire(self, worker: Worker) -> None:
        # Called with self._lock held; killing is quick (SIGKILL, reap).
        worker.kill()
        self._alive.pop(worker.pid, None)


if __name__ == "__main__":
    main()

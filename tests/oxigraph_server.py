"""Start and stop a real Oxigraph server (PyPI package `oxigraph`) on 127.0.0.1 for tests.

Usage::

    with OxigraphServer(tmp_path / "oxi") as server:
        store = RemoteStore(server.query_url, server.update_url, server.store_url)

The server runs `oxigraph serve --location DIR --bind 127.0.0.1:PORT` on a free port.
`--timeout-s` is deliberately not passed: in 0.5.13 it keeps a thread per query alive for the
whole timeout and can abort under concurrent load.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType


def oxigraph_command() -> str:
    """Path of the `oxigraph` command: next to this Python first, then on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the `oxigraph` command is missing: pip install oxigraph")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OxigraphServer:
    """A real `oxigraph serve` process; a context manager, or call start() and stop()."""

    def __init__(
        self,
        location: Path | None = None,
        *,
        port: int | None = None,
        read_only: bool = False,
        union_default_graph: bool = False,
        timeout_s: float | None = None,
    ) -> None:
        self.union_default_graph = union_default_graph
        self.timeout_s = timeout_s
        self._own_dir = location is None
        self.location = Path(tempfile.mkdtemp(prefix="oxigraph-")) if location is None else location
        self.port = port or free_port()
        self.read_only = read_only
        self.process: subprocess.Popen[bytes] | None = None
        self._log = self.location.parent / f"oxigraph-{self.port}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/query"

    @property
    def update_url(self) -> str:
        return f"{self.base_url}/update"

    @property
    def store_url(self) -> str:
        """The SPARQL 1.1 Graph Store HTTP Protocol endpoint."""
        return f"{self.base_url}/store"

    def start(self, wait_s: float = 20.0) -> OxigraphServer:
        """Start the server and wait until it answers a query."""
        self.location.mkdir(parents=True, exist_ok=True)
        command = "serve-read-only" if self.read_only else "serve"
        args = [
            oxigraph_command(),
            command,
            "--location",
            str(self.location),
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        if self.union_default_graph:
            args.append("--union-default-graph")
        if self.timeout_s is not None:
            args += ["--timeout-s", str(self.timeout_s)]
        with self._log.open("wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"oxigraph exited with {self.process.returncode}: {self._log.read_text()}"
                )
            if self.answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"oxigraph did not answer on {self.base_url} within {wait_s}s")

    def answers(self) -> bool:
        """True when the server answers `ASK {}` on its query URL."""
        request = urllib.request.Request(
            f"{self.query_url}?query=ASK%7B%7D",
            headers={"Accept": "application/sparql-results+json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Stop the server: terminate, then kill if it does not exit within 5 seconds."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def close(self) -> None:
        """Stop the server and remove its folder if this object created it."""
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.location, ignore_errors=True)
        self._log.unlink(missing_ok=True)

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

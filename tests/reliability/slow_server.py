"""Loopback HTTP servers that misbehave on purpose: silent, trickling, redirecting, recording.

Each runs on its own thread on 127.0.0.x and a free port, and records the requests it got.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType


class LoopbackServer:
    """Accepts connections on `host`; each is handed to `answer(conn, request_bytes)`.

    Modes: `silent` reads the request and says nothing for `delay_s`; `trickle` sends the
    headers of a SPARQL JSON answer at once, then one byte every `delay_s`; `redirect`
    answers 302 to `location`; `record` answers 200 with an empty JSON-LD context.
    """

    def __init__(
        self, mode: str, *, host: str = "127.0.0.1", delay_s: float = 5.0, location: str = ""
    ) -> None:
        self.mode = mode
        self.delay_s = delay_s
        self.location = location
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.host = host
        self.port = int(self._sock.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> bytes:
        conn.settimeout(2)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        return data

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            request = self._read_request(conn)
            self.requests.append(request)
            with contextlib.suppress(OSError):  # the client gave up: what the tests want
                self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        if self.mode == "silent":
            self._stop.wait(self.delay_s)
            body = b'{"head":{},"boolean":true}'
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
        elif self.mode == "trickle":
            body = b'{"head":{"vars":["x"]},"results":{"bindings":[]}}' + b" " * 20
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
            )
            for byte in body:
                if self._stop.wait(self.delay_s):
                    return
                conn.sendall(bytes([byte]))
        elif self.mode == "redirect":
            conn.sendall(
                b"HTTP/1.1 302 Found\r\n"
                + f"Location: {self.location}\r\nContent-Length: 0\r\n\r\n".encode()
            )
        else:
            body = b'{"@context": {}}'
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/ld+json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=2)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def wait_for(condition: object, timeout_s: float) -> bool:
    """Poll a callable until it returns true or `timeout_s` passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False

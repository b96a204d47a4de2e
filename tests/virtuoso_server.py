"""A real Virtuoso 7 (Debian virtuoso-opensource) on loopback, for the `virtuoso` marker."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from tests.oxigraph_server import free_port

PACKAGE_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def available() -> bool:
    """True when virtuoso-t, isql-vt and the package's ini file are installed."""
    return bool(shutil.which("virtuoso-t") and shutil.which("isql-vt") and PACKAGE_INI.exists())


class VirtuosoServer:
    """virtuoso-t in the foreground with its own scratch database; a context manager."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="virtuoso-"))
        self.sql_port = free_port()
        self.http_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def _ini(self) -> Path:
        text = PACKAGE_INI.read_text()
        text = text.replace("/var/lib/virtuoso-opensource-7/db", str(self.dir))
        sql, http = f"127.0.0.1:{self.sql_port}", f"127.0.0.1:{self.http_port}"
        text = re.sub(r"(?m)^ServerPort\s*=\s*1111", f"ServerPort = {sql}", text)
        text = re.sub(r"(?m)^ServerPort\s*=\s*8890", f"ServerPort = {http}", text)
        text = re.sub(r"(?m)^DirsAllowed\s*=.*$", f"DirsAllowed = ., {self.dir}", text)
        ini = self.dir / "virtuoso.ini"
        ini.write_text(text)
        return ini

    def sql(self, statement: str) -> str:
        """Run one SQL statement as dba through isql-vt."""
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statement}"],
            capture_output=True, text=True, timeout=60, check=True,
        )
        return done.stdout

    def start(self, wait_s: float = 60.0) -> VirtuosoServer:
        ini = self._ini()
        log = (self.dir / "stdout.log").open("wb")
        self.process = subprocess.Popen(["virtuoso-t", "-f", "-c", str(ini)], cwd=self.dir,
                                        stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(self.query_url, params={"query": "ASK {}"}, timeout=2)
                if answer.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            self.stop()
            raise RuntimeError(f"Virtuoso did not start; see {self.dir}/stdout.log")
        # The anonymous SPARQL user may not update until granted (Virtuoso's default is read-only).
        self.sql('GRANT SPARQL_UPDATE TO "SPARQL";')
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

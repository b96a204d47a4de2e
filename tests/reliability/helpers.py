"""Helpers for the reliability tests: real `coprod` processes, tmpfs mounts, made-up data.

All triples here are made up for the tests (example.org IRIs); none is a fact about the
literature or a case.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

EX = "http://example.org/"
ROOT = Path(__file__).resolve().parents[2]


def coprod_command() -> str:
    """The `coprod` script of this virtualenv."""
    return str(Path(sys.executable).parent / "coprod")


def coprod_env(data_dir: Path, **values: object) -> dict[str, str]:
    """The environment for a `coprod` subprocess: this one, minus COPROD_*, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPROD_")}
    env["COPROD_DATA_DIR"] = str(data_dir)
    for name, value in values.items():
        env[f"COPROD_{name.upper()}"] = str(value)
    return env


def triples(prefix: str, count: int, value: str = "value") -> bytes:
    """`count` made-up N-Triples lines with subjects under `prefix`."""
    return "".join(
        f'<{EX}{prefix}/s{i}> <{EX}p> "{value} {i}" .\n' for i in range(count)
    ).encode("utf-8")


@contextmanager
def served(
    data_dir: Path, port: int, log: Path, **values: object
) -> Iterator[subprocess.Popen[bytes]]:
    """A real `coprod serve` on 127.0.0.1:`port`, stopped (SIGTERM, then SIGKILL) on exit."""
    env = coprod_env(data_dir, port=port, host="127.0.0.1", **values)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [coprod_command(), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"coprod serve exited: {log.read_text(errors='replace')}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code < 600:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("coprod serve did not answer within 60s")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(list(args), capture_output=True, timeout=30, check=False)


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `path` (skips the test when mounting is not allowed)."""
    path.mkdir(parents=True, exist_ok=True)
    done = _run("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield path
    finally:
        _run("umount", "-l", str(path))


def remount(path: Path, mode: str) -> None:
    """Remount the tmpfs at `path` with `mode`: `ro`, `rw` or `size=...`."""
    done = _run("mount", "-o", f"remount,{mode}", str(path))
    assert done.returncode == 0, done.stderr.decode(errors="replace")

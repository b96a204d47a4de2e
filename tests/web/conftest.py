"""Fixtures for the web pages: the shipped data built once, the real app served by uvicorn on a
free loopback port, and Debian's chromium driven by Playwright.

The browser tests skip only when chromium is missing and `CI` is not set; under CI they fail
instead, so a missing `make browser` cannot pass as green.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from service.app import create_app
from service.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("COPROD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def web_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped sources built into a fresh data dir (the real `coprod build`)."""
    data_dir = tmp_path_factory.mktemp("web-data")
    env = {**os.environ, "COPROD_DATA_DIR": str(data_dir)}
    env = {k: v for k, v in env.items() if not k.startswith("COPROD_") or k == "COPROD_DATA_DIR"}
    coprod = Path(sys.executable).parent / "coprod"
    done = subprocess.run([str(coprod), "build"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return data_dir


class Served:
    """The app served by uvicorn in a thread; `url` is its base without a trailing slash."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = get_settings(data_dir=data_dir, port=self.port)
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port,
                                log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the app did not start")

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def served(web_data_dir: Path) -> Iterator[Served]:
    """The real app over the shipped data, on 127.0.0.1 and a free port."""
    with Served(web_data_dir) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, through Playwright."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing under CI: run `make browser`")
        pytest.skip(f"{CHROMIUM} is missing (install it with `make browser`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("the playwright package is missing (pip install playwright)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Recorder:
    """Every URL the page asked for, so a test can fail on any request off 127.0.0.1."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def foreign(self) -> list[str]:
        allowed = ("http://127.0.0.1:", "data:", "blob:", "about:")
        return [u for u in self.urls if not u.startswith(allowed)]


@pytest.fixture()
def page(browser: Any, served: Served) -> Iterator[Any]:
    """A fresh page at desktop size; after the test, no request may have left 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    recorder = Recorder()
    context.on("request", lambda request: recorder.urls.append(request.url))
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    opened.recorder = recorder
    yield opened
    context.close()
    assert recorder.urls, "the page made no request at all"
    assert recorder.foreign() == [], f"requests left 127.0.0.1: {recorder.foreign()}"


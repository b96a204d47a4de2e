"""Screenshots of the web pages in Debian's chromium: `make screenshots`.

Serves the app over what `make build` built (COPROD_DATA_DIR, default `build`) on a free
loopback port and writes build/screenshots/{home,typology,case,query,charts}.png at desktop
width plus home-phone.png at phone width.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
import urllib.request
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from service.app import create_app
from service.settings import get_settings

CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
FULL_COPRODUCTION = (
    "PREFIX cop: <https://w3id.org/coprod/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?case ?label WHERE {\n"
    "  ?case a cop:PlannedJointlyDeliveredJointly ; rdfs:label ?label\n"
    "} ORDER BY ?label\n"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(port: int) -> uvicorn.Server:
    """Start the app over the built data in a thread; return once it answers."""
    server = uvicorn.Server(uvicorn.Config(
        create_app(get_settings(port=port)), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the app did not start; run `make build` first")


def shoot(page: Page, url: str, out: Path, name: str) -> None:
    page.goto(url)
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    print(f"wrote {out / name}.png")


def main() -> int:
    """Write the screenshots; exit code 0 when all were written."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("build/screenshots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium,
                                                 args=CHROMIUM_ARGS)
            desktop = browser.new_page(viewport={"width": 1280, "height": 900})
            shoot(desktop, base + "/", args.out, "home")
            shoot(desktop, base + "/typology", args.out, "typology")
            shoot(desktop, base + "/charts", args.out, "charts")
            # The case page: the first case of the full-coproduction cell, as a user finds it.
            desktop.goto(base + "/cases?cell=jointly-jointly")
            first = desktop.locator("table.list tbody a").first
            case_url = base + (first.get_attribute("href") or "/cases")
            shoot(desktop, case_url, args.out, "case")
            desktop.goto(base + "/query")
            desktop.wait_for_function("window.coprodYasgui && window.coprodYasgui.getTab()")
            desktop.evaluate("q => window.coprodYasgui.getTab().getYasqe().setValue(q)",
                             FULL_COPRODUCTION)
            desktop.evaluate("window.coprodYasgui.getTab().getYasqe().query()")
            desktop.locator(".yasr table tbody tr").first.wait_for(timeout=20_000)
            desktop.screenshot(path=str(args.out / "query.png"), full_page=True)
            print(f"wrote {args.out / 'query'}.png")
            phone = browser.new_page(viewport={"width": 390, "height": 844},
                                     device_scale_factor=2, is_mobile=True)
            phone.goto(base + "/")
            # The first screen only: the whole home page at phone width is very long.
            phone.screenshot(path=str(args.out / "home-phone.png"))
            print(f"wrote {args.out / 'home-phone'}.png")
            browser.close()
    finally:
        server.should_exit = True
    return 0


if __name__ == "__main__":
    sys.exit(main())

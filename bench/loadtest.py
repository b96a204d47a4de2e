"""A bounded load test on 127.0.0.1: N clients for S seconds mixing lookups, SPARQL and pages.

    python -m bench.loadtest [--cases 100000] [--clients 32] [--seconds 60]

It generates the synthetic graph (bench/generate.py, everything made up) into
`build/loadtest/` unless it is there already, loads it with `coprod load` (skipped when the
store holds that build), starts `coprod serve` in its own process on a free loopback port,
runs the clients (one asyncio task each, every request timed), stops the server and prints
p50/p95/p99 per kind and overall, with counts of successes, deliberate limits (a 503
query-timeout, a 413, a 429), page views that 404 (counted apart: pages may not exist yet)
and errors (anything else, including broken connections). Exit status 1 if there are errors.
The figures are also written to `build/loadtest/results.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.generate import Sizes, generate
from bench.queries import lookup_mix, sparql_mix

ROOT = Path(__file__).resolve().parents[1]
LIMIT_TYPES = ("urn:coprod:problem:query-timeout",)
LIMIT_STATUSES = (413, 429)


@dataclass(frozen=True)
class Request:
    """One request of the mix: its kind (lookup, sparql, page), a name and how to send it."""

    kind: str
    name: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    accept: str = "*/*"


@dataclass
class Tally:
    """Latencies and outcome counts of one kind of request."""

    seconds: list[float] = field(default_factory=list)
    ok: int = 0
    limited: int = 0
    not_found: int = 0
    errors: int = 0
    samples: list[str] = field(default_factory=list)

    def note_error(self, text: str) -> None:
        self.errors += 1
        if len(self.samples) < 5:
            self.samples.append(text[:300])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mix(cases: int) -> list[Request]:
    """The request mix: every lookup and SPARQL query of bench/queries.py, and page views."""
    sizes = Sizes(cases)
    requests = [
        Request("lookup", q.name, f"/api/queries/{q.lookup}", q.params, "application/json")
        for q in lookup_mix(cases)
    ]
    requests += [
        Request("sparql", q.name, "/sparql", (("query", q.text),), q.accept)
        for q in sparql_mix(cases)
    ]
    pages = [
        ("home", "/"),
        ("cases", "/cases"),
        ("works", "/works"),
        ("typology", "/typology"),
        ("case-page", f"/id/case/synthetic-case-{cases // 3}.html"),
        ("work-page", f"/id/work/synthetic-work-{sizes.works // 5}.html"),
    ]
    requests += [Request("page", name, path, (), "text/html") for name, path in pages]
    return requests



def percentile(values: list[float], share: float) -> float:
    """The `share` percentile (0-1) of `values`, nearest rank; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def client_loop(
    client: httpx.AsyncClient, requests: list[Request], deadline: float,
    tallies: dict[str, Tally], seed: int,
) -> None:
    """One client: send random requests of the mix back to back until the deadline."""
    rng = random.Random(seed)
    weights = [{"lookup": 4, "sparql": 4, "page": 2}[r.kind] for r in requests]
    while time.monotonic() < deadline:
        request = rng.choices(requests, weights)[0]
        tally = tallies.setdefault(request.kind, Tally())
        started = time.monotonic()
        try:
            response = await client.get(
                request.path, params=list(request.params), headers={"Accept": request.accept}
            )
        except httpx.HTTPError as exc:
            tally.note_error(f"{request.name}: {type(exc).__name__}: {exc}")
            continue
        elapsed = time.monotonic() - started
        status = response.status_code
        if status < 400:
            tally.ok += 1
            tally.seconds.append(elapsed)
        elif status == 404 and request.kind == "page":
            tally.not_found += 1
        elif status in LIMIT_STATUSES or (
            status == 503 and response.headers.get("content-type", "").startswith(
                "application/problem+json") and response.json().get("type") in LIMIT_TYPES
        ):
            tally.limited += 1
        else:
            tally.note_error(f"{request.name}: HTTP {status}: {response.text[:200]}")


async def run_clients(url: str, requests: list[Request], clients: int, seconds: float
                      ) -> dict[str, Tally]:
    """Run `clients` client loops against `url` for `seconds`."""
    tallies: dict[str, Tally] = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=url, timeout=httpx.Timeout(120.0), limits=limits, trust_env=False
    ) as client:
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(client_loop(client, requests, deadline, tallies, seed) for seed in range(clients))
        )
    return tallies


def prepare(cases: int, data_dir: Path) -> None:
    """Generate the synthetic artefact (unless present for this size) and load it."""
    manifest = data_dir / "dataset" / "manifest.json"
    stamp = data_dir / "cases.txt"
    if not manifest.exists() or not stamp.exists() or stamp.read_text().strip() != str(cases):
        print(f"generating {cases:,} synthetic cases in {data_dir} ...", flush=True)
        generate(cases, data_dir)
        stamp.write_text(f"{cases}\n")
    print("loading (skipped when the store holds this build) ...", flush=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPROD_")}
    env["COPROD_DATA_DIR"] = str(data_dir)
    subprocess.run([str(Path(sys.executable).parent / "coprod"), "load"], env=env, cwd=ROOT,
                   check=True)


def serve(data_dir: Path, port: int, log: Path, timeout_s: float) -> subprocess.Popen[bytes]:
    """Start `coprod serve` on 127.0.0.1:`port` and wait until /health answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPROD_")}
    env.update(COPROD_DATA_DIR=str(data_dir), COPROD_HOST="127.0.0.1", COPROD_PORT=str(port),
               COPROD_QUERY_TIMEOUT_S=str(timeout_s))
    with log.open("wb") as out:
        process = subprocess.Popen([str(Path(sys.executable).parent / "coprod"), "serve"],
                                   env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"coprod serve exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("coprod serve did not answer within 300s")


def report(
    tallies: dict[str, Tally], seconds: float, clients: int, cases: int
) -> dict[str, object]:
    """The figures as a dict, and printed as a table."""
    every = [s for t in tallies.values() for s in t.seconds]
    rows: dict[str, object] = {}
    print(f"\n{clients} clients, {seconds:.0f}s, {cases:,} cases, 127.0.0.1")
    print(f"{'kind':<8} {'ok':>7} {'limited':>8} {'404':>6} {'errors':>7} "
          f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind in sorted(tallies) + ["all"]:
        if kind == "all":
            values = every
            counts = [sum(getattr(t, f) for t in tallies.values())
                      for f in ("ok", "limited", "not_found", "errors")]
        else:
            t = tallies[kind]
            values = t.seconds
            counts = [t.ok, t.limited, t.not_found, t.errors]
        p = [percentile(values, q) * 1000 for q in (0.50, 0.95, 0.99)]
        print(f"{kind:<8} {counts[0]:>7} {counts[1]:>8} {counts[2]:>6} {counts[3]:>7} "
              f"{p[0]:>8.1f} {p[1]:>8.1f} {p[2]:>8.1f}")
        rows[kind] = {"ok": counts[0], "limited": counts[1], "not_found": counts[2],
                      "errors": counts[3], "p50_ms": round(p[0], 1), "p95_ms": round(p[1], 1),
                      "p99_ms": round(p[2], 1)}
    total_ok = sum(t.ok for t in tallies.values())
    print(f"throughput: {total_ok / seconds:.1f} successful requests/s; "
          f"mean {statistics.fmean(every) * 1000 if every else 0:.1f} ms")
    for kind, t in tallies.items():
        for sample in t.samples:
            print(f"  error ({kind}): {sample}")
    return {"clients": clients, "seconds": seconds, "cases": cases,
            "throughput_per_s": round(total_ok / seconds, 1), "kinds": rows}


def main(argv: list[str] | None = None) -> int:
    """Prepare, serve, load, report; 1 when any request failed other than by a limit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--timeout-s", type=float, default=30.0,
                        help="COPROD_QUERY_TIMEOUT_S of the server under test")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "build" / "loadtest")
    args = parser.parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    prepare(args.cases, args.data_dir)
    port = free_port()
    server = serve(args.data_dir, port, args.data_dir / "serve.log", args.timeout_s)
    try:
        url = f"http://127.0.0.1:{port}"
        print(f"{args.clients} clients for {args.seconds:.0f}s against {url} ...", flush=True)
        tallies = asyncio.run(run_clients(url, mix(args.cases), args.clients, args.seconds))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    figures = report(tallies, args.seconds, args.clients, args.cases)
    (args.data_dir / "results.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if sum(t.errors for t in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

"""coprod against a raw Oxigraph server on the same triples: `python -m bench.run [SIZES...]`.

For each size: generate the synthetic artefact (bench/generate.py), load it with
`oxigraph load` (on-disk store) and with `coprod load`, start `oxigraph serve-read-only
--union-default-graph` and coprod (bench/serve.py, its own process), then

- per query: the median latency on each server, requests alternating between the two;
- for the named queries: coprod's `/api/queries/{name}` (cold, cached and `304`) against the
  same bound SPARQL on Oxigraph and on coprod's `/sparql`;
- throughput: requests per second with 8 concurrent clients, for a fixed time, each server
  in turn, over the queries Oxigraph answers in under 200 ms;
- a SELECT of up to a million rows, streamed and dropped, and the growth of coprod's memory;
- peak memory (VmHWM) of both processes, coprod's memory with its query workers at the
  end (PSS: shared pages once), and the generate and load times.

Prints a table and writes `build/bench/results.json`. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.generate import generate
from bench.queries import Query, lookup_mix, sparql_mix
from ingest.artefact import read_manifest

VENV_BIN = Path(sys.executable).parent
CLIENTS = 8
SLOW_S = 2.0  # a query slower than this gets fewer repetitions
LONG_S = 30.0  # a query slower than this on one server is timed once there (its warm-up)
TIMEOUT_S = 600.0  # a request unanswered after this counts as this long, its server restarted


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kb(pid: int, key: str = "VmRSS") -> int:
    """A memory figure of a process from /proc (kB): VmRSS now, or VmHWM (the peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def tree_kb(pid: int, file: str, key: str) -> int:
    """A memory figure (kB, line `key` of /proc/PID/`file`) summed over a process and every
    process under it."""
    total = 0
    pids = [pid]
    while pids:
        each = pids.pop()
        try:
            for line in Path(f"/proc/{each}/{file}").read_text().splitlines():
                if line.startswith(key + ":"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{each}/task").glob("*/children"):
                pids.extend(int(c) for c in task.read_text().split())
        except OSError:
            continue  # ended meanwhile
    return total


def pss_kb(pid: int) -> int:
    """Proportional memory now (kB) of a process and every process under it: pages shared
    copy-on-write (coprod's query workers) count once in total."""
    return tree_kb(pid, "smaps_rollup", "Pss")


@dataclass
class Server:
    """A server process, the URL its queries go to, and how to start it again."""

    name: str
    process: subprocess.Popen[bytes]
    query_url: str
    root: str
    command: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None
    log: Path | None = None
    ready_url: str = ""

    def stop(self) -> None:
        """Terminate the process (it is ours) and wait for it."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        """Stop it (and any query it is still working on) and start it again, same port."""
        self.stop()
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(self.command, env=self.env, stdout=out,
                                        stderr=subprocess.STDOUT)
        wait_ready(self.ready_url, self.process)


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float = 600) -> None:
    """Poll `url` until it answers 200, or fail when the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before it was ready")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready within {timeout_s}s")


def start_oxigraph(location: Path, log: Path) -> Server:
    """`oxigraph serve-read-only --union-default-graph` on a free port."""
    port = free_port()
    command = [str(VENV_BIN / "oxigraph"), "serve-read-only", "--location", str(location),
               "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    root = f"http://127.0.0.1:{port}"
    ready = f"{root}/query?query=ASK%7B%7D"
    wait_ready(ready, process)
    return Server("oxigraph", process, f"{root}/query", root, command, None, log, ready)


def coprod_env(data_dir: Path, port: int, memory: str) -> dict[str, str]:
    """The environment of a coprod process over `data_dir` (`memory`: memory, disk or "")."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPROD_")}
    env.update(COPROD_DATA_DIR=str(data_dir), COPROD_PORT=str(port),
               COPROD_QUERY_TIMEOUT_S="600")
    if memory == "memory":
        env["COPROD_STORE_IN_MEMORY"] = "true"
    return env


def start_coprod(data_dir: Path, memory: str, log: Path) -> Server:
    """bench/serve.py (coprod's app under uvicorn) in its own process on a free port."""
    port = free_port()
    command, env = [sys.executable, "-m", "bench.serve"], coprod_env(data_dir, port, memory)
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    root = f"http://127.0.0.1:{port}"
    wait_ready(f"{root}/health", process)
    return Server("coprod", process, f"{root}/sparql", root, command, env, log, f"{root}/health")


def timed(args: list[str], env: dict[str, str] | None = None) -> float:
    """Run a command to completion and return its wall time; fail loudly if it fails."""
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def ask(client: httpx.Client, url: str, query: Query,
        headers: dict[str, str] | None = None) -> tuple[float, int]:
    """One request; (seconds, status). The body is read whole."""
    started = time.perf_counter()
    if query.kind == "lookup" and not url.endswith(("/query", "/sparql")):
        response = client.get(url, params=dict(query.params), headers=headers)
    else:
        response = client.get(url, params={"query": query.text},
                              headers={"Accept": query.accept, **(headers or {})})
    elapsed = time.perf_counter() - started
    if response.status_code not in (200, 304):
        raise RuntimeError(f"{query.name} on {url}: {response.status_code} {response.text[:300]}")
    return elapsed, response.status_code


def medians(client: httpx.Client, targets: list[tuple[str, str, dict[str, str] | None]],
            query: Query, reps: int, servers: dict[str, Server]) -> dict[str, float]:
    """Median milliseconds of `query` on each (label, url, headers), requests alternating.

    A request still unanswered after the client's timeout counts as that timeout (a lower
    bound; `over` in the row names it), and its server is restarted so that the query stops.
    """
    samples: dict[str, list[float]] = {label: [] for label, _, _ in targets}
    over: list[str] = []
    for label, url, headers in targets:  # one warm-up each
        try:
            first, _ = ask(client, url, query, headers)
        except httpx.TimeoutException:
            over.append(label)
            samples[label].append(TIMEOUT_S)
            servers[label.split("_")[0]].restart()
            continue
        if first > SLOW_S:
            reps = min(reps, 3)
        if first > LONG_S:  # minutes per request: the warm-up is the one sample
            samples[label].append(first)
    for _ in range(reps):
        for label, url, headers in targets:
            if len(samples[label]) == 1 and samples[label][0] > LONG_S:
                continue
            samples[label].append(ask(client, url, query, headers)[0])
    row = {label: statistics.median(values) * 1000 for label, values in samples.items()}
    row.update({f"over:{label}": 1.0 for label in over})
    return row


def throughput(url: str, queries: list[Query], seconds: float) -> float:
    """Requests per second from CLIENTS threads, each cycling through `queries`."""
    counts = [0] * CLIENTS
    stop = time.monotonic() + seconds
    errors: list[str] = []

    def client(index: int) -> None:
        with httpx.Client(timeout=120) as http:
            i = index
            while time.monotonic() < stop:
                query = queries[i % len(queries)]
                try:
                    ask(http, url, query)
                except (RuntimeError, httpx.HTTPError) as exc:
                    errors.append(str(exc)[:200])
                    return
                counts[index] += 1
                i += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"throughput run failed: {errors[0]}")
    return sum(counts) / (time.monotonic() - started)


def stream_rows(server: Server, rows: int) -> dict[str, float]:
    """Stream a SELECT of `rows` rows and drop it; the server's memory growth meanwhile."""
    query = Query("stream", "sparql", f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {rows}")
    pid = server.process.pid
    before = rss_kb(pid)
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_kb(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    size = 0
    try:
        with httpx.stream("GET", server.query_url, params={"query": query.text},
                          headers={"Accept": "text/tab-separated-values"}, timeout=600) as r:
            for chunk in r.iter_bytes():
                size += len(chunk)
    finally:
        done.set()
        sampler.join()
    return {"seconds": time.perf_counter() - started, "bytes": size,
            "rss_before_mb": before / 1024, "rss_growth_mb": (peak[0] - before) / 1024}


@dataclass
class SizeResult:
    """Everything measured at one size."""

    cases: int
    triples: int = 0
    times: dict[str, float] = field(default_factory=dict)
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    throughput: dict[str, float] = field(default_factory=dict)
    memory_mb: dict[str, float] = field(default_factory=dict)
    stream: dict[str, dict[str, float]] = field(default_factory=dict)


def run_size(cases: int, out: Path, memory: str, reps: int, seconds: float,
             reuse: bool = False) -> SizeResult:
    """Generate, load, serve and measure one size (`reuse`: serve what an earlier run loaded)."""
    result = SizeResult(cases)
    data_dir = out / f"data-{cases}"
    oxi_dir = out / f"oxigraph-{cases}"
    manifest = read_manifest(data_dir / "dataset")
    if reuse and manifest is not None and oxi_dir.exists() and (data_dir / "store").exists():
        result.triples = manifest.triples
        print(f"[{cases:,} cases] {result.triples:,} triples; reusing {data_dir} and {oxi_dir} "
              "(no generate or load times)", flush=True)
    else:
        load(result, data_dir, oxi_dir)
    oxigraph = start_oxigraph(oxi_dir, out / f"oxigraph-{cases}.log")
    started = time.perf_counter()
    coprod = start_coprod(data_dir, memory, out / f"coprod-{cases}.log")
    result.times["coprod_start_s"] = time.perf_counter() - started
    try:
        measure(result, coprod, oxigraph, reps, seconds)
        result.memory_mb = {"coprod_peak": rss_kb(coprod.process.pid, "VmHWM") / 1024,
                            "coprod_with_workers_now": pss_kb(coprod.process.pid) / 1024,
                            "oxigraph_peak": rss_kb(oxigraph.process.pid, "VmHWM") / 1024}
    finally:
        coprod.stop()
        oxigraph.stop()
    return result


def load(result: SizeResult, data_dir: Path, oxi_dir: Path) -> None:
    """Generate the artefact, then load it with `oxigraph load` and `coprod load` (timed)."""
    started = time.perf_counter()
    if data_dir.exists():
        shutil.rmtree(data_dir)
    graphs = generate(result.cases, data_dir)
    result.triples = sum(graphs.values())
    result.times["generate_s"] = time.perf_counter() - started
    artefact = data_dir / "dataset" / "coprod.nq"
    if oxi_dir.exists():
        shutil.rmtree(oxi_dir)
    result.times["oxigraph_load_s"] = timed(
        [str(VENV_BIN / "oxigraph"), "load", "--location", str(oxi_dir), "--file", str(artefact)])
    result.times["coprod_load_s"] = timed(
        [str(VENV_BIN / "coprod"), "load", "--force"], env=coprod_env(data_dir, 1, "disk"))
    print(f"[{result.cases:,} cases] {result.triples:,} triples; {result.times}", flush=True)


def measure(result: SizeResult, coprod: Server, oxigraph: Server, reps: int,
            seconds: float) -> None:
    """Latency, lookups, throughput and streaming on two running servers."""
    cases = result.cases
    servers = {"coprod": coprod, "oxigraph": oxigraph}
    with httpx.Client(timeout=TIMEOUT_S) as client:
        # Warm both servers (connections, thread pools, code paths) before timing anything.
        warm = Query("warm-up", "sparql", "ASK {}")
        for _ in range(100):
            ask(client, coprod.query_url, warm)
            ask(client, oxigraph.query_url, warm)
        for query in sparql_mix(cases):
            result.latency[query.name] = medians(
                client, [("coprod", coprod.query_url, None),
                         ("oxigraph", oxigraph.query_url, None)], query, reps, servers)
            print(f"  {query.name:24} {result.latency[query.name]}", flush=True)
        for query in lookup_mix(cases):
            api = f"{coprod.root}/api/queries/{query.lookup}"
            first = client.get(api, params=dict(query.params))
            etag = first.headers.get("etag")
            targets: list[tuple[str, str, dict[str, str] | None]] = [
                ("coprod", api, {"Cache-Control": "no-cache"}),
                ("coprod_cached", api, None),
                ("coprod_sparql", coprod.query_url, None),
                ("oxigraph", oxigraph.query_url, None),
            ]
            if etag:
                targets.insert(2, ("coprod_304", api, {"If-None-Match": etag}))
            result.latency[query.name] = medians(client, targets, query, reps, servers)
            print(f"  {query.name:24} {result.latency[query.name]}", flush=True)
    fast = [q for q in sparql_mix(cases) + lookup_mix(cases)
            if q.kind == "sparql" and result.latency[q.name]["oxigraph"] < 200
            and not any(k.startswith("over:") for k in result.latency[q.name])]
    for server in (coprod, oxigraph):
        result.throughput[server.name] = throughput(server.query_url, fast, seconds)
    print(f"  throughput {result.throughput}", flush=True)
    rows = min(1_000_000, result.triples)
    for server in (coprod, oxigraph):
        result.stream[server.name] = stream_rows(server, rows)
    print(f"  stream {rows:,} rows {result.stream}", flush=True)


def geomean(values: list[float]) -> float:
    """The geometric mean of positive numbers."""
    return statistics.geometric_mean(values) if values else float("nan")


def table(result: SizeResult) -> str:
    """The results of one size as a Markdown table plus summary lines."""
    lines = [f"### {result.cases:,} cases, {result.triples:,} triples", "",
             "| query | coprod ms | oxigraph ms | ratio |", "|---|---:|---:|---:|"]
    ratios = []
    for name, row in result.latency.items():
        if name.startswith("lookup:"):
            continue
        ratio = row["coprod"] / row["oxigraph"]
        ratios.append(ratio)
        c, o = (("> " if f"over:{k}" in row else "") + f"{row[k]:.2f}" for k in ("coprod",
                                                                                  "oxigraph"))
        bound = "< " if "over:oxigraph" in row else "> " if "over:coprod" in row else ""
        lines.append(f"| {name} | {c} | {o} | {bound}{ratio:.2f} |")
    lines += ["", f"geometric mean ratio (/sparql): {geomean(ratios):.2f}; "
              f"worst: {max(ratios):.2f}", "",
              "| named query | API ms | API cached ms | API 304 ms | coprod /sparql ms | "
              "oxigraph ms | cached/oxigraph |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, row in result.latency.items():
        if not name.startswith("lookup:"):
            continue
        r304 = f"{row['coprod_304']:.2f}" if "coprod_304" in row else "-"
        lines.append(
            f"| {name[7:]} | {row['coprod']:.2f} | {row['coprod_cached']:.2f} | {r304} | "
            f"{row['coprod_sparql']:.2f} | {row['oxigraph']:.2f} | "
            f"{row['coprod_cached'] / row['oxigraph']:.2f} |")
    tp = result.throughput
    lines += ["", f"throughput, {CLIENTS} clients: coprod {tp['coprod']:.0f}/s, oxigraph "
              f"{tp['oxigraph']:.0f}/s, ratio {tp['coprod'] / tp['oxigraph']:.2f}",
              "peak memory: " + ", ".join(f"{k} {v:,.0f} MB" for k, v in
                                          result.memory_mb.items()),
              "times: " + ", ".join(f"{k} {v:.1f}s" for k, v in result.times.items())]
    for name, s in result.stream.items():
        lines.append(f"stream {name}: {s['bytes'] / 1e6:,.0f} MB in {s['seconds']:.1f}s, "
                     f"RSS growth {s['rss_growth_mb']:,.0f} MB (from {s['rss_before_mb']:,.0f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run every size, print the tables, write results.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 100_000])
    parser.add_argument("--out", type=Path, default=Path("build/bench"))
    parser.add_argument("--memory", choices=["memory", "disk"], default="memory",
                        help="coprod's embedded store: served from memory or from disk")
    parser.add_argument("--reps", type=int, default=9, help="timed requests per query")
    parser.add_argument("--seconds", type=float, default=10.0, help="per throughput run")
    parser.add_argument("--reuse", action="store_true",
                        help="serve the data and stores an earlier run left in --out")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = [run_size(n, args.out, args.memory, args.reps, args.seconds, args.reuse)
               for n in args.sizes]
    print(f"\ncommand: python -m bench.run {' '.join(sys.argv[1:] if argv is None else argv)}")
    print(f"coprod store: {args.memory}; {os.cpu_count()} cores\n")
    for result in results:
        print(table(result) + "\n")
    payload: dict[str, Any] = {"memory": args.memory, "results": [r.__dict__ for r in results]}
    (args.out / "results.json").write_text(json.dumps(payload, indent=2) + "\n")
    print(f"results: {args.out / 'results.json'}")


if __name__ == "__main__":
    main()

"""A whole `coprod build` from source files against `oxigraph load` (issue #8).

`python -m bench.fullbuild 10000 100000 [--out DIR]`. For each size: write synthetic source
files (bench/sources.py) to a temporary folder; run `coprod build --force` there under
`/usr/bin/time -v` (wall time, peak RSS) with COPROD_SOURCES_DIR and COPROD_DATA_DIR pointing
into that folder, and read the step times it prints (read, map, SHACL, reason, write, load);
then `oxigraph load` the artefact it wrote (dataset/coprod.nq) into a fresh folder, timed the
same way. A run past --max-gb (the whole process tree, the HermiT JVM included) or
--max-minutes is killed and reported as stopped. Prints a table; writes DIR/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.run import tree_kb
from bench.sources import write_sources
from ingest.artefact import read_manifest

VENV_BIN = Path(sys.executable).parent
STEPS = ("read", "map", "validate", "reason", "write", "load")
HEADS = {"validate": "SHACL"}
_TIMINGS = re.compile(r"^([\d,]+) triples; (.*)$", re.MULTILINE)
_STEP = re.compile(r"(\w+) ([\d.]+)s")
_LOADED = re.compile(r"Loaded \d+ graphs into the \w+ store in ([\d.]+)s")


@dataclass
class Run:
    """One timed command: wall time, peak memory, exit code, why it was stopped (if it was)."""

    wall_s: float
    peak_mb: float  # /usr/bin/time's maximum RSS (the largest single process)
    tree_peak_mb: float  # the largest sum over the process tree, sampled twice a second
    rc: int
    stopped: str | None = None


@dataclass
class SizeResult:
    """Every figure for one size; seconds unless the name says otherwise."""

    cases: int
    triples: int = 0
    artefact_mb: float = 0.0
    generate_s: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)
    build: Run | None = None
    oxigraph: Run | None = None

    @property
    def ratio(self) -> float | None:
        """The whole build's wall time over `oxigraph load`'s."""
        if not self.build or not self.oxigraph or self.build.stopped or self.oxigraph.rc:
            return None
        return self.build.wall_s / self.oxigraph.wall_s


def _gnu_time(path: Path) -> tuple[float | None, float | None]:
    """(wall seconds, peak RSS MB) from `/usr/bin/time -v -o path`, None where missing."""
    if not path.exists():
        return None, None
    wall = peak = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            parts = [float(p) for p in line.rsplit(" ", 1)[1].split(":")]
            wall = sum(p * 60**i for i, p in enumerate(reversed(parts)))
        elif line.startswith("Maximum resident set size"):
            peak = int(line.rsplit(" ", 1)[1]) / 1024
    return wall, peak


def run_timed(command: list[str], log: Path, env: dict[str, str] | None,
              max_gb: float, max_s: float) -> Run:
    """Run `command` under /usr/bin/time -v, output to `log`; kill it past the limits."""
    timing = log.with_suffix(".time")
    with log.open("wb") as out:
        # Its own process group, so a stop ends the JVM HermiT starts as well.
        process = subprocess.Popen(["/usr/bin/time", "-v", "-o", str(timing), *command],
                                   stdout=out, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
        started = time.perf_counter()
        tree_peak = 0
        stopped = None
        while process.poll() is None:
            tree_peak = max(tree_peak, tree_kb(process.pid, "status", "VmRSS"))
            if tree_peak > max_gb * 1024 * 1024:
                stopped = f"memory above {max_gb:g} GB"
            elif time.perf_counter() - started > max_s:
                stopped = f"time above {max_s / 60:g} min"
            if stopped:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
    wall, peak = _gnu_time(timing)
    return Run(wall_s=wall if wall is not None and not stopped else elapsed,
               peak_mb=peak if peak is not None else tree_peak / 1024,
               tree_peak_mb=tree_peak / 1024, rc=process.returncode, stopped=stopped)


def parse_steps(output: str) -> dict[str, float]:
    """The step times `coprod build` prints: read, map, validate, reason, write, total, load."""
    steps: dict[str, float] = {}
    match = _TIMINGS.search(output)
    if match:
        steps.update({name: float(value) for name, value in _STEP.findall(match.group(2))})
    loaded = _LOADED.search(output)
    if loaded:
        steps["load"] = float(loaded.group(1))
    return steps


def build_env(sources: Path, data: Path) -> dict[str, str]:
    """This environment without any COPROD_* setting but the two folders; wide rich output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPROD_")}
    env.update(COPROD_SOURCES_DIR=str(sources), COPROD_DATA_DIR=str(data), COLUMNS="200")
    return env


def run_size(cases: int, work: Path, logs: Path, max_gb: float, max_s: float) -> SizeResult:
    """Write the sources, build them, and `oxigraph load` what the build wrote."""
    result = SizeResult(cases)
    sources, data = work / "sources", work / "data"
    started = time.perf_counter()
    write_sources(cases, sources)
    result.generate_s = time.perf_counter() - started
    log = logs / f"build-{cases}.log"
    result.build = run_timed([str(VENV_BIN / "coprod"), "build", "--force"], log,
                             build_env(sources, data), max_gb, max_s)
    result.steps = parse_steps(log.read_text(encoding="utf-8", errors="replace"))
    manifest = read_manifest(data / "dataset")
    if result.build.rc or result.build.stopped or manifest is None:
        return result
    result.triples = manifest.triples
    artefact = data / "dataset" / "coprod.nq"
    result.artefact_mb = artefact.stat().st_size / 1e6
    result.oxigraph = run_timed(
        [str(VENV_BIN / "oxigraph"), "load", "--location", str(work / "oxigraph"),
         "--file", str(artefact)], logs / f"oxigraph-{cases}.log", None, max_gb, max_s)
    return result


def _cell(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(results: list[SizeResult]) -> str:
    """One markdown row per size; step times in seconds."""
    heads = ["cases", "triples", *(HEADS.get(s, s) for s in STEPS), "total",
             "peak RSS MB", "oxigraph load", "ratio"]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---:|" * len(heads)]
    for r in results:
        build, oxi = r.build, r.oxigraph
        total = None if build is None or build.stopped else build.wall_s
        row = [f"{r.cases:,}", f"{r.triples:,}" if r.triples else "-",
               *(_cell(r.steps.get(s)) for s in STEPS), _cell(total),
               _cell(max(build.peak_mb, build.tree_peak_mb) if build else None, 0),
               _cell(oxi.wall_s if oxi else None), _cell(r.ratio, 2)]
        lines.append("| " + " | ".join(row) + " |")
        if build and build.stopped:
            lines.append(f"\n{r.cases:,} cases: stopped after {build.wall_s / 60:.1f} min "
                         f"({build.stopped}); peak {build.tree_peak_mb:,.0f} MB")
        elif build and build.rc:
            lines.append(f"\n{r.cases:,} cases: `coprod build` exited with {build.rc}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run every size (smallest first), print the table, write results.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--out", type=Path, default=Path("build/bench/fullbuild"),
                        help="results.json and the logs of each run")
    parser.add_argument("--work", type=Path, default=None,
                        help="where the temporary folders go (default: the system's)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--max-gb", type=float, default=15.0)
    parser.add_argument("--max-minutes", type=float, default=40.0)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results: list[SizeResult] = []
    for cases in sorted(args.sizes):
        begun = time.perf_counter()
        work = Path(tempfile.mkdtemp(prefix=f"coprod-fullbuild-{cases}-", dir=args.work))
        try:
            result = run_size(cases, work, args.out, args.max_gb, args.max_minutes * 60)
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        results.append(result)
        print(f"[{cases:,} cases] done in {time.perf_counter() - begun:.0f}s", flush=True)
        payload: dict[str, Any] = {
            "command": "python -m bench.fullbuild " + " ".join(
                sys.argv[1:] if argv is None else argv),
            "cores": os.cpu_count(),
            "results": [{**asdict(r), "ratio": r.ratio} for r in results],
        }
        (args.out / "results.json").write_text(json.dumps(payload, indent=2) + "\n")
        if result.build is None or result.build.stopped or result.build.rc:
            break  # a larger size would only fail the same way, later
    print("\n" + table(results))
    print(f"\ntotal: wall time of `coprod build` (start-up, the steps, the load); ratio: total "
          f"over `oxigraph load`. Results: {args.out / 'results.json'}")


if __name__ == "__main__":
    main()

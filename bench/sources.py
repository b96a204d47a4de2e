"""A seeded generator of synthetic SOURCE files, so a whole `coprod build` can be measured.

`python -m bench.sources 10000 OUT_DIR` writes, in OUT_DIR:

- `cases.csv`: cases in the cataloguing template (docs/cataloguing.md, sources/README.md);
- `works.bib`: the works that discuss them, with DOIs under 10.5555 (reserved for examples);
- `sources.toml`: those two sources plus the two authority tables (copied from sources/).

Everything is made up and says so ("Synthetic case 123", "Synthetic Author 7"); only the
country codes (EU table) and COFOG codes are real, because the build checks them. The shape
follows bench/generate.py (a work for every two cases, an author for every two, a place for
every ten, 50 journals, both Bovaird axes on every case), so the triples per case are close
and the figures compare. Same seed and size, same bytes.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

from bench.generate import COUNTRIES, WORDS, Sizes
from ingest.readers.cases_csv import COLUMNS

REPO = Path(__file__).resolve().parent.parent
AUTHORITIES = ("cofog", "eu-countries")
# COFOG divisions and groups as cataloguers write them (07.1, not 071); all in cofog.ttl.
AREAS = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10",
         "07.1", "07.2", "07.3", "07.4", "09.1", "09.2", "10.1", "10.2", "10.4", "10.6"]
AXIS = ["professionals", "jointly", "community"]
# A coded axis is always unverified (sources/README.md), so no synthetic case is "confirmed".
STATUS = ["partly", "unconfirmed"]
WORK_STATUS = ["confirmed", "partly", "unconfirmed"]
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
NOTE = "Synthetic record for benchmarks: every value is random and describes nothing real."


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def work_key(n: int) -> str:
    """The BibTeX key of synthetic work `n`."""
    return f"syntheticwork{n}"


def write_cases(path: Path, cases: int, seed: int) -> None:
    """The cases CSV: one row per case, RFC 4180 with CRLF line ends."""
    rng = random.Random(seed)
    sizes = Sizes(cases)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for i in range(cases):
            # A place lies in one country, so places stay at one for every ten cases.
            place = rng.randrange(sizes.places)
            writer.writerow([
                f"synthetic-case-{i}",
                f"Synthetic case {i}",
                f"Synthetic description {i}: {_words(rng, 8)}",
                f"Synthetic place {place}",
                COUNTRIES[place % len(COUNTRIES)],
                rng.randint(1970, 2024),
                rng.choice(AREAS),
                rng.choice(AXIS),
                rng.choice(AXIS),
                work_key(rng.randrange(sizes.works)),
                f"https://example.org/synthetic/case-{i}",
                rng.choice(STATUS),
                "who_plans, who_delivers",
                NOTE,
            ])


def write_works(path: Path, cases: int, seed: int) -> None:
    """The BibTeX file: one @article per work, one to three synthetic authors each."""
    rng = random.Random(seed + 1)
    sizes = Sizes(cases)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("% Synthetic works for benchmarks (bench/sources.py); nothing here is real.\n")
        for i in range(sizes.works):
            people = sorted({rng.randrange(sizes.people) for _ in range(rng.randint(1, 3))})
            authors = " and ".join(f"Author {n}, Synthetic" for n in people)
            handle.write(
                f"\n@article{{{work_key(i)},\n"
                f"  author = {{{authors}}},\n"
                f"  title = {{Synthetic work {i} on {_words(rng, 4)}}},\n"
                f"  journal = {{Synthetic Journal {rng.randrange(sizes.venues)}}},\n"
                f"  year = {{{rng.randint(1975, 2024)}}},\n"
                # 10.5555 is the DOI prefix reserved for examples: no real work has these DOIs.
                f"  doi = {{10.5555/synthetic.{i}}},\n"
                f"  status = {{{rng.choice(WORK_STATUS)}}},\n"
                f"  unverified = {{}},\n"
                f"  sources = {{https://example.org/synthetic/work-{i}}}\n"
                "}\n"
            )


def _toml_entry(entry: dict[str, Any]) -> str:
    # JSON string escapes are valid TOML basic strings.
    lines = ["[[source]]"]
    for key, value in entry.items():
        lines.append(f"{key} = {json.dumps(str(value), ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def write_listing(folder: Path) -> None:
    """sources.toml: the synthetic sources and the authority tables, copied with their entries."""
    listing = tomllib.loads((REPO / "sources" / "sources.toml").read_text(encoding="utf-8"))
    authorities = [entry for entry in listing["source"] if entry["name"] in AUTHORITIES]
    entries: list[dict[str, Any]] = [
        {"name": "synthetic-works", "title": "Synthetic works for benchmarks",
         "file": "works.bib", "format": "bibtex", "license": LICENSE,
         "attribution": "bench/sources.py; nothing in it is real"},
        {"name": "synthetic-cases", "title": "Synthetic cases for benchmarks",
         "file": "cases.csv", "format": "cases-csv", "license": LICENSE,
         "attribution": "bench/sources.py; nothing in it is real"},
    ]
    for entry in authorities:
        target = folder / entry["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / "sources" / entry["file"], target)
        entries.append(entry)
    text = "# Synthetic sources written by bench/sources.py for benchmarks.\n\n"
    text += "\n".join(_toml_entry(entry) for entry in entries)
    (folder / "sources.toml").write_text(text, encoding="utf-8")


def write_sources(cases: int, folder: Path, seed: int = 2007) -> None:
    """Write the synthetic sources of `cases` cases in `folder` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_cases(folder / "cases.csv", cases, seed)
    write_works(folder / "works.bib", cases, seed)
    write_listing(folder)


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(f"build/bench/sources-{size}")
    write_sources(size, target)
    print(f"sources for {size:,} synthetic cases in {target}")

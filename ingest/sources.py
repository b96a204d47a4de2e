"""The list of sources (sources/sources.toml) and the reader for each format."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.readers.bibtex import read_bibtex
from ingest.readers.cases_csv import read_cases_csv
from ingest.readers.participedia_2017 import read_participedia_2017
from ingest.readers.participedia_2018 import read_participedia_2018
from ingest.readers.participedia_export import read_participedia_export
from ingest.records import ReadResult
from ontology.errors import InputError

Reader = Callable[[Path], ReadResult]
READERS: dict[str, Reader] = {
    "bibtex": read_bibtex,
    "cases-csv": read_cases_csv,
    # `file` may name the snapshot folder or any file in it.
    "participedia-2017": read_participedia_2017,
    "participedia-2018": read_participedia_2018,
    "participedia-export": read_participedia_export,
}
RDF_FORMATS = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml"}


@dataclass(frozen=True)
class Source:
    """One source file and the named graph it becomes."""

    name: str
    title: str
    path: Path
    format: str
    license: str
    attribution: str = ""


def load_sources(folder: Path) -> list[Source]:
    """Read `sources.toml` in `folder`; InputError naming the entry for anything wrong."""
    listing = folder / "sources.toml"
    try:
        data = tomllib.loads(listing.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read the source list: {exc}", file=str(listing)) from exc
    sources = []
    for index, entry in enumerate(data.get("source", []), start=1):
        record = str(entry.get("name", f"source {index}"))
        for key in ("name", "title", "file", "format", "license"):
            if not entry.get(key):
                raise InputError("missing key", file=str(listing), record=record, field=key)
        if entry["format"] not in READERS and entry["format"] not in RDF_FORMATS:
            raise InputError(
                f"unknown format; expected one of {sorted(READERS) + sorted(RDF_FORMATS)}",
                file=str(listing),
                record=record,
                field="format",
                value=entry["format"],
            )
        sources.append(
            Source(
                name=entry["name"],
                title=entry["title"],
                path=folder / entry["file"],
                format=entry["format"],
                license=entry["license"],
                attribution=entry.get("attribution", ""),
            )
        )
    names = [source.name for source in sources]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise InputError(f"duplicate source names {sorted(duplicates)}", file=str(listing))
    return sources


def source_digest(path: Path) -> str:
    """SHA-256 of a source file, or of every file under a source folder (names and bytes)."""
    if not path.is_dir():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    for item in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(item.relative_to(path)).encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(item.read_bytes()).digest())
    return digest.hexdigest()

"""Dump files made from the built artefact: gzipped N-Quads and Turtle, an open subset, checksums.

`write_dumps(artefact_dir, out_dir)` writes, atomically and reproducibly (gzip without a time
stamp, so the same artefact gives the same bytes and checksums):

- `coprod.nq.gz`: the artefact as it is (every named graph);
- `coprod.ttl.gz`: Turtle of the union of the graphs (graph names are lost, duplicates merge);
- `coprod-open.nq.gz`: the artefact without the graphs whose catalogue licence is
  non-commercial (a `dcterms:license` IRI with `by-nc` in it, e.g. Participedia's);
- `SHA256SUMS`: `sha256sum` lines for the three files.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from ingest.artefact import ARTEFACT, read_manifest
from ontology.errors import InputError
from ontology.namespaces import PREFIXES

FULL = "coprod.nq.gz"
TURTLE = "coprod.ttl.gz"
OPEN = "coprod-open.nq.gz"
SUMS = "SHA256SUMS"
LICENSE = "<http://purl.org/dc/terms/license>"
# Licence IRIs naming a non-commercial clause (Creative Commons `by-nc`, `by-nc-sa`, `by-nc-nd`).
NON_COMMERCIAL = "/by-nc"


def _split(line: str) -> tuple[str, str]:
    """(triple part, graph IRI) of one artefact line `s p o <g> .`."""
    body, _, graph = line.rstrip(" .\n").rpartition(" <")
    return body, graph.rstrip(">")


def non_commercial_graphs(lines: Iterable[str], catalog: str) -> set[str]:
    """Graphs whose catalogue entry names a non-commercial licence."""
    found: set[str] = set()
    for line in lines:
        body, graph = _split(line)
        if graph != catalog:
            continue
        subject, _, rest = body.partition(" ")
        predicate, _, obj = rest.partition(" ")
        if predicate == LICENSE and NON_COMMERCIAL in obj.lower():
            found.add(subject.strip("<>"))
    return found


def _write_gzip(path: Path, chunks: Iterable[bytes]) -> str:
    """Write `chunks` gzipped to `path` atomically; the sha256 of the written file."""
    tmp = path.with_name(path.name + ".tmp")
    # mtime=0 and no file name in the header: equal input gives equal bytes. Level 6 (zlib's
    # own default): 4x faster than gzip's 9 on the artefact, files about 14% larger.
    with tmp.open("wb") as raw, gzip.GzipFile(
        filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6
    ) as out:
        for chunk in chunks:
            out.write(chunk)
    os.replace(tmp, path)
    return sha256_of(path)


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _turtle(artefact: Path) -> bytes:
    """Turtle of the union of all graphs, triples sorted for stable output.

    The artefact's lines are deduplicated and sorted as text (the graph name cut off), then
    parsed in that order: sorting Python triple objects took three times as long.
    """
    with artefact.open(encoding="utf-8") as lines:
        triples = sorted({_split(line)[0] for line in lines})
    text = "".join(f"{triple} .\n" for triple in triples).encode("utf-8")
    buffer = io.BytesIO()
    ox.serialize(ox.parse(text, ox.RdfFormat.N_TRIPLES), buffer, ox.RdfFormat.TURTLE,
                 prefixes=PREFIXES)
    return buffer.getvalue()


def write_dumps(artefact_dir: Path, out_dir: Path) -> dict[str, str]:
    """Write the dump files and SHA256SUMS into `out_dir`; return file name -> sha256."""
    manifest = read_manifest(artefact_dir)
    if manifest is None:
        raise InputError("no built dataset here: run `coprod build` first", file=str(artefact_dir))
    artefact = artefact_dir / ARTEFACT
    out_dir.mkdir(parents=True, exist_ok=True)
    catalog = f"{manifest.base}graph/catalog"
    with artefact.open(encoding="utf-8") as lines:
        closed = non_commercial_graphs(lines, catalog)

    def full() -> Iterable[bytes]:
        with artefact.open("rb") as data:
            yield from iter(lambda: data.read(1 << 20), b"")

    def open_lines() -> Iterable[bytes]:
        with artefact.open(encoding="utf-8") as lines:
            for line in lines:
                if _split(line)[1] not in closed:
                    yield line.encode("utf-8")

    sums = {
        FULL: _write_gzip(out_dir / FULL, full()),
        TURTLE: _write_gzip(out_dir / TURTLE, [_turtle(artefact)]),
        OPEN: _write_gzip(out_dir / OPEN, open_lines()),
    }
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    tmp = out_dir / (SUMS + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out_dir / SUMS)
    return sums


def read_sums(out_dir: Path) -> dict[str, str]:
    """File name -> sha256 from `out_dir/SHA256SUMS` ({} when there are no dumps)."""
    path = out_dir / SUMS
    if not path.exists():
        return {}
    sums: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if digest and name:
            sums[name.strip()] = digest.strip()
    return sums

"""Small text helpers shared by readers: decoding, DOIs, years, lists."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from ontology.errors import InputError

MAX_FILE_BYTES = 50 * 1024 * 1024
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def read_text(path: Path, *, limit: int = MAX_FILE_BYTES) -> str:
    """Read a UTF-8 file (BOM stripped); InputError naming the file when that is not possible."""
    size = path.stat().st_size
    if size > limit:
        raise InputError(
            f"file is {size:,} bytes, above the limit of {limit:,} bytes", file=str(path)
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid UTF-8 at byte {exc.start}: save the file as UTF-8",
            file=str(path),
            line=line,
        ) from exc
    if "\x00" in text:
        raise InputError("file contains NUL bytes: not a text file", file=str(path))
    return text


def normalise_doi(value: str) -> str:
    """Bare DOI form '10.xxxx/...' from a DOI, 'doi:' or resolver URL; ValueError otherwise."""
    doi = _DOI_PREFIX.sub("", value.strip())
    if not DOI_PATTERN.match(doi):
        raise ValueError("expected a DOI of the form 10.NNNN/suffix")
    return doi.lower()


def parse_year(value: str) -> int:
    """A four-digit year not after this year; ValueError otherwise."""
    text = value.strip()
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError("expected a four-digit year")
    year = int(text)
    if year > date.today().year:
        raise ValueError(f"year {year} is in the future")
    return year


def split_list(value: str, sep: str | None = None) -> list[str]:
    """Split on `sep` (whitespace when None) and drop empty items."""
    parts = value.split(sep) if sep else value.split()
    return [part.strip() for part in parts if part.strip()]

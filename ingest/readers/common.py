"""Helpers shared by the cataloguing and Participedia readers.

File-level checks (size limit, UTF-8, BOM, NUL bytes) come from `ingest.text.read_text`; this
module adds JSON and CSV loading that turn a broken file into one problem, and value checks
(dates, DOIs, coordinates, formula-like text, e-mail addresses) that return problems instead of
raising.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from ingest.records import Origin, Person
from ingest.text import MAX_FILE_BYTES, normalise_doi, read_text
from ontology.errors import InputError

# Participedia bodies run to tens of kilobytes; the file size limit still bounds memory.
csv.field_size_limit(MAX_FILE_BYTES)

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_DMS = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*°\s*(?:(\d+(?:\.\d+)?)\s*'\s*)?(?:(\d+(?:\.\d+)?)\s*\"\s*)?([NSEW])\s*$"
)
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_STOP_WORDS = {"a", "an", "the", "on", "of", "in", "and", "for", "to", "from", "with"}
EMAIL_REMOVED = "[e-mail removed]"


def load_text(path: Path, problems: list[InputError], limit: int = MAX_FILE_BYTES) -> str | None:
    """The file's text, or None after adding one problem for the file."""
    try:
        return read_text(path, limit=limit)
    except InputError as exc:
        problems.append(exc)
        return None
    except OSError as exc:
        problems.append(InputError(f"cannot open the file: {exc.strerror}", file=str(path)))
        return None


def load_json(path: Path, problems: list[InputError], limit: int = MAX_FILE_BYTES) -> object:
    """Parsed JSON, or None after adding one problem for the file."""
    text = load_text(path, problems, limit)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(
            InputError(
                f"not valid JSON at column {exc.colno} ({exc.msg}): the file may be truncated",
                file=str(path),
                line=exc.lineno,
            )
        )
        return None
    except RecursionError:
        problems.append(InputError("JSON nested too deeply to read", file=str(path)))
        return None


def csv_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(first line, row) for each data row of a CSV text with a header; csv.Error propagates."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return
    header = [name.strip() for name in header]
    line = reader.line_num + 1
    for values in reader:
        if values:
            row = dict(zip(header, values, strict=False))
            if len(values) > len(header):
                row["_unnamed"] = ",".join(values[len(header) :])
            yield line, row
        line = reader.line_num + 1


def read_csv(path: Path, problems: list[InputError]) -> list[tuple[int, dict[str, str]]] | None:
    """All rows of a CSV file with their line numbers, or None after one problem for the file."""
    text = load_text(path, problems)
    if text is None:
        return None
    try:
        return list(csv_rows(text))
    except csv.Error as exc:
        problems.append(InputError(f"not a readable CSV file: {exc}", file=str(path)))
        return None


def problem(
    origin: Origin, field: str | None, value: object, message: str, line: int | None = None
) -> InputError:
    """An InputError naming the origin's file, record and line, and the field and value."""
    return InputError(
        message,
        file=origin.file,
        record=origin.record,
        field=field,
        value=None if value is None else str(value)[:200],
        line=line if line is not None else origin.line,
    )


def clean(value: object) -> str:
    """A value as one line of text: HTML entities decoded, runs of white space collapsed."""
    if value is None:
        return ""
    return _SPACE.sub(" ", html.unescape(str(value))).strip()


def strip_tags(value: str) -> str:
    """Text without markup (JATS or HTML tags), entities decoded, spaces collapsed."""
    return clean(_TAG.sub(" ", value))


def scrub_emails(value: str) -> str:
    """The text with every e-mail address replaced: coprod keeps no personal contact data."""
    return _EMAIL.sub(EMAIL_REMOVED, value)


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet would treat the text as a formula (and it is not a number)."""
    text = value.lstrip(" ")
    if not text or text[0] not in "=+-@\t\r":
        return False
    return not _NUMBER.match(text.strip())


def check_doi(
    value: str, origin: Origin, field: str, problems: list[InputError], line: int | None = None
) -> str | None:
    """The bare lower-case DOI, or None after a problem naming the field."""
    try:
        return normalise_doi(value).lower()
    except ValueError as exc:
        problems.append(problem(origin, field, value, str(exc), line))
        return None


def check_year(
    value: object,
    origin: Origin,
    field: str,
    problems: list[InputError],
    line: int | None = None,
    text: str | None = None,
) -> int | None:
    """A year from 1000 up to next year, or None after a problem naming the field.

    `text` is the whole value as given (e.g. '2007/09/19/'), named in the problem.
    """
    year = str(value).strip()
    if re.fullmatch(r"\d{4}", year) and 1000 <= int(year) <= date.today().year + 1:
        return int(year)
    shown = value if text is None else text
    problems.append(
        problem(origin, field, shown, "expected a 4-digit year, not in the future", line)
    )
    return None


def check_date(value: str, origin: Origin, field: str, problems: list[InputError]) -> str | None:
    """The ISO date part (YYYY-MM-DD) of a date or date-time, or None after a problem."""
    text = value.strip()
    if not text:
        return None
    match = _ISO_DATE.match(text)
    if not match:
        problems.append(problem(origin, field, value, "expected an ISO date YYYY-MM-DD"))
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        problems.append(problem(origin, field, value, "no such date in the calendar"))
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def check_coordinate(
    value: object, axis: str, origin: Origin, field: str, problems: list[InputError]
) -> float | None:
    """Decimal degrees from a number or a DMS string like 53° 43' 36" N.

    Participedia writes 0° 0' 0" for "no location", so an exact zero reads as missing.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    limit = 90.0 if axis == "latitude" else 180.0
    degrees: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        degrees = float(value)
    else:
        text = str(value).strip()
        if _NUMBER.match(text):
            degrees = float(text)
        else:
            match = _DMS.match(text)
            if match:
                deg, minutes, seconds, hemisphere = match.groups()
                degrees = float(deg) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
                if hemisphere in "SW":
                    degrees = -degrees
    if degrees is None or not math.isfinite(degrees) or abs(degrees) > limit:
        problems.append(
            problem(origin, field, value, f"expected a {axis} in degrees within ±{limit:g}")
        )
        return None
    return None if degrees == 0.0 else round(degrees, 7)


def make_key(family: str, year: int | None, title: str) -> str:
    """A BibTeX-style key: family, year, first significant title word ('bovaird2007beyond')."""
    words = [_ascii(word) for word in re.split(r"[^\w]+", title)]
    first = next((word for word in words if word and word not in _STOP_WORDS), "")
    return f"{_ascii(family)}{year or ''}{first}"


def first_family(*groups: list[Person]) -> str:
    """The family name of the first author, else of the first editor; '' when none."""
    for people in groups:
        if people:
            return people[0].family
    return ""


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def unique_key(key: str, seen: set[str]) -> str:
    """The key, or the key with a, b, c ... appended when an earlier record took it."""
    if key not in seen:
        return key
    for suffix in "abcdefghijklmnopqrstuvwxyz":
        if key + suffix not in seen:
            return key + suffix
    return f"{key}-{len(seen)}"


def formula_fields(values: dict[str, str | None]) -> list[str]:
    """Names of the fields whose text a spreadsheet would run as a formula."""
    return [name for name, value in values.items() if value and looks_like_formula(value)]


def split_pages(value: str) -> tuple[str | None, str | None]:
    """('846', '860') from '846-860' (hyphen or dash); a single page gives (page, None)."""
    parts = [part.strip() for part in re.split(r"[-\u2013\u2014]+", value) if part.strip()]
    if not parts:
        return None, None
    return parts[0], parts[1] if len(parts) > 1 else None


def is_isbn(value: str) -> bool:
    """True for a 10- or 13-character ISBN once hyphens and spaces are removed."""
    digits = re.sub(r"[\s-]", "", value)
    return bool(re.fullmatch(r"\d{9}[\dXx]|\d{13}", digits))

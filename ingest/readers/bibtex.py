"""BibTeX reader: entries -> WorkRecord, with every problem named by file, line, key and field."""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import convert_to_unicode

from ingest.records import Confirmation, Origin, Person, ReadResult, WorkRecord
from ingest.text import normalise_doi, parse_year, read_text, split_list
from ontology.errors import InputError

KINDS = {
    "article": "article",
    "book": "book",
    "incollection": "chapter",
    "inbook": "chapter",
    "techreport": "report",
    "report": "report",
    "unpublished": "report",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "inproceedings": "paper",
    "misc": "other",
}
_ENTRY_START = re.compile(r"^\s*@(\w+)\s*[{(]\s*([^,\s]+)\s*,", re.MULTILINE)
_NOT_ENTRIES = {"comment", "string", "preamble"}


def read_bibtex(path: Path) -> ReadResult:
    """Read a .bib file; entries that fail to parse or validate become problems."""
    result = ReadResult()
    try:
        text = read_text(path)
    except InputError as exc:
        result.problems.append(exc)
        return result
    lines = _entry_lines(text)
    parser = BibTexParser(common_strings=True)
    parser.ignore_nonstandard_types = False
    parser.homogenize_fields = False
    try:
        database = bibtexparser.loads(text, parser)
    except Exception as exc:  # bibtexparser raises bare pyparsing errors
        result.problems.append(InputError(f"the file is not valid BibTeX: {exc}", file=str(path)))
        return result
    seen: set[str] = set()
    for entry in database.entries:
        key = entry.get("ID", "")
        origin = Origin(str(path), key, lines.get(key))
        if key in seen:
            result.problems.append(
                _problem(origin, "ID", key, "duplicate key: each entry needs its own key")
            )
            continue
        seen.add(key)
        record = entry_to_record(convert_to_unicode(dict(entry)), origin, result.problems)
        if record is not None:
            result.records.append(record)
    for key, line in lines.items():
        if key not in seen:
            result.problems.append(
                InputError(
                    "entry could not be parsed: check its braces and commas",
                    file=str(path),
                    record=key,
                    line=line,
                )
            )
    return result


def _entry_lines(text: str) -> dict[str, int]:
    """The line each entry starts on, by key (newlines counted once, entry to entry)."""
    lines: dict[str, int] = {}
    line, counted = 1, 0
    for match in _ENTRY_START.finditer(text):
        at = match.start(1) - 1  # the "@" (the match may begin on blank lines before it)
        line += text.count("\n", counted, at)
        counted = at
        if match.group(1).lower() not in _NOT_ENTRIES:
            lines.setdefault(match.group(2), line)
    return lines


def _problem(origin: Origin, field: str, value: str | None, message: str) -> InputError:
    return InputError(
        message, file=origin.file, record=origin.record, field=field, value=value, line=origin.line
    )


def _clean(value: str) -> str:
    return re.sub(r"\s+", " ", value.replace("{", "").replace("}", "")).strip()


def _people(value: str) -> list[Person]:
    """BibTeX names: 'Family, Given' or 'Given Family'; '{Body Name}' is one corporate name;
    a trailing 'others' (et al.) is dropped."""
    people = []
    for raw in re.split(r"\s+and\s+", value.strip()):
        raw = raw.strip()
        if not raw or raw.lower() == "others":
            continue
        if raw.startswith("{") and raw.endswith("}") and "," not in raw:
            people.append(Person(family=_clean(raw)))
            continue
        name = _clean(raw)
        if "," in name:
            family, given = (part.strip() for part in name.split(",", 1))
        else:
            parts = name.rsplit(" ", 1)
            given, family = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
        people.append(Person(family=family, given=given))
    return people


def entry_to_record(
    entry: dict[str, str], origin: Origin, problems: list[InputError]
) -> WorkRecord | None:
    kind = KINDS.get(entry.get("ENTRYTYPE", "").lower())
    errors_before = len(problems)
    if kind is None:
        problems.append(_problem(origin, "ENTRYTYPE", entry.get("ENTRYTYPE"), "unknown entry type"))
    title = _clean(entry.get("title", ""))
    if not title:
        problems.append(_problem(origin, "title", None, "missing title"))
    year = None
    if entry.get("year"):
        try:
            year = parse_year(entry["year"])
        except ValueError as exc:
            problems.append(_problem(origin, "year", entry["year"], str(exc)))
    doi = None
    if entry.get("doi"):
        try:
            doi = normalise_doi(entry["doi"])
        except ValueError as exc:
            problems.append(_problem(origin, "doi", entry["doi"], str(exc)))
    status = Confirmation.UNCONFIRMED
    if entry.get("status"):
        try:
            status = Confirmation(entry["status"].strip().lower())
        except ValueError:
            problems.append(
                _problem(
                    origin, "status", entry["status"], "expected confirmed, partly or unconfirmed"
                )
            )
    if len(problems) > errors_before or kind is None:
        return None
    page_start, page_end = _pages(entry.get("pages", ""))
    venue = entry.get("journal") or entry.get("booktitle")
    return WorkRecord(
        key=origin.record,
        kind=kind,
        title=title,
        origin=origin,
        authors=_people(entry.get("author", "")),
        editors=_people(entry.get("editor", "")),
        year=year,
        venue=_clean(venue) if venue else None,
        volume=_clean(entry["volume"]) if entry.get("volume") else None,
        issue=_clean(entry["number"]) if entry.get("number") else None,
        page_start=page_start,
        page_end=page_end,
        doi=doi,
        isbn=_clean(entry["isbn"]) if entry.get("isbn") else None,
        publisher=_clean(entry.get("publisher") or entry.get("institution") or "") or None,
        abstract=_clean(entry["abstract"]) if entry.get("abstract") else None,
        sources=split_list(entry.get("sources", "")),
        status=status,
        unverified=split_list(entry.get("unverified", ""), ","),
        editorial_note=_clean(entry["editorialnote"]) if entry.get("editorialnote") else None,
    )


def _pages(value: str) -> tuple[str | None, str | None]:
    parts = [part for part in re.split(r"[-\u2013\u2014]+", _clean(value)) if part]
    if not parts:
        return None, None
    return parts[0], parts[1] if len(parts) > 1 else None

"""BibTeX reader: entries -> WorkRecord, with every problem named by file, line, key and field."""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, Field, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text

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
_ENTRY_START = re.compile(r"^\s*@(\w+)\s*[{(]\s*([^,\s]+)\s*,")
# BibTeX's predefined month macros (`month = jan`).
MONTHS = {m[:3].lower(): m for m in (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December")}
NAME_FIELDS = ("author", "editor")  # braces kept: `{World Health Organization}` is one name
VERBATIM_FIELDS = ("doi", "url", "sources", "unverified", "isbn", "file")  # no LaTeX in these
_LATEX = LatexNodes2Text()
# The splitter logs each block it gives up on; read_bibtex reports those itself, by line.
logging.getLogger("bibtexparser").setLevel(logging.ERROR)


def read_bibtex(path: Path) -> ReadResult:
    """Read a .bib file; entries that fail to parse or validate become problems.

    bibtexparser 2 splits the file, resolves `@string` names and strips the outer braces;
    concatenations (`pa # { Review}`) and month names are resolved here, LaTeX accents turned
    into Unicode. A block it cannot read is a problem on its own line; the rest still load.
    """
    result = ReadResult()
    try:
        text = read_text(path)
    except InputError as exc:
        result.problems.append(exc)
        return result
    try:
        library = bibtexparser.parse_string(text)
    except Exception as exc:  # the splitter reports through failed blocks; this is a backstop
        result.problems.append(InputError(f"the file is not valid BibTeX: {exc}", file=str(path)))
        return result
    strings = {s.key.lower(): str(s.value) for s in library.strings}
    for block in library.blocks:
        line = block.start_line + 1 if block.start_line is not None else None
        if isinstance(block, Entry):
            origin = Origin(str(path), block.key, line)
            record = entry_to_record(_fields(block, strings), origin, result.problems)
            if record is not None:
                result.records.append(record)
        elif isinstance(block, DuplicateBlockKeyBlock):
            origin = Origin(str(path), block.key, line)
            result.problems.append(
                _problem(origin, "ID", block.key, "duplicate key: each entry needs its own key")
            )
        elif isinstance(block, ParsingFailedBlock):
            found = _ENTRY_START.match(block.raw or "")
            result.problems.append(
                InputError(
                    "entry could not be parsed: check its braces and commas",
                    file=str(path),
                    record=found.group(2) if found else None,
                    line=line,
                )
            )
    return result


def _fields(entry: Entry, strings: dict[str, str]) -> dict[str, str]:
    """The entry as a dict: ENTRYTYPE, ID and each field by its lower-case name, in Unicode."""
    fields = {"ENTRYTYPE": entry.entry_type.lower(), "ID": entry.key}
    for field in entry.fields:
        name = field.key.lower()
        value = _value(field, strings)
        if name in VERBATIM_FIELDS:
            fields[name] = unicodedata.normalize("NFC", value.replace("{", "").replace("}", ""))
        elif name in NAME_FIELDS:
            fields[name] = " and ".join(_name(n) for n in re.split(r"\s+and\s+", value.strip()))
        else:
            fields[name] = _unicode(value, keep_braces=False)
    return fields


def _name(name: str) -> str:
    """One name in Unicode; a name in its own braces keeps them (one corporate name)."""
    if len(name) > 1 and name[0] == "{" and name[-1] == "}" and "," not in name:
        return "{" + _unicode(name[1:-1], keep_braces=True) + "}"
    return _unicode(name, keep_braces=True)


def _value(field: Field, strings: dict[str, str]) -> str:
    """A field's text; an unenclosed value is a concatenation of parts joined by `#`."""
    value = str(field.value)
    if field.enclosing != "no-enclosing":
        return value
    return "".join(_part(part.strip(), strings) for part in _split_concatenation(value))


def _split_concatenation(value: str) -> list[str]:
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == '"' and depth == 0 and (i == 0 or value[i - 1] != "\\"):
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return parts


def _part(part: str, strings: dict[str, str]) -> str:
    if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
        return part[1:-1]
    name = part.lower()
    return strings.get(name) or MONTHS.get(name) or part


def _unicode(value: str, keep_braces: bool) -> str:
    """LaTeX accents and symbols as Unicode (NFC); grouping braces dropped unless kept."""
    if "\\" in value:
        value = _LATEX.latex_to_text(value)
    if not keep_braces:
        value = value.replace("{", "").replace("}", "")
    return unicodedata.normalize("NFC", value)


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

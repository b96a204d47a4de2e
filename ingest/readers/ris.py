"""RIS reader (`TY  - JOUR` ... `ER  -`): records -> CatalogueWork; problems by file, line, tag."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.readers.common import (
    check_doi,
    check_year,
    clean,
    first_family,
    formula_fields,
    is_isbn,
    load_text,
    make_key,
    problem,
    split_pages,
    unique_key,
)
from ingest.records import CatalogueWork, Origin, Person, ReadResult
from ontology.errors import InputError

KINDS = {
    "JOUR": "article",
    "JFULL": "article",
    "EJOUR": "article",
    "MGZN": "article",
    "NEWS": "article",
    "ABST": "article",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "chapter",
    "ECHAP": "chapter",
    "RPRT": "report",
    "GOVDOC": "report",
    "THES": "thesis",
    "CONF": "paper",
    "CPAPER": "paper",
    "UNPB": "report",
    "GEN": "other",
    "ELEC": "other",
    "DATA": "other",
}
# RIS lets several tags carry the same thing; the first tag listed wins, the rest go to extra.
_TITLE = ("TI", "T1")
_VENUE = ("T2", "JF", "JO", "JA", "J2")
_YEAR = ("PY", "Y1")
_AUTHOR = ("AU", "A1")
_ABSTRACT = ("AB", "N2")
_URL = ("UR", "L1", "L2", "LK")
_MODELLED = {"TY", "ER", "ID", "ED", "VL", "IS", "SP", "EP", "DO", "SN", "PB", "N1", "KW"}
_LINE = re.compile(r"^([A-Z][A-Z0-9])\s{1,2}-(?: (.*)|\s*)$")


@dataclass
class _Raw:
    """The tags of one RIS record with the line of each value."""

    line: int
    tags: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def add(self, tag: str, value: str, line: int) -> None:
        self.tags.setdefault(tag, []).append((value, line))

    def first(self, *tags: str) -> tuple[str, int] | None:
        for tag in tags:
            for value, line in self.tags.get(tag, []):
                if value.strip():
                    return value.strip(), line
        return None

    def text(self, *tags: str) -> str | None:
        pair = self.first(*tags)
        return clean(pair[0]) or None if pair else None

    def values(self, *tags: str) -> list[str]:
        return [v.strip() for tag in tags for v, _ in self.tags.get(tag, []) if v.strip()]


def read_ris(path: Path) -> ReadResult:
    """Read a RIS file; each record that fails to validate becomes problems, the rest still read."""
    result = ReadResult()
    text = load_text(path, result.problems)
    if text is None:
        return result
    raws = _split(text, str(path), result.problems)
    seen: set[str] = set()
    for index, raw in enumerate(raws, start=1):
        record = _to_work(raw, index, str(path), seen, result.problems)
        if record is not None:
            seen.add(record.key)
            result.records.append(record)
    return result


def _split(text: str, file: str, problems: list[InputError]) -> list[_Raw]:
    """Group lines into records; text outside records and unclosed records become problems."""
    raws: list[_Raw] = []
    current: _Raw | None = None
    last_tag: str | None = None
    stray_reported = False
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.match(line)
        if match:
            tag, value = match.group(1), match.group(2) or ""
            if tag == "TY":
                if current is not None:
                    problems.append(
                        InputError(
                            "record has no 'ER  -' line before the next 'TY  -'; it was skipped",
                            file=file,
                            record=f"#{len(raws) + 1}",
                            line=current.line,
                        )
                    )
                current = _Raw(number)
                current.add(tag, value, number)
                stray_reported = False  # report stray text again after this record
                last_tag = tag
            elif current is None:
                if not stray_reported:
                    problems.append(
                        InputError(
                            f"tag {tag} outside a record: each record starts with 'TY  -'",
                            file=file,
                            field=tag,
                            line=number,
                        )
                    )
                    stray_reported = True
            elif tag == "ER":
                raws.append(current)
                current, last_tag = None, None
            else:
                current.add(tag, value, number)
                last_tag = tag
        elif line.strip():
            if current is not None and last_tag is not None:
                # Some exporters wrap long abstracts onto untagged lines.
                values = current.tags[last_tag]
                value, first_line = values[-1]
                values[-1] = (f"{value} {line.strip()}", first_line)
            elif not stray_reported:
                problems.append(
                    InputError(
                        "text outside a record: is this a RIS file (lines like 'TY  - JOUR')?",
                        file=file,
                        value=line[:80],
                        line=number,
                    )
                )
                stray_reported = True
    if current is not None:
        problems.append(
            InputError(
                "record is not closed by 'ER  -' (file truncated?); it was skipped",
                file=file,
                record=f"#{len(raws) + 1}",
                line=current.line,
            )
        )
    return raws


def _person(value: str) -> Person | None:
    name = clean(value)
    if not name:
        return None
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        given = given.split(",", 1)[0].strip()  # drop a suffix after a second comma
    else:
        parts = name.rsplit(" ", 1)
        given, family = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
    return Person(family=family, given=given) if family else None


def _to_work(
    raw: _Raw, index: int, file: str, seen: set[str], problems: list[InputError]
) -> CatalogueWork | None:
    given_id = raw.first("ID")
    origin = Origin(file, given_id[0] if given_id else f"#{index}", raw.line)
    before = len(problems)
    type_value = (raw.first("TY") or ("", raw.line))[0].upper()
    kind = KINDS.get(type_value)
    if kind is None:
        message = "missing type" if not type_value else "unknown RIS type"
        problems.append(
            problem(origin, "TY", type_value, f"{message}: use JOUR, BOOK, CHAP, RPRT, ...")
        )
    title_pair = raw.first(*_TITLE)
    title = clean(title_pair[0]) if title_pair else ""
    if not title:
        problems.append(problem(origin, "TI", None, "missing title (TI or T1)"))
    year = None
    year_pair = raw.first(*_YEAR)
    if year_pair:
        year = check_year(
            year_pair[0].split("/")[0], origin, "PY", problems, year_pair[1], year_pair[0]
        )
    doi = None
    doi_pair = raw.first("DO")
    if doi_pair:
        doi = check_doi(doi_pair[0], origin, "DO", problems, doi_pair[1])
    authors = [p for p in (_person(v) for v in raw.values(*_AUTHOR)) if p]
    editors = [p for p in (_person(v) for v in raw.values("ED")) if p]
    if given_id and given_id[0] in seen:
        problems.append(
            problem(
                origin, "ID", given_id[0], "duplicate ID: each record needs its own ID", given_id[1]
            )
        )
    if len(problems) > before:
        return None
    key = (
        given_id[0]
        if given_id
        else unique_key(
            make_key(first_family(authors, editors), year, title) or f"ris{index}", seen
        )
    )
    origin = Origin(file, key, raw.line)
    page_start, page_end = split_pages(raw.text("SP") or "")
    page_end = raw.text("EP") or page_end
    serial = raw.first("SN")
    isbn = clean(serial[0]) if serial and is_isbn(serial[0]) else None
    work = CatalogueWork(
        key=key,
        kind=kind or "other",
        title=title,
        origin=origin,
        authors=authors,
        editors=editors,
        year=year,
        venue=raw.text(*_VENUE),
        volume=raw.text("VL"),
        issue=raw.text("IS"),
        page_start=page_start,
        page_end=page_end,
        doi=doi,
        isbn=isbn,
        publisher=raw.text("PB"),
        abstract=raw.text(*_ABSTRACT),
        keywords=[clean(v) for v in raw.values("KW")],
        urls=[clean(v) for v in raw.values(*_URL)],
        notes=[clean(v) for v in raw.values("N1")],
        extra=_extra(raw, isbn is None),
    )
    work.formula_fields = formula_fields(
        {"TI": work.title, "T2": work.venue, "PB": work.publisher, "AB": work.abstract}
    )
    return work


def _extra(raw: _Raw, keep_serial: bool) -> dict[str, str]:
    """Every tag coprod does not model, plus the values that lost to a preferred tag."""
    extra: dict[str, str] = {}
    used = {raw.first(*group) for group in (_TITLE, _VENUE, _YEAR, _ABSTRACT)}
    for tag, values in raw.tags.items():
        modelled = tag in _MODELLED and not (tag == "SN" and keep_serial)
        if modelled or tag in _AUTHOR or tag in _URL:
            continue
        kept = [value.strip() for value, line in values if (value.strip(), line) not in used]
        kept = [value for value in kept if value]
        if kept:
            extra[tag] = "\n".join(kept)
    return extra

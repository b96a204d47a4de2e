"""coprod's case CSV template: one case per row; problems name file, line, id and column."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TypeVar

from ingest.records import CaseRecord, Confirmation, Origin, ReadResult, WhoDelivers, WhoPlans
from ingest.text import parse_year, read_text, split_list
from ontology.errors import InputError

COLUMNS = [
    "id",
    "name",
    "description",
    "place",
    "country",
    "start_year",
    "service_area",
    "who_plans",
    "who_delivers",
    "discussed_in",
    "sources",
    "status",
    "unverified",
    "editorial_note",
]
REQUIRED = ("id", "name")
E = TypeVar("E", bound=Enum)
_COUNTRY = re.compile(r"^[A-Z]{3}$")
_COFOG = re.compile(r"^\d{2}(\.\d(\.\d)?)?$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def template() -> str:
    """The blank template a cataloguer fills in: the header row only."""
    return ",".join(COLUMNS) + "\n"


def read_cases_csv(path: Path) -> ReadResult:
    """Read a case CSV; a bad row becomes problems and the other rows still read."""
    result = ReadResult()
    try:
        text = read_text(path)
    except InputError as exc:
        result.problems.append(exc)
        return result
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = list(reader.fieldnames or [])
    except csv.Error as exc:
        result.problems.append(InputError(f"malformed CSV header: {exc}", file=str(path), line=1))
        return result
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in header]
    if unknown or missing:
        detail = "; ".join(
            part
            for part in (
                f"unknown columns {unknown}" if unknown else "",
                f"missing columns {missing}" if missing else "",
            )
            if part
        )
        result.problems.append(InputError(f"{detail}; expected {COLUMNS}", file=str(path), line=1))
        return result
    seen: set[str] = set()
    try:
        for row in reader:
            read_row(path, reader.line_num, row, seen, result)
    except csv.Error as exc:
        result.problems.append(
            InputError(f"malformed CSV: {exc}", file=str(path), line=reader.line_num)
        )
    return result


def read_row(
    path: Path, line: int, row: dict[str, str | None], seen: set[str], result: ReadResult
) -> None:
    if None in row:
        result.problems.append(
            InputError("row has more cells than the header", file=str(path), line=line)
        )
        return
    cells = {key: (value or "").strip() for key, value in row.items()}
    case_id = cells.get("id", "")
    origin = Origin(str(path), case_id or f"row {line}", line)
    problems: list[InputError] = []

    def problem(field: str, message: str) -> None:
        problems.append(
            InputError(
                message,
                file=origin.file,
                record=origin.record,
                field=field,
                value=cells.get(field),
                line=line,
            )
        )

    if not case_id:
        problem("id", "missing id")
    elif not _ID.match(case_id):
        problem("id", "use lower-case letters, digits and hyphens")
    elif case_id in seen:
        problem("id", "duplicate id: each case needs its own id")
    if not cells.get("name"):
        problem("name", "missing name")
    year = None
    if cells.get("start_year"):
        try:
            year = parse_year(cells["start_year"])
        except ValueError as exc:
            problem("start_year", str(exc))
    if cells.get("country") and not _COUNTRY.match(cells["country"]):
        problem("country", "expected an ISO 3166 alpha-3 code such as GBR")
    if cells.get("service_area") and not _COFOG.match(cells["service_area"]):
        problem("service_area", "expected a COFOG code such as 07 or 07.2")
    plans = _enum(WhoPlans, cells.get("who_plans", ""), "who_plans", problem)
    delivers = _enum(WhoDelivers, cells.get("who_delivers", ""), "who_delivers", problem)
    status = _enum(Confirmation, cells.get("status", ""), "status", problem)
    if problems:
        result.problems.extend(problems)
        return
    seen.add(case_id)
    result.records.append(
        CaseRecord(
            id=case_id,
            name=cells["name"],
            origin=origin,
            description=cells.get("description") or None,
            place=cells.get("place") or None,
            country=cells.get("country") or None,
            start_year=year,
            service_area=cells.get("service_area") or None,
            who_plans=plans,
            who_delivers=delivers,
            discussed_in=split_list(cells.get("discussed_in", ""), ";"),
            sources=split_list(cells.get("sources", "")),
            status=status or Confirmation.UNCONFIRMED,
            unverified=split_list(cells.get("unverified", ""), ","),
            editorial_note=cells.get("editorial_note") or None,
        )
    )


def _enum(kind: type[E], value: str, field: str, problem: Callable[[str, str], None]) -> E | None:
    if not value:
        return None
    try:
        return kind(value.lower())
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        problem(field, f"expected one of: {allowed}")
        return None

"""Participedia's 2016/17 relational snapshot (one CSV per table) -> cases, methods, orgs.

Each entity table is joined with its `*__localized_texts.csv` (title; the body in this snapshot
is cut at 40 characters and is kept in `extra`), its `*__tags.csv`, and for cases and
organisations `geolocation.csv` (through the `location` column). Values are English labels
with HTML entities; they are unescaped, and matched back to vocabulary keys where the
vocabulary has the label. Country names are kept as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.readers.common import check_coordinate, check_date, clean, problem, read_csv
from ingest.readers.participedia import (
    Vocabulary,
    add_entry,
    default_vocabulary,
    read_vocabulary,
)
from ingest.records import (
    Origin,
    ParticipediaCase,
    ParticipediaEntry,
    ParticipediaMethod,
    ParticipediaOrganisation,
    ReadResult,
)
from ontology.errors import InputError

# Old single-select columns renamed to the field of today's export they correspond to.
RENAMED = {
    "issue": "general_issues",
    "specific_topic": "specific_topics",
    "decision_method": "decision_methods",
}


@dataclass(frozen=True)
class _Table:
    """One entity table and how it joins to the others."""

    file: str
    texts: str
    tags: str
    id_column: str
    entry_type: type[ParticipediaEntry]
    coded: tuple[str, ...]


TABLES = (
    _Table(
        "cases.csv",
        "case__localized_texts.csv",
        "case__tags.csv",
        "case_id",
        ParticipediaCase,
        (
            "issue",
            "specific_topic",
            "kind_of_influence",
            "participant_selection",
            "decision_method",
            "voting",
            "facilitated",
            "facetoface_online_or_both",
            "communication_mode",
            "communication_with_audience",
            "targeted_audience",
            "targeted_participant_demographic",
            "targeted_participants_public_role",
            "type_of_funding_entity",
            "typical_implementing_entity",
            "typical_sponsoring_entity",
        ),
    ),
    _Table(
        "methods.csv",
        "method__localized_texts.csv",
        "method__tags.csv",
        "method_id",
        ParticipediaMethod,
        (
            "best_for",
            "communication_mode",
            "decision_method",
            "facilitated",
            "governance_contribution",
            "issue_interdependency",
            "issue_polarization",
            "issue_technical_complexity",
            "kind_of_influence",
            "method_of_interaction",
            "public_interaction_method",
            "typical_funding_source",
            "typical_sponsoring_entity",
        ),
    ),
    _Table(
        "organizations.csv",
        "organization__localized_texts.csv",
        "organization__tags.csv",
        "organization_id",
        ParticipediaOrganisation,
        ("issue", "sector"),
    ),
)
_GEO_FIELDS = ("country", "province", "city", "latitude", "longitude")
_MODELLED = {"id", "location", "content_country", "start_date", "end_date"}


def read_participedia_2017(path: Path, vocabulary: Path | None = None) -> ReadResult:
    """Read the 2017 snapshot folder (or any file in it): all cases, methods and organisations.

    `vocabulary` defaults to the `participedia-vocabulary` folder beside the snapshot's folder.
    """
    folder = path if path.is_dir() else path.parent
    result = ReadResult()
    vocab = read_vocabulary(vocabulary or default_vocabulary(folder), result.problems)
    geo = _index(folder / "geolocation.csv", "id", result.problems)
    seen: set[tuple[str, str]] = set()
    for table in TABLES:
        rows = read_csv(folder / table.file, result.problems)
        if rows is None:
            continue
        texts = _index(folder / table.texts, table.id_column, result.problems)
        tags = _tags(folder / table.tags, table.id_column, result.problems)
        for line, row in rows:
            entry = _entry(
                table, folder / table.file, line, row, texts, tags, geo, vocab, result.problems
            )
            if entry is not None:
                add_entry(entry, result.records, seen, result.problems)
    return result


def _index(path: Path, column: str, problems: list[InputError]) -> dict[str, dict[str, str]]:
    """Rows of a joined table by id (the first row wins)."""
    index: dict[str, dict[str, str]] = {}
    for _, row in read_csv(path, problems) or []:
        index.setdefault(row.get(column, "").strip(), row)
    return index


def _tags(path: Path, column: str, problems: list[InputError]) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for _, row in read_csv(path, problems) or []:
        tag = clean(row.get("tag"))
        if tag:
            tags.setdefault(row.get(column, "").strip(), []).append(tag)
    return tags


def _entry(
    table: _Table,
    path: Path,
    line: int,
    row: dict[str, str],
    texts: dict[str, dict[str, str]],
    tags: dict[str, list[str]],
    geo: dict[str, dict[str, str]],
    vocab: Vocabulary,
    problems: list[InputError],
) -> ParticipediaEntry | None:
    entry_id = row.get("id", "").strip()
    origin = Origin(str(path), entry_id or f"line {line}", line)
    if not entry_id.isdigit():
        problems.append(
            problem(origin, "id", entry_id or None, "expected a numeric Participedia id")
        )
        return None
    text = texts.get(entry_id, {})
    title = clean(text.get("title"))
    if not title:
        problems.append(
            problem(origin, "title", None, f"missing title: no row for this id in {table.texts}")
        )
        return None
    entry = table.entry_type(id=entry_id, title=title, origin=origin, form="2017")
    entry.tags = tags.get(entry_id, [])
    if text.get("body", "").strip():
        entry.extra["body"] = text["body"].strip()
    if text.get("language", "").strip():
        entry.extra["language"] = text["language"].strip()
    _place(entry, row, geo, origin, problems)
    if isinstance(entry, ParticipediaCase):
        entry.start_date = check_date(row.get("start_date", ""), origin, "start_date", problems)
        entry.end_date = check_date(row.get("end_date", ""), origin, "end_date", problems)
    for column, value in row.items():
        text_value = clean(value)
        if column in _MODELLED or not text_value:
            continue
        if column in table.coded:
            name = RENAMED.get(column, column)
            entry.facets.setdefault(name, []).append(vocab.code(name, text_value))
        else:
            entry.extra[column] = text_value
    return entry


def _place(
    entry: ParticipediaEntry,
    row: dict[str, str],
    geo: dict[str, dict[str, str]],
    origin: Origin,
    problems: list[InputError],
) -> None:
    """Country, province, city and coordinates from the geolocation row; the rest to extra."""
    location = row.get("location", "").strip()
    place = geo.get(location, {})
    if location and not place:
        problems.append(problem(origin, "location", location, "no such id in geolocation.csv"))
    entry.country = clean(row.get("content_country")) or clean(place.get("country")) or None
    entry.province = clean(place.get("province")) or None
    entry.city = clean(place.get("city")) or None
    entry.latitude = check_coordinate(
        place.get("latitude"), "latitude", origin, "geolocation.latitude", problems
    )
    entry.longitude = check_coordinate(
        place.get("longitude"), "longitude", origin, "geolocation.longitude", problems
    )
    geo_country = clean(place.get("country"))
    if geo_country and geo_country != entry.country:
        entry.extra["geolocation.country"] = geo_country
    for column in ("name", "address1", "address2", "postal_code"):
        if clean(place.get(column)):
            entry.extra[f"geolocation.{column}"] = clean(place.get(column))

"""Participedia's current CSV export ("Download CSV" on participedia.net): cases, methods, orgs.

Multi-select fields come split into `<field>_1..n` columns whose values are keys (with a
leading space after the first); they are decoded with the Participedia vocabulary, keeping
key and label. Links are tuples like `(4232,method,"Online Deliberation")`.

Left out on purpose (personal data): the contributor columns `creator_*` and
`last_updated_by_*`, and any e-mail address inside a kept value. Every other column that coprod
does not model is kept in `extra`.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.readers.common import (
    check_coordinate,
    check_date,
    clean,
    problem,
    read_csv,
)
from ingest.readers.participedia import (
    ENTRY_TYPES,
    PERSONAL_PREFIXES,
    Vocabulary,
    add_entry,
    default_vocabulary,
    parse_links,
    plain_id,
    read_vocabulary,
)
from ingest.records import EntityLink, Origin, ParticipediaCase, ParticipediaEntry, ReadResult
from ontology.errors import InputError

_MULTI = re.compile(r"^(.+)_(\d+)$")
_MODELLED = {"id", "type", "title", "url", "description", "country", "province", "city"}
_MODELLED |= {"latitude", "longitude", "start_date", "end_date", "collections"}
# Link columns of cases and the record field each fills.
_CASE_LINKS = {
    "specific_methods_tools_techniques_titles": "methods",
    "has_components_titles": "components",
}
_LINK_TRIPLES = {
    "is_component_of": ("part_of", "case"),
    "primary_organizer": ("organisers", "organization"),
}


def read_participedia_export(path: Path, vocabulary: Path | None = None) -> ReadResult:
    """Read a participedia.net CSV export (the `type` column says case, method or organization).

    `vocabulary` is `participedia_field_values_en.csv`; by default the one in a
    `participedia-vocabulary` folder beside the export's folder, if there is one.
    """
    result = ReadResult()
    rows = read_csv(path, result.problems)
    if rows is None:
        return result
    vocab = read_vocabulary(vocabulary or default_vocabulary(path.parent), result.problems)
    seen: set[tuple[str, str]] = set()
    for index, (line, row) in enumerate(rows, start=1):
        entry = _entry(row, line, index, str(path), vocab, result.problems)
        if entry is not None:
            add_entry(entry, result.records, seen, result.problems)
    return result


def _entry(
    row: dict[str, str],
    line: int,
    index: int,
    file: str,
    vocab: Vocabulary,
    problems: list[InputError],
) -> ParticipediaEntry | None:
    entry_id = plain_id(row.get("id"))
    origin = Origin(file, entry_id or f"row {index}", line)
    before = len(problems)
    if not entry_id.isdigit():
        problems.append(
            problem(origin, "id", entry_id or None, "expected a numeric Participedia id")
        )
    kind = clean(row.get("type")).lower()
    entry_type = ENTRY_TYPES.get(kind)
    if entry_type is None:
        problems.append(
            problem(origin, "type", kind or None, "expected case, method or organization")
        )
    title = clean(row.get("title"))
    if not title:
        problems.append(problem(origin, "title", None, "missing title"))
    if len(problems) > before or entry_type is None:
        return None
    entry = entry_type(
        id=entry_id,
        title=title,
        origin=origin,
        form="export",
        url=clean(row.get("url")) or None,
        description=clean(row.get("description")) or None,
        country=clean(row.get("country")) or None,
        province=clean(row.get("province")) or None,
        city=clean(row.get("city")) or None,
        latitude=check_coordinate(row.get("latitude"), "latitude", origin, "latitude", problems),
        longitude=check_coordinate(
            row.get("longitude"), "longitude", origin, "longitude", problems
        ),
        collections=parse_links(row.get("collections", ""), origin, "collections", problems),
    )
    if isinstance(entry, ParticipediaCase):
        entry.start_date = check_date(row.get("start_date", ""), origin, "start_date", problems)
        entry.end_date = check_date(row.get("end_date", ""), origin, "end_date", problems)
    used = _links(entry, row, origin, problems)
    _facets_and_extra(entry, row, vocab, used)
    return entry


def _links(
    entry: ParticipediaEntry, row: dict[str, str], origin: Origin, problems: list[InputError]
) -> set[str]:
    """Fill the case's link fields; the columns used (for the others they stay in extra)."""
    used: set[str] = set()
    if not isinstance(entry, ParticipediaCase):
        return used
    for column, target in _CASE_LINKS.items():
        if column in row:
            getattr(entry, target).extend(parse_links(row[column], origin, column, problems))
            used.add(column)
    for prefix, (target, kind) in _LINK_TRIPLES.items():
        link_id = plain_id(row.get(f"{prefix}_id"))
        if link_id:
            title = clean(row.get(f"{prefix}_title")) or None
            getattr(entry, target).append(EntityLink(link_id, kind, title))
        # The url column is derivable from the id, so it is not kept separately.
        used |= {f"{prefix}_id", f"{prefix}_title", f"{prefix}_url"}
    return used


def _facets_and_extra(
    entry: ParticipediaEntry, row: dict[str, str], vocab: Vocabulary, used: set[str]
) -> None:
    for column, value in row.items():
        if column in _MODELLED or column in used or column.startswith(PERSONAL_PREFIXES):
            continue
        multi = _MULTI.match(column)
        base = multi.group(1) if multi else column
        text = clean(value)
        if multi or vocab.knows(base):
            if text:
                entry.facets.setdefault(base, []).append(vocab.code(base, text))
            else:
                entry.facets.setdefault(base, [])
        elif text:
            entry.extra[column] = value.strip()
    # A field with no value in any of its columns says nothing; drop the empty list.
    entry.facets = {name: values for name, values in entry.facets.items() if values}

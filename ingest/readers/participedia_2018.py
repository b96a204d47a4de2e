"""Participedia's 2018 key-based JSON (`cases.json`, `methods.json`, `organizations.json`).

Multi-valued fields are arrays of snake_case keys, decoded with the Participedia vocabulary
where it has the key (older long keys such as `regional_eg_state_province_autonomous_region`
keep their key with no label). The snapshot has no titles: they are joined from the 2017
snapshot's `*__localized_texts.csv` when the same id is there, and stay None otherwise (not a
problem: 585 of the 809 cases get one). E-mail addresses in address fields are removed.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.readers.common import (
    check_coordinate,
    check_date,
    clean,
    load_json,
    problem,
    read_csv,
)
from ingest.readers.participedia import (
    ENTRY_TYPES,
    Vocabulary,
    add_entry,
    default_vocabulary,
    read_vocabulary,
)
from ingest.records import Origin, ParticipediaCase, ParticipediaEntry, ReadResult
from ontology.errors import InputError

FILES = ("cases.json", "methods.json", "organizations.json")
TITLES_FOLDER = "participedia-2017-migration"
_TITLE_FILES = {
    "case": ("case__localized_texts.csv", "case_id"),
    "method": ("method__localized_texts.csv", "method_id"),
    "organization": ("organization__localized_texts.csv", "organization_id"),
}
RENAMED = {"issues": "general_issues"}
_MODELLED = {"id", "type", "country", "province", "city", "latitude", "longitude"}
_MODELLED |= {"start_date", "end_date", "tags"}
# Coded fields of the 2018 schema that today's vocabulary no longer lists (labels as values).
_OLD_CODED = {
    "communication_modes",
    "participant_selections",
    "public_interaction_methods",
    "geographical_scope",
    "issue_interdependency",
    "issue_polarization",
    "issue_technical_complexity",
    "decision_method",
    "general_issues",
}


def read_participedia_2018(
    path: Path, titles: Path | None = None, vocabulary: Path | None = None
) -> ReadResult:
    """Read the 2018 JSON folder (all three files) or one of its files.

    `titles` is the 2017 snapshot folder whose localized texts give titles; by default the
    `participedia-2017-migration` folder beside this one. `vocabulary` likewise defaults to
    the `participedia-vocabulary` folder beside it.
    """
    folder = path if path.is_dir() else path.parent
    files = [folder / name for name in FILES] if path.is_dir() else [path]
    result = ReadResult()
    vocab = read_vocabulary(vocabulary or default_vocabulary(folder), result.problems)
    title_folder = titles or folder.parent / TITLES_FOLDER
    title_cache: dict[str, dict[str, str]] = {}
    seen: set[tuple[str, str]] = set()
    for file in files:
        data = load_json(file, result.problems)
        if data is None:
            continue
        if not isinstance(data, list):
            result.problems.append(InputError("expected a JSON array of entries", file=str(file)))
            continue
        for index, item in enumerate(data, start=1):
            entry = _entry(item, index, file, title_folder, title_cache, vocab, result.problems)
            if entry is not None:
                add_entry(entry, result.records, seen, result.problems)
    return result


def _titles(
    folder: Path, kind: str, cache: dict[str, dict[str, str]], problems: list[InputError]
) -> dict[str, str]:
    """id -> title from the 2017 localized texts of one entity type (read once)."""
    if kind not in cache:
        cache[kind] = {}
        name, column = _TITLE_FILES[kind]
        if (folder / name).exists():
            for _, row in read_csv(folder / name, problems) or []:
                title = clean(row.get("title"))
                if title:
                    cache[kind].setdefault(row.get(column, "").strip(), title)
    return cache[kind]


def _entry(
    item: object,
    index: int,
    file: Path,
    title_folder: Path,
    title_cache: dict[str, dict[str, str]],
    vocab: Vocabulary,
    problems: list[InputError],
) -> ParticipediaEntry | None:
    if not isinstance(item, dict):
        problems.append(
            InputError("expected a JSON object for each entry", file=str(file), record=f"#{index}")
        )
        return None
    entry_id = clean(item.get("id"))
    origin = Origin(str(file), entry_id or f"#{index}")
    kind: str = clean(item.get("type")).lower()
    entry_type = ENTRY_TYPES.get(kind)
    if not entry_id.isdigit() or entry_type is None:
        if not entry_id.isdigit():
            problems.append(
                problem(origin, "id", entry_id or None, "expected a numeric Participedia id")
            )
        else:
            problems.append(
                problem(origin, "type", kind or None, "expected case, method or organization")
            )
        return None
    kind = "organization" if entry_type.__name__ == "ParticipediaOrganisation" else kind
    title = _titles(title_folder, kind, title_cache, problems).get(entry_id)
    entry = entry_type(id=entry_id, title=title, origin=origin, form="2018")
    entry.country = clean(item.get("country")) or None
    entry.province = clean(item.get("province")) or None
    entry.city = clean(item.get("city")) or None
    entry.latitude = check_coordinate(
        item.get("latitude"), "latitude", origin, "latitude", problems
    )
    entry.longitude = check_coordinate(
        item.get("longitude"), "longitude", origin, "longitude", problems
    )
    entry.tags = [clean(tag) for tag in _as_list(item.get("tags")) if clean(tag)]
    if isinstance(entry, ParticipediaCase):
        for name in ("start_date", "end_date"):
            value = item.get(name)
            if value is not None and not isinstance(value, str):
                problems.append(problem(origin, name, value, "expected an ISO date YYYY-MM-DD"))
                continue
            setattr(entry, name, check_date(str(value or ""), origin, name, problems))
    for key, value in item.items():
        if key in _MODELLED or value in (None, "", [], {}, "{}"):
            continue
        facet = RENAMED.get(str(key), str(key))
        values = _as_list(value)
        coded = vocab.knows(facet) or facet in _OLD_CODED
        texts = [v for v in values if isinstance(v, str) and v.strip()]
        if coded and len(texts) == len(values):
            entry.facets[facet] = [vocab.code(facet, v) for v in texts]
        else:
            entry.extra[key] = (
                value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            )
    return entry


def _as_list(value: object) -> list[object]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]

"""What the three Participedia readers share: the vocabulary, entry types and final checks.

Personal data is left out of every Participedia record coprod keeps: the contributor fields
of the export (`creator_*`, `last_updated_by_*`: public user names, ids and profile pages) are
not read, and every e-mail address in a kept value is replaced by "[e-mail removed]".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.readers.common import (
    clean,
    formula_fields,
    problem,
    read_csv,
    scrub_emails,
)
from ingest.records import (
    Coded,
    EntityLink,
    Origin,
    ParticipediaCase,
    ParticipediaEntry,
    ParticipediaMethod,
    ParticipediaOrganisation,
)
from ontology.errors import InputError

ENTRY_TYPES: dict[str, type[ParticipediaEntry]] = {
    "case": ParticipediaCase,
    "method": ParticipediaMethod,
    "organization": ParticipediaOrganisation,
    "organisation": ParticipediaOrganisation,
}
PERSONAL_PREFIXES = ("creator_", "last_updated_by_")
VOCABULARY_FILE = Path("participedia-vocabulary") / "participedia_field_values_en.csv"
_KEY_LIKE = re.compile(r"^[a-z0-9_/.-]+$")
_LINK = re.compile(r'\((\d+)(?:\.0)?,\s*(\w+),\s*("(?:[^"]|"")*"|[^)]*)\)')


@dataclass
class Vocabulary:
    """Key -> label per field, and label -> key for the 2017 snapshot that stores labels."""

    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    keys: dict[str, dict[str, str]] = field(default_factory=dict)

    def code(self, field_name: str, value: str) -> Coded:
        """A value as key and label: decoded when it is a known key, encoded when a known label.

        Unknown values stay as given: as a key when they look like one (snake_case), else as
        a label. Either way nothing is lost.
        """
        value = clean(value)
        label = self.labels.get(field_name, {}).get(value)
        if label is not None:
            return Coded(value, label)
        key = self.keys.get(field_name, {}).get(value.casefold())
        if key is not None:
            return Coded(key, value)
        return Coded(value, None) if _KEY_LIKE.match(value) else Coded(None, value)

    def knows(self, field_name: str) -> bool:
        """True when the field is a coded field of the vocabulary."""
        return field_name in self.labels


def read_vocabulary(path: Path | None, problems: list[InputError]) -> Vocabulary:
    """Read `participedia_field_values_en.csv` (field, key, label, long_label).

    None or a missing file gives an empty vocabulary: values then keep their keys only.
    """
    vocabulary = Vocabulary()
    if path is None or not path.exists():
        return vocabulary
    for line, row in read_csv(path, problems) or []:
        name, key, label = row.get("field", ""), row.get("key", ""), clean(row.get("label", ""))
        if not (name and key and label):
            problems.append(
                InputError("vocabulary row needs field, key and label", file=str(path), line=line)
            )
            continue
        vocabulary.labels.setdefault(name, {})[key] = label
        by_label = vocabulary.keys.setdefault(name, {})
        by_label.setdefault(label.casefold(), key)
        long_label = clean(row.get("long_label", ""))
        if long_label:
            by_label.setdefault(long_label.casefold(), key)
    return vocabulary


def default_vocabulary(data_dir: Path) -> Path | None:
    """The vocabulary file beside a Participedia data folder, when it is there."""
    candidate = data_dir.parent / VOCABULARY_FILE
    return candidate if candidate.exists() else None


def parse_links(
    value: str, origin: Origin, column: str, problems: list[InputError]
) -> list[EntityLink]:
    """Links written as (4232,method,"Online Deliberation"), one or more in a cell."""
    text = value.strip()
    if not text:
        return []
    links = []
    for match in _LINK.finditer(text):
        title = match.group(3).strip()
        if title.startswith('"') and title.endswith('"'):
            title = title[1:-1].replace('""', '"')
        links.append(EntityLink(match.group(1), match.group(2), clean(title) or None))
    leftover = _LINK.sub("", text).replace(",", "").strip()
    if leftover:
        problems.append(
            problem(
                origin, column, value, 'expected links like (4232,method,"Online Deliberation")'
            )
        )
    return links


def plain_id(value: object) -> str:
    """An id as digits: pandas wrote some ids as floats ('5168.0')."""
    text = clean(value)
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def finish(entry: ParticipediaEntry) -> ParticipediaEntry:
    """Remove e-mail addresses from kept text and note formula-like text fields."""
    for name in ("title", "description", "country", "province", "city", "url"):
        value = getattr(entry, name)
        if isinstance(value, str):
            setattr(entry, name, scrub_emails(value))
    entry.extra = {key: scrub_emails(value) for key, value in entry.extra.items()}
    entry.formula_fields = formula_fields({"title": entry.title, "description": entry.description})
    return entry


def add_entry(
    entry: ParticipediaEntry,
    entries: list[object],
    seen: set[tuple[str, str]],
    problems: list[InputError],
) -> None:
    """Keep the entry unless an earlier entry of the same type has its id."""
    key = (type(entry).__name__, entry.id)
    if key in seen:
        problems.append(
            problem(entry.origin, "id", entry.id, "duplicate id: this entry was read already")
        )
        return
    seen.add(key)
    entries.append(finish(entry))

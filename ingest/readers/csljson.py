"""CSL-JSON reader (Zotero's "Export: CSL JSON"): an array of items -> CatalogueWork."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.readers.common import (
    check_doi,
    check_year,
    clean,
    first_family,
    formula_fields,
    is_isbn,
    load_json,
    make_key,
    problem,
    split_pages,
    unique_key,
)
from ingest.records import CatalogueWork, Origin, Person, ReadResult
from ontology.errors import InputError

KINDS = {
    "article-journal": "article",
    "article": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "review": "article",
    "book": "book",
    "chapter": "chapter",
    "entry-encyclopedia": "chapter",
    "entry-dictionary": "chapter",
    "report": "report",
    "thesis": "thesis",
    "paper-conference": "paper",
    "manuscript": "report",
    "webpage": "other",
    "post-weblog": "other",
    "dataset": "other",
    "document": "other",
    "speech": "other",
}
_MODELLED = {
    "id",
    "type",
    "title",
    "author",
    "editor",
    "issued",
    "container-title",
    "volume",
    "issue",
    "page",
    "DOI",
    "ISBN",
    "publisher",
    "abstract",
    "URL",
    "note",
    "keyword",
}


def read_csljson(path: Path) -> ReadResult:
    """Read a CSL-JSON file (an array of items, or one item); bad items become problems."""
    result = ReadResult()
    data = load_json(path, result.problems)
    if data is None:
        return result
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        result.problems.append(
            InputError(
                "expected a JSON array of CSL items", file=str(path), value=type(data).__name__
            )
        )
        return result
    seen: set[str] = set()
    for index, item in enumerate(data, start=1):
        work = item_to_work(item, index, str(path), seen, result.problems)
        if work is not None:
            seen.add(work.key)
            result.records.append(work)
    return result


def item_to_work(
    item: object,
    index: int,
    file: str,
    seen: set[str],
    problems: list[InputError],
    names: dict[str, str] | None = None,
    label: str | None = None,
) -> CatalogueWork | None:
    """One CSL item -> CatalogueWork, or None after problems.

    `names` maps a CSL field to the name the source file used, so that problems name the
    field the cataloguer sees (the Crossref reader passes its own names), and `label` names
    an item without an id in problems (the Crossref reader passes the DOI).
    """
    names = names or {}

    def name(csl_field: str) -> str:
        return names.get(csl_field, csl_field)

    if not isinstance(item, dict):
        problems.append(
            InputError("expected a JSON object for each item", file=file, record=f"#{index}")
        )
        return None
    given_id = _text(item.get("id"))
    origin = Origin(file, given_id or label or f"#{index}")
    before = len(problems)
    kind = _kind(item, origin, name("type"), problems)
    title = _field_text(item, "title", origin, name("title"), problems)
    if not title:
        problems.append(problem(origin, name("title"), None, "missing title"))
    year = _year(item.get("issued"), origin, name("issued"), problems)
    doi = None
    raw_doi = _field_text(item, "DOI", origin, name("DOI"), problems)
    if raw_doi:
        doi = check_doi(raw_doi, origin, name("DOI"), problems)
    authors = _people(item.get("author"), origin, name("author"), problems)
    editors = _people(item.get("editor"), origin, name("editor"), problems)
    if given_id and given_id in seen:
        problems.append(
            problem(origin, name("id"), given_id, "duplicate id: each item needs its own id")
        )
    texts = {
        csl: _field_text(item, csl, origin, name(csl), problems)
        for csl in ("container-title", "volume", "issue", "page", "ISBN", "publisher", "abstract")
    }
    if len(problems) > before or kind is None or not title:
        return None
    key = given_id or unique_key(
        make_key(first_family(authors, editors), year, title) or f"item{index}", seen
    )
    isbn = texts["ISBN"]
    page_start, page_end = split_pages(texts["page"] or "")
    work = CatalogueWork(
        key=key,
        kind=kind,
        title=title,
        origin=Origin(file, key),
        authors=authors,
        editors=editors,
        year=year,
        venue=texts["container-title"],
        volume=texts["volume"],
        issue=texts["issue"],
        page_start=page_start,
        page_end=page_end,
        doi=doi,
        isbn=isbn if isbn and is_isbn(isbn) else None,
        publisher=texts["publisher"],
        abstract=texts["abstract"],
        keywords=[
            word.strip() for word in (_text(item.get("keyword")) or "").split(",") if word.strip()
        ],
        urls=[url for url in [_text(item.get("URL"))] if url],
        notes=[note for note in [_text(item.get("note"))] if note],
        extra=extra_fields(item, _MODELLED),
    )
    if isbn and not work.isbn:
        work.extra[name("ISBN")] = isbn
    work.formula_fields = formula_fields(
        {
            name("title"): work.title,
            name("container-title"): work.venue,
            name("publisher"): work.publisher,
            name("abstract"): work.abstract,
        }
    )
    return work


def extra_fields(item: dict[str, object], modelled: set[str]) -> dict[str, str]:
    """Every field coprod does not model, as text (JSON for lists and objects)."""
    extra: dict[str, str] = {}
    for key, value in item.items():
        if key in modelled or value in (None, "", [], {}):
            continue
        extra[str(key)] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return extra


def _text(value: object) -> str | None:
    """A scalar as text; None for missing, empty, lists and objects."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return clean(value) or None
    return None


def _field_text(
    item: dict[str, object], key: str, origin: Origin, field: str, problems: list[InputError]
) -> str | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    text = _text(value)
    if text is None:
        problems.append(problem(origin, field, _short(value), "expected text or a number"))
    return text


def _kind(
    item: dict[str, object], origin: Origin, field: str, problems: list[InputError]
) -> str | None:
    csl_type = item.get("type")
    if not isinstance(csl_type, str) or not csl_type.strip():
        shown = None if csl_type is None else _short(csl_type)
        problems.append(problem(origin, field, shown, "missing type"))
        return None
    kind = KINDS.get(csl_type.strip())
    if kind is None:
        problems.append(
            problem(origin, field, csl_type, "unknown CSL type: use article-journal, book, ...")
        )
    return kind


def _year(value: object, origin: Origin, field: str, problems: list[InputError]) -> int | None:
    """The year of a CSL date: {"date-parts": [[2007, 9, 19]]}, {"raw": "2007"} or a string."""
    if value is None or value == "":
        return None
    first: object = None
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            first = parts[0][0]
        else:
            first = value.get("raw") or value.get("literal")
    elif isinstance(value, str | int):
        first = value
    if isinstance(first, bool) or not isinstance(first, str | int):
        problems.append(
            problem(origin, field, _short(value), 'expected a date like {"date-parts": [[2007]]}')
        )
        return None
    text = str(first).strip()
    return check_year(
        text[:4] if len(text) > 4 and text[4] in "-/" else text, origin, field, problems, text=text
    )


def _people(value: object, origin: Origin, field: str, problems: list[InputError]) -> list[Person]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(problem(origin, field, _short(value), "expected a list of names"))
        return []
    people = []
    for position, entry in enumerate(value, start=1):
        person = _person(entry)
        if person is None:
            problems.append(
                problem(
                    origin,
                    f"{field}[{position}]",
                    _short(entry),
                    'expected a name like {"family": "Bovaird", "given": "Tony"}',
                )
            )
        else:
            people.append(person)
    return people


def _person(entry: object) -> Person | None:
    if not isinstance(entry, dict):
        return None
    family = _text(entry.get("family")) or _text(entry.get("literal")) or _text(entry.get("name"))
    if not family:
        return None
    orcid = _text(entry.get("ORCID"))
    if orcid:
        orcid = orcid.rstrip("/").rsplit("/", 1)[-1]
    return Person(family=family, given=_text(entry.get("given")) or "", orcid=orcid or None)


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text[:120]

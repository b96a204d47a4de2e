"""Crossref work JSON reader: the `message` of api.crossref.org/works/<doi> -> CatalogueWork.

Accepts a whole API response (`{"status": "ok", "message": {...}}`), a bare work, a list
response (`message.items`) or a plain list of works. A Crossref work is reshaped into a
CSL item and read by the CSL-JSON reader, so problems name Crossref's own field names.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.readers.common import check_doi, load_json, strip_tags
from ingest.readers.csljson import extra_fields, item_to_work
from ingest.records import CatalogueWork, Origin, ReadResult
from ontology.errors import InputError

TYPES = {
    "journal-article": "article-journal",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-chapter": "chapter",
    "book-section": "chapter",
    "book-part": "chapter",
    "reference-entry": "entry-encyclopedia",
    "report": "report",
    "report-component": "report",
    "dissertation": "thesis",
    "proceedings-article": "paper-conference",
    "posted-content": "manuscript",
    "dataset": "dataset",
    "other": "document",
}
# Crossref dates in order of preference for "the year of publication".
_DATES = ("published-print", "published-online", "issued", "published")
_MODELLED = {
    "type",
    "title",
    "author",
    "editor",
    "container-title",
    "volume",
    "issue",
    "page",
    "DOI",
    "ISBN",
    "publisher",
    "abstract",
    "URL",
    "reference",
    *_DATES,
}


def read_crossref(path: Path) -> ReadResult:
    """Read Crossref work JSON; each work that fails to validate becomes problems."""
    result = ReadResult()
    data = load_json(path, result.problems)
    if data is None:
        return result
    works = _works(data)
    if works is None:
        result.problems.append(
            InputError(
                "expected a Crossref work, a response with 'message', or a list of works",
                file=str(path),
            )
        )
        return result
    seen: set[str] = set()
    dois: set[str] = set()
    for index, work in enumerate(works, start=1):
        record = _read_work(work, index, str(path), seen, result.problems)
        if record is None:
            continue
        if record.doi and record.doi in dois:
            result.problems.append(
                InputError(
                    "duplicate DOI: the same work appears twice",
                    file=str(path),
                    record=record.origin.record,
                    field="DOI",
                    value=record.doi,
                )
            )
            continue
        if record.doi:
            dois.add(record.doi)
        seen.add(record.key)
        result.records.append(record)
    return result


def _works(data: object) -> list[object] | None:
    if isinstance(data, dict) and "message" in data:
        data = data["message"]
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return list(data["items"])
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    return None


def _read_work(
    work: object, index: int, file: str, seen: set[str], problems: list[InputError]
) -> CatalogueWork | None:
    if not isinstance(work, dict):
        problems.append(
            InputError("expected a JSON object for each work", file=file, record=f"#{index}")
        )
        return None
    date_field = next((name for name in _DATES if work.get(name)), "issued")
    item: dict[str, object] = {
        "type": TYPES.get(str(work.get("type", "")), work.get("type")),
        "title": _first(work.get("title")),
        "author": work.get("author"),
        "editor": work.get("editor"),
        "issued": work.get(date_field),
        "container-title": _first(work.get("container-title")),
        "volume": work.get("volume"),
        "issue": work.get("issue"),
        "page": work.get("page"),
        "DOI": work.get("DOI"),
        "ISBN": _first(work.get("ISBN")),
        "publisher": work.get("publisher"),
        "abstract": strip_tags(work["abstract"]) if isinstance(work.get("abstract"), str) else None,
        "URL": work.get("URL"),
    }
    names = {"issued": date_field, "container-title": "container-title[0]", "title": "title[0]"}
    doi = work.get("DOI")
    label = doi.strip() if isinstance(doi, str) and doi.strip() else None
    record = item_to_work(item, index, file, seen, problems, names, label)
    if record is None:
        return None
    if record.doi:
        # Crossref has no key of its own; the DOI names the work in later problems.
        record.origin = Origin(file, record.doi)
    record.extra = extra_fields(work, _MODELLED)
    isbns = work.get("ISBN")
    if isinstance(isbns, list) and len(isbns) > 1:
        record.extra["ISBN"] = json.dumps(isbns)
    record.cites, uncited = _references(work.get("reference"), record.origin, problems)
    if uncited:
        record.extra["reference"] = json.dumps(uncited, ensure_ascii=False)
    return record


def _first(value: object) -> object:
    """Crossref writes titles and ISBNs as lists; the first entry is the one used."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _references(
    value: object, origin: Origin, problems: list[InputError]
) -> tuple[list[str], list[object]]:
    """(cited DOIs, references without a DOI); bad DOIs become problems, the work still reads."""
    if not isinstance(value, list):
        return [], []
    cites: list[str] = []
    uncited: list[object] = []
    for position, reference in enumerate(value, start=1):
        raw = reference.get("DOI") if isinstance(reference, dict) else None
        if not isinstance(raw, str) or not raw.strip():
            uncited.append(reference)
            continue
        doi = check_doi(raw, origin, f"reference[{position}].DOI", problems)
        if doi is None:
            uncited.append(reference)
        elif doi not in cites:
            cites.append(doi)
    return cites, uncited

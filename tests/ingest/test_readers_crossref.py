"""Crossref work JSON reader, on hand-made fixtures shaped like api.crossref.org answers.

Bibliographic values come from /work/shared/reference/literature-facts.md ([C] entries):
Bovaird (2007), first published online 19 September 2007; Loeffler & Bovaird (2016), whose
reference list cites Alford (2002), DOI 10.1177/0095399702034001004.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.readers.crossref import read_crossref
from ingest.records import CatalogueWork

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"

BOVAIRD = {
    "DOI": "10.1111/j.1540-6210.2007.00773.x",
    "type": "journal-article",
    "title": [
        "Beyond Engagement and Participation: User and Community Coproduction of Public Services"
    ],
    "author": [{"given": "Tony", "family": "Bovaird", "sequence": "first", "affiliation": []}],
    "container-title": ["Public Administration Review"],
    "volume": "67",
    "issue": "5",
    "page": "846-860",
    "published-online": {"date-parts": [[2007, 9, 19]]},
    # Test text, not the article's abstract: it checks that JATS markup is stripped.
    "abstract": "<jats:title>Abstract</jats:title><jats:p>Test text &amp; markup.</jats:p>",
}
LOEFFLER = {
    "DOI": "10.1080/01900692.2016.1250559",
    "type": "journal-article",
    "title": [
        "User and Community Co-Production of Public Services: What Does the Evidence Tell Us?"
    ],
    "author": [
        {"given": "Elke", "family": "Loeffler", "sequence": "first"},
        {"given": "Tony", "family": "Bovaird", "sequence": "additional"},
    ],
    "container-title": ["International Journal of Public Administration"],
    "volume": "39",
    "issue": "13",
    "page": "1006-1019",
    "published-online": {"date-parts": [[2016, 11, 9]]},
    "reference": [{"key": "ref1", "DOI": "10.1177/0095399702034001004"}],
}


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "crossref.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_whole_response_with_message(tmp_path: Path) -> None:
    response = {
        "status": "ok",
        "message-type": "work",
        "message-version": "1.0.0",
        "message": BOVAIRD,
    }
    result = read_crossref(_write(tmp_path, response))
    assert result.problems == []
    (work,) = result.records
    assert isinstance(work, CatalogueWork)
    assert work.key == "bovaird2007beyond"
    assert work.title.startswith("Beyond Engagement and Participation")
    assert (work.kind, work.year, work.venue) == ("article", 2007, "Public Administration Review")
    assert (work.volume, work.issue, work.page_start, work.page_end) == ("67", "5", "846", "860")
    assert work.doi == "10.1111/j.1540-6210.2007.00773.x"
    assert work.abstract == "Abstract Test text & markup."
    assert work.origin.record == work.doi


def test_bare_work_and_plain_list_and_references(tmp_path: Path) -> None:
    (alone,) = read_crossref(_write(tmp_path, LOEFFLER)).records
    assert alone.cites == ["10.1177/0095399702034001004"]
    assert [(p.family, p.given) for p in alone.authors] == [
        ("Loeffler", "Elke"),
        ("Bovaird", "Tony"),
    ]
    result = read_crossref(_write(tmp_path, [BOVAIRD, LOEFFLER]))
    assert [w.key for w in result.records] == ["bovaird2007beyond", "loeffler2016user"]
    assert result.problems == []


def test_unmodelled_fields_are_kept(tmp_path: Path) -> None:
    (work,) = read_crossref(_write(tmp_path, {**BOVAIRD, "language": "en"})).records
    assert work.extra["language"] == "en"


def test_bad_corpus() -> None:
    path = BAD / "problems.crossref.json"
    result = read_crossref(path)
    assert [w.key for w in result.records] == ["loeffler2016user"]
    assert [(p.record, p.field) for p in result.problems] == [
        ("10.1080/01900692.2016.1250559", "reference[2].DOI"),
        ("10.1017/S1474746407004174", "title[0]"),
        ("10.1080/01900692.2016.1250559", "DOI"),
    ]
    (work,) = result.records
    assert work.cites == ["10.1177/0095399702034001004"]  # the bad reference is kept in extra
    assert json.loads(work.extra["reference"]) == [{"key": "ref2", "DOI": "not a doi"}]
    assert all(p.file == str(path) for p in result.problems)


def test_truncated_and_binary_files_are_one_problem() -> None:
    for name in ("truncated.json", "binary.json"):
        result = read_crossref(BAD / name)
        assert result.records == [] and len(result.problems) == 1

"""The three Participedia forms read in full from /work/shared/data, and their bad inputs.

The record counts are the ones in /work/shared/reference/datasets.md and each SOURCE.md.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ingest.readers.common import EMAIL_REMOVED
from ingest.readers.participedia_2017 import read_participedia_2017
from ingest.readers.participedia_2018 import read_participedia_2018
from ingest.readers.participedia_export import read_participedia_export
from ingest.records import (
    Coded,
    EntityLink,
    ParticipediaCase,
    ParticipediaEntry,
    ParticipediaMethod,
    ParticipediaOrganisation,
    ReadResult,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"

needs_data = pytest.mark.skipif(
    not (DATA / "participedia-export").is_dir(),
    reason=f"the shared Participedia data is not at {DATA.resolve()}",
)


def _counts(result: ReadResult) -> Counter[str]:
    return Counter(type(record).__name__ for record in result.records)


def _by_id(result: ReadResult, kind: type[ParticipediaEntry]) -> dict[str, ParticipediaEntry]:
    return {r.id: r for r in result.records if isinstance(r, kind)}


@pytest.fixture(scope="module")
def export_cases() -> ReadResult:
    return read_participedia_export(DATA / "participedia-export" / "cases_export_sample.csv")


@pytest.fixture(scope="module")
def snapshot_2017() -> ReadResult:
    return read_participedia_2017(DATA / "participedia-2017-migration")


@pytest.fixture(scope="module")
def snapshot_2018() -> ReadResult:
    return read_participedia_2018(DATA / "participedia-2018-json")


@needs_data
def test_export_cases(export_cases: ReadResult) -> None:
    assert export_cases.problems == []
    assert _counts(export_cases) == {"ParticipediaCase": 10}
    case = _by_id(export_cases, ParticipediaCase)["1"]
    assert isinstance(case, ParticipediaCase)
    assert case.title == "British Columbia Citizens' Assembly on Electoral Reform"
    assert (case.country, case.province, case.start_date) == (
        "Canada",
        "British Columbia",
        "2004-01-12",
    )
    assert case.facets["general_issues"] == [
        Coded("governance", "Governance & Political Institutions")
    ]
    # Items after the first carry a leading space in the export.
    assert Coded("cogovernance", "Co-governance") in case.facets["approaches"]
    assert case.methods == [EntityLink("4232", "method", "Online Deliberation")]
    assert case.part_of == [
        EntityLink("5168", "case", "British Columbia Electoral Reform Process (2002-2005)")
    ]
    assert case.collections[0].kind == "collection"
    assert not any(name.startswith(("creator_", "last_updated_by_")) for name in case.extra)
    assert case.extra["body"].startswith("Problems and Purpose")
    assert _by_id(export_cases, ParticipediaCase)["3"].organisers == [
        EntityLink(
            "318", "organization", "The Center for Deliberative Democracy at Stanford University"
        )
    ]


@needs_data
def test_export_methods() -> None:
    # SOURCE.md: the shared file holds the first 20 of the 373 methods of the full export.
    result = read_participedia_export(DATA / "participedia-export" / "methods_export_sample.csv")
    assert result.problems == []
    assert _counts(result) == {"ParticipediaMethod": 20}
    method = _by_id(result, ParticipediaMethod)["145"]
    assert method.title == "21st Century Town Meeting®"
    assert Coded("collaborative", "Collaborative approaches") in method.facets["method_types"]


@needs_data
def test_2017_snapshot(snapshot_2017: ReadResult) -> None:
    assert snapshot_2017.problems == []
    assert _counts(snapshot_2017) == {
        "ParticipediaCase": 599,
        "ParticipediaMethod": 148,
        "ParticipediaOrganisation": 427,
    }
    cases = _by_id(snapshot_2017, ParticipediaCase)
    assert all(case.title for case in snapshot_2017.records)  # titles joined for all
    assert cases["1"].title == "British Columbia Citizens' Assembly on Electoral Reform"
    assert cases["1"].country == "Canada" and cases["1"].province == "British Columbia"
    assert "participatory budgeting" in cases["10"].tags
    # Labels come back to their keys where the vocabulary has them.
    assert Coded("voting", "Voting") in cases["1"].facets["decision_methods"]
    labels = [c.label or "" for r in snapshot_2017.records for cs in r.facets.values() for c in cs]
    assert not any("&amp;" in label for label in labels)  # HTML entities decoded
    assert any("Science & Technology" in label for label in labels)
    orgs = _by_id(snapshot_2017, ParticipediaOrganisation)
    assert orgs["199"].title == "AmericaSpeaks"


@needs_data
def test_2018_json(snapshot_2018: ReadResult) -> None:
    assert snapshot_2018.problems == []
    assert _counts(snapshot_2018) == {
        "ParticipediaCase": 809,
        "ParticipediaMethod": 238,
        "ParticipediaOrganisation": 534,
    }
    cases = _by_id(snapshot_2018, ParticipediaCase)
    assert sum(1 for case in cases.values() if case.title) == 585  # datasets.md, section 1
    case = cases["1"]
    assert case.title == "British Columbia Citizens' Assembly on Electoral Reform"
    assert case.facets["decision_methods"] == [Coded("voting", "Voting")]
    assert case.start_date == "2004-01-11"
    assert case.latitude is None  # the 0° 0' 0" placeholder means "no location"
    texts = [v for r in snapshot_2018.records for v in r.extra.values()]
    assert any(EMAIL_REMOVED in text for text in texts)
    assert not any("@ayto-mostoles.es" in text for text in texts)


def test_export_bad_inputs() -> None:
    path = BAD / "cases_export_problems.csv"
    result = read_participedia_export(path)
    assert [r.id for r in result.records] == ["1", "3", "5", "6", "7"]
    assert [(p.record, p.field, p.line) for p in result.problems] == [
        ("3", "start_date", 3),
        ("4", "title", 4),
        ("1", "id", 5),
        ("7", "latitude", 8),
    ]
    assert all(p.file == str(path) for p in result.problems)
    assert "no such date" in result.problems[0].message
    by_id = _by_id(result, ParticipediaCase)
    assert by_id["3"].start_date is None and by_id["3"].end_date == "2005-04-30"
    assert by_id["5"].title.startswith("=HYPERLINK(") and by_id["5"].formula_fields == ["title"]
    assert by_id["6"].description is not None and EMAIL_REMOVED in by_id["6"].description
    assert "creator_name" not in by_id["6"].extra
    # No vocabulary beside the fixture: keys are kept, labels stay unknown.
    assert by_id["1"].facets["general_issues"] == [Coded("governance", None)]


def test_2018_bad_inputs(tmp_path: Path) -> None:
    path = BAD / "cases_2018_problems.json"
    # No 2017 folder beside the fixture: titles stay None, which is not a problem.
    result = read_participedia_2018(path, titles=tmp_path)
    assert [r.id for r in result.records] == ["1", "3"]
    assert [(p.record, p.field) for p in result.problems] == [
        ("3", "start_date"),
        ("abc", "id"),
        ("1", "id"),
        ("2", "type"),
    ]
    assert all(r.title is None for r in result.records)


def test_missing_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    result = read_participedia_2017(tmp_path)
    assert result.records == []
    assert {p.file for p in result.problems} >= {str(tmp_path / "cases.csv")}

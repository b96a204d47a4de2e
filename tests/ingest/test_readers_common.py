"""File-level limits shared by all readers, and the value checks behind them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.readers.common import check_coordinate, check_date, looks_like_formula, strip_tags
from ingest.readers.crossref import read_crossref
from ingest.readers.csljson import read_csljson
from ingest.readers.participedia_export import read_participedia_export
from ingest.readers.ris import read_ris
from ingest.records import Origin, ReadResult
from ingest.text import MAX_FILE_BYTES
from ontology.errors import InputError

READERS = [read_ris, read_csljson, read_crossref, read_participedia_export]


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real file just over 50 MB, written in 1 MB blocks of RIS text."""
    path = tmp_path_factory.mktemp("big") / "big.ris"
    block = ("TY  - JOUR\nTI  - x\nER  -\n" * 50_000).encode()[: 1024 * 1024]
    with path.open("wb") as out:
        for _ in range(MAX_FILE_BYTES // len(block) + 1):
            out.write(block)
    assert path.stat().st_size > MAX_FILE_BYTES
    return path


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_over_the_size_limit_is_one_problem(big_file: Path, reader: object) -> None:
    result = reader(big_file)  # type: ignore[operator]
    assert isinstance(result, ReadResult)
    assert result.records == []
    (problem,) = result.problems
    assert problem.file == str(big_file) and "limit" in problem.message


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_missing_file_is_one_problem(tmp_path: Path, reader: object) -> None:
    result = reader(tmp_path / "absent.txt")  # type: ignore[operator]
    assert result.records == [] and len(result.problems) == 1


def test_dates() -> None:
    problems: list[InputError] = []
    origin = Origin("f.csv", "7", 3)
    assert check_date("2004-01-11T16:00:00", origin, "start_date", problems) == "2004-01-11"
    assert check_date("2017-02-30", origin, "start_date", problems) is None
    assert check_date("30/02/2017", origin, "start_date", problems) is None
    assert [p.message for p in problems] == [
        "no such date in the calendar",
        "expected an ISO date YYYY-MM-DD",
    ]
    assert problems[0].line == 3 and problems[0].record == "7"


def test_coordinates() -> None:
    problems: list[InputError] = []
    origin = Origin("f.json", "1")
    assert (
        check_coordinate("53° 43' 36\" N", "latitude", origin, "latitude", problems) == 53.7266667
    )
    assert (
        check_coordinate("123° 7' 15.366\" W", "longitude", origin, "longitude", problems)
        == -123.1209350
    )
    assert check_coordinate("0° 0' 0\" N", "latitude", origin, "latitude", problems) is None
    assert check_coordinate("91", "latitude", origin, "latitude", problems) is None
    assert len(problems) == 1


def test_formula_detection_and_tags() -> None:
    assert looks_like_formula('=HYPERLINK("x")') and looks_like_formula("@SUM(A1)")
    assert not looks_like_formula("-127.6476205") and not looks_like_formula("Co-production")
    assert strip_tags("<jats:p>A &amp; B</jats:p>") == "A & B"

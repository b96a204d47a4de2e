"""RIS reader: a real-shaped record, the bad-input corpus and arbitrary text.

Bibliographic values come from /work/shared/reference/literature-facts.md ([C] entries).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.readers.ris import read_ris
from ingest.records import CatalogueWork, ReadResult
from ontology.errors import InputError

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"

# Bovaird (2007), section (a) of literature-facts.md; no ID tag, so the key is generated.
BOVAIRD = """TY  - JOUR
AU  - Bovaird, Tony
TI  - Beyond Engagement and Participation: User and Community Coproduction of Public Services
JO  - Public Administration Review
PY  - 2007
VL  - 67
IS  - 5
SP  - 846
EP  - 860
DO  - https://doi.org/10.1111/j.1540-6210.2007.00773.X
UR  - http://onlinelibrary.wiley.com/doi/10.1111/j.1540-6210.2007.00773.x/abstract
N1  - Section: Perspectives on Performance and Accountability in Public Administration
ER  -
"""
# Brandsen, Steen & Verschuere (eds) 2018: Routledge, ISBN 9781138700116.
BRANDSEN = """TY  - EDBOOK
ED  - Brandsen, Taco
ED  - Steen, Trui
ED  - Verschuere, Bram
TI  - Co-Production and Co-Creation: Engaging Citizens in Public Services
PB  - Routledge
PY  - 2018///
SN  - 9781138700116
ER  -
"""


def _read(tmp_path: Path, text: str) -> ReadResult:
    path = tmp_path / "refs.ris"
    path.write_text(text, encoding="utf-8")
    return read_ris(path)


def test_journal_article_maps_every_tag(tmp_path: Path) -> None:
    result = _read(tmp_path, BOVAIRD + "\n" + BRANDSEN)
    assert result.problems == []
    work, book = result.records
    assert isinstance(work, CatalogueWork) and isinstance(book, CatalogueWork)
    assert work.key == "bovaird2007beyond"
    assert (work.kind, work.year, work.venue) == ("article", 2007, "Public Administration Review")
    assert [(p.family, p.given) for p in work.authors] == [("Bovaird", "Tony")]
    assert (work.volume, work.issue, work.page_start, work.page_end) == ("67", "5", "846", "860")
    assert work.doi == "10.1111/j.1540-6210.2007.00773.x"
    assert work.isbn is None
    assert work.urls == [
        "http://onlinelibrary.wiley.com/doi/10.1111/j.1540-6210.2007.00773.x/abstract"
    ]
    assert work.notes[0].startswith("Section: Perspectives")
    assert work.origin.line == 1
    assert book.key == "brandsen2018co"  # no author: the first editor names the key
    assert (book.kind, book.year, book.isbn, book.publisher) == (
        "book",
        2018,
        "9781138700116",
        "Routledge",
    )
    assert [p.family for p in book.editors] == ["Brandsen", "Steen", "Verschuere"]


def test_id_tag_is_the_key_and_unknown_tags_are_kept(tmp_path: Path) -> None:
    text = BOVAIRD.replace("TY  - JOUR\n", "TY  - JOUR\nID  - bovaird2007\nM3  - Article\n")
    (work,) = _read(tmp_path, text).records
    assert work.key == "bovaird2007"
    assert work.extra["M3"] == "Article"
    (serial,) = _read(tmp_path, BOVAIRD.replace("ER  -", "SN  - not an ISBN\nER  -")).records
    assert serial.isbn is None and serial.extra["SN"] == "not an ISBN"  # ISSNs land here


def test_generated_keys_stay_unique(tmp_path: Path) -> None:
    result = _read(tmp_path, BOVAIRD + BOVAIRD)
    assert [w.key for w in result.records] == ["bovaird2007beyond", "bovaird2007beyonda"]


def test_wrapped_lines_join_the_previous_tag(tmp_path: Path) -> None:
    text = BOVAIRD.replace(
        "TI  - Beyond Engagement and Participation:",
        "TI  - Beyond Engagement\n  and Participation:",
    )
    (work,) = _read(tmp_path, text).records
    assert work.title.startswith("Beyond Engagement and Participation:")


def _where(problem: InputError) -> tuple[str | None, str | None]:
    return problem.record, problem.field


@pytest.mark.parametrize(
    ("name", "keys", "problems"),
    [
        ("truncated.ris", ["bovaird2007beyond"], [("#2", None)]),
        ("malformed.ris", ["whitaker1980coproduction"], [(None, None), ("#2", "TY")]),
        ("latin1.ris", [], [(None, None)]),
        ("bom_crlf.ris", ["needham2008realising"], []),
        (
            "problems.ris",
            ["bovaird2007beyond", "brandsen2018formula"],
            [
                ("needham2008notitle", "TI"),
                ("bovaird2007beyond", "ID"),
                ("whitaker1980badyear", "PY"),
                ("ostrom1996baddoi", "DO"),
            ],
        ),
    ],
)
def test_bad_inputs(name: str, keys: list[str], problems: list[tuple[str, str]]) -> None:
    result = read_ris(BAD / name)
    assert [w.key for w in result.records] == keys
    assert [_where(p) for p in result.problems] == problems
    for problem in result.problems:
        assert problem.file == str(BAD / name)
        assert problem.message


def test_problems_name_line_value_and_fix() -> None:
    result = read_ris(BAD / "problems.ris")
    by_field = {p.field: p for p in result.problems}
    assert by_field["PY"].line == 34 and by_field["PY"].value == "198"
    assert "4-digit year" in by_field["PY"].message
    assert "missing title" in by_field["TI"].message
    assert by_field["DO"].value == "World Development 24(6)"
    assert "not valid UTF-8" in read_ris(BAD / "latin1.ris").problems[0].message


def test_bom_and_crlf_read_cleanly() -> None:
    (work,) = read_ris(BAD / "bom_crlf.ris").records
    assert work.title.startswith("Realising the Potential")
    assert work.doi == "10.1017/s1474746407004174"
    assert (work.page_start, work.page_end) == ("221", "231")


def test_formula_title_is_kept_as_data_and_marked() -> None:
    result = read_ris(BAD / "problems.ris")
    book = next(w for w in result.records if w.key == "brandsen2018formula")
    assert book.title == '=HYPERLINK("http://127.0.0.1/x","Co-Production and Co-Creation")'
    assert book.formula_fields == ["TI"]
    assert all(p.record != "brandsen2018formula" for p in result.problems)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ris") / "any.ris"


_TAGS = st.sampled_from(["TY", "ER", "AU", "TI", "PY", "DO", "SP", "EP", "SN", "ID", "KW", "ZZ"])
_RIS_LINE = st.builds(lambda tag, value: f"{tag}  - {value}", _TAGS, st.text(max_size=30))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(st.text(), st.lists(_RIS_LINE, max_size=25).map("\n".join)))
def test_arbitrary_text_gives_problems_not_exceptions(scratch: Path, text: str) -> None:
    scratch.write_bytes(text.encode("utf-8", "surrogatepass"))
    result = read_ris(scratch)
    assert all(isinstance(p, InputError) for p in result.problems)
    for work in result.records:
        assert isinstance(work, CatalogueWork) and work.title and work.key


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_give_problems_not_exceptions(scratch: Path, data: bytes) -> None:
    scratch.write_bytes(data)
    result = read_ris(scratch)
    assert all(isinstance(p, InputError) for p in result.problems)

"""CSL-JSON reader: a Zotero-shaped export, the bad-input corpus and arbitrary JSON.

Bibliographic values come from /work/shared/reference/literature-facts.md ([C] entries).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.readers.csljson import read_csljson
from ingest.records import CatalogueWork
from ontology.errors import InputError

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"

ZOTERO = [
    {
        "id": "http://zotero.org/users/local/x/items/NEEDHAM8",
        "type": "article-journal",
        "title": "Realising the Potential of Co-production: Negotiating Improvements in Public "
        "Services",
        "container-title": "Social Policy & Society",
        "volume": "7",
        "issue": "2",
        "page": "221–231",
        "DOI": "10.1017/S1474746407004174",
        "author": [{"family": "Needham", "given": "Catherine"}],
        "issued": {"date-parts": [["2008", "4", "1"]]},
        "source": "Zotero",
    },
    {
        "id": "brandsen2018",
        "type": "book",
        "title": "Co-Production and Co-Creation: Engaging Citizens in Public Services",
        "publisher": "Routledge",
        "ISBN": "9781138700116",
        "editor": [
            {"family": "Brandsen", "given": "Taco"},
            {"family": "Steen", "given": "Trui"},
            {"family": "Verschuere", "given": "Bram"},
        ],
        "issued": {"date-parts": [[2018, 3, 29]]},
        "keyword": "coproduction, co-creation",
    },
    {
        "type": "article-journal",
        "title": "Coproduction: Citizen Participation in Service Delivery",
        "author": [{"family": "Whitaker", "given": "Gordon P."}],
        "issued": {"raw": "1980"},
        "container-title": "Public Administration Review",
    },
]


def test_zotero_export_maps_every_field(tmp_path: Path) -> None:
    path = tmp_path / "zotero.json"
    path.write_text(json.dumps(ZOTERO), encoding="utf-8")
    result = read_csljson(path)
    assert result.problems == []
    article, book, whitaker = result.records
    assert isinstance(article, CatalogueWork)
    assert article.key == "http://zotero.org/users/local/x/items/NEEDHAM8"
    assert (article.kind, article.year, article.venue) == (
        "article",
        2008,
        "Social Policy & Society",
    )
    assert (article.page_start, article.page_end) == ("221", "231")
    assert article.doi == "10.1017/s1474746407004174"
    assert article.extra == {"source": "Zotero"}
    assert (book.kind, book.isbn, book.publisher, book.year) == (
        "book",
        "9781138700116",
        "Routledge",
        2018,
    )
    assert [p.family for p in book.editors] == ["Brandsen", "Steen", "Verschuere"]
    assert book.keywords == ["coproduction", "co-creation"]
    assert whitaker.key == "whitaker1980coproduction" and whitaker.year == 1980


def test_a_single_item_object_is_read(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(ZOTERO[2]), encoding="utf-8")
    assert [w.key for w in read_csljson(path).records] == ["whitaker1980coproduction"]


def test_not_an_array_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "n.json"
    path.write_text("42", encoding="utf-8")
    result = read_csljson(path)
    assert result.records == [] and len(result.problems) == 1
    assert "array" in result.problems[0].message


@pytest.mark.parametrize(
    ("name", "keys", "problems"),
    [
        ("truncated.json", [], [(None, None)]),
        ("binary.json", [], [(None, None)]),
        ("bom.csl.json", ["whitaker1980coproduction"], []),
        (
            "problems.csl.json",
            ["bovaird2007beyond", "brandsen2018formula"],
            [
                ("needham2008notitle", "title"),
                ("bovaird2007beyond", "id"),
                ("ostrom1996baddoi", "DOI"),
                ("whitaker1980badyear", "issued"),
                ("#6", None),
                ("needham2008notype", "type"),
            ],
        ),
    ],
)
def test_bad_inputs(name: str, keys: list[str], problems: list[tuple[str, str]]) -> None:
    result = read_csljson(BAD / name)
    assert [w.key for w in result.records] == keys
    assert [(p.record, p.field) for p in result.problems] == problems
    assert all(p.file == str(BAD / name) and p.message for p in result.problems)


def test_corpus_details() -> None:
    result = read_csljson(BAD / "problems.csl.json")
    bovaird, book = result.records
    assert bovaird.doi == "10.1111/j.1540-6210.2007.00773.x"  # resolver URL stripped, lower-cased
    assert bovaird.extra == {"language": "en"}
    assert book.formula_fields == ["title"] and book.title.startswith("=HYPERLINK(")
    assert "truncated" in read_csljson(BAD / "truncated.json").problems[0].message
    assert "NUL" in read_csljson(BAD / "binary.json").problems[0].message
    (whitaker,) = read_csljson(BAD / "bom.csl.json").records
    assert (whitaker.page_start, whitaker.page_end) == ("240", "246")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("csl") / "any.json"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_FIELDS = ["id", "type", "title", "author", "editor", "issued", "DOI", "ISBN", "page", "note"]
_ITEM = st.dictionaries(st.sampled_from(_FIELDS), _JSON | st.sampled_from(["book", "2007"]))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(_JSON, st.lists(_ITEM, max_size=6)))
def test_arbitrary_json_gives_problems_not_exceptions(scratch: Path, data: object) -> None:
    scratch.write_text(json.dumps(data), encoding="utf-8")
    result = read_csljson(scratch)
    assert all(isinstance(p, InputError) for p in result.problems)
    for work in result.records:
        assert isinstance(work, CatalogueWork) and work.title and work.key


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=200))
def test_arbitrary_text_gives_problems_not_exceptions(scratch: Path, text: str) -> None:
    scratch.write_bytes(text.encode("utf-8", "surrogatepass"))
    result = read_csljson(scratch)
    assert all(isinstance(p, InputError) for p in result.problems)

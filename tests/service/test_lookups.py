"""Named queries: header checks, parameter binding, golden results on both store kinds.

The fixture graph is tests/fixtures/lookups.trig (real works and cases from
/work/shared/reference/literature-facts.md; the typology coding in it is a fixture). Every
golden result below was written by hand from that file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery

from ontology.errors import InputError
from service.lookups import LOOKUP_DIR, Page, csv_text, load_registry, parse_lookup
from service.store.base import Store

FIXTURE = Path(__file__).parent.parent / "fixtures" / "lookups.trig"
EXAMPLES_DIR = LOOKUP_DIR.parent / "examples"
REGISTRY = load_registry()
SHORT = {
    "https://w3id.org/coprod/id/": "",
    "https://w3id.org/coprod/ontology#": "cop:",
    "https://w3id.org/coprod/graph/": "graph:",
    "http://linked.data.gov.au/def/cofog/": "cofog:",
    "http://publications.europa.eu/resource/authority/country/": "country:",
    "https://creativecommons.org/licenses/": "cc:",
}




def short(value: object) -> object:
    if isinstance(value, str):
        for long, prefix in SHORT.items():
            if value.startswith(long):
                return prefix + value[len(long):]
    return value


def rows(store: Store, name: str, cols: tuple[str, ...], **values: str) -> list[tuple[object, ...]]:
    page = REGISTRY.run(store, name, values, limit=1000)
    return [tuple(short(r[c]) for c in cols) for r in page.rows]


# name -> list of (parameters, columns compared, expected rows in order)
GOLDEN: dict[str, list[tuple[dict[str, str], tuple[str, ...], list[tuple[object, ...]]]]] = {
    "cases": [
        ({}, ("case", "countryCode", "startYear", "serviceArea"), [
            ("case/expert-patients-programme", "GBR", 2002, "cofog:07"),
            ("case/family-group-conferences", "NZL", 1989, "cofog:104"),
            ("case/neighbourhood-watch-uk", "GBR", 1982, "cofog:03"),
            ("case/porto-alegre-pb", "BRA", 1989, "cofog:01"),
            ("case/nigeria-primary-education", "NGA", None, "cofog:091"),
            ("case/rushey-green-time-bank", "GBR", 2000, "cofog:07"),
        ]),
        ({"country": "gbr", "from": "1990"}, ("case",), [
            ("case/expert-patients-programme",), ("case/rushey-green-time-bank",),
        ]),
        ({"plans": "jointly", "delivers": "professionals", "to": "1989"}, ("case", "whoPlans"), [
            ("case/family-group-conferences", "cop:PlannedJointly"),
            ("case/porto-alegre-pb", "cop:PlannedJointly"),
        ]),
        ({"area": "09"}, ("case",), [("case/nigeria-primary-education",)]),
    ],
    "cases-by-cell": [
        ({"cell": "jointly-jointly"}, ("case", "label"), [
            ("case/rushey-green-time-bank", "Rushey Green Time Bank"),
        ]),
        ({"cell": "jointly-professionals"}, ("case",), [
            ("case/family-group-conferences",), ("case/porto-alegre-pb",),
        ]),
        ({"cell": "community-community"}, ("case",), []),
        ({}, ("case", "cellClass"), [
            ("case/expert-patients-programme", "cop:PlannedByProfessionalsDeliveredJointly"),
            ("case/family-group-conferences", "cop:PlannedJointlyDeliveredByProfessionals"),
            ("case/neighbourhood-watch-uk", "cop:PlannedByCommunityDeliveredJointly"),
            ("case/porto-alegre-pb", "cop:PlannedJointlyDeliveredByProfessionals"),
            ("case/nigeria-primary-education",
             "cop:PlannedByProfessionalsDeliveredByProfessionals"),
            ("case/rushey-green-time-bank", "cop:PlannedJointlyDeliveredJointly"),
        ]),
    ],
    "cases-by-planner": [
        ({"plans": "professionals"}, ("case", "whoDelivers"), [
            ("case/expert-patients-programme", "cop:DeliveredJointly"),
            ("case/nigeria-primary-education", "cop:DeliveredByProfessionals"),
        ]),
        ({"plans": "community"}, ("case",), [("case/neighbourhood-watch-uk",)]),
    ],
    "cases-by-deliverer": [
        ({"delivers": "jointly"}, ("case", "whoPlans"), [
            ("case/expert-patients-programme", "cop:PlannedByProfessionals"),
            ("case/neighbourhood-watch-uk", "cop:PlannedByCommunity"),
            ("case/rushey-green-time-bank", "cop:PlannedJointly"),
        ]),
        ({"delivers": "community"}, ("case",), []),
    ],
    "cases-by-service-area": [
        ({"area": "07"}, ("case", "code"), [
            ("case/expert-patients-programme", "07"), ("case/rushey-green-time-bank", "07"),
        ]),
        ({"area": "10"}, ("case", "code"), [("case/family-group-conferences", "104")]),
    ],
    "cases-by-country": [
        ({"country": "GBR"}, ("case",), [
            ("case/expert-patients-programme",), ("case/neighbourhood-watch-uk",),
            ("case/rushey-green-time-bank",),
        ]),
        ({"country": "nzl"}, ("case", "countryIri"), [
            ("case/family-group-conferences", "country:NZL"),
        ]),
    ],
    "cases-by-start-year": [
        ({"from": "1980", "to": "1995"}, ("case", "startYear"), [
            ("case/neighbourhood-watch-uk", 1982),
            ("case/family-group-conferences", 1989),
            ("case/porto-alegre-pb", 1989),
        ]),
        ({"from": "2000"}, ("case", "startYear"), [
            ("case/rushey-green-time-bank", 2000), ("case/expert-patients-programme", 2002),
        ]),
    ],
    "cases-by-phase": [
        ({"phase": "delivery"}, ("case",), [
            ("case/expert-patients-programme",), ("case/neighbourhood-watch-uk",),
            ("case/rushey-green-time-bank",),
        ]),
        ({"phase": "design"}, ("case",), [("case/family-group-conferences",)]),
        ({"phase": "assessment"}, ("case",), []),
    ],
    "cases-by-level": [
        ({"level": "collective"}, ("case",), [
            ("case/neighbourhood-watch-uk",), ("case/porto-alegre-pb",),
        ]),
        ({"level": "group"}, ("case",), [("case/rushey-green-time-bank",)]),
    ],
    "cases-search": [
        ({"q": "TIME BANK"}, ("case",), [("case/rushey-green-time-bank",)]),
        ({"q": "police"}, ("case",), [("case/neighbourhood-watch-uk",)]),
        ({"q": 'no "such" {text}'}, ("case",), []),
    ],
    "cases-page": [
        ({}, ("case", "label"), [
            ("case/expert-patients-programme", "Expert Patients Programme"),
            ("case/family-group-conferences", "Family Group Conferences"),
            ("case/neighbourhood-watch-uk", "Neighbourhood Watch (UK)"),
            ("case/porto-alegre-pb", "Participatory budgeting, Porto Alegre"),
            ("case/nigeria-primary-education", "Primary education in Nigeria"),
            ("case/rushey-green-time-bank", "Rushey Green Time Bank"),
        ]),
        ({"cell": "jointly-professionals"}, ("case", "label"), [
            ("case/family-group-conferences", "Family Group Conferences"),
            ("case/porto-alegre-pb", "Participatory budgeting, Porto Alegre"),
        ]),
        ({"q": "BANK"}, ("case",), [("case/rushey-green-time-bank",)]),
        ({"country": "gbr", "from": "1990", "area": "07"}, ("case",), [
            ("case/expert-patients-programme",), ("case/rushey-green-time-bank",),
        ]),
        ({"plans": "jointly", "delivers": "professionals", "to": "1989", "q": "porto"}, ("case",),
         [("case/porto-alegre-pb",)]),
        ({"cell": "community-community"}, ("case",), []),
        ({"q": 'no "such" {text}'}, ("case",), []),
    ],
    "typology-matrix": [
        ({}, ("cell", "cases"), [
            ("cop:PlannedByProfessionalsDeliveredByProfessionals", 1),
            ("cop:PlannedByProfessionalsDeliveredJointly", 1),
            ("cop:PlannedByProfessionalsDeliveredByCommunity", 0),
            ("cop:PlannedJointlyDeliveredByProfessionals", 2),
            ("cop:PlannedJointlyDeliveredJointly", 1),
            ("cop:PlannedJointlyDeliveredByCommunity", 0),
            ("cop:PlannedByCommunityDeliveredByProfessionals", 0),
            ("cop:PlannedByCommunityDeliveredJointly", 1),
            ("cop:PlannedByCommunityDeliveredByCommunity", 0),
        ]),
    ],
    "works": [
        ({}, ("work", "year", "venue", "doi"), [
            ("work/whitaker-1980-coproduction", 1980, "Public Administration Review",
             "10.2307/975377"),
            ("work/parks-1981-consumers", 1981, "Policy Studies Journal",
             "10.1111/j.1541-0072.1981.tb01208.x"),
            ("work/ostrom-1996-crossing", 1996, "World Development",
             "10.1016/0305-750X(96)00023-X"),
            ("work/alford-1998-road", 1998, "Australian Journal of Public Administration", None),
            ("work/alford-2002-why", 2002, "Administration & Society",
             "10.1177/0095399702034001004"),
            ("work/bovaird-2007-beyond-engagement", 2007, "Public Administration Review",
             "10.1111/j.1540-6210.2007.00773.x"),
            ("work/needham-2008-realising", 2008, "Social Policy & Society",
             "10.1017/S1474746407004174"),
            ("work/loeffler-2016-user", 2016, "International Journal of Public Administration",
             "10.1080/01900692.2016.1250559"),
        ]),
        ({"from": "2002", "to": "2008", "type": "article"}, ("work",), [
            ("work/alford-2002-why",), ("work/bovaird-2007-beyond-engagement",),
            ("work/needham-2008-realising",),
        ]),
        ({"type": "book"}, ("work",), []),
    ],
    "works-by-author": [
        ({"author": "bovaird"}, ("work", "name"), [
            ("work/bovaird-2007-beyond-engagement", "Tony Bovaird"),
            ("work/loeffler-2016-user", "Tony Bovaird"),
        ]),
        ({"author": "OSTROM"}, ("work", "person"), [
            ("work/parks-1981-consumers", "person/ostrom-e"),
            ("work/ostrom-1996-crossing", "person/ostrom-e"),
            ("work/parks-1981-consumers", "person/ostrom-v"),
        ]),
    ],
    "works-page": [
        ({}, ("work", "year", "venue", "doi"), [
            ("work/whitaker-1980-coproduction", 1980, "Public Administration Review",
             "10.2307/975377"),
            ("work/parks-1981-consumers", 1981, "Policy Studies Journal",
             "10.1111/j.1541-0072.1981.tb01208.x"),
            ("work/ostrom-1996-crossing", 1996, "World Development",
             "10.1016/0305-750X(96)00023-X"),
            ("work/alford-1998-road", 1998, "Australian Journal of Public Administration", None),
            ("work/alford-2002-why", 2002, "Administration & Society",
             "10.1177/0095399702034001004"),
            ("work/bovaird-2007-beyond-engagement", 2007, "Public Administration Review",
             "10.1111/j.1540-6210.2007.00773.x"),
            ("work/needham-2008-realising", 2008, "Social Policy & Society",
             "10.1017/S1474746407004174"),
            ("work/loeffler-2016-user", 2016, "International Journal of Public Administration",
             "10.1080/01900692.2016.1250559"),
        ]),
        ({"author": "OSTROM"}, ("work",), [
            ("work/parks-1981-consumers",), ("work/ostrom-1996-crossing",),
        ]),
        ({"from": "2002", "to": "2008", "venue": "public administration"}, ("work", "venue"), [
            ("work/bovaird-2007-beyond-engagement", "Public Administration Review"),
        ]),
        ({"q": "CO-PRODUCTION"}, ("work", "title"), [
            ("work/needham-2008-realising", "Realising the Potential of Co-production: "
             "Negotiating Improvements in Public Services"),
            ("work/loeffler-2016-user", "User and Community Co-Production of Public Services: "
             "What Does the Evidence Tell Us?"),
        ]),
        ({"author": "bovaird", "to": "2000"}, ("work",), []),
    ],
    "works-by-year": [
        ({"year": "2007"}, ("work",), [("work/bovaird-2007-beyond-engagement",)]),
        ({"year": "1999"}, ("work",), []),
    ],
    "works-by-venue": [
        ({"venue": "public administration review"}, ("work", "year"), [
            ("work/whitaker-1980-coproduction", 1980),
            ("work/bovaird-2007-beyond-engagement", 2007),
        ]),
        ({"venue": "& Society"}, ("work",), [
            ("work/alford-2002-why",), ("work/needham-2008-realising",),
        ]),
    ],
    "work-by-doi": [
        ({"doi": "https://doi.org/10.1111/J.1540-6210.2007.00773.X"}, ("work", "year"), [
            ("work/bovaird-2007-beyond-engagement", 2007),
        ]),
        ({"doi": "doi:10.1016/0305-750x(96)00023-x"}, ("work", "doiValue"), [
            ("work/ostrom-1996-crossing", "10.1016/0305-750X(96)00023-X"),
        ]),
        ({"doi": "10.9999/none"}, ("work",), []),
    ],
    "works-discussing-case": [
        ({"case": "https://w3id.org/coprod/id/case/neighbourhood-watch-uk"}, ("work", "year"), [
            ("work/parks-1981-consumers", 1981),
        ]),
        ({}, ("case", "work"), [
            ("case/neighbourhood-watch-uk", "work/parks-1981-consumers"),
            ("case/nigeria-primary-education", "work/ostrom-1996-crossing"),
        ]),
    ],
    "cases-discussed-in-work": [
        ({"work": "https://w3id.org/coprod/id/work/ostrom-1996-crossing"}, ("case", "label"), [
            ("case/nigeria-primary-education", "Primary education in Nigeria"),
        ]),
        ({"work": "https://w3id.org/coprod/id/work/bovaird-2007-beyond-engagement"},
         ("case",), []),
    ],
    "citations": [
        ({"work": "https://w3id.org/coprod/id/work/needham-2008-realising"},
         ("direction", "other", "year"), [
            ("cites", "work/alford-1998-road", 1998),
            ("cites", "work/bovaird-2007-beyond-engagement", 2007),
        ]),
        ({"work": "https://w3id.org/coprod/id/work/alford-2002-why"}, ("direction", "other"), [
            ("cited-by", "work/loeffler-2016-user"),
        ]),
    ],
    "coauthors": [
        ({"person": "https://w3id.org/coprod/id/person/bovaird-t"}, ("coauthor", "works"), [
            ("person/loeffler-e", 1),
        ]),
        ({"person": "https://w3id.org/coprod/id/person/whitaker-gp"}, ("name",), [
            ("Elinor Ostrom",), ("Larry L. Kiser",), ("Paula C. Baker",), ("Rick K. Wilson",),
            ("Roger B. Parks",), ("Ronald J. Oakerson",), ("Vincent Ostrom",),
        ]),
        ({"person": "https://w3id.org/coprod/id/person/needham-c"}, ("coauthor",), []),
    ],
    "work-authors": [
        ({"work": "https://w3id.org/coprod/id/work/loeffler-2016-user"}, ("position", "name"), [
            (1, "Elke Loeffler"), (2, "Tony Bovaird"),
        ]),
        ({"work": "https://w3id.org/coprod/id/work/parks-1981-consumers"}, ("position", "person"), [
            (1, "person/parks-rb"), (2, "person/baker-pc"), (3, "person/kiser-ll"),
            (4, "person/oakerson-rj"), (5, "person/ostrom-e"), (6, "person/ostrom-v"),
            (7, "person/whitaker-gp"), (8, "person/wilson-rk"),
        ]),
    ],
    "authors": [
        ({"q": "ostrom"}, ("person", "works"), [("person/ostrom-e", 2), ("person/ostrom-v", 1)]),
        ({}, ("name", "works"), [
            ("Elinor Ostrom", 2), ("Gordon P. Whitaker", 2), ("John Alford", 2),
            ("Tony Bovaird", 2), ("Catherine Needham", 1), ("Elke Loeffler", 1),
            ("Larry L. Kiser", 1), ("Paula C. Baker", 1), ("Rick K. Wilson", 1),
            ("Roger B. Parks", 1), ("Ronald J. Oakerson", 1), ("Vincent Ostrom", 1),
        ]),
    ],
    "concepts": [
        ({"scheme": "https://w3id.org/coprod/ontology#FourCosScheme"}, ("concept", "label"), [
            ("cop:CoAssessment", "co-assessment"), ("cop:CoCommissioning", "co-commissioning"),
            ("cop:CoDelivery", "co-delivery"), ("cop:CoDesign", "co-design"),
        ]),
        ({"scheme": "https://w3id.org/coprod/ontology#LevelScheme", "lang": "pt"},
         ("concept", "label"), [
            ("cop:CollectiveCoproduction", None), ("cop:GroupCoproduction", None),
            ("cop:IndividualCoproduction", None),
        ]),
        ({"scheme": "https://w3id.org/coprod/ontology#LevelScheme"}, ("concept", "source"), [
            ("cop:CollectiveCoproduction",
             "https://nursingpaperwriting.com/nabatchietal2017varietiesofcoproduction-pdf/"),
            ("cop:GroupCoproduction",
             "https://nursingpaperwriting.com/nabatchietal2017varietiesofcoproduction-pdf/"),
            ("cop:IndividualCoproduction",
             "https://nursingpaperwriting.com/nabatchietal2017varietiesofcoproduction-pdf/"),
        ]),
    ],
    "concept-schemes": [
        ({}, ("scheme", "concepts"), [("cop:LevelScheme", 3), ("cop:FourCosScheme", 4)]),
    ],
    "unverified-records": [
        ({}, ("record", "confirmation", "fields"), [
            ("case/rushey-green-time-bank", "cop:Confirmed", "start_year"),
            ("work/parks-1981-consumers", "cop:PartlyConfirmed", ""),
            ("case/porto-alegre-pb", "cop:PartlyConfirmed", ""),
            ("case/expert-patients-programme", "cop:Unconfirmed", ""),
        ]),
        ({"status": "confirmed"}, ("record",), [("case/rushey-green-time-bank",)]),
        ({"status": "unconfirmed"}, ("record", "note"), [
            ("case/expert-patients-programme",
             "The national launch year 2002 comes from a secondary source only."),
        ]),
    ],
    "records-by-source": [
        ({"source": "PARTICIPEDIA"}, ("record", "page"), [
            ("case/porto-alegre-pb", "http://participedia.xyz/5524.html"),
        ]),
        ({"source": "dokumen.site"}, ("record",), [
            ("work/ostrom-1996-crossing",), ("case/nigeria-primary-education",),
        ]),
    ],
    "records-by-licence": [
        ({"licence": "https://creativecommons.org/licenses/by-sa/4.0/"}, ("record", "type"), [
            ("case/expert-patients-programme", "cop:Case"),
            ("case/family-group-conferences", "cop:Case"),
            ("case/neighbourhood-watch-uk", "cop:Case"),
            ("case/nigeria-primary-education", "cop:Case"),
            ("case/porto-alegre-pb", "cop:Case"),
            ("case/rushey-green-time-bank", "cop:Case"),
            ("place/catford-gbr", "http://purl.org/dc/terms/Location"),
            ("place/catford-gbr", "https://schema.org/Place"),
            ("place/england-gbr", "http://purl.org/dc/terms/Location"),
            ("place/england-gbr", "https://schema.org/Place"),
            ("place/mollington-gbr", "http://purl.org/dc/terms/Location"),
            ("place/mollington-gbr", "https://schema.org/Place"),
            ("place/porto-alegre-bra", "http://purl.org/dc/terms/Location"),
            ("place/porto-alegre-bra", "https://schema.org/Place"),
        ]),
    ],
    "graphs": [
        ({}, ("graph", "source", "licence", "triples"), [
            ("graph:canon-cases", "sources/cases.yaml", "cc:by-sa/4.0/", 97),
            ("graph:canon-works", "sources/works.bib", "cc:by/4.0/", 245),
            ("graph:inferred", "reasoner", "cc:by/4.0/", 9),
            ("graph:vocab", "ontology/vocab/schemes.ttl", "cc:by/4.0/", 41),
        ]),
    ],
    "record-provenance": [
        ({"record": "https://w3id.org/coprod/id/case/rushey-green-time-bank"},
         ("graph", "triples", "licence"), [
            ("graph:canon-cases", 16, "cc:by-sa/4.0/"),
            ("graph:inferred", 2, "cc:by/4.0/"),
        ]),
    ],
    "record-sources": [
        ({"record": "https://w3id.org/coprod/id/work/parks-1981-consumers"},
         ("page", "confirmation"), [
            ("http://onlinelibrary.wiley.com/doi/10.1111/j.1541-0072.1981.tb01208.x/references",
             "cop:PartlyConfirmed"),
            ("https://dlc.dlib.indiana.edu/dlc/handle/10535/3929", "cop:PartlyConfirmed"),
        ]),
    ],
    "case": [
        ({"case": "https://w3id.org/coprod/id/case/neighbourhood-watch-uk"},
         ("placeLabel", "countryCode", "startYear", "cellClass", "phases", "works"), [
            ("Mollington, Cheshire", "GBR", 1982, "cop:PlannedByCommunityDeliveredJointly",
             "cop:CoDelivery", "work/parks-1981-consumers"),
        ]),
        ({"case": "https://w3id.org/coprod/id/case/none"}, ("case",), []),
    ],
    "work": [
        ({"work": "https://w3id.org/coprod/id/work/needham-2008-realising"},
         ("title", "year", "venueLabel", "volume", "issue", "pageStart", "pageEnd"), [
            ("Realising the Potential of Co-production: Negotiating Improvements in Public "
             "Services", 2008, "Social Policy & Society", "7", "2", "221", "231"),
        ]),
    ],
}


def test_there_are_enough_lookups_and_all_have_golden_results() -> None:
    assert len(REGISTRY) >= 25
    assert set(GOLDEN) == {lookup.name for lookup in REGISTRY}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden(loaded: Store, name: str) -> None:
    for values, cols, expected in GOLDEN[name]:
        assert rows(loaded, name, cols, **values) == expected, (name, values)


def test_list_columns_hold_every_link(loaded: Store) -> None:
    # GROUP_CONCAT order is not defined, so the detail lists are compared as sets.
    page = REGISTRY.run(loaded, "work", {"work": "https://w3id.org/coprod/id/work/needham-2008-realising"})
    row = page.rows[0]
    assert set(str(row["cites"]).split()) == {
        "https://w3id.org/coprod/id/work/bovaird-2007-beyond-engagement",
        "https://w3id.org/coprod/id/work/alford-1998-road",
    }
    assert set(str(row["types"]).split()) == {
        "http://purl.org/spar/fabio/JournalArticle", "https://schema.org/CreativeWork",
    }


def test_every_header_example_runs(loaded: Store) -> None:
    for lookup in REGISTRY:
        examples = list(lookup.examples)
        # All parameter examples at once, too.
        examples.append({p.name: p.example for p in lookup.parameters if p.example is not None})
        for example in examples:
            page = REGISTRY.run(loaded, lookup.name, example)
            assert page.columns == list(lookup.columns)
            for row in page.rows:
                assert set(row) == set(lookup.columns)


def test_each_example_query_runs(loaded: Store) -> None:
    files = sorted(EXAMPLES_DIR.glob("*.rq"))
    assert files
    for path in files:
        result = loaded.select(path.read_text(encoding="utf-8"))
        assert result.rows, path.name


def test_paging_is_stable_and_complete(loaded: Store) -> None:
    whole = REGISTRY.run(loaded, "authors", {}, limit=1000).rows
    first = REGISTRY.run(loaded, "authors", {}, limit=5)
    second = REGISTRY.run(loaded, "authors", {}, limit=5, offset=5)
    third = REGISTRY.run(loaded, "authors", {}, limit=5, offset=10)
    assert first.more and second.more and not third.more
    assert first.rows + second.rows + third.rows == whole
    assert len(whole) == 12


# ----------------------------------------------------------------- binding and validation


@pytest.mark.parametrize(
    ("name", "values", "field"),
    [
        ("cases-by-cell", {"cell": "full"}, "cell"),
        ("cases-by-country", {"country": "GB"}, "country"),
        ("cases-by-start-year", {"from": "19x0"}, "from"),
        ("cases-by-start-year", {"to": "12345"}, "to"),
        ("works-discussing-case", {"case": "not an iri"}, "case"),
        ("works-discussing-case", {"case": "http://x/a>b"}, "case"),
        ("work-by-doi", {"doi": "11.1/x"}, "doi"),
        ("cases-search", {"q": "x" * 201}, "q"),
        ("cases-search", {"q": "a\x00b"}, "q"),
        ("cases-search", {}, "q"),
        ("cases", {"nosuch": "1"}, "nosuch"),
        ("concepts", {"lang": "en_GB"}, "lang"),
        ("concepts", {"lang": "toolonglanguage"}, "lang"),
    ],
)
def test_bad_values_name_the_parameter(name: str, values: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        REGISTRY.get(name).bind(values)
    assert caught.value.field == field
    assert "expected" in caught.value.message or "parameter" in caught.value.message or (
        "required" in caught.value.message
    )


def test_bad_paging_is_refused() -> None:
    lookup = REGISTRY.get("cases")
    for limit, offset in (("0", None), ("1001", None), ("x", None), (None, "-1")):
        with pytest.raises(InputError):
            lookup.bounds(limit, offset)
    assert lookup.bounds(None, None) == (100, 0)


def test_unknown_lookup() -> None:
    with pytest.raises(InputError):
        REGISTRY.get("no-such-lookup")


def test_bound_terms_are_typed() -> None:
    text = REGISTRY.get("cases").bind({"plans": "jointly", "from": "1990", "country": "GBR"})
    assert "VALUES ?plans { <https://w3id.org/coprod/ontology#PlannedJointly> }" in text
    assert 'VALUES ?from { "1990"^^<http://www.w3.org/2001/XMLSchema#integer> }' in text
    assert 'VALUES ?country { "GBR" }' in text
    assert "VALUES ?area { UNDEF }" in text


def values_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if re.match(r"\s*VALUES \?\w+ \{", line)]


STRING_PARAMS = [
    (lookup.name, param.name)
    for lookup in REGISTRY for param in lookup.parameters if param.type == "string"
]
# Hypothesis cannot draw 10,000-character texts directly, so a short one is repeated.
LONG = st.text(min_size=1, max_size=40).map(lambda s: (s * (10_000 // len(s) + 1))[:10_000])
NASTY = st.one_of(
    st.text(),
    st.text(alphabet='"\'{}<>#\\\n\r\t }{?.;UNDEF', max_size=60),
    LONG,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(STRING_PARAMS), value=NASTY)
def test_no_value_changes_a_lookups_structure(case: tuple[str, str], value: str) -> None:
    lookup = REGISTRY.get(case[0])
    before = values_lines(lookup.text)
    try:
        text = lookup.bind({case[1]: value})
    except InputError as exc:
        assert exc.field == case[1]
        return
    prepareQuery(text)
    after = values_lines(text)
    assert len(after) == len(before) == len(lookup.parameters)




@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.text(max_size=200), LONG))
def test_a_bound_string_comes_back_unchanged(
    value: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A probe lookup whose only job is to return its parameter: what goes in must come out.
    path = tmp_path_factory.getbasetemp() / "probe.rq"
    if not path.exists():
        path.write_text(
            "#+ summary: echo\n#+ parameters:\n#+   v: {type: string, max: 20000, example: x}\n"
            "#+ columns: [v]\nSELECT ?v WHERE {\n  VALUES ?v { UNDEF }\n}\nORDER BY ?v\n",
            encoding="utf-8",
        )
    lookup = parse_lookup(path)
    if value == "":
        return  # an empty value means "not given", as from an empty HTML form field
    try:
        text = lookup.bind({"v": value})
    except InputError as exc:
        assert exc.field == "v"
        assert re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value)
        return
    result = list(Graph().query(text))
    assert len(result) == 1
    assert str(result[0][0]) == value


@settings(max_examples=150, deadline=None)
@given(value=st.text(max_size=300))
def test_iri_values_are_checked_or_kept_exact(value: str) -> None:
    lookup = REGISTRY.get("works-discussing-case")
    try:
        text = lookup.bind({"case": value})
    except InputError as exc:
        assert exc.field == "case"
        return
    prepareQuery(text)
    expected = "UNDEF" if value == "" else f"<{value.strip()}>"
    assert f"VALUES ?case {{ {expected} }}" in text


# ----------------------------------------------------------------- malformed files

GOOD = """#+ summary: ok
#+ parameters:
#+   x: {type: integer, example: 1}
#+ columns: [a]
SELECT ?a WHERE {
  VALUES ?x { UNDEF }
  ?a ?p ?x
}
ORDER BY ?a
"""


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD.replace("#+ columns: [a]", "#+ columns: [a"), 4, "YAML"),
        (GOOD.replace("#+ summary: ok", "#+ summary: ok\n#+ colour: red"), 2, "unknown header key"),
        (GOOD.replace("  VALUES ?x { UNDEF }\n", ""), 3, "needs a line"),
        (GOOD.replace("  ?a ?p ?x", "  VALUES ?y { UNDEF }\n  ?a ?p ?x"), 7, "no parameter"),
        (GOOD.replace("#+ columns: [a]", "#+ columns: [b]"), 5, "columns"),
        (GOOD.replace("  ?a ?p ?x", "  ?a ?p ?x ]"), 7, "syntax"),
        (GOOD.replace("ORDER BY ?a", ""), 5, "ORDER BY"),
        (GOOD.replace("ORDER BY ?a", "ORDER BY ?a LIMIT 5"), 5, "LIMIT"),
        (GOOD.replace("type: integer, example: 1", "type: integer, example: one"), 3, "example"),
        (GOOD.replace("type: integer", "type: number"), 3, "type"),
        (GOOD.replace("#+ columns: [a]\n", "#+ columns: [a]\n#+ examples: [{x: y}]\n"), 5,
         "example"),
        ("SELECT ?a WHERE { ?a ?b ?c } ORDER BY ?a\n", 1, "header"),
    ],
)
def test_a_bad_file_stops_loading_with_file_and_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "bad-one.rq"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_registry(tmp_path)
    assert caught.value.file == str(path)
    assert caught.value.line == line, caught.value.describe()
    assert words.lower() in caught.value.describe().lower()


def test_a_dropped_in_file_becomes_a_lookup(tmp_path: Path) -> None:
    (tmp_path / "my-new-one.rq").write_text(GOOD, encoding="utf-8")
    registry = load_registry(tmp_path)
    assert [lookup.name for lookup in registry] == ["my-new-one"]


def test_another_base_rewrites_queries_and_enums() -> None:
    registry = load_registry(base="https://example.org/kg/")
    lookup = registry.get("cases-by-planner")
    assert "https://w3id.org/coprod/" not in lookup.text
    assert "<https://example.org/kg/ontology#PlannedJointly>" in lookup.bind({"plans": "jointly"})


def test_csv_neutralises_formulas() -> None:
    page = Page("t", ["a", "b"], [{"a": "=1+2", "b": 3}, {"a": "@x", "b": None},
                                  {"a": "-2", "b": -2}, {"a": "plain, text", "b": 1.5}], 10, 0,
                False)
    lines = csv_text(page).split("\r\n")
    assert lines[:5] == ["a,b", "'=1+2,3", "'@x,", "'-2,-2", '"plain, text",1.5']

"""validate(): per-record, per-field rows from the SHACL shapes; good records give none."""

from __future__ import annotations

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, RDFS, SH

from ontology.namespaces import COP, SCHEMA
from ontology.validate import Violation, load_shapes, targeted, validate

PREFIXES = """
@prefix cop: <https://w3id.org/coprod/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix bibo: <http://purl.org/ontology/bibo/> .
@prefix fabio: <http://purl.org/spar/fabio/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/coprod/id/> .
"""

# Bibliographic facts from /work/shared/reference/literature-facts.md (a.1, [C]).
GOOD = PREFIXES + """
id:work\\/bovaird-2007 a fabio:JournalArticle , schema:CreativeWork ;
    dcterms:title "Beyond Engagement and Participation: User and Community Coproduction of Public \
Services" ;
    rdfs:label "Beyond Engagement and Participation" ;
    dcterms:identifier "bovaird2007" ;
    fabio:hasPublicationYear "2007"^^xsd:gYear ;
    dcterms:creator id:person\\/bovaird-t ;
    bibo:doi "10.1111/j.1540-6210.2007.00773.x" ;
    cop:confirmation cop:Confirmed .
id:person\\/bovaird-t a foaf:Person ; foaf:name "Tony Bovaird" ; rdfs:label "Tony Bovaird" ;
    foaf:familyName "Bovaird" ; foaf:givenName "Tony" .
id:case\\/good a cop:Case ;
    rdfs:label "A well catalogued case"@en ;
    dcterms:identifier "good" ;
    dcterms:source <https://example.org/source-page> ;
    cop:whoPlans cop:PlannedJointly ;
    cop:whoDelivers cop:DeliveredJointly ;
    schema:startDate "1989"^^xsd:gYear ;
    cop:country <http://publications.europa.eu/resource/authority/country/BRA> ;
    cop:serviceArea <http://linked.data.gov.au/def/cofog/01> ;
    cop:discussedIn id:work\\/bovaird-2007 ;
    cop:confirmation cop:Unconfirmed .
"""

BAD = PREFIXES + """
id:case\\/bad a cop:Case ;
    rdfs:label "A badly catalogued case"@en ;
    dcterms:source <https://example.org/source-page> ;
    cop:whoPlans cop:PlannedJointly , cop:PlannedByCommunity ;
    schema:startDate "2031"^^xsd:gYear ;
    cop:country <http://example.org/GB> , "GB" ;
    cop:serviceArea <http://linked.data.gov.au/def/cofog/health> .
id:work\\/bad a schema:CreativeWork ;
    dcterms:title "A work with a resolver DOI" ;
    dcterms:identifier "badwork" ;
    fabio:hasPublicationYear "2007"^^xsd:gYear ;
    bibo:doi "https://doi.org/10.1111/j.1540-6210.2007.00773.x" .
"""


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


def rows_for(rows: list[Violation], focus_end: str) -> dict[str, Violation]:
    return {row.field: row for row in rows if row.focus.endswith(focus_end)}


def test_good_records_give_no_rows(shapes: Graph) -> None:
    assert validate(Graph().parse(data=GOOD, format="turtle"), shapes) == []


def test_bad_case_names_record_and_fields(shapes: Graph) -> None:
    rows = validate(Graph().parse(data=BAD, format="turtle"), shapes)
    case = rows_for(rows, "case/bad")
    assert {"case_id", "who_plans", "start_year", "country", "service_area"} <= set(case)
    assert case["case_id"].severity == "Violation"
    assert case["case_id"].label == "A badly catalogued case"
    assert case["case_id"].record == ""  # it has no identifier: that is the problem
    assert "Bovaird" in case["who_plans"].message
    assert case["start_year"].value == "2031"
    countries = {r.value for r in rows if r.focus.endswith("case/bad") and r.field == "country"}
    assert countries == {"http://example.org/GB", "GB"}


def test_bad_doi_names_the_work(shapes: Graph) -> None:
    rows = validate(Graph().parse(data=BAD, format="turtle"), shapes)
    work = rows_for(rows, "work/bad")
    assert work["doi"].record == "badwork"
    assert work["doi"].value == "https://doi.org/10.1111/j.1540-6210.2007.00773.x"
    assert work["doi"].blocking
    # No author on this work is accepted but flagged.
    assert work["author"].severity == "Warning"
    assert not work["author"].blocking


def test_rows_are_unique_and_sorted(shapes: Graph) -> None:
    data = Graph().parse(data=BAD, format="turtle")
    rows = validate(data, shapes)
    keys = [(r.focus, r.field, r.value) for r in rows]
    assert len(keys) == len(set(keys))
    assert rows == sorted(rows, key=lambda r: (r.record, r.focus, r.severity != "Violation"))
    # "GB" breaks two constraints (not an IRI, wrong pattern) and is reported once.
    assert sum(1 for r in rows if r.field == "country" and r.value == "GB") == 1


def test_default_shapes_come_from_the_package() -> None:
    rows = validate(Graph().parse(data=BAD, format="turtle"))
    assert any(r.field == "doi" for r in rows)


def test_shapes_follow_another_base() -> None:
    base = "https://example.org/kg/"
    data = Graph().parse(
        data=f"""
        @prefix cop: <{base}ontology#> .
        <{base}id/case/x> a cop:Case ; cop:whoPlans cop:PlannedJointly , cop:PlannedByCommunity .
        """,
        format="turtle",
    )
    fields = {row.field for row in validate(data, load_shapes(base))}
    assert {"who_plans", "case_id", "name", "sources"} <= fields


def _results(data: Graph, shapes: Graph) -> set[tuple[str, ...]]:
    """Every result pySHACL finds: focus, shape, path, value, severity and message."""
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                    allow_warnings=True, allow_infos=True)
    assert isinstance(report, Graph)
    keys = (SH.focusNode, SH.sourceShape, SH.resultPath, SH.value, SH.resultSeverity,
            SH.resultMessage)
    return {tuple(str(report.value(r, k)) for k in keys) for r in report.objects(None, SH.result)}


def test_targeted_shapes_find_exactly_what_the_nested_shapes_find() -> None:
    data = Graph().parse(data=GOOD + BAD, format="turtle")
    method, org = URIRef("https://w3id.org/coprod/id/method/m"), URIRef(
        "https://w3id.org/coprod/id/org/o")
    data.add((method, RDF.type, COP.Method))
    data.add((method, RDFS.label, Literal("Citizens' jury", lang="fr")))
    data.add((org, RDF.type, FOAF.Organization))
    data.add((URIRef("https://w3id.org/coprod/id/place/p"), RDF.type, SCHEMA.Place))
    shapes = load_shapes()
    nested = _results(data, shapes)
    assert len(nested) >= 10  # the bad records break many shapes
    assert _results(data, targeted(shapes)) == nested
    # and nothing in the shapes graph was lost or added, only the sh:property links
    flat = targeted(shapes)
    assert not set(flat.objects(None, SH.property))
    assert {t for t in shapes if t[1] != SH.property} <= set(flat)

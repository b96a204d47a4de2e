"""Participedia -> triples: crosswalk matches, literals for the rest, one IRI per id."""

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from ingest.artefact import iter_graphs
from ingest.build import build
from ingest.iris import Minter
from ingest.mappers.participedia import (
    ParticipediaGraph,
    country_index,
    map_participedia,
)
from ingest.readers.participedia_2017 import read_participedia_2017
from ingest.readers.participedia_export import read_participedia_export
from ontology import DEFAULT_BASE
from ontology.namespaces import COP, COUNTRY, SCHEMA

ROOT = Path(__file__).parents[2]
DATA = ROOT / "sources" / "participedia"
NC = URIRef("https://creativecommons.org/licenses/by-nc-sa/3.0/")


@pytest.fixture(scope="module")
def countries() -> dict[str, str]:
    graph = Graph()
    graph.parse(ROOT / "sources" / "authorities" / "countries-skos-en.ttl")
    return country_index(graph)


@pytest.fixture(scope="module")
def export(countries: dict[str, str]) -> ParticipediaGraph:
    read = read_participedia_export(DATA / "participedia-export" / "cases_export_sample.csv")
    return map_participedia(read.records, Minter(), countries=countries)


@pytest.fixture(scope="module")
def snapshot(countries: dict[str, str]) -> ParticipediaGraph:
    read = read_participedia_2017(DATA / "participedia-2017-migration")
    return map_participedia(read.records, Minter(), countries=countries)


def case(entry_id: str) -> URIRef:
    return URIRef(f"{DEFAULT_BASE}id/case/participedia-{entry_id}")


def test_export_case_maps_cogovernance_country_year_and_page(export: ParticipediaGraph) -> None:
    g, bc = export.graph, case("1")
    assert (bc, RDF.type, COP.Case) in g
    assert (bc, DCTERMS.subject, COP.CoGovernance) in g  # approaches: cogovernance
    assert (bc, COP.country, COUNTRY.CAN) in g
    assert g.value(bc, SCHEMA.startDate) == Literal("2004", datatype=XSD.gYear)
    assert (bc, SCHEMA.url, URIRef("https://participedia.net/case/1")) in g
    # No Bovaird coordinates are ever coded from Participedia.
    assert not list(g.triples((None, COP.whoPlans, None)))
    assert not list(g.triples((None, COP.whoDelivers, None)))


def test_unmatched_values_stay_as_literals_and_are_reported(export: ParticipediaGraph) -> None:
    assert (case("1"), COP.participediaValue, Literal("approaches:consultation")) in export.graph
    reported = {(u.record, u.field, u.value) for u in export.unmapped}
    assert ("1", "approaches", "consultation") in reported
    assert ("1", "approaches", "cogovernance") not in reported


def test_2017_labels_map_to_codelivery_and_cofog(snapshot: ParticipediaGraph) -> None:
    g = snapshot.graph
    assert set(g.subjects(COP.phase, COP.CoDelivery))  # "Collaborative delivery of services"
    assert set(g.subjects(DCTERMS.subject, COP.CoGovernance))
    assert set(g.subjects(COP.serviceArea, URIRef("http://linked.data.gov.au/def/cofog/07")))


def test_country_names_outside_the_table_resolve_through_the_alias_list(
    snapshot: ParticipediaGraph,
) -> None:
    misses = {u.value for u in snapshot.unmapped if u.field == "country"}
    assert not {"Deutschland", "Cape Verde", "Palestinian Territory"} & misses
    countries = set(snapshot.graph.objects(None, COP.country))
    assert {COUNTRY.DEU, COUNTRY.CPV, COUNTRY.PSE} <= countries


def test_same_participedia_id_gives_one_iri(
    export: ParticipediaGraph, snapshot: ParticipediaGraph
) -> None:
    both = set(export.graph.subjects(RDF.type, COP.Case)) & set(
        snapshot.graph.subjects(RDF.type, COP.Case)
    )
    assert case("1") in both and len(both) == 10


def test_build_with_participedia_writes_nc_graphs_and_unmapped_report(tmp_path: Path) -> None:
    result = build(ROOT / "sources", tmp_path, force=True)
    graph = f"{DEFAULT_BASE}graph/participedia-2017"
    assert result.manifest.graphs[graph] > 10_000
    catalog = Graph()
    for name, data in iter_graphs(tmp_path):
        if name.endswith("/catalog"):
            catalog.parse(data=data, format="nt")
    assert catalog.value(URIRef(graph), DCTERMS.license) == NC
    assert "Participedia" in str(catalog.value(URIRef(graph), DCTERMS.rights))
    text = (tmp_path / "unmapped.csv").read_text(encoding="utf-8")
    assert "country,Deutschland" not in text
    assert any(r["field"] == "kind_of_influence" for r in result.unmapped)

"""ingest/aggregates.py: case counts per dimension, written as the stats graph and read back."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from ingest.aggregates import count_cases, stats_graph
from ontology.namespaces import COFOG, COP, COUNTRY, SCHEMA

CASE = "https://w3id.org/coprod/id/case/"


def _data() -> tuple[Graph, Graph]:
    """Three made-up cases (a test fixture, not facts) and their inferred cells."""
    data, inferred = Graph(), Graph()
    rows = [
        ("a", COP.PlannedJointly, COP.DeliveredJointly, "GBR", "07", "1999"),
        ("b", COP.PlannedJointly, COP.DeliveredJointly, "NZL", "07", "1999"),
        ("c", COP.PlannedByCommunity, COP.DeliveredByProfessionals, "GBR", "09", "2004"),
    ]
    for slug, plans, delivers, country, area, year in rows:
        case = URIRef(CASE + slug)
        data.add((case, RDF.type, COP.Case))
        data.add((case, COP.whoPlans, plans))
        data.add((case, COP.whoDelivers, delivers))
        data.add((case, COP.country, COUNTRY[country]))
        data.add((case, COP.serviceArea, COFOG[area]))
        data.add((case, SCHEMA.startDate, Literal(year, datatype=XSD.gYear)))
        cell = URIRef(str(plans) + str(delivers).rsplit("#", 1)[1])
        inferred.add((case, RDF.type, cell))
        inferred.add((case, RDF.type, COP.BovairdCell))
    # A work with a country is not a case and is not counted.
    data.add((URIRef("https://w3id.org/coprod/id/work/w"), COP.country, COUNTRY.GBR))
    return data, inferred


def test_counts_per_dimension() -> None:
    counts = count_cases(*_data())
    assert counts.cell == {str(COP.PlannedJointlyDeliveredJointly): 2,
                           str(COP.PlannedByCommunityDeliveredByProfessionals): 1}
    assert counts.plans == {str(COP.PlannedJointly): 2, str(COP.PlannedByCommunity): 1}
    assert counts.country == {str(COUNTRY.GBR): 2, str(COUNTRY.NZL): 1}
    assert counts.area == {str(COFOG["07"]): 2, str(COFOG["09"]): 1}
    assert counts.year == {"1999": 2, "2004": 1}


def test_the_stats_graph_answers_the_typology_query() -> None:
    graph = stats_graph(count_cases(*_data()))
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    rows = store.query(
        "PREFIX cop: <https://w3id.org/coprod/ontology#> "
        "SELECT ?value ?n WHERE { ?c a cop:CaseCount ; cop:countedProperty ?p ; "
        "cop:countedValue ?value ; cop:caseCount ?n } ORDER BY ?value",
        use_default_graph_as_union=True,
    )
    found = {(r["value"].value, int(r["n"].value)) for r in rows}
    assert (str(COP.PlannedJointlyDeliveredJointly), 2) in found
    assert (str(COUNTRY.NZL), 1) in found
    years = store.query(
        "PREFIX cop: <https://w3id.org/coprod/ontology#> "
        "SELECT ?y ?n WHERE { ?c cop:countedYear ?y ; cop:caseCount ?n } ORDER BY ?y"
    )
    assert [(r["y"].value, int(r["n"].value)) for r in years] == [("1999", 2), ("2004", 1)]

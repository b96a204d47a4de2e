"""The ontology parses, carries its header and term annotations, and HermiT accepts it."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import owlready2
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ontology import ONTOLOGY_FILE, VOCAB_DIR
from ontology.namespaces import COP, VANN

ONTOLOGY = URIRef("https://w3id.org/coprod/ontology")
BOVAIRD = URIRef("https://doi.org/10.1111/j.1540-6210.2007.00773.x")
CHECKS = Path(__file__).resolve().parents[2] / "queries" / "checks"
PLANNING = ["PlannedByProfessionals", "PlannedJointly", "PlannedByCommunity"]
DELIVERY = ["DeliveredByProfessionals", "DeliveredJointly", "DeliveredByCommunity"]


def minted(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and s in COP}


def test_every_file_parses() -> None:
    files = [ONTOLOGY_FILE, *sorted(VOCAB_DIR.glob("*.ttl"))]
    assert len(files) >= 2
    for path in files:
        assert len(Graph().parse(path, format="turtle")) > 0, path


def test_header(ontology_graph: Graph) -> None:
    g = ontology_graph
    assert list(g.subjects(RDF.type, OWL.Ontology)) == [ONTOLOGY]
    assert g.value(ONTOLOGY, OWL.versionIRI) == URIRef("https://w3id.org/coprod/ontology/0.1.0")
    assert str(g.value(ONTOLOGY, OWL.versionInfo)) == "0.1.0"
    assert g.value(ONTOLOGY, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert str(g.value(ONTOLOGY, DCTERMS.creator)) == "coprod contributors"
    assert g.value(ONTOLOGY, DCTERMS.created) == Literal("2026-11-28", datatype=ns.XSD.date)
    assert g.value(ONTOLOGY, DCTERMS.modified) == Literal("2026-11-28", datatype=ns.XSD.date)
    assert g.value(ONTOLOGY, DCTERMS.source) == BOVAIRD
    assert g.value(ONTOLOGY, DCTERMS.title) is not None
    assert g.value(ONTOLOGY, DCTERMS.description) is not None
    assert str(g.value(ONTOLOGY, VANN.preferredNamespacePrefix)) == "cop"
    # The Python namespace object and the published namespace must agree.
    assert str(g.value(ONTOLOGY, VANN.preferredNamespaceUri)) == str(COP)


def test_every_minted_term_is_annotated(ontology_graph: Graph) -> None:
    g = ontology_graph
    terms = minted(g)
    assert len(terms) > 50
    for term in terms:
        labels = [o for o in g.objects(term, RDFS.label) if getattr(o, "language", None) == "en"]
        definitions = [
            o for o in g.objects(term, SKOS.definition) if getattr(o, "language", None) == "en"
        ]
        assert len(labels) == 1, f"{term}: {labels}"
        assert len(definitions) == 1, f"{term}: {definitions}"
        assert str(definitions[0])[0].isupper() and str(definitions[0]).endswith("."), term
        assert (term, RDFS.isDefinedBy, ONTOLOGY) in g, term


def test_no_duplicate_labels(ontology_graph: Graph) -> None:
    g = ontology_graph
    labels = Counter(str(g.value(t, RDFS.label)).lower() for t in minted(g))
    assert [label for label, n in labels.items() if n > 1] == []


def test_object_properties_have_one_domain_and_range(ontology_graph: Graph) -> None:
    props = [p for p in ontology_graph.subjects(RDF.type, OWL.ObjectProperty) if p in COP]
    assert COP.whoPlans in props and COP.discussesCase in props
    for prop in props:
        assert len(list(ontology_graph.objects(prop, RDFS.domain))) == 1, prop
        assert len(list(ontology_graph.objects(prop, RDFS.range))) == 1, prop


def test_axes_and_cells(ontology_graph: Graph) -> None:
    g = ontology_graph
    for scheme, role, values in [
        (COP.WhoPlansScheme, COP.PlanningRole, PLANNING),
        (COP.WhoDeliversScheme, COP.DeliveryRole, DELIVERY),
    ]:
        for value in values:
            assert (COP[value], RDF.type, SKOS.Concept) in g
            assert (COP[value], RDF.type, role) in g
            assert (COP[value], SKOS.inScheme, scheme) in g
            assert (COP[value], DCTERMS.source, BOVAIRD) in g
    assert (COP.whoPlans, RDF.type, OWL.FunctionalProperty) in g
    assert (COP.whoDelivers, RDF.type, OWL.FunctionalProperty) in g
    full = []
    for i, planning in enumerate(PLANNING, start=1):
        for j, delivery in enumerate(DELIVERY, start=1):
            cell = COP[planning + delivery]
            assert (cell, RDFS.subClassOf, COP.BovairdCell) in g
            assert str(g.value(cell, SKOS.notation)) == f"P{i}-D{j}"
            assert g.value(cell, COP.matrixColumn).toPython() == i
            assert g.value(cell, COP.matrixRow).toPython() == j
            if "full coproduction" in str(g.value(cell, RDFS.label)):
                full.append(cell)
            # Every unverified published label is marked as such.
            recalled = cell != COP.PlannedJointlyDeliveredJointly
            if recalled and (cell, SKOS.altLabel, None) in g:
                assert "not been checked" in str(g.value(cell, SKOS.editorialNote))
    assert full == [COP.PlannedJointlyDeliveredJointly]
    assert (COP.BovairdCell, RDFS.subClassOf, COP.Case) in g


def test_hermit_finds_it_consistent(ontology_graph: Graph) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "coprod.nt"
        ontology_graph.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            onto = world.get_ontology(path.as_uri()).load(format="ntriples")
            assert onto.search_one(iri=str(COP.PlannedJointlyDeliveredJointly)) is not None
            with onto:
                owlready2.sync_reasoner_hermit(world, debug=0)
            assert list(world.inconsistent_classes()) == []
            # The cells are defined, so HermiT must keep them under BovairdCell.
            cell = world[str(COP.PlannedJointlyDeliveredJointly)]
            assert world[str(COP.BovairdCell)] in cell.ancestors()
        finally:
            world.close()


@pytest.mark.parametrize("query", sorted(CHECKS.glob("*-violation.rq")), ids=lambda p: p.name)
def test_violation_queries_find_nothing(ontology_graph: Graph, query: Path) -> None:
    rows = list(ontology_graph.query(query.read_text(encoding="utf-8")))
    assert rows == [], rows


def test_violation_queries_catch_a_bad_term(ontology_graph: Graph) -> None:
    # The checks must not pass vacuously: a bare property breaks five of them.
    bad = Graph()
    for triple in ontology_graph:
        bad.add(triple)
    bad.add((COP.brokenProperty, RDF.type, OWL.ObjectProperty))
    bad.add((COP.Case, RDFS.label, Literal("case again", lang="en")))
    failing = {
        query.name
        for query in CHECKS.glob("*-violation.rq")
        if list(bad.query(query.read_text(encoding="utf-8")))
    }
    assert {
        "missing-label-violation.rq",
        "missing-definition-violation.rq",
        "missing-isdefinedby-violation.rq",
        "missing-domain-violation.rq",
        "missing-range-violation.rq",
    } <= failing


def test_run_checks_passes_on_the_ontology(ontology_graph: Graph) -> None:
    from ontology.checks import run_checks, violation_queries

    assert len(violation_queries()) >= 5
    assert run_checks(ontology_graph) == {}

"""Phase and level case classes are inferred from cop:phase and cop:level."""

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from ontology.namespaces import COP
from ontology.reason import classify

CASE = URIRef("https://w3id.org/coprod/id/case/test-phase")


def test_phase_and_level_give_their_case_classes() -> None:
    data = Graph()
    data.add((CASE, RDF.type, COP.Case))
    data.add((CASE, DCTERMS.identifier, Literal("test-phase")))
    data.add((CASE, COP.phase, COP.CoDesign))
    data.add((CASE, COP.phase, COP.CoDelivery))
    data.add((CASE, COP.level, COP.CollectiveCoproduction))
    types = set(classify(data).triples.objects(CASE, RDF.type))
    assert {COP.CoDesignCase, COP.CoDeliveryCase, COP.CollectiveCoproductionCase} <= types
    assert COP.CoAssessmentCase not in types
    assert COP.IndividualCoproductionCase not in types

"""classify(): HermiT puts each case into its Bovaird cell and names the record that breaks it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from ontology.errors import IngestError
from ontology.namespaces import COP, SCHEMA
from ontology.reason import _bisect, classify, load_ontology

BASE = "https://w3id.org/coprod/"
PLANNING = ["PlannedByProfessionals", "PlannedJointly", "PlannedByCommunity"]
DELIVERY = ["DeliveredByProfessionals", "DeliveredJointly", "DeliveredByCommunity"]


def nine_cases(base: str = BASE) -> tuple[Graph, dict[URIRef, URIRef]]:
    """One case per cell; returns the graph and the cell each case must land in."""
    cop = base + "ontology#"
    graph = Graph()
    expected = {}
    for planning in PLANNING:
        for delivery in DELIVERY:
            case = URIRef(f"{base}id/case/{planning.lower()}-{delivery.lower()}")
            graph.add((case, RDF.type, URIRef(cop + "Case")))
            graph.add((case, DCTERMS.identifier, Literal(f"{planning}-{delivery}")))
            graph.add((case, RDFS.label, Literal(f"case {planning} {delivery}", lang="en")))
            graph.add((case, URIRef(cop + "whoPlans"), URIRef(cop + planning)))
            graph.add((case, URIRef(cop + "whoDelivers"), URIRef(cop + delivery)))
            expected[case] = URIRef(cop + planning + delivery)
    return graph, expected


def test_each_case_lands_in_exactly_its_cell() -> None:
    data, expected = nine_cases()
    result = classify(data)
    assert result.cases == 9
    assert result.seconds > 0
    for case, cell in expected.items():
        types = set(result.triples.objects(case, RDF.type))
        assert types == {cell, COP.BovairdCell}, (case, types)
    # Only new types of records: nothing about ontology terms, no owl:Thing.
    assert {s for s in result.triples.subjects()} == set(expected)
    assert len(result.triples) == 18


def test_a_case_without_axes_gets_no_cell() -> None:
    data = Graph()
    case = URIRef(BASE + "id/case/half")
    data.add((case, RDF.type, COP.Case))
    data.add((case, COP.whoPlans, COP.PlannedJointly))
    result = classify(data)
    assert result.cases == 1
    assert len(result.triples) == 0


def test_two_planning_values_name_the_case() -> None:
    data, expected = nine_cases()
    bad = next(iter(expected))
    data.add((bad, COP.whoPlans, COP.PlannedByCommunity))
    with pytest.raises(IngestError) as info:
        classify(data)
    message = str(info.value)
    assert str(bad) in message
    assert repr(str(data.value(bad, DCTERMS.identifier))) in message
    assert "whoPlans" in message
    # Only the bad case is named.
    assert sum(str(case) in message for case in expected) == 1


def test_a_record_typed_case_and_work_is_named() -> None:
    data, _ = nine_cases()
    odd = URIRef(BASE + "id/work/bovaird-2007")
    data.add((odd, RDF.type, SCHEMA.CreativeWork))
    data.add((odd, RDF.type, COP.Case))
    data.add((odd, DCTERMS.identifier, Literal("bovaird2007")))
    with pytest.raises(IngestError) as info:
        classify(data)
    assert str(odd) in str(info.value)
    assert "'bovaird2007'" in str(info.value)
    assert "disjoint" in str(info.value)


def test_a_value_from_the_wrong_axis_is_named() -> None:
    data = Graph()
    case = URIRef(BASE + "id/case/swapped")
    data.add((case, RDF.type, COP.Case))
    data.add((case, COP.whoPlans, COP.DeliveredJointly))
    with pytest.raises(IngestError) as info:
        classify(data)
    assert str(case) in str(info.value)
    assert "DeliveredJointly" in str(info.value)


def test_bisection_finds_the_culprit_without_hints() -> None:
    # Call the fallback directly: the known-cause checks would find this one first.
    data, expected = nine_cases()
    culprit = sorted(expected, key=str)[4]
    data.add((culprit, RDF.type, COP.PlanningRole))  # a case cannot be an axis value
    facts = Graph()
    for s, p, o in data:
        if p in (RDF.type, COP.whoPlans, COP.whoDelivers):
            facts.add((s, p, o))
    with tempfile.TemporaryDirectory() as tmp:
        tbox = Path(tmp) / "tbox.nt"
        load_ontology().serialize(tbox, format="nt", encoding="utf-8")
        found = _bisect(tbox, facts, Path(tmp))
    assert set(found) == {culprit}


def test_another_base_classifies_in_that_base() -> None:
    base = "https://example.org/kg/"
    data, expected = nine_cases(base)
    result = classify(data, base=base)
    for case, cell in expected.items():
        assert cell in set(result.triples.objects(case, RDF.type))
    assert all(str(o).startswith(base) for o in result.triples.objects())
    assert load_ontology(base).value(URIRef(base + "ontology"), RDF.type) is not None

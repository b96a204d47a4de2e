"""An inconsistency names each culprit record with its reasons, for per-record reports."""

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF

from ontology.namespaces import COP
from ontology.reason import Inconsistency, classify

ID = "https://w3id.org/coprod/id/case/"


def test_each_culprit_is_named_with_its_reasons() -> None:
    data = Graph()
    good, two_roles, person = URIRef(ID + "good"), URIRef(ID + "two"), URIRef(ID + "person")
    for iri, ident in ((good, "good"), (two_roles, "two"), (person, "person")):
        data.add((iri, RDF.type, COP.Case))
        data.add((iri, DCTERMS.identifier, Literal(ident)))
    data.add((good, COP.whoPlans, COP.PlannedJointly))
    data.add((two_roles, COP.whoPlans, COP.PlannedJointly))
    data.add((two_roles, COP.whoPlans, COP.PlannedByCommunity))
    data.add((person, RDF.type, FOAF.Person))
    with pytest.raises(Inconsistency) as failure:
        classify(data)
    assert set(failure.value.records) == {"two", "person"}
    assert all(failure.value.records[name] for name in ("two", "person"))

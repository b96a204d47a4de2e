"""Methods, organisations and places have shapes too."""

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS

from ontology.namespaces import COP, SCHEMA
from ontology.validate import validate

ID = "https://w3id.org/coprod/id/"


def test_method_and_organisation_without_source_or_id_are_violations() -> None:
    data = Graph()
    method, org, place = URIRef(ID + "method/m"), URIRef(ID + "org/o"), URIRef(ID + "place/p")
    data.add((method, RDF.type, COP.Method))
    data.add((method, RDFS.label, Literal("Citizens' jury")))
    data.add((method, DCTERMS.identifier, Literal("m")))
    data.add((org, RDF.type, FOAF.Organization))
    data.add((org, DCTERMS.source, URIRef("https://participedia.net/organization/1")))
    data.add((place, RDF.type, SCHEMA.Place))
    found = {(v.focus, v.field) for v in validate(data) if v.severity == "Violation"}
    assert (str(method), "source") in found
    assert {(str(org), "title"), (str(org), "id")} <= found
    assert (str(place), "title") in found
    assert (str(method), "title") not in found

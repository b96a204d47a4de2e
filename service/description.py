"""The W3C SPARQL 1.1 Service Description of /sparql, built from settings and the store."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from ontology.namespaces import SD
from service.negotiation import JSON_LD, RDF_XML
from service.settings import Settings
from service.store.base import NTRIPLES, TURTLE

FORMATS = "http://www.w3.org/ns/formats/"
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)
INPUT_FORMATS = ("Turtle", "N-Triples", "JSON-LD", "RDF_XML")

# rdflib serialiser names for the media types the description is offered in.
SERIALISERS = {TURTLE: "turtle", NTRIPLES: "nt", JSON_LD: "json-ld", RDF_XML: "xml"}
OFFERS = (TURTLE, JSON_LD, RDF_XML, NTRIPLES)


def describe(settings: Settings, endpoint: str, graphs: list[str]) -> Graph:
    """The description graph: endpoint, languages, formats and the default dataset."""
    g = Graph()
    g.bind("sd", SD)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, RDFS.label, Literal("coprod SPARQL endpoint", lang="en")))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if settings.write_token is not None:
        # Update is offered only where a token can unlock it; otherwise every update is 403.
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for name in RESULT_FORMATS:
        g.add((service, SD.resultFormat, URIRef(FORMATS + name)))
    if settings.write_token is not None:
        for name in INPUT_FORMATS:
            g.add((service, SD.inputFormat, URIRef(FORMATS + name)))
    if settings.federation_hosts:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    if settings.union_default_graph:
        g.add((service, SD.feature, SD.UnionDefaultGraph))
    dataset = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode()
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    for iri in sorted(graphs):
        named = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(iri)))
    return g


def serialise(graph: Graph, media_type: str) -> bytes:
    """The description in one of OFFERS."""
    return graph.serialize(format=SERIALISERS[media_type], encoding="utf-8")

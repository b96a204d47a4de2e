"""Namespace objects for the ontology and the vocabularies it reuses."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from ontology import DEFAULT_BASE

COP = Namespace(DEFAULT_BASE + "ontology#")
SCHEMA = Namespace("https://schema.org/")
FABIO = Namespace("http://purl.org/spar/fabio/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
CITO = Namespace("http://purl.org/spar/cito/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VANN = Namespace("http://purl.org/vocab/vann/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
COFOG = Namespace("http://linked.data.gov.au/def/cofog/")
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
CV = Namespace("http://data.europa.eu/m8g/")

PREFIXES: dict[str, str] = {
    "cop": str(COP),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "prov": str(PROV),
    "void": str(VOID),
    "schema": str(SCHEMA),
    "fabio": str(FABIO),
    "bibo": str(BIBO),
    "cito": str(CITO),
    "dcat": str(DCAT),
    "vann": str(VANN),
    "cofog": str(COFOG),
    "country": str(COUNTRY),
}

__all__ = [
    "BIBO", "CITO", "COFOG", "COP", "COUNTRY", "CPSV", "CV", "DCAT", "DCTERMS", "FABIO", "FOAF",
    "OWL", "PREFIXES", "PROV", "RDF", "RDFS", "SCHEMA", "SD", "SKOS", "VANN", "VOID", "XSD",
]

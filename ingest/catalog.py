"""The catalogue graph: one description per named graph (source, checksum, time, agent, licence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, VOID, XSD

from ingest.iris import Minter
from ontology.namespaces import COP, DCAT


@dataclass(frozen=True)
class GraphInfo:
    """What the catalogue says about one named graph."""

    iri: URIRef
    title: str
    source: str
    sha256: str
    license: str
    attribution: str
    triples: int


def catalog_graph(
    infos: list[GraphInfo], minter: Minter, *, fingerprint: str, when: datetime | None = None
) -> Graph:
    """Describe each named graph and the dataset that holds them."""
    when = when or datetime.now(UTC)
    stamp = Literal(when.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    agent = minter.build_agent
    dataset = URIRef(f"{minter.base}dataset")
    graph = Graph()
    graph.add((agent, RDF.type, PROV.SoftwareAgent))
    graph.add((agent, RDFS.label, Literal("coprod build")))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add(
        (
            dataset,
            DCTERMS.title,
            Literal("coprod: user and community coproduction of public services"),
        )
    )
    graph.add((dataset, DCTERMS.modified, stamp))
    graph.add((dataset, COP.fingerprint, Literal(fingerprint)))
    for info in infos:
        graph.add((dataset, VOID.subset, info.iri))
        graph.add((info.iri, RDF.type, VOID.Dataset))
        graph.add((info.iri, RDF.type, PROV.Entity))
        graph.add((info.iri, DCTERMS.title, Literal(info.title)))
        graph.add((info.iri, DCTERMS.source, Literal(info.source)))
        graph.add((info.iri, COP.sha256, Literal(info.sha256)))
        graph.add((info.iri, PROV.generatedAtTime, stamp))
        graph.add((info.iri, PROV.wasAttributedTo, agent))
        graph.add((info.iri, DCTERMS.license, URIRef(info.license)))
        if info.attribution:
            graph.add((info.iri, DCTERMS.rights, Literal(info.attribution)))
        graph.add((info.iri, VOID.triples, Literal(info.triples)))
    return graph

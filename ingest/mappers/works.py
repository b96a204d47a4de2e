"""WorkRecord -> triples (FaBiO/BIBO/DC Terms/FOAF), IRIs from the Minter."""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, XSD

from ingest.iris import Minter
from ingest.mappers.common import add_curation
from ingest.records import Person, WorkRecord
from ontology.namespaces import BIBO, CITO, FABIO, SCHEMA

WORK_TYPES = {
    "article": FABIO.JournalArticle,
    "book": FABIO.Book,
    "chapter": FABIO.BookChapter,
    "report": FABIO.ReportDocument,
    "thesis": FABIO.Thesis,
    "paper": FABIO.ConferencePaper,
}


def map_person(graph: Graph, minter: Minter, person: Person) -> URIRef:
    """Add a person record and return its IRI."""
    iri = minter.person(person)
    graph.add((iri, RDF.type, FOAF.Person))
    graph.add((iri, FOAF.name, Literal(person.display)))
    graph.add((iri, RDFS.label, Literal(person.display)))
    graph.add((iri, FOAF.familyName, Literal(person.family)))
    if person.given:
        graph.add((iri, FOAF.givenName, Literal(person.given)))
    if person.orcid:
        graph.add((iri, SCHEMA.sameAs, URIRef(f"https://orcid.org/{person.orcid}")))
    return iri


def map_works(records: Iterable[WorkRecord], minter: Minter) -> Graph:
    """Triples for works, their authors and venues."""
    graph = Graph()
    for record in records:
        iri = minter.work(record.key)
        graph.add((iri, RDF.type, SCHEMA.CreativeWork))
        if record.kind in WORK_TYPES:
            graph.add((iri, RDF.type, WORK_TYPES[record.kind]))
        graph.add((iri, DCTERMS.identifier, Literal(record.key)))
        graph.add((iri, DCTERMS.title, Literal(record.title)))
        graph.add((iri, RDFS.label, Literal(record.title)))
        if record.year is not None:
            graph.add(
                (iri, FABIO.hasPublicationYear, Literal(str(record.year), datatype=XSD.gYear))
            )
        _people(graph, minter, iri, record.authors, DCTERMS.creator, "authors")
        _people(graph, minter, iri, record.editors, DCTERMS.contributor, "editors")
        if record.venue:
            venue = minter.venue(record.venue)
            graph.add((venue, RDF.type, FABIO.Journal if record.kind == "article" else FABIO.Book))
            graph.add((venue, RDFS.label, Literal(record.venue)))
            graph.add((iri, DCTERMS.isPartOf, venue))
        for value, prop in (
            (record.volume, BIBO.volume),
            (record.issue, BIBO.issue),
            (record.page_start, BIBO.pageStart),
            (record.page_end, BIBO.pageEnd),
            (record.isbn, BIBO.isbn),
            (record.publisher, DCTERMS.publisher),
            (record.abstract, DCTERMS.abstract),
        ):
            if value:
                graph.add((iri, prop, Literal(value)))
        if record.doi:
            graph.add((iri, BIBO.doi, Literal(record.doi)))
            graph.add((iri, SCHEMA.sameAs, URIRef(f"https://doi.org/{record.doi}")))
        for cited in record.cites:
            graph.add((iri, CITO.cites, minter.work(cited)))
        add_curation(
            graph,
            iri,
            sources=record.sources,
            status=record.status,
            unverified=record.unverified,
            note=record.editorial_note,
        )
    return graph


def _people(
    graph: Graph,
    minter: Minter,
    work: URIRef,
    people: list[Person],
    prop: URIRef,
    list_name: str,
) -> None:
    if not people:
        return
    # An IRI-named rdf:Seq keeps author order without blank nodes, so rebuilds are identical.
    seq = URIRef(f"{work}/{list_name}")
    graph.add((seq, RDF.type, RDF.Seq))
    graph.add((work, BIBO.authorList if list_name == "authors" else BIBO.editorList, seq))
    for position, person in enumerate(people, start=1):
        person_iri = map_person(graph, minter, person)
        graph.add((work, prop, person_iri))
        graph.add((seq, RDF[f"_{position}"], person_iri))

"""WorkRecord -> triples (FaBiO/BIBO/DC Terms/FOAF), IRIs from the Minter."""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

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


def map_person(graph: Graph, minter: Minter, person: Person, spellings: list[Person]) -> URIRef:
    """Add a person record: `person` gives the name, other `spellings` become alt labels."""
    iri = minter.person(person)
    graph.add((iri, RDF.type, FOAF.Person))
    graph.add((iri, FOAF.name, Literal(person.display)))
    graph.add((iri, RDFS.label, Literal(person.display)))
    graph.add((iri, FOAF.familyName, Literal(person.family)))
    if person.given:
        graph.add((iri, FOAF.givenName, Literal(person.given)))
    for other in spellings:
        if other.display != person.display:
            graph.add((iri, SKOS.altLabel, Literal(other.display)))
    if person.orcid:
        graph.add((iri, SCHEMA.sameAs, URIRef(f"https://orcid.org/{person.orcid}")))
    return iri


def people_by_iri(records: Iterable[WorkRecord], minter: Minter) -> dict[URIRef, list[Person]]:
    """Every spelling of each person, fullest first: 'J.' and 'John' share one IRI, and the
    record shows 'John'."""
    found: dict[URIRef, list[Person]] = {}
    for record in records:
        for person in [*record.authors, *record.editors]:
            spellings = found.setdefault(minter.person(person), [])
            if person not in spellings:
                spellings.append(person)
    for spellings in found.values():
        spellings.sort(key=lambda p: (-len(p.given.replace(".", "")), -_non_ascii(p.display)))
    return found


def _non_ascii(text: str) -> int:
    return sum(1 for char in text if ord(char) > 127)


def map_works(
    records: Iterable[WorkRecord], minter: Minter, into: Graph | None = None
) -> Graph:
    """Triples for works, their authors and venues, added to `into` (default: a new graph)."""
    records = list(records)
    minter.register_works((record.key, record.doi) for record in records)
    people = people_by_iri(records, minter)
    graph = Graph() if into is None else into
    for spellings in people.values():
        map_person(graph, minter, spellings[0], spellings[1:])
    for record in records:
        iri = minter.work(record.key, record.doi)
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
            graph.add((iri, CITO.cites, minter.work_ref(cited)))
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
        person_iri = minter.person(person)
        graph.add((work, prop, person_iri))
        graph.add((seq, RDF[f"_{position}"], person_iri))

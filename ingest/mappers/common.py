"""Triples every curated record carries: sources, confirmation status, editorial notes."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from ingest.records import Confirmation
from ontology.namespaces import COP

CONFIRMATION = {
    Confirmation.CONFIRMED: COP.Confirmed,
    Confirmation.PARTLY: COP.PartlyConfirmed,
    Confirmation.UNCONFIRMED: COP.Unconfirmed,
}


def add_curation(
    graph: Graph,
    subject: URIRef,
    *,
    sources: list[str],
    status: Confirmation,
    unverified: list[str],
    note: str | None,
) -> None:
    """Add where the facts were read, how far they are confirmed, and what is not."""
    for source in sources:
        graph.add((subject, DCTERMS.source, URIRef(source)))
    graph.add((subject, COP.confirmation, CONFIRMATION[status]))
    for field in unverified:
        graph.add((subject, COP.unverifiedField, Literal(field)))
    if note:
        graph.add((subject, SKOS.editorialNote, Literal(note, lang="en")))

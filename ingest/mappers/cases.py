"""CaseRecord -> triples: the case, its place, its Bovaird coordinates, the works on it."""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ingest.iris import Minter
from ingest.mappers.common import add_curation
from ingest.records import CaseRecord, WhoDelivers, WhoPlans
from ontology.namespaces import COFOG, COP, COUNTRY, SCHEMA

WHO_PLANS = {
    WhoPlans.PROFESSIONALS: COP.PlannedByProfessionals,
    WhoPlans.JOINTLY: COP.PlannedJointly,
    WhoPlans.COMMUNITY: COP.PlannedByCommunity,
}
WHO_DELIVERS = {
    WhoDelivers.PROFESSIONALS: COP.DeliveredByProfessionals,
    WhoDelivers.JOINTLY: COP.DeliveredJointly,
    WhoDelivers.COMMUNITY: COP.DeliveredByCommunity,
}


def map_cases(
    records: Iterable[CaseRecord], minter: Minter, into: Graph | None = None
) -> Graph:
    """Triples for cases and their places, added to `into` (default: a new graph)."""
    graph = Graph() if into is None else into
    for record in records:
        iri = minter.case(record.id)
        graph.add((iri, RDF.type, COP.Case))
        graph.add((iri, DCTERMS.identifier, Literal(record.id)))
        graph.add((iri, RDFS.label, Literal(record.name, lang="en")))
        if record.description:
            graph.add((iri, DCTERMS.description, Literal(record.description, lang="en")))
        if record.country:
            graph.add((iri, COP.country, COUNTRY[record.country]))
        if record.place:
            place = minter.place(record.place, record.country)
            graph.add((place, RDF.type, SCHEMA.Place))
            graph.add((place, RDF.type, DCTERMS.Location))
            graph.add((place, RDFS.label, Literal(record.place)))
            # No cop:country on the place: its domain is cop:Case, so the reasoner would
            # infer the place to be a case. The case carries the country.
            graph.add((iri, DCTERMS.spatial, place))
        if record.start_year is not None:
            graph.add((iri, SCHEMA.startDate, Literal(str(record.start_year), datatype=XSD.gYear)))
        if record.service_area:
            graph.add((iri, COP.serviceArea, COFOG[record.service_area.replace(".", "")]))
        if record.who_plans:
            graph.add((iri, COP.whoPlans, WHO_PLANS[record.who_plans]))
        if record.who_delivers:
            graph.add((iri, COP.whoDelivers, WHO_DELIVERS[record.who_delivers]))
        for key in record.discussed_in:
            work = minter.work_ref(key)
            graph.add((iri, COP.discussedIn, work))
            graph.add((work, COP.discussesCase, iri))
        add_curation(
            graph,
            iri,
            sources=record.sources,
            status=record.status,
            unverified=record.unverified,
            note=record.editorial_note,
        )
    return graph

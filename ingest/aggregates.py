"""Case counts computed at build time into a small `{base}graph/stats` named graph.

The typology matrix and the charts need whole-graph group-bys, which take seconds to minutes
on a large store (17 s for one on a million cases). The counts change only when the data
does, so the build computes them once and the lookups read a graph of a few hundred triples.

Vocabulary (docs/model.md, "Statistics graph"): one blank node per counted value,

    [] a cop:CaseCount ; cop:countedProperty cop:whoPlans ;
       cop:countedValue cop:PlannedJointly ; cop:caseCount 12 .

with `cop:countedProperty` one of `rdf:type` (the Bovaird cell), `cop:whoPlans`,
`cop:whoDelivers`, `cop:country`, `cop:serviceArea` (value in `cop:countedValue`) or
`schema:startDate` (the year in `cop:countedYear`).

Imports and catalogue edits change the data after the build: `refresh_request` recomputes the
same counts in SPARQL over the whole store, as part of the update that makes the change, so
the matrix and the charts stay right without a rebuild.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from ontology import DEFAULT_BASE
from ontology.namespaces import SCHEMA

CELL_DIMENSION = RDF.type
YEAR_DIMENSION = SCHEMA.startDate


@dataclass
class CaseCounts:
    """Cases per value of each counted dimension (IRIs and years as strings)."""

    cell: Counter[str] = field(default_factory=Counter)
    plans: Counter[str] = field(default_factory=Counter)
    delivers: Counter[str] = field(default_factory=Counter)
    country: Counter[str] = field(default_factory=Counter)
    area: Counter[str] = field(default_factory=Counter)
    year: Counter[str] = field(default_factory=Counter)

    def add(self, **values: str | None) -> None:
        """Count one case: each keyword names a dimension, its value is the case's value."""
        for name, value in values.items():
            if value:
                getattr(self, name)[value] += 1


def count_cases(data: Graph, inferred: Graph, base: str = DEFAULT_BASE) -> CaseCounts:
    """Count the cases of `data` per dimension; the cells come from the reasoner's `inferred`.

    A case with two values of one property (country, service area) counts once for each.
    """
    cop = Namespace(base + "ontology#")
    cells = {URIRef(str(cop) + p + d) for p in ("PlannedByProfessionals", "PlannedJointly",
                                                 "PlannedByCommunity")
             for d in ("DeliveredByProfessionals", "DeliveredJointly", "DeliveredByCommunity")}
    cases = set(data.subjects(RDF.type, cop.Case))
    counts = CaseCounts()
    for _case, cell in inferred.subject_objects(RDF.type):
        if cell in cells:
            counts.cell[str(cell)] += 1
    for prop, counter in ((cop.whoPlans, counts.plans), (cop.whoDelivers, counts.delivers),
                          (cop.country, counts.country), (cop.serviceArea, counts.area)):
        for case, value in set(data.subject_objects(prop)):
            if case in cases and isinstance(value, URIRef):
                counter[str(value)] += 1
    for case, value in set(data.subject_objects(SCHEMA.startDate)):
        year = str(value)[:4]
        if case in cases and year.isdigit():
            counts.year[year] += 1
    return counts


def stats_graph(counts: CaseCounts, base: str = DEFAULT_BASE) -> Graph:
    """The stats graph of `counts` in the vocabulary above (nothing for a zero count)."""
    cop = Namespace(base + "ontology#")
    graph = Graph()
    graph.bind("cop", cop)
    dimensions = ((CELL_DIMENSION, counts.cell), (cop.whoPlans, counts.plans),
                  (cop.whoDelivers, counts.delivers), (cop.country, counts.country),
                  (cop.serviceArea, counts.area))
    for dimension, counter in dimensions:
        for value, n in sorted(counter.items()):
            node = _count_node(graph, cop, dimension, n)
            graph.add((node, cop.countedValue, URIRef(value)))
    for year, n in sorted(counts.year.items()):
        node = _count_node(graph, cop, YEAR_DIMENSION, n)
        graph.add((node, cop.countedYear, Literal(year, datatype=XSD.gYear)))
    return graph


def _count_node(graph: Graph, cop: Namespace, dimension: URIRef, n: int) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, cop.CaseCount))
    graph.add((node, cop.countedProperty, dimension))
    graph.add((node, cop.caseCount, Literal(n)))
    return node


CELL_NAMES = [p + d for p in ("PlannedByProfessionals", "PlannedJointly", "PlannedByCommunity")
              for d in ("DeliveredByProfessionals", "DeliveredJointly", "DeliveredByCommunity")]


def refresh_request(base: str = DEFAULT_BASE) -> str:
    """SPARQL Update operations that rebuild `{base}graph/stats` from the store's data.

    They count as `count_cases` does: cells from the inferred types, every other dimension
    over cases, each case once per value. The four cop: properties have cop:Case as their
    domain, so whatever has one is a case and needs no check (6x faster); start dates do.
    Join them to another update with " ;".
    """
    cop = base + "ontology#"
    stats = f"<{base}graph/stats>"
    catalog = f"<{base}graph/catalog>"
    cells = " ".join(f"<{cop}{name}>" for name in CELL_NAMES)
    node = f"_:c a <{cop}CaseCount> ; <{cop}caseCount> ?n ; <{cop}countedProperty>"
    is_case = f"FILTER EXISTS {{ GRAPH ?h {{ ?case a <{cop}Case> }} }}"
    return " ;\n".join([
        f"DROP SILENT GRAPH {stats}",
        f"INSERT {{ GRAPH {stats} {{ {node} <{RDF.type}> ; <{cop}countedValue> ?v }} }} "
        f"WHERE {{ SELECT ?v (COUNT(DISTINCT ?case) AS ?n) WHERE {{ VALUES ?v {{ {cells} }} "
        f"GRAPH ?g {{ ?case a ?v }} }} GROUP BY ?v }}",
        f"INSERT {{ GRAPH {stats} {{ {node} ?p ; <{cop}countedValue> ?v }} }} "
        f"WHERE {{ SELECT ?p ?v (COUNT(DISTINCT ?case) AS ?n) WHERE {{ VALUES ?p {{ "
        f"<{cop}whoPlans> <{cop}whoDelivers> <{cop}country> <{cop}serviceArea> }} "
        f"GRAPH ?g {{ ?case ?p ?v }} FILTER(isIRI(?v)) }} GROUP BY ?p ?v }}",
        f"INSERT {{ GRAPH {stats} {{ {node} <{YEAR_DIMENSION}> ; <{cop}countedYear> ?year }} }} "
        f"WHERE {{ SELECT ?year (COUNT(DISTINCT ?case) AS ?n) WHERE {{ "
        f"GRAPH ?g {{ ?case <{YEAR_DIMENSION}> ?date }} {is_case} "
        f"BIND(SUBSTR(STR(?date), 1, 4) AS ?y) FILTER(REGEX(?y, \"^[0-9]{{4}}$\")) "
        f"BIND(STRDT(?y, <{XSD.gYear}>) AS ?year) }} GROUP BY ?year }}",
        f"DELETE WHERE {{ GRAPH {catalog} {{ {stats} <http://rdfs.org/ns/void#triples> ?old }} }}",
        f"INSERT {{ GRAPH {catalog} {{ {stats} <http://rdfs.org/ns/void#triples> ?n }} }} "
        f"WHERE {{ SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {stats} {{ ?s ?p ?o }} }} }}",
    ])

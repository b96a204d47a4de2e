"""The benchmark's query mix over the synthetic graph (bench/generate.py), scaled to its size.

Each query is realistic for coprod's users: record lookups, the typology by country, group-by
counts, co-authorship, citation paths, a text filter, deep paging, DESCRIBE, an empty ASK.
The named queries run as `/api/queries/{name}` on coprod and as the same bound SPARQL (the
text the registry sends to the store) on Oxigraph.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.generate import BASE, Sizes
from service.lookups import load_registry

PREFIXES = """PREFIX cop: <https://w3id.org/coprod/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX schema: <https://schema.org/>
PREFIX cito: <http://purl.org/spar/cito/>
PREFIX bibo: <http://purl.org/ontology/bibo/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX country: <http://publications.europa.eu/resource/authority/country/>
"""
RESULTS = "application/sparql-results+json"
TRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Query:
    """One query of the mix: SPARQL text for both servers, or a lookup for coprod's API."""

    name: str
    kind: str  # "sparql" or "lookup"
    text: str  # the SPARQL sent to /sparql and to Oxigraph
    accept: str = RESULTS
    lookup: str = ""  # for kind "lookup": the lookup name
    params: tuple[tuple[str, str], ...] = ()


def _rec(kind: str, n: int) -> str:
    return f"<{BASE}id/{kind}/synthetic-{kind}-{n}>"


def sparql_mix(cases: int) -> list[Query]:
    """The raw SPARQL queries, sized for `cases` cases."""
    s = Sizes(cases)
    case = _rec("case", cases // 2 + 7)
    person = _rec("person", s.people // 3)
    work = _rec("work", s.works - 3)
    offset = max(0, cases // 2)
    texts = {
        "ask-empty": ("ASK {}", RESULTS),
        "case-by-iri": (f"SELECT ?p ?o WHERE {{ {case} ?p ?o }}", RESULTS),
        "case-by-label": (
            f'SELECT ?case WHERE {{ ?case rdfs:label "Synthetic case {cases // 3}"@en }}', RESULTS),
        "work-by-doi": (
            f'SELECT ?w ?title WHERE {{ ?w bibo:doi "10.5555/synthetic.{s.works // 4}" ; '
            "dcterms:title ?title }", RESULTS),
        "typology-by-country": (
            "SELECT ?cell (COUNT(?case) AS ?n) WHERE { ?case cop:country country:DEU ; a ?cell . "
            "?cell rdfs:subClassOf cop:BovairdCell } GROUP BY ?cell ORDER BY ?cell", RESULTS),
        "cases-per-area": (
            "SELECT ?area (COUNT(?case) AS ?n) WHERE { ?case cop:serviceArea ?area } "
            "GROUP BY ?area ORDER BY DESC(?n) ?area", RESULTS),
        "works-per-year": (
            "SELECT ?year (COUNT(?w) AS ?n) WHERE { ?w a fabio:JournalArticle ; "
            "fabio:hasPublicationYear ?year } GROUP BY ?year ORDER BY ?year", RESULTS),
        "coauthors": (
            f"SELECT ?other (COUNT(DISTINCT ?w) AS ?n) WHERE {{ ?w dcterms:creator {person}, "
            f"?other . FILTER(?other != {person}) }} GROUP BY ?other ORDER BY DESC(?n) ?other",
            RESULTS),
        "citation-path": (
            f"SELECT DISTINCT ?w WHERE {{ {work} cito:cites/cito:cites/cito:cites ?w }} "
            "ORDER BY ?w", RESULTS),
        "text-filter": (
            "SELECT ?case ?label WHERE { ?case a cop:Case ; rdfs:label ?label ; "
            'dcterms:description ?d . FILTER(CONTAINS(?d, "garden repair bank")) } '
            "ORDER BY ?label LIMIT 20", RESULTS),
        "deep-page": (
            "SELECT ?case ?label WHERE { ?case a cop:Case ; rdfs:label ?label } "
            f"ORDER BY ?label LIMIT 20 OFFSET {offset}", RESULTS),
        "country-year-join": (
            "SELECT ?case ?work ?title WHERE { ?case cop:country country:NLD ; "
            'schema:startDate ?y ; cop:discussedIn ?work . ?work dcterms:title ?title . '
            'FILTER(?y >= "2020"^^<http://www.w3.org/2001/XMLSchema#gYear>) } '
            "ORDER BY ?case LIMIT 100", RESULTS),
        "describe-case": (f"DESCRIBE {case}", TRIPLES),
        "construct-authors": (
            f"CONSTRUCT {{ {work} dcterms:creator ?a . ?a foaf:name ?n }} "
            f"WHERE {{ {work} dcterms:creator ?a . ?a foaf:name ?n }}", TRIPLES),
    }
    return [Query(name, "sparql", PREFIXES + text, accept) for name, (text, accept) in
            texts.items()]


def lookup_mix(cases: int) -> list[Query]:
    """Named queries with synthetic parameters; `text` is what the registry would send."""
    s = Sizes(cases)
    registry = load_registry(base=BASE)
    calls: list[tuple[str, dict[str, str]]] = [
        ("case", {"case": _rec("case", cases // 5)[1:-1]}),
        ("typology-matrix", {}),
        ("cases-by-country", {"country": "DEU"}),
        ("cases-by-cell", {"cell": "jointly-jointly"}),
        ("coauthors", {"person": _rec("person", s.people // 7)[1:-1]}),
        ("citations", {"work": _rec("work", s.works // 2)[1:-1]}),
        ("work-by-doi", {"doi": f"10.5555/synthetic.{s.works // 6}"}),
        ("works-by-author", {"author": f"Synthetic Author {s.people // 9}"}),
    ]
    out = []
    for name, values in calls:
        if name not in registry:
            continue
        lookup = registry.get(name)
        known = {p.name for p in lookup.parameters}
        values = {k: v for k, v in values.items() if k in known}
        limit, offset = lookup.bounds(None, None)
        text = lookup.page_query(values, limit, offset)
        out.append(Query(f"lookup:{name}", "lookup", text, RESULTS, name,
                         tuple(values.items())))
    return out

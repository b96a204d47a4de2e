"""The RDF description of one resource, and the serialisation of descriptions.

A resource's description is what a client needs to read it on its own: its triples as subject
in every named graph, the blank nodes hanging from it (closed to a few levels, e.g. an
`rdf:Seq`), and the labels of the IRIs it links to. Queries name graphs with `GRAPH ?g`, so the
answer does not depend on whether the store's default graph is the union.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, VOID, XSD

from ontology import DEFAULT_BASE
from ontology.namespaces import DCAT, PREFIXES
from service.negotiation import JSON_LD, RDF_XML
from service.store.base import NTRIPLES, TURTLE, Store

CONTEXT_FILE = Path(__file__).parent / "static" / "context.jsonld"
# Blank-node depth followed from the subject: enough for lists and qualified values.
BNODE_DEPTH = 4
SERIALISERS = {TURTLE: "turtle", NTRIPLES: "nt", JSON_LD: "json-ld", RDF_XML: "xml"}
LABELS = (RDFS.label, SKOS.prefLabel)


def _closure_branch(iri: str, depth: int) -> str:
    """A UNION branch binding ?s ?p ?o for blank nodes `depth` steps from `<iri>`."""
    steps = [f"<{iri}> ?q1 ?b1 . FILTER(isBlank(?b1))"]
    for level in range(2, depth + 1):
        steps.append(f"?b{level - 1} ?q{level} ?b{level} . FILTER(isBlank(?b{level}))")
    steps.append(f"?b{depth} ?p ?o . BIND(?b{depth} AS ?s)")
    return "{ GRAPH ?g { " + " ".join(steps) + " } }"


def describe_query(iri: str) -> str:
    """The CONSTRUCT that describes `<iri>` (already checked to be a plain IRI)."""
    labels = " ".join(f"<{p}>" for p in LABELS)
    branches = [f"{{ GRAPH ?g {{ <{iri}> ?p ?o }} BIND(<{iri}> AS ?s) }}"]
    branches += [_closure_branch(iri, depth) for depth in range(1, BNODE_DEPTH + 1)]
    branches.append(
        f"{{ GRAPH ?g {{ <{iri}> ?x ?o }} FILTER(isIRI(?o)) "
        f"GRAPH ?h {{ ?o ?lp ?label }} VALUES ?lp {{ {labels} }} }}"
    )
    return (
        "CONSTRUCT { ?s ?p ?o . ?o ?lp ?label } WHERE {\n  "
        + "\n  UNION ".join(branches)
        + "\n}"
    )


def describe(store: Store, iri: str) -> Graph:
    """The description of `<iri>`: empty when the store holds no triple with it as subject."""
    return store.construct(describe_query(iri))


def is_graph(store: Store, iri: str) -> bool:
    """True when `<iri>` names a non-empty graph in the store."""
    return store.ask(f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")


def graph_size(store: Store, iri: str) -> int:
    """Triples in the named graph `<iri>`."""
    rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}").rows
    value = rows[0].get("n") if rows else None
    return int(value.toPython()) if isinstance(value, Literal) else 0


def describe_graph(store: Store, iri: str, store_link: str, *, content: bool) -> Graph | None:
    """A named graph: its catalogue entry, its size and a link to its content at the graph
    store; with `content`, the content too. None when there is no such graph."""
    description = describe(store, iri)
    if not is_graph(store, iri):
        return description if len(description) else None
    node = URIRef(iri)
    if description.value(node, VOID.triples) is None:
        description.add((node, VOID.triples, Literal(graph_size(store, iri))))
    description.add((node, RDFS.seeAlso, URIRef(store_link)))
    if content:
        data = store.get_graph(iri, NTRIPLES)
        if data:
            description.parse(data=data, format="nt")
    return description


def prefixes(base: str) -> dict[str, str]:
    """The prefixes used in answers, with `cop:` under `base`."""
    return {
        **PREFIXES,
        "spdx": "http://spdx.org/rdf/terms#",
        "sd": "http://www.w3.org/ns/sparql-service-description#",
        "cop": base + "ontology#",
    }


@lru_cache(maxsize=8)
def context_text(base: str) -> str:
    """The published JSON-LD context, with IRIs under `base`."""
    return CONTEXT_FILE.read_text(encoding="utf-8").replace(DEFAULT_BASE, base)


def serialise(graph: Graph, media_type: str, *, base: str, context_url: str) -> bytes:
    """`graph` as `media_type`; JSON-LD is compacted with the published context and refers to
    it by `context_url` (where this service publishes it), so clients never need another site."""
    for prefix, namespace in prefixes(base).items():
        graph.bind(prefix, namespace, replace=True)
    if media_type == JSON_LD:
        context: dict[str, Any] = json.loads(context_text(base))["@context"]
        text = graph.serialize(format="json-ld", context=context, auto_compact=True)
        document = json.loads(text)
        if isinstance(document, dict):
            document["@context"] = context_url
        else:  # an empty graph compacts to a list
            document = {"@context": context_url, "@graph": document}
        return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
    return graph.serialize(format=SERIALISERS[media_type], encoding="utf-8")


# --- the dataset (VoID and DCAT) -------------------------------------------------------------

SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "https://www.iana.org/assignments/media-types/"
# What each dump holds, in words, and the media type of its content (all are gzipped).
DUMPS: dict[str, tuple[str, str]] = {
    "coprod.nq.gz": ("Every named graph, as N-Quads", "application/n-quads"),
    "coprod.ttl.gz": ("The union of the named graphs, as Turtle", "text/turtle"),
    "coprod-open.nq.gz": (
        "Every named graph except those under a non-commercial licence, as N-Quads",
        "application/n-quads",
    ),
}
VOCABULARIES = (
    "http://purl.org/dc/terms/", "http://www.w3.org/2004/02/skos/core#", "https://schema.org/",
    "http://purl.org/spar/fabio/", "http://purl.org/ontology/bibo/", "http://xmlns.com/foaf/0.1/",
    "http://www.w3.org/ns/prov#", "http://purl.org/spar/cito/",
)
EXAMPLES = 3


def graph_counts(store: Store) -> dict[str, int]:
    """Triples per named graph, counted in the store now."""
    rows = store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    ).rows
    counts: dict[str, int] = {}
    for row in rows:
        n = row.get("n")
        counts[str(row["g"])] = int(n.toPython()) if isinstance(n, Literal) else 0
    return counts


def _examples(store: Store, type_iri: str) -> list[URIRef]:
    rows = store.select(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s a <{type_iri}> }} FILTER(isIRI(?s)) }} "
        f"ORDER BY ?s LIMIT {EXAMPLES}"
    ).rows
    return [URIRef(str(row["s"])) for row in rows]


def describe_dataset(store: Store, base: str, public: str, dumps: dict[str, str]) -> Graph:
    """VoID and DCAT of the whole dataset: the catalogue's entries, each named graph with its
    triple count now, the SPARQL endpoint, the dumps (`file -> sha256`) and example IRIs."""
    catalog = f"{base}graph/catalog"
    # The build's counts are replaced by the store's, which stay right after writes.
    graph = store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{catalog}> {{ ?s ?p ?o }} "
        f"FILTER(?p != <{VOID.triples}>) }}"
    )
    dataset = URIRef(f"{base}dataset")
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    counts = graph_counts(store)
    for name, count in sorted(counts.items()):
        node = URIRef(name)
        graph.add((dataset, VOID.subset, node))
        graph.add((node, RDF.type, VOID.Dataset))
        graph.add((node, VOID.triples, Literal(count)))
    graph.add((dataset, VOID.triples, Literal(sum(counts.values()))))
    endpoint = URIRef(f"{public}sparql")
    graph.add((dataset, VOID.sparqlEndpoint, endpoint))
    graph.add((endpoint, RDF.type, DCAT.DataService))
    graph.add((endpoint, DCAT.endpointURL, endpoint))
    graph.add((endpoint, DCAT.servesDataset, dataset))
    graph.add((endpoint, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    service = BNode()
    graph.add((dataset, DCAT.distribution, service))
    graph.add((service, RDF.type, DCAT.Distribution))
    graph.add((service, DCAT.accessURL, endpoint))
    graph.add((service, DCAT.accessService, endpoint))
    graph.add((service, DCTERMS.title, Literal("SPARQL 1.1 endpoint", lang="en")))
    graph.add((dataset, VOID.uriSpace, Literal(f"{base}id/")))
    graph.add((dataset, VOID.vocabulary, URIRef(f"{base}ontology")))
    for vocabulary in VOCABULARIES:
        graph.add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    for type_iri in (f"{base}ontology#Case", "https://schema.org/CreativeWork"):
        for example in _examples(store, type_iri):
            graph.add((dataset, VOID.exampleResource, example))
    for file, digest in sorted(dumps.items()):
        _add_dump(graph, dataset, f"{public}dumps/{file}", file, digest)
    return graph


def _add_dump(graph: Graph, dataset: URIRef, url: str, file: str, digest: str) -> None:
    title, content_type = DUMPS.get(file, (file, "application/octet-stream"))
    download = URIRef(url)
    graph.add((dataset, VOID.dataDump, download))
    dist = BNode()
    graph.add((dataset, DCAT.distribution, dist))
    graph.add((dist, RDF.type, DCAT.Distribution))
    graph.add((dist, DCTERMS.title, Literal(title, lang="en")))
    graph.add((dist, DCAT.downloadURL, download))
    graph.add((dist, DCAT.accessURL, download))
    graph.add((dist, DCAT.mediaType, URIRef(IANA + content_type)))
    graph.add((dist, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
    checksum = BNode()
    graph.add((dist, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(digest, datatype=XSD.hexBinary)))

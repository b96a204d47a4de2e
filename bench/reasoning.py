"""Time classify() on synthetic cases: `python bench/reasoning.py 1000 10000`.

Each synthetic case has the triples a real one carries (label, identifier, source, country,
service area, start year) plus random but valid whoPlans/whoDelivers values, so the filter in
classify() is measured as well as HermiT. The values are made up and never leave this script.
"""

from __future__ import annotations

import random
import resource
import sys

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ontology import DEFAULT_BASE
from ontology.namespaces import COFOG, COP, COUNTRY, SCHEMA
from ontology.reason import classify

PLANNING = [COP.PlannedByProfessionals, COP.PlannedJointly, COP.PlannedByCommunity]
DELIVERY = [COP.DeliveredByProfessionals, COP.DeliveredJointly, COP.DeliveredByCommunity]


def synthetic(n: int, seed: int = 7) -> Graph:
    """n cases with random axis values (fixed seed, so runs are comparable)."""
    rng = random.Random(seed)
    graph = Graph()
    for i in range(n):
        case = URIRef(f"{DEFAULT_BASE}id/case/synthetic-{i}")
        graph.add((case, RDF.type, COP.Case))
        graph.add((case, RDFS.label, Literal(f"synthetic case {i}", lang="en")))
        graph.add((case, DCTERMS.identifier, Literal(f"synthetic-{i}")))
        graph.add((case, DCTERMS.source, URIRef(f"https://example.org/synthetic/{i}")))
        graph.add((case, COP.country, COUNTRY.GBR))
        graph.add((case, COP.serviceArea, COFOG["07"]))
        graph.add((case, SCHEMA.startDate, Literal(str(1980 + i % 40), datatype=XSD.gYear)))
        graph.add((case, COP.whoPlans, rng.choice(PLANNING)))
        graph.add((case, COP.whoDelivers, rng.choice(DELIVERY)))
    return graph


def main(sizes: list[int]) -> None:
    """Print one line per size: cases, input triples, inferred triples, seconds."""
    for n in sizes:
        data = synthetic(n)
        result = classify(data)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"cases={result.cases} input_triples={len(data)} inferred={len(result.triples)} "
            f"seconds={result.seconds:.2f} java_peak_mb={peak_mb:.0f}"
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1000, 10000])

"""A seeded generator of synthetic coproduction graphs in coprod's own model (docs/model.md).

`python -m bench.generate 100000 OUT_DIR` writes OUT_DIR/dataset/coprod.nq and manifest.json,
the same artefact `coprod build` writes, so `coprod load` and `oxigraph load` read it as is.

Everything is made up and says so ("Synthetic case 123", "Synthetic author 7"); only the
authority IRIs (EU country codes, COFOG codes) and the ontology's own terms are real, because
queries join on them. About 30 triples per case: the case itself, a share of the works that
discuss it, their authors, citations, venues, organisations and places, and the inferred
Bovaird cell of each case (what HermiT would add). Same seed and size, same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from rdflib import URIRef

from ingest.aggregates import CaseCounts, stats_graph
from ingest.artefact import ARTEFACT, MANIFEST, graph_lines
from ontology import DEFAULT_BASE
from ontology.reason import load_ontology

BASE = DEFAULT_BASE
COP = BASE + "ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
FABIO = "http://purl.org/spar/fabio/"
BIBO = "http://purl.org/ontology/bibo/"
CITO = "http://purl.org/spar/cito/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
COFOG = "http://linked.data.gov.au/def/cofog/"
COUNTRIES = ["GBR", "DEU", "FRA", "NLD", "BEL", "DNK", "SWE", "FIN", "ITA", "ESP", "PRT",
             "IRL", "AUT", "POL", "CZE", "USA", "AUS", "NZL", "CAN", "BRA"]
AREAS = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10",
         "071", "072", "073", "074", "091", "092", "101", "102", "104", "106"]
PLANS = ["PlannedByProfessionals", "PlannedJointly", "PlannedByCommunity"]
DELIVERS = ["DeliveredByProfessionals", "DeliveredJointly", "DeliveredByCommunity"]
PHASES = ["CoCommissioning", "CoDesign", "CoDelivery", "CoAssessment"]
LEVELS = ["IndividualCoproduction", "GroupCoproduction", "CollectiveCoproduction"]
CONFIRMATION = ["Confirmed", "PartlyConfirmed", "Unconfirmed"]
# Words for descriptions and titles, so text filters have something to find.
WORDS = ["community", "health", "care", "school", "housing", "safety", "budget", "library",
         "transport", "youth", "elderly", "energy", "waste", "parks", "policing", "welfare",
         "participatory", "volunteer", "neighbourhood", "time", "bank", "garden", "repair"]
GRAPHS = ("synthetic-cases", "synthetic-works", "inferred", "stats", "ontology", "catalog")


@dataclass(frozen=True)
class Sizes:
    """How many records of each kind go with `cases` cases."""

    cases: int

    @property
    def works(self) -> int:
        return max(1, self.cases // 2)

    @property
    def people(self) -> int:
        return max(1, self.cases // 2)

    @property
    def orgs(self) -> int:
        return max(1, self.cases // 10)

    @property
    def places(self) -> int:
        return max(1, self.cases // 10)

    @property
    def venues(self) -> int:
        return 50


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


def rec(kind: str, n: int) -> str:
    """The IRI of synthetic record `n` of `kind` (case, work, person, org, place, venue)."""
    return f"<{BASE}id/{kind}/synthetic-{kind}-{n}>"


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


class Generator:
    """Writes the triples of each graph as N-Triples statements, and counts what it wrote."""

    def __init__(self, cases: int, seed: int = 2007) -> None:
        self.sizes = Sizes(cases)
        self.seed = seed
        self.counts = CaseCounts()
        self.cells = bytearray()  # 3 * planning index + delivery index, one byte per case

    def case_triples(self) -> Iterator[tuple[str, str, str]]:
        """Cases, places and organisations (the `synthetic-cases` graph)."""
        rng = random.Random(self.seed)
        s = self.sizes
        for i in range(s.places):
            place = rec("place", i)
            yield place, RDF_TYPE, _iri(SCHEMA + "Place")
            yield place, RDF_TYPE, _iri(DCT + "Location")
            yield place, _iri(RDFS + "label"), _lit(f"Synthetic place {i}", "en")
        for i in range(s.orgs):
            org = rec("org", i)
            yield org, RDF_TYPE, _iri(FOAF + "Organization")
            yield org, _iri(RDFS + "label"), _lit(f"Synthetic organisation {i}", "en")
        for i in range(s.cases):
            case = rec("case", i)
            plans, delivers = rng.choice(PLANS), rng.choice(DELIVERS)
            country, area = rng.choice(COUNTRIES), rng.choice(AREAS)
            year = str(rng.randint(1970, 2025))
            yield case, RDF_TYPE, _iri(COP + "Case")
            yield case, _iri(RDFS + "label"), _lit(f"Synthetic case {i}", "en")
            yield case, _iri(DCT + "identifier"), _lit(f"synthetic-{i}")
            yield case, _iri(DCT + "description"), _lit(
                f"Synthetic description {i}: {_words(rng, 8)}", "en")
            yield case, _iri(DCT + "spatial"), rec("place", rng.randrange(s.places))
            yield case, _iri(COP + "country"), _iri(COUNTRY + country)
            yield case, _iri(SCHEMA + "startDate"), _lit(year, datatype=XSD + "gYear")
            yield case, _iri(COP + "serviceArea"), _iri(COFOG + area)
            yield case, _iri(COP + "whoPlans"), _iri(COP + plans)
            yield case, _iri(COP + "whoDelivers"), _iri(COP + delivers)
            yield case, _iri(COP + "discussedIn"), rec("work", rng.randrange(s.works))
            for phase in rng.sample(PHASES, rng.randint(1, 2)):
                yield case, _iri(COP + "phase"), _iri(COP + phase)
            yield case, _iri(COP + "level"), _iri(COP + rng.choice(LEVELS))
            yield case, _iri(COP + "organisedBy"), rec("org", rng.randrange(s.orgs))
            yield case, _iri(DCT + "source"), _iri(f"https://example.org/synthetic/case/{i}")
            yield case, _iri(COP + "confirmation"), _iri(COP + rng.choice(CONFIRMATION))
            self.cells.append(3 * PLANS.index(plans) + DELIVERS.index(delivers))
            self.counts.add(
                cell=COP + plans + delivers, plans=COP + plans, delivers=COP + delivers,
                country=COUNTRY + country, area=COFOG + area, year=year,
            )

    def work_triples(self) -> Iterator[tuple[str, str, str]]:
        """Works, people and venues (the `synthetic-works` graph)."""
        rng = random.Random(self.seed + 1)
        s = self.sizes
        for i in range(s.venues):
            venue = rec("venue", i)
            yield venue, RDF_TYPE, _iri(FABIO + "Journal")
            yield venue, _iri(RDFS + "label"), _lit(f"Synthetic Journal {i}", "en")
        for i in range(s.people):
            person = rec("person", i)
            yield person, RDF_TYPE, _iri(FOAF + "Person")
            yield person, _iri(FOAF + "name"), _lit(f"Synthetic Author {i}")
            yield person, _iri(RDFS + "label"), _lit(f"Synthetic Author {i}")
            yield person, _iri(FOAF + "familyName"), _lit(f"Author {i}")
        for i in range(s.works):
            work = rec("work", i)
            title = f"Synthetic work {i} on {_words(rng, 4)}"
            yield work, RDF_TYPE, _iri(FABIO + "JournalArticle")
            yield work, RDF_TYPE, _iri(SCHEMA + "CreativeWork")
            yield work, _iri(DCT + "title"), _lit(title, "en")
            yield work, _iri(RDFS + "label"), _lit(title, "en")
            yield work, _iri(DCT + "identifier"), _lit(f"synthetic-work-{i}")
            yield work, _iri(FABIO + "hasPublicationYear"), _lit(
                str(rng.randint(1975, 2025)), datatype=XSD + "gYear")
            for author in {rng.randrange(s.people) for _ in range(rng.randint(1, 3))}:
                yield work, _iri(DCT + "creator"), rec("person", author)
            yield work, _iri(DCT + "isPartOf"), rec("venue", rng.randrange(s.venues))
            # 10.5555 is the DOI prefix reserved for examples: no real work has these DOIs.
            yield work, _iri(BIBO + "doi"), _lit(f"10.5555/synthetic.{i}")
            if i > 0:
                for cited in {rng.randrange(i) for _ in range(2)}:
                    yield work, _iri(CITO + "cites"), rec("work", cited)
            yield work, _iri(DCT + "source"), _iri(f"https://example.org/synthetic/work/{i}")
            yield work, _iri(COP + "confirmation"), _iri(COP + rng.choice(CONFIRMATION))

    def inferred_triples(self) -> Iterator[tuple[str, str, str]]:
        """The Bovaird cell of every case, as the reasoner adds it (the `inferred` graph).

        Runs after case_triples(), which records each case's axis values in `self.cells`.
        """
        for i, cell in enumerate(self.cells):
            case = rec("case", i)
            yield case, RDF_TYPE, _iri(COP + PLANS[cell // 3] + DELIVERS[cell % 3])
            yield case, RDF_TYPE, _iri(COP + "BovairdCell")


def _write(out: TextIO, triples: Iterator[tuple[str, str, str]], graph: str,
           digest: Any) -> int:
    count = 0
    suffix = f" <{graph}> .\n"
    for s, p, o in triples:
        line = f"{s} {p} {o}{suffix}"
        out.write(line)
        digest.update(line.encode("utf-8"))
        count += 1
    return count


def generate(cases: int, data_dir: Path, seed: int = 2007) -> dict[str, int]:
    """Write the artefact of `cases` synthetic cases in `data_dir/dataset`; triples per graph."""
    folder = data_dir / "dataset"
    folder.mkdir(parents=True, exist_ok=True)
    gen = Generator(cases, seed)
    graph = {name: f"{BASE}graph/{name}" for name in GRAPHS}
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    tmp = folder / (ARTEFACT + ".tmp")
    with tmp.open("w", encoding="utf-8", buffering=1 << 20) as out:
        counts[graph["synthetic-cases"]] = _write(
            out, gen.case_triples(), graph["synthetic-cases"], digest)
        counts[graph["synthetic-works"]] = _write(
            out, gen.work_triples(), graph["synthetic-works"], digest)
        counts[graph["inferred"]] = _write(
            out, gen.inferred_triples(), graph["inferred"], digest)
        stats = graph_lines(stats_graph(gen.counts, BASE), URIRef(graph["stats"]))
        for line in stats:
            out.write(line)
            digest.update(line.encode())
        counts[graph["stats"]] = len(stats)
        # The ontology itself, so queries can climb rdfs:subClassOf and read concept labels.
        ontology = graph_lines(load_ontology(BASE), URIRef(graph["ontology"]))
        for line in ontology:
            out.write(line)
            digest.update(line.encode())
        counts[graph["ontology"]] = len(ontology)
        fingerprint = hashlib.sha256(f"synthetic {cases} {seed}".encode()).hexdigest()
        catalog = [
            f"<{BASE}dataset> {_iri(DCT + 'title')} {_lit('Synthetic coprod benchmark data')} "
            f"<{graph['catalog']}> .\n",
            f"<{BASE}dataset> <{COP}fingerprint> {_lit(fingerprint)} <{graph['catalog']}> .\n",
        ]
        for line in catalog:
            out.write(line)
            digest.update(line.encode())
        counts[graph["catalog"]] = len(catalog)
    os.replace(tmp, folder / ARTEFACT)
    manifest = {"fingerprint": fingerprint, "base": BASE, "built_at": "synthetic",
                "graphs": counts, "sha256": digest.hexdigest()}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(f"build/bench/data-{size}")
    written = generate(size, target)
    print(f"{sum(written.values()):,} triples for {size:,} cases in {target}")

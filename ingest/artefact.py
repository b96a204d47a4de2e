"""The dataset artefact: sorted N-Quads, one named graph per source, and a JSON manifest."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph

ARTEFACT = "coprod.nq"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    """What the build wrote: the input fingerprint, the base, and triples per graph."""

    fingerprint: str
    base: str
    built_at: str
    graphs: dict[str, int]
    sha256: str

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def graph_lines(graph: Graph, name: URIRef) -> list[str]:
    """N-Quads lines of one graph, sorted so that equal graphs give equal bytes.

    Blank nodes get canonical labels (so rebuilds are identical) prefixed per graph (so two
    graphs never share a blank node in the N-Quads document).
    """
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    # No "_:" in the text, no blank node; the scan settles a "_:" inside a literal.
    if "_:" in text and any(isinstance(term, BNode) for triple in graph for term in triple):
        canonical = to_canonical_graph(graph)
        salt = hashlib.sha256(str(name).encode()).hexdigest()[:8]
        graph = Graph()
        for triple in canonical:
            graph.add(
                tuple(  # type: ignore[arg-type]
                    BNode(f"g{salt}{term}") if isinstance(term, BNode) else term for term in triple
                )
            )
        text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return sorted(f"{line[:-2]} <{name}> .\n" for line in text.splitlines() if line.strip())


def write_artefact(
    folder: Path, graphs: dict[URIRef, Graph], *, fingerprint: str, base: str, built_at: str
) -> Manifest:
    """Write the artefact atomically (temp file then rename) and return its manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    tmp = folder / (ARTEFACT + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for name in sorted(graphs):
            lines = graph_lines(graphs[name], name)
            counts[str(name)] = len(lines)
            for line in lines:
                out.write(line)
                digest.update(line.encode("utf-8"))
    os.replace(tmp, folder / ARTEFACT)
    manifest = Manifest(fingerprint, base, built_at, counts, digest.hexdigest())
    tmp_manifest = folder / (MANIFEST + ".tmp")
    tmp_manifest.write_text(json.dumps(manifest.__dict__, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp_manifest, folder / MANIFEST)
    return manifest


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of a built artefact, or None when there is none."""
    path = folder / MANIFEST
    if not path.exists() or not (folder / ARTEFACT).exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Manifest(**data)


def iter_graphs(folder: Path) -> Iterator[tuple[str, bytes]]:
    """(graph IRI, N-Triples bytes) for each graph of the artefact, in file order."""
    current: str | None = None
    chunk: list[str] = []
    with (folder / ARTEFACT).open(encoding="utf-8") as lines:
        for line in lines:
            body, _, graph = line.rstrip(" .\n").rpartition(" <")
            graph = graph.rstrip(">")
            if graph != current:
                if current is not None:
                    yield current, "".join(chunk).encode("utf-8")
                current, chunk = graph, []
            chunk.append(body + " .\n")
    if current is not None:
        yield current, "".join(chunk).encode("utf-8")

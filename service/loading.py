"""Push a built artefact into a store, one named graph at a time, each replaced atomically.

A first load into an embedded store that holds none of the artefact's graphs is one bulk
load of the whole file instead (EmbeddedStore.load_new_graphs), undone whole on a crash.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from ingest.aggregates import refresh_request
from ingest.artefact import ARTEFACT, iter_graphs, read_manifest
from ingest.edits import reapply_request
from ontology.errors import InputError
from service.store.base import NTRIPLES, Store


@dataclass
class LoadReport:
    """What a load did."""

    skipped: bool
    graphs: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def loaded_fingerprint(store: Store, base: str) -> str | None:
    """The fingerprint of the artefact the store holds, read from its catalogue graph."""
    result = store.select(
        f"SELECT ?f WHERE {{ GRAPH <{base}graph/catalog> "
        f"{{ <{base}dataset> <{base}ontology#fingerprint> ?f }} }}"
    )
    return str(result.rows[0]["f"]) if result.rows else None


def _kept_descriptions(store: Store, catalog: str, base: str, built: set[str]) -> bytes:
    """Catalogue triples about graphs the build does not own (imports), so a reload keeps them."""
    graph = store.construct(
        f"CONSTRUCT {{ ?g ?p ?o . <{base}dataset> <http://rdfs.org/ns/void#subset> ?g }} "
        f"WHERE {{ GRAPH <{catalog}> {{ ?g ?p ?o "
        f"FILTER(STRSTARTS(STR(?g), \"{base}graph/\")) }} }}"
    )
    kept = Graph()
    for s, p, o in graph:
        about = str(o) if str(s) == f"{base}dataset" else str(s)
        if about not in built:
            kept.add((s, p, o))
    if not len(kept):
        return b""
    return kept.serialize(format="nt", encoding="utf-8")


def load_artefact(store: Store, folder: Path, *, force: bool = False) -> LoadReport:
    """Load every graph of the artefact; the catalogue goes last so it flips the version."""
    manifest = read_manifest(folder)
    if manifest is None:
        raise InputError("no built dataset here: run `coprod build` first", file=str(folder))
    if not force and loaded_fingerprint(store, manifest.base) == manifest.fingerprint:
        return LoadReport(skipped=True, graphs=manifest.graphs)
    started = time.perf_counter()
    catalog = f"{manifest.base}graph/catalog"
    # Catalogue corrections live outside the artefact: put them back over the reloaded graphs,
    # and count imported and edited records in the build's statistics too.
    held_graphs, built = set(store.graphs()), set(manifest.graphs)
    others = reapply_request(manifest.base)
    if held_graphs - built:
        others += " ;\n" + refresh_request(manifest.base)
    bulk = getattr(store, "load_new_graphs", None)
    if bulk is not None and not held_graphs & built:
        # A store holding none of these graphs (a first load): one bulk load of the file.
        bulk(folder / ARTEFACT, list(manifest.graphs), lambda: store.update(others))
        return LoadReport(skipped=False, graphs=manifest.graphs,
                          seconds=time.perf_counter() - started)
    held: bytes | None = None
    for graph, data in iter_graphs(folder):
        if graph == catalog:
            held = data
            continue
        store.replace_graph(graph, data, NTRIPLES)
    if held is not None:
        held += _kept_descriptions(store, catalog, manifest.base, built)
        store.replace_graph(catalog, held, NTRIPLES)
    store.update(others)
    return LoadReport(skipped=False, graphs=manifest.graphs, seconds=time.perf_counter() - started)

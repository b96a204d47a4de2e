"""Backup and restore: every graph of a store as one gzipped N-Quads file, and back.

`dump` writes the default graph (as triples) and each named graph (as quads), graph after
graph, into a temporary file renamed into place, so a failed dump never leaves a half file
under the final name. Blank node labels are prefixed per graph, so two graphs never share
a label in the file (a restore is per graph, so a blank node shared across graphs could
not be kept shared anyway).

`restore` reads and parses the whole file before it writes anything, so a corrupt file
changes nothing; then it writes each graph with `replace_graph`, which is atomic per graph.
It refuses a store that already holds data unless `replace=True`.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ontology.errors import InputError, StoreError
from service.store.base import NTRIPLES, Store

# Written first in every dump: a comment, so the file stays plain N-Quads.
HEADER = "# coprod dump: N-Quads, one named graph after another\n"
GRAPH_MARK = "# graph "


@dataclass
class BackupReport:
    """What a dump or a restore moved: triples per graph (`None` is the default graph)."""

    graphs: dict[str | None, int] = field(default_factory=dict)

    @property
    def triples(self) -> int:
        """All triples moved."""
        return sum(self.graphs.values())


def _triples(data: bytes) -> Iterator[ox.Triple]:
    for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
        yield ox.Triple(quad.subject, quad.predicate, quad.object)


def _relabel(term: object, salt: str) -> object:
    if isinstance(term, ox.BlankNode):
        return ox.BlankNode(f"g{salt}{term.value}")
    return term


def _quad_lines(data: bytes, graph: str | None) -> Iterator[str]:
    """N-Quads lines of one graph's N-Triples, blank nodes prefixed by a per-graph salt."""
    salt = hashlib.sha256((graph or "").encode("utf-8")).hexdigest()[:8]
    suffix = " .\n" if graph is None else f" {ox.NamedNode(graph)} .\n"
    for triple in _triples(data):
        subject = _relabel(triple.subject, salt)
        obj = _relabel(triple.object, salt)
        yield f"{subject} {triple.predicate} {obj}{suffix}"


def dump(store: Store, path: Path) -> BackupReport:
    """Write every graph of `store` to `path` as gzipped N-Quads (atomically: temp then rename)."""
    report = BackupReport()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with gzip.open(tmp, "wt", encoding="utf-8", newline="\n") as out:
            out.write(HEADER)
            for graph in [None, *store.graphs()]:
                data = store.get_graph(graph, NTRIPLES)
                if data is None:  # dropped between graphs() and now
                    continue
                if graph is not None:
                    # Names every graph, so empty named graphs come back too.
                    out.write(f"{GRAPH_MARK}{ox.NamedNode(graph)}\n")
                count = 0
                for line in _quad_lines(data, graph):
                    out.write(line)
                    count += 1
                if graph is not None or count:
                    report.graphs[graph] = count
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write the dump {path}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return report


def read_dump(path: Path) -> dict[str | None, bytes]:
    """Parse a dump whole: N-Triples bytes per graph (`None` is the default graph).

    InputError when the file is missing, not gzip, or not N-Quads, naming the problem.
    """
    try:
        with gzip.open(path, "rb") as source:
            raw = source.read()
    except FileNotFoundError as exc:
        raise InputError("no such dump file", file=str(path)) from exc
    except (OSError, EOFError) as exc:
        raise InputError(f"not a gzipped dump: {exc}", file=str(path)) from exc
    graphs: dict[str | None, list[str]] = {}
    for line in raw.splitlines():
        if line.startswith(GRAPH_MARK.encode()):
            marked = line[len(GRAPH_MARK) :].decode("utf-8", "replace").strip()
            if marked.startswith("<") and marked.endswith(">"):
                graphs.setdefault(marked[1:-1], [])
    try:
        for quad in ox.parse(raw, format=ox.RdfFormat.N_QUADS):
            name = quad.graph_name
            key = name.value if isinstance(name, ox.NamedNode) else None
            graphs.setdefault(key, []).append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
    except SyntaxError as exc:
        raise InputError(f"the dump is not valid N-Quads: {exc}", file=str(path)) from exc
    return {graph: "".join(lines).encode("utf-8") for graph, lines in graphs.items()}


def is_empty(store: Store) -> bool:
    """True when the store holds no named graph and an empty default graph."""
    if store.graphs():
        return False
    data = store.get_graph(None, NTRIPLES)
    return not (data or b"").strip()


def restore(store: Store, path: Path, *, replace: bool = False) -> BackupReport:
    """Load a dump into `store`, each graph replaced atomically; the file is checked first.

    Refuses (InputError) a store that holds data unless `replace` is true; then graphs named
    in the dump are replaced and other graphs are left alone.
    """
    graphs = read_dump(path)
    if not replace and not is_empty(store):
        raise InputError(
            "the store already holds data: restore into an empty store (or pass replace)",
            file=str(path),
        )
    report = BackupReport()
    # The default graph first and the catalogue graph last, as a load does: the catalogue
    # says which build the store holds, so it should only appear once the rest is in.
    names = sorted(
        graphs, key=lambda g: (g is not None, (g or "").endswith("/graph/catalog"), g or "")
    )
    for graph in names:
        data = graphs[graph]
        store.replace_graph(graph, data, NTRIPLES)
        report.graphs[graph] = data.count(b"\n")
    return report

"""The store seam: whole-query operations that every store kind implements alike."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rdflib import Graph
from rdflib.term import Identifier

# Media types of the formats every store must read and write.
NQUADS = "application/n-quads"
NTRIPLES = "application/n-triples"
TURTLE = "text/turtle"
SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
SPARQL_CSV = "text/csv"
SPARQL_TSV = "text/tab-separated-values"


@dataclass(frozen=True)
class SelectResult:
    """Rows of a SELECT: each row maps a bound variable name to an rdflib term."""

    variables: list[str]
    rows: list[dict[str, Identifier]]


@dataclass
class RawResult:
    """A query answer already serialised by the store, streamed in chunks."""

    media_type: str
    chunks: Iterator[bytes]
    headers: dict[str, str] = field(default_factory=dict)


class Store(Protocol):
    """What coprod needs from a SPARQL 1.1 store; `None` as a graph means the default graph."""

    kind: str

    def select(self, query: str) -> SelectResult:
        """Run a SELECT and return all rows (named queries; callers page with LIMIT)."""
        ...

    def ask(self, query: str) -> bool:
        """Run an ASK."""
        ...

    def construct(self, query: str) -> Graph:
        """Run a CONSTRUCT or DESCRIBE and return the graph."""
        ...

    def raw(
        self,
        query: str,
        media_type: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> RawResult:
        """Run any query and stream the answer serialised as `media_type` (already negotiated)."""
        ...

    def update(
        self,
        update: str,
        *,
        using_graphs: Sequence[str] = (),
        using_named_graphs: Sequence[str] = (),
    ) -> None:
        """Run a SPARQL 1.1 Update as one transaction."""
        ...

    def replace_graph(self, graph: str | None, data: bytes, media_type: str) -> None:
        """Replace a graph's content atomically: on failure the old content stays."""
        ...

    def add_to_graph(self, graph: str | None, data: bytes, media_type: str) -> None:
        """Add triples to a graph (Graph Store POST)."""
        ...

    def get_graph(self, graph: str | None, media_type: str) -> bytes | None:
        """Serialise one graph, or None if that named graph does not exist."""
        ...

    def drop_graph(self, graph: str | None) -> bool:
        """Remove a graph; False if that named graph did not exist."""
        ...

    def graphs(self) -> list[str]:
        """IRIs of the named graphs."""
        ...

    def ping(self) -> bool:
        """True when the store answers."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...

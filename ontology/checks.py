"""Run the quality-control queries (queries/checks/*-violation.rq) over a graph.

Each query lists problems, one per row; a query with rows fails the build (the ODK/ROBOT
convention). The queries use rdflib's SPARQL engine here, so they also run without a store.
"""

from __future__ import annotations

from importlib import resources

from rdflib import Graph


def violation_queries() -> dict[str, str]:
    """The text of every *-violation.rq shipped in the queries package, by file name."""
    folder = resources.files("queries") / "checks"
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith("-violation.rq")
    }


def run_checks(graph: Graph) -> dict[str, list[tuple[str, ...]]]:
    """Run every violation query over `graph`; return only the failing ones with their rows."""
    failures: dict[str, list[tuple[str, ...]]] = {}
    for name, text in violation_queries().items():
        result = graph.query(text)
        rows = [tuple(str(value) for value in row) for row in result]  # type: ignore[union-attr]
        if rows:
            failures[name] = rows
    return failures

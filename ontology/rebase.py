"""Move IRIs from one base to another: the files are written with the default base, and a
deployment may publish under its own."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

_TEXT_TYPES = (None, XSD.string, XSD.anyURI)


def rebase_iri(iri: URIRef, old: str, new: str) -> URIRef:
    """`iri` moved from base `old` to base `new` (unchanged when not under `old`)."""
    text = str(iri)
    return URIRef(new + text[len(old) :]) if text.startswith(old) else iri


def rebase_term(term: Node, old: str, new: str) -> Node:
    """`term` moved from `old` to `new`: IRIs under `old`, and string literals that spell such
    an IRI (e.g. `vann:preferredNamespaceUri`)."""
    if isinstance(term, URIRef):
        return rebase_iri(term, old, new)
    if isinstance(term, Literal) and term.datatype in _TEXT_TYPES and str(term).startswith(old):
        moved = new + str(term)[len(old) :]
        if term.language:
            return Literal(moved, lang=term.language)
        return Literal(moved, datatype=term.datatype)
    return term


def rebase_graph(graph: Graph, old: str, new: str) -> Graph:
    """A copy of `graph` with every term moved by rebase_term."""
    moved = Graph()
    for s, p, o in graph:
        moved.add((rebase_term(s, old, new), rebase_term(p, old, new), rebase_term(o, old, new)))
    return moved

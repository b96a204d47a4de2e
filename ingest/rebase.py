"""Move IRIs from the default base to the configured one."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node


def rebase(term: Node, old: str, new: str) -> Node:
    """`term` moved from `old` to `new`: IRIs under `old`, and plain string literals that
    spell such an IRI (e.g. `vann:preferredNamespaceUri`)."""
    if isinstance(term, URIRef) and str(term).startswith(old):
        return URIRef(new + str(term)[len(old) :])
    if (
        isinstance(term, Literal)
        and term.datatype in (None, XSD.string, XSD.anyURI)
        and not term.language
        and str(term).startswith(old)
    ):
        return Literal(new + str(term)[len(old) :], datatype=term.datatype)
    return term

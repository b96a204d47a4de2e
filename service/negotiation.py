"""Content negotiation: Accept headers with q-values and wildcards, and the `format=` shortcut."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from service.problems import NotAcceptable, ProtocolError
from service.store.base import (
    NTRIPLES,
    SPARQL_CSV,
    SPARQL_JSON,
    SPARQL_TSV,
    SPARQL_XML,
    TURTLE,
)

JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"

# What each kind of answer can be serialised as; the first is the default.
TABLE_TYPES: tuple[str, ...] = (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV)
GRAPH_TYPES: tuple[str, ...] = (TURTLE, NTRIPLES, JSON_LD, RDF_XML)

# Older or generic names clients send (SPARQLWrapper, rdflib, browsers) for the same formats.
ALIASES: dict[str, tuple[str, ...]] = {
    SPARQL_JSON: ("application/json",),
    SPARQL_XML: ("application/xml", "text/xml"),
    TURTLE: ("application/x-turtle",),
    NTRIPLES: ("text/plain",),
    JSON_LD: ("application/json",),
    RDF_XML: ("application/xml", "text/xml"),
}

# `format=` shortcut -> (table type, graph type); None where that answer kind has no such format.
FORMATS: dict[str, tuple[str | None, str | None]] = {
    "json": (SPARQL_JSON, JSON_LD),
    "xml": (SPARQL_XML, RDF_XML),
    "csv": (SPARQL_CSV, None),
    "tsv": (SPARQL_TSV, None),
    "ttl": (None, TURTLE),
    "turtle": (None, TURTLE),
    "nt": (None, NTRIPLES),
    "jsonld": (None, JSON_LD),
    "rdf": (None, RDF_XML),
}

_Range = tuple[str, str, float]


def _parse_accept(header: str) -> list[_Range]:
    """Split an Accept header into (type, subtype, q); malformed ranges are skipped."""
    ranges: list[_Range] = []
    for part in header.split(","):
        fields = part.split(";")
        media = fields[0].strip().lower()
        if "/" not in media:
            continue
        main, sub = media.split("/", 1)
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        if 0.0 <= q <= 1.0:
            ranges.append((main.strip(), sub.strip(), q))
    return ranges


def _score(ranges: list[_Range], offer: str) -> tuple[float, int]:
    """q and specificity of the most specific range matching `offer` (RFC 9110 12.5.1).

    Aliases count only when named exactly: `text/*` must not pick results XML via `text/xml`.
    """
    best: tuple[int, float] = (-1, 0.0)
    aliases = ALIASES.get(offer, ())
    main, sub = offer.split("/", 1)
    for r_main, r_sub, q in ranges:
        if r_main == main and r_sub == sub or f"{r_main}/{r_sub}" in aliases:
            spec = 2
        elif r_main == main and r_sub == "*":
            spec = 1
        elif r_main == "*" and r_sub == "*":
            spec = 0
        else:
            continue
        if (spec, q) > best:
            best = (spec, q)
    return best[1], best[0]


@lru_cache(maxsize=512)
def _choose(accept: str, offers: tuple[str, ...]) -> str | None:
    ranges = _parse_accept(accept)
    if not ranges:
        return offers[0]
    choice: str | None = None
    best: tuple[float, int, int] = (0.0, -1, 0)
    for order, offer in enumerate(offers):
        q, spec = _score(ranges, offer)
        # Higher q wins; then an exact match over a wildcard; then the server's order.
        key = (q, spec, -order)
        if q > 0 and key > best:
            best, choice = key, offer
    return choice


def choose(accept: str | None, offers: Sequence[str]) -> str:
    """The media type to answer with, given an Accept header; NotAcceptable if none fits."""
    if not accept or not accept.strip():
        return offers[0]
    choice = _choose(accept, tuple(offers))
    if choice is None:
        raise NotAcceptable(
            f"None of the offered media types fits Accept: {accept[:200]}", offered=offers
        )
    return choice


def choose_format(fmt: str, offers: Sequence[str], graph: bool) -> str:
    """The media type named by a `format=` shortcut, checked against what this answer offers."""
    pair = FORMATS.get(fmt.strip().lower())
    if pair is None:
        raise ProtocolError(
            f"Unknown format {fmt[:40]!r}; use one of: {', '.join(sorted(FORMATS))}"
        )
    media = pair[1] if graph else pair[0]
    if media is None or media not in offers:
        kind = "a graph" if graph else "a results table"
        raise NotAcceptable(f"format={fmt} does not fit {kind}", offered=offers)
    return media


def negotiate(
    params: Mapping[str, str], accept: str | None, offers: Sequence[str], graph: bool
) -> str:
    """Pick the answer's media type: `format=` first, then the Accept header."""
    fmt = params.get("format")
    if fmt:
        return choose_format(fmt, offers, graph)
    return choose(accept, offers)


def media_type_of(content_type: str | None) -> str:
    """The bare, lower-case media type of a Content-Type header ('' when absent)."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()

"""Ranked full-text search over labels, titles, abstracts and descriptions (BM25, in process).

The index is built lazily from the store on the first search and rebuilt when the catalogue
graph changes (a new build or load) or after `invalidate()`. Tokens are case- and
accent-folded ("Löffler" finds "Loffler"), so the search is case- and accent-insensitive.
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ontology import DEFAULT_BASE
from service.store.base import Store

# Fields searched, with how much a token counts: names weigh more than running text.
FIELDS: dict[str, float] = {
    "http://www.w3.org/2000/01/rdf-schema#label": 3.0,
    "http://purl.org/dc/terms/title": 3.0,
    "http://www.w3.org/2004/02/skos/core#prefLabel": 3.0,
    "http://www.w3.org/2004/02/skos/core#altLabel": 2.0,
    "http://xmlns.com/foaf/0.1/name": 3.0,
    "http://purl.org/dc/terms/abstract": 1.0,
    "http://purl.org/dc/terms/description": 1.0,
    "http://www.w3.org/2004/02/skos/core#definition": 1.0,
}
NAME_FIELDS = tuple(f for f, w in FIELDS.items() if w >= 3.0)
KINDS: dict[str, str] = {
    "ontology#Case": "case",
    "https://schema.org/CreativeWork": "work",
    "http://xmlns.com/foaf/0.1/Person": "person",
    "http://www.w3.org/2004/02/skos/core#Concept": "concept",
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": "scheme",
    "http://purl.org/spar/fabio/Journal": "venue",
    "https://schema.org/Place": "place",
}
K1 = 1.2
B = 0.75
PREFIX_WEIGHT = 0.7  # a prefix match ("copro" for "coproduction") counts less than a word
MAX_EXPANSIONS = 50
_TOKEN = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower-case, accent-free text: 'Löffler' -> 'loffler', 'Straße' -> 'strasse'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokens(text: str) -> list[str]:
    """The folded word tokens of a text."""
    return _TOKEN.findall(fold(text))


@dataclass(frozen=True)
class Hit:
    """One search result."""

    iri: str
    label: str
    kind: str | None
    score: float


@dataclass(frozen=True)
class Results:
    """One page of hits, the number of matching records, and the time taken."""

    hits: list[Hit]
    total: int
    query_ms: float
    build_s: float


@dataclass
class _Index:
    iris: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    kinds: list[str | None] = field(default_factory=list)
    lengths: list[float] = field(default_factory=list)
    postings: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)
    average: float = 1.0


def build_index(
    texts: Iterable[tuple[str, str, str]], kinds: dict[str, str] | None = None
) -> _Index:
    """Index (subject IRI, field IRI, text) triples; `kinds` maps subjects to a kind word."""
    kinds = kinds or {}
    ids: dict[str, int] = {}
    index = _Index()
    counts: dict[str, dict[int, float]] = defaultdict(dict)
    label_rank: list[int] = []
    for iri, field_iri, text in texts:
        weight = FIELDS.get(field_iri, 1.0)
        doc = ids.get(iri)
        if doc is None:
            doc = ids[iri] = len(index.iris)
            index.iris.append(iri)
            index.labels.append("")
            index.kinds.append(kinds.get(iri))
            index.lengths.append(0.0)
            label_rank.append(len(NAME_FIELDS))
        if field_iri in NAME_FIELDS:
            rank = NAME_FIELDS.index(field_iri)
            if rank < label_rank[doc] or (rank == label_rank[doc] and text < index.labels[doc]):
                label_rank[doc], index.labels[doc] = rank, text
        words = tokens(text)
        index.lengths[doc] += weight * len(words)
        for word in words:
            slot = counts[word]
            slot[doc] = slot.get(doc, 0.0) + weight
    index.postings = {word: list(docs.items()) for word, docs in counts.items()}
    index.vocabulary = sorted(index.postings)
    if index.lengths:
        index.average = max(sum(index.lengths) / len(index.lengths), 1.0)
    for doc, label in enumerate(index.labels):
        if not label:
            index.labels[doc] = index.iris[doc]
    return index


def _expand(index: _Index, word: str) -> list[str]:
    start = bisect.bisect_left(index.vocabulary, word)
    out = []
    for term in index.vocabulary[start : start + MAX_EXPANSIONS + 1]:
        if not term.startswith(word):
            break
        if term != word:
            out.append(term)
    return out


def rank(
    index: _Index, query: str, kind: str | None = None, top: int | None = None
) -> tuple[list[tuple[int, float, int]], int]:
    """The best `top` (doc, score, matched words), best first, and how many docs matched."""
    words = list(dict.fromkeys(tokens(query)))
    total = len(index.iris)
    scores: dict[int, float] = defaultdict(float)
    matched: dict[int, int] = defaultdict(int)
    for position, word in enumerate(words):
        terms = [(word, 1.0)]
        if position == len(words) - 1 and len(word) >= 3:
            terms += [(t, PREFIX_WEIGHT) for t in _expand(index, word)]
        seen: set[int] = set()
        for term, factor in terms:
            postings = index.postings.get(term)
            if not postings:
                continue
            idf = math.log(1 + (total - len(postings) + 0.5) / (len(postings) + 0.5))
            for doc, tf in postings:
                norm = tf + K1 * (1 - B + B * index.lengths[doc] / index.average)
                scores[doc] += factor * idf * tf * (K1 + 1) / norm
                if doc not in seen:
                    seen.add(doc)
                    matched[doc] += 1
    hits = [
        (doc, score, matched[doc])
        for doc, score in scores.items()
        if kind is None or index.kinds[doc] == kind
    ]
    # Records matching more of the words first, then by score, then by label for stability.
    def order(hit: tuple[int, float, int]) -> tuple[int, float, str]:
        return (-hit[2], -hit[1], index.labels[hit[0]])

    best = sorted(hits, key=order) if top is None else heapq.nsmallest(top, hits, key=order)
    return best, len(hits)


class SearchIndex:
    """A lazily built, self-refreshing BM25 index over the store's texts."""

    def __init__(self, base: str = DEFAULT_BASE, *, check_interval_s: float = 2.0) -> None:
        self.base = base
        self.check_interval_s = check_interval_s
        self.build_s = 0.0
        self._index: _Index | None = None
        self._fingerprint: str | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Forget the index; the next search rebuilds it (call after writing to the store)."""
        with self._lock:
            self._index = None

    @property
    def size(self) -> int:
        """How many records the index holds (0 before the first build)."""
        return len(self._index.iris) if self._index else 0

    def _current(self, store: Store) -> _Index:
        with self._lock:
            now = time.monotonic()
            if self._index is not None and now - self._checked < self.check_interval_s:
                return self._index
            fingerprint = self._catalogue_fingerprint(store)
            self._checked = now
            if self._index is None or fingerprint != self._fingerprint:
                started = time.perf_counter()
                self._index = build_index(self._texts(store), self._kinds(store))
                self.build_s = time.perf_counter() - started
                self._fingerprint = fingerprint
            return self._index

    def search(
        self, store: Store, query: str, *, limit: int = 20, offset: int = 0,
        kind: str | None = None,
    ) -> Results:
        """The best `limit` hits after `offset` for `query` (empty when it has no words)."""
        index = self._current(store)
        started = time.perf_counter()
        ranked, total = rank(index, query, kind, top=offset + limit)
        page = ranked[offset:]
        hits = [
            Hit(index.iris[doc], index.labels[doc], index.kinds[doc], round(score, 4))
            for doc, score, _ in page
        ]
        elapsed = (time.perf_counter() - started) * 1000
        return Results(hits, total, round(elapsed, 3), round(self.build_s, 3))

    def _catalogue_fingerprint(self, store: Store) -> str:
        result = store.select(
            "SELECT ?g ?p ?o WHERE { GRAPH <" + self.base + "graph/catalog> { ?g ?p ?o "
            "FILTER(?p IN (<http://www.w3.org/ns/prov#generatedAtTime>, <"
            + self.base + "ontology#sha256>)) } } ORDER BY ?g ?p ?o"
        )
        return "\n".join(f"{r.get('g')} {r.get('p')} {r.get('o')}" for r in result.rows)

    def _texts(self, store: Store) -> list[tuple[str, str, str]]:
        values = " ".join(f"<{f}>" for f in FIELDS)
        result = store.select(
            "SELECT ?s ?f ?text WHERE { VALUES ?f { " + values + " } "
            "GRAPH ?g { ?s ?f ?text } FILTER(isIRI(?s) && isLiteral(?text)) }"
        )
        seen: set[tuple[str, str, str]] = set()
        out = []
        for row in result.rows:
            item = (str(row["s"]), str(row["f"]), str(row["text"]))
            if item not in seen:  # the same triple in two graphs counts once
                seen.add(item)
                out.append(item)
        return out

    def _kinds(self, store: Store) -> dict[str, str]:
        types = {
            (self.base + key if key.startswith("ontology#") else key): word
            for key, word in KINDS.items()
        }
        values = " ".join(f"<{t}>" for t in types)
        result = store.select(
            "SELECT DISTINCT ?s ?t WHERE { VALUES ?t { " + values + " } GRAPH ?g { ?s a ?t } }"
        )
        kinds: dict[str, str] = {}
        for row in result.rows:
            kinds.setdefault(str(row["s"]), types[str(row["t"])])
        return kinds

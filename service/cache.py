"""Answers of the lookup and resource routes, cached per dataset version, with ETag and 304.

A lookup's answer depends only on its URL, the format asked for and the data. The data has a
version: the build fingerprint the catalogue graph records, plus the in-process counter that
service.changes.data_changed bumps on every write through this service. So an answer is
stored under (version, path, query string, Accept) and its ETag is a digest of that key:

- a request whose `If-None-Match` holds the current ETag gets `304 Not Modified` without
  touching the store;
- a repeated request gets the stored bytes;
- `Cache-Control: no-cache` on the request computes the answer afresh (and stores it).

The fingerprint is read again at most every FINGERPRINT_TTL_S seconds, so a store changed
behind the service's back (a remote store reloaded) is noticed within that time. Entries are
bounded in number and bytes, least recently used first out. Errors are never cached.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from service.store.base import Store

FINGERPRINT_TTL_S = 2.0
MAX_ENTRIES = 2048
MAX_BYTES = 64 * 1024 * 1024
# Clients may keep an answer but must ask again (and get a cheap 304) before reusing it.
CACHE_CONTROL = "no-cache"
_HEADERS_KEPT = ("content-type", "link", "content-disposition")


@dataclass(frozen=True)
class Entry:
    """One stored answer."""

    etag: str
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]


class AnswerCache:
    """Stored answers and the dataset version they belong to; safe across threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._fingerprint: str | None = None
        self._checked = float("-inf")
        self._checked_version: int | None = None

    def version(self, state: Any, base: str) -> str:
        """The current dataset version: build fingerprint and in-process change counter."""
        local = int(getattr(state, "data_version", 0))
        now = time.monotonic()
        if local != self._checked_version or now - self._checked > FINGERPRINT_TTL_S:
            fingerprint = _fingerprint(state.store, base)
            with self._lock:
                if fingerprint != self._fingerprint or local != self._checked_version:
                    self._entries.clear()
                    self._bytes = 0
                self._fingerprint, self._checked, self._checked_version = fingerprint, now, local
        return f"{self._fingerprint or 'none'}-{local}"

    def get(self, key: str) -> Entry | None:
        """The entry stored under `key`, marked as recently used."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        """Store `entry`, dropping the least recently used ones beyond the bounds."""
        if len(entry.body) > self.max_bytes // 8:
            return  # one huge answer would push everything else out
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)


def _fingerprint(store: Store, base: str) -> str | None:
    """The build fingerprint recorded in the catalogue graph, or None."""
    result = store.select(
        f"SELECT ?f WHERE {{ GRAPH <{base}graph/catalog> "
        f"{{ <{base}dataset> <{base}ontology#fingerprint> ?f }} }} LIMIT 1"
    )
    return str(result.rows[0]["f"]) if result.rows else None


def answer_cache(state: Any) -> AnswerCache:
    """The app's cache (`app.state.answers`), made on first use."""
    cache = getattr(state, "answers", None)
    if cache is None:
        cache = state.answers = AnswerCache()
    return cache


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def cached(request: Request, base: str, compute: Callable[[], Response]) -> Response:
    """Answer from the cache, or with `compute()` (stored for next time), with ETag and 304.

    `base` is the base IRI of the data (where the catalogue graph is).
    """
    cache = answer_cache(request.app.state)
    version = cache.version(request.app.state, base)
    key = "\n".join((version, request.url.path, request.url.query,
                     request.headers.get("accept", "")))
    etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
    common = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=common)
    fresh = "no-cache" in request.headers.get("cache-control", "").lower()
    entry = None if fresh else cache.get(key)
    if entry is None:
        response = compute()
        if response.status_code != 200 or not hasattr(response, "body"):
            return response
        kept = tuple((k, v) for k, v in response.headers.items() if k.lower() in _HEADERS_KEPT)
        entry = Entry(etag, bytes(response.body), response.status_code, kept)
        cache.put(key, entry)
    headers = dict(entry.headers)
    headers.update(common)
    return Response(entry.body, status_code=entry.status, headers=headers)

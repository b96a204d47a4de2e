"""The embedded store's fast paths: memory or disk, the copy into memory, raw_start()."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ontology.errors import QueryError
from service.settings import get_settings
from service.store import open_store
from service.store.embedded import (
    EmbeddedStore,
    available_memory,
    processes_fit,
    serve_from_memory,
)

NT = "application/n-triples"
ROWS = 20_000  # enough rows for an answer of several chunks


def _fill(store: EmbeddedStore) -> None:
    lines = "".join(
        f"<urn:s:{i}> <urn:p> \"value {i}\" .\n" for i in range(ROWS)
    )
    store.replace_graph("urn:g:a", lines.encode(), NT)
    store.replace_graph("urn:g:b", b"_:x <urn:p> <urn:o> .\n", NT)


def test_memory_or_disk(tmp_path: Path) -> None:
    assert serve_from_memory(tmp_path / "none", "memory") is True
    assert serve_from_memory(tmp_path / "none", "disk") is False
    assert serve_from_memory(tmp_path / "none", "auto") is False  # nothing to copy yet
    store = EmbeddedStore(tmp_path / "store")
    _fill(store)
    store.close()
    assert serve_from_memory(tmp_path / "store", "auto") is True  # a few MB fit


def test_worker_processes_only_where_their_copies_fit(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "data" / "store")
    _fill(store)
    store.close()
    assert processes_fit(tmp_path / "data" / "store", 4)  # a few MB
    opened = open_store(get_settings(data_dir=tmp_path / "data", store_memory="memory"))
    assert isinstance(opened, EmbeddedStore) and opened.query_processes
    opened.close()
    # A store whose copy would fill a sixth of free memory: memory yes, processes no.
    big = tmp_path / "big" / "store"
    EmbeddedStore(big).close()
    with (big / "sparse-padding").open("wb") as padding:
        padding.truncate(available_memory() // 5)  # sparse: its size, no disk blocks
    assert not processes_fit(big, 4)
    assert serve_from_memory(big, "auto")
    opened = open_store(get_settings(data_dir=tmp_path / "big", store_memory="memory"))
    assert isinstance(opened, EmbeddedStore) and not opened.query_processes
    opened.close()
    # From disk, workers are spawned over checkpoints and share the page cache: always on.
    opened = open_store(get_settings(data_dir=tmp_path / "big", store_memory="disk"))
    assert isinstance(opened, EmbeddedStore) and opened.query_processes
    opened.close()


def test_the_memory_copy_equals_the_disk(tmp_path: Path) -> None:
    disk = EmbeddedStore(tmp_path / "store")
    _fill(disk)
    disk.close()
    memory = EmbeddedStore(tmp_path / "store", in_memory=True)
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert int(str(memory.select(count).rows[0]["n"])) == ROWS + 1
    assert memory.graphs() == ["urn:g:a", "urn:g:b"]
    memory.close()


def test_raw_start_gives_what_raw_gives() -> None:
    store = EmbeddedStore(None, union_default_graph=True)
    _fill(store)
    query = "SELECT ?s ?o WHERE { ?s <urn:p> ?o } ORDER BY ?s"
    expected = b"".join(store.raw(query, "text/csv").chunks)

    async def run(text: str) -> bytes:
        result, first, second = await store.raw_start(text, "text/csv")
        assert result.media_type.startswith("text/csv")
        if second is None:
            return first
        return first + second + b"".join(result.chunks)

    assert asyncio.run(run(query)) == expected and len(expected) > 128 * 1024
    assert asyncio.run(run("ASK {}")) == b"".join(store.raw("ASK {}", "text/csv").chunks)
    with pytest.raises(QueryError):
        asyncio.run(run("SELECT nonsense"))
    store.close()

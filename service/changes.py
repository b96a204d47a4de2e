"""One place to hear that the data changed through this process (updates, graph-store writes)."""

from __future__ import annotations

from typing import Any


def data_changed(state: Any) -> None:
    """Bump the in-process data version and drop what was derived from the old data."""
    state.data_version = getattr(state, "data_version", 0) + 1
    index = getattr(state, "search", None)
    if index is not None:
        index.invalidate()

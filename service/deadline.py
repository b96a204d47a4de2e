"""One time limit for all the store queries of one request.

The store applies COPROD_QUERY_TIMEOUT_S to each query it runs, so a page that ran several
queries one after another could take that long for each. A `Deadline` starts when the
request does: `start` runs a query on a pooled thread at once (queries of one page run side
by side), `result` waits for it only until the deadline and then raises QueryTimeout, which
the app answers with its 503 `query-timeout` problem. A query given up on keeps its store
worker until the store's own timeout stops it; its answer is dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from ontology.errors import QueryTimeout

T = TypeVar("T")

# Threads only wait on the store, whose own worker limit bounds the real work.
_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="coprod-deadline")


class Deadline:
    """The time left for one request's queries."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self._started: list[Future[Any]] = []

    def remaining(self) -> float:
        """Seconds left, never below zero."""
        return max(0.0, self.end - time.monotonic())

    def start(self, call: Callable[[], T]) -> Future[T]:
        """Run `call` on a pooled thread now; read its answer with `result`."""
        if self.remaining() <= 0:
            raise self._timeout()
        future = _POOL.submit(call)
        self._started.append(future)
        return future

    def result(self, future: Future[T]) -> T:
        """The answer of a started call, or QueryTimeout once the deadline has passed.

        Errors of the call (bad input, a store error, the store's own timeout) raise here.
        """
        try:
            return future.result(timeout=self.remaining())
        except (FutureTimeout, CancelledError):
            for started in self._started:
                started.cancel()  # those still queued never reach the store
            raise self._timeout() from None

    def run(self, call: Callable[[], T]) -> T:
        """`call`'s answer within the deadline (`start` then `result`)."""
        return self.result(self.start(call))

    def _timeout(self) -> QueryTimeout:
        return QueryTimeout(f"the page's queries ran past the {self.seconds:g}s limit")

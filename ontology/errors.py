"""The one error hierarchy of coprod; the lowest layer holds it so every layer can raise it."""

from __future__ import annotations


class CoprodError(Exception):
    """Base of every error coprod raises on purpose."""

    code = "coprod-error"


class InputError(CoprodError):
    """Bad input from a user: a file, a record, a parameter or a query."""

    code = "bad-input"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        record: str | None = None,
        field: str | None = None,
        value: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.record = record
        self.field = field
        self.value = value
        self.line = line
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line naming where the problem is, then what it is."""
        where = []
        if self.file:
            where.append(self.file + (f":{self.line}" if self.line else ""))
        if self.record:
            where.append(f"record {self.record}")
        if self.field:
            where.append(f"field {self.field}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class IngestError(CoprodError):
    """The build could not produce a dataset (for example an inconsistent ontology)."""

    code = "ingest-failed"


class StoreError(CoprodError):
    """The store failed or could not be reached."""

    code = "store-unavailable"


class QueryError(InputError):
    """A SPARQL query or update the store rejected as malformed."""

    code = "bad-query"


class QueryTimeout(StoreError):
    """A query ran past the configured timeout and was stopped."""

    code = "query-timeout"

"""One table from errors to `application/problem+json` responses (RFC 9457).

Every error a client can see goes through `problem_response`: a stable `type` code, a title,
the status and a readable detail; never a stack trace, a file path or a store address.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ontology.errors import (
    CoprodError,
    IngestError,
    InputError,
    QueryError,
    QueryTimeout,
    StoreError,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:coprod:problem:"


class Unauthorized(CoprodError):
    """A write came without a bearer token."""

    code = "unauthorized"
    headers = {"WWW-Authenticate": 'Bearer realm="coprod"'}


class Forbidden(CoprodError):
    """A write came with a wrong token, or writes are disabled."""

    code = "forbidden"


class NotFound(CoprodError):
    """The named graph (or other resource) does not exist."""

    code = "not-found"


class NotAcceptable(CoprodError):
    """No media type offered for this answer fits the Accept header or `format=`."""

    code = "not-acceptable"

    def __init__(self, message: str, offered: Sequence[str]) -> None:
        self.offered = list(offered)
        super().__init__(message)


class UnsupportedMediaType(CoprodError):
    """A request body in a media type this endpoint does not read."""

    code = "unsupported-media-type"

    def __init__(self, message: str, accepted: Sequence[str]) -> None:
        self.accepted = list(accepted)
        super().__init__(message)


class BodyTooLarge(CoprodError):
    """A request body above `max_body_bytes`."""

    code = "body-too-large"


class ProtocolError(InputError):
    """A request that breaks the SPARQL 1.1 Protocol or Graph Store Protocol rules."""

    code = "bad-request"


class Refused(InputError):
    """An operation refused by policy (SERVICE or LOAD to a host not allowed)."""

    code = "refused"


# status, title; looked up along the exception's MRO so subclasses inherit their parent's row.
class Conflict(CoprodError):
    """A record with this id already exists (POST creates; PUT corrects)."""

    code = "conflict"


TABLE: dict[type[CoprodError], tuple[int, str]] = {
    ProtocolError: (400, "Bad request"),
    Refused: (400, "Operation refused"),
    QueryError: (400, "Malformed query or update"),
    InputError: (400, "Bad input"),
    Unauthorized: (401, "Authentication required"),
    Forbidden: (403, "Forbidden"),
    NotFound: (404, "Not found"),
    Conflict: (409, "Conflict"),
    NotAcceptable: (406, "Not acceptable"),
    BodyTooLarge: (413, "Request body too large"),
    UnsupportedMediaType: (415, "Unsupported media type"),
    QueryTimeout: (503, "Query timed out"),
    StoreError: (503, "Store unavailable"),
    IngestError: (500, "Build failed"),
    CoprodError: (500, "Internal error"),
}

# Store and build errors may carry addresses or paths: clients get a fixed text instead.
PUBLIC_DETAIL: dict[type[CoprodError], str] = {
    QueryTimeout: "The query ran past the time limit and was stopped.",
    StoreError: "The store could not answer. Try again later.",
    IngestError: "The dataset could not be built.",
}


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, object] | None = None,
) -> JSONResponse:
    """Build one problem+json response."""
    body: dict[str, object] = {
        "type": TYPE_PREFIX + code,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _row(exc: CoprodError) -> tuple[int, str, str | None]:
    for cls in type(exc).__mro__:
        if cls in TABLE:
            status, title = TABLE[cls]
            public = next((PUBLIC_DETAIL[c] for c in type(exc).__mro__ if c in PUBLIC_DETAIL), None)
            return status, title, public
    return 500, "Internal error", "Internal error."


def error_response(exc: CoprodError) -> JSONResponse:
    """Translate a CoprodError (or subclass) into its problem response."""
    status, title, public = _row(exc)
    if public is not None:
        log.warning("%s: %s", type(exc).__name__, exc)
    detail = public if public is not None else str(exc)
    extra: dict[str, object] = {}
    if isinstance(exc, NotAcceptable):
        extra["offered"] = exc.offered
    if isinstance(exc, UnsupportedMediaType):
        extra["accepted"] = exc.accepted
    headers = getattr(exc, "headers", None)
    return problem_response(status, exc.code, title, detail, headers=headers, extra=extra)


async def _coprod_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CoprodError)
    return error_response(exc)


_HTTP_CODES = {404: "not-found", 405: "method-not-allowed", 400: "bad-request"}


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, f"http-{exc.status_code}")
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(exc.status_code, code, title, detail, headers=headers)


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    detail = "; ".join(parts) or "Invalid request"
    return problem_response(400, "bad-request", "Bad request", detail)


async def _unexpected_handler(request: Request, exc: Exception) -> JSONResponse:
    # Logged with its traceback here; the client only learns that something failed.
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(500, "internal-error", "Internal error", "Internal error.")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""
    app.add_exception_handler(CoprodError, _coprod_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(Exception, _unexpected_handler)

"""/sparql: the W3C SPARQL 1.1 Protocol (query and update at one URL) and its description."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from ontology.errors import CoprodError
from service import description, sparql_text
from service.auth import require_write
from service.changes import data_changed
from service.negotiation import GRAPH_TYPES, TABLE_TYPES, media_type_of, negotiate
from service.problems import (
    BodyTooLarge,
    ProtocolError,
    UnsupportedMediaType,
    error_response,
)
from service.settings import Settings
from service.store.base import RawResult, Store

router = APIRouter(tags=["sparql"])

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
POST_TYPES = (FORM, SPARQL_QUERY, SPARQL_UPDATE)

# Headers a store may report that this response sets itself.
_OWN_HEADERS = frozenset(
    {"content-length", "content-type", "transfer-encoding", "connection", "vary", "keep-alive"}
)

Params = dict[str, list[str]]

_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*")


async def read_body(request: Request, limit: int) -> bytes:
    """The whole request body, or BodyTooLarge as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"The request body is {declared} bytes; the limit is {limit}.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"The request body passes the limit of {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def check_iri(value: str, name: str) -> str:
    """`value` if it is an absolute IRI, else a ProtocolError naming the parameter."""
    if not _ABSOLUTE_IRI.fullmatch(value):
        raise ProtocolError(f"{name} must be an absolute IRI, got {value[:200]!r}.")
    return value


def check_iris(values: Sequence[str], name: str) -> list[str]:
    """Every value checked with check_iri."""
    return [check_iri(v, name) for v in values]


def _params(pairs: Sequence[tuple[str, str]]) -> Params:
    params: Params = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def _one(params: Params, name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise ProtocolError(f"Give exactly one {name} parameter, not {len(values)}.")
    return values[0] if values else None


def _first(params: Params) -> dict[str, str]:
    return {name: values[0] for name, values in params.items() if values}


@router.get("/sparql")
async def sparql_get(request: Request) -> Response:
    """A query by GET (`?query=`), or the service description when there is no query."""
    params = _params(request.query_params.multi_items())
    if "update" in params:
        raise ProtocolError("An update must be sent by POST (update= form field or "
                            "application/sparql-update body), never by GET.")
    query = _one(params, "query")
    if query is None:
        return await run_in_threadpool(_description, request, params)
    return await _query(request, query, params)


@router.post("/sparql")
async def sparql_post(request: Request) -> Response:
    """A query or update by POST: URL-encoded form, or a direct SPARQL body."""
    settings: Settings = request.app.state.settings
    content_type = media_type_of(request.headers.get("content-type"))
    params = _params(request.query_params.multi_items())
    if content_type == FORM:
        body = await read_body(request, settings.max_body_bytes)
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict",
                              max_num_fields=1000)
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProtocolError(f"The form body cannot be read: {exc}") from exc
        for name, values in _params(pairs).items():
            params.setdefault(name, []).extend(values)
        query, update = _one(params, "query"), _one(params, "update")
        if query is not None and update is not None:
            raise ProtocolError("Give either query= or update=, not both.")
        if query is not None:
            return await _query(request, query, params)
        if update is not None:
            require_write(settings, request.headers.get("authorization"))
            return await _update(request, update, params)
        raise ProtocolError("A form POST needs a query= or an update= field.")
    if content_type in (SPARQL_QUERY, SPARQL_UPDATE):
        if "query" in params or "update" in params:
            raise ProtocolError(
                f"A {content_type} body is the request itself; do not also give query= "
                "or update= in the URL."
            )
        if content_type == SPARQL_UPDATE:
            # Checked before the body is read: unauthorised clients cannot make us read it.
            require_write(settings, request.headers.get("authorization"))
        text = _decode(await read_body(request, settings.max_body_bytes))
        if content_type == SPARQL_QUERY:
            return await _query(request, text, params)
        return await _update(request, text, params)
    raise UnsupportedMediaType(
        f"POST /sparql reads {', '.join(POST_TYPES)}; got {content_type or 'no Content-Type'}.",
        accepted=POST_TYPES,
    )


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError("The request body is not UTF-8 text.") from exc


async def _query(request: Request, query: str, params: Params) -> Response:
    settings: Settings = request.app.state.settings
    prepared = prepare_query(settings, query, params, request.headers.get("accept"))
    return await run_query(request.app.state.store, prepared)


@dataclass(frozen=True)
class Prepared:
    """A checked query and how to answer it."""

    query: str
    media: str
    default_graphs: list[str]
    named_graphs: list[str]


def prepare_query(settings: Settings, query: str, params: Params, accept: str | None) -> Prepared:
    """Check a query and its protocol parameters and choose the answer's media type.

    Raises ProtocolError, NotAcceptable or a QueryError before anything runs.
    """
    if not query.strip():
        raise ProtocolError("The query is empty.")
    form = sparql_text.form_of(query)
    if form == sparql_text.UPDATE:
        raise ProtocolError("This is an update, not a query: send it as update= or as an "
                            "application/sparql-update body.")
    sparql_text.check_nesting(query)
    sparql_text.check_remote(query, settings.federation_hosts)
    graph = form in sparql_text.GRAPH_FORMS
    offers = GRAPH_TYPES if graph else TABLE_TYPES
    media = negotiate(_first(params), accept, offers, graph)
    default_graphs = check_iris(params.get("default-graph-uri", []), "default-graph-uri")
    named_graphs = check_iris(params.get("named-graph-uri", []), "named-graph-uri")
    return Prepared(query, media, default_graphs, named_graphs)


async def run_query(store: Store, prepared: Prepared) -> Response:
    """Run a prepared query; a plain response for a small answer, else a streamed one."""
    query, media = prepared.query, prepared.media
    default_graphs, named_graphs = prepared.default_graphs, prepared.named_graphs
    start_async = getattr(store, "raw_start", None)
    if start_async is not None:
        # The embedded store hands over its first chunks to the event loop directly.
        result, first, second = await start_async(
            query, media, default_graphs=default_graphs, named_graphs=named_graphs
        )
    else:
        result, first, second = await run_in_threadpool(
            _start, store, query, media, default_graphs, named_graphs
        )
    headers = {k: v for k, v in result.headers.items() if k.lower() not in _OWN_HEADERS}
    if second is None:
        # The whole answer came in one chunk: a plain response, no further thread hops.
        return Response(first, media_type=result.media_type, headers=headers)
    return StreamingResponse(
        _stream(first, second, result.chunks), media_type=result.media_type, headers=headers
    )


class QueryByGet:
    """`GET /sparql?query=...` answered as `sparql_get` does, without FastAPI's routing,
    request object and exception middleware (in process, an empty ASK went from 216 to 153 us).

    Pure ASGI, placed inside the CORS and `Vary` middleware. A request it does not take (no
    query, an update, a malformed parameter) goes on to the app, which answers or reports
    it: errors are rare, so their second reading costs nothing that matters. Once a query
    runs, its errors are answered here with the same problem responses.
    """

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        prepared = self._prepare(scope) if scope["type"] == "http" else None
        if prepared is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await run_query(self.state.store, prepared)
        except CoprodError as exc:
            response = error_response(exc)
        await response(scope, receive, send)

    def _prepare(self, scope: Scope) -> Prepared | None:
        if scope["method"] != "GET" or scope["path"] != "/sparql" or not scope["query_string"]:
            return None
        try:
            params = _params(QueryParams(scope["query_string"]).multi_items())
            query = _one(params, "query")
            if query is None or "update" in params:
                return None
            accept = Headers(scope=scope).get("accept")
            return prepare_query(self.state.settings, query, params, accept)
        except Exception:  # the app reads the request again and says what is wrong
            return None


START_BYTES = 64 * 1024


def _start(
    store: Store, query: str, media: str, default_graphs: list[str], named_graphs: list[str]
) -> tuple[RawResult, bytes, bytes | None]:
    """Run the query and read its first 64 KiB (or all of a smaller answer), so that errors and
    timeouts (a store trickling its answer) surface before the response starts."""
    result = store.raw(query, media, default_graphs=default_graphs, named_graphs=named_graphs)
    buffered = bytearray()
    for chunk in result.chunks:
        buffered += chunk
        if len(buffered) >= START_BYTES:
            return result, bytes(buffered), next(result.chunks, None)
    return result, bytes(buffered), None


def _stream(first: bytes, second: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield first
        yield second
        yield from rest
    finally:
        close = getattr(rest, "close", None)
        if callable(close):
            close()


async def _update(request: Request, update: str, params: Params) -> Response:
    settings: Settings = request.app.state.settings
    form = sparql_text.form_of(update)
    if form in sparql_text.QUERY_FORMS:
        raise ProtocolError(f"This is a {form} query, not an update: send it as query= or as "
                            "an application/sparql-query body.")
    sparql_text.check_nesting(update)
    sparql_text.check_remote(update, settings.federation_hosts)
    using = check_iris(params.get("using-graph-uri", []), "using-graph-uri")
    using_named = check_iris(params.get("using-named-graph-uri", []), "using-named-graph-uri")
    if (using or using_named) and sparql_text.has_dataset_clause(update):
        raise ProtocolError("Give the dataset either as using-graph-uri/using-named-graph-uri "
                            "parameters or as USING/WITH in the update, not both.")
    store: Store = request.app.state.store
    await run_in_threadpool(
        store.update, update, using_graphs=using, using_named_graphs=using_named
    )
    data_changed(request.app.state)
    return Response(status_code=204)


def _description(request: Request, params: Params) -> Response:
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    media = negotiate(_first(params), request.headers.get("accept"), description.OFFERS, True)
    if settings.public_url:
        endpoint = settings.public_url.rstrip("/") + "/sparql"
    else:
        endpoint = str(request.url.replace(query="", fragment=""))
    graph = description.describe(settings, endpoint, store.graphs())
    return Response(description.serialise(graph, media), media_type=media)

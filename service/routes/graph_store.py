"""/store: the W3C SPARQL 1.1 Graph Store HTTP Protocol (indirect identification)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from service.auth import require_write
from service.changes import data_changed
from service.negotiation import GRAPH_TYPES, media_type_of, negotiate
from service.problems import NotFound, ProtocolError, UnsupportedMediaType
from service.routes.sparql import check_iri, read_body
from service.settings import Settings
from service.store.base import Store

router = APIRouter(tags=["graph store"])

# Bodies this endpoint reads: the graph formats it also writes.
BODY_TYPES = GRAPH_TYPES


def _target(request: Request) -> str | None:
    """The graph named by `?graph=<iri>`, or None for `?default`; exactly one must be given."""
    params = request.query_params
    graphs = params.getlist("graph")
    default = "default" in params
    if default and graphs:
        raise ProtocolError("Give either ?graph=<iri> or ?default, not both.")
    if not default and not graphs:
        raise ProtocolError("Name the graph with ?graph=<iri> or ?default.")
    if len(graphs) > 1:
        raise ProtocolError("Give exactly one graph parameter.")
    return check_iri(graphs[0], "graph") if graphs else None


def _label(graph: str | None) -> str:
    return "the default graph" if graph is None else f"graph <{graph}>"


@router.head("/store", include_in_schema=False)
@router.get("/store")
async def read_graph(request: Request) -> Response:
    """Serialise one graph, negotiated by Accept (Turtle by default); 404 if it is missing."""
    graph = _target(request)
    params = {k: v for k, v in request.query_params.items() if k == "format"}
    media = negotiate(params, request.headers.get("accept"), GRAPH_TYPES, True)
    store: Store = request.app.state.store
    data = await run_in_threadpool(store.get_graph, graph, media)
    if data is None:
        raise NotFound(f"There is no {_label(graph)} in this store.")
    if request.method == "HEAD":
        return Response(media_type=media, headers={"content-length": str(len(data))})
    return Response(data, media_type=media)


async def _write_body(request: Request) -> tuple[str | None, bytes, str]:
    settings: Settings = request.app.state.settings
    graph = _target(request)
    # The token is checked before the body is read.
    require_write(settings, request.headers.get("authorization"))
    media = media_type_of(request.headers.get("content-type"))
    if media not in BODY_TYPES:
        raise UnsupportedMediaType(
            f"The graph store reads {', '.join(BODY_TYPES)}; got {media or 'no Content-Type'}.",
            accepted=BODY_TYPES,
        )
    data = await read_body(request, settings.max_body_bytes)
    return graph, data, media


@router.put("/store")
async def put_graph(request: Request) -> Response:
    """Replace a graph's content atomically: 201 when the graph is new, 204 when replaced."""
    return await _write(request, replace=True)


@router.post("/store")
async def post_graph(request: Request) -> Response:
    """Add triples to a graph: 201 when the graph is new, 204 otherwise."""
    return await _write(request, replace=False)


async def _write(request: Request, *, replace: bool) -> Response:
    graph, data, media = await _write_body(request)
    store: Store = request.app.state.store
    created = await run_in_threadpool(_store_write, store, graph, data, media, replace)
    data_changed(request.app.state)
    return Response(status_code=201 if created else 204)


def _store_write(store: Store, graph: str | None, data: bytes, media: str, replace: bool) -> bool:
    created = graph is not None and graph not in store.graphs()
    if replace:
        store.replace_graph(graph, data, media)
    else:
        store.add_to_graph(graph, data, media)
    return created


@router.delete("/store")
async def delete_graph(request: Request) -> Response:
    """Remove a named graph (404 if missing) or empty the default graph; 204 when done."""
    settings: Settings = request.app.state.settings
    graph = _target(request)
    require_write(settings, request.headers.get("authorization"))
    store: Store = request.app.state.store
    if not await run_in_threadpool(store.drop_graph, graph):
        raise NotFound(f"There is no {_label(graph)} in this store.")
    data_changed(request.app.state)
    return Response(status_code=204)

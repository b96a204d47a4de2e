"""HTTP for the named queries: `/api/queries` lists them, `/api/queries/{name}` runs one.

Routes are built from the registry at startup, one per lookup, so each lookup's parameters
appear typed (with pattern, enum, default and example) in the OpenAPI document. Parameter
values are checked by the registry, not by FastAPI, so the HTTP API and the command line
refuse the same values with the same InputError (400 problem+json).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ontology.errors import InputError
from service.cache import cached
from service.lookups import DEFAULT_LIMIT, MAX_OFFSET, Lookup, Page, Registry, csv_text
from service.negotiation import choose

JSON = "application/json"
CSV = "text/csv"
Handler = Callable[[Request], Response]


def query_values(request: Request) -> dict[str, str]:
    """The query string as one value per name; a name given twice is refused."""
    values: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in values:
            raise InputError("given more than once", field=name)
        values[name] = value
    return values


def wants_csv(request: Request, fmt: str | None) -> bool:
    """`format=` first (json or csv), then the Accept header (JSON unless CSV is preferred)."""
    if fmt:
        if fmt.lower() not in ("json", "csv"):
            raise InputError("expected json or csv", field="format", value=fmt[:40])
        return fmt.lower() == "csv"
    return choose(request.headers.get("accept"), (JSON, CSV)) == CSV


def next_link(request: Request, page: Page) -> str | None:
    """The path and query of the next page, or None on the last page."""
    if not page.more:
        return None
    url = request.url.include_query_params(limit=page.limit, offset=page.offset + page.limit)
    return f"{url.path}?{url.query}"


def page_body(page: Page, next_url: str | None) -> dict[str, Any]:
    """The JSON body of one page of a lookup."""
    return {
        "query": page.query,
        "columns": page.columns,
        "rows": page.rows,
        "limit": page.limit,
        "offset": page.offset,
        "next": next_url,
    }


def page_response(request: Request, page: Page, csv_wanted: bool) -> Response:
    """One page as JSON or CSV, with a `Link: rel=next` header when there is more."""
    link = next_link(request, page)
    headers = {"Link": f'<{link}>; rel="next"'} if link else {}
    if csv_wanted:
        headers["Content-Disposition"] = f'inline; filename="{page.query}.csv"'
        return Response(csv_text(page), media_type="text/csv; charset=utf-8", headers=headers)
    return JSONResponse(page_body(page, link), headers=headers)


def lookup_page(
    request: Request, registry: Registry, lookup: Lookup, fixed: Mapping[str, str] | None = None
) -> tuple[Page, bool]:
    """Run `lookup` with the request's parameters (plus `fixed` ones): the page, and CSV or not."""
    values = query_values(request)
    limit = values.pop("limit", None)
    offset = values.pop("offset", None)
    fmt = values.pop("format", None)
    csv_wanted = wants_csv(request, fmt)
    values.update(fixed or {})
    page = registry.run(request.app.state.store, lookup.name, values, limit, offset)
    return page, csv_wanted


def run_lookup(
    request: Request, registry: Registry, lookup: Lookup, fixed: Mapping[str, str] | None = None
) -> Response:
    """Run `lookup` for this request and answer one page as JSON or CSV."""
    page, csv_wanted = lookup_page(request, registry, lookup, fixed)
    return page_response(request, page, csv_wanted)


def openapi_parameters(lookup: Lookup) -> list[dict[str, Any]]:
    """OpenAPI parameter objects: the lookup's own, then limit, offset and format."""
    params: list[dict[str, Any]] = []
    for param in lookup.parameters:
        entry: dict[str, Any] = {
            "name": param.name,
            "in": "query",
            "required": param.required,
            "description": f"{param.description} ({param.type}: {param.expected()})".strip(),
            "schema": param.schema(),
        }
        if param.example is not None:
            example = param.example
            entry["example"] = int(example) if entry["schema"]["type"] == "integer" else example
        params.append(entry)
    params += [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": f"Rows per page (at most {lookup.max_limit})",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": lookup.max_limit,
                "default": min(DEFAULT_LIMIT, lookup.max_limit),
            },
        },
        {
            "name": "offset",
            "in": "query",
            "required": False,
            "description": "Rows to skip",
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        },
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "json or csv; overrides the Accept header",
            "schema": {"type": "string", "enum": ["json", "csv"]},
        },
    ]
    return params


def openapi_responses(lookup: Lookup) -> dict[int | str, dict[str, Any]]:
    """The 200 answer's JSON schema (columns as row properties) and CSV; 400 for bad input."""
    row = {
        "type": "object",
        "properties": {
            col: {"description": doc, "type": ["string", "number", "null"]}
            for col, doc in lookup.column_docs.items()
        },
    }
    body = {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "columns": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array", "items": row},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
            "next": {"type": ["string", "null"]},
        },
    }
    return {
        200: {
            "description": "One page of rows",
            "content": {JSON: {"schema": body}, CSV: {"schema": {"type": "string"}}},
        },
        400: {"description": "A parameter is not valid (application/problem+json)"},
    }


def lookup_handler(registry: Registry, lookup: Lookup) -> Handler:
    """A plain `def` route (FastAPI runs it in its thread pool: the stores block).

    Answers are cached per dataset version, with ETag and 304 (service/cache.py).
    """

    def handler(request: Request) -> Response:
        return cached(request, registry.base, lambda: run_lookup(request, registry, lookup))

    handler.__name__ = "lookup_" + lookup.name.replace("-", "_")
    handler.__doc__ = lookup.description or lookup.summary
    return handler


def add_lookup_route(router: APIRouter, path: str, registry: Registry, lookup: Lookup,
                     *, tags: list[str] | None = None, summary: str | None = None) -> None:
    """Serve `lookup` at `path` with its typed parameters in the OpenAPI document."""
    router.add_api_route(
        path,
        lookup_handler(registry, lookup),
        methods=["GET"],
        name=f"{path}:{lookup.name}",
        summary=summary or lookup.summary,
        description=lookup.description,
        tags=list[str | Enum](tags or ["lookups"]),
        response_class=JSONResponse,
        responses=openapi_responses(lookup),
        openapi_extra={"parameters": openapi_parameters(lookup)},
    )


def catalogue(registry: Registry) -> list[dict[str, Any]]:
    """Every lookup with its description, parameters, columns and URL."""
    out = []
    for lookup in registry:
        out.append(
            {
                "name": lookup.name,
                "url": f"/api/queries/{lookup.name}",
                "summary": lookup.summary,
                "description": lookup.description,
                "tags": list(lookup.tags),
                "parameters": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "description": p.description,
                        "required": p.required,
                        "default": p.default,
                        "example": p.example,
                        "expected": p.expected(),
                        **({"enum": list(p.enum)} if p.enum else {}),
                    }
                    for p in lookup.parameters
                ],
                "columns": [{"name": c, "description": d} for c, d in lookup.column_docs.items()],
                "maxLimit": lookup.max_limit,
            }
        )
    return out


def build_router(registry: Registry) -> APIRouter:
    """The `/api/queries` router for the lookups in `registry`."""
    router = APIRouter()
    listing = catalogue(registry)

    def list_lookups() -> dict[str, Any]:
        """Every named query with its description, parameters and columns."""
        return {"queries": listing}

    router.add_api_route(
        "/api/queries", list_lookups, methods=["GET"], tags=["lookups"],
        summary="List the named queries",
    )
    for lookup in registry:
        add_lookup_route(router, f"/api/queries/{lookup.name}", registry, lookup)
    return router

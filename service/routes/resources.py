"""REST resources over the named queries: cases, works, concepts, the typology and search.

Each resource runs lookups from the registry, so what `/api/cases/{id}` shows is what the
`case` lookup returns; these routes only reshape rows into documents.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ontology.errors import InputError
from service.cache import cached
from service.lookups import Registry, Value
from service.problems import NotFound
from service.routes.lookups import add_lookup_route, lookup_page, page_response, query_values
from service.search import KINDS, SearchIndex
from service.store.base import Store

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,200}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,100}$")
_DOI_START = re.compile(r"^(10\.|doi:|https?://(dx\.)?doi\.org/)", re.IGNORECASE)
_ROLE = re.compile(r"(?:Planned|Delivered)(?:By)?(Professionals|Jointly|Community)$")
SEARCH_MAX = 100
# Columns of the detail lookups that hold space-separated IRI lists.
LIST_COLUMNS = {"phases", "sources", "works", "types", "cases", "cites"}


def search_index(request: Request, registry: Registry) -> SearchIndex:
    """The app's search index (`app.state.search`), made on first use."""
    index = getattr(request.app.state, "search", None)
    if index is None:
        index = request.app.state.search = SearchIndex(registry.base)
    return index


def record_iri(registry: Registry, kind: str, slug: str) -> str:
    """The record IRI for `/api/{kind}s/{slug}`; InputError unless the slug is well formed."""
    if not _SLUG.match(slug):
        raise InputError("expected a record slug: lower-case letters, digits and '-'",
                         field="id", value=slug[:80])
    return f"{registry.base}id/{kind}/{slug}"


def document(row: dict[str, Value]) -> dict[str, Any]:
    """A detail row as a document: list columns split into lists, empty values dropped."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in LIST_COLUMNS:
            out[key] = sorted(str(value).split()) if value else []
        elif value is not None and value != "":
            out[key] = value
    return out


def _rows(registry: Registry, store: Store, name: str, **values: str) -> list[dict[str, Value]]:
    return registry.run(store, name, values, limit=registry.get(name).max_limit).rows


def _role(iri: Value) -> str:
    match = _ROLE.search(str(iri))
    return match.group(1).lower() if match else str(iri)


def build_router(registry: Registry) -> APIRouter:
    """The `/api/cases`, `/api/works`, `/api/concepts`, `/api/typology` and `/api/search` routes."""
    router = APIRouter()
    add_lookup_route(router, "/api/cases", registry, registry.get("cases"), tags=["cases"])
    add_lookup_route(router, "/api/works", registry, registry.get("works"), tags=["works"])

    def get_case(request: Request, id: str) -> Response:
        """One case with its properties and the works that discuss it."""
        return cached(request, registry.base, lambda: JSONResponse(case_document(request, id)))

    def case_document(request: Request, id: str) -> dict[str, Any]:
        store = request.app.state.store
        iri = record_iri(registry, "case", id)
        rows = _rows(registry, store, "case", case=iri)
        if not rows:
            raise NotFound(f"no case {id}")
        doc = document(rows[0])
        doc["works"] = [
            {k: v for k, v in r.items() if k != "case"}
            for r in _rows(registry, store, "works-discussing-case", case=iri)
        ]
        return doc

    def get_work(request: Request, id: str) -> Response:
        """One work (by slug or DOI) with its authors in order and its citations."""
        return cached(request, registry.base, lambda: JSONResponse(work_document(request, id)))

    def work_document(request: Request, id: str) -> dict[str, Any]:
        store = request.app.state.store
        if _DOI_START.match(id):
            found = _rows(registry, store, "work-by-doi", doi=id)
            if not found:
                raise NotFound(f"no work with DOI {id}")
            iri = str(found[0]["work"])
        else:
            iri = record_iri(registry, "work", id)
        rows = _rows(registry, store, "work", work=iri)
        if not rows:
            raise NotFound(f"no work {id}")
        doc = document(rows[0])
        doc["authors"] = [
            {k: v for k, v in r.items() if k != "work"}
            for r in _rows(registry, store, "work-authors", work=iri)
        ]
        doc["citedBy"] = sorted(
            str(r["other"]) for r in _rows(registry, store, "citations", work=iri)
            if r["direction"] == "cited-by"
        )
        return doc

    def get_concepts(request: Request, scheme: str) -> Response:
        """The concepts of one scheme (its local name, e.g. FourCosScheme), paged."""
        return cached(request, registry.base, lambda: concepts_page(request, scheme))

    def concepts_page(request: Request, scheme: str) -> Response:
        if not _SCHEME.match(scheme):
            raise InputError("expected a scheme name such as FourCosScheme",
                             field="scheme", value=scheme[:80])
        iri = f"{registry.base}ontology#{scheme}"
        page, csv_wanted = lookup_page(request, registry, registry.get("concepts"), {"scheme": iri})
        if not page.rows and page.offset == 0:
            raise NotFound(f"no concept scheme {scheme}")
        return page_response(request, page, csv_wanted)

    def get_typology(request: Request) -> Response:
        """Bovaird's matrix: the nine cells with their case counts, and as a nested map."""
        query_values(request)
        return cached(request, registry.base, lambda: JSONResponse(typology(request)))

    def typology(request: Request) -> dict[str, Any]:
        cells = _rows(registry, request.app.state.store, "typology-matrix")
        matrix: dict[str, dict[str, int]] = {}
        for cell in cells:
            count = cell["cases"]
            matrix.setdefault(_role(cell["plans"]), {})[_role(cell["delivers"])] = (
                count if isinstance(count, int) else 0
            )
        total = sum(sum(row.values()) for row in matrix.values())
        return {"cells": cells, "matrix": matrix, "total": total}

    def search(request: Request) -> dict[str, Any]:
        """Ranked full-text search over names, titles, abstracts and descriptions."""
        values = query_values(request)
        unknown = set(values) - {"q", "kind", "limit", "offset"}
        if unknown:
            raise InputError("unknown parameter; use q, kind, limit, offset",
                             field=sorted(unknown)[0])
        q = values.get("q", "")
        if not q.strip() or len(q) > 500:
            raise InputError("expected search words (at most 500 characters)", field="q")
        kind = values.get("kind") or None
        if kind is not None and kind not in KINDS.values():
            raise InputError(f"expected one of {', '.join(sorted(KINDS.values()))}",
                             field="kind", value=kind[:40])
        limit, offset = _paging(values)
        results = search_index(request, registry).search(
            request.app.state.store, q, limit=limit, offset=offset, kind=kind
        )
        more = offset + limit < results.total
        next_url = None
        if more:
            url = request.url.include_query_params(limit=limit, offset=offset + limit)
            next_url = f"{url.path}?{url.query}"
        return {
            "query": q,
            "total": results.total,
            "limit": limit,
            "offset": offset,
            "next": next_url,
            "hits": [
                {"iri": h.iri, "label": h.label, "kind": h.kind, "score": h.score}
                for h in results.hits
            ],
            "timing": {"queryMs": results.query_ms, "indexBuildS": results.build_s},
        }

    router.add_api_route("/api/cases/{id}", get_case, methods=["GET"], tags=["cases"],
                         summary="One case", response_class=JSONResponse)
    router.add_api_route("/api/works/{id:path}", get_work, methods=["GET"], tags=["works"],
                         summary="One work, by slug or DOI", response_class=JSONResponse)
    router.add_api_route("/api/concepts/{scheme}", get_concepts, methods=["GET"],
                         tags=["concepts"], summary="The concepts of a scheme",
                         response_class=JSONResponse)
    router.add_api_route("/api/typology", get_typology, methods=["GET"], tags=["typology"],
                         summary="Bovaird's planning x delivery matrix with case counts",
                         response_class=JSONResponse)
    router.add_api_route(
        "/api/search", search, methods=["GET"], tags=["search"],
        summary="Ranked full-text search",
        openapi_extra={"parameters": [
            {"name": "q", "in": "query", "required": True, "example": "time bank",
             "description": "Search words; case- and accent-insensitive",
             "schema": {"type": "string", "maxLength": 500}},
            {"name": "kind", "in": "query", "required": False,
             "schema": {"type": "string", "enum": sorted(KINDS.values())}},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": SEARCH_MAX, "default": 20}},
            {"name": "offset", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0}},
        ]},
    )
    return router


def _paging(values: dict[str, str]) -> tuple[int, int]:
    out = []
    for name, default, high in (("limit", 20, SEARCH_MAX), ("offset", 0, 10000)):
        raw = values.get(name, "")
        if raw == "":
            out.append(default)
            continue
        if not raw.isdigit() or not (1 if name == "limit" else 0) <= int(raw) <= high:
            raise InputError(f"expected an integer up to {high}", field=name, value=raw[:40])
        out.append(int(raw))
    return out[0], out[1]

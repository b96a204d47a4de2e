"""GET /health: is the service up and does the store answer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/health")
def health(request: Request) -> JSONResponse:
    """Report the store kind and whether it answers a ping; 503 when it does not."""
    store = request.app.state.store
    try:
        reachable = bool(store.ping())
    except Exception:  # a ping that raises means "not reachable", nothing more to tell
        reachable = False
    body = {"status": "ok" if reachable else "unavailable", "store": store.kind,
            "reachable": reachable}
    return JSONResponse(body, status_code=200 if reachable else 503)

"""The FastAPI app factory: `create_app(settings, store)`; nothing is read at import."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import problems
from service.lookups import load_registry
from service.routes import ROUTERS, resources
from service.routes import lookups as lookup_routes
from service.routes.sparql import QueryByGet
from service.settings import Settings
from service.store.base import Store

WRITE_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE"]


class VaryAccept:
    """Adds `Vary: Accept` to every HTTP response (pure ASGI: no per-request objects)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                for i, (name, value) in enumerate(headers):
                    if name.lower() == b"vary":
                        if b"accept" not in value.lower().replace(b" ", b"").split(b","):
                            headers[i] = (name, value + b", Accept")
                        break
                else:
                    headers.append((b"vary", b"Accept"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_vary)


def create_app(
    settings: Settings,
    store: Store | None = None,
    *,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """Build the app around `settings`; open the store from settings when none is given.

    A store handed in belongs to the caller and is not closed at shutdown; a store the app
    opened itself is closed. `routers` are included after the built-in ones.
    """
    owned = store is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owned:
                app.state.store.close()

    if store is None:
        # Imported here so that the app module stays importable while store kinds change.
        from service.store import open_store

        store = open_store(settings)

    app = FastAPI(
        title="coprod",
        summary="SPARQL endpoint and graph store over the coproduction knowledge graph",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    problems.install(app)
    # Loading the lookups here means a malformed .rq file stops startup, naming file and line.
    registry = load_registry(base=settings.base_iri)
    app.state.registry = registry
    lookup_routers = [lookup_routes.build_router(registry), resources.build_router(registry)]
    for router in (*ROUTERS, *lookup_routers, *routers):
        app.include_router(router)
    # Added first, so it runs inside CORS and VaryAccept and its answers get their headers.
    app.add_middleware(QueryByGet, state=app.state)
    if settings.cors_origins:
        # Listed origins only (the settings reject "*"); no cookies, so no credentials.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_credentials=False,
            allow_methods=WRITE_METHODS,
            allow_headers=["Accept", "Authorization", "Content-Type", "X-Coprod-Agent"],
        )
    # Added last so it wraps CORS too and merges with its `Vary: Origin`.
    app.add_middleware(VaryAccept)
    return app

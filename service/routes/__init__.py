"""HTTP routers; each does HTTP only and calls the store seam."""

from __future__ import annotations

from fastapi import APIRouter

from service.routes import catalogue, dataset, graph_store, health, linked_data, pages, sparql

# The built-in routers, in order; create_app(routers=...) appends more.
ROUTERS: list[APIRouter] = [
    health.router, sparql.router, graph_store.router, pages.router, linked_data.router,
    dataset.router, catalogue.router,
]

"""Store kinds behind one seam; `open_store(settings)` picks one."""

from __future__ import annotations

import os

from service.settings import Settings
from service.store.base import RawResult, SelectResult, Store


def open_store(settings: Settings) -> Store:
    """Open the store that COPROD_STORE names: `embedded` (default) or `remote`.

    The stores' own SERVICE/LOAD guard stays off here: the routes enforce
    COPROD_FEDERATION_HOSTS (service.sparql_text.check_remote) before a query reaches a store.
    """
    if settings.store == "remote":
        from service.store.remote import RemoteStore

        if settings.query_url is None:  # the settings validator already refuses this
            raise ValueError("COPROD_STORE=remote needs COPROD_QUERY_URL")
        password = settings.store_password
        return RemoteStore(
            settings.query_url,
            update_url=settings.update_url,
            graph_store_url=settings.graph_store_url,
            user=settings.store_user,
            password=password.get_secret_value() if password is not None else None,
            timeout_s=settings.query_timeout_s,
        )
    from service.store.embedded import EmbeddedStore, processes_fit, serve_from_memory

    in_memory = settings.store_in_memory or serve_from_memory(
        settings.store_dir, settings.store_memory)
    processes = {"auto": None, "on": True, "off": False}[settings.query_processes]
    if processes is None:
        # Forked from memory, workers end up holding their own copies of what they read: in
        # auto mode, only where those fit in free memory. On disk they share the page cache.
        if in_memory:
            processes = processes_fit(settings.store_dir, EmbeddedStore.DEFAULT_WORKERS)
        else:
            processes = hasattr(os, "posix_spawn")
    return EmbeddedStore(
        settings.store_dir,
        in_memory=in_memory,
        timeout_s=settings.query_timeout_s,
        union_default_graph=settings.union_default_graph,
        query_processes=processes,
    )


__all__ = ["RawResult", "SelectResult", "Store", "open_store"]

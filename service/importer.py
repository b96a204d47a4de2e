"""Send an import plan to the store: directly, or through the running service.

The embedded store admits one writing process. `coprod serve` writes `serve.json` (pid and
URL) into the data folder while it runs; when that file names a live process, imports go to
that service's `/sparql` update endpoint with COPROD_WRITE_TOKEN instead of opening the store.
Each plan is one SPARQL Update request, which both Oxigraph and pyoxigraph run atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
from rdflib import URIRef

from ingest.importing import ImportPlan, sha_query
from ontology.errors import InputError, StoreError
from service.settings import Settings
from service.store.base import Store

SERVE_FILE = "serve.json"


class Target(Protocol):
    """Where imports are written."""

    @property
    def description(self) -> str:
        """Where the writes go, in words."""
        ...

    def checksum(self, graph: URIRef, base: str) -> str | None:
        """The sha256 the catalogue records for `graph`, if any."""
        ...

    def rows(self, query: str) -> list[dict[str, str]]:
        """Rows of a SELECT, as strings."""
        ...

    def update(self, request: str) -> None:
        """Run one SPARQL Update atomically."""
        ...

    def close(self) -> None:
        """Release the store or the connection."""
        ...


@dataclass
class StoreTarget:
    """Writes through the store seam (embedded when no service holds it, or remote)."""

    store: Store

    @property
    def description(self) -> str:
        return f"the {self.store.kind} store"

    def checksum(self, graph: URIRef, base: str) -> str | None:
        rows = self.store.select(sha_query(graph, base)).rows
        return str(rows[0]["sha"]) if rows else None

    def update(self, request: str) -> None:
        self.store.update(request)

    def rows(self, query: str) -> list[dict[str, str]]:
        return [{k: str(v) for k, v in row.items()} for row in self.store.select(query).rows]

    def close(self) -> None:
        self.store.close()


class ServiceTarget:
    """Writes through a running coprod service's SPARQL endpoint, with the write token."""

    def __init__(self, url: str, token: str | None, timeout_s: float = 300.0) -> None:
        self.url = url.rstrip("/") + "/sparql"
        self.base_url = url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(headers=headers, timeout=timeout_s, trust_env=False)

    @property
    def description(self) -> str:
        return f"the running service at {self.base_url}"

    def checksum(self, graph: URIRef, base: str) -> str | None:
        response = self._send(
            "get",
            params={"query": sha_query(graph, base)},
            headers={"Accept": "application/sparql-results+json"},
        )
        bindings = response.json()["results"]["bindings"]
        return str(bindings[0]["sha"]["value"]) if bindings else None

    def rows(self, query: str) -> list[dict[str, str]]:
        response = self._send(
            "get", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
        )
        return [
            {k: str(v["value"]) for k, v in binding.items()}
            for binding in response.json()["results"]["bindings"]
        ]

    def update(self, request: str) -> None:
        self._send(
            "post",
            content=request.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
        )

    def _send(self, method: str, **kwargs: object) -> httpx.Response:
        try:
            response = self.client.request(method.upper(), self.url, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach {self.description}: {exc}") from exc
        if response.status_code >= 400:
            detail = response.text[:300]
            if response.status_code in (401, 403):
                detail = "the service refused the write: set COPROD_WRITE_TOKEN to its token"
            raise StoreError(f"{self.description} answered {response.status_code}: {detail}")
        return response

    def close(self) -> None:
        self.client.close()


def write_serve_file(data_dir: Path, url: str) -> Path:
    """Record that this process serves the store (called by `coprod serve`)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SERVE_FILE
    path.write_text(json.dumps({"pid": os.getpid(), "url": url}) + "\n", encoding="utf-8")
    return path


def remove_serve_file(data_dir: Path) -> None:
    """Remove the serve file if this process wrote it."""
    path = data_dir / SERVE_FILE
    info = _read_serve_file(path)
    if info is not None and info[0] == os.getpid():
        path.unlink(missing_ok=True)


def running_service(data_dir: Path) -> str | None:
    """The URL of a live `coprod serve` over this data folder, if there is one."""
    info = _read_serve_file(data_dir / SERVE_FILE)
    if info is None:
        return None
    pid, url = info
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # a stale file left by a killed server
    except PermissionError:
        pass  # alive, but another user's
    return url


def _read_serve_file(path: Path) -> tuple[int, str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return int(data["pid"]), str(data["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def open_target(settings: Settings) -> Target:
    """The service when one runs over the embedded store, else the configured store."""
    if settings.store == "embedded":
        url = running_service(settings.data_dir)
        if url is not None:
            token = settings.write_token
            return ServiceTarget(url, token.get_secret_value() if token is not None else None)
    from service.store import open_store

    try:
        return StoreTarget(open_store(settings))
    except StoreError as exc:
        if "lock" in str(exc).lower():
            raise StoreError(
                "the embedded store is in use by another process and no running "
                f"`coprod serve` is recorded in {settings.data_dir / SERVE_FILE}; "
                "stop that process or import through the service"
            ) from exc
        raise


@dataclass
class Outcome:
    """What happened to one plan."""

    plan: ImportPlan
    written: bool
    reason: str


def apply(target: Target, plan: ImportPlan, base: str) -> Outcome:
    """Write the plan unless the catalogue already records the same checksum for its graph."""
    if not plan.ok:
        return Outcome(plan, False, "errors: nothing written")
    if target.checksum(plan.graph, base) == plan.sha256:
        return Outcome(plan, False, "unchanged: already loaded")
    target.update(plan.update)
    return Outcome(plan, True, f"{len(plan.data)} triples written to <{plan.graph}>")


# -- exports: the same store seam, read side -----------------------------------------------

EXPORT_TYPES = {
    "bibtex": "application/x-bibtex",
    "ris": "application/x-research-info-systems",
    "csl-json": "application/vnd.citationstyles.csl+json",
    "csv": "text/csv",
}


def export_records(
    store: Store,
    base: str,
    *,
    what: str,
    fmt: str,
    no_nc: bool = False,
    iri: str | None = None,
) -> tuple[str, str]:
    """(media type, text) of works or cases in `fmt`; `no_nc` leaves out NC-licensed graphs."""
    from ingest import export

    if fmt not in EXPORT_TYPES or (what == "cases" and fmt != "csv"):
        raise InputError(
            "unsupported export: works as bibtex, ris, csl-json or csv; cases as csv",
            field="format",
            value=fmt,
        )
    licences = {
        str(row["g"]): str(row["license"])
        for row in store.select(export.licences_query(base)).rows
    }
    graphs = export.allowed_graphs(store.graphs(), licences, no_nc=no_nc)
    dataset = export.dataset_clause(graphs)
    if what == "cases":
        return EXPORT_TYPES[fmt], export.cases_to_csv(
            _strings(store.select(export.cases_query(dataset, iri)).rows)
        )
    works = export.works_from_rows(
        _strings(store.select(export.works_query(dataset, base, iri)).rows),
        _strings(store.select(export.authors_query(dataset, iri)).rows),
    )
    writer = {
        "bibtex": export.to_bibtex,
        "ris": export.to_ris,
        "csl-json": export.to_csl_json,
        "csv": export.works_to_csv,
    }[fmt]
    return EXPORT_TYPES[fmt], writer(works)


def _strings(rows: Sequence[Mapping[str, object]]) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in row.items() if v is not None} for row in rows]


def known_works(target: Target, base: str) -> dict[str, str]:
    """"key:<id>" and "doi:<doi>" -> IRI of every work the store holds, so an import of a work
    the store already has (same DOI) adds to that record instead of minting a second one."""
    query = (
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
        "PREFIX bibo: <http://purl.org/ontology/bibo/>\n"
        "SELECT ?work ?id ?doi WHERE { GRAPH ?g { ?work a <https://schema.org/CreativeWork> ; "
        "dcterms:identifier ?id } OPTIONAL { GRAPH ?h { ?work bibo:doi ?doi } } "
        f'FILTER(STRSTARTS(STR(?work), "{base}id/work/")) }}'
    )
    works: dict[str, str] = {}
    for row in target.rows(query):
        works.setdefault(f"key:{row['id']}", row["work"])
        if row.get("doi"):
            works.setdefault(f"doi:{row['doi'].lower()}", row["work"])
    return works

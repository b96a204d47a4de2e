"""The dataset description (VoID and DCAT) at `/dataset` and `/.well-known/void`, and the dumps.

The description is built from the catalogue graph and the store's own counts at request time,
then kept until the data changes (data version, loaded fingerprint, dump checksums or the
public address). Dumps are the files `ingest/dumps.py` wrote into `{data_dir}/dumps/`; only the
files that `SHA256SUMS` lists are served, so no other path can be reached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from rdflib import Graph

from ingest.dumps import SUMS, read_sums
from service.describe import describe_dataset, serialise
from service.loading import loaded_fingerprint
from service.negotiation import choose
from service.problems import NotFound
from service.routes.linked_data import MEDIA_OF, RDF_TYPES, VARY, public_base
from service.settings import Settings
from service.store.base import Store

router = APIRouter(tags=["dataset"])

GZIP = "application/gzip"


def dumps_dir(settings: Settings) -> Path:
    """Where the build writes the dump files."""
    return settings.data_dir / "dumps"


def dataset_graph(request: Request) -> Graph:
    """The VoID/DCAT graph, cached per data version, loaded fingerprint, dumps and address."""
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    public = public_base(request)
    sums = read_sums(dumps_dir(settings))
    state = request.app.state
    key = (
        getattr(state, "data_version", 0),
        loaded_fingerprint(store, settings.base_iri),
        tuple(sorted(sums.items())),
        public,
    )
    cached: tuple[Any, Graph] | None = getattr(state, "dataset_description", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    graph = describe_dataset(store, settings.base_iri, public, sums)
    state.dataset_description = (key, graph)
    return graph


def _answer(request: Request, media: str, path: str) -> Response:
    settings: Settings = request.app.state.settings
    public = public_base(request)
    body = serialise(dataset_graph(request), media, base=settings.base_iri,
                     context_url=f"{public}context.jsonld")
    ext = next(e for e, m in MEDIA_OF.items() if m == media)
    headers = {"Content-Location": f"{public}{path}.{ext}", **VARY}
    return Response(body, media_type=media, headers=headers)


@router.api_route("/dataset", methods=["GET", "HEAD"])
def dataset(request: Request) -> Response:
    """VoID and DCAT of the dataset, by Accept (Turtle by default)."""
    return _answer(request, choose(request.headers.get("accept"), RDF_TYPES), "dataset")


@router.api_route("/.well-known/void", methods=["GET", "HEAD"])
def well_known_void(request: Request) -> Response:
    """The VoID well-known location (RFC 8615; VoID section 7): the same description."""
    return _answer(request, choose(request.headers.get("accept"), RDF_TYPES), "dataset")


@router.api_route("/dataset.{ext:rdfext}", methods=["GET", "HEAD"])
def dataset_rdf(request: Request, ext: str) -> Response:
    """The dataset description in the format its suffix names."""
    return _answer(request, MEDIA_OF[ext], "dataset")


@router.api_route("/dumps/{file}", methods=["GET", "HEAD"])
def dump(request: Request, file: str) -> Response:
    """One dump file (or SHA256SUMS); ETag is its SHA-256, so unchanged files answer 304."""
    folder = dumps_dir(request.app.state.settings)
    sums = read_sums(folder)
    if file == SUMS and sums:
        return FileResponse(folder / SUMS, media_type="text/plain")
    digest = sums.get(file)
    if digest is None or not (folder / file).is_file():
        raise NotFound(f"There is no dump {file[:80]}.")
    etag = f'"{digest}"'
    if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    return FileResponse(
        folder / file,
        media_type=GZIP,
        filename=file,
        headers={"ETag": etag, "Cache-Control": "public, max-age=3600"},
    )

"""Dereferenceable IRIs: records, named graphs and the ontology, after the W3C "Best Practice
Recipes for Publishing RDF Vocabularies" (recipe 3: 303 See Other to a representation).

A request path P stands for the IRI `base_iri + P` (without the leading `/`), so the same data
serves at the public base behind a redirect service (w3id.org) and at the service's own address.
Without a suffix the answer is a 303 to `P.html` (browsers; served by the pages router, except
for the ontology, served here) or to `P.ttl|.nt|.jsonld|.rdf` by `Accept`; the suffix URLs
return the representation with its media type and `Content-Location`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import Graph
from starlette.convertors import Convertor, register_url_convertor

from ontology import DEFAULT_BASE
from ontology.docs import RELEASES_DIR, render_html, version_of
from ontology.reason import load_ontology
from ontology.rebase import rebase_graph
from service.describe import context_text, describe_graph, serialise
from service.describe import describe as describe_resource
from service.negotiation import JSON_LD, RDF_XML, choose
from service.problems import NotFound
from service.settings import Settings
from service.store.base import NTRIPLES, TURTLE, Store

HTML = "text/html"
XHTML = "application/xhtml+xml"
# RDF first: a client sending `*/*` (curl, rdflib) gets Turtle; browsers name text/html.
RDF_TYPES: tuple[str, ...] = (TURTLE, JSON_LD, NTRIPLES, RDF_XML)
REDIRECT_TYPES: tuple[str, ...] = (*RDF_TYPES, HTML, XHTML)
EXTENSIONS = {TURTLE: "ttl", NTRIPLES: "nt", JSON_LD: "jsonld", RDF_XML: "rdf", HTML: "html",
              XHTML: "html"}
MEDIA_OF = {"ttl": TURTLE, "nt": NTRIPLES, "jsonld": JSON_LD, "rdf": RDF_XML}
VARY = {"Vary": "Accept"}


class PathConvertor(Convertor[str]):
    """Path segments without dots: record slugs and graph names never hold one, so
    `x.html` is left to the pages router and `x.ttl` to the suffix routes."""

    regex = r"[A-Za-z0-9_~-]+(?:/[A-Za-z0-9_~-]+)*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class ExtensionConvertor(Convertor[str]):
    """The RDF format suffixes."""

    regex = "ttl|nt|jsonld|rdf"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class VersionConvertor(Convertor[str]):
    """An ontology version such as 0.1.0."""

    regex = r"[0-9]+\.[0-9]+\.[0-9]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("ldpath", PathConvertor())
register_url_convertor("rdfext", ExtensionConvertor())
register_url_convertor("semver", VersionConvertor())

router = APIRouter(tags=["linked data"])


def public_base(request: Request) -> str:
    """Where links for navigation point: `public_url`, else this request's own base URL."""
    settings: Settings = request.app.state.settings
    url = settings.public_url or str(request.base_url)
    return url if url.endswith("/") else url + "/"


def _redirect(request: Request, path: str) -> Response:
    """303 from `path` (no suffix) to the representation the Accept header asks for."""
    media = choose(request.headers.get("accept"), REDIRECT_TYPES)
    location = f"{public_base(request)}{path}.{EXTENSIONS[media]}"
    if request.url.query:
        location += "?" + request.url.query
    return Response(status_code=303, headers={"Location": location, **VARY})


def _representation(request: Request, graph: Graph, path: str, ext: str) -> Response:
    settings: Settings = request.app.state.settings
    media = MEDIA_OF[ext]
    public = public_base(request)
    body = serialise(graph, media, base=settings.base_iri, context_url=f"{public}context.jsonld")
    headers = {"Content-Location": f"{public}{path}.{ext}", **VARY}
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(media_type=media, headers=headers)
    return Response(body, media_type=media, headers=headers)


def _exists(store: Store, iri: str) -> bool:
    return store.ask(f"ASK {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}")


# --- records ---------------------------------------------------------------------------------


@router.api_route("/id/{rest:ldpath}", methods=["GET", "HEAD"])
def record(request: Request, rest: str) -> Response:
    """A record IRI: 303 to its HTML page or RDF by Accept; 404 if nothing describes it."""
    settings: Settings = request.app.state.settings
    if not _exists(request.app.state.store, f"{settings.base_iri}id/{rest}"):
        raise NotFound(f"Nothing is known about {settings.base_iri}id/{rest}.")
    return _redirect(request, f"id/{rest}")


@router.api_route("/id/{rest:ldpath}.{ext:rdfext}", methods=["GET", "HEAD"])
def record_rdf(request: Request, rest: str, ext: str) -> Response:
    """A record's description as Turtle, N-Triples, JSON-LD or RDF/XML."""
    settings: Settings = request.app.state.settings
    iri = f"{settings.base_iri}id/{rest}"
    graph = describe_resource(request.app.state.store, iri)
    if not len(graph):
        raise NotFound(f"Nothing is known about {iri}.")
    return _representation(request, graph, f"id/{rest}", ext)


# --- named graphs ----------------------------------------------------------------------------


def _graph_description(request: Request, name: str) -> Graph:
    settings: Settings = request.app.state.settings
    iri = f"{settings.base_iri}graph/{name}"
    link = f"{public_base(request)}store?graph={quote(iri, safe='')}"
    content = request.query_params.get("content") in ("1", "true")
    graph = describe_graph(request.app.state.store, iri, link, content=content)
    if graph is None:
        raise NotFound(f"There is no graph {iri}.")
    return graph


@router.api_route("/graph/{name:ldpath}", methods=["GET", "HEAD"])
def named_graph(request: Request, name: str) -> Response:
    """A named graph IRI: 303 to its description (add `?content=1` for its triples too)."""
    _graph_description(request, name)
    return _redirect(request, f"graph/{name}")


@router.api_route("/graph/{name:ldpath}.{ext:rdfext}", methods=["GET", "HEAD"])
def named_graph_rdf(request: Request, name: str, ext: str) -> Response:
    """A named graph's catalogue description (and with `?content=1`, its content)."""
    return _representation(request, _graph_description(request, name), f"graph/{name}", ext)


# --- the ontology ----------------------------------------------------------------------------


def ontology_graph(request: Request, version: str | None = None) -> Graph:
    """The ontology as loaded (graph/ontology), or a past release; NotFound otherwise."""
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    data = store.get_graph(f"{settings.base_iri}graph/ontology", NTRIPLES)
    graph = Graph().parse(data=data, format="nt") if data else load_ontology(settings.base_iri)
    if version is None or version == version_of(graph):
        return graph
    release = RELEASES_DIR / f"{version}.ttl"
    if not release.is_file():
        raise NotFound(f"There is no ontology version {version}.")
    old = Graph().parse(release, format="turtle")
    if settings.base_iri != DEFAULT_BASE:
        old = rebase_graph(old, DEFAULT_BASE, settings.base_iri)
    return old


def _ontology_path(version: str | None) -> str:
    return "ontology" if version is None else f"ontology/{version}"


def _ontology_html(request: Request, version: str | None) -> str:
    """The pyLODE page written at build, or one made now (and kept) when the build wrote none."""
    settings: Settings = request.app.state.settings
    docs: Path = settings.data_dir / "docs"
    name = "ontology.html" if version is None else f"ontology-{version}.html"
    if (docs / name).is_file():
        return (docs / name).read_text(encoding="utf-8")
    state = request.app.state
    key = (getattr(state, "data_version", 0), version)
    cache: dict[Any, str] = getattr(state, "ontology_html", None) or {}
    if key not in cache:
        cache = {key: render_html(ontology_graph(request, version), settings.base_iri)}
        state.ontology_html = cache
    return cache[key]


def _ontology_redirect(request: Request, version: str | None) -> Response:
    ontology_graph(request, version)
    return _redirect(request, _ontology_path(version))


def _ontology_rdf(request: Request, version: str | None, ext: str) -> Response:
    return _representation(request, ontology_graph(request, version), _ontology_path(version), ext)


def _ontology_page(request: Request, version: str | None) -> Response:
    ontology_graph(request, version)
    page = _ontology_html(request, version)
    headers = {"Content-Location": f"{public_base(request)}{_ontology_path(version)}.html", **VARY}
    return Response(page, media_type=HTML, headers=headers)


@router.api_route("/ontology", methods=["GET", "HEAD"])
def ontology(request: Request) -> Response:
    """The ontology IRI (and every `#Term` in it): 303 to its documentation or RDF."""
    return _ontology_redirect(request, None)


@router.api_route("/ontology.html", methods=["GET", "HEAD"])
def ontology_html(request: Request) -> Response:
    """The ontology's documentation, generated by pyLODE."""
    return _ontology_page(request, None)


@router.api_route("/ontology.{ext:rdfext}", methods=["GET", "HEAD"])
def ontology_rdf(request: Request, ext: str) -> Response:
    """The ontology and its SKOS schemes as RDF."""
    return _ontology_rdf(request, None, ext)


@router.api_route("/ontology/{version:semver}", methods=["GET", "HEAD"])
def ontology_version(request: Request, version: str) -> Response:
    """A versionIRI: 303 to that version's documentation or RDF."""
    return _ontology_redirect(request, version)


@router.api_route("/ontology/{version:semver}.html", methods=["GET", "HEAD"])
def ontology_version_html(request: Request, version: str) -> Response:
    """One version's documentation."""
    return _ontology_page(request, version)


@router.api_route("/ontology/{version:semver}.{ext:rdfext}", methods=["GET", "HEAD"])
def ontology_version_rdf(request: Request, version: str, ext: str) -> Response:
    """One version of the ontology as RDF."""
    return _ontology_rdf(request, version, ext)


# --- the JSON-LD context ---------------------------------------------------------------------


@router.api_route("/context.jsonld", methods=["GET", "HEAD"])
def context(request: Request) -> Response:
    """The JSON-LD context that JSON-LD answers refer to (prefixes of the vocabularies used)."""
    settings: Settings = request.app.state.settings
    return Response(context_text(settings.base_iri), media_type=JSON_LD)

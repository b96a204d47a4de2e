"""Dereferenceable IRIs over the shipped data, on the embedded store and a real Oxigraph server.

The data is built once per module from `sources/` (as `coprod build` does), with the dumps and
the pyLODE documentation written by `ingest/dumps.py` and `ontology/docs.py`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, VOID

from ingest.artefact import read_manifest
from ingest.build import build
from ingest.dumps import write_dumps
from ontology.docs import write_docs
from service import routes
from service.app import create_app
from service.loading import load_artefact
from service.routes import dataset, linked_data
from service.settings import Settings, get_settings
from service.store.base import Store
from service.store.embedded import EmbeddedStore
from service.store.remote import RemoteStore
from tests.oxigraph_server import OxigraphServer, free_port

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://w3id.org/coprod/"
CASE = "id/case/balsall-heath-forum"
WORK = "id/work/bovaird2007beyond"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FORMATS = {
    "text/turtle": ("ttl", "turtle"),
    "application/n-triples": ("nt", "nt"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/rdf+xml": ("rdf", "xml"),
}
# Included by create_app when ROUTERS lists them; added here otherwise.
ROUTERS = [r for r in (linked_data.router, dataset.router) if r not in routes.ROUTERS]


def build_data(data_dir: Path) -> Settings:
    """Build the shipped sources into `data_dir`, with dumps and ontology docs."""
    settings = get_settings(data_dir=data_dir, sources_dir=ROOT / "sources")
    build(settings.sources_dir, settings.artefact_dir)
    write_dumps(settings.artefact_dir, data_dir / "dumps")
    write_docs(data_dir / "docs")
    return settings


def open_loaded(kind: str, settings: Settings, server: OxigraphServer | None) -> Store:
    """A store of `kind` holding the built artefact."""
    store: Store
    if kind == "embedded":
        store = EmbeddedStore(settings.store_dir, timeout_s=30)
    else:
        assert server is not None
        store = RemoteStore(server.query_url, server.update_url, server.store_url, timeout_s=30)
        store.update("DROP ALL")
    load_artefact(store, settings.artefact_dir, force=True)
    return store


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_data(tmp_path_factory.mktemp("ld-data"))


@pytest.fixture(scope="module", params=["embedded", "remote"])
def client(request: pytest.FixtureRequest, built: Settings) -> Iterator[TestClient]:
    server = request.getfixturevalue("oxigraph_server") if request.param == "remote" else None
    store = open_loaded(request.param, built, server)
    try:
        with TestClient(create_app(built, store, routers=ROUTERS)) as test_client:
            yield test_client
    finally:
        store.close()


def parse(client: TestClient, response: httpx.Response, rdflib_format: str) -> Graph:
    """Parse an answer; JSON-LD's context is fetched from the service, as a client would."""
    if rdflib_format != "json-ld":
        return Graph().parse(data=response.content, format=rdflib_format)
    document = response.json()
    context_url = document["@context"]
    assert context_url.endswith("/context.jsonld")
    document["@context"] = client.get(context_url).json()["@context"]
    return Graph().parse(data=json.dumps(document), format="json-ld")


def artefact_triples(settings: Settings, subject: str) -> Graph:
    """The subject's triples as the build wrote them (all graphs)."""
    graph = Graph()
    prefix = f"<{subject}> "
    with (settings.artefact_dir / "coprod.nq").open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith(prefix):
                body = line.rstrip(" .\n").rpartition(" <")[0]
                graph.parse(data=body + " .\n", format="nt")
    return graph


@pytest.mark.parametrize("path", [CASE, WORK])
def test_each_accept_and_suffix_gives_the_same_graph(
    client: TestClient, built: Settings, path: str
) -> None:
    graphs: list[Graph] = []
    for accept, (ext, rdflib_format) in FORMATS.items():
        redirect = client.get(f"/{path}", headers={"Accept": accept}, follow_redirects=False)
        assert redirect.status_code == 303
        assert "accept" in redirect.headers["vary"].lower()
        location = redirect.headers["location"]
        assert location == f"http://testserver/{path}.{ext}"
        answer = client.get(location)
        assert answer.status_code == 200
        assert answer.headers["content-type"].split(";")[0] == accept
        assert answer.headers["content-location"] == location
        graphs.append(parse(client, answer, rdflib_format))
    first = graphs[0]
    assert all(isomorphic(first, other) for other in graphs[1:])
    # Every triple the build wrote about the resource is in the description.
    expected = artefact_triples(built, BASE + path)
    assert len(expected) > 5
    assert set(expected) <= set(first)


def test_description_carries_labels_of_linked_resources(client: TestClient) -> None:
    graph = Graph().parse(data=client.get(f"/{WORK}.ttl").content, format="turtle")
    creators = list(graph.objects(URIRef(BASE + WORK), URIRef("http://purl.org/dc/terms/creator")))
    assert creators
    assert all(graph.value(creator, RDFS.label) is not None for creator in creators)


def test_browsers_are_sent_to_the_html_page(client: TestClient) -> None:
    answer = client.get(f"/{CASE}", headers={"Accept": BROWSER}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"http://testserver/{CASE}.html"
    plain = client.get(f"/{CASE}", follow_redirects=False)
    assert plain.headers["location"].endswith(f"/{CASE}.ttl")


def test_unknown_iri_is_404_and_unacceptable_type_406(client: TestClient) -> None:
    for path in ("/id/case/no-such-case", "/id/case/no-such-case.ttl", "/graph/no-such-graph"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("application/problem+json")
    refused = client.get(f"/{CASE}", headers={"Accept": "image/png"}, follow_redirects=False)
    assert refused.status_code == 406


def test_named_graph_is_described_not_dumped(client: TestClient, built: Settings) -> None:
    manifest = read_manifest(built.artefact_dir)
    assert manifest is not None
    name = "canon-works"
    iri = URIRef(f"{BASE}graph/{name}")
    redirect = client.get(f"/graph/{name}", follow_redirects=False)
    assert redirect.status_code == 303
    described = Graph().parse(data=client.get(f"/graph/{name}.ttl").content, format="turtle")
    assert described.value(iri, VOID.triples) == Literal(manifest.graphs[str(iri)])
    assert len(described) < 40
    link = described.value(iri, RDFS.seeAlso)
    assert link is not None and "/store?graph=" in str(link)
    content = client.get(f"/graph/{name}.nt", params={"content": "1"})
    full = Graph().parse(data=content.content, format="nt")
    assert len(full) >= manifest.graphs[str(iri)]
    # The catalogue graph has no catalogue entry of its own but is still a graph.
    catalog = Graph().parse(data=client.get("/graph/catalog.ttl").content, format="turtle")
    assert catalog.value(URIRef(f"{BASE}graph/catalog"), VOID.triples) == Literal(
        manifest.graphs[f"{BASE}graph/catalog"]
    )


def test_ontology_and_its_version_serve_rdf_and_docs(client: TestClient) -> None:
    ontology = URIRef(BASE + "ontology")
    redirect = client.get("/ontology", headers={"Accept": BROWSER}, follow_redirects=False)
    assert redirect.headers["location"] == "http://testserver/ontology.html"
    rdf = Graph().parse(data=client.get("/ontology.ttl").content, format="turtle")
    assert (ontology, RDF.type, OWL.Ontology) in rdf
    version_iri = rdf.value(ontology, OWL.versionIRI)
    assert version_iri is not None
    version = str(version_iri).rsplit("/", 1)[1]
    versioned = client.get(f"/ontology/{version}", follow_redirects=False)
    assert versioned.headers["location"] == f"http://testserver/ontology/{version}.ttl"
    same = Graph().parse(data=client.get(f"/ontology/{version}.ttl").content, format="turtle")
    assert isomorphic(rdf, same)
    page = client.get("/ontology.html")
    assert page.headers["content-type"].startswith("text/html")
    # Class, property and SKOS concept fragments all land on an entry of the page.
    for term in ("Case", "whoPlans", "PlannedJointly", "PlannedJointlyDeliveredJointly"):
        assert f'id="{term}"' in page.text, term
    assert client.get(f"/ontology/{version}.html").status_code == 200
    assert client.get("/ontology/9.9.9", follow_redirects=False).status_code == 404


def test_html_suffix_is_left_to_the_pages_router(client: TestClient) -> None:
    # A pages router included after this one must still receive `/id/...html`.
    pages = APIRouter()

    @pages.get("/id/{rest:path}.html")
    def page(rest: str) -> HTMLResponse:
        return HTMLResponse(f"<p>page of {rest}</p>")

    app = create_app(client.app.state.settings, client.app.state.store, routers=[*ROUTERS, pages])
    with TestClient(app) as local:
        answer = local.get(f"/{CASE}.html")
        # Served by the pages router in ROUTERS when there is one, else by this stub.
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/html")
        assert local.get(f"/{CASE}.ttl").headers["content-type"].startswith("text/turtle")


def test_jsonld_context_is_fetched_from_a_live_server(built: Settings) -> None:
    """rdflib parses the JSON-LD answer on its own, fetching the context over loopback."""
    store = EmbeddedStore(built.store_dir, timeout_s=30)
    port = free_port()
    config = uvicorn.Config(create_app(built, store, routers=ROUTERS), host="127.0.0.1",
                            port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        url = f"http://127.0.0.1:{port}/{CASE}"
        jsonld = Graph().parse(f"{url}.jsonld", format="json-ld")
        turtle = Graph().parse(data=httpx.get(f"{url}.ttl").content, format="turtle")
        assert len(jsonld) > 5
        assert isomorphic(jsonld, turtle)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def test_other_base_and_public_url(tmp_path: Path) -> None:
    base = "http://example.org/cp/"
    public = "http://localhost:9999/data/"
    settings = get_settings(data_dir=tmp_path, base_iri=base, public_url=public)
    store = EmbeddedStore(tmp_path / "store", timeout_s=10)
    case = f"{base}id/case/x"
    store.update(
        f"INSERT DATA {{ GRAPH <{base}graph/canon-cases> {{ <{case}> a <{base}ontology#Case> ; "
        f'<{RDFS.label}> "X"@en ; <{base}ontology#whoPlans> <{base}ontology#PlannedJointly> }} '
        f"GRAPH <{base}graph/ontology> {{ <{base}ontology#PlannedJointly> "
        f'<{RDFS.label}> "planned jointly"@en }} }}'
    )
    try:
        with TestClient(create_app(settings, store, routers=ROUTERS)) as local:
            redirect = local.get("/id/case/x", follow_redirects=False)
            assert redirect.headers["location"] == f"{public}id/case/x.ttl"
            answer = local.get("/id/case/x.jsonld")
            assert answer.headers["content-location"] == f"{public}id/case/x.jsonld"
            assert answer.json()["@context"] == f"{public}context.jsonld"
            context = local.get("/context.jsonld").json()["@context"]
            assert context["cop"] == f"{base}ontology#"
            document = answer.json()
            document["@context"] = context
            graph = Graph().parse(data=json.dumps(document), format="json-ld")
            turtle = Graph().parse(data=local.get("/id/case/x.ttl").content, format="turtle")
            assert isomorphic(graph, turtle)
            assert (URIRef(case), RDFS.label, Literal("X", lang="en")) in turtle
            label = turtle.value(URIRef(f"{base}ontology#PlannedJointly"), RDFS.label)
            assert label == Literal("planned jointly", lang="en")
            # The default base is not answered for: /id/case/x is only the configured IRI.
            assert local.get("/id/case/y", follow_redirects=False).status_code == 404
    finally:
        store.close()

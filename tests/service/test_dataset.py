"""VoID/DCAT at /dataset and /.well-known/void, and the dump downloads, over the shipped data."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from ingest.artefact import read_manifest
from ingest.dumps import read_sums
from service.app import create_app
from service.settings import Settings
from tests.service.test_linked_data import ROUTERS, build_data, open_loaded

SPDX = "http://spdx.org/rdf/terms#"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_data(tmp_path_factory.mktemp("void-data"))


@pytest.fixture(scope="module", params=["embedded", "remote"])
def client(request: pytest.FixtureRequest, built: Settings) -> Iterator[TestClient]:
    server = request.getfixturevalue("oxigraph_server") if request.param == "remote" else None
    store = open_loaded(request.param, built, server)
    try:
        with TestClient(create_app(built, store, routers=ROUTERS)) as test_client:
            yield test_client
    finally:
        store.close()


def void(client: TestClient, path: str = "/dataset") -> Graph:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/turtle")
    return Graph().parse(data=answer.content, format="turtle")


def test_void_lists_every_graph_with_its_triple_count(client: TestClient, built: Settings) -> None:
    manifest = read_manifest(built.artefact_dir)
    assert manifest is not None
    graph = void(client)
    dataset = URIRef(f"{built.base_iri}dataset")
    subsets = set(graph.objects(dataset, VOID.subset))
    assert subsets == {URIRef(name) for name in manifest.graphs}
    for name, count in manifest.graphs.items():
        assert list(graph.objects(URIRef(name), VOID.triples)) == [Literal(count)], name
    assert graph.value(dataset, VOID.triples) == Literal(manifest.triples)
    # Licences come from the catalogue.
    license_ = graph.value(URIRef(f"{built.base_iri}graph/canon-works"), DCTERMS.license)
    assert license_ == URIRef("https://creativecommons.org/licenses/by/4.0/")


def test_void_names_endpoint_dumps_examples_and_uri_space(
    client: TestClient, built: Settings
) -> None:
    graph = void(client)
    dataset = URIRef(f"{built.base_iri}dataset")
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef("http://testserver/sparql")
    assert graph.value(dataset, VOID.uriSpace) == Literal(f"{built.base_iri}id/")
    assert URIRef(f"{built.base_iri}ontology") in set(graph.objects(dataset, VOID.vocabulary))
    examples = {str(e) for e in graph.objects(dataset, VOID.exampleResource)}
    assert any("/id/case/" in e for e in examples) and any("/id/work/" in e for e in examples)
    for example in examples:  # every example dereferences
        assert client.get(example.replace(built.base_iri, "/"),
                          follow_redirects=False).status_code == 303
    sums = read_sums(built.data_dir / "dumps")
    assert len(sums) == 3
    dumps = {str(d) for d in graph.objects(dataset, VOID.dataDump)}
    assert dumps == {f"http://testserver/dumps/{name}" for name in sums}
    found: dict[str, str] = {}
    for dist in graph.objects(dataset, DCAT.distribution):
        url = graph.value(dist, DCAT.downloadURL)
        if url is None:
            continue
        assert (dist, RDF.type, DCAT.Distribution) in graph
        assert graph.value(dist, DCAT.mediaType) is not None
        checksum = graph.value(dist, URIRef(SPDX + "checksum"))
        value = graph.value(checksum, URIRef(SPDX + "checksumValue"))
        found[str(url).rsplit("/", 1)[1]] = str(value).lower()
    assert found == sums


def test_well_known_void_and_formats_agree(client: TestClient) -> None:
    turtle = void(client)
    assert isomorphic(turtle, void(client, "/.well-known/void"))
    for accept, fmt in (("application/n-triples", "nt"), ("application/rdf+xml", "xml")):
        answer = client.get("/dataset", headers={"Accept": accept})
        assert answer.headers["content-type"].split(";")[0] == accept
        assert isomorphic(turtle, Graph().parse(data=answer.content, format=fmt))


def test_dumps_download_with_their_checksums(client: TestClient, built: Settings) -> None:
    sums = read_sums(built.data_dir / "dumps")
    for name, digest in sums.items():
        answer = client.get(f"/dumps/{name}")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/gzip"
        assert "attachment" in answer.headers["content-disposition"]
        assert hashlib.sha256(answer.content).hexdigest() == digest
        assert answer.headers["etag"] == f'"{digest}"'
        again = client.get(f"/dumps/{name}", headers={"If-None-Match": f'"{digest}"'})
        assert again.status_code == 304
    listing = client.get("/dumps/SHA256SUMS")
    assert listing.status_code == 200
    assert all(digest in listing.text for digest in sums.values())


@pytest.mark.parametrize(
    "path", ["/dumps/coprod.nq", "/dumps/..%2Fdataset%2Fcoprod.nq", "/dumps/../dataset/coprod.nq",
             "/dumps/manifest.json"],
)
def test_only_listed_dumps_are_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404

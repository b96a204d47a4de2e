"""/sparql against the W3C SPARQL 1.1 Protocol, over the embedded and the remote store.

The fixture data below is made up for these tests (example.org IRIs); it states nothing
about the literature.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS
from rdflib.query import Result
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from ontology.namespaces import SD
from service.app import create_app
from service.routes.sparql import QueryByGet
from service.settings import Settings, get_settings
from service.store import open_store
from service.store.base import Store
from tests.oxigraph_server import OxigraphServer, free_port

TOKEN = "protocol-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EX = "http://example.org/"
G1 = EX + "graph/one"
G2 = EX + "graph/two"
PREFIXES = f"PREFIX rdfs: <{RDFS}>\nPREFIX ex: <{EX}>\n"
DEFAULT_TTL = f'<{EX}d1> <{RDFS.label}> "in the default graph" .'.encode()
G1_TTL = f'<{EX}a> <{RDFS.label}> "alpha" ; <{EX}rank> 1 .'.encode()
G2_TTL = f'<{EX}b> <{RDFS.label}> "beta" ; <{EX}rank> 2 .'.encode()

LABELS = PREFIXES + "SELECT ?label WHERE { GRAPH ?g { ?s rdfs:label ?label } } ORDER BY ?label"
DEFAULT_LABELS = PREFIXES + "SELECT ?label WHERE { ?s rdfs:label ?label } ORDER BY ?label"
CONSTRUCT = PREFIXES + "CONSTRUCT { ?s rdfs:label ?l } WHERE { GRAPH ?g { ?s rdfs:label ?l } }"
DESCRIBE = PREFIXES + "DESCRIBE ex:d1"
TABLE_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
GRAPH_TYPES = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
METHODS = ["get", "post-form", "post-direct"]
RESULT_PARSERS = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_PARSERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


def settings_for(
    kind: str, data_dir: Path, server: OxigraphServer | None, **extra: object
) -> Settings:
    """Settings for one store kind, with writes on (token) unless `extra` says otherwise."""
    # These tests pin the store's own default graph; test_union_default_graph covers the union.
    values: dict[str, object] = {
        "data_dir": data_dir, "write_token": TOKEN, "union_default_graph": False, **extra
    }
    if kind == "remote":
        assert server is not None
        values.update(
            store="remote",
            query_url=server.query_url,
            update_url=server.update_url,
            graph_store_url=server.store_url,
        )
    return get_settings(**values)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db") as server:
        yield server


@pytest.fixture(scope="module", params=["embedded", "remote"])
def app_parts(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, Store]]:
    server = request.getfixturevalue("oxigraph") if request.param == "remote" else None
    settings = settings_for(request.param, tmp_path_factory.mktemp("data"), server)
    store = open_store(settings)
    store.replace_graph(None, DEFAULT_TTL, "text/turtle")
    store.replace_graph(G1, G1_TTL, "text/turtle")
    store.replace_graph(G2, G2_TTL, "text/turtle")
    yield settings, store
    store.close()


@pytest.fixture(scope="module")
def client(app_parts: tuple[Settings, Store]) -> Iterator[TestClient]:
    settings, store = app_parts
    with TestClient(create_app(settings, store)) as test_client:
        yield test_client


def send(
    client: TestClient,
    method: str,
    query: str,
    *,
    accept: str | None = None,
    params: list[tuple[str, str]] | None = None,
) -> httpx.Response:
    """Send a query by GET, by POST form or by POST direct, with extra protocol parameters."""
    headers = {"Accept": accept} if accept else {}
    extra = params or []
    if method == "get":
        return client.get("/sparql", params=[("query", query), *extra], headers=headers)
    if method == "post-form":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return client.post(
            "/sparql", content=urlencode([("query", query), *extra]), headers=headers
        )
    headers["Content-Type"] = "application/sparql-query"
    return client.post("/sparql", params=extra, content=query.encode(), headers=headers)


def send_update(
    client: TestClient,
    method: str,
    update: str,
    params: list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Send an update by POST form or POST direct, with the write token unless told otherwise."""
    extra = params or []
    sent = dict(AUTH if headers is None else headers)
    if method == "post-form":
        sent["Content-Type"] = "application/x-www-form-urlencoded"
        return client.post("/sparql", content=urlencode([("update", update), *extra]), headers=sent)
    sent["Content-Type"] = "application/sparql-update"
    return client.post("/sparql", params=extra, content=update.encode(), headers=sent)


def labels(response: httpx.Response) -> list[str]:
    """The ?label column of a SPARQL JSON answer."""
    body = response.json()
    return [row["label"]["value"] for row in body["results"]["bindings"]]


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    """Assert a problem+json response with `status` and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert str(body["type"]).startswith("urn:coprod:problem:")
    assert body["detail"] and "Traceback" not in str(body["detail"])
    return body


# -- each query form by each method ---------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_select(client: TestClient, method: str) -> None:
    response = send(client, method, LABELS)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert labels(response) == ["alpha", "beta"]


@pytest.mark.parametrize("method", METHODS)
def test_ask(client: TestClient, method: str) -> None:
    yes = send(client, method, PREFIXES + 'ASK { GRAPH ?g { ?s rdfs:label "alpha" } }')
    no = send(client, method, PREFIXES + 'ASK { ?s rdfs:label "alpha" }')
    assert yes.status_code == no.status_code == 200
    assert yes.json()["boolean"] is True
    assert no.json()["boolean"] is False  # "alpha" is in a named graph, not the default graph


@pytest.mark.parametrize("method", METHODS)
def test_construct(client: TestClient, method: str) -> None:
    response = send(client, method, CONSTRUCT)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    assert set(graph) == {
        (URIRef(EX + "a"), RDFS.label, Literal("alpha")),
        (URIRef(EX + "b"), RDFS.label, Literal("beta")),
    }


@pytest.mark.parametrize("method", METHODS)
def test_describe(client: TestClient, method: str) -> None:
    response = send(client, method, DESCRIBE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef(EX + "d1"), RDFS.label, Literal("in the default graph")) in graph


def test_large_answer_streams_whole(client: TestClient) -> None:
    values = " ".join(str(i) for i in range(6000))
    response = send(client, "get", f"SELECT ?i WHERE {{ VALUES ?i {{ {values} }} }}")
    assert response.status_code == 200
    numbers = [int(row["i"]["value"]) for row in response.json()["results"]["bindings"]]
    assert numbers == list(range(6000))


# -- dataset parameters ------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_default_graph_uri(client: TestClient, method: str) -> None:
    assert labels(send(client, method, DEFAULT_LABELS)) == ["in the default graph"]
    one = send(client, method, DEFAULT_LABELS, params=[("default-graph-uri", G1)])
    assert labels(one) == ["alpha"]
    both = send(
        client,
        method,
        DEFAULT_LABELS,
        params=[("default-graph-uri", G1), ("default-graph-uri", G2)],
    )
    assert labels(both) == ["alpha", "beta"]


@pytest.mark.parametrize("method", METHODS)
def test_named_graph_uri(client: TestClient, method: str) -> None:
    query = PREFIXES + "SELECT ?g ?label WHERE { GRAPH ?g { ?s rdfs:label ?label } }"
    response = send(client, method, query, params=[("named-graph-uri", G2)])
    rows = response.json()["results"]["bindings"]
    assert [(r["g"]["value"], r["label"]["value"]) for r in rows] == [(G2, "beta")]


def test_dataset_parameter_must_be_an_iri(client: TestClient) -> None:
    body = problem(send(client, "get", LABELS, params=[("default-graph-uri", "not an iri")]), 400)
    assert "default-graph-uri" in str(body["detail"])


# -- 400, 406, 413, 415 ------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_syntax_error_is_400_with_the_parser_message(client: TestClient, method: str) -> None:
    body = problem(send(client, method, "SELECT * WHERE { ?s ?p }"), 400)
    assert body["type"] == "urn:coprod:problem:bad-query"


def test_two_query_parameters(client: TestClient) -> None:
    response = client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert "exactly one query" in str(problem(response, 400)["detail"])
    form = client.post(
        "/sparql",
        content=urlencode([("query", "ASK {}"), ("query", "ASK {}")]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    problem(form, 400)


def test_query_and_update_together(client: TestClient) -> None:
    response = client.post(
        "/sparql",
        content=urlencode([("query", "ASK {}"), ("update", "CLEAR DEFAULT")]),
        headers={"Content-Type": "application/x-www-form-urlencoded", **AUTH},
    )
    assert "not both" in str(problem(response, 400)["detail"])


def test_update_by_get(client: TestClient) -> None:
    response = client.get("/sparql", params={"update": f"INSERT DATA {{ <{EX}x> <{EX}y> 1 }}"})
    assert "POST" in str(problem(response, 400)["detail"])


@pytest.mark.parametrize("method", METHODS)
def test_update_sent_as_query(client: TestClient, method: str) -> None:
    response = send(client, method, f"PREFIX ex: <{EX}>\nINSERT DATA {{ ex:x ex:y 1 }}")
    assert "not a query" in str(problem(response, 400)["detail"])
    assert labels(send(client, "get", DEFAULT_LABELS)) == ["in the default graph"]


@pytest.mark.parametrize("method", ["post-form", "post-direct"])
def test_query_sent_as_update(client: TestClient, method: str) -> None:
    response = send_update(client, method, LABELS)
    assert "not an update" in str(problem(response, 400)["detail"])


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_unsupported_body_type_is_415(client: TestClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = problem(client.post("/sparql", content=b"ASK {}", headers=headers), 415)
    assert "application/sparql-query" in body["accepted"]


def test_body_above_the_limit_is_413(app_parts: tuple[Settings, Store]) -> None:
    settings, store = app_parts
    small = TestClient(create_app(settings.model_copy(update={"max_body_bytes": 300}), store))
    big = "ASK { " + "?s ?p ?o . " * 100 + "}"
    problem(
        small.post(
            "/sparql", content=big.encode(), headers={"Content-Type": "application/sparql-query"}
        ),
        413,
    )
    problem(
        small.post(
            "/sparql",
            content=urlencode({"query": big}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        413,
    )
    ok = small.post(
        "/sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"}
    )
    assert ok.status_code == 200


# -- content negotiation -----------------------------------------------------------------------


@pytest.mark.parametrize("media_type", TABLE_TYPES)
def test_select_in_each_results_format(client: TestClient, media_type: str) -> None:
    response = send(client, "get", LABELS, accept=media_type)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    result = Result.parse(io.BytesIO(response.content), format=RESULT_PARSERS[media_type])
    assert sorted(str(row[0]) for row in result) == ["alpha", "beta"]


@pytest.mark.parametrize(
    "media_type", ["application/sparql-results+json", "application/sparql-results+xml"]
)
def test_ask_in_each_results_format(client: TestClient, media_type: str) -> None:
    response = send(client, "get", "ASK { GRAPH ?g { ?s ?p ?o } }", accept=media_type)
    assert response.headers["content-type"].split(";")[0] == media_type
    assert Result.parse(io.BytesIO(response.content), format=RESULT_PARSERS[media_type]).askAnswer


@pytest.mark.parametrize("media_type", GRAPH_TYPES)
def test_construct_in_each_graph_format(
    client: TestClient, app_parts: tuple[Settings, Store], media_type: str
) -> None:
    response = send(client, "get", CONSTRUCT, accept=media_type)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = Graph().parse(data=response.content, format=GRAPH_PARSERS[media_type])
    expected = Graph().parse(data=send(client, "get", CONSTRUCT).text, format="turtle")
    assert len(graph) == 2 and isomorphic(graph, expected)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/csv;q=0.9, application/sparql-results+json;q=0.1", "text/csv"),
        ("*/*", "application/sparql-results+json"),
        ("text/*", "text/csv"),
        ("application/sparql-results+xml, */*;q=0.1", "application/sparql-results+xml"),
        ("application/sparql-results+json;q=0, */*;q=0.5", "application/sparql-results+xml"),
        (
            "text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8",
            "application/sparql-results+xml",
        ),
        ("application/json", "application/sparql-results+json"),
    ],
)
def test_q_values_and_wildcards_for_a_table(client: TestClient, accept: str, expected: str) -> None:
    response = send(client, "get", LABELS, accept=accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", "text/turtle"),
        ("application/sparql-results+json, text/csv;q=0.5, */*;q=0.1", "text/turtle"),
        ("application/n-triples;q=0.5, text/turtle;q=0.4", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
    ],
)
def test_a_graph_is_never_a_table(client: TestClient, accept: str, expected: str) -> None:
    for query in (CONSTRUCT, DESCRIBE):
        response = send(client, "get", query, accept=accept)
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == expected
        Graph().parse(data=response.content, format=GRAPH_PARSERS[expected])


def test_table_types_for_a_graph_are_406(client: TestClient) -> None:
    body = problem(
        send(client, "get", CONSTRUCT, accept="application/sparql-results+json, text/csv"), 406
    )
    assert body["offered"] == GRAPH_TYPES


def test_graph_types_for_a_table_are_406(client: TestClient) -> None:
    body = problem(send(client, "get", LABELS, accept="text/turtle"), 406)
    assert body["offered"] == TABLE_TYPES


@pytest.mark.parametrize(
    ("query", "fmt", "expected"),
    [
        (LABELS, "csv", "text/csv"),
        (LABELS, "tsv", "text/tab-separated-values"),
        (LABELS, "xml", "application/sparql-results+xml"),
        (LABELS, "json", "application/sparql-results+json"),
        (CONSTRUCT, "ttl", "text/turtle"),
        (CONSTRUCT, "nt", "application/n-triples"),
        (CONSTRUCT, "rdf", "application/rdf+xml"),
    ],
)
def test_format_parameter(client: TestClient, query: str, fmt: str, expected: str) -> None:
    # format= wins over the Accept header.
    response = send(client, "get", query, accept="application/ld+json", params=[("format", fmt)])
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


def test_format_parameter_errors(client: TestClient) -> None:
    problem(send(client, "get", CONSTRUCT, params=[("format", "csv")]), 406)
    problem(send(client, "get", LABELS, params=[("format", "ttl")]), 406)
    assert "csv" in str(
        problem(send(client, "get", LABELS, params=[("format", "xlsx")]), 400)["detail"]
    )


def test_vary_accept_on_every_response(client: TestClient) -> None:
    responses = [
        send(client, "get", LABELS),
        send(client, "post-form", CONSTRUCT),
        send(client, "get", "SELECT"),
        send(client, "get", CONSTRUCT, accept="text/csv"),
        client.post("/sparql", content=b"x", headers={"Content-Type": "text/plain"}),
        client.get("/sparql"),
        client.get("/health"),
        send_update(client, "post-direct", "CLEAR SILENT GRAPH <http://example.org/graph/none>"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 400, 406, 415, 200, 200, 204]
    for response in responses:
        assert "Accept" in [v.strip() for v in response.headers["vary"].split(",")]


# -- service description -----------------------------------------------------------------------


def description(client: TestClient, accept: str, fmt: str) -> Graph:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    return Graph().parse(data=response.content, format=fmt)


def test_service_description(client: TestClient) -> None:
    graph = description(client, "text/turtle", "turtle")
    endpoint = URIRef("http://testserver/sparql")
    assert (endpoint, SD.endpoint, endpoint) in graph
    languages = set(graph.objects(endpoint, SD.supportedLanguage))
    assert languages == {SD.SPARQL11Query, SD.SPARQL11Update}  # the token is set
    formats = set(graph.objects(endpoint, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in formats
    assert (None, SD.feature, SD.UnionDefaultGraph) not in graph
    dataset = graph.value(endpoint, SD.defaultDataset)
    names = {graph.value(named, SD.name) for named in graph.objects(dataset, SD.namedGraph)}
    assert {URIRef(G1), URIRef(G2)} <= names
    assert graph.value(dataset, SD.defaultGraph) is not None


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-triples", "nt"),
    ],
)
def test_service_description_formats(client: TestClient, accept: str, fmt: str) -> None:
    graph = description(client, accept, fmt)
    assert isomorphic(graph, description(client, "text/turtle", "turtle"))


def test_service_description_without_writes(app_parts: tuple[Settings, Store]) -> None:
    settings, store = app_parts
    read_only = TestClient(create_app(settings.model_copy(update={"write_token": None}), store))
    graph = Graph().parse(data=read_only.get("/sparql").text, format="turtle")
    assert set(graph.objects(None, SD.supportedLanguage)) == {SD.SPARQL11Query}


# -- updates -----------------------------------------------------------------------------------


def graph_labels(client: TestClient, graph: str, predicate: str) -> list[str]:
    query = f"SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s <{predicate}> ?o }} }} ORDER BY ?s"
    rows = send(client, "get", query).json()["results"]["bindings"]
    return [row["s"]["value"] for row in rows]


@pytest.mark.parametrize("method", ["post-form", "post-direct"])
def test_update(client: TestClient, method: str) -> None:
    target = f"{EX}graph/update-{method}"
    response = send_update(
        client, method, f"INSERT DATA {{ GRAPH <{target}> {{ <{EX}n> <{EX}seen> 1 }} }}"
    )
    assert response.status_code == 204, response.text
    assert graph_labels(client, target, EX + "seen") == [EX + "n"]


@pytest.mark.parametrize("method", ["post-form", "post-direct"])
def test_update_with_using_graph_uri(client: TestClient, method: str) -> None:
    target = f"{EX}graph/using-{method}"
    update = (
        PREFIXES
        + f"INSERT {{ GRAPH <{target}> {{ ?s ex:seen true }} }} WHERE {{ ?s rdfs:label ?l }}"
    )
    response = send_update(client, method, update, params=[("using-graph-uri", G1)])
    assert response.status_code == 204, response.text
    assert graph_labels(client, target, EX + "seen") == [EX + "a"]


@pytest.mark.parametrize("method", ["post-form", "post-direct"])
def test_update_with_using_named_graph_uri(client: TestClient, method: str) -> None:
    target = f"{EX}graph/using-named-{method}"
    update = PREFIXES + (
        f"INSERT {{ GRAPH <{target}> {{ ?s ex:from ?g }} }} "
        "WHERE { GRAPH ?g { ?s rdfs:label ?l } }"
    )
    response = send_update(client, method, update, params=[("using-named-graph-uri", G2)])
    assert response.status_code == 204, response.text
    assert graph_labels(client, target, EX + "from") == [EX + "b"]


def test_update_with_using_in_text_and_parameter_is_400(client: TestClient) -> None:
    update = (
        PREFIXES
        + f"INSERT {{ GRAPH <{EX}graph/x> {{ ?s ex:seen 1 }} }} USING <{G1}> WHERE {{ ?s ?p ?o }}"
    )
    problem(send_update(client, "post-direct", update, params=[("using-graph-uri", G2)]), 400)
    assert graph_labels(client, EX + "graph/x", EX + "seen") == []


def test_update_syntax_error_is_400(client: TestClient) -> None:
    body = problem(send_update(client, "post-direct", "INSERT DATA { <a> }"), 400)
    assert body["type"] == "urn:coprod:problem:bad-query"


def test_problem_json_is_valid_json(client: TestClient) -> None:
    response = send(client, "get", "SELECT")
    assert json.loads(response.content)["title"]


# -- health ------------------------------------------------------------------------------------


def test_health(client: TestClient, app_parts: tuple[Settings, Store]) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "store": app_parts[0].store, "reachable": True}


def test_health_is_503_when_the_store_does_not_answer(tmp_path: Path) -> None:
    # A remote store pointed at a loopback port where nothing listens.
    settings = get_settings(
        data_dir=tmp_path, store="remote", query_url=f"http://127.0.0.1:{free_port()}/query"
    )
    store = open_store(settings)
    response = TestClient(create_app(settings, store)).get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "store": "remote", "reachable": False}
    store.close()


# -- GET /sparql outside FastAPI (service.routes.sparql.QueryByGet) ----------------------------

GET_CASES: list[tuple[list[tuple[str, str]], dict[str, str]]] = [
    ([("query", LABELS)], {}),
    *[([("query", LABELS)], {"Accept": media}) for media in TABLE_TYPES],
    *[([("query", CONSTRUCT)], {"Accept": media}) for media in GRAPH_TYPES],
    ([("query", DESCRIBE)], {"Accept": "application/n-triples"}),
    ([("query", DEFAULT_LABELS), ("default-graph-uri", G1)], {}),
    ([("query", LABELS), ("named-graph-uri", G2)], {}),
    ([("query", LABELS), ("format", "csv")], {}),
    ([("query", "ASK {}")], {"Accept": "application/sparql-results+xml;q=0.5, */*;q=0.1"}),
    ([("query", "SELECT")], {}),  # syntax error: raised by the store, answered by QueryByGet
    ([("query", "  ")], {}),  # the rest are turned away by QueryByGet, answered by the route
    ([("query", LABELS), ("query", LABELS)], {}),
    ([("query", "INSERT DATA { <a:b> <a:c> <a:d> }")], {}),
    ([("query", LABELS)], {"Accept": "image/png"}),
    ([("query", DEFAULT_LABELS), ("default-graph-uri", "not an iri")], {}),
    ([("query", "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")], {}),
    ([("query", LABELS), ("update", "CLEAR ALL")], {}),
    ([("format", "json")], {}),  # no query: the service description
]


@pytest.fixture(scope="module")
def route_only(app_parts: tuple[Settings, Store]) -> Iterator[TestClient]:
    """The same app with QueryByGet taken out: every GET goes through FastAPI's route."""
    settings, store = app_parts
    app = create_app(settings, store)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not QueryByGet]
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize("case", range(len(GET_CASES)))
def test_query_by_get_answers_as_the_route_does(
    client: TestClient, route_only: TestClient, case: int
) -> None:
    params, headers = GET_CASES[case]
    fast = client.get("/sparql", params=params, headers=headers)
    slow = route_only.get("/sparql", params=params, headers=headers)
    assert fast.status_code == slow.status_code
    kept = ("content-type", "vary", "content-length")
    assert {k: fast.headers.get(k) for k in kept} == {k: slow.headers.get(k) for k in kept}
    if fast.headers["content-type"].startswith(tuple(GRAPH_TYPES)):
        media = fast.headers["content-type"].split(";")[0]
        parsed = [Graph().parse(data=r.text, format=GRAPH_PARSERS[media]) for r in (fast, slow)]
        assert isomorphic(*parsed)
    else:
        assert fast.content == slow.content


def test_query_by_get_answers_queries_and_passes_on_the_rest(
    app_parts: tuple[Settings, Store],
) -> None:
    """Over an app that answers 599 to everything: QueryByGet answers what it takes."""
    settings, store = app_parts

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("passed on", status_code=599)(scope, receive, send)

    state = SimpleNamespace(settings=settings, store=store)
    fast = TestClient(QueryByGet(inner, state))  # no lifespan: not entered
    answered = fast.get("/sparql", params={"query": LABELS})
    assert answered.status_code == 200 and labels(answered) == ["alpha", "beta"]
    assert problem(fast.get("/sparql", params={"query": "SELECT"}), 400)
    for params in ({"query": ""}, {"update": "CLEAR ALL"}, {}):
        assert fast.get("/sparql", params=params).status_code == 599
    assert fast.get("/sparql/", params={"query": LABELS}).status_code == 599
    assert fast.post("/sparql", data={"query": LABELS}).status_code == 599
    assert fast.head("/sparql", params={"query": LABELS}).status_code == 599

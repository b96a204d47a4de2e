"""HTTP for the lookups and the REST resources, over both store kinds, plus the CLI and search.

Uses the fixture graph of test_lookups (tests/fixtures/lookups.trig); expected values are
read by hand from that file.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ontology.errors import InputError
from service import problems
from service.cli_query import parse_params, query_command
from service.lookups import load_registry
from service.routes import lookups as lookup_routes
from service.routes import resources
from service.search import SearchIndex, build_index, fold, rank
from service.settings import get_settings
from service.store.base import Store
from service.store.embedded import EmbeddedStore

FIXTURE = Path(__file__).parent.parent / "fixtures" / "lookups.trig"
REGISTRY = load_registry()
CASE = "https://w3id.org/coprod/id/case/"
WORK = "https://w3id.org/coprod/id/work/"




@pytest.fixture(scope="module")
def client(loaded: Store) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.store = loaded
    problems.install(app)
    app.include_router(lookup_routes.build_router(REGISTRY))
    app.include_router(resources.build_router(REGISTRY))
    with TestClient(app) as test_client:
        yield test_client


# ----------------------------------------------------------------- /api/queries


def test_the_list_describes_every_lookup(client: TestClient) -> None:
    body = client.get("/api/queries").json()
    names = [q["name"] for q in body["queries"]]
    assert names == sorted(lookup.name for lookup in REGISTRY) and len(names) >= 25
    cell = next(q for q in body["queries"] if q["name"] == "cases-by-cell")
    assert cell["summary"] and cell["description"]
    assert cell["parameters"][0]["enum"][4] == "jointly-jointly"


def test_a_lookup_answers_json_with_plain_values(client: TestClient) -> None:
    response = client.get("/api/queries/cases-by-start-year", params={"from": 1980, "to": 1995})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "cases-by-start-year"
    assert body["columns"] == ["case", "label", "startYear"]
    assert body["rows"][0] == {
        "case": CASE + "neighbourhood-watch-uk", "label": "Neighbourhood Watch (UK)",
        "startYear": 1982,
    }
    assert (body["limit"], body["offset"], body["next"]) == (100, 0, None)


def test_csv_by_format_or_accept(client: TestClient) -> None:
    by_format = client.get("/api/queries/cases-by-country?country=GBR&format=csv")
    by_accept = client.get("/api/queries/cases-by-country?country=GBR",
                           headers={"Accept": "text/csv, application/json;q=0.5"})
    for response in (by_format, by_accept):
        assert response.headers["content-type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(response.text)))
        assert table[0] == ["case", "label", "countryIri"]
        assert [row[0] for row in table[1:]] == [
            CASE + "expert-patients-programme", CASE + "neighbourhood-watch-uk",
            CASE + "rushey-green-time-bank",
        ]
    assert client.get("/api/queries/cases-by-country?country=GBR",
                      headers={"Accept": "image/png"}).status_code == 406


def test_pages_link_to_the_next(client: TestClient) -> None:
    first = client.get("/api/queries/authors?limit=5").json()
    assert first["next"] == "/api/queries/authors?limit=5&offset=5"
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert third["next"] is None
    names = [r["name"] for r in first["rows"] + second["rows"] + third["rows"]]
    assert len(names) == 12 == len(set(names))


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/queries/cases-by-cell?cell=full", "cell"),
        ("/api/queries/cases-by-country", "country"),
        ("/api/queries/cases?limit=5000", "limit"),
        ("/api/queries/cases?offset=-3", "offset"),
        ("/api/queries/cases?colour=red", "colour"),
        ("/api/queries/cases?format=xml", "format"),
        ("/api/queries/cases?country=GBR&country=FRA", "country"),
        ("/api/cases/Not%20A%20Slug", "id"),
        ("/api/search?q=", "q"),
        ("/api/search?q=x&kind=thing", "kind"),
    ],
)
def test_bad_input_is_a_400_problem(client: TestClient, url: str, field: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.json()["detail"]


def test_openapi_lists_typed_parameters(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    cell_route = spec["paths"]["/api/queries/cases-by-cell"]["get"]
    params = {p["name"]: p for p in cell_route["parameters"]}
    assert params["cell"]["schema"]["enum"][0] == "professionals-professionals"
    assert params["cell"]["example"] == "jointly-jointly"
    assert params["limit"]["schema"]["maximum"] == 1000
    years = {p["name"]: p for p in spec["paths"]["/api/cases"]["get"]["parameters"]}
    assert years["from"]["schema"] == {"type": "integer", "format": "year"}
    assert years["country"]["schema"]["pattern"] == "[A-Za-z]{3}"
    doi = spec["paths"]["/api/queries/work-by-doi"]["get"]["parameters"][0]
    assert doi["required"] is True and doi["schema"]["pattern"].startswith("^(https?")
    row = spec["paths"]["/api/queries/typology-matrix"]["get"]["responses"]["200"]
    assert "cases" in row["content"]["application/json"]["schema"]["properties"]["rows"][
        "items"]["properties"]


# ----------------------------------------------------------------- REST resources


def test_cases_list_takes_the_lookups_filters(client: TestClient) -> None:
    body = client.get("/api/cases?plans=jointly&delivers=jointly").json()
    assert [r["case"] for r in body["rows"]] == [CASE + "rushey-green-time-bank"]


def test_one_case(client: TestClient) -> None:
    doc = client.get("/api/cases/neighbourhood-watch-uk").json()
    assert doc["label"] == "Neighbourhood Watch (UK)"
    assert doc["countryCode"] == "GBR" and doc["startYear"] == 1982
    assert doc["phases"] == ["https://w3id.org/coprod/ontology#CoDelivery"]
    assert doc["works"] == [
        {"work": WORK + "parks-1981-consumers",
         "title": "Consumers as Coproducers of Public Services: Some Economic and "
                  "Institutional Considerations", "year": 1981},
    ]
    assert "note" not in doc  # empty values are left out
    missing = client.get("/api/cases/no-such-case")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_one_work_by_slug_and_by_doi(client: TestClient) -> None:
    by_slug = client.get("/api/works/loeffler-2016-user").json()
    by_doi = client.get("/api/works/10.1080/01900692.2016.1250559").json()
    assert by_slug == by_doi
    assert [a["name"] for a in by_slug["authors"]] == ["Elke Loeffler", "Tony Bovaird"]
    assert by_slug["cites"] == [WORK + "alford-2002-why"]
    bovaird = client.get("/api/works/https://doi.org/10.1111/j.1540-6210.2007.00773.x").json()
    assert bovaird["citedBy"] == [WORK + "needham-2008-realising"]
    assert bovaird["venueLabel"] == "Public Administration Review"
    assert client.get("/api/works/10.9999/nothing").status_code == 404


def test_concepts_of_a_scheme(client: TestClient) -> None:
    body = client.get("/api/concepts/FourCosScheme").json()
    assert [r["label"] for r in body["rows"]] == [
        "co-assessment", "co-commissioning", "co-delivery", "co-design",
    ]
    assert all(r["definition"] and r["source"] for r in body["rows"])
    assert client.get("/api/concepts/NoSuchScheme").status_code == 404


def test_typology(client: TestClient) -> None:
    body = client.get("/api/typology").json()
    assert body["matrix"] == {
        "professionals": {"professionals": 1, "jointly": 1, "community": 0},
        "jointly": {"professionals": 2, "jointly": 1, "community": 0},
        "community": {"professionals": 0, "jointly": 1, "community": 0},
    }
    assert body["total"] == 6 and len(body["cells"]) == 9


def test_search_is_ranked_and_folds_case_and_accents(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "WHANAU"}).json()
    assert [h["iri"] for h in body["hits"]] == [CASE + "family-group-conferences"]
    body = client.get("/api/search", params={"q": "time bank"}).json()
    assert body["hits"][0]["iri"] == CASE + "rushey-green-time-bank"
    assert body["hits"][0]["kind"] == "case"
    works = client.get("/api/search", params={"q": "coproduction", "kind": "work"}).json()
    assert works["total"] >= 3 and all(h["kind"] == "work" for h in works["hits"])
    prefix = client.get("/api/search", params={"q": "copro", "limit": 2}).json()
    assert len(prefix["hits"]) == 2 and prefix["next"] == "/api/search?q=copro&limit=2&offset=2"


def test_search_sees_new_data_after_invalidate(client: TestClient, loaded: Store) -> None:
    graph = "https://w3id.org/coprod/graph/test-extra"
    assert client.get("/api/search", params={"q": "Löffler"}).json()["total"] == 0
    loaded.replace_graph(
        graph,
        b'<https://w3id.org/coprod/id/person/loffler-x> '
        b'<http://www.w3.org/2000/01/rdf-schema#label> "Elke L\\u00F6ffler" .\n',
        "application/n-triples",
    )
    try:
        client.app.state.search.invalidate()  # type: ignore[attr-defined]
        body = client.get("/api/search", params={"q": "loffler"}).json()
        assert [h["label"] for h in body["hits"]] == ["Elke Löffler"]
    finally:
        loaded.drop_graph(graph)
        client.app.state.search.invalidate()  # type: ignore[attr-defined]


# ----------------------------------------------------------------- search internals


def test_folding_and_ranking_without_a_store() -> None:
    assert fold("Löffler ÉCOLE Straße") == "loffler ecole strasse"
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    desc = "http://purl.org/dc/terms/description"
    index = build_index([
        ("a", label, "Time bank"), ("b", desc, "a bank of time and a bank"),
        ("c", label, "Bank holiday"),
    ])
    ranked, total = rank(index, "time bank")
    assert total == 3
    assert [index.iris[doc] for doc, _, _ in ranked][:2] == ["a", "b"]


@pytest.mark.skipif(not os.environ.get("COPROD_BENCH"), reason="set COPROD_BENCH=1 to run")
def test_search_scale_100k(capsys: pytest.CaptureFixture[str]) -> None:
    """Prints build and query times for 100,000 synthetic case labels (no timed assertion)."""
    store = EmbeddedStore(None, timeout_s=300)
    words = ["time", "bank", "health", "police", "school", "budget", "housing", "care"]
    lines = []
    for i in range(100_000):
        iri = f"<https://w3id.org/coprod/id/case/c{i}>"
        text = f"{words[i % 8]} {words[(i // 8) % 8]} project {i} São Paulo"
        lines.append(f'{iri} <http://www.w3.org/2000/01/rdf-schema#label> "{text}" .')
        lines.append(f"{iri} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                     "<https://w3id.org/coprod/ontology#Case> .")
    store.replace_graph("https://w3id.org/coprod/graph/bench", "\n".join(lines).encode(),
                        "application/n-triples")
    index = SearchIndex()
    started = time.perf_counter()
    first = index.search(store, "time bank")
    total_build = time.perf_counter() - started
    timings = []
    for query in ("time bank", "sao paulo", "project 4242", "heal", "police school care"):
        result = index.search(store, query, limit=20)
        timings.append((query, result.total, result.query_ms))
    with capsys.disabled():
        print(f"\n100k labels: first search incl. fetch+build {total_build:.2f}s "
              f"(index build {first.build_s:.2f}s)")
        for query, total, ms in timings:
            print(f"  {query!r}: {total} matches, {ms:.1f} ms")
    assert first.total > 0
    store.close()


# ----------------------------------------------------------------- command line


def test_cli_prints_csv_and_tables(loaded: Store) -> None:
    out, err = io.StringIO(), io.StringIO()
    settings = get_settings()
    code = query_command("cases-by-country", ["--country", "NZL"], "csv",
                         settings=settings, store=loaded, out=out, err=err)
    assert code == 0, err.getvalue()
    assert out.getvalue().split("\r\n")[:2] == [
        "case,label,countryIri",
        f"{CASE}family-group-conferences,Family Group Conferences,"
        "http://publications.europa.eu/resource/authority/country/NZL",
    ]
    out = io.StringIO()
    assert query_command("typology-matrix", [], "table", settings=settings, store=loaded,
                         out=out, err=err) == 0
    assert "PlannedJointlyDeliveredJointly" in out.getvalue()
    err = io.StringIO()
    assert query_command("cases-by-cell", ["--cell=nope"], "csv", settings=settings,
                         store=loaded, out=io.StringIO(), err=err) == 2
    assert "cell" in err.getvalue()


def test_cli_parses_parameters() -> None:
    assert parse_params(["--from", "1990", "--to=2000"]) == {"from": "1990", "to": "2000"}
    for bad in (["1990"], ["--from"], ["--a", "1", "--a", "2"]):
        with pytest.raises(InputError):
            parse_params(bad)

"""The cataloguing API and form on both store kinds: create, correct, history with PROV, the
write rule, field-level 422s, an inconsistent edit that changes nothing, and the lookups
showing corrected values.

The store holds real data: the EU country table and the COFOG labels from
sources/authorities, the works of sources/works.bib and two cases of sources/cases.csv, mapped
by the build's own readers and mappers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.namespace import SKOS

from ingest.iris import Minter
from ingest.mappers.cases import map_cases
from ingest.mappers.works import map_works
from ingest.readers.bibtex import read_bibtex
from ingest.readers.cases_csv import read_cases_csv
from ingest.records import CaseRecord, WorkRecord
from service.app import create_app
from service.settings import get_settings
from service.store.base import NTRIPLES, Store

ROOT = Path(__file__).parents[2]
BASE = "https://w3id.org/coprod/"
TOKEN = "catalogue-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CASE_ID = "rushey-green-time-bank"
CASE = f"{BASE}id/case/{CASE_ID}"
EDITS = f"{BASE}graph/catalogue-edits"
CANON_CASES = f"{BASE}graph/canon-cases"


def _nt(graph: Graph) -> bytes:
    return graph.serialize(format="nt", encoding="utf-8")


@pytest.fixture(scope="module")
def graphs() -> dict[str, bytes]:
    """The source graphs, mapped once for the module."""
    countries = Graph().parse(ROOT / "sources/authorities/countries-skos-en.ttl")
    cofog_all = Graph().parse(ROOT / "sources/authorities/cofog.ttl")
    cofog = Graph()
    for triple in cofog_all.triples((None, SKOS.prefLabel, None)):
        cofog.add(triple)
    works = [r for r in read_bibtex(ROOT / "sources/works.bib").records
             if isinstance(r, WorkRecord)]
    cases = [r for r in read_cases_csv(ROOT / "sources/cases.csv").records
             if isinstance(r, CaseRecord) and r.id in (CASE_ID, "expert-patients-programme")]
    assert len(cases) == 2
    return {
        f"{BASE}graph/eu-countries": _nt(countries),
        f"{BASE}graph/cofog": _nt(cofog),
        f"{BASE}graph/canon-works": _nt(map_works(works, Minter())),
        CANON_CASES: _nt(map_cases(cases, Minter())),
    }


@pytest.fixture
def client(store: Store, graphs: dict[str, bytes], tmp_path: Path) -> TestClient:
    for name, data in graphs.items():
        store.replace_graph(name, data, NTRIPLES)
    settings = get_settings(data_dir=tmp_path, write_token=TOKEN)
    return TestClient(create_app(settings, store))


def dump(store: Store) -> set[tuple[str, ...]]:
    rows = store.select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    return {tuple(str(row[k]) for k in ("g", "s", "p", "o")) for row in rows}


def new_case(**changes: Any) -> dict[str, Any]:
    case = {
        "id": "test-garden-share", "name": "Test garden share",
        "description": "A case made up for this test only.", "place": "Testtown",
        "country": "GBR", "start_year": "2001", "service_area": "07.2",
        "who_plans": "jointly", "who_delivers": "community",
        "discussed_in": ["bovaird2007beyond"], "sources": ["https://example.org/case"],
        "status": "unconfirmed", "unverified": ["who_plans"], "editorial_note": "test data",
        "agent": "Test Cataloguer",
    }
    case.update(changes)
    return case


def current_fields(client: TestClient) -> dict[str, Any]:
    """The canon case as the edit form would prefill it, via its record in the store."""
    page = client.get(f"/catalogue/cases/{CASE_ID}/edit")
    assert page.status_code == 200
    values = dict(re.findall(r'<input id="f-(\w+)" name="\w+" type="text" value="([^"]*)"',
                             page.text))
    assert values["id"] == CASE_ID
    return values


def test_create_then_conflict_and_history(client: TestClient, store: Store) -> None:
    answer = client.post("/api/catalogue/cases", json=new_case(), headers=AUTH)
    assert answer.status_code == 201, answer.text
    iri = answer.json()["iri"]
    assert iri == f"{BASE}id/case/test-garden-share"
    assert store.ask(f"ASK {{ GRAPH <{EDITS}> {{ <{iri}> a <{BASE}ontology#Case> }} }}")
    # The reasoner placed it in its Bovaird cell, in the edits' inferred graph.
    assert store.ask(f"ASK {{ GRAPH <{EDITS}-inferred> {{ <{iri}> a "
                     f"<{BASE}ontology#PlannedJointlyDeliveredByCommunity> }} }}")
    again = client.post("/api/catalogue/cases", json=new_case(), headers=AUTH)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    history = client.get("/api/catalogue/history/case/test-garden-share").json()
    [entry] = history["changes"]
    assert entry["action"] == "create" and entry["agent"] == "Test Cataloguer"
    assert entry["replaced"] is None and entry["when"]
    assert {"field": "name", "before": None, "after": "Test garden share"} in entry["changes"]
    # The catalogue describes the edits graph with its licence.
    assert store.ask(f"ASK {{ GRAPH <{BASE}graph/catalog> {{ <{EDITS}> "
                     "<http://purl.org/dc/terms/license> "
                     "<https://creativecommons.org/licenses/by/4.0/> } }")


def test_correction_wins_and_history_lists_both_versions(
    client: TestClient, store: Store
) -> None:
    before = client.get(f"/api/cases/{CASE_ID}").json()
    old_name = "Rushey Green Time Bank"
    assert old_name in str(before)
    fields = client.get(f"/catalogue/cases/{CASE_ID}/edit")
    assert fields.status_code == 200 and old_name in fields.text
    body = new_case(id=CASE_ID, name="Rushey Green Time Bank (corrected)",
                    discussed_in=[], agent="https://orcid.org/0000-0000-0000-0001")
    answer = client.put(f"/api/catalogue/cases/{CASE_ID}", json=body, headers=AUTH)
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == 2
    # The build graph no longer holds the record; the edit is the one version queries see.
    assert not store.ask(f"ASK {{ GRAPH <{CANON_CASES}> {{ <{CASE}> ?p ?o }} }}")
    labels = store.select(f"SELECT ?l WHERE {{ GRAPH ?g {{ <{CASE}> "
                          "<http://www.w3.org/2000/01/rdf-schema#label> ?l } }").rows
    assert [str(r["l"]) for r in labels] == ["Rushey Green Time Bank (corrected)"]
    after = client.get(f"/api/cases/{CASE_ID}").json()
    assert "Rushey Green Time Bank (corrected)" in str(after)
    # A second correction, by someone else, through the header.
    body2 = dict(body, start_year="2000")
    body2.pop("agent")
    second = client.put(f"/api/catalogue/cases/{CASE_ID}", json=body2,
                        headers={**AUTH, "X-Coprod-Agent": "Second Cataloguer"})
    assert second.status_code == 200, second.text
    assert second.json()["version"] == 3
    changes = client.get(f"/api/catalogue/history/case/{CASE_ID}").json()["changes"]
    assert [c["action"] for c in changes] == ["correct", "correct"]
    first, last = changes
    assert first["agent_iri"] == "https://orcid.org/0000-0000-0000-0001"
    assert first["replaced"] == f"{CASE}/version/1" and first["version"] == f"{CASE}/version/2"
    assert last["replaced"] == f"{CASE}/version/2" and last["agent"] == "Second Cataloguer"
    assert {"field": "name", "before": old_name,
            "after": "Rushey Green Time Bank (corrected)"} in first["changes"]
    assert [c["field"] for c in last["changes"]] == ["start_year"]
    assert first["when"] <= last["when"]
    # The replaced build version keeps its exact triples (reified) and where they came from.
    assert store.ask(f"""ASK {{ GRAPH <{BASE}graph/catalogue-history> {{
        <{CASE}/version/1> <http://www.w3.org/ns/prov#hadPrimarySource> <{CANON_CASES}> .
        ?st <http://purl.org/dc/terms/isPartOf> <{CASE}/version/1> ;
            <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <{CASE}> ;
            <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> "{old_name}"@en }} }}""")
    page = client.get(f"/catalogue/history/case/{CASE_ID}")
    assert page.status_code == 200 and "Second Cataloguer" in page.text
    record_page = client.get(f"/id/case/{CASE_ID}.html")
    assert f'href="/catalogue/history/case/{CASE_ID}"' in record_page.text


def test_writes_need_the_token(client: TestClient, store: Store) -> None:
    before = dump(store)
    assert client.post("/api/catalogue/cases", json=new_case()).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.post("/api/catalogue/cases", json=new_case(), headers=wrong).status_code == 403
    assert client.put(f"/api/catalogue/cases/{CASE_ID}", json=new_case(id=CASE_ID),
                      headers=wrong).status_code == 403
    assert dump(store) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"country": "XYZ"}, "country"),
        ({"start_year": "20x1"}, "start_year"),
        ({"discussed_in": ["no-such-work-key"]}, "discussed_in"),
        ({"service_area": "99"}, "service_area"),
        ({"agent": ""}, "agent"),
        ({"sources": ["https://example.org/a>b"]}, "sources"),
    ],
)
def test_bad_fields_are_422_naming_the_field(
    client: TestClient, store: Store, changes: dict[str, Any], field: str
) -> None:
    before = dump(store)
    answer = client.post("/api/catalogue/cases", json=new_case(**changes), headers=AUTH)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in problem["fields"]
    row = next(r for r in problem["rows"] if r["field"] == field)
    assert row["message"]
    assert dump(store) == before


def test_inconsistent_edit_leaves_the_store_unchanged(client: TestClient, store: Store) -> None:
    # Another graph says the case is planned by professionals; who_plans is functional and
    # its values are declared different, so an edit saying "jointly" contradicts it.
    store.replace_graph(f"{BASE}graph/annotations",
                        f"<{CASE}> <{BASE}ontology#whoPlans> "
                        f"<{BASE}ontology#PlannedByProfessionals> .\n".encode(), NTRIPLES)
    before = dump(store)
    body = new_case(id=CASE_ID, name="Rushey Green Time Bank", who_plans="jointly",
                    discussed_in=[])
    answer = client.put(f"/api/catalogue/cases/{CASE_ID}", json=body, headers=AUTH)
    assert answer.status_code == 422, answer.text
    assert "who_plans" in answer.json()["fields"]
    assert "inconsistent" in answer.json()["detail"]
    assert dump(store) == before


def test_put_of_an_unknown_record_is_404(client: TestClient) -> None:
    answer = client.put("/api/catalogue/cases/no-such-case", json=new_case(id="no-such-case"),
                        headers=AUTH)
    assert answer.status_code == 404


def test_work_create_and_correct(client: TestClient, store: Store) -> None:
    work = {
        "key": "testwork2020", "kind": "article", "title": "A test work",
        "authors": [{"family": "Tester", "given": "Ann"}, {"family": "Second"}],
        "year": 2020, "venue": "Journal of Tests", "volume": "1", "issue": "2",
        "pages": "3-4", "doi": "10.1234/test.1", "sources": ["https://example.org/w"],
        "status": "unconfirmed", "agent": "Test Cataloguer",
    }
    created = client.post("/api/catalogue/works", json=work, headers=AUTH)
    assert created.status_code == 201, created.text
    bad = client.put("/api/catalogue/works/testwork2020", json=dict(work, year="3000"),
                     headers=AUTH)
    assert bad.status_code == 422 and "year" in bad.json()["fields"]
    fixed = client.put("/api/catalogue/works/testwork2020",
                       json=dict(work, title="A corrected test work"), headers=AUTH)
    assert fixed.status_code == 200, fixed.text
    changes = client.get("/api/catalogue/history/work/testwork2020").json()["changes"]
    assert [c["action"] for c in changes] == ["create", "correct"]
    assert changes[1]["changes"] == [
        {"field": "title", "before": "A test work", "after": "A corrected test work"}]
    titles = store.select(f"SELECT ?t WHERE {{ GRAPH ?g {{ <{BASE}id/work/testwork2020> "
                          "<http://purl.org/dc/terms/title> ?t } }").rows
    assert [str(r["t"]) for r in titles] == ["A corrected test work"]
    authors = store.select(f"SELECT ?p WHERE {{ GRAPH ?g {{ <{BASE}id/work/testwork2020/authors> "
                           "<http://www.w3.org/1999/02/22-rdf-syntax-ns#_1> ?p } }").rows
    assert len(authors) == 1


def test_form_shows_messages_next_to_fields_and_saves(client: TestClient, store: Store) -> None:
    blank = client.get("/catalogue/cases/new")
    assert blank.status_code == 200
    assert '<label for="f-country">' in blank.text and 'type="password"' in blank.text
    assert blank.headers["content-security-policy"]
    form = {k: "\n".join(v) if isinstance(v, list) else str(v)
            for k, v in new_case(country="XYZ").items()}
    form["token"] = TOKEN
    answer = client.post("/catalogue/cases/new", data=form, follow_redirects=False)
    assert answer.status_code == 422
    assert re.search(r'id="f-country"[^>]*aria-invalid="true"', answer.text)
    assert 'id="e-country"' in answer.text and "country authority" in answer.text
    no_token = client.post("/catalogue/cases/new", data=dict(form, token=""),
                           follow_redirects=False)
    assert no_token.status_code == 401 and 'id="e-token"' in no_token.text
    saved = client.post("/catalogue/cases/new", data=dict(form, country="GBR"),
                        follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/catalogue/history/case/test-garden-share"
    assert store.ask(f"ASK {{ GRAPH <{EDITS}> {{ <{BASE}id/case/test-garden-share> "
                     f"<{BASE}ontology#country> ?c }} }}")
    values = current_fields(client)
    assert values["country"] == "GBR"


def test_a_reload_of_the_build_graph_does_not_undo_a_correction(
    client: TestClient, store: Store, graphs: dict[str, bytes]
) -> None:
    from ingest.edits import reapply_request

    body = new_case(id=CASE_ID, name="Corrected name", discussed_in=[])
    assert client.put(f"/api/catalogue/cases/{CASE_ID}", json=body,
                      headers=AUTH).status_code == 200
    # `coprod load` replaces the build graphs with the file's content again...
    store.replace_graph(CANON_CASES, graphs[CANON_CASES], NTRIPLES)
    assert store.ask(f"ASK {{ GRAPH <{CANON_CASES}> {{ <{CASE}> ?p ?o }} }}")
    # ...and the reapply step removes what the edits replaced, leaving other cases alone.
    store.update(reapply_request(BASE))
    assert not store.ask(f"ASK {{ GRAPH <{CANON_CASES}> {{ <{CASE}> ?p ?o }} }}")
    assert store.ask(f"ASK {{ GRAPH <{CANON_CASES}> {{ <{BASE}id/case/expert-patients-programme>"
                     " ?p ?o } }")
    labels = store.select(f"SELECT ?l WHERE {{ GRAPH ?g {{ <{CASE}> "
                          "<http://www.w3.org/2000/01/rdf-schema#label> ?l } }").rows
    assert [str(r["l"]) for r in labels] == ["Corrected name"]

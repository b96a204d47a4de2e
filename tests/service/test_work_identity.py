"""One work found in several sources (same DOI) is one record, in a build and in an import."""

import json
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import DCTERMS

from ingest.build import build
from ingest.importing import plan_import
from ingest.iris import Minter
from ingest.mappers.cases import map_cases
from ingest.mappers.works import map_works
from ingest.records import CaseRecord, Origin, Person, WorkRecord
from ontology.namespaces import COP
from service.importer import StoreTarget, known_works
from service.loading import load_artefact
from service.store.embedded import EmbeddedStore

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sources"
BASE = "https://w3id.org/coprod/"
DOI = "10.1111/j.1540-6210.2007.00773.x"
ORIGIN = Origin("test", "x")


def work(key: str, doi: str | None) -> WorkRecord:
    return WorkRecord(key=key, kind="article", title="Beyond Engagement and Participation",
                      origin=ORIGIN, authors=[Person("Bovaird", "Tony")], year=2007, doi=doi)


def test_same_doi_in_two_sources_is_one_work_and_keys_of_both_find_it() -> None:
    minter = Minter()
    minter.register_works([("bovaird2007beyond", DOI), ("bovaird2007", DOI)])
    first = map_works([work("bovaird2007beyond", DOI)], minter)
    second = map_works([work("bovaird2007", DOI)], minter)
    subjects = {s for s in first.subjects(DCTERMS.identifier)} | {
        s for s in second.subjects(DCTERMS.identifier)}
    assert subjects == {URIRef(BASE + "id/work/bovaird2007beyond")}
    case = CaseRecord(id="c", name="C", origin=ORIGIN, discussed_in=["bovaird2007"])
    linked = set(map_cases([case], minter).objects(None, COP.discussedIn))
    assert linked == subjects


def test_an_import_of_a_work_the_store_holds_adds_to_that_record(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    build(FIXTURE, out)
    store = EmbeddedStore(tmp_path / "store")
    try:
        load_artefact(store, out)
        known = known_works(StoreTarget(store), BASE)
    finally:
        store.close()
    assert known[f"doi:{DOI}"] == BASE + "id/work/bovaird2007beyond"
    csl = tmp_path / "zotero.json"
    csl.write_text(json.dumps([{
        "id": "bovaird-zotero", "type": "article-journal",
        "title": "Beyond Engagement and Participation: User and Community Coproduction of "
                 "Public Services",
        "author": [{"family": "Bovaird", "given": "Tony"}],
        "issued": {"date-parts": [[2007]]}, "DOI": DOI.upper(),
    }]), encoding="utf-8")
    plan = plan_import(csl, known_works=known)
    assert plan.ok
    assert URIRef(BASE + "id/work/bovaird2007beyond") in set(plan.data.subjects())
    assert URIRef(BASE + "id/work/bovaird-zotero") not in set(plan.data.subjects())

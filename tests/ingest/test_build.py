"""The whole build on the tiny real fixture: graphs, provenance, reasoning, determinism."""

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef
from rdflib.namespace import RDF

from ingest.artefact import ARTEFACT, iter_graphs
from ingest.build import BuildFailed, build
from ontology import DEFAULT_BASE
from ontology.namespaces import COP, DCTERMS

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sources"
G = DEFAULT_BASE + "graph/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Dataset]:
    out = tmp_path_factory.mktemp("build")
    build(FIXTURE, out)
    dataset = Dataset()
    dataset.parse(out / ARTEFACT, format="nquads")
    return out, dataset


def test_one_named_graph_per_source_plus_derived(built: tuple[Path, Dataset]) -> None:
    _, dataset = built
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert {G + n for n in ("test-works", "test-cases", "cofog", "eu-countries", "ontology",
                            "inferred", "catalog")} <= names


def test_full_coproduction_is_inferred_from_the_axes(built: tuple[Path, Dataset]) -> None:
    _, dataset = built
    inferred = dataset.graph(URIRef(G + "inferred"))
    full = set(inferred.subjects(RDF.type, COP.PlannedJointlyDeliveredJointly))
    assert full == {URIRef(DEFAULT_BASE + "id/case/condominial-sewerage")}
    cell = COP.PlannedByProfessionalsDeliveredByProfessionals
    traditional = set(inferred.subjects(RDF.type, cell))
    assert traditional == {URIRef(DEFAULT_BASE + "id/case/nigerian-primary-education")}


def test_only_cases_are_inferred_to_be_cases(built: tuple[Path, Dataset]) -> None:
    """Nothing but a record typed as a case in its source (no place, no work) becomes a
    cop:Case through a property's domain."""
    _, dataset = built
    inferred = set(dataset.graph(URIRef(G + "inferred")).subjects(RDF.type, COP.Case))
    stated = {
        s for g in dataset.graphs() if not str(g.identifier).startswith(G + "inferred")
        for s in g.subjects(RDF.type, COP.Case)
    }
    places = {
        s for g in dataset.graphs() for s in g.subjects(RDF.type, URIRef("https://schema.org/Place"))
    }
    assert places, "the fixture has places"
    assert inferred - stated == set()
    assert not places & (inferred | stated)


def test_catalog_records_source_checksum_and_licence(built: tuple[Path, Dataset]) -> None:
    _, dataset = built
    catalog = dataset.graph(URIRef(G + "catalog"))
    works = URIRef(G + "test-works")
    assert str(catalog.value(works, DCTERMS.source)).endswith("works.bib")
    assert len(str(catalog.value(works, COP.sha256))) == 64
    assert catalog.value(works, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/")


def test_same_input_gives_same_triples(built: tuple[Path, Dataset], tmp_path: Path) -> None:
    out, _ = built
    build(FIXTURE, tmp_path, force=True)
    first = {g: d for g, d in iter_graphs(out) if not g.endswith("/catalog")}
    second = {g: d for g, d in iter_graphs(tmp_path) if not g.endswith("/catalog")}
    assert first == second


def test_unchanged_sources_are_not_rebuilt(built: tuple[Path, Dataset]) -> None:
    out, _ = built
    assert build(FIXTURE, out).skipped


def test_other_base_moves_every_minted_iri(tmp_path: Path) -> None:
    build(FIXTURE, tmp_path, base="http://localhost:9/kg/")
    text = (tmp_path / ARTEFACT).read_text(encoding="utf-8")
    assert "<http://localhost:9/kg/id/case/condominial-sewerage>" in text
    assert "<https://w3id.org/coprod/" not in text


def test_a_bad_record_fails_the_build_and_writes_nothing(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(FIXTURE, sources)
    for name in ("cofog.ttl", "countries-skos-en.ttl"):
        shutil.copy(FIXTURE.parents[2] / "sources" / "authorities" / name, sources / name)
    toml = (sources / "sources.toml").read_text().replace("../../../sources/authorities/", "")
    (sources / "sources.toml").write_text(toml)
    with (sources / "cases.csv").open("a", encoding="utf-8") as out:
        out.write("atlantis,Atlantis,,,ATL,,07,,,nowhere2020,,,,\n")
    out_dir = tmp_path / "out"
    with pytest.raises(BuildFailed) as failure:
        build(sources, out_dir)
    found = {(p.record, p.field) for p in failure.value.problems}
    assert {("atlantis", "country"), ("atlantis", "discussed_in")} <= found
    assert not (out_dir / ARTEFACT).exists()

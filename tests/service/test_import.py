"""`coprod import` for real: bad inputs change nothing, re-import is a no-op, quarantine,
Participedia loads, and imports go through a running `coprod serve` on the embedded store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.store.embedded import EmbeddedStore
from tests.oxigraph_server import free_port

ROOT = Path(__file__).parents[2]
BAD = ROOT / "tests" / "fixtures" / "bad"
PARTICIPEDIA = ROOT / "sources" / "participedia"
BAD_FILES = [
    "truncated.ris", "malformed.ris", "latin1.ris", "problems.ris", "truncated.json",
    "problems.csl.json", "problems.crossref.json", "binary.json", "cases_export_problems.csv",
    "cases_2018_problems.json",
]


def dump(data_dir: Path) -> set[str]:
    store = EmbeddedStore(data_dir / "store")
    try:
        return {str(q) for q in store._reader.quads_for_pattern(None, None, None, None)}
    finally:
        store.close()


def run(data_dir: Path, *args: str) -> tuple[int, str]:
    env = {"COPROD_DATA_DIR": str(data_dir), "COPROD_SOURCES_DIR": str(ROOT / "sources")}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    code, out = run(folder, "import", str(ROOT / "sources" / "works.bib"))
    assert code == 0, out
    return folder


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_input_gives_clear_error_and_leaves_store_unchanged(
    data_dir: Path, name: str
) -> None:
    before = dump(data_dir)
    code, out = run(data_dir, "import", str(BAD / name))
    assert code == 1
    assert "nothing was written" in out or "Import failed" in out
    assert dump(data_dir) == before


def test_same_file_again_changes_nothing(data_dir: Path) -> None:
    before = dump(data_dir)
    code, out = run(data_dir, "import", str(ROOT / "sources" / "works.bib"))
    assert code == 0 and "unchanged" in out
    assert dump(data_dir) == before


def test_quarantine_loads_the_good_records_and_writes_the_bad(
    data_dir: Path, tmp_path: Path
) -> None:
    aside = tmp_path / "aside.json"
    code, out = run(data_dir, "import", str(BAD / "problems.ris"), "--quarantine", str(aside))
    assert code == 0, out
    items = json.loads(aside.read_text(encoding="utf-8"))
    assert items and all(item["reasons"] for item in items)
    assert "triples written" in out


def test_all_participedia_forms_import(tmp_path: Path) -> None:
    files = [
        PARTICIPEDIA / "participedia-2017-migration",
        PARTICIPEDIA / "participedia-2018-json",
        PARTICIPEDIA / "participedia-export" / "cases_export_sample.csv",
        PARTICIPEDIA / "participedia-export" / "methods_export_sample.csv",
    ]
    code, out = run(tmp_path, "import", *map(str, files))
    assert code == 0, out
    assert out.count("triples written") == 4
    code, nc_free = run(tmp_path, "export", "cases", "--no-nc")
    assert code == 0 and len(nc_free.splitlines()) == 1  # header only: all cases are NC


def test_import_goes_through_the_running_service(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "COPROD_DATA_DIR": str(tmp_path), "COPROD_WRITE_TOKEN": "s3cret",
           "COPROD_SOURCES_DIR": str(ROOT / "sources")}
    coprod = str(Path(sys.executable).parent / "coprod")
    server = subprocess.Popen([coprod, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        assert (tmp_path / "serve.json").exists()
        done = subprocess.run(
            [coprod, "import", str(PARTICIPEDIA / "participedia-export" /
                                   "cases_export_sample.csv")],
            env=env, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "running service" in done.stderr
        query = urllib.parse.quote(
            "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g "
            "{ ?c a <https://w3id.org/coprod/ontology#Case> } }")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/sparql?query={query}",
            headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            rows = json.load(answer)["results"]["bindings"]
        assert rows[0]["n"]["value"] == "10"
    finally:
        server.terminate()
        server.wait(timeout=20)
    # uvicorn may re-raise SIGTERM before the file is removed; a dead pid must not count.
    from service.importer import running_service

    assert running_service(tmp_path) is None

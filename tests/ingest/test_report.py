"""Validation report rows, CSV (formula-safe) and HTML (escaped)."""

import csv
import io
from pathlib import Path

from ingest.importing import plan_problems
from ingest.report import has_errors, safe_cell, to_csv, to_html

BAD = Path(__file__).parents[1] / "fixtures" / "bad"
AUTHORITIES = Path(__file__).parents[2] / "sources" / "authorities"


def test_reader_problems_become_rows_with_line_field_value_and_expectation() -> None:
    count, rows = plan_problems(BAD / "problems.ris", authorities=AUTHORITIES)
    assert count >= 1 and has_errors(rows)
    doi = next(r for r in rows if r.field == "DO")
    assert doi.line and doi.record and doi.value == "World Development 24(6)"
    assert doi.expected.startswith("expected a DOI")


def test_csv_neutralises_formulas_and_html_escapes() -> None:
    _, rows = plan_problems(BAD / "cases_export_problems.csv", authorities=AUTHORITIES)
    parsed = list(csv.reader(io.StringIO(to_csv(rows))))
    assert parsed[0][:3] == ["severity", "file", "line"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in parsed for cell in row)
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("\tx") == "'\tx"
    page = to_html(rows)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page.lower()


def test_unreadable_file_is_one_error_row() -> None:
    _, rows = plan_problems(BAD / "binary.json", authorities=AUTHORITIES)
    assert has_errors(rows) and rows[0].file.endswith("binary.json")

"""The validation report a cataloguer acts on: one row per problem, as a table, CSV or HTML.

Readers' problems (`InputError`) and SHACL results (`Violation`) become the same kind of row:
severity, file, line, record, field, value, expected, message.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import asdict, dataclass

from ontology.errors import InputError
from ontology.validate import Violation

COLUMNS = ["severity", "file", "line", "record", "field", "value", "expected", "message"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ReportRow:
    """One problem: where it is, what was found, what is expected."""

    severity: str  # "error" blocks a load; "warning" and "info" do not
    file: str
    line: str
    record: str
    field: str
    value: str
    expected: str
    message: str


def from_problem(problem: InputError) -> ReportRow:
    """A reader's problem as a row; readers write what is expected into the message."""
    return ReportRow(
        severity="error",
        file=problem.file or "",
        line="" if problem.line is None else str(problem.line),
        record=problem.record or "",
        field=problem.field or "",
        value="" if problem.value is None else str(problem.value),
        expected=_expected(problem.message),
        message=problem.message,
    )


def from_violation(violation: Violation, file: str = "", line: str = "") -> ReportRow:
    """A SHACL result as a row; the shape's message says what is expected."""
    severity = {"Violation": "error", "Warning": "warning"}.get(violation.severity, "info")
    return ReportRow(
        severity=severity,
        file=file,
        line=line,
        record=violation.record or violation.focus,
        field=violation.field,
        value=violation.value or "",
        expected=violation.message,
        message=violation.message,
    )


def _expected(message: str) -> str:
    # Readers phrase it "...; expected X" or "expected X"; keep only that part when present.
    lower = message.lower()
    at = lower.find("expected")
    return message[at:] if at >= 0 else ""


def has_errors(rows: list[ReportRow]) -> bool:
    """True when any row blocks a load."""
    return any(row.severity == "error" for row in rows)


def safe_cell(value: str) -> str:
    """Neutralise spreadsheet formula injection: a leading `'` before =, +, -, @, tab, CR."""
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(rows: list[ReportRow]) -> str:
    """The report as CSV with a header row; every cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(str(v)) for v in asdict(row).values()])
    return out.getvalue()


def to_html(rows: list[ReportRow], title: str = "coprod validation report") -> str:
    """A small self-contained HTML page with one table; every value escaped."""
    errors = sum(row.severity == "error" for row in rows)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = "".join(
        f'<tr class="{html.escape(row.severity)}">'
        + "".join(f"<td>{html.escape(str(v))}</td>" for v in asdict(row).values())
        + "</tr>\n"
        for row in rows
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:2px 6px;vertical-align:top;text-align:left}"
        "tr.error td:first-child{color:#b00;font-weight:bold}"
        "tr.warning td:first-child{color:#a60}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p>{len(rows)} problem(s), {errors} error(s).</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>"
        "</body></html>\n"
    )

"""Cataloguing endpoints: the case template, exports, and edits with PROV history.

`POST /api/catalogue/{cases|works}` adds a record, `PUT .../{id}` corrects one, both behind the
write token and with an agent; `ingest/edits.py` checks the record as the readers do and builds
the one SPARQL Update that writes it. The form under `/catalogue/...` does the same for people.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ingest import edits
from ingest.readers.cases_csv import COLUMNS
from ingest.records import CaseRecord
from ingest.report import ReportRow, from_problem, safe_cell
from ontology.errors import InputError
from service.auth import require_write
from service.changes import data_changed
from service.importer import export_records
from service.problems import Conflict, Forbidden, NotFound, Unauthorized, problem_response
from service.routes.pages import Site, not_found, render
from service.routes.sparql import check_iri

SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:.-]{0,200}$")

router = APIRouter(tags=["catalogue"])


@router.get("/api/template/cases.csv")
def case_template() -> Response:
    """The blank case CSV template: the header row of the documented columns."""
    header = ",".join(safe_cell(c) for c in COLUMNS) + "\r\n"
    return Response(
        header,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"'},
    )


@router.get("/api/export/{what}")
def export(
    request: Request, what: str, format: str = "csv", no_nc: bool = False, iri: str | None = None
) -> Response:
    """Works as bibtex, ris, csl-json or csv; cases as csv. `no_nc` drops NC-licensed graphs."""
    if what not in ("works", "cases"):
        raise InputError("export works or cases", field="what", value=what)
    if iri is not None:
        check_iri(iri, "iri")  # refuses anything that could break out of <...>
    settings = request.app.state.settings
    media_type, text = export_records(
        request.app.state.store, settings.base_iri, what=what, fmt=format, no_nc=no_nc, iri=iri
    )
    return Response(text, media_type=f"{media_type}; charset=utf-8")


# --- cataloguing writes: add or correct a case or a work, with PROV history ----------------

KINDS = {"cases": "case", "works": "work"}
# One edit at a time in this process: version numbers are read, then written.
_EDIT_LOCK = threading.Lock()


@dataclass
class Outcome:
    """What one submitted edit did: the plan written, or the rows that stopped it."""

    kind: str
    iri: str
    version: int = 0
    rows: list[ReportRow] = field(default_factory=list)
    created: bool = False

    def as_json(self) -> dict[str, Any]:
        """The JSON answer of the API."""
        return {"iri": self.iri, "version": self.version, "created": self.created,
                "history": f"/api/catalogue/history/{self.kind}/{self.iri.rsplit('/', 1)[-1]}"}


def _kind(plural: str) -> str:
    if plural not in KINDS:
        raise NotFound("cataloguing handles cases and works")
    return KINDS[plural]


def _id_field(kind: str) -> str:
    return "id" if kind == "case" else "key"


def submit(
    state: Any, kind: str, fields: dict[str, Any], *, agent: str, path_id: str | None
) -> Outcome:
    """Check one case or work and write it in one update; rows when it cannot be written."""
    settings = state.settings
    store = state.store
    base = settings.base_iri
    id_name = _id_field(kind)
    if path_id is not None:
        given = str(fields.get(id_name) or "").strip()
        if given and given != path_id:
            return Outcome(kind, "", rows=[_row(path_id, id_name, given,
                                                "the id in the body differs from the address")])
        fields = {**fields, id_name: path_id}
    if not agent.strip() or len(agent) > 300:
        return Outcome(kind, "", rows=[_row(str(fields.get(id_name) or ""), "agent", agent[:300],
                                            "say who makes the change: a name or an IRI, "
                                            "up to 300 characters")])
    record, problems = (edits.case_from_fields(fields) if kind == "case"
                        else edits.work_from_fields(fields))
    if record is None:
        return Outcome(kind, "", rows=[from_problem(p) for p in problems])
    key = record.id if isinstance(record, CaseRecord) else record.key
    iri = edits.record_iri(kind, key, base)
    with _EDIT_LOCK:
        current = edits.read_current(store, kind, iri, base)
        if path_id is None and current.exists:
            raise Conflict(f"a {kind} with the {id_name} {key!r} exists: correct it with PUT")
        if path_id is not None and not current.exists:
            raise NotFound(f"no {kind} with the {id_name} {key!r}: add it with POST")
        plan = edits.plan_edit(store, kind, record, current, base=base, agent=agent.strip(),
                               when=datetime.now(UTC))
        if not plan.ok:
            return Outcome(kind, str(iri), rows=plan.rows)
        store.update(plan.update)
        data_changed(state)
    return Outcome(kind, str(iri), version=plan.version, created=not current.exists)


def _row(record: str, field_name: str, value: str, message: str) -> ReportRow:
    return ReportRow("error", edits.ORIGIN, "", record, field_name, value, "", message)


def invalid(rows: list[ReportRow]) -> Response:
    """422 problem+json listing the report rows."""
    fields = sorted({r.field for r in rows if r.field})
    return problem_response(
        422, "invalid-record", "Invalid record",
        "The record was not written: " + "; ".join(
            f"{r.field or 'record'}: {r.message}" for r in rows if r.severity == "error"),
        extra={"fields": fields, "rows": [
            {"field": r.field, "value": r.value, "expected": r.expected, "message": r.message,
             "severity": r.severity} for r in rows]},
    )


def _write(request: Request, plural: str, body: dict[str, Any], path_id: str | None,
           authorization: str | None, agent_header: str | None) -> Response:
    kind = _kind(plural)
    state = request.app.state
    require_write(state.settings, authorization)
    fields = dict(body)
    agent = str(fields.pop("agent", None) or agent_header or "")
    try:
        outcome = submit(state, kind, fields, agent=agent, path_id=path_id)
    except Conflict as exc:
        return problem_response(409, exc.code, "Conflict", str(exc))
    if outcome.rows:
        return invalid(outcome.rows)
    return JSONResponse(outcome.as_json(), status_code=201 if outcome.created else 200,
                        headers={"Location": outcome.iri})


@router.post("/api/catalogue/{plural}")
def create_record(
    request: Request, plural: str, body: dict[str, Any] = Body(...),  # noqa: B008
    authorization: str | None = Header(None),
    x_coprod_agent: str | None = Header(None),
) -> Response:
    """Add a case or a work (JSON with the case CSV columns or the work fields); 409 if it
    exists. Needs the write token and an agent (`agent` field or `X-Coprod-Agent`)."""
    return _write(request, plural, body, None, authorization, x_coprod_agent)


@router.put("/api/catalogue/{plural}/{key}")
def correct_record(
    request: Request, plural: str, key: str, body: dict[str, Any] = Body(...),  # noqa: B008
    authorization: str | None = Header(None),
    x_coprod_agent: str | None = Header(None),
) -> Response:
    """Replace a case or a work with a corrected full version; the old one goes to history."""
    return _write(request, plural, body, key, authorization, x_coprod_agent)


def _history(request: Request, kind: str, key: str) -> tuple[str, list[dict[str, Any]]]:
    if kind not in edits.FIELDS:
        raise NotFound("history is kept for cases and works")
    base = request.app.state.settings.base_iri
    iri = edits.record_iri(kind, key, base)
    graph = request.app.state.store.construct(edits.history_query(iri, base))
    return str(iri), edits.history_entries(graph)


@router.get("/api/catalogue/history/{kind}/{key}")
def history(request: Request, kind: str, key: str) -> dict[str, Any]:
    """The changes to one record, oldest first: when, who, fields before and after."""
    iri, entries = _history(request, kind, key)
    return {"iri": iri, "changes": entries}


# --- the web form --------------------------------------------------------------------------


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    site = Site(request.app.state.registry.base)
    return render(name, status, site=site, path=request.url.path, **context)


@router.get("/catalogue/history/{kind}/{key}", response_class=HTMLResponse,
            include_in_schema=False)
def history_page(request: Request, kind: str, key: str) -> HTMLResponse:
    """The history of one record as a page."""
    if kind not in edits.FIELDS or not SLUG.match(key):
        return not_found(request, f"/catalogue/history/{kind}/{key}")
    iri, entries = _history(request, kind, key)
    return _page(request, "catalogue_history.html", title=f"History of {kind} {key}",
                 kind=kind, key=key, iri=iri, entries=entries)


def _form_values(kind: str, fields: dict[str, Any]) -> dict[str, str]:
    """Record fields as the text the form shows (lists one per line, authors 'Family, Given')."""
    out: dict[str, str] = {}
    for name, value in fields.items():
        if name == "authors":
            out[name] = "\n".join(
                f"{a['family']}, {a['given']}" if a.get("given") else a["family"]
                for a in value or [])
        elif isinstance(value, list):
            out[name] = ", ".join(value) if name == "unverified" else "\n".join(value)
        else:
            out[name] = "" if value is None else str(value)
    return out


def _from_form(kind: str, form: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in edits.FIELDS[kind]:
        text = form.get(name, "").strip()
        if name in ("discussed_in", "sources"):
            fields[name] = [line.strip() for line in text.splitlines() if line.strip()]
        elif name == "authors":
            fields[name] = [
                {"family": family.strip(), "given": given.strip()}
                for family, _, given in (line.partition(",") for line in text.splitlines())
                if family.strip() or given.strip()]
        elif name == "unverified":
            fields[name] = [part.strip() for part in text.split(",") if part.strip()]
        else:
            fields[name] = text
    return fields


def _form(request: Request, kind: str, key: str | None, values: dict[str, str],
          rows: list[ReportRow] | None = None, message: str = "", status: int = 200,
          agent: str = "") -> HTMLResponse:
    errors: dict[str, list[str]] = {}
    for row in rows or []:
        errors.setdefault(row.field if row.field in edits.FIELDS[kind] or row.field in (
            "agent", "token") else "", []).append(row.message)
    plural = f"{kind}s"
    action = f"/catalogue/{plural}/{key}/edit" if key else f"/catalogue/{plural}/new"
    title = (f"Correct {kind} {key}" if key else f"Add a {kind}")
    return _page(request, "catalogue_form.html", status, title=title, kind=kind, key=key,
                 action=action, values=values, errors=errors, message=message, agent=agent,
                 fields=edits.FIELDS[kind])


@router.get("/catalogue/{plural}/new", response_class=HTMLResponse, include_in_schema=False)
def new_form(request: Request, plural: str) -> HTMLResponse:
    """The blank form for a new case or work."""
    if plural not in KINDS:
        return not_found(request, f"/catalogue/{plural}/new")
    return _form(request, KINDS[plural], None, {})


@router.get("/catalogue/{plural}/{key}/edit", response_class=HTMLResponse,
            include_in_schema=False)
def edit_form(request: Request, plural: str, key: str) -> HTMLResponse:
    """The form prefilled with the record as it is now."""
    if plural not in KINDS or not SLUG.match(key):
        return not_found(request, f"/catalogue/{plural}/{key}/edit")
    kind, base = KINDS[plural], request.app.state.settings.base_iri
    current = edits.read_current(request.app.state.store, kind,
                                 edits.record_iri(kind, key, base), base)
    if current.record is None:
        return not_found(request, f"/catalogue/{plural}/{key}/edit")
    fields = edits.record_fields(current.record)
    return _form(request, kind, str(fields[_id_field(kind)]), _form_values(kind, fields))


def _post_form(request: Request, plural: str, key: str | None,
               form: dict[str, str]) -> Response:
    kind = KINDS[plural]
    values = {name: form.get(name, "") for name in edits.FIELDS[kind]}
    agent = form.get("agent", "").strip()
    token = form.get("token", "").strip()
    state = request.app.state
    try:
        require_write(state.settings, f"Bearer {token}" if token else None)
    except (Unauthorized, Forbidden) as exc:
        row = _row(key or "", "token", "", str(exc))
        return _form(request, kind, key, values, [row], status=401 if isinstance(
            exc, Unauthorized) else 403, agent=agent)
    try:
        outcome = submit(state, kind, _from_form(kind, form), agent=agent, path_id=key)
    except (Conflict, NotFound) as exc:
        return _form(request, kind, key, values, [_row(key or "", _id_field(kind), "",
                     str(exc))], status=409 if isinstance(exc, Conflict) else 404, agent=agent)
    if outcome.rows:
        return _form(request, kind, key, values, outcome.rows, status=422, agent=agent,
                     message="The record was not saved: correct the fields marked below.")
    slug = outcome.iri.rsplit("/", 1)[-1]
    # 303 so a reload of the next page does not post the form again.
    return RedirectResponse(f"/catalogue/history/{kind}/{slug}", status_code=303)


async def _read_form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


@router.post("/catalogue/{plural}/new", include_in_schema=False)
async def post_new(request: Request, plural: str) -> Response:
    """Add a record from the form."""
    if plural not in KINDS:
        return not_found(request, f"/catalogue/{plural}/new")
    form = await _read_form(request)
    return await run_in_threadpool(_post_form, request, plural, None, form)


@router.post("/catalogue/{plural}/{key}/edit", include_in_schema=False)
async def post_edit(request: Request, plural: str, key: str) -> Response:
    """Correct a record from the form."""
    if plural not in KINDS or not SLUG.match(key):
        return not_found(request, f"/catalogue/{plural}/{key}/edit")
    form = await _read_form(request)
    return await run_in_threadpool(_post_form, request, plural, key, form)

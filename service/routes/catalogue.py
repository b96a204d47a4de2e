"""Cataloguing endpoints: the blank case template and exports of works and cases.

Writes (adding or correcting a case or a work with PROV history) are not here yet; imports go
through `coprod import`, which sends one SPARQL Update to /sparql with the write token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ingest.readers.cases_csv import COLUMNS
from ingest.report import safe_cell
from ontology.errors import InputError
from service.importer import export_records
from service.routes.sparql import check_iri

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

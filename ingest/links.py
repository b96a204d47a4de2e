"""Authority linking checks: countries, COFOG codes and work keys must resolve."""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import SKOS

from ingest.records import CaseRecord, WorkRecord
from ontology.errors import InputError
from ontology.namespaces import COFOG, COUNTRY


def known_codes(graph: Graph, namespace: str) -> set[str]:
    """Local names of the subjects in `graph` under `namespace` (country codes, COFOG ids)."""
    return {
        str(subject)[len(namespace) :]
        for subject in graph.subjects(SKOS.prefLabel, None)
        if str(subject).startswith(namespace)
    }


def check_cases(
    cases: list[CaseRecord],
    works: list[WorkRecord],
    countries: set[str],
    cofog: set[str],
) -> list[InputError]:
    """Every unresolved link, named by file, record and field."""
    problems = []
    keys = {work.key for work in works}
    for case in cases:

        def problem(field: str, value: str, message: str, case: CaseRecord = case) -> None:
            problems.append(
                InputError(
                    message,
                    file=case.origin.file,
                    record=case.id,
                    field=field,
                    value=value,
                    line=case.origin.line,
                )
            )

        if countries and case.country and case.country not in countries:
            problem("country", case.country, "not in the EU country authority table")
        if cofog and case.service_area and case.service_area.replace(".", "") not in cofog:
            problem("service_area", case.service_area, "not a COFOG code")
        for key in case.discussed_in:
            if key not in keys:
                problem("discussed_in", key, "no work with this key in the works sources")
    return problems


COUNTRY_NS = str(COUNTRY)
COFOG_NS = str(COFOG)

"""Export writers: BibTeX, RIS, CSL-JSON, CSV; formula injection neutralised."""

import csv
import io
import json

from ingest.export import ExportWork, allowed_graphs, to_bibtex, to_csl_json, to_ris, works_to_csv

# Bovaird 2007 as in /work/shared/reference (confirmed); the second is a crafted formula title.
WORK = ExportWork(
    iri="https://w3id.org/coprod/id/work/bovaird2007beyond",
    key="bovaird2007beyond",
    kind="JournalArticle",
    title="Beyond Engagement and Participation: User and Community Coproduction of Public Services",
    authors=[("Bovaird", "Tony")],
    year="2007",
    venue="Public Administration Review",
    volume="67",
    issue="5",
    page_start="846",
    page_end="860",
    doi="10.1111/j.1540-6210.2007.00773.x",
)
FORMULA = ExportWork(iri="urn:x", key="x", kind="", title="=HYPERLINK(\"http://e\")")


def test_bibtex_ris_and_csl_carry_the_fields() -> None:
    bib = to_bibtex([WORK])
    assert bib.startswith("@article{bovaird2007beyond,") and "pages = {846--860}" in bib
    ris = to_ris([WORK])
    assert "TY  - JOUR\r\n" in ris and "DO  - 10.1111/j.1540-6210.2007.00773.x" in ris
    item = json.loads(to_csl_json([WORK]))[0]
    assert item["issued"] == {"date-parts": [[2007]]} and item["page"] == "846-860"


def test_csv_neutralises_formula_cells() -> None:
    rows = list(csv.reader(io.StringIO(works_to_csv([WORK, FORMULA]))))
    assert rows[2][2].startswith("'=")


def test_no_nc_leaves_out_non_commercial_graphs() -> None:
    licences = {"g1": "https://creativecommons.org/licenses/by-nc-sa/3.0/",
                "g2": "https://creativecommons.org/licenses/by/4.0/"}
    assert allowed_graphs(["g1", "g2"], licences, no_nc=True) == ["g2"]
    assert allowed_graphs(["g1", "g2"], licences, no_nc=False) == ["g1", "g2"]

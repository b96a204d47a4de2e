"""The case CSV reader on the fixture and on broken input."""

from pathlib import Path

from ingest.readers.cases_csv import COLUMNS, read_cases_csv, template
from ingest.records import CaseRecord, WhoDelivers, WhoPlans

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sources" / "cases.csv"


def test_reads_the_fixture() -> None:
    result = read_cases_csv(FIXTURE)
    assert result.problems == []
    cases = {c.id: c for c in result.records if isinstance(c, CaseRecord)}
    sewerage = cases["condominial-sewerage"]
    assert (sewerage.who_plans, sewerage.who_delivers) == (WhoPlans.JOINTLY, WhoDelivers.JOINTLY)
    assert sewerage.unverified == ["who_plans", "who_delivers"]
    time_bank = cases["rushey-green-time-bank"]
    assert time_bank.who_plans is None and time_bank.start_year == 2000
    assert time_bank.place == "Catford, Lewisham"
    assert cases["nigerian-primary-education"].discussed_in == ["ostrom1996crossing"]


def test_bad_rows_are_named_by_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        template()
        + "ok-case,A case,,,GBR,1999,07,jointly,,,,,,\n"
        + "ok-case,Duplicate,,,,,,,,,,,,\n"
        + "future,Future,,,,3020,,,,,,,,\n"
        + "Bad Id,X,,,gb,,7,maybe,,,,,,\n"
        + ",No id,,,,,,,,,,,,\n",
        encoding="utf-8-sig",
    )
    result = read_cases_csv(path)
    assert [c.id for c in result.records] == ["ok-case"]  # type: ignore[attr-defined]
    found = {(p.line, p.field) for p in result.problems}
    assert (3, "id") in found
    assert (4, "start_year") in found
    assert {(5, "id"), (5, "country"), (5, "service_area"), (5, "who_plans")} <= found
    assert (6, "id") in found


def test_unknown_column_stops_the_file(tmp_path: Path) -> None:
    path = tmp_path / "typo.csv"
    path.write_text("id,name,who_plan\nx,Y,jointly\n", encoding="utf-8")
    result = read_cases_csv(path)
    assert result.records == []
    assert "who_plan" in result.problems[0].message


def test_template_has_every_column() -> None:
    assert template().strip().split(",") == COLUMNS

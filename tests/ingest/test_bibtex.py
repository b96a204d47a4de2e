"""The BibTeX reader on the fixture and on broken input."""

from pathlib import Path

from ingest.readers.bibtex import read_bibtex
from ingest.records import Confirmation, WorkRecord

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sources" / "works.bib"


def test_reads_every_entry_with_its_fields() -> None:
    result = read_bibtex(FIXTURE)
    assert result.problems == []
    works = {w.key: w for w in result.records if isinstance(w, WorkRecord)}
    assert set(works) == {"bovaird2007beyond", "whitaker1980coproduction", "ostrom1996crossing"}
    bovaird = works["bovaird2007beyond"]
    assert bovaird.kind == "article"
    assert bovaird.authors[0].family == "Bovaird" and bovaird.authors[0].given == "Tony"
    assert (bovaird.volume, bovaird.issue, bovaird.page_start, bovaird.page_end) == (
        "67", "5", "846", "860")
    assert bovaird.doi == "10.1111/j.1540-6210.2007.00773.x"
    assert bovaird.status is Confirmation.CONFIRMED
    assert bovaird.origin.line == 2
    assert works["ostrom1996crossing"].editorial_note == "DOI derived from the printed PII."


def test_broken_entries_are_named_and_the_rest_still_read(tmp_path: Path) -> None:
    bib = tmp_path / "bad.bib"
    bib.write_text(
        "@article{good2001, title={Fine}, author={Doe, Jane}, year={2001}}\n"
        "@article{noyear, title={T}, year={20x1}}\n"
        "@article{baddoi, title={T}, doi={not-a-doi}}\n"
        "@article{notitle, year={1999}}\n"
        "@article{good2001, title={Again}}\n"
        "\n"
        "@article{broken, title={unterminated, year={2001}\n",
        encoding="utf-8",
    )
    result = read_bibtex(bib)
    assert [w.key for w in result.records] == ["good2001"]  # type: ignore[attr-defined]
    found = {(p.record, p.field) for p in result.problems}
    assert ("noyear", "year") in found
    assert ("baddoi", "doi") in found
    assert ("notitle", "title") in found
    assert ("good2001", "ID") in found
    # A duplicate and a block that fails to parse are each placed on their own "@" line.
    lines = {(p.record, p.field, p.line) for p in result.problems}
    assert ("good2001", "ID", 5) in lines
    assert ("broken", None, 7) in lines
    assert all(p.file == str(bib) for p in result.problems)


def test_latex_accents_become_unicode(tmp_path: Path) -> None:
    bib = tmp_path / "accents.bib"
    bib.write_text('@book{l2006, title={Q}, author={L{\\"o}ffler, Elke}, year={2006}}\n',
                   encoding="utf-8")
    (work,) = read_bibtex(bib).records
    assert work.authors[0].family == "Löffler"  # type: ignore[attr-defined]


def test_wrong_encoding_is_one_clear_problem(tmp_path: Path) -> None:
    bib = tmp_path / "latin1.bib"
    bib.write_bytes("@book{l2006, title={Löffler}, year={2006}}\n".encode("latin-1"))
    result = read_bibtex(bib)
    assert result.records == []
    assert "UTF-8" in result.problems[0].message


def test_each_entry_is_placed_on_the_line_of_its_at_sign(tmp_path: Path) -> None:
    bib = tmp_path / "lines.bib"
    # Made-up entries; blank lines before an entry must not move it up.
    bib.write_text(
        "@article{one2001, title={One}, author={Doe, Jane}, year={2001}}\n"
        "\n\n"
        "@article{two2002,\n  title={Two},\n  author={Doe, Jane},\n  year={2002}\n}\n",
        encoding="utf-8",
    )
    works = {w.key: w for w in read_bibtex(bib).records if isinstance(w, WorkRecord)}
    assert works["one2001"].origin.line == 1
    assert works["two2002"].origin.line == 4


def test_strings_concatenations_months_and_corporate_names(tmp_path: Path) -> None:
    bib = tmp_path / "macros.bib"
    # Made-up entries exercising BibTeX macros.
    bib.write_text(
        '@STRING{pa = "Public Administration"}\n'
        "@Article{up2002, Title = {Upper {CASE} Title}, Journal = pa # { Review},\n"
        "  Month = jan, Year = 2002, Volume = 12,\n"
        "  Author = {{World Health Organization} and M{\\\"u}ller, J{\\'e}r{\\^o}me}}\n"
        '@misc{q2003, title = "A " # pa # " note", year = {2003}, doi = {10.5555/A_{B}}}\n',
        encoding="utf-8",
    )
    result = read_bibtex(bib)
    assert result.problems == []
    works = {w.key: w for w in result.records if isinstance(w, WorkRecord)}
    up = works["up2002"]
    assert (up.title, up.venue, up.year, up.volume) == (
        "Upper CASE Title", "Public Administration Review", 2002, "12")
    assert [(p.family, p.given) for p in up.authors] == [
        ("World Health Organization", ""), ("Müller", "Jérôme")]
    assert works["q2003"].title == "A Public Administration note"
    assert works["q2003"].doi == "10.5555/a_b"

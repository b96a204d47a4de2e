"""The pages in a real browser (Debian chromium through Playwright) over the shipped data."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from tests.web.conftest import Served


def test_home_page_says_what_the_graph_holds(page: Any, served: Served) -> None:
    page.goto(served.url + "/")
    assert page.title() == "coprod"
    cases = int(page.locator(".stats li").first.locator(".n").inner_text())
    assert cases > 0
    # The skip link is the first thing a keyboard reaches, and it lands on the content.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    licences = page.locator("table tbody td:nth-child(3)").all_inner_texts()
    assert "CC BY-NC-SA 3.0" in licences and "CC BY 4.0" in licences


def test_matrix_cell_leads_to_its_cases_and_a_case_page(page: Any, served: Served) -> None:
    page.goto(served.url + "/typology")
    cells = page.locator("a.cell")
    assert cells.count() == 9
    full = page.locator('a.cell[data-cell="jointly-jointly"]')
    count = int(full.locator(".count").inner_text())
    assert count >= 1, "the shipped data has full-coproduction cases"
    # Reach the cell with the keyboard, as a keyboard user would.
    full.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cases\?cell=jointly-jointly$"))
    rows = page.locator("table.list tbody tr")
    assert rows.count() == count
    assert page.locator("#f-cell").input_value() == "jointly-jointly"
    first = rows.first.locator("a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/id/case/[a-z0-9-]+\.html$"))
    assert page.locator("h1").inner_text() == name
    assert "full coproduction" in page.locator(".cellbox").inner_text()
    assert page.locator("#h-sources").count() == 1
    assert page.locator('a[href$=".ttl"]').count() == 1
    assert page.locator("#h-prov ~ div table tbody tr").count() >= 1


def test_query_editor_runs_a_query_and_shows_its_rows(page: Any, served: Served) -> None:
    page.goto(served.url + "/query")
    page.wait_for_function("window.coprodYasgui && window.coprodYasgui.getTab()")
    query = (
        "PREFIX cop: <https://w3id.org/coprod/ontology#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?case ?label WHERE { ?case a cop:PlannedJointlyDeliveredJointly ; "
        "rdfs:label ?label } ORDER BY ?label"
    )
    # Type into the CodeMirror editor like a user: select all, then type the query.
    page.locator(".yasqe .CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(query)
    page.keyboard.press("Control+Enter")
    table = page.locator(".yasr table tbody tr")
    table.first.wait_for()
    texts = " ".join(table.all_inner_texts())
    # The same cases the named query returns, through the REST route.
    lookup = served.url + "/api/queries/cases-by-cell?cell=jointly-jointly"
    with urllib.request.urlopen(lookup) as r:
        expected = [row["label"] for row in json.load(r)["rows"]]
    assert expected
    assert table.count() == len(expected)
    for label in expected:
        assert label in texts


def test_example_picker_loads_an_example(page: Any, served: Served) -> None:
    page.goto(served.url + "/query")
    page.wait_for_function("window.coprodYasgui && window.coprodYasgui.getTab()")
    page.select_option("#example", "graphs-and-licences")
    page.click("#load-example")
    value = page.evaluate("window.coprodYasgui.getTab().getYasqe().getValue()")
    assert "graphs and licences" not in value  # the text is the query, not the summary
    assert "dcterms:license" in value or "license" in value


def test_phone_width_has_no_sideways_scroll(browser: Any, served: Served) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        page = context.new_page()
        for path in ("/", "/cases", "/typology", "/charts"):
            page.goto(served.url + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"
    finally:
        context.close()

"""The HTML pages over HTTP (no browser): headers, escaping, filters, 404s, static files.

Runs against the real app served by uvicorn over the shipped data (the `served` fixture).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from tests.web.conftest import Served


def fetch(served: Served, path: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(served.url + path, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
    except urllib.error.HTTPError as exc:
        body = exc.read().decode()
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, body


def api(served: Served, path: str) -> dict:
    with urllib.request.urlopen(served.url + path, timeout=30) as r:
        return json.load(r)


@pytest.mark.parametrize("path", ["/", "/cases", "/works", "/typology", "/charts", "/query"])
def test_every_page_is_html_with_the_security_headers(served: Served, path: str) -> None:
    status, headers, body = fetch(served, path)
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert '<html lang="en">' in body and 'href="#main"' in body
    # Nothing is loaded from another host.
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', body)


def test_every_form_control_has_a_label(served: Served) -> None:
    for path in ("/cases", "/works", "/query"):
        _, _, body = fetch(served, path)
        ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', body)
        assert ids
        for control in ids:
            assert f'<label for="{control}"' in body, f"{path}: #{control} has no label"


def test_case_list_matches_the_cases_lookup(served: Served) -> None:
    # A filtered list is counted on its last page only (issue #9): page through it.
    rows = api(served, "/api/queries/cases?country=GBR&limit=1000")["rows"]
    expected = {str(r["case"]).split("/id/", 1)[1] for r in rows}
    listed: list[str] = []
    for page in range(1, 10):
        _, _, body = fetch(served, f"/cases?country=GBR&page={page}")
        listed += re.findall(r'<td><a href="/id/([a-z]+/[a-z0-9-]+)\.html"', body)
        if 'rel="next"' not in body:
            break
        assert "<strong>More than" in body and f"Page {page}<" in body
    shown = int(re.search(r"<strong>(\d+)</strong> case", body).group(1))
    assert shown == len(listed) == len(expected) > 50
    assert set(listed) == expected


def test_unfiltered_lists_are_counted_and_paged(served: Served) -> None:
    for path, noun in (("/cases", "case"), ("/works", "work")):
        _, _, first = fetch(served, path)
        total = int(re.search(rf"<strong>(\d+)</strong> {noun}s? found", first).group(1))
        rows = api(served, f"/api/queries/{noun}s-page?limit=1000")["rows"]
        assert total == len(rows) > 50
        pages = -(-total // 50)
        assert f"Page 1 of {pages}<" in first and 'rel="next"' in first
        _, _, last = fetch(served, f"{path}?page={pages}")
        assert 'rel="next"' not in last and 'rel="prev"' in last
        assert last.count("<tr>") - 1 == total - 50 * (pages - 1)
        linked = re.findall(r'<td><a href="(/id/[a-z]+/[a-z0-9-]+\.html)"', last)
        assert linked[-1] == "/id/" + str(rows[-1][noun]).split("/id/", 1)[1] + ".html"
    status, _, body = fetch(served, "/works?page=300000")
    assert status == 400 and "page" in body


def test_matrix_counts_match_the_cell_lists(served: Served) -> None:
    _, _, body = fetch(served, "/typology")
    cells = re.findall(r'data-cell="([a-z]+-[a-z]+)" aria-label="[^"]*: (\d+) cases?"', body)
    assert len(cells) == 9
    for cell, count in cells:
        _, _, listed = fetch(served, f"/cases?cell={cell}")
        assert f"<strong>{count}</strong> case" in listed


def test_bad_filter_is_a_400_page_not_an_error(served: Served) -> None:
    status, headers, body = fetch(served, "/cases?from=19x9")
    assert status == 400 and headers["content-type"].startswith("text/html")
    assert 'role="alert"' in body and "from" in body


def test_user_input_is_escaped(served: Served) -> None:
    status, _, body = fetch(served, "/works?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert status == 200
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


def test_case_page_shows_sources_status_and_licence(served: Served) -> None:
    status, _, body = fetch(served, "/id/case/neighbourhood-watch-uk.html")
    assert status == 200
    record = api(served, "/api/cases/neighbourhood-watch-uk")
    for page in record["sources"]:
        assert f'href="{page}"' in body
    assert "Confirmation:" in body
    assert 'href="/id/case/neighbourhood-watch-uk.ttl"' in body
    assert "graph/canon-cases" in body and "CC BY 4.0" in body


def test_participedia_record_shows_the_non_commercial_licence(served: Served) -> None:
    rows = api(served, "/api/queries/records-by-licence?licence="
               "https%3A%2F%2Fcreativecommons.org%2Flicenses%2Fby-nc-sa%2F3.0%2F&limit=50")["rows"]
    case = next(r for r in rows if "/id/case/" in str(r.get("record", "")))
    path = case["record"].split("/coprod", 1)[1] + ".html"
    status, _, body = fetch(served, path)
    assert status == 200
    assert "CC BY-NC-SA 3.0" in body and "non-commercial" in body


def test_concept_page_links_back_to_cases(served: Served) -> None:
    status, _, body = fetch(served, "/concept/PlannedJointlyDeliveredJointly")
    assert status == 200 and "full coproduction" in body


@pytest.mark.parametrize("path", [
    "/id/case/no-such-case.html", "/id/thing/x.html", "/concept/NoSuchTerm",
    "/static/../routes/pages.py", "/static/%2e%2e/routes/pages.py", "/static/nothing.css",
])
def test_unknown_things_are_404(served: Served, path: str) -> None:
    status, _, _ = fetch(served, path)
    assert status == 404


def test_yasgui_is_served_by_coprod(served: Served) -> None:
    status, headers, body = fetch(served, "/static/vendor/yasgui/yasgui.min.js")
    assert status == 200 and "javascript" in headers["content-type"]
    assert "Yasgui" in body and "sourceMappingURL" not in body[-300:]

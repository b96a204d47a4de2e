"""Server-rendered HTML pages: home, browse, record pages, the typology matrix, charts, SPARQL.

Data comes from the lookup registry (bound parameters) and from a few fixed queries on the
store seam whose only variable part is an IRI built here from a checked slug or local name;
user input is never pasted into SPARQL. Routes are plain `def`, so the blocking store calls
run in FastAPI's thread pool.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import URIRef

from ontology.errors import InputError
from service.deadline import Deadline
from service.lookups import MAX_OFFSET, Registry, Value, plain
from service.store.base import Store

HERE = Path(__file__).resolve().parent.parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
EXAMPLES = HERE.parent / "queries" / "examples"
PAGE_SIZE = 50
MAX_PAGE = MAX_OFFSET // PAGE_SIZE + 1
CASE_FILTERS = ("cell", "plans", "delivers", "country", "area", "from", "to", "q")
WORK_FILTERS = ("author", "from", "to", "venue", "q")
CASE_DETAILS = ("countryCode", "startYear", "whoPlans", "whoDelivers")
# What an unfiltered list counts: its records of a type with a name (see `_count`).
COUNTED = {"cases-page": ("cop:Case", "rdfs:label"),
           "works-page": ("schema:CreativeWork", "dcterms:title")}
RECORD_TYPES = {"case", "work", "person", "org", "place", "venue", "method"}
ROLES = ("professionals", "jointly", "community")
# Tight enough to stop injected scripts and framing; YASGUI sets inline styles.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
LICENCES = {
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://creativecommons.org/licenses/by-nc-sa/3.0/": "CC BY-NC-SA 3.0",
    "https://creativecommons.org/licenses/by-nc-sa/4.0/": "CC BY-NC-SA 4.0",
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0",
}
# Labels for properties outside the coprod ontology (coprod's own come from the ontology graph).
PROPERTY_LABELS = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": "type",
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    "http://purl.org/dc/terms/source": "source",
    "http://purl.org/dc/terms/creator": "author",
    "http://purl.org/dc/terms/isPartOf": "published in",
    "http://purl.org/dc/terms/spatial": "place",
    "http://purl.org/dc/terms/subject": "subject",
    "http://purl.org/spar/fabio/hasPublicationYear": "publication year",
    "http://purl.org/ontology/bibo/doi": "DOI",
    "http://purl.org/ontology/bibo/authorList": "author list",
    "http://purl.org/spar/cito/cites": "cites",
    "http://www.w3.org/2004/02/skos/core#editorialNote": "editorial note",
    "http://www.w3.org/2004/02/skos/core#prefLabel": "preferred label",
    "http://www.w3.org/2004/02/skos/core#altLabel": "also called",
    "http://www.w3.org/2004/02/skos/core#inScheme": "in scheme",
    "https://schema.org/sameAs": "same as",
    "https://schema.org/url": "web page",
    "https://schema.org/startDate": "start date",
    "http://xmlns.com/foaf/0.1/name": "name",
}
DCT_SOURCE = "http://purl.org/dc/terms/source"
SKOS_NOTE = "http://www.w3.org/2004/02/skos/core#editorialNote"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,200}$")
_LOCAL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,100}$")
_YEAR = re.compile(r"^\d{4}$")
# IRIs put into the fixed queries come from the store; this only guards the `<...>` syntax.
_IRI = re.compile(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|^`\\]+$")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment over service/templates, autoescaping HTML."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["licence"] = licence_name
    return env


def render(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered as an HTML response with the security headers."""
    html = environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def licence_name(iri: Value) -> str:
    """A short name for a licence IRI, or the IRI itself."""
    return LICENCES.get(str(iri), str(iri or "unknown"))


def local_name(iri: str) -> str:
    """The part of an IRI after its last `#` or `/`."""
    return re.split(r"[#/]", iri.rstrip("/"))[-1]


def words(name: str) -> str:
    """`startDate` -> `start date`, for properties without a label."""
    return _CAMEL.sub(" ", name).lower()


class Site:
    """Turns IRIs into page links for one registry base."""

    def __init__(self, base: str) -> None:
        self.base = base

    def href(self, iri: Value) -> str | None:
        """The local page for a coprod IRI, or None for other IRIs."""
        text = str(iri or "")
        if text.startswith(self.base + "id/"):
            parts = text[len(self.base) + 3:].split("/")
            if len(parts) == 2 and parts[0] in RECORD_TYPES and _SLUG.match(parts[1]):
                return f"/id/{parts[0]}/{parts[1]}.html"
        if text.startswith(self.base + "ontology#"):
            local = text.split("#", 1)[1]
            if _LOCAL.match(local):
                return f"/concept/{local}"
        return None


def _rows(
    request: Request, name: str, values: Mapping[str, str] | None = None
) -> list[dict[str, Value]]:
    """All rows of a lookup, page by page (the lookups cap a page at 1000 rows)."""
    registry: Registry = request.app.state.registry
    store: Store = request.app.state.store
    limit = registry.get(name).max_limit
    rows: list[dict[str, Value]] = []
    offset = 0
    while True:
        page = registry.run(store, name, values or {}, limit=limit, offset=offset)
        rows.extend(page.rows)
        if not page.more or offset > 100_000:
            return rows
        offset += limit


def _select(request: Request, query: str) -> list[dict[str, Value]]:
    store: Store = request.app.state.store
    result = store.select(query)
    return [{k: plain(v) for k, v in row.items()} for row in result.rows]


def _labels(request: Request, iris: Iterable[Value]) -> dict[str, str]:
    """English (or untagged) labels of IRIs; the IRIs come from the store, never from input."""
    wanted = sorted({str(i) for i in iris if i and _IRI.match(str(i))})
    if not wanted:
        return {}
    values = " ".join(f"<{i}>" for i in wanted)
    rows = _select(request, f"""
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?s ?label WHERE {{
          VALUES ?s {{ {values} }}
          GRAPH ?g {{ ?s rdfs:label|skos:prefLabel ?label }}
          FILTER(LANG(?label) = "" || LANGMATCHES(LANG(?label), "en"))
        }} ORDER BY ?s ?label""")
    out: dict[str, str] = {}
    for row in rows:
        out.setdefault(str(row["s"]), str(row["label"]))
    return out


def _context(request: Request, **extra: Any) -> dict[str, Any]:
    site = Site(request.app.state.registry.base)
    return {"site": site, "path": request.url.path, **extra}


def not_found(request: Request, what: str) -> HTMLResponse:
    """The HTML 404 page."""
    return render("not_found.html", 404, **_context(request, title="Not found", what=what))


# ------------------------------------------------------------------------------------ pages


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """What the graph holds: counts, the named graphs with their licences, where to go next."""
    counts = _select(request, """
        PREFIX cop: <https://w3id.org/coprod/ontology#>
        PREFIX schema: <https://schema.org/>
        PREFIX foaf: <http://xmlns.com/foaf/0.1/>
        SELECT ?kind (COUNT(DISTINCT ?s) AS ?n) WHERE {
          VALUES (?kind ?type) { ("cases" cop:Case) ("works" schema:CreativeWork)
            ("people" foaf:Person) ("organisations" foaf:Organization) ("methods" cop:Method) }
          GRAPH ?g { ?s a ?type }
        } GROUP BY ?kind ORDER BY ?kind""".replace(
        "https://w3id.org/coprod/", request.app.state.registry.base))
    graphs = _rows(request, "graphs")
    return render("home.html", **_context(
        request, title="coprod", counts={str(r["kind"]): r["n"] for r in counts}, graphs=graphs))


def _one(values: Mapping[str, list[str]], name: str) -> str:
    got = values.get(name, [])
    if len(got) > 1:
        raise InputError("given more than once", field=name)
    return got[0].strip() if got else ""


def _query(request: Request, names: Iterable[str]) -> dict[str, str]:
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    return {name: _one(values, name) for name in names}


def _page_number(raw: str) -> int:
    if not raw:
        return 1
    if not re.fullmatch(r"\d{1,6}", raw) or not 1 <= int(raw) <= MAX_PAGE:
        raise InputError(f"expected a page number from 1 to {MAX_PAGE}", field="page",
                         value=raw[:20])
    return int(raw)


@dataclass(frozen=True)
class Listing:
    """One page of a browsed list and what is known of the list's length."""

    rows: list[dict[str, Value]]
    page: int
    more: bool
    total: int | None  # None: not counted (a filtered list before its last page)


def _listing(request: Request, deadline: Deadline, name: str, values: Mapping[str, str],
             page_no: int) -> Listing:
    """One page of lookup `name` and, when cheap, the list's length, within `deadline`.

    The page asks for PAGE_SIZE + 1 rows to know whether another follows. The length is exact
    on the last page; before it only an unfiltered list is counted, alongside the page: a
    filtered count would cost as much as the page itself.
    """
    registry: Registry = request.app.state.registry
    store: Store = request.app.state.store
    registry.get(name).bind(values)  # bad input is a 400 before any query starts
    offset = (page_no - 1) * PAGE_SIZE
    page = deadline.start(
        lambda: registry.run(store, name, values, limit=PAGE_SIZE, offset=offset))
    count = None if values else deadline.start(lambda: _count(request, name))
    got = deadline.result(page)
    if not got.more and (got.rows or offset == 0):
        total: int | None = offset + len(got.rows)
    else:
        total = deadline.result(count) if count is not None else None
    return Listing(got.rows, page_no, got.more, total)


def _case_details(request: Request, cases: Iterable[Value]) -> dict[str, dict[str, Value]]:
    """Country, start year, service areas and roles of the listed cases, by case IRI.

    Read for the shown cases only: for all of them before paging, these joins cost more than
    the filters and the sort together. The IRIs come from the store, never from input.
    """
    wanted = sorted({str(c) for c in cases if c and _IRI.match(str(c))})
    if not wanted:
        return {}
    values = " ".join(f"<{i}>" for i in wanted)
    rows = _select(request, f"""
        PREFIX cop: <{request.app.state.registry.base}ontology#>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        PREFIX schema: <https://schema.org/>
        SELECT ?case (SAMPLE(?code) AS ?countryCode) (MIN(?year) AS ?startYear)
               (GROUP_CONCAT(DISTINCT STR(?area); separator=" ") AS ?serviceAreas)
               (SAMPLE(?planner) AS ?whoPlans) (SAMPLE(?deliverer) AS ?whoDelivers)
        WHERE {{
          VALUES ?case {{ {values} }}
          OPTIONAL {{ GRAPH ?g1 {{ ?case cop:country ?countryIri }} }}
          BIND(STRAFTER(STR(?countryIri), "/country/") AS ?code)
          OPTIONAL {{ GRAPH ?g2 {{ ?case schema:startDate ?start }} }}
          BIND(xsd:integer(SUBSTR(STR(?start), 1, 4)) AS ?year)
          OPTIONAL {{ GRAPH ?g3 {{ ?case cop:serviceArea ?area }} }}
          OPTIONAL {{ GRAPH ?g4 {{ ?case cop:whoPlans ?planner }} }}
          OPTIONAL {{ GRAPH ?g5 {{ ?case cop:whoDelivers ?deliverer }} }}
        }} GROUP BY ?case""")
    return {str(row["case"]): row for row in rows}


def _count(request: Request, name: str) -> int:
    """How many rows the unfiltered lookup `name` has (one per case or work)."""
    kind, title = COUNTED[name]
    base = request.app.state.registry.base
    rows = _select(request, f"""
        PREFIX cop: <{base}ontology#>
        PREFIX schema: <https://schema.org/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE {{
          GRAPH ?g0 {{ ?item a {kind} }}
          FILTER EXISTS {{ GRAPH ?g1 {{ ?item {title} ?name }} }}
        }}""")
    return int(str(rows[0]["n"])) if rows else 0


def _filled(form: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    return {name: form[name] for name in names if form[name]}


@router.api_route("/cases", methods=["GET", "HEAD"], response_class=HTMLResponse)
def cases(request: Request) -> HTMLResponse:
    """Browse cases: filter by cell, roles, country, service area, start years and text."""
    form = _query(request, CASE_FILTERS + ("page",))
    deadline = Deadline(request.app.state.settings.query_timeout_s)
    try:
        listing = _listing(request, deadline, "cases-page", _filled(form, CASE_FILTERS),
                           _page_number(form["page"]))
    except InputError as exc:
        return render("cases.html", 400, **_context(
            request, title="Cases", form=form, error=exc.describe(), items=[], paging=None,
            roles=ROLES))
    details = deadline.run(lambda: _case_details(request, (r["case"] for r in listing.rows)))
    items = []
    for row in listing.rows:
        found = details.get(str(row["case"]), {})
        items.append({**row, **{k: found.get(k) for k in CASE_DETAILS}, "areas": [
            local_name(a) for a in sorted(str(found.get("serviceAreas") or "").split())]})
    return render("cases.html", **_context(
        request, title="Cases", form=form, items=items, paging=_pager(request, form, listing),
        roles=ROLES, error=None))


@router.api_route("/works", methods=["GET", "HEAD"], response_class=HTMLResponse)
def works(request: Request) -> HTMLResponse:
    """Browse works: filter by author, year range, venue and text in the title."""
    form = _query(request, WORK_FILTERS + ("page",))
    deadline = Deadline(request.app.state.settings.query_timeout_s)
    try:
        listing = _listing(request, deadline, "works-page", _filled(form, WORK_FILTERS),
                           _page_number(form["page"]))
    except InputError as exc:
        return render("works.html", 400, **_context(
            request, title="Works", form=form, error=exc.describe(), items=[], paging=None))
    return render("works.html", **_context(
        request, title="Works", form=form, items=listing.rows,
        paging=_pager(request, form, listing), error=None))


def _pager(request: Request, form: Mapping[str, str], listing: Listing) -> dict[str, Any]:
    kept = {k: v for k, v in form.items() if v and k != "page"}

    def link(n: int) -> str:
        return request.url.path + "?" + urlencode({**kept, "page": n})

    first = (listing.page - 1) * PAGE_SIZE + 1
    return {
        "page": listing.page, "total": listing.total,
        "pages": None if listing.total is None else max(1, math.ceil(listing.total / PAGE_SIZE)),
        "first": first, "last": first + len(listing.rows) - 1,
        "prev": link(listing.page - 1) if listing.page > 1 else None,
        "next": link(listing.page + 1) if listing.more else None,
    }


@router.api_route("/typology", methods=["GET", "HEAD"], response_class=HTMLResponse)
def typology(request: Request) -> HTMLResponse:
    """Bovaird's matrix: cell classes and their place from the ontology, counts from a lookup."""
    base = request.app.state.registry.base
    cells = _select(request, f"""
        PREFIX cop: <{base}ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?cell ?row ?column ?label ?alt ?notation ?definition WHERE {{
          GRAPH <{base}graph/ontology> {{
            ?cell rdfs:subClassOf cop:BovairdCell ; cop:matrixRow ?row ; cop:matrixColumn ?column ;
                  rdfs:label ?label .
            OPTIONAL {{ ?cell skos:altLabel ?alt }}
            OPTIONAL {{ ?cell skos:notation ?notation }}
            OPTIONAL {{ ?cell skos:definition ?definition }}
          }}
        }} ORDER BY ?row ?column""")
    # The build's counts (graph/stats, via `typology-matrix`) answer at once on any size of
    # graph; a store without them (or records added since the build) falls back to counting
    # the reasoner's cell classes with `cases-by-cell`, the rows each cell's list shows.
    counts: Counter[str] = Counter(
        {str(r["cell"]): int(str(r["cases"] or 0)) for r in _rows(request, "typology-matrix")}
    )
    if sum(counts.values()) == 0:
        counts = Counter(str(r["cellClass"]) for r in _rows(request, "cases-by-cell"))
    grid: dict[tuple[int, int], dict[str, Any]] = {}
    for cell in cells:
        iri = str(cell["cell"])
        match = re.search(r"Planned(?:By)?(\w+?)Delivered(?:By)?(\w+)$", iri)
        slug = "-".join(m.lower() for m in match.groups()) if match else ""
        grid.setdefault((int(str(cell["row"])), int(str(cell["column"]))), {
            **cell, "count": counts.get(iri, 0), "slug": slug,
            "local": local_name(iri)})
    total = sum(int(str(c["count"])) for c in grid.values())
    return render("typology.html", **_context(
        request, title="Bovaird's matrix", grid=grid, roles=ROLES, total=total))


MAX_DOTS = 2000  # the map draws at most this many places: an SVG of 100,000 dots helps no one
COUNTRY = "http://publications.europa.eu/resource/authority/country/"


def _build_counts(request: Request) -> dict[str, Counter[str]]:
    """Cases per start year, country and service area, from the build's stats graph."""
    base = request.app.state.registry.base
    rows = _select(request, f"""
        PREFIX cop: <{base}ontology#>
        SELECT ?dimension ?value ?year ?n WHERE {{
          GRAPH <{base}graph/stats> {{
            ?c a cop:CaseCount ; cop:countedProperty ?dimension ; cop:caseCount ?n .
            OPTIONAL {{ ?c cop:countedValue ?value }}
            OPTIONAL {{ ?c cop:countedYear ?year }}
          }}
        }}""")
    names = {f"{base}ontology#country": "country", f"{base}ontology#serviceArea": "area",
             "https://schema.org/startDate": "year"}
    counts: dict[str, Counter[str]] = {name: Counter() for name in names.values()}
    for row in rows:
        name = names.get(str(row["dimension"]))
        value = row["year"] if name == "year" else row["value"]
        if name and value:
            counts[name][str(value)] += int(str(row["n"]))
    return counts


@router.api_route("/charts", methods=["GET", "HEAD"], response_class=HTMLResponse)
def charts(request: Request) -> HTMLResponse:
    """Cases per start year, country and service area as server-drawn SVG; a map of places.

    The counts are the build's (graph/stats), so the page answers at once on any size of
    graph; the map draws at most MAX_DOTS places. One deadline covers all its queries.
    """
    base = request.app.state.registry.base
    deadline = Deadline(request.app.state.settings.query_timeout_s)
    counted = deadline.start(lambda: _build_counts(request))
    total = deadline.start(lambda: _count(request, "cases-page"))
    located = deadline.start(lambda: _select(request, f"""
        PREFIX cop: <{base}ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX schema: <https://schema.org/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?case (SAMPLE(?label) AS ?name) (SAMPLE(?lat) AS ?latitude)
               (SAMPLE(?long) AS ?longitude) WHERE {{
          {{ SELECT DISTINCT ?case ?place WHERE {{
               GRAPH ?g0 {{ ?case a cop:Case }}
               GRAPH ?g1 {{ ?case dcterms:spatial ?place }}
               GRAPH ?g2 {{ ?place schema:latitude [] }}
             }} LIMIT {MAX_DOTS + 1} }}
          GRAPH ?g3 {{ ?place schema:latitude ?lat ; schema:longitude ?long }}
          GRAPH ?g4 {{ ?case rdfs:label ?label }}
        }} GROUP BY ?case ORDER BY ?case"""))
    counts = deadline.result(counted)
    years = Counter({int(y[:4]): n for y, n in counts["year"].items() if y[:4].isdigit()})
    countries = Counter({c.removeprefix(COUNTRY): n for c, n in counts["country"].items()})
    areas = counts["area"]
    dots = []
    points = deadline.result(located)
    for p in points[:MAX_DOTS]:
        try:
            lat, lon = float(str(p["latitude"])), float(str(p["longitude"]))
        except ValueError:
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            dots.append({"x": round(lon + 180, 2), "y": round(90 - lat, 2),
                         "name": p["name"], "case": p["case"]})
    labels = deadline.run(lambda: _labels(
        request, [f"{COUNTRY}{c}" for c, _ in countries.most_common(20)]
        + [a for a, _ in areas.most_common(20)]))
    by_year = sorted(years.items())
    return render("charts.html", **_context(
        request, title="Charts",
        years=by_year, year_span=(by_year[0][0], by_year[-1][0]) if by_year else None,
        countries=[(c, labels.get(f"{COUNTRY}{c}", c), n) for c, n in countries.most_common(20)],
        areas=[(local_name(a), labels.get(a, local_name(a)), n)
               for a, n in areas.most_common(20)],
        other_countries=sum(countries.values()) - sum(n for _, n in countries.most_common(20)),
        cases=deadline.result(total), dots=dots, more_dots=len(points) > MAX_DOTS,
        max_dots=MAX_DOTS))


def examples() -> list[dict[str, str]]:
    """The example queries of queries/examples with their one-line summaries."""
    out = []
    for path in sorted(EXAMPLES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        match = re.search(r"^#\+\s*summary:\s*(.+)$", text, re.MULTILINE)
        out.append({"name": path.stem, "summary": match.group(1).strip() if match else path.stem,
                    "query": text})
    return out


@router.api_route("/query", methods=["GET", "HEAD"], response_class=HTMLResponse)
def query(request: Request) -> HTMLResponse:
    """The SPARQL editor (YASGUI, served from /static) with the examples and the lookups."""
    return render("query.html", **_context(
        request, title="SPARQL query", examples=examples(),
        lookups=list(request.app.state.registry)))


# ------------------------------------------------------------------------------ records


def _describe(request: Request, iri: str) -> dict[str, Any]:
    """Every statement about `iri` by property, its incoming links, provenance and sources."""
    base = request.app.state.registry.base
    store: Store = request.app.state.store
    # Raw terms here: an IRI and a literal that looks like one must render differently.
    out_rows: list[dict[str, Value]] = [
        {"p": str(r["p"]), "o": str(r["o"]), "is_iri": isinstance(r["o"], URIRef)}
                for r in store.select(f"""
        SELECT ?g ?p ?o WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }} ORDER BY ?p ?o""").rows]
    in_rows = _select(request, f"""
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT DISTINCT ?s ?p WHERE {{
          GRAPH ?g {{ ?s ?p <{iri}> }} FILTER(isIRI(?s) && ?p != rdf:type)
        }} ORDER BY ?p ?s LIMIT 500""")
    labels = _labels(request, [r["p"] for r in out_rows + in_rows]
                     + [r["o"] for r in out_rows if r["is_iri"]] + [r["s"] for r in in_rows])
    fields: dict[str, dict[str, Any]] = {}
    unverified: list[str] = []
    notes: list[str] = []
    for row in out_rows:
        prop, obj = str(row["p"]), row["o"]
        # These have their own sections on the page (status box, sources), not the facts list.
        if prop == f"{base}ontology#unverifiedField":
            unverified.append(str(obj))
            continue
        if prop == SKOS_NOTE:
            notes.append(str(obj))
            continue
        if prop == DCT_SOURCE:
            continue
        is_iri = bool(row["is_iri"])
        field = fields.setdefault(prop, {
            "iri": prop, "label": labels.get(prop) or PROPERTY_LABELS.get(prop)
            or words(local_name(prop)), "values": []})
        value = {"text": labels.get(str(obj), str(obj)), "iri": str(obj) if is_iri else None}
        if value not in field["values"]:
            field["values"].append(value)
    incoming: dict[str, dict[str, Any]] = {}
    for row in in_rows:
        prop = str(row["p"])
        group = incoming.setdefault(prop, {"label": labels.get(prop) or PROPERTY_LABELS.get(
            prop) or words(local_name(prop)), "values": []})
        group["values"].append({"text": labels.get(str(row["s"]), local_name(str(row["s"]))),
                                "iri": str(row["s"])})
    title = next((v["text"] for key in (
        "http://www.w3.org/2000/01/rdf-schema#label", "http://purl.org/dc/terms/title",
        "http://www.w3.org/2004/02/skos/core#prefLabel", "http://xmlns.com/foaf/0.1/name")
        for v in fields.get(key, {}).get("values", [])), local_name(iri))
    provenance = _rows(request, "record-provenance", {"record": iri})
    sources = _rows(request, "record-sources", {"record": iri})
    status = next((str(r["confirmation"]) for r in sources if r["confirmation"]), None)
    pages = {str(r["page"]) for r in sources if r["page"]}
    pages |= {str(r["o"]) for r in out_rows if r["p"] == DCT_SOURCE}
    if status is None and f"{base}ontology#confirmation" in fields:
        status = fields[f"{base}ontology#confirmation"]["values"][0]["iri"]
    return {"iri": iri, "title": title, "fields": list(fields.values()),
            "incoming": list(incoming.values()), "provenance": provenance,
            "nc": any("-nc" in str(r["licence"] or "") for r in provenance),
            "sources": sorted(pages),
            "status": local_name(status) if status else None, "unverified": sorted(unverified),
            "notes": notes}


@router.api_route("/id/{kind}/{slug}.html", methods=["GET", "HEAD"], response_class=HTMLResponse)
def record(request: Request, kind: str, slug: str) -> HTMLResponse:
    """The page of one case, work, person, organisation, place, venue or method."""
    if kind not in RECORD_TYPES or not _SLUG.match(slug):
        return not_found(request, f"/id/{kind}/{slug}")
    iri = f"{request.app.state.registry.base}id/{kind}/{slug}"
    data = _describe(request, iri)
    if not data["fields"]:
        return not_found(request, iri)
    extra: dict[str, Any] = {}
    if kind == "case":
        rows = _rows(request, "case", {"case": iri})
        extra["case"] = rows[0] if rows else {}
        cell = str(extra["case"].get("cellClass") or "")
        match = re.search(r"Planned(?:By)?(\w+?)Delivered(?:By)?(\w+)$", cell)
        extra["cell_slug"] = "-".join(m.lower() for m in match.groups()) if match else None
        extra["cell_label"] = _labels(request, [cell]).get(cell) if cell else None
    return render("record.html", **_context(
        request, title=data["title"], kind=kind, slug=slug, record=data, rdf=f"/id/{kind}/{slug}",
        **extra))


@router.api_route("/concept/{local}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def concept(request: Request, local: str) -> HTMLResponse:
    """The page of a term of the coprod ontology: a SKOS concept, scheme or cell class."""
    if not _LOCAL.match(local):
        return not_found(request, f"/concept/{local}")
    iri = f"{request.app.state.registry.base}ontology#{local}"
    data = _describe(request, iri)
    if not data["fields"]:
        return not_found(request, iri)
    return render("record.html", **_context(
        request, title=data["title"], kind="concept", slug=local, record=data, rdf=None))


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"])
def static(path: str) -> Response:
    """Files under service/static (CSS, JS, the bundled YASGUI); nothing outside it."""
    target = (STATIC / path).resolve()
    if not target.is_relative_to(STATIC) or not target.is_file() or ".." in path:
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(target, headers={
        "Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})

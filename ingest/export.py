"""Exports of works (BibTeX, RIS, CSL-JSON, CSV) and cases (CSV) from query rows.

The rows come from the SPARQL queries below, run over any store (so exports work alike on the
embedded and the remote store); `dataset_clause` restricts a query to the graphs allowed, e.g.
without the non-commercial (Participedia) graphs. Every CSV cell is formula-safe.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.report import safe_cell

Row = dict[str, str]
FABIO = "http://purl.org/spar/fabio/"
# FaBiO type -> (BibTeX entry type, RIS TY, CSL type)
TYPES = {
    "JournalArticle": ("article", "JOUR", "article-journal"),
    "Book": ("book", "BOOK", "book"),
    "BookChapter": ("incollection", "CHAP", "chapter"),
    "ReportDocument": ("techreport", "RPRT", "report"),
    "WorkingPaper": ("techreport", "RPRT", "report"),
}
DEFAULT_TYPE = ("misc", "GEN", "document")
WORK_COLUMNS = [
    "key", "type", "title", "authors", "year", "venue", "volume", "issue", "pages", "doi",
    "publisher", "iri",
]
CASE_COLUMNS = [
    "id", "name", "description", "place", "country", "start_year", "service_area", "phase",
    "subject", "source", "iri",
]
PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX bibo: <http://purl.org/ontology/bibo/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX schema: <https://schema.org/>
"""
NC_LICENSE = re.compile(r"creativecommons\.org/licenses/by-nc", re.IGNORECASE)


def works_query(dataset: str, base: str, iri: str | None = None) -> str:
    """One row per work with its single-valued fields."""
    only = f"VALUES ?work {{ <{iri}> }}" if iri else ""
    c = [0]
    optional = "\n".join(
        f"  OPTIONAL {{ {_g(c, dataset, p)} }}"
        for p in (
            f'?work a ?type . FILTER(STRSTARTS(STR(?type), "{FABIO}"))',
            "?work dcterms:identifier ?key",
            "?work fabio:hasPublicationYear ?year",
            "?work dcterms:isPartOf ?v . ?v rdfs:label ?venue",
            "?work bibo:volume ?volume",
            "?work bibo:issue ?issue",
            "?work bibo:pageStart ?start",
            "?work bibo:pageEnd ?end",
            "?work bibo:doi ?doi",
            "?work dcterms:publisher ?publisher",
        )
    )
    main = _g(c, dataset, "?work a <https://schema.org/CreativeWork> ; dcterms:title ?title")
    return f"""{PREFIXES}SELECT ?work ?type ?key ?title ?year ?venue ?volume ?issue ?start ?end
       ?doi ?publisher
WHERE {{
  {only}
  {main}
{optional}
}} ORDER BY ?key ?work"""


def authors_query(dataset: str, iri: str | None = None) -> str:
    """Authors of each work in list order."""
    only = f"VALUES ?work {{ <{iri}> }}" if iri else ""
    c = [0]
    listed = _g(c, dataset, "?work bibo:authorList ?list . ?list ?member ?person")
    family = _g(c, dataset, "?person foaf:familyName ?family")
    given = _g(c, dataset, "?person foaf:givenName ?given")
    return f"""{PREFIXES}SELECT DISTINCT ?work ?member ?family ?given
WHERE {{
  {only}
  {listed}
  FILTER(STRSTARTS(STR(?member), "http://www.w3.org/1999/02/22-rdf-syntax-ns#_"))
  {family}
  OPTIONAL {{ {given} }}
}}"""


def cases_query(dataset: str, iri: str | None = None) -> str:
    """One row per case; repeated values joined with '; '."""
    only = f"VALUES ?case {{ <{iri}> }}" if iri else ""
    c = [0]
    main = _g(c, dataset, "?case a cop:Case")
    optional = "\n".join(
        f"  OPTIONAL {{ {_g(c, dataset, p)} }}"
        for p in (
            "?case dcterms:identifier ?id_",
            "?case rdfs:label ?name_",
            "?case dcterms:description ?desc_",
            "?case dcterms:spatial ?p . ?p rdfs:label ?place_",
            "?case cop:country ?country_",
            "?case schema:startDate ?year_",
            "?case cop:serviceArea ?area_",
            "?case cop:phase ?phase_",
            "?case dcterms:subject ?subject_",
            "?case dcterms:source ?source_",
        )
    )
    return f"""{PREFIXES}PREFIX cop: <https://w3id.org/coprod/ontology#>
SELECT ?case (SAMPLE(?id_) AS ?id) (SAMPLE(?name_) AS ?name) (SAMPLE(?desc_) AS ?description)
  (SAMPLE(?place_) AS ?place) (SAMPLE(?country_) AS ?country) (SAMPLE(?year_) AS ?start_year)
  (GROUP_CONCAT(DISTINCT STR(?area_); separator="; ") AS ?service_area)
  (GROUP_CONCAT(DISTINCT STR(?phase_); separator="; ") AS ?phase)
  (GROUP_CONCAT(DISTINCT STR(?subject_); separator="; ") AS ?subject)
  (GROUP_CONCAT(DISTINCT STR(?source_); separator="; ") AS ?source)
WHERE {{
  {only}
  {main}
{optional}
}} GROUP BY ?case ORDER BY ?id"""


def licences_query(base: str) -> str:
    """Each named graph's licence, from the catalogue graph."""
    return (
        f"SELECT ?g ?license WHERE {{ GRAPH <{base}graph/catalog> "
        f"{{ ?g <http://purl.org/dc/terms/license> ?license }} }}"
    )


def allowed_graphs(graphs: Iterable[str], licences: dict[str, str], *, no_nc: bool) -> list[str]:
    """The graphs an export may read: all, or all but those under a non-commercial licence."""
    return sorted(
        g for g in graphs if not (no_nc and NC_LICENSE.search(licences.get(g, "")))
    )


def dataset_clause(graphs: Iterable[str]) -> str:
    """The allowed graphs as a SPARQL IN list, for `in_graphs` patterns.

    Patterns name their graph explicitly (GRAPH ?g) rather than relying on FROM or on a union
    default graph, because stores differ on both.
    """
    return ", ".join(f"<{g}>" for g in graphs) or "<urn:coprod:no-graph>"


def _g(counter: list[int], dataset: str, pattern: str) -> str:
    counter[0] += 1
    var = f"?g{counter[0]}"
    return f"GRAPH {var} {{ {pattern} }} FILTER({var} IN ({dataset}))"


@dataclass
class ExportWork:
    """A work as the writers need it."""

    iri: str
    key: str
    kind: str
    title: str
    authors: list[tuple[str, str]] = field(default_factory=list)  # (family, given)
    year: str = ""
    venue: str = ""
    volume: str = ""
    issue: str = ""
    page_start: str = ""
    page_end: str = ""
    doi: str = ""
    publisher: str = ""

    @property
    def pages(self) -> str:
        return "--".join(p for p in (self.page_start, self.page_end) if p)


def works_from_rows(works: list[Row], authors: list[Row]) -> list[ExportWork]:
    """Join the work rows and the author rows (ordered by rdf:_n) into ExportWork items."""
    people: dict[str, list[tuple[int, str, str]]] = {}
    for row in authors:
        position = int(row["member"].rsplit("_", 1)[1])
        people.setdefault(row["work"], []).append(
            (position, row["family"], row.get("given", ""))
        )
    items: dict[str, ExportWork] = {}
    for row in works:
        iri = row["work"]
        if iri in items:  # a second FaBiO type or venue label: keep the first row
            continue
        kind = row.get("type", "").removeprefix(FABIO)
        items[iri] = ExportWork(
            iri=iri,
            key=row.get("key", "") or iri.rsplit("/", 1)[-1],
            kind=kind,
            title=row["title"],
            authors=[(f, g) for _, f, g in sorted(set(people.get(iri, [])))],
            year=row.get("year", ""),
            venue=row.get("venue", ""),
            volume=row.get("volume", ""),
            issue=row.get("issue", ""),
            page_start=row.get("start", ""),
            page_end=row.get("end", ""),
            doi=row.get("doi", ""),
            publisher=row.get("publisher", ""),
        )
    return list(items.values())


def _bib_escape(text: str) -> str:
    return text.replace("\\", "\\textbackslash{}").replace("{", "\\{").replace("}", "\\}")


def to_bibtex(works: list[ExportWork]) -> str:
    """BibTeX entries; values braced, braces and backslashes in values escaped."""
    out = []
    for work in works:
        entry = TYPES.get(work.kind, DEFAULT_TYPE)[0]
        venue_field = "journal" if entry == "article" else "booktitle"
        fields = [
            ("title", work.title),
            ("author", " and ".join(f"{f}, {g}".strip(", ") for f, g in work.authors)),
            ("year", work.year),
            (venue_field, work.venue if entry in ("article", "incollection") else ""),
            ("volume", work.volume),
            ("number", work.issue),
            ("pages", work.pages),
            ("doi", work.doi),
            ("publisher", work.publisher),
        ]
        body = ",\n".join(f"  {k} = {{{_bib_escape(v)}}}" for k, v in fields if v)
        key = re.sub(r"[^A-Za-z0-9_:.-]", "-", work.key)
        out.append(f"@{entry}{{{key},\n{body}\n}}\n")
    return "\n".join(out)


def to_ris(works: list[ExportWork]) -> str:
    """RIS records, CRLF line ends as the format expects."""
    lines: list[str] = []
    for work in works:
        lines.append(f"TY  - {TYPES.get(work.kind, DEFAULT_TYPE)[1]}")
        lines.append(f"ID  - {work.key}")
        lines.append(f"TI  - {_one_line(work.title)}")
        lines += [f"AU  - {f}, {g}".rstrip(", ") for f, g in work.authors]
        for tag, value in (
            ("PY", work.year), ("T2", work.venue), ("VL", work.volume), ("IS", work.issue),
            ("SP", work.page_start), ("EP", work.page_end), ("DO", work.doi),
            ("PB", work.publisher), ("UR", work.iri),
        ):
            if value:
                lines.append(f"{tag}  - {_one_line(value)}")
        lines.append("ER  - ")
        lines.append("")
    return "\r\n".join(lines)


def to_csl_json(works: list[ExportWork]) -> str:
    """CSL-JSON (a list of items), as Zotero imports it."""
    items = []
    for work in works:
        item: dict[str, object] = {
            "id": work.key,
            "type": TYPES.get(work.kind, DEFAULT_TYPE)[2],
            "title": work.title,
        }
        if work.authors:
            item["author"] = [
                {"family": f, **({"given": g} if g else {})} for f, g in work.authors
            ]
        if work.year.isdigit():
            item["issued"] = {"date-parts": [[int(work.year)]]}
        for name, value in (
            ("container-title", work.venue), ("volume", work.volume), ("issue", work.issue),
            ("page", work.pages.replace("--", "-")), ("DOI", work.doi),
            ("publisher", work.publisher), ("URL", work.iri),
        ):
            if value:
                item[name] = value
        items.append(item)
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def works_to_csv(works: list[ExportWork]) -> str:
    """Works as CSV; formula-like cells get a leading apostrophe."""
    rows = [
        {
            "key": w.key, "type": w.kind, "title": w.title,
            "authors": "; ".join(f"{f}, {g}".strip(", ") for f, g in w.authors),
            "year": w.year, "venue": w.venue, "volume": w.volume, "issue": w.issue,
            "pages": w.pages, "doi": w.doi, "publisher": w.publisher, "iri": w.iri,
        }
        for w in works
    ]
    return rows_to_csv(rows, WORK_COLUMNS)


def cases_to_csv(rows: list[Row]) -> str:
    """Cases as CSV from `cases_query` rows; formula-safe."""
    return rows_to_csv([{**r, "iri": r.get("case", "")} for r in rows], CASE_COLUMNS)


def rows_to_csv(rows: list[Row], columns: list[str]) -> str:
    """Any rows as CSV with a header; every cell passed through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(str(row.get(c, ""))) for c in columns])
    return out.getvalue()


def _one_line(text: str) -> str:
    return " ".join(text.split())

"""HTML documentation of the ontology, generated at build with pyLODE (3.3.4).

`write_docs(out_dir)` writes `ontology.html` (the current version) and `ontology-{version}.html`
for the current version and for each past release in `ontology/releases/{version}.ttl`.
pyLODE's OntPub profile documents classes and properties but not the SKOS concepts that the
ontology also defines (e.g. `cop:PlannedJointly`), so a "Concepts" section with one anchor per
concept is added: every hash IRI `{base}ontology#Name` then lands on its own entry. When pyLODE
is missing or fails, a plain listing of every term (label, definition, source) is written
instead, so the service always has a page to serve.
"""

from __future__ import annotations

import html
import logging
import os
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from ontology import DEFAULT_BASE, HERE
from ontology.reason import load_ontology
from ontology.rebase import rebase_graph

log = logging.getLogger(__name__)

RELEASES_DIR = HERE / "releases"
CURRENT = "ontology.html"


def version_of(graph: Graph) -> str | None:
    """The `owl:versionInfo` of the ontology in `graph`, if any."""
    for ontology in graph.subjects(RDF.type, OWL.Ontology):
        for info in graph.objects(ontology, OWL.versionInfo):
            return str(info)
    return None


def _text(graph: Graph, subject: Node, *predicates: URIRef) -> str:
    """The first value of the first predicate that has one, English preferred."""
    for predicate in predicates:
        values = list(graph.objects(subject, predicate))
        values.sort(key=lambda v: (not (isinstance(v, Literal) and v.language == "en"), str(v)))
        if values:
            return str(values[0])
    return ""


def _fragment(iri: URIRef, namespace: str) -> str | None:
    text = str(iri)
    if text.startswith(namespace) and len(text) > len(namespace):
        return text[len(namespace):]
    return None


def _entry(graph: Graph, term: URIRef, name: str) -> str:
    """One term as an HTML block whose id is the term's fragment."""
    label = _text(graph, term, SKOS.prefLabel, RDFS.label) or name
    definition = _text(graph, term, SKOS.definition, RDFS.comment, DCTERMS.description)
    sources = sorted(str(s) for s in graph.objects(term, DCTERMS.source))
    parts = [
        f'<div class="entity" id="{html.escape(name)}">',
        f"<h3>{html.escape(label)}</h3>",
        f"<p><code>{html.escape(str(term))}</code></p>",
    ]
    if definition:
        parts.append(f"<p>{html.escape(definition)}</p>")
    for source in sources:
        parts.append(f'<p>Source: <a href="{html.escape(source)}">{html.escape(source)}</a></p>')
    parts.append("</div>")
    return "\n".join(parts)


def concepts_section(graph: Graph, namespace: str, skip: set[str]) -> str:
    """HTML for the SKOS concepts in `namespace` whose fragment is not already in `skip`."""
    entries = []
    for concept in sorted(set(graph.subjects(RDF.type, SKOS.Concept)), key=str):
        name = _fragment(concept, namespace) if isinstance(concept, URIRef) else None
        if name and name not in skip and isinstance(concept, URIRef):
            entries.append(_entry(graph, concept, name))
    if not entries:
        return ""
    heading = '<div class="section" id="concepts">\n<h2>Concepts</h2>\n'
    return heading + "\n".join(entries) + "\n</div>\n"


def _ontology_title(graph: Graph) -> str:
    for ontology in graph.subjects(RDF.type, OWL.Ontology):
        return _text(graph, ontology, DCTERMS.title, RDFS.label)
    return ""


def plain_html(graph: Graph, namespace: str) -> str:
    """A plain page listing every term of `namespace`: label, definition and source."""
    title = _ontology_title(graph)
    terms = sorted(
        {s for s in graph.subjects() if isinstance(s, URIRef) and _fragment(s, namespace)}, key=str
    )
    body = "\n".join(_entry(graph, term, _fragment(term, namespace) or "") for term in terms)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title or 'coprod ontology')}</title></head>\n"
        f"<body><h1>{html.escape(title or 'coprod ontology')}</h1>\n{body}\n</body></html>\n"
    )


def render_html(graph: Graph, base: str = DEFAULT_BASE) -> str:
    """The documentation page of the ontology in `graph` (pyLODE, or the plain listing)."""
    namespace = base + "ontology#"
    try:
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        from pylode import OntPub  # imported here: an optional build tool, slow to import

        # pyLODE calls logging.basicConfig(DEBUG) on import; give the process its logging back.
        root.handlers[:] = handlers
        root.setLevel(level)

        document = OntPub(graph)
        # pyLODE makes fragment ids from labels ("case"); seeding its id table with the local
        # names makes every hash IRI `ontology#Case` land on its entry.
        for term in {t for t in graph.subjects() if isinstance(t, URIRef)}:
            name = _fragment(term, namespace)
            if name:
                document.fids[str(term)] = name
        # pyLODE titles the page with the last scheme it meets; use the ontology's own title.
        title = _ontology_title(graph)
        if title:
            document.doc.title = title
        page = str(document.make_html())
    except Exception as exc:  # noqa: BLE001 - any pyLODE failure falls back to the plain page
        log.warning("pyLODE could not document the ontology (%s); writing a plain page", exc)
        return plain_html(graph, namespace)
    present = {part.split('"', 1)[0] for part in page.split(' id="')[1:]}
    section = concepts_section(graph, namespace, present)
    anchor = '<div class="section" id="namespaces">'
    if section and anchor in page:
        page = page.replace(anchor, section + anchor, 1)
    elif section:
        page = page.replace("</body>", section + "</body>", 1)
    return page


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_docs(out_dir: Path, graph: Graph | None = None, *, base: str = DEFAULT_BASE) -> Path:
    """Write the ontology's HTML documentation into `out_dir`; return the current page's path.

    `graph` is the ontology graph to document (by default the package's Turtle rebased to
    `base`); past releases come from `ontology/releases/{version}.ttl`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    graph = load_ontology(base) if graph is None else graph
    page = render_html(graph, base)
    current = out_dir / CURRENT
    _write(current, page)
    version = version_of(graph)
    if version:
        _write(out_dir / f"ontology-{version}.html", page)
    if RELEASES_DIR.is_dir():
        for release in sorted(RELEASES_DIR.glob("*.ttl")):
            if release.stem == version:
                continue
            old = Graph().parse(release, format="turtle")
            if base != DEFAULT_BASE:
                old = rebase_graph(old, DEFAULT_BASE, base)
            _write(out_dir / f"ontology-{release.stem}.html", render_html(old, base))
    return current


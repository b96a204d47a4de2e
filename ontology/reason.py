"""Classify cases into the Bovaird cells with HermiT (through owlready2), and name the culprit
records when the data makes the ontology inconsistent.

owlready2 reads N-Triples but not Turtle, so the ontology (coprod.ttl + vocab/*.ttl) and the
part of the data that matters to reasoning are written as N-Triples to a temporary folder and
loaded into a fresh ``World`` on every call: no state leaks from one build to the next.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import owlready2
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS
from rdflib.term import Node

from ontology import DEFAULT_BASE, ONTOLOGY_FILE, VOCAB_DIR
from ontology.errors import IngestError
from ontology.rebase import rebase_graph

# Types HermiT reports that say nothing about a record.
_NOISE = {OWL.Thing, OWL.NamedIndividual, OWL.Nothing}
# How many culprits an error message lists before it says "and N more".
_MAX_NAMED = 10


@dataclass(frozen=True)
class Inference:
    """What classify() found: the new rdf:type triples on records and how long it took."""

    triples: Graph
    seconds: float
    cases: int


class Inconsistency(IngestError):
    """The data contradicts the ontology; `records` maps each culprit's identifier (or IRI)
    to the reasons, so a validation report can name them one by one."""

    def __init__(self, message: str, records: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.records = records


def _named(culprits: dict[Node, list[str]], data: Graph) -> dict[str, list[str]]:
    named = {}
    for record, reasons in culprits.items():
        identifier = data.value(record, DCTERMS.identifier)
        named[str(identifier) if identifier is not None else str(record)] = sorted(set(reasons))
    return named


class _Inconsistent(Exception):
    """HermiT found the ontology plus the given data inconsistent."""


def load_ontology(base: str = DEFAULT_BASE) -> Graph:
    """Parse coprod.ttl and every vocab/*.ttl into one graph, with IRIs rewritten to `base`."""
    graph = Graph()
    for path in [ONTOLOGY_FILE, *sorted(VOCAB_DIR.glob("*.ttl"))]:
        graph.parse(path, format="turtle")
    if base != DEFAULT_BASE:
        graph = rebase_graph(graph, DEFAULT_BASE, base)
    for prefix, namespace in (("cop", base + "ontology#"),):
        graph.bind(prefix, Namespace(namespace), replace=True)
    return graph


def classify(data: Graph, base: str = DEFAULT_BASE) -> Inference:
    """Run HermiT over the ontology and the cases in `data`; return the new types of records.

    Only rdf:type triples whose subject is a record (``{base}id/...``) and that were not already
    asserted in `data` are returned, closed under the named superclasses of the ontology (a case
    in a cell is also returned as a ``cop:BovairdCell``). Raises IngestError naming the record(s)
    when the data contradicts the ontology.
    """
    started = time.perf_counter()
    ontology = load_ontology(base)
    facts = _reasoning_input(data, ontology, base)
    cop = Namespace(base + "ontology#")
    cases = {s for s in facts.subjects(RDF.type, cop.Case)} | _domain_subjects(facts, ontology, cop)
    summary, representative = summarise(facts, base)
    with tempfile.TemporaryDirectory(prefix="coprod-reason-") as tmp:
        tbox = Path(tmp) / "tbox.nt"
        ontology.serialize(tbox, format="nt", encoding="utf-8")
        try:
            by_representative = _hermit(tbox, summary, Path(tmp))
        except _Inconsistent:
            culprits = _known_causes(facts, ontology)
            if not culprits:
                culprits = _bisect(tbox, facts, Path(tmp))
            raise Inconsistency(_describe(culprits, data), _named(culprits, data)) from None
    # Every record gets what HermiT found for the representative of its signature.
    found: dict[Node, set[Node]] = {
        record: by_representative.get(rep, set()) for record, rep in representative.items()
    }
    for node, classes in by_representative.items():
        found.setdefault(node, classes)
    superclasses = _named_superclasses(ontology)
    record_prefix = base + "id/"
    triples = Graph()
    triples.bind("cop", cop)
    for subject, classes in found.items():
        if not str(subject).startswith(record_prefix):
            continue
        closed = set(classes)
        for cls in classes:
            closed |= superclasses.get(cls, set())
        for cls in closed - _NOISE:
            if (subject, RDF.type, cls) not in data:
                triples.add((subject, RDF.type, cls))
    return Inference(triples=triples, seconds=time.perf_counter() - started, cases=len(cases))


# --- input -----------------------------------------------------------------------------------


def _object_properties(ontology: Graph, cop: Namespace) -> set[URIRef]:
    return {
        p
        for p in ontology.subjects(RDF.type, OWL.ObjectProperty)
        if isinstance(p, URIRef) and str(p).startswith(str(cop))
    }


def _case_properties(ontology: Graph, cop: Namespace) -> set[URIRef]:
    """The cop: object properties about cases (domain or range cop:Case)."""
    props = _object_properties(ontology, cop)
    return {
        p
        for p in props
        if (p, RDFS.domain, cop.Case) in ontology or (p, RDFS.range, cop.Case) in ontology
    }


def _domain_subjects(facts: Graph, ontology: Graph, cop: Namespace) -> set[Node]:
    subjects: set[Node] = set()
    for prop in ontology.subjects(RDFS.domain, cop.Case):
        subjects.update(facts.subjects(prop, None))
    for prop in ontology.subjects(RDFS.range, cop.Case):
        subjects.update(facts.objects(None, prop))
    return subjects


def _reasoning_input(data: Graph, ontology: Graph, base: str) -> Graph:
    """Keep only what HermiT needs: types of records and cop: object properties about cases.

    Labels, sources, dates and free text cannot change a classification, and leaving them out
    keeps the reasoner fast on large datasets.
    """
    cop = Namespace(base + "ontology#")
    props = _case_properties(ontology, cop)
    facts = Graph()
    for prop in props:
        for s, o in data.subject_objects(prop):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                facts.add((s, prop, o))
    records = set(facts.subjects())
    records |= {o for o in facts.objects() if str(o).startswith(base + "id/")}
    records |= {s for s, o in data.subject_objects(RDF.type) if str(o).startswith(str(cop))}
    # Every type of those records, so that a record typed into disjoint classes is caught.
    for s, o in data.subject_objects(RDF.type):
        if s in records and isinstance(s, URIRef) and isinstance(o, URIRef):
            facts.add((s, RDF.type, o))
    return facts


# --- one representative per signature --------------------------------------------------------


def summarise(facts: Graph, base: str = DEFAULT_BASE) -> tuple[Graph, dict[Node, Node]]:
    """The facts with every record replaced by one representative of its signature.

    A record's signature is its set of types, and its outgoing and incoming property links
    with the other end abstracted: an ontology term (``{base}ontology#...``, such as
    cop:PlannedJointly) stays itself, anything else becomes the set of its types. Records
    with one signature are told apart by nothing the ontology can see, so HermiT classifies
    them alike; it runs on one representative each (the first IRI in order) and the result
    is copied. The links of every record are moved onto its representative, which only adds
    values of the same kinds to it: with the ontology's axioms (hasValue cells, functional
    axes, disjointness, domains and ranges) that changes no classification and keeps every
    inconsistency. Returns the summary and each record's representative.
    """
    term_prefix = base + "ontology#"
    record_prefix = base + "id/"
    grouped: dict[Node, set[Node]] = defaultdict(set)
    for s, o in facts.subject_objects(RDF.type):
        grouped[s].add(o)
    types = {node: frozenset(found) for node, found in grouped.items()}

    def abstract(node: Node) -> object:
        if str(node).startswith(term_prefix):
            return node
        return types.get(node, frozenset())

    outgoing: dict[Node, set[tuple[Node, object]]] = defaultdict(set)
    incoming: dict[Node, set[tuple[Node, object]]] = defaultdict(set)
    for s, p, o in facts:
        if p == RDF.type:
            continue
        outgoing[s].add((p, abstract(o)))
        incoming[o].add((p, abstract(s)))
    records = {
        n for n in (*types, *outgoing, *incoming)
        if isinstance(n, URIRef) and str(n).startswith(record_prefix)
    }
    first: dict[tuple[object, ...], Node] = {}
    representative: dict[Node, Node] = {}
    for record in sorted(records, key=str):
        signature = (
            types.get(record, frozenset()),
            frozenset(outgoing.get(record, ())),
            frozenset(incoming.get(record, ())),
        )
        representative[record] = first.setdefault(signature, record)
    summary = Graph()
    for s, p, o in facts:
        summary.add((representative.get(s, s), p, representative.get(o, o)))
    return summary, representative


# --- HermiT ----------------------------------------------------------------------------------


def _hermit(tbox: Path, facts: Graph, tmp: Path) -> dict[Node, set[Node]]:
    """Load TBox and facts into a fresh World, run HermiT, return each individual's classes."""
    abox = tmp / "abox.nt"
    facts.serialize(abox, format="nt", encoding="utf-8")
    world = owlready2.World()
    try:
        world.get_ontology(tbox.as_uri()).load(format="ntriples")
        data_onto = world.get_ontology(abox.as_uri()).load(format="ntriples")
        try:
            with data_onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as exc:
            raise _Inconsistent() from exc
        # Read the quadstore, not Python objects: owlready2 only lists individuals declared
        # owl:NamedIndividual, and the records are not.
        found: dict[Node, set[Node]] = defaultdict(set)
        for s, _, o in data_onto.get_triples(None, owlready2.rdf_type, None):
            if isinstance(s, int) and isinstance(o, int) and s > 0 and o > 0:
                found[URIRef(world._unabbreviate(s))].add(URIRef(world._unabbreviate(o)))
        return found
    finally:
        world.close()


def _consistent(tbox: Path, facts: Graph, tmp: Path) -> bool:
    try:
        _hermit(tbox, facts, tmp)
    except _Inconsistent:
        return False
    return True


# --- finding the culprit ---------------------------------------------------------------------


def _named_superclasses(ontology: Graph) -> dict[Node, set[Node]]:
    """For each named class, every named class above it (transitively, itself excluded)."""
    direct: dict[Node, set[Node]] = defaultdict(set)
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            direct[sub].add(sup)
    closed: dict[Node, set[Node]] = {}
    for cls in list(direct):
        seen: set[Node] = set()
        todo = list(direct[cls])
        while todo:
            sup = todo.pop()
            if sup not in seen:
                seen.add(sup)
                todo.extend(direct.get(sup, ()))
        closed[cls] = seen
    return closed


def _rdf_list(graph: Graph, head: Node) -> list[Node]:
    return list(graph.items(head)) if isinstance(head, BNode | URIRef) else []


def _disjoint_pairs(ontology: Graph) -> set[frozenset[Node]]:
    pairs = {frozenset((a, b)) for a, b in ontology.subject_objects(OWL.disjointWith)}
    for group in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        for head in ontology.objects(group, OWL.members):
            members = _rdf_list(ontology, head)
            pairs |= {frozenset((a, b)) for a in members for b in members if a != b}
    return pairs


def _different_groups(ontology: Graph) -> list[set[Node]]:
    groups = []
    for group in ontology.subjects(RDF.type, OWL.AllDifferent):
        for head in ontology.objects(group, OWL.distinctMembers):
            groups.append(set(_rdf_list(ontology, head)))
    return groups


def _known_causes(facts: Graph, ontology: Graph) -> dict[Node, list[str]]:
    """Look for the usual mistakes directly in the data, without the reasoner."""
    culprits: dict[Node, list[str]] = defaultdict(list)
    groups = _different_groups(ontology)
    # Two distinct values, known to be different, on a functional property.
    for prop in ontology.subjects(RDF.type, OWL.FunctionalProperty):
        values: dict[Node, set[Node]] = defaultdict(set)
        for s, o in facts.subject_objects(prop):
            values[s].add(o)
        for subject, found in values.items():
            if len(found) > 1 and any(len(found & group) > 1 for group in groups):
                names = ", ".join(sorted(_local(v) for v in found))
                culprits[subject].append(f"has {len(found)} {_local(prop)} values ({names})")
    # A node that the data, domains and ranges put into two disjoint classes.
    superclasses = _named_superclasses(ontology)
    pairs = _disjoint_pairs(ontology)
    types: dict[Node, set[Node]] = defaultdict(set)
    why: dict[tuple[Node, Node], str] = {}

    def note(node: Node, cls: Node, reason: str) -> None:
        for each in {cls} | superclasses.get(cls, set()):
            types[node].add(each)
            why.setdefault((node, each), reason)

    for s, cls in [*facts.subject_objects(RDF.type), *ontology.subject_objects(RDF.type)]:
        note(s, cls, f"typed {_local(cls)}")
    for s, p, o in facts:
        if p == RDF.type:
            continue
        for domain in ontology.objects(p, RDFS.domain):
            note(s, domain, f"has {_local(p)}, so it is a {_local(domain)}")
        for range_ in ontology.objects(p, RDFS.range):
            note(o, range_, f"is the {_local(p)} value of {_local(s)}, so a {_local(range_)}")
    for node, classes in types.items():
        for pair in pairs:
            if pair <= classes:
                a, b = sorted(pair, key=str)
                reason = f"{why[(node, a)]} and {why[(node, b)]}, which are disjoint"
                blamed = _blame(node, facts)
                for record in blamed:
                    prefix = "" if record == node else f"its value {_local(node)} is "
                    culprits[record].append(prefix + reason)
    return dict(culprits)


def _blame(node: Node, facts: Graph) -> set[Node]:
    """A record to name for a bad node: the node itself if it is a record, else who uses it."""
    if (node, None, None) in facts:
        return {node}
    return {s for s, _ in facts.subject_predicates(node)}


def _bisect(tbox: Path, facts: Graph, tmp: Path) -> dict[Node, list[str]]:
    """Halve the records until the smallest inconsistent group is found."""
    by_subject: dict[Node, list[tuple[Node, Node, Node]]] = defaultdict(list)
    for s, p, o in facts:
        by_subject[s].append((s, p, o))

    def subset(subjects: Iterable[Node]) -> Graph:
        part = Graph()
        for subject in subjects:
            for triple in by_subject[subject]:
                part.add(triple)
        return part

    if _consistent(tbox, Graph(), tmp) is False:
        return {URIRef(str(OWL.Ontology)): ["the ontology itself is inconsistent"]}
    group = sorted(by_subject, key=str)
    while len(group) > 1:
        half = len(group) // 2
        left, right = group[:half], group[half:]
        if not _consistent(tbox, subset(left), tmp):
            group = left
        elif not _consistent(tbox, subset(right), tmp):
            group = right
        else:
            break  # the contradiction needs records from both halves: report them all
    reason = "contradicts the ontology (found by bisection)"
    if len(group) > 1:
        reason = "together with the other records listed, contradicts the ontology"
    return {record: [reason] for record in group}


def _local(term: Node) -> str:
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1] or text
    return text


def _describe(culprits: dict[Node, list[str]], data: Graph) -> str:
    lines = []
    for record in sorted(culprits, key=str)[:_MAX_NAMED]:
        identifier = data.value(record, DCTERMS.identifier)
        ident = f" (identifier {str(identifier)!r})" if identifier is not None else ""
        lines.append(f"record <{record}>{ident}: " + "; ".join(sorted(set(culprits[record]))))
    if len(culprits) > _MAX_NAMED:
        lines.append(f"... and {len(culprits) - _MAX_NAMED} more records")
    return "the data is inconsistent with the ontology: " + " | ".join(lines)

"""Named queries ("lookups"): load `queries/lookups/*.rq`, check them, bind their parameters.

A lookup file is plain SPARQL whose first lines are `#+ ` comments holding a YAML header
(see docs/lookups.md). Each declared parameter is one line `VALUES ?name { UNDEF }` in the
query; binding replaces that one line with a validated, escaped term, so a value can never
change the shape of the query. Any problem in a file stops loading with the file and line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pyparsing import ParseBaseException
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Identifier

from ontology import DEFAULT_BASE
from ontology.errors import InputError
from ontology.namespaces import PREFIXES
from service.store.base import Store

LOOKUP_DIR = Path(__file__).resolve().parent.parent / "queries" / "lookups"
PARAM_TYPES = ("string", "integer", "year", "iri", "enum", "doi", "language")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 10_000_000
STRING_MAX = 1000  # default longest string value, when a header gives no `max`
Value = str | int | float | None

_HEADER_KEYS = {"summary", "description", "tags", "parameters", "columns", "limit", "examples"}
_PARAM_KEYS = {
    "type", "description", "pattern", "enum", "default", "min", "max", "example", "required",
}
_VALUES_LINE = re.compile(r"^\s*VALUES\s+\?(\w+)\s*\{\s*UNDEF\s*\}\s*(#.*)?$", re.IGNORECASE)
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_PARAM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|^`\\]+$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(https?://(dx\.)?doi\.org/|doi:)", re.IGNORECASE)
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
_YEAR = re.compile(r"^\d{4}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOP_NODES = {"Distinct", "Reduced", "Project", "Slice", "OrderBy"}
_INTEGER_TYPES = {
    XSD.integer, XSD.int, XSD.long, XSD.short, XSD.byte, XSD.nonNegativeInteger,
    XSD.positiveInteger, XSD.negativeInteger, XSD.nonPositiveInteger, XSD.unsignedInt,
    XSD.unsignedLong, XSD.unsignedShort, XSD.unsignedByte,
}
_NUMBER_TYPES = {XSD.decimal, XSD.double, XSD.float}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def string_term(value: str) -> str:
    """A SPARQL string literal on one line (rdflib's n3() would use \"\"\" for newlines)."""
    text = str(Literal(value))
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


@dataclass(frozen=True)
class Parameter:
    """One declared parameter of a lookup, and how its values are checked and written."""

    name: str
    type: str
    description: str = ""
    pattern: str | None = None
    enum: dict[str, str] | None = None
    enum_iris: bool = False
    default: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    example: str | None = None
    required: bool = False

    def expected(self) -> str:
        """Words saying what a valid value looks like, for error messages."""
        if self.type == "enum" and self.enum:
            return "one of " + ", ".join(self.enum)
        if self.type in ("integer", "year"):
            form = "a year (four digits)" if self.type == "year" else "an integer"
            bounds = []
            if self.minimum is not None:
                bounds.append(f">= {self.minimum}")
            if self.maximum is not None:
                bounds.append(f"<= {self.maximum}")
            return form + (f" {' and '.join(bounds)}" if bounds else "")
        if self.type == "iri":
            return "an absolute IRI without spaces or any of <>\"{}|^`\\"
        if self.type == "doi":
            return "a DOI such as 10.1111/j.1540-6210.2007.00773.x"
        if self.type == "language":
            return "a BCP 47 language tag such as en or pt-BR"
        form = f"text of at most {self.max_length} characters"
        return form + (f" matching {self.pattern}" if self.pattern else "")

    @property
    def max_length(self) -> int:
        return self.maximum if self.type == "string" and self.maximum else STRING_MAX

    def term(self, raw: str) -> str:
        """Check one raw value and return it as a SPARQL term; InputError if it is not valid."""
        value = raw.strip() if self.type != "string" else raw
        if self.type == "string":
            if len(value) > self.max_length or _CONTROL.search(value):
                raise self._bad(raw)
            if self.pattern and not re.fullmatch(self.pattern, value):
                raise self._bad(raw)
            return string_term(value)
        if self.type in ("integer", "year"):
            if not (_YEAR if self.type == "year" else _INTEGER).match(value):
                raise self._bad(raw)
            number = int(value)
            if (self.minimum is not None and number < self.minimum) or (
                self.maximum is not None and number > self.maximum
            ):
                raise self._bad(raw)
            return Literal(number).n3()
        if self.type == "enum":
            assert self.enum is not None
            if value not in self.enum:
                raise self._bad(raw)
            target = self.enum[value]
            return URIRef(target).n3() if self.enum_iris else string_term(target)
        if self.type == "iri":
            if not _IRI.match(value) or len(value) > 2000:
                raise self._bad(raw)
            return URIRef(value).n3()
        if self.type == "doi":
            doi = _DOI_PREFIX.sub("", value).lower()
            if not _DOI.match(doi) or len(doi) > 300 or _CONTROL.search(doi):
                raise self._bad(raw)
            return string_term(doi)
        if not _LANGUAGE.match(value):  # language
            raise self._bad(raw)
        return string_term(value.lower())

    def _bad(self, raw: str) -> InputError:
        shown = raw if len(raw) <= 80 else raw[:77] + "..."
        return InputError(f"expected {self.expected()}", field=self.name, value=shown)

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of this parameter for the OpenAPI document."""
        schema: dict[str, Any] = {"type": "string"}
        if self.type in ("integer", "year"):
            schema = {"type": "integer"}
            if self.minimum is not None:
                schema["minimum"] = self.minimum
            if self.maximum is not None:
                schema["maximum"] = self.maximum
            if self.type == "year":
                schema["format"] = "year"
        elif self.type == "enum":
            schema["enum"] = list(self.enum or {})
        elif self.type == "iri":
            schema["format"] = "iri"
        elif self.type == "doi":
            schema["pattern"] = r"^(https?://(dx\.)?doi\.org/|doi:)?10\.\d{4,9}/\S+$"
        elif self.type == "language":
            schema["pattern"] = _LANGUAGE.pattern
        else:
            schema["maxLength"] = self.max_length
            if self.pattern:
                schema["pattern"] = self.pattern
        if self.default is not None:
            schema["default"] = int(self.default) if schema["type"] == "integer" else self.default
        return schema


@dataclass(frozen=True)
class Lookup:
    """One named query: its header, its checked text and where each parameter line sits."""

    name: str
    file: str
    summary: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    columns: tuple[str, ...]
    column_docs: dict[str, str]
    max_limit: int
    examples: tuple[dict[str, str], ...]
    text: str
    value_lines: dict[str, int] = field(default_factory=dict)

    def parameter(self, name: str) -> Parameter:
        for param in self.parameters:
            if param.name == name:
                return param
        raise InputError(f"lookup {self.name} has no parameter {name}", field=name)

    def bind(self, values: Mapping[str, str]) -> str:
        """The query with each parameter line replaced by its checked value (or left UNDEF)."""
        names = {p.name for p in self.parameters}
        for name in values:
            if name not in names:
                known = ", ".join(sorted(names)) or "none"
                raise InputError(f"unknown parameter; this lookup takes: {known}", field=name)
        lines = self.text.split("\n")
        for param in self.parameters:
            raw = values.get(param.name)
            if raw is None or raw == "":
                raw = param.default
            if raw is None:
                if param.required:
                    raise InputError(f"required: {param.expected()}", field=param.name)
                continue
            lines[self.value_lines[param.name]] = f"  VALUES ?{param.name} {{ {param.term(raw)} }}"
        return "\n".join(lines)

    def page_query(self, values: Mapping[str, str], limit: int, offset: int) -> str:
        """The bound query asking for one row more than `limit`, to know if a next page exists."""
        return f"{self.bind(values)}\nLIMIT {int(limit) + 1}\nOFFSET {int(offset)}\n"

    def bounds(self, limit: str | int | None, offset: str | int | None) -> tuple[int, int]:
        """Check paging values: 1 <= limit <= max_limit, 0 <= offset."""
        return (
            _bounded("limit", limit, min(DEFAULT_LIMIT, self.max_limit), 1, self.max_limit),
            _bounded("offset", offset, 0, 0, MAX_OFFSET),
        )


@dataclass(frozen=True)
class Page:
    """One page of a lookup's rows, as plain values."""

    query: str
    columns: list[str]
    rows: list[dict[str, Value]]
    limit: int
    offset: int
    more: bool


class Registry:
    """The loaded lookups by name; read-only once built."""

    def __init__(self, lookups: Mapping[str, Lookup], base: str = DEFAULT_BASE) -> None:
        self._lookups = dict(sorted(lookups.items()))
        self.base = base

    def __iter__(self) -> Iterator[Lookup]:
        return iter(self._lookups.values())

    def __len__(self) -> int:
        return len(self._lookups)

    def __contains__(self, name: object) -> bool:
        return name in self._lookups

    def get(self, name: str) -> Lookup:
        """The lookup called `name`; InputError naming the known ones otherwise."""
        try:
            return self._lookups[name]
        except KeyError:
            raise InputError("no such lookup", field="name", value=name) from None

    def run(
        self,
        store: Store,
        name: str,
        values: Mapping[str, str],
        limit: str | int | None = None,
        offset: str | int | None = None,
    ) -> Page:
        """Bind, run and page one lookup on `store`."""
        lookup = self.get(name)
        size, start = lookup.bounds(limit, offset)
        result = store.select(lookup.page_query(values, size, start))
        rows = [{col: plain(row.get(col)) for col in lookup.columns} for row in result.rows]
        return Page(name, list(lookup.columns), rows[:size], size, start, len(rows) > size)


def _bounded(name: str, raw: str | int | None, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    text = str(raw).strip()
    if not _INTEGER.match(text) or not low <= int(text) <= high:
        raise InputError(f"expected an integer from {low} to {high}", field=name, value=str(raw))
    return int(text)


def plain(term: Identifier | None) -> Value:
    """A term as a plain JSON value: IRIs as strings, literals as lexical forms or numbers."""
    if term is None:
        return None
    if isinstance(term, Literal):
        try:
            if term.datatype in _INTEGER_TYPES:
                return int(str(term))
            if term.datatype in _NUMBER_TYPES:
                return float(str(term))
        except ValueError:
            return str(term)
        return str(term)
    if isinstance(term, URIRef):
        return str(term)
    return f"_:{term}"


def csv_text(page: Page) -> str:
    """The page as CSV with a header row; text cells that a spreadsheet would run get a `'`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(page.columns)
    for row in page.rows:
        writer.writerow([_cell(row.get(col)) for col in page.columns])
    return out.getvalue()


def _cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return str(value)


# ---------------------------------------------------------------------------- loading


def load_registry(directory: Path = LOOKUP_DIR, base: str = DEFAULT_BASE) -> Registry:
    """Load every `*.rq` in `directory`; the first bad file raises InputError with file and line."""
    lookups: dict[str, Lookup] = {}
    for path in sorted(Path(directory).glob("*.rq")):
        lookup = parse_lookup(path, base)
        lookups[lookup.name] = lookup
    return Registry(lookups, base)


def parse_lookup(path: Path, base: str = DEFAULT_BASE) -> Lookup:
    """Read and check one lookup file; the lookup's name is the file name without `.rq`."""
    file = str(path)
    name = path.stem
    if not _NAME.match(name):
        raise InputError("a lookup file name is lower-case letters, digits and '-'", file=file)
    text = path.read_text(encoding="utf-8")
    if base != DEFAULT_BASE:
        text = text.replace(DEFAULT_BASE, base)
    lines = text.split("\n")
    header_lines = [i for i, line in enumerate(lines) if line.startswith("#+")]
    if not header_lines or header_lines != list(range(len(header_lines))):
        raise InputError("the file must start with its `#+` YAML header lines", file=file, line=1)
    header = _read_header(file, lines[: len(header_lines)])

    def where(key: str) -> int:
        for i, line in enumerate(lines[: len(header_lines)]):
            if re.search(rf"(^#\+\s*|\s){re.escape(key)}\s*:", line):
                return i + 1
        return 1

    def fail(message: str, key: str = "") -> InputError:
        return InputError(message, file=file, line=where(key) if key else 1)

    unknown = set(header) - _HEADER_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise fail(f"unknown header key {key!r}; known: {', '.join(sorted(_HEADER_KEYS))}", key)
    summary = header.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise fail("the header needs a one-line `summary`", "summary")
    description = header.get("description", "")
    tags = header.get("tags", [])
    if not isinstance(description, str):
        raise fail("`description` must be text", "description")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise fail("`tags` must be a list of words", "tags")
    max_limit = header.get("limit", MAX_LIMIT)
    if not isinstance(max_limit, int) or not 1 <= max_limit <= MAX_LIMIT:
        raise fail(f"`limit` (the largest page) must be an integer from 1 to {MAX_LIMIT}", "limit")

    raw_params = header.get("parameters") or {}
    if not isinstance(raw_params, dict):
        raise fail("`parameters` must map each parameter name to its settings", "parameters")
    params = tuple(
        _parameter(str(pname), spec, base, lambda msg, k=str(pname): fail(msg, k))
        for pname, spec in raw_params.items()
    )

    columns, docs = _columns(header.get("columns"), fail)
    examples = _examples(header.get("examples", []), fail)

    # The query itself: parse it, then check its shape against the header.
    try:
        prepared = prepareQuery(text)
    except ParseBaseException as exc:
        raise InputError(f"SPARQL syntax error: {exc.msg}", file=file, line=exc.lineno) from exc
    except Exception as exc:  # rdflib raises plain exceptions for some semantic errors
        raise InputError(f"SPARQL error: {exc}", file=file, line=len(header_lines) + 1) from exc
    select_line = next(
        (i + 1 for i, line in enumerate(lines) if re.match(r"\s*SELECT\b", line, re.I)),
        len(header_lines) + 1,
    )
    algebra = prepared.algebra
    if algebra.name != "SelectQuery":
        raise InputError("a lookup must be a SELECT query", file=file, line=select_line)
    projected = tuple(str(v) for v in algebra["PV"])
    if projected != columns:
        raise InputError(
            f"SELECT returns {', '.join(projected)} but the header's columns are "
            f"{', '.join(columns)} (same names, same order)",
            file=file,
            line=select_line,
        )
    top = []
    node = algebra.p
    while getattr(node, "name", None) in _TOP_NODES:
        top.append(node.name)
        node = node.get("p")
    if "Slice" in top:
        raise InputError("no outer LIMIT/OFFSET: the service pages", file=file, line=select_line)
    if "OrderBy" not in top:
        raise InputError("an ORDER BY is needed for stable pages", file=file, line=select_line)

    value_lines: dict[str, int] = {}
    for i, line in enumerate(lines):
        match = _VALUES_LINE.match(line)
        if not match:
            continue
        pname = match.group(1)
        if pname not in raw_params:
            raise InputError(f"VALUES ?{pname} {{ UNDEF }} has no parameter in the header",
                             file=file, line=i + 1)
        if pname in value_lines:
            raise InputError(f"parameter {pname} has two VALUES lines", file=file, line=i + 1)
        value_lines[pname] = i
    for param in params:
        if param.name not in value_lines:
            raise fail(f"parameter {param.name} needs a line `VALUES ?{param.name} {{ UNDEF }}`",
                       param.name)

    lookup = Lookup(
        name, file, summary.strip(), description.strip(), tuple(tags), params, columns, docs,
        max_limit, examples, text, value_lines,
    )
    # Defaults, parameter examples and header examples must bind, or startup stops here.
    for param in params:
        for key, raw in (("default", param.default), ("example", param.example)):
            if raw is not None:
                try:
                    param.term(raw)
                except InputError as exc:
                    raise fail(f"{key} of {param.name}: {exc.message}", param.name) from exc
    for example in examples:
        try:
            prepareQuery(lookup.bind(example))
        except InputError as exc:
            raise fail(f"example {example}: {exc.describe()}", "examples") from exc
    return lookup


def _read_header(file: str, header_lines: list[str]) -> dict[str, Any]:
    body = "\n".join(line[2:][1:] if line[2:3] == " " else line[2:] for line in header_lines)
    try:
        header = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise InputError(f"header is not valid YAML: {exc}", file=file, line=line) from exc
    if not isinstance(header, dict):
        raise InputError("the header must be a YAML mapping", file=file, line=1)
    return header


def _parameter(name: str, spec: object, base: str, fail: Any) -> Parameter:
    if not _PARAM_NAME.match(name) or name in ("limit", "offset", "format"):
        raise fail(f"parameter name {name!r}: a SPARQL variable name, not limit/offset/format")
    if not isinstance(spec, dict):
        raise fail(f"parameter {name} needs a mapping with at least `type`")
    unknown = set(spec) - _PARAM_KEYS
    if unknown:
        raise fail(f"parameter {name}: unknown key {sorted(unknown)[0]!r}")
    kind = spec.get("type")
    if kind not in PARAM_TYPES:
        raise fail(f"parameter {name}: `type` must be one of {', '.join(PARAM_TYPES)}")
    enum: dict[str, str] | None = None
    enum_iris = False
    raw_enum = spec.get("enum")
    if kind == "enum":
        if isinstance(raw_enum, list) and raw_enum:
            enum = {str(v): str(v) for v in raw_enum}
        elif isinstance(raw_enum, dict) and raw_enum:
            enum = {str(k): _expand(str(v), base) for k, v in raw_enum.items()}
            enum_iris = True
            for target in enum.values():
                if not _IRI.match(target):
                    raise fail(f"parameter {name}: enum target {target!r} is not an IRI")
        else:
            raise fail(f"parameter {name}: an enum needs `enum`, a list or a map of names to IRIs")
    elif raw_enum is not None:
        raise fail(f"parameter {name}: `enum` only goes with type enum")
    pattern = spec.get("pattern")
    if pattern is not None:
        if kind != "string" or not isinstance(pattern, str):
            raise fail(f"parameter {name}: `pattern` only goes with type string")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise fail(f"parameter {name}: bad pattern: {exc}") from exc
    bounds = [spec.get("min"), spec.get("max")]
    for bound in bounds:
        if bound is not None and not isinstance(bound, int):
            raise fail(f"parameter {name}: `min` and `max` must be integers")
    if bounds[0] is not None and kind not in ("integer", "year"):
        raise fail(f"parameter {name}: `min` only goes with integer or year")
    if bounds[1] is not None and kind not in ("integer", "year", "string"):
        raise fail(f"parameter {name}: `max` only goes with integer, year or string")
    example = spec.get("example")
    if example is None:
        raise fail(f"parameter {name} needs an `example`")
    default = spec.get("default")
    return Parameter(
        name=name,
        type=str(kind),
        description=str(spec.get("description", "")),
        pattern=pattern,
        enum=enum,
        enum_iris=enum_iris,
        default=None if default is None else str(default),
        minimum=bounds[0],
        maximum=bounds[1],
        example=str(example),
        required=bool(spec.get("required", False)),
    )


def _expand(value: str, base: str) -> str:
    prefix, _, local = value.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        expanded = PREFIXES[prefix] + local
        return expanded.replace(DEFAULT_BASE, base) if base != DEFAULT_BASE else expanded
    return value


def _columns(raw: object, fail: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    docs: dict[str, str] = {}
    if isinstance(raw, dict):
        docs = {str(k): str(v) for k, v in raw.items()}
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and len(item) == 1:
                key, doc = next(iter(item.items()))
                docs[str(key)] = str(doc)
            elif isinstance(item, str):
                docs[item] = ""
            else:
                raise fail("each column is a name or `name: description`", "columns")
    if not docs:
        raise fail("the header needs `columns`: the names the query returns", "columns")
    return tuple(docs), docs


def _examples(raw: object, fail: Any) -> tuple[dict[str, str], ...]:
    if not isinstance(raw, list):
        raise fail("`examples` must be a list of parameter maps", "examples")
    out = []
    for item in raw:
        if item is None:
            item = {}
        if not isinstance(item, dict):
            raise fail("each example is a map of parameter values", "examples")
        out.append({str(k): str(v) for k, v in item.items()})
    return tuple(out)

"""Reading SPARQL text without parsing it fully: the query form, and a SERVICE/LOAD guard.

The store's parser stays the judge of syntax; this module only needs the prologue (for the
form) and the IRIs after SERVICE and LOAD, once comments and string literals are removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from service.problems import Refused

_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"

# One prologue item at a time: whitespace, a comment, BASE <iri> or PREFIX p: <iri>.
_PROLOGUE = re.compile(
    rf"(?:\s+|\#[^\n\r]*|BASE\s*{_IRI}|PREFIX\s*[^\s:<>]*:\s*{_IRI})", re.IGNORECASE
)
_WORD = re.compile(r"[A-Za-z]+")

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
UPDATE = "UPDATE"
GRAPH_FORMS = frozenset({"CONSTRUCT", "DESCRIBE"})


def form_of(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE, or None when the text starts with neither.

    An empty request after the prologue is a (valid, empty) update in the SPARQL grammar.
    """
    pos = 0
    while True:
        match = _PROLOGUE.match(text, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
    if pos == len(text):
        return UPDATE
    word = _WORD.match(text, pos)
    if word is None:
        return None
    keyword = word.group(0).upper()
    if keyword in QUERY_FORMS:
        return keyword
    if keyword in UPDATE_WORDS:
        return UPDATE
    return None


# Strings (long forms first), IRIs and comments.
_LEXEME = re.compile(
    r"""(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                   |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
      |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      |(?P<comment>\#[^\n\r]*)""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def strip_literals(text: str) -> tuple[str, list[str]]:
    """The text with strings emptied, comments removed and each IRI replaced by `<n>`.

    Returns the cleaned text and the IRIs (without brackets), so that no keyword inside a
    literal, a comment or an IRI can be mistaken for one in the query.
    """
    iris: list[str] = []

    def replace(match: re.Match[str]) -> str:
        kind = match.lastgroup
        if kind == "string":
            return '""'
        if kind == "comment":
            return " "
        iris.append(match.group(0)[1:-1])
        return f"<{len(iris) - 1}>"

    return _LEXEME.sub(replace, text), iris


def _unescape(text: str) -> str:
    def code(match: re.Match[str]) -> str:
        value = int(match.group(1) or match.group(2), 16)
        return chr(value) if value <= 0x10FFFF else match.group(0)

    return _ESCAPE.sub(code, text)


_PREFIX_DECL = re.compile(r"PREFIX\s*([^\s:<>]*):\s*<(\d+)>", re.IGNORECASE)
_BASE_DECL = re.compile(r"BASE\s*<(\d+)>", re.IGNORECASE)
# A keyword, not the tail of a variable (?service), a prefixed name (ex:load) or a word.
_GAP = r"(?:\s+|(?=[<?$]))"
_REMOTE = re.compile(
    rf"(?<![\w?$:\-])(SERVICE|LOAD){_GAP}(?:SILENT{_GAP})?"
    r"(<\d+>|[?$]\w+|[^\s{}()<>]*:[^\s{}()<>]*)",
    re.IGNORECASE,
)
_USING = re.compile(r"(?<![\w?$:\-])(USING|WITH)(?:\s+|(?=<))", re.IGNORECASE)


@dataclass(frozen=True)
class RemoteCall:
    """One SERVICE or LOAD found in the text, with the IRI it reaches (None if unresolvable)."""

    keyword: str
    target: str
    iri: str | None


def _calls_in(text: str) -> list[RemoteCall]:
    clean, iris = strip_literals(text)
    prefixes = {m.group(1): iris[int(m.group(2))] for m in _PREFIX_DECL.finditer(clean)}
    base_match = _BASE_DECL.search(clean)
    base = iris[int(base_match.group(1))] if base_match else ""
    calls = []
    for match in _REMOTE.finditer(clean):
        keyword, target = match.group(1).upper(), match.group(2)
        iri: str | None = None
        if target.startswith("<"):
            iri = iris[int(target[1:-1])]
            target = f"<{iri}>"
            iri = urljoin(base, iri) if base else iri
        elif target[0] not in "?$":
            prefix, _, local = target.partition(":")
            if prefix in prefixes:
                iri = prefixes[prefix] + local
        calls.append(RemoteCall(keyword, target, iri))
    return calls


def remote_calls(text: str) -> list[RemoteCall]:
    """Every SERVICE and LOAD in `text`, with prefixed names and relative IRIs resolved.

    With \\u escapes present the text is read both as sent and decoded, since a parser may
    decode them before or after splitting the text into tokens; a call seen either way counts.
    """
    escaped = "\\u" in text or "\\U" in text
    lowered = text.lower()
    if not escaped and "service" not in lowered and "load" not in lowered:
        return []  # the common case costs one scan
    calls = _calls_in(text)
    if escaped:
        calls += [c for c in _calls_in(_unescape(text)) if c not in calls]
    return calls


def _allowed(iri: str | None, hosts: set[str]) -> bool:
    if iri is None:
        return False
    parts = urlsplit(iri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return parts.hostname.lower() in hosts or parts.netloc.lower() in hosts


def check_remote(text: str, federation_hosts: Iterable[str]) -> None:
    """Refuse SERVICE and LOAD unless every target host is in the allow-list."""
    calls = remote_calls(text)
    if not calls:
        return
    hosts = {h.strip().lower() for h in federation_hosts if h.strip()}
    refused = [c for c in calls if not _allowed(c.iri, hosts)]
    if not refused:
        return
    names = ", ".join(f"{c.keyword} {c.target[:100]}" for c in refused)
    if not hosts:
        why = "this service does not reach other servers (COPROD_FEDERATION_HOSTS is empty)"
    else:
        why = (
            "only http(s) IRIs to hosts in COPROD_FEDERATION_HOSTS are allowed, and a "
            "variable target cannot be checked"
        )
    raise Refused(f"Refused {names}: {why}.")


def has_dataset_clause(update: str) -> bool:
    """True if an update names its own dataset (USING, USING NAMED or WITH)."""
    lowered = update.lower()
    if "using" not in lowered and "with" not in lowered:
        return False
    return _USING.search(strip_literals(update)[0]) is not None


MAX_NESTING = 100


def check_nesting(text: str, limit: int = MAX_NESTING) -> None:
    """Refuse a query nested deeper than `limit` brackets: the engine's parser recurses and a
    few thousand nested `{` or `(` overflow its stack and end the whole process."""
    depth = deepest = 0
    for char in strip_literals(text)[0]:
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                raise Refused(f"The request nests brackets more than {limit} deep.")
        elif char in "})]":
            depth -= 1

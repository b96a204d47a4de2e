"""The remote store: any SPARQL 1.1 endpoint over HTTP.

SELECT, ASK, CONSTRUCT and updates go through SPARQLWrapper (POSTed directly, content
negotiation only, never `initBindings`); `raw` and the Graph Store HTTP Protocol go through
httpx so answers stream through unparsed. Without a Graph Store URL, graph operations fall
back to SPARQL Update, replacing a graph with one request (`DROP SILENT` + `INSERT DATA`),
which is one transaction on engines that run an update request atomically (Oxigraph does).

Timeouts: the client stops waiting after `timeout_s` (no byte for that long, or the whole
answer not read by then) and raises QueryTimeout. Whether the engine stops evaluating is
up to the engine: Oxigraph stops a streamed answer when the connection closes, but it
finishes a blocking evaluation (an aggregate) unless it was started with its own timeout.
"""

from __future__ import annotations

import ast
import json
import math
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox
import SPARQLWrapper.Wrapper as sparqlwrapper_module
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier
from SPARQLWrapper import BASIC, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
)

from ontology.errors import InputError, QueryError, QueryTimeout, StoreError
from service.sparql_text import UPDATE, form_of
from service.store.base import NTRIPLES, SPARQL_JSON, RawResult, SelectResult
from service.store.embedded import ClosingIterator, check_federation, iri, rdf_format


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: a store that answers 3xx gets an error, never a request elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# SPARQLWrapper opens URLs with urllib's default opener, which follows redirects to any host;
# coprod's requests to a store must never be sent on to another host.
sparqlwrapper_module.urlopener = urllib.request.build_opener(  # type: ignore[assignment]
    _NoRedirect
).open

CHUNK_BYTES = 64 * 1024


def safe_url(url: str) -> str:
    """The URL without any user:password part, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _server_message(exc: SPARQLWrapperException) -> str:
    # SPARQLWrapper keeps the response body only inside its message, as a bytes repr.
    text = str(exc)
    _, sep, body = text.partition("Response:\n")
    if not sep:
        return text
    try:
        value = ast.literal_eval(body)
    except (ValueError, SyntaxError):
        return body
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def from_json_term(value: dict[str, Any]) -> Identifier:
    """An rdflib term from one SPARQL JSON results binding (xsd:string literals become plain)."""
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return Literal(value["value"], lang=value["xml:lang"])
        datatype = value.get("datatype")
        if datatype and datatype != str(XSD.string):
            return Literal(value["value"], datatype=URIRef(datatype))
        return Literal(value["value"])
    raise QueryError(f"unsupported RDF term in a result: {value!r} (RDF-star is not supported)")


_BLANK = re.compile(r"(^|\s)_:", re.MULTILINE)


def _insert(triples: str, graph: str | None) -> str:
    """INSERT DATA, or INSERT ... WHERE {} when the data has blank nodes (Virtuoso refuses
    blank nodes in INSERT DATA; a template mints fresh ones, as INSERT DATA would)."""
    body = triples if graph is None else f"GRAPH <{graph}> {{\n{triples}}}"
    if _BLANK.search(triples):
        return f"INSERT {{\n{body}\n}} WHERE {{}}"
    return f"INSERT DATA {{\n{body}\n}}"


def _ntriples(data: bytes, media_type: str) -> str:
    """Parse `data` and write it as N-Triples lines for INSERT DATA (InputError if it fails)."""
    try:
        quads = list(ox.parse(data, format=rdf_format(media_type)))
    except SyntaxError as exc:
        raise InputError(f"the data does not parse as {media_type}: {exc}") from exc
    return "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads)


class RemoteStore:
    """A SPARQL 1.1 endpoint (query URL, update URL, optional Graph Store URL), HTTP Basic auth.

    SERVICE and LOAD may name only `federation_hosts` (`host` or `host:port` entries), as
    the engine would fetch them; None (what open_store passes) leaves that check to the routes.
    """

    kind = "remote"

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout_s: float = 30.0,
        federation_hosts: Sequence[str] | None = None,
    ) -> None:
        self.query_url = query_url
        self.federation_hosts = None if federation_hosts is None else list(federation_hosts)
        self.update_url = update_url
        self.graph_store_url = graph_store_url
        self.timeout_s = timeout_s
        self._user = user
        self._password = password
        auth = httpx.BasicAuth(user, password or "") if user else None
        self._http = httpx.Client(auth=auth, timeout=httpx.Timeout(timeout_s), trust_env=False)

    # -- SPARQLWrapper --------------------------------------------------------------

    def _wrapper(self, text: str, *, accept: str, params: Sequence[tuple[str, str]] = ()) -> Any:
        wrapper = SPARQLWrapper(self.query_url, updateEndpoint=self.update_url or self.query_url)
        wrapper.setMethod(POST)
        # Form-encoded POST is what every engine accepts (Virtuoso 7.2 stalls on a direct
        # application/sparql-query body).
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setOnlyConneg(True)
        # SPARQLWrapper takes whole seconds; the overall deadline is checked while reading.
        wrapper.setTimeout(max(1, math.ceil(self.timeout_s)))
        if self._user:
            wrapper.setHTTPAuth(BASIC)
            wrapper.setCredentials(self._user, self._password or "")
        wrapper.setQuery(text)
        # SPARQLWrapper guesses the form from the text and can mistake a word in a comment for
        # a keyword (e.g. "loaded" for LOAD); say it from coprod's own reading of the request.
        form = form_of(text)
        if form is not None:
            wrapper.queryType = "INSERT" if form == UPDATE else form
        wrapper.addCustomHttpHeader("Accept", accept)
        for name, value in params:
            wrapper.addParameter(name, value)
        return wrapper

    def _call(
        self, text: str, *, accept: str, endpoint: str, params: Sequence[tuple[str, str]] = ()
    ) -> bytes:
        """Send a query or update through SPARQLWrapper and read the whole answer."""
        check_federation(text, self.federation_hosts)
        started = time.monotonic()
        where = safe_url(endpoint)
        try:
            response = self._wrapper(text, accept=accept, params=params).query().response
            try:
                body = bytearray()
                while chunk := response.read1(CHUNK_BYTES):
                    body += chunk
                    if time.monotonic() - started > self.timeout_s:
                        raise QueryTimeout(
                            f"the store at {where} did not answer within {self.timeout_s}s"
                        )
                return bytes(body)
            finally:
                response.close()
        except QueryBadFormed as exc:
            raise QueryError(_server_message(exc)) from exc
        except Unauthorized as exc:
            raise StoreError(f"the store at {where} refused the credentials (401)") from exc
        except EndPointNotFound as exc:
            raise StoreError(f"no SPARQL endpoint at {where} (404)") from exc
        except EndPointInternalError as exc:
            raise StoreError(f"the store at {where} failed (500): {_server_message(exc)}") from exc
        except SPARQLWrapperException as exc:
            raise StoreError(f"the store at {where} refused the request: {exc}") from exc
        except urllib.error.HTTPError as exc:
            if exc.code in (503, 504):
                raise QueryTimeout(f"the store at {where} gave up ({exc.code})") from exc
            raise StoreError(f"the store at {where} answered HTTP {exc.code}") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise QueryTimeout(
                    f"the store at {where} did not answer within {self.timeout_s}s"
                ) from exc
            raise StoreError(f"cannot reach the store at {where}: {exc.reason}") from exc
        except TimeoutError as exc:
            raise QueryTimeout(
                f"the store at {where} did not answer within {self.timeout_s}s"
            ) from exc
        except OSError as exc:
            raise StoreError(f"cannot reach the store at {where}: {exc}") from exc

    def _results(self, query: str) -> dict[str, Any]:
        body = self._call(query, accept=SPARQL_JSON, endpoint=self.query_url)
        try:
            answer = json.loads(body)
        except ValueError as exc:
            raise StoreError(f"the store at {safe_url(self.query_url)} sent bad JSON") from exc
        if not isinstance(answer, dict):
            raise StoreError(f"the store at {safe_url(self.query_url)} sent bad JSON")
        return answer

    # -- queries --------------------------------------------------------------------

    def select(self, query: str) -> SelectResult:
        """Run a SELECT and return all rows as rdflib terms."""
        answer = self._results(query)
        if "results" not in answer:
            raise QueryError("select() needs a SELECT query")
        names = list(answer.get("head", {}).get("vars", []))
        rows = [
            {name: from_json_term(value) for name, value in binding.items()}
            for binding in answer["results"].get("bindings", [])
        ]
        return SelectResult(variables=names, rows=rows)

    def ask(self, query: str) -> bool:
        """Run an ASK."""
        answer = self._results(query)
        if "boolean" not in answer:
            raise QueryError("ask() needs an ASK query")
        return bool(answer["boolean"])

    def construct(self, query: str) -> Graph:
        """Run a CONSTRUCT or DESCRIBE and return an rdflib Graph."""
        body = self._call(query, accept=NTRIPLES, endpoint=self.query_url)
        graph = Graph()
        try:
            graph.parse(data=body.decode("utf-8"), format="nt")
        except Exception as exc:  # rdflib raises several unrelated types for bad input
            raise QueryError(
                f"construct() needs a CONSTRUCT or DESCRIBE query; the store answered: {exc}"
            ) from exc
        return graph

    def raw(
        self,
        query: str,
        media_type: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> RawResult:
        """Run any query and stream the store's answer through, with its media type.

        The Accept header asks for `media_type` and accepts anything else at a lower weight,
        so a media type that does not fit the query form gets the engine's default for it.
        """
        check_federation(query, self.federation_hosts)
        params: list[tuple[str, str | int | float | bool | None]] = [
            ("default-graph-uri", iri(g)) for g in default_graphs
        ]
        params += [("named-graph-uri", iri(g)) for g in named_graphs]
        # Form-encoded, with the dataset in the body too: every engine accepts this form.
        form = [("query", query), *((name, str(value)) for name, value in params)]
        request = self._http.build_request(
            "POST",
            self.query_url,
            data=None,
            content=urlencode(form).encode("ascii"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": f"{media_type}, */*;q=0.1",
            },
        )
        started = time.monotonic()
        response = self._send(request, stream=True)
        if response.status_code >= 300:
            try:
                response.read()
            finally:
                response.close()
            self._raise_for(response, self.query_url, bad=QueryError)
        content_type = response.headers.get("content-type", media_type)
        stream = ClosingIterator(self._stream(response, started), response.close)
        return RawResult(media_type=content_type, chunks=stream)

    def _stream(self, response: httpx.Response, started: float) -> Iterator[bytes]:
        where = safe_url(self.query_url)
        try:
            # No chunk size: each piece comes as it arrives, so a trickle still meets the deadline.
            for chunk in response.iter_bytes():
                if time.monotonic() - started > self.timeout_s:
                    raise QueryTimeout(f"the store at {where} ran past {self.timeout_s}s")
                yield chunk
        except httpx.TimeoutException as exc:
            raise QueryTimeout(
                f"the store at {where} stopped sending for {self.timeout_s}s"
            ) from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"the answer from {where} broke off: {exc}") from exc
        finally:
            response.close()  # closing the connection is how the engine learns to stop

    # -- httpx plumbing -------------------------------------------------------------

    def _send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        where = safe_url(str(request.url))
        try:
            return self._http.send(request, stream=stream)
        except httpx.TimeoutException as exc:
            raise QueryTimeout(
                f"the store at {where} did not answer within {self.timeout_s}s"
            ) from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the store at {where}: {exc}") from exc

    def _raise_for(
        self, response: httpx.Response, url: str, *, bad: type[InputError] = InputError
    ) -> None:
        where = safe_url(url)
        status = response.status_code
        message = response.text.strip()[:2000]
        if status in (400, 415):
            raise bad(message or f"the store at {where} refused the request ({status})")
        if status in (401, 403):
            raise StoreError(f"the store at {where} refused the credentials ({status})")
        if status in (503, 504):
            raise QueryTimeout(f"the store at {where} gave up ({status}): {message}")
        raise StoreError(f"the store at {where} answered HTTP {status}: {message}")

    def _graph_request(
        self, method: str, graph: str | None, *, content: bytes | None = None, media_type: str = ""
    ) -> httpx.Response:
        assert self.graph_store_url is not None
        params = {"default": ""} if graph is None else {"graph": iri(graph)}
        headers = {"Content-Type": media_type} if content is not None else {"Accept": media_type}
        request = self._http.build_request(
            method, self.graph_store_url, params=params, content=content, headers=headers
        )
        return self._send(request)

    # -- updates and graphs ---------------------------------------------------------

    def update(
        self,
        update: str,
        *,
        using_graphs: Sequence[str] = (),
        using_named_graphs: Sequence[str] = (),
    ) -> None:
        """Run a SPARQL 1.1 Update as one request (one transaction on Oxigraph)."""
        if self.update_url is None:
            raise StoreError("this remote store has no update URL (COPROD_UPDATE_URL)")
        params = [("using-graph-uri", iri(g)) for g in using_graphs]
        params += [("using-named-graph-uri", iri(g)) for g in using_named_graphs]
        self._call(update, accept="*/*", endpoint=self.update_url, params=params)

    def replace_graph(self, graph: str | None, data: bytes, media_type: str) -> None:
        """Replace a graph atomically: Graph Store PUT, or one DROP + INSERT DATA update."""
        if self.graph_store_url is not None:
            rdf_format(media_type)  # refuse unknown media types before sending
            response = self._graph_request("PUT", graph, content=data, media_type=media_type)
            if response.status_code >= 300:
                self._raise_for(response, self.graph_store_url)
            return
        triples = _ntriples(data, media_type)
        if graph is None:
            self.update(f"DROP SILENT DEFAULT ;\n{_insert(triples, None)}")
        else:
            target = iri(graph)
            self.update(
                f"DROP SILENT GRAPH <{target}> ;\nCREATE SILENT GRAPH <{target}> ;\n"
                f"{_insert(triples, target)}"
            )

    def add_to_graph(self, graph: str | None, data: bytes, media_type: str) -> None:
        """Add triples to a graph: Graph Store POST, or INSERT DATA."""
        if self.graph_store_url is not None:
            rdf_format(media_type)
            response = self._graph_request("POST", graph, content=data, media_type=media_type)
            if response.status_code >= 300:
                self._raise_for(response, self.graph_store_url)
            return
        triples = _ntriples(data, media_type)
        self.update(_insert(triples, None if graph is None else iri(graph)))

    def _exists(self, graph: str) -> bool:
        return self.ask(f"ASK {{ GRAPH <{iri(graph)}> {{ }} }}")

    def get_graph(self, graph: str | None, media_type: str) -> bytes | None:
        """Serialise one graph; None when that named graph does not exist."""
        rdf_format(media_type)
        if self.graph_store_url is not None:
            response = self._graph_request("GET", graph, media_type=media_type)
            if response.status_code == 404:
                return None
            if response.status_code >= 300:
                self._raise_for(response, self.graph_store_url)
            return response.content
        if graph is None:
            query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        elif not self._exists(graph):
            return None
        else:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri(graph)}> {{ ?s ?p ?o }} }}"
        return b"".join(self.raw(query, media_type).chunks)

    def drop_graph(self, graph: str | None) -> bool:
        """Remove a named graph (False if missing); None clears the default graph."""
        if self.graph_store_url is not None:
            response = self._graph_request("DELETE", graph)
            if response.status_code == 404:
                return False
            if response.status_code >= 300:
                self._raise_for(response, self.graph_store_url)
            return True
        if graph is None:
            self.update("DROP SILENT DEFAULT")
            return True
        if not self._exists(graph):
            return False
        self.update(f"DROP SILENT GRAPH <{iri(graph)}>")
        return True

    def graphs(self) -> list[str]:
        """IRIs of the named graphs, sorted."""
        result = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(str(row["g"]) for row in result.rows if isinstance(row.get("g"), URIRef))

    def ping(self) -> bool:
        """True when the query URL answers `ASK {}` within a few seconds."""
        try:
            response = self._http.post(
                self.query_url,
                content=b"ASK {}",
                headers={"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON},
                timeout=min(self.timeout_s, 5.0),
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

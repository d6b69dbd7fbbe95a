"""Where queries run: one :class:`Endpoint` protocol, over the embedded store or a remote server.

* :class:`LocalEndpoint` answers from an embedded pyoxigraph store (a snapshot of the knowledge
  base).
* :class:`RemoteEndpoint` speaks the SPARQL 1.1 Protocol to another server. Its
  :meth:`~RemoteEndpoint.select` gives the same rows as the local one, so the projection and the
  conflict engine (:mod:`kb.analysis`) run against the remote store unchanged: the candidate
  subgraph is selected by SPARQL on the server and the paths are explained in NetworkX on what
  comes back. :meth:`~RemoteEndpoint.results` returns pyoxigraph results, so ``kb query
  --endpoint`` writes exactly the formats it writes locally, whatever dialect of the result
  formats the server speaks.

A server may cap the rows of a result (Virtuoso's ``ResultSetMaxRows``, announced by an
``X-SPARQL-MaxRows`` header on a result it cut). :meth:`RemoteEndpoint.select`, which kb's own
whole-graph reads use, then reads the complete result in pages of that size (:func:`paged`);
everything else (:meth:`~RemoteEndpoint.results`, so ``kb query --endpoint``) refuses a cut
result.

:func:`credentials` says where the user and password of a server come from (never the command
line). Pushing the knowledge base to a server is :mod:`kb.sparql.push`.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from kb.errors import KBWarning, QueryError, RemoteError
from kb.model.graphs import FILE_GRAPH_PREFIX, PROVENANCE_GRAPH, SEED_GRAPH_PREFIX
from kb.model.terms import EV
from kb.store import Snapshot, select_rows

AUTH_SCHEMES = ("digest", "basic")
_RESULTS_JSON = "application/sparql-results+json"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"

Row = dict[str, str]
Results = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]


class Endpoint(Protocol):
    """Anything that answers SPARQL: :meth:`select` gives rows of plain strings (unbound keys
    absent), :meth:`results` pyoxigraph results (solutions, a boolean, or triples)."""

    def select(self, query: str) -> Iterator[Row]: ...

    def results(self, query: str, form: str = "SELECT", *, default_graph: list[str] | None = None,
                named_graphs: list[str] | None = None) -> Results: ...


class LocalEndpoint:
    """An :class:`Endpoint` over an embedded pyoxigraph store; ``snapshot``, when given, is the
    store generation ``db`` is (its derived data: :mod:`kb.build.derived`)."""

    def __init__(self, db: ox.Store, snapshot: Snapshot | None = None):
        self.db = db
        self.snapshot = snapshot

    def select(self, query: str) -> Iterator[Row]:
        return select_rows(self.db, query)

    def results(self, query: str, form: str = "SELECT", *, default_graph: list[str] | None = None,
                named_graphs: list[str] | None = None) -> Results:
        """The results of ``query`` on the graphs given (the protocol's ``default-graph-uri`` and
        ``named-graph-uri``), else with the union of all graphs as its default graph (the local
        data lives only in named graphs; :func:`kb.sparql.query.run` also honours a query's own
        ``FROM``). ``form`` is not needed here: pyoxigraph tells."""
        if default_graph is None and named_graphs is None:
            return self.db.query(query, use_default_graph_as_union=True)
        return self.db.query(query, default_graph=[ox.NamedNode(g) for g in default_graph or ()],
                             named_graphs=[ox.NamedNode(g) for g in named_graphs or ()])


class InsecureAuthWarning(KBWarning):
    """A password would cross the network readable by anyone on the path (basic auth over http)."""


@dataclass(frozen=True)
class Credentials:
    """Where to connect and as whom; the URL never holds the password (it is printed in messages)."""

    url: str
    user: str | None = None
    password: str | None = None


def credentials(url: str, user: str | None = None, password: str | None = None) -> Credentials:
    """The user and password for ``url``, from the first source that has them:

    1. ``user`` and ``password`` as given (the command line's ``--password-stdin`` or prompt);
    2. a ``user:password@`` in the URL (taken out of the URL, which is then safe to print);
    3. the environment: ``$KB_REMOTE_USER`` and ``$KB_REMOTE_PASSWORD``;
    4. ``~/.netrc`` (or ``$NETRC``): the ``machine`` entry of the URL's host (its ``login`` must
       be ``user`` when a user is given), then its ``default`` entry.

    The password is never part of any message; see :func:`kb.errors.redact`.
    """
    url, user, password = _from_url(url, user, password)
    user = user if user is not None else os.environ.get("KB_REMOTE_USER") or None
    password = password if password is not None else os.environ.get("KB_REMOTE_PASSWORD") or None
    if password is None:
        found = _netrc(urlsplit(url).hostname or "")
        if found is not None and (user is None or user == found[0]):
            user, password = found
    return Credentials(url, user, password)


def _from_url(url: str, user: str | None, password: str | None) -> tuple[str, str | None, str | None]:
    """``url`` without its ``user:password@`` part, and the user and password (those given first)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, user, password
    if user is None:
        user = unquote(parts.username or "") or None
    if password is None and parts.password is not None:
        password = unquote(parts.password)
    host = parts.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), user, password


def _netrc(host: str) -> tuple[str, str] | None:
    import netrc

    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (netrc.NetrcParseError, OSError) as exc:  # its message quotes no password
        raise RemoteError(f"cannot read {path}: {getattr(exc, 'msg', None) or exc}") from None
    if entry is None or not entry[0]:
        return None
    return entry[0], entry[2] or ""


def warn_if_insecure(url: str, user: str | None, password: str | None, scheme: str) -> None:
    parts = urlsplit(url)
    if user is None or scheme != "basic" or parts.scheme.lower() != "http":
        return
    host = parts.hostname or ""
    if host in ("localhost", "::1") or host.startswith("127."):
        return  # loopback: the password never leaves the machine
    warnings.warn(f"{url}: basic authentication over plain http sends the password readable by anyone "
                  "on the network; use an https URL, or --auth digest", InsecureAuthWarning, stacklevel=3)


def http_auth(user: str | None, password: str | None, scheme: str) -> httpx.Auth | None:
    if user is None:
        return None
    if scheme not in AUTH_SCHEMES:
        raise RemoteError(f"unknown authentication scheme '{scheme}'; expected digest or basic")
    if scheme == "basic":
        return httpx.BasicAuth(user, password or "")
    return httpx.DigestAuth(user, password or "")



class RemoteEndpoint:
    """A SPARQL 1.1 query endpoint on another server; ``max_rows``, when given, is the most rows
    the server sends for one query (Virtuoso's ``ResultSetMaxRows``): :meth:`select` then reads
    in pages of that size from its first request instead of learning the cap from a cut result."""

    def __init__(self, url: str, user: str | None = None, password: str | None = None, *,
                 auth: str = "digest", timeout: float = 600.0, warn: bool = True,
                 max_rows: int | None = None):
        if max_rows is not None and max_rows < 1:
            raise RemoteError(f"max_rows must be at least 1, not {max_rows}")
        self.max_rows = max_rows
        found = credentials(url, user, password)
        if warn:
            warn_if_insecure(found.url, found.user, found.password, auth)
        self.url = found.url  # without a user:password@ part: it goes into messages
        self._secret = found.password
        self.client = httpx.Client(auth=http_auth(found.user, found.password, auth), timeout=timeout,
                                   headers={"User-Agent": "evidence-kb"})

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> RemoteEndpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, query: str, accept: str, *, default_graph: list[str] | None = None,
                named_graphs: list[str] | None = None) -> httpx.Response:
        """POST the query (SPARQL 1.1 Protocol, form-encoded; the dataset, when given, as
        ``default-graph-uri``/``named-graph-uri``) and return the successful response."""
        data: dict[str, str | list[str]] = {"query": query}
        if default_graph is not None:
            data["default-graph-uri"] = default_graph
        if named_graphs is not None:
            data["named-graph-uri"] = named_graphs
        try:
            r = self.client.post(self.url, data=data, headers={"Accept": accept})
        except httpx.HTTPError as exc:
            raise RemoteError(f"{self.url}: {scrub(str(exc), self._secret)}") from None
        return self._checked(r)

    @contextlib.contextmanager
    def stream(self, query: str, accept: str, *, cut: bool = False) -> Iterator[httpx.Response]:
        """Like :meth:`request`, but the body is read as it is used (``iter_bytes``); with ``cut``,
        a result the server cut (see :func:`row_cap`) is returned too, for the caller to judge."""
        try:
            with self.client.stream("POST", self.url, data={"query": query}, headers={"Accept": accept}) as r:
                if r.status_code >= 300:
                    r.read()
                yield self._checked(r, cut=cut)
        except httpx.HTTPError as exc:
            raise RemoteError(f"{self.url}: {scrub(str(exc), self._secret)}") from None

    def _checked(self, r: httpx.Response, *, cut: bool = False) -> httpx.Response:
        if r.status_code == 400:
            raise QueryError(f"{self.url} refused the query: {excerpt(r, self._secret)}")
        if r.status_code in (401, 403):
            raise RemoteError(f"{self.url}: not allowed (HTTP {r.status_code}); check the user and "
                              "password (--user; $KB_REMOTE_PASSWORD, ~/.netrc or --password-stdin)")
        if r.status_code >= 300:
            raise RemoteError(f"{self.url} answered HTTP {r.status_code}: {excerpt(r, self._secret)}")
        if not cut and (rows := row_cap(r)) is not None:
            raise self._cut(rows)
        return r

    def _cut(self, rows: int, why: str = "") -> RemoteError:
        return RemoteError(f"{self.url} cut the result at {rows} rows (Virtuoso's ResultSetMaxRows)"
                           f"{why}; raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini")

    def select(self, query: str) -> Iterator[dict[str, str]]:
        """Rows of a SELECT as plain strings, unbound variables absent (see ``Endpoint``), parsed as
        the response arrives: the whole response is never held, whatever its size.

        A server that caps results (:func:`row_cap`) is read in pages of its cap (:func:`paged`):
        the first response, if cut, is dropped unread and the query sent again page by page; the
        cap is then kept in ``max_rows``, and every later query that can be paged is paged from its
        first request (one sorted page when its result is smaller than the cap). A query that
        cannot be paged (:func:`paged` says why) is sent as it is, and refused as before if the
        server cuts it, rather than answered with a truncated result."""
        if self.max_rows is not None:
            plan = paged(query)
            if not isinstance(plan, str):
                yield from self._pages(plan, self.max_rows)
                return
        with self.stream(query, _RESULTS_JSON, cut=True) as r:
            cap = row_cap(r)
            if cap is None:
                yield from self._rows(r)
                return
        plan = paged(query)
        if isinstance(plan, str):
            raise self._cut(cap, f" and the query cannot be read in pages ({plan})")
        self.max_rows = cap  # known now: the next queries are paged from their first request
        yield from self._pages(plan, cap)

    def _pages(self, page: Paged, size: int) -> Iterator[Row]:
        """Every row of ``page``'s query, ``size`` rows a request; a server whose cap is smaller
        than ``size`` (``max_rows`` set too high) is asked again with its own cap."""
        offset, previous = 0, None
        while True:
            seen: list[int] = []
            with self.stream(page(offset, size), _RESULTS_JSON, cut=True) as r:
                cap = row_cap(r)
                if cap is not None and cap < size:
                    self.max_rows = size = cap  # nothing of it was used: the same page, smaller
                    continue
                for row in self._rows(r):
                    seen.append(hash(tuple(sorted(row.items()))))
                    yield row
            if len(seen) < size:
                return
            if seen == previous and len(set(seen)) > 1:
                # in a total order, a page equal to the one before holds one row only, repeated
                raise RemoteError(f"{self.url} sent the same page of results for OFFSET {offset - size} "
                                  f"and {offset}: it ignores OFFSET, so its capped results cannot be read "
                                  "whole")
            offset, previous = offset + len(seen), seen

    def _rows(self, r: httpx.Response) -> Iterator[Row]:
        """The rows of a SPARQL JSON response, parsed from its body as it arrives."""
        try:
            solutions = ox.parse_query_results(_Body(r.iter_bytes()), format=ox.QueryResultsFormat.JSON)
            if not isinstance(solutions, ox.QuerySolutions):
                raise RemoteError(f"{self.url} answered a SELECT with a boolean")
            names = list(enumerate(v.value for v in solutions.variables))
            for solution in solutions:
                yield {name: term.value for i, name in names if (term := solution[i]) is not None}
        except SyntaxError as exc:
            raise RemoteError(f"{self.url} sent results that do not parse as SPARQL JSON: {exc}") from None

    def results(self, query: str, form: str = "SELECT", *, default_graph: list[str] | None = None,
                named_graphs: list[str] | None = None
                ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        """The results as pyoxigraph objects: solutions or a boolean (read from SPARQL JSON), or the
        triples of a CONSTRUCT or DESCRIBE (read from N-Triples or Turtle). The graphs given are
        sent as ``default-graph-uri``/``named-graph-uri``."""
        graphs = {"default_graph": default_graph, "named_graphs": named_graphs}
        if form in ("CONSTRUCT", "DESCRIBE"):
            r = self.request(query, _GRAPH_ACCEPT, **graphs)
            media = r.headers.get("content-type", "application/n-triples").split(";")[0].strip()
            fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
            try:
                return [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(r.content, format=fmt)]
            except SyntaxError as exc:
                raise RemoteError(f"{self.url} sent a graph that does not parse as {media}: {exc}") from None
        r = self.request(query, _RESULTS_JSON, **graphs)
        try:
            return ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
        except SyntaxError as exc:
            raise RemoteError(f"{self.url} sent results that do not parse as SPARQL JSON: {exc}") from None

    def count(self, graphs: Iterable[str] | None = None) -> int:
        """The number of statements in the knowledge base's graphs on the server (or in ``graphs``)."""
        if graphs is None:
            where = (f'FILTER(STRSTARTS(STR(?g), "{FILE_GRAPH_PREFIX}") || '
                     f'STRSTARTS(STR(?g), "{SEED_GRAPH_PREFIX}") || ?g = <{PROVENANCE_GRAPH}>)')
        else:
            where = "VALUES ?g { " + " ".join(str(ox.NamedNode(g)) for g in graphs) + " }"
        rows = list(self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} GRAPH ?g {{ ?s ?p ?o }} }}"))
        return int(rows[0]["n"]) if rows else 0

    def loaded_files(self) -> list[str]:
        """The file graphs the knowledge base's provenance graph on the server lists."""
        q = (f"SELECT DISTINCT ?g WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ ?g a <{EV.LoadedFile}> }} }}")
        return sorted(r["g"] for r in self.select(q))


def row_cap(r: httpx.Response) -> int | None:
    """The row cap a response says it reached, else None: Virtuoso sends ``X-SPARQL-MaxRows:
    ResultSetMaxRows`` on a result of that many rows, which it may have cut (it sends it also when
    the result happened to have exactly that many rows: a page of exactly the cap is complete)."""
    value = r.headers.get("x-sparql-maxrows")
    if value is None:
        return None
    try:
        return max(int(value.strip()), 1)
    except ValueError:
        return 1  # a cap we cannot read: still a cut result


@dataclass(frozen=True)
class Paged:
    """A SELECT rewritten to be read in pages: ``paged(offset, size)`` is the query text of the
    ``size`` rows after the first ``offset`` in one fixed order."""

    prologue: str
    body: str
    keys: str

    def __call__(self, offset: int, size: int) -> str:
        return (f"{self.prologue}\nSELECT * WHERE {{ {{ SELECT * WHERE {{ {{ {self.body}\n }} }} "
                f"ORDER BY {self.keys} }} }} LIMIT {int(size)} OFFSET {int(offset)}")


def paged(query: str) -> Paged | str:
    """``query`` made readable in pages, or why it cannot be (a short phrase).

    Pages are stable only in a total order: the query, whole, becomes a sub-select, sorted by
    every projected variable and tie-breaks that tell apart terms ``ORDER BY`` may hold equal
    (``"a"@en`` and ``"a"@fr``, ``"1"^^xsd:int`` and ``"1"^^xsd:integer``; see :func:`order_keys`),
    and the outer query slices it with ``LIMIT``/``OFFSET``. Rows equal in all keys are the same
    row, so which copy of a repeated row falls on which page does not matter. Virtuoso sorts a
    sub-select whole and slices it after, so a large ``OFFSET`` is accepted; the same sort with
    ``ORDER BY``, ``LIMIT`` and ``OFFSET`` on one query is a "sorted TOP", refused past
    ``MaxSortedTopRows`` (SR353: 10 000 rows by default). Keyset
    paging does not apply: ``>`` is not defined between IRIs in SPARQL, and a repeated row would
    straddle a page boundary. The cost: every page evaluates and sorts the whole result.

    Not paged: anything but a SELECT, and a SELECT with its own ``ORDER BY`` (its order would
    not survive), ``LIMIT``/``OFFSET`` (a slice of an unordered result is not stable), ``FROM``
    (not allowed in a sub-select), or anything that may evaluate differently each time (a
    sub-select's ``LIMIT``, ``SAMPLE``, ``GROUP_CONCAT``, ``RAND()``, ``NOW()``, ``UUID()``,
    ``BNODE()``: see ``_UNSTABLE``). The query is read by rdflib's SPARQL grammar; its prologue
    (``PREFIX``, ``BASE``) stays in front."""
    import pyparsing as pp
    from rdflib.plugins.sparql import algebra, parser
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        tree = parser.parseQuery(query)
        body = tree[1]
        if body.name != "SelectQuery":
            return "not a SELECT"
        for part, why in (("orderby", "it has its own ORDER BY"), ("datasetClause", "it has FROM"),
                          ("limitoffset", "it has its own LIMIT or OFFSET")):
            if part in body:
                return why
        plan = algebra.translateQuery(tree).algebra
        names = [v.n3() for v in plan["PV"]]
        start = pp.Located(parser.Prologue).parse_string(query)[2]
        unstable: list[str] = []
        algebra.traverse(body, visitPre=lambda node: unstable.append(node.name) if isinstance(node, CompValue)
                         and node.name in _UNSTABLE else None)  # the query as written (rdflib's algebra
        # writes a grouped variable as SAMPLE)
    except Exception as exc:  # rdflib's grammar or algebra refused it: not ours to page
        return f"rdflib cannot read it: {' '.join(str(exc).split())[:200]}"
    if unstable:
        return f"{_UNSTABLE[unstable[0]]} may give other rows each time it is evaluated"
    if not names:
        return "it projects no variable"
    if len(names) >= MAX_ORDER_KEYS:
        return f"it projects {len(names)} variables; Virtuoso sorts by at most {MAX_ORDER_KEYS} keys"
    return Paged(query[:start], query[start:], order_keys(names))


# What makes a query's rows differ between two evaluations (each page is one): the names of
# rdflib's parse tree (a LIMIT/OFFSET below the top is a sub-select's; the top one is refused first).
_UNSTABLE = {"LimitOffsetClauses": "a sub-select's LIMIT or OFFSET", "Aggregate_Sample": "SAMPLE",
             "Aggregate_GroupConcat": "GROUP_CONCAT (its order is not fixed)", "Builtin_RAND": "RAND()",
             "Builtin_NOW": "NOW()", "Builtin_UUID": "UUID()", "Builtin_STRUUID": "STRUUID()",
             "Builtin_BNODE": "BNODE()"}
MAX_ORDER_KEYS = 20  # Virtuoso: "SQ186: Over 20 keys in group by or hash join"


def order_keys(names: list[str]) -> str:
    """``ORDER BY`` keys that order rows of the variables ``names`` totally: each variable, then
    what tells apart two terms it may hold equal (their lexical form, language and datatype).
    Four keys a variable (``?v STR(?v) LANG(?v) DATATYPE(?v)``) while they fit Virtuoso's limit
    of 20 (up to five variables: every whole-graph read of kb), else one key for all variables:
    each term written ``language|datatype|length|lexical form`` (``-`` for an IRI, a blank node or
    unbound, which ``?v`` orders already), which no two distinct literals share; measured on
    414 000 rows it sorts in 1.3× the time of the four keys, so it is kept for wide queries."""
    if 4 * len(names) <= MAX_ORDER_KEYS:
        return " ".join(f"{v} STR({v}) LANG({v}) DATATYPE({v})" for v in names)
    parts = ", ".join(f'COALESCE(CONCAT(LANG({v}), "|", STR(DATATYPE({v})), "|", STR(STRLEN(STR({v}))), '
                      f'"|", STR({v})), "-")' for v in names)
    return " ".join(names) + f" CONCAT({parts})"


class _Body(io.RawIOBase):
    """A binary file over the chunks of a response body, for a parser that reads as it goes."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while not self.pending:
            self.pending = next(self.chunks, b"")
            if not self.pending:
                return 0
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def scrub(text: str, secret: str | None) -> str:
    """``text`` without ``secret`` (a server or a library may echo what it was sent)."""
    return text.replace(secret, "***") if secret else text


def excerpt(r: httpx.Response, secret: str | None = None) -> str:
    return scrub(" ".join(r.text.split()), secret)[:400]

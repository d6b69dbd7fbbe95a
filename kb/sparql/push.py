"""An external SPARQL 1.1 store: query it, and push the knowledge base to it.

* :class:`RemoteEndpoint` speaks the SPARQL 1.1 Protocol. Its :meth:`~RemoteEndpoint.select`
  answers the :class:`kb.analysis.projection.Endpoint` protocol, so the projection and the conflict engine run
  against the remote store unchanged: the candidate subgraph is selected by SPARQL on the server
  and the paths are explained in NetworkX on what comes back. :meth:`~RemoteEndpoint.results`
  returns pyoxigraph results, so ``kb query --endpoint`` writes exactly the formats it writes
  locally, whatever dialect of the result formats the server speaks.
* :func:`push` sends every named graph (one per loaded file, and the provenance graph) with the
  SPARQL 1.1 Graph Store HTTP Protocol, in batches: the first batch of a graph with ``PUT``
  (replacing whatever the server held under that name), the others with ``POST`` (appending).
  A batch never splits the statements of one blank node. Graphs of files no longer in the
  knowledge base are deleted. Pushing twice therefore leaves one copy.

Servers (see the README): Virtuoso answers queries at ``http://HOST:8890/sparql`` and takes
writes at ``/sparql-graph-crud-auth`` with HTTP digest authentication; Oxigraph server answers at
``http://HOST:7878/query`` and takes writes at ``/store``, with no authentication. Other servers:
pass the Graph Store URL with ``store_url``.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from kb.errors import KBWarning, QueryError, RemoteError
from kb.model.graphs import FILE_GRAPH_PREFIX, PROVENANCE_GRAPH, SEED_GRAPH_PREFIX
from kb.model.terms import EV

BATCH = 50_000
ATTEMPTS = 3  # per graph, when the connection drops during a push
AUTH_SCHEMES = ("digest", "basic")
_RESULTS_JSON = "application/sparql-results+json"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
# Graph Store Protocol and query paths by server convention: (query path, graph store path).
_CONVENTIONS = (("/sparql", "/sparql-graph-crud-auth"), ("/sparql", "/sparql-graph-crud"),
                ("/query", "/store"))


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
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        user = user if user is not None else unquote(parts.username or "") or None
        password = password if password is not None else (
            unquote(parts.password) if parts.password is not None else None)
        host = parts.hostname or ""
        netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    if user is None:
        user = os.environ.get("KB_REMOTE_USER") or None
    if password is None:
        password = os.environ.get("KB_REMOTE_PASSWORD") or None
    if password is None:
        found = _netrc(urlsplit(url).hostname or "")
        if found is not None and (user is None or user == found[0]):
            user, password = found
    return Credentials(url, user, password)


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


def _warn_if_insecure(url: str, user: str | None, password: str | None, scheme: str) -> None:
    parts = urlsplit(url)
    if user is None or scheme != "basic" or parts.scheme.lower() != "http":
        return
    host = parts.hostname or ""
    if host in ("localhost", "::1") or host.startswith("127."):
        return  # loopback: the password never leaves the machine
    warnings.warn(f"{url}: basic authentication over plain http sends the password readable by anyone "
                  "on the network; use an https URL, or --auth digest", InsecureAuthWarning, stacklevel=3)


def _auth(user: str | None, password: str | None, scheme: str) -> httpx.Auth | None:
    if user is None:
        return None
    if scheme not in AUTH_SCHEMES:
        raise RemoteError(f"unknown authentication scheme '{scheme}'; expected digest or basic")
    if scheme == "basic":
        return httpx.BasicAuth(user, password or "")
    return httpx.DigestAuth(user, password or "")


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def endpoint_urls(url: str, *, authenticated: bool = False, store_url: str | None = None) -> tuple[str, str]:
    """The query URL and the Graph Store URL of a server, from either of them.

    Known conventions: Virtuoso (``/sparql`` and ``/sparql-graph-crud-auth``, or
    ``/sparql-graph-crud`` without authentication) and Oxigraph server (``/query`` and
    ``/store``). For other servers pass ``store_url``.
    """
    path = urlsplit(url).path.rstrip("/")
    for query_path, store_path in _CONVENTIONS:
        if path.endswith(store_path):
            return _with_path(url, path[: -len(store_path)] + query_path), store_url or url
    for query_path, store_path in _CONVENTIONS:
        if path.endswith(query_path):
            if query_path == "/sparql" and store_path.endswith("-auth") != authenticated:
                continue
            return url, store_url or _with_path(url, path[: -len(query_path)] + store_path)
    if store_url:
        return url, store_url
    raise RemoteError(f"{url}: cannot tell where this server's Graph Store Protocol endpoint is; "
                      "pass it with --store-url (Virtuoso: .../sparql-graph-crud-auth, "
                      "Oxigraph server: .../store, Fuseki: .../DATASET/data)")


class RemoteEndpoint:
    """A SPARQL 1.1 query endpoint on another server."""

    def __init__(self, url: str, user: str | None = None, password: str | None = None, *,
                 auth: str = "digest", timeout: float = 600.0, warn: bool = True):
        found = credentials(url, user, password)
        if warn:
            _warn_if_insecure(found.url, found.user, found.password, auth)
        self.url = found.url  # without a user:password@ part: it goes into messages
        self._secret = found.password
        self.client = httpx.Client(auth=_auth(found.user, found.password, auth), timeout=timeout,
                                   headers={"User-Agent": "evidence-kb"})

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> RemoteEndpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, query: str, accept: str) -> httpx.Response:
        """POST the query (SPARQL 1.1 Protocol, form-encoded) and return the successful response."""
        try:
            r = self.client.post(self.url, data={"query": query}, headers={"Accept": accept})
        except httpx.HTTPError as exc:
            raise RemoteError(f"{self.url}: {_scrub(str(exc), self._secret)}") from None
        if r.status_code == 400:
            raise QueryError(f"{self.url} refused the query: {_message(r, self._secret)}")
        if r.status_code in (401, 403):
            raise RemoteError(f"{self.url}: not allowed (HTTP {r.status_code}); check the user and "
                              "password (--user; $KB_REMOTE_PASSWORD, ~/.netrc or --password-stdin)")
        if r.status_code >= 300:
            raise RemoteError(f"{self.url} answered HTTP {r.status_code}: {_message(r, self._secret)}")
        cut = r.headers.get("x-sparql-maxrows")
        if cut is not None:
            raise RemoteError(f"{self.url} cut the result at {cut} rows (Virtuoso's ResultSetMaxRows); "
                              "raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini")
        return r

    def select(self, query: str) -> Iterator[dict[str, str]]:
        """Rows of a SELECT as plain strings, unbound variables absent (see ``Endpoint``)."""
        data = json.loads(self.request(query, _RESULTS_JSON).content)
        for binding in data.get("results", {}).get("bindings", []):
            yield {k: v["value"] for k, v in binding.items()}

    def results(self, query: str, form: str = "SELECT"
                ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        """The results as pyoxigraph objects: solutions or a boolean (read from SPARQL JSON), or the
        triples of a CONSTRUCT or DESCRIBE (read from N-Triples or Turtle)."""
        if form in ("CONSTRUCT", "DESCRIBE"):
            r = self.request(query, _GRAPH_ACCEPT)
            media = r.headers.get("content-type", "application/n-triples").split(";")[0].strip()
            fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
            try:
                return [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(r.content, format=fmt)]
            except SyntaxError as exc:
                raise RemoteError(f"{self.url} sent a graph that does not parse as {media}: {exc}") from None
        r = self.request(query, _RESULTS_JSON)
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


def _scrub(text: str, secret: str | None) -> str:
    """``text`` without ``secret`` (a server or a library may echo what it was sent)."""
    return text.replace(secret, "***") if secret else text


def _message(r: httpx.Response, secret: str | None = None) -> str:
    return _scrub(" ".join(r.text.split()), secret)[:400]


# -- pushing -------------------------------------------------------------------------------------

@dataclass
class PushReport:
    """What a push sent: statements per target graph, graphs deleted, time taken."""

    query_url: str
    store_url: str
    graphs: dict[str, int] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())

    @property
    def rate(self) -> float:
        """Statements sent per second."""
        return self.triples / self.seconds if self.seconds > 0 else 0.0


def batches(triples: Iterable[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """Cut statements into batches of about ``size``, keeping every statement that mentions a blank
    node in the same batch as the others connected to it through blank nodes (a blank node's label
    means nothing outside one request, so splitting them would change the graph)."""
    batch: list[ox.Triple] = []
    parent: dict[ox.BlankNode, ox.BlankNode] = {}
    held: list[ox.Triple] = []

    def root(b: ox.BlankNode) -> ox.BlankNode:
        parent.setdefault(b, b)
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        return b

    for t in triples:
        blanks = [x for x in (t.subject, t.object) if isinstance(x, ox.BlankNode)]
        if not blanks:
            batch.append(t)
            if len(batch) >= size:
                yield batch
                batch = []
            continue
        held.append(t)
        first = root(blanks[0])
        for other in blanks[1:]:
            parent[root(other)] = first
    groups: dict[ox.BlankNode, list[ox.Triple]] = {}
    for t in held:
        b = t.subject if isinstance(t.subject, ox.BlankNode) else t.object
        groups.setdefault(root(b), []).append(t)  # type: ignore[arg-type]
    for group in groups.values():
        if batch and len(batch) + len(group) > size:
            yield batch
            batch = []
        batch.extend(group)
    if batch:
        yield batch


class _Progress:
    """A rich progress bar of statements sent (or nothing, when disabled)."""

    def __init__(self, total: int, enabled: bool):
        self.bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self.bar = Progress(TextColumn("[bold]Pushing[/] {task.description}"), BarColumn(),
                                MofNCompleteColumn(), TextColumn("statements"), TransferSpeedColumn(),
                                TimeRemainingColumn(), console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task("", total=total)
            self.bar.start()

    def describe(self, text: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, description=text)

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def push(db: ox.Store, url: str, *, graph: str | None = None, user: str | None = None,
         password: str | None = None, auth: str = "digest", store_url: str | None = None,
         batch: int = BATCH, progress: bool = False,
         on_batch: Callable[[str, int], None] | None = None) -> PushReport:
    """Send the named graphs of ``db`` to the server at ``url`` (its query or Graph Store URL).

    Every named graph keeps its name on the server, unless ``graph`` is given: then everything
    goes into that one graph. Graphs are replaced, not added to, and file graphs the server holds
    for files no longer in ``db`` are deleted, so pushing twice leaves one copy. ``progress``
    draws a rich progress bar on stderr; ``on_batch(graph, n)`` is called after each batch.
    """
    found = credentials(url, user, password)
    url, user, password = found.url, found.user, found.password
    if store_url is not None:
        store_url = credentials(store_url, user, password).url
    _warn_if_insecure(store_url or url, user, password, auth)
    query_url, gsp_url = endpoint_urls(url, authenticated=user is not None, store_url=store_url)
    report = PushReport(query_url, gsp_url)
    started = time.perf_counter()
    sources = sorted((g for g in db.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value)
    targets: dict[str, list[ox.NamedNode]] = {}
    for g in sources:
        targets.setdefault(graph or g.value, []).append(g)
    previous: list[str] = []
    if graph is None:  # the files the server holds now, to delete those no longer loaded here
        with RemoteEndpoint(query_url, user, password, auth=auth, warn=False) as remote:
            previous = remote.loaded_files()
    total = len(db)
    bar = _Progress(total, progress)
    client = httpx.Client(auth=_auth(user, password, auth), timeout=600.0,
                          headers={"User-Agent": "evidence-kb"})
    try:
        for target, parts in targets.items():
            bar.describe(target)
            report.graphs[target] = _push_graph(client, gsp_url, target, parts, db, batch, bar, on_batch)
        for g in previous:
            if g not in targets:
                _send(client, "DELETE", gsp_url, g, b"")
                report.deleted.append(g)
    except RemoteError as exc:  # a server may echo what it was sent
        if password and password in str(exc):
            raise RemoteError(_scrub(str(exc), password)) from None
        raise
    finally:
        client.close()
        bar.close()
    report.seconds = time.perf_counter() - started
    return report


def _push_graph(client: httpx.Client, gsp_url: str, target: str, parts: list[ox.NamedNode],
                db: ox.Store, batch: int, bar: _Progress,
                on_batch: Callable[[str, int], None] | None) -> int:
    """Send one target graph: ``PUT`` its first batch, ``POST`` the others. A dropped connection
    sends the whole graph again from its ``PUT`` (which replaces what was sent before, so nothing
    is duplicated), up to ``ATTEMPTS`` times. Returns the number of statements sent."""
    for attempt in range(1, ATTEMPTS + 1):
        method, sent = "PUT", 0
        try:
            triples = (q.triple for g in parts for q in db.quads_for_pattern(None, None, None, g))
            for chunk in batches(triples, batch):
                _send(client, method, gsp_url, target, ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES))
                method = "POST"
                sent += len(chunk)
                bar.advance(len(chunk))
                if on_batch:
                    on_batch(target, len(chunk))
            if method == "PUT":  # an empty graph: make sure the server holds nothing under its name
                _send(client, "DELETE", gsp_url, target, b"")
            return sent
        except _Dropped as exc:
            if attempt == ATTEMPTS:
                raise RemoteError(f"{exc} (tried {ATTEMPTS} times)") from exc
            bar.advance(-sent)
            bar.describe(f"{target} (again after: {exc.__cause__})")
            time.sleep(attempt)
    raise AssertionError("unreachable")


class _Dropped(RemoteError):
    """The connection broke during a request (the server may or may not have applied it)."""


def _send(client: httpx.Client, method: str, url: str, graph: str, body: bytes) -> None:
    headers = {"Content-Type": "text/turtle; charset=utf-8"} if body else {}
    try:
        r = client.request(method, url, params={"graph": graph}, content=body, headers=headers)
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise _Dropped(f"{url}: {exc}") from exc
    except httpx.HTTPError as exc:
        raise RemoteError(f"{url}: {exc}") from exc
    if method == "DELETE" and r.status_code == 404:
        return
    if r.status_code in (401, 403):
        raise RemoteError(f"{url}: not allowed to write (HTTP {r.status_code}); check the user and "
                          "password (--user; $KB_REMOTE_PASSWORD, ~/.netrc or --password-stdin; "
                          "Virtuoso needs digest authentication on /sparql-graph-crud-auth)")
    if r.status_code >= 300:
        raise RemoteError(f"{url}: {method} of <{graph}> answered HTTP {r.status_code}: {_message(r)}")

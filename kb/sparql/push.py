"""Push the knowledge base to an external SPARQL 1.1 store.

:func:`push` sends every named graph (one per loaded file, and the provenance graph) with the
SPARQL 1.1 Graph Store HTTP Protocol, in batches: the first batch of a graph with ``PUT``
(replacing whatever the server held under that name), the others with ``POST`` (appending).
A batch never splits the statements of one blank node. Graphs of files no longer in the
knowledge base are deleted. Pushing twice therefore leaves one copy. Querying a server is
:class:`kb.sparql.endpoint.RemoteEndpoint`.

Servers (see the README): Virtuoso answers queries at ``http://HOST:8890/sparql`` and takes
writes at ``/sparql-graph-crud-auth`` with HTTP digest authentication; Oxigraph server answers at
``http://HOST:7878/query`` and takes writes at ``/store``, with no authentication. Other servers:
pass the Graph Store URL with ``store_url``.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from kb.sparql.endpoint import (
    RemoteEndpoint,
    RemoteError,
    credentials,
    excerpt,
    http_auth,
    scrub,
    warn_if_insecure,
)

BATCH = 50_000
ATTEMPTS = 3  # per graph, when the connection drops during a push
CLEAR_PAGE = 200_000  # statements deleted per request when a large graph is cleared before it is replaced
NEGOTIATE_GRAPH = "urn:evkb:push:negotiate"  # GET of it fetches the digest challenge (nothing is stored)
# Graph Store Protocol and query paths by server convention: (query path, graph store path).
_CONVENTIONS = (("/sparql", "/sparql-graph-crud-auth"), ("/sparql", "/sparql-graph-crud"),
                ("/query", "/store"))


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
    for files no longer in ``db`` are deleted, so pushing twice leaves one copy. After each graph,
    the number of statements the server holds in it is checked against the distinct statements
    sent (a :class:`~kb.errors.RemoteError` when they differ). ``progress`` draws a rich progress
    bar on stderr; ``on_batch(graph, n)`` is called after each batch.
    """
    found = credentials(url, user, password)
    url, user, password = found.url, found.user, found.password
    if store_url is not None:
        store_url = credentials(store_url, user, password).url
    warn_if_insecure(store_url or url, user, password, auth)
    query_url, gsp_url = endpoint_urls(url, authenticated=user is not None, store_url=store_url)
    report = PushReport(query_url, gsp_url)
    started = time.perf_counter()
    targets = _targets(db, graph)
    bar = _Progress(len(db), progress)
    client = httpx.Client(auth=http_auth(user, password, auth), timeout=600.0,
                          headers={"User-Agent": "evidence-kb"})
    remote = RemoteEndpoint(query_url, user, password, auth=auth, warn=False)
    try:
        # the files the server holds now, to delete those no longer loaded here
        previous = remote.loaded_files() if graph is None else []
        _negotiate(client, gsp_url)
        clear_url = update_url(query_url, gsp_url)
        for target, parts in targets.items():
            bar.describe(target)
            report.graphs[target] = _replace(client, remote, clear_url, gsp_url, target, parts, db, batch,
                                             bar, on_batch)
        for g in previous:
            if g not in targets:
                _send(client, "DELETE", gsp_url, g, b"")
                report.deleted.append(g)
    except RemoteError as exc:  # a server may echo what it was sent
        if password and password in str(exc):
            raise RemoteError(scrub(str(exc), password)) from None
        raise
    finally:
        remote.close()
        client.close()
        bar.close()
    report.seconds = time.perf_counter() - started
    return report


def _targets(db: ox.Store, graph: str | None) -> dict[str, list[ox.NamedNode]]:
    """The graphs to send, by the name they get on the server (all in one with ``graph``)."""
    targets: dict[str, list[ox.NamedNode]] = {}
    for g in sorted((g for g in db.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value):
        targets.setdefault(graph or g.value, []).append(g)
    return targets


def _replace(client: httpx.Client, remote: RemoteEndpoint, clear_url: str | None, gsp_url: str, target: str,
             parts: list[ox.NamedNode], db: ox.Store, batch: int, bar: _Progress,
             on_batch: Callable[[str, int], None] | None) -> int:
    """Replace one graph on the server (cleared in pages first where that is slow), check what it
    holds after, and return the number of statements sent."""
    if clear_url and (held := remote.count([target])) > CLEAR_PAGE:
        _clear(client, clear_url, target, held)
    sent = _push_graph(client, gsp_url, target, parts, db, batch, bar, on_batch)
    _check(remote, gsp_url, target, _distinct(db, parts, sent))
    return sent


def update_url(query_url: str, gsp_url: str) -> str | None:
    """The SPARQL 1.1 Update URL of a server whose own clearing of a graph is slow (Oxigraph
    server: ``/update`` beside ``/query`` and ``/store``), else None."""
    query, store = urlsplit(query_url).path, urlsplit(gsp_url).path
    if query.endswith("/query") and store.endswith("/store") and query[:-6] == store[:-6]:
        return _with_path(query_url, query[:-6] + "/update")
    return None


def _negotiate(client: httpx.Client, url: str) -> None:
    """Get the digest challenge with a request without a body (``GET`` of a graph no one uses),
    so that every ``PUT`` and ``POST`` after it carries its credentials at once. Without it, the
    first ``PUT`` goes out unauthenticated and Virtuoso answers 401 by closing the connection
    before it has read the body: a failed request and a retry every time."""
    if not isinstance(client.auth, httpx.DigestAuth):
        return
    try:
        r = client.get(url, params={"graph": NEGOTIATE_GRAPH})
    except httpx.HTTPError as exc:
        raise RemoteError(f"{url}: {exc}") from exc
    if r.status_code in (401, 403):  # anything else (404: no such graph) has done its work
        _refused(r, url, "GET", NEGOTIATE_GRAPH)


def _clear(client: httpx.Client, url: str, target: str, held: int) -> None:
    """Delete the statements of a large graph ``CLEAR_PAGE`` per request, so that no one request
    has to clear it whole (Oxigraph server spends ~90 s a million statements clearing a graph
    inside the ``PUT`` that replaces it: past any timeout on a large graph)."""
    g = ox.NamedNode(target)
    update = (f"DELETE {{ GRAPH {g} {{ ?s ?p ?o }} }} "
              f"WHERE {{ SELECT ?s ?p ?o WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }} LIMIT {CLEAR_PAGE} }}")
    for _ in range(held // CLEAR_PAGE + 1):
        try:
            r = client.post(url, data={"update": update})
        except httpx.HTTPError as exc:
            raise RemoteError(f"{url}: {exc}") from exc
        _refused(r, url, "DELETE", target)


def _distinct(db: ox.Store, parts: list[ox.NamedNode], sent: int) -> int:
    """The distinct statements of ``parts`` (``sent`` when there is one: a graph is a set)."""
    if len(parts) == 1:
        return sent
    values = " ".join(str(g) for g in parts)
    q = (f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} "
         "GRAPH ?g { ?s ?p ?o } } }")
    return int(next(iter(db.query(q)))[0].value)


def _check(remote: RemoteEndpoint, url: str, target: str, expected: int) -> None:
    held = remote.count([target])
    if held != expected:
        raise RemoteError(f"{url}: after the push the server holds {held} statements in <{target}>, "
                          f"but {expected} distinct statements were sent; the server changed or dropped "
                          "some (push again, and look at the server's log)")


def _push_graph(client: httpx.Client, gsp_url: str, target: str, parts: list[ox.NamedNode],
                db: ox.Store, batch: int, bar: _Progress,
                on_batch: Callable[[str, int], None] | None, *, dump: bool = True) -> int:
    """Send one target graph: ``PUT`` its first batch, ``POST`` the others, the next batch read
    from the store while the current one is sent. A dropped connection sends the whole graph
    again from its ``PUT`` (which replaces what was sent before, so nothing is duplicated), up to
    ``ATTEMPTS`` times. Returns the number of statements sent."""
    for attempt in range(1, ATTEMPTS + 1):
        method, sent = "PUT", 0
        try:
            for n, body in _read_ahead(lambda put: _produce(db, parts, batch, put, dump=dump)):
                _send(client, method, gsp_url, target, body)
                method = "POST"
                sent += n
                bar.advance(n)
                if on_batch:
                    on_batch(target, n)
            if method == "PUT":  # an empty graph: make sure the server holds nothing under its name
                _send(client, "DELETE", gsp_url, target, b"")
            return sent
        except _BlankNode:  # again from the PUT, keeping the statements of each blank node together
            bar.advance(-sent)
            return _push_graph(client, gsp_url, target, parts, db, batch, bar, on_batch, dump=False)
        except _Dropped as exc:
            if attempt == ATTEMPTS:
                raise RemoteError(f"{exc} (tried {ATTEMPTS} times)") from exc
            bar.advance(-sent)
            bar.describe(f"{target} (again after: {exc.__cause__})")
            time.sleep(attempt)
    raise AssertionError("unreachable")


Put = Callable[[int, bytes], None]


def _produce(db: ox.Store, parts: list[ox.NamedNode], batch: int, put: Put, *, dump: bool = True) -> None:
    """Cut the statements of ``parts`` into N-Triples batches of about ``batch`` statements and
    ``put(n, body)`` each. With ``dump``, the store itself writes them and they are cut at line ends
    (one statement a line), which raises :class:`_BlankNode` at the first blank node; otherwise
    they go through :func:`batches`."""
    if dump:
        cutter = _Cutter(batch, put)
        for g in parts:
            db.dump(cutter, format=ox.RdfFormat.N_TRIPLES, from_graph=g)
        cutter.close()
        return
    triples = (q.triple for g in parts for q in db.quads_for_pattern(None, None, None, g))
    for chunk in batches(triples, batch):
        put(len(chunk), ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES))


class _BlankNode(Exception):
    """A dumped graph has a blank node (or a literal that looks like one): send it by :func:`batches`."""


class _Cutter:
    """A binary sink for a store's N-Triples dump that hands on batches of whole lines, and stops
    at the first blank node (a subject at a line's start, an object after a ``>``)."""

    def __init__(self, size: int, put: Put):
        self.size, self.put = size, put
        self.buffer = bytearray()
        self.lines = 0
        self.tail = b"\n"

    def write(self, data: bytes) -> int:
        probe = self.tail + data
        if b"\n_:" in probe or b"> _:" in probe:
            raise _BlankNode
        self.tail = data[-3:]
        self.buffer += data
        self.lines += data.count(b"\n")
        if self.lines >= self.size:
            cut = self.buffer.rindex(b"\n") + 1
            self.put(self.lines, bytes(self.buffer[:cut]))
            del self.buffer[:cut]
            self.lines = 0
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self.buffer:
            self.put(self.buffer.count(b"\n"), bytes(self.buffer))
            self.buffer.clear()


_END = object()


def _read_ahead(produce: Callable[[Put], None], depth: int = 2) -> Iterator[tuple[int, bytes]]:
    """The batches ``produce`` puts, made in a thread up to ``depth`` batches ahead of the one
    being sent (reading the store and waiting for the server overlap). An error in the thread is
    raised here; leaving the loop early stops the thread."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> None:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Stopped

    def run() -> None:
        try:
            produce(lambda n, body: put((n, body)))
            put(_END)
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the consumer, raised there
            with contextlib.suppress(_Stopped):
                put(exc)

    thread = threading.Thread(target=run, name="kb-push-reader", daemon=True)
    thread.start()
    try:
        while (item := q.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


class _Stopped(Exception):
    """The consumer of :func:`_read_ahead` left: the reading thread ends."""


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
    _refused(r, url, method, graph)


def _refused(r: httpx.Response, url: str, method: str, graph: str) -> None:
    if r.status_code in (401, 403):
        raise RemoteError(f"{url}: not allowed to write (HTTP {r.status_code}); check the user and "
                          "password (--user; $KB_REMOTE_PASSWORD, ~/.netrc or --password-stdin; "
                          "Virtuoso needs digest authentication on /sparql-graph-crud-auth)")
    if r.status_code >= 300:
        raise RemoteError(f"{url}: {method} of <{graph}> answered HTTP {r.status_code}: {excerpt(r)}")

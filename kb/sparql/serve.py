"""``kb serve``: a read-only SPARQL 1.1 Protocol endpoint over the on-disk store (Starlette + Hypercorn).

Routes:

* ``GET|HEAD|POST /sparql`` — the SPARQL 1.1 Protocol: ``query`` as a GET parameter, a form field
  or an ``application/sparql-query`` body (UTF-8), with ``default-graph-uri``/``named-graph-uri``.
  The dataset follows the spec (:func:`kb.sparql.query.dataset`): the protocol's graphs, else the
  query's ``FROM``/``FROM NAMED``, else the union of all graphs, as in ``kb query``. Relative IRIs
  resolve against the endpoint's URL. Answers are negotiated from ``Accept`` (q-values; or a
  ``format`` parameter), with ``Vary: Accept``: SPARQL JSON, XML, CSV or TSV for SELECT, JSON or
  XML for ASK, Turtle, N-Triples, RDF/XML or JSON-LD for CONSTRUCT and DESCRIBE; gzip when asked.
* ``GET /sparql`` without parameters — the SPARQL 1.1 Service Description (the same RDF formats).
* ``GET /queries`` — the named queries as JSON; ``GET /queries/NAME?PARAM=VALUE`` runs one, its
  parameters bound safely (:func:`kb.sparql.query.bind`).
* ``GET /`` — an offline query page: editor, results table, the named queries as examples. No
  asset comes from anywhere but this server.

Every error is answered with its exception's ``http_status`` (:func:`status_of`) and logged; the
statuses are listed in docs/sparql.md. Read-only and offline: SPARQL Update (any channel), ``LOAD``
and ``SERVICE`` are refused with 403. Limits: every query runs in a worker process that holds a
read-only snapshot of the store; one that runs past ``timeout`` seconds is killed (SIGKILL:
pyoxigraph cannot cancel a query in-process) and replaced, and the client gets 503 while the
server keeps serving; a worker may hold at most ``max_memory`` MB of data (a query that needs more,
say a sorted cartesian product, is stopped the same way, before it can exhaust the machine); a
result of more than ``max_rows`` rows (or triples) is refused whole with 403 and how to page it;
request bodies over ``max_body`` bytes are refused with 413; a query nested more than
``MAX_NESTING`` brackets deep is refused with 400 before any parser sees it. Workers reopen the
store when a build publishes a new generation. A client that goes away mid-request costs one log
line. ``X-Forwarded-For`` and its kin are never read: the log and the refusals name the peer
address. Who may connect at all is :mod:`kb.sparql.serve_guard`'s (Host, Origin, ``--cors``) and
:mod:`kb.sparql.serve_connections`'s (connection cap, header timeout) business.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import multiprocessing as mp
import resource
import signal
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from kb.errors import KBError, Refused
from kb.sparql.query import (
    NamedQuery,
    _tokens,
    bind,
    display_prefixes,
    form,
    graph_iris,
    library,
    refuse_unsafe,
)
from kb.sparql.serve_guard import HostGuard, public_base

log = logging.getLogger("kb.sparql.serve")

JSON_RESULTS, XML_RESULTS = "application/sparql-results+json", "application/sparql-results+xml"
BOOLEAN_MEDIA = {  # media type asked for -> the one we answer with (the first is the default)
    JSON_RESULTS: JSON_RESULTS, "application/json": JSON_RESULTS,
    XML_RESULTS: XML_RESULTS, "application/xml": XML_RESULTS, "text/xml": XML_RESULTS,
}
RESULT_MEDIA = {**BOOLEAN_MEDIA,  # SELECT; the CSV and TSV results formats define no boolean (ASK)
                "text/csv": "text/csv", "text/tab-separated-values": "text/tab-separated-values"}
GRAPH_MEDIA = {  # CONSTRUCT, DESCRIBE and the service description
    "text/turtle": "text/turtle", "application/x-turtle": "text/turtle",
    "application/n-triples": "application/n-triples", "text/plain": "application/n-triples",
    "application/rdf+xml": "application/rdf+xml",
    "application/ld+json": "application/ld+json", "application/x-json+ld": "application/ld+json",
}
FORMAT_PARAM = {  # ?format= / ?output= (as SPARQLWrapper and many servers use them): (results, graph)
    "json": (JSON_RESULTS, "application/ld+json"), "xml": (XML_RESULTS, "application/rdf+xml"),
    "csv": ("text/csv", None), "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"), "ttl": (None, "text/turtle"), "n3": (None, "text/turtle"),
    "nt": (None, "application/n-triples"), "ntriples": (None, "application/n-triples"),
    "rdf+xml": (None, "application/rdf+xml"), "json-ld": (None, "application/ld+json"),
    "jsonld": (None, "application/ld+json"),
}
FORM, DIRECT = "application/x-www-form-urlencoded", "application/sparql-query"
UTF8 = {"utf-8", "utf8", "us-ascii", "ascii"}  # ASCII is UTF-8


@dataclass(frozen=True)
class Limits:
    """What one request may cost."""

    timeout: float = 30.0       # seconds a query may run before its worker is killed
    max_rows: int = 100_000     # rows (SELECT) or triples (CONSTRUCT/DESCRIBE) a result may have
    max_body: int = 1 << 20     # bytes of a request body
    workers: int = 2            # worker processes (queries that can run at once)
    max_memory: int = 2048      # MB of data a worker may hold (its query's working memory)


# -- the worker processes ------------------------------------------------------------------------

def _answer(db: Any, job: dict, max_rows: int) -> tuple[str, bytes]:
    import pyoxigraph as ox

    from kb.sparql.query import execute, fetch, rows_to_results

    if job["kind"] == "graphs":
        names = sorted(g.value for g in db.named_graphs() if isinstance(g, ox.NamedNode))
        return "application/json", json.dumps(names).encode()
    result = execute(db, job["text"], NamedQuery("query", job["text"], path="query"),
                     default_graph=job.get("default_graph"), named_graphs=job.get("named_graphs"),
                     base_iri=job.get("base_iri"))
    media = job["media"]
    if isinstance(result, ox.QueryTriples):
        triples = []
        for t in result:
            triples.append(t)
            if len(triples) > max_rows:
                raise _too_large(max_rows, "triples")
        return media, ox.serialize(triples, format=ox.RdfFormat.from_media_type(media)) or b""
    if isinstance(result, ox.QuerySolutions):
        names, rows = fetch(result, max_rows)
        if len(rows) > max_rows:
            raise _too_large(max_rows, "rows")
        result = rows_to_results(names, rows)
    return media, result.serialize(format=ox.QueryResultsFormat.from_media_type(media)) or b""


TOO_LARGE = 403  # a result over --max-rows: refused by the server's policy, like an update (docs/sparql.md)


def _too_large(max_rows: int, what: str) -> Refused:
    return Refused(TOO_LARGE, f"the result has more than {max_rows} {what}, the most this server sends "
                              f"(kb serve --max-rows); it was not sent. Page through it with ORDER BY and "
                              f"LIMIT {max_rows} OFFSET 0, then OFFSET {max_rows}, and so on, or narrow "
                              "the query")


def worker_main(store: str, max_rows: int, conn: Connection, max_memory: int = 0) -> None:
    """A worker: answer jobs from ``conn`` on a read-only snapshot of the current generation,
    holding at most ``max_memory`` MB of data (0: no limit of its own)."""
    from kb.store import Store

    if max_memory:  # the data segment: heap and anonymous mappings, not the mapped store files
        limit = max_memory << 20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))

    kb_store = Store(store)
    stack = contextlib.ExitStack()
    db, generation = None, object()
    try:
        while True:
            try:
                job = conn.recv()
            except (EOFError, OSError):
                return
            try:
                current = kb_store.current()
                if db is None or current != generation:
                    stack.close()
                    stack = contextlib.ExitStack()
                    db = stack.enter_context(kb_store.reader())
                    generation = current
                conn.send(("ok", *_answer(db, job, max_rows)))
            except KBError as exc:  # Refused, QueryError, ReadOnlyError: each has its status
                conn.send(("error", status_of(exc), str(exc)))
            except MemoryError:
                conn.send(("error", 503, _OVER_MEMORY.format(max_memory)))
            except Exception as exc:  # reported to the client; the worker carries on
                conn.send(("error", 500, f"{type(exc).__name__}: {exc}"))
    finally:
        stack.close()


_OVER_MEMORY = "the query needed more memory than the server's limit ({} MB per query) and was stopped"


class _Worker:
    def __init__(self, ctx: Any, store: str, max_rows: int, max_memory: int):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=worker_main, args=(store, max_rows, child, max_memory), daemon=True,
                                name="kb-serve-worker")
        self.proc.start()
        child.close()

    def call(self, job: dict, timeout: float) -> tuple | None:
        """The worker's answer, or None if it took longer than ``timeout`` seconds."""
        self.conn.send(job)
        if not self.conn.poll(timeout):
            return None
        return self.conn.recv()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class WorkerPool:
    """Worker processes, each with its own read-only snapshot; a worker that overruns is killed
    and replaced, so a runaway query never holds the server."""

    def __init__(self, store: str | Path, limits: Limits):
        self.store, self.limits = str(store), limits
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(["kb.sparql.serve", "kb.sparql.query", "kb.store"])
        self.idle: asyncio.Queue[_Worker] | None = None
        self.lock = threading.Lock()
        self.all: set[_Worker] = set()

    def _spawn(self) -> _Worker:
        w = _Worker(self.ctx, self.store, self.limits.max_rows, self.limits.max_memory)
        with self.lock:
            self.all.add(w)
        return w

    def _retire(self, w: _Worker) -> None:
        w.kill()
        with self.lock:
            self.all.discard(w)

    async def start(self) -> None:
        if self.idle is not None:
            return
        self.idle = asyncio.Queue()
        workers = await run_in_threadpool(lambda: [self._spawn() for _ in range(self.limits.workers)])
        for w in workers:
            self.idle.put_nowait(w)

    async def stop(self) -> None:
        for w in list(self.all):
            await run_in_threadpool(self._retire, w)
        self.idle = None

    async def run(self, job: dict) -> tuple[str, bytes]:
        """Run one job on an idle worker; raise :class:`Refused` for errors and overruns."""
        await self.start()
        assert self.idle is not None
        w = await self.idle.get()
        replacement: _Worker | None = None
        try:
            try:
                answer = await run_in_threadpool(w.call, job, self.limits.timeout)
            except (EOFError, OSError, BrokenPipeError):
                answer = ("error", 500, "the query worker stopped unexpectedly")
                w_dead = True
            else:
                w_dead = answer is None
            if w_dead:
                await run_in_threadpool(self._retire, w)
                if answer is not None and w.proc.exitcode == -signal.SIGABRT:
                    # the engine aborts when an allocation goes past the worker's memory limit
                    answer = ("error", 503, _OVER_MEMORY.format(self.limits.max_memory))
                replacement = await run_in_threadpool(self._spawn)
        finally:
            self.idle.put_nowait(replacement or w)
        if answer is None:
            raise Refused(503, f"the query ran longer than the time limit ({self.limits.timeout:g} s) "
                               "and was stopped")
        if answer[0] == "error":
            raise Refused(answer[1], answer[2])
        return answer[1], answer[2]


# -- HTTP ----------------------------------------------------------------------------------------

def status_of(exc: BaseException) -> int:
    """The HTTP status an exception is answered with: its ``http_status`` (every
    :class:`~kb.errors.KBError` has one), else 500."""
    return exc.http_status if isinstance(exc, KBError) else 500


def _accept_ranges(accept: str) -> list[tuple[str, float, int]]:
    """The media ranges of an ``Accept`` header: (range, q, position)."""
    ranges = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            name, _, value = p.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value)))
                except ValueError:
                    q = 0.0
        if media:
            ranges.append((media.lower(), q, i))
    return ranges


def _quality(media: str, ranges: list[tuple[str, float, int]]) -> tuple[int, float, int]:
    """How well the most specific range that matches ``media`` fits (3 exact, 2 ``type/*``,
    1 ``*/*``, 0 none; RFC 9110 §12.5.1), its q, and minus its position (earlier ranges win ties)."""
    best = (0, 0.0, 0)
    for rng, q, i in ranges:
        fit = 3 if rng == media else 2 if rng == media.split("/")[0] + "/*" else 1 if rng == "*/*" else 0
        if fit:
            best = max(best, (fit, q, -i))
    return best


def negotiate(accept: str, offered: dict[str, str]) -> str | None:
    """The media type to answer with for an ``Accept`` header, or None when nothing offered is
    acceptable: q-values honoured, ``q=0`` excluding a type even when ``*/*`` is listed; among
    equals the one the client listed first, then the first offered. ``offered`` maps each name
    a type goes by (aliases included) to the type answered with."""
    answers = list(dict.fromkeys(offered.values()))
    if not accept.strip():
        return answers[0]
    ranges = _accept_ranges(accept)
    scored = []
    for n, answer in enumerate(answers):
        _fit, q, pos = max(_quality(name, ranges) for name, a in offered.items() if a == answer)
        scored.append((q, pos, -n, answer))
    best = max(scored)
    return best[3] if best[0] > 0 else None


def _decode_form(raw: bytes, where: str) -> dict[str, list[str]]:
    """``name=value&…`` (percent-encoded UTF-8, as the protocol and HTML forms send it) decoded;
    anything that is not UTF-8 is refused (400), never replaced."""
    try:
        return parse_qs(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise Refused(400, f"the {where} is not UTF-8: percent-encode the UTF-8 bytes of each value "
                           "(é is %C3%A9)") from None


def _content_type(request: Request) -> tuple[str, str | None]:
    """The request's media type (lower case) and its ``charset`` parameter, if any."""
    media, *params = request.headers.get("content-type", "").split(";")
    charset = None
    for p in params:
        name, _, value = p.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


async def _body(request: Request, limits: Limits) -> bytes:
    size = request.headers.get("content-length")
    if size and size.isdigit() and int(size) > limits.max_body:
        raise Refused(413, f"the request body is over {limits.max_body} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limits.max_body:
            raise Refused(413, f"the request body is over {limits.max_body} bytes")
    return bytes(body)


async def _params(request: Request, limits: Limits) -> dict[str, list[str]]:
    """The protocol parameters of a request: the URL's, plus a POST's form fields or its
    ``application/sparql-query`` body as ``query``."""
    params = _decode_form(request.scope.get("query_string", b""), "query string")
    if request.method in ("GET", "HEAD"):
        return params
    media, charset = _content_type(request)
    if media == "application/sparql-update":
        raise Refused(403, "SPARQL Update is refused: this endpoint is read-only")
    if media not in (FORM, DIRECT):
        raise Refused(415, f"send the query as {DIRECT} or as an HTML form ({FORM}), not "
                           f"{media or 'a body without Content-Type'}")
    if charset is not None and charset not in UTF8:
        raise Refused(415, f"the request body must be UTF-8 (the SPARQL protocol's encoding), not {charset}")
    body = await _body(request, limits)
    if media == FORM:
        for k, v in _decode_form(body, "form body").items():
            params.setdefault(k, []).extend(v)
        return params
    if "query" in params:
        raise Refused(400, "the query is the request body: do not send one in the URL as well")
    try:
        params["query"] = [body.decode("utf-8")]
    except UnicodeDecodeError as exc:
        raise Refused(400, f"the query is not UTF-8 (byte {exc.start}: 0x{body[exc.start]:02x})") from None
    return params


MAX_NESTING = 128  # brackets ({, (, [) a query may nest; the parsers recurse on each


def nesting(text: str) -> int:
    """How deep ``{``, ``(`` and ``[`` nest in a query (brackets in strings, IRIs and comments
    not counted)."""
    depth = deepest = 0
    for kind, value, _pos in _tokens(text):
        if kind == "open" or value in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif value in "})]":
            depth = max(0, depth - 1)
    return deepest


def _media(shape: str, params: dict[str, list[str]], accept: str) -> str:
    """The media type to answer a query of form ``shape`` with; 406 (naming what is on offer)
    when none the request accepts fits."""
    graph = shape in ("CONSTRUCT", "DESCRIBE")
    offered = GRAPH_MEDIA if graph else BOOLEAN_MEDIA if shape == "ASK" else RESULT_MEDIA
    chosen = (params.get("format") or params.get("output") or [""])[0].lower()
    if chosen in FORMAT_PARAM:
        media = FORMAT_PARAM[chosen][graph]
        media = media if media in offered.values() else None
    else:
        media = negotiate(accept, offered)
    if media is None:
        what = "a graph (CONSTRUCT, DESCRIBE)" if graph else "an ASK result" if shape == "ASK" else "results"
        raise Refused(406, f"{what} can be sent as {', '.join(dict.fromkeys(offered.values()))}; "
                           f"the request accepts none of them")
    return media


def _job(text: str, params: dict[str, list[str]], accept: str, base_iri: str) -> dict:
    """Check a query and decide what to answer with; raise :class:`Refused` if we won't run it."""
    if nesting(text) > MAX_NESTING:
        raise Refused(400, f"the query nests brackets more than {MAX_NESTING} deep (the server's limit)")
    refuse_unsafe(text)
    return {"kind": "query", "text": text, "media": _media(form(text), params, accept), "base_iri": base_iri,
            "default_graph": graph_iris(params.get("default-graph-uri"), "default-graph-uri"),
            "named_graphs": graph_iris(params.get("named-graph-uri"), "named-graph-uri")}


def _answer_type(media: str) -> str:
    return media + ("; charset=utf-8" if media.startswith("text/") else "")


NEGOTIATED = {"Vary": "Accept"}


class Service:
    """The routes of the endpoint over one worker pool, named by ``base`` (its public URL)."""

    def __init__(self, pool: WorkerPool, limits: Limits, base: str):
        self.pool, self.limits, self.base = pool, limits, base
        self.url = base + "sparql"

    async def run(self, request: Request, text: str, params: dict[str, list[str]]) -> Response:
        job = _job(text, params, request.headers.get("accept", ""), self.url)
        media, body = await self.pool.run(job)
        return Response(body, media_type=_answer_type(media), headers=NEGOTIATED)

    async def sparql(self, request: Request) -> Response:
        params = await _params(request, self.limits)
        if "update" in params:
            raise Refused(403, "SPARQL Update is refused: this endpoint is read-only")
        queries = params.get("query", [])
        if len(queries) > 1:
            raise Refused(400, "send one query per request")
        if queries:
            return await self.run(request, queries[0], params)
        if request.method == "POST" or params:
            raise Refused(400, "missing the 'query' parameter (a GET without parameters gives the "
                               "service description)")
        return await self.service_description(request)

    async def service_description(self, request: Request) -> Response:
        media = negotiate(request.headers.get("accept", ""), GRAPH_MEDIA)
        if media is None:
            raise Refused(406, "the service description can be sent as "
                               f"{', '.join(dict.fromkeys(GRAPH_MEDIA.values()))}")
        _m, body = await self.pool.run({"kind": "graphs"})
        return Response(describe(self.url, json.loads(body), media), media_type=_answer_type(media),
                        headers=NEGOTIATED)

    async def queries(self, request: Request) -> Response:
        return JSONResponse([{"name": q.name, "title": q.title, "description": q.description,
                              "params": q.params, "text": q.text} for q in library().values()])

    async def named(self, request: Request) -> Response:
        name = request.path_params["name"].removesuffix(".rq")
        query = library().get(name)
        if query is None:
            raise Refused(404, f"no named query '{name}'")
        if request.url.path.endswith(".rq"):
            return PlainTextResponse(query.text, media_type="application/sparql-query")
        given = _decode_form(request.scope.get("query_string", b""), "query string")
        twice = sorted(k for k, v in given.items() if len(v) > 1)
        if twice:
            raise Refused(400, f"give each parameter once ({', '.join(twice)} given more than once)")
        control = {"format", "output"}
        values = {k: v[0] for k, v in given.items() if k not in control}
        return await self.run(request, bind(query, values), {k: given[k] for k in control & set(given)})

    async def page(self, request: Request) -> Response:
        return HTMLResponse(query_page())


def _refused(request: Request, exc: Exception) -> Response:
    """Every error a route raises, answered with its status (:func:`status_of`) and logged."""
    client = request.client.host if request.client else "?"
    if isinstance(exc, ClientDisconnect):
        log.info("%s %s from %s: the client went away before sending the whole request",
                 request.method, request.url.path, client)
        return Response(status_code=400)
    status = status_of(exc)
    log.warning("refused %s %s from %s: %d %s", request.method, request.url.path, client, status, exc)
    return PlainTextResponse(f"{exc}\n", status_code=status, headers=NEGOTIATED if status == 406 else None)


def create_app(store: str | Path, *, timeout: float = 30.0, max_rows: int = 100_000,
               max_body: int = 1 << 20, workers: int = 2, max_memory: int = 2048,
               host: str = "127.0.0.1", port: int = 7878, allow_hosts: Iterable[str] = (),
               public_url: str | None = None, cors: Iterable[str] = ()) -> Starlette:
    """The ASGI application serving the knowledge base stored at ``store`` (read-only), as bound
    to ``host``:``port``: it answers only to the Host names :class:`kb.sparql.serve_guard.HostGuard`
    admits (plus ``allow_hosts``), refuses other origins unless listed in ``cors`` (``*``: every
    origin), and names itself by ``public_url`` or the bound address, never by what a client sent.
    Responses are gzip-compressed for clients that ask for it."""
    limits = Limits(timeout=timeout, max_rows=max_rows, max_body=max_body, workers=workers,
                    max_memory=max_memory)
    pool = WorkerPool(store, limits)
    service = Service(pool, limits, public_base(host, port, public_url))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.start()
        try:
            yield
        finally:
            await pool.stop()

    cors = tuple(o if o == "*" else o.rstrip("/").lower() for o in cors)  # as browsers send them
    middleware = [Middleware(HostGuard, bind=host, port=port, allow=tuple(allow_hosts), public_url=public_url,
                             cors=cors)]
    if cors:
        middleware.append(Middleware(CORSMiddleware, allow_origins=cors, max_age=600,
                                     allow_methods=["GET", "HEAD", "POST"],
                                     allow_headers=["Accept", "Content-Type"]))
    middleware.append(Middleware(GZipMiddleware, minimum_size=1000))
    app = Starlette(routes=[Route("/sparql", service.sparql, methods=["GET", "HEAD", "POST"]),
                            Route("/queries", service.queries, methods=["GET", "HEAD"]),
                            Route("/queries/{name}", service.named, methods=["GET", "HEAD"]),
                            Route("/", service.page, methods=["GET", "HEAD"])],
                    lifespan=lifespan, middleware=middleware,
                    exception_handlers={KBError: _refused, ClientDisconnect: _refused})
    app.router.redirect_slashes = False  # a redirect would be built from the client's Host
    app.state.pool = pool
    app.state.limits = limits
    return app


def describe(url: str, graphs: list[str], media: str = "text/turtle") -> bytes:
    """The SPARQL 1.1 Service Description of the endpoint at ``url`` holding ``graphs``."""
    import pyoxigraph as ox

    sd = "http://www.w3.org/ns/sparql-service-description#"
    formats = "http://www.w3.org/ns/formats/"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    try:
        service = ox.NamedNode(url)
    except ValueError:
        service = ox.BlankNode()

    def n(local: str, ns: str = sd) -> ox.NamedNode:
        return ox.NamedNode(ns + local)

    dataset, default = ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, rdf_type, n("Service")),
        ox.Triple(service, n("supportedLanguage"), n("SPARQL11Query")),
        ox.Triple(service, n("feature"), n("UnionDefaultGraph")),
        ox.Triple(service, n("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, n("Dataset")),
        ox.Triple(dataset, n("defaultGraph"), default),
        ox.Triple(default, rdf_type, n("Graph")),
    ]
    if isinstance(service, ox.NamedNode):
        triples.append(ox.Triple(service, n("endpoint"), service))
    for f in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
              "Turtle", "N-Triples", "RDF_XML", "JSON-LD"):
        triples.append(ox.Triple(service, n("resultFormat"), n(f, formats)))
    for g in graphs:
        node = ox.BlankNode()
        triples += [ox.Triple(dataset, n("namedGraph"), node), ox.Triple(node, rdf_type, n("NamedGraph")),
                    ox.Triple(node, n("name"), ox.NamedNode(g))]
    fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.TURTLE
    prefixes = {"sd": sd, "formats": formats} if fmt == ox.RdfFormat.TURTLE else None
    return ox.serialize(triples, format=fmt, prefixes=prefixes) or b""


def query_page() -> str:
    """The offline query page, with the named queries as examples and the prefixes IRIs are shown
    with, as ``kb query`` shows them (data escaped for HTML)."""
    template = (resources.files("kb") / "templates" / "query.html").read_text(encoding="utf-8")
    examples = [{"name": q.name, "title": q.title, "description": q.description, "params": q.params,
                 "text": q.text} for q in library().values()]
    def script_json(value: object) -> str:
        text = json.dumps(value, ensure_ascii=False)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    data = script_json(examples)
    listing = "\n".join(
        f'<li><a href="#" data-name="{html.escape(q["name"])}">{html.escape(q["name"])}</a> — '
        f'{html.escape(q["title"])}</li>' for q in examples)
    return (template.replace("/*EXAMPLES*/", data).replace("/*PREFIXES*/", script_json(display_prefixes()))
            .replace("<!--QUERIES-->", listing))


def serve(store: str | Path, *, host: str = "127.0.0.1", port: int = 7878, timeout: float = 30.0,
          max_rows: int = 100_000, workers: int = 2, max_body: int = 1 << 20, max_memory: int = 2048,
          allow_hosts: Iterable[str] = (), public_url: str | None = None, header_timeout: float = 10.0,
          max_connections: int | None = None, cors: Iterable[str] = (),
          ready: Callable[[], None] | None = None) -> None:
    """Run the endpoint with Hypercorn until interrupted (binds loopback unless ``host`` says
    otherwise). The socket is bound first (:func:`kb.sparql.serve_connections.listen`: a busy port
    raises :class:`~kb.errors.ListenError`), then ``ready`` is called, then the server starts.
    A client has ``header_timeout`` seconds to send its request head, and at most ``max_connections``
    (default: what the descriptor limit leaves room for) are open at once
    (:mod:`kb.sparql.serve_connections`)."""
    from kb.sparql import serve_connections

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app(store, timeout=timeout, max_rows=max_rows, max_body=max_body, workers=workers,
                     max_memory=max_memory, host=host, port=port, allow_hosts=allow_hosts,
                     public_url=public_url, cors=cors)
    cap = max_connections or serve_connections.default_cap()
    serve_connections.install(serve_connections.Connections(min(cap, serve_connections.default_cap())))
    sock = serve_connections.listen(host, port)
    if ready is not None:
        ready()
    asyncio.run(serve_connections.run(app, serve_connections.config(sock.detach(), header_timeout)))

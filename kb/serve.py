"""A read-only SPARQL 1.1 Protocol endpoint over the on-disk store (Starlette + uvicorn).

* ``GET /sparql?query=…`` and ``POST /sparql`` (form ``query=…`` or ``application/sparql-query``),
  results negotiated by ``Accept``: SPARQL JSON, XML, CSV, TSV; Turtle or N-Triples for graphs.
* ``GET /sparql`` without a query: the SPARQL 1.1 Service Description (Turtle).
* ``GET /``: an offline query page (editor, results table, the named queries as examples).
* Read-only: updates, ``LOAD`` and ``SERVICE`` are refused with 403/400 and logged.
* Every query runs in a forked worker process that opens the store read-only; a query over the
  time limit is killed (HTTP 503) and the server keeps serving; a result over the row limit is
  refused (HTTP 413); request bodies over 1 MiB are refused (HTTP 413).
"""

from __future__ import annotations

import html
import json
import logging
import multiprocessing as mp
import re
from importlib import resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from kb.query import library

log = logging.getLogger("kb.serve")
MAX_BODY = 1 << 20

RESULT_TYPES = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {"text/turtle": "ttl", "application/n-triples": "nt", "text/plain": "nt"}
MEDIA = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
         "csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8",
         "ttl": "text/turtle; charset=utf-8", "nt": "application/n-triples"}
_REFUSED = re.compile(r"\b(SERVICE|LOAD)\b", re.IGNORECASE)
_STRINGS = re.compile(  # literals, IRIs and comments, which may mention SERVICE harmlessly
    r"'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|<[^<>\s]*>|#[^\n]*",
    re.DOTALL)


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _choose(accept: str, graph: bool) -> str:
    types = GRAPH_TYPES if graph else RESULT_TYPES
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in types:
            return types[media]
    return "ttl" if graph else "json"


def _worker(store: str, query: str, accept: str, max_rows: int, conn) -> None:  # runs in a child
    try:
        import pyoxigraph as ox

        from kb.query import execute, serialize
        from kb.store import Store

        with Store(store).reader() as db:
            result = execute(db, query, "query")
            if isinstance(result, ox.QuerySolutions):
                variables = result.variables
                rows = []
                for i, row in enumerate(result):
                    if i >= max_rows:
                        conn.send(("error", 413, f"the result has more than {max_rows} rows; "
                                                 "add a LIMIT or narrow the query"))
                        return
                    rows.append(row)
                fmt = _choose(accept, graph=False)
                body = _solutions(ox, variables, rows, fmt)
            else:
                fmt = _choose(accept, graph=isinstance(result, ox.QueryTriples))
                body = serialize(result, fmt)
        conn.send(("ok", fmt, body))
    except Exception as exc:  # reported to the client as 400
        status = 400 if exc.__class__.__name__ == "QueryError" else 500
        conn.send(("error", status, str(exc)))
    finally:
        conn.close()


def _solutions(ox, variables, rows, fmt: str) -> bytes:
    """Serialize already-fetched solutions (re-wrapped so the row limit can be enforced)."""
    from kb.query import RESULT_FORMATS

    names = [v.value for v in variables]
    if fmt == "json":
        def term(t):
            if isinstance(t, ox.NamedNode):
                return {"type": "uri", "value": t.value}
            if isinstance(t, ox.BlankNode):
                return {"type": "bnode", "value": t.value}
            out = {"type": "literal", "value": t.value}
            if t.language:
                out["xml:lang"] = t.language
            elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                out["datatype"] = t.datatype.value
            return out
        return json.dumps({"head": {"vars": names}, "results": {"bindings": [
            {n: term(r[n]) for n in names if r[n] is not None} for r in rows]}}).encode()
    # other formats: let pyoxigraph serialize a VALUES query over the fetched rows
    store = ox.Store()
    values = " ".join("(" + " ".join(str(r[n]) if r[n] is not None else "UNDEF" for n in names) + ")"
                      for r in rows)
    vars_ = " ".join(f"?{n}" for n in names)
    q = f"SELECT {vars_} WHERE {{ VALUES ({vars_}) {{ {values} }} }}" if names else "SELECT * WHERE {}"
    return store.query(q).serialize(format=RESULT_FORMATS[fmt])


class Endpoint:
    """The SPARQL service over one store folder."""

    def __init__(self, store: str | Path, timeout: float = 30.0, max_rows: int = 100_000):
        self.store, self.timeout, self.max_rows = str(store), timeout, max_rows
        self.ctx = mp.get_context("fork")

    def run(self, query: str, accept: str) -> tuple[str, bytes]:
        """Run one query in a worker process, killed at the time limit."""
        if _REFUSED.search(_STRINGS.sub(" ", query)):
            raise Refused(400, "SERVICE (federation) and LOAD are not allowed on this endpoint")
        parent, child = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=_worker, args=(self.store, query, accept, self.max_rows, child),
                                daemon=True)
        proc.start()
        child.close()
        try:
            if not parent.poll(self.timeout):
                raise Refused(503, f"the query ran longer than the time limit ({self.timeout:g} s) "
                                   "and was stopped")
            message = parent.recv()
        except EOFError:
            raise Refused(500, "the query worker died") from None
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join(1)
            parent.close()
        if message[0] == "error":
            raise Refused(message[1], message[2])
        return message[1], message[2]


def create_app(store: str | Path, *, timeout: float = 30.0, max_rows: int = 100_000) -> Starlette:
    """The ASGI app: ``/sparql`` (protocol + service description) and ``/`` (query page)."""
    endpoint = Endpoint(store, timeout, max_rows)

    async def sparql(request: Request) -> Response:
        try:
            query = await _query_of(request)
            if query is None:
                return Response(_service_description(str(request.url)), media_type="text/turtle")
            fmt, body = await run_in_threadpool(endpoint.run, query, request.headers.get("accept", ""))
            return Response(body, media_type=MEDIA[fmt])
        except Refused as exc:
            log.warning("refused %s %s from %s: %s %s", request.method, request.url.path,
                        request.client.host if request.client else "?", exc.status, exc.message)
            return PlainTextResponse(exc.message + "\n", status_code=exc.status)

    async def page(request: Request) -> Response:
        template = (resources.files("kb") / "templates" / "query.html").read_text(encoding="utf-8")
        examples = {q.name: {"title": q.title, "text": q.text} for q in library().values()}
        data = json.dumps(examples).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return HTMLResponse(template.replace("/*EXAMPLES*/", data))

    return Starlette(routes=[Route("/sparql", sparql, methods=["GET", "POST"]),
                             Route("/", page, methods=["GET"])])


async def _query_of(request: Request) -> str | None:
    if request.method == "GET":
        if "update" in request.query_params:
            raise Refused(403, "this endpoint is read-only: SPARQL Update is refused")
        return request.query_params.get("query")
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_BODY:
        raise Refused(413, f"request body over {MAX_BODY} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise Refused(413, f"request body over {MAX_BODY} bytes")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/sparql-update":
        raise Refused(403, "this endpoint is read-only: SPARQL Update is refused")
    if ctype == "application/sparql-query":
        return body.decode("utf-8", errors="replace")
    if ctype == "application/x-www-form-urlencoded":
        from urllib.parse import parse_qs

        form = parse_qs(body.decode("utf-8", errors="replace"))
        if "update" in form:
            raise Refused(403, "this endpoint is read-only: SPARQL Update is refused")
        if "query" in form:
            return form["query"][0]
        raise Refused(400, "missing the 'query' parameter")
    raise Refused(415, "send the query as application/sparql-query or an HTML form")


def _service_description(url: str) -> str:
    base = html.escape(url.split("?")[0], quote=True)
    formats = " , ".join(f"<http://www.w3.org/ns/formats/{f}>" for f in
                         ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                          "SPARQL_Results_TSV", "Turtle", "N-Triples"))
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
<{base}> a sd:Service ;
    sd:endpoint <{base}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:feature sd:UnionDefaultGraph ;
    sd:resultFormat {formats} .
"""


def serve(store: str | Path, host: str = "127.0.0.1", port: int = 7878, timeout: float = 30.0,
          max_rows: int = 100_000) -> None:
    """Run the endpoint with uvicorn until interrupted."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    uvicorn.run(create_app(store, timeout=timeout, max_rows=max_rows), host=host, port=port,
                log_level="info")

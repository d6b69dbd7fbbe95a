"""An external SPARQL 1.1 store: push the knowledge base to it, and query it.

* :class:`RemoteEndpoint` answers the :class:`kb.graph.Endpoint` protocol over the SPARQL 1.1
  Protocol, so the projection and the conflict engine run against the remote store unchanged
  (the candidate subgraph is selected by SPARQL on the server; paths are explained in NetworkX).
* :func:`push` sends every named graph with the SPARQL 1.1 Graph Store HTTP Protocol: the first
  batch of a graph with ``PUT`` (replacing what the server held), further batches with ``POST``
  (appending). Pushing twice therefore leaves one copy.

Examples: Virtuoso (queries ``http://HOST:8890/sparql``, graph store
``http://HOST:8890/sparql-graph-crud-auth`` with digest authentication; raise ``ResultSetMaxRows``
in ``virtuoso.ini`` above the size of the knowledge base); Oxigraph server (queries
``http://HOST:7878/query``, graph store ``http://HOST:7878/store``, started with
``--union-default-graph``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pyoxigraph as ox

from kb.errors import KBError, QueryError

BATCH = 10_000


class RemoteError(KBError):
    """The remote store refused or could not be reached."""

    exit_code = 4


def _auth(user: str | None, password: str | None, scheme: str) -> httpx.Auth | None:
    if user is None:
        return None
    if scheme == "basic":
        return httpx.BasicAuth(user, password or "")
    return httpx.DigestAuth(user, password or "")


class RemoteEndpoint:
    """A SPARQL 1.1 query endpoint (``select`` rows as plain strings, or raw results)."""

    def __init__(self, url: str, user: str | None = None, password: str | None = None,
                 auth: str = "digest", timeout: float = 300.0):
        self.url = url
        self.client = httpx.Client(auth=_auth(user, password, auth), timeout=timeout)

    def raw(self, query: str, accept: str) -> tuple[str, bytes]:
        try:
            r = self.client.post(self.url, data={"query": query}, headers={"Accept": accept})
        except httpx.HTTPError as exc:
            raise RemoteError(f"{self.url}: {exc}") from exc
        if r.status_code == 400:
            raise QueryError(f"{self.url} refused the query: {r.text.strip()[:300]}")
        if r.status_code >= 300:
            raise RemoteError(f"{self.url} answered HTTP {r.status_code}: {r.text.strip()[:300]}")
        return r.headers.get("content-type", ""), r.content

    def select(self, query: str) -> Iterator[dict[str, str]]:
        _ctype, body = self.raw(query, "application/sparql-results+json")
        data = json.loads(body)
        for binding in data.get("results", {}).get("bindings", []):
            yield {k: v["value"] for k, v in binding.items()}


def push(db: ox.Store, url: str, *, graph: str | None = None, user: str | None = None,
         password: str | None = None, auth: str = "digest", batch: int = BATCH,
         progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Send every named graph of ``db`` to the Graph Store at ``url`` (into ``graph`` if given).

    Returns triples sent per graph. ``progress`` is called with the number of triples of each batch.
    """
    client = httpx.Client(auth=_auth(user, password, auth), timeout=600.0)
    param = "graph-uri" if "sparql-graph-crud" in url else "graph"  # Virtuoso names it graph-uri
    sent: dict[str, int] = {}
    targets: dict[str, list[ox.NamedNode]] = {}
    for g in db.named_graphs():
        if isinstance(g, ox.NamedNode):
            targets.setdefault(graph or g.value, []).append(g)
    for target, sources in sorted(targets.items()):
        method = "PUT"
        count = 0
        buffer: list[ox.Triple] = []

        def flush(method: str, buffer: list[ox.Triple] = buffer, target: str = target) -> None:
            body = ox.serialize(buffer, format=ox.RdfFormat.N_TRIPLES)
            try:
                r = client.request(method, url, params={param: target},
                                   content=body, headers={"Content-Type": "application/n-triples"})
            except httpx.HTTPError as exc:
                raise RemoteError(f"{url}: {exc}") from exc
            if r.status_code >= 300:
                raise RemoteError(f"{url} answered HTTP {r.status_code} for <{target}>: "
                                  f"{r.text.strip()[:300]}")
            if progress:
                progress(len(buffer))
            buffer.clear()

        for source in sources:
            for q in db.quads_for_pattern(None, None, None, source):
                buffer.append(q.triple)
                count += 1
                if len(buffer) >= batch:
                    flush(method)
                    method = "POST"
        if buffer or method == "PUT":
            flush(method)
        sent[target] = count
    return sent


def remote_query(endpoint: RemoteEndpoint, query: str, params: dict[str, str], fmt: str) -> bytes:
    """Run a named query, file or text on the remote store; results as ``kb query`` prints them."""
    from kb.query import NamedQuery, bind, load, table

    named = NamedQuery.parse("query", query) if "{" in query else load(query)
    text = bind(named, params)
    accept = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
              "csv": "text/csv", "tsv": "text/tab-separated-values", "ttl": "text/turtle",
              "nt": "application/n-triples", "table": "application/sparql-results+json"}[fmt]
    _ctype, body = endpoint.raw(text, accept)
    if fmt != "table":
        return body
    results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return table(results).encode()

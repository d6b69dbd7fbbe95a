"""External SPARQL 1.1 stores: Debian's Virtuoso and Oxigraph server (PyPI `oxigraph`), private and on
127.0.0.1. Push the knowledge base, push it again, and check that every named query and the
conflict engine give the same answers remotely as locally."""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest
import sparql_servers
from click.testing import CliRunner

from kb import KnowledgeBase
from kb.analysis.conflicts import find_conflicts
from kb.cli import main
from kb.errors import KBError
from kb.model.graphs import FILE_GRAPH_PREFIX, PROVENANCE_GRAPH, SEED_GRAPH_PREFIX
from kb.sparql.endpoint import LocalEndpoint, RemoteEndpoint, paged
from kb.sparql.push import batches, endpoint_urls
from kb.sparql.query import library, run

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
pytestmark = pytest.mark.server

# Parameters to try for each named query, besides none (ids from the seed).
PARAMS = {
    "denials-by-actor": [{"actor": "government-of-armenia"}, {"actor": "ilham-aliyev"}],
    "claims-about-place": [{"place": "Shushi"}, {"place": "Şuşa"}, {"place": "SHUSHA"}],
    "events-documented-by": [{"publisher": "human-rights-watch"}, {"source": "bbc-interview"}],
    "sources-per-event": [{"event": "cluster-munitions-in-civilian-areas"}],
    "timeline": [{"since": "2020-10-01", "until": "2020-10-31"}],
    "provenance": [{"id": "shusha"}, {"property": "<https://w3id.org/evkb/ns#stance>"}],
    "find-by-name": [{"text": "shushi"}],
    "claims-about-event": [{"event": "church-shelled-twice"}],
}
UNORDERED = {("sources-per-event", "publishers")}
# The researcher's library and the conflict rules (the build's own check-* queries run locally only).
REMOTE = ("denials-by-actor", "claims-about-place", "events-documented-by", "sources-per-event", "timeline",
          "provenance", "loaded-files", "find-by-name", "contested-events", "undocumented-claims",
          "claims-about-event", "conflicts-direct", "conflicts-part-of")  # GROUP_CONCAT has no order in SPARQL 1.1


def _have(name: str) -> bool:
    return (sparql_servers.VIRTUOSO if name == "virtuoso" else sparql_servers.OXIGRAPH) is not None


@pytest.fixture(scope="module", params=["virtuoso", "oxigraph"])
def server(request, tmp_path_factory):
    if not _have(request.param):
        pytest.skip(f"{request.param} is not installed")
    start = sparql_servers.virtuoso if request.param == "virtuoso" else sparql_servers.oxigraph_server
    with start(tmp_path_factory.mktemp(request.param)) as srv:
        yield srv


@functools.cache
def canonical(term: ox.Literal) -> ox.Literal:
    """A typed literal in its canonical form (a store may keep "…35.806600Z" as written while
    pyoxigraph gives "…35.8066Z": the same value)."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:x"), term))
    return next(iter(store)).object


def rows(result, name: str = "") -> list[tuple]:
    """Results as comparable rows (RDF terms in N-Triples syntax, typed literals canonical, unordered
    aggregates as sets)."""
    if isinstance(result, (bool, ox.QueryBoolean)):
        return [(bool(result),)]
    names = [v.value for v in result.variables]
    out = []
    for s in result:
        row = []
        for i, var in enumerate(names):
            term = s[i]
            if term is not None and (name, var) in UNORDERED:
                row.append(" ".join(sorted(term.value.split())))
            elif isinstance(term, ox.Literal) and term.datatype.value != XSD_STRING and not term.language:
                row.append(str(canonical(term)))
            else:
                row.append(None if term is None else str(term))
        out.append(tuple(row))
    return sorted(out, key=lambda r: tuple("" if v is None else v for v in r))


def push(kb: KnowledgeBase, srv, **kw):
    return kb.push(srv.query, user=srv.user, password=srv.password, **kw)


def test_endpoint_urls_follow_server_conventions():
    assert endpoint_urls("http://h:8890/sparql", authenticated=True) == \
        ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud-auth")
    assert endpoint_urls("http://h:8890/sparql") == ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud")
    assert endpoint_urls("http://h:8890/sparql-graph-crud-auth") == \
        ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud-auth")
    assert endpoint_urls("http://h:7878/query") == ("http://h:7878/query", "http://h:7878/store")
    assert endpoint_urls("http://h:7878/store") == ("http://h:7878/query", "http://h:7878/store")
    assert endpoint_urls("http://h/ds/sparql", store_url="http://h/ds/data")[1] == "http://h/ds/data"
    with pytest.raises(KBError, match="--store-url"):
        endpoint_urls("http://h:3030/ds")


def test_batches_never_split_a_blank_node():
    b = [ox.BlankNode() for _ in range(6)]
    s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    triples = [ox.Triple(s, p, ox.Literal(str(i))) for i in range(7)]
    triples += [ox.Triple(s, p, b[0]), ox.Triple(b[0], p, b[1]), ox.Triple(b[1], p, ox.Literal("x")),
                ox.Triple(s, p, b[2]), ox.Triple(b[2], p, ox.Literal("y")),
                ox.Triple(b[3], p, b[4]), ox.Triple(b[5], p, b[4])]
    out = list(batches(iter(triples), 2))
    assert sorted(map(str, (t for chunk in out for t in chunk))) == sorted(map(str, triples))
    for chunk in out:
        mentioned = {x for t in chunk for x in (t.subject, t.object) if isinstance(x, ox.BlankNode)}
        for t in triples:
            if {t.subject, t.object} & mentioned:
                assert t in chunk


def test_a_dropped_connection_resends_the_graph_from_its_put(seed_kb, monkeypatch):
    """A connection cut mid-push (seen with Virtuoso under load) sends that graph again from its
    PUT, which replaces whatever arrived before: nothing is duplicated, nothing is lost."""
    import httpx

    import kb.sparql.push

    requests: list[tuple[str, str, int]] = []
    failures = {"left": 2}
    held: dict[str, int] = {}  # what the mock server holds: statements per graph

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/sparql":  # the files the server holds now; the count after a graph
            query = parse_qs(request.content.decode())["query"][0]
            one = re.search(r"COUNT.*VALUES \?g \{ <([^>]+)> \}", query)
            bindings = [{"n": {"type": "literal", "value": str(held.get(one[1], 0))}}] if one else []
            return httpx.Response(200, json={"head": {"vars": ["n"]}, "results": {"bindings": bindings}})
        lines = request.content.count(b"\n")
        if request.method == "POST" and failures["left"]:
            failures["left"] -= 1
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")
        graph = request.url.params["graph"]
        requests.append((request.method, graph, lines))
        held[graph] = lines + (held.get(graph, 0) if request.method == "POST" else 0)
        return httpx.Response(201)

    real = httpx.Client
    monkeypatch.setattr(kb.sparql.push.httpx, "Client", lambda **kw: real(transport=httpx.MockTransport(handler), **kw))
    with seed_kb.snapshot() as db:
        graphs = {g.value: sum(1 for _ in db.quads_for_pattern(None, None, None, g)) for g in db.named_graphs()}
    report = seed_kb.push("http://127.0.0.1:9/sparql", batch=40)
    assert report.graphs == graphs
    for g, n in graphs.items():  # the last PUT of each graph and the POSTs after it carry it whole
        sent = [(m, k) for m, gg, k in requests if gg == g]
        last_put = max(i for i, (m, _k) in enumerate(sent) if m == "PUT")
        assert sum(k for _m, k in sent[last_put:]) == n
    assert sum(1 for m, _g, _k in requests if m == "PUT") == len(graphs) + 2  # two graphs sent again
    failures["left"] = 99
    with pytest.raises(KBError, match=r"peer closed connection.*tried 3 times"):
        seed_kb.push("http://127.0.0.1:9/sparql", batch=40)


class Wire:
    """Every request a test's pushes put on the wire, with the server's answer: (method, path, status)."""

    def __init__(self, monkeypatch):
        import httpx

        self.seen: list[tuple[str, str, int | None]] = []
        real = httpx.HTTPTransport.handle_request

        def handle(transport, request):
            try:
                response = real(transport, request)
            except httpx.TransportError:
                self.seen.append((request.method, request.url.path, None))
                raise
            self.seen.append((request.method, request.url.path, response.status_code))
            return response

        monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle)


def test_push_negotiates_digest_first_and_clears_large_graphs_in_pages(server, seed_kb, monkeypatch):
    """No PUT or POST is refused or dropped (the digest challenge is fetched by a GET without a
    body first), and a graph the server holds is cleared in bounded pages where the server's own
    clearing is slow (Oxigraph server), before the PUT that replaces it."""
    import kb.sparql.push

    push(seed_kb, server)
    monkeypatch.setattr(kb.sparql.push, "CLEAR_PAGE", 7)
    wire = Wire(monkeypatch)
    report = push(seed_kb, server)
    writes = [(m, status) for m, path, status in wire.seen
              if m in ("PUT", "POST") and path.endswith(("/store", "/sparql-graph-crud-auth"))]
    assert writes and all(status is not None and status < 300 for _m, status in writes), writes
    updates = [status for m, path, status in wire.seen if path.endswith("/update")]
    if server.name == "oxigraph":
        biggest = max(report.graphs.values())
        assert len(updates) >= biggest // 7 and all(s == 204 for s in updates)
    else:
        assert not updates
    with RemoteEndpoint(server.query) as remote:
        assert remote.count() == report.triples


def test_push_into_one_graph_counts_distinct_statements(server, tmp_path, write):
    """With --graph, two files stating the same thing arrive as one graph holding it once, and the
    check after the push compares the server's count with the distinct statements."""
    same = "<https://w3id.org/evkb/id/x> <http://www.w3.org/2000/01/rdf-schema#label> \"X\" .\n"
    a = write("a.nt", same + "<https://w3id.org/evkb/id/a> <http://www.w3.org/2000/01/rdf-schema#label> \"A\" .\n")
    b = write("b.nt", same)
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([a, b])
    with kb.snapshot() as db:
        distinct = len({(q.subject, q.predicate, q.object) for q in db})
    report = push(kb, server, graph="urn:evkb:test:all")
    assert report.triples > distinct
    with RemoteEndpoint(server.query) as remote:
        assert remote.count(["urn:evkb:test:all"]) == distinct


def test_a_server_that_loses_statements_fails_the_push(seed_kb, monkeypatch):
    """The count the server gives after a graph is compared with what was sent: a server that keeps
    fewer is an error naming the graph and both numbers."""
    import httpx

    import kb.sparql.push

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/sparql":
            bindings = [{"n": {"type": "literal", "value": "3"}}] if b"COUNT" in request.content else []
            return httpx.Response(200, json={"head": {"vars": ["n"]}, "results": {"bindings": bindings}})
        return httpx.Response(201)

    real = httpx.Client
    monkeypatch.setattr(kb.sparql.push.httpx, "Client", lambda **kw: real(transport=httpx.MockTransport(handler), **kw))
    with pytest.raises(KBError, match=r"holds 3 statements in <.*>, but \d+ distinct statements were sent"):
        seed_kb.push("http://127.0.0.1:9/sparql")


def test_push_is_idempotent_and_keeps_named_graphs(server, seed_kb, tmp_path, write):
    with seed_kb.snapshot() as db:
        local = {g.value: len(list(db.quads_for_pattern(None, None, None, g))) for g in db.named_graphs()}
    report = push(seed_kb, server)
    assert report.graphs == local and PROVENANCE_GRAPH in report.graphs
    with RemoteEndpoint(server.query) as remote:
        for g, n in local.items():
            assert remote.count([g]) == n, g
        assert remote.count() == sum(local.values())
        push(seed_kb, server)  # twice: still one copy
        assert remote.count() == sum(local.values())
        # a file loaded and pushed, then gone from the knowledge base, is gone from the server too
        other = KnowledgeBase(tmp_path / "other")
        other.build()
        extra = write("extra.yaml", "places:\n  - id: lachin\n    name: Lachin\n")
        other.build([extra])
        push(other, server)
        assert remote.count() > sum(local.values())
        report = push(seed_kb, server)
        assert len(report.deleted) == 1 and report.deleted[0].endswith("extra.yaml")
        assert remote.count() == sum(local.values())
        assert sorted(remote.loaded_files()) == sorted(g for g in local if g != PROVENANCE_GRAPH)


def test_blank_nodes_survive_batches(server, tmp_path):
    """An RDF file with blank nodes, pushed two statements at a time, arrives isomorphic."""
    ttl = tmp_path / "bnodes.ttl"
    ttl.write_text("""
        @prefix ev: <https://w3id.org/evkb/ns#> . @prefix schema: <https://schema.org/> .
        @prefix dcterms: <http://purl.org/dc/terms/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://w3id.org/evkb/id/x-src> a ev:Source, ev:Report ; dcterms:identifier "x-src" ; rdfs:label "A report" .
        <https://w3id.org/evkb/id/x-event> a ev:Event ; dcterms:identifier "x-event" ; rdfs:label "An event" ;
          ev:documentedBy <https://w3id.org/evkb/id/x-src> ;
          ev:qualifiedDocumentation [ a ev:Documentation ; ev:documentingSource <https://w3id.org/evkb/id/x-src> ;
                                      ev:evidenceType ev:photo ; schema:text "one" ] ,
                                    [ a ev:Documentation ; ev:documentingSource <https://w3id.org/evkb/id/x-src> ;
                                      ev:evidenceType ev:video ; schema:text "two" ] .
        """)
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([ttl])
    with kb.snapshot() as db:
        graph = next(g for g in db.named_graphs() if g.value != PROVENANCE_GRAPH)
        local = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object) for q in db.quads_for_pattern(None, None, None, graph))
    push(kb, server, batch=2)
    with RemoteEndpoint(server.query) as remote:
        got = remote.results(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}",
                             "CONSTRUCT")
    remote_ds = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in got)
    local.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    remote_ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    assert sorted(map(str, remote_ds)) == sorted(map(str, local))


def test_named_queries_and_conflicts_same_remotely(server, seed_kb):
    push(seed_kb, server)
    with seed_kb.snapshot() as db, RemoteEndpoint(server.query) as remote:
        for name in REMOTE:
            query = library()[name]
            for params in [{}, *PARAMS.get(name, [])]:
                local = rows(run(query, params, db=db), name)
                if not query.text.count("GRAPH") and server.name == "oxigraph":
                    # reads the default graph, which only Virtuoso makes the union of all graphs
                    continue
                assert rows(run(query, params, endpoint=remote), name) == local, (name, params)
        assert [c.to_dict() for c in find_conflicts(remote)] == \
            [c.to_dict() for c in find_conflicts(LocalEndpoint(db))]


def test_the_remote_knowledge_base_answers_as_the_local_one(server, seed_kb):
    """KnowledgeBase.remote(url) gives the same conflicts, names and query results as the local
    knowledge base it was pushed from."""
    push(seed_kb, server)
    with KnowledgeBase.remote(server.query, user=server.user, password=server.password) as remote:
        assert [c.to_dict() for c in remote.conflicts(actor="Government of Armenia")] == \
            [c.to_dict() for c in seed_kb.conflicts(actor="Government of Armenia")]
        assert remote.resolve("actor", "Ilham Aliyev") == seed_kb.resolve("actor", "Ilham Aliyev")
        assert remote.query("denials-by-actor", {"actor": "ilham-aliyev"}, "csv") == \
            seed_kb.query("denials-by-actor", {"actor": "ilham-aliyev"}, "csv")


def test_cli_push_query_and_conflicts_against_the_server(server, seed_kb):
    store = str(seed_kb.path)
    auth = ["--user", server.user] if server.user else []  # the password from the environment
    r = CliRunner(env={"KB_REMOTE_PASSWORD": server.password or ""}).invoke(
        main, ["--store", store, "-q", "push", "--endpoint", server.query, *auth])
    assert r.exit_code == 0, r.output
    for args in (["query", "denials-by-actor", "--param", "actor=ilham-aliyev", "--format", "json"],
                 ["query", "claims-about-place", "--param", "place=Shushi", "--format", "tsv"],
                 ["query", "sources-per-event", "--format", "xml"],
                 ["conflicts", "--format", "json"]):
        local = CliRunner().invoke(main, ["--store", store, *args])
        remote = CliRunner().invoke(main, ["--store", str(seed_kb.path / "nothing-here"), *args,
                                           "--endpoint", server.query])
        assert local.exit_code == remote.exit_code == 0, remote.output
        if args[0] == "conflicts":
            assert json.loads(remote.output) == json.loads(local.output) and json.loads(local.output)
        elif "sources-per-event" in args:
            assert len(remote.output) == len(local.output)  # the same but for the order inside one cell
        else:
            assert remote.output == local.output, args


def test_remote_errors_are_clear(server, seed_kb):
    r = CliRunner().invoke(main, ["query", "SELECT * WHERE {", "--endpoint", server.query])
    assert r.exit_code == 5 and "syntax error" in r.output
    r = CliRunner().invoke(main, ["query", "denials-by-actor", "--endpoint", "http://127.0.0.1:9/sparql"])
    assert r.exit_code == 4 and "127.0.0.1:9" in r.output
    if server.user:
        r = CliRunner().invoke(main, ["--store", str(seed_kb.path), "push", "--endpoint", server.query,
                                      "--user", "dba", "--password", "wrong"])
        assert r.exit_code == 4 and "not allowed" in r.output


@pytest.mark.slow
def test_100k_synthetic_graph_same_remotely(server, tmp_path):
    from kb.testing import synthetic as gen
    ds = gen.generate(100_000, seed=11)
    gen.write_yaml(ds, tmp_path / "synthetic.yaml")
    kb = KnowledgeBase(tmp_path / "syn")
    kb.build([tmp_path / "synthetic.yaml"])
    started = time.perf_counter()
    report = push(kb, server)
    seconds = time.perf_counter() - started
    print(f"\npushed {report.triples} statements to {server.name} in {seconds:.1f} s "
          f"({report.triples / seconds:,.0f} statements/s)")
    with kb.snapshot() as db, RemoteEndpoint(server.query) as remote:
        assert remote.count() == len(db)
        local = [c.to_dict() for c in find_conflicts(LocalEndpoint(db))]
        assert len(local) >= len(ds.expected)
        assert [c.to_dict() for c in find_conflicts(remote)] == local
        actor = next(c["by"] for c in ds.records["claims"] if c["stance"] == "denies")
        for name, params in [("denials-by-actor", {"actor": actor}), ("sources-per-event", {}),
                             ("claims-about-event", {}), ("loaded-files", {}), ("contested-events", {})]:
            assert rows(run(name, params, endpoint=remote), name) == rows(run(name, params, db=db), name), name


# A server that cuts results, as production Virtuoso does (ResultSetMaxRows; 1 048 576 rows at
# 10 000 000 statements): kb's own reads page through it, every row once.
CAP = 100
# The knowledge base's own graphs (a server has its own besides: Virtuoso's system graphs).
KB_GRAPHS = f'FILTER(STRSTARTS(STR(?g), "{FILE_GRAPH_PREFIX}") || STRSTARTS(STR(?g), "{SEED_GRAPH_PREFIX}"))'


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    if not _have("virtuoso"):
        pytest.skip("virtuoso is not installed")
    with sparql_servers.virtuoso(tmp_path_factory.mktemp("capped"), max_rows=CAP) as srv:
        yield srv


def _kb(*args: str, cwd, **env: str) -> subprocess.CompletedProcess:
    """The kb command line of this checkout, run as a user runs it: a subprocess, in ``cwd``."""
    environ = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent), **env)
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], cwd=cwd, env=environ,
                          capture_output=True, timeout=900)


@pytest.fixture(scope="module")
def capped_kb(capped, tmp_path_factory):
    """The seed and a few thousand synthetic statements, built and pushed (``kb push``) to the
    capped server."""
    from kb.testing import synthetic as gen

    folder = tmp_path_factory.mktemp("capped-kb")
    gen.write_yaml(gen.generate(4_000, seed=5), folder / "synthetic.yaml")
    kb = KnowledgeBase(folder / "store")
    kb.build()
    kb.build([folder / "synthetic.yaml"])
    r = _kb("--store", str(kb.path), "-q", "push", "--endpoint", capped.query, "--user", capped.user,
            cwd=folder, KB_REMOTE_PASSWORD=capped.password)
    assert r.returncode == 0, r.stderr.decode()
    return kb


def _multiset(rows) -> Counter:
    return Counter(tuple(sorted(r.items())) for r in rows)


def test_select_over_a_capped_server_gives_every_row_once(capped, capped_kb):
    """Queries of kb's own (VALUES, OPTIONAL, UNION, GRAPH ?g, FILTER, a PREFIX prologue and a
    comment, repeated rows; six variables: the one-key order) whose results are several times the
    server's cap come back whole: the same rows, as many times each, as the same query on the
    local store; whether the cap is learnt from a cut response, known, or given too high."""
    from kb.analysis.candidates import _plan
    from kb.build.containment import _query
    from kb.model.terms import sparql_prefixes

    queries = dict(_plan()[0])
    queries["containment"] = _query()
    queries["repeated"] = (sparql_prefixes() + "# the same subject once per statement it has\n"
                           "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?p != rdf:type) " + KB_GRAPHS + " }")
    queries["wide"] = ("SELECT ?s ?p ?o ?g ?lang ?n WHERE { VALUES ?p { <http://www.w3.org/2000/01/rdf-schema#label> "
                       "<http://purl.org/dc/terms/date> } GRAPH ?g { ?s ?p ?o } BIND(LANG(?o) AS ?lang) "
                       "BIND(STRLEN(STR(?o)) AS ?n) " + KB_GRAPHS + " }")
    with capped_kb.snapshot() as db, RemoteEndpoint(capped.query, max_rows=CAP) as known, \
            RemoteEndpoint(capped.query, max_rows=7 * CAP) as too_high:
        for name, query in queries.items():
            local = _multiset(LocalEndpoint(db).select(query))
            with RemoteEndpoint(capped.query) as learning:
                assert _multiset(learning.select(query)) == local, name
            assert _multiset(known.select(query)) == local, name
        assert _multiset(too_high.select(queries["docs"])) == _multiset(LocalEndpoint(db).select(queries["docs"]))
        assert too_high.max_rows == CAP
        assert sum(_multiset(known.select(queries["ids"])).values()) > 3 * CAP  # several pages
        assert max(_multiset(known.select(queries["repeated"])).values()) > 1
        assert sum(local.values()) > 3 * CAP and "CONCAT(COALESCE" in paged(queries["wide"]).keys


def test_a_cut_result_that_cannot_be_paged_is_still_refused(capped, capped_kb):
    """A query whose own LIMIT or ORDER BY makes pages unstable, and results read whole (kb query
    --endpoint), are refused when the server cuts them, saying so."""
    big = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    with RemoteEndpoint(capped.query) as remote:
        nested = f"SELECT ?s ?p ?o WHERE {{ {{ SELECT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT {3 * CAP} }} " \
                 "GRAPH ?h { ?s ?p ?o } }"
        for query, why in ((big + f" LIMIT {3 * CAP}", "LIMIT"), (big + " ORDER BY ?s", "ORDER BY"),
                           (nested, "a sub-select's LIMIT")):
            with pytest.raises(KBError, match=rf"cut the result at {CAP} rows.*cannot be read in pages.*{why}"):
                list(remote.select(query))
        with pytest.raises(KBError, match=rf"cut the result at {CAP} rows"):
            remote.results(big)
        assert len(list(remote.select(big + f" LIMIT {CAP // 2}"))) == CAP // 2  # not cut: as before


def test_cli_conflicts_against_a_capped_server_same_bytes(capped, capped_kb, tmp_path):
    """`kb conflicts --endpoint` against a server that cuts every large result prints exactly the
    JSON findings the local store gives."""
    local = _kb("--store", str(capped_kb.path), "conflicts", "--format", "json", cwd=tmp_path)
    remote = _kb("--store", str(tmp_path / "nothing-here"), "conflicts", "--format", "json",
                 "--endpoint", capped.query, cwd=tmp_path)
    assert local.returncode == remote.returncode == 0, remote.stderr.decode()
    assert json.loads(local.stdout) and remote.stdout == local.stdout


def test_an_uncapped_server_is_read_in_one_request(server, seed_kb, monkeypatch):
    """A server that sends no cap (Oxigraph server, kb serve, a Virtuoso with a high cap): one
    request per select, the query sent as it is, never read by the paging code."""
    import kb.sparql.endpoint

    push(seed_kb, server)
    monkeypatch.setattr(kb.sparql.endpoint, "paged", lambda q: pytest.fail("paged on an uncapped server"))
    wire = Wire(monkeypatch)
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {KB_GRAPHS} }}"
    with seed_kb.snapshot() as db, RemoteEndpoint(server.query) as remote:
        assert _multiset(remote.select(query)) == _multiset(LocalEndpoint(db).select(query))
    assert [m for m, path, _s in wire.seen if path.endswith(("/sparql", "/query"))] == ["POST"]


def test_a_capped_server_that_ignores_offset_is_refused_not_read_forever(capped, capped_kb, monkeypatch):
    """A server that answers every page with the first one (it ignores OFFSET) would make the
    paged read loop for ever: the second page equal to the first is refused, saying why."""
    import kb.sparql.endpoint

    real = kb.sparql.endpoint.paged

    def first_page_always(query: str):
        plan = real(query)
        return plan if isinstance(plan, str) else lambda _offset, size: plan(0, size)

    monkeypatch.setattr(kb.sparql.endpoint, "paged", first_page_always)
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {KB_GRAPHS} }}"
    with RemoteEndpoint(capped.query, max_rows=CAP) as remote, pytest.raises(KBError, match="ignores OFFSET"):
        assert sum(1 for _ in remote.select(query)) < 10 * CAP

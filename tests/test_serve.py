"""`kb serve`: the SPARQL 1.1 Protocol endpoint, over real HTTP on 127.0.0.1, with real clients
(httpx and SPARQLWrapper). Expected answers come from running the same query on the local store."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from sparql_servers import free_port

from kb import KnowledgeBase
from kb.sparql.query import library, run
from kb.sparql.serve import create_app

EV = "https://w3id.org/evkb/ns#"
SELECT = f"SELECT ?c ?t WHERE {{ GRAPH ?g {{ ?c a <{EV}Claim> ; <https://schema.org/text> ?t }} }}"
CONSTRUCT = f"CONSTRUCT {{ ?c a <{EV}Claim> }} WHERE {{ GRAPH ?g {{ ?c a <{EV}Claim> }} }}"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
RESULTS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
           "application/sparql-results+xml": ox.QueryResultsFormat.XML,
           "text/tab-separated-values": ox.QueryResultsFormat.TSV}


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "store"
    KnowledgeBase(path).build()
    return path


def _wait(url: str, proc: subprocess.Popen | None = None) -> None:
    for _ in range(600):
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"kb serve exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no answer from {url}")


@pytest.fixture(scope="module")
def server(seed_store, tmp_path_factory):
    """`kb serve` as a user runs it: a subprocess on a free port, logging to a file."""
    port = free_port()
    log = tmp_path_factory.mktemp("serve-log") / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "--store", str(seed_store), "serve",
                                 "--port", str(port), "--timeout", "2", "--max-rows", "40",
                                 "--workers", "2", "--max-memory", "300"], stdout=out, stderr=subprocess.STDOUT,
                                env=dict(os.environ))
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        _wait(url, proc)
        yield {"url": url, "log": log, "base": f"http://127.0.0.1:{port}"}
    finally:
        proc.terminate()
        proc.wait(30)


def local_rows(store: Path, query: str, **params: str) -> list[tuple]:
    with KnowledgeBase(store).snapshot() as db:
        return _rows(run(query, params, db=db))


def local_values(store: Path, query: str) -> list[tuple]:
    with KnowledgeBase(store).snapshot() as db:
        result = run(query, db=db)
        return sorted(tuple("" if s[i] is None else s[i].value for i in range(len(result.variables)))
                      for s in result)


def _rows(result) -> list[tuple]:
    if isinstance(result, (bool, ox.QueryBoolean)):
        return [(bool(result),)]
    return sorted(tuple(None if s[i] is None else str(s[i]) for i in range(len(result.variables)))
                  for s in result)


def _csv_rows(text: str) -> list[tuple]:
    import csv
    import io

    return sorted(tuple(row) for row in list(csv.reader(io.StringIO(text)))[1:])


# -- the protocol --------------------------------------------------------------------------------

@pytest.mark.parametrize("media", [*RESULTS, "text/csv"])
def test_select_by_get_post_form_and_post_body_in_every_result_format(server, seed_store, media):
    expected = local_rows(seed_store, SELECT)
    assert len(expected) > 5
    url = server["url"]
    answers = [httpx.get(url, params={"query": SELECT}, headers={"Accept": media}),
               httpx.post(url, data={"query": SELECT}, headers={"Accept": media}),
               httpx.post(url, content=SELECT.encode(), headers={"Accept": media,
                                                                "Content-Type": "application/sparql-query"})]
    for r in answers:
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].split(";")[0] == media
        if media == "text/csv":  # lossy by design: plain values only
            assert _csv_rows(r.text) == local_values(seed_store, SELECT)
        else:
            assert _rows(ox.parse_query_results(r.content, format=RESULTS[media])) == expected


def test_accept_q_values_and_wildcards(server):
    url = server["url"]
    r = httpx.get(url, params={"query": "ASK {}"},
                  headers={"Accept": "text/csv;q=0.2, application/sparql-results+xml;q=0.9, */*;q=0.1"})
    assert r.headers["content-type"].startswith("application/sparql-results+xml")
    r = httpx.get(url, params={"query": "ASK {}"}, headers={"Accept": "text/html, */*;q=0.8"})
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    r = httpx.get(url, params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert r.status_code == 406


@pytest.mark.parametrize("media,fmt", [("text/turtle", ox.RdfFormat.TURTLE),
                                       ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                                       ("application/rdf+xml", ox.RdfFormat.RDF_XML)])
def test_construct_and_describe_give_graphs(server, seed_store, media, fmt):
    with KnowledgeBase(seed_store).snapshot() as db:
        expected = set(run(CONSTRUCT, db=db))
        described = set(run("DESCRIBE <https://w3id.org/evkb/id/shusha>", db=db))
    r = httpx.post(server["url"], data={"query": CONSTRUCT}, headers={"Accept": media})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert {q.triple for q in ox.parse(r.content, format=fmt)} == expected
    r = httpx.get(server["url"], params={"query": "DESCRIBE <https://w3id.org/evkb/id/shusha>"},
                  headers={"Accept": media})
    assert {q.triple for q in ox.parse(r.content, format=fmt)} == described


def test_dataset_parameters_select_graphs(server, seed_store):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = httpx.get(server["url"], params={"query": q}).json()
    places = httpx.get(server["url"], params={"query": q, "default-graph-uri": "urn:evkb:seed:places.yaml"}).json()
    n = lambda d: int(d["results"]["bindings"][0]["n"]["value"])  # noqa: E731
    with KnowledgeBase(seed_store).snapshot() as db:
        assert n(whole) == len(db)
        assert n(places) == len(list(db.quads_for_pattern(None, None, None,
                                                          ox.NamedNode("urn:evkb:seed:places.yaml"))))


def test_sparqlwrapper_client(server, seed_store):
    from SPARQLWrapper import CSV, JSON, POST, TSV, TURTLE, XML, SPARQLWrapper

    expected = local_rows(seed_store, SELECT)
    sw = SPARQLWrapper(server["url"])
    sw.setQuery(SELECT)
    for method in ("GET", POST):
        sw.setMethod(method)
        sw.setReturnFormat(JSON)
        got = sw.query().convert()
        assert len(got["results"]["bindings"]) == len(expected)
        sw.setReturnFormat(XML)
        assert len(sw.query().convert().getElementsByTagName("result")) == len(expected)
        sw.setReturnFormat(TSV)
        assert _rows(ox.parse_query_results(sw.query().convert(), format=ox.QueryResultsFormat.TSV)) == expected
        sw.setReturnFormat(CSV)
        assert len(sw.query().convert().decode().splitlines()) == len(expected) + 1
    sw.setQuery(CONSTRUCT)
    sw.setReturnFormat(TURTLE)
    with KnowledgeBase(seed_store).snapshot() as db:
        assert {q.triple for q in ox.parse(sw.query().convert(), format=ox.RdfFormat.TURTLE)} == set(run(CONSTRUCT, db=db))


def test_service_description(server, seed_store):
    r = httpx.get(server["url"], headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    store = ox.Store()
    store.load(r.content, format=ox.RdfFormat.TURTLE)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    service = ox.NamedNode(server["url"])
    assert (ox.Quad(service, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                  ox.NamedNode(sd + "Service")) in store)
    assert (ox.Quad(service, ox.NamedNode(sd + "supportedLanguage"),
                                  ox.NamedNode(sd + "SPARQL11Query")) in store)
    names = {q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(sd + "name"), None)}
    with KnowledgeBase(seed_store).snapshot() as db:
        assert names == {g.value for g in db.named_graphs()}
    nt = httpx.get(server["url"], headers={"Accept": "application/n-triples"})
    assert len(list(ox.parse(nt.content, format=ox.RdfFormat.N_TRIPLES))) == len(store)


def test_named_queries_over_http(server, seed_store):
    listed = httpx.get(server["base"] + "/queries").json()
    assert {q["name"] for q in listed} == set(library())
    r = httpx.get(server["base"] + "/queries/denials-by-actor", params={"actor": "government-of-armenia"},
                  headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    assert _rows(ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)) == \
        local_rows(seed_store, "denials-by-actor", actor="government-of-armenia")
    assert httpx.get(server["base"] + "/queries/denials-by-actor", params={"nope": "1"}).status_code == 400
    assert httpx.get(server["base"] + "/queries/nothing-like-this").status_code == 404
    text = httpx.get(server["base"] + "/queries/timeline.rq")
    assert text.status_code == 200 and text.text == library()["timeline"].text


def test_query_page_is_offline_and_lists_the_named_queries(server):
    r = httpx.get(server["base"] + "/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for name in library():
        assert f'data-name="{name}"' in page
    # no asset from elsewhere: no external src/href, and a policy that forbids them
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "default-src 'none'" in page and "connect-src 'self'" in page
    assert "<script src" not in page and "<link" not in page


# -- read-only, limits, logging ------------------------------------------------------------------

@pytest.mark.parametrize("method,kwargs,status", [
    ("GET", {"params": {"update": "DROP ALL"}}, 403),
    ("POST", {"data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}, 403),
    ("POST", {"content": b"DROP ALL", "headers": {"Content-Type": "application/sparql-update"}}, 403),
    ("POST", {"data": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}, 403),
    ("POST", {"data": {"query": "LOAD <http://example.org/data.ttl>"}}, 403),
    ("GET", {"params": {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}}, 403),
    ("POST", {"data": {"query": "SELECT * WHERE { ?s ?p }"}}, 400),
    ("POST", {"content": b"x" * (2 << 20), "headers": {"Content-Type": "application/sparql-query"}}, 413),
    ("GET", {"params": {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"}}, 403),  # over --max-rows
    ("POST", {"content": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
])
def test_refused_with_4xx_and_logged(server, method, kwargs, status):
    r = httpx.request(method, server["url"], timeout=30, **kwargs)
    assert r.status_code == status, r.text
    assert r.text.strip()
    time.sleep(0.2)
    log = server["log"].read_text()
    assert f"refused {method} /sparql from 127.0.0.1: {status} " in log


def test_syntax_error_names_line_and_column(server):
    r = httpx.post(server["url"], data={"query": "SELECT * WHERE {\n  ?s ?p ?o .\n  BIND(1 AS ?x AS ?y)\n}"})
    assert r.status_code == 400 and re.search(r"query:3:\d+: syntax error", r.text)


def test_a_slow_query_is_stopped_while_others_are_answered(server):
    slow: dict[str, httpx.Response] = {}
    thread = threading.Thread(target=lambda: slow.setdefault("r", httpx.get(
        server["url"], params={"query": SLOW}, timeout=60)))
    thread.start()
    answered = 0
    while thread.is_alive():  # the other worker keeps answering while the slow query runs
        r = httpx.get(server["url"], params={"query": "ASK { GRAPH ?g { ?s ?p ?o } }"}, timeout=30)
        assert r.status_code == 200 and r.json()["boolean"] is True
        answered += 1
        time.sleep(0.05)
    thread.join()
    assert answered >= 2
    assert slow["r"].status_code == 503 and "time limit" in slow["r"].text
    # the killed worker was replaced: two slow queries at once are both stopped, then all is well
    both = [threading.Thread(target=lambda i=i: slow.__setitem__(i, httpx.get(
        server["url"], params={"query": SLOW}, timeout=60))) for i in range(2)]
    for t in both:
        t.start()
    for t in both:
        t.join()
    assert slow[0].status_code == slow[1].status_code == 503
    assert httpx.get(server["url"], params={"query": "ASK {}"}).status_code == 200
    assert "refused GET /sparql from 127.0.0.1: 503" in server["log"].read_text()


def test_a_query_over_the_memory_limit_is_stopped_while_the_server_keeps_serving(server):
    """A sorted cartesian product holds every row in memory: it is stopped at --max-memory (here
    300 MB), long before the time limit, instead of exhausting the machine."""
    hungry = ("SELECT * WHERE { GRAPH ?a { ?s1 ?p1 ?o1 } GRAPH ?b { ?s2 ?p2 ?o2 } GRAPH ?c { ?s3 ?p3 ?o3 } "
              "GRAPH ?d { ?s4 ?p4 ?o4 } } ORDER BY ?o1 ?o2 ?o3 ?o4")
    r = httpx.post(server["url"], data={"query": hungry}, timeout=60)
    assert r.status_code == 503 and "more memory than the server's limit (300 MB" in r.text, r.text
    assert httpx.get(server["url"], params={"query": "ASK { GRAPH ?g { ?s ?p ?o } }"}).json()["boolean"] is True
    time.sleep(0.2)
    assert "refused POST /sparql from 127.0.0.1: 503 the query needed more memory" in server["log"].read_text()


# -- who may talk to it (DNS rebinding, cross-site requests) ------------------------------------

def _raw(port: int, request: bytes) -> bytes:
    """Send a request exactly as written (a forged Host, as a rebinding page's browser sends it)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def test_a_forged_host_is_refused_naming_the_flag_that_admits_it(server):
    port = int(server["base"].rsplit(":", 1)[1])
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", "localhost.evil.example"):
        r = httpx.get(server["url"], params={"query": "ASK {}"}, headers={"Host": host})
        assert r.status_code == 400, (host, r.text)
        name = host.split(":")[0]
        assert f"--allow-host {name}" in r.text and "results" not in r.text
    raw = _raw(port, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: rebind.example\r\nConnection: close\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 400") and b"--allow-host rebind.example" in raw
    for host in ("localhost", f"localhost:{port}", f"127.0.0.1:{port}", "LOCALHOST."):
        r = httpx.get(server["url"], params={"query": "ASK {}"}, headers={"Host": host})
        assert r.status_code == 200 and r.json()["boolean"] is True, host
    time.sleep(0.2)
    assert "refused GET /sparql from 127.0.0.1: 400 this server does not answer to the host name 'evil.example'" \
        in server["log"].read_text()


def test_a_foreign_origin_is_refused_and_the_query_never_runs(server):
    port = int(server["base"].rsplit(":", 1)[1])
    for origin in ("http://evil.example", f"http://localhost:{port + 1}", "null", f"https://127.0.0.1:{port}x"):
        r = httpx.post(server["url"], data={"query": SLOW}, headers={"Origin": origin}, timeout=60)
        assert r.status_code == 403 and "cross-origin requests are refused" in r.text, (origin, r.text)
        r = httpx.get(server["url"], params={"query": "ASK {}"}, headers={"Origin": origin})
        assert r.status_code == 403, origin
    for origin in (server["base"], f"http://localhost:{port}"):  # the query page's own requests
        r = httpx.post(server["url"], content=b"ASK {}", headers={"Origin": origin,
                                                                  "Content-Type": "application/sparql-query"})
        assert r.status_code == 200 and r.json()["boolean"] is True, origin
    time.sleep(0.2)
    log = server["log"].read_text()
    assert "403 cross-origin requests are refused (Origin 'http://evil.example'" in log
    assert "time limit" not in log.split("Origin 'http://evil.example'")[1].split("\n")[0]


def test_the_service_description_names_the_bound_address_not_the_client_host(server):
    r = httpx.get(server["url"], headers={"Accept": "application/n-triples", "Host": "localhost"})
    assert r.status_code == 200
    assert f"<{server['url']}>".encode() in r.content and b"localhost" not in r.content


def test_allow_host_and_public_url(seed_store, tmp_path):
    port = free_port()
    cmd = [sys.executable, "-m", "kb.cli", "--store", str(seed_store), "serve", "--port", str(port),
           "--workers", "1", "--allow-host", "kb.proxy.example", "--public-url", "https://kb.proxy.example/kb"]
    with open(tmp_path / "log", "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        _wait(url, proc)
        r = httpx.get(url, headers={"Host": "kb.proxy.example", "Accept": "application/n-triples",
                                    "Origin": "https://kb.proxy.example"})
        assert r.status_code == 200 and b"<https://kb.proxy.example/kb/sparql>" in r.content
        assert b"127.0.0.1" not in r.content
        assert httpx.get(url, params={"query": "ASK {}"}, headers={"Host": "other.example"}).status_code == 400
    finally:
        proc.terminate()
        proc.wait(30)
    bad = subprocess.run([*cmd[:-1], "javascript:alert(1)"], capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2 and "--public-url must be an absolute http(s) URL" in bad.stderr


def test_admitted_hosts_by_binding():
    import socket

    from kb.sparql.serve_guard import admitted_hosts, interface_addresses

    loop = admitted_hosts("127.0.0.1")
    assert {"localhost", "127.0.0.1", "::1"} <= loop and socket.gethostname().lower() not in loop
    everywhere = admitted_hosts("0.0.0.0", ["proxy.example"])
    assert socket.gethostname().lower() in everywhere and "proxy.example" in everywhere
    assert interface_addresses() <= everywhere and "evil.example" not in everywhere


def test_binds_loopback_by_default(server):
    log = server["log"].read_text()
    assert re.search(r"Running on http://127\.0\.0\.1:\d+", log)


# -- the Python API ------------------------------------------------------------------------------

def test_create_app_serves_new_builds_without_restart(tmp_path, write):
    """create_app() is a plain ASGI app; its workers move to a newly published build."""
    store = tmp_path / "store"
    kb = KnowledgeBase(store)
    kb.build()
    port = free_port()
    import asyncio

    from hypercorn.asyncio import serve as hserve
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    app = create_app(store, timeout=10, workers=1, port=port)
    thread = threading.Thread(target=loop.run_until_complete,
                              args=(hserve(app, config, shutdown_trigger=stop.wait),), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        _wait(url)
        q = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/evkb/ns#Place> }"
        before = int(httpx.get(url, params={"query": q}).json()["results"]["bindings"][0]["n"]["value"])
        extra = write("more.yaml", """
            places:
              - id: lachin
                name: Lachin
                aliases: ["Berdzor@hy"]
            """)
        kb.build([extra])
        after = int(httpx.get(url, params={"query": q}).json()["results"]["bindings"][0]["n"]["value"])
        assert after == before + 1
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)


# -- slow clients and endpoint details (#14 items 3, 13) -----------------------------------------

def _serve(store: Path, tmp_path: Path, *extra: str):
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "--store", str(store), "serve", "--port",
                                 str(port), "--workers", "1", *extra], stdout=out, stderr=subprocess.STDOUT,
                                cwd=tmp_path)
    _wait(f"http://127.0.0.1:{port}/sparql", proc)
    return proc, port, log


def test_a_client_that_never_finishes_its_request_head_is_disconnected(seed_store, tmp_path):
    import socket

    proc, port, _log = _serve(seed_store, tmp_path, "--header-timeout", "1")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall(b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the rest
            assert s.recv(100) == b""  # closed by the server (not the 60 s client timeout)
    finally:
        proc.terminate()
        proc.wait(30)


def _gone(sock) -> bool:
    try:
        return sock.recv(1) == b""
    except TimeoutError:  # still open
        return False
    except OSError:
        return True


def test_idle_connections_past_the_cap_do_not_stop_normal_requests(seed_store, tmp_path):
    import socket

    proc, port, log = _serve(seed_store, tmp_path, "--max-connections", "20", "--header-timeout", "120")
    idle = []
    try:
        for _ in range(60):  # three times the cap, none of them sending a thing
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=60))
        for _ in range(10):
            r = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=60)
            assert r.status_code == 200 and r.json()["boolean"] is True
        for s in idle:
            s.settimeout(0.5)
        closed = sum(1 for s in idle if _gone(s))  # the oldest idle ones made room
        assert 40 <= closed < 60
    finally:
        for s in idle:
            s.close()
        proc.terminate()
        proc.wait(30)
    text = log.read_text()
    assert 1 <= text.count("at the connection limit (20 open, --max-connections)") <= 3, text
    assert "Traceback" not in text


def test_an_invalid_graph_iri_is_400_with_a_message(server):
    for name in ("default-graph-uri", "named-graph-uri"):
        r = httpx.get(server["url"], params={"query": "ASK {}", name: "not an iri"})
        assert r.status_code == 400, r.text
        assert f"{name} 'not an iri' is not an IRI" in r.text and "Error:" not in r.text


def test_deep_nesting_is_refused_before_parsing(server):
    from kb.sparql.serve import MAX_NESTING, nesting

    deep = "ASK " + "{" * 50_000 + "}" * 50_000
    r = httpx.post(server["url"], content=deep.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and f"more than {MAX_NESTING} deep" in r.text
    parens = "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    assert httpx.post(server["url"], data={"query": parens}).status_code == 400
    assert nesting('ASK { "{{{{" <http://x/#{> # {{{{\n { } }') == 2
    ok = "ASK " + "{" * MAX_NESTING + "}" * MAX_NESTING
    assert httpx.post(server["url"], data={"query": ok}).status_code == 200
    assert httpx.get(server["url"], params={"query": "ASK {}"}).status_code == 200  # the worker lives


def test_x_forwarded_for_is_not_believed(server):
    r = httpx.get(server["url"], params={"query": "INSERT DATA { <a:b> <a:b> <a:b> }"},
                  headers={"X-Forwarded-For": "203.0.113.9", "Forwarded": "for=203.0.113.9"})
    assert r.status_code == 403
    time.sleep(0.2)
    log = server["log"].read_text()
    assert "203.0.113.9" not in log and "refused GET /sparql from 127.0.0.1: 403" in log


def test_a_client_that_goes_away_mid_body_costs_one_line(server):
    import socket

    port = int(server["base"].rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                  b"Content-Length: 1000\r\n\r\nASK")
        time.sleep(0.5)
    time.sleep(1)
    log = server["log"].read_text()
    assert "the client went away before sending the whole request" in log
    assert "ClientDisconnect" not in log and "Traceback" not in log

"""Named queries, kb query, and the SPARQL 1.1 endpoint over real HTTP on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

import httpx
import pytest
from click.testing import CliRunner

from kb import KnowledgeBase, QueryError
from kb.cli import main
from kb.query import bind, library, load


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("sparql") / "store"
    KnowledgeBase(path).build()
    return path


def rows(kb, query_name, **params):
    return json.loads(kb.query(query_name, params, "json"))["results"]["bindings"]


def test_library_has_documented_queries():
    lib = library()
    for name in ("denials-by-actor", "claims-about-place", "events-documented-by", "sources-per-event",
                 "timeline", "provenance", "conflicts-direct", "conflicts-part-of"):
        assert name in lib and lib[name].title and lib[name].description, name
    assert "actor" in lib["denials-by-actor"].params


def test_named_queries_answer_on_the_seed(seed_store):
    kb = KnowledgeBase(seed_store)
    armenia = rows(kb, "denials-by-actor", actor="government-of-armenia")
    assert [r["claim"]["value"] for r in armenia] == ["armenia-denies-shusha-taken"]
    assert len(rows(kb, "denials-by-actor")) == 8
    for alias in ("Shushi", "Şuşa", "shusha"):
        claims = {r["claim"]["value"] for r in rows(kb, "claims-about-place", name=alias)}
        assert claims == {"aliyev-shusha-liberation", "armenia-denies-shusha-taken"}, alias
    hrw = rows(kb, "events-documented-by", only_publisher="human-rights-watch")
    assert {r["evidence"]["value"] for r in hrw} == {"photo", "video", "testimony"}
    per_event = {r["event"]["value"]: int(r["publishers"]["value"]) for r in rows(kb, "sources-per-event")}
    assert per_event["cluster-munitions-in-civilian-areas"] == 2
    assert rows(kb, "timeline")
    prov = rows(kb, "provenance", id="shusha")
    assert prov and all(r["file"]["value"] == "seed/places.yaml" for r in prov)


def test_parameters_are_bound_as_literals_not_pasted():
    q = load("denials-by-actor")
    text = bind(q, {"actor": 'x" } ?s ?p ?o { "'})
    assert 'VALUES ?actor { "x\\" } ?s ?p ?o { \\"" }' in text
    with pytest.raises(QueryError):
        bind(q, {"nope": "x"})


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv", "table"])
def test_cli_formats(seed_store, fmt):
    r = CliRunner().invoke(main, ["--store", str(seed_store), "query", "denials-by-actor", "--format", fmt])
    assert r.exit_code == 0, r.output
    out = r.output
    if fmt == "json":
        assert len(json.loads(out)["results"]["bindings"]) == 8
    elif fmt == "xml":
        assert ET.fromstring(out).tag.endswith("sparql")
    elif fmt == "csv":
        assert len(list(csv.reader(io.StringIO(out)))) == 9
    elif fmt == "tsv":
        assert out.splitlines()[0].startswith("?actor\t")
    else:
        assert "8 row(s)" in out


def test_cli_construct_and_syntax_error(seed_store, tmp_path):
    q = tmp_path / "c.rq"
    q.write_text("CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 3")
    r = CliRunner().invoke(main, ["--store", str(seed_store), "query", str(q), "--format", "nt"])
    assert r.exit_code == 0 and r.output.count(" .\n") == 3
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT * WHERE {\n  ?s ?p \n}")
    r = CliRunner().invoke(main, ["--store", str(seed_store), "query", str(bad)])
    assert r.exit_code == 5 and "error at 3:2" in r.output and "Traceback" not in r.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(seed_store):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "--store", str(seed_store), "serve", "--port",
                             str(port), "--timeout", "1.5", "--max-rows", "300"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}/sparql"
    for _ in range(100):
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    log = proc.communicate(timeout=10)[0].decode()
    assert "refused" in log  # refusals are logged


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/evkb/ns#Claim> }"


@pytest.mark.parametrize("accept,check", [
    ("application/sparql-results+json", lambda t: json.loads(t)["results"]["bindings"][0]["n"]["value"] == "13"),
    ("application/sparql-results+xml", lambda t: "13" in t and ET.fromstring(t) is not None),
    ("text/csv", lambda t: t.splitlines() == ["n", "13"]),
    ("text/tab-separated-values", lambda t: t.splitlines()[1].startswith("13")),
])
def test_endpoint_get_and_post_with_content_negotiation(server, accept, check):
    get = httpx.get(server, params={"query": COUNT}, headers={"Accept": accept})
    post = httpx.post(server, content=COUNT, headers={"Accept": accept,
                                                      "Content-Type": "application/sparql-query"})
    form = httpx.post(server, data={"query": COUNT}, headers={"Accept": accept})
    for r in (get, post, form):
        assert r.status_code == 200 and check(r.text), r.text
        assert r.headers["content-type"].startswith(accept)


def test_endpoint_graph_results_and_service_description(server):
    r = httpx.get(server, params={"query": "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 2"},
                  headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.text.count(" .\n") == 2
    sd = httpx.get(server)
    assert sd.status_code == 200 and "sd:SPARQL11Query" in sd.text
    page = httpx.get(server.rsplit("/", 1)[0] + "/")
    assert page.status_code == 200 and "denials-by-actor" in page.text and "http" not in page.text.split(
        "examples-data")[0].replace("http-equiv", "")


def test_sparqlwrapper_client(server):
    from SPARQLWrapper import CSV, JSON, XML, SPARQLWrapper

    sw = SPARQLWrapper(server)
    sw.setQuery(COUNT)
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["results"]["bindings"][0]["n"]["value"] == "13"
    sw.setReturnFormat(XML)
    assert sw.query().convert().getElementsByTagName("literal")[0].firstChild.data == "13"
    sw.setReturnFormat(CSV)
    assert sw.query().convert().decode().splitlines() == ["n", "13"]


@pytest.mark.parametrize("request_kwargs,status", [
    ({"params": {"update": "DROP ALL"}}, 403),
    ({"data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}, 403),
    ({"content": "DROP ALL", "headers": {"Content-Type": "application/sparql-update"}}, 403),
    ({"data": {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}}, 400),
    ({"data": {"query": "LOAD <http://example.org/data.ttl>"}}, 400),
    ({"data": {"query": "SELECT * WHERE { ?s ?p }"}}, 400),
    ({"content": "x" * (1 << 21), "headers": {"Content-Type": "application/sparql-query"}}, 413),
    ({"params": {"query": "SELECT * WHERE { ?s ?p ?o }"}}, 413),  # over --max-rows
])
def test_endpoint_refuses_with_4xx(server, request_kwargs, status):
    method = httpx.get if "params" in request_kwargs else httpx.post
    r = method(server, timeout=10, **request_kwargs)
    assert r.status_code == status, r.text


def test_slow_query_is_stopped_while_others_are_answered(server):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    result = {}

    def run_slow():
        result["slow"] = httpx.get(server, params={"query": slow}, timeout=30)

    t = threading.Thread(target=run_slow)
    started = time.monotonic()
    t.start()
    time.sleep(0.2)
    fast = httpx.get(server, params={"query": COUNT}, timeout=10)
    assert fast.status_code == 200
    t.join(30)
    assert result["slow"].status_code == 503 and "time limit" in result["slow"].text
    assert time.monotonic() - started < 10
    assert httpx.get(server, params={"query": COUNT}).status_code == 200  # still serving

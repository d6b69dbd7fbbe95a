"""`kb serve` speaks the SPARQL 1.1 Protocol: the W3C Protocol and Service Description test cases,
replayed from their manifests (tests/corpus/w3c-protocol) against a real `kb serve` on 127.0.0.1,
and the dataset rules (Query §13.2, Protocol §2.1.4) counted on the server and in `kb query`.

Adaptations the data model and the design force on the W3C cases, each applied in :func:`_adapt`
or :func:`_expect`:

1. The graphs are the loaded files' graphs: ``http://kasei.us/2009/09/sparql/data/dataN.rdf`` in a
   graph parameter or a ``FROM`` clause is replaced by the graph of the file ``dataN.nt`` (every
   statement lives in the named graph of its file). The data IRIs in the patterns stay as written.
2. The request goes to the server's ``/sparql`` (the manifest's ``/sparql/``) with the Host it
   admits (127.0.0.1:PORT, not ``www.example``; the hardening issue refuses other names).
3. ``query_multiple_dataset`` percent-encodes the ``&`` between its two ``named-graph-uri``
   parameters; it is read as the separator the implemented test sends (w3c/rdf-tests#78).
4. The endpoint is read-only: an update the manifest expects to succeed must be refused with 403,
   and the request after it, which looks for what the update would have written, finds nothing
   (ASK false, no rows).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

import httpx
import pyoxigraph as ox
import pytest
from helpers import browser_test, kb
from sparql_servers import kb_serve

from kb import KnowledgeBase
from kb.errors import QueryError
from kb.sparql.query import execute, run

CORPUS = Path(__file__).parent / "corpus" / "w3c-protocol"
KASEI = "http://kasei.us/2009/09/sparql/data/"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
SD = "http://www.w3.org/ns/sparql-service-description#"
RESULTS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
           "application/sparql-results+xml": ox.QueryResultsFormat.XML,
           "text/csv": ox.QueryResultsFormat.CSV, "text/tab-separated-values": ox.QueryResultsFormat.TSV}
BOOLEAN = ("application/sparql-results+json", "application/sparql-results+xml")


@dataclass
class Request:
    """One request of a W3C protocol case and what its response must be."""

    method: str
    path: str
    body: str | None = None
    encoding: str = "UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    status: set[str] = field(default_factory=set)    # StatusCode2xx, StatusCode4xx, ...
    format: str | None = None                          # boolean, tabular, RDF
    boolean: bool | None = None


def _cases(manifest: Path) -> dict[str, list[Request]]:
    import rdflib
    from rdflib.collection import Collection

    g = rdflib.Graph().parse(manifest, format="turtle")
    m = rdflib.Namespace(MF)
    ht = rdflib.Namespace(HT)
    cnt = rdflib.Namespace(CNT)
    top = next(g.subjects(rdflib.RDF.type, m.Manifest))
    cases = {}
    for entry in Collection(g, g.value(top, m.entries)):
        requests = []
        for r in Collection(g, g.value(g.value(entry, m.action), ht.requests)):
            body = g.value(r, ht.body)
            resp = g.value(r, ht.resp)
            headers = {str(g.value(h, ht.fieldName)): str(g.value(h, ht.fieldValue))
                       for h in Collection(g, g.value(r, ht.headers) or rdflib.RDF.nil)}
            boolean = g.value(resp, m.expectedBoolean)
            requests.append(Request(
                str(g.value(r, ht.methodName)), str(g.value(r, ht.absolutePath)),
                None if body is None else str(g.value(body, cnt.chars)),
                "UTF-8" if body is None else str(g.value(body, cnt.characterEncoding)), headers,
                {str(s).rsplit("#", 1)[1] for s in g.objects(resp, m.expectedStatus)},
                None if g.value(resp, m.expectedFormat) is None else str(g.value(resp, m.expectedFormat)),
                None if boolean is None else boolean.toPython()))
        cases[str(entry).rsplit("#", 1)[1]] = requests
    return cases


CASES = _cases(CORPUS / "manifest.ttl")


@pytest.fixture(scope="module")
def w3c(tmp_path_factory):
    """The manifest's data files loaded with `kb build` (one graph each) and served by `kb serve`."""
    work = tmp_path_factory.mktemp("w3c")
    for n in (1, 2, 3):
        shutil.copy(CORPUS / f"data{n}.nt", work / f"data{n}.nt")
    store = work / "store"
    built = kb("build", "data1.nt", "data2.nt", "data3.nt", cwd=work, store=store)
    assert built.returncode == 0, built.stderr
    with KnowledgeBase(store).snapshot() as db:
        names = [g.value for g in db.named_graphs()]
        sizes = {g: len(list(db.quads_for_pattern(None, None, None, ox.NamedNode(g)))) for g in names}
        total = len(db)
    graphs = {f"{KASEI}data{n}.rdf": next(g for g in names if g.endswith(f"data{n}.nt")) for n in (1, 2, 3)}
    with kb_serve(store, "--max-rows", "20", cwd=work, workers=2) as (base, log):
        yield {"base": base, "url": base + "/sparql", "log": log, "store": store, "graphs": graphs,
               "sizes": sizes, "total": total}


def _is_update(req: Request) -> bool:
    ctype = req.headers.get("content-type", "")
    return ctype.startswith("application/sparql-update") or "update=" in req.path or (
        ctype.startswith("application/x-www-form-urlencoded") and (req.body or "").startswith("update="))


def _from_graphs(text: str, graphs: dict[str, str]) -> str:
    """Adaptation 1 in a query: the manifest's graph IRIs in FROM / FROM NAMED clauses."""
    return re.sub(r"(FROM(?:\s+NAMED)?\s*<)([^>]*)(>)", lambda m: m[1] + graphs.get(m[2], m[2]) + m[3], text)


def _adapt(req: Request, graphs: dict[str, str], base: str) -> tuple[str, str, dict[str, str], bytes | None]:
    """The request as sent to `kb serve`: method, URL, headers, body (adaptations 1-3)."""
    path, _, qs = req.path.partition("?")
    params = []
    for name, value in parse_qsl(qs, keep_blank_values=True):
        values = [value]
        if name.endswith("graph-uri"):
            values = value.split(f"&{name}=")                                  # adaptation 3
            values = [graphs.get(v, v) for v in values]                         # adaptation 1
        elif name == "query":
            values = [_from_graphs(value, graphs)]
        params += [(name, v) for v in values]
    url = base + path.rstrip("/") + ("?" + urlencode(params, quote_via=quote) if params else "")
    body = req.body
    if body is not None and req.headers.get("content-type", "").startswith("application/sparql-query"):
        body = _from_graphs(body, graphs)
    return req.method, url, dict(req.headers), None if body is None else body.encode(req.encoding.lower())


def _status_ok(status: int, classes: set[str]) -> bool:
    return any(status // 100 == int(c[len("StatusCode")]) for c in classes)


def _check(r: httpx.Response, req: Request, after_refused_update: bool) -> None:
    assert _status_ok(r.status_code, req.status), (r.status_code, r.text)
    media = r.headers.get("content-type", "").split(";")[0].strip()
    if req.format == "boolean":
        assert media in BOOLEAN, media
        result = ox.parse_query_results(r.content, format=RESULTS[media])
        assert isinstance(result, ox.QueryBoolean)
        if req.boolean is not None:
            assert bool(result) is (req.boolean and not after_refused_update)   # adaptation 4
    elif req.format == "tabular":
        assert media in RESULTS, media
        result = ox.parse_query_results(r.content, format=RESULTS[media])
        assert isinstance(result, ox.QuerySolutions)
        rows = list(result)
        assert not after_refused_update or rows == []                            # adaptation 4
    elif req.format == "RDF":
        fmt = ox.RdfFormat.from_media_type(media)
        assert fmt is not None, media
        list(ox.parse(r.content, format=fmt))


@pytest.mark.parametrize("name", list(CASES))
def test_w3c_protocol_case(w3c, name):
    refused = False
    for req in CASES[name]:
        method, url, headers, body = _adapt(req, w3c["graphs"], w3c["base"])
        r = httpx.request(method, url, headers=headers, content=body, timeout=60)
        if _is_update(req) and _status_ok(200, req.status):                     # adaptation 4
            assert r.status_code == 403, (r.status_code, r.text)
            refused = True
            continue
        _check(r, req, refused)


def test_the_manifest_excerpt_has_every_case():
    assert len(CASES) == 34 and sum(1 for n in CASES if "update" not in n) == 20


# -- the W3C Service Description cases ----------------------------------------------------------

RDF_ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/n-triples;q=0.8, application/ld+json;q=0.7"


def _description(w3c, accept: str = RDF_ACCEPT) -> ox.Store:
    r = httpx.get(w3c["url"], headers={"Accept": accept})
    assert r.status_code == 200, r.text
    store = ox.Store()
    store.load(r.content, format=ox.RdfFormat.from_media_type(r.headers["content-type"].split(";")[0]))
    return store


def test_w3c_sd_returns_rdf(w3c):
    for media in ("text/turtle", "application/rdf+xml", "application/n-triples", "application/ld+json"):
        r = httpx.get(w3c["url"], headers={"Accept": media})
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
        assert r.headers["vary"].lower().startswith("accept")
        assert len(list(ox.parse(r.content, format=ox.RdfFormat.from_media_type(media)))) > 10
    assert httpx.get(w3c["url"], headers={"Accept": "image/png"}).status_code == 406


def test_w3c_sd_has_endpoint_triple(w3c):
    sd = _description(w3c)
    assert bool(sd.query(f"ASK {{ ?s <{SD}endpoint> <{w3c['url']}> }}"))


def test_w3c_sd_conforms_to_schema(w3c):
    """Every property of the SD vocabulary used with the type of its domain and range, the terms
    of the vocabulary, and one service with an endpoint and a supported language."""
    sd = _description(w3c)
    rules = {  # property: (domain, range class, the range's instances the vocabulary defines)
        "endpoint": ("Service", None, ()),
        "supportedLanguage": ("Service", "Language", ("SPARQL10Query", "SPARQL11Query", "SPARQL11Update")),
        "feature": ("Service", "Feature", ("DereferencesURIs", "UnionDefaultGraph", "RequiresDataset",
                                           "EmptyGraphs", "BasicFederatedQuery")),
        "resultFormat": ("Service", None, ()), "defaultDataset": ("Service", "Dataset", ()),
        "defaultGraph": ("Dataset", "Graph", ()), "namedGraph": ("Dataset", "NamedGraph", ()),
        "name": ("NamedGraph", None, ()),
    }
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    used = {q.predicate.value[len(SD):] for q in sd if q.predicate.value.startswith(SD)}
    assert used <= set(rules), used - set(rules)
    for prop, (domain, range_, instances) in rules.items():
        for q in sd.quads_for_pattern(None, ox.NamedNode(SD + prop), None):
            assert ox.Quad(q.subject, ox.NamedNode(rdf_type), ox.NamedNode(SD + domain)) in sd, (prop, q)
            if range_:
                assert (q.object.value[len(SD):] in instances if instances else
                        ox.Quad(q.object, ox.NamedNode(rdf_type), ox.NamedNode(SD + range_)) in sd), (prop, q)
    for q in sd.quads_for_pattern(None, ox.NamedNode(SD + "resultFormat"), None):
        assert q.object.value.startswith("http://www.w3.org/ns/formats/")
    services = list(sd.query(f"SELECT ?s WHERE {{ ?s a <{SD}Service> ; <{SD}endpoint> ?e ; "
                             f"<{SD}supportedLanguage> <{SD}SPARQL11Query> }}"))
    assert len(services) == 1


def test_every_service_description_case_has_its_test():
    import rdflib

    g = rdflib.Graph().parse(CORPUS / "sd-manifest.ttl", format="turtle")
    names = {str(e).rsplit("#", 1)[1] for e in g.subjects(rdflib.RDF.type, rdflib.URIRef(MF + "ServiceDescriptionTest"))}
    assert names == {"has-endpoint-triple", "returns-rdf", "conforms-to-schema"}
    assert all(callable(globals().get("test_w3c_sd_" + n.replace("-", "_"))) for n in names)


# -- datasets: Query §13.2 and Protocol §2.1.4, with counts --------------------------------------

def _dataset_cases(w3c) -> list[tuple[str, dict, int, int]]:
    """(FROM clauses, protocol parameters, statements in the default graph, in the named graphs)."""
    g1, g2, g3 = (w3c["graphs"][f"{KASEI}data{n}.rdf"] for n in (1, 2, 3))
    n = w3c["sizes"]
    every_named = sum(n.values())
    return [
        ("", {}, w3c["total"], every_named),                             # nothing said: the union
        (f"FROM <{g1}>", {}, n[g1], 0),
        (f"FROM <{g1}> FROM <{g3}>", {}, n[g1] + n[g3], 0),
        (f"FROM NAMED <{g2}>", {}, 0, n[g2]),
        (f"FROM <{g1}> FROM NAMED <{g2}> FROM NAMED <{g3}>", {}, n[g1], n[g2] + n[g3]),
        ("", {"default-graph-uri": [g3]}, n[g3], 0),
        ("", {"default-graph-uri": [g1, g3]}, n[g1] + n[g3], 0),
        ("", {"named-graph-uri": [g2]}, 0, n[g2]),
        ("", {"default-graph-uri": [g3], "named-graph-uri": [g1, g2]}, n[g3], n[g1] + n[g2]),
        (f"FROM <{g1}> FROM NAMED <{g1}>", {"default-graph-uri": [g2]}, n[g2], 0),  # the protocol's wins
        (f"FROM <{g1}>", {"named-graph-uri": [g3]}, 0, n[g3]),
    ]


COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) {} WHERE {{ ?s ?p ?o }}"
COUNT_NAMED = "SELECT (COUNT(*) AS ?n) {} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"


def _count(answer) -> int:
    if isinstance(answer, httpx.Response):
        assert answer.status_code == 200, answer.text
        return int(answer.json()["results"]["bindings"][0]["n"]["value"])
    return int(next(iter(answer))["n"].value)


def test_every_dataset_combination_gives_the_spec_counts_over_http(w3c):
    assert len(set(w3c["sizes"].values())) == len(w3c["sizes"])  # the counts tell the graphs apart
    for clauses, params, default, named in _dataset_cases(w3c):
        for text, expected in ((COUNT_DEFAULT.format(clauses), default), (COUNT_NAMED.format(clauses), named)):
            got = httpx.get(w3c["url"], params={"query": text, **params})
            assert _count(got) == expected, (text, params)
            posted = httpx.post(w3c["url"], params=params, content=text.encode(),
                                headers={"Content-Type": "application/sparql-query"})
            assert _count(posted) == expected, (text, params)


def test_every_dataset_combination_gives_the_spec_counts_in_the_python_api_and_kb_query(w3c, tmp_path):
    with KnowledgeBase(w3c["store"]).snapshot() as db:
        for clauses, params, default, named in _dataset_cases(w3c):
            for text, expected in ((COUNT_DEFAULT.format(clauses), default),
                                   (COUNT_NAMED.format(clauses), named)):
                graphs = {"default_graph": params.get("default-graph-uri"),
                          "named_graphs": params.get("named-graph-uri")}
                assert _count(execute(db, text, **graphs)) == expected, (text, params)
                assert _count(run(text, db=db, **graphs)) == expected, (text, params)
    local = KnowledgeBase(w3c["store"])
    for clauses, params, default, named in _dataset_cases(w3c):
        graphs = {"default_graph": params.get("default-graph-uri"), "named_graphs": params.get("named-graph-uri")}
        for text, expected in ((COUNT_DEFAULT.format(clauses), default), (COUNT_NAMED.format(clauses), named)):
            assert _json_count(local.query(text, **graphs)) == expected, (text, params)
    g1 = w3c["graphs"][f"{KASEI}data1.rdf"]
    out = kb("query", COUNT_DEFAULT.format(f"FROM <{g1}>"), "--format", "json", cwd=tmp_path, store=w3c["store"])
    assert out.returncode == 0, out.stderr
    assert _json_count(out.stdout) == w3c["sizes"][g1]


def _json_count(results: str | bytes) -> int:
    return int(json.loads(results)["results"]["bindings"][0]["n"]["value"])


def _graph_options(params: dict) -> list[str]:
    return [o for name, option in (("default-graph-uri", "--default-graph"), ("named-graph-uri", "--named-graph"))
            for g in params.get(name, []) for o in (option, g)]


def test_kb_query_names_the_dataset_locally_and_on_an_endpoint(w3c, tmp_path):
    """--default-graph / --named-graph (repeatable) give the counts the protocol parameters give, on
    the local store and sent to a remote endpoint (kb serve) as default-graph-uri / named-graph-uri."""
    cases = [c for c in _dataset_cases(w3c) if c[1]]
    assert len(cases) == 6
    for clauses, params, default, named in cases:
        for text, expected in ((COUNT_DEFAULT.format(clauses), default), (COUNT_NAMED.format(clauses), named)):
            for where in ((), ("--endpoint", w3c["url"])):
                out = kb("query", text, "--format", "json", *_graph_options(params), *where, cwd=tmp_path,
                         store=w3c["store"])
                assert out.returncode == 0, out.stderr
                assert _json_count(out.stdout) == expected, (text, params, where)
    with KnowledgeBase.remote(w3c["url"]) as remote:
        g2 = w3c["graphs"][f"{KASEI}data2.rdf"]
        assert _json_count(remote.query(COUNT_NAMED.format(""), named_graphs=[g2])) == w3c["sizes"][g2]
        assert _json_count(remote.query(COUNT_DEFAULT.format(""), named_graphs=[g2])) == 0
    for bad in ("relative/graph", "not an iri"):
        out = kb("query", "ASK {}", "--default-graph", bad, cwd=tmp_path, store=w3c["store"])
        assert out.returncode == 2 and "--default-graph" in out.stderr and f"{bad!r} is not an IRI" in out.stderr
        with pytest.raises(QueryError, match=r"named graph .* is not an IRI"):
            KnowledgeBase(w3c["store"]).query("ASK {}", named_graphs=[bad])


# -- the defects of issue 17, one test each ------------------------------------------------------

ASK_ANY = "ASK { GRAPH ?g { ?s ?p ?o } }"
EVERY = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"  # more rows than --max-rows 20 allows
G_CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'urn:evkb:file:')) }"


def test_relative_iris_resolve_against_the_endpoint_url(w3c):
    r = httpx.post(w3c["url"], content=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
                   headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert r.status_code == 200, r.text
    [t] = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
    assert t.subject == ox.NamedNode(w3c["base"] + "/s") and t.predicate == ox.NamedNode(w3c["base"] + "/p")
    r = httpx.get(w3c["url"], params={"query": "SELECT (<x> AS ?x) {}"}, headers={"Host": "localhost"})
    assert r.json()["results"]["bindings"][0]["x"]["value"] == w3c["base"] + "/x"  # never the client's Host


def test_head_is_answered_wherever_get_is(w3c):
    for path, params in (("/sparql", {"query": "ASK {}"}), ("/sparql", {}), ("/", {}), ("/queries", {})):
        got = httpx.get(w3c["base"] + path, params=params)
        head = httpx.head(w3c["base"] + path, params=params)
        assert head.status_code == got.status_code == 200, (path, head.status_code)
        assert head.headers["content-type"] == got.headers["content-type"] and head.content == b""


@pytest.mark.parametrize("value", ["not an iri", "relative/graph", "", "http://a b/"])
def test_a_graph_parameter_that_is_not_an_absolute_iri_is_400(w3c, value):
    for name in ("default-graph-uri", "named-graph-uri"):
        r = httpx.get(w3c["url"], params={"query": "ASK {}", name: value})
        assert r.status_code == 400, (name, value, r.status_code, r.text)
        assert f"{name} {value!r} is not an IRI" in r.text and "Error" not in r.text


def test_a_body_in_another_charset_is_refused_and_utf8_is_read_exactly(w3c):
    query = 'SELECT ("é" AS ?v) {}'
    latin = httpx.post(w3c["url"], content=query.encode("latin-1"),
                       headers={"Content-Type": "application/sparql-query; charset=ISO-8859-1"})
    assert latin.status_code == 415 and "UTF-8" in latin.text
    undeclared = httpx.post(w3c["url"], content=query.encode("latin-1"),
                            headers={"Content-Type": "application/sparql-query"})
    assert undeclared.status_code == 400 and "not UTF-8" in undeclared.text
    form = httpx.post(w3c["url"], content=b"query=SELECT+%28%22%E9%22+AS+%3Fv%29+%7B%7D",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 400 and "%C3%A9" in form.text
    assert httpx.get(w3c["url"] + "?query=SELECT+%28%22%E9%22+AS+%3Fv%29+%7B%7D").status_code == 400
    for r in (httpx.post(w3c["url"], content=query.encode(), headers={
                  "Content-Type": "application/sparql-query; charset=utf-8"}),
              httpx.post(w3c["url"], data={"query": query}), httpx.get(w3c["url"], params={"query": query})):
        assert r.status_code == 200 and r.json()["results"]["bindings"][0]["v"]["value"] == "é"


def test_negotiation_varies_on_accept_and_honours_q_zero(w3c):
    r = httpx.get(w3c["url"], params={"query": "SELECT (1 AS ?x) {}"},
                  headers={"Accept": "application/sparql-results+json;q=0, */*"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+xml")
    assert "accept" in r.headers["vary"].lower()
    r = httpx.get(w3c["url"], params={"query": "SELECT (1 AS ?x) {}"},
                  headers={"Accept": "text/*;q=0.5, text/csv;q=0, application/sparql-results+xml;q=0.4"})
    assert r.headers["content-type"].startswith("text/tab-separated-values")
    nothing = httpx.get(w3c["url"], params={"query": "SELECT (1 AS ?x) {}"}, headers={"Accept": "*/*;q=0"})
    assert nothing.status_code == 406


def test_ask_is_never_csv(w3c):
    r = httpx.get(w3c["url"], params={"query": "ASK {}"}, headers={"Accept": "text/csv"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.text and "text/csv" not in r.text
    r = httpx.get(w3c["url"], params={"query": "ASK {}"}, headers={"Accept": "text/csv, */*;q=0.1"})
    assert r.status_code == 200 and r.json()["boolean"] is True
    assert httpx.get(w3c["url"], params={"query": "ASK {}", "format": "csv"}).status_code == 406


def test_graphs_and_the_service_description_come_as_json_ld(w3c):
    with KnowledgeBase(w3c["store"]).snapshot() as db:
        expected = set(run(G_CONSTRUCT, db=db))
    r = httpx.get(w3c["url"], params={"query": G_CONSTRUCT}, headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/ld+json"
    assert {q.triple for q in ox.parse(r.content, format=ox.RdfFormat.JSON_LD)} == expected
    sd = httpx.get(w3c["url"], headers={"Accept": "application/ld+json"})
    assert sd.headers["content-type"] == "application/ld+json" and json.loads(sd.content)


def test_a_result_over_max_rows_is_refused_whole_with_how_to_page_it(w3c):
    r = httpx.get(w3c["url"], params={"query": EVERY})
    assert r.status_code == 403 and r.status_code != 413
    assert "more than 20 rows" in r.text and "LIMIT 20 OFFSET 0" in r.text
    paged = httpx.get(w3c["url"], params={"query": EVERY + " LIMIT 20"})
    assert paged.status_code == 200 and len(paged.json()["results"]["bindings"]) == 20


def test_get_with_parameters_but_no_query_and_a_query_in_url_and_body_are_400(w3c):
    r = httpx.get(w3c["url"], params={"default-graph-uri": "urn:x"})
    assert r.status_code == 400 and "missing the 'query' parameter" in r.text
    assert httpx.get(w3c["url"], params={"query": ["ASK {}", "ASK {}"]}).status_code == 400
    r = httpx.post(w3c["url"], params={"query": "ASK {}"}, content=b"SELECT * {}",
                   headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and "do not send one in the URL" in r.text
    r = httpx.post(w3c["url"], params={"query": "ASK {}"}, data={"query": "SELECT * {}"})
    assert r.status_code == 400 and "one query per request" in r.text
    r = httpx.get(w3c["base"] + "/queries/denials-by-actor", params={"actor": ["a", "b"]})
    assert r.status_code == 400 and "actor given more than once" in r.text


def test_answers_are_gzipped_when_asked(w3c):
    query = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 20"
    zipped = httpx.get(w3c["url"], params={"query": query}, headers={"Accept-Encoding": "gzip"})
    plain = httpx.get(w3c["url"], params={"query": query}, headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert int(zipped.headers["content-length"]) < int(plain.headers["content-length"])
    assert zipped.json() == plain.json()


def test_cors_is_off_by_default(w3c):
    preflight = {"Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    r = httpx.options(w3c["url"], headers=preflight)
    assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
    r = httpx.get(w3c["url"], params={"query": "ASK {}"}, headers={"Origin": "https://yasgui.example"})
    assert r.status_code == 403 and "access-control-allow-origin" not in r.headers


def test_cors_lets_the_listed_origins_in(w3c, tmp_path):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    with kb_serve(w3c["store"], "--cors", "https://yasgui.example", "--cors", "http://localhost:3000",
                  cwd=tmp_path) as (base, _log):
        url = base + "/sparql"
        r = httpx.options(url, headers={"Origin": "https://yasgui.example", **preflight})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://yasgui.example"
        assert "POST" in r.headers["access-control-allow-methods"]
        r = httpx.post(url, data={"query": ASK_ANY}, headers={"Origin": "http://localhost:3000"})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert r.json()["boolean"] is True
        other = httpx.get(url, params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"})
        assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
        forged = httpx.get(url, params={"query": "ASK {}"}, headers={"Origin": "https://yasgui.example",
                                                                     "Host": "evil.example"})
        assert forged.status_code == 400  # the Host check stays (DNS rebinding)
    with kb_serve(w3c["store"], "--cors", "*", cwd=tmp_path) as (base, _log):
        r = httpx.get(base + "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://any.example"})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    bad = kb("serve", "--cors", "yasgui.example/path", cwd=tmp_path, store=w3c["store"])
    assert bad.returncode == 2 and "--cors" in bad.stderr


# -- real clients ---------------------------------------------------------------------------------

def test_sparqlwrapper_json_ld_and_datasets(w3c):
    from SPARQLWrapper import JSON, JSONLD, POST, SPARQLWrapper

    with KnowledgeBase(w3c["store"]).snapshot() as db:
        expected = set(run(G_CONSTRUCT, db=db))
    g1, g2, g3 = (w3c["graphs"][f"{KASEI}data{n}.rdf"] for n in (1, 2, 3))
    n = w3c["sizes"]
    for method in ("GET", POST):
        sw = SPARQLWrapper(w3c["url"])
        sw.setMethod(method)
        sw.setQuery(G_CONSTRUCT)
        sw.setReturnFormat(JSONLD)
        graph = sw.query().convert()
        assert {(str(s), str(p), str(o)) for s, p, o in graph} == {
            (t.subject.value, t.predicate.value, t.object.value) for t in expected}
        sw = SPARQLWrapper(w3c["url"])
        sw.setMethod(method)
        sw.setReturnFormat(JSON)
        sw.addDefaultGraph(g3)
        sw.setQuery(COUNT_DEFAULT.format(""))
        assert int(sw.query().convert()["results"]["bindings"][0]["n"]["value"]) == n[g3]
        sw = SPARQLWrapper(w3c["url"])
        sw.setMethod(method)
        sw.setReturnFormat(JSON)
        sw.setQuery(COUNT_NAMED.format(f"FROM <{g1}> FROM NAMED <{g2}>"))
        assert int(sw.query().convert()["results"]["bindings"][0]["n"]["value"]) == n[g2]


def test_rdflib_sparqlstore(w3c):
    import rdflib
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    g1, g2 = (w3c["graphs"][f"{KASEI}data{n}.rdf"] for n in (1, 2))
    store = SPARQLStore(query_endpoint=w3c["url"], returnFormat="json")
    union = rdflib.Graph(store)
    [row] = union.query(COUNT_DEFAULT.format(f"FROM <{g2}>"))
    assert int(row[0]) == w3c["sizes"][g2]
    [row] = union.query(COUNT_DEFAULT.format(""))
    assert int(row[0]) == w3c["total"]
    one = rdflib.Graph(store, identifier=rdflib.URIRef(g1))   # sent as default-graph-uri
    assert len(list(one.triples((None, None, None)))) == w3c["sizes"][g1]
    assert bool(union.query(f"ASK FROM NAMED <{g1}> {{ GRAPH <{g1}> {{ ?s ?p ?o }} }}").askAnswer)


JS = Path(__file__).parent / "js"


@pytest.mark.skipif(not (JS / "node_modules" / "fetch-sparql-endpoint").exists() and not os.environ.get("CI"),
                    reason="npm ci --prefix tests/js (scripts/test.sh) installs the JavaScript client")
@pytest.mark.parametrize("method", ["GET", "POST", "DIRECT"])
def test_a_javascript_client_from_npm(w3c, method):
    node = shutil.which("node")
    assert node, "Node.js runs the JavaScript client"
    with KnowledgeBase(w3c["store"]).snapshot() as db:
        expected = sorted(s["s"].value for s in run(
            "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?t } FILTER(STRSTARTS(STR(?g), 'urn:evkb:file:')) }",
            db=db))
        triples = len(set(run(G_CONSTRUCT, db=db)))
    out = subprocess.run([node, str(JS / "client.mjs"), w3c["url"], method,
                          "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?t } "
                          "FILTER(STRSTARTS(STR(?g), 'urn:evkb:file:')) }", ASK_ANY, G_CONSTRUCT],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert sorted(r["s"] for r in got["rows"]) == expected and got["ask"] is True and got["triples"] == triples


# -- a browser page on another origin --------------------------------------------------------------

FETCH = """async ([url, query, direct]) => {
  const accept = {'Accept': 'application/sparql-results+json'};
  try {
    const r = direct
      ? await fetch(url, {method: 'POST', body: query,
                          headers: {...accept, 'Content-Type': 'application/sparql-query'}})
      : await fetch(url + '?query=' + encodeURIComponent(query), {headers: accept});
    return {status: r.status, body: await r.json()};
  } catch (e) {
    return {error: e.name};
  }
}"""


@browser_test
def test_a_page_on_another_origin_reads_answers_only_with_cors(browser, w3c, tmp_path):
    """Headless Chromium on a page served from a second 127.0.0.1 port: `kb serve --cors` that origin
    answers its GET and its preflighted POST (Content-Type application/sparql-query); a server
    without --cors is blocked by the browser (the page sees only a network error)."""
    (tmp_path / "index.html").write_text("<!doctype html><title>a SPARQL client page</title>\n")
    site = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    threading.Thread(target=site.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{site.server_address[1]}"
    count = COUNT_DEFAULT.format("")
    try:
        with kb_serve(w3c["store"], "--cors", origin, cwd=tmp_path) as (base, _log):
            page = browser.new_page()
            page.goto(origin + "/index.html")
            assert page.title() == "a SPARQL client page"
            got = page.evaluate(FETCH, [base + "/sparql", ASK_ANY, False])
            assert got == {"status": 200, "body": {"head": {}, "boolean": True}}, got
            posted = page.evaluate(FETCH, [base + "/sparql", count, True])
            assert posted["status"] == 200, posted
            assert int(posted["body"]["results"]["bindings"][0]["n"]["value"]) == w3c["total"]
            before = w3c["log"].read_text(errors="replace")
            assert page.evaluate(FETCH, [w3c["url"], ASK_ANY, False]) == {"error": "TypeError"}
            assert page.evaluate(FETCH, [w3c["url"], count, True]) == {"error": "TypeError"}
            page.close()
    finally:
        site.shutdown()
        site.server_close()
    refused = w3c["log"].read_text(errors="replace")[len(before):]
    assert "refused GET /sparql" in refused and "refused OPTIONS /sparql" in refused  # the preflight

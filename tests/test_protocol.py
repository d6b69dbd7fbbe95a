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
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

import httpx
import pyoxigraph as ox
import pytest
from helpers import kb
from sparql_servers import kb_serve

from kb import KnowledgeBase
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
    with kb_serve(store, "--max-rows", "50", cwd=work, workers=2) as (base, log):
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
                got = execute(db, text, default_graph=params.get("default-graph-uri"),
                              named_graphs=params.get("named-graph-uri"))
                assert _count(got) == expected, (text, params)
                if not params:
                    assert _count(run(text, db=db)) == expected, text
    g1 = w3c["graphs"][f"{KASEI}data1.rdf"]
    out = kb("query", COUNT_DEFAULT.format(f"FROM <{g1}>"), "--format", "json", cwd=tmp_path, store=w3c["store"])
    assert out.returncode == 0, out.stderr
    assert int(json.loads(out.stdout)["results"]["bindings"][0]["n"]["value"]) == w3c["sizes"][g1]

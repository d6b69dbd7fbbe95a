"""RDF import (Turtle, TriG, N-Triples, N-Quads, JSON-LD) and exports for other tools."""

from __future__ import annotations

import csv
import io
import json
import socket

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kb import InputError, KnowledgeBase
from kb.provenance import PROVENANCE_GRAPH


def union(kb: KnowledgeBase) -> rdflib.Graph:
    with kb.snapshot() as db:
        nt = ox.serialize(db.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
                                   f"FILTER(?g != <{PROVENANCE_GRAPH}>) }}"), format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=nt, format="nt")


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    kb = KnowledgeBase(tmp_path_factory.mktemp("seed") / "store")
    kb.build()
    return kb


@pytest.mark.parametrize("fmt", ["trig", "nq", "ttl", "nt", "jsonld"])
def test_export_then_import_into_a_fresh_store_is_isomorphic(seed, tmp_path, fmt):
    out = seed.export(fmt, tmp_path / f"seed.{fmt}")
    fresh = KnowledgeBase(tmp_path / "fresh")
    report = fresh.build([out])
    assert report.committed and fresh.validate() == []
    assert isomorphic(union(fresh), union(seed))
    assert [f["format"] for f in fresh.files()] == [{"ttl": "turtle"}.get(fmt, fmt)]


def test_rdf_syntax_error_is_located_and_store_unchanged(seed, tmp_path, dump):
    kb = KnowledgeBase(tmp_path / "store")
    kb.build()
    before = dump(tmp_path / "store")
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b "ok" .\nex:a ex:b [ .\n')
    with pytest.raises(InputError) as info:
        kb.build([bad])
    (p,) = info.value.problems
    assert (p.line, p.column) == (3, 13) and "RDF syntax error" in p.message
    assert dump(tmp_path / "store") == before


def test_rdf_that_breaks_the_shapes_is_refused(tmp_path, dump):
    kb = KnowledgeBase(tmp_path / "store")
    kb.build()
    before = dump(tmp_path / "store")
    bad = tmp_path / "claim.ttl"
    bad.write_text("""@prefix ev: <https://w3id.org/evkb/ns#> . @prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/evkb/id/x> a ev:Claim ; dcterms:identifier "x" ; ev:stance ev:denies .
""")
    with pytest.raises(InputError) as info:
        kb.build([bad])
    fields = {p.field for p in info.value.problems}
    assert {"by", "about", "text"} <= fields and all(p.file.endswith("claim.ttl") for p in info.value.problems)
    assert dump(tmp_path / "store") == before


def test_jsonld_schema_org_context_offline_and_remote_context_never_fetched(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    ok = tmp_path / "review.jsonld"
    ok.write_text(json.dumps({"@context": "https://schema.org", "@id": "https://example.org/r/1",
                              "@type": "ClaimReview", "name": "A review"}))
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([ok])
    with kb.snapshot() as db:
        assert ox.NamedNode("https://schema.org/ClaimReview") in {q.object for q in db}
    remote = tmp_path / "remote.jsonld"
    remote.write_text(json.dumps({"@context": "https://evil.example/context.jsonld", "name": "x"}))
    with pytest.raises(InputError) as info:
        kb.build([remote])
    assert info.value.problems[0].field == "@context" and "not fetched" in info.value.problems[0].message
    broken = tmp_path / "broken.jsonld"
    broken.write_text('{\n  "@context": {},\n  "name": \n}')
    with pytest.raises(InputError) as info:
        kb.build([broken])
    assert info.value.problems[0].line == 4


def test_graphml_and_gexf_open_in_networkx(seed, tmp_path):
    g = seed.graph()
    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        out = seed.export(fmt, tmp_path / f"seed.{fmt}")
        h = read(out)
        assert h.number_of_nodes() == g.number_of_nodes()
        assert h.number_of_edges() == g.number_of_edges()
        assert h.nodes["ilham-aliyev"]["cls"] == "actor"
        assert h.nodes["ilham-aliyev"]["in_conflict"] in (True, "true", "True")
        assert h.nodes["displacement-of-half-the-population"]["in_conflict"] in (False, "false", "False")


def test_claimreview_export_states_only_what_the_kb_knows(seed, tmp_path):
    reviews = json.loads(seed.export("claimreview", tmp_path / "cr.json").read_text())
    documented = [c for c in seed.conflicts() if c.sources]
    assert len(reviews) == len(documented)
    r = reviews[0]
    assert r["@type"] == "ClaimReview" and r["claimReviewed"] == documented[0].quote
    assert r["reviewRating"]["alternateName"] == \
        f"conflicts with documentation by {documented[0].independent_publishers} independent publishers"
    assert {c["name"] for c in r["citation"]} == {s.title for s in documented[0].sources}


def test_csv_tables_neutralise_formulas(tmp_path):
    data = tmp_path / "f.yaml"
    data.write_text("""
actors:
  - {id: a, name: "=HYPERLINK(\\"http://x\\")", kind: person}
events:
  - {id: e, label: "+1 event"}
claims:
  - {id: c, by: a, stance: denies, about: e, text: "@SUM(1+1)"}
""")
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([data])
    claims = list(csv.DictReader(io.StringIO(kb.export("csv-claims", tmp_path / "c.csv").read_text())))
    assert claims[0]["text"] == "'@SUM(1+1)"
    events = list(csv.DictReader(io.StringIO(kb.export("csv-events", tmp_path / "e.csv").read_text())))
    assert events[0]["label"] == "'+1 event"

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


def _seed_as_sheets(folder, delimiter=","):
    """The bundled seed written as CSV sheets (one per record type)."""
    import yaml

    from kb.knowledge_base import seed_dir
    from kb.loaders.csv import columns

    data: dict[str, list[dict]] = {}
    for p in sorted(seed_dir().glob("*.yaml")):
        for key, recs in yaml.safe_load(p.read_text()).items():
            data.setdefault(key, []).extend(recs)
    data["documentation"] = [{"event": e["id"], **d} for e in data["events"] for d in e.pop("documented_by", [])]
    folder.mkdir()
    for key, recs in data.items():
        with open(folder / f"{key}.csv", "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh, delimiter=delimiter)
            cols = columns(key)
            w.writerow(cols)
            for r in recs:
                w.writerow([" | ".join(map(str, r[c])) if isinstance(r.get(c), list) else str(r.get(c, ""))
                            for c in cols])
    return folder


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_sheets_of_the_seed_build_the_same_graph(seed, tmp_path, delimiter):
    sheets = _seed_as_sheets(tmp_path / "sheets", delimiter)
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([sheets])
    assert isomorphic(union(kb), union(seed))


def test_csv_templates_and_errors_name_row_and_column(tmp_path, dump):
    from click.testing import CliRunner

    from kb.cli import main

    r = CliRunner().invoke(main, ["template", "csv", str(tmp_path / "t")])
    assert r.exit_code == 0
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([tmp_path / "t"])
    before = dump(tmp_path / "store")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "claims.csv").write_text("id,by,stance,about,text\nc1,example-outlet,denys,example-shelling,No\n"
                                    "c2,example-outlet,denies,example-shelling\n")
    (bad / "actors.csv").write_text("id,name,knd\na,A,person\n")
    with pytest.raises(InputError) as info:
        kb.build([bad])
    lines = [str(p) for p in info.value.problems]
    assert any("claims.csv:2:3: stance: unknown stance 'denys'" in x for x in lines), lines
    assert any("claims.csv:3:5:" in x and "4 cells" in x for x in lines), lines
    assert any("actors.csv:1:3: knd: unknown column 'knd'; did you mean 'kind'?" in x for x in lines), lines
    assert dump(tmp_path / "store") == before


CORPUS = __import__("pathlib").Path(__file__).parent / "corpus"


def test_claimreview_feed_imports_claims_reviews_and_warns_about_incomplete_items(tmp_path):
    kb = KnowledgeBase(tmp_path / "store")
    kb.build()  # the seed: "Ilham Aliyev" and "Armenia" already exist
    report = kb.build([CORPUS / "claimreview-feed.json"], fmt="claimreview")
    assert report.committed
    assert len(report.warnings) == 1 and "item 3" in report.warnings[0] and "author" in report.warnings[0]
    stats = kb.stats()
    assert stats.classes["Fact-check"] == 2
    rows = json.loads(kb.query("""
        PREFIX ev: <https://w3id.org/evkb/ns#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?claimant ?rating ?publisher WHERE {
          ?review ev:reviews ?claim ; ev:reviewRating ?rating ; dcterms:publisher/dcterms:identifier ?publisher .
          ?claim ev:claimant/dcterms:identifier ?claimant ; ev:stance ev:asserts } ORDER BY ?claimant""",
        fmt="json"))["results"]["bindings"]
    got = [(r["claimant"]["value"], r["rating"]["value"]) for r in rows]
    # claimants resolved to the seed's existing actors by name; ratings kept as the fact-checker's words
    assert got == [("government-of-armenia", "Unproven at the time of review"),
                   ("ilham-aliyev", "Disputed by documentation")]
    assert len({r["publisher"]["value"] for r in rows}) == 1  # one fact-checking organisation, made once


def test_acled_layout_imports_events_places_sources_and_actors(tmp_path):
    kb = KnowledgeBase(tmp_path / "store")
    kb.build()
    kb.build([CORPUS / "acled-sample.csv"], fmt="acled")
    g = kb.graph()
    events = {a["id"]: n for n, a in g.nodes(data=True) if a["id"].startswith("acled-")
              and a["cls"] == "event"}
    assert len(events) == 3
    stepanakert = events[next(i for i in events if "aze1001" in i)]
    docs = [(g.nodes[v]["label"], d["evidence"]) for _, v, k, d in g.out_edges(stepanakert, keys=True, data=True)
            if k.startswith("documented_by")]
    assert len(docs) == 2 and all(e == "news-report" for _, e in docs)
    involved = {g.nodes[v]["label"] for _, v, k in g.out_edges(stepanakert, keys=True) if k == "involves"}
    assert involved == {"Military Forces of Azerbaijan (2003-)", "Civilians (Armenia)"}
    place = next(g.nodes[v] for _, v, k in g.out_edges(stepanakert, keys=True) if k == "place")
    assert place["label"] == "Stepanakert" and place["latitude"] == "39.8153"
    publishers = {g.nodes[v]["label"] for n in g for _, v, k in g.out_edges(n, keys=True) if k == "publisher"
                  and g.nodes[n]["id"].startswith("acled-")}
    assert publishers == {"Armenpress", "Caucasian Knot", "APA", "Trend"}
    assert kb.validate() == []


def test_bad_feeds_are_located_and_store_unchanged(tmp_path, dump):
    kb = KnowledgeBase(tmp_path / "store")
    kb.build()
    before = dump(tmp_path / "store")
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"@graph": [\n  {"@type": "ClaimReview",\n}')
    with pytest.raises(InputError) as info:
        kb.build([bad_json], fmt="claimreview")
    assert info.value.problems[0].line == 3
    bad_acled = tmp_path / "bad.csv"
    bad_acled.write_text("event_id_cnty,event_date,event_type,location,source\nX1,2020-13-01,Battles,Town,Paper\n"
                         "X2,2020-10-01,Battles\n")
    with pytest.raises(InputError) as info:
        kb.build([bad_acled], fmt="acled")
    lines = [str(p) for p in info.value.problems]
    assert any(":2:" in x and "date" in x and "2020-13-01" in x for x in lines), lines
    assert any(":3:" in x and "3 cells" in x for x in lines), lines
    assert dump(tmp_path / "store") == before

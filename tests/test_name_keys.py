"""Name keys (ev:nameKey, written at build time) and the lookups that use them; fact-checks cited on
the findings of the claims they review."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import kb as run_kb

from kb import KnowledgeBase
from kb.model.names import by_key_query, key

NAME_KEY = "https://w3id.org/evkb/ns#nameKey"
REVIEW = {
    "@context": "https://schema.org", "@type": "ClaimReview",
    "url": "https://factcheck.example.org/2020/cluster-munitions",
    "claimReviewed": "We are NOT using them (cluster munition) - these are another fake news",
    "author": {"@type": "Organization", "name": "Example Fact Check"},
    "datePublished": "2020-11-02",
    "reviewRating": {"@type": "Rating", "alternateName": "Mostly false"},
    "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Ilham Aliyev"}},
}


def _keys(kb: KnowledgeBase, rid: str) -> set[str]:
    q = f"""SELECT ?k WHERE {{ ?r <http://purl.org/dc/terms/identifier> "{rid}" ; <{NAME_KEY}> ?k }}"""
    return {b["k"]["value"] for b in json.loads(kb.query(q))["results"]["bindings"]}


def test_every_name_gets_its_key_in_the_record_graph(kb: KnowledgeBase, write) -> None:
    path = write("p.yaml", """
        places:
          - {id: shusha, name: Shusha, aliases: ["Shushi@hy", "Şuşa@az", "SHUSHA"]}
        actors:
          - {id: gov, name: "Government of Armenia (2018-)", kind: government}
        """)
    kb.build([path])
    assert _keys(kb, "shusha") == {"shusha", "shushi", "susa"}
    assert _keys(kb, "gov") == {"government of armenia"}
    ttl = kb.export("ttl", path.parent / "out.ttl").read_text()
    assert "nameKey" not in ttl and "Shushi" in ttl                  # derived data stays out of exports
    assert "nameKey" not in json.dumps(dict(kb.graph().nodes(data=True))["https://w3id.org/evkb/id/shusha"])
    path.write_text("places:\n  - {id: shusha, name: Shusha}\n")
    kb.build([path])                                                  # the file replaced: its keys too
    assert _keys(kb, "shusha") == {"shusha"}


def test_rdf_imports_get_keys_too(kb: KnowledgeBase, write) -> None:
    kb.build([write("p.ttl", """
        @prefix ev: <https://w3id.org/evkb/ns#> . @prefix dcterms: <http://purl.org/dc/terms/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://w3id.org/evkb/id/town> a ev:Place ; dcterms:identifier "town" ; rdfs:label "Ağdam" .
        """)])
    assert _keys(kb, "town") == {"agdam"}
    assert kb.resolve("place", "AGDAM") == "town"


def test_lookups_go_through_the_keys(seed_kb: KnowledgeBase) -> None:
    # the direct lookup finds Aliyev by an alias's key, without reading every actor's names
    with seed_kb.endpoint() as endpoint:
        rows = list(endpoint.select(by_key_query("actor", "  president   ALIYEV ")))
    assert {r["id"] for r in rows} == {"ilham-aliyev"}
    assert seed_kb.resolve("actor", "President-Aliyev") == "ilham-aliyev"
    rows = json.loads(seed_kb.query("claims-about-place", {"place": "SUSA"}))["results"]["bindings"]
    assert rows and {r["place_id"]["value"] for r in rows} == {"shusha"}
    assert {r["matched"]["value"] for r in rows} == {"SUSA"}
    found = json.loads(seed_kb.query("find-by-name", {"text": "susa"}))["results"]["bindings"]
    assert {r["id"]["value"] for r in found} == {"shusha"}            # by key: Şuşa contains "susa"
    assert key("Şuşa") == "susa"


def test_cli_name_lookups_from_outside(outside, tmp_path) -> None:
    store = tmp_path / "store"
    assert run_kb("build", cwd=outside, store=store).returncode == 0
    r = run_kb("query", "claims-about-place", "--param", "place=šuša", "--format", "csv", cwd=outside, store=store)
    assert r.returncode == 0 and "shusha" in r.stdout, r.stderr
    r = run_kb("conflicts", "--actor", "MR. ALIYEV", "--format", "json", cwd=outside, store=store)
    assert r.returncode == 0 and {c["claimant"] for c in json.loads(r.stdout)} == {"ilham-aliyev"}


def test_a_review_is_cited_with_the_fact_checkers_rating(kb: KnowledgeBase, write) -> None:
    kb.build()
    plain = {c.claim: c for c in kb.conflicts()}
    kb.build([write("review.json", json.dumps(REVIEW))], fmt="claimreview")
    found = kb.conflicts()
    cited = [c for c in found if c.fact_checks]
    assert {c.claim for c in cited} == {"aliyev-not-using-cluster-munitions"}
    fc = cited[0].fact_checks[0]
    assert (fc.fact_checker, fc.rating, fc.matched_by) == ("Example Fact Check", "Mostly false",
                                                           "same claimant and words")
    assert "not this knowledge base's verdict" in fc.note
    assert cited[0].score == plain[cited[0].claim].score                # a review never changes a finding
    d = cited[0].to_dict()
    assert d["fact_checks"][0]["rating"] == "Mostly false"
    from kb.exports.reports import conflicts_markdown, conflicts_table

    assert "rated it 'Mostly false'" in conflicts_markdown(found)
    assert "fact-check by Example Fact Check" in conflicts_table(found)


def test_other_words_are_not_matched_but_a_written_link_is(kb: KnowledgeBase, write) -> None:
    kb.build()
    other = dict(REVIEW, claimReviewed="We are not using cluster munitions at all")
    kb.build([write("review.json", json.dumps(other))], fmt="claimreview")
    assert not any(c.fact_checks for c in kb.conflicts())
    kb.build([write("link.yaml", """
        actors:
          - {id: checker, name: Another checker, kind: organisation}
        sources:
          - {id: my-check, title: Checked, kind: fact-check, publisher: checker, review_rating: "Misleading",
             reviews: [aliyev-doubts-witnesses], url: "https://check.example.org/1"}
        """)])
    cited = {c.claim: c.fact_checks for c in kb.conflicts() if c.fact_checks}
    assert set(cited) == {"aliyev-doubts-witnesses"}
    assert [(f.source, f.rating, f.matched_by) for f in cited["aliyev-doubts-witnesses"]] == [
        ("my-check", "Misleading", "reviews this claim")]


def test_same_appearance_url_by_the_same_claimant(kb: KnowledgeBase, write) -> None:
    kb.build([write("a.yaml", """
        actors:
          - {id: al, name: Al, kind: person}
          - {id: bo, name: Bo, kind: person}
        events:
          - {id: e, label: E, documented_by: [{source: rep, evidence: photo}]}
        sources:
          - {id: talk, title: Talk, kind: interview, url: "https://news.example.org/talk/"}
          - {id: rep, title: Report, kind: report, publisher: bo}
        claims:
          - {id: c1, by: al, stance: denies, about: e, text: "It never happened.", stated_in: talk}
        """)])
    review = dict(REVIEW, claimReviewed="Something else Al said",
                  itemReviewed={"@type": "Claim", "author": {"@type": "Person", "name": "Al"},
                                "appearance": {"@type": "CreativeWork", "url": "http://www.news.example.org/talk"}})
    kb.build([write("review.json", json.dumps(review))], fmt="claimreview")
    [finding] = kb.conflicts()
    assert [f.matched_by for f in finding.fact_checks] == ["same appearance URL"]


def test_keys_made_from_the_compiled_records_equal_those_a_query_of_the_store_makes(tmp_path) -> None:
    """A build takes a file's name keys from its compiled records (kb.build.name_keys.name_key_quads_of),
    not from a query of the store: for every file graph of the seed and the fictional examples
    (YAML, the ACLED layout) they are exactly the keys :func:`name_key_quads` finds in the store."""
    import pyoxigraph as ox

    from kb.build.name_keys import NAME_KEY as KEY
    from kb.build.name_keys import name_key_quads
    DATA = Path(__file__).resolve().parents[1] / "kb" / "data"
    kb = KnowledgeBase(tmp_path / "kb")
    kb.build([DATA / "seed", DATA / "examples" / "fictional"])
    with kb.store.reader() as db:
        graphs = {q.graph_name for q in db.quads_for_pattern(None, KEY, None)}
        assert len(graphs) >= 3
        for g in graphs:
            stored = {(q.subject, q.object.value) for q in db.quads_for_pattern(None, KEY, None, g)}
            queried = {(q.subject, q.object.value) for q in name_key_quads(db, ox.NamedNode(g.value))}
            assert stored and stored == queried, g

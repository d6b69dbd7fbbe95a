"""The conflict engine on the seed, on synthetic data with planted conflicts, against SPARQL, and
under a permutation of every party's identity."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from helpers import REPO

from kb import KnowledgeBase
from kb.analysis.conflicts import find_conflicts
from kb.exports.reports import conflicts_csv, conflicts_markdown, safe_cell
from kb.knowledge_base import seed_dir
from kb.sparql.endpoint import LocalEndpoint

QUERIES = REPO / "kb" / "queries"


@pytest.fixture(scope="module")
def seed_conflicts(seed_kb):
    return seed_kb.conflicts()


def pick(conflicts, claim, event=None, kind=None):
    return [c for c in conflicts if c.claim == claim and (event is None or c.documented_event == event)
            and (kind is None or c.kind == kind)]


def test_cluster_munition_denial_vs_human_rights_watch(seed_conflicts):
    (c,) = pick(seed_conflicts, "aliyev-not-using-cluster-munitions", "cluster-munitions-in-civilian-areas")
    assert c.kind == "direct" and c.stance == "denies"
    assert c.quote == "We are not using them (cluster munition), these are another fake news."
    hrw = {s.evidence for s in c.sources if s.publisher == "human-rights-watch"}
    assert hrw == {"photo", "video", "testimony"}
    assert c.independent_publishers == 2  # HRW and CBN
    assert c.summary.startswith("denial by Ilham Aliyev of") and "Human Rights Watch" in c.summary


def test_fake_news_answer_vs_bbc_eyewitness_report(seed_conflicts):
    (c,) = pick(seed_conflicts, "aliyev-doubts-witnesses", "stepanakert-shelling-2020-10-01")
    assert c.kind == "direct"
    assert "fake news" in c.quote and "I doubt these witnesses" in c.quote
    assert [(s.source, s.evidence) for s in c.sources] == [("bbc-reporters-stepanakert-account", "eyewitness")]
    assert [s.node for s in c.path] == ["ilham-aliyev", "aliyev-doubts-witnesses",
                                        "stepanakert-shelling-2020-10-01"]


def test_general_denial_meets_documented_parts(seed_conflicts):
    # "Of course! Why not?" to "So everything is fake news?" challenges the accounts put to him: it
    # meets the documented parts of the pattern, but not the hospital shelling (never put to him)
    parts = {c.documented_event for c in pick(seed_conflicts, "aliyev-everything-fake-news", kind="part-of")}
    assert parts == {"cluster-munitions-in-civilian-areas", "stepanakert-shelling-2020-10-01",
                     "church-shelled-twice"}
    c = pick(seed_conflicts, "aliyev-everything-fake-news", "stepanakert-shelling-2020-10-01")[0]
    assert [s.edge for s in c.path] == ["made", "about", "has_part", "documented_by"]
    assert c.challenge == "account" and c.part_of_asserted_by == ("stepanakert-shelling-2020-10-01",)
    # "No, absolutely." to "you cannot be guilty of any wrong?" denies wrongdoing: nothing here contradicts it
    assert not pick(seed_conflicts, "aliyev-no-wrong")


def test_armenias_denial_is_a_counter_claim_ranked_below_documented_conflicts(seed_conflicts):
    (c,) = pick(seed_conflicts, "armenia-denies-shusha-taken")
    assert c.kind == "counter-claim" and c.claimant == "government-of-armenia"
    assert c.counter_claims == ("aliyev-shusha-liberation",)
    assert c.independent_publishers == 0 and "no independent documentation" in c.summary
    assert seed_conflicts[-1] == c  # ranked last


def test_church_answer_disputes_attribution_not_the_shelling(seed_conflicts):
    (church,) = pick(seed_conflicts, "aliyev-church-mistake-or-provocation")
    assert church.stance == "disputes" and church.challenge == "responsibility"
    # only the report whose title attributes the act meets it; its origin is unknown
    assert [s.source for s in church.sources] == ["cathedral-report"]
    assert church.independent_publishers == 0 and church.unknown_origins == 1
    assert "does not deny that it happened" in church.summary and not church.summary.startswith("denial")
    # the later answers concede it may have been their side's mistake: recorded as conceded, no finding
    assert not pick(seed_conflicts, "aliyev-church-mistake-only")
    assert not pick(seed_conflicts, "aliyev-church-twice-why-not")


def test_the_corrected_seed_holds_only_defensible_findings(seed_conflicts):
    pairs = [(c.claim, c.documented_event) for c in seed_conflicts]
    assert len(pairs) == len(set(pairs))  # no claim and documented event twice
    for c in seed_conflicts:
        # no source of unknown origin counted as an independent publisher
        assert c.independent_publishers == len(c.independent_origins)
        assert all(s.origin == "known" for s in c.sources if s.group)
        assert "Associated Press" not in json.dumps(c.to_dict())
    (hrw,) = pick(seed_conflicts, "aliyev-not-using-cluster-munitions")
    second = [s for s in hrw.sources if s.publisher == "human-rights-watch"]
    assert second and all(s.via == ("bbc-interview",) and s.weight <= 0.4 for s in second)
    assert "as reported by 'BBC interview of Ilham Aliyev by Orla Guerin'; the original not examined here" \
        in hrw.summary


EDGE_CASES = """
actors:
  - {id: leader, name: Leader, kind: person, affiliated_with: [party]}
  - {id: party, name: Party, kind: organisation, affiliated_with: [leader]}   # an affiliation cycle
  - {id: leader-twin, name: The Leader, kind: person, same_as: [leader]}
  - {id: paper-p, name: Paper P, kind: media}
  - {id: paper-q, name: Paper Q, kind: media}
  - {id: aggregator, name: Aggregator, kind: media}
  - {id: rival, name: Rival, kind: person}
sources:
  - {id: p-report, title: P report, kind: report, publisher: paper-p, date: 2020-01-01}
  - {id: q-report, title: Q report, kind: report, publisher: paper-q, date: 2020-03-01}
  - {id: digest, title: Digest of both, kind: article, publisher: aggregator, derived_from: [p-report, q-report]}
  - {id: twin-report, title: Twin's report, kind: report, publisher: leader-twin}
events:
  - {id: e0, label: Pattern}
%(chain)s
  - id: deep
    label: Deep incident
    part_of: [e15]
    documented_by: [{source: p-report, evidence: photo}]
  - id: shelling
    label: Shelling
    documented_by:
      - {source: p-report, evidence: video}
      - {source: q-report, evidence: news-report}
      - {source: digest, evidence: news-report}
  - {id: own, label: Own, documented_by: [{source: twin-report, evidence: video}]}
  - {id: loop-a, label: Loop A, same_as: [loop-b]}
  - {id: loop-b, label: Loop B, same_as: [loop-c]}
  - {id: loop-c, label: Loop C, same_as: [loop-a], documented_by: [{source: q-report, evidence: eyewitness}]}
claims:
  - {id: deny-pattern, by: leader, stance: denies, about: [e0], text: Nothing happened, date: 2020-02-01}
  - {id: deny-shelling, by: leader, stance: denies, about: [shelling], text: No shelling, date: 2020-02-01}
  - {id: deny-own, by: leader, stance: denies, about: [own], text: Not so}
  - {id: deny-loop, by: party, stance: disputes, about: [loop-a], text: Not like that}
  - {id: rival-says-own, by: rival, stance: asserts, about: [own], text: It happened}
  - {id: twin-says-own, by: leader-twin, stance: asserts, about: [own], text: We did it}
"""


def test_depth_derivation_aliases_and_sides(tmp_path):
    chain = "\n".join(f"  - {{id: e{i}, label: Level {i}, part_of: [e{i - 1}]}}" for i in range(1, 16))
    (tmp_path / "edge.yaml").write_text(EDGE_CASES % {"chain": chain})
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([tmp_path / "edge.yaml"])
    found = {(c.claim, c.documented_event): c for c in kb.conflicts()}
    deep = found["deny-pattern", "deep"]  # 16 part_of hops down from the denied pattern
    assert deep.kind == "part-of" and [s.edge for s in deep.path].count("has_part") == 16
    shelling = found["deny-shelling", "shelling"]
    assert shelling.independent_publishers == 2  # the digest of both reports adds no publisher
    assert {s.group for s in shelling.sources} == {"paper-p", "paper-q", "paper-p,paper-q"}
    assert shelling.score == 1.0 + 0.4 and shelling.timing == "denied after it was documented"
    loop = found["deny-loop", "loop-c"]
    assert loop.kind == "alias" and loop.challenge == "account" and loop.summary.startswith("dispute by Party")
    # the leader's twin (owl:sameAs) is the leader's side: its report does not count, its assertion
    # is a self-contradiction, and the rival's assertion is a counter-claim (no independent documentation)
    kinds = sorted(c.kind for c in kb.conflicts(actor="leader") if c.claim == "deny-own")
    assert kinds == ["counter-claim", "self-contradiction"]
    assert [c.kind for c in kb.conflicts(kind="counter-claim")] == ["counter-claim"]
    assert {c.claim for c in kb.conflicts(min_independent=2)} == {"deny-shelling"}


def test_wording_is_neutral(seed_conflicts):
    for c in seed_conflicts:
        text = json.dumps(c.to_dict()).lower()
        for word in ("lied", "liar", "lying", "guilty"):
            assert word not in c.summary.lower(), (word, c.summary)
        assert "conflicts with" in c.summary or "contested" in c.summary
        assert text


def test_json_schema_has_the_documented_fields(seed_conflicts):
    d = seed_conflicts[0].to_dict()
    for key in ("kind", "claim", "claimant", "event", "sources", "path", "independent_publishers", "score",
                "quote", "summary", "timing", "stated_in"):
        assert key in d
    assert {"node", "label", "cls", "edge"} <= set(d["path"][0])
    assert {"source", "publisher", "date", "url", "evidence", "quote"} <= set(d["sources"][0])


def test_reports(seed_conflicts):
    md = conflicts_markdown(seed_conflicts)
    assert md.count("\n### ") == len(seed_conflicts)  # one section per finding, under its claim's
    assert md.count("\n## ") == len({c.claim for c in seed_conflicts})
    assert "> We are not using them (cluster munition), these are another fake news." in md
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and safe_cell("-1") == "'-1"
    assert conflicts_csv(seed_conflicts).count("\n") == len(seed_conflicts) + 1


@pytest.mark.parametrize("kind", ["direct", "part-of"])
def test_engine_equals_sparql_rules_on_the_seed(seed_kb, seed_conflicts, kind):
    with seed_kb.snapshot() as db:
        rows = db.query((QUERIES / f"conflicts-{kind}.rq").read_text(), use_default_graph_as_union=True)
        sparql = {(r["claim"].value, r["event"].value) for r in rows}
    engine = {(c.claim, c.documented_event) for c in seed_conflicts if c.kind == kind}
    assert sparql and engine == sparql


def _precision_recall(found, expected):
    found, expected = set(found), set(expected)
    tp = len(found & expected)
    return tp / len(found) if found else 1.0, tp / len(expected) if expected else 1.0


def test_planted_conflicts_found_exactly_at_10k(tmp_path):
    from kb.testing import synthetic as gen
    ds = gen.generate(10_000, seed=7)
    gen.write_yaml(ds, tmp_path / "synthetic.yaml")
    kb = KnowledgeBase(tmp_path / "store")
    report = kb.build([tmp_path / "synthetic.yaml"])
    assert 8_000 < report.triples < 13_000
    conflicts = kb.conflicts()
    found = {(c.kind, c.claim, c.documented_event) for c in conflicts}
    assert _precision_recall(found, {tuple(x) for x in ds.expected}) == (1.0, 1.0)
    assert {k for k, _c, _e in ds.expected} == {"direct", "part-of", "alias", "counter-claim",
                                                 "self-contradiction", "described"}
    by_suffix = {suffix: [c for c in conflicts if c.claim.endswith(suffix)]
                 for suffix in ("-not-us", "-doubt")}
    # the #13 cases: unknown origins beside the count, second-hand capped, title-only marked, folded
    # paths, grades shown, responsibility met only by attribution and an account challenge as such
    unknown = [c for c in conflicts if c.documented_event.endswith("-strike")]
    assert unknown and all(c.independent_publishers == 0 and c.unknown_origins == 2 for c in unknown)
    bombing = [c for c in conflicts if c.documented_event.endswith("-bombing")]
    assert bombing and all(s.weight <= max(x.weight for x in c.sources if x.source in s.via)
                           for c in bombing for s in c.sources if s.via)
    assert all(s.known_by == "title" for c in conflicts if c.documented_event.endswith("-listed") for s in c.sources)
    folded = [c for c in conflicts if c.claim.endswith("-denial") and c.documented_event.endswith("-incident")
              and len(c.paths) == 2]
    assert folded and all([k for k, _p in c.paths] == ["direct", "part-of"] for c in folded)
    assert any(g != "F6" for c in conflicts if c.documented_event.endswith("-graded-event") for g in c.grades)
    assert by_suffix["-not-us"] and all(c.challenge == "responsibility" and c.contradicted_by == "attribution"
                                        for c in by_suffix["-not-us"])
    assert by_suffix["-doubt"] and all(c.challenge == "account" and c.challenged_account for c in by_suffix["-doubt"])
    derived = [c for c in conflicts if c.claim.endswith("-denial") and "-incident" in c.documented_event
               and any(s.source.endswith("-repeat") for s in c.sources)]
    assert derived and all(c.independent_publishers == 1 for c in derived)  # a derived-from chain is one
    with kb.snapshot() as db:
        for kind in ("direct", "part-of"):
            rows = db.query((QUERIES / f"conflicts-{kind}.rq").read_text(), use_default_graph_as_union=True)
            sparql = {(r["claim"].value, r["event"].value) for r in rows}
            # a pair reached both directly and through a pattern is one finding listing both paths
            assert sparql == {(c.claim, c.documented_event) for c in conflicts for k, _p in c.paths if k == kind}


@pytest.mark.slow
def test_planted_conflicts_found_exactly_at_1m(tmp_path):
    from kb.testing import synthetic as gen
    ds = gen.generate(1_000_000, seed=3)
    gen.write_nt(ds, tmp_path / "synthetic.nt")
    db = ox.Store(str(tmp_path / "db"))
    db.bulk_load(path=str(tmp_path / "synthetic.nt"), format=ox.RdfFormat.N_TRIPLES,
                 to_graph=ox.NamedNode("urn:evkb:file:synthetic.yaml"))
    assert len(db) > 900_000
    found = {(c.kind, c.claim, c.documented_event) for c in find_conflicts(LocalEndpoint(db))}
    assert _precision_recall(found, {tuple(x) for x in ds.expected}) == (1.0, 1.0)


def _permuted_seed(tmp_path: Path, rng: random.Random) -> tuple[list[Path], dict[str, str], dict[str, str]]:
    """The seed with every actor's id and name handed to another actor."""
    docs = {p.name: yaml.safe_load(p.read_text()) for p in sorted(seed_dir().glob("*.yaml"))}
    actors = docs["actors.yaml"]["actors"]
    ids = [a["id"] for a in actors]
    shuffled = ids[:]
    rng.shuffle(shuffled)
    id_map = dict(zip(ids, shuffled, strict=True))
    names = {a["id"]: a["name"] for a in actors}
    name_map = {names[old]: names[new] for old, new in id_map.items()}
    for a in actors:
        a["name"] = name_map[a["name"]]
        a.pop("aliases", None)
        a.pop("description", None)
    refs = {"actors": ("id", "affiliated_with", "same_as"), "sources": ("publisher", "author"),
            "claims": ("by",)}
    for doc in docs.values():
        for key, fields in refs.items():
            for rec in doc.get(key, []) or []:
                for f in fields:
                    if f in rec:
                        rec[f] = [id_map[x] for x in rec[f]] if isinstance(rec[f], list) else id_map[rec[f]]
        for event in doc.get("events", []) or []:  # whom documentation holds responsible (#13)
            for d in event.get("documented_by", []) or []:
                if "attributes_to" in d:
                    d["attributes_to"] = [id_map[x] for x in d["attributes_to"]]
    paths = []
    for name, doc in docs.items():
        p = tmp_path / name
        p.write_text(yaml.safe_dump(doc, allow_unicode=True))
        paths.append(p)
    return paths, id_map, name_map


def _signature(c, id_back=None):
    idb = id_back or {}
    assert c.summary.startswith((f"denial by {c.claimant_name} of", f"dispute by {c.claimant_name} of"))
    return (c.kind, c.claim, idb.get(c.claimant, c.claimant), c.stance, c.documented_event,
            c.independent_publishers, c.score, c.timing,
            tuple(sorted((s.source, s.evidence, idb.get(s.publisher, s.publisher), s.known_by, s.grade,
                          s.inferred, s.via, s.weight) for s in c.sources)),
            c.rendered_in, c.grades, c.claim_inferred, c.challenge, c.concedes, c.independence,
            tuple(s.node if s.cls != "actor" else idb.get(s.node, s.node) for s in c.path))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_party_blindness(tmp_path, seed_conflicts, seed):
    paths, id_map, name_map = _permuted_seed(tmp_path, random.Random(seed))
    kb = KnowledgeBase(tmp_path / "store")
    kb.build(paths)
    back = {v: k for k, v in id_map.items()}
    permuted = sorted(_signature(c, back) for c in kb.conflicts())
    assert any(name_map[c.claimant_name] != c.claimant_name for c in seed_conflicts)  # names did move
    assert permuted == sorted(_signature(c) for c in seed_conflicts)


_PARTIES = {"azerbaijani": "armenian", "armenian": "azerbaijani", "azerbaijan": "armenia", "armenia": "azerbaijan"}


def _swap_parties(text: str) -> str:
    """Every word naming one party of the seed's dispute, in ids, names and texts, as the other's."""
    def swap(m: re.Match) -> str:
        word = _PARTIES[m.group(0).lower()]
        return word.capitalize() if m.group(0)[0].isupper() else word
    return re.sub(r"azerbaijani|armenian|azerbaijan|armenia", swap, text, flags=re.IGNORECASE)


def test_swapping_the_two_parties_swaps_the_findings(tmp_path, seed_conflicts):
    """The second metamorphic test (#13 item 7): the seed with Azerbaijan's and Armenia's ids, names
    and words exchanged everywhere gives the seed's findings with the parties exchanged, field by field."""
    paths = []
    for p in sorted(seed_dir().glob("*.yaml")):
        paths.append(tmp_path / p.name)
        paths[-1].write_text(_swap_parties(p.read_text(encoding="utf-8")), encoding="utf-8")
    kb = KnowledgeBase(tmp_path / "store")
    kb.build(paths)
    swapped = kb.conflicts()
    assert len(swapped) == len(seed_conflicts)
    as_text = sorted(json.dumps(c.to_dict(), ensure_ascii=False, sort_keys=True) for c in swapped)
    expected = sorted(_swap_parties(json.dumps(c.to_dict(), ensure_ascii=False, sort_keys=True))
                      for c in seed_conflicts)
    assert as_text == expected
    # the parties did move: Armenia's former denial is now Azerbaijan's, the attribution now Armenia's forces
    assert {c.claimant for c in swapped} == {"ilham-aliyev", "government-of-azerbaijan"}
    assert any("armenian-forces" in s.attributes_to for c in swapped for s in c.sources)


@pytest.mark.parametrize("data", ["seed", "fictional", "synthetic"])
def test_the_page_and_exports_find_what_kb_conflicts_finds(tmp_path, data):
    """The page and the exports draw the full projection (kb.analysis.projection) but take their
    findings from the generation's kept ones, which the engine computes on the leaner candidate
    graph: the engine must find exactly the same on both."""
    from kb.analysis.projection import project
    from kb.testing import synthetic

    kb = KnowledgeBase(tmp_path / "store")
    if data == "synthetic":
        ds = synthetic.generate(20_000, seed=7)
        synthetic.write_yaml(ds, tmp_path / "synthetic.yaml")
        kb.build([tmp_path / "synthetic.yaml"])
    else:
        kb.build(None if data == "seed" else [REPO / "kb" / "data" / "examples" / "fictional"])
    with kb.endpoint() as ep:
        on_candidates = find_conflicts(ep, use_stored=False)
        assert len(on_candidates) > 3
        assert find_conflicts(ep, graph=project(ep)) == on_candidates == find_conflicts(ep)

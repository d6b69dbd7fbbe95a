"""Defensible findings (#13): each rule on its own small dataset, through the API and the CLI
(run as a subprocess from a folder outside the repository)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

from kb import KnowledgeBase
from kb.errors import NoKnowledgeBaseError
from kb.model.rules import weight


def build(tmp_path: Path, text: str) -> KnowledgeBase:
    (tmp_path / "data.yaml").write_text(text, encoding="utf-8")
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([tmp_path / "data.yaml"])
    return kb


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    outside = tmp_path / "elsewhere"
    outside.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", "from kb.cli import main; main()", "-q", "--store", str(tmp_path / "store"), *args],
                          cwd=outside, env=env, capture_output=True, text=True, timeout=120)


def one(kb: KnowledgeBase, claim: str, event: str | None = None):
    (c,) = [c for c in kb.conflicts() if c.claim == claim and (event is None or c.documented_event == event)]
    return c


# ---- item 3: who is independent -----------------------------------------------------------------

UNKNOWN = """
actors:
  - {id: leader, name: Leader, kind: person}
  - {id: outlet, name: Outlet, kind: media}
  - {id: wire, name: Wire, kind: media, affiliated_with: [outlet]}
  - {id: reporter, name: A Reporter, kind: person}
sources:
  - {id: clip-1, title: Unattributed clip one, kind: video}
  - {id: clip-2, title: Unattributed clip two, kind: video}
  - {id: outlet-story, title: Outlet story, kind: article, publisher: outlet}
  - {id: wire-story, title: Wire story, kind: article, publisher: wire}
  - {id: byline, title: Signed piece, kind: article, author: reporter}
  - {id: repost, title: Repost of clip one, kind: article, derived_from: [clip-1]}
events:
  - id: strike
    label: A strike
    documented_by:
      - {source: clip-1, evidence: video}
      - {source: clip-2, evidence: video}
      - {source: repost, evidence: news-report}
  - id: raid
    label: A raid
    documented_by:
      - {source: outlet-story, evidence: video}
      - {source: wire-story, evidence: video}
      - {source: byline, evidence: news-report}
      - {source: clip-1, evidence: photo}
claims:
  - {id: no-strike, by: leader, stance: denies, about: [strike], text: There was no strike}
  - {id: no-raid, by: leader, stance: denies, about: [raid], text: There was no raid}
"""


def test_unknown_origins_are_reported_beside_the_count_never_in_it(tmp_path):
    kb = build(tmp_path, UNKNOWN)
    strike = one(kb, "no-strike")
    # two unattributed videos (and a repost of one of them) are not two independent publishers
    assert strike.independent_publishers == 0 and strike.independent_origins == ()
    assert strike.unknown_origins == 2 and strike.unknown_origin_sources == ("clip-1", "clip-2")
    assert strike.independence == "0 independent publishers, 2 sources of unknown origin"
    assert {s.origin for s in strike.sources} == {"unknown"} and all(s.group == "" for s in strike.sources)
    assert strike.score == pytest.approx(2 * weight("OriginKinds", "unknown") * weight("EvidenceTypes", "video"))
    raid = one(kb, "no-raid")
    # the wire is affiliated with the outlet: one side, one independent publisher; the named author
    # is a second; the unattributed clip stands beside them
    assert raid.independent_publishers == 2 and raid.independent_origins == ("outlet", "reporter")
    assert raid.independence == "2 independent publishers, 1 source of unknown origin"
    expected = (weight("EvidenceTypes", "video") + weight("EvidenceTypes", "news-report")
                + weight("OriginKinds", "unknown") * weight("EvidenceTypes", "photo"))
    assert raid.score == pytest.approx(expected)
    assert strike.score < raid.score  # unknown origins weigh less
    assert "(origin unknown)" in strike.summary
    assert {c.claim for c in kb.conflicts(min_independent=1)} == {"no-raid"}


def test_unknown_origins_are_said_the_same_way_in_every_output(tmp_path):
    kb = build(tmp_path, UNKNOWN)
    phrase = "0 independent publishers, 2 sources of unknown origin"
    table = cli(tmp_path, "conflicts")
    assert table.returncode == 0 and phrase in table.stdout
    md = cli(tmp_path, "conflicts", "--format", "markdown").stdout
    assert phrase in md and "2 independent publishers, 1 source of unknown origin" in md
    rows = list(csv.DictReader(io.StringIO(cli(tmp_path, "conflicts", "--format", "csv").stdout)))
    assert {(r["claim"], r["independent_publishers"], r["unknown_origins"], r["independence"]) for r in rows} == {
        ("no-strike", "0", "2", phrase),
        ("no-raid", "2", "1", "2 independent publishers, 1 source of unknown origin")}
    data = json.loads(cli(tmp_path, "conflicts", "--format", "json").stdout)
    assert {d["schema_version"] for d in data} == {3}
    strike = next(d for d in data if d["claim"] == "no-strike")
    assert strike["independent_publishers"] == 0 and strike["unknown_origins"] == 2
    assert strike["unknown_origin_sources"] == ["clip-1", "clip-2"] and strike["independence"] == phrase
    assert {s["origin"] for s in strike["sources"]} == {"unknown"}
    out = tmp_path / "elsewhere" / "reviews.jsonld"
    assert cli(tmp_path, "export", "--format", "claimreview", "-o", str(out)).returncode == 0
    ratings = {r["claimReviewed"]: r["reviewRating"]["alternateName"] for r in json.loads(out.read_text())}
    assert ratings["There was no strike"] == f"conflicts with documentation by {phrase}"
    assert [c.independence for c in kb.conflicts() if c.claim == "no-strike"] == [phrase]


# ---- item 1: what a claim challenges ------------------------------------------------------------

CHALLENGES = """
actors:
  - {id: chief, name: Chief, kind: person, affiliated_with: [army]}
  - {id: army, name: Army, kind: organisation}
  - {id: other-army, name: Other army, kind: organisation}
  - {id: paper, name: Paper, kind: media}
  - {id: camera, name: Camera crew, kind: media}
sources:
  - {id: accusation, title: Army targeted the church, kind: article, publisher: paper}
  - {id: aftermath, title: Aftermath video, kind: video, publisher: camera}
  - {id: blame-other, title: Other army shelled it, kind: article, publisher: paper}
  - {id: witnesses, title: Reporters' account, kind: testimony, publisher: paper}
events:
  - id: church
    label: Church shelled
    documented_by:
      - {source: accusation, evidence: news-report, attributes_to: [army]}
      - {source: aftermath, evidence: video}
  - id: school
    label: School shelled
    documented_by:
      - {source: aftermath, evidence: video}
      - {source: blame-other, evidence: news-report, attributes_to: [other-army]}
  - id: town
    label: Town shelled
    documented_by: [{source: witnesses, evidence: eyewitness}]
  - {id: harm, label: Harm to civilians}
  - {id: market, label: Market shelled, part_of: [harm], documented_by: [{source: aftermath, evidence: video}]}
claims:
  - {id: not-us-church, by: chief, stance: disputes, challenges: responsibility, about: [church],
     text: It was a provocation}
  - {id: not-us-school, by: chief, stance: denies, challenges: responsibility, about: [school], text: Not us}
  - {id: no-church, by: chief, stance: denies, about: [church], text: Nothing was shelled}
  - {id: no-wrong, by: chief, stance: denies, challenges: wrongdoing, about: [harm, church], text: "No, absolutely."}
  - {id: mistake-only, by: chief, stance: disputes, challenges: wrongdoing, concedes: [responsibility],
     about: [church], text: It could have been by mistake only}
  - {id: doubt-witnesses, by: chief, stance: disputes, challenges: account, challenged_account: [witnesses],
     about: [town], text: I doubt these witnesses}
"""


def test_responsibility_meets_only_documentation_attributing_the_act_to_the_claimants_side(tmp_path):
    kb = build(tmp_path, CHALLENGES)
    church = one(kb, "not-us-church")
    assert church.challenge == "responsibility" and church.contradicted_by == "attribution"
    # the aftermath video says nothing of who did it: only the report attributing it to the army counts
    assert [(s.source, s.attributes_to) for s in church.sources] == [("accusation", ("army",))]
    assert "disputes who did it" in church.summary and not church.summary.startswith("denial")
    assert not [c for c in kb.conflicts() if c.claim == "not-us-school"]  # attributed to someone else
    # the same church, denied as an occurrence, meets every documentation
    assert {s.source for s in one(kb, "no-church").sources} == {"accusation", "aftermath"}
    assert one(kb, "no-church").challenge == "occurrence"  # the default of 'denies', from the ontology


def test_wrongdoing_is_never_contradicted_and_concessions_are_not_disputes(tmp_path):
    kb = build(tmp_path, CHALLENGES)
    claims = {c.claim for c in kb.conflicts()}
    assert "no-wrong" not in claims and "mistake-only" not in claims
    with kb.snapshot() as db:  # the SPARQL rules agree with the engine
        for kind in ("direct", "part-of"):
            rows = db.query((REPO / "kb" / "queries" / f"conflicts-{kind}.rq").read_text(),
                            use_default_graph_as_union=True)
            assert {(r["claim"].value, r["event"].value) for r in rows} == \
                {(c.claim, c.documented_event) for c in kb.conflicts(kind=kind)}


def test_account_challenge_is_reported_as_such_and_names_the_account(tmp_path):
    kb = build(tmp_path, CHALLENGES)
    c = one(kb, "doubt-witnesses")
    assert c.challenge == "account" and c.challenged_account == ("witnesses",)
    assert "of the account of 'Town shelled', given in 'Reporters' account'" in c.summary
    assert "does not deny that it happened" in c.summary
    data = json.loads(cli(tmp_path, "conflicts", "--format", "json").stdout)
    row = next(d for d in data if d["claim"] == "doubt-witnesses")
    assert row["challenge"] == "account" and row["challenged_account"] == ["witnesses"]
    church = next(d for d in data if d["claim"] == "not-us-church")
    assert church["sources"][0]["attributes_to"] == ["army"] and church["concedes"] == []
    assert "no-wrong" not in {d["claim"] for d in data}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("challenges", "guilt", "challenges"),
    ("concedes", "[guilt]", "concedes"),
    ("challenged_account", "[chief]", "challenged_account"),
])
def test_challenge_fields_are_validated(tmp_path, field, value, message):
    extra = CHALLENGES + f"  - {{id: extra, by: chief, stance: denies, about: [town], text: Extra, {field}: {value}}}\n"
    (tmp_path / "data.yaml").write_text(extra, encoding="utf-8")
    r = cli(tmp_path, "build", str(tmp_path / "data.yaml"))
    assert r.returncode == 1 and "data.yaml:" in r.stderr and message in r.stderr, r.stderr
    with pytest.raises(NoKnowledgeBaseError):  # nothing was stored
        KnowledgeBase(tmp_path / "store").conflicts()


def test_attributes_to_and_challenges_on_an_assertion_are_refused(tmp_path):
    bad = CHALLENGES.replace("attributes_to: [army]", "attributes_to: [aftermath]")
    (tmp_path / "data.yaml").write_text(bad, encoding="utf-8")
    r = cli(tmp_path, "build", str(tmp_path / "data.yaml"))
    assert r.returncode == 1 and "attributes_to" in r.stderr, r.stderr
    bad = CHALLENGES.replace("stance: denies, challenges: responsibility", "stance: asserts, challenges: responsibility")
    (tmp_path / "data.yaml").write_text(bad, encoding="utf-8")
    r = cli(tmp_path, "build", str(tmp_path / "data.yaml"))
    assert r.returncode == 1 and "only a claim that denies or disputes" in r.stderr, r.stderr


# ---- item 5: one finding per claim and documented event -------------------------------------------

FOLDING = """
actors:
  - {id: chief, name: Chief, kind: person}
  - {id: paper, name: Paper, kind: media}
sources:
  - {id: story, title: Story, kind: article, publisher: paper}
events:
  - {id: pattern, label: Pattern}
  - {id: wave, label: Wave, part_of: [pattern]}
  - id: incident
    label: Incident
    part_of: [wave]
    documented_by: [{source: story, evidence: photo}]
claims:
  - {id: deny-both, by: chief, stance: denies, about: [pattern, incident, wave], text: None of it}
  - {id: deny-pattern, by: chief, stance: denies, about: [pattern], text: Never}
"""


def test_paths_to_one_documented_event_fold_into_one_finding_listing_every_path(tmp_path):
    kb = build(tmp_path, FOLDING)
    both = [c for c in kb.conflicts() if c.claim == "deny-both"]
    assert len(both) == 1 and both[0].documented_event == "incident"
    c = both[0]
    assert c.kind == "direct" and [k for k, _p in c.paths] == ["direct", "part-of", "part-of"]
    assert sorted(len(p) for _k, p in c.paths) == [3, 4, 5]
    pattern = one(kb, "deny-pattern")
    assert pattern.kind == "part-of" and pattern.part_of_asserted_by == ("incident", "wave")
    assert [s.asserted_by for s in pattern.path if s.edge == "has_part"] == ["wave", "incident"]
    assert "the part-of link is asserted by the record 'wave, incident'" in pattern.summary
    data = json.loads(cli(tmp_path, "conflicts", "--format", "json").stdout)
    assert sorted((d["claim"], d["documented_event"]) for d in data) == [("deny-both", "incident"),
                                                                         ("deny-pattern", "incident")]
    row = next(d for d in data if d["claim"] == "deny-both")
    assert [p["kind"] for p in row["paths"]] == ["direct", "part-of", "part-of"]
    md = cli(tmp_path, "conflicts", "--format", "markdown").stdout
    assert "Every path to this documented event" in md and "asserted by the record(s): `incident`, `wave`" in md


# ---- item 2: second-hand documentation ----------------------------------------------------------

VIA = """
actors:
  - {id: chief, name: Chief, kind: person}
  - {id: ngo, name: The NGO, kind: organisation}
  - {id: broadcaster, name: Broadcaster, kind: media}
sources:
  - {id: ngo-work, title: The NGO's documentation, kind: report, publisher: ngo}
  - {id: interview, title: The interview, kind: interview, publisher: broadcaster}
  - {id: ngo-direct, title: The NGO's own report, kind: report, publisher: ngo}
events:
  - id: bombing
    label: Bombing
    documented_by:
      - {source: interview, evidence: news-report}
      - {source: ngo-work, evidence: photo, via: [interview]}
  - id: raid
    label: Raid
    documented_by:
      - {source: ngo-work, evidence: photo, via: [interview]}
      - {source: ngo-direct, evidence: photo}
claims:
  - {id: no-bombing, by: chief, stance: denies, about: [bombing], text: No bombs}
  - {id: no-raid, by: chief, stance: denies, about: [raid], text: No raid}
"""


def test_second_hand_documentation_is_capped_at_its_carrier_and_shows_the_chain(tmp_path):
    kb = build(tmp_path, VIA)
    c = one(kb, "no-bombing")
    ngo = next(s for s in c.sources if s.source == "ngo-work")
    assert ngo.via == ("interview",) and ngo.weight == weight("EvidenceTypes", "news-report")
    assert ngo.chain == "as reported by 'The interview'; the original not examined here"
    assert "The NGO (photo, as reported by 'The interview'; the original not examined here)" in c.summary
    assert c.score == pytest.approx(2 * weight("EvidenceTypes", "news-report"))
    # without a carrier documenting the event itself, the cap is the scheme's default weight;
    # the NGO's own first-hand report is not capped
    raid = one(kb, "no-raid")
    assert raid.score == pytest.approx(weight("EvidenceTypes", "photo")) and raid.independent_publishers == 1
    data = json.loads(cli(tmp_path, "conflicts", "--format", "json").stdout)
    src = next(s for d in data if d["claim"] == "no-bombing" for s in d["sources"] if s["source"] == "ngo-work")
    assert src["via"] == ["interview"] and src["weight"] == weight("EvidenceTypes", "news-report")
    assert "as reported by" in cli(tmp_path, "conflicts", "--format", "markdown").stdout


# ---- item 2: evidence known only by its title, claims known through a rendering ---------------

TITLE = """
actors:
  - {id: chief, name: Chief, kind: person}
  - {id: channel, name: Channel, kind: media}
  - {id: digest-maker, name: Digest maker, kind: media}
sources:
  - {id: clip, title: "Strike caught on camera", kind: video, publisher: channel}
  - {id: digest, title: A digest, kind: compilation, publisher: digest-maker}
  - {id: speech, title: The speech, kind: statement, author: chief}
events:
  - id: strike
    label: Strike
    documented_by: [{source: clip, evidence: video, known_by: title}]
  - id: fire
    label: Fire
    documented_by: [{source: clip, evidence: video}]
claims:
  - {id: no-strike, by: chief, stance: denies, about: [strike], text: No strike, stated_in: speech,
     rendered_in: digest}
  - {id: no-fire, by: chief, stance: denies, about: [fire], text: No fire, stated_in: speech}
"""


def test_title_only_evidence_is_marked_and_weighted_and_renderings_are_shown(tmp_path):
    kb = build(tmp_path, TITLE)
    strike, fire = one(kb, "no-strike"), one(kb, "no-fire")
    (s,) = strike.sources
    assert s.known_by == "title" and fire.sources[0].known_by == "content"
    assert strike.score == pytest.approx(weight("EvidenceTypes", "video") * weight("KnownBy", "title"))
    assert fire.score == pytest.approx(weight("EvidenceTypes", "video")) and strike.score < fire.score
    assert "Channel (video, known by its title or heading only)" in strike.summary
    assert strike.rendered_in == "digest" and strike.rendered_in_title == "A digest" and fire.rendered_in is None
    assert strike.summary.endswith("; the claim as rendered in 'A digest'")
    data = {d["claim"]: d for d in json.loads(cli(tmp_path, "conflicts", "--format", "json").stdout)}
    assert data["no-strike"]["rendered_in"] == "digest" and data["no-strike"]["sources"][0]["known_by"] == "title"
    rows = list(csv.DictReader(io.StringIO(cli(tmp_path, "conflicts", "--format", "csv").stdout)))
    assert {r["claim"]: r["rendered_in"] for r in rows} == {"no-strike": "digest", "no-fire": ""}
    md = cli(tmp_path, "conflicts", "--format", "markdown").stdout
    assert "as rendered in *A digest*" in md and "known by its title or heading only" in md
    assert "rendered in 'A digest'" in cli(tmp_path, "conflicts", "--top", "5").stdout


# ---- item 4: Admiralty grades -------------------------------------------------------------------

GRADED = """
actors:
  - {id: chief, name: Chief, kind: person}
  - {id: p, name: Paper P, kind: media}
  - {id: q, name: Paper Q, kind: media}
sources:
  - {id: p-plain, title: P plain, kind: report, publisher: p}
  - {id: q-plain, title: Q plain, kind: report, publisher: q}
  - {id: p-graded, title: P graded, kind: report, publisher: p, reliability: B, credibility: "2"}
  - {id: q-confirmed, title: Q confirmed, kind: report, publisher: q, reliability: B, credibility: "1"}
  - {id: p-default, title: P at the defaults, kind: report, publisher: p, reliability: F, credibility: "6"}
  - {id: q-doubt, title: Q doubtful, kind: report, publisher: q, reliability: B}
events:
  - {id: e-plain, label: Plain, documented_by: [{source: p-plain, evidence: photo}, {source: q-plain, evidence: photo}]}
  - {id: e-default, label: Defaults, documented_by: [{source: p-default, evidence: photo}, {source: q-plain, evidence: photo}]}
  - {id: e-graded, label: Graded, documented_by: [{source: p-graded, evidence: photo}, {source: q-confirmed, evidence: photo}]}
  - id: e-override
    label: Override
    documented_by: [{source: q-doubt, evidence: photo, reliability: E, credibility: "5"}]
claims:
  - {id: c-plain, by: chief, stance: denies, about: [e-plain], text: Not so}
  - {id: c-default, by: chief, stance: denies, about: [e-default], text: Not so}
  - {id: c-graded, by: chief, stance: denies, about: [e-graded], text: Not so}
  - {id: c-override, by: chief, stance: denies, about: [e-override], text: Not so}
"""


def test_grades_weigh_by_the_documented_formula_and_every_finding_shows_them(tmp_path):
    kb = build(tmp_path, GRADED)
    photo = weight("EvidenceTypes", "photo")
    rel, cred = (lambda c: weight("SourceReliability", c)), (lambda c: weight("InformationCredibility", c))
    plain, default, graded, override = (one(kb, c) for c in ("c-plain", "c-default", "c-graded", "c-override"))
    # every grade at its default ("cannot be judged"): the score without grades
    assert plain.score == default.score == pytest.approx(2 * photo) and plain.grades == ("F6",)
    assert {s.grade for s in plain.sources} == {"F6"}
    # credibility 1 ("confirmed by other sources") weighs as 2: the corroboration is counted once,
    # by the sum over the two independent publishers, not again by the grade
    assert cred("1") == cred("2") and graded.independent_publishers == 2
    assert graded.score == pytest.approx(2 * photo * rel("B") * cred("2")) and graded.grades == ("B1", "B2")
    # a documentation's own grade overrides its source's
    (s,) = override.sources
    assert (s.reliability, s.credibility) == ("E", "5")
    assert override.score == pytest.approx(photo * rel("E") * cred("5")) and override.score < photo
    data = {d["claim"]: d for d in json.loads(cli(tmp_path, "conflicts", "--format", "json").stdout)}
    assert data["c-graded"]["grades"] == ["B1", "B2"] and data["c-graded"]["schema_version"] == 3
    assert {x["source"]: x["grade"] for x in data["c-graded"]["sources"]} == {"p-graded": "B2", "q-confirmed": "B1"}
    assert "graded E5" in cli(tmp_path, "conflicts", "--format", "markdown").stdout
    rows = {r["claim"]: r for r in csv.DictReader(io.StringIO(cli(tmp_path, "conflicts", "--format", "csv").stdout))}
    assert rows["c-graded"]["grades"] == "B1 B2"


@pytest.mark.parametrize("field, value", [("reliability", "G"), ("credibility", "7"), ("known_by", "rumour"),
                                          ("inferred", "mood")])
def test_grade_and_basis_fields_are_validated(tmp_path, field, value):
    bad = GRADED.replace("evidence: photo, reliability: E", f"evidence: photo, {field}: {value!r}, reliability: E")
    (tmp_path / "data.yaml").write_text(bad, encoding="utf-8")
    r = cli(tmp_path, "build", str(tmp_path / "data.yaml"))
    assert r.returncode != 0 and field in r.stderr and "data.yaml" in r.stderr
    with pytest.raises(NoKnowledgeBaseError):
        KnowledgeBase(tmp_path / "store").conflicts()


# ---- item 6: inferred fields, the dataset's own aliases -----------------------------------------

INFERRED = """
actors:
  - {id: chief, name: Chief, kind: person}
  - {id: army, name: The army, kind: government, affiliated_with: [chief]}
places:
  - {id: town, name: Town, aliases: ["Gorod@ru-Latn"], dataset_aliases: ["Town-ville@fr"]}
sources:
  - {id: headline, title: "Chief's country hit the bridge", kind: article, date: 2020-05-01, inferred: [date]}
events:
  - id: bridge
    label: Bridge hit
    place: town
    documented_by: [{source: headline, evidence: news-report, attributes_to: [army], inferred: [attribution]}]
claims:
  - {id: not-us, by: chief, stance: disputes, challenges: responsibility, about: [bridge], text: Not us,
     date: 2020-05-03, inferred: [date]}
"""


def test_inferred_fields_and_dataset_aliases_are_marked(tmp_path):
    kb = build(tmp_path, INFERRED)
    c = one(kb, "not-us")
    assert c.claim_inferred == ("date",) and c.sources[0].inferred == ("attribution", "date")
    d = json.loads(cli(tmp_path, "conflicts", "--format", "json").stdout)[0]
    assert d["claim_inferred"] == ["date"] and d["sources"][0]["inferred"] == ["attribution", "date"]
    assert "inferred: attribution, date" in cli(tmp_path, "conflicts", "--format", "markdown").stdout
    rows = kb.query("SELECT ?n ?own WHERE { ?p <http://www.w3.org/2004/02/skos/core#altLabel> ?n "
                    "OPTIONAL { ?p <https://w3id.org/evkb/ns#datasetAlias> ?m FILTER(?m = ?n) BIND(true AS ?own) } }",
                    fmt="json")
    names = {(b["n"]["value"], b["n"].get("xml:lang"), "own" in b) for b in json.loads(rows)["results"]["bindings"]}
    assert names == {("Gorod", "ru-latn", False), ("Town-ville", "fr", True)}


def test_readme_table_is_the_seed_output(seed_kb):
    from helpers import load_script
    table = load_script("seed_table")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert table.replace_table(readme, table.render([c.to_dict() for c in seed_kb.conflicts()])) == readme, \
        "the README's seed table is out of date: run python scripts/seed_table.py"

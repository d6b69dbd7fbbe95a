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

from kb import KnowledgeBase
from kb.rules import weight

REPO = Path(__file__).resolve().parent.parent


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
    assert {d["schema_version"] for d in data} == {2}
    strike = next(d for d in data if d["claim"] == "no-strike")
    assert strike["independent_publishers"] == 0 and strike["unknown_origins"] == 2
    assert strike["unknown_origin_sources"] == ["clip-1", "clip-2"] and strike["independence"] == phrase
    assert {s["origin"] for s in strike["sources"]} == {"unknown"}
    out = tmp_path / "elsewhere" / "reviews.jsonld"
    assert cli(tmp_path, "export", "--format", "claimreview", "-o", str(out)).returncode == 0
    ratings = {r["claimReviewed"]: r["reviewRating"]["alternateName"] for r in json.loads(out.read_text())}
    assert ratings["There was no strike"] == f"conflicts with documentation by {phrase}"
    assert [c.independence for c in kb.conflicts() if c.claim == "no-strike"] == [phrase]

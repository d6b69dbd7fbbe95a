"""Findings grouped per claim (kb.analysis.grouping): a described claim that meets 40 incidents reads
as one claim with 40 findings — in the API, the terminal table, JSON, CSV and the Markdown report —
and nothing is merged or dropped (#19 item 1)."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path

import pytest
from helpers import kb as run_kb

from kb import KnowledgeBase
from kb.analysis.grouping import ClaimGroups, group_by_claim

N = 40

DATA = """
actors:
  - {id: side-a, name: Side A, kind: government}
  - {id: side-b, name: Side B, kind: government}
  - {id: ngo, name: Monitor, kind: organisation}
  - {id: wire, name: Wire Service, kind: organisation}
sources:
  - {id: rep, title: Monitor report, kind: report, publisher: ngo, date: 2020-10-20}
  - {id: dispatch, title: Wire dispatch, kind: report, publisher: wire, date: 2020-10-21}
places:
  - {id: land, name: Land}
  - {id: province, name: Province, part_of: [land]}
  - {id: town, name: Town, part_of: [province]}
claims:
  - {id: c-wide, by: side-a, stance: denies, text: "Nothing was shelled in Land that week.",
     date: 2020-10-30, describes: {place: land, date: 2020-10-01/2020-10-07, kinds: [shelling]}}
  - {id: c-one, by: side-b, stance: denies, text: "No strike on the bridge.", date: 2020-10-30,
     about: bridge}
events:
  - {id: bridge, label: Strike on the bridge, date: 2020-10-03,
     documented_by: [{source: rep, evidence: photo}, {source: dispatch, evidence: news-report}]}
"""


def _event(i: int) -> str:
    place = ("town", "province", "land")[i % 3]
    day = 1 + i % 7
    return (f"  - {{id: e{i:02d}, label: Shelling number {i}, place: {place}, date: 2020-10-0{day}, "
            "kind: [shelling], documented_by: [{source: rep, evidence: photo}]}\n")


def _outside_the_description() -> str:
    return ("  - {id: late, label: Shelling a month later, place: town, date: 2020-11-05, kind: [shelling],"
            " documented_by: [{source: rep, evidence: photo}]}\n")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[KnowledgeBase, Path]:
    tmp = tmp_path_factory.mktemp("groups")
    data = tmp / "data.yaml"
    data.write_text(textwrap.dedent(DATA) + "".join(_event(i) for i in range(N)) + _outside_the_description(),
                    encoding="utf-8")
    kb = KnowledgeBase(tmp / "store")
    kb.build([data])
    work = tmp / "work"
    work.mkdir()
    return kb, work


def test_forty_matching_incidents_are_one_claim_with_forty_findings(store):
    kb, _ = store
    found = kb.conflicts()
    groups = kb.claim_groups()
    assert isinstance(groups, ClaimGroups) and [g.claim for g in groups] == ["c-one", "c-wide"]
    wide = groups.of()["c-wide"]
    assert wide.count == N and wide.kinds == {"described": N}
    assert set(wide.documented_events) == {f"e{i:02d}" for i in range(N)}  # not the event a month later
    assert all(c.matched and c.matched[0].startswith("place: ") for c in wide.findings)  # why each matched
    assert wide.best_score == wide.findings[0].score == max(c.score for c in wide.findings)
    assert [c.score for c in wide.findings] == sorted((c.score for c in wide.findings), reverse=True)
    # nothing merged or dropped: every finding in exactly one group, unchanged, in the engine's order
    assert sorted(groups.findings(), key=found.index) == list(found)
    assert sum(g.count for g in groups) == len(found) == N + 1
    one = groups.of()["c-one"]
    assert (one.rank, one.count, one.independent_publishers) == (1, 1, 2)  # the strongest finding first
    assert wide.rank == 2 and wide.independent_publishers == 1
    assert [e["event"] for e in wide.events()] == list(wide.documented_events)
    assert wide.to_dict()["findings"] == N and wide.to_dict()["events"][0]["matched"] == list(wide.findings[0].matched)


def test_groups_keep_the_order_of_their_first_finding():
    from types import SimpleNamespace as F

    found = [F(claim="b", score=3.0, kind="direct"), F(claim="a", score=2.0, kind="part-of"),
             F(claim="b", score=1.0, kind="part-of"), F(claim="a", score=0.5, kind="part-of")]
    groups = group_by_claim(found)
    assert [(g.rank, g.claim, g.count) for g in groups] == [(1, "b", 2), (2, "a", 2)]
    assert groups[0].kinds_text() == "1 direct, 1 part-of" and groups[1].kinds == {"part-of": 2}
    assert group_by_claim([]) == []


def test_the_table_shows_the_claim_once_with_its_forty_findings(store):
    kb, work = store
    r = run_kb("conflicts", cwd=work, store=kb.path, env={"COLUMNS": "120"})
    assert r.returncode == 0, r.stderr
    out, text = r.stdout, " ".join(r.stdout.split())  # lines wrap to the terminal's width
    assert out.count("Side A denies") == 1 and f"{N} finding(s) ({N} described)" in text
    assert out.count("claim c-wide") == 1 and "“Nothing was shelled in Land that week.”" in text
    assert all(f" 2.{j} described, score " in out for j in range(1, N + 1)) and " 2.41 " not in out
    assert out.count("why: place: ") == N and out.count("why: kind: Shelling") == N
    assert out.rstrip().endswith(f"{N + 1} conflict(s) about 2 claim(s)")
    flat = run_kb("conflicts", "--flat", cwd=work, store=kb.path, env={"COLUMNS": "120"}).stdout
    assert flat.count("claimant (claim)") == N + 1 and flat.rstrip().endswith(f"{N + 1} conflict(s)")


def test_json_keeps_the_findings_and_gives_each_its_claim_group(store):
    kb, work = store
    r = run_kb("conflicts", "--format", "json", cwd=work, store=kb.path)
    data = json.loads(r.stdout)
    assert isinstance(data, list) and len(data) == N + 1
    assert [{k: v for k, v in d.items() if k not in ("claim_group", "claim_findings")} for d in data] == \
        [c.to_dict() for c in kb.conflicts()]
    assert {(d["claim"], d["claim_group"], d["claim_findings"]) for d in data} == {("c-one", 1, 1),
                                                                                 ("c-wide", 2, N)}


def test_csv_rows_of_a_claim_are_together_with_its_group(store):
    kb, work = store
    rows = list(csv.DictReader(io.StringIO(run_kb("conflicts", "--format", "csv", cwd=work, store=kb.path).stdout)))
    assert len(rows) == N + 1 and [r["claim"] for r in rows] == ["c-one"] + ["c-wide"] * N
    assert {r["claim_findings"] for r in rows[1:]} == {str(N)} and rows[0]["claim_group"] == "1"
    assert all(r["matched"].startswith("place: ") for r in rows[1:]) and rows[0]["matched"] == ""


def test_markdown_has_one_section_per_claim_and_one_per_finding_under_it(store):
    kb, work = store
    md = run_kb("conflicts", "--format", "markdown", cwd=work, store=kb.path).stdout
    assert md.count("\n## ") == 2 and md.count("\n### ") == N + 1
    claim = md.split("\n## 2. ", 1)[1]
    assert claim.startswith("Side A denies events in Land") and f"- {N} finding(s): {N} described" in claim
    assert claim.count("> Nothing was shelled in Land that week.") == 1  # the quote once per claim
    assert all(f"\n### 2.{j}. " in claim for j in range(1, N + 1))
    assert claim.count("Why the event fits the claim's description:") == N


def test_groups_as_a_notebook_table(store):
    kb, _ = store
    groups = kb.claim_groups()
    html = groups._repr_html_()
    assert html.count("<tr>") == 3 and f"{N + 1} finding(s) about 2 claim(s)" in html
    pd = pytest.importorskip("pandas")
    frame = groups.to_frame()
    assert isinstance(frame, pd.DataFrame) and list(frame["findings"]) == [1, N]

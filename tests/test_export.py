"""Exports for other tools: GraphML and GEXF (Gephi, Cytoscape), ClaimReview JSON-LD of the conflicts,
formula-safe CSV tables, and compacted JSON-LD."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kb import KnowledgeBase
from kb.analysis.projection import edge_label
from kb.cli import main


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    kb = KnowledgeBase(tmp_path_factory.mktemp("seed") / "store")
    kb.build()
    return kb


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_exports_open_in_networkx_with_the_projection_and_conflict_flags(seed, tmp_path, fmt):
    g = seed.graph()
    conflicts = seed.conflicts()
    out = tmp_path / f"seed.{fmt}"
    r = CliRunner().invoke(main, ["--store", str(seed.path), "export", "-o", str(out)])  # format from the ending
    assert r.exit_code == 0, r.output
    h = {"graphml": nx.read_graphml, "gexf": nx.read_gexf}[fmt](out)
    assert (h.number_of_nodes(), h.number_of_edges()) == (g.number_of_nodes(), g.number_of_edges())
    ids = {n: a["id"] for n, a in g.nodes(data=True)}
    for n, a in g.nodes(data=True):
        assert h.nodes[ids[n]]["cls"] == a["cls"] and h.nodes[ids[n]]["label"] == str(a["label"])
    flagged = {n for n, a in h.nodes(data=True) if str(a["in_conflict"]).lower() == "true"}
    on_paths = {s.node for c in conflicts for s in c.path} | {s.source for c in conflicts for s in c.sources}
    assert flagged == on_paths & set(ids.values()) and flagged
    kinds = {c.kind for c in conflicts}
    assert {k for _n, a in h.nodes(data=True) for k in str(a.get("conflict_kinds", "")).split("; ") if k} == kinds
    assert sorted(str(d["relation"]) for *_e, d in h.edges(data=True)) == \
        sorted(edge_label(k) for *_e, k in g.edges(keys=True))


def test_claimreview_export_states_only_what_the_kb_knows_and_parses_offline(seed, tmp_path):
    out = seed.export("claimreview", tmp_path / "reviews.jsonld")
    reviews = json.loads(out.read_text())
    documented = [c for c in seed.conflicts() if c.sources]
    assert len(reviews) == len(documented) > 0
    for r, c in zip(reviews, documented, strict=True):
        n, u = c.independent_publishers, c.unknown_origins
        assert r["@type"] == "ClaimReview" and r["claimReviewed"] == c.quote
        expected = f"{n} independent publisher{'s' if n != 1 else ''}"
        if u:  # sources of unknown origin are stated beside the count, never merged into it
            expected += f", {u} source{'s' if u != 1 else ''} of unknown origin"
        assert r["reviewRating"]["alternateName"] == f"conflicts with documentation by {expected}"
        assert set(r["reviewRating"]) == {"@type", "alternateName"}  # no score, no verdict
        assert {x["name"] for x in r["citation"]} == {s.title for s in c.sources}
        assert r["itemReviewed"]["author"]["identifier"] == c.claimant
    fresh = KnowledgeBase(tmp_path / "fresh")  # valid JSON-LD with the shipped schema.org context
    fresh.build([out], fmt="jsonld")
    assert fresh.stats().triples > 0


def test_csv_tables_neutralise_formula_cells(tmp_path):
    data = tmp_path / "f.yaml"
    data.write_text("""
actors:
  - {id: a, name: "=HYPERLINK(\\"http://x\\")", kind: person}
events:
  - {id: e, label: "+1 event"}
  - {id: e2, label: "-2 event"}
claims:
  - {id: c, by: a, stance: denies, about: e, text: "@SUM(1+1)"}
  - {id: d, by: a, stance: denies, about: e2, text: "\\tcmd|' /C calc'!A0"}
  - {id: f, by: a, stance: asserts, about: e2, text: "\\r=1+1"}
""")
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([data])

    def table(fmt: str) -> list[dict[str, str]]:
        with open(kb.export(fmt, tmp_path / f"{fmt}.csv"), newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    claims = {r["id"]: r for r in table("csv-claims")}
    assert claims["c"]["text"] == "'@SUM(1+1)"
    assert claims["d"]["text"] == "'\tcmd|' /C calc'!A0"
    assert claims["f"]["text"] == "'\r=1+1"
    assert {r["id"]: r["label"] for r in table("csv-events")} == {"e": "'+1 event", "e2": "'-2 event"}
    conflicts = table("csv-conflicts")
    assert conflicts, "the assertion and the denial of e2 by one actor are a self-contradiction"
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    assert not [v for r in conflicts for v in r.values() if v and v.startswith(dangerous)]


def test_jsonld_export_is_compacted_with_a_context(seed, tmp_path):
    data = json.loads(seed.export("jsonld", tmp_path / "seed.jsonld").read_text())
    assert data["@context"]["ev"] == "https://w3id.org/evkb/ns#" and "@graph" in data
    assert any(str(n.get("@type", "")).startswith("ev:") or "ev:" in json.dumps(n.get("@type"))
               for n in data["@graph"])


def test_export_refuses_an_unknown_ending(seed, tmp_path: Path):
    r = CliRunner().invoke(main, ["--store", str(seed.path), "export", "-o", str(tmp_path / "x.xyz")])
    assert r.exit_code == 2 and "--format" in r.output


def test_every_registered_export_is_written_by_kb_export(seed, tmp_path: Path):
    """One registry (kb.exports.EXPORTS): every format is written by KnowledgeBase.export, a
    report's file is the text `kb conflicts` prints, and each file ending picks its format."""
    from kb.exports import EXPORTS, export_format

    conflicts = seed.conflicts()
    assert {"ttl", "graphml", "csv-claims", "claimreview", "conflicts-markdown", "html"} <= set(EXPORTS)
    for name, e in EXPORTS.items():
        out = seed.export(name, tmp_path / f"out-{name}")
        assert out.stat().st_size > 0, name
        if e.text is not None:
            assert out.read_bytes().decode("utf-8") == e.text(conflicts), name
        for suffix in e.suffixes:
            assert export_format(None, tmp_path / f"x{suffix.upper()}") is e
        for alias in e.aliases:
            assert export_format(alias, "x") is e
    r = CliRunner().invoke(main, ["--store", str(seed.path), "export", "-o", str(tmp_path / "kb.html")])
    assert r.exit_code == 0 and "(html)" in r.output, r.output
    assert "<html" in (tmp_path / "kb.html").read_text(encoding="utf-8")


def test_the_streamed_json_of_findings_is_their_stable_form_byte_for_byte(seed_kb, tmp_path):
    """kb conflicts --format json writes one finding at a time from fast dictionaries: each equals
    the finding's to_dict() (docs/conflicts.md), and the text is json.dumps of them all, on the seed
    and on a synthetic graph with every pattern."""
    from kb.exports.reports import conflicts_json, conflicts_json_chunks, finding
    from kb.testing import synthetic

    ds = synthetic.generate(3_000, seed=5)
    synthetic.write_yaml(ds, tmp_path / "synthetic.yaml")
    other = KnowledgeBase(tmp_path / "syn")
    other.build([tmp_path / "synthetic.yaml"])
    for kb in (seed_kb, other):
        found = kb.conflicts()
        assert found
        for c in found:
            assert finding(c) == c.to_dict()
        group = {claim: rank for rank, claim in enumerate(dict.fromkeys(x.claim for x in found), 1)}
        count = {claim: sum(x.claim == claim for x in found) for claim in group}
        expected = json.dumps([{**c.to_dict(), "claim_group": group[c.claim], "claim_findings": count[c.claim]}
                               for c in found], indent=2, ensure_ascii=False)
        assert conflicts_json(found) == expected
        assert len(list(conflicts_json_chunks(found))) == len(found) + 1
        r = CliRunner().invoke(main, ["--store", str(kb.path), "conflicts", "--format", "json"])
        assert r.exit_code == 0 and r.output == expected + "\n"
    assert conflicts_json([]) == json.dumps([]) == "[]"

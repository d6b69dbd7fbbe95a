"""The synthetic generator: its fast N-Triples writer gives exactly the loader's triples, its YAML
builds, and its command line writes the data with a manifest of the planted conflicts."""

from __future__ import annotations

import json
import subprocess
import sys

import pyoxigraph as ox
import pytest
from helpers import REPO

from kb import KnowledgeBase
from kb.model.graphs import PROVENANCE_GRAPH
from kb.model.terms import EV


@pytest.fixture(scope="module")
def gen():
    from kb.testing import synthetic
    return synthetic


def test_n_triples_are_what_the_loader_makes(gen, tmp_path):
    ds = gen.generate(3_000, seed=4)
    n = gen.write_nt(ds, tmp_path / "s.nt")
    written = {q.triple for q in ox.parse(path=str(tmp_path / "s.nt"), format=ox.RdfFormat.N_TRIPLES)}
    assert n == len(written)
    assert written == {q.triple for q in gen.loader_quads(ds)}


NAME_KEY = ox.NamedNode(str(EV.nameKey))


def test_yaml_builds_into_the_same_triples(gen, tmp_path):
    ds = gen.generate(1_500, seed=9)
    gen.write_yaml(ds, tmp_path / "s.yaml")
    gen.write_nt(ds, tmp_path / "s.nt")
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([tmp_path / "s.yaml"])
    with kb.snapshot() as db:
        built = {q.triple for q in db if q.graph_name != ox.NamedNode(PROVENANCE_GRAPH)
                 and q.predicate != NAME_KEY}  # the name keys are derived at build time
    assert built == {q.triple for q in ox.parse(path=str(tmp_path / "s.nt"), format=ox.RdfFormat.N_TRIPLES)}


def test_every_pattern_is_planted(gen):
    ds = gen.generate(4_000, seed=1)
    assert {k for k, _c, _e in ds.expected} == {"direct", "part-of", "alias", "counter-claim",
                                                 "self-contradiction"}
    ids = {r["id"] for recs in ds.records.values() for r in recs}
    distractors = {"own-outlet": "-state-tv", "undocumented": "-rumour", "derived": "-denial-echoed",
                   "cycles": "-x3", "asserts-only": "-assertion", "second-hand": "-denial-echo",
                   "challenges": "-no-wrong", "unknown-origin": "-clip-b", "title-only": "-listed-video",
                   "folding": "-incident", "graded": "-graded"}
    for pattern, suffix in distractors.items():
        assert any(i.endswith(suffix) for i in ids), pattern
    parent = {r["id"]: r["part_of"][0] for r in ds.records["events"] if "part_of" in r}
    depths = set()
    for _kind, _claim, event in (x for x in ds.expected if x[0] == "part-of"):
        hops = 0
        while event in parent:
            event, hops = parent[event], hops + 1
        depths.add(hops)
    assert depths == {1, 2, 3, 4, 5}  # part_of chains of every depth up to 5


def test_command_line(tmp_path):
    out = tmp_path / "out"
    subprocess.run([sys.executable, str(REPO / "scripts" / "generate.py"), "--triples", "2000", "--seed", "2",
                    "--out", str(out), "--format", "both"], check=True, capture_output=True)
    manifest = json.loads((out / "manifest.json").read_text())
    lines = (out / "synthetic.nt").read_text().splitlines()
    assert manifest["triples"] == len(lines) and 1_500 < len(lines) < 2_500
    assert manifest["expected"] and all(len(x) == 3 for x in manifest["expected"])
    assert (out / "synthetic.yaml").read_text().startswith("# Synthetic evidence graph")

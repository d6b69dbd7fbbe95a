"""The benchmark runs end to end and reports every operation next to its anchor (timings are
reported, never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

BENCH = REPO / "scripts" / "bench.py"
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests"))
import bench  # noqa: E402


def _run(size: int, data: Path, out: Path, *extra: str) -> list[dict]:
    proc = subprocess.run([sys.executable, str(BENCH), "--size", str(size), "--data", str(data),
                           "--json", str(out), *extra], capture_output=True, text=True, timeout=1800)
    print(proc.stdout)  # the table, shown with pytest -s
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [r for r in json.loads(out.read_text()) if r["size"] == size]


def _check(rows: list[dict], size: int) -> None:
    ops = {r["op"] for r in rows}
    plain = {name for name, _a, _w in bench.PLAN if not name.startswith("queries")}
    if size > bench.PIPELINE_MAX_SIZE:
        plain = {n for n in plain if not n.startswith("pipeline")}
    assert plain <= ops
    for name, params in bench.SELECTIVE:
        assert f"query {bench._label(name, params)}" in ops
        assert f"serve {bench._label(name, params)}" in ops
    for name, params, _runs in bench._queries(size):  # every whole-graph rule, at every size
        assert f"query {bench._label(name, params)}" in ops
    assert {"query conflicts-direct", "query conflicts-part-of"} <= ops  # the SPARQL rules at every size
    by = {r["op"]: r for r in rows}
    for r in rows:
        assert set(r) >= {"size", "op", "seconds", "rss_mb", "anchor_seconds", "ratio"}
        assert r["seconds"] > 0 and r["rss_mb"] > 0
    for name, anchor, _w in bench.PLAN:  # each anchored op carries its anchor's time and the ratio
        if anchor and name in by:
            assert by[name]["anchor_seconds"] == pytest.approx(by[anchor]["seconds"], abs=1e-3)
            # the ratio is rounded to two decimals
            assert by[name]["ratio"] == pytest.approx(by[name]["seconds"] / by[name]["anchor_seconds"],
                                                      rel=0.02, abs=0.0051)
    # the operations did their work: every record loaded, no violation, the conflicts found
    assert by["build-yaml"]["records"] > size / 10
    assert by["validate"]["problems"] == 0
    assert by["conflicts"]["conflicts"] > 0 and by["naive-traversal"]["conflicts"] > 0
    assert by["matching"]["matches"] == by["matching"]["planted"] == by["matching"]["true_positives"] > 0
    assert by["rebuild-changed-file"]["files"] == {"synthetic.yaml": "unchanged", "changed.yaml": "loaded"}


def test_bench_at_10000_triples(tmp_path):
    rows = _run(10_000, tmp_path / "data", tmp_path / "bench.json", "--rdflib-limit", "5")
    _check(rows, 10_000)
    by = {r["op"]: r for r in rows}
    assert by["pipeline-kb"]["rows"] > 0


@pytest.mark.slow
def test_bench_at_100000_triples_reports_to_graphs(tmp_path):
    """The issue's CI run: the 100 000 size, its rows kept in graphs/bench.json (other sizes kept)."""
    rows = _run(100_000, tmp_path / "data", REPO / "graphs" / "bench.json")
    _check(rows, 100_000)


def test_the_readme_table_is_made_from_the_json(tmp_path):
    """scripts/bench_table.py turns bench.py's rows into the README's table between its markers:
    every operation of the JSON, its seconds at each size and its ratio, and nothing outside the
    markers changes; the README has the markers."""
    import bench_table

    rows = []
    for size, scale in ((100_000, 1.0), (1_000_000, 9.5)):
        for i, (name, anchor, _what) in enumerate(bench.PLAN):
            seconds = round((i + 1) * 0.37 * scale, 3)
            rows.append({"size": size, "op": name, "seconds": seconds, "rss_mb": 100.0 + i,
                         "anchor_seconds": 2.0 if anchor else None,
                         "ratio": round(seconds / 2.0, 2) if anchor else None})
    data = tmp_path / "bench.json"
    data.write_text(json.dumps(rows))
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{bench_table.START}\nold table\n{bench_table.END}\nafter\n")
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "bench_table.py"), str(data),
                           "--write", str(readme)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    text = readme.read_text()
    assert text.startswith(f"before\n{bench_table.START}\n|") and text.endswith(f"|\n{bench_table.END}\nafter\n")
    assert "old table" not in text
    lines = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(lines) == len(bench.PLAN)
    for line, (name, anchor, _what) in zip(lines, bench.PLAN, strict=True):
        small, large = (r for r in rows if r["op"] == name)
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0].startswith(f"`{name}`")
        assert cells[1] == bench_table._seconds(small["seconds"]) and cells[2] == bench_table._seconds(large["seconds"])
        assert cells[6] == (f"{large['ratio']:.2f}" if anchor else "")
        assert cells[7] == f"{large['seconds'] / small['seconds']:.1f}×"
    real = (REPO / "README.md").read_text()
    assert f"\n{bench_table.START}\n" in real and f"\n{bench_table.END}\n" in real


@pytest.mark.server
def test_the_large_point_runs_the_whole_path_locally_and_through_virtuoso(tmp_path):
    """scripts/bench_point.py (the ten-million point, here at 10 000): every step ran as the `kb`
    command, with its time, the peak memory of its process tree and the disk it used; the findings
    through Virtuoso equal the local ones; the growth table has a row per step and a column per size."""
    import bench_table
    import sparql_servers

    if sparql_servers.VIRTUOSO is None:
        pytest.skip("virtuoso-opensource is not installed")
    out = tmp_path / "point.json"
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "bench_point.py"), "--size", "10000",
                           "--data", str(tmp_path / "data"), "--json", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    by = {r["op"]: r for r in json.loads(out.read_text())}
    assert set(by) == {"generate", "raw-bulk-load", "build-nt", "validate", "conflicts",
                       "query denials-by-actor", "query sources-per-event", "push virtuoso",
                       "conflicts virtuoso"}
    for r in by.values():
        assert r["size"] == 10_000 and r["seconds"] > 0 and r["rss_mb"] > 0 and r["disk_mb"] > 0
    assert by["conflicts"]["findings"] > 0 and by["conflicts virtuoso"]["same_as_local"] is True
    assert by["query denials-by-actor"]["rows"] > 0 and by["query sources-per-event"]["rows"] > 0
    assert by["build-nt"]["ratio"] == pytest.approx(by["build-nt"]["seconds"] / by["raw-bulk-load"]["seconds"],
                                                    abs=0.01)
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    assert {r["commit"] for r in by.values()} == {commit or None}  # the code each row measured
    lines = bench_table.growth_table(json.loads(out.read_text())).splitlines()
    assert lines[0].startswith("| step | 10 000: s / MB |") and len(lines) == 2 + len(by) + 2 * bool(commit)
    assert not commit or lines[-1] == f"Measured at: 10 000 at {commit}."

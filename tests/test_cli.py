"""The kb command end to end: in-process with click.testing, and as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner

from kb.cli import main

BAD = "actors:\n  - id: a\n    name: A\n    kind: persn\n"


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_build_seed_prints_summary(store_path):
    result = run("--store", str(store_path), "build")
    assert result.exit_code == 0, result.output
    assert "loaded" in result.output and "seed/" in result.output
    assert "records by class:" in result.output and "Claim" in result.output
    again = run("--store", str(store_path), "build")
    assert "unchanged" in again.output and "0 file(s) loaded" in again.output


def test_bad_input_exit_1_located_one_line_each(store_path, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    result = run("--store", str(store_path), "build", str(bad))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert any(":4:11: kind: unknown kind 'persn'" in line for line in lines), lines
    assert "Traceback" not in result.output


def test_validate_stats_export(store_path, tmp_path):
    assert run("--store", str(store_path), "build").exit_code == 0
    v = run("--store", str(store_path), "validate")
    assert v.exit_code == 0 and "valid" in v.output
    s = run("--store", str(store_path), "stats", "--json")
    assert s.exit_code == 0 and '"classes"' in s.output
    out = tmp_path / "kb.trig"
    e = run("--store", str(store_path), "export", "-o", str(out))
    assert e.exit_code == 0 and out.stat().st_size > 1000
    bad = run("--store", str(store_path), "export", "-o", str(tmp_path / "x.unknown"))
    assert bad.exit_code == 2


def test_validate_paths_reports_and_exits_1(store_path, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    result = run("--store", str(store_path), "validate", str(bad))
    assert result.exit_code == 1 and "unknown kind" in result.output


def test_store_from_environment(store_path):
    result = run("build", env={"KB_STORE": str(store_path)})
    assert result.exit_code == 0
    assert (store_path / "CURRENT").is_file()


def test_every_command_has_help():
    for cmd in main.commands:
        result = run(cmd, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output, cmd


def test_subprocess_end_to_end(tmp_path):
    env = dict(os.environ, KB_STORE=str(tmp_path / "store"))
    build = subprocess.run([sys.executable, "-m", "kb.cli", "-q", "build"], capture_output=True,
                           text=True, env=env, cwd=tmp_path, timeout=300)
    assert build.returncode == 0, build.stderr
    assert build.stdout == ""  # --quiet
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    failed = subprocess.run([sys.executable, "-m", "kb.cli", "build", "bad.yaml"], capture_output=True,
                            text=True, env=env, cwd=tmp_path, timeout=300)
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: bad.yaml:4:11: kind:"), failed.stderr
    assert "Traceback" not in failed.stderr


def test_conflicts_writes_where_o_says_the_same_report_it_prints(tmp_path, outside):
    """``kb conflicts -o FILE`` writes exactly what it prints, in every format, replaces a file whole,
    and refuses to write into the store's folder (leaving nothing behind)."""
    from helpers import kb

    store = tmp_path / "store"
    assert kb("build", cwd=outside, store=store).returncode == 0
    for fmt in ("table", "json", "csv", "markdown"):
        printed = kb("conflicts", "--format", fmt, cwd=outside, store=store)
        target = outside / f"report.{fmt}"
        target.write_text("an older report, longer than nothing")
        written = kb("conflicts", "--format", fmt, "-o", target.name, cwd=outside, store=store)
        assert printed.returncode == written.returncode == 0, written.stderr
        assert target.read_text(encoding="utf-8") == printed.stdout and len(printed.stdout) > 300
        assert f"wrote {target.name}" in written.stdout and "finding(s)" in written.stdout
    refused = kb("conflicts", "-o", str(store / "inside.json"), "--format", "json", cwd=outside, store=store)
    assert refused.returncode != 0 and not (store / "inside.json").exists()
    assert [p for p in outside.iterdir() if p.name.startswith(".")] == []  # no temporary file left

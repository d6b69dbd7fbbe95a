"""The second round of hardening (issue 14): races, credentials, bad options, odd files, one line
per problem. Command-line cases run ``kb`` as a subprocess from a folder outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import REPO, canonical_dump

from kb import InputError, KnowledgeBase, StoreLockedError
from kb.terms import DCTERMS

ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def kb_cli(cwd: Path, *args: str, input: str | None = None, env: dict | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess:
    assert not cwd.resolve().is_relative_to(REPO)
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], cwd=cwd, capture_output=True,
                          text=True, input=input, env={**ENV, **(env or {})}, timeout=timeout)


def graphs_defining(store: Path, rid: str) -> set[str]:
    with KnowledgeBase(store).snapshot() as db:
        return {q.graph_name.value for q in db.quads_for_pattern(
            None, ox.NamedNode(str(DCTERMS.identifier)), ox.Literal(rid), None)}


# -- 2: two builds cannot both commit ------------------------------------------------------------

def test_a_build_that_starts_while_another_checks_its_files_cannot_commit_too(tmp_path, write):
    """The interleaving of the race, made deterministic: the first build has read the stored state
    and checked its files, and just before it commits, a second build of a file defining the same id
    runs to its end. Exactly one of them may commit; the id is then in one graph, and valid."""
    store = tmp_path / "store"
    KnowledgeBase(store).build()
    a = write("a.yaml", "actors:\n  - {id: t-same, name: Alpha, kind: person}\n")
    b = write("b.yaml", "actors:\n  - {id: t-same, name: Beta, kind: person}\n")
    first, second = KnowledgeBase(store), KnowledgeBase(store)
    commit = first.store.write
    outcome: dict[str, str] = {}

    def the_other_build_runs_first(work, wait=0.0):
        try:
            second.build([b])
            outcome["second"] = "committed"
        except (StoreLockedError, InputError) as exc:
            outcome["second"] = type(exc).__name__
        return commit(work, wait=wait)

    first.store.write = the_other_build_runs_first
    try:
        first.build([a])
        outcome["first"] = "committed"
    except InputError:
        outcome["first"] = "refused"
    assert list(outcome.values()).count("committed") == 1, outcome
    assert outcome == {"second": "StoreLockedError", "first": "committed"}
    assert len(graphs_defining(store, "t-same")) == 1
    assert KnowledgeBase(store).validate() == []


def test_validate_reports_an_id_that_two_files_define(tmp_path, write):
    """What the race used to leave behind is found by `kb validate` (it said "valid")."""
    store = tmp_path / "store"
    kb = KnowledgeBase(store)
    kb.build([write("a.yaml", "actors:\n  - {id: t-same, name: Alpha, kind: person}\n")])
    graph = next(iter(graphs_defining(store, "t-same")))

    def forge(db: ox.Store) -> None:  # the other build's copy, in a second file graph
        other = ox.NamedNode(graph.replace("a.yaml", "b.yaml"))
        db.extend([ox.Quad(q.subject, q.predicate, q.object, other)
                   for q in db.quads_for_pattern(None, None, None, ox.NamedNode(graph))])

    kb.store.write(forge)
    problems = kb.validate()
    assert [p.field for p in problems] == ["id"]
    assert "duplicate id 't-same'" in problems[0].message and "b.yaml" in problems[0].message


# -- 7: a bad --base / KB_BASE is a usage error ---------------------------------------------------

@pytest.mark.parametrize("base", ["", "relative/", "http://x/> <y", "http://x y/", "http://x/\nerror: y/",
                                  "javascript:alert(1)//", "data:text/html,x/", "https://x.org/id"])
def test_a_bad_base_is_a_usage_error_for_build_and_export(tmp_path, base):
    for how in ("option", "env") if base else ("option",):  # an empty variable is an unset one
        for args in (["build"], ["export", "-o", "kb.ttl"]):
            opts, env = (["--base", base], None) if how == "option" else ([], {"KB_BASE": base})
            r = kb_cli(tmp_path, "--store", "store", *opts, *args, env=env)
            assert r.returncode == 2, (base, how, args, r.stderr)
            assert "Traceback" not in r.stderr and "invalid base IRI" in r.stderr
            assert not any(line.startswith("error: y") for line in r.stderr.splitlines())
            assert not (tmp_path / "store").exists() and not (tmp_path / "kb.ttl").exists()


def test_a_good_base_is_used(tmp_path):
    r = kb_cli(tmp_path, "--store", "store", "--base", "https://example.org/kb#", "build")
    assert r.returncode == 0, r.stderr
    assert kb_cli(tmp_path, "--store", "store", "export", "-o", "kb.nt").returncode == 0
    assert "<https://example.org/kb#" in (tmp_path / "kb.nt").read_text()


def test_the_store_is_unchanged_by_a_refused_base(tmp_path):
    store = tmp_path / "store"
    KnowledgeBase(store).build()
    before = canonical_dump(store)
    assert kb_cli(tmp_path, "--store", str(store), "--base", "relative/", "build", "--fresh").returncode == 2
    assert canonical_dump(store) == before

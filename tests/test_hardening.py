"""The second round of hardening (issue 14): races, credentials, bad options, odd files, one line
per problem. Command-line cases run ``kb`` as a subprocess from a folder outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import REPO, canonical_dump

from kb import InputError, KnowledgeBase, StoreLockedError
from kb.model.terms import DCTERMS

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

    def the_other_build_runs_first(work, wait=0.0, **kw):
        try:
            second.build([b])
            outcome["second"] = "committed"
        except (StoreLockedError, InputError) as exc:
            outcome["second"] = type(exc).__name__
        return commit(work, wait=wait, **kw)

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


# -- 8: RDF-star and an over-long CSV header are located errors -----------------------------------

def test_rdf_star_is_a_located_error_for_build_and_validate(tmp_path):
    store = tmp_path / "store"
    KnowledgeBase(store).build()
    before = canonical_dump(store)
    star = REPO / "tests" / "corpus" / "bad" / "rdf-turtle-rdf-star.ttl"
    for command in ("build", "validate"):
        r = kb_cli(tmp_path, "--store", str(store), command, str(star))
        assert r.returncode == 1, r.stderr
        assert "Traceback" not in r.stderr
        assert f"{star}:4:1: RDF-star" in r.stderr
    assert canonical_dump(store) == before


def test_a_string_mentioning_double_angle_brackets_is_not_rdf_star(tmp_path):
    data = tmp_path / "ok.ttl"
    data.write_text('@prefix ex: <http://example.org/> .\nex:a ex:note "<< a >>", """<<\n>>""" . # <<\n')
    r = kb_cli(tmp_path, "--store", "store", "build", str(data))
    assert r.returncode == 0, r.stderr


# -- 9: the size of a file read whole is checked before it is read -------------------------------

def _limit_data(megabytes: int):
    import resource

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (megabytes * 2**20, megabytes * 2**20))

    return apply


@pytest.mark.parametrize("name", ["huge.yaml", "huge.claims.csv", "huge.json", "huge.jsonld"])
def test_a_2_gb_file_is_refused_before_it_is_read(tmp_path, name):
    """A sparse 2 GB file, read by a process whose memory is limited to 700 MB: refused by its
    size (reading it would need 2 GB), named, one line, store unchanged."""
    store = tmp_path / "store"
    KnowledgeBase(store).build()
    before = canonical_dump(store)
    huge = tmp_path / name
    with open(huge, "wb") as fh:
        fh.truncate(2 * 2**30)
    args = [sys.executable, "-m", "kb.cli", "--store", str(store)]
    args += ["import", "claimreview", str(huge)] if name.endswith(".json") else ["build", str(huge)]
    r = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, env=ENV, timeout=300,
                       preexec_fn=_limit_data(700))
    assert r.returncode == 1, r.stderr
    assert r.stderr.splitlines()[0] == (
        f"error: {name}: the file is 2,048 MB, more than the limit of 1,024 MB for files read whole "
        "(YAML, CSV, JSON); nothing was read (set KB_MAX_INPUT_MB to raise the limit)")
    assert canonical_dump(store) == before


def test_the_size_limit_is_configurable(tmp_path):

    from kb.testing import synthetic as gen
    data = tmp_path / "synthetic.yaml"
    gen.write_yaml(gen.generate(30_000, seed=3), data)
    size_mb = data.stat().st_size / 2**20
    assert size_mb > 0.3
    r = kb_cli(tmp_path, "--store", "store", "build", str(data), env={"KB_MAX_INPUT_MB": "0.2"})
    assert r.returncode == 1 and "more than the limit of 0 MB" in r.stderr
    assert not (tmp_path / "store" / "CURRENT").exists()
    r = kb_cli(tmp_path, "--store", "store", "build", str(data), env={"KB_MAX_INPUT_MB": str(size_mb * 2)})
    assert r.returncode == 0, r.stderr
    r = kb_cli(tmp_path, "--store", "other", "build", str(data), env={"KB_MAX_INPUT_MB": "lots"})
    assert r.returncode == 2 and "KB_MAX_INPUT_MB='lots'" in r.stderr


# -- 10: one line per problem; a FIFO or a device is what it is ---------------------------------

def test_a_fifo_or_a_device_is_reported_as_what_it_is(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    folder = tmp_path / "data"
    folder.mkdir()
    os.mkfifo(folder / "claims.yaml")
    (folder / "actors.yaml").write_text("actors:\n  - {id: t-a, name: A, kind: person}\n")
    r = kb_cli(tmp_path, "--store", "store", "build", str(fifo), timeout=60)  # never opened: no hang
    assert r.returncode == 1 and f"error: {fifo}: a FIFO (named pipe), not a regular file" in r.stderr
    r = kb_cli(tmp_path, "--store", "store", "build", str(folder), timeout=60)
    assert r.returncode == 1 and f"{folder / 'claims.yaml'}: a FIFO (named pipe)" in r.stderr
    r = kb_cli(tmp_path, "--store", "store", "build", "--format", "yaml", "/dev/null", timeout=60)
    assert r.returncode == 1 and "error: /dev/null: a character device, not a regular file" in r.stderr
    assert not (tmp_path / "store" / "CURRENT").exists()


def test_values_and_file_names_cannot_forge_lines_or_terminal_output(tmp_path):
    folder = tmp_path / "evil\nerror: forged"
    folder.mkdir()
    (folder / "actors.yaml").write_text(
        'actors:\n  - id: t-a\n    "na\\eme\\u2028x": A\n    kind: "pers\\non\\r\\x1b[2K"\n')
    r = kb_cli(tmp_path, "--store", "store", "build", str(folder / "actors.yaml"))
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 4 and all(line.startswith("error: evil\\nerror: forged/actors.yaml:")
                                   for line in lines[:3]), lines
    assert not any(c in r.stderr for c in "\x1b\r\u2028"), r.stderr
    assert "na\\x1bme\\u2028x" in r.stderr and "pers\\non\\r\\x1b[2K" in r.stderr


def test_printable_escapes_what_could_break_a_line():
    from kb.errors import Problem, printable

    assert printable("a\nb\tc\x1b[0m\u202ed\u2028\x85") == "a\\nb\\tc\\x1b[0m\\u202ed\\u2028\\x85"
    assert printable("Şuşa — café") == "Şuşa — café"
    assert "\n" not in str(Problem("f\n.yaml", 1, 2, "x\ny", "bad\nerror: z"))


# -- 4: credentials for `kb push` ----------------------------------------------------------------

@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    import sparql_servers

    if sparql_servers.VIRTUOSO is None:
        pytest.skip("virtuoso is not installed")
    with sparql_servers.virtuoso(tmp_path_factory.mktemp("virtuoso"), password="Pws3cret42") as srv:
        yield srv


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("push") / "store"
    KnowledgeBase(store).build()
    return store


def _no_secret(r: subprocess.CompletedProcess, secret: str) -> None:
    assert secret not in r.stdout and secret not in r.stderr, r.stdout + r.stderr
    assert "Traceback" not in r.stderr


def test_the_password_comes_from_the_environment_netrc_or_stdin(virtuoso, seeded_store, tmp_path):
    push = ["--store", str(seeded_store), "push", "--endpoint", virtuoso.store, "--user", "dba"]
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "KB_REMOTE_PASSWORD": ""}
    r = kb_cli(tmp_path, *push, env={**env, "KB_REMOTE_PASSWORD": virtuoso.password})
    assert r.returncode == 0 and "pushed" in r.stdout, r.stderr
    _no_secret(r, virtuoso.password)
    netrc = home / ".netrc"
    netrc.write_text(f"machine 127.0.0.1\n  login dba\n  password {virtuoso.password}\n")
    netrc.chmod(0o600)
    r = kb_cli(tmp_path, *push, env=env)
    assert r.returncode == 0 and "pushed" in r.stdout, r.stderr
    netrc.unlink()
    r = kb_cli(tmp_path, *push, "--password-stdin", input=virtuoso.password + "\n", env=env)
    assert r.returncode == 0 and "pushed" in r.stdout, r.stderr
    _no_secret(r, virtuoso.password)
    r = kb_cli(tmp_path, *push, "--password-stdin", input="not-the-password\n", env=env)
    assert r.returncode == 4 and "not allowed" in r.stderr
    _no_secret(r, "not-the-password")


def test_a_password_on_the_command_line_works_with_a_warning(virtuoso, seeded_store, tmp_path):
    r = kb_cli(tmp_path, "--store", str(seeded_store), "push", "--endpoint", virtuoso.store,
               "--user", "dba", "--password", virtuoso.password, env={"HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("warning: --password puts the password where every user")
    _no_secret(r, virtuoso.password)


def test_a_password_in_a_url_is_used_and_never_printed(virtuoso, seeded_store, tmp_path):
    from urllib.parse import urlsplit

    port = urlsplit(virtuoso.store).port
    good = f"http://dba:{virtuoso.password}@127.0.0.1:{port}/sparql-graph-crud-auth"
    r = kb_cli(tmp_path, "--store", str(seeded_store), "push", "--endpoint", good, env={"HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    _no_secret(r, virtuoso.password)
    assert f"to http://127.0.0.1:{port}/sparql-graph-crud-auth" in r.stdout
    for url in (f"http://dba:Wr0ng-pass@127.0.0.1:{port}/sparql-graph-crud-auth",  # refused
                "http://dba:Wr0ng-pass@127.0.0.1:9/sparql"):                      # no server
        r = kb_cli(tmp_path, "--store", str(seeded_store), "push", "--endpoint", url, env={"HOME": str(tmp_path)})
        assert r.returncode == 4, r.stderr
        _no_secret(r, "Wr0ng-pass")
        assert r.stderr.startswith("error: http://127.0.0.1:"), r.stderr
    r = kb_cli(tmp_path, "query", "denials-by-actor", "--endpoint", "http://u:Wr0ng-pass@127.0.0.1:9/sparql")
    assert r.returncode == 4
    _no_secret(r, "Wr0ng-pass")


def test_basic_auth_over_plain_http_is_warned_about(seeded_store, tmp_path):
    r = kb_cli(tmp_path, "--store", str(seeded_store), "push", "--endpoint", "http://kb-test.invalid/sparql",
               "--user", "dba", "--auth", "basic", "--password-stdin", input="Pw-basic-1\n",
               env={"HOME": str(tmp_path)})
    assert r.returncode == 4
    warnings = [line for line in r.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: http://kb-test.invalid/sparql: basic authentication over plain http "
                        "sends the password readable by anyone on the network; use an https URL, or "
                        "--auth digest"]
    _no_secret(r, "Pw-basic-1")


def test_redact_hides_the_password_of_every_url():
    from kb.errors import redact
    from kb.sparql.endpoint import credentials

    assert redact("x http://u:p%40ss@h:1/a and https://v:q@k/") == "x http://u:***@h:1/a and https://v:***@k/"
    found = credentials("http://dba:p%40ss@[::1]:8890/sparql")
    assert (found.url, found.user, found.password) == ("http://[::1]:8890/sparql", "dba", "p@ss")


# -- issue 18, item 5: YAML written by PyYAML (anchors for shared objects) builds ---------------

def test_yaml_written_by_safe_dump_with_anchors_builds(tmp_path):
    import yaml

    shared = ["Shushi@hy", "Şuşa@az"]
    data = {"places": [{"id": "p-one", "name": "One", "aliases": shared},
                       {"id": "p-two", "name": "Two", "aliases": shared}]}
    text = yaml.safe_dump(data, allow_unicode=True)
    assert "&id001" in text and "*id001" in text
    (tmp_path / "places.yaml").write_text(text, encoding="utf-8")
    r = kb_cli(tmp_path, "--store", "store", "build", "places.yaml")
    assert r.returncode == 0, r.stderr
    with KnowledgeBase(tmp_path / "store").snapshot() as db:
        names = {str(q.object) for q in db if "altLabel" in q.predicate.value or "alias" in q.predicate.value}
    assert {'"Shushi"@hy', '"Şuşa"@az'} <= names, names

"""Nothing broken in: hostile and broken inputs of every format are refused, located, and change nothing.

The corpus is ``tests/corpus/bad/``; ``EXPECTED.tsv`` there gives, for each file, the command that
reads it, the exit code, and the ``:line:column: field:`` fragment and message fragment of the
one-line error that must name it. Every case runs against a real store holding the seed; after
each, the store must be byte-for-byte what it was (canonical N-Quads dump, published generation,
generation folders). Inputs too big to commit (a 50 MB string, 100 000 nesting levels) are made
here. Output paths (``-o``) follow the rule of ``kb.exports.files``.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import canonical_dump

from kb import InputError, KnowledgeBase
from kb.cli import main
from kb.errors import EXIT_INVALID, EXIT_STORE, KBError

CORPUS = Path(__file__).parent / "corpus" / "bad"
ROWS = [line.split("\t") for line in (CORPUS / "EXPECTED.tsv").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")]
FORMATS = {"yaml": "YAML", "csv": "CSV sheets", "claimreview": "ClaimReview JSON", "acled": "ACLED layout",
           "rdf": "Turtle/TriG/N-Triples/N-Quads/JSON-LD", "sparql": "SPARQL query files"}
# Violations of the SHACL shapes by RDF input name the file, the field and the subject's IRI but no
# line: RDF parsers do not report where a statement was written (YAML and CSV records have lines).
UNLOCATED = {"rdf-turtle-breaks-shapes.ttl", "rdf-turtle-bad-date-literal.ttl",
             "rdf-jsonld-bad-date-literal.jsonld", "rdf-jsonld-relative-iri.jsonld"}
FIFTY_MB = 50 * 1024 * 1024


def state(store: Path) -> tuple[bytes, str, list[str]]:
    """Everything a bad input must leave alone: the data, the published generation, the folders."""
    return (canonical_dump(store), (store / "CURRENT").read_text(),
            sorted(p.name for p in (store / "gen").iterdir()))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("bad") / "store"
    KnowledgeBase(store).build()
    return store


@pytest.fixture(scope="module")
def before(seeded) -> tuple[bytes, str, list[str]]:
    return state(seeded)


@pytest.fixture
def network(monkeypatch) -> list[tuple]:
    """Every attempt to reach the network (resolve a name, connect a socket) fails and is recorded."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("a test of bad input tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def run(store: Path, *args: str, input: str | None = None):
    result = CliRunner().invoke(main, ["--store", str(store), *args], input=input)
    # a crash would leave a non-SystemExit exception (CliRunner swallows its traceback)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def assert_one_line_errors(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    assert lines, "no error message"
    assert "Traceback" not in stderr
    assert all(line.startswith(("error: ", "warning: ")) for line in lines), stderr
    return lines


# -- the corpus ----------------------------------------------------------------------------------

def test_the_corpus_and_its_manifest_agree():
    files = sorted(p.name for p in CORPUS.iterdir() if p.name not in {"EXPECTED.tsv", ".gitattributes"})
    assert sorted(r[0] for r in ROWS) == files
    assert len(ROWS) >= 60 and all(len(r) == 5 for r in ROWS)
    for prefix in FORMATS:
        assert sum(r[0].startswith(prefix + "-") for r in ROWS) >= 5, prefix
    for name, _command, code, where, _message in ROWS:
        assert int(code) != 0
        if name not in UNLOCATED:
            assert re.match(r"^:\d+", where), f"{name}: no line in {where!r}"


@pytest.mark.parametrize("name,command,code,where,message", ROWS, ids=[r[0] for r in ROWS])
def test_bad_input_is_refused_located_and_changes_nothing(seeded, before, network, name, command, code,
                                                          where, message):
    result = run(seeded, *command.split(), str(CORPUS / name))
    assert result.exit_code == int(code), result.stderr
    lines = assert_one_line_errors(result.stderr)
    assert any(f"{name}{where} " in line and message in line for line in lines), lines
    assert state(seeded) == before
    assert network == []


def test_no_network_is_attempted_by_a_real_process(seeded, before):
    """The JSON-LD files with remote contexts, read by `kb build` in its own process, with an audit
    hook that aborts on any socket or name lookup."""
    hook = textwrap.dedent("""
        import os, sys
        def hook(event, args):
            if event.startswith(("socket.", "urllib.Request")) and event != "socket.__new__":
                os.write(2, f"NETWORK {event} {args!r}\\n".encode()); os._exit(99)
        sys.addaudithook(hook)
        from kb.cli import main
        main()
    """)
    remote = sorted(r[0] for r in ROWS if r[0].startswith("rdf-jsonld-remote"))
    assert len(remote) == 3
    for name in remote:
        proc = subprocess.run([sys.executable, "-c", hook, "--store", str(seeded), "build", str(CORPUS / name)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == EXIT_INVALID, proc.stderr
        assert "not fetched" in proc.stderr and "NETWORK" not in proc.stderr
        assert_one_line_errors(proc.stderr)
    assert state(seeded) == before


# -- inputs made here: too big, too deep ---------------------------------------------------------

def _cli(store: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb.cli", "-q", "--store", str(store), *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("kind", ["flow", "block", "mapping"])
def test_yaml_nested_100000_levels_is_refused_not_a_crash(seeded, before, tmp_path, kind):
    """PyYAML's C composer overflows the C stack (SIGSEGV) at ~50 000 levels: the loader stops first."""
    n = 100_000
    body = {"flow": "[" * n + "]" * n, "block": "\n      " + "- " * n + "x",
            "mapping": "{a: " * n + "1" + "}" * n}[kind]
    path = tmp_path / f"deep-{kind}.yaml"
    path.write_text(f"actors:\n  - id: t-a\n    name: A\n    kind: person\n    aliases: {body}\n")
    proc = _cli(seeded, "build", str(path))
    assert proc.returncode == EXIT_INVALID, (proc.returncode, proc.stderr[-500:])
    lines = assert_one_line_errors(proc.stderr)
    assert re.search(r"deep-\w+\.yaml:[56]:\d+: aliases: nested deeper than 64 levels", lines[0]), lines
    assert state(seeded) == before


@pytest.mark.parametrize("fmt", ["jsonld", "claimreview"])
def test_json_nested_100000_levels_is_refused(seeded, before, tmp_path, fmt):
    n = 100_000
    path = tmp_path / f"deep.{'jsonld' if fmt == 'jsonld' else 'json'}"
    path.write_text('[{"@type": "ClaimReview", "claimReviewed": ' + "[" * n + "]" * n + "}]")
    result = run(seeded, "import", fmt, str(path))
    assert result.exit_code == EXIT_INVALID
    lines = assert_one_line_errors(result.stderr)
    assert re.search(r"deep\.json(ld)?:1:\d+: JSON nested deeper than 500 levels", lines[0]), lines
    assert state(seeded) == before


BIG = {  # format -> (file name, text around the 50 MB string, expected error fragment)
    "yaml": ("big.yaml", "actors:\n  - id: t-big\n    kind: person\n    name: {}\n",
             r"big\.yaml:4:11: name: value is too long \(52,428,800 characters"),
    "csv": ("big.places.csv", "id,name\nt-big,{}\n", r"big\.places\.csv:2: CSV syntax error: field larger"),
    "acled": ("big-acled.csv", "event_id_cnty,event_date,event_type,location,source,notes\n"
              "X1,2020-10-04,Battles,Somewhere,Outlet,{}\n", r"big-acled\.csv:2: CSV syntax error: field larger"),
    "claimreview": ("big.json", '[{{"@type": "ClaimReview", "claimReviewed": "{}", "author": "A", '
                    '"itemReviewed": {{"author": "B"}}}}]', r"big\.json:1:\d+: \w+: value is too long"),
    "turtle": ("big.ttl", '<https://w3id.org/evkb/id/t-big> <http://www.w3.org/2000/01/rdf-schema#label> '
               '"{}" .\n', r"big\.ttl:1: RDF syntax error: .*16 MB"),
}


@pytest.mark.parametrize("fmt", sorted(BIG))
def test_a_50_mb_string_is_refused_with_its_location(seeded, before, tmp_path, fmt):
    name, template, expected = BIG[fmt]
    path = tmp_path / name
    path.write_text(template.format("x" * FIFTY_MB), encoding="utf-8")
    assert path.stat().st_size > FIFTY_MB
    result = run(seeded, "import", fmt, str(path))
    assert result.exit_code == EXIT_INVALID, result.stderr[:1000]
    lines = assert_one_line_errors(result.stderr)
    # (a feed whose one item is refused also says that nothing could be imported from it)
    assert any(re.search(expected, line) for line in lines), lines[0][:300]
    assert state(seeded) == before


# -- the API after a refusal ---------------------------------------------------------------------

def test_a_kept_exception_does_not_block_the_next_build(tmp_path, write):
    """A notebook keeps the last exception; the transaction's copy it referenced must be closed."""
    kb = KnowledgeBase(tmp_path / "store")
    kb.build()
    kept: list[KBError] = []
    for name in ("rdf-turtle-syntax.ttl", "rdf-turtle-breaks-shapes.ttl", "yaml-part-of-cycle.yaml"):
        with pytest.raises(InputError) as info:
            kb.build([CORPUS / name])
        kept.append(info.value)
    report = kb.build([write("fine.yaml", "places:\n  - {id: t-fine, name: Fine}\n")])
    assert report.committed and kb.validate() == []


# -- output paths --------------------------------------------------------------------------------

@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    work = tmp_path / "project" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    return work


@pytest.mark.parametrize("args", [
    ["export", "-o", "../../up.ttl"],
    ["export", "-o", "{tmp}/elsewhere/kb.nt"],
    ["export", "-o", "linked/kb.ttl"],          # a folder inside that links outside
    ["viz", "-o", "../page.html"],
])
def test_output_paths_are_written_where_they_say(seeded, workdir, tmp_path, args):
    """`-o` anywhere, relative or absolute, through a linked folder: written there, nothing else."""
    (workdir / "linked").symlink_to(tmp_path)
    (tmp_path / "elsewhere").mkdir(exist_ok=True)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    r = run(seeded, *args)
    assert r.exit_code == 0, r.stderr
    written = (workdir / args[-1]).resolve()
    assert written.is_file() and written.stat().st_size > 100
    assert not [p for p in written.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_missing_folder_is_named_and_not_created(seeded, workdir, tmp_path):
    for args in (["export", "-o", str(tmp_path / "nowhere" / "kb.ttl")], ["viz", "-o", "new/page.html"]):
        r = run(seeded, *args)
        assert r.exit_code == EXIT_STORE
        (line,) = assert_one_line_errors(r.stderr)
        assert re.search(r"cannot write \S+: the folder \S+ does not exist", line), line
    assert not (tmp_path / "nowhere").exists() and not (workdir / "new").exists()


def test_output_into_the_store_folder_is_refused(seeded, workdir):
    before_files = sorted(p.name for p in seeded.iterdir())
    for args in (["export", "-o", str(seeded / "kb.ttl")], ["viz", "-o", str(seeded / "gen" / "x.html")],
                 ["template", "csv", str(seeded / "sheets")]):
        r = run(seeded, *args)
        assert r.exit_code == EXIT_STORE
        (line,) = assert_one_line_errors(r.stderr)
        assert "inside the knowledge base's store folder" in line, line
    assert sorted(p.name for p in seeded.iterdir()) == before_files


def test_a_symbolic_link_at_the_destination_is_followed(seeded, workdir, tmp_path):
    """As cp and shell redirection do: the file it points to is replaced, the link is kept."""
    target = tmp_path / "real.ttl"
    target.write_text("old\n")
    (workdir / "out.ttl").symlink_to(target)
    r = run(seeded, "export", "-o", "out.ttl")
    assert r.exit_code == 0, r.stderr
    assert (workdir / "out.ttl").is_symlink() and target.read_bytes().count(b"\n") > 100
    # a link planted at a predictable temporary name is never followed
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (workdir / "kb.ttl.tmp").symlink_to(victim)
    (workdir / "csv").mkdir()
    (workdir / "csv" / "actors.csv.tmp").symlink_to(victim)
    assert run(seeded, "export", "-o", "kb.ttl").exit_code == 0
    assert run(seeded, "template", "csv", "csv").exit_code == 0
    assert victim.read_text() == "precious\n" and (workdir / "kb.ttl").stat().st_size > 0


def test_a_failed_export_leaves_the_previous_file(seeded, workdir, monkeypatch):
    assert run(seeded, "export", "-o", "kb.trig").exit_code == 0
    previous = (workdir / "kb.trig").read_bytes()

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("kb.exports.rdf.write_rdf", full)
    r = run(seeded, "export", "-o", "kb.trig")
    assert r.exit_code == EXIT_STORE
    (line,) = assert_one_line_errors(r.stderr)
    assert "cannot write kb.trig: the disk is full; the previous file is unchanged" in line
    assert (workdir / "kb.trig").read_bytes() == previous
    assert sorted(p.name for p in workdir.iterdir()) == ["kb.trig"]


def test_output_paths_policy_is_documented():
    doc = (Path(__file__).parent.parent / "docs" / "robustness.md").read_text(encoding="utf-8")
    assert "symbolic link" in doc and "store folder" in doc and "--allow-outside" not in doc


def test_exit_codes_table_matches_the_code():
    from kb import errors

    doc = (Path(__file__).parent.parent / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    codes = {int(m.group(1)) for m in re.finditer(r"^\| (\d) \|", doc, re.M)}
    assert codes == {v for k, v in vars(errors).items() if k.startswith("EXIT_")}
    for cls in (errors.InputError, errors.StoreLockedError, errors.StoreError, errors.OutputError,
                errors.QueryError):
        assert f"| {cls.exit_code} |" in doc
    # the "raised as" column: exactly the exception classes of kb.errors with that exit code, each
    # with its HTTP status
    listed: dict[int, dict[str, int]] = {}
    for m in re.finditer(r"^\| (\d) \|([^|]*)\|", doc, re.M):
        listed[int(m.group(1))] = {name: int(status) for name, status in re.findall(r"`(\w+)` \((\d{3})", m.group(2))}
    defined: dict[int, dict[str, int]] = {code: {} for code in errors.CODE_MEANINGS}
    for name, cls in vars(errors).items():
        if isinstance(cls, type) and issubclass(cls, errors.KBError):
            defined[cls.exit_code][name] = cls.http_status
    assert listed == defined and len(defined[5]) >= 3


"""Works the way a researcher works (issue 18): each behaviour through the ``kb`` command run as a
subprocess from a folder outside the repository, the way people run it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import kb


@pytest.fixture(scope="module")
def seeded(outside) -> Path:
    """The bundled seed built with ``kb build`` into ``outside/.kb``."""
    r = kb("-q", "build", cwd=outside)
    assert r.returncode == 0, r.stderr
    return outside / ".kb"


# -- 1. outputs go where -o says -----------------------------------------------------------------

def test_export_and_viz_write_where_o_says(seeded, outside, tmp_path):
    absolute = tmp_path / "x.ttl"
    r = kb("export", "-o", str(absolute), cwd=outside)
    assert r.returncode == 0, r.stderr
    assert f"wrote {absolute} (ttl)" in r.stdout and absolute.read_bytes().count(b"\n") > 100
    up = kb("viz", "-o", "../page.html", cwd=outside)
    assert up.returncode == 0, up.stderr
    assert "<html" in (outside.parent / "page.html").read_text(encoding="utf-8")[:500].lower()
    assert not [p for p in tmp_path.iterdir() if p.name != "x.ttl"]  # nothing but the file
    gone = kb("export", "-o", str(absolute), "--allow-outside", cwd=outside)
    assert gone.returncode == 2 and "No such option '--allow-outside'" in gone.stderr


def test_output_follows_links_and_never_enters_the_store(seeded, outside, tmp_path):
    real = tmp_path / "real.nt"
    link = outside / "link.nt"
    link.symlink_to(real)
    r = kb("export", "-o", "link.nt", cwd=outside)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and real.read_bytes().count(b"\n") > 100
    into = kb("export", "-o", ".kb/kb.ttl", cwd=outside)
    assert into.returncode == 4
    assert into.stderr.startswith("error: refusing to write .kb/kb.ttl: it is inside the knowledge "
                                  "base's store folder"), into.stderr
    assert not (seeded / "kb.ttl").exists()
    missing = kb("export", "-o", "no/such/kb.ttl", cwd=outside)
    assert missing.returncode == 4
    assert "the folder no/such does not exist" in missing.stderr and not (outside / "no").exists()


# -- 6. an empty store says so --------------------------------------------------------------------

@pytest.mark.parametrize("args", [["stats"], ["conflicts"], ["query", "denials-by-actor"],
                                  ["export", "-o", "x.ttl"]])
def test_no_knowledge_base_says_where_it_looked_and_how_to_build_one(tmp_path, args):
    r = kb(*args, cwd=tmp_path)
    assert r.returncode == 4 and r.stdout == ""
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"error: no knowledge base at {tmp_path.resolve() / '.kb'} (the default "
                           f"store folder ./.kb in {tmp_path.resolve()}; it does not exist)"), line
    assert "`kb build`" in line and "--store" in line
    assert not (tmp_path / ".kb").exists() and not (tmp_path / "x.ttl").exists()
    given = kb(*args, cwd=tmp_path, store=tmp_path / "elsewhere")
    assert given.returncode == 4 and "(the store folder you gave; it does not exist)" in given.stderr
    assert f"`kb --store {tmp_path / 'elsewhere'} build`" in given.stderr
    env = kb(*args, cwd=tmp_path, env={"KB_STORE": str(tmp_path / "env")})
    assert env.returncode == 4 and "(the store folder $KB_STORE names" in env.stderr


def test_an_empty_store_is_an_error_in_python_too(tmp_path):
    from kb import KnowledgeBase
    from kb.errors import NoKnowledgeBaseError

    kb_ = KnowledgeBase(tmp_path / "none")
    assert not kb_.exists
    with pytest.raises(NoKnowledgeBaseError, match="no knowledge base at"):
        kb_.stats()
    kb_.build()
    assert kb_.exists and kb_.stats().triples > 0


# -- 3. names where ids are asked ----------------------------------------------------------------

def test_names_and_aliases_are_accepted_where_ids_are_asked(seeded, outside):
    by_id = kb("conflicts", "--actor", "ilham-aliyev", "--format", "json", cwd=outside)
    by_name = kb("conflicts", "--actor", "Ilham Aliyev", "--format", "json", cwd=outside)
    by_alias = kb("conflicts", "--actor", "president  ALIYEV", "--format", "json", cwd=outside)
    assert by_id.returncode == by_name.returncode == by_alias.returncode == 0, by_name.stderr
    assert by_id.stdout == by_name.stdout == by_alias.stdout and '"claimant": "ilham-aliyev"' in by_id.stdout
    rows = kb("query", "denials-by-actor", "--param", "actor=armenia", "--format", "csv", cwd=outside)
    assert rows.returncode == 0, rows.stderr
    assert rows.stdout.count("\n") >= 2 and "government-of-armenia" in rows.stdout
    pub = kb("query", "events-documented-by", "--param", "publisher=bbc", "--format", "csv", cwd=outside)
    assert pub.returncode == 0 and pub.stdout.count("\n") >= 2, pub.stderr


def test_a_miss_suggests_the_nearest_and_fails(seeded, outside):
    r = kb("conflicts", "--actor", "ilham aliev", cwd=outside)
    assert r.returncode == 2 and r.stdout == ""
    assert "no actor 'ilham aliev'; did you mean ilham-aliyev (Ilham Aliyev)?" in r.stderr
    q = kb("query", "claims-about-event", "--param", "event=nowhere-at-all", cwd=outside)
    assert q.returncode == 2 and "no event 'nowhere-at-all'" in q.stderr


def test_a_name_shared_by_two_records_lists_both_and_fails(outside, tmp_path):
    data = tmp_path / "twins.yaml"
    data.write_text("actors:\n"
                    "  - {id: ministry-a, name: Ministry of Defence, kind: government}\n"
                    "  - {id: ministry-b, name: Ministry of Defense, kind: government,"
                    " aliases: [Ministry of Defence]}\n", encoding="utf-8")
    store = tmp_path / "store"
    assert kb("-q", "build", str(data), cwd=outside, store=store).returncode == 0
    r = kb("conflicts", "--actor", "ministry of defence", cwd=outside, store=store)
    assert r.returncode == 2, r.stderr
    assert "names 2 records: ministry-a (Ministry of Defence); ministry-b (Ministry of Defense)" in r.stderr
    known = kb("conflicts", "--actor", "Ministry of Defense", "--format", "json", cwd=outside, store=store)
    assert known.returncode == 0 and known.stdout.strip().endswith("]"), known.stderr  # known, no results


def test_one_name_key_for_the_project():
    from kb.model.names import key

    assert key("Şuşa") == key("SUSA") == key("šuša") == "susa"
    assert key("government-of-armenia") == key("  Government   of Armenia ") == "government of armenia"
    assert key("Dağlıq Qarabağ") == "dagliq qarabag"


# -- 11. one row per match -----------------------------------------------------------------------

def test_a_spelling_shared_by_two_languages_is_one_row(seeded, outside):
    for args in (("claims-about-place", "--param", "place=Shushi"), ("find-by-name", "--param", "text=shushi")):
        r = kb("query", *args, "--format", "csv", cwd=outside)
        assert r.returncode == 0, r.stderr
        rows = r.stdout.splitlines()[1:]
        assert rows and len(rows) == len(set(rows)), r.stdout


# -- 7. kb serve on a busy port ------------------------------------------------------------------

def test_serve_on_a_busy_port_is_one_error_line_and_the_io_code(seeded, outside):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        r = kb("serve", "--port", str(port), cwd=outside)
    assert r.returncode == 4 and r.stdout == "", r.stdout
    assert r.stderr.splitlines() == [f"error: cannot listen on 127.0.0.1:{port}: address already in use; "
                                     "stop the program using it or pass --port"], r.stderr


def test_serve_announces_once_it_listens(seeded, outside):
    import os
    import socket
    import subprocess
    import sys

    import httpx
    from helpers import REPO

    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--port", str(port), "--workers", "1"],
                            cwd=outside, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"serving .kb at http://127.0.0.1:{port}/sparql (read-only)"), line
        # announced only once the socket listens: the first request is answered, not refused
        answer = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=120,
                           headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200 and answer.json()["boolean"] is True
    finally:
        proc.terminate()
        proc.wait(30)


# -- 8. terminal tables --------------------------------------------------------------------------

def test_conflicts_table_fits_the_terminal_and_shows_who_what_and_by_whom(seeded, outside):
    r = kb("conflicts", "--flat", cwd=outside, env={"COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(map(len, lines)) <= 100
    text = " ".join(r.stdout.split())
    headers = [line for line in lines if "claimant (claim)" in line]
    assert len(headers) == r.stdout.count("independent publisher") == len(lines[-1:]) * int(lines[-1].split()[0])
    assert all("quote" in h and "documented by" in h for h in headers)
    assert lines[0].startswith(" 1. direct, score ") and "1 source of unknown origin" in text
    assert "Human Rights Watch" in text
    assert "Ilham Aliyev" in text and "Government" in text  # the claimants (names may wrap)
    assert "…" not in r.stdout  # wrapped, never cut
    grouped = kb("conflicts", cwd=outside, env={"COLUMNS": "100"})  # the default: grouped per claim
    assert max(map(len, grouped.stdout.splitlines())) <= 100 and grouped.stdout.startswith(" 1. Ilham Aliyev")
    assert grouped.stdout.count("independent publisher") == int(lines[-1].split()[0])  # each finding once
    wide = kb("conflicts", "--wide", cwd=outside, env={"COLUMNS": "100"})
    assert max(map(len, wide.stdout.splitlines())) > 100
    assert "We are not using them (cluster munition), these are another fake news." in wide.stdout
    md = kb("conflicts", "--format", "markdown", cwd=outside)
    assert md.returncode == 0 and md.stdout.startswith("# Conflicts")


def test_tables_in_markdown_wide_and_stats_indents_subclasses(seeded, outside):
    md = kb("query", "denials-by-actor", "--format", "markdown", cwd=outside)
    assert md.returncode == 0, md.stderr
    head, rule, *rows = md.stdout.splitlines()
    assert head.startswith("| actor |") and rule.startswith("|---|") and rows and "ev:denies" in md.stdout
    cut = kb("query", "denials-by-actor", cwd=outside)
    whole = kb("query", "denials-by-actor", "--wide", cwd=outside)
    assert "…" in cut.stdout and "…" not in whole.stdout
    stats = kb("stats", cwd=outside).stdout.splitlines()
    actor = next(i for i, line in enumerate(stats) if line.endswith("  Actor"))
    assert stats[actor + 1].endswith("    Government or state") and not stats[actor].endswith("    Actor")
    smd = kb("stats", "--format", "markdown", cwd=outside)
    assert "| ↳ Person |" in smd.stdout and "| Actor |" in smd.stdout


def test_help_summaries_are_whole_sentences(outside):
    r = kb("--help", cwd=outside)
    commands = r.stdout.split("Commands:")[1].split("Exit codes")[0]
    assert r.returncode == 0 and "..." not in commands
    text = " ".join(commands.split())
    assert "Find where a denial or dispute conflicts with documentation, strongest first." in text


# -- 9. the main job prints every finding, grouped by claim --------------------------------------

def test_seed_script_prints_every_finding_grouped_by_claim(seeded, outside):
    from helpers import REPO

    script = (REPO / "scripts" / "seed.sh").read_text(encoding="utf-8")
    line = next(x for x in script.splitlines() if x.startswith("kb conflicts"))
    assert "--top" not in line and "--by-claim" in line
    shown = kb(*line.split()[1:], cwd=outside)
    every = kb("conflicts", "--format", "json", cwd=outside)
    import json

    found = json.loads(every.stdout)
    assert shown.returncode == 0 and f"{len(found)} conflict(s) about {len({f['claim'] for f in found})} claim(s)" \
        in shown.stdout
    assert "Government of Armenia" in shown.stdout  # the only finding about Armenia's claim
    order = [f["claim"] for f in json.loads(kb(*line.split()[1:], "--format", "json", cwd=outside).stdout)]
    assert sorted(order) == sorted(f["claim"] for f in found)
    runs = [c for i, c in enumerate(order) if i == 0 or order[i - 1] != c]
    assert len(runs) == len(set(runs))  # each claim's findings together


# -- 2. the vocabulary's own words, and common synonyms ------------------------------------------

def test_every_label_and_synonym_names_one_code_within_its_scheme():
    import rdflib
    from rdflib.namespace import RDFS, SKOS

    from kb.model.authoring import all_records
    from kb.model.names import key
    from kb.model.terms import ontology

    g, checked = ontology(), 0
    for spec in all_records():
        for field in spec.fields:
            codes = field.codes()
            named: dict[str, set[str]] = {}
            for code, iri in codes.items():
                for word in [code, *(str(o) for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
                                     for o in g.objects(rdflib.URIRef(iri), p))]:
                    named.setdefault(key(word), set()).add(code)
            clashes = {w: c for w, c in named.items() if len(c) > 1}
            assert not clashes, f"{spec.key}.{field.name}: {clashes}"
            checked += len(named) > len(codes)
    assert checked >= 4  # stances, evidence, source kinds, actor kinds have synonyms


@pytest.mark.parametrize(("field", "word", "code"), [
    ("evidence", "Forensics", "forensic"), ("evidence", "witness statement", "testimony"),
    ("evidence", "official document", "official-record"), ("kind", "press release", "statement")])
def test_a_synonym_is_read_as_its_code(outside, tmp_path, field, word, code):
    source_kind = word if field == "kind" else "report"
    evidence = word if field == "evidence" else "photo"
    data = tmp_path / "d.yaml"
    data.write_text(f"""
actors:
  - {{id: paper, name: Paper, kind: media outlet}}
events:
  - {{id: ev1, label: Event one, date: 2020-10-01,
     documented_by: [{{source: src, evidence: {evidence}}}]}}
sources:
  - {{id: src, title: Report, kind: {source_kind}, publisher: paper, date: 2020-10-05}}
""", encoding="utf-8")
    store = tmp_path / "s"
    r = kb("-q", "build", str(data), cwd=outside, store=store)
    assert r.returncode == 0, r.stderr
    out = kb("export", "-f", "nt", "-o", "d.nt", cwd=outside, store=store)
    assert out.returncode == 0, out.stderr
    nt = (outside / "d.nt").read_text(encoding="utf-8")
    from kb.model.names import key

    expected = {"forensic": "#forensic>", "testimony": "#testimony>", "official-record": "#officialRecord>",
                "statement": "#OfficialStatement>"}[code]
    assert expected in nt, key(word)


def test_a_word_for_two_concepts_is_refused_with_both(outside, tmp_path):
    data = tmp_path / "w.yaml"
    data.write_text("""
actors:
  - {id: paper, name: Paper, kind: media}
events:
  - {id: ev1, label: Event one, date: 2020-10-01, documented_by: [{source: src, evidence: witness}]}
sources:
  - {id: src, title: Report, kind: report, publisher: paper, date: 2020-10-05}
""", encoding="utf-8")
    r = kb("build", str(data), cwd=outside, store=tmp_path / "s")
    assert r.returncode == 1
    assert "'eyewitness' (eyewitness report)" in r.stderr and "'testimony' (witness testimony)" in r.stderr, \
        r.stderr


# -- 12. notebooks: DataFrames and HTML ----------------------------------------------------------

def test_the_notebook_page_runs_as_written(tmp_path):
    import re
    import subprocess
    import sys

    from helpers import REPO

    page = (REPO / "docs" / "notebooks.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) >= 4 and "pip install 'evidence-kb[pandas]'" in page
    r = subprocess.run([sys.executable, "-c", "\n".join(blocks)], cwd=tmp_path, capture_output=True, text=True,
                       env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Human Rights Watch" in r.stdout and "ev:denies" in r.stdout and (tmp_path / ".kb").is_dir()


def test_a_finding_and_a_list_of_them_are_readable_html(seeded):
    from kb import KnowledgeBase

    found = KnowledgeBase(seeded).conflicts()
    card = found[0]._repr_html_()
    assert "Ilham Aliyev" in card and "<blockquote>We are not using them" in card and "Human Rights Watch" in card
    listing = found._repr_html_()
    assert listing.count("<tr>") == len(found) + 1 and f"{len(found)} finding(s)" in listing
    quoted = KnowledgeBase(seeded).rows("SELECT ?x WHERE { BIND('<b>&' AS ?x) }")
    assert "&lt;b&gt;&amp;" in quoted._repr_html_() and quoted.to_frame()["x"][0] == "<b>&"


# -- 10. the query page: the CLI's prefixes, readable columns ------------------------------------

BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll("#out th, #out td")) {
    const node = cell.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE) continue;
    for (const m of node.textContent.matchAll(/[^\\s-]+-?/g)) {  // a line may end after a hyphen
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set(Array.from(range.getClientRects(), r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium is absent")
def test_query_page_shows_the_cli_prefixes_and_whole_words(seeded, outside):
    """The page's table: the CLI's header and prefixed names, ids and IRIs never broken, words in
    text broken only after a hyphen."""
    import os
    import socket
    import subprocess
    import sys

    from helpers import CHROMIUM, REPO

    sync = pytest.importorskip("playwright.sync_api")
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--port", str(port), "--workers", "1"],
                            cwd=outside, env=dict(os.environ, PYTHONPATH=str(REPO)), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout.readline().startswith("serving ")
        cli = kb("query", "denials-by-actor", "--format", "csv", cwd=outside)
        with sync.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"http://127.0.0.1:{port}/")
            page.click('#library a[data-name="denials-by-actor"]')
            page.click("#run")
            page.wait_for_selector("#out table", timeout=120_000)
            header = page.eval_on_selector_all("#out th", "ths => ths.map(t => t.textContent)")
            cells = page.eval_on_selector_all("#out td", "tds => tds.map(t => t.textContent)")
            broken = page.evaluate(BROKEN_WORDS)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(30)
    assert header == cli.stdout.splitlines()[0].split(",")
    assert "ev:denies" in cells and not [c for c in cells if "https://w3id.org/evkb/ns#" in c]
    import csv
    import io

    stances = {r["stance"] for r in csv.DictReader(io.StringIO(cli.stdout))}
    assert {c for c in cells if c.startswith("ev:")} >= {s.replace("https://w3id.org/evkb/ns#", "ev:")
                                                        for s in stances}
    assert broken == [], broken

"""One actor under many names: the name key, candidate duplicates, same_as by name, mapping files at
import, and independence counted over the merged identities."""

from __future__ import annotations

import json

from helpers import REPO
from helpers import kb as run_kb

from kb import KnowledgeBase
from kb.errors import InputError
from kb.model.names import key

ACLED = REPO / "tests" / "corpus" / "acled-sample.csv"

ACTORS = """
actors:
  - {id: gov, name: Government of Armenia, kind: government}
  - {id: gov-acled, name: "Government of Armenia (2018-)", kind: government}
  - {id: trend, name: "Trend News Agency - English", kind: media}
  - {id: trend-az, name: Trend, aliases: ["Trend News Agency"], kind: media}
  - {id: hrw, name: Human Rights Watch, kind: organisation}
"""


def test_key_leaves_out_period_and_edition_suffixes() -> None:
    assert key("Government of Armenia (2018-)") == key("government of ARMENIA") == "government of armenia"
    assert key("Police Forces of Armenia (1998-2018)") == "police forces of armenia"
    assert key("Al Jazeera – Arabic") == key("Al-Jazeera") == "al jazeera"
    assert key("Trend News Agency - English") == "trend news agency"
    assert key("Foo - Bar") == "foo bar"            # a dash before another word is punctuation only
    assert key("(2018-)") == "2018"                  # a name that is only a suffix keeps it


def test_similar_lists_variants_aliases_and_same_as_urls(kb: KnowledgeBase, write) -> None:
    more = write("more.yaml", """
        actors:
          - {id: hrw-wd, name: HRW, kind: organisation, same_as_url: ["http://www.wikidata.org/entity/Q187052"]}
          - {id: hrw-2, name: H.R.W. Inc, kind: organisation, same_as_url: "http://www.wikidata.org/entity/Q187052"}
        """)
    kb.build([write("actors.yaml", ACTORS), more])
    pairs = {(p.a.id, p.b.id): p for p in kb.similar_actors()}
    assert set(pairs) == {("gov", "gov-acled"), ("trend", "trend-az"), ("hrw-2", "hrw-wd")}
    assert pairs[("gov", "gov-acled")].reasons[0].startswith("name variant: 'Government of Armenia'")
    assert pairs[("trend", "trend-az")].reasons[0].startswith("shared alias")
    assert any("same sameAs URL: <http://www.wikidata.org/entity/Q187052>" in r
               for r in pairs[("hrw-2", "hrw-wd")].reasons)
    assert pairs[("gov", "gov-acled")].a.files[0].endswith("actors.yaml")
    assert kb.stats().candidate_duplicates == 3


def test_same_as_by_name_confirms_a_pair(kb: KnowledgeBase, write) -> None:
    kb.build([write("actors.yaml", ACTORS)])
    mine = write("mine.yaml", """
        actors:
          - {id: my-armenia, name: Armenian government, kind: government,
             same_as: ["Government of Armenia (2018-)", gov]}
        """)
    kb.build([mine])
    pairs = {(p.a.id, p.b.id) for p in kb.similar_actors()}
    assert ("gov", "gov-acled") not in pairs      # confirmed: one identity through my-armenia
    assert kb.stats().candidate_duplicates == 1    # trend / trend-az remain
    ids = json.loads(kb.query("SELECT ?o WHERE { ?s <http://www.w3.org/2002/07/owl#sameAs> ?o }"))
    assert {b["o"]["value"].rsplit("/", 1)[-1] for b in ids["results"]["bindings"]} == {"gov", "gov-acled"}


def test_independence_counts_merged_identities(kb: KnowledgeBase, write) -> None:
    data = write("d.yaml", """
        actors:
          - {id: alice, name: Alice, kind: person}
          - {id: alice-agency, name: Alice's agency, kind: organisation}
        events:
          - {id: ev1, label: Event one, date: 2020-10-01,
             documented_by: [{source: rep, evidence: eyewitness}]}
        sources:
          - {id: rep, title: Report, kind: report, publisher: alice-agency, date: 2020-10-05}
        claims:
          - {id: c1, by: alice, stance: denies, about: ev1, text: "No."}
        """)
    kb.build([data])
    assert [c.independent_publishers for c in kb.conflicts()] == [1]
    kb.build([write("same.yaml", """
        actors:
          - {id: alice-again, name: Alice A., kind: person, same_as: [Alice, "Alice's agency"]}
        """)])
    assert [c.independent_publishers for c in kb.conflicts()] in ([], [0])


def test_two_publishers_confirmed_as_one_count_once(kb: KnowledgeBase, write) -> None:
    """Two documenting sources whose publishers are confirmed the same (``same_as`` by name in the
    person's own file) count as one independent publisher; until then as two."""
    kb.build([write("d.yaml", """
        actors:
          - {id: gov, name: Government, kind: government}
          - {id: wire, name: Northwind Wire, kind: media}
          - {id: wire-en, name: Northwind Wire - English, kind: media}
        sources:
          - {id: rep-1, title: Report one, kind: article, publisher: wire, date: 2020-10-05}
          - {id: rep-2, title: Report two, kind: article, publisher: wire-en, date: 2020-10-06}
        events:
          - {id: ev1, label: Event one, date: 2020-10-01,
             documented_by: [{source: rep-1, evidence: eyewitness}, {source: rep-2, evidence: photo}]}
        claims:
          - {id: c1, by: gov, stance: denies, about: ev1, text: "No."}
        """)])
    assert [c.independent_publishers for c in kb.conflicts()] == [2]
    assert kb.stats().candidate_duplicates == 1
    kb.build([write("mine.yaml", """
        actors:
          - {id: wire-confirmed, name: The wire, kind: media, same_as: [Northwind Wire, Northwind Wire - English]}
        """)])
    assert [c.independent_publishers for c in kb.conflicts()] == [1]
    assert kb.stats().candidate_duplicates == 0


def test_cli_similar_and_map_from_outside(outside, tmp_path) -> None:
    store = tmp_path / "store"
    (outside / "actors.yaml").write_text(ACTORS, encoding="utf-8")
    assert run_kb("build", "actors.yaml", cwd=outside, store=store).returncode == 0
    r = run_kb("actors", "--similar", "--json", cwd=outside, store=store)
    assert r.returncode == 0, r.stderr
    assert {(p["a"]["id"], p["b"]["id"]) for p in json.loads(r.stdout)} == {("gov", "gov-acled"),
                                                                            ("trend", "trend-az")}
    r = run_kb("actors", "--similar", cwd=outside, store=store)
    assert "name variant: 'Government of Armenia' ~ 'Government of Armenia (2018-)'" in r.stdout
    assert "2 candidate duplicate actor pair(s)" in run_kb("stats", cwd=outside, store=store).stdout

    (outside / "names.yaml").write_text('"Military Forces of Azerbaijan": gov\nArmenpress: nobody\n')
    before = run_kb("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv",
                    cwd=outside, store=store).stdout
    r = run_kb("import", "acled", str(ACLED), "--map", "names.yaml", cwd=outside, store=store)
    assert r.returncode != 0
    assert "names.yaml:2: no actor has the id 'nobody'" in r.stderr
    assert run_kb("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv",
                  cwd=outside, store=store).stdout == before

    (outside / "names.yaml").write_text('"Military Forces of Azerbaijan (2003-)": gov\n')
    r = run_kb("import", "acled", str(ACLED), "--map", "names.yaml", cwd=outside, store=store)
    assert r.returncode == 0, r.stderr
    q = ("SELECT ?n WHERE { ?a <http://www.w3.org/2000/01/rdf-schema#label> ?n } ")
    names = run_kb("query", q, "--format", "csv", cwd=outside, store=store).stdout
    assert "Military Forces of Azerbaijan" not in names          # mapped: no actor made
    assert "Military Forces of Armenia (1998-)" in names         # not mapped: made as before
    refs = run_kb("query", "SELECT (COUNT(*) AS ?n) WHERE { ?x ?p <https://w3id.org/evkb/id/gov> }",
                  "--format", "csv", cwd=outside, store=store).stdout
    assert int(refs.split()[-1]) > 0


def test_bad_map_file_is_located(kb: KnowledgeBase, write) -> None:
    bad = write("names.yaml", "- just\n- a list\n")
    try:
        kb.build([ACLED], fmt="acled", names_map=bad)
    except InputError as exc:
        assert [(p.line, "mapping of names" in p.message) for p in exc.problems] == [(1, True)]
    else:
        raise AssertionError("a list is no name mapping")
    assert not kb.exists

"""The on-disk store: transactions, provenance named graphs, snapshots, locking, exports."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from helpers import A, B

from kb import InputError, KnowledgeBase, StoreLockedError
from kb.model.graphs import PROVENANCE_GRAPH
from kb.store import Store


def graph_quads(path, graph: str) -> list[str]:
    with Store(path).reader() as db:
        return sorted(str(q) for q in db.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


def test_build_is_on_disk_and_survives_reopening(store_path, write):
    KnowledgeBase(store_path).build([write("a.yaml", A)])
    again = KnowledgeBase(store_path)
    assert again.stats().classes["Person"] == 1
    assert (store_path / "CURRENT").is_file()


def test_each_file_is_a_named_graph_with_prov_metadata(kb, write, store_path):
    a, b = write("a.yaml", A), write("b.yaml", B)
    kb.build([a, b])
    files = {f["path"].rsplit("/", 1)[-1]: f for f in kb.files()}
    assert set(files) == {"a.yaml", "b.yaml"}
    assert len(str(files["a.yaml"]["sha256"])) == 64 and files["a.yaml"]["triples"] > 0
    # where did the denial come from? ask the store with GRAPH
    with kb.snapshot() as db:
        rows = list(db.query(f"""
            SELECT ?path ?time WHERE {{
              GRAPH ?g {{ <https://w3id.org/evkb/id/c1> <https://w3id.org/evkb/ns#stance> ?s }}
              GRAPH <{PROVENANCE_GRAPH}> {{ ?g <https://w3id.org/evkb/ns#path> ?path ;
                                               <http://www.w3.org/ns/prov#generatedAtTime> ?time }} }}"""))
    assert len(rows) == 1 and rows[0]["path"].value.endswith("b.yaml")


def test_unchanged_file_is_skipped_and_changed_file_replaces_only_its_graph(kb, write, store_path):
    a, b = write("a.yaml", A), write("b.yaml", B)
    kb.build([a, b])
    gen = Store(store_path).current()
    report = kb.build([a, b])
    assert [f.status for f in report.files] == ["unchanged", "unchanged"]
    assert Store(store_path).current() == gen  # nothing written
    a_graph = next(f["graph"] for f in kb.files() if str(f["path"]).endswith("a.yaml"))
    before_a = graph_quads(store_path, a_graph)
    write("b.yaml", B.replace('"No."', '"Never."'))
    report = kb.build([a, b])
    assert [f.status for f in report.files] == ["unchanged", "loaded"]
    assert graph_quads(store_path, a_graph) == before_a
    with kb.snapshot() as db:
        texts = {r["t"].value for r in db.query(
            "SELECT ?t WHERE { GRAPH ?g { ?c <https://schema.org/text> ?t } }")}
    assert texts == {"Never."}


def test_failure_inside_transaction_leaves_previous_state(kb, write, store_path, dump, monkeypatch):
    kb.build([write("a.yaml", A)])
    before = dump(store_path)

    def boom(*args, **kwargs):
        raise RuntimeError("simulated crash during validation")

    monkeypatch.setattr("kb.build.pipeline.shacl_problems", boom)
    with pytest.raises(RuntimeError):
        kb.build([write("b.yaml", B)])
    assert dump(store_path) == before
    assert not [p for p in (store_path / "gen").iterdir() if p.name.startswith("tmp-")]


def test_shacl_violation_rolls_back(kb, write, store_path, dump):
    kb.build([write("a.yaml", A), write("b.yaml", B)])
    before = dump(store_path)
    # removing the event that b.yaml's claim is about breaks b.yaml: caught by SHACL (sh:class)
    write("a.yaml", "actors:\n  - {id: alice, name: Alice, kind: person}\n")
    with pytest.raises(InputError) as info:
        kb.build([write("a.yaml", "actors:\n  - {id: alice, name: Alice, kind: person}\n")])
    assert any(p.field == "about" and p.file.endswith("b.yaml") for p in info.value.problems), \
        info.value.problems
    assert dump(store_path) == before


def test_reader_keeps_its_snapshot_while_a_build_commits(kb, write, store_path):
    kb.build([write("a.yaml", A)])
    with kb.snapshot() as db:
        kb.build([write("b.yaml", B)])
        n_old = len(db)
        with kb.snapshot() as fresh:
            assert len(fresh) > n_old
        assert len(db) == n_old  # the old generation is still readable and unchanged


def test_second_writer_is_refused_with_a_clear_message(kb, write, store_path):
    kb.build([write("a.yaml", A)])
    with Store(store_path).lock(), pytest.raises(StoreLockedError) as info:
        kb.build([write("b.yaml", B)])
    assert "being written by pid" in str(info.value) and info.value.exit_code == 3


def test_old_generations_are_collected(kb, write, store_path):
    for i in range(4):
        kb.build([write("a.yaml", A.replace("Event one", f"Event {i}"))])
    gens = [p for p in (store_path / "gen").iterdir() if p.is_dir()]
    assert len(gens) == 1


def test_ids_become_iris_under_the_configured_base(store_path, write, tmp_path):
    a = write("a.yaml", A)
    kb1 = KnowledgeBase(tmp_path / "one", base="https://example.org/kb/")
    kb1.build([a])
    kb2 = KnowledgeBase(tmp_path / "two", base="https://example.org/kb/")
    kb2.build([a])
    with kb1.snapshot() as d1, kb2.snapshot() as d2:
        s1 = {q.subject.value for q in d1.quads_for_pattern(None, None, ox.Literal("alice"), None)}
        s2 = {q.subject.value for q in d2.quads_for_pattern(None, None, ox.Literal("alice"), None)}
    assert s1 == s2 == {"https://example.org/kb/alice"}


def test_dry_run_validation_stores_nothing(kb, write, store_path, dump):
    kb.build([write("a.yaml", A)])
    before = dump(store_path)
    assert kb.validate([write("b.yaml", B)]) == []
    assert dump(store_path) == before
    problems = kb.validate([write("c.yaml", B.replace("about: ev1", "about: nope"))])
    assert [p.field for p in problems] == ["about"]


@pytest.mark.parametrize("fmt,ox_format", [("trig", ox.RdfFormat.TRIG), ("nq", ox.RdfFormat.N_QUADS)])
def test_graph_exports_reimport_to_the_same_dataset(kb, write, store_path, dump, tmp_path, fmt, ox_format):
    kb.build()  # the seed
    out = kb.export(fmt, tmp_path / f"seed.{fmt}")
    fresh = ox.Store()
    fresh.load(path=str(out), format=ox_format)
    lines = sorted(ox.serialize(fresh, format=ox.RdfFormat.N_QUADS).splitlines())
    assert b"\n".join(lines) == dump(store_path)


@pytest.mark.parametrize("fmt,parse_as", [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_triple_exports_hold_the_union_of_file_graphs(kb, tmp_path, fmt, parse_as):
    import rdflib
    from rdflib.compare import isomorphic

    kb.build()
    out = kb.export(fmt, tmp_path / f"seed.{fmt}")
    exported = rdflib.Graph().parse(out, format=parse_as)
    expected = rdflib.Graph()
    with kb.snapshot() as db:
        nt = ox.serialize(db.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{PROVENANCE_GRAPH}> "
            "&& ?p != <https://w3id.org/evkb/ns#nameKey>) }"),  # derived name keys: not exported
            format=ox.RdfFormat.N_TRIPLES)
    expected.parse(data=nt, format="nt")
    assert len(expected) > 100
    assert isomorphic(exported, expected)

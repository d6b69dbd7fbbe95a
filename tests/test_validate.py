"""SHACL validation: pyshacl-turbo reports what pySHACL reports, and a build checks what it touches."""

from __future__ import annotations

import re
from collections import Counter

import pyoxigraph as ox
import pyshacl
import rdflib
from helpers import REPO, A, B

from kb.build.validate import data_store, focus_of, shacl_problems
from kb.model.terms import SH, ontology, shapes
from kb.store import Store

VIOLATIONS = REPO / "tests" / "corpus" / "shacl" / "violations.ttl"
C = """
actors:
  - {id: bob, name: Bob, kind: person}
events:
  - {id: ev2, label: Event two, date: 2021-01-01}
claims:
  - {id: c2, by: bob, stance: asserts, about: ev2, text: "Yes."}
"""


def _results(report: rdflib.Graph) -> Counter:
    """(focus, path, message, value) of each result; blank nodes made anonymous."""
    def plain(node: rdflib.term.Node | None) -> str | None:
        return None if node is None or isinstance(node, rdflib.BNode) else str(node)

    return Counter((plain(report.value(r, SH.focusNode)), plain(report.value(r, SH.resultPath)),
                    str(report.value(r, SH.resultMessage)), plain(report.value(r, SH.value)))
                   for r in report.subjects(rdflib.RDF.type, SH.ValidationResult))


def test_turbo_reports_what_pyshacl_reports():
    db = ox.Store()
    db.load(path=str(VIOLATIONS), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:evkb:file:v"))
    data = data_store(db)  # the store's canonical literals, as the build validates them
    reference = rdflib.Graph().parse(data=ox.serialize(data, format=ox.RdfFormat.N_QUADS), format="nquads")
    _ok, expected, _ = pyshacl.validate(reference, shacl_graph=shapes(), inference="none",
                                        allow_warnings=True)
    problems = shacl_problems(db)
    assert len(problems) == sum(_results(expected).values()) >= 25
    import pyshacl_turbo

    _ok, got, _ = pyshacl_turbo.compile_shapes(shapes()).validate(data, allow_warnings=True)
    assert _results(got) == _results(expected)
    fields = {p.field for p in problems}
    assert {"by", "stance", "about", "text", "date", "url", "publisher", "latitude", "longitude",
            "part_of", "place", "same_as", "affiliated_with", "derived_from", "stated_in"} <= fields
    assert len(ontology()) > 0


def test_a_changed_file_checks_only_what_it_touches(kb, write, store_path):
    kb.build([write("a.yaml", A), write("b.yaml", B), write("c.yaml", C)])
    graph = {str(f["path"]).rsplit("/", 1)[-1]: str(f["graph"]) for f in kb.files()}
    base = "https://w3id.org/evkb/id/"
    with Store(store_path).reader() as db:
        focus = {n.value for n in focus_of(db, {graph["a.yaml"]})}
    # a.yaml's records, and the records of b.yaml that point at them; nothing of c.yaml
    assert focus == {base + i for i in ("alice", "ev1", "src", "c1")}


def test_a_focused_check_finds_what_a_full_check_finds(kb, write, store_path):
    kb.build([write("a.yaml", A), write("b.yaml", B)])
    with Store(store_path).reader() as stored:
        db = ox.Store()
        db.bulk_extend(stored)
    broken = ox.NamedNode("urn:evkb:file:broken")
    db.load(path=str(VIOLATIONS), format=ox.RdfFormat.TURTLE, to_graph=broken)
    def summary(problems: list) -> list[tuple[str, str]]:  # blank node labels differ between runs
        return sorted((p.field or "", re.sub(r"^<[0-9a-f]+>", "<_>", p.message)) for p in problems)

    full = summary(shacl_problems(db))
    focused = summary(shacl_problems(db, focus=focus_of(db, {broken.value})))
    assert focused == full and len(full) >= 25

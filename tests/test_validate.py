"""SHACL validation: pyshacl-turbo reports what pySHACL reports, and a build checks what it touches."""

from __future__ import annotations

import contextlib
import random
import re
from collections import Counter

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from helpers import REPO, A, B

from kb import KnowledgeBase
from kb.build.compile import compile_batch
from kb.build.inputs import find_inputs
from kb.build.validate import check_shapes, data_store, focus_of, shacl_problems, store_violations
from kb.errors import InputError
from kb.model.graphs import is_provenance
from kb.model.terms import DEFAULT_BASE, SH, ontology, shapes
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


# --- the shapes compiled to SPARQL (kb.build.shape_queries) against pySHACL --------------------

CORPUS = REPO / "tests" / "corpus"


def _plain(node) -> str | None:
    """A term as pySHACL's report and the compiled queries both give it (blank nodes anonymous)."""
    if node is None or isinstance(node, (rdflib.BNode, ox.BlankNode)):
        return None
    return node.value if isinstance(node, (ox.NamedNode, ox.Literal)) else str(node)


def _pyshacl_results(db: ox.Store) -> Counter:
    data = data_store(db)
    reference = rdflib.Graph().parse(data=ox.serialize(data, format=ox.RdfFormat.N_QUADS), format="nquads")
    _ok, report, _ = pyshacl.validate(reference, shacl_graph=shapes(), inference="none", allow_warnings=True)
    return _results(report)


def _turbo_results(db: ox.Store) -> Counter:
    import pyshacl_turbo

    _ok, report, _ = pyshacl_turbo.compile_shapes(shapes()).validate(data_store(db), allow_warnings=True)
    return _results(report)


def _assert_as_pyshacl(db: ox.Store) -> int:
    """The compiled shapes find what pySHACL finds, but for one place where pySHACL departs from
    the SHACL spec: sh:lessThanOrEquals between values that cannot be compared (a date and a
    number) is a violation by the spec, and pySHACL orders them as rdflib does; there the compiled
    shapes give what pyshacl-turbo (which follows the spec) gives. Returns pySHACL's count."""
    expected, got = _pyshacl_results(db), _compiled_results(db)
    assert not expected - got
    spec = got - expected
    paths = {str(shapes().value(s, SH.path)) for s in shapes().subjects(SH.lessThanOrEquals, None)}
    assert all(path in paths for _f, path, _m, _v in spec), (spec, paths)
    assert spec == _turbo_results(db) - expected
    return sum(expected.values())


def _compiled_results(db: ox.Store) -> Counter:
    return Counter((_plain(v.focus), v.path, v.message, _plain(v.value)) for v in store_violations(db))


def _corpus_store(path) -> ox.Store:
    """What a corpus file gives the store: the statements its loader and the record compiler make
    of it (whatever they refuse besides), or, for an RDF file, what Oxigraph parses of it."""
    db = ox.Store()
    files, _problems = find_inputs([path])
    if files:
        batch, _problems = compile_batch(files, DEFAULT_BASE, None)
        for p in batch.parsed:
            g = ox.NamedNode(p.input.graph)
            db.extend(ox.Quad(q.subject, q.predicate, q.object, g) for q in batch.quads(p))
            if p.load_into is not None:
                with contextlib.suppress(InputError):  # a file that does not parse: nothing of it
                    p.load_into(db, g)
    for q in [q for q in db if isinstance(q.object, ox.Triple)]:  # triple terms: refused, never stored
        db.remove(q)
    return db


CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and "w3c-protocol" not in p.parts
                      and p.suffix not in {".tsv", ".md", ".txt", ".html", ".png"})


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_compiled_shapes_report_what_pyshacl_reports_on_the_corpus(path):
    _assert_as_pyshacl(_corpus_store(path))


def test_the_corpus_gives_the_compiled_shapes_something_to_find():
    """The comparison above is not over empty stores only: the corpus carries statements and
    violations (the SHACL fixture, the Turtle file that breaks the shapes)."""
    stores = {p.name: _corpus_store(p) for p in CORPUS_FILES}
    assert sum(len(db) for db in stores.values()) > 1_000
    assert sum(_compiled_results(stores["rdf-turtle-breaks-shapes.ttl"]).values()) > 0
    assert sum(_compiled_results(stores["violations.ttl"]).values()) >= 25


def _seed_store(tmp_path) -> ox.Store:
    kb = KnowledgeBase(tmp_path / "seed")
    kb.build()
    db = ox.Store()
    with kb.snapshot() as snap:
        db.extend(q for q in snap if not is_provenance(q.graph_name))
    return db


def _mutate(db: ox.Store, rng: random.Random, n: int) -> ox.Store:
    """``n`` planted violations: a statement dropped, a value replaced by one of another class, a
    literal, an ill-typed or out-of-range literal, or a second value."""
    quads = list(db)
    nodes = sorted({q.subject for q in quads if isinstance(q.subject, ox.NamedNode)}, key=str)
    literals = [ox.Literal("not a date", datatype=ox.NamedNode(str(rdflib.XSD.date))),
                ox.Literal("2021-02-30", datatype=ox.NamedNode(str(rdflib.XSD.date))),
                ox.Literal("123.4", datatype=ox.NamedNode(str(rdflib.XSD.decimal))),
                ox.Literal("javascript:alert(1)"), ox.Literal("x", language="en"), ox.Literal("7")]
    out = ox.Store()
    out.extend(quads)
    for _ in range(n):
        q = rng.choice(quads)
        how = rng.randrange(4)
        if how == 0:
            out.remove(q)
        elif how == 1:
            out.add(ox.Quad(q.subject, q.predicate, rng.choice(nodes), q.graph_name))
        elif how == 2:
            out.add(ox.Quad(q.subject, q.predicate, rng.choice(literals), q.graph_name))
        else:
            out.remove(q)
            out.add(ox.Quad(q.subject, q.predicate, rng.choice(literals + nodes), q.graph_name))
    return out


def test_compiled_shapes_report_what_pyshacl_reports_on_planted_violations(tmp_path):
    seed = _seed_store(tmp_path)
    assert not _compiled_results(seed) and not _pyshacl_results(seed)
    rng = random.Random(21)
    found = 0
    for n in (1, 1, 2, 3, 5, 8, 13, 21, 40, 80):
        found += _assert_as_pyshacl(_mutate(seed, rng, n))
    assert found > 50


def test_the_build_and_kb_validate_use_the_compiled_shapes_on_the_store(kb, write, store_path):
    """A build that writes everything is checked on the store by the compiled queries (nothing is
    staged in memory) and reports pySHACL's violations, located."""
    kb.build([write("a.yaml", A)])
    with Store(store_path).reader() as db:
        check = check_shapes(db)
        assert check.data is db and check.conforms
    bad = REPO / "tests" / "corpus" / "bad" / "rdf-turtle-breaks-shapes.ttl"
    with pytest.raises(InputError) as err:
        kb.build([bad])
    fields = {p.field for p in err.value.problems}
    db = _corpus_store(bad)
    assert len(err.value.problems) == sum(_pyshacl_results(db).values()) > 0 and "by" in fields


def test_no_shape_reads_what_a_build_derives_so_the_shapes_can_be_checked_while_it_is_written():
    """kb.build.validate.check_change checks the whole store's shapes in a second thread while the
    build writes its name keys and provenance: sound only if no compiled shape query can read them
    (no derived predicate named, no triple pattern with a variable predicate, file graphs only)."""
    from kb.build import validate
    from kb.model.terms import shapes

    def every(checks):
        for c in checks:
            yield c
            yield from every(c.nested or ())

    queries = [c.query for c in every(validate._shape_queries())]
    assert len(queries) > 50
    variable_predicate = re.compile(r"\?\w+\s+\?\w+\s+[?<\"_]")
    labelled_term = re.compile(r'\(<[^>]*>\s+"(?:[^"\\]|\\.)*"\)')  # (term "label") of a VALUES list: data
    for q in queries:
        assert not variable_predicate.search(q), q
        read = labelled_term.sub("", q)
        for p in validate.DERIVED_PREDICATES:
            assert p.value not in read
    graph = shapes()
    for p in validate.DERIVED_PREDICATES:
        node = rdflib.URIRef(p.value)
        assert (node, None, None) not in graph and (None, None, node) not in graph
        assert (None, node, None) not in graph


def test_a_whole_build_refuses_a_shape_violation_found_while_the_derived_statements_are_written(tmp_path):
    """The shapes checked beside the name keys still refuse the build, and leave the store as it was."""
    from kb import KnowledgeBase
    from kb.errors import InputError
    from kb.store import Store

    kb = KnowledgeBase(tmp_path / "store")
    kb.build()
    before = Store(kb.path).current()
    bad = tmp_path / "bad.nt"  # a streamed N-Triples file: the whole-store check runs
    bad.write_text('<https://w3id.org/evkb/id/x> <http://purl.org/dc/terms/identifier> "x" .\n'
                   '<https://w3id.org/evkb/id/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                   '<https://w3id.org/evkb/ns#Claim> .\n')
    with pytest.raises(InputError) as exc:
        kb.build([bad])
    assert any(p.file.endswith("bad.nt") for p in exc.value.problems)
    assert Store(kb.path).current() == before

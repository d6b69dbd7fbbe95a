"""The ontology parses, every term is documented, and data uses only declared terms."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

import kb
from kb import KnowledgeBase
from kb.model.authoring import all_records, records, value_kinds
from kb.model.kinds import CHECKERS
from kb.model.terms import EV, authoring, class_codes, concept_codes, declared_terms, ontology, shapes


def test_ontology_and_shapes_parse():
    assert len(ontology()) > 200
    assert len(shapes()) > 50


def test_every_ev_term_has_label_and_comment():
    g = ontology()
    undocumented = []
    for s in set(g.subjects()):
        if (isinstance(s, rdflib.URIRef) and str(s).startswith(str(EV))
                and (g.value(s, RDFS.label) is None or g.value(s, RDFS.comment) is None)):
            undocumented.append(str(s))
    assert undocumented == []


def test_every_declared_term_has_label_and_comment():
    g = ontology()
    missing = [str(t) for t in declared_terms()
               if g.value(t, RDFS.label) is None or g.value(t, RDFS.comment) is None]
    assert missing == []


def test_codes_come_from_the_ontology():
    assert set(class_codes(str(EV.Actor))) == {"person", "organisation", "government", "media"}
    assert set(concept_codes(str(EV.Stances))) == {"asserts", "denies", "disputes"}
    assert {"eyewitness", "photo", "video", "satellite", "forensic", "testimony",
            "official-record", "news-report"} <= set(concept_codes(str(EV.EvidenceTypes)))


def test_authoring_fields_point_at_declared_terms():
    declared = {str(t) for t in declared_terms()}
    for spec in all_records():
        assert spec.cls in declared, spec.key
        for f in spec.fields:
            for prop in (*f.properties, f.start_property, f.end_property):
                if prop:
                    assert prop in declared, (spec.key, f.name, prop)
    assert set(records()) == {"actors", "places", "sources", "events", "claims"}


def test_shapes_only_use_declared_terms():
    declared = {str(t) for t in declared_terms()}
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    g = shapes()
    for path in g.objects(None, sh.path):
        items = list(rdflib.collection.Collection(g, path)) if isinstance(path, rdflib.BNode) else [path]
        for p in items:
            assert str(p) in declared, p
    for cls in g.objects(None, sh.targetClass):
        assert str(cls) in declared, cls


def test_seed_uses_only_declared_terms(tmp_path):
    kb = KnowledgeBase(tmp_path / "s")
    kb.build()
    declared = {str(t) for t in declared_terms()}
    with kb.snapshot() as db:
        predicates = {q.predicate.value for q in db}
        types = {q.object.value for q in db.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), None, None)}
    assert predicates - declared == set()
    assert types - declared == set()


def test_undeclared_term_in_data_is_detected():
    """The check above is not vacuous: a made-up predicate is not declared."""
    assert str(EV.madeUpProperty) not in {str(t) for t in declared_terms()}
    assert (EV.claimant, RDF.type, OWL.ObjectProperty) in ontology()


def _ev_terms_named_in_kb() -> dict[str, set[str]]:
    """Every ev: term the code names: ``EV.x`` / ``EV["x"]`` in Python, ``ev:x`` in queries and strings."""
    pattern = re.compile(r"\bEV\.([A-Za-z_]\w*)|\bEV\[\"(\w+)\"\]|(?<![\w/#])ev:([A-Za-z_][\w-]*)")
    found: dict[str, set[str]] = {}
    for path in Path(kb.__file__).parent.rglob("*"):
        if path.suffix in (".py", ".rq", ".html", ".js"):
            for m in pattern.finditer(path.read_text(encoding="utf-8")):
                found.setdefault(next(x for x in m.groups() if x), set()).add(path.name)
    return found


def test_every_ev_term_the_code_names_is_declared():
    """What ``terms.py`` promises: a term named in Python or in a query exists in the ontology
    (evidence.ttl, or the authoring vocabulary of authoring.ttl)."""
    declared = {str(t) for t in declared_terms()}
    declared |= {str(s) for s in authoring().subjects(RDF.type, None) if str(s).startswith(str(EV))}
    found = _ev_terms_named_in_kb()
    assert {"stance", "documentedBy", "code", "kind"} <= set(found)  # the scan sees Python and queries
    assert {n: sorted(f) for n, f in found.items() if str(EV[n]) not in declared} == {}


def test_one_checker_per_value_kind_the_ontology_declares():
    assert set(CHECKERS) == set(value_kinds())
    assert {f.kind for spec in all_records() for f in spec.fields} <= set(value_kinds())

"""The ontology parses, every term is documented, and data uses only declared terms."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from kb import KnowledgeBase
from kb.model.authoring import all_records, records
from kb.model.terms import EV, class_codes, concept_codes, declared_terms, ontology, shapes


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

"""Namespaces, and the terms the code needs, read from the ontology files.

The ontology (``ontology/*.ttl``) is the single source of truth: the authoring codes ("person",
"denies", "video"), the class hierarchy and the shortcut chains are all read from it here.
Every ``ev:`` term the code names (``EV.stance``, ``ev:documentedBy`` in a query) is checked against
the ontology by ``tests/test_ontology.py``, so a typo or a term removed from the ontology fails the
suite instead of producing silent, undeclared data.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

import rdflib
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

EV = rdflib.Namespace("https://w3id.org/evkb/ns#")
SCHEMA = rdflib.Namespace("https://schema.org/")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")

PREFIXES: dict[str, str] = {
    "ev": str(EV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "schema": str(SCHEMA),
}

DEFAULT_BASE = "https://w3id.org/evkb/id/"
# Schemes a base may not have: an IRI under them would run code or hide content when followed.
REFUSED_BASE_SCHEMES = frozenset({"javascript", "vbscript", "data"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):.+", re.DOTALL)


def check_base(base: str) -> str:
    """``base`` if it can prefix record ids (``--base``, ``$KB_BASE``); else ValueError saying why.

    A base is an absolute IRI (it has a scheme) ending in ``/`` or ``#``, with no control,
    space or reserved characters (``<>"{}|\\^```), whose scheme is not javascript, vbscript or data.
    """
    shown = repr(base)[:120]
    m = _SCHEME.fullmatch(base)
    if not m:
        raise ValueError(f"invalid base IRI {shown}: it must be an absolute IRI (such as "
                         f"{DEFAULT_BASE}) ending in '/' or '#'")
    if m.group(1).lower() in REFUSED_BASE_SCHEMES:
        raise ValueError(f"invalid base IRI {shown}: {m.group(1).lower()}: IRIs are refused")
    bad = next((c for c in base if ord(c) < 0x21 or 0x7f <= ord(c) <= 0x9f or c in '<>"{}|\\^`'), None)
    if bad is not None:
        raise ValueError(f"invalid base IRI {shown}: it contains the character {bad!r}")
    if not base.endswith(("/", "#")):
        raise ValueError(f"invalid base IRI {shown}: it must end in '/' or '#' (ids are appended to it)")
    try:
        import pyoxigraph

        pyoxigraph.NamedNode(base + "x")
    except ValueError as exc:
        raise ValueError(f"invalid base IRI {shown}: {exc}") from None
    return base

__all__ = [
    "DCTERMS", "DEFAULT_BASE", "EV", "OWL", "PREFIXES", "PROV", "RDF", "RDFS", "SCHEMA", "SH",
    "SKOS", "XSD", "authoring", "check_base", "class_codes", "concept_codes", "declared_terms", "label",
    "ontology", "ontology_dir", "shapes", "sparql_prefixes", "subclasses",
]


def ontology_dir() -> Path:
    """The folder holding evidence.ttl, shapes.ttl and authoring.ttl."""
    here = Path(__file__).resolve().parents[2] / "ontology"
    if (here / "evidence.ttl").is_file():
        return here
    return Path(str(resources.files("kb") / "ontology"))


@cache
def _graph(name: str) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(ontology_dir() / name, format="turtle")
    return g


def ontology() -> rdflib.Graph:
    """The ontology (``evidence.ttl``) as an rdflib graph (parsed once)."""
    return _graph("evidence.ttl")


def shapes() -> rdflib.Graph:
    """The SHACL shapes (``shapes.ttl``)."""
    return _graph("shapes.ttl")


def authoring() -> rdflib.Graph:
    """The authoring-format mapping (``authoring.ttl``)."""
    return _graph("authoring.ttl")


@cache
def declared_terms() -> frozenset[rdflib.URIRef]:
    """Every class and property the ontology declares."""
    kinds = {OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
             OWL.AnnotationProperty, RDF.Property, SKOS.Concept, SKOS.ConceptScheme}
    g = ontology()
    return frozenset(s for s, k in g.subject_objects(RDF.type) if k in kinds
                     and isinstance(s, rdflib.URIRef))


@cache
def subclasses(cls: str) -> frozenset[str]:
    """``cls`` and all its subclasses declared in the ontology."""
    g = ontology()
    return frozenset(str(c) for c in g.transitive_subjects(RDFS.subClassOf, rdflib.URIRef(cls)))


@cache
def class_codes(parent: str) -> dict[str, str]:
    """Authoring code -> class IRI for the subclasses of ``parent`` that carry an ``ev:code``."""
    g = ontology()
    out = {}
    for c in subclasses(parent):
        code = g.value(rdflib.URIRef(c), EV.code)
        if code is not None:
            out[str(code)] = c
    return dict(sorted(out.items()))


@cache
def concept_codes(scheme: str) -> dict[str, str]:
    """Authoring code -> concept IRI for the concepts of a SKOS scheme (and of the schemes it
    includes, ``ev:includesScheme``)."""
    g = ontology()
    out = {str(g.value(c, EV.code)): str(c) for c in g.subjects(SKOS.inScheme, rdflib.URIRef(scheme))
           if g.value(c, EV.code) is not None}
    for included in g.objects(rdflib.URIRef(scheme), EV.includesScheme):  # ev:includesScheme
        out = concept_codes(str(included)) | out
    return dict(sorted(out.items()))


def label(iri: str) -> str:
    """The ontology's rdfs:label of a term, or its local name."""
    value = ontology().value(rdflib.URIRef(iri), RDFS.label)
    return str(value) if value is not None else iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace in :data:`PREFIXES`."""
    return "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())

"""The knowledge base projected into a NetworkX graph of records and typed edges.

Nodes are records (actors, places, sources, events, claims), keyed by IRI, with their authoring
``id``, ``cls`` (actor, place, source, event, claim), ``kind`` (person, report, ...; ``stance`` for
claims), ``label``, literal fields and the ``file`` they were loaded from. Edges are the object
properties between records, keyed by the authoring field name (``about``, ``by``, ``part_of``,
``publisher``, ...), with the property IRI in ``property``. A documentation of an event by a source
is one ``documented_by`` edge event -> source carrying ``evidence`` and ``quote``.

The projection is read with standard SPARQL 1.1 SELECT queries through any :class:`Endpoint`,
so the same code projects the embedded store and a remote SPARQL server.
"""

from __future__ import annotations

from functools import cache

import networkx as nx

from kb.model.authoring import all_records, records
from kb.model.graphs import PROVENANCE_GRAPH, graph_display
from kb.model.terms import EV, RDFS, SCHEMA, class_codes, concept_codes, sparql_prefixes, subclasses
from kb.sparql.endpoint import Endpoint

_LABEL = str(RDFS.label)
_INTERVAL = {str(SCHEMA.startDate): "startDate", str(SCHEMA.endDate): "endDate"}


@cache
def _record_classes() -> dict[str, str]:
    """Class IRI (including subclasses) -> record key word (actor, place, source, event, claim)."""
    out = {}
    for key, spec in records().items():
        word = key[:-1] if key.endswith("s") else key
        for c in subclasses(spec.cls):
            out[c] = word
    return out


@cache
def _kind_codes() -> dict[str, str]:
    """Subclass IRI or concept IRI -> authoring code (person, report, denies, ...)."""
    out: dict[str, str] = {}
    for spec in all_records():
        for f in spec.fields:
            if f.kind in ("ClassCode", "ConceptCode"):
                out.update({iri: code for code, iri in f.codes().items()})
    return out


@cache
def _field_names() -> dict[tuple[str, str], str]:
    """(record word, property IRI) -> authoring field name."""
    out = {}
    for key, spec in records().items():
        word = key[:-1] if key.endswith("s") else key
        for f in spec.fields:
            for p in f.properties:
                out[(word, p)] = f.name
            for p in (f.start_property, f.end_property):
                if p:
                    out[(word, p)] = f.name
    return out


def _not_provenance() -> str:
    return f"FILTER(?g != <{PROVENANCE_GRAPH}>)"


def project(endpoint: Endpoint) -> nx.MultiDiGraph:
    """Project every record and every typed edge between records into a MultiDiGraph."""
    g = nx.MultiDiGraph()
    classes = _record_classes()
    codes = _kind_codes()
    prefixes = sparql_prefixes()
    q_nodes = prefixes + f"""
        SELECT ?s ?id ?t ?g WHERE {{ GRAPH ?g {{ ?s dcterms:identifier ?id ; a ?t }} {_not_provenance()} }}"""
    for row in endpoint.select(q_nodes):
        cls = classes.get(row["t"])
        if cls is None:
            continue
        attrs = g.nodes[row["s"]] if row["s"] in g else None
        if attrs is None:
            g.add_node(row["s"], id=row["id"], cls=cls, file=graph_display(row["g"]), iri=row["s"])
            attrs = g.nodes[row["s"]]
        if row["t"] in codes:
            attrs["kind"] = codes[row["t"]]
    names = _field_names()
    q_literals = prefixes + f"""
        SELECT ?s ?p ?o ?lang WHERE {{ GRAPH ?g {{ ?s dcterms:identifier ?id ; ?p ?o
          FILTER(isLiteral(?o) && ?p != dcterms:identifier) BIND(LANG(?o) AS ?lang) }}
          {_not_provenance()} }}"""
    for row in endpoint.select(q_literals):
        s = row["s"]
        if s not in g:
            continue
        attrs = g.nodes[s]
        p = row["p"]
        value = row["o"]
        if p == _LABEL:
            attrs["label"] = value
        if p in _INTERVAL:
            attrs[_INTERVAL[p]] = value
            continue
        # only the ontology's own terms get a short name; any other predicate keeps its full IRI,
        # so a data file cannot forge a record's id, file, kind or label with a look-alike term
        name = names.get((attrs["cls"], p), p)
        if name == "aliases":
            lang = row.get("lang")
            attrs.setdefault("aliases", []).append(f"{value}@{lang}" if lang else value)
        else:
            attrs[name] = value
    stance = str(EV.stance)
    q_edges = prefixes + f"""
        SELECT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s dcterms:identifier ?sid ; ?p ?o FILTER(isIRI(?o)) }}
          {_not_provenance()} FILTER(?p != rdf:type && ?p != ev:qualifiedDocumentation
                                     && ?p != ev:documentedBy) }}"""
    for row in endpoint.select(q_edges):
        s, p, o = row["s"], row["p"], row["o"]
        if s not in g:
            continue
        if p == stance:
            g.nodes[s]["stance"] = codes.get(o, o)
            continue
        if o not in g:
            continue
        name = names.get((g.nodes[s]["cls"], p), p)
        if not g.has_edge(s, o, key=name):
            g.add_edge(s, o, key=name, property=p)
    q_docs = prefixes + f"""
        SELECT ?e ?src ?type ?quote WHERE {{ GRAPH ?g {{ ?e ev:qualifiedDocumentation ?d .
          ?d ev:documentingSource ?src ; ev:evidenceType ?type . OPTIONAL {{ ?d schema:text ?quote }} }}
          {_not_provenance()} }}"""
    for row in endpoint.select(q_docs):
        e, src = row["e"], row["src"]
        if e not in g or src not in g:
            continue
        evidence = codes.get(row["type"], row["type"])
        g.add_edge(e, src, key=f"documented_by:{evidence}", property=str(EV.documentedBy),
                   evidence=evidence, quote=row.get("quote"))
    from kb.analysis.candidates import add_extras  # local: candidates builds on this module's Endpoint

    add_extras(g, endpoint)
    for _n, attrs in g.nodes(data=True):
        attrs.setdefault("label", attrs.get("text") or attrs["id"])
    return g


def edge_label(key: str) -> str:
    """The field name of an edge key (``documented_by:video`` -> ``documented_by``)."""
    return key.split(":", 1)[0]


__all__ = ["class_codes", "concept_codes", "edge_label", "project"]

"""The knowledge base projected into a NetworkX graph of records and typed edges.

Nodes are records (actors, places, sources, events, claims), keyed by IRI, with their authoring
``id``, ``cls`` (actor, place, source, event, claim), ``kind`` (person, report, ...; ``stance`` for
claims), ``label``, literal fields and the ``file`` they were loaded from. Edges are the object
properties between records, keyed by the authoring field name (``about``, ``by``, ``part_of``,
``publisher``, ...), with the property IRI in ``property``. A documentation of an event by a source
is one ``documented_by`` edge event -> source carrying ``evidence`` and ``quote``.

The projection is read with standard SPARQL 1.1 SELECT queries through any :class:`Endpoint`,
so the same code projects the embedded store and a remote SPARQL server. Every predicate it reads
comes from the authoring mapping (``ontology/authoring.ttl``, through :func:`terms`), which
:mod:`kb.analysis.candidates` shares for its leaner subgraph.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import networkx as nx

from kb.model.authoring import Field, all_records, nested_records, records, shortcut
from kb.model.graphs import PROVENANCE_GRAPH, graph_display
from kb.model.names import record_word
from kb.model.terms import DCTERMS, EV, RDF, RDFS, class_codes, concept_codes, subclasses
from kb.sparql.endpoint import Endpoint

_LABEL = str(RDFS.label)


def field(key: str, name: str) -> Field:
    """The authoring field ``key.name`` (``claims.stance``), failing if authoring.ttl has none."""
    spec = records().get(key) or nested_records()[key]
    f = spec.field(name)
    if f is None:
        raise KeyError(f"authoring.ttl has no field {key}.{name}")
    return f


@dataclass(frozen=True)
class Terms:
    """The predicates both projections read, each the property of an authoring field."""

    stance: str                 # claims.stance
    text: str                   # claims.text
    documented_by: str          # events.documented_by: event -> documentation node
    documented_by_short: str    # its owl:propertyChainAxiom shortcut: event -> source
    doc_source: str             # documentation.source
    doc_evidence: str           # documentation.evidence
    doc_quote: str              # documentation.quote
    interval: dict[str, str]    # start/end property of a DateOrInterval -> its attribute (startDate, endDate)


@cache
def terms() -> Terms:
    """The :class:`Terms`, read from the authoring mapping of the ontology."""
    documented_by, source = field("events", "documented_by").properties[0], field("documentation", "source")
    interval = {p: p.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for spec in all_records() for f in spec.fields
                for p in (f.start_property, f.end_property) if p}
    return Terms(stance=field("claims", "stance").properties[0], text=field("claims", "text").properties[0],
                 documented_by=documented_by,
                 documented_by_short=shortcut(documented_by, source.properties[0]) or documented_by,
                 doc_source=source.properties[0],
                 doc_evidence=field("documentation", "evidence").properties[0],
                 doc_quote=field("documentation", "quote").properties[0], interval=interval)


def scope() -> str:
    """The SPARQL filter that leaves the provenance graph out (for a pattern in ``GRAPH ?g``)."""
    return f"FILTER(?g != <{PROVENANCE_GRAPH}>)"


@cache
def _record_classes() -> dict[str, str]:
    """Class IRI (including subclasses) -> record key word (actor, place, source, event, claim)."""
    return {c: record_word(key) for key, spec in records().items() for c in subclasses(spec.cls)}


@cache
def kind_codes() -> dict[str, str]:
    """Subclass IRI or concept IRI -> authoring code (person, report, denies, video, ...)."""
    out: dict[str, str] = {}
    for spec in all_records():
        for f in spec.fields:
            out.update({iri: code for code, iri in f.codes().items()})
    return out


@cache
def _field_names() -> dict[tuple[str, str], str]:
    """(record word, property IRI) -> authoring field name."""
    out = {}
    for key, spec in records().items():
        for f in spec.fields:
            for p in (*f.properties, f.start_property, f.end_property):
                if p:  # a property two fields write (aliases, dataset_aliases) reads as the first
                    out.setdefault((record_word(key), p), f.name)
    return out


@cache
def _tagged_lists() -> frozenset[str]:
    """The fields whose values are kept as a list of ``text@lang`` (a many LangText: aliases)."""
    return frozenset(f.name for spec in records().values() for f in spec.fields
                     if f.kind == "LangText" and f.many)


def _docs_query(t: Terms) -> str:
    return f"""SELECT ?e ?src ?type ?quote WHERE {{ GRAPH ?g {{ ?e <{t.documented_by}> ?d .
        ?d <{t.doc_source}> ?src ; <{t.doc_evidence}> ?type . OPTIONAL {{ ?d <{t.doc_quote}> ?quote }} }}
        {scope()} }}"""


def project(endpoint: Endpoint) -> nx.MultiDiGraph:
    """Project every record and every typed edge between records into a MultiDiGraph."""
    g = nx.MultiDiGraph()
    _add_nodes(g, endpoint)
    _add_literals(g, endpoint)
    _add_edges(g, endpoint)
    codes = kind_codes()
    for row in endpoint.select(_docs_query(terms())):
        e, src = row["e"], row["src"]
        if e not in g or src not in g:
            continue
        evidence = codes.get(row["type"], row["type"])
        g.add_edge(e, src, key=f"documented_by:{evidence}", property=terms().documented_by_short,
                   evidence=evidence, quote=row.get("quote"))
    add_extras(g, endpoint)
    for _n, attrs in g.nodes(data=True):
        attrs.setdefault("label", attrs.get("text") or attrs["id"])
    return g


def _add_nodes(g: nx.MultiDiGraph, endpoint: Endpoint) -> None:
    """A node per record (its id, record word, file), with the code of its class as ``kind``."""
    classes, codes = _record_classes(), kind_codes()
    q = f"""SELECT ?s ?id ?t ?g WHERE {{ GRAPH ?g {{ ?s <{DCTERMS.identifier}> ?id ; a ?t }} {scope()} }}"""
    for row in endpoint.select(q):
        cls = classes.get(row["t"])
        if cls is None:
            continue
        if row["s"] not in g:
            g.add_node(row["s"], id=row["id"], cls=cls, file=graph_display(row["g"]), iri=row["s"])
        if row["t"] in codes:
            g.nodes[row["s"]]["kind"] = codes[row["t"]]


def _add_literals(g: nx.MultiDiGraph, endpoint: Endpoint) -> None:
    """The literal fields of the records, by field name (aliases as a list, each with its language)."""
    names, interval, lists = _field_names(), terms().interval, _tagged_lists()
    q = f"""SELECT ?s ?p ?o ?lang WHERE {{ GRAPH ?g {{ ?s <{DCTERMS.identifier}> ?id ; ?p ?o
          FILTER(isLiteral(?o) && ?p != <{DCTERMS.identifier}> && ?p != <{EV.nameKey}>)
          BIND(LANG(?o) AS ?lang) }} {scope()} }}"""
    for row in endpoint.select(q):
        if row["s"] not in g:
            continue
        attrs, p, value = g.nodes[row["s"]], row["p"], row["o"]
        if p == _LABEL:
            attrs["label"] = value
        if p in interval:
            attrs[interval[p]] = value
            continue
        # only the ontology's own terms get a short name; any other predicate keeps its full IRI,
        # so a data file cannot forge a record's id, file, kind or label with a look-alike term
        name = names.get((attrs["cls"], p), p)
        if name in lists:
            lang = row.get("lang")
            attrs.setdefault("aliases", []).append(f"{value}@{lang}" if lang else value)
        else:
            attrs[name] = value


def _add_edges(g: nx.MultiDiGraph, endpoint: Endpoint) -> None:
    """An edge per object property between records, keyed by field name; a claim's stance code."""
    names, codes, t = _field_names(), kind_codes(), terms()
    q = f"""SELECT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s <{DCTERMS.identifier}> ?sid ; ?p ?o FILTER(isIRI(?o)) }}
          {scope()} FILTER(?p != <{RDF.type}> && ?p != <{t.documented_by}>
                           && ?p != <{t.documented_by_short}>) }}"""
    for row in endpoint.select(q):
        s, p, o = row["s"], row["p"], row["o"]
        if s not in g:
            continue
        if p == t.stance:
            g.nodes[s]["stance"] = codes.get(o, o)
        elif o in g:
            name = names.get((g.nodes[s]["cls"], p), p)
            if not g.has_edge(s, o, key=name):
                g.add_edge(s, o, key=name, property=p)


# Fields on documentation, claims and sources the engine reads beside the graph's edges (#13).
DOC_FIELDS = ("attributes_to", "via", "known_by", "reliability", "credibility", "inferred")
NODE_CONCEPT_FIELDS = (("claims", "challenges"), ("claims", "concedes"), ("claims", "inferred"),
                       ("sources", "reliability"), ("sources", "credibility"), ("sources", "inferred"))


def documentation_extras(endpoint: Endpoint) -> dict[tuple[str, str, str], dict[str, list[str]]]:
    """(event, source, evidence code) -> field name -> sorted values, for the :data:`DOC_FIELDS`
    of each documentation (IRIs for references, codes for concepts, lexical forms for literals)."""
    codes, t = kind_codes(), terms()
    props = {field("documentation", n).properties[0]: n for n in DOC_FIELDS}
    q = f"""SELECT ?e ?src ?type ?p ?o WHERE {{ VALUES ?p {{ {" ".join(f"<{p}>" for p in sorted(props))} }}
        GRAPH ?g {{ ?e <{t.documented_by}> ?d . ?d <{t.doc_source}> ?src ; <{t.doc_evidence}> ?type ; ?p ?o }}
        {scope()} }}"""
    out: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for row in endpoint.select(q):
        key = (row["e"], row["src"], codes.get(row["type"], row["type"]))
        values = out.setdefault(key, {}).setdefault(props[row["p"]], [])
        value = codes.get(row["o"], row["o"])
        if value not in values:
            values.append(value)
    for fields in out.values():
        for v in fields.values():
            v.sort()
    return out


def node_concepts(endpoint: Endpoint) -> dict[str, dict[str, object]]:
    """Record IRI -> {field: code (or sorted codes for a many field)} for :data:`NODE_CONCEPT_FIELDS`
    (a claim's challenges, concedes and inferred; a source's grades and inferred)."""
    fields = {f.properties[0]: f for key, n in NODE_CONCEPT_FIELDS for f in [field(key, n)]}
    codes = {iri: code for f in fields.values() for code, iri in concept_codes(f.scheme or "").items()}
    q = f"""SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {" ".join(f"<{p}>" for p in sorted(fields))} }}
        GRAPH ?g {{ ?s ?p ?o }} {scope()} }}"""
    out: dict[str, dict[str, object]] = {}
    for row in endpoint.select(q):
        f, code = fields[row["p"]], codes.get(row["o"], row["o"])
        if f.many:
            values = out.setdefault(row["s"], {}).setdefault(f.name, [])
            if code not in values:
                values.append(code)
                values.sort()
        else:
            out.setdefault(row["s"], {})[f.name] = code
    return out


def add_extras(g: nx.MultiDiGraph, endpoint: Endpoint) -> None:
    """Put the claims' concept fields on their nodes and the documentation fields on their
    ``documented_by`` edges (in both projections: :func:`project` and
    :func:`kb.analysis.candidates.candidate_graph`)."""
    for node, attrs in node_concepts(endpoint).items():
        if node in g:
            g.nodes[node].update(attrs)
    for (e, src, evidence), fields in documentation_extras(endpoint).items():
        if g.has_edge(e, src, key=f"documented_by:{evidence}"):
            g.edges[e, src, f"documented_by:{evidence}"].update(fields)


def edge_label(key: str) -> str:
    """The field name of an edge key (``documented_by:video`` -> ``documented_by``)."""
    return key.split(":", 1)[0]


__all__ = ["Terms", "add_extras", "class_codes", "concept_codes", "edge_label",
           "field", "kind_codes", "project", "scope", "terms"]

"""The candidate subgraph of the conflict engine, selected with standard SPARQL 1.1 SELECT queries.

A leaner sibling of :func:`kb.analysis.projection.project`, in the same conventions (nodes keyed by IRI with
their authoring ``id`` and ``label``; edges keyed by authoring field name; one
``documented_by:<evidence>`` edge event -> source per documentation, carrying ``evidence`` and
``quote``), but holding only what the conflict engine reads: claims (stance, claimant, about,
stated in, text, date), the ``part_of`` and ``sameAs`` structure, documentation, sources (makers,
lineage, date, URL) and actor affiliations. Each query reads one or a few predicates, so a store
answers from its predicate indexes instead of scanning every triple; the same queries run on a
remote SPARQL 1.1 server through any :class:`~kb.sparql.endpoint.Endpoint`.
"""

from __future__ import annotations

from functools import cache

import networkx as nx

from kb.model.authoring import Field, nested_records, records
from kb.model.graphs import PROVENANCE_GRAPH
from kb.model.terms import DCTERMS, RDFS, concept_codes
from kb.sparql.endpoint import Endpoint

# The fields the engine reads: (record key, field name).
EDGE_FIELDS = (("claims", "by"), ("claims", "about"), ("claims", "stated_in"),
               ("claims", "challenged_account"), ("events", "part_of"),
               ("events", "same_as"), ("actors", "same_as"), ("actors", "affiliated_with"),
               ("sources", "publisher"), ("sources", "author"), ("sources", "derived_from"))
VALUE_FIELDS = (("sources", "date"), ("sources", "url"), ("events", "date"), ("claims", "date"))


def _field(key: str, name: str) -> Field:
    spec = records().get(key) or nested_records()[key]
    f = spec.field(name)
    if f is None:
        raise KeyError(f"authoring.ttl has no field {key}.{name}")
    return f


@cache
def _plan() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The SELECT queries, and property -> attribute name for edges and values, all read from the
    authoring mapping of the ontology."""
    edge_props = {p: name for key, name in EDGE_FIELDS for p in _field(key, name).properties}
    value_props: dict[str, str] = {}
    for key, name in VALUE_FIELDS:
        f = _field(key, name)
        value_props.update({p: name for p in f.properties})
        for p in (f.start_property, f.end_property):
            if p:
                value_props[p] = p.rsplit("/", 1)[-1].rsplit("#", 1)[-1]  # startDate, endDate
    stance, text = _field("claims", "stance"), _field("claims", "text")
    doc = {n: _field("documentation", n).properties[0] for n in ("source", "evidence", "quote")}
    documented_by = _field("events", "documented_by").properties[0]
    scope = f"FILTER(?g != <{PROVENANCE_GRAPH}>)"

    def values(props: dict[str, str]) -> str:
        return " ".join(f"<{p}>" for p in sorted(props))

    queries = {
        "ids": f"SELECT ?s ?id WHERE {{ GRAPH ?g {{ ?s <{DCTERMS.identifier}> ?id }} {scope} }}",
        "labels": f"SELECT ?s ?label WHERE {{ GRAPH ?g {{ ?s <{RDFS.label}> ?label }} {scope} }}",
        "claims": f"""SELECT ?s ?stance ?text WHERE {{ GRAPH ?g {{
            ?s <{stance.properties[0]}> ?stance ; <{text.properties[0]}> ?text }} {scope} }}""",
        "edges": f"""SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values(edge_props)} }}
            GRAPH ?g {{ ?s ?p ?o }} {scope} }}""",
        "values": f"""SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values(value_props)} }}
            GRAPH ?g {{ ?s ?p ?o }} {scope} }}""",
        "docs": f"""SELECT ?e ?src ?type ?quote WHERE {{ GRAPH ?g {{ ?e <{documented_by}> ?d .
            ?d <{doc["source"]}> ?src ; <{doc["evidence"]}> ?type .
            OPTIONAL {{ ?d <{doc["quote"]}> ?quote }} }}
            {scope} }}""",
    }
    return queries, edge_props, value_props


@cache
def _codes() -> dict[str, str]:
    """Stance and evidence-type concept IRIs -> authoring codes."""
    out = {}
    for f in (_field("claims", "stance"), _field("documentation", "evidence")):
        out.update({iri: code for code, iri in concept_codes(f.scheme or "").items()})
    return out


# Fields on documentation and claims the engine reads beside the graph's edges (#13).
DOC_FIELDS = ("attributes_to", "via")
CLAIM_CONCEPT_FIELDS = ("challenges", "concedes")


def _scope() -> str:
    return f"FILTER(?g != <{PROVENANCE_GRAPH}>)"


def documentation_extras(endpoint: Endpoint) -> dict[tuple[str, str, str], dict[str, list[str]]]:
    """(event, source, evidence code) -> field name -> sorted values, for the :data:`DOC_FIELDS`
    of each documentation (IRIs for references, codes for concepts, lexical forms for literals)."""
    codes = _codes()
    doc = {n: _field("documentation", n).properties[0] for n in ("source", "evidence")}
    props = {_field("documentation", n).properties[0]: n for n in DOC_FIELDS}
    documented_by = _field("events", "documented_by").properties[0]
    q = f"""SELECT ?e ?src ?type ?p ?o WHERE {{ VALUES ?p {{ {" ".join(f"<{p}>" for p in sorted(props))} }}
        GRAPH ?g {{ ?e <{documented_by}> ?d . ?d <{doc["source"]}> ?src ; <{doc["evidence"]}> ?type ; ?p ?o }}
        {_scope()} }}"""
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


def claim_concepts(endpoint: Endpoint) -> dict[str, dict[str, object]]:
    """Claim IRI -> {field: code (or sorted codes for a many field)} for :data:`CLAIM_CONCEPT_FIELDS`."""
    fields = {n: _field("claims", n) for n in CLAIM_CONCEPT_FIELDS}
    props = {f.properties[0]: n for n, f in fields.items()}
    codes = {iri: code for f in fields.values() for code, iri in concept_codes(f.scheme or "").items()}
    q = f"""SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {" ".join(f"<{p}>" for p in sorted(props))} }}
        GRAPH ?g {{ ?s ?p ?o }} {_scope()} }}"""
    out: dict[str, dict[str, object]] = {}
    for row in endpoint.select(q):
        name, code = props[row["p"]], codes.get(row["o"], row["o"])
        if fields[name].many:
            values = out.setdefault(row["s"], {}).setdefault(name, [])
            if code not in values:
                values.append(code)
                values.sort()
        else:
            out.setdefault(row["s"], {})[name] = code
    return out


def add_extras(g: nx.MultiDiGraph, endpoint: Endpoint) -> None:
    """Put the claims' concept fields on their nodes and the documentation fields on their
    ``documented_by`` edges (used by this module and by :func:`kb.analysis.projection.project`)."""
    for claim, attrs in claim_concepts(endpoint).items():
        if claim in g:
            g.nodes[claim].update(attrs)
    for (e, src, evidence), fields in documentation_extras(endpoint).items():
        if g.has_edge(e, src, key=f"documented_by:{evidence}"):
            g.edges[e, src, f"documented_by:{evidence}"].update(fields)


def candidate_graph(endpoint: Endpoint) -> nx.MultiDiGraph:
    """The records and typed edges the conflict engine needs, as a MultiDiGraph (built once)."""
    queries, edge_names, value_names = _plan()
    codes = _codes()
    nodes: dict[str, dict] = {}
    for row in endpoint.select(queries["ids"]):
        nodes[row["s"]] = {"id": row["id"], "iri": row["s"]}
    for row in endpoint.select(queries["labels"]):
        attrs = nodes.get(row["s"])
        if attrs is not None:
            attrs["label"] = row["label"]
    for row in endpoint.select(queries["claims"]):
        attrs = nodes.get(row["s"])
        if attrs is not None:
            attrs["stance"] = codes.get(row["stance"], row["stance"])
            attrs["text"] = row["text"]
    for row in endpoint.select(queries["values"]):
        attrs = nodes.get(row["s"])
        if attrs is not None:
            attrs[value_names[row["p"]]] = row["o"]
    edges = [(row["s"], row["o"], edge_names[row["p"]], {"property": row["p"]})
             for row in endpoint.select(queries["edges"]) if row["s"] in nodes and row["o"] in nodes]
    for row in endpoint.select(queries["docs"]):
        if row["e"] in nodes and row["src"] in nodes:
            evidence = codes.get(row["type"], row["type"])
            edges.append((row["e"], row["src"], f"documented_by:{evidence}",
                          {"evidence": evidence, "quote": row.get("quote")}))
    for attrs in nodes.values():
        attrs.setdefault("label", attrs.get("text") or attrs["id"])
    g = nx.MultiDiGraph()
    g.add_nodes_from(nodes.items())
    g.add_edges_from(edges)
    add_extras(g, endpoint)
    return g

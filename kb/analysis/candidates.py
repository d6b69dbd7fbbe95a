"""The candidate subgraph of the conflict engine, selected with standard SPARQL 1.1 SELECT queries.

A leaner sibling of :func:`kb.analysis.projection.project`, in the same conventions (nodes keyed by IRI with
their authoring ``id`` and ``label``; edges keyed by authoring field name; one
``documented_by:<evidence>`` edge event -> source per documentation, carrying ``evidence`` and
``quote``), but holding only what the conflict engine reads: claims (stance, claimant, about,
stated in, text, date), the ``part_of`` and ``sameAs`` structure, documentation, sources (makers,
lineage, date, URL) and actor affiliations. Each query reads one or a few predicates, so a store
answers from its predicate indexes instead of scanning every triple; the same queries run on a
remote SPARQL 1.1 server through any :class:`~kb.sparql.endpoint.Endpoint`. The predicates come from the
authoring mapping, through the same :func:`kb.analysis.projection.terms` and
:func:`kb.analysis.projection.field` as the full projection.
"""

from __future__ import annotations

from functools import cache

import networkx as nx

from kb.analysis.projection import add_extras, field, kind_codes, scope, terms
from kb.model.terms import DCTERMS, RDFS
from kb.sparql.endpoint import Endpoint

# The fields the engine reads: (record key, field name).
EDGE_FIELDS = (("claims", "by"), ("claims", "about"), ("claims", "stated_in"),
               ("claims", "challenged_account"), ("claims", "rendered_in"), ("events", "part_of"),
               ("events", "same_as"), ("actors", "same_as"), ("actors", "affiliated_with"),
               ("sources", "publisher"), ("sources", "author"), ("sources", "derived_from"))
VALUE_FIELDS = (("sources", "date"), ("sources", "url"), ("events", "date"), ("claims", "date"))


@cache
def _plan() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The SELECT queries, and property -> attribute name for edges and values, all read from the
    authoring mapping of the ontology."""
    t = terms()
    edge_props = {p: name for key, name in EDGE_FIELDS for p in field(key, name).properties}
    value_props: dict[str, str] = {}
    for key, name in VALUE_FIELDS:
        f = field(key, name)
        value_props.update({p: name for p in f.properties})
        value_props.update({p: t.interval[p] for p in (f.start_property, f.end_property) if p})

    def values(props: dict[str, str]) -> str:
        return " ".join(f"<{p}>" for p in sorted(props))

    queries = {
        "ids": f"SELECT ?s ?id WHERE {{ GRAPH ?g {{ ?s <{DCTERMS.identifier}> ?id }} {scope()} }}",
        "labels": f"SELECT ?s ?label WHERE {{ GRAPH ?g {{ ?s <{RDFS.label}> ?label }} {scope()} }}",
        "claims": f"""SELECT ?s ?stance ?text WHERE {{ GRAPH ?g {{
            ?s <{t.stance}> ?stance ; <{t.text}> ?text }} {scope()} }}""",
        "edges": f"""SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values(edge_props)} }}
            GRAPH ?g {{ ?s ?p ?o }} {scope()} }}""",
        "values": f"""SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values(value_props)} }}
            GRAPH ?g {{ ?s ?p ?o }} {scope()} }}""",
        "docs": f"""SELECT ?e ?src ?type ?quote WHERE {{ GRAPH ?g {{ ?e <{t.documented_by}> ?d .
            ?d <{t.doc_source}> ?src ; <{t.doc_evidence}> ?type .
            OPTIONAL {{ ?d <{t.doc_quote}> ?quote }} }}
            {scope()} }}""",
    }
    return queries, edge_props, value_props


def candidate_graph(endpoint: Endpoint) -> nx.MultiDiGraph:
    """The records and typed edges the conflict engine needs, as a MultiDiGraph (built once)."""
    queries, edge_names, _values = _plan()
    nodes, ids, labels = _nodes(endpoint)
    codes = kind_codes()
    props = {p: p for p in edge_names}
    g = nx.MultiDiGraph(ids=ids, names=labels)  # kb.analysis.matching.add_described reads them
    g.add_nodes_from(nodes.items())
    held = g.nodes  # the graph's own copies of the attributes from here: the first ones freed
    del nodes
    # every end is the node's own key string, not the row's equal copy: one string per record,
    # however many edges it has; the edges go into the graph as they are read, never all listed
    g.add_edges_from((u["iri"], v["iri"], edge_names[row["p"]], {"property": props[row["p"]]})
                     for row in endpoint.select(queries["edges"])
                     if (u := held.get(row["s"])) is not None and (v := held.get(row["o"])) is not None)
    for row in endpoint.select(queries["docs"]):
        if (u := held.get(row["e"])) is not None and (v := held.get(row["src"])) is not None:
            evidence = codes.get(row["type"], row["type"])
            g.add_edge(u["iri"], v["iri"], key=f"documented_by:{evidence}", evidence=evidence,
                       quote=row.get("quote"))
    add_extras(g, endpoint)
    return g


def _nodes(endpoint: Endpoint) -> tuple[dict[str, dict], dict[str, str], dict[str, str]]:
    """Record IRI -> its attributes (id, label, a claim's stance and text, the value fields); and
    every subject's identifier and label as read (matching reads the same: they are handed on)."""
    queries, _edges, value_names = _plan()
    codes = kind_codes()
    ids = {row["s"]: row["id"] for row in endpoint.select(queries["ids"])}
    nodes: dict[str, dict] = {s: {"id": i, "iri": s} for s, i in ids.items()}
    labels: dict[str, str] = {}
    for row in endpoint.select(queries["labels"]):
        s, text = row["s"], row["label"]
        if (attrs := nodes.get(s)) is not None:
            attrs["label"] = text
            s = attrs["iri"]  # the key string ids already holds
        labels[s] = text
    for row in endpoint.select(queries["claims"]):
        if (attrs := nodes.get(row["s"])) is not None:
            attrs["stance"] = codes.get(row["stance"], row["stance"])
            attrs["text"] = row["text"]
    for row in endpoint.select(queries["values"]):
        if (attrs := nodes.get(row["s"])) is not None:
            attrs[value_names[row["p"]]] = row["o"]
    for attrs in nodes.values():
        attrs.setdefault("label", attrs.get("text") or attrs["id"])
    return nodes, ids, labels

"""Exports for other tools: GraphML and GEXF (Gephi, Cytoscape), ClaimReview JSON-LD of the
conflicts (for fact-checkers to publish), and CSV tables of claims and events (the conflicts' table
is :func:`kb.exports.reports.conflicts_csv`). The formats are registered in :data:`kb.exports.EXPORTS`.

Graph exports carry each node's class, kind, label and conflict flags; CSV cells that a spreadsheet
would run as a formula are neutralised (see :func:`kb.exports.reports.safe_cell`).
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx

from kb.analysis.conflicts import Conflict
from kb.analysis.projection import edge_label
from kb.exports.reports import write_csv


def flat_graph(g: nx.MultiDiGraph, conflicts: Sequence[Conflict]) -> nx.MultiDiGraph:
    """The projection with plain attribute values and conflict flags, keyed by authoring id."""
    kinds: dict[str, set[str]] = {}
    for c in conflicts:
        for node in [s.node for s in c.path] + [s.source for s in c.sources]:
            kinds.setdefault(node, set()).add(c.kind)
    out = nx.MultiDiGraph()
    ids = {n: a["id"] for n, a in g.nodes(data=True)}
    for n, a in g.nodes(data=True):
        attrs = {k: ("; ".join(v) if isinstance(v, list) else str(v)) for k, v in a.items() if v is not None}
        attrs["in_conflict"] = ids[n] in kinds
        attrs["conflict_kinds"] = "; ".join(sorted(kinds.get(ids[n], ())))
        out.add_node(ids[n], **attrs)
    for u, v, k, d in g.edges(keys=True, data=True):
        # "relation", not "type": GEXF reserves an edge's type for directed/undirected
        attrs = {**{x: str(y) for x, y in d.items() if y is not None}, "relation": edge_label(k),
                 "label": edge_label(k)}
        out.add_edge(ids[u], ids[v], key=k, **attrs)
    return out


def claimreview(conflicts: Sequence[Conflict]) -> list[dict]:
    """ClaimReview objects stating only what the knowledge base knows, with the sources cited."""
    out = []
    for c in conflicts:
        if not c.sources:
            continue  # a counter-claim has no documentation to cite
        out.append({
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "claimReviewed": c.quote,
            "itemReviewed": {
                "@type": "Claim",
                "author": {"@type": "Thing", "name": c.claimant_name, "identifier": c.claimant},
                **({"datePublished": c.claim_date} if c.claim_date else {}),
                **({"appearance": {"@type": "CreativeWork", "name": c.stated_in_title}}
                   if c.stated_in_title else {}),
            },
            "reviewRating": {
                "@type": "Rating",
                "alternateName": f"conflicts with documentation by {c.independence}",
            },
            "reviewBody": c.summary,
            "citation": [{
                "@type": "CreativeWork", "name": s.title,
                **({"url": s.url} if s.url else {}),
                **({"datePublished": s.date} if s.date else {}),
                **({"publisher": {"@type": "Organization", "name": s.publisher_name}}
                   if s.publisher_name else {}),
                "description": f"evidence: {s.evidence}" + (f"; quote: {s.quote}" if s.quote else ""),
            } for s in c.sources],
        })
    return out


def claims_csv(g: nx.MultiDiGraph) -> str:
    rows = []
    for n, a in g.nodes(data=True):
        if a["cls"] != "claim":
            continue
        links = [(edge_label(k), g.nodes[v]["id"]) for _, v, k in g.out_edges(n, keys=True)]
        out = {k: v for k, v in links if k != "about"}
        about = sorted(v for k, v in links if k == "about")
        rows.append([a["id"], out.get("by", ""), a.get("stance", ""), "; ".join(about), a.get("text", ""),
                     out.get("stated_in", ""), a.get("date", ""), a.get("file", "")])
    return write_csv(["id", "by", "stance", "about", "text", "stated_in", "date", "file"], sorted(rows))


def events_csv(g: nx.MultiDiGraph) -> str:
    rows = []
    for n, a in g.nodes(data=True):
        if a["cls"] != "event":
            continue
        edges = [(edge_label(k), g.nodes[v]["id"], d) for _, v, k, d in g.out_edges(n, keys=True, data=True)]
        date = a.get("date") or (f"{a['startDate']}/{a['endDate']}" if a.get("startDate") else "")
        rows.append([a["id"], a.get("label", ""), date,
                     "; ".join(v for k, v, _ in edges if k == "place"),
                     "; ".join(sorted(v for k, v, _ in edges if k == "part_of")),
                     "; ".join(sorted(f"{v} ({d.get('evidence')})" for k, v, d in edges
                                      if k == "documented_by")),
                     a.get("file", "")])
    return write_csv(["id", "label", "date", "place", "part_of", "documented_by", "file"], sorted(rows))

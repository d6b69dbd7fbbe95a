"""One self-contained, offline HTML page of the evidence graph and its conflicts (made with pyvis).

pyvis builds the vis-network nodes, edges and options; the page is rendered from our own template
(``kb/templates/viz.html``) with vis-network's JavaScript and CSS inlined from the copy pyvis ships,
so it makes no request to any host (a Content-Security-Policy forbids it too).

Safety: every text from data travels in a JSON island (ASCII-only, with ``<``, ``>`` and ``&``
escaped, so ``</script>`` in a quote cannot end it) and the page builds its DOM with
``textContent``; only http(s) URLs become links. Labels are drawn on the canvas (text, never HTML).
pyvis's own template renders tooltip titles as HTML, so the titles handed to pyvis are
HTML-escaped; our template ignores them and builds tooltips as DOM text from the JSON data.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from importlib import resources
from pathlib import Path

import networkx as nx
import pyvis
from pyvis.network import Network

from kb.analysis.conflicts import Conflict
from kb.analysis.projection import edge_label
from kb.exports.reports import conflicts_markdown

MAX_DRAWN = 2500  # above this the page asks for --focus / --conflicts-only before drawing
LARGE = 300       # above this, fewer layout iterations so that the page settles in seconds
HUGE = 1000       # above this, a cheaper layout still (no Kamada-Kawai seeding, coarser forces)

STYLE = {  # class -> (colour, vis-network shape)
    "actor": ("#4c78a8", "dot"),
    "claim": ("#f58518", "box"),
    "event": ("#54a24b", "diamond"),
    "source": ("#b279a2", "square"),
    "place": ("#9d755d", "triangle"),
}
STANCE_COLOUR = {"asserts": "#f2cf5b", "denies": "#e45756", "disputes": "#ff9da6"}
CONFLICT_COLOUR = "#d62728"
SELECTED_COLOUR = "#0a7f8c"  # the selected finding's path (everything else is dimmed)
DIM_COLOUR = "#e6e6e6"
EDGE_STYLE = {  # relation group -> (colour, relations); documentation edges carry the evidence type
    "documentation (label: evidence type)": ("#7b4f9d", ("documented_by",)),
    "claim: by, about, stated in": ("#9aa5b1", ("by", "about", "stated_in")),
    "part of, place": ("#6f9e66", ("part_of", "place")),
    "publisher, author, affiliation": ("#8fb3d9", ("publisher", "author", "affiliated_with")),
    "same as, derived from (dashed)": ("#555555", ("same_as", "derived_from")),
}
_EDGE_COLOUR = {rel: colour for colour, rels in EDGE_STYLE.values() for rel in rels}
_DASHED = {"same_as", "derived_from"}


def _vis_assets() -> tuple[str, str]:
    lib = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    return ((lib / "vis-network.min.js").read_text(encoding="utf-8"),
            (lib / "vis-network.css").read_text(encoding="utf-8"))


def _short(text: str, n: int = 32) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def subgraph(g: nx.MultiDiGraph, conflicts: list[Conflict], *, conflicts_only: bool = False,
             focus: str | None = None, depth: int = 2, actor: str | None = None) -> nx.MultiDiGraph:
    """The part of the projection to draw; ``focus`` and ``actor`` are authoring ids (KeyError if unknown).

    ``conflicts_only``: the records on conflict paths and their sources; ``focus``: every record within
    ``depth`` hops (either direction); ``actor``: the actor, its claims, what they are about and cite,
    and its conflicts. Options combine by intersection.
    """
    by_id = {a["id"]: n for n, a in g.nodes(data=True)}
    keep: set[str] | None = None
    if conflicts_only:
        keep = {by_id[i] for c in conflicts for i in conflict_nodes(c) if i in by_id}
    if focus is not None:
        if focus not in by_id:
            raise KeyError(focus)
        ball = set(nx.ego_graph(g.to_undirected(as_view=True), by_id[focus], radius=depth))
        keep = ball if keep is None else keep & ball
    if actor is not None:
        if actor not in by_id:
            raise KeyError(actor)
        a = by_id[actor]
        claims = {u for u, _v, k in g.in_edges(a, keys=True) if edge_label(k) == "by"}
        around = {a} | claims | {v for c in claims for v in g.successors(c)}
        own = [i for c in conflicts if c.claimant == actor for i in conflict_nodes(c)]
        around |= {by_id[i] for i in own if i in by_id}
        keep = around if keep is None else keep & around
    return g.subgraph(keep).copy() if keep is not None else g


def conflict_nodes(c: Conflict) -> list[str]:
    """The ids a conflict touches: its path and its documenting sources (in order, no repeats)."""
    return list(dict.fromkeys([s.node for s in c.path] + [s.source for s in c.sources]))


def conflict_edges(g: nx.MultiDiGraph, c: Conflict) -> list[tuple[str, str, str]]:
    """The graph edges (u, v, key) along a conflict's path, by authoring-id pairs.

    Consecutive path nodes are joined by every edge between them (either direction); the
    documentation step by the edges event -> source of exactly the evidence the conflict cites; the
    claims after an ``asserted_by`` step by their ``about`` edges to the asserted event.
    """
    node = {a["id"]: n for n, a in g.nodes(data=True)}
    pairs: list[tuple[str, str]] = []
    anchor = None  # the event that the claims after "asserted_by" assert
    for a, b in itertools.pairwise(c.path):
        pairs.append((anchor or a.node, b.node))
        if a.edge == "asserted_by":
            anchor = a.node
    wanted_docs = {(s.event, s.source, f"documented_by:{s.evidence}") for s in c.sources}
    out = []
    for x, y in pairs:
        if x not in node or y not in node:
            continue
        for u, v in ((node[x], node[y]), (node[y], node[x])):
            for key in g.get_edge_data(u, v, default={}):
                if edge_label(key) != "documented_by":
                    out.append((u, v, key))
    for event, source, key in sorted(wanted_docs):
        if event in node and source in node and g.has_edge(node[event], node[source], key):
            out.append((node[event], node[source], key))
    return list(dict.fromkeys(out))


def _label(a: dict) -> str:
    if a["cls"] == "claim" and a.get("stance"):
        return f"{a['stance']}: {_short(a.get('text') or a.get('label', a['id']), 26)}"
    return _short(a.get("label", a["id"]))


def _tooltip(a: dict) -> str:
    """Plain text of a node's tooltip (escaped as HTML before it reaches pyvis)."""
    kind = f", {a['kind']}" if a.get("kind") else ""
    return f"{a.get('label', a['id'])} ({a['cls']}{kind})"


def render_html(g: nx.MultiDiGraph, conflicts: list[Conflict], title: str = "Evidence graph") -> str:
    """The HTML page for a projected graph (kb.graph.project, or a part of it) and its conflicts.

    Conflicts whose path leaves the graph are listed but only their drawn part is highlighted.
    """
    net = Network(height="100%", width="100%", directed=True)
    ids = {n: a["id"] for n, a in g.nodes(data=True)}
    details = {}
    for _n, a in g.nodes(data=True):
        cls = a["cls"]
        colour, shape = STYLE.get(cls, ("#999999", "dot"))
        if cls == "claim":
            colour = STANCE_COLOUR.get(a.get("stance", ""), colour)
        net.add_node(a["id"], label=_label(a), title=html.escape(_tooltip(a)), color=colour, shape=shape,
                     kbclass=cls, borderWidth=1,
                     shapeProperties={"borderDashes": [4, 3]} if a.get("stance") == "disputes" else {})
        details[a["id"]] = {k: v for k, v in a.items() if k != "iri"}
    edge_id = {}
    for i, (u, v, k, data) in enumerate(g.edges(keys=True, data=True)):
        name = edge_label(k)
        edge_id[(u, v, k)] = f"e{i}"
        evidence = data.get("evidence")
        net.add_edge(ids[u], ids[v], id=f"e{i}", label=evidence or "", arrows="to",
                     title=html.escape(f"{name}: {evidence}" if evidence else name),
                     color=_EDGE_COLOUR.get(name, "#999999"), dashes=name in _DASHED,
                     kbkind=name, evidence=evidence, quote=data.get("quote"))
    n = g.number_of_nodes()
    large, huge = n > LARGE, n > HUGE
    net.set_options(json.dumps({
        # big views: fewer iterations, no Kamada-Kawai seeding and a coarser Barnes-Hut, to settle in seconds
        "layout": {"improvedLayout": not huge, "randomSeed": 7},  # the same page every time
        "physics": {"solver": "forceAtlas2Based", "minVelocity": 1.0,
                    "stabilization": {"iterations": 80 if huge else 150 if large else 500,
                                      "updateInterval": 50, "fit": True},
                    "forceAtlas2Based": {"gravitationalConstant": -110, "centralGravity": 0.015,
                                         "springLength": 120, "springConstant": 0.05,
                                         "theta": 0.9 if huge else 0.5, "avoidOverlap": 0 if large else 0.9}},
        "edges": {"font": {"size": 13, "align": "middle", "color": "#5a3d72", "strokeWidth": 4},
                  "smooth": False, "width": 1.2, "selectionWidth": 2,
                  "arrows": {"to": {"scaleFactor": 0.5}}},
        "nodes": {"font": {"size": 15, "strokeWidth": 3, "strokeColor": "#ffffff"}, "size": 16,
                  "widthConstraint": {"maximum": 150}},
        "interaction": {"hover": True, "multiselect": True, "tooltipDelay": 150,
                        "hideEdgesOnDrag": large, "hideEdgesOnZoom": large},
    }))
    listed = []
    for number, c in enumerate(conflicts, 1):
        d = c.to_dict()
        d["markdown"] = conflicts_markdown([c], title=f"Finding {number}: {c.kind}")  # copied from the card
        d["highlight"] = {"nodes": [i for i in conflict_nodes(c) if i in details],
                          "edges": [edge_id[e] for e in conflict_edges(g, c)]}
        listed.append(d)
    data = {
        "title": title,
        "nodes": net.nodes,
        "edges": net.edges,
        "options": net.options if isinstance(net.options, dict) else json.loads(net.options.to_json()),
        "details": details,
        "conflicts": listed,
        "classes": {k: {"colour": v[0], "shape": v[1]} for k, v in STYLE.items()},
        "stances": STANCE_COLOUR,
        "edgeStyles": {k: v[0] for k, v in EDGE_STYLE.items()},
        "conflictColour": CONFLICT_COLOUR,
        "selectedColour": SELECTED_COLOUR,
        "dimColour": DIM_COLOUR,
        "maxDrawn": MAX_DRAWN,
    }
    js, css = _vis_assets()
    template = (resources.files("kb") / "templates" / "viz.html").read_text(encoding="utf-8")
    parts = {"/*VIS_CSS*/": css.replace("</style", "<\\/style"),
             "/*VIS_JS*/": js.replace("</script", "<\\/script").replace("<!--", "<\\!--"),
             "/*KB_DATA*/": json_island(data),
             "<!--TITLE-->": html.escape(title)}
    for mark in parts:
        if template.count(mark) != 1:
            raise ValueError(f"the template must hold {mark} exactly once")
    # one pass over the template: inserted text is never searched for marks
    return re.sub("|".join(map(re.escape, parts)), lambda m: parts[m.group(0)], template)


def json_island(data: object) -> str:
    """JSON that is safe inside ``<script type="application/json">``.

    ASCII only, and no ``<``, ``>`` or ``&`` survive, so no ``</script>`` or ``<!--`` can occur.
    """
    text = json.dumps(data, ensure_ascii=True, default=str)
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(ch, esc)
    return text


def write_html(g: nx.MultiDiGraph, conflicts: list[Conflict], out: str | Path,
               title: str = "Evidence graph", store: str | Path | None = None) -> Path:
    """Write the page to ``out`` (atomically; never into the ``store`` folder) and return its path."""
    from kb.exports.files import replacing

    page = render_html(g, conflicts, title)
    with replacing(out, store) as tmp:  # see kb.output for the path rules
        tmp.write_text(page, encoding="utf-8")
    return Path(out)

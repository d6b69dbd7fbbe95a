"""One self-contained, offline HTML page of the evidence graph and its conflicts (made with pyvis).

pyvis builds the vis-network nodes, edges and options; the page is rendered from our own template
(``kb/templates/viz.html``) with vis-network's JavaScript and CSS inlined from the copy pyvis ships,
so it makes no request to any host. All text from data travels in a JSON island (with ``<``, ``>``
and ``&`` escaped) and is put on the page with ``textContent``: nothing from data is ever parsed as
HTML, and only http(s) URLs become links. Tooltip titles are not used (pyvis renders them as HTML).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import networkx as nx
import pyvis
from pyvis.network import Network

from kb.conflicts import Conflict
from kb.graph import edge_label

MAX_DRAWN = 2500  # above this the page asks for --focus / --conflicts-only before drawing

STYLE = {  # class -> (colour, shape)
    "actor": ("#4c78a8", "dot"),
    "claim": ("#f58518", "box"),
    "event": ("#54a24b", "diamond"),
    "source": ("#b279a2", "square"),
    "place": ("#9d755d", "triangle"),
}
STANCE_COLOUR = {"asserts": "#f2cf5b", "denies": "#e45756", "disputes": "#ff9da6"}


def _vis_assets() -> tuple[str, str]:
    lib = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    return (lib / "vis-network.min.js").read_text(encoding="utf-8"), \
        (lib / "vis-network.css").read_text(encoding="utf-8")


def _short(text: str, n: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def subgraph(g: nx.MultiDiGraph, conflicts: list[Conflict], *, conflicts_only: bool = False,
             focus: str | None = None, depth: int = 2, actor: str | None = None) -> nx.MultiDiGraph:
    """The part of the projection to draw (by authoring ids)."""
    by_id = {a["id"]: n for n, a in g.nodes(data=True)}
    keep: set[str] | None = None
    if conflicts_only:
        keep = {by_id[i] for c in conflicts for i in _conflict_ids(c) if i in by_id}
    if focus is not None:
        if focus not in by_id:
            raise KeyError(focus)
        ball = nx.ego_graph(g.to_undirected(as_view=True), by_id[focus], radius=depth)
        keep = set(ball) if keep is None else keep & set(ball)
    if actor is not None:
        if actor not in by_id:
            raise KeyError(actor)
        a = by_id[actor]
        claims = {u for u, v, k in g.in_edges(a, keys=True) if edge_label(k) == "by"}
        around = {a} | claims | {v for c in claims for v in g.successors(c)}
        around |= {i for c in conflicts if c.claimant == actor for i in
                   (by_id.get(x) for x in _conflict_ids(c)) if i}
        keep = around if keep is None else keep & around
    return g.subgraph(keep).copy() if keep is not None else g


def _conflict_ids(c: Conflict) -> list[str]:
    return [s.node for s in c.path] + [s.source for s in c.sources]


def render_html(g: nx.MultiDiGraph, conflicts: list[Conflict], title: str = "Evidence graph") -> str:
    """The HTML page for a projected graph and its conflicts."""
    net = Network(height="100%", width="100%", directed=True, cdn_resources="local")
    ids = {n: a["id"] for n, a in g.nodes(data=True)}
    details = {}
    for _n, a in g.nodes(data=True):
        cls = a["cls"]
        colour, shape = STYLE.get(cls, ("#999999", "dot"))
        if cls == "claim":
            colour = STANCE_COLOUR.get(a.get("stance", ""), colour)
        net.add_node(a["id"], label=_short(a.get("label", a["id"])), color=colour, shape=shape,
                     kbclass=cls, borderWidth=1)
        details[a["id"]] = {k: v for k, v in a.items() if k not in ("iri",)}
    for u, v, k, data in g.edges(keys=True, data=True):
        name = edge_label(k)
        label = data.get("evidence") or name
        net.add_edge(ids[u], ids[v], label=label, id=f"{ids[u]}|{k}|{ids[v]}",
                     dashes=name in ("same_as", "derived_from"), arrows="to",
                     kbkind=name, quote=data.get("quote"))
    net.set_options(json.dumps({
        "physics": {"solver": "forceAtlas2Based",
                    "stabilization": {"iterations": 400 if g.number_of_nodes() <= 300 else 80, "fit": True},
                    "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 120}},
        "edges": {"font": {"size": 10, "align": "middle"}, "smooth": False,
                  "color": {"color": "#999999", "highlight": "#d62728"}},
        "nodes": {"font": {"size": 12}},
        "interaction": {"hover": True, "multiselect": True},
    }))
    data = {
        "title": title,
        "nodes": net.nodes,
        "edges": net.edges,
        "options": json.loads(net.options.to_json()) if hasattr(net.options, "to_json") else net.options,
        "details": details,
        "conflicts": [c.to_dict() for c in conflicts],
        "classes": {k: {"colour": v[0], "shape": v[1]} for k, v in STYLE.items()},
        "stances": STANCE_COLOUR,
        "maxDrawn": MAX_DRAWN,
    }
    js, css = _vis_assets()
    template = (resources.files("kb") / "templates" / "viz.html").read_text(encoding="utf-8")
    return (template
            .replace("/*VIS_CSS*/", css)
            .replace("/*VIS_JS*/", js.replace("</script", "<\\/script"))
            .replace("/*KB_DATA*/", _json_island(data))
            .replace("<!--TITLE-->", _html_text(title)))


def _json_island(data: object) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' survive."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _html_text(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def write_html(g: nx.MultiDiGraph, conflicts: list[Conflict], out: str | Path,
               title: str = "Evidence graph") -> Path:
    """Write the page to ``out`` (atomically)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(render_html(g, conflicts, title), encoding="utf-8")
    tmp.replace(out)
    return out

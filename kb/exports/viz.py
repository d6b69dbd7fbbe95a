"""One self-contained, offline HTML page of the evidence graph, its findings and their timeline.

The page is rendered from our own template (``kb/templates/viz.html``) with vis-network (the copy
pyvis ships) and vis-timeline (vendored under ``kb/data/js``, with its licence) inlined, so it makes
no request to any host (a Content-Security-Policy forbids it too).

The data travels compactly: records as parallel arrays indexed by position, one drawn edge per
(from, to, relation) carrying every evidence type of a source's documentations of an event, and the
whole JSON gzip-compressed and base64-encoded in one ``<script type="application/json">`` island that
the page inflates with the browser's own ``DecompressionStream`` (:func:`read_page_data` reads it
back in Python). Base64 has no ``<``, ``>`` or ``&``, so no text from data can end the script; the page
builds its DOM with ``textContent`` and only http(s) URLs become links. Labels are drawn on the
canvas (text, never HTML).

Large views: every record is assigned a group under three groupings (place, event kind, actor side);
above ``MAX_DRAWN`` records the page opens on an overview of groups with counts that expand on
click, while the findings list stays complete.
"""

from __future__ import annotations

import base64
import gzip
import html
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import networkx as nx
import pyvis

from kb.analysis.conflicts import Conflict
from kb.analysis.grouping import group_by_claim
from kb.analysis.projection import edge_label
from kb.exports.reports import claim_md, conflicts_markdown, finding_md

MAX_DRAWN = 2500  # above this the page opens on the overview of groups
LARGE = 300       # above this, fewer layout iterations so that the page settles in seconds
HUGE = 1000       # above this, a cheaper layout still (no Kamada-Kawai seeding, coarser forces)
OVERVIEW_GROUPS = 150  # groups drawn at once in the overview; the rest behind one "more groups" node

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
VEIL = "rgba(255,255,255,0.82)"  # painted over the canvas to dim all but the selected path
GROUP_COLOUR = "#c9d3dd"
EDGE_STYLE = {  # relation group -> (colour, relations); documentation edges carry the evidence types
    "documentation (evidence types on hover)": ("#7b4f9d", ("documented_by",)),
    "claim: by, about, stated in": ("#9aa5b1", ("by", "about", "stated_in")),
    "part of, place": ("#6f9e66", ("part_of", "place")),
    "publisher, author, affiliation": ("#8fb3d9", ("publisher", "author", "affiliated_with")),
    "same as, derived from (dashed)": ("#555555", ("same_as", "derived_from")),
}
GROUPINGS = {"place": "place", "kind": "event kind", "side": "actor side"}
TIMELINE_LANES = {"claim": "claims", "documentation": "documentation", "event": "events",
                  "undated": "date unknown"}
_EDGE_COLOUR = {rel: colour for colour, rels in EDGE_STYLE.values() for rel in rels}
_JS = resources.files("kb") / "data" / "js"
_MAP = re.compile(r"^\s*(//|/\*)# sourceMappingURL=.*$", re.M)


# ---- what to draw --------------------------------------------------------------------------------

def subgraph(g: nx.MultiDiGraph, conflicts: list[Conflict], *, conflicts_only: bool = False,
             focus: str | None = None, depth: int = 2, actor: str | None = None) -> nx.MultiDiGraph:
    """The part of the projection to draw; ``focus`` and ``actor`` are authoring ids (KeyError if unknown).

    ``conflicts_only``: the records on conflict paths and their sources; ``focus``: every record within
    ``depth`` hops (either direction); ``actor``: the actor, its claims, what they are about and cite,
    and its conflicts. Options combine by intersection.
    """
    by_id = {a["id"]: n for n, a in g.nodes(data=True)}
    parts = []
    if conflicts_only:
        parts.append({by_id[i] for c in conflicts for i in conflict_nodes(c) if i in by_id})
    if focus is not None:
        parts.append(_ball(g, _node(by_id, focus), depth))
    if actor is not None:
        parts.append(_around_actor(g, conflicts, by_id, actor))
    if not parts:
        return g
    return g.subgraph(set.intersection(*parts)).copy()


def _node(by_id: dict[str, str], record: str) -> str:
    if record not in by_id:
        raise KeyError(record)
    return by_id[record]


def _ball(g: nx.MultiDiGraph, centre: str, depth: int) -> set[str]:
    return set(nx.ego_graph(g.to_undirected(as_view=True), centre, radius=depth))


def _around_actor(g: nx.MultiDiGraph, conflicts: list[Conflict], by_id: dict[str, str],
                  actor: str) -> set[str]:
    a = _node(by_id, actor)
    claims = {u for u, _v, k in g.in_edges(a, keys=True) if edge_label(k) == "by"}
    around = {a} | claims | {v for c in claims for v in g.successors(c)}
    own = [i for c in conflicts if c.claimant == actor for i in conflict_nodes(c)]
    return around | {by_id[i] for i in own if i in by_id}


def conflict_nodes(c: Conflict) -> list[str]:
    """The ids a conflict touches: its path and its documenting sources (in order, no repeats)."""
    return list(dict.fromkeys([s.node for s in c.path] + [s.source for s in c.sources]))


def _path_pairs(c: Conflict) -> list[tuple[str, str]]:
    """Consecutive path ids; after an ``asserted_by`` step, the event is paired with each claim."""
    pairs, anchor = [], None
    for a, b in itertools.pairwise(c.path):
        pairs.append((anchor or a.node, b.node))
        if a.edge == "asserted_by":
            anchor = a.node
    return pairs


def conflict_edges(g: nx.MultiDiGraph, c: Conflict,
                   node: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """The graph edges (u, v, key) along a conflict's path, by authoring-id pairs.

    Consecutive path nodes are joined by every edge between them (either direction); the
    documentation step by the edges event -> source of exactly the evidence the conflict cites; the
    claims after an ``asserted_by`` step by their ``about`` edges to the asserted event. ``node``:
    authoring id -> graph node (made from ``g`` when not given; pass it when calling for many).
    """
    if node is None:
        node = {a["id"]: n for n, a in g.nodes(data=True)}
    out = []
    for x, y in _path_pairs(c):
        if x in node and y in node:
            for u, v in ((node[x], node[y]), (node[y], node[x])):
                keys = g.get_edge_data(u, v, default={})
                out += [(u, v, k) for k in keys if edge_label(k) != "documented_by"]
    wanted_docs = sorted({(s.event, s.source, f"documented_by:{s.evidence}") for s in c.sources})
    for event, source, key in wanted_docs:
        if event in node and source in node and g.has_edge(node[event], node[source], key):
            out.append((node[event], node[source], key))
    return list(dict.fromkeys(out))


# ---- the page's data -----------------------------------------------------------------------------

def _short(text: str, n: int = 32) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _claimant(g: nx.MultiDiGraph, n: str) -> str | None:
    for _u, v, k in g.out_edges(n, keys=True):
        if edge_label(k) == "by":
            return g.nodes[v].get("label", g.nodes[v]["id"])
    return None


def node_label(g: nx.MultiDiGraph, n: str) -> str:
    """The full label drawn for a record: a claim says who claimed (``Ilham Aliyev denies: …``)."""
    a = g.nodes[n]
    if a["cls"] != "claim":
        return " ".join(str(a.get("label", a["id"])).split())
    said = " ".join(str(a.get("text") or a.get("label", a["id"])).split())
    who = _claimant(g, n) or "someone"
    stance = a.get("stance") or "says"  # the stance code reads as a verb: asserts, denies, disputes
    return f"{who} {stance}: {said}"


def short_label(g: nx.MultiDiGraph, n: str) -> str:
    """The label drawn when zoomed out: a claim's claimant and stance, others cut to 28 characters."""
    a = g.nodes[n]
    if a["cls"] != "claim":
        return _short(a.get("label", a["id"]), 28)
    stance = a.get("stance") or "says"  # the stance code reads as a verb: asserts, denies, disputes
    return f"{_short(_claimant(g, n) or 'someone', 22)} {stance} …"


def _records(g: nx.MultiDiGraph) -> dict:
    """Records as parallel arrays (position = the record's number on the page)."""
    nodes = list(g.nodes)
    classes = list(STYLE)
    return {
        "ids": [g.nodes[n]["id"] for n in nodes],
        "cls": [classes.index(g.nodes[n]["cls"]) if g.nodes[n]["cls"] in STYLE else -1 for n in nodes],
        "labels": [node_label(g, n) for n in nodes],
        "short": [short_label(g, n) for n in nodes],
        "degree": [g.degree(n) for n in nodes],
        "details": [{k: v for k, v in g.nodes[n].items() if k not in ("iri", "id")} for n in nodes],
    }


def _merged_edges(g: nx.MultiDiGraph, index: dict[str, int]) -> tuple[list[list], dict[tuple, int]]:
    """One drawn edge per (from, to, relation): ``[from, to, relation, evidence types, quotes]``.

    Returns the rows and, for every graph edge (u, v, key), the number of the row that draws it.
    """
    rows: list[list] = []
    at: dict[tuple[str, str, str], int] = {}
    row_of: dict[tuple, int] = {}
    for u, v, k, data in g.edges(keys=True, data=True):
        rel = edge_label(k)
        i = at.setdefault((u, v, rel), len(rows))
        if i == len(rows):
            rows.append([index[u], index[v], rel, [], []])
        row_of[(u, v, k)] = i
        for slot, value in ((3, data.get("evidence")), (4, data.get("quote"))):
            if value and value not in rows[i][slot]:
                rows[i][slot].append(value)
    return rows, row_of


def _side(g: nx.MultiDiGraph, actor: str) -> str:
    """An actor's side: the end of its chain of affiliations (itself if it has none)."""
    seen = [actor]
    while True:
        up = [v for _u, v, k in g.out_edges(seen[-1], keys=True) if edge_label(k) == "affiliated_with"]
        if not up or up[0] in seen:
            return g.nodes[seen[-1]].get("label", g.nodes[seen[-1]]["id"])
        seen.append(up[0])


def _targets(g: nx.MultiDiGraph, n: str, rels: Iterable[str]) -> list[str]:
    return [v for _u, v, k in g.out_edges(n, keys=True) if edge_label(k) in rels]


def _anchor_events(g: nx.MultiDiGraph, n: str) -> list[str]:
    """The events a record is grouped by: itself, what a claim is about, what a source documents."""
    cls = g.nodes[n]["cls"]
    if cls == "event":
        return [n]
    if cls == "claim":
        return [v for v in _targets(g, n, ("about",)) if g.nodes[v]["cls"] == "event"]
    if cls == "source":
        return [u for u, _v, k in g.in_edges(n, keys=True) if edge_label(k) == "documented_by"]
    return []


def _group_of(g: nx.MultiDiGraph, n: str, grouping: str) -> str:
    a = g.nodes[n]
    if grouping == "side":
        people = [n] if a["cls"] == "actor" else _targets(g, n, ("by", "publisher", "author"))
        return _side(g, people[0]) if people else f"({a['cls']}s: no side)"
    if grouping == "place" and a["cls"] == "place":
        return a.get("label", a["id"])
    for e in _anchor_events(g, n):
        if grouping == "kind" and g.nodes[e].get("kind"):
            return str(g.nodes[e]["kind"])
        places = _targets(g, e, ("place",))
        if grouping == "place" and places:
            return g.nodes[places[0]].get("label", g.nodes[places[0]]["id"])
    return f"({a['cls']}s: no {GROUPINGS[grouping]})"


def _groups(g: nx.MultiDiGraph) -> dict[str, dict]:
    """For each grouping: the group names (largest first) and each record's group number."""
    out = {}
    for grouping, title in GROUPINGS.items():
        of = [_group_of(g, n, grouping) for n in g.nodes]
        names = [name for name, _count in Counter(of).most_common()]
        number = {name: i for i, name in enumerate(names)}
        out[grouping] = {"title": title, "names": names, "of": [number[x] for x in of]}
    return out


def _findings(g: nx.MultiDiGraph, conflicts: list[Conflict], row_of: dict[tuple, int]) -> list[dict]:
    """Each finding's JSON, the markdown its card copies and what it highlights (graph ids, edge rows).

    The markdown is the finding's section of ``kb conflicts --format markdown`` under its claim's
    section (the claim with all its findings counted), numbered as the report numbers it ("2.3").
    """
    node = {a["id"]: n for n, a in g.nodes(data=True)}
    intro = conflicts_markdown([], title="{title}")
    listed: dict[int, dict] = {}
    position = {id(c): i for i, c in enumerate(conflicts)}
    for group in group_by_claim(conflicts):
        claim = claim_md(group)
        for j, c in enumerate(group.findings, 1):
            number = f"{group.rank}.{j}"
            d = c.to_dict()
            d["markdown"] = "\n".join([intro.replace("{title}", f"Finding {number}: {c.kind}", 1), *claim,
                                       *finding_md(number, c)])
            d["highlight"] = {"nodes": [i for i in conflict_nodes(c) if i in node],
                              "edges": sorted({row_of[e] for e in conflict_edges(g, c, node)})}
            listed[position[id(c)]] = d
    return [listed[i] for i in range(len(conflicts))]


def claim_groups(conflicts: list[Conflict]) -> list[dict]:
    """The findings list per claim (:func:`kb.analysis.grouping.group_by_claim`): each group's rank,
    claim, heading and its findings' numbers (positions in ``conflicts``, from 0), strongest first."""
    number = {id(c): i for i, c in enumerate(conflicts)}
    return [{"rank": g.rank, "claim": g.claim, "heading": g.heading(), "quote": g.first.quote,
             "findings": [number[id(c)] for c in g.findings]} for g in group_by_claim(conflicts)]


def _event_span(a: dict) -> tuple[str | None, str | None]:
    if a.get("date"):
        return str(a["date"]), None
    if a.get("startDate"):
        return str(a["startDate"]), str(a["endDate"]) if a.get("endDate") else None
    return None, None


def timeline_items(findings: list[dict], details: dict[str, dict],
                   labels: dict[str, str] | None = None) -> list[dict]:
    """The timeline: each finding's claim, its documentation (or the claims it is countered by) and its
    documented event, once per record.

    Items are ``{id, lane, record, start, end, label, inferred, findings}`` (``start`` None: the "date
    unknown" lane; ``inferred``: the dataset inferred the date); ``findings`` numbers the findings
    (from 0) the item belongs to. ``labels``: record id -> the label to show (else the record's own).
    """
    items: dict[str, dict] = {}
    labels = labels or {}

    def add(lane: str, record: str, span: tuple[str | None, str | None], label: str, inferred: bool,
            finding: int) -> None:
        start, end = span
        item = items.setdefault(f"{lane}:{record}", {
            "id": f"{lane}:{record}", "lane": lane if start else "undated", "record": record, "start": start,
            "end": end, "label": label, "inferred": bool(start) and inferred, "findings": []})
        if finding not in item["findings"]:
            item["findings"].append(finding)

    for i, f in enumerate(findings):
        who = f.get("claimant_name") or f.get("claimant")
        said = _short(f.get("quote") or "", 60)
        add("claim", f["claim"], (f.get("claim_date"), None), f"{who} {f.get('stance')}: {said}",
            "date" in (f.get("claim_inferred") or []), i)
        for s in f.get("sources", []):
            title = s.get("title") or s["source"]
            add("documentation", s["source"], (s.get("date"), None), f"{title} [{s.get('evidence')}]",
                "date" in (s.get("inferred") or []), i)
        for other in f.get("counter_claims") or []:  # a counter-claim's other side: the claims it meets
            d = details.get(other, {})
            add("claim", other, (d.get("date"), None), _short(labels.get(other, d.get("label", other)), 90),
                "date" in (d.get("inferred") or []), i)
        event = f.get("documented_event")
        if event in details:
            d = details[event]
            add("event", event, _event_span(d), d.get("label", event), "date" in (d.get("inferred") or []), i)
    return list(items.values())


def page_data(g: nx.MultiDiGraph, conflicts: list[Conflict], title: str = "Evidence graph",
              timeline_only: bool = False) -> dict:
    """Everything the page shows, as the JSON it carries (see :func:`read_page_data`)."""
    recs = _records(g)
    edges, row_of = _merged_edges(g, {n: i for i, n in enumerate(g.nodes)})
    findings = _findings(g, conflicts, row_of)
    details = {i: d for i, d in zip(recs["ids"], recs["details"], strict=True)}
    return {
        "title": title, "timelineOnly": timeline_only,
        "records": recs, "edges": edges, "groups": _groups(g), "conflicts": findings,
        "claimGroups": claim_groups(conflicts),
        "timeline": timeline_items(findings, details, dict(zip(recs["ids"], recs["labels"], strict=True))),
        "lanes": TIMELINE_LANES,
        "options": _layout_options(g.number_of_nodes()),
        "classes": {k: {"colour": v[0], "shape": v[1]} for k, v in STYLE.items()},
        "stances": STANCE_COLOUR,
        "edgeStyles": {k: v[0] for k, v in EDGE_STYLE.items()}, "edgeColours": _EDGE_COLOUR,
        "conflictColour": CONFLICT_COLOUR, "selectedColour": SELECTED_COLOUR,
        "veil": VEIL, "groupColour": GROUP_COLOUR,
        "maxDrawn": MAX_DRAWN, "overviewGroups": OVERVIEW_GROUPS,
    }


def _layout_options(n: int) -> dict:
    large, huge = n > LARGE, n > HUGE
    # big views: fewer iterations, no Kamada-Kawai seeding and a coarser Barnes-Hut, to settle in seconds
    return {
        "layout": {"improvedLayout": not huge, "randomSeed": 7},  # the same page every time
        "physics": {"solver": "forceAtlas2Based", "minVelocity": 1.0,
                    "stabilization": {"iterations": 80 if huge else 150 if large else 500,
                                      "updateInterval": 50, "fit": True},
                    "forceAtlas2Based": {"gravitationalConstant": -140, "centralGravity": 0.012,
                                         "springLength": 110, "springConstant": 0.05,
                                         "theta": 0.9 if huge else 0.5, "avoidOverlap": 0 if large else 1}},
        "edges": {"font": {"size": 13, "align": "middle", "color": "#5a3d72", "strokeWidth": 4},
                  "smooth": False, "width": 1.2, "selectionWidth": 2,
                  "arrows": {"to": {"scaleFactor": 0.5}}},
        "nodes": {"font": {"size": 16, "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "scaling": {"min": 9, "max": 30, "label": {"enabled": False}},
                  "widthConstraint": {"maximum": 170}},
        "interaction": {"hover": True, "multiselect": True, "tooltipDelay": 150,
                        "hideEdgesOnDrag": large, "hideEdgesOnZoom": large},
    }


# ---- the HTML ------------------------------------------------------------------------------------

def _assets() -> dict[str, str]:
    """The inlined libraries, safe inside <script>/<style> and without source-map comments."""
    lib = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    js = {"/*VIS_JS*/": (lib / "vis-network.min.js").read_text(encoding="utf-8"),
          "/*TIMELINE_JS*/": (_JS / "vis-timeline-graph2d.min.js").read_text(encoding="utf-8")}
    css = {"/*VIS_CSS*/": (lib / "vis-network.css").read_text(encoding="utf-8")}  # the timeline has its own
    out = {k: _MAP.sub("", v).replace("</script", "<\\/script").replace("<!--", "<\\!--")
           for k, v in js.items()}
    return out | {k: _MAP.sub("", v).replace("</style", "<\\/style") for k, v in css.items()}


def render_html(g: nx.MultiDiGraph, conflicts: list[Conflict], title: str = "Evidence graph",
                timeline_only: bool = False) -> str:
    """The HTML page for a projected graph (kb.graph.project, or a part of it) and its conflicts.

    Conflicts whose path leaves the graph are listed but only their drawn part is highlighted;
    ``timeline_only``: the page shows the findings and their timeline, without the graph.
    """
    template = (resources.files("kb") / "templates" / "viz.html").read_text(encoding="utf-8")
    parts = _assets() | {"/*KB_DATA*/": encode_island(page_data(g, conflicts, title, timeline_only)),
                         "<!--TITLE-->": html.escape(title)}
    for mark in parts:
        if template.count(mark) != 1:
            raise ValueError(f"the template must hold {mark} exactly once")
    # one pass over the template: inserted text is never searched for marks
    return re.sub("|".join(map(re.escape, parts)), lambda m: parts[m.group(0)], template)


def encode_island(data: object) -> str:
    """The page's data: its JSON, gzip-compressed, in base64 (``[A-Za-z0-9+/=]`` only)."""
    raw = json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")


def read_page_data(page: str | Path) -> dict:
    """The data a page written by :func:`write_html` carries (``page``: its path or its HTML)."""
    text = Path(page).read_text(encoding="utf-8") if isinstance(page, Path) else page
    island = re.search(r'<script type="application/json" id="kb-data">(.*?)</script>', text, re.S)
    if island is None:
        raise ValueError("not a kb viz page: no kb-data island")
    return json.loads(gzip.decompress(base64.b64decode(island.group(1))))


def write_html(g: nx.MultiDiGraph, conflicts: list[Conflict], out: str | Path,
               title: str = "Evidence graph", store: str | Path | None = None,
               timeline_only: bool = False) -> Path:
    """Write the page to ``out`` (atomically; never into the ``store`` folder) and return its path."""
    from kb.exports.files import replacing

    page = render_html(g, conflicts, title, timeline_only)
    with replacing(out, store) as tmp:  # see kb.output for the path rules
        tmp.write_text(page, encoding="utf-8")
    return Path(out)

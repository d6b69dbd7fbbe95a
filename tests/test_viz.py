"""The interactive HTML page: offline, complete, interactive and safe.

The page-level tests (marked ``browser``) open the generated files in Debian's headless Chromium
through Playwright, recording every request, console message and dialog. The others check the HTML
and the views without a browser.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from helpers import CHROMIUM, REPO

from kb import KnowledgeBase
from kb.cli import main
from kb.exports.viz import MAX_DRAWN, STYLE, conflict_nodes, render_html, subgraph, write_html

HOSTILE = REPO / "tests" / "corpus" / "viz" / "hostile.yaml"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def browser_test(test):
    """Mark a test as driving Chromium; skip it (not fail) where Debian's chromium is absent."""
    absent = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is absent")
    return pytest.mark.browser(absent(test))


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("viz")
    kb = KnowledgeBase(tmp / "store")
    kb.build()
    return kb, kb.viz(tmp / "seed.html", title="Seed: the 2020 BBC interview with Ilham Aliyev")


@pytest.fixture(scope="module")
def browser():
    sync = pytest.importorskip("playwright.sync_api")
    with sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


class Page:
    """A page at 1280x800 with every request, console error and dialog recorded, opened until settled."""

    def __init__(self, browser, path: Path):
        # bypass_csp: the page's Content-Security-Policy would also stop injected scripts and requests;
        # switching it off makes the tests prove the escaping and the inlined assets on their own.
        self.page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        self.requests, self.errors, self.dialogs = [], [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_function("document.body.dataset.stable === '1'", timeout=60_000)

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def close(self) -> None:
        self.page.close()


def _pairs(path: list[dict]) -> list[tuple[str, str]]:
    """Node pairs a conflict path joins (docs/conflicts.md: after asserted_by, event -> each claim)."""
    out, anchor = [], None
    for a, b in itertools.pairwise(path):
        if a["edge"] == "documented_by":
            continue  # event -> the listed sources, checked from "sources"
        out.append((anchor or a["node"], b["node"]))
        if a["edge"] == "asserted_by":
            anchor = a["node"]
    return out


# ---- without a browser ---------------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_page_is_one_file_with_no_reference_to_any_host(seed):
    _kb, out = seed
    text = out.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(text)
    tags = [t for t, _a in parser.tags]
    assert tags.count("script") == 3  # the data island, vis-network, the page
    assert not {"link", "iframe", "img", "object", "embed", "base", "frame", "a"} & set(tags)
    assert not [a for _t, a in parser.tags if {"src", "href", "srcset", "action", "poster"} & set(a)]
    assert not re.search(r"@import|@font-face", text, re.I)
    assert all(u.startswith("data:") for u in re.findall(r"url\(\s*[\"']?([^\"')]*)", text))
    assert "default-src 'none'" in text


def test_json_island_round_trips_and_cannot_end_its_script():
    hostile = "</script><script>alert(1)</script><!-- \u2028 & ' \" `"
    g = nx.MultiDiGraph()
    g.add_node("a", id="a", cls="event", label=hostile, description=hostile, file="f.yaml")
    g.add_node("b", id="b", cls="source", label="s", file="f.yaml", url="https://example.org/")
    g.add_edge("a", "b", key="documented_by:video", evidence="video", quote=hostile)
    text = render_html(g, [], title=hostile)
    island = re.search(r'<script type="application/json" id="kb-data">(.*?)</script>', text, re.S).group(1)
    assert not re.search(r"[<>&\u2028]", island)
    data = json.loads(island)
    assert data["details"]["a"]["label"] == data["title"] == hostile
    assert data["edges"][0]["quote"] == hostile
    # the titles handed to pyvis are HTML-escaped (pyvis's own template shows them as HTML)
    assert all("<" not in n["title"] for n in data["nodes"]) and "&lt;/script&gt;" in data["nodes"][0]["title"]
    assert "<title>&lt;/script&gt;" in text


def test_views_focus_actor_and_conflicts_only(seed):
    kb, _out = seed
    g, found = kb.graph(), kb.conflicts()
    ids = lambda h: {a["id"] for _n, a in h.nodes(data=True)}  # noqa: E731
    by_id = {a["id"]: n for n, a in g.nodes(data=True)}
    ball = nx.ego_graph(g.to_undirected(as_view=True), by_id["shusha"], radius=1)
    assert ids(subgraph(g, found, focus="shusha", depth=1)) == {g.nodes[n]["id"] for n in ball}
    only = ids(subgraph(g, found, conflicts_only=True))
    assert only == {i for c in found for i in conflict_nodes(c)}
    claimant = found[0].claimant
    view = subgraph(g, found, actor=claimant)
    claims = {a["id"] for n, a in g.nodes(data=True) if a["cls"] == "claim"
              and any(g.nodes[v]["id"] == claimant for _u, v, k in g.out_edges(n, keys=True) if k == "by")}
    assert claims and claims <= ids(view)
    assert {c.claimant for c in found if set(conflict_nodes(c)) <= ids(view)} == {claimant}
    with pytest.raises(KeyError):
        subgraph(g, found, focus="no-such-record")


def test_cli_writes_a_focus_view_and_rejects_unknown_ids(seed, tmp_path):
    kb, _out = seed
    out = tmp_path / "focus.html"
    r = CliRunner().invoke(main, ["--store", str(kb.path), "viz", "--focus", "shusha", "--depth", "1",
                                  "-o", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(re.search(r'id="kb-data">(.*?)</script>', out.read_text(), re.S).group(1))
    assert "shusha" in data["details"] and len(data["nodes"]) < kb.graph().number_of_nodes()
    bad = CliRunner().invoke(main, ["--store", str(kb.path), "viz", "--actor", "nobody", "-o", str(out)])
    assert bad.exit_code == 1 and "actor" in bad.output and "nobody" in bad.output


# ---- in headless Chromium ------------------------------------------------------------------------

def _kb_conflicts_json(kb: KnowledgeBase) -> list[dict]:
    """What `kb conflicts --format json` prints, run as a real command."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run([sys.executable, "-m", "kb.cli", "--store", str(kb.path), "conflicts", "--format", "json"],
                       capture_output=True, text=True, check=True, env=env)
    return json.loads(r.stdout)


@browser_test
def test_seed_page_is_offline_complete_and_highlights_every_conflict(browser, seed):
    kb, out = seed
    page = Page(browser, out)
    assert page.requests == [page.url]  # nothing but the file itself
    assert page.errors == [] and page.dialogs == []
    g = kb.graph()
    assert page.js("network.body.data.nodes.length") == g.number_of_nodes()
    assert page.js("network.body.data.edges.length") == g.number_of_edges()
    assert page.js("network.physics.physicsEnabled") is False  # the layout settled, then physics stopped
    drawn_nodes = {n["id"]: n for n in page.js("network.body.data.nodes.get()")}
    drawn_edges = page.js("network.body.data.edges.get()")
    listed = page.js("kbConflicts.map(c => c.data)")
    expected = _kb_conflicts_json(kb)
    assert expected, "the seed has conflicts"
    key = lambda c: (c["kind"], c["claim"], c["documented_event"])  # noqa: E731
    assert sorted(map(key, listed)) == sorted(map(key, expected))
    for c in expected:
        for node in [s["node"] for s in c["path"]] + [s["source"] for s in c["sources"]]:
            assert drawn_nodes[node]["kbConflict"] is True, (c["claim"], node)
        for a, b in _pairs(c["path"]):
            assert any(e["kbConflict"] and {e["from"], e["to"]} == {a, b} for e in drawn_edges), (c["claim"], a, b)
        for s in c["sources"]:
            assert any(e["kbConflict"] and e["from"] == s["event"] and e["to"] == s["source"]
                       and e["kbEvidence"] == s["evidence"] for e in drawn_edges), (c["claim"], s)
    # nothing else is outlined: off every path, nodes keep their class colour
    on_paths = {n for c in expected for n in [s["node"] for s in c["path"]] + [s["source"] for s in c["sources"]]}
    assert {i for i, n in drawn_nodes.items() if n["kbConflict"]} == on_paths
    page.close()


@browser_test
def test_clicking_a_conflict_selects_its_path_and_search_finds_aliases(browser, seed):
    kb, out = seed
    page = Page(browser, out)
    found = kb.conflicts()
    last = len(found) - 1
    for i in (0, last):
        page.page.click(f'.item[data-conflict="{i}"]')
        c = found[i]
        assert page.js("kbSelected") == i
        assert set(page.js("network.getSelectedNodes()")) == set(conflict_nodes(c))
        selected = page.js("network.getSelectedEdges()")
        assert selected and set(selected) == set(page.js(f"kbConflicts[{i}].edges"))
        assert c.quote in page.page.inner_text("#details")
        assert "Conflict" in page.page.inner_text("#details")
    page.page.fill("#search", "Shushi")
    assert page.js("kbFocused") == "shusha"
    assert page.js("network.getSelectedNodes()") == ["shusha"]
    assert page.page.inner_text("#details").startswith("Shusha")
    page.page.fill("#search", "")
    page.page.fill("#search", "susa")  # accents fold: finds the alias Şuşa
    assert page.js("kbFocused") == "shusha"
    page.close()


@browser_test
def test_filters_hide_classes_and_conflict_kinds(browser, seed):
    kb, out = seed
    page = Page(browser, out)
    g = kb.graph()
    claims = sum(1 for _n, a in g.nodes(data=True) if a["cls"] == "claim")
    page.page.uncheck('input[data-filter="class:claim"]')
    assert page.js("network.body.data.nodes.get().filter(n => n.hidden).length") == claims
    page.page.check('input[data-filter="class:claim"]')
    assert page.js("network.body.data.nodes.get().filter(n => n.hidden).length") == 0
    found = kb.conflicts()
    kind = found[0].kind
    page.page.uncheck(f'input[data-filter="kind:{kind}"]')
    assert page.js("document.querySelectorAll('#conflicts .item').length") == sum(c.kind != kind for c in found)
    still = {n for c in found if c.kind != kind for n in conflict_nodes(c)}
    assert set(page.js("network.body.data.nodes.get().filter(n => n.kbConflict).map(n => n.id)")) == still
    page.close()


@browser_test
def test_screenshot_shows_a_drawn_graph(browser, seed):
    from PIL import Image

    _kb, out = seed
    page = Page(browser, out)
    shot = REPO / "graphs" / "seed.png"  # the test artifact (graphs/ is gitignored)
    shot.parent.mkdir(exist_ok=True)
    page.page.screenshot(path=str(shot))
    side = page.js("document.getElementById('side').getBoundingClientRect().right")
    page.close()
    img = Image.open(shot).convert("RGB")
    assert img.size == (1280, 800)
    area = img.crop((int(side) + 1, 0, 1280, 800))
    counts = {c: n for n, c in area.getcolors(maxcolors=1 << 20)}
    painted = sum(n for c, n in counts.items() if sum(c) < 720)
    assert painted > 0.02 * area.width * area.height  # not a blank canvas
    for cls, (colour, _shape) in STYLE.items():
        if cls == "claim":
            continue  # claims are filled by stance
        rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        assert counts.get(rgb, 0) > 50, f"no {cls} node drawn"


@browser_test
def test_hostile_data_is_shown_as_text(browser, tmp_path):
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([HOSTILE])
    assert kb.conflicts(), "the hostile data has a conflict to click"
    title = "<script>window.__pwned=99;alert(99)</script>"
    out = kb.viz(tmp_path / "hostile.html", title=title)
    page = Page(browser, out)
    tags = "img, svg, iframe, object, embed, b, a, link, style, frame, form, input:not(#search):not([type=checkbox])"
    before = page.js(f"document.querySelectorAll({tags!r}).length")
    texts, hrefs = [], {}
    links = "Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))"
    for node in page.js("network.body.data.nodes.getIds()"):
        page.js("id => kbShowNode(id)", node)
        texts.append(page.page.inner_text("#details"))
        hrefs[node] = page.js(links)
        # hover the node: vis-network's tooltip
        x, y = page.js("""id => { const p = network.canvasToDOM(network.getPosition(id));
                                  const r = document.getElementById('graph').getBoundingClientRect();
                                  return [r.left + p.x, r.top + p.y]; }""", node)
        page.page.mouse.move(x, y)
        page.page.wait_for_timeout(400)
    page.page.click('.item[data-conflict="0"]')
    texts.append(page.page.inner_text("#details"))
    hrefs["conflict"] = page.js(links)
    page.page.fill("#search", "script")
    page.page.fill("#search", "javascript")
    assert page.dialogs == []
    assert page.js("window.__pwned") is None
    assert page.js("document.querySelectorAll('script').length") == 3
    # the only links are the source's https URL (on the source, its event and the conflict)
    url = "https://example.org/?q=%3Cscript%3E&x=');window.__pwned=11;//"
    assert {k: v for k, v in hrefs.items() if v} == {"src": [url], "ev": [url], "conflict": [url]}
    injected = page.js(f"document.querySelectorAll({tags!r}).length") - len(page.js(links)) - 2  # 2 <style>
    assert injected == before - 2 == 0
    assert page.js("document.querySelectorAll('[onerror], [onload], [onmouseover], [srcdoc]').length") == 0
    # ... and every hostile string is on the page, as text
    shown = "\n".join(texts)
    for s in ("<script>window.__pwned=1;alert(1)</script>", "<img src=x onerror=window.__pwned=17;alert(17)>",
              "javascript:window.__pwned=18", "</script><script>window.__pwned=6;alert(6)</script>"):
        assert s in shown
    assert page.js("document.title") == title
    assert page.js("document.querySelector('div.vis-tooltip') !== null")  # tooltips were shown
    assert page.js("document.querySelector('div.vis-tooltip').querySelectorAll('*:not(div):not(strong)').length") == 0
    assert page.requests == [page.url] and page.errors == []
    page.close()


@browser_test
def test_render_level_only_http_urls_become_links(browser, tmp_path):
    g = nx.MultiDiGraph()
    urls = {"js": "javascript:window.__pwned=1", "mixed": " JaVaScRiPt:window.__pwned=2",
            "data": "data:text/html,<script>window.__pwned=3</script>", "vb": "vbscript:msgbox(4)",
            "quote": "https://example.org/\"><script>window.__pwned=5</script>", "ok": "http://example.org/a?b=1&c=2"}
    for k, u in urls.items():
        g.add_node(k, id=k, cls="source", label=k, url=u, file="x.yaml")
    g.add_node("e", id="e", cls="event", label="event", file="x.yaml")
    for k in urls:
        g.add_edge("e", k, key="documented_by:video", evidence="video", quote=urls[k])
    page = Page(browser, write_html(g, [], tmp_path / "links.html"))
    for k in ("js", "mixed", "data", "vb"):
        page.js("id => kbShowNode(id)", k)
        assert page.js("document.querySelectorAll('#details a').length") == 0
        assert urls[k].strip() in page.page.inner_text("#details")
    for k in ("quote", "ok"):
        page.js("id => kbShowNode(id)", k)
        assert page.js("document.querySelector('#details a').getAttribute('href')") == urls[k]
    page.js("kbShowNode('e')")  # the event lists its six sources; two of them link
    assert sorted(page.js("Array.from(document.querySelectorAll('#details a')).map(a => a.href)")) == \
        sorted(["https://example.org/%22%3E%3Cscript%3Ewindow.__pwned=5%3C/script%3E", urls["ok"]])
    assert page.js("window.__pwned") is None and page.dialogs == [] and page.errors == []
    page.close()


@browser_test
def test_too_large_graph_gets_a_message_not_a_frozen_tab(browser, tmp_path):
    g = nx.MultiDiGraph()
    for i in range(MAX_DRAWN + 1):
        g.add_node(f"n{i}", id=f"n{i}", cls="event", label=f"event {i}", file="x.yaml")
    page = Page(browser, write_html(g, [], tmp_path / "big.html"))
    message = page.page.inner_text("#overlay")
    assert "--focus" in message and "--conflicts-only" in message and str(MAX_DRAWN + 1) in message
    assert page.js("window.network") is None
    page.page.fill("#search", "event 2500")  # the rest of the page still works
    assert page.js("kbFocused") == "n2500"
    page.page.click("#overlay button")  # drawing it anyway, without layout, does not hang
    assert page.js("network.body.data.nodes.length") == MAX_DRAWN + 1
    assert page.errors == []
    page.close()


FORGED = Path(__file__).parent / "corpus" / "viz" / "forged.ttl"


def test_look_alike_terms_cannot_forge_a_record(tmp_path):
    """x:id, x:file, x:kind, x:label (#14 item 5): only the ontology's own terms, by IRI, name fields."""
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([FORGED])
    g = kb.graph()
    actor = g.nodes["https://w3id.org/evkb/id/forged-actor"]
    assert (actor["id"], actor["label"], actor["cls"]) == ("forged-actor", "Forged actor", "actor")
    assert actor["file"].endswith("forged.ttl") and "kind" not in actor
    assert actor["iri"] == "https://w3id.org/evkb/id/forged-actor"
    assert actor["http://forger.example/terms/file"] == "seed/claims.yaml"  # kept, under its full IRI
    place = "https://w3id.org/evkb/id/forged-place"
    assert [k for _u, _v, k in g.out_edges(place, keys=True)] == ["http://forger.example/terms/part_of"]


@browser_test
def test_forged_terms_are_shown_under_their_iri_in_the_panel(browser, tmp_path):
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([FORGED])
    page = Page(browser, kb.viz(tmp_path / "forged.html"))
    page.js("id => kbShowNode(id)", "forged-actor")
    text = page.page.inner_text("#details")
    page.close()
    lines = text.splitlines()
    assert "id: forged-actor" in lines and "class: actor" in lines
    assert "http://forger.example/terms/label: Government of Armenia" in lines
    assert not any(line.startswith("loaded from: seed/") for line in lines)
    assert "Government of Armenia" not in [line for line in lines if not line.startswith("http")]


CARD = """() => {
  const d = document.getElementById('details');
  const f = (root, name) => { const e = root.querySelector(`:scope > [data-field="${name}"]`);
                               return e ? (e.querySelector('.v') || e).textContent : null; };
  const sect = cls => d.querySelector(`.sect.${cls}`);
  return {
    finding: d.dataset.finding,
    claim: Object.fromEntries(['claimant', 'stance', 'challenge', 'contradicted_by', 'concedes', 'quote',
                               'stated_in', 'claim_date'].map(k => [k, f(sect('claim'), k)])),
    challenged_account: (sect('claim').querySelector('[data-field="challenged_account"]') || {dataset: {}}).dataset.ids || null,
    finding_fields: Object.fromEntries(['kind', 'independence', 'timing', 'score', 'nsources'].map(k => [k, f(sect('finding'), k)])),
    paths: Array.from(d.querySelectorAll('[data-field="path"]')).map(p => [p.dataset.kind, p.dataset.nodes]),
    sources: Array.from(sect('docs').querySelectorAll('li[data-source]')).map(li => ({
      source: li.dataset.source, evidence: (li.querySelector('[data-field="evidence"]') || {dataset: {}}).dataset.value || '',
      publisher: f(li, 'publisher'), date: f(li, 'date'), origin: f(li, 'origin'),
      links: Array.from(li.querySelectorAll('a')).map(a => a.getAttribute('href'))})),
  };
}"""


@browser_test
def test_finding_card_shows_what_kb_conflicts_json_gives_for_every_seed_finding(browser, seed):
    """#20 item 1: the card's fields equal `kb conflicts --format json` (independence as given, each source once)."""
    kb, out = seed
    expected = _kb_conflicts_json(kb)
    page = Page(browser, out)
    listed = page.js("kbConflicts.map(c => [c.data.kind, c.data.claim, c.data.documented_event])")
    assert len(listed) == len(expected)
    by_key = {(c["kind"], c["claim"], c["documented_event"]): c for c in expected}
    for i, key in enumerate(listed):
        c = by_key[tuple(key)]
        page.page.click(f'.item[data-conflict="{i}"]')
        card = page.js(CARD)
        assert card["finding"] == str(i)
        claim = card["claim"]
        assert claim["claimant"] == (c["claimant_name"] or c["claimant"])
        assert claim["stance"] == c["stance"] and claim["quote"] == c["quote"]
        assert claim["challenge"] == (c["challenge"] or None)
        assert claim["contradicted_by"] == (c["contradicted_by"] or None)
        assert claim["concedes"] == (", ".join(c["concedes"]) or None)
        assert card["challenged_account"] == (" ".join(c["challenged_account"]) or None)
        assert claim["stated_in"] == (c["stated_in_title"] or c["stated_in"])
        assert claim["claim_date"] == c["claim_date"]
        fields = card["finding_fields"]
        assert fields["independence"] == c["independence"]  # verbatim, not recomputed
        assert (fields["kind"], fields["timing"], fields["score"]) == (c["kind"], c["timing"], f"{c['score']:.2f}")
        assert card["paths"] == [[p["kind"], " ".join(s["node"] for s in p["path"])] for p in c["paths"]]
        # each source once, in first-cited order, with all its evidence types
        want = {}
        for s in c["sources"]:
            want.setdefault(s["source"], {"evidence": [], "s": s})["evidence"].append(s["evidence"])
        assert [s["source"] for s in card["sources"]] == list(want)
        assert fields["nsources"] == str(len(want))
        for shown in card["sources"]:
            w = want[shown["source"]]
            assert shown["evidence"] == " ".join(dict.fromkeys(w["evidence"]))
            assert shown["publisher"] == (w["s"]["publisher_name"] or w["s"]["publisher"] or "publisher unknown")
            assert shown["date"] == w["s"]["date"] and shown["origin"] == w["s"]["origin"]
    # a source cited under several evidence types is listed once on the card
    multi = [c for c in expected if len({s["source"] for s in c["sources"]}) < len(c["sources"])]
    assert multi, "the seed has a source documenting one event with several evidence types"
    assert page.errors == []
    page.close()


@browser_test
def test_selecting_a_finding_dims_the_rest_and_frames_its_path_beside_the_panel(browser, seed):
    """#20 item 1: only the selected path is drawn in the selected colour (named in the legend), all else
    dimmed, and every node of the path lies in the graph's part that the panel leaves free."""
    from kb.exports.viz import SELECTED_COLOUR

    kb, out = seed
    found = kb.conflicts()
    page = Page(browser, out)
    assert "the selected finding's path" in page.page.inner_text("#legend")
    for i in (0, len(found) - 1):
        page.page.click(f'.item[data-conflict="{i}"]')
        on = set(conflict_nodes(found[i]))
        drawn = page.js("network.body.data.nodes.get()")
        assert {n["id"] for n in drawn if not n["kbDim"]} == on
        edges = page.js("network.body.data.edges.get()")
        path_edges = set(page.js(f"kbConflicts[{i}].edges"))
        assert {e["id"] for e in edges if e["kbSelected"]} == path_edges
        assert all(e["color"]["color"] == SELECTED_COLOUR for e in edges if e["id"] in path_edges)
        assert all(e["color"]["color"] != SELECTED_COLOUR for e in edges if e["id"] not in path_edges)
        box = page.js("""ids => { const g = document.getElementById('graph').getBoundingClientRect();
                                   const p = document.getElementById('panel').getBoundingClientRect();
                                   return {g: [g.left, g.top, g.right, g.bottom], panel: p.left,
                                           at: ids.map(id => network.canvasToDOM(network.getPosition(id)))
                                                  .map(q => [g.left + q.x, g.top + q.y])}; }""", sorted(on))
        left, top, _right, bottom = box["g"]
        for x, y in box["at"]:
            assert left < x < box["panel"] and top < y < bottom, (i, x, y, box)
        assert page.js("location.hash") == f"#finding={i + 1}"
    page.page.click("#close")
    assert not any(n["kbDim"] for n in page.js("network.body.data.nodes.get()"))
    page.close()
    # the URL names a finding: the page opens with it selected
    page = Page(browser, out.with_name(out.name))
    page.page.goto(page.url + "#finding=2")
    page.page.reload()
    page.page.wait_for_function("document.body.dataset.stable === '1'", timeout=60_000)
    assert page.js("kbSelected") == 1
    assert page.js("document.getElementById('details').dataset.finding") == "1"
    page.close()


@browser_test
def test_finding_card_copies_as_the_markdown_kb_conflicts_prints(browser, seed):
    """#20 item 1: the card copies as markdown with its citations — the finding's section of
    `kb conflicts --format markdown`."""
    kb, out = seed
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    report = subprocess.run([sys.executable, "-m", "kb.cli", "--store", str(kb.path), "conflicts", "--format",
                             "markdown"], capture_output=True, text=True, check=True, env=env).stdout
    sections = [s.split("\n", 1)[1] for s in report.split("\n## ")[1:]]  # without the numbered heading line
    page = Page(browser, out)
    ctx = page.page.context
    ctx.grant_permissions(["clipboard-read", "clipboard-write"])
    for i in (0, len(sections) - 1):
        page.page.click(f'.item[data-conflict="{i}"]')
        page.page.click("#copy-md")
        page.page.wait_for_function("window.kbCopied !== undefined && document.getElementById('copy-md').textContent !== 'Copy as markdown'")
        copied = page.js("window.kbCopied")
        assert copied, page.page.inner_text("#copy-md")
        assert copied.split("\n## ", 1)[1].split("\n", 1)[1].strip() == sections[i].strip()
        assert page.js("navigator.clipboard.readText()") == copied
        assert ("Sources:" in copied) == bool(kb.conflicts()[i].sources)  # the citations travel with it
    assert page.errors == []
    page.close()

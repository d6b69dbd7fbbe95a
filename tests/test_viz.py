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
from helpers import REPO, browser_test

from kb import KnowledgeBase
from kb.cli import main
from kb.exports.viz import (
    MAX_DRAWN,
    conflict_nodes,
    page_data,
    read_page_data,
    render_html,
    subgraph,
    write_html,
)

HOSTILE = REPO / "tests" / "corpus" / "viz" / "hostile.yaml"
@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("viz")
    kb = KnowledgeBase(tmp / "store")
    kb.build()
    return kb, kb.viz(tmp / "seed.html", title="Seed: the 2020 BBC interview with Ilham Aliyev")


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

    def pick(self, i: int) -> None:
        """Click finding ``i`` (engine order, from 0) in the list, unfolding its claim's entry first."""
        item = self.page.locator(f'.item[data-conflict="{i}"]')
        if not item.is_visible():
            self.page.click(f'.cgroup:has(.item[data-conflict="{i}"]) > .ghead')
        item.click()

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
    assert tags.count("script") == 4  # the data island, vis-timeline, vis-network, the page
    assert not {"link", "iframe", "img", "object", "embed", "base", "frame", "a"} & set(tags)
    assert not [a for _t, a in parser.tags if {"src", "href", "srcset", "action", "poster"} & set(a)]
    assert not re.search(r"@import|@font-face", text, re.I)
    assert all(u.startswith("data:") for u in re.findall(r"url\(\s*[\"']?([^\"')]*)", text))
    assert "default-src 'none'" in text
    assert "sourceMappingURL" not in text  # no tool asks for a map file


def test_vendored_timeline_ships_with_its_licence_and_is_package_data():
    js = REPO / "kb" / "data" / "js"
    assert (js / "vis-timeline-graph2d.min.js").read_text(encoding="utf-8").startswith("/**\n * vis-timeline")
    assert "Apache-2.0 OR MIT" in (js / "vis-timeline.LICENSE.md").read_text(encoding="utf-8")
    assert "MIT License" in (js / "vis-timeline.LICENSE.MIT.txt").read_text(encoding="utf-8")
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"data/js/*.js"' in pyproject and '"data/js/*.txt"' in pyproject


def test_page_data_round_trips_and_cannot_end_its_script():
    hostile = "</script><script>alert(1)</script><!-- \u2028 & ' \" `"
    g = nx.MultiDiGraph()
    g.add_node("a", id="a", cls="event", label=hostile, description=hostile, file="f.yaml")
    g.add_node("b", id="b", cls="source", label="s", file="f.yaml", url="https://example.org/")
    g.add_edge("a", "b", key="documented_by:video", evidence="video", quote=hostile)
    text = render_html(g, [], title=hostile)
    island = re.search(r'<script type="application/json" id="kb-data">(.*?)</script>', text, re.S).group(1)
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", island)  # base64 of gzip: nothing from data can end the script
    data = read_page_data(text)
    a = data["records"]["ids"].index("a")
    assert data["records"]["details"][a]["label"] == data["title"] == hostile
    assert data["edges"][0][4] == [hostile]  # [from, to, relation, evidence types, quotes]
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
    data = read_page_data(out)
    assert "shusha" in data["records"]["ids"] and len(data["records"]["ids"]) < kb.graph().number_of_nodes()
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
    # one drawn edge per (from, to, relation): a source's several documentations of an event are one edge
    assert page.js("network.body.data.edges.length") == len({(u, v, k.split(":")[0]) for u, v, k in g.edges(keys=True)})
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
                       and s["evidence"] in e["kbEvidence"] for e in drawn_edges), (c["claim"], s)
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
        page.pick(i)
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
    page.pick(0)
    texts.append(page.page.inner_text("#details"))
    hrefs["conflict"] = page.js(links)
    page.page.fill("#search", "script")
    page.page.fill("#search", "javascript")
    assert page.dialogs == []
    assert page.js("window.__pwned") is None
    assert page.js("document.querySelectorAll('script').length") == 4
    # the only links are the source's https URL (on the source, its event and the conflict)
    url = "https://example.org/?q=%3Cscript%3E&x=');window.__pwned=11;//"
    assert {k: v for k, v in hrefs.items() if v} == {"src": [url], "ev": [url], "conflict": [url]}
    # <style>: ours and the ones vis-timeline adds as it loads (its own CSS), none carrying data
    styles = page.js("Array.from(document.querySelectorAll('style')).map(s => s.textContent)")
    assert not [s for s in styles if "pwned" in s or "<" in s]
    injected = page.js(f"document.querySelectorAll({tags!r}).length") - len(page.js(links)) - len(styles)
    assert injected == before - len(styles) == 0
    assert page.js("document.querySelectorAll('[onerror], [onload], [onmouseover], [srcdoc]').length") == 0
    # ... and every hostile string is on the page, as text
    shown = "\n".join(texts)
    for s in ("<script>window.__pwned=1;alert(1)</script>", "<img src=x onerror=window.__pwned=17;alert(17)>",
              "javascript:window.__pwned=18", "</script><script>window.__pwned=6;alert(6)</script>"):
        assert s in shown
    assert page.js("document.title") == title
    # the timeline's items and lanes: hostile names as text, nothing parsed from them
    timeline = page.js("Array.from(document.querySelectorAll('#timeline .vis-item-content')).map(e => e.textContent)")
    assert any(s.startswith("<script>window.__pwned=1;alert(1)</script><img src=x") for s in timeline), timeline
    assert page.js("document.querySelectorAll('#timeline *:not(div):not(span)').length") == 0
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


def _hostile_places_graph(n: int) -> nx.MultiDiGraph:
    """``n`` events at three places with hostile names (enough records for the overview)."""
    g = nx.MultiDiGraph()
    names = ["<img src=x onerror=window.__pwned=31>", "</script><script>window.__pwned=32</script>", "Town & <b>c</b>"]
    for k, name in enumerate(names):
        g.add_node(f"p{k}", id=f"p{k}", cls="place", label=name, file="x.yaml")
    for i in range(n):
        g.add_node(f"n{i}", id=f"n{i}", cls="event", label=f"event {i}", file="x.yaml")
        g.add_edge(f"n{i}", f"p{i % 3}", key="place")
    return g


@browser_test
def test_large_view_opens_on_groups_with_counts_that_expand_on_click(browser, tmp_path):
    """#20 item 4 and 5: above MAX_DRAWN records the page draws groups (hostile names shown as text)."""
    g = _hostile_places_graph(MAX_DRAWN + 100)
    out = write_html(g, [], tmp_path / "big.html")
    data = read_page_data(out)
    page = Page(browser, out)
    drawn = page.js("network.body.data.nodes.get().map(n => [n.id, n.kbClass, n.kbFull, n.kbValue])")
    assert {c for _i, c, _l, _v in drawn} == {"group"}
    place = data["groups"]["place"]
    want = {name: place["of"].count(k) for k, name in enumerate(place["names"])}
    # each group's node says its name and how many records it holds
    assert sorted((full, v) for _i, _c, full, v in drawn) == sorted((f"{k}\n{n} records", n) for k, n in want.items())
    assert want["<img src=x onerror=window.__pwned=31>"] == len(range(0, MAX_DRAWN + 100, 3)) + 1  # its events, itself
    group = next(i for i, _c, full, _v in drawn if full.startswith("Town & <b>c</b>"))
    x, y = page.js("""id => { const p = network.canvasToDOM(network.getPosition(id));
                              const r = document.getElementById('graph').getBoundingClientRect();
                              return [r.left + p.x, r.top + p.y]; }""", group)
    page.page.mouse.move(x, y)
    page.page.wait_for_timeout(400)
    assert "Town & <b>c</b>" in page.page.inner_text("div.vis-tooltip")  # the group's tooltip, as text
    page.page.mouse.click(x, y)
    page.page.wait_for_function("document.body.dataset.stable === '1'", timeout=60_000)
    ids = set(page.js("network.body.data.nodes.getIds()"))
    members = {g.nodes[n]["id"] for n in g.nodes if g.nodes[n]["cls"] == "event" and int(n[1:]) % 3 == 2} | {"p2"}
    assert members <= ids and group not in ids  # expanded: its records drawn on their own, the group gone
    assert len(ids) == len(members) + 2
    page.page.fill("#search", "event 0")  # a record inside a group is drawn on its own when found
    assert page.js("kbFocused") == "n0" and "n0" in page.js("network.body.data.nodes.getIds()")
    page.page.check('input[data-grouping="side"]')  # another grouping: its groups, nothing expanded
    page.page.wait_for_function("document.body.dataset.stable === '1'", timeout=60_000)
    assert {n["kbClass"] for n in page.js("network.body.data.nodes.get()")} <= {"group", "event"}
    assert page.js("window.__pwned") is None and page.dialogs == [] and page.errors == []
    assert page.js("document.querySelectorAll('img, iframe, b, svg').length") == 0
    assert page.js("document.querySelectorAll('script').length") == 4
    assert page.requests == [page.url]
    page.close()


@browser_test
def test_large_synthetic_case_lists_every_finding_and_highlights_one(browser, tmp_path):
    """#20 item 4: the findings list stays complete in the overview; a finding draws its own path."""
    from kb.testing.synthetic import generate, write_yaml

    ds = generate(triples=18_000, seed=3)
    write_yaml(ds, tmp_path / "syn.yaml")
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([tmp_path / "syn.yaml"])
    assert kb.graph().number_of_nodes() > MAX_DRAWN
    found = kb.conflicts()
    page = Page(browser, kb.viz(tmp_path / "syn.html"))
    assert page.js("document.querySelectorAll('#conflicts .item').length") == len(found)
    assert page.js("network.body.data.nodes.length") <= page.js("kbData.overviewGroups") + 1
    i = len(found) // 2
    page.pick(i)
    drawn = {n["id"]: n for n in page.js("network.body.data.nodes.get()")}
    path = set(conflict_nodes(found[i]))
    assert path <= set(drawn)
    assert set(drawn) - set(page.js("kbVeiled()")) == path
    assert set(page.js(f"kbConflicts[{i}].edges")) <= set(page.js("network.body.data.edges.getIds()"))
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
  const marked = root => Array.from(root.querySelectorAll(':scope > [data-inferred="1"]')).map(e => e.dataset.field).sort();
  return {
    finding: d.dataset.finding,
    claim: Object.fromEntries(['claimant', 'stance', 'challenge', 'contradicted_by', 'concedes', 'quote',
                               'stated_in', 'rendered_in', 'claim_date', 'claim_inferred'].map(k => [k, f(sect('claim'), k)])),
    claim_marked: marked(sect('claim')),
    matched: Array.from(sect('claim').querySelectorAll('[data-field="matched"] li')).map(li => li.textContent),
    challenged_account: (sect('claim').querySelector('[data-field="challenged_account"]') || {dataset: {}}).dataset.ids || null,
    finding_fields: Object.fromEntries(['kind', 'independence', 'timing', 'score', 'nsources', 'grades'].map(k => [k, f(sect('finding'), k)])),
    paths: Array.from(d.querySelectorAll('[data-field="path"]')).map(p => [p.dataset.kind, p.dataset.nodes]),
    sources: Array.from(sect('docs').querySelectorAll('li[data-source]')).map(li => ({
      source: li.dataset.source, evidence: (li.querySelector('[data-field="evidence"]') || {dataset: {}}).dataset.value || '',
      publisher: f(li, 'publisher'), date: f(li, 'date'), origin: f(li, 'origin'), known_by: f(li, 'known_by'),
      grade: f(li, 'grade'), inferred: f(li, 'inferred'), attributes_to: f(li, 'attributes_to'), marked: marked(li),
      links: Array.from(li.querySelectorAll('a')).map(a => a.getAttribute('href'))})),
  };
}"""


def _per_row(rows: list[dict], key: str) -> str | None:
    """What the card shows for a value one source's documentations may not share: one value, or each."""
    vals = [s[key] for s in rows if s.get(key)]
    if not vals:
        return None
    if len(set(vals)) == 1:
        return vals[0]
    return ", ".join(dict.fromkeys(f"{s['evidence']} {s[key]}" for s in rows if s.get(key)))


_MARKS = {"publisher": "publisher", "author": "author", "date": "date", "attribution": "attributes_to"}


def _check_card(card: dict, c: dict, labels: dict[str, str]) -> None:
    """The card's fields against one finding of `kb conflicts --format json` (#20 item 1, #13's fields)."""
    claim = card["claim"]
    assert claim["claimant"] == (c["claimant_name"] or c["claimant"])
    assert claim["stance"] == c["stance"] and claim["quote"] == c["quote"]
    assert claim["challenge"] == (c["challenge"] or None)
    assert claim["contradicted_by"] == (c["contradicted_by"] or None)
    assert claim["concedes"] == (", ".join(c["concedes"]) or None)
    assert card["challenged_account"] == (" ".join(c["challenged_account"]) or None)
    assert claim["stated_in"] == (c["stated_in_title"] or c["stated_in"])
    assert claim["rendered_in"] == (c["rendered_in_title"] or c["rendered_in"])
    assert claim["claim_date"] == c["claim_date"]
    assert claim["claim_inferred"] == (", ".join(c["claim_inferred"]) or None)
    # inferred things are marked as inferred, and nothing else is
    want_marked = {"date": "claim_date", "attribution": "claimant"}
    assert card["claim_marked"] == sorted(want_marked[x] for x in c["claim_inferred"]
                                          if x in want_marked and (x != "date" or c["claim_date"]))
    assert card["matched"] == c["matched"]
    fields = card["finding_fields"]
    assert fields["independence"] == c["independence"]  # verbatim, not recomputed
    assert (fields["kind"], fields["timing"], fields["score"]) == (c["kind"], c["timing"], f"{c['score']:.2f}")
    assert fields["grades"] == (", ".join(c["grades"]) or None)
    assert card["paths"] == [[p["kind"], " ".join(s["node"] for s in p["path"])] for p in c["paths"]]
    # each source once, in first-cited order, with all its evidence types
    want: dict[str, list[dict]] = {}
    for s in c["sources"]:
        want.setdefault(s["source"], []).append(s)
    assert [s["source"] for s in card["sources"]] == list(want)
    assert fields["nsources"] == str(len(want))
    for shown in card["sources"]:
        rows = want[shown["source"]]
        first = rows[0]
        inferred = list(dict.fromkeys(x for s in rows for x in s["inferred"]))
        assert shown["evidence"] == " ".join(dict.fromkeys(s["evidence"] for s in rows))
        assert shown["publisher"] == (first["publisher_name"] or first["publisher"] or "publisher unknown")
        assert shown["date"] == first["date"] and shown["origin"] == first["origin"]
        assert shown["known_by"] == _per_row(rows, "known_by") and shown["grade"] == _per_row(rows, "grade")
        assert shown["inferred"] == (", ".join(inferred) or None)
        assert shown["attributes_to"] == (", ".join(labels.get(a, a) for a in first["attributes_to"]) or None)
        present = {"publisher": True, "author": bool(first["author_name"] or first["author"]),
                   "date": bool(first["date"]), "attribution": bool(first["attributes_to"])}
        assert shown["marked"] == sorted(_MARKS[x] for x in inferred if x in _MARKS and present[x]), shown


@browser_test
def test_finding_card_shows_what_kb_conflicts_json_gives_for_every_seed_finding(browser, seed):
    """#20 item 1: the card's fields equal `kb conflicts --format json` (independence as given, each source once)."""
    kb, out = seed
    expected = _kb_conflicts_json(kb)
    page = Page(browser, out)
    listed = page.js("kbConflicts.map(c => [c.data.kind, c.data.claim, c.data.documented_event])")
    assert len(listed) == len(expected)
    by_key = {(c["kind"], c["claim"], c["documented_event"]): c for c in expected}
    labels = {a["id"]: a.get("label", a["id"]) for _n, a in kb.graph().nodes(data=True)}
    for i, key in enumerate(listed):
        c = by_key[tuple(key)]
        page.pick(i)
        card = page.js(CARD)
        assert card["finding"] == str(i)
        _check_card(card, c, labels)
    # the seed exercises #13's fields: a title-only source, an inferred attribution, grades, the rendering
    assert any(s["known_by"] == "title" for c in expected for s in c["sources"])
    assert any("attribution" in s["inferred"] for c in expected for s in c["sources"])
    assert all(c["rendered_in_title"] for c in expected) and any(c["grades"] for c in expected)
    # a source cited under several evidence types is listed once on the card
    multi = [c for c in expected if len({s["source"] for s in c["sources"]}) < len(c["sources"])]
    assert multi, "the seed has a source documenting one event with several evidence types"
    assert page.errors == []
    page.close()


INFERRED = """
actors:
  - {id: speaker, name: A Speaker, kind: person}
  - {id: outlet, name: An Outlet, kind: media}
  - {id: doer, name: Some Forces, kind: government}
places:
  - {id: town, name: A Town}
sources:
  - {id: paper, title: A report, kind: report, publisher: outlet, date: 2020-01-02, inferred: [date, publisher],
     reliability: B, credibility: "2"}
  - {id: talk, title: A talk, kind: interview, author: speaker}
events:
  - id: ev
    label: Something that happened
    place: town
    documented_by:
      - {source: paper, evidence: video, known_by: title}
      - {source: paper, evidence: photo, reliability: C, attributes_to: [doer], inferred: [attribution]}
claims:
  - {id: said, by: speaker, stance: denies, about: ev, text: It never happened., stated_in: talk, date: 2020-02-01,
     inferred: [date, attribution]}
"""


@browser_test
def test_card_marks_what_the_dataset_inferred_and_each_documentations_grade(browser, tmp_path):
    """#20 item 1 with #13's fields: inferred dates, attributions and publishers are marked as inferred;
    a source's documentations with different grades or known-by show each."""
    (tmp_path / "inferred.yaml").write_text(INFERRED, encoding="utf-8")
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([tmp_path / "inferred.yaml"])
    expected = _kb_conflicts_json(kb)
    assert len(expected) == 1 and sorted(expected[0]["claim_inferred"]) == ["attribution", "date"]
    labels = {a["id"]: a.get("label", a["id"]) for _n, a in kb.graph().nodes(data=True)}
    page = Page(browser, kb.viz(tmp_path / "inferred.html"))
    page.pick(0)
    card = page.js(CARD)
    _check_card(card, expected[0], labels)
    assert card["claim_marked"] == ["claim_date", "claimant"]
    shown = card["sources"][0]
    assert shown["marked"] == ["attributes_to", "date", "publisher"]
    assert shown["grade"] == "photo C2, video B2" and shown["known_by"] == "photo content, video title"
    assert page.js("document.querySelectorAll('#details .inf').length") == 5
    assert page.errors == []
    page.close()


@browser_test
def test_card_of_a_described_finding_says_why_it_matched(browser, tmp_path):
    """#19 on the page: a finding reached through a described claim shows what matched, as the JSON says."""
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([REPO / "kb" / "data" / "examples" / "fictional"])
    expected = _kb_conflicts_json(kb)
    assert expected and all(c["matched"] for c in expected)
    labels = {a["id"]: a.get("label", a["id"]) for _n, a in kb.graph().nodes(data=True)}
    page = Page(browser, kb.viz(tmp_path / "fictional.html"))
    listed = page.js("kbConflicts.map(c => [c.data.claim, c.data.documented_event])")
    by_key = {(c["claim"], c["documented_event"]): c for c in expected}
    for i, key in enumerate(listed):
        page.js("i => kbSelectConflict(i)", i)
        _check_card(page.js(CARD), by_key[tuple(key)], labels)
    assert page.errors == []
    page.close()


def _many_matches(n: int) -> str:
    """A region with ``n`` shellings in its towns and a denial describing them all, beside a plain denial."""
    towns = "\n".join(f"  - {{id: town{k}, name: Town {k}, part_of: [region]}}" for k in range(n))
    events = "\n".join(f"  - {{id: shelling{k}, label: Shelling of Town {k}, kind: shelling, place: town{k}, "
                       f"date: 2031-03-{1 + k % 28:02d}, documented_by: [{{source: monitor, evidence: photo}}]}}"
                       for k in range(n))
    return f"""
actors:
  - {{id: ministry, name: A Ministry, kind: government}}
  - {{id: monitor-org, name: A Monitor, kind: ngo}}
places:
  - {{id: region, name: The Region}}
{towns}
sources:
  - {{id: monitor, title: Monitoring report, kind: report, publisher: monitor-org}}
events:
{events}
claims:
  - {{id: no-shelling, by: ministry, stance: denies, text: "<img src=x onerror=window.__pwned=41>We shelled no town.",
     describes: {{place: region, date: 2031-03-01/2031-03-31, kinds: [shelling]}}}}
  - {{id: not-town0, by: ministry, stance: denies, about: shelling0, text: Town 0 was never shelled.}}
"""


@browser_test
def test_findings_list_groups_findings_per_claim(browser, tmp_path):
    """#19 item 1 on the page: one claim with 40 matching incidents is one entry that unfolds to 40,
    numbered as kb conflicts numbers them (claim.finding), each saying what it documents and why it matched."""
    (tmp_path / "many.yaml").write_text(_many_matches(40), encoding="utf-8")
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([tmp_path / "many.yaml"])
    expected = _kb_conflicts_json(kb)
    claims = list(dict.fromkeys(c["claim"] for c in expected))  # in the order of their first finding
    members = {cl: [i for i, c in enumerate(expected) if c["claim"] == cl] for cl in claims}
    assert len(members["no-shelling"]) == 40 and len(members["not-town0"]) == 1
    page = Page(browser, kb.viz(tmp_path / "many.html"))
    key = lambda c: (c["kind"], c["claim"], c["documented_event"])  # noqa: E731
    listed = page.js("kbConflicts.map(c => [c.data.kind, c.data.claim, c.data.documented_event, c.number])")
    assert [tuple(x[:3]) for x in listed] == [key(c) for c in expected]  # the engine's order, unchanged
    for rank, cl in enumerate(claims, 1):
        assert [listed[i][3] for i in members[cl]] == [f"{rank}.{j}" for j in range(1, len(members[cl]) + 1)]
    assert page.page.text_content("#nconf") == "41 about 2 claims"
    # one entry per claim: the singleton as its finding, the 40 under one folded heading
    entries = page.js("Array.from(document.getElementById('conflicts').children).map(e => e.className)")
    assert sorted(entries) == ["cgroup", "item"]
    head = page.page.locator(".cgroup > .ghead")
    assert "40 finding(s) (40 described)" in head.inner_text()
    assert "\u201c<img src=x onerror=window.__pwned=41>We shelled no town.\u201d" in head.inner_text()  # as text
    assert page.js("document.querySelectorAll('.cgroup .item').length") == 40
    assert page.page.locator(".cgroup .gbody").is_hidden()
    head.click()
    shown = page.js("Array.from(document.querySelectorAll('.cgroup .item')).map(e => [e.dataset.conflict, e.innerText])")
    assert [int(i) for i, _t in shown] == members["no-shelling"]
    for i, text in shown:
        c = expected[int(i)]
        assert c["documented_event_label"] in text and all(m in text for m in c["matched"])
    head.click()  # folds again; selecting one of its findings unfolds it and marks it
    assert page.page.locator(".cgroup .gbody").is_hidden()
    i = members["no-shelling"][7]
    page.js("i => kbSelectConflict(i)", i)
    assert page.page.locator(".cgroup .gbody").is_visible()
    assert page.js("document.querySelector('#conflicts .item.active').dataset.conflict") == str(i)
    assert page.page.inner_text("#details").startswith(f"Conflict {listed[i][3]}: described")
    assert page.js("window.__pwned") is None and page.js("document.querySelectorAll('img').length") == 0
    assert page.errors == [] and page.dialogs == []
    page.close()


def _check_veil(page: Page, on: set[str]) -> None:
    """On the drawn picture: records off the path look dimmed (near white), the path's keep their colour."""
    import io

    from PIL import Image

    g = page.js("(() => { const r = document.getElementById('graph').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()")
    img = Image.open(io.BytesIO(page.page.screenshot(clip=dict(zip(["x", "y", "width", "height"], g, strict=True))))).convert("RGB")
    at = page.js("""() => Object.fromEntries(network.body.data.nodes.getIds().map(id => [id, network.canvasToDOM(network.getPosition(id))]))""")
    colour = page.js("Object.fromEntries(network.body.data.nodes.get().map(n => [n.id, n.color.background]))")
    free = page.js("document.getElementById('panel').getBoundingClientRect().left") - g[0]  # left of the panel
    inside = {k: (p["x"], p["y"]) for k, p in at.items() if 5 < p["x"] < min(img.width, free) - 5 and 5 < p["y"] < img.height - 5}
    # the path's nodes with their (full) labels, in page pixels: what is drawn over the veil
    boxes = page.js("""ids => ids.map(id => { const b = network.getBoundingBox(id);
        const a = network.canvasToDOM({x: b.left, y: b.top}), z = network.canvasToDOM({x: b.right, y: b.bottom});
        return [a.x - 12, a.y - 12, z.x + 12, z.y + 12]; })""", sorted(on))
    near = lambda k: any(x0 < inside[k][0] < x1 and y0 < inside[k][1] < y1 for x0, y0, x1, y1 in boxes)  # noqa: E731
    checked = 0
    for k, (x, y) in inside.items():
        pixel = img.getpixel((int(x), int(y)))
        if k in on:  # its fill colour shows near its centre (a box's centre is its text)
            want = tuple(int(colour[k][j:j + 2], 16) for j in (1, 3, 5))
            around = [img.getpixel((int(x) + dx, int(y) + dy)) for dx in range(-8, 9, 2) for dy in range(-4, 5, 2)]
            assert any(max(abs(a - b) for a, b in zip(p, want, strict=True)) < 30 for p in around), (k, pixel, want)
        elif not near(k):  # under the veil (a path's edge may cross it: most of the spot is light)
            spot = [img.getpixel((int(x) + dx, int(y) + dy)) for dx in range(-4, 5) for dy in range(-4, 5)]
            assert sum(min(p) > 170 for p in spot) > 0.6 * len(spot), (k, pixel)
            checked += 1
    assert checked > 0


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
        page.pick(i)
        on = set(conflict_nodes(found[i]))
        drawn = page.js("network.body.data.nodes.get()")
        assert {n["id"] for n in drawn if n["kbSelected"]} == on
        assert set(page.js("kbVeiled()")) == {n["id"] for n in drawn} - on
        _check_veil(page, on)
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
        assert page.js("location.hash") == "#finding=" + page.js(f"kbConflicts[{i}].number")
    page.page.click("#close")
    assert page.js("kbVeiled()") == [] and not any(n["kbSelected"] for n in page.js("network.body.data.nodes.get()"))
    page.close()
    # the URL names a finding: the page opens with it selected
    page = Page(browser, out.with_name(out.name))
    page.page.goto(page.url + "#finding=2")
    page.page.reload()
    page.page.wait_for_function("document.body.dataset.stable === '1'", timeout=60_000)
    assert page.js("kbSelected") == 1
    assert page.js("document.getElementById('details').dataset.finding") == "1"
    number = page.js("kbConflicts[3].number")  # as kb conflicts numbers it: claim.finding
    assert re.fullmatch(r"\d+\.\d+", number)
    page.page.goto(page.url.split("#")[0] + "#finding=" + number)
    page.page.reload()
    page.page.wait_for_function("document.body.dataset.stable === '1'", timeout=60_000)
    assert page.js("kbSelected") == 3
    page.close()


@browser_test
def test_finding_card_copies_as_the_markdown_kb_conflicts_prints(browser, seed):
    """#20 item 1: the card copies as markdown with its citations — the finding's section of
    `kb conflicts --format markdown`."""
    kb, out = seed
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    report = subprocess.run([sys.executable, "-m", "kb.cli", "--store", str(kb.path), "conflicts", "--format",
                             "markdown"], capture_output=True, text=True, check=True, env=env).stdout
    claims = {s.split(".", 1)[0]: "## " + s.split("\n### ")[0] for s in report.split("\n## ")[1:]}
    sections = {s.split(". ", 1)[0]: "### " + s.split("\n## ")[0]  # number -> each finding's section
                for s in report.split("\n### ")[1:]}
    page = Page(browser, out)
    ctx = page.page.context
    ctx.grant_permissions(["clipboard-read", "clipboard-write"])
    found = kb.conflicts()
    inferred = next(i for i, c in enumerate(found) if any(s.inferred for s in c.sources))
    grouped = next(i for i, c in enumerate(found) if sum(x.claim == c.claim for x in found) > 1)
    for i in sorted({0, inferred, grouped, len(found) - 1}):
        page.pick(i)
        page.page.click("#copy-md")
        page.page.wait_for_function("window.kbCopied !== undefined && document.getElementById('copy-md').textContent !== 'Copy as markdown'")
        copied = page.js("window.kbCopied")
        assert copied, page.page.inner_text("#copy-md")
        number = page.js(f"kbConflicts[{i}].number")
        assert copied.startswith(f"# Finding {number}: {found[i].kind}\n")
        # the report's section of its claim (every finding of the claim counted), then the finding's own
        claim, finding = copied.split("\n## ", 1)[1].split("\n### ")
        assert "## " + claim.strip() == claims[number.split(".")[0]].strip()
        assert "### " + finding.strip() == sections[number].strip()
        assert page.js("navigator.clipboard.readText()") == copied
        assert ("Sources:" in copied) == bool(found[i].sources)  # the citations travel with it
        # with #13's fields: the rendering, each source's grade, known-by and what was inferred
        assert f"as rendered in *{found[i].rendered_in_title}*" in copied
        for s in found[i].sources:
            assert f"graded {s.grade}" in copied
            if s.known_by == "title":
                assert "known by its title or heading only" in copied
            if s.inferred:
                assert f"inferred: {', '.join(s.inferred)}" in copied
    assert page.errors == []
    page.close()


# ---- #20 items 2 and 3: a readable graph and a timeline ------------------------------------------

def test_one_edge_per_source_and_event_carries_every_evidence_type(seed):
    kb, _out = seed
    g = kb.graph()
    data = page_data(g, kb.conflicts())
    ids = data["records"]["ids"]
    docs = {}
    for u, v, k, d in g.edges(keys=True, data=True):
        if k.startswith("documented_by:"):
            docs.setdefault((g.nodes[u]["id"], g.nodes[v]["id"]), []).append(d["evidence"])
    drawn = {(ids[a], ids[b]): ev for a, b, rel, ev, _q in data["edges"] if rel == "documented_by"}
    assert {k: sorted(v) for k, v in drawn.items()} == {k: sorted(v) for k, v in docs.items()}
    assert any(len(v) > 1 for v in drawn.values()), "the seed has a source with several evidence types"
    # claims say who claimed, in full and when zoomed out
    by_id = {a["id"]: n for n, a in g.nodes(data=True)}
    for i, rid in enumerate(ids):
        a = g.nodes[by_id[rid]]
        if a["cls"] == "claim":
            who = next(g.nodes[v]["label"] for _u, v, k in g.out_edges(by_id[rid], keys=True) if k == "by")
            assert data["records"]["labels"][i].startswith(f"{who} {a['stance']}: ")
            assert data["records"]["short"][i].startswith(f"{who} {a['stance']}")
        assert data["records"]["degree"][i] == g.degree(by_id[rid])


OVERLAPS = """() => {
  // label boxes as the page measured them, node shapes from the network's positions and sizes
  const pos = network.getPositions(), body = network.body.nodes, data = network.body.data.nodes;
  const shape = id => { const b = body[id], p = pos[id];
    if (b.options.shape === 'box') return {l: p.x - b.shape.width / 2, r: p.x + b.shape.width / 2, t: p.y - b.shape.height / 2, b: p.y + b.shape.height / 2};
    const s = b.options.size; return {l: p.x - s, r: p.x + s, t: p.y - s, b: p.y + s}; };
  const ctx = document.createElement('canvas').getContext('2d');
  const shown = Object.keys(pos).filter(id => !data.get(id).hidden);
  const out = {overlaps: [], labels: 0, widths: []};
  for (const id of shown) {
    const n = data.get(id); if (!n.label) continue;
    out.labels++;
    const z = body[id].labelModule.size;
    const L = body[id].options.shape === 'box' ? shape(id) : {l: z.left, r: z.left + z.width, t: z.top, b: z.top + z.height};
    ctx.font = body[id].labelModule.fontOptions.size + 'px ' + body[id].labelModule.fontOptions.face;
    out.widths.push([Math.max(...n.label.split('\\n').map(s => ctx.measureText(s).width)), z.width,
                     Math.max(...n.label.split(/\\s+/).map(s => ctx.measureText(s).width))]);
    for (const o of shown) { if (o === id) continue; const S = shape(o);
      if (L.l < S.r && S.l < L.r && L.t < S.b && S.t < L.b) out.overlaps.push([id, o]); }
  }
  return out;
}"""


@browser_test
def test_seed_graph_is_readable_at_the_default_zoom(browser, seed):
    """#20 item 2: no label overlaps another node at the default zoom; full labels when zoomed in;
    edge labels only on hover and on the selected finding."""
    kb, out = seed
    page = Page(browser, out)
    probe = page.js(OVERLAPS)
    assert probe["overlaps"] == []
    assert probe["labels"] > 0.8 * kb.graph().number_of_nodes()  # most labels are kept
    for measured, drawn, word in probe["widths"]:  # the page's label boxes are the text's real width
        if measured < 150:  # one line; longer labels wrap at the width constraint (170 px)
            assert abs(measured - drawn) <= 2, probe["widths"]
        else:  # wrapped: no wider than the constraint, no narrower than its longest word
            assert min(word, 170) - 2 <= drawn <= 172, probe["widths"]
    labels = {n["id"]: n["label"] for n in page.js("network.body.data.nodes.get()")}
    full = {n["id"]: n["kbFull"] for n in page.js("network.body.data.nodes.get()")}
    assert any(labels[i] and labels[i] != full[i] for i in labels)  # zoomed out: short labels
    assert all(e["label"] == "" for e in page.js("network.body.data.edges.get()"))
    page.js("network.moveTo({scale: network.getScale() * 3}); network.emit('zoom', {})")
    now = {n["id"]: n["label"] for n in page.js("network.body.data.nodes.get()")}
    assert now == full  # zoomed in: every label in full
    c = kb.conflicts()[0]
    page.pick(0)
    path = set(page.js("kbConflicts[0].edges"))
    edges = page.js("network.body.data.edges.get()")
    assert {e["id"] for e in edges if e["label"]} == path
    docs = [e for e in edges if e["id"] in path and e["kbKind"] == "documented_by"]
    assert docs and all(e["label"] == ", ".join(e["kbEvidence"]) for e in docs)
    assert {s.evidence for s in c.sources} == {ev for e in docs for ev in e["kbEvidence"]} & {s.evidence for s in c.sources}
    page.close()


def _timeline_want(expected: list[dict], details: dict) -> dict[str, tuple]:
    """The timeline items `kb conflicts --format json` implies: id -> (lane, start, end, date inferred)."""
    want = {}
    for c in expected:
        d = c["claim_date"]
        want[f"claim:{c['claim']}"] = ("claim" if d else "undated", d, None, bool(d) and "date" in c["claim_inferred"])
        for s in c["sources"]:
            d = s["date"]
            want[f"documentation:{s['source']}"] = ("documentation" if d else "undated", d, None,
                                                   bool(d) and "date" in s["inferred"])
        for other in c["counter_claims"]:  # a counter-claim meets claims, not documentation
            d = details[other].get("date")
            want[f"claim:{other}"] = ("claim" if d else "undated", d, None,
                                      bool(d) and "date" in details[other].get("inferred", []))
        e = details[c["documented_event"]]
        start = e.get("date") or e.get("startDate")
        want[f"event:{c['documented_event']}"] = ("event" if start else "undated", start,
                                                  None if e.get("date") else e.get("endDate"),
                                                  bool(start) and "date" in e.get("inferred", []))
    return want


TIMELINE = "kbTimeline.itemsData.get().map(i => [i.id, i.group, i.kbRecord, i.kbFindings])"


@browser_test
def test_timeline_items_are_the_findings_dated_claims_and_documentation(browser, seed):
    """#20 item 3: items on their dates, undated ones on their own lane (folded beside dated ones),
    linked both ways with the graph."""
    kb, out = seed
    expected = _kb_conflicts_json(kb)
    details = {a["id"]: a for _n, a in kb.graph().nodes(data=True)}
    page = Page(browser, out)
    items = page.js(TIMELINE)
    want = _timeline_want(expected, details)
    assert {i for i, *_ in items} == set(want)
    ours = {t["id"]: t for t in page.js("kbData.timeline")}
    for item_id, lane, _record, _f in items:
        t = ours[item_id]
        assert (t["lane"], t["start"], t["end"], t["inferred"]) == want[item_id], item_id
        assert lane == (t["lane"] if t["start"] else "undated:" + item_id.split(":")[0])
    dated = {i for i, w in want.items() if w[1]}
    # the seed's dated records (the 8 November address, the 1-3 October shelling) are on the axis
    assert {"claim:aliyev-shusha-liberation", "event:stepanakert-shelling-2020-10-01"} <= dated
    # with all findings, the undated lane is folded to one row under its count; a click unfolds it
    assert page.js("kbUndatedOpen") is False
    drawn = "Array.from(document.querySelectorAll('#timeline .vis-item-content')).map(e => e.textContent)"
    assert sorted(page.js(drawn)) == sorted(ours[i]["label"] for i in dated)
    head = page.page.locator("#timeline .vis-label", has_text="date unknown")
    assert head.inner_text().strip() == f"date unknown ({len(want) - len(dated)})"
    head.click()
    page.page.wait_for_timeout(100)
    assert page.js("kbTimeline.groupsData.get('undated').showNested") is True
    unfolded = page.js(drawn)  # (the lane scrolls: the items out of its view are not in the DOM)
    assert len(unfolded) > len(dated) and set(unfolded) <= {ours[i]["label"] for i in want}
    # a finding selected: only its items, the undated ones shown; a timeline item clicked: its finding selected
    page.pick(1)
    page.page.wait_for_timeout(50)
    only = set(page.js("kbTimeline.itemsData.getIds()"))
    one = page.js("[kbConflicts[1].data.claim, kbConflicts[1].data.documented_event, kbConflicts[1].data.kind]")
    mine = _timeline_want([c for c in expected if [c["claim"], c["documented_event"], c["kind"]] == one], details)
    assert only == set(mine)
    # one finding: its undated items unfolded, and only the lanes holding its items
    assert page.js("kbUndatedOpen") is True and page.js(drawn)
    lanes = page.js("kbTimeline.groupsData.get().filter(g => g.visible !== false).map(g => g.id)")
    kind = lambda i: i.split(":")[0]  # noqa: E731
    assert set(lanes) == {kind(i) if w[1] else f"undated:{kind(i)}" for i, w in mine.items()} | \
        ({"undated"} if any(not w[1] for w in mine.values()) else set())
    page.page.click("#close")
    page.page.wait_for_timeout(50)
    item = next(i for i, lane, rec, f in page.js(TIMELINE) if i.startswith("event:") and i in dated and 0 not in f)
    page.page.click(f'.vis-item:has-text("{ours[item]["label"][:20]}")')
    assert page.js("kbTimelinePicked") == item
    assert page.js("kbSelected") == ours[item]["findings"][0]
    assert ours[item]["record"] in page.js("network.getSelectedNodes()")
    assert page.errors == []
    page.close()


def test_cli_timeline_only_writes_the_timeline_alone(seed, outside):
    from helpers import kb as run

    kb, _out = seed
    r = run("viz", "--timeline-only", "-o", "timeline.html", cwd=outside, store=kb.path)
    assert r.returncode == 0, r.stderr
    data = read_page_data(outside / "timeline.html")
    assert data["timelineOnly"] is True and data["timeline"]
    assert "--timeline-only" in run("viz", "--help", cwd=outside).stdout


@browser_test
def test_timeline_only_page_draws_no_graph(browser, seed, tmp_path):
    kb, _out = seed
    page = Page(browser, kb.viz(tmp_path / "t.html", timeline_only=True))
    assert page.js("window.network") is None and page.js("document.body.classList.contains('timeline-only')")
    assert page.js("kbTimeline.itemsData.length") == len(read_page_data(tmp_path / "t.html")["timeline"])
    page.pick(0)  # the findings list and the card still work
    assert page.js("document.getElementById('details').dataset.finding") == "0"
    assert page.requests == [page.url] and page.errors == []
    page.close()


def _drawn(path: Path, box: tuple[int, int, int, int]) -> int:
    from PIL import Image

    area = Image.open(path).convert("RGB").crop(box)
    return sum(n for n, c in area.getcolors(maxcolors=1 << 22) if sum(c) < 720)


@browser_test
def test_screenshots_of_the_seed_initial_a_selected_finding_and_the_timeline(browser, seed):
    """The README's pictures (graphs/seed*.png at 1400x900), each checked to be drawn."""
    from kb.exports.viz import SELECTED_COLOUR

    _kb, out = seed
    page = Page(browser, out)
    page.page.set_viewport_size({"width": 1400, "height": 900})
    page.js("network.fit(); kbTimeline.fit({animation: false})")
    shots = REPO / "graphs"
    shots.mkdir(exist_ok=True)
    page.page.screenshot(path=str(shots / "seed.png"))
    page.page.locator("#timeline-box").screenshot(path=str(shots / "seed-timeline.png"))  # all findings
    page.pick(0)
    page.page.wait_for_timeout(300)
    page.page.screenshot(path=str(shots / "seed-finding.png"))
    g = page.js("(() => { const r = document.getElementById('graph').getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })()")
    page.close()
    from PIL import Image

    for name in ("seed.png", "seed-finding.png"):
        img = Image.open(shots / name)
        assert img.size == (1400, 900)
        box = tuple(int(v) for v in g)
        assert _drawn(shots / name, box) > 0.02 * (box[2] - box[0]) * (box[3] - box[1])
    teal = tuple(int(SELECTED_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
    colours = {c for _n, c in Image.open(shots / "seed-finding.png").convert("RGB").getcolors(maxcolors=1 << 22)}
    assert teal in colours  # the selected path is drawn in its colour
    tl = Image.open(shots / "seed-timeline.png").convert("RGB")
    assert _drawn(shots / "seed-timeline.png", (0, 0, tl.width, tl.height)) > 0.02 * tl.width * tl.height

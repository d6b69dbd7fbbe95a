"""The HTML page in a real headless Chromium (Debian's): offline, complete, interactive, safe."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb import KnowledgeBase

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REPO = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")]

HOSTILE = """
actors:
  - id: evil
    name: "<script>window.__pwned=1</script><img src=x onerror=\\"window.__pwned=2\\">"
    kind: person
    description: "\\"'><svg onload=window.__pwned=3> javascript:window.__pwned=4"
  - id: outlet
    name: "</script><script>window.__pwned=5</script>"
    kind: media
sources:
  - id: src
    title: "<iframe src=javascript:window.__pwned=6></iframe>"
    kind: report
    publisher: outlet
    url: "https://example.org/?q=%3Cscript%3E&x=');window.__pwned=7;//"
events:
  - id: ev
    label: "{{7*7}} ${window.__pwned=8} <b onmouseover=window.__pwned=9>bold</b>"
    documented_by:
      - {source: src, evidence: video, quote: "<img src=x onerror=window.__pwned=10>"}
claims:
  - id: cl
    by: evil
    stance: denies
    about: ev
    text: "javascript:window.__pwned=11 <a href=\\"javascript:window.__pwned=12\\">click</a>"
"""


@pytest.fixture(scope="module")
def browser():
    sync = pytest.importorskip("playwright.sync_api")
    with sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


class Page:
    """A page with every request, console error and dialog recorded."""

    def __init__(self, browser, path: Path):
        # The page's own Content-Security-Policy would also stop injected scripts and requests; the
        # tests switch it off so that they prove the escaping and the offline assets on their own.
        self.page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        self.requests, self.errors, self.dialogs = [], [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_function("document.body.dataset.stable === '1'", timeout=60_000)

    def js(self, expr: str):
        return self.page.evaluate(expr)


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("viz")
    kb = KnowledgeBase(tmp / "store")
    kb.build()
    out = kb.viz(tmp / "seed.html", title="Seed")
    return kb, out


def test_seed_page_is_offline_complete_and_highlights_every_conflict(browser, seed):
    kb, out = seed
    page = Page(browser, out)
    assert page.requests == [page.url]  # nothing but the file itself
    assert page.errors == []
    g = kb.graph()
    assert page.js("network.body.data.nodes.length") == g.number_of_nodes()
    assert page.js("network.body.data.edges.length") == g.number_of_edges()
    conflicts = kb.conflicts()
    assert page.js("kbConflicts.length") == len(conflicts) > 0
    for c in conflicts:
        for node in [s.node for s in c.path] + [s.source for s in c.sources]:
            assert page.js(f"network.body.data.nodes.get({node!r}).kbConflict") is True, (c.claim, node)
    highlighted_edges = page.js("network.body.data.edges.get().filter(e => e.kbConflict).length")
    assert highlighted_edges >= len({(s.node) for c in conflicts for s in c.path})
    page.page.close()


def test_clicking_a_conflict_selects_its_path_and_search_finds_aliases(browser, seed):
    kb, out = seed
    page = Page(browser, out)
    first = kb.conflicts()[0]
    page.page.click('.conflict[data-conflict="0"]')
    selected = set(page.js("network.getSelectedNodes()"))
    assert selected == {s.node for s in first.path} | {s.source for s in first.sources}
    assert page.js("kbSelected") == 0
    page.page.fill("#search", "Shushi")
    assert page.js("kbFocused") == "shusha"
    assert page.js("network.getSelectedNodes()") == ["shusha"]
    assert "Shusha" in page.page.inner_text("#details")
    page.page.fill("#search", "Suşa".replace("S", "Ş"))  # accents and other scripts fold
    assert page.js("kbFocused") == "shusha"
    page.page.close()


def test_screenshot_shows_a_drawn_graph(browser, seed):
    from PIL import Image

    _kb, out = seed
    page = Page(browser, out)
    shot = REPO / "graphs" / "seed.png"
    shot.parent.mkdir(exist_ok=True)
    page.page.screenshot(path=str(shot))
    page.page.close()
    img = Image.open(shot).convert("RGB")
    assert img.size == (1280, 800)
    graph_area = img.crop((360, 0, 1280, 800))  # right of the side panel
    colours = graph_area.getcolors(maxcolors=1 << 20)
    not_white = sum(n for n, c in colours if sum(c) < 720)
    assert not_white > 0.01 * 920 * 800  # a drawn graph, not a blank canvas
    assert len(colours) > 50


def test_hostile_data_is_shown_as_text(browser, tmp_path):
    data = tmp_path / "hostile.yaml"
    data.write_text(HOSTILE, encoding="utf-8")
    kb = KnowledgeBase(tmp_path / "store")
    kb.build([data])
    out = kb.viz(tmp_path / "hostile.html", title="<script>window.__pwned=13</script>")
    page = Page(browser, out)
    for node in ("evil", "outlet", "src", "ev", "cl"):
        page.js(f"kbShowNode({node!r})")
    page.page.click('.conflict[data-conflict="0"]')
    page.page.fill("#search", "script")
    assert page.dialogs == []
    assert page.js("window.__pwned") is None
    assert page.js("document.querySelectorAll('#side img, #side svg, #side iframe, #side b, script:not([id]):not([src])').length") <= 2
    hrefs = page.js("Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))")
    assert all(h.startswith("https://") for h in hrefs)
    assert page.js("document.title") == "<script>window.__pwned=13</script>"
    assert page.requests == [page.url] and page.errors == []
    page.page.close()


def test_render_level_only_http_urls_become_links(browser, tmp_path):
    import networkx as nx

    from kb.viz import write_html

    g = nx.MultiDiGraph()
    g.add_node("a", id="a", cls="source", label="bad link", url="javascript:window.__pwned=1", file="x")
    g.add_node("b", id="b", cls="source", label="good link", url="https://example.org/", file="x")
    out = write_html(g, [], tmp_path / "links.html")
    page = Page(browser, out)
    page.js("kbShowNode('a')")
    assert page.js("document.querySelectorAll('#details a').length") == 0
    page.js("kbShowNode('b')")
    assert page.js("document.querySelector('#details a').getAttribute('href')") == "https://example.org/"
    page.page.close()


def test_too_large_graph_gets_a_message_not_a_frozen_tab(browser, tmp_path):
    import networkx as nx

    from kb.viz import MAX_DRAWN, write_html

    g = nx.MultiDiGraph()
    for i in range(MAX_DRAWN + 1):
        g.add_node(f"n{i}", id=f"n{i}", cls="event", label=f"event {i}", file="x")
    out = write_html(g, [], tmp_path / "big.html")
    page = Page(browser, out)
    assert "--focus" in page.page.inner_text("#toobig")
    assert page.js("window.network") is None
    page.page.close()

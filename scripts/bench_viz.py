"""Time the HTML page in headless Chromium: from navigation until the layout has settled.

    python scripts/bench_viz.py            # the seed graph and a 2 000-node view of synthetic data
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

from kb import KnowledgeBase
from kb.viz import write_html

REPO = Path(__file__).resolve().parent.parent


def page_seconds(path: Path) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        start = time.perf_counter()
        page.goto(path.resolve().as_uri())
        page.wait_for_function("document.body.dataset.stable === '1'", timeout=300_000)
        seconds = time.perf_counter() - start
        browser.close()
    return seconds


def main() -> int:
    tmp = Path(tempfile.mkdtemp())
    kb = KnowledgeBase(tmp / "seed")
    kb.build()
    seed = kb.viz(tmp / "seed.html")
    print(f"seed page ({kb.graph().number_of_nodes()} nodes): {page_seconds(seed):.2f} s to settled layout")
    spec = importlib.util.spec_from_file_location("generate", REPO / "scripts" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    sys.modules["generate"] = gen
    spec.loader.exec_module(gen)
    gen.write_yaml(gen.generate(20_000, seed=5), tmp / "syn.yaml")
    big = KnowledgeBase(tmp / "big")
    big.build([tmp / "syn.yaml"])
    g = big.graph()
    part = g.subgraph(list(g.nodes)[:2000]).copy()
    out = write_html(part, [], tmp / "view2000.html")
    print(f"2 000-node view ({part.number_of_nodes()} nodes, {part.number_of_edges()} edges): "
          f"{page_seconds(out):.2f} s to settled layout")
    return 0


if __name__ == "__main__":
    sys.exit(main())

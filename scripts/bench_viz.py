"""Time the HTML page in headless Chromium: from navigation until the layout has settled.

    python scripts/bench_viz.py                 # the seed page and a ~2 000-node --focus view
    python scripts/bench_viz.py --incidents 850 --runs 3

The seed is the bundled dataset. The large view is ``kb viz --focus war --depth 3`` over a
connected synthetic campaign (one war, campaigns part of it, incidents part of those at places,
documented by sources of a pool of publishers, some denied by leaders): the synthetic data of
``scripts/generate.py`` is made of small unconnected cells, so no focus view of it reaches 2 000
nodes. Reports the median of ``--runs`` page loads (milliseconds from navigation start to the end
of layout stabilisation, as the page measures it with ``performance.now()``).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from kb import KnowledgeBase

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def campaign(incidents: int) -> dict[str, list[dict]]:
    """A connected evidence graph around one event ``war`` (records as the YAML format holds them)."""
    campaigns, places, publishers, leaders = 20, 30, 15, 4
    data: dict[str, list[dict]] = {"actors": [], "places": [], "sources": [], "events": [], "claims": []}
    for k in range(leaders):
        data["actors"] += [{"id": f"gov-{k}", "name": f"Government {k}", "kind": "government"},
                           {"id": f"leader-{k}", "name": f"Leader {k}", "kind": "person",
                            "affiliated_with": [f"gov-{k}"]}]
        data["sources"].append({"id": f"statement-{k}", "title": f"Statement by Leader {k}",
                                "kind": "statement", "author": f"leader-{k}", "date": "2020-11-01"})
    data["actors"] += [{"id": f"pub-{k}", "name": f"Outlet {k}", "kind": "media"} for k in range(publishers)]
    data["places"] += [{"id": f"place-{k}", "name": f"Town {k}", "aliases": [f"Town-{k}@hy"]}
                       for k in range(places)]
    data["events"].append({"id": "war", "label": "The war"})
    data["events"] += [{"id": f"camp-{k}", "label": f"Campaign {k}", "part_of": ["war"]}
                       for k in range(campaigns)]
    for i in range(incidents):
        day = 1 + i % 28
        data["sources"].append({"id": f"src-{i}", "title": f"Report {i}", "kind": "report",
                                "publisher": f"pub-{i % publishers}", "date": f"2020-10-{day:02d}",
                                "url": f"https://example.org/reports/{i}"})
        data["events"].append({"id": f"inc-{i}", "label": f"Incident {i}", "date": f"2020-10-{day:02d}",
                               "place": f"place-{i % places}", "part_of": [f"camp-{i % campaigns}"],
                               "documented_by": [{"source": f"src-{i}",
                                                  "evidence": ("photo", "video", "eyewitness")[i % 3],
                                                  "quote": f"What report {i} says."}]})
        if i % 3 == 0:
            data["claims"].append({"id": f"denial-{i}", "by": f"leader-{i % leaders}", "stance": "denies",
                                   "about": f"inc-{i}", "text": f"Incident {i} did not happen.",
                                   "stated_in": f"statement-{i % leaders}"})
    return data


def page_ms(path: Path, runs: int) -> tuple[float, float]:
    """Median (ms to settled as the page measures it, wall-clock s until the test saw it settled)."""
    from playwright.sync_api import sync_playwright

    settled, wall = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            start = time.perf_counter()
            page.goto(path.resolve().as_uri())
            page.wait_for_function("document.body.dataset.stable === '1'", timeout=300_000)
            wall.append(time.perf_counter() - start)
            settled.append(page.evaluate("window.kbSettledMs"))
            page.close()
        browser.close()
    return statistics.median(settled), statistics.median(wall)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--incidents", type=int, default=850, help="incidents in the synthetic campaign")
    ap.add_argument("--depth", type=int, default=3, help="--depth of the focus view around 'war'")
    ap.add_argument("--runs", type=int, default=3, help="page loads per page (median reported)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-viz-"))
    kb = KnowledgeBase(tmp / "seed")
    kb.build()
    seed = kb.viz(tmp / "seed.html")
    g = kb.graph()
    ms, wall = page_ms(seed, args.runs)
    print(f"seed page: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges, "
          f"{seed.stat().st_size / 1e6:.2f} MB: settled after {ms:.0f} ms (wall {wall:.2f} s)")
    data = tmp / "campaign.yaml"
    data.write_text(yaml.safe_dump(campaign(args.incidents), sort_keys=False, allow_unicode=True))
    big = KnowledgeBase(tmp / "campaign")
    big.build([data])
    out = big.viz(tmp / "focus.html", focus="war", depth=args.depth)
    whole = big.graph()
    drawn = json.loads(re.search(r'id="kb-data">(.*?)</script>', out.read_text(), re.S).group(1))
    ms, wall = page_ms(out, args.runs)
    print(f"focus view (--focus war --depth {args.depth}, of {whole.number_of_nodes()} nodes): "
          f"{len(drawn['nodes'])} nodes, {len(drawn['edges'])} edges, {len(drawn['conflicts'])} conflicts, "
          f"{out.stat().st_size / 1e6:.2f} MB: settled after {ms:.0f} ms (wall {wall:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

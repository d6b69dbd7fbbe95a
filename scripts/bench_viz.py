"""Time the HTML page in headless Chromium at 1 000, 10 000 and 100 000 records.

    python scripts/bench_viz.py                          # the three sizes, 3 page loads each
    python scripts/bench_viz.py --records 1000 10000 --runs 1 --json graphs/bench_viz.json
    python scripts/bench_viz.py --acled 5000             # also the page of a 5 000-event ACLED import

The data is the synthetic evidence graph of :mod:`kb.testing.synthetic` (planted conflicts among
distractors), built into a store and written with ``kb viz``. For each size it reports the page's
size, the browser's first contentful paint, when the graph was first drawn, when the layout settled
(each in ms from navigation start, as the page measures them with ``performance.now()``), and how
long a click on a finding took to highlight it (``kbSelectMs``, the median over 5 findings).
Medians over ``--runs`` page loads. Views above ``kb.exports.viz.MAX_DRAWN`` records open on the
overview of groups.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from kb import KnowledgeBase
from kb.testing.synthetic import generate, write_yaml

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TRIPLES_PER_RECORD = 6  # what kb.testing.synthetic makes, on average (50 000 triples: 8 400 records)
WAIT = "document.body.dataset.stable === '1'"
TIMES = """() => ({fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
                   drawn: window.kbFirstPaintMs, settled: window.kbSettledMs})"""


def build(work: Path, records: int) -> tuple[KnowledgeBase, int, float]:
    """A store of about ``records`` synthetic records: (store, records, seconds to build)."""
    ds = generate(triples=records * TRIPLES_PER_RECORD)
    write_yaml(ds, work / "synthetic.yaml")
    kb = KnowledgeBase(work / "store")
    start = time.perf_counter()
    kb.build([work / "synthetic.yaml"])
    return kb, sum(len(v) for v in ds.records.values()), time.perf_counter() - start


def load(browser, path: Path, runs: int) -> dict[str, float]:
    """Median page timings (ms) over ``runs`` loads, and the median highlight time of 5 findings."""
    rows, picks = [], []
    for _ in range(runs):
        page = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
        page.goto(path.resolve().as_uri())
        page.wait_for_function(WAIT, timeout=600_000)
        rows.append(page.evaluate(TIMES))
        n = page.evaluate("kbConflicts.length")
        for i in sorted({0, n // 4, n // 2, 3 * n // 4, n - 1}) if n else []:
            page.evaluate("i => kbSelectConflict(i)", i)
            picks.append(page.evaluate("kbSelectMs"))
        page.close()
    out = {k: statistics.median(r[k] for r in rows if r.get(k) is not None)
           for k in ("fcp", "drawn", "settled")}
    out["select"] = statistics.median(picks) if picks else float("nan")
    return out


def acled_page(work: Path, events: int) -> dict[str, float]:
    """The page of an ACLED-layout import of ``events`` rows (scripts/bench_import.py's file)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_import import write_acled

    write_acled(work / "acled.csv", events)
    kb = KnowledgeBase(work / "acled-store")
    kb.build([work / "acled.csv"], fmt="acled")
    page = kb.viz(work / "acled.html")
    return {"events": events, "records": kb.graph().number_of_nodes(), "mb": page.stat().st_size / 1e6}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--runs", type=int, default=3, help="page loads per size (median reported)")
    ap.add_argument("--acled", type=int, default=0, help="also write the page of an ACLED import of N events")
    ap.add_argument("--json", type=Path, default=None, help="write the results here too")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory(prefix="bench-viz-") as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for size in args.records:
            work = Path(tmp) / str(size)
            work.mkdir()
            kb, records, built = build(work, size)
            start = time.perf_counter()
            page = kb.viz(work / "page.html")
            written = time.perf_counter() - start
            row = {"records": records, "findings": len(kb.conflicts()), "mb": page.stat().st_size / 1e6,
                   "build_s": built, "write_s": written, **load(browser, page, args.runs)}
            results.append(row)
            print(f"{records:>7} records, {row['findings']} findings: page {row['mb']:.2f} MB (written in "
                  f"{written:.1f} s); first paint {row['fcp']:.0f} ms, graph drawn {row['drawn']:.0f} ms, "
                  f"layout settled {row['settled']:.0f} ms; a finding highlighted in {row['select']:.0f} ms",
                  flush=True)
        browser.close()
        if args.acled:
            work = Path(tmp) / "acled"
            work.mkdir()
            row = acled_page(work, args.acled)
            results.append({"acled": row})
            print(f"ACLED import of {row['events']} events: {row['records']} records, "
                  f"page {row['mb']:.2f} MB")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

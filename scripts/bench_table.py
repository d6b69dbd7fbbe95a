"""The README's performance table, made from the rows ``scripts/bench.py --json`` wrote (never retyped).

    python scripts/bench.py --size 100000 --json graphs/bench.json
    python scripts/bench.py --size 1000000 --json graphs/bench.json
    python scripts/bench_table.py graphs/bench.json --write README.md

prints the Markdown table (one row per operation of the JSON, in the order of ``bench.PLAN``: its
seconds at each size measured, its peak RSS, its anchor and ratio at the largest size, and the
growth between the two smallest sizes), or with ``--write FILE`` replaces the text between the
``<!-- bench-table -->`` and ``<!-- /bench-table -->`` lines of FILE with it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import PLAN

START, END = "<!-- bench-table -->", "<!-- /bench-table -->"
GROWTH = "<!-- bench-growth -->", "<!-- /bench-growth -->"  # the table of scripts/bench_point.py rows


def _seconds(s: float | None, lower_bound: bool = False) -> str:
    if s is None:
        return ""
    text = f"{s:.3f}" if s < 10 else f"{s:.1f}"
    return (">" if lower_bound else "") + text


def _order(op: str) -> tuple[int, str]:
    """Rows in the order of bench.PLAN; the per-query rows where their group stands."""
    names = [name for name, _anchor, _what in PLAN]
    group = {"query": "queries", "serve": "queries-serve"}.get(op.split(" ", 1)[0], op)
    return (names.index(group) if group in names else len(names), op)


def table(rows: list[dict]) -> str:
    """The Markdown table of ``rows`` (bench.py's JSON rows, any number of sizes)."""
    sizes = sorted({r["size"] for r in rows})
    by = {(r["size"], r["op"]): r for r in rows}
    big = sizes[-1] if sizes else 0
    head = ["op", *(_number(s) for s in sizes), f"RSS MB ({_number(big)})", "anchor", "anchor s", "ratio"]
    if len(sizes) > 1:
        head.append(f"growth {_number(sizes[0])} → {_number(sizes[1])}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for op in sorted({r["op"] for r in rows}, key=_order):
        lines.append("| " + " | ".join(_row(op, sizes, by)) + " |")
    return "\n".join(lines)


def _number(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _row(op: str, sizes: list[int], by: dict[tuple[int, str], dict]) -> list[str]:
    what = {name: text for name, _anchor, text in PLAN}
    anchors = {name: anchor for name, anchor, _text in PLAN}
    measured = [by[(s, op)] for s in sizes if (s, op) in by]
    last = measured[-1]
    cells = [f"`{op}` ({what[op]})" if op in what else f"`{op}`"]
    cells += [_seconds(by[(s, op)]["seconds"], by[(s, op)].get("lower_bound", False)) if (s, op) in by
              else "" for s in sizes]
    cells.append(f"{last['rss_mb']:.0f}" if last.get("rss_mb") else "")
    anchor = anchors.get(op) or ("raw" if last.get("anchor_seconds") else "")
    cells += [f"`{anchor}`" if anchor else "", _seconds(last.get("anchor_seconds")),
              f"{last['ratio']:.2f}" if last.get("ratio") is not None else ""]
    if len(sizes) > 1:
        cells.append(_growth(by.get((sizes[0], op)), by.get((sizes[1], op))))
    return cells


def _growth(small: dict | None, large: dict | None) -> str:
    if not small or not large or small["seconds"] <= 0:
        return ""
    return f"{large['seconds'] / small['seconds']:.1f}×"


def growth_table(rows: list[dict]) -> str:
    """The Markdown table of ``scripts/bench_point.py`` rows: per step, seconds / peak MB of the
    process tree at each size, and the store's size on disk at the largest."""
    sizes = sorted({r["size"] for r in rows})
    by = {(r["size"], r["op"]): r for r in rows}
    ops = list(dict.fromkeys(r["op"] for r in sorted(rows, key=lambda r: -r["size"])))
    head = ["step", *(f"{_number(s)}: s / MB" for s in sizes), f"disk MB ({_number(sizes[-1])})"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for op in ops:
        cells = [f"`{op}`"]
        for s in sizes:
            r = by.get((s, op))
            cells.append(f"{_seconds(r['seconds'])} / {_number(r['rss_mb'])}" if r else "")
        big = by.get((sizes[-1], op), {})
        cells.append(_number(big["disk_mb"]) if big.get("disk_mb") is not None else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines + _measured_at(rows, sizes))


def _measured_at(rows: list[dict], sizes: list[int]) -> list[str]:
    """The line saying which code each column measured (none if no row names its commit)."""
    commits = {s: sorted({r["commit"] for r in rows if r["size"] == s and r.get("commit")}) for s in sizes}
    if not any(commits.values()):
        return []
    return ["", "Measured at: " + "; ".join(f"{_number(s)} at {', '.join(c) or 'an earlier commit'}"
                                            for s, c in commits.items()) + "."]


def write(path: Path, text: str, markers: tuple[str, str] = (START, END)) -> None:
    """Replace the table between the ``markers`` lines of ``path`` with ``text``."""
    doc = path.read_text(encoding="utf-8")
    start, end = f"\n{markers[0]}\n", f"\n{markers[1]}\n"  # each on a line of its own
    if start not in doc or end not in doc:
        raise SystemExit(f"{path}: no {markers[0]} ... {markers[1]} lines to put the table between")
    before, rest = doc.split(start, 1)
    _old, after = rest.split(end, 1)
    path.write_text(f"{before}{start}{text}{end}{after}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json", type=Path, help="the rows of scripts/bench.py --json")
    ap.add_argument("--write", type=Path, help="put the table between the markers of this file")
    ap.add_argument("--growth", action="store_true",
                    help="JSON is scripts/bench_point.py's: the growth table (its own markers)")
    args = ap.parse_args(argv)
    rows = json.loads(args.json.read_text())
    text = growth_table(rows) if args.growth else table(rows)
    if args.write:
        write(args.write, text, GROWTH if args.growth else (START, END))
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Import throughput: a CSV claims sheet and an ACLED-layout file of ROWS rows each.

    python scripts/bench_import.py --rows 100000

Both are written here (synthetic but realistic in shape), built into fresh stores, and timed end to
end (reading, checks, SHACL validation, commit). Prints rows/s and triples/s.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from kb import KnowledgeBase


def write_sheets(folder: Path, rows: int) -> None:
    """actors/events/claims sheets with ``rows`` claims (and as many events)."""
    folder.mkdir(parents=True)
    actors = max(10, rows // 100)
    with open(folder / "actors.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "kind"])
        for i in range(actors):
            w.writerow([f"a{i}", f"Actor {i}", "organisation"])
    with open(folder / "events.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "label", "date"])
        for i in range(rows):
            w.writerow([f"e{i}", f"Event {i}", f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}"])
    with open(folder / "claims.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "by", "stance", "about", "text", "date"])
        for i in range(rows):
            w.writerow(
                [
                    f"c{i}",
                    f"a{i % actors}",
                    ("asserts", "denies", "disputes")[i % 3],
                    f"e{i}",
                    f"Claim number {i}, in the claimant's words.",
                    f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}",
                ]
            )


def write_acled(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    towns = [(f"Town {i}", f"Province {i % 20}", 39 + rng.random(), 46 + rng.random()) for i in range(500)]
    actors = [f"Armed group {i}" for i in range(200)]
    outlets = [f"Outlet {i}" for i in range(100)]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "event_id_cnty",
                "event_date",
                "year",
                "event_type",
                "sub_event_type",
                "actor1",
                "actor2",
                "country",
                "admin1",
                "location",
                "latitude",
                "longitude",
                "source",
                "notes",
                "fatalities",
            ]
        )
        for i in range(rows):
            town = towns[i % len(towns)]
            w.writerow(
                [
                    f"XYZ{i}",
                    f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    2020,
                    "Battles",
                    "Armed clash",
                    rng.choice(actors),
                    rng.choice(actors),
                    "Country",
                    town[1],
                    town[0],
                    f"{town[2]:.4f}",
                    f"{town[3]:.4f}",
                    "; ".join(rng.sample(outlets, 2)),
                    f"On this day clashes were reported near {town[0]}.",
                    rng.randint(0, 5),
                ]
            )


def timed_build(store: Path, paths: list[Path], fmt: str | None = None) -> tuple[float, int]:
    started = time.perf_counter()
    report = KnowledgeBase(store).build(paths, fmt=fmt)
    return time.perf_counter() - started, report.triples


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="kb-import-"))
    try:
        write_sheets(work / "sheets", args.rows)
        seconds, triples = timed_build(work / "s1", [work / "sheets"])
        print(
            f"CSV sheets, {args.rows} claims + {args.rows} events: {seconds:.1f} s, "
            f"{args.rows / seconds:,.0f} claim rows/s, {triples / seconds:,.0f} triples/s"
        )
        write_acled(work / "acled.csv", args.rows)
        seconds, triples = timed_build(work / "s2", [work / "acled.csv"], fmt="acled")
        print(
            f"ACLED layout, {args.rows} rows: {seconds:.1f} s, {args.rows / seconds:,.0f} rows/s, "
            f"{triples / seconds:,.0f} triples/s"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

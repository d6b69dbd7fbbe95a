"""Import throughput: CSV sheets and an ACLED-layout file of ROWS rows, and (optionally) N-Triples.

    python scripts/bench_import.py --rows 100000
    python scripts/bench_import.py --rows 0 --nt-triples 1000000      # kb build vs raw bulk_load
    python scripts/bench_import.py --rows 100000 --no-sheets --reviews 20000   # ACLED (HDX) and a DataFeed

The files are written here (synthetic, realistic in shape), built into fresh stores with the
Python API and timed end to end (reading, record checks, SHACL validation, commit). Prints rows/s
and statements/s, and beside each import its anchor in the same run: the statements the import
stored, dumped as N-Quads and bulk-loaded by raw pyoxigraph into a fresh on-disk store (``bulk``,
and the ratio). With ``--nt-triples`` also ``kb build`` of an N-Triples file against the raw
``bulk_load`` of the same file. ``--profile N`` prints the N top cProfile entries of each import.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import pstats
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from kb import KnowledgeBase


def write_sheets(folder: Path, rows: int) -> int:
    """actors, events and claims sheets: ``rows`` events and ``rows`` claims (each claim about an
    event), plus one actor per 100 claims. Returns the number of data rows written."""
    folder.mkdir(parents=True)
    actors = max(10, rows // 100)
    with open(folder / "actors.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "kind", "aliases"])
        for i in range(actors):
            w.writerow([f"a{i}", f"Actor {i}", ("person", "organisation", "government", "media")[i % 4],
                        f"A{i}@en | Актор {i}@ru"])
    with open(folder / "events.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "label", "date", "description"])
        for i in range(rows):
            w.writerow([f"e{i}", f"Event {i}", f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}",
                        f"Shelling reported in district {i % 300}."])
    with open(folder / "claims.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "by", "stance", "about", "text", "date"])
        for i in range(rows):
            w.writerow([f"c{i}", f"a{i % actors}", ("asserts", "denies", "disputes")[i % 3], f"e{i}",
                        f"Claim number {i}, in the claimant's words.",
                        f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}"])
    return actors + 2 * rows


HEADER = ["event_id_cnty", "event_date", "year", "event_type", "sub_event_type", "actor1", "assoc_actor_1",
          "actor2", "country", "admin1", "admin2", "location", "latitude", "longitude", "source", "notes",
          "fatalities"]
HXL = ["#event+code", "#date+occurred", "#date+year", "#event+type", "#event+type+sub", "#group+name+first",
       "#group+name+first+assoc", "#group+name+second", "#country+name", "#adm1+name", "#adm2+name",
       "#loc+name", "#geo+lat", "#geo+lon", "#meta+source", "#description", "#affected+killed"]


def write_acled(path: Path, rows: int, seed: int = 1) -> None:
    """An ACLED-layout file as HDX serves it (with its HXL tag row): 500 locations (each location
    name in two provinces), 200 actors, 100 outlets (two per row)."""
    rng = random.Random(seed)
    towns = [(f"Town {i // 2}", f"Province {i % 20}", 39 + rng.random() / 10, 46 + rng.random() / 10)
             for i in range(500)]
    actors = [f"Armed group {i}" for i in range(200)]
    outlets = [f"Outlet {i}" for i in range(100)]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerow(HXL)
        for i in range(rows):
            town = towns[i % len(towns)]
            w.writerow([f"XYZ{i}", f"{1 + i % 28:02d} {('March', 'October')[i % 2]} 2020", 2020,
                        "Battles", "Armed clash", rng.choice(actors), "", rng.choice(actors), "Country",
                        town[1], f"District {town[0]}", town[0], f"{town[2]:.4f}", f"{town[3]:.4f}",
                        "; ".join(rng.sample(outlets, 2)),
                        f"On this day clashes were reported near {town[0]}.", rng.randint(0, 5)])


def write_datafeed(path: Path, reviews: int, seed: int = 1) -> None:
    """A DataCommons-shaped ClaimReview feed (``DataFeed`` -> ``dataFeedElement`` ->
    ``DataFeedItem.item``) of ``reviews`` reviews by 50 fact-checkers about 1 000 claimants."""
    import json

    rng = random.Random(seed)
    items = []
    for i in range(reviews):
        items.append({"@type": "DataFeedItem", "dateCreated": "2020-11-01T00:00:00Z", "item": [{
            "@context": "http://schema.org", "@type": "ClaimReview", "datePublished": "2020-11-01",
            "url": f"https://factcheck{i % 50}.example.org/2020/{i}", "claimReviewed": f"Claim number {i}.",
            "author": {"@type": "Organization", "name": f"Fact checker {i % 50}"},
            "itemReviewed": {"@type": "Claim", "datePublished": "2020-10-30",
                             "author": {"@type": "Person", "name": f"Claimant {rng.randrange(1000)}"}},
            "reviewRating": {"@type": "Rating", "alternateName": ("False", "Misleading", "True")[i % 3]}}]})
    path.write_text(json.dumps({"@context": "http://schema.org", "@type": "DataFeed",
                                "dataFeedElement": items}, indent=1), encoding="utf-8")


def write_nt(path: Path, triples: int) -> None:
    """Plain N-Triples (records of no ontology class, so SHACL has little to do)."""
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(triples // 2):
            s = f"<https://example.org/thing/{i}>"
            fh.write(f'{s} <https://schema.org/name> "Thing {i}" .\n')
            fh.write(f"{s} <https://schema.org/about> <https://example.org/thing/{i // 7}> .\n")


def timed_build(store: Path, paths: list[Path], fmt: str | None = None,
                profile: int = 0) -> tuple[float, int]:
    """Seconds of a build into a fresh ``store`` and the statements it loaded (with ``profile``,
    the top entries of its cProfile, by internal and by cumulative time, printed after it)."""
    prof = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if prof is not None:
        prof.enable()
    report = KnowledgeBase(store).build(paths, fmt=fmt)
    seconds = time.perf_counter() - started
    if prof is not None:
        prof.disable()
        for order in ("tottime", "cumulative"):
            pstats.Stats(prof, stream=sys.stdout).sort_stats(order).print_stats(profile)
    return seconds, report.triples


def bulk_anchor(store: Path, work: Path) -> tuple[float, int]:
    """Seconds for raw pyoxigraph to bulk-load everything ``store`` holds (dumped as N-Quads
    first, not timed) into a fresh on-disk store, and the number of statements."""
    dump = work / f"{store.name}.nq"
    with KnowledgeBase(store).snapshot() as db:
        db.dump(str(dump), format=ox.RdfFormat.N_QUADS)
    raw = ox.Store(str(work / f"{store.name}-raw"))
    started = time.perf_counter()
    raw.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    seconds = time.perf_counter() - started
    return seconds, len(raw)


def report(what: str, units: str, n: int, seconds: float, triples: int, store: Path, work: Path) -> None:
    bulk, stored = bulk_anchor(store, work)
    print(f"{what}: {seconds:.1f} s, {n / seconds:,.0f} {units}/s, {triples:,} statements, "
          f"{triples / seconds:,.0f} statements/s; anchor: raw bulk_load of the {stored:,} stored "
          f"statements {bulk:.1f} s, ratio {seconds / bulk:.1f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="rows of the CSV and ACLED files (0: skip)")
    ap.add_argument("--nt-triples", type=int, default=0, help="also time N-Triples of this many triples")
    ap.add_argument("--reviews", type=int, default=0,
                    help="also time a ClaimReview DataFeed of this many reviews")
    ap.add_argument("--no-sheets", action="store_true", help="skip the CSV sheets (time ACLED only)")
    ap.add_argument("--sheet-rows", type=int, default=0, help="rows of the CSV sheets (default: --rows)")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="print the N top cProfile entries of each import")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="kb-import-"))
    try:
        sheet_rows = args.sheet_rows or args.rows
        if sheet_rows and not args.no_sheets:
            n = write_sheets(work / "sheets", sheet_rows)
            seconds, triples = timed_build(work / "s1", [work / "sheets"], profile=args.profile)
            report(f"CSV sheets, {n:,} rows ({sheet_rows:,} events, {sheet_rows:,} claims, "
                   f"{n - 2 * sheet_rows:,} actors)", "rows", n, seconds, triples, work / "s1", work)
        if args.rows:
            write_acled(work / "acled.csv", args.rows)
            seconds, triples = timed_build(work / "s2", [work / "acled.csv"], fmt="acled",
                                           profile=args.profile)
            report(f"ACLED layout (HDX, with the HXL row), {args.rows:,} rows", "rows", args.rows, seconds,
                   triples, work / "s2", work)
        if args.reviews:
            write_datafeed(work / "feed.json", args.reviews)
            cpu = time.process_time()  # on a shared machine, the CPU time says more than the wall clock
            seconds, triples = timed_build(work / "s4", [work / "feed.json"], fmt="claimreview",
                                           profile=args.profile)
            report(f"ClaimReview DataFeed, {args.reviews:,} reviews (CPU {time.process_time() - cpu:.1f} s)",
                   "reviews", args.reviews, seconds, triples, work / "s4", work)
        if args.nt_triples:
            nt = work / "data.nt"
            write_nt(nt, args.nt_triples)
            started = time.perf_counter()
            ox.Store(str(work / "raw")).bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
            raw = time.perf_counter() - started
            seconds, triples = timed_build(work / "s3", [nt])
            print(f"N-Triples, {triples:,} triples: kb build {seconds:.1f} s "
                  f"({triples / seconds:,.0f} triples/s); raw pyoxigraph bulk_load {raw:.1f} s; "
                  f"ratio {seconds / raw:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: each kb operation next to its anchor, on synthetic evidence graphs of one size.

    python scripts/bench.py --size 100000 --json graphs/bench.json
    python scripts/bench.py --size 1000000 --json graphs/bench.json   # on demand: several minutes

The data comes from scripts/generate.py (the same graph as YAML and as N-Triples), cached under
graphs/bench-data/SIZE/. Every operation runs in a fresh Python process, so its peak RSS is its
own (the interpreter and imports included, ~150 MB). Rows of the JSON are
{"size", "op", "seconds", "rss_mb", "anchor_seconds", "ratio", ...} with ratio = seconds / anchor;
rows of other sizes already in the JSON file are kept, and the growth from 100 000 to 1 000 000
triples is printed when both are there. Figures on a shared machine vary: compare within one run.
The matching row (#19) has data of its own (described.nt: incidents of SIZE statements and SIZE/100
claims about described events, every fit planted; kb.testing.synthetic.described_incidents), and
stands next to the plain ``kb conflicts`` of the same run, its anchor.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(1, str(REPO))  # the kb of this checkout, not another installed one

# denials -> what they are about -> its parts (any depth) -> documented by: the query the issue
# measured; its two `?x a Class` patterns are what make rdflib's engine slow
THREE_HOP = """PREFIX ev: <https://w3id.org/evkb/ns#>
SELECT ?c ?d ?s WHERE { ?c a ev:Claim ; ev:stance ev:denies ; ev:about ?e .
                        ?d a ev:Event ; ev:partOf+ ?e ; ev:documentedBy ?s }"""
SELECTIVE = [  # named queries with parameters that pick out one record (cell 0 of the generator)
    ("denials-by-actor", {"actor": "c0-leader"}),
    ("claims-about-place", {"place": "Taun 0"}),
    ("events-documented-by", {"source": "c0-report"}),
    ("sources-per-event", {"event": "c0-shelling"}),
    ("claims-about-event", {"event": "c0-shelling"}),
    ("timeline", {"event": "c0-shelling"}),
    ("provenance", {"subject": "<https://w3id.org/evkb/id/c0-leader>"}),  # by id it scans: see README
]
WHOLE = [  # named queries over the whole graph
    ("denials-by-actor", {}),
    ("sources-per-event", {}),
    ("conflicts-direct", {}),
    ("conflicts-part-of", {}),
]
CHANGED_FILE = """# a small file added to a large knowledge base: only what it touches is checked
actors:
  - {id: bench-witness, name: Bench witness, kind: person}
sources:
  - {id: bench-testimony, title: Bench testimony, kind: testimony, author: bench-witness, date: 2021-01-02}
events:
  - id: bench-event
    label: An event seen by the bench witness
    place: c0-town
    documented_by: [{source: bench-testimony, evidence: eyewitness}, {source: c0-report, evidence: photo}]
claims:
  - {id: bench-claim, by: bench-witness, stance: asserts, about: bench-event, text: "I saw it."}
"""
CLAIM_EVERY = 100  # the matching data: one described claim per 100 incident statements (10 000 at 1M)
RDFLIB_QUERY_LIMIT = 30.0  # seconds (--rdflib-limit) for rdflib's 3-hop query, and for its Turtle writer


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- operations (each runs in its own process) ----------------------------------------------------

class _Paths:
    """Where an operation reads and writes: the dataset (as N-Triples and YAML) and the work folder."""

    def __init__(self, data: Path, work: Path):
        self.data, self.work = data, work
        self.nt, self.yaml, self.store = data / "synthetic.nt", data / "synthetic.yaml", work / "kb"


def _raw_bulk_load(p: _Paths) -> dict:
    import pyoxigraph as ox

    db = ox.Store(str(p.work / "raw"))
    db.bulk_load(path=str(p.nt), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("urn:g"))
    db.flush()
    return {}


def _build_nt(p: _Paths) -> dict:
    from kb import KnowledgeBase

    return {"triples": KnowledgeBase(p.work / "kb-nt").build([p.nt]).triples}


def _build_yaml(p: _Paths) -> dict:
    from kb import KnowledgeBase

    t = time.perf_counter()
    report = KnowledgeBase(p.store).build([p.yaml])
    seconds = time.perf_counter() - t
    return {"records": report.records, "records_per_s": round(report.records / seconds), "seconds": seconds}


def _rebuild_changed_file(p: _Paths) -> dict:
    from kb import KnowledgeBase

    small = p.work / "changed.yaml"
    small.write_text(CHANGED_FILE)
    t = time.perf_counter()  # the build only, not writing the small file
    report = KnowledgeBase(p.store).build([p.yaml, small])
    return {"files": {f.path.rsplit("/", 1)[-1]: f.status for f in report.files},
            "seconds": time.perf_counter() - t}


def _validate(p: _Paths) -> dict:
    from kb import KnowledgeBase

    return {"problems": len(KnowledgeBase(p.store).validate())}


def _conflicts(p: _Paths) -> dict:
    from kb import KnowledgeBase

    return {"conflicts": len(KnowledgeBase(p.store).conflicts())}


def _conflicts_cli(p: _Paths) -> dict:
    """``kb conflicts --format json`` as a user runs it: a new process, every finding written."""
    out = p.work / "conflicts.json"
    with out.open("wb") as fh:
        subprocess.run([sys.executable, "-c", "from kb.cli import main; main()", "--store", str(p.store),
                        "conflicts", "--format", "json"], stdout=fh, check=True,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    return {"bytes": out.stat().st_size}


def _build_described(p: _Paths) -> dict:
    from kb import KnowledgeBase

    return {"triples": KnowledgeBase(p.work / "kb-described").build([p.data / "described.nt"]).triples}


def bench_matching(p: _Paths) -> dict:
    """Described claims against incidents (the data of ``synthetic.described_incidents``, built by
    the op before): every (claim, incident) pair a description fits, through the containment of the
    store generation; the pairs checked against the planted ones."""
    from kb import KnowledgeBase
    from kb.analysis.matching import matches

    planted = json.loads((p.data / "described.json").read_text())
    t = time.perf_counter()
    with KnowledgeBase(p.work / "kb-described").endpoint() as endpoint:
        found = matches(endpoint)
    seconds = time.perf_counter() - t
    base = "https://w3id.org/evkb/id/"
    pairs = {(m.claim.removeprefix(base), m.event.removeprefix(base)) for m in found}
    expected = {tuple(x) for x in planted.pop("expected")}
    return {**planted, "matches": len(found), "planted": len(expected),
            "true_positives": len(pairs & expected), "seconds": seconds}


def _export(fmt: str) -> Callable[[_Paths], dict]:
    def run(p: _Paths) -> dict:
        from kb import KnowledgeBase

        KnowledgeBase(p.store).export(fmt, p.work / f"out.{fmt}")
        return {}

    return run


def _raw_dump(fmt: str) -> Callable[[_Paths], dict]:
    def run(p: _Paths) -> dict:
        import pyoxigraph as ox

        from kb.store import Store

        with Store(p.store).reader() as db:
            if fmt == "trig":
                db.dump(str(p.work / "raw.trig"), format=ox.RdfFormat.TRIG)
            else:
                ox.serialize(db.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"),
                             str(p.work / "raw.ttl"), format=ox.RdfFormat.TURTLE)
        return {}

    return run


def _pipeline_kb(p: _Paths) -> dict:
    from kb import KnowledgeBase

    kb = KnowledgeBase(p.work / "kb-pipe")
    kb.build([p.nt])
    with kb.snapshot() as db:
        rows = sum(1 for _ in db.query(THREE_HOP, use_default_graph_as_union=True))
    kb.export("ttl", p.work / "pipe.ttl")
    return {"rows": rows}


def _pipeline_rdflib(p: _Paths) -> dict:
    return rdflib_pipeline(p.nt, p.work, float(os.environ.get("KB_BENCH_RDFLIB_LIMIT", RDFLIB_QUERY_LIMIT)))


OPS: dict[str, Callable[[_Paths], dict]] = {
    "raw-bulk-load": _raw_bulk_load,
    "build-nt": _build_nt,
    "build-yaml": _build_yaml,
    "rebuild-changed-file": _rebuild_changed_file,
    "validate": _validate,
    "conflicts-first": _conflicts,  # the generation's first reader: computes and keeps them
    "conflicts": _conflicts,
    "conflicts-cli": _conflicts_cli,
    "naive-traversal": lambda p: {"conflicts": naive_conflicts(p.store)},
    "build-described": _build_described,
    "matching": bench_matching,
    "export-ttl": _export("ttl"),
    "export-trig": _export("trig"),
    "raw-dump-ttl": _raw_dump("ttl"),
    "raw-dump-trig": _raw_dump("trig"),
    "queries": lambda p: {"queries": query_latencies(p.store, int(p.data.name))},
    "queries-serve": lambda p: {"queries": serve_latencies(p.store)},
    "pipeline-kb": _pipeline_kb,
    "pipeline-rdflib": _pipeline_rdflib,
}


def op(name: str, data: Path, work: Path) -> dict:
    """Run one operation in this process; return its seconds and extras."""
    import pyoxigraph  # noqa: F401  (imported before the clock starts, as kb is)

    import kb  # noqa: F401

    if name not in OPS:
        raise SystemExit(f"unknown op {name}")
    t = time.perf_counter()
    out = OPS[name](_Paths(data, work))
    out["seconds"] = out.get("seconds", time.perf_counter() - t)
    out["rss_mb"] = round(_rss_mb(), 1)
    return out


def naive_conflicts(store: Path) -> int:
    """The anchor for `kb conflicts`: a NetworkX graph of every IRI edge of the store, and a
    depth-limited search from each denial to every documented event it reaches."""
    import networkx as nx
    import pyoxigraph as ox

    from kb.store import Store

    g = nx.DiGraph()
    denies, documented = [], set()
    with Store(store).reader() as db:
        for q in db.quads_for_pattern(None, None, None, None):
            if isinstance(q.object, ox.NamedNode):
                p = q.predicate.value
                if p.endswith("#stance") and q.object.value.endswith("#denies"):
                    denies.append(q.subject.value)
                if p.endswith("#documentedBy"):
                    documented.add(q.subject.value)
                g.add_edge(q.subject.value, q.object.value, p=p)
                if p.endswith("#partOf"):
                    g.add_edge(q.object.value, q.subject.value, p="hasPart")
    found = 0
    for d in denies:
        reached = nx.single_source_shortest_path_length(g, d, cutoff=7)
        found += sum(1 for n in reached if n in documented)
    return found


def _timed(fn, runs: int, budget: float = 3.0) -> list[float]:
    """Times of up to ``runs`` calls after a warm-up (at least 3 unless ``runs`` is 1, then no
    warm-up; fewer than ``runs`` once ``budget`` seconds are spent)."""
    if runs > 1:
        fn()  # warm-up
    times: list[float] = []
    while len(times) < runs and (len(times) < min(3, runs) or sum(times) < budget):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def _latency(times: list[float]) -> dict:
    times = sorted(times)
    return {"median_ms": round(statistics.median(times) * 1000, 2),
            "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1000, 2)}


def _queries(size: int) -> list[tuple[str, dict[str, str], int]]:
    """(name, params, runs): the selective queries often, the whole-graph ones (seconds each) once,
    at every size (``size`` is kept for callers that plan by size)."""
    del size
    return [(n, p, 20) for n, p in SELECTIVE] + [(n, p, 1) for n, p in WHOLE]


def _label(name: str, params: dict[str, str]) -> str:
    return name + ("(" + ",".join(params) + ")" if params else "")


def query_latencies(store: Path, size: int) -> dict:
    """Named queries through the Python API (KnowledgeBase.query, SPARQL JSON out) next to the
    same bound text run by pyoxigraph and serialized to SPARQL JSON directly."""
    import pyoxigraph as ox

    from kb import KnowledgeBase
    from kb.sparql.query import bind, library

    kb, lib = KnowledgeBase(store), library()
    out = {}
    with kb.snapshot() as db:
        for name, params, runs in _queries(size):
            text = bind(lib[name], params)

            def raw_run() -> bytes:
                return db.query(text, use_default_graph_as_union=True).serialize(  # noqa: B023
                    format=ox.QueryResultsFormat.JSON)

            if runs == 1:  # one timed run each: warm the store's pages first, or the first one pays
                raw_run()
            api = _timed(lambda: kb.query(name, params, "json"), runs)  # noqa: B023
            raw = _timed(raw_run, runs)
            out[_label(name, params)] = {"api": _latency(api), "raw": _latency(raw)}
    return out


def serve_latencies(store: Path) -> dict:
    """The selective named queries over HTTP from `kb serve` (SPARQL 1.1 Protocol, JSON results)."""
    import socket

    import httpx

    from kb.sparql.query import bind, library

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "--store", str(store), "serve", "--port",
                             str(port), "--max-rows", "10000000", "--timeout", "600"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/sparql"
    lib, out = library(), {}
    try:
        for _ in range(300):
            try:
                httpx.get(url, params={"query": "ASK {}"}, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(timeout=600) as client:
            for name, params in SELECTIVE:
                text = bind(lib[name], params)

                def ask(text: str = text) -> None:
                    r = client.post(url, content=text.encode(), headers={
                        "Content-Type": "application/sparql-query",
                        "Accept": "application/sparql-results+json"})
                    r.raise_for_status()

                out[_label(name, params)] = {"serve": _latency(_timed(ask, 20))}
    finally:
        proc.terminate()
        proc.wait(10)
    return out


def rdflib_pipeline(nt: Path, work: Path, limit: float = RDFLIB_QUERY_LIMIT) -> dict:
    """What a user would otherwise write: rdflib parse, its SPARQL engine, rdflib Turtle. The query
    and the Turtle writer run side by side in two forked processes (one core each), each stopped
    after ``limit`` seconds (then reported as "> limit", and the total as a lower bound): rdflib
    7.6's Turtle writer needs minutes for this graph, its engine longer for the query."""
    import rdflib

    t = time.perf_counter()
    g = rdflib.Graph()
    g.parse(nt, format="nt")
    parse = time.perf_counter() - t
    (query, query_done), (write, write_done) = _limited(
        [lambda: sum(1 for _ in g.query(THREE_HOP)),
         lambda: g.serialize(work / "rdflib.ttl", format="turtle")], limit)
    return {"seconds": parse + query + write, "parse_s": round(parse, 2),
            "query_s": round(query, 2) if query_done else f"> {limit:.0f}",
            "write_s": round(write, 2) if write_done else f"> {limit:.0f}",
            "lower_bound": not (query_done and write_done)}


def _limited(fns: list, limit: float) -> list[tuple[float, bool]]:
    """For each function, run at once in its own forked process: the seconds it ran, and whether it
    finished within ``limit``."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    started = time.perf_counter()
    procs = [ctx.Process(target=fn) for fn in fns]
    for proc in procs:
        proc.start()
    ended: dict[int, float] = {}
    while len(ended) < len(procs) and time.perf_counter() - started < limit:
        for i, proc in enumerate(procs):
            if i not in ended and not proc.is_alive():
                ended[i] = time.perf_counter() - started
        time.sleep(0.05)
    out = []
    for i, proc in enumerate(procs):
        if i not in ended:
            proc.kill()
        proc.join()
        out.append((ended.get(i, time.perf_counter() - started), i in ended and proc.exitcode == 0))
    return out


# -- the run ----------------------------------------------------------------------------------------

PLAN = [  # (op, its anchor or None, what it is)
    ("raw-bulk-load", None, "raw pyoxigraph bulk_load of the N-Triples (on disk)"),
    ("build-nt", "raw-bulk-load", "kb build FILE.nt (provenance graphs, SHACL)"),
    ("build-yaml", None, "kb build FILE.yaml (parse, checks, SHACL)"),
    ("rebuild-changed-file", None, "kb build of the same file plus one small new file"),
    ("validate", None, "kb validate (all SHACL shapes, whole knowledge base)"),
    ("naive-traversal", None, "naive NetworkX traversal from every denial"),
    ("conflicts-first", "naive-traversal", "kb conflicts, a generation's first reader (computes, keeps)"),
    ("conflicts", "naive-traversal", "kb conflicts (the findings kept with the generation)"),
    ("conflicts-cli", None, "kb conflicts --format json > FILE (a new process; every finding written)"),
    ("build-described", None, "kb build of the matching data: incidents and described claims"),
    ("matching", "conflicts", "described claims matched against incidents (SIZE/100 claims: 10 000 at 1M)"),
    ("raw-dump-ttl", None, "raw pyoxigraph Turtle dump"),
    ("export-ttl", "raw-dump-ttl", "kb export -f ttl"),
    ("raw-dump-trig", None, "raw pyoxigraph TriG dump"),
    ("export-trig", "raw-dump-trig", "kb export -f trig"),
    ("queries", None, "named queries: Python API vs raw pyoxigraph"),
    ("queries-serve", None, "named queries through kb serve (HTTP)"),
    ("pipeline-rdflib", None, "plain rdflib: parse, 3-hop query, Turtle"),
    ("pipeline-kb", "pipeline-rdflib", "kb: build, 3-hop query, export Turtle"),
]
PIPELINE_MAX_SIZE = 100_000  # the rdflib comparison is made at 100 000 triples (and below)


def _dataset(data: Path, size: int) -> None:
    from kb.testing import synthetic as generate

    data.mkdir(parents=True, exist_ok=True)
    if not (data / "synthetic.nt").exists() or not (data / "synthetic.yaml").exists():
        ds = generate.generate(size, seed=1)
        generate.write_yaml(ds, data / "synthetic.yaml")
        generate.write_nt(ds, data / "synthetic.nt")
    if not (data / "described.nt").exists() or not (data / "described.json").exists():
        _described_dataset(data, size)


def _described_dataset(data: Path, size: int) -> None:
    """The matching data: incidents of ``size`` statements, ``size / CLAIM_EVERY`` described claims,
    the planted pairs in described.json."""
    from kb.testing import synthetic as generate

    ds = generate.described_incidents(size, claims=size // CLAIM_EVERY, seed=1)
    counts: dict[str, int] = {}
    total = generate.write_nt(ds, data / "described.nt", counts=counts)
    (data / "described.json").write_text(json.dumps(
        {"claims": len(ds.records["claims"]), "incidents": len(ds.records["events"]),
         "incident_statements": counts["events"], "statements": total,
         "expected": sorted([c, e] for _kind, c, e in ds.expected)}))


def _rows(size: int, results: dict[str, dict]) -> list[dict]:
    rows = []

    def row(op_name: str, seconds: float, rss: float | None, anchor: float | None, **extra: object) -> None:
        rows.append({"size": size, "op": op_name, "seconds": round(seconds, 4), "rss_mb": rss,
                     "anchor_seconds": round(anchor, 4) if anchor else None,
                     "ratio": round(seconds / anchor, 2) if anchor else None, **extra})

    for name, anchor, _what in PLAN:
        res = results.get(name)
        if res is None:
            continue
        extra = {k: v for k, v in res.items() if k not in ("seconds", "rss_mb", "queries")}
        if name in ("queries", "queries-serve"):
            for label, lat in res["queries"].items():
                raw = results.get("queries", {}).get("queries", {}).get(label, {}).get("raw")
                mine = lat.get("api") or lat.get("serve")
                kind = "query" if name == "queries" else "serve"
                row(f"{kind} {label}", mine["median_ms"] / 1000, res["rss_mb"],
                    raw["median_ms"] / 1000 if raw else None, p99_ms=mine["p99_ms"],
                    **({"raw_p99_ms": raw["p99_ms"]} if raw else {}))
            continue
        anchor_s = results.get(anchor, {}).get("seconds") if anchor else None
        row(name, res["seconds"], res["rss_mb"], anchor_s, **extra)
    return rows


def _table(rows: list[dict]) -> str:
    head = f"{'op':42} {'seconds':>9} {'RSS MB':>8} {'anchor s':>9} {'ratio':>6}"
    lines = [head, "-" * len(head)]
    for r in rows:
        secs = f"{r['seconds']:.3f}" if r["seconds"] < 10 else f"{r['seconds']:.1f}"
        if r.get("lower_bound"):
            secs = ">" + secs
        anchor = f"{r['anchor_seconds']:.3f}" if r["anchor_seconds"] else ""
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else ""
        rss = f"{r['rss_mb']:.0f}" if r["rss_mb"] else ""
        lines.append(f"{r['op']:42} {secs:>9} {rss:>8} {anchor:>9} {ratio:>6}")
    return "\n".join(lines)


def _growth(rows: list[dict]) -> str:
    by = {(r["size"], r["op"]): r for r in rows}
    out = []
    for (size, name), r in by.items():
        small = by.get((100_000, name))
        if size == 1_000_000 and small and small["seconds"] > 0:
            out.append(f"{name:42} x{r['seconds'] / small['seconds']:.1f}")
    return "\n".join(["growth from 100 000 to 1 000 000 triples (time):", *out]) if out else ""


def _run(args: argparse.Namespace, planned: list[tuple[str, str]], work: Path) -> dict[str, dict]:
    """Each planned operation in its own process; the results of those that ran."""
    results: dict[str, dict] = {}
    for name, what in planned:
        proc = subprocess.run([sys.executable, __file__, "--size", str(args.size), "--data",
                               str(args.data), "--op", name, "--work", str(work)],
                              capture_output=True, text=True,
                              env={**os.environ, "KB_BENCH_RDFLIB_LIMIT": str(args.rdflib_limit)})
        if proc.returncode != 0:
            print(f"{name}: failed\n{proc.stderr[-3000:]}", file=sys.stderr)
            continue
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"  {name:22} {results[name]['seconds']:9.3f} s  {results[name]['rss_mb']:7.0f} MB"
              f"  ({what})", flush=True)
    return results


def _save(path: Path, size: int, rows: list[dict]) -> list[dict]:
    """Write ``rows`` to the JSON file ``path``, keeping its rows of other sizes; all its rows."""
    kept = []
    if path.exists():
        kept = [r for r in json.loads(path.read_text()) if r.get("size") != size]
    rows = sorted(kept + rows, key=lambda r: r["size"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1) + "\n")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000, help="triples: 10000, 100000 or 1000000")
    ap.add_argument("--json", type=Path, default=None, help="write the rows here (other sizes kept)")
    ap.add_argument("--data", type=Path, default=REPO / "graphs" / "bench-data", help="dataset cache")
    ap.add_argument("--only", help="comma-separated ops to run (default: all)")
    ap.add_argument("--rdflib-limit", type=float, default=RDFLIB_QUERY_LIMIT,
                    help="seconds the plain-rdflib 3-hop query and its Turtle writer may each run")
    ap.add_argument("--op", help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    data = args.data / str(args.size)
    if args.op:
        print(json.dumps(op(args.op, data, args.work)))
        return 0
    _dataset(data, args.size)
    only = set(args.only.split(",")) if args.only else None
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"kb-bench-{os.getpid()}-{args.size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.perf_counter()
    planned = [(name, what) for name, _anchor, what in PLAN if (not only or name in only)
               and not (name.startswith("pipeline") and args.size > PIPELINE_MAX_SIZE)]
    try:
        results = _run(args, planned, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = _rows(args.size, results)
    print(f"\n{args.size:,} triples ({time.perf_counter() - started:.0f} s in all)\n{_table(rows)}")
    if "build-yaml" in results:
        print(f"\nbuild from YAML: {results['build-yaml']['records_per_s']:,} records/s end to end")
    if args.json:
        rows = _save(args.json, args.size, rows)
    growth = _growth(rows)
    if growth:
        print("\n" + growth)
    return 0 if len(results) == len(planned) else 1


if __name__ == "__main__":
    sys.exit(main())

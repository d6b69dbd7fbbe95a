"""Benchmark: each kb operation next to its anchor, on synthetic evidence graphs of one size.

    python scripts/bench.py --size 100000 --json graphs/bench.json
    python scripts/bench.py --size 1000000            # on demand: several minutes

Data comes from scripts/generate.py (YAML and N-Triples of the same graph), cached under
graphs/bench-data/. Every operation runs in a fresh Python process, so its peak RSS is its own.
Rows: {"size", "op", "seconds", "rss_mb", "anchor_seconds", "ratio"} (ratio = seconds / anchor).
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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

THREE_HOP = """PREFIX ev: <https://w3id.org/evkb/ns#>
SELECT ?c ?d ?s WHERE { ?c ev:stance ev:denies ; ev:about ?e . ?d ev:partOf ?e . ?d ev:documentedBy ?s }"""
NAMED = ("denials-by-actor", "claims-about-place", "events-documented-by", "sources-per-event", "timeline")
SELECTIVE = {
    "denials-by-actor": {"actor": "c1-leader"},
    "claims-about-place": {"name": "Town 5"},
    "events-documented-by": {"source": "c0-report"},
}


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def op(name: str, data: Path, work: Path) -> dict:
    """Run one operation in this process; return its seconds (and extras)."""
    import pyoxigraph as ox

    from kb import KnowledgeBase

    nt, yaml_file = data / "synthetic.nt", data / "synthetic.yaml"
    store = work / "kb"
    out: dict = {}
    t = time.perf_counter()
    if name == "raw-bulk-load":
        db = ox.Store(str(work / "raw"))
        db.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("urn:g"))
        db.flush()
    elif name == "build-nt":
        KnowledgeBase(work / "kb-nt").build([nt])
    elif name == "build-yaml":
        out["records"] = KnowledgeBase(store).build([yaml_file]).records
    elif name == "validate":
        assert KnowledgeBase(store).validate() == []
    elif name == "conflicts":
        out["conflicts"] = len(KnowledgeBase(store).conflicts())
    elif name == "naive-traversal":
        out["conflicts"] = naive_conflicts(store)
    elif name in ("export-ttl", "export-trig"):
        fmt = name.split("-")[1]
        KnowledgeBase(store).export(fmt, work / f"out.{fmt}")
    elif name in ("raw-dump-ttl", "raw-dump-trig"):
        from kb.store import Store

        with Store(store).reader() as db:
            if name == "raw-dump-trig":
                db.dump(str(work / "raw.trig"), format=ox.RdfFormat.TRIG)
            else:
                ox.serialize(
                    db.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"),
                    str(work / "raw.ttl"),
                    format=ox.RdfFormat.TURTLE,
                )
    elif name == "queries-api":
        out.update(query_latencies(store))
    elif name == "queries-serve":
        out.update(serve_latencies(store))
    elif name == "pipeline-kb":
        kb = KnowledgeBase(work / "kb-pipe")
        kb.build([nt])
        with kb.snapshot() as db:
            out["rows"] = sum(1 for _ in db.query(THREE_HOP, use_default_graph_as_union=True))
        kb.export("ttl", work / "pipe.ttl")
    elif name == "pipeline-rdflib":
        out.update(rdflib_pipeline(nt, work))
    else:
        raise SystemExit(f"unknown op {name}")
    out["seconds"] = out.get("seconds", time.perf_counter() - t)
    out["rss_mb"] = round(_rss_mb(), 1)
    return out


def naive_conflicts(store: Path) -> int:
    """The anchor: a full NetworkX graph of every IRI edge, and a depth-limited search from each denial."""
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


def _latency(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "median_ms": round(statistics.median(times) * 1000, 2),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1000, 2),
    }


def query_latencies(store: Path, runs: int = 10) -> dict:
    from kb.query import bind, execute, library
    from kb.store import Store

    lib = library()
    out = {}
    with Store(store).reader() as db:
        for name in NAMED:
            text = bind(lib[name], SELECTIVE.get(name, {}))
            api, raw = [], []
            for _ in range(runs):
                t = time.perf_counter()
                sum(1 for _ in execute(db, text, name))
                api.append(time.perf_counter() - t)
                t = time.perf_counter()
                sum(1 for _ in db.query(text, use_default_graph_as_union=True))
                raw.append(time.perf_counter() - t)
            out[name] = {**_latency(api), "raw_median_ms": _latency(raw)["median_ms"]}
    out["seconds"] = sum(v["median_ms"] for v in out.values()) / 1000
    return out


def serve_latencies(store: Path, runs: int = 10) -> dict:
    import socket

    import httpx

    from kb.query import bind, library

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kb.cli",
            "--store",
            str(store),
            "serve",
            "--port",
            str(port),
            "--max-rows",
            "10000000",
            "--timeout",
            "600",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        for _ in range(100):
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        out, lib = {}, library()
        with httpx.Client(timeout=600) as client:
            for name in NAMED:
                text = bind(lib[name], SELECTIVE.get(name, {}))
                times = []
                for _ in range(runs):
                    t = time.perf_counter()
                    r = client.post(
                        url,
                        content=text,
                        headers={
                            "Content-Type": "application/sparql-query",
                            "Accept": "application/sparql-results+json",
                        },
                    )
                    r.raise_for_status()
                    times.append(time.perf_counter() - t)
                out[name] = _latency(times)
    finally:
        proc.terminate()
        proc.wait(10)
    out["seconds"] = sum(v["median_ms"] for v in out.values()) / 1000
    return out


def rdflib_pipeline(nt: Path, work: Path, limit: float = 60.0) -> dict:
    """What a user would otherwise write: rdflib parse, its SPARQL engine, rdflib Turtle."""
    import multiprocessing as mp

    import rdflib

    t = time.perf_counter()
    g = rdflib.Graph()
    g.parse(nt, format="nt")
    parse = time.perf_counter() - t

    def run(q: mp.Queue) -> None:
        q.put(sum(1 for _ in g.query(THREE_HOP)))

    q: mp.Queue = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(target=run, args=(q,))
    t = time.perf_counter()
    proc.start()
    proc.join(limit)
    finished = not proc.is_alive()
    if not finished:
        proc.kill()
    query = time.perf_counter() - t
    t = time.perf_counter()
    g.serialize(work / "rdflib.ttl", format="turtle")
    write = time.perf_counter() - t
    return {
        "seconds": parse + query + write,
        "parse_s": round(parse, 2),
        "query_s": round(query, 2),
        "query_finished": finished,
        "write_s": round(write, 2),
    }


PLAN = [  # (op, anchor op or None)
    ("raw-bulk-load", None),
    ("build-nt", "raw-bulk-load"),
    ("build-yaml", None),
    ("validate", None),
    ("naive-traversal", None),
    ("conflicts", "naive-traversal"),
    ("raw-dump-ttl", None),
    ("export-ttl", "raw-dump-ttl"),
    ("raw-dump-trig", None),
    ("export-trig", "raw-dump-trig"),
    ("queries-api", None),
    ("queries-serve", "queries-api"),
    ("pipeline-rdflib", None),
    ("pipeline-kb", "pipeline-rdflib"),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000, help="triples (10000, 100000, 1000000)")
    ap.add_argument("--json", type=Path, default=None, help="write the rows here")
    ap.add_argument("--data", type=Path, default=REPO / "graphs" / "bench-data")
    ap.add_argument("--op", help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    data = args.data / str(args.size)
    if args.op:
        print(json.dumps(op(args.op, data, args.work)))
        return 0
    if not (data / "synthetic.nt").exists():
        import generate

        data.mkdir(parents=True, exist_ok=True)
        ds = generate.generate(args.size, seed=1)
        generate.write_yaml(ds, data / "synthetic.yaml")
        generate.write_nt(ds, data / "synthetic.nt")
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"kb-bench-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    results: dict[str, dict] = {}
    rows = []
    try:
        for name, anchor in PLAN:
            if name.startswith("pipeline") and args.size > 100_000:
                continue  # the rdflib comparison is made at 100 000 triples
            proc = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--size",
                    str(args.size),
                    "--data",
                    str(args.data),
                    "--op",
                    name,
                    "--work",
                    str(work),
                ],
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                print(f"{name}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            results[name] = res
            anchor_s = results.get(anchor, {}).get("seconds") if anchor else None
            row = {
                "size": args.size,
                "op": name,
                "seconds": round(res["seconds"], 3),
                "rss_mb": res["rss_mb"],
                "anchor_seconds": round(anchor_s, 3) if anchor_s else None,
                "ratio": round(res["seconds"] / anchor_s, 2) if anchor_s else None,
            }
            row.update({k: v for k, v in res.items() if k not in ("seconds", "rss_mb")})
            rows.append(row)
            print(
                f"{name:16} {row['seconds']:>9.3f} s {row['rss_mb']:>8.1f} MB"
                + (f"   anchor {row['anchor_seconds']:.3f} s  ratio {row['ratio']}" if anchor_s else ""),
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if "build-yaml" in results:
        r = results["build-yaml"]
        print(f"build from YAML: {r['records'] / r['seconds']:,.0f} records/s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

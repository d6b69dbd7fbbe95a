"""Measure the SPARQL side: named-query latency through `kb serve`, and push throughput to real
external stores (a private Virtuoso, and Oxigraph server).

    python scripts/bench_sparql.py --triples 1000000 --runs 20 --json graphs/bench-sparql.json

Generates the synthetic graph with ``scripts/generate.py`` (or reuses ``--data DIR``), builds it
into an on-disk store, starts ``kb serve`` on 127.0.0.1 and times every named query of the
researcher's library over HTTP (SPARQL JSON results; one warm-up, then ``--runs`` timed runs;
median and p99 per query and over all runs). Then it pushes the store to a private Virtuoso and to
Oxigraph server (each started for the run and stopped after) and reports statements per second.
Figures depend on the machine and on what else runs on it; compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "scripts"))

import sparql_servers  # noqa: E402

from kb import KnowledgeBase  # noqa: E402
from kb.sparql.query import bind, library  # noqa: E402


def queries_for(ds_first: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """The named queries with typical parameters (ids taken from the data)."""
    return [
        ("denials-by-actor", {"actor": ds_first["actor"]}),
        ("denials-by-actor", {}),
        ("claims-about-place", {"place": ds_first["alias"]}),
        ("events-documented-by", {"source": ds_first["source"]}),
        ("events-documented-by", {"publisher": ds_first["publisher"]}),
        ("sources-per-event", {"event": ds_first["event"]}),
        ("sources-per-event", {}),
        ("timeline", {"event": ds_first["event"]}),
        ("timeline", {"since": "2020-06-01", "until": "2020-06-03"}),
        ("provenance", {"id": ds_first["actor"]}),
        ("loaded-files", {}),
        ("find-by-name", {"text": ds_first["alias"]}),
        ("claims-about-event", {"event": ds_first["event"]}),
        ("contested-events", {}),
        ("undocumented-claims", {"actor": ds_first["actor"]}),
        ("conflicts-direct", {}),
        ("conflicts-part-of", {}),
    ]


def sample_ids(store: Path) -> dict[str, str]:
    """Ids of a few records that take part in documentation and denials."""
    kb = KnowledgeBase(store)
    q = """PREFIX ev: <https://w3id.org/evkb/ns#> PREFIX dcterms: <http://purl.org/dc/terms/>
      PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
      SELECT ?actor ?event ?source ?publisher ?alias WHERE {
        GRAPH ?g { ?c ev:stance ev:denies ; ev:claimant/dcterms:identifier ?actor ; ev:about ?e .
                   ?e dcterms:identifier ?event ; ev:documentedBy ?s ; ev:place ?p .
                   ?s dcterms:identifier ?source ; dcterms:publisher/dcterms:identifier ?publisher .
                   ?p skos:altLabel ?alias } } LIMIT 1"""
    row = json.loads(kb.query(q, {}, "json"))["results"]["bindings"][0]
    return {k: v["value"] for k, v in row.items()}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def time_endpoint(store: Path, runs: int, timeout: float, skip: frozenset[str] = frozenset()) -> dict:
    port = sparql_servers.free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "--store", str(store), "serve",
                             "--port", str(port), "--timeout", str(timeout), "--max-rows", "5000000",
                             "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/sparql", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        ids = sample_ids(store)
        lib = library()
        per_query, everything = [], []
        with httpx.Client(timeout=timeout + 30) as client:
            for name, params in queries_for(ids):
                if name in skip:
                    continue
                text = bind(lib[name], params)
                seconds, n_rows = [], 0
                for i in range(runs + 1):
                    started = time.perf_counter()
                    r = client.post(f"{base}/sparql", data={"query": text},
                                    headers={"Accept": "application/sparql-results+json"})
                    elapsed = time.perf_counter() - started
                    if r.status_code != 200:
                        raise RuntimeError(f"{name} {params}: HTTP {r.status_code} {r.text[:200]}")
                    if i == 0:
                        n_rows = len(r.json()["results"]["bindings"])
                        continue  # warm-up
                    seconds.append(elapsed)
                everything += seconds
                per_query.append({"query": name, "params": params, "rows": n_rows,
                                  "median_ms": round(1000 * statistics.median(seconds), 1),
                                  "p99_ms": round(1000 * percentile(seconds, 99), 1)})
                print(f"  {name:22} {json.dumps(params, ensure_ascii=False)[:48]:48} {n_rows:>7} rows  "
                      f"median {per_query[-1]['median_ms']:>8.1f} ms  p99 {per_query[-1]['p99_ms']:>8.1f} ms",
                      flush=True)
        return {"queries": per_query, "runs_per_query": runs,
                "median_ms": round(1000 * statistics.median(everything), 1),
                "p99_ms": round(1000 * percentile(everything, 99), 1)}
    finally:
        proc.terminate()
        proc.wait(30)


def time_push(store: Path, work: Path) -> list[dict]:
    kb = KnowledgeBase(store)
    out = []
    for name, start in (("virtuoso", sparql_servers.virtuoso), ("oxigraph", sparql_servers.oxigraph_server)):
        if (sparql_servers.VIRTUOSO if name == "virtuoso" else sparql_servers.OXIGRAPH) is None:
            print(f"  {name}: not installed, skipped")
            continue
        with start(work / name) as srv:
            first = kb.push(srv.query, user=srv.user, password=srv.password)
            again = kb.push(srv.query, user=srv.user, password=srv.password)
        for label, report in (("first", first), ("again", again)):
            out.append({"server": name, "push": label, "statements": report.triples,
                        "seconds": round(report.seconds, 2), "statements_per_s": round(report.rate)})
            print(f"  push to {name} ({label}): {report.triples} statements in {report.seconds:.1f} s = "
                  f"{report.rate:,.0f} statements/s", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--data", type=Path, default=None, help="folder to keep the generated data and store in")
    ap.add_argument("--runs", type=int, default=20, help="timed runs per query (after one warm-up)")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--no-push", action="store_true", help="skip the push to external stores")
    ap.add_argument("--skip", default="", help="comma-separated named queries not to time (say the "
                    "whole-graph conflict rules, minutes a run at 1 000 000 triples)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-sparql-") as tmp:
        data = args.data or Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        nt, store = data / "synthetic.nt", data / "store"
        if not nt.exists():
            from kb.testing import synthetic as generate

            generate.write_nt(generate.generate(args.triples), nt)
        if not (store / "CURRENT").exists():
            started = time.perf_counter()
            KnowledgeBase(store).build([nt])
            print(f"built {store} in {time.perf_counter() - started:.1f} s", flush=True)
        with KnowledgeBase(store).snapshot() as db:
            size = len(db)
        print(f"{size} statements; named queries through kb serve ({args.runs} runs each):", flush=True)
        skip = frozenset(filter(None, args.skip.split(",")))
        result: dict = {"statements": size, "endpoint": time_endpoint(store, args.runs, args.timeout, skip)}
        print(f"all named queries: median {result['endpoint']['median_ms']} ms, "
              f"p99 {result['endpoint']['p99_ms']} ms", flush=True)
        if not args.no_push:
            result["push"] = time_push(store, Path(tmp))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

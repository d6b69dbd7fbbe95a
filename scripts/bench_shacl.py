"""SHACL engines on ``ontology/shapes.ttl``: pyshacl-turbo, pyrudof, and the shapes compiled to SPARQL.

    python scripts/bench_shacl.py --size 100000 --size 1000000 [--json graphs/bench_shacl.json]

For each size a synthetic knowledge base (scripts/generate.py's generator, N-Triples) is bulk
loaded into an on-disk Oxigraph store, then each engine checks the whole of it in its own process
(so each peak memory is its own; time and peak RSS of that process are reported, loading included):

- ``pyshacl-turbo``: what ``kb validate`` used before: the knowledge copied from the store into an
  in-memory store with the ontology, validated by pyshacl-turbo (kb.build.validate.data_store);
- ``pyrudof``: the same knowledge and ontology as N-Triples read by pyrudof (rudof's native SHACL
  engine, in Rust) and validated there;
- ``sparql``: the shapes compiled to SPARQL (kb.build.shape_queries), run by Oxigraph on the on-disk
  store itself, nothing copied (what ``kb validate`` and a whole build use now);
- ``kb-build``: ``kb build`` of the same N-Triples file through the API (its SHACL pass is the
  compiled queries on the transaction's store), reporting the statements stored;
- ``kb-validate``: ``kb validate`` through the API on that knowledge base.

Each reports the number of violations found (0 on the generator's data: all engines agree there;
tests/test_validate.py compares the compiled shapes with pySHACL on bad data).

Measured 3 December 2026 on the shared 2-core machine (load 5-9, so times vary up to 2x between
runs; peak memory is steady):

| statements | sparql | pyshacl-turbo | pyrudof 0.3.35 | kb validate |
|---:|---:|---:|---:|---:|
| 118 597 | 0.6-5.6 s, 88 MB | 5.6-22.4 s, 235 MB | 17.6-37.9 s, 1 297 MB | 4.6 s, 104 MB |
| 1 186 976 | 11.4-18.3 s, 184 MB | 74.6 s, 1 643 MB | not run (~13 GB by its 100k figure) | 13.1 s, 183 MB |
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENGINES = ("sparql", "pyshacl-turbo", "pyrudof", "kb-build", "kb-validate")
GRAPH = "urn:evkb:file:synthetic.nt"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's kb, also in the engines' own processes


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not carried over from the
    parent across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _run_sparql(store: Path) -> int:
    import pyoxigraph as ox

    from kb.build.validate import store_violations

    return len(store_violations(ox.Store.read_only(str(store))))


def _run_turbo(store: Path) -> int:
    import pyoxigraph as ox
    import pyshacl_turbo

    from kb.build.validate import data_store  # the in-memory copy kb validate took before
    from kb.model.terms import SH, shapes

    data = data_store(ox.Store.read_only(str(store)))
    _ok, results, _ = pyshacl_turbo.compile_shapes(shapes()).validate(data, abort_on_first=False,
                                                                      allow_warnings=True)
    return len(set(results.subjects(None, SH.ValidationResult)))


def _run_rudof(store: Path) -> int:
    import pyoxigraph as ox
    import pyrudof

    from kb.build.validate import _ontology_nt
    from kb.model.graphs import knowledge
    from kb.model.terms import ontology_dir

    db = ox.Store.read_only(str(store))
    with tempfile.TemporaryDirectory() as tmp:
        nt = Path(tmp) / "data.nt"
        with open(nt, "wb") as fh:
            ox.serialize(knowledge(db), fh, format=ox.RdfFormat.N_TRIPLES)
            fh.write(_ontology_nt())
        r = pyrudof.Rudof(pyrudof.RudofConfig())
        r.read_data(str(nt), format=pyrudof.RDFFormat.NTriples)
        r.read_shacl(str(ontology_dir() / "shapes.ttl"))
        report = r.validate_shacl(mode=pyrudof.ShaclValidationMode.Native)
        return len(report.violations)


def _run_build(nt: Path) -> int:
    from kb import KnowledgeBase

    return KnowledgeBase(nt.parent / "kb").build([nt]).triples


def _run_kb(store: Path) -> int:
    from kb import KnowledgeBase

    return len(KnowledgeBase(store).validate())


RUNNERS = {"sparql": _run_sparql, "pyshacl-turbo": _run_turbo, "pyrudof": _run_rudof, "kb-build": _run_build,
           "kb-validate": _run_kb}


def _child(engine: str, store: Path) -> None:
    """One engine in this process: print its time, peak memory and violations as JSON."""
    t = time.perf_counter()
    try:
        n: int | str = RUNNERS[engine](store)
    except Exception as exc:  # an engine that cannot run these shapes is reported, not hidden
        n = f"error: {type(exc).__name__}: {str(exc)[:200]}"
    print(json.dumps({"seconds": round(time.perf_counter() - t, 2), "rss_mb": _peak_mb(), "violations": n}))


def _prepare(size: int, folder: Path) -> tuple[Path, Path, int]:
    """The synthetic N-Triples of ``size`` statements and the same bulk loaded (plain store)."""
    import pyoxigraph as ox

    from kb.testing import synthetic as gen

    ds = gen.generate(size, seed=3)
    nt = folder / "synthetic.nt"
    gen.write_nt(ds, nt)
    plain = folder / "plain"
    db = ox.Store(str(plain))
    db.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(GRAPH))
    n = len(db)
    del db
    return plain, nt, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, action="append", help="statements (repeatable); default 100000")
    ap.add_argument("--engine", action="append", choices=ENGINES, help="engines (repeatable); default all")
    ap.add_argument("--json", type=Path, help="write the rows here")
    ap.add_argument("--child", nargs=2, metavar=("ENGINE", "STORE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    rows = []
    for size in args.size or [100_000]:
        folder = Path(tempfile.mkdtemp(prefix="kb-bench-shacl-"))
        try:
            plain, nt, n = _prepare(size, folder)
            for engine in args.engine or ENGINES:
                store = {"kb-build": nt, "kb-validate": folder / "kb"}.get(engine, plain)
                out = subprocess.run([sys.executable, __file__, "--child", engine, str(store)],
                                     capture_output=True, text=True, check=True).stdout
                result = json.loads(out.strip().splitlines()[-1])
                row = {"size": size, "statements": n, "engine": engine, **result}
                rows.append(row)
                what = "statements" if engine == "kb-build" else "violations"
                print(f"{size:>10,} {engine:<14} {row['seconds']:>8.2f} s {row['rss_mb']:>8.1f} MB  "
                      f"{what}: {row['violations']}", flush=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()

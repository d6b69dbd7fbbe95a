"""One large point of the growth curve: the whole researcher's path at one size, as a user runs it.

    python scripts/bench_point.py --size 10000000 --json graphs/bench-point.json
    python scripts/bench_table.py graphs/bench-point.json --growth --write README.md

Generates the synthetic graph as N-Triples (``scripts/generate.py``, cached under
graphs/bench-data/SIZE/), then runs, each as the ``kb`` command in its own process: the raw
pyoxigraph bulk load (the anchor), ``kb build``, ``kb validate``, ``kb conflicts --format json``,
two whole-graph named queries (denials of every actor, sources per event), and — unless
``--no-remote`` — ``kb push`` to a private Virtuoso started for the run and ``kb conflicts
--endpoint`` against it, whose findings are compared with the local ones. For every step: wall
seconds, the peak resident memory of the whole process tree (sampled from /proc every 0.1 s, so a
short spike between samples can be missed), and the store's size on disk after it. Rows
``{"size", "op", "commit", "seconds", "rss_mb", "disk_mb", ...}``; rows of other sizes already in
the JSON file are kept. Figures on a shared machine vary: compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

WHOLE_QUERIES = ("denials-by-actor", "sources-per-event")


def _tree_rss_kb(root: int) -> int:
    """Resident memory (kB) of ``root`` and every descendant, read from /proc."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            total += next((int(line.split()[1]) for line in status.splitlines()
                           if line.startswith("VmRSS:")), 0)
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(cmd: list[str], *, stdout: Path | None = None, env: dict | None = None) -> dict:
    """Run ``cmd``; its wall seconds and the peak memory of its process tree (MB)."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if stdout:
        out.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:6])} … exited {proc.returncode}: {err.decode()[-2000:]}")
    return {"seconds": round(seconds, 2), "rss_mb": round(peak[0] / 1024)}


def _disk_mb(folder: Path) -> int:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20)


def _kb(store: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "kb.cli", "--store", str(store), *args]


def _env(extra: dict | None = None) -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO), **(extra or {})}


def dataset(data: Path, size: int) -> tuple[Path, dict]:
    """The N-Triples file of ``size`` statements (generated once, cached) and how long it took."""
    nt = data / "synthetic.nt"
    if nt.exists():
        return nt, {}
    data.mkdir(parents=True, exist_ok=True)
    res = measure([sys.executable, str(REPO / "scripts" / "generate.py"), "--triples", str(size),
                   "--format", "nt", "--out", str(data)], env=_env())
    return nt, res


RAW_LOAD = """import sys, pyoxigraph as ox
db = ox.Store(sys.argv[2]); db.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES,
to_graph=ox.NamedNode("urn:g")); db.flush()"""


def local_steps(nt: Path, work: Path) -> list[tuple[str, dict]]:
    """The local path: anchor, build, validate, conflicts, the two whole-graph queries."""
    store = work / "kb"
    steps: list[tuple[str, dict]] = []

    def step(name: str, cmd: list[str], folder: Path = store, out: Path | None = None) -> None:
        res = measure(cmd, stdout=out, env=_env())
        res["disk_mb"] = _disk_mb(folder)
        steps.append((name, res))
        print(f"  {name:28} {res['seconds']:9.1f} s {res['rss_mb']:7} MB  disk {res['disk_mb']} MB",
              flush=True)

    step("raw-bulk-load", [sys.executable, "-c", RAW_LOAD, str(nt), str(work / "raw")], work / "raw")
    shutil.rmtree(work / "raw", ignore_errors=True)
    step("build-nt", _kb(store, "build", str(nt)))
    step("validate", _kb(store, "validate"))
    step("conflicts", _kb(store, "conflicts", "--format", "json"), store, work / "local.json")
    steps[-1][1]["findings"] = len(json.loads((work / "local.json").read_text()))
    for name in WHOLE_QUERIES:
        step(f"query {name}", _kb(store, "query", name, "--format", "csv"), store, work / f"{name}.csv")
        steps[-1][1]["rows"] = max(0, len((work / f"{name}.csv").read_bytes().splitlines()) - 1)
    return steps


def remote_steps(work: Path) -> list[tuple[str, dict]]:
    """``kb push`` to a private Virtuoso and ``kb conflicts --endpoint`` against it."""
    import sparql_servers

    if sparql_servers.VIRTUOSO is None:
        print("  virtuoso: not installed, the remote steps are skipped")
        return []
    store, steps = work / "kb", []
    with sparql_servers.virtuoso(work / "virtuoso") as srv:
        env = _env({"KB_REMOTE_USER": srv.user, "KB_REMOTE_PASSWORD": srv.password})
        for name, cmd, out in (
                ("push virtuoso", _kb(store, "push", "--endpoint", srv.query), None),
                ("conflicts virtuoso", _kb(store, "conflicts", "--format", "json", "--endpoint", srv.query),
                 work / "remote.json")):
            res = measure(cmd, stdout=out, env=env)
            res["disk_mb"] = _disk_mb(work / "virtuoso")
            steps.append((name, res))
            print(f"  {name:28} {res['seconds']:9.1f} s {res['rss_mb']:7} MB  disk {res['disk_mb']} MB",
                  flush=True)
    local = json.loads((work / "local.json").read_text())
    remote = json.loads((work / "remote.json").read_text())
    steps[-1][1]["findings"] = len(remote)
    steps[-1][1]["same_as_local"] = remote == local
    return steps


def _save(path: Path, size: int, rows: list[dict]) -> None:
    kept = [r for r in json.loads(path.read_text()) if r.get("size") != size] if path.exists() else []
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sorted(kept + rows, key=lambda r: r["size"]), indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=10_000_000, help="statements to generate")
    ap.add_argument("--data", type=Path, default=REPO / "graphs" / "bench-data", help="dataset cache")
    ap.add_argument("--json", type=Path, default=None, help="write the rows here (other sizes kept)")
    ap.add_argument("--no-remote", action="store_true", help="skip the push to Virtuoso")
    args = ap.parse_args(argv)
    nt, generated = dataset(args.data / str(args.size), args.size)
    with tempfile.TemporaryDirectory(prefix=f"kb-point-{args.size}-") as tmp:
        work = Path(tmp)
        steps = ([("generate", {**generated, "disk_mb": round(nt.stat().st_size / 2**20)})] if generated
                 else []) + local_steps(nt, work)
        if not args.no_remote:
            steps += remote_steps(work)
    anchor = dict(steps)["raw-bulk-load"]["seconds"]
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or None
    rows = [{"size": args.size, "op": name, "commit": commit, **res,
             **({"ratio": round(res["seconds"] / anchor, 2)} if name == "build-nt" else {})}
            for name, res in steps]
    if args.json:
        _save(args.json, args.size, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

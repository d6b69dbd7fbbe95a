"""Benchmark ``kb push``: a synthetic knowledge base pushed twice (the second push replaces every
graph) to a private Virtuoso and a private Oxigraph server on 127.0.0.1.

    python scripts/bench_push.py --size 100000 [--size 1000000] [--server virtuoso] [--json out.json]

The knowledge base is built once per size from the generator's N-Triples (cached under
graphs/bench-data/SIZE/push-kb). Each push reports its seconds, the statements per second, how many
requests the server answered 401 or dropped (a failed first PUT shows here), and the load average
of the machine when it ran. Run it with another checkout's PYTHONPATH to compare before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))


def _kb(size: int):
    from kb import KnowledgeBase
    from kb.testing import synthetic

    data = REPO / "graphs" / "bench-data" / str(size)
    nt = data / "synthetic.nt"
    if not nt.exists():
        data.mkdir(parents=True, exist_ok=True)
        synthetic.write_nt(synthetic.generate(size, seed=1), nt)
    kb = KnowledgeBase(data / "push-kb")
    if not (data / "push-kb").exists():
        kb.build([nt])
    return kb


class _Counting:
    """Counts the responses of every httpx client made while it is installed (401s, drops)."""

    def __init__(self) -> None:
        import httpx

        self.status: dict[int, int] = {}
        self.dropped = 0
        real = httpx.Client._send_single_request  # below the auth flow: every request on the wire
        counter = self

        def send(client, request):
            try:
                r = real(client, request)
            except httpx.TransportError:
                counter.dropped += 1
                raise
            counter.status[r.status_code] = counter.status.get(r.status_code, 0) + 1
            return r

        httpx.Client._send_single_request = send  # type: ignore[method-assign]


def _push(kb, srv, counter: _Counting) -> dict:
    counter.status.clear()
    counter.dropped = 0
    load = os.getloadavg()[0]
    t = time.perf_counter()
    report = kb.push(srv.query, user=srv.user, password=srv.password)
    seconds = time.perf_counter() - t
    return {"seconds": round(seconds, 2), "statements": report.triples,
            "statements_per_s": round(report.triples / seconds), "http_401": counter.status.get(401, 0),
            "dropped": counter.dropped, "load_1min": round(load, 2)}


def main(argv: list[str] | None = None) -> int:
    import sparql_servers

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, action="append", help="statements (repeatable; default 100000)")
    ap.add_argument("--server", choices=("virtuoso", "oxigraph"), action="append")
    ap.add_argument("--json", type=Path, help="append the rows to this JSON list")
    args = ap.parse_args(argv)
    counter = _Counting()
    rows = []
    for size in args.size or [100_000]:
        kb = _kb(size)
        for name in args.server or ["virtuoso", "oxigraph"]:
            start = sparql_servers.virtuoso if name == "virtuoso" else sparql_servers.oxigraph_server
            with tempfile.TemporaryDirectory() as tmp, start(Path(tmp)) as srv:
                for attempt in ("first", "again"):
                    row = {"size": size, "server": name, "push": attempt, **_push(kb, srv, counter)}
                    print(json.dumps(row), flush=True)
                    rows.append(row)
    if args.json:
        old = json.loads(args.json.read_text()) if args.json.exists() else []
        args.json.write_text(json.dumps(old + rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

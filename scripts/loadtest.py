"""A bounded load test of ``kb serve``: a fixed number of requests from concurrent clients, with an
optional pathological client, on 127.0.0.1; it stops by itself.

    python scripts/loadtest.py --build-triples 1000000 --requests 1600 --clients 16 --timeout 5 \\
        --json load.json

Starts ``kb serve`` (a subprocess, ``python -m kb.cli --store STORE serve``) on a free port of
127.0.0.1 over ``--store``, or over a store built for the run: ``--build-triples N`` (default
1 000 000) generates the synthetic graph of about N triples (``scripts/generate.py``) and builds it
with ``kb build`` (``KnowledgeBase.build``: checked, with its provenance records; ``--loader bulk``
loads the same triples with Oxigraph's bulk loader into a store generation instead, faster, without
provenance); ``--build-triples 0`` builds the seed. ``--data DIR`` keeps the data and the store for
the next run.

Real parameters are read from the data (claims, their claimants and events). Each distinct request
is run once on its own first, and its answer kept. Then ``--clients`` threads (each with its own
httpx client and connection) send ``--requests`` requests in all, cycling over the selective named
queries (by GET /sparql, POST /sparql as a form, and GET /queries/NAME in turn); a request fails if
it gets anything but 200 with the same answer as alone. Unless ``--no-cartesian``, one more client
keeps sending a cartesian product over every graph (a COUNT, so nothing streams out early) while the
others work: the server must stop each at the time limit (503) and keep answering the others.
The summary gives failures by status, median, p99 and max latency, requests per second, and for
each cartesian query its status, how long until it was stopped and how many ordinary requests were
answered meanwhile. Latencies depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
ACCEPT = {"Accept": "application/sparql-results+json"}


def product_query(graphs: int = 3) -> str:
    """A cartesian product of every quad with itself ``graphs`` times, counted (so no row can be
    sent before all are made): N**graphs combinations over N quads."""
    patterns = " ".join(f"GRAPH ?g{i} {{ ?s{i} ?p{i} ?o{i} }}" for i in range(1, graphs + 1))
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ {patterns} }}"


CARTESIAN = product_query(3)
# The selective named queries (answered from indexes in milliseconds at 1 000 000 triples) and the
# kind of id each parameter takes; None: no parameter. (provenance is bound by subject: bound by id
# it filters every statement, 27 s at 1 000 000 triples.)
MIX: tuple[tuple[str, str | None, str | None], ...] = (
    ("denials-by-actor", "actor", "actor"),
    ("claims-about-event", "event", "event"),
    ("undocumented-claims", "actor", "actor"),
    ("provenance", "subject", "subject"),
    ("loaded-files", None, None),
)
CHANNELS = ("get", "post", "named")
SAMPLE = """PREFIX ev: <https://w3id.org/evkb/ns#> PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?c ?claim ?actor ?event WHERE {
  GRAPH ?gc { ?c ev:claimant ?a ; ev:about ?e ; dcterms:identifier ?claim }
  GRAPH ?ga { ?a dcterms:identifier ?actor }
  GRAPH ?ge { ?e dcterms:identifier ?event }
} LIMIT 2000"""


# -- the store -----------------------------------------------------------------------------------

def _generator() -> Any:
    sys.path.insert(0, str(REPO / "scripts"))
    from kb.testing import synthetic as generate

    return generate


def build_store(store: Path, triples: int, *, seed: int = 1, loader: str = "kb",
                data: Path | None = None) -> dict[str, Any]:
    """Build a store at ``store``: the seed (``triples`` 0) or the synthetic graph of about
    ``triples`` triples, loaded by ``loader`` ("bulk" or "kb"). The generated N-Triples go to
    ``data`` (next to the store if not given). Returns what was done and how long it took."""
    import pyoxigraph as ox

    from kb import KnowledgeBase
    from kb.model.graphs import file_graph
    from kb.store import Store

    started = time.perf_counter()
    if triples <= 0:
        KnowledgeBase(store).build()
        return {"data": "seed", "loader": "kb", "build_s": round(time.perf_counter() - started, 1)}
    data = data or store.parent
    data.mkdir(parents=True, exist_ok=True)
    nt = data / f"synthetic-{triples}-{seed}.nt"
    if not nt.exists():
        gen = _generator()
        gen.write_nt(gen.generate(triples, seed=seed), nt)
    generated = time.perf_counter()
    if loader == "kb":
        KnowledgeBase(store).build([nt])
    elif loader == "bulk":
        graph = ox.NamedNode(file_graph(nt.name))

        def work(db: ox.Store) -> None:
            db.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)

        Store(store).write(work)
    else:
        raise ValueError(f"unknown loader {loader!r} (bulk or kb)")
    return {"data": f"synthetic {triples} triples, seed {seed}", "loader": loader,
            "generate_s": round(generated - started, 1),
            "build_s": round(time.perf_counter() - generated, 1)}


def statements(store: Path) -> int:
    """How many statements the published generation holds."""
    from kb.store import Store

    with Store(store).reader() as db:
        return len(db)


# -- the server ----------------------------------------------------------------------------------

def _limit_files(n: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(store: Path, log: Path, *, timeout: float = 5.0, workers: int = 2,
            max_rows: int = 100_000, max_memory: int = 8192, port: int | None = None,
            nofile: int | None = None, extra: list[str] | tuple[str, ...] = ()) -> Iterator[str]:
    """Run ``kb serve`` over ``store`` on 127.0.0.1 (its output in ``log``), with at most ``nofile``
    descriptors if given; yield its base URL. The server is stopped (SIGTERM) on leaving."""
    port = port or free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    args = [sys.executable, "-m", "kb.cli", "--store", str(store), "serve", "--port", str(port),
            "--timeout", str(timeout), "--max-rows", str(max_rows), "--workers", str(workers),
            "--max-memory", str(max_memory), *extra]
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env,
                                preexec_fn=None if nofile is None else lambda: _limit_files(nofile))
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"kb serve exited with {proc.returncode}: "
                                   f"{log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{base}/sparql", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no answer from {base}/sparql")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def read_log(log: Path) -> dict[str, Any]:
    """What the server logged: refusals by status, access-log lines by status, errors."""
    text = log.read_text(errors="replace")
    refused = Counter(m for m in re.findall(r"refused \S+ \S+ from \S+: (\d{3}) ", text))
    access = Counter(m for m in re.findall(r'HTTP/1\.[01]" (\d{3})', text))
    errors = [line for line in text.splitlines() if " ERROR " in line or "ERROR:" in line
              or line.startswith("Traceback")]
    time_limit = len(re.findall(r"refused .*: 503 the query ran longer than the time limit", text))
    return {"refused": dict(sorted(refused.items())), "access": dict(sorted(access.items())),
            "time_limit_refusals": time_limit, "errors": errors[:20]}


# -- the clients ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    """One request: a named query with its parameters, sent by one channel."""

    name: str
    params: tuple[tuple[str, str], ...]
    channel: str
    text: str  # the query with its parameters bound (kb.query.bind), for /sparql

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.name, self.params


def send(client: httpx.Client, base: str, call: Call) -> httpx.Response:
    """Send ``call`` to the endpoint at ``base`` (SPARQL JSON results asked for)."""
    if call.channel == "named":
        return client.get(f"{base}/queries/{call.name}", params=dict(call.params), headers=ACCEPT)
    if call.channel == "get":
        return client.get(f"{base}/sparql", params={"query": call.text}, headers=ACCEPT)
    return client.post(f"{base}/sparql", data={"query": call.text}, headers=ACCEPT)


def sample_ids(client: httpx.Client, base: str, n: int = 40, seed: int = 1) -> dict[str, list[str]]:
    """Up to ``n`` claims with their claimants and events, read from the data through the endpoint."""
    r = client.post(f"{base}/sparql", data={"query": SAMPLE}, headers=ACCEPT)
    r.raise_for_status()
    rows = [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]
    if not rows:
        raise RuntimeError("no claim with a claimant and an event in the data")
    rows = random.Random(seed).sample(rows, min(n, len(rows)))
    for row in rows:
        row["subject"] = f"<{row['c']}>"
    return {kind: [row[kind] for row in rows] for kind in ("claim", "actor", "event", "subject")}


def plan(ids: dict[str, list[str]], seed: int = 1) -> list[Call]:
    """The requests to cycle over: every selective query with each sampled id, by each channel in
    turn, shuffled (deterministically)."""
    from kb.sparql.query import bind, library

    lib = library()
    calls: list[Call] = []
    channel = itertools.cycle(CHANNELS)
    for i in range(len(ids["claim"])):
        for name, param, kind in MIX:
            if param is None or kind is None:
                if i == 0:
                    calls.extend(Call(name, (), c, lib[name].text) for c in CHANNELS)
                continue
            params = ((param, ids[kind][i]),)
            calls.append(Call(name, params, next(channel), bind(lib[name], dict(params))))
    random.Random(seed).shuffle(calls)
    return calls


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank on the sorted values)."""
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


@dataclass
class Outcome:
    """One request as a client saw it (times in seconds since the start of the run)."""

    name: str
    start: float
    end: float
    status: str  # the HTTP status, or "wrong-answer", or the name of the client-side error
    detail: str = ""

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class LoadRun:
    """The raw outcome of :func:`run_load`."""

    ordinary: list[Outcome] = field(default_factory=list)
    cartesian: list[Outcome] = field(default_factory=list)
    wall_s: float = 0.0


def _bindings(r: httpx.Response) -> Any:
    return r.json()["results"]["bindings"]


def expected_answers(client: httpx.Client, base: str, calls: list[Call]) -> dict[tuple, Any]:
    """Each distinct request's answer when it runs alone."""
    answers: dict[tuple, Any] = {}
    for call in calls:
        if call.key not in answers:
            r = send(client, base, Call(call.name, call.params, "post", call.text))
            if r.status_code != 200:
                raise RuntimeError(f"{call.name} {dict(call.params)}: HTTP {r.status_code} {r.text[:300]}")
            answers[call.key] = _bindings(r)
    return answers


def run_load(base: str, calls: list[Call], *, requests: int, clients: int,
             answers: dict[tuple, Any] | None = None, cartesian: bool = False,
             cartesian_query: str = CARTESIAN, client_timeout: float = 300.0,
             cartesian_delay: float = 0.3) -> LoadRun:
    """Send ``requests`` requests (cycling over ``calls``) from ``clients`` threads; with
    ``cartesian`` one more thread sends ``cartesian_query`` again and again until they are done
    (its last query is waited for). A request whose answer differs from ``answers`` is a failure."""
    run = LoadRun()
    counter = itertools.count()
    lock = threading.Lock()
    done = threading.Event()

    def ordinary(client: httpx.Client) -> None:
        while True:
            with lock:
                i = next(counter)
            if i >= requests:
                return
            call = calls[i % len(calls)]
            start = time.perf_counter() - t0
            detail = ""
            try:
                r = send(client, base, call)
                status = str(r.status_code)
                if r.status_code != 200:
                    detail = r.text[:200]
                elif answers is not None and _bindings(r) != answers[call.key]:
                    status, detail = "wrong-answer", r.text[:200]
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                status, detail = type(exc).__name__, str(exc)[:200]
            outcome = Outcome(call.name, start, time.perf_counter() - t0, status, detail)
            with lock:
                run.ordinary.append(outcome)

    def pathological(client: httpx.Client) -> None:
        while not done.is_set():
            start = time.perf_counter() - t0
            try:
                r = client.post(f"{base}/sparql", data={"query": cartesian_query}, headers=ACCEPT)
                status, detail = str(r.status_code), r.text[:200].strip()
            except httpx.HTTPError as exc:
                status, detail = type(exc).__name__, str(exc)[:200]
            run.cartesian.append(Outcome("cartesian", start, time.perf_counter() - t0, status, detail))

    with contextlib.ExitStack() as stack:
        # the clients are made first (an httpx.Client takes tens of milliseconds to make)
        made = [stack.enter_context(httpx.Client(timeout=client_timeout)) for _ in range(clients + 1)]
        side = threading.Thread(target=pathological, args=(made[-1],), name="cartesian", daemon=True)
        threads = [threading.Thread(target=ordinary, args=(c,), name=f"client-{k}", daemon=True)
                   for k, c in enumerate(made[:-1])]
        t0 = time.perf_counter()
        if cartesian:
            side.start()
            time.sleep(cartesian_delay)  # so that it holds a worker when the others start
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        done.set()
        if cartesian:
            side.join()
        run.wall_s = time.perf_counter() - t0
    run.ordinary.sort(key=lambda o: o.start)
    return run


def _ms(seconds: list[float], stat: Callable[[list[float]], float]) -> float | None:
    """``stat`` of ``seconds`` in milliseconds (one decimal), None when there are none."""
    return round(1000 * stat(seconds), 1) if seconds else None


def _per_query(ordinary: list[Outcome]) -> dict[str, dict[str, Any]]:
    by_name: dict[str, list[float]] = {}
    for o in ordinary:
        by_name.setdefault(o.name, []).append(o.seconds)
    return {name: {"requests": len(v), "median_ms": _ms(v, statistics.median),
                   "p99_ms": _ms(v, lambda x: percentile(x, 99))} for name, v in sorted(by_name.items())}


def summarise(run: LoadRun, *, clients: int) -> dict[str, Any]:
    """Figures of a run: failures by status, latency (ms), throughput, the cartesian queries."""
    ok = [o for o in run.ordinary if o.status == "200"]
    seconds = [o.seconds for o in run.ordinary]
    first = min((o.start for o in run.ordinary), default=0.0)
    last = max((o.end for o in run.ordinary), default=0.0)
    span = max(last - first, 1e-9)
    return {
        "requests": len(run.ordinary), "clients": clients, "ok": len(ok),
        "failures": len(run.ordinary) - len(ok),
        "by_status": dict(sorted(Counter(o.status for o in run.ordinary).items())),
        "failure_examples": [{"query": o.name, "status": o.status, "detail": o.detail}
                             for o in run.ordinary if o.status != "200"][:5],
        "median_ms": _ms(seconds, statistics.median),
        "p99_ms": _ms(seconds, lambda x: percentile(x, 99)),
        "max_ms": _ms(seconds, max),
        "mean_ms": _ms(seconds, statistics.fmean),
        "load_s": round(span, 2),
        "requests_per_s": round(len(run.ordinary) / span, 1),
        "per_query": _per_query(run.ordinary),
        "cartesian": [{"status": c.status, "stopped_after_s": round(c.seconds, 2), "message": c.detail,
                       "ordinary_answered_meanwhile": sum(1 for o in ok if c.start <= o.end <= c.end)}
                      for c in run.cartesian],
        "wall_s": round(run.wall_s, 2),
    }


# -- the whole test ------------------------------------------------------------------------------

def load_test(store: Path, *, requests: int = 1600, clients: int = 16, timeout: float = 5.0,
              workers: int = 2, max_memory: int = 8192, cartesian: bool = True,
              cartesian_query: str = CARTESIAN, log: Path | None = None, ids: int = 40, seed: int = 1,
              check: bool = True) -> dict[str, Any]:
    """Serve ``store`` with ``kb serve`` on 127.0.0.1 and run the load test on it; the figures
    (see :func:`summarise`) with the store's size, the limits and what the server logged."""
    with tempfile.TemporaryDirectory(prefix="kb-loadtest-") as tmp:
        log = log or Path(tmp) / "serve.log"
        with serving(store, log, timeout=timeout, workers=workers, max_memory=max_memory) as base:
            with httpx.Client(timeout=timeout + 300) as client:
                calls = plan(sample_ids(client, base, ids, seed), seed)
                answers = expected_answers(client, base, calls) if check else None
            run = run_load(base, calls, requests=requests, clients=clients, answers=answers,
                           cartesian=cartesian, cartesian_query=cartesian_query,
                           client_timeout=timeout + 300)
            # and the server still answers afterwards
            after = httpx.post(f"{base}/sparql", data={"query": "ASK { }"}, headers=ACCEPT, timeout=60)
        result = summarise(run, clients=clients)
        with_rows = None if answers is None else sum(1 for a in answers.values() if a)
        result.update({"statements": statements(store), "timeout_s": timeout, "workers": workers,
                       "max_memory_mb": max_memory,
                       "distinct_requests": len({c.key for c in calls}), "answers_checked": check,
                       "distinct_with_rows": with_rows,
                       "cartesian_query": cartesian_query if cartesian else None,
                       "answers_after": after.status_code, "log": read_log(log)})
    return result


def report(result: dict[str, Any]) -> str:
    """The figures as a few lines of text."""
    lines = [
        f"kb serve load test: {result['requests']} requests from {result['clients']} clients"
        f"{' (+1 cartesian client)' if result['cartesian'] else ''} over {result['statements']:,} "
        f"statements; {result['workers']} workers, time limit {result['timeout_s']:g} s",
        f"  failures: {result['failures']} (by status: {result['by_status']}); "
        f"{result['distinct_requests']} distinct requests"
        + (f", {result['distinct_with_rows']} with rows, each answer checked against the request run alone"
           if result["answers_checked"] else ", answers not checked"),
        f"  latency: median {result['median_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms; "
        f"{result['requests_per_s']} requests/s over {result['load_s']} s",
    ]
    for name, q in result["per_query"].items():
        lines.append(f"    {name:22} {q['requests']:>6} requests  median {q['median_ms']:>8.1f} ms  "
                     f"p99 {q['p99_ms']:>8.1f} ms")
    for i, c in enumerate(result["cartesian"], 1):
        lines.append(f"  cartesian query {i}: {c['status']} after {c['stopped_after_s']} s "
                     f"({c['message'][:70]!r}); {c['ordinary_answered_meanwhile']} ordinary requests "
                     "answered meanwhile")
    log = result["log"]
    lines.append(f"  server log: refusals by status {log['refused']}, {log['time_limit_refusals']} for the "
                 f"time limit; {len(log['errors'])} error lines; answers after the run: "
                 f"{result['answers_after']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, default=None, help="serve this store (else one is built)")
    ap.add_argument("--build-triples", type=int, default=1_000_000,
                    help="without --store: build the synthetic graph of about N triples (0: the seed)")
    ap.add_argument("--loader", choices=["kb", "bulk"], default="kb",
                    help="how --build-triples loads the graph (kb: kb build; bulk: Oxigraph's bulk loader)")
    ap.add_argument("--data", type=Path, default=None,
                    help="folder to keep the generated data and built store in (reused when there)")
    ap.add_argument("--requests", type=int, default=1600, help="ordinary requests in all")
    ap.add_argument("--clients", type=int, default=16, help="concurrent ordinary clients")
    ap.add_argument("--timeout", type=float, default=5.0, help="the server's time limit (seconds)")
    ap.add_argument("--workers", type=int, default=2, help="the server's worker processes")
    ap.add_argument("--max-memory", type=int, default=8192,
                    help="the server's memory limit per worker in MB (the default lets the time limit, "
                         "not the memory limit, stop the counting cartesian query: it holds ~2.1 GB at 1M)")
    ap.add_argument("--no-cartesian", dest="cartesian", action="store_false",
                    help="no pathological client")
    ap.add_argument("--cartesian-graphs", type=int, default=3,
                    help="how many times the cartesian query multiplies the quads (N**K combinations)")
    ap.add_argument("--no-check", dest="check", action="store_false",
                    help="do not compare answers with each request run alone")
    ap.add_argument("--ids", type=int, default=40, help="claims (with claimant and event) to take ids from")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log", type=Path, default=None, help="keep the server's log here")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-loadtest-store-") as tmp:
        built: dict[str, Any] | None = None
        store = args.store
        if store is None:
            folder = args.data or Path(tmp)
            store = folder / f"store-{args.build_triples}-{args.loader}"
            if not (store / "CURRENT").exists():
                print(f"building {store} ...", file=sys.stderr, flush=True)
                built = build_store(store, args.build_triples, seed=args.seed, loader=args.loader,
                                    data=folder)
                print(f"built: {built}", file=sys.stderr, flush=True)
        elif not (store / "CURRENT").exists():
            ap.error(f"{store} holds no knowledge base")
        result = load_test(store, requests=args.requests, clients=args.clients, timeout=args.timeout,
                           workers=args.workers, max_memory=args.max_memory, cartesian=args.cartesian,
                           cartesian_query=product_query(args.cartesian_graphs), log=args.log, ids=args.ids,
                           seed=args.seed, check=args.check)
    if built:
        result["built"] = built
    print(report(result), flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    stopped = all(c["status"] == "503" for c in result["cartesian"])
    return 0 if result["failures"] == 0 and stopped and result["answers_after"] == 200 else 1


if __name__ == "__main__":
    sys.exit(main())


# -- the slow-connection case --------------------------------------------------------------------

def _closed(sock: socket.socket) -> bool:
    """Whether the server has closed ``sock`` (readable with nothing to read)."""
    import select

    poller = select.poll()  # not select(): descriptors here go past FD_SETSIZE
    poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
    if not poller.poll(0):
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def slow_connections(store: Path, *, idle: int = 1100, nofile: int = 256, requests: int = 100,
                     header_timeout: float = 30.0, log: Path | None = None) -> dict[str, Any]:
    """Serve ``store`` with ``kb serve`` under a descriptor limit of ``nofile`` while one client keeps
    ``idle`` connections open that never finish their request head (half of them send part of
    one; each the server closes is reopened), and send ``requests`` ordinary requests meanwhile,
    one at a time, each on a new connection. The figures: connections opened and still open, how
    many the server closed, ordinary requests answered (by status), what the server logged."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, idle + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # the client's own descriptors
    statuses: Counter[str] = Counter()
    failures: list[str] = []
    held: list[socket.socket] = []
    opened = reopened = 0
    with tempfile.TemporaryDirectory(prefix="kb-slowconn-") as tmp:
        log = log or Path(tmp) / "serve.log"
        with serving(store, log, nofile=nofile, extra=["--header-timeout", str(header_timeout)]) as base:
            port = int(base.rsplit(":", 1)[1])
            partial = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n"

            def connect(i: int) -> socket.socket:
                s = socket.create_connection(("127.0.0.1", port), timeout=30)
                if i % 2:
                    s.sendall(partial)  # a slowloris: part of a request head, never the rest
                return s

            for i in range(idle):
                held.append(connect(i))
                opened += 1
            with httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0)) as client:
                for n in range(requests):
                    for i, s in enumerate(held):  # keep the pressure on: reopen what the server closed
                        if _closed(s):
                            s.close()
                            held[i] = connect(i)
                            reopened += 1
                    try:
                        r = client.post(f"{base}/sparql", data={"query": "ASK { GRAPH ?g { ?s ?p ?o } }"},
                                        headers=ACCEPT)
                        statuses[str(r.status_code)] += 1
                        if r.status_code != 200 or r.json().get("boolean") is not True:
                            failures.append(f"{n}: {r.status_code} {r.text[:200]}")
                    except httpx.HTTPError as exc:
                        statuses[type(exc).__name__] += 1
                        failures.append(f"{n}: {type(exc).__name__}: {exc}")
            still_open = sum(1 for s in held if not _closed(s))
            for s in held:
                s.close()
            after = httpx.post(f"{base}/sparql", data={"query": "ASK { }"}, headers=ACCEPT, timeout=60)
        text = log.read_text(errors="replace")
        result = {
            "nofile": nofile, "idle_connections": idle, "opened": opened, "reopened_after_close": reopened,
            "still_open_at_end": still_open, "requests": requests, "by_status": dict(statuses),
            "failures": len(failures), "failure_examples": failures[:5], "answers_after": after.status_code,
            "cap_log_lines": len(re.findall(r"at the connection limit", text)),
            "emfile_lines": len(re.findall(r"Too many open files|EMFILE|out of system resource", text)),
            "log_bytes": len(text.encode()), "log": read_log(log),
        }
    return result

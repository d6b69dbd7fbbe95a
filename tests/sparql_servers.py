"""Real SPARQL 1.1 servers for tests and benchmarks, private to the caller, on 127.0.0.1 only.

* :func:`virtuoso` runs Debian's ``virtuoso-t`` with its own database and ini file in a temp dir
  (the packaged ini with the paths moved, both ports bound to loopback, result and time limits
  raised), waits until it answers, and shuts it down.
* :func:`oxigraph_server` runs the ``oxigraph`` binary from PyPI (``oxigraph serve``) on a temp
  directory.
* :func:`kb_serve` runs this checkout's ``kb serve`` as a user runs it (a subprocess, logging to a
  file).

Both are context managers yielding a :class:`Server` with the URLs ``kb`` needs.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")
OXIGRAPH = shutil.which("oxigraph")
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
PASSWORD = "dba"


@dataclass(frozen=True)
class Server:
    """A running SPARQL server: where to query, where to push, and who may write."""

    name: str
    query: str                # SPARQL 1.1 Protocol query endpoint
    store: str                # SPARQL 1.1 Graph Store Protocol endpoint
    user: str | None = None
    password: str | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, seconds: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"the server exited with {proc.returncode}: {tail}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"no answer from {url} within {seconds:.0f} s")


def virtuoso_ini(folder: Path, sql_port: int, http_port: int, buffers: int = 100_000,
                 max_rows: int = 10_000_000) -> Path:
    """A copy of the packaged virtuoso.ini with its database in ``folder``, listening on loopback,
    sending at most ``max_rows`` rows a result (``ResultSetMaxRows``)."""
    ini = VIRTUOSO_INI.read_text()
    ini = ini.replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
    ini = re.sub(r"(?m)^ServerPort(\s*)=\s*1111\b.*$", f"ServerPort = 127.0.0.1:{sql_port}", ini)
    ini = re.sub(r"(?m)^ServerPort(\s*)=\s*8890\b.*$", f"ServerPort = 127.0.0.1:{http_port}", ini)
    ini = re.sub(r"(?m)^DirsAllowed\s*=.*$", f"DirsAllowed = ., {folder}", ini)
    ini = re.sub(r"(?m)^NumberOfBuffers\s*=.*$", f"NumberOfBuffers = {buffers}", ini)
    ini = re.sub(r"(?m)^MaxDirtyBuffers\s*=.*$", f"MaxDirtyBuffers = {buffers * 3 // 4}", ini)
    ini = re.sub(r"(?m)^ResultSetMaxRows\s*=.*$", f"ResultSetMaxRows = {int(max_rows)}", ini)
    ini = re.sub(r"(?m)^MaxQueryExecutionTime\s*=.*$", "MaxQueryExecutionTime = 600", ini)
    ini = re.sub(r"(?m)^MaxQueryCostEstimationTime\s*=.*$", "MaxQueryCostEstimationTime = 0", ini)
    path = folder / "virtuoso.ini"
    path.write_text(ini)
    return path


@contextlib.contextmanager
def virtuoso(folder: Path, password: str = PASSWORD, max_rows: int = 10_000_000) -> Iterator[Server]:
    """A private Virtuoso (fresh database in ``folder``) on 127.0.0.1, stopped on exit; it cuts a
    result at ``max_rows`` rows (a small value stands for a production server's cap)."""
    if VIRTUOSO is None or ISQL is None:
        raise RuntimeError("virtuoso-opensource is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    sql, http = free_port(), free_port()
    ini = virtuoso_ini(folder, sql, http, max_rows=max_rows)
    log = folder / "virtuoso.log"
    proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http}"
    try:
        _wait(f"{base}/sparql", proc, 120, log)
        if password != "dba":
            subprocess.run([ISQL, f"127.0.0.1:{sql}", "dba", "dba", f"EXEC=SET PASSWORD dba {password};"],
                           check=True, capture_output=True, timeout=60)
        yield Server("virtuoso", f"{base}/sparql", f"{base}/sparql-graph-crud-auth", "dba", password)
    finally:
        with contextlib.suppress(Exception):
            subprocess.run([ISQL, f"127.0.0.1:{sql}", "dba", password, "EXEC=shutdown;"],
                           capture_output=True, timeout=60)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@contextlib.contextmanager
def oxigraph_server(folder: Path) -> Iterator[Server]:
    """``oxigraph serve`` (PyPI ``oxigraph``) on a store in ``folder`` at 127.0.0.1, stopped on exit."""
    if OXIGRAPH is None:
        raise RuntimeError("the oxigraph server binary (PyPI: oxigraph) is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "oxigraph.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([OXIGRAPH, "serve", "--location", str(folder / "db"), "--bind",
                                 f"127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "RUST_LOG": "warn"})
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/query", proc, 60, log)
        yield Server("oxigraph", f"{base}/query", f"{base}/store")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@contextlib.contextmanager
def kb_serve(store: Path, *extra: str, cwd: Path, workers: int = 1) -> Iterator[tuple[str, Path]]:
    """``kb --store STORE serve`` with ``extra`` options on a free port of 127.0.0.1, this checkout's
    code; yields the server's base URL (``http://127.0.0.1:PORT``) and its log file."""
    port = free_port()
    log = cwd / f"serve-{port}.log"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "kb.cli",
                                 "--store", str(store), "serve", "--port", str(port),
                                 "--workers", str(workers), *extra],
                                stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/sparql", proc, 120, log)
        yield base, log
    finally:
        proc.terminate()
        proc.wait(30)

"""A real external SPARQL store (Debian's Virtuoso on 127.0.0.1): push, then the same answers remotely."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kb import KnowledgeBase
from kb.conflicts import find_conflicts
from kb.remote import RemoteEndpoint, remote_query

REPO = Path(__file__).resolve().parent.parent
VIRTUOSO = shutil.which("virtuoso-t")
pytestmark = [pytest.mark.server, pytest.mark.skipif(VIRTUOSO is None, reason="virtuoso-opensource not installed")]
INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """A private Virtuoso listening on loopback only, with its own database, stopped afterwards."""
    d = tmp_path_factory.mktemp("virtuoso")
    sql, http = _port(), _port()
    ini = INI.read_text()
    ini = ini.replace("/var/lib/virtuoso-opensource-7/db/", f"{d}/")
    ini = re.sub(r"(?m)^ServerPort\s*=\s*1111", f"ServerPort = 127.0.0.1:{sql}", ini)
    ini = re.sub(r"(?m)^ServerPort\s*=\s*8890", f"ServerPort = 127.0.0.1:{http}", ini)
    ini = re.sub(r"(?m)^ResultSetMaxRows\s*=.*$", "ResultSetMaxRows = 5000000", ini)
    ini = re.sub(r"(?m)^MaxQueryExecutionTime\s*=.*$", "MaxQueryExecutionTime = 600", ini)
    (d / "virtuoso.ini").write_text(ini)
    proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(d / "virtuoso.ini")], cwd=d,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("Virtuoso did not start")
    yield {"query": f"{base}/sparql", "store": f"{base}/sparql-graph-crud-auth"}
    subprocess.run(["isql-vt", f"127.0.0.1:{sql}", "dba", "dba", "EXEC=shutdown;"], capture_output=True,
                   timeout=60)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def remote_count(url: str) -> int:
    q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'urn:evkb:')) }"
    return int(next(RemoteEndpoint(url).select(q))["n"])


def _rows(body: bytes) -> list[tuple]:
    data = json.loads(body)
    names = data["head"]["vars"]
    return sorted(tuple(b.get(n, {}).get("value") for n in names) for b in data["results"]["bindings"])


def test_push_seed_is_idempotent_and_answers_like_local(virtuoso, tmp_path):
    kb = KnowledgeBase(tmp_path / "seed")
    kb.build()
    with kb.snapshot() as db:
        local_triples = len(db)
    sent = kb.push(virtuoso["store"], user="dba", password="dba")
    assert sum(sent.values()) == local_triples and "urn:evkb:provenance" in sent
    assert remote_count(virtuoso["query"]) == local_triples
    kb.push(virtuoso["store"], user="dba", password="dba")  # twice: still one copy
    assert remote_count(virtuoso["query"]) == local_triples

    remote = RemoteEndpoint(virtuoso["query"])
    for name, params in [("denials-by-actor", {}), ("denials-by-actor", {"actor": "government-of-armenia"}),
                         ("claims-about-place", {"name": "Shushi"}), ("events-documented-by", {}),
                         ("sources-per-event", {}), ("timeline", {}), ("conflicts-direct", {}),
                         ("conflicts-part-of", {}), ("provenance", {"id": "shusha"})]:
        local = _rows(kb.query(name, params, "json"))
        assert local, name
        assert _rows(remote_query(remote, name, params, "json")) == local, name
    assert [c.to_dict() for c in find_conflicts(remote)] == [c.to_dict() for c in kb.conflicts()]


@pytest.mark.slow
def test_100k_synthetic_conflicts_same_remotely(virtuoso, tmp_path):
    spec = importlib.util.spec_from_file_location("generate", REPO / "scripts" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    sys.modules["generate"] = gen
    spec.loader.exec_module(gen)
    ds = gen.generate(100_000, seed=11)
    gen.write_yaml(ds, tmp_path / "synthetic.yaml")
    kb = KnowledgeBase(tmp_path / "syn")
    kb.build()  # the seed too: the server may already hold it from the test above
    kb.build([tmp_path / "synthetic.yaml"])
    started = time.perf_counter()
    sent = kb.push(virtuoso["store"], user="dba", password="dba")
    seconds = time.perf_counter() - started
    print(f"\npushed {sum(sent.values())} triples to Virtuoso in {seconds:.1f} s "
          f"({sum(sent.values()) / seconds:,.0f} triples/s)")
    remote = find_conflicts(RemoteEndpoint(virtuoso["query"]))
    local = kb.conflicts()
    assert len(local) == len(ds.expected) + len(KnowledgeBase(tmp_path / "syn").conflicts(actor="ilham-aliyev")) + 1
    assert len(remote) == len(local)
    assert [c.to_dict() for c in remote] == [c.to_dict() for c in local]
    for name in ("denials-by-actor", "sources-per-event"):
        assert _rows(remote_query(RemoteEndpoint(virtuoso["query"]), name, {}, "json")) == \
            _rows(kb.query(name, {}, "json"))

"""Named queries, parameter binding and `kb query`, on a real store built from the seed.

Expected answers are computed from the seed YAML files, never written into the test."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kb import KnowledgeBase, QueryError
from kb.cli import main
from kb.knowledge_base import seed_dir
from kb.model.names import NameNotFound
from kb.model.terms import EV, concept_codes
from kb.sparql.query import HEADER, NamedQuery, bind, library, load, refuse_unsafe, run, serialize

QUERIES = Path(str(resources.files("kb") / "queries"))
# The researcher's library (the conflict rules and the build's checks live beside it, owned by those
# concepts).
LIBRARY = ("denials-by-actor", "claims-about-place", "events-documented-by", "sources-per-event",
           "timeline", "provenance", "loaded-files", "find-by-name", "contested-events",
           "undocumented-claims", "claims-about-event")
ID = "https://w3id.org/evkb/id/"


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("query") / "store"
    KnowledgeBase(path).build()
    return path


@pytest.fixture(scope="module")
def seed() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in sorted(seed_dir().glob("*.yaml")):
        for key, items in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).items():
            out.setdefault(key, []).extend(items)
    return out


def solutions(store: Path, name: str, **params: str) -> list[dict[str, str]]:
    """Rows of a named query as {variable: value} (values as plain strings, unbound absent)."""
    result = json.loads(KnowledgeBase(store).query(name, params, "json"))
    return [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]


def as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


# -- the library ---------------------------------------------------------------------------------

def test_every_query_file_has_the_header_format():
    files = sorted(QUERIES.glob("*.rq"))
    assert len(files) >= 10
    for f in files:
        lines = f.read_text(encoding="utf-8").splitlines()
        header = []
        for line in lines:
            if not line.startswith("#"):
                break
            header.append(line)
        keys = [HEADER.match(line).group(1) for line in header if HEADER.match(line)]
        assert keys[:2] == ["title", "description"] and set(keys[2:]) <= {"param"}, f.name
        q = library()[f.stem]
        assert q.title and q.description, f.name
        body = "\n".join(lines[len(header):])
        for name in q.params:
            assert re.search(rf"\?{name}\b", body), f"{f.name}: parameter {name} is not used"


def test_library_covers_what_researchers_ask():
    assert set(LIBRARY) <= set(library())


def test_own_queries_are_scoped_by_graph():
    """The local data lives only in named graphs, and a remote store's default graph may be empty or
    hold other data: every query reads through GRAPH patterns."""
    for q in (library()[name] for name in LIBRARY):
        body = "\n".join(line for line in q.text.splitlines() if not line.startswith("#"))
        where = body[body.index("WHERE"):]
        outside = re.sub(r"GRAPH\s+(\?\w+|<[^>]*>)\s*\{", "", where)
        assert "GRAPH" in where and outside.count("{") < where.count("{"), q.name


# -- answers on the seed -------------------------------------------------------------------------

def test_denials_by_actor(seed_store, seed):
    expected = {(c["by"], c["id"]) for c in seed["claims"] if c["stance"] in ("denies", "disputes")}
    rows = solutions(seed_store, "denials-by-actor")
    assert {(r["actor"], r["claim"]) for r in rows} == expected
    assert all(r["stance"] in (str(EV.denies), str(EV.disputes)) for r in rows)
    for actor in {a for a, _ in expected}:
        rows = solutions(seed_store, "denials-by-actor", actor=actor)
        assert {(r["actor"], r["claim"]) for r in rows} == {e for e in expected if e[0] == actor}
    with pytest.raises(NameNotFound, match="no actor 'nobody'"):  # a miss is an error, not 0 rows (#18 item 3)
        solutions(seed_store, "denials-by-actor", actor="nobody")


def test_claims_about_a_place_by_any_of_its_names(seed_store, seed):
    shusha = next(p for p in seed["places"] if p["id"] == "shusha")
    events = {e["id"] for e in seed["events"] if e.get("place") == "shusha"}
    expected = {c["id"] for c in seed["claims"] if set(as_list(c["about"])) & events}
    assert expected
    names = [shusha["name"]] + [a.rsplit("@", 1)[0] for a in shusha["aliases"] + shusha["dataset_aliases"]]
    assert {"Shushi", "Şuşa"} <= set(names)
    for name in names + [n.upper() for n in names] + [n.lower() for n in names]:
        rows = solutions(seed_store, "claims-about-place", place=name)
        assert {r["claim"] for r in rows} == expected, name
        assert {r["place_id"] for r in rows} == {"shusha"}
    assert solutions(seed_store, "claims-about-place", place="Atlantis") == []


def test_events_documented_by_a_publisher_or_source(seed_store, seed):
    evidence = concept_codes(str(EV.EvidenceTypes))
    publisher = {s["id"]: s.get("publisher") for s in seed["sources"]}
    docs = {(e["id"], d["source"], evidence[d["evidence"]]) for e in seed["events"]
            for d in e.get("documented_by") or []}
    rows = solutions(seed_store, "events-documented-by")
    assert {(r["event"], r["source"], r["evidence"]) for r in rows} == docs
    for pub in {p for p in publisher.values() if p}:
        rows = solutions(seed_store, "events-documented-by", publisher=pub)
        assert {(r["event"], r["source"], r["evidence"]) for r in rows} == \
            {d for d in docs if publisher[d[1]] == pub}, pub
    hrw = {d for d in docs if d[1] == "hrw-cluster-munitions"}
    assert len(hrw) > 1
    rows = solutions(seed_store, "events-documented-by", source="hrw-cluster-munitions")
    assert {(r["event"], r["source"], r["evidence"]) for r in rows} == hrw


def test_sources_per_event_count_independent_publishers(seed_store, seed):
    sources = {s["id"]: s for s in seed["sources"]}

    def origins(sid: str) -> set[str]:
        parents = as_list(sources[sid].get("derived_from"))
        return set().union(*(origins(p) for p in parents)) if parents else {sid}

    def key(sid: str) -> str:
        s = sources[sid]
        return s.get("publisher") or s.get("author") or f"source:{sid}"

    rows = {r["event"]: r for r in solutions(seed_store, "sources-per-event")}
    documented = [e for e in seed["events"] if e.get("documented_by")]
    assert set(rows) == {e["id"] for e in documented}
    for e in documented:
        srcs = {d["source"] for d in e["documented_by"]}
        keys = {key(o) for s in srcs for o in origins(s)}
        r = rows[e["id"]]
        assert int(r["sources"]) == len(srcs)
        assert int(r["independent_publishers"]) == len(keys), e["id"]
        assert set(r["publishers"].split()) == keys
        assert int(r["evidence_types"]) == len({d["evidence"] for d in e["documented_by"]})


def test_timeline_is_in_date_order_and_filters(seed_store, seed):
    rows = solutions(seed_store, "timeline")
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates)
    dated_claims = {c["id"] for c in seed["claims"] if c.get("date")}
    assert dated_claims <= {r["id"] for r in rows if r["entry"] == "claim"}
    assert {r["entry"] for r in rows} == {"event", "claim", "documentation"}
    since, until = dates[len(dates) // 3], dates[2 * len(dates) // 3]
    window = solutions(seed_store, "timeline", since=since, until=until)
    assert window == [r for r in rows if since <= r["date"] <= until]


def test_provenance_names_the_file_and_its_hash(seed_store):
    places = seed_dir() / "places.yaml"
    sha = hashlib.sha256(places.read_bytes()).hexdigest()
    rows = solutions(seed_store, "provenance", id="shusha")
    assert rows and {(r["file"], r["sha256"], r["graph"]) for r in rows} == \
        {("seed/places.yaml", sha, "urn:evkb:seed:places.yaml")}
    assert all(r["subject"] == ID + "shusha" and r["loaded"] for r in rows)
    stance = solutions(seed_store, "provenance", property=f"<{EV.stance}>", id="armenia-denies-shusha-taken")
    assert [(r["value"], r["file"]) for r in stance] == [(str(EV.denies), "seed/claims.yaml")]


def test_loaded_files_lists_every_file_with_its_hash(seed_store):
    rows = solutions(seed_store, "loaded-files")
    expected = {f"seed/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in seed_dir().glob("*.yaml")}
    assert {r["file"]: r["sha256"] for r in rows} == expected
    kb = KnowledgeBase(seed_store)
    assert {r["file"]: int(r["statements"]) for r in rows} == {f["path"]: f["triples"] for f in kb.files()}


def test_find_by_name_and_contested_and_undocumented(seed_store, seed):
    assert {r["id"] for r in solutions(seed_store, "find-by-name", text="shushi")} == {"shusha"}
    by_event: dict[str, list[dict]] = {}
    for c in seed["claims"]:
        for e in as_list(c["about"]):
            by_event.setdefault(e, []).append(c)
    contested = {(e, a["by"], d["by"]) for e, cs in by_event.items() for a in cs for d in cs
                 if a["stance"] == "asserts" and d["stance"] in ("denies", "disputes") and a["by"] != d["by"]}
    rows = solutions(seed_store, "contested-events")
    assert {(r["event"], r["asserted_by"], r["challenged_by"]) for r in rows} == contested
    documented = {e["id"] for e in seed["events"] if e.get("documented_by")}
    rows = solutions(seed_store, "undocumented-claims")
    assert {r["claim"] for r in rows} == {c["id"] for c in seed["claims"]
                                          if not set(as_list(c["about"])) & documented}
    rows = solutions(seed_store, "claims-about-event")
    assert {r["claim"] for r in rows} == {c["id"] for c in seed["claims"]}
    sources = {e["id"]: {d["source"] for d in e.get("documented_by") or []} for e in seed["events"]}
    assert all(int(r["documenting_sources"]) == len(sources[r["event"]]) for r in rows)


# -- binding -------------------------------------------------------------------------------------

ECHO = NamedQuery.parse("echo", "# title: echo\n# description: returns its parameter\n# param: x — anything\n"
                                "SELECT ?v WHERE { BIND(?x AS ?v) }")


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_a_bound_value_comes_back_exactly_and_cannot_change_the_query(value):
    assume(not (value.startswith("<") and value.endswith(">")))  # <…> is an IRI (tested below)
    result = run(ECHO, {"x": value}, db=ox.Store())
    rows = list(result)
    assert len(rows) == 1 and rows[0]["v"] == ox.Literal(value)


def test_hostile_values_stay_literals():
    q = load("denials-by-actor")
    for hostile in ['x" } ?s ?p ?o { "', "x' } } SELECT * { ?s ?p ?o", "a\nb\\\"c", "} #", "<not-closed"]:
        text = bind(q, {"actor": hostile})
        assert text.count("VALUES") == q.text.count("VALUES") + 1
        assert list(run(q, {"actor": hostile}, db=ox.Store())) == []


def test_iri_values_and_unknown_parameters():
    result = list(run(ECHO, {"x": "<https://w3id.org/evkb/id/shusha>"}, db=ox.Store()))
    assert result[0]["v"] == ox.NamedNode("https://w3id.org/evkb/id/shusha")
    with pytest.raises(QueryError, match="not a valid IRI"):
        bind(ECHO, {"x": "<not an iri>"})
    with pytest.raises(QueryError, match="unknown parameter nope"):
        bind(load("denials-by-actor"), {"nope": "x"})


def test_syntax_errors_name_line_and_column(tmp_path):
    line = "SELECT * WHERE { ?s ?p ?x . BIND(?x AS ?y AS ?z) }"
    bad = tmp_path / "bad.rq"
    bad.write_text(f"# title: bad\n# description: broken\n# param: x — a value\n{line}\n")
    with pytest.raises(QueryError, match=r"bad\.rq:4:\d+: syntax error") as info:
        run(str(bad), {"x": "value"}, db=ox.Store())
    column = int(re.search(r"bad\.rq:4:(\d+)", str(info.value)).group(1))
    assert column == line.rindex(" AS ") + 2  # the position in the file as written, not as bound


def test_updates_and_federation_are_refused():
    for text in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "PREFIX x: <urn:x> DROP ALL",
                 "LOAD <http://example.org/data.ttl>", "# c\nCLEAR DEFAULT"):
        with pytest.raises(QueryError, match="read-only"):
            refuse_unsafe(text)
    with pytest.raises(QueryError, match="SERVICE"):
        refuse_unsafe("SELECT * WHERE {\n SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    # the word in a variable, a prefixed name, a literal, an IRI or a comment is not the keyword
    refuse_unsafe('PREFIX x: <urn:x:> SELECT ?service WHERE { ?service x:SERVICE "SERVICE" . '
                  "<urn:SERVICE> ?p ?o } # SERVICE")


# -- the command line ----------------------------------------------------------------------------

def _parse(fmt: str, body: bytes) -> list[tuple]:
    """The rows of a SPARQL 1.1 result document, as sorted tuples of plain values (None: unbound)."""
    if fmt == "csv":  # SPARQL CSV is lossy by design (no types); pyoxigraph refuses to read it
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))[1:]
        return sorted(tuple(v if v != "" else None for v in row) for row in rows)
    results = ox.parse_query_results(body, format={"json": ox.QueryResultsFormat.JSON,
                                                    "xml": ox.QueryResultsFormat.XML,
                                                    "tsv": ox.QueryResultsFormat.TSV}[fmt])
    return sorted(tuple(None if s[i] is None else s[i].value for i in range(len(results.variables)))
                  for s in results)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_cli_writes_the_standard_result_formats(seed_store, fmt):
    expected = _parse("json", KnowledgeBase(seed_store).query("denials-by-actor", {}, "json"))
    r = CliRunner().invoke(main, ["--store", str(seed_store), "query", "denials-by-actor", "--format", fmt])
    assert r.exit_code == 0, r.output
    assert _parse(fmt, r.stdout_bytes) == expected
    if fmt == "csv":
        assert next(csv.reader(io.StringIO(r.output)))[0] == "actor"


def test_cli_table_stdin_construct_and_listing(seed_store, tmp_path):
    n = len(solutions(seed_store, "denials-by-actor"))
    r = CliRunner().invoke(main, ["--store", str(seed_store), "query", "denials-by-actor"])
    assert r.exit_code == 0 and r.output.rstrip().endswith(f"{n} rows") and "ev:denies" in r.output
    r = CliRunner().invoke(main, ["--store", str(seed_store), "query", "-", "--format", "nt"],
                           input="CONSTRUCT { ?s a ?t } WHERE { GRAPH ?g { ?s a ?t } } LIMIT 3")
    assert r.exit_code == 0 and len(list(ox.parse(r.stdout_bytes, format=ox.RdfFormat.N_TRIPLES))) == 3
    r = CliRunner().invoke(main, ["--store", str(seed_store), "query", "-", "--format", "ttl"],
                           input="DESCRIBE <https://w3id.org/evkb/id/shusha>")
    assert r.exit_code == 0 and len(list(ox.parse(r.stdout_bytes, format=ox.RdfFormat.TURTLE))) > 3
    r = CliRunner().invoke(main, ["queries"])
    assert r.exit_code == 0 and all(f"{name} — " in r.output for name in library())
    listed = json.loads(CliRunner().invoke(main, ["queries", "--json"]).output)
    assert {q["name"] for q in listed} == set(library())


def test_cli_errors_are_one_line_with_exit_code_5(seed_store, tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT * WHERE {\n  ?s ?p \n}")
    for args in (["query", str(bad)], ["query", "denials-by-actor", "--param", "nope=1"],
                 ["query", "denials-by-actr"], ["query", "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }"]):
        proc = subprocess.run([sys.executable, "-m", "kb.cli", "--store", str(seed_store), *args],
                              capture_output=True, text=True)
        assert proc.returncode == 5, (args, proc.stderr)
        assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "kb.cli", "--store", str(seed_store), "query", str(bad)],
                          capture_output=True, text=True)
    assert re.search(r"bad\.rq:3:\d+: syntax error: expected", proc.stderr)
    proc = subprocess.run([sys.executable, "-m", "kb.cli", "--store", str(seed_store), "query",
                           "denials-by-actr"], capture_output=True, text=True)
    assert "did you mean 'denials-by-actor'" in proc.stderr


def test_serialize_refuses_mismatched_formats(seed_store):
    with KnowledgeBase(seed_store).snapshot() as db:
        with pytest.raises(QueryError, match="unknown format"):
            serialize(run("SELECT * WHERE { ?s ?p ?o } LIMIT 1", db=db), "nope")
        with pytest.raises(QueryError, match="ttl or nt"):
            serialize(run("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", db=db), "json")
        with pytest.raises(QueryError, match="gives a table"):
            serialize(run("SELECT * WHERE { ?s ?p ?o } LIMIT 1", db=db), "ttl")


def test_a_bound_parameter_enables_its_pattern_lines(seed_store):
    """``#+NAME pattern`` is a comment until NAME is bound: the file runs unchanged anywhere, and a
    bound parameter drives the lookup instead of filtering every row."""
    q = NamedQuery.parse("t", "# param: id — an id\n# param: other — unused\n"
                              "SELECT ?s WHERE {\n"
                              "  #+id GRAPH ?g { ?s <http://purl.org/dc/terms/identifier> ?id }\n"
                              "  #+other this line is never enabled\n"
                              "  GRAPH ?h { ?s a ?class }\n}")
    assert bind(q, {}) == q.text
    bound = bind(q, {"id": "shusha"})
    assert "\n  GRAPH ?g { ?s <http://purl.org/dc/terms/identifier> ?id }\n" in bound
    assert "#+other this line is never enabled" in bound
    with KnowledgeBase(seed_store).snapshot() as db:
        everything = {r["s"] for r in db.query(q.text)}
        one = {r["s"] for r in db.query(bound)}
    assert one == {ox.NamedNode("https://w3id.org/evkb/id/shusha")} and len(everything) > 50

"""Property-based fuzzing of every loader (Hypothesis): random and mutated documents either load or
are refused with the project's own located error, never another exception, never a partial write.

Two levels, per format:

* the loader alone (fast, many examples): ``LOADERS[fmt](file)`` and the record checks never
  raise; whatever is wrong comes back as problems naming the file;
* a real build into an on-disk store (fewer examples): ``KnowledgeBase.build`` either commits or
  raises :class:`~kb.errors.InputError` whose problems all name a file, and then the store is
  byte-for-byte what it was.

Examples are derandomized (the same every run, so CI is stable); set ``KB_FUZZ_SCALE`` (a
multiplier, default 1) to explore more.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from helpers import canonical_dump
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import InputError, KnowledgeBase
from kb.loaders import LOADERS, InputFile
from kb.model.records import compile_records
from kb.model.terms import DEFAULT_BASE

SCALE = float(os.environ.get("KB_FUZZ_SCALE", "1"))
TRIED: dict[str, int] = {}

GOOD_YAML = textwrap.dedent("""\
    actors:
      - id: f-alice
        name: Alice
        kind: person
        aliases: ["Alicia@es"]
        affiliated_with: [f-gov]
      - id: f-gov
        name: A Government
        kind: government
    places:
      - id: f-town
        name: Town
        aliases: ["Tawn@hy"]
        latitude: 39.8
    sources:
      - id: f-report
        title: A report
        kind: report
        publisher: f-gov
        date: 2020-10-02
        url: https://example.org/report
    events:
      - id: f-war
        label: A war
      - id: f-shelling
        label: A shelling
        date: 2020-10-01/2020-10-03
        place: f-town
        part_of: [f-war]
        documented_by:
          - source: f-report
            evidence: video
            quote: "we filmed it"
    claims:
      - id: f-denial
        by: f-alice
        stance: denies
        about: [f-shelling]
        text: "It did not happen."
        stated_in: f-report
        date: 2020-10-04
    """)
GOOD_CSV = ("id,name,kind,aliases,affiliated_with,description\n"
            "f-alice,Alice,person,Alicia@es | Ali,f-gov,A person\n"
            "f-gov,A Government,government,,,\n"
            '"f-media","Media, Inc.",media,"M@en",,"quoted, with a comma"\n')
GOOD_CLAIMREVIEW = json.dumps({"@context": "https://schema.org", "@graph": [
    {"@type": "ClaimReview", "url": "https://factcheck.example.org/r/1", "datePublished": "2020-11-02",
     "name": "A review", "author": {"@type": "Organization", "name": "Example Fact Check"},
     "claimReviewed": "No cluster munitions were used.",
     "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "A Spokesperson"},
                      "datePublished": "2020-10-30",
                      "firstAppearance": {"@type": "CreativeWork", "url": "https://news.example.org/a",
                                          "name": "An interview"}},
     "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "alternateName": "False"},
     "reviewBody": "Documented by two outlets."}]}, indent=1)
GOOD_ACLED = (
    "event_id_cnty,event_date,event_type,sub_event_type,actor1,actor2,country,admin1,location,latitude,"
    "longitude,source,notes,fatalities\n"
    "FZ1,2020-10-04,Explosions/Remote violence,Shelling,Forces of A,Civilians (B),Country,Region,Fuzztown,"
    '39.81,46.75,Outlet A; Outlet B,"Shelling reported, two dead",2\n'
    "FZ2,04 October 2020,Battles,Armed clash,Forces of B,,Country,Region,Fuzzville,40.1,46.2,Outlet C,,0\n")

FILES = {  # loader format -> file name (the CSV sheet kind comes from its name)
    "yaml": "fuzz.yaml", "csv": "fuzz.actors.csv", "claimreview": "fuzz.json", "acled": "fuzz-acled.csv",
    "turtle": "fuzz.ttl", "trig": "fuzz.trig", "nt": "fuzz.nt", "nq": "fuzz.nq", "jsonld": "fuzz.jsonld",
}
RDF_EXPORT = {"turtle": "ttl", "trig": "trig", "nt": "nt", "nq": "nq", "jsonld": "jsonld"}
NASTY = ["\x00", "\t", "\r", "\n", "\u202e", "\u200b", "\ufeff", "\ud7ff", "é", "😀", '"', "'", "\\",
         ":", "- ", "#", "&a", "*a", "!!", "{", "}", "[", "]", ",", ";", "|", "@", "<", ">", "_:b",
         "^^", "2020-02-30", "2020-13-01", "9999-99-99/0000-00-00", "javascript:x", "null", "yes",
         "@context", "http://example.org/ctx.jsonld", "1e999", "-0", "NaN"]


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, bytes]:
    """A valid document per format (the RDF ones exported from a store holding GOOD_YAML)."""
    folder = tmp_path_factory.mktemp("fuzz-docs")
    (folder / "good.yaml").write_text(GOOD_YAML)
    kb = KnowledgeBase(folder / "store")
    kb.build([folder / "good.yaml"])
    docs = {"yaml": GOOD_YAML.encode(), "csv": GOOD_CSV.encode(), "claimreview": GOOD_CLAIMREVIEW.encode(),
            "acled": GOOD_ACLED.encode()}
    for fmt, ext in RDF_EXPORT.items():
        docs[fmt] = kb.export(ext, folder / f"good.{ext}").read_bytes()
    return docs


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A small store the builds start from (ids distinct from the fuzzed documents')."""
    folder = tmp_path_factory.mktemp("fuzz-base")
    base = folder / "base.yaml"
    base.write_text("actors:\n  - {id: b-actor, name: Base Actor, kind: organisation}\n"
                    "places:\n  - {id: b-place, name: Base Place}\n")
    KnowledgeBase(folder / "store").build([base])
    return folder / "store"


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """A valid document with a few random edits: bytes inserted, deleted, replaced, lines
    duplicated or swapped, the end cut off."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "dup-line", "swap-lines", "truncate"]))
        at = draw(st.integers(0, len(data)))
        if op == "insert":
            piece = draw(st.one_of(st.sampled_from(NASTY).map(str.encode), st.binary(min_size=1, max_size=4)))
            data[at:at] = piece
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 12))]
        elif op == "replace":
            data[at:at + draw(st.integers(1, 8))] = draw(st.sampled_from(NASTY)).encode()
        elif op == "truncate":
            del data[at:]
        else:
            lines = bytes(data).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if op == "dup-line":
                lines.insert(i, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(NASTY), st.sampled_from(
                        ["f-alice", "f-gov", "f-shelling", "b-actor", "denies", "person", "video",
                         "2020-10-01", "2020-10-03/2020-10-01", "https://example.org/x"]))
_keys = st.one_of(st.sampled_from(["actors", "places", "sources", "events", "claims", "id", "name", "kind",
                                   "label", "title", "by", "stance", "about", "text", "date", "part_of",
                                   "documented_by", "source", "evidence", "aliases", "@type", "@id",
                                   "@context", "@graph", "claimReviewed", "author", "itemReviewed"]),
                  st.text(max_size=10))
_tree = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(_keys, inner, max_size=5)), max_leaves=25)


@st.composite
def random_document(draw, fmt: str) -> bytes:
    """A document made from scratch in the format's syntax (structure random, keys plausible)."""
    tree = draw(_tree)
    if fmt == "yaml":
        return yaml.safe_dump(tree, allow_unicode=True).encode("utf-8", "surrogatepass")
    if fmt in ("claimreview", "jsonld"):
        return json.dumps(tree, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if fmt in ("csv", "acled"):
        header = GOOD_CSV if fmt == "csv" else GOOD_ACLED
        cells = draw(st.lists(st.lists(_scalar.map(lambda v: "" if v is None else str(v)), max_size=16),
                              max_size=4))
        import csv
        import io

        buf = io.StringIO()
        csv.writer(buf).writerows(cells)
        return (header.split("\n", 1)[0] + "\n" + buf.getvalue()).encode("utf-8", "surrogatepass")
    terms = st.one_of(st.sampled_from(["<https://w3id.org/evkb/id/f-x>", "<urn:a>", "_:b", "<>", "<a b>"]),
                      _scalar.map(lambda v: json.dumps(str(v))))
    statements = draw(st.lists(st.tuples(terms, terms, terms), max_size=5))
    graph = " <urn:g>" if fmt == "nq" else ""
    body = "".join(f"{s} {p} {o}{graph} .\n" for s, p, o in statements)
    return (("<urn:g> {\n" + body + "}\n") if fmt == "trig" else body).encode("utf-8", "surrogatepass")


def document(fmt: str, original: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(original), random_document(fmt))


def fuzz_settings(n: int):
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def display(path: Path) -> str:
    """How a build names a file: relative to the working folder when inside it."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _problems_name_files(exc: InputError, allowed: set[str]) -> None:
    assert exc.problems, "an InputError without problems"
    for p in exc.problems:
        assert p.file in allowed, (p.file, allowed)
        assert p.message


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_a_loader_returns_problems_and_never_raises(documents, tmp_path, fmt):
    path = tmp_path / FILES[fmt]
    f = InputFile(path, path.name, f"urn:test:{fmt}", fmt)

    @fuzz_settings(40)
    @given(data=document(fmt, documents[fmt]))
    def check(data: bytes) -> None:
        TRIED[fmt] = TRIED.get(fmt, 0) + 1
        path.write_bytes(data)
        parsed = LOADERS[fmt](f)
        problems = list(parsed.problems)
        if parsed.load_into is not None:  # RDF streamed into the build's transaction
            try:
                parsed.load_into(ox.Store(), ox.NamedNode(f.graph))
            except InputError as exc:
                problems += exc.problems
        if parsed.records and not problems:
            problems += compile_records({f.graph: (f.display, parsed.records)}, DEFAULT_BASE,
                                        lambda ids: {}).problems
        for p in problems:
            assert p.file == path.name and p.message

    check()


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_a_build_commits_or_changes_nothing(documents, pristine, tmp_path, fmt):
    store = tmp_path / "store"
    shutil.copytree(pristine, store)
    kb = KnowledgeBase(store)
    path = tmp_path / FILES[fmt]
    outcomes = {"committed": 0, "refused": 0}

    @fuzz_settings(4)
    @given(data=document(fmt, documents[fmt]))
    def check(data: bytes) -> None:
        TRIED[f"build-{fmt}"] = TRIED.get(f"build-{fmt}", 0) + 1
        path.write_bytes(data)
        before = canonical_dump(store)
        current = (store / "CURRENT").read_text()
        try:
            report = kb.build([path], fmt=fmt)
        except InputError as exc:  # problems name the file (or, for RDF about stored records, theirs)
            _problems_name_files(exc, {display(path), display(pristine.parent / "base.yaml")})
            assert canonical_dump(store) == before and (store / "CURRENT").read_text() == current
            outcomes["refused"] += 1
        else:
            assert report.committed or all(f.status == "unchanged" for f in report.files)
            assert display(path) in {f["path"] for f in kb.files()}
            outcomes["committed"] += 1
        assert not [p for p in (store / "gen").iterdir() if p.name.startswith("tmp-")]

    check()
    # the valid original itself always builds
    path.write_bytes(documents[fmt])
    kb.build([path], fmt=fmt)
    assert outcomes["refused"] > 0


# -- ClaimReview in its real shapes (issue 16), with and without --strict -------------------------

_REVIEW = json.loads(GOOD_CLAIMREVIEW)["@graph"][0]
_SECOND = {**_REVIEW, "url": "https://factcheck.example.org/r/2", "claimReviewed": "The bridge stands."}
CLAIMREVIEW_SHAPES = {  # shape -> (a valid document, its reviews)
    "datafeed": ({"@context": "http://schema.org", "@type": "DataFeed", "dataFeedElement": [
        {"@type": "DataFeedItem", "dateCreated": "2020-11-03", "item": [_REVIEW, _SECOND]}]}, 2),
    "api-page": ({"total_results": 2, "data": [{"@context": "https://schema.org", **_REVIEW}, _SECOND]}, 2),
    "factcheck-tools": ({"claims": [{"text": "No cluster munitions were used.", "claimant": "A Spokesperson",
                                     "claimDate": "2020-10-30T00:00:00Z", "claimReview": [
                                         {"publisher": {"name": "Example Fact Check", "site": "example.org"},
                                          "url": "https://factcheck.example.org/r/1", "title": "A review",
                                          "reviewDate": "2020-11-02T00:00:00Z", "textualRating": "False",
                                          "languageCode": "en"}]}], "nextPageToken": "x"}, 1),
    "graph-list": ([{"@context": "https://schema.org", "@graph": [_REVIEW]},
                    {"@context": {"@vocab": "http://schema.org/"}, "@graph": [_SECOND]}], 2),
}


def _paths(tree: object, at: tuple = ()) -> list[tuple]:
    """Every path to a value of a JSON tree (keys and indexes)."""
    out = [at]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _paths(v, (*at, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _paths(v, (*at, i))
    return out


@st.composite
def tree_mutated(draw, original: object) -> bytes:
    """A valid document with its structure edited (a value replaced by a random one, a key or an
    item removed or repeated): still JSON, but with the wrong shapes and values feeds have."""
    tree = json.loads(json.dumps(original))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(tree) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = tree
        for step in path[:-1]:
            parent = parent[step]
        op = draw(st.sampled_from(["replace", "remove", "repeat"]))
        if op == "replace":
            parent[path[-1]] = draw(_tree)
        elif op == "remove":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.insert(path[-1], json.loads(json.dumps(parent[path[-1]])))
        else:
            parent[draw(_keys)] = json.loads(json.dumps(parent[path[-1]]))
    return json.dumps(tree, ensure_ascii=False).encode("utf-8", "surrogatepass")


def shape_document(shape: str) -> st.SearchStrategy[bytes]:
    original, _n = CLAIMREVIEW_SHAPES[shape]
    return st.one_of(tree_mutated(original), mutated(json.dumps(original, indent=1).encode()))


@pytest.mark.parametrize("strict", [False, True], ids=["tolerant", "strict"])
@pytest.mark.parametrize("shape", sorted(CLAIMREVIEW_SHAPES))
def test_claimreview_shapes_load_or_give_located_problems(tmp_path, shape, strict):
    path = tmp_path / "feed.json"
    f = InputFile(path, path.name, "urn:test:cr", "claimreview", strict=strict)
    original, n = CLAIMREVIEW_SHAPES[shape]
    path.write_text(json.dumps(original, indent=1))
    good = LOADERS["claimreview"](f)
    assert not good.problems and not good.warnings and len(good.reviews) == n

    @fuzz_settings(40)
    @given(data=shape_document(shape))
    def check(data: bytes) -> None:
        TRIED[f"claimreview-{shape}"] = TRIED.get(f"claimreview-{shape}", 0) + 1
        path.write_bytes(data)
        parsed = LOADERS["claimreview"](f)
        for p in parsed.problems:
            assert p.file == path.name and p.message
        assert parsed.problems or parsed.reviews  # nothing imported is never a success
        if strict:  # --strict: an item that would be skipped refuses the file
            assert parsed.problems or not any(w.endswith("skipped") for w in parsed.warnings)
        else:  # tolerant: a feed with a review to import is never refused by its bad items
            assert not (parsed.reviews and parsed.problems)
        if parsed.records and not parsed.problems:
            compiled = compile_records({f.graph: (f.display, parsed.records)}, DEFAULT_BASE, lambda ids: {})
            for p in compiled.problems:
                assert p.file == path.name and p.message

    check()


@pytest.mark.parametrize("strict", [False, True], ids=["tolerant", "strict"])
@pytest.mark.parametrize("shape", sorted(CLAIMREVIEW_SHAPES))
def test_claimreview_shapes_build_or_change_nothing(pristine, tmp_path, shape, strict):
    store = tmp_path / "store"
    shutil.copytree(pristine, store)
    kb = KnowledgeBase(store)
    path = tmp_path / "feed.json"

    @fuzz_settings(4)
    @given(data=shape_document(shape))
    def check(data: bytes) -> None:
        path.write_bytes(data)
        before = canonical_dump(store)
        try:
            report = kb.build([path], fmt="claimreview", strict=strict)
        except InputError as exc:
            _problems_name_files(exc, {display(path)})
            assert canonical_dump(store) == before
        else:
            assert report.committed or all(f.status == "unchanged" for f in report.files)
            assert not (strict and any(w.endswith("skipped") for w in report.warnings))

    check()
    # the valid document builds with all its reviews; built again under another name, every
    # review is met again with identical content: skipped with warnings, never a duplicate id
    original, n = CLAIMREVIEW_SHAPES[shape]
    path.write_text(json.dumps(original, indent=1))
    kb.build([path], fmt="claimreview", strict=strict)
    copy = tmp_path / "copy.json"
    shutil.copy(path, copy)
    report = kb.build([copy], fmt="claimreview", strict=strict)
    assert len([w for w in report.warnings if "(identical content); skipped" in w]) == n


# -- the fast JSON-LD path gives what pyld gives, or steps aside ---------------------------------

CORPUS = Path(__file__).parent / "corpus"
#: Every ClaimReview file of the tests in a real shape (and the bad-input ones that are JSON).
REAL_SHAPE_FILES = sorted([*CORPUS.glob("claimreview/*.json"), CORPUS / "claimreview-feed.json",
                           *CORPUS.glob("bad/claimreview-*.json")])

_plain_keys = st.sampled_from(["@type", "type", "@id", "id", "@graph", "url", "sameAs", "name", "author",
                               "datePublished", "claimReviewed", "itemReviewed", "reviewRating", "item",
                               "dataFeedElement", "@context", "schema", "x:y", "@value", "a b", ""])
_PLAIN_IRIS = ["https://fc.example/1", "/rel/../x", "x", "", "//host/p", "_:b1", "?q", "#f", "../up",
               "https://schema.org", "http://schema.org/", "http://fc.example/a%20b?x=1#y"]
_ODD_IRIS = ["http://fc.example/a b", "mailto:a", "schema:url", "HTTP://X.example/", "url:x", "_:"]
_IRIS = _PLAIN_IRIS + _ODD_IRIS
_plain_scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 5),
                          st.floats(allow_nan=False, allow_infinity=False),
                          st.sampled_from([*_IRIS, "ClaimReview", "schema:ClaimReview",
                                           "http://schema.org/ClaimReview", "DataFeed", "url", "a b", "Person"]),
                          st.text(max_size=6))
_plain_tree = st.recursive(_plain_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_plain_keys, inner, max_size=5)), max_leaves=20)

# Documents in (or one step off) the plain form the fast path reads, so that it takes most of them:
# schema.org terms (coerced to @id or to schema:Date, or not), node references, nested nodes and
# lists, a document's own @graph, every URL of the shipped context.
_CONTEXTS = st.sampled_from(["https://schema.org", "http://schema.org", "https://schema.org/",
                             "http://schema.org/docs/jsonldcontext.json", " https://schema.org "])
_TERMS = st.sampled_from(["url", "sameAs", "image", "datePublished", "dateModified", "name", "author",
                          "claimReviewed", "itemReviewed", "reviewRating", "alternateName", "ratingValue",
                          "appearance", "firstAppearance", "item", "dataFeedElement", "inLanguage", "jobTitle"])
_TYPES = st.sampled_from(["ClaimReview", "Claim", "Person", "Organization", "Rating", "DataFeed", "DataFeedItem",
                          "schema:ClaimReview", "https://schema.org/Claim", "http://schema.org/ClaimReview",
                          "http://other.example/T"])
_dense_scalar = st.one_of(st.sampled_from(_PLAIN_IRIS), st.sampled_from(_ODD_IRIS), st.text(max_size=5),
                          st.integers(-3, 3), st.floats(-1e3, 1e3, allow_nan=False), st.none())


def _dense_node(inner):
    entries = st.dictionaries(_TERMS, st.one_of(inner, st.lists(inner, max_size=3)), max_size=4)
    ident = st.dictionaries(st.sampled_from(["@id", "id"]), st.sampled_from(_PLAIN_IRIS), max_size=1)
    kind = st.dictionaries(st.sampled_from(["@type", "type"]),
                           st.one_of(_TYPES, st.lists(_TYPES, max_size=2)), max_size=1)
    context = st.dictionaries(st.just("@context"), _CONTEXTS, max_size=1)
    return st.tuples(entries, ident, kind, context).map(lambda t: {**t[0], **t[1], **t[2], **t[3]})


_dense_value = st.recursive(_dense_scalar, _dense_node, max_leaves=12)
_dense_doc = st.one_of(
    st.tuples(_CONTEXTS, _dense_node(_dense_value)).map(lambda t: {**t[1], "@context": t[0]}),
    st.tuples(_CONTEXTS, st.one_of(_dense_node(_dense_value), st.lists(_dense_node(_dense_value), max_size=3)))
    .map(lambda t: {"@context": t[0], "@graph": t[1]}),
    _plain_tree)


def _documents(data: object) -> list[object]:
    """The documents the loader gives the expansion (see ``claimreview.load``)."""
    from kb.loaders import claimreview

    docs = claimreview.items(data) or []
    if claimreview._is_factcheck_tools(data):
        docs = [r for c in docs if isinstance(c, dict) for r in claimreview.factcheck_tools(c)]
    return [d if not isinstance(d, dict) or "@context" in d else {"@context": claimreview.SCHEMA, **d}
            for d in docs]


def _pyld(docs: list[object]) -> object:
    from pyld import jsonld

    from kb.loaders import claimreview

    try:
        return claimreview.expand(json.loads(json.dumps(docs)))
    except (jsonld.JsonLdError, *claimreview.PROCESSOR_FAILURES):
        return "refused"


def _fast_equals_pyld(docs: list[object]) -> int:
    """Check, per document and for the whole list, that the fast expansion is pyld's wherever the
    fast path takes the document; how many documents it took."""
    from kb.loaders import jsonld_fast
    from kb.loaders.claimreview import RELATIVE

    taken = 0
    for doc in docs:
        fast = jsonld_fast.expand([doc], RELATIVE)
        if fast is not None:
            taken += 1
            assert fast == _pyld([doc]), doc
    whole = _pyld(docs)
    if whole != "refused":  # the documents pyld refuses are refused as a whole, fast path or not
        assert jsonld_fast.expand_each(docs, RELATIVE, lambda d: _pyld(d)) == whole
        if taken == len(docs):
            assert jsonld_fast.expand(docs, RELATIVE) == whole
    return taken


@pytest.mark.parametrize("path", REAL_SHAPE_FILES, ids=lambda p: p.name)
def test_the_fast_jsonld_path_equals_pyld_on_every_real_shape_file(path):
    from kb.loaders import claimreview

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        pytest.skip("not JSON, or nested too deep: refused before any expansion")
    docs = _documents(data)
    taken = _fast_equals_pyld(docs)
    if _pyld(docs) != "refused":
        assert claimreview.claim_reviews(docs, fast=True) == claimreview.claim_reviews(docs, fast=False)
    if path.name in ("datacommons-feed.json", "factcheck-tools.json", "claimreview-feed.json"):
        assert taken == len(docs) > 0  # the bulk shapes take the fast path whole


@pytest.mark.parametrize("shape", sorted(CLAIMREVIEW_SHAPES))
def test_the_fast_jsonld_path_equals_pyld_or_steps_aside(shape):
    from kb.loaders import claimreview

    original, _n = CLAIMREVIEW_SHAPES[shape]
    docs = _documents(original)
    assert _fast_equals_pyld(docs) >= (1 if shape in ("api-page", "graph-list") else len(docs))
    counts = {"docs": 0, "taken": 0}

    @fuzz_settings(150)
    @given(tree=st.one_of(tree_mutated(original).map(json.loads), _plain_tree, st.lists(_dense_doc, max_size=3)))
    def check(tree: object) -> None:
        docs = _documents(tree)
        counts["docs"] += len(docs)
        counts["taken"] += _fast_equals_pyld(docs)
        if _pyld(docs) != "refused":
            assert claimreview.claim_reviews(docs, fast=True) == claimreview.claim_reviews(docs, fast=False)

    check()
    assert counts["taken"] > counts["docs"] / 4  # the fast path took a fair share of the documents

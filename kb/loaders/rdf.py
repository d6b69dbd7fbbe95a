"""RDF files: Turtle, TriG, N-Triples, N-Quads, RDF/XML (Oxigraph's parsers) and JSON-LD (rdflib's parser).

Every statement of a file goes into that file's named graph: the provenance rule is one graph per
imported file. The graph names inside a TriG, N-Quads or JSON-LD file are therefore not kept (all
its graphs, default graph included, are merged into the file's graph), and the provenance graph of
an exported knowledge base (``urn:evkb:provenance``) is skipped: it described the files of another
build, and this build records its own. Turtle and N-Triples stream straight into the build's
transaction with ``Store.bulk_load`` (near raw Oxigraph speed; N-Triples in bounded pieces,
:mod:`kb.loaders.chunked`, so that memory does not grow with the file); a syntax
error is reported with its line and column, and the transaction is thrown away, so nothing is
stored. Blank nodes are fresh per file.

JSON-LD never reaches the network. Before rdflib parses a document, every remote ``@context`` (and
``@import``) in it, scoped contexts included, is replaced by a copy shipped in ``kb/data/contexts``
(schema.org, http and https, with or without a trailing slash, and its ``/docs/jsonldcontext.json``
and ``.jsonld`` addresses; see ``kb/data/contexts/README.md``), or refused with an error that names
the context and where it is written. Relative IRIs (no ``@base``) are refused rather than resolved
against the current folder.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
import rdflib

from kb.errors import InputError, Problem
from kb.loaders.base import InputFile, Parsed
from kb.loaders.chunked import bulk_load_lines
from kb.loaders.text import line_column, read_text, too_deep
from kb.model.graphs import is_provenance

FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
QUAD_FORMATS = {"trig", "nq"}
SCHEMA_ORG = "schemaorg.jsonld"
SHIPPED_CONTEXTS = {
    f"{scheme}://schema.org{path}": SCHEMA_ORG
    for scheme in ("http", "https")
    for path in ("", "/", "/docs/jsonldcontext.json", "/docs/jsonldcontext.jsonld")
}
RELATIVE_BASE = "https://relative-iri.invalid/"  # base handed to rdflib only to spot relative IRIs


@contextmanager
def quiet_ill_typed_literals() -> Iterator[None]:
    """rdflib logs a warning with a traceback for each ill-typed literal it reads (say
    "2020-02-30"^^xsd:date); the shapes report those as located problems, so keep stderr clean."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _problem(f: InputFile, exc: Exception) -> Problem:
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "offset", None)
    message = getattr(exc, "msg", None) or str(exc)
    if line is not None:  # the location is in the Problem already
        message = re.sub(r"^Parser error (at|between) line .*?: ", "", message)
    return Problem(f.display, line, column, None, f"RDF syntax error: {message}")


@cache
def shipped_context(name: str) -> dict:
    """A JSON-LD context shipped in ``kb/data/contexts``."""
    return json.loads((resources.files("kb") / "data" / "contexts" / name).read_text(encoding="utf-8"))


class _Contexts:
    """Replaces remote contexts in one document by shipped copies, or reports them."""

    def __init__(self, f: InputFile, text: str):
        self.f, self.text = f, text
        self.problems: list[Problem] = []

    def document(self, value: object) -> object:
        if isinstance(value, dict):
            return {k: self.context(v) if k == "@context" else self.document(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.document(v) for v in value]
        return value

    def context(self, ctx: object) -> object:
        if isinstance(ctx, str):
            return self.remote(ctx, "@context")
        if isinstance(ctx, list):
            return [self.context(c) for c in ctx]
        if not isinstance(ctx, dict):
            return ctx
        out: dict = {}
        for k, v in ctx.items():
            if k == "@import" and isinstance(v, str):
                imported = self.remote(v, "@import")
                if isinstance(imported, dict):
                    out = {**imported, **out}
            elif isinstance(v, dict) and "@context" in v:  # a scoped context in a term definition
                out[k] = {**v, "@context": self.context(v["@context"])}
            else:
                out[k] = v
        return out

    def remote(self, url: str, key: str) -> object:
        name = SHIPPED_CONTEXTS.get(url.strip())
        if name is not None:
            return shipped_context(name)["@context"]
        at = self.text.find(json.dumps(url))
        line, column = line_column(self.text, at) if at >= 0 else (None, None)
        self.problems.append(Problem(
            self.f.display, line, column, key,
            f"remote JSON-LD context {url[:100]!r} is not fetched (no network at run time); inline it, "
            "or use one shipped with kb: " + ", ".join(sorted(SHIPPED_CONTEXTS))))
        return {}


def jsonld_text(f: InputFile) -> str:
    """The file's JSON-LD with shipped contexts substituted (JSON errors and remote contexts
    raised as located problems)."""
    text, problems = read_text(Path(f.path), f.display)
    if text is None:
        raise InputError(problems)
    contexts = _Contexts(f, text)
    try:
        data = json.loads(text)
        local = contexts.document(data)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(f.display, exc.lineno, exc.colno, None,
                                  f"JSON syntax error: {exc.msg}")]) from None
    except RecursionError:
        raise InputError([too_deep(text, f.display)]) from None
    if contexts.problems:
        raise InputError(contexts.problems)
    return json.dumps(local)


def jsonld_quads(f: InputFile, graph: str) -> list[ox.Quad]:
    """A JSON-LD file parsed by rdflib, every statement in ``graph``, blank nodes fresh."""
    text = jsonld_text(f)
    ds = rdflib.Dataset()
    try:
        with quiet_ill_typed_literals():  # the shapes report them, located
            ds.parse(data=text, format="json-ld", publicID=RELATIVE_BASE)
    except RecursionError:
        raise InputError([too_deep(text, f.display)]) from None
    except Exception as exc:  # rdflib raises many types for bad JSON-LD; all are input problems
        raise InputError([Problem(f.display, None, None, None, f"JSON-LD error: {exc}")]) from None
    g = ox.NamedNode(graph)
    blanks: dict[str, ox.BlankNode] = {}

    def term(t: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(t, rdflib.BNode):
            return blanks.setdefault(str(t), ox.BlankNode())
        if isinstance(t, rdflib.Literal):
            if t.language:
                return ox.Literal(str(t), language=t.language)
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)) if t.datatype else None)
        if str(t).startswith(RELATIVE_BASE):
            raise ValueError(f"relative IRI {str(t)[len(RELATIVE_BASE):]!r}: give the document an @base")
        return ox.NamedNode(str(t))

    out: list[ox.Quad] = []
    try:
        for s, p, o, ctx in ds.quads((None, None, None, None)):
            if ctx is not None and is_provenance(str(ctx)):
                continue
            out.append(ox.Quad(term(s), term(p), term(o), g))  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise InputError([Problem(f.display, None, None, None, f"JSON-LD error: {exc}")]) from None
    return out


def load(f: InputFile) -> Parsed:
    """An RDF file: JSON-LD parsed now into quads; the others streamed into their named graph
    during the build (their syntax errors surface there, located)."""
    if f.format == "jsonld":
        try:
            return Parsed(f, quads=jsonld_quads(f, f.graph))
        except InputError as exc:
            return Parsed(f, problems=exc.problems)
    fmt = FORMATS[f.format]

    def load_into(db: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> None:
        try:
            if f.format in QUAD_FORMATS:
                db.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, graph)
                               for q in ox.parse(path=str(f.path), format=fmt, rename_blank_nodes=True)
                               if not is_provenance(q.graph_name))
            elif f.format == "nt":
                bulk_load_lines(db, f.path, graph)
            else:
                db.bulk_load(path=str(f.path), format=fmt, to_graph=graph)
            if _may_hold_triple_terms(f.path) and _has_triple_terms(db, graph):
                line, column = _triple_term_at(f.path)
                raise InputError([Problem(
                    f.display, line, column, None,
                    "RDF-star (a quoted triple, << s p o >>, or an RDF 1.2 triple term) is not "
                    "supported: state it with rdf:Statement reification, or leave it out")])
        except SyntaxError as exc:
            raise InputError([_problem(f, exc)]) from None
        except ValueError as exc:
            raise InputError([Problem(f.display, None, None, None, f"RDF error: {exc}")]) from None
        except MemoryError:  # Oxigraph's parsers hold one token in a buffer of at most 16 MB
            raise InputError([Problem(f.display, _line_longer_than(f.path, PARSER_BUFFER), None, None,
                                      "RDF syntax error: a single term (a literal or IRI) is longer than "
                                      "the parser's limit of 16 MB")]) from None

    return Parsed(f, load_into=load_into)


PARSER_BUFFER = 16 * 1024 * 1024
BLOCK = 16 << 20  # bytes read at once when a file is searched
# the opening of a triple term, and the pieces of Turtle that may contain it as text
_STAR_TOKENS = re.compile(rb'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                          rb'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*|<[^<>\s]*>|<<')


def _may_hold_triple_terms(path: Path) -> bool:
    """Whether ``<<`` occurs in the file at all (a fast byte search, read in blocks: a memory map
    would count the whole file in the build's resident memory; rarely true)."""
    with open(path, "rb") as fh:
        last = b""
        while block := fh.read(BLOCK):
            if b"<<" in last + block[:1] or b"<<" in block:
                return True
            last = block[-1:]
    return False


def _has_triple_terms(db: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> bool:
    """Whether a statement just loaded into ``graph`` has a triple term as its object (asked only
    of a file in which :func:`_may_hold_triple_terms` found ``<<``)."""
    return any(isinstance(q.object, ox.Triple) for q in db.quads_for_pattern(None, None, None, graph))


def _triple_term_at(path: Path) -> tuple[int | None, int | None]:
    """Line and column of the first ``<<`` outside strings, comments and IRIs."""
    data = Path(path).read_bytes()
    for m in _STAR_TOKENS.finditer(data):
        if m.group() == b"<<":
            return line_column(data, m.start())
    return None, None


def _line_longer_than(path: Path, limit: int) -> int | None:
    """The number of the first line of the file longer than ``limit`` bytes, if any."""
    line, length = 1, 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            for i, part in enumerate(chunk.split(b"\n")):
                if i:
                    line, length = line + 1, 0
                length += len(part)
                if length > limit:
                    return line
    return None

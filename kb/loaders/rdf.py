"""RDF files: Turtle, TriG, N-Triples, N-Quads and JSON-LD, read by Oxigraph's parsers.

Every statement of a file goes into that file's named graph (the provenance rule: one graph per
imported file). In TriG and N-Quads the file's own graph names are therefore not kept, and the
provenance graph of an exported knowledge base (``urn:evkb:provenance``) is skipped: it described
the files of another build. Triple formats stream straight into the build's transaction with
``bulk_load``. A syntax error is reported with its line and column, and nothing is stored.

JSON-LD never reaches the network: a remote ``@context`` that the package ships a copy of
(schema.org, http and https) is replaced by the copy before parsing; any other remote context is
an error.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from kb.errors import InputError, Problem
from kb.loaders import InputFile, Parsed
from kb.provenance import PROVENANCE_GRAPH

FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
}
SUFFIXES = {".ttl": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nq", ".jsonld": "jsonld"}
QUAD_FORMATS = {"trig", "nq"}
SHIPPED_CONTEXTS = {
    "https://schema.org": "schemaorg.jsonld", "https://schema.org/": "schemaorg.jsonld",
    "http://schema.org": "schemaorg.jsonld", "http://schema.org/": "schemaorg.jsonld",
    "https://schema.org/docs/jsonldcontext.json": "schemaorg.jsonld",
}


def _problem(f: InputFile, exc: Exception) -> Problem:
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "offset", None)
    message = getattr(exc, "msg", None) or str(exc)
    return Problem(f.display, line, column, None, f"RDF syntax error: {message}")


@cache
def shipped_context(name: str) -> dict:
    """A JSON-LD context shipped in ``kb/data/contexts``."""
    return json.loads((resources.files("kb") / "data" / "contexts" / name).read_text(encoding="utf-8"))


def _local_contexts(value: object, display: str) -> object:
    """Replace remote @context references by shipped copies, or refuse them."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "@context":
                out[k] = _resolve(v, display)
            else:
                out[k] = _local_contexts(v, display)
        return out
    if isinstance(value, list):
        return [_local_contexts(v, display) for v in value]
    return value


def _resolve(context: object, display: str) -> object:
    if isinstance(context, str):
        name = SHIPPED_CONTEXTS.get(context.strip())
        if name is None:
            raise InputError([Problem(display, None, None, "@context",
                                      f"remote JSON-LD context {context[:100]!r} is not fetched (no "
                                      "network at run time); inline it, or use one of: "
                                      + ", ".join(sorted(SHIPPED_CONTEXTS)))])
        return shipped_context(name)["@context"]
    if isinstance(context, list):
        return [_resolve(c, display) for c in context]
    return context


def jsonld_text(f: InputFile) -> str:
    """The file's JSON-LD with shipped contexts substituted (JSON errors located)."""
    try:
        data = json.loads(Path(f.path).read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError([Problem(f.display, None, None, None, f"invalid UTF-8: {exc.reason}")]) from None
    except json.JSONDecodeError as exc:
        raise InputError([Problem(f.display, exc.lineno, exc.colno, None,
                                  f"JSON syntax error: {exc.msg}")]) from None
    return json.dumps(_local_contexts(data, f.display))


def load(f: InputFile) -> Parsed:
    """An RDF file, to be streamed into its named graph during the build."""
    fmt = FORMATS[f.format]
    text: str | None = None
    problems: list[Problem] = []
    if f.format == "jsonld":
        try:
            text = jsonld_text(f)
        except InputError as exc:
            return Parsed(f, problems=exc.problems)

    def load_into(db: ox.Store, graph: ox.NamedNode) -> None:
        try:
            if f.format in QUAD_FORMATS:
                db.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, graph)
                               for q in ox.parse(path=str(f.path), format=fmt)
                               if not (isinstance(q.graph_name, ox.NamedNode)
                                       and q.graph_name.value == PROVENANCE_GRAPH))
            elif text is not None:
                db.bulk_load(text.encode(), format=fmt, to_graph=graph)
            else:
                db.bulk_load(path=str(f.path), format=fmt, to_graph=graph)
        except SyntaxError as exc:
            raise InputError([_problem(f, exc)]) from None
        except ValueError as exc:
            raise InputError([Problem(f.display, None, None, None, f"RDF error: {exc}")]) from None

    return Parsed(f, problems=problems, load_into=load_into)

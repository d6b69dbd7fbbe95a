"""Named SPARQL queries (``kb/queries/*.rq``), parameters, and running queries in the standard formats.

A named query is a ``.rq`` file whose header comment says what it does::

    # title: Denials by actor
    # description: ...
    # param: actor — the claimant's id (optional: all actors)

Parameters are bound with an inline ``VALUES`` block at the start of the first group pattern, as
RDF literals serialised by pyoxigraph (so a value can never change the query's structure). The
queries are plain SPARQL 1.1 over the union of all graphs, so they run unchanged on an external
store (Virtuoso's default graph is that union; start Oxigraph server with ``--union-default-graph``).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from kb.errors import QueryError

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}
_HEADER = re.compile(r"^#\s*(title|description|param):\s*(.*)$")
_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?:—|-|:)\s*(.*)$")


@dataclass(frozen=True)
class NamedQuery:
    """A query file and what its header says."""

    name: str
    text: str
    title: str = ""
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, name: str, text: str) -> NamedQuery:
        meta: dict[str, str] = {}
        params: dict[str, str] = {}
        for line in text.splitlines():
            m = _HEADER.match(line.strip())
            if not m:
                if line.strip() and not line.lstrip().startswith("#"):
                    break
                continue
            key, value = m.groups()
            if key == "param":
                pm = _PARAM.match(value)
                if pm:
                    params[pm.group(1)] = pm.group(2)
            else:
                meta[key] = value
        return cls(name, text, meta.get("title", name), meta.get("description", ""), params)


def library() -> dict[str, NamedQuery]:
    """The named queries shipped with the package, by name."""
    folder = resources.files("kb") / "queries"
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            out[name] = NamedQuery.parse(name, entry.read_text(encoding="utf-8"))
    return out


def load(spec: str) -> NamedQuery:
    """A query by name, from a ``.rq`` file, or from standard input (``-``)."""
    if spec == "-":
        return NamedQuery.parse("stdin", sys.stdin.read())
    named = library()
    if spec in named:
        return named[spec]
    path = Path(spec)
    if path.suffix == ".rq" or path.is_file():
        try:
            return NamedQuery.parse(path.stem, path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"{spec}: cannot read the query: {exc}") from exc
    raise QueryError(f"no named query '{spec}' (see kb queries) and no such file")


def bind(query: NamedQuery, values: dict[str, str]) -> str:
    """The query text with parameters bound by an inline VALUES block."""
    unknown = set(values) - set(query.params)
    if unknown:
        expected = ", ".join(query.params) or "none"
        raise QueryError(f"{query.name}: unknown parameter(s) {', '.join(sorted(unknown))}; "
                         f"expected: {expected}")
    if not values:
        return query.text
    block = " ".join(f"VALUES ?{k} {{ {ox.Literal(v)} }}" for k, v in sorted(values.items()))
    match = re.search(r"\bWHERE\s*\{", query.text, re.IGNORECASE)
    if match is None:
        raise QueryError(f"{query.name}: parameters need a WHERE {{ ... }} clause")
    return query.text[: match.end()] + " " + block + " " + query.text[match.end():]


def execute(db: ox.Store, text: str, name: str = "query") -> ox.QuerySolutions | ox.QueryTriples | bool:
    """Run a query on the union of all graphs; a syntax error names line and column."""
    try:
        return db.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise QueryError(f"{name}: syntax error: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"{name}: {exc}") from None


def serialize(result: ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean | bool, fmt: str) -> bytes:
    """Results in a standard format: SPARQL JSON/XML/CSV/TSV, or Turtle/N-Triples for graphs."""
    if isinstance(result, ox.QueryTriples):
        graph_fmt = GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE)
        return result.serialize(format=graph_fmt) or b""
    if fmt == "table":
        return table(result).encode()
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"unknown result format {fmt!r}; expected table, {', '.join(RESULT_FORMATS)}")
    return result.serialize(format=RESULT_FORMATS[fmt]) or b""


def table(result: ox.QuerySolutions | ox.QueryBoolean | bool, width: int = 60) -> str:
    """A plain-text table for terminals."""
    if isinstance(result, (bool, ox.QueryBoolean)):
        return "true" if bool(result) else "false"
    names = [v.value for v in result.variables]
    rows = [[_cell(s[n], width) for n in names] for s in result]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(names), line(["-" * w for w in widths])] + [line(r) for r in rows]
                     + [f"{len(rows)} row(s)"])


def _cell(term: ox.NamedNode | ox.Literal | ox.BlankNode | None, width: int) -> str:
    if term is None:
        return ""
    text = " ".join(term.value.split())
    return text if len(text) <= width else text[: width - 1] + "…"

"""Named SPARQL queries (``kb/queries/*.rq``): find, load, bind parameters, run, write results.

A named query is a ``.rq`` file whose first lines say what it does::

    # title: Denials by actor
    # description: Every claim that denies or disputes something ...
    # param: actor — the claimant's id (unbound: every actor)

Parameters are bound safely: each value becomes an RDF term serialised by pyoxigraph (a string
literal, or an IRI when written ``<…>``) in an inline ``VALUES`` block opened at the start of the
query's ``WHERE`` group, so a value can never change the query's structure. A line written
``#+NAME pattern`` is a comment (the query runs unchanged anywhere, parameter unbound) until NAME
is bound: then its pattern is part of the query. That is how a selective query lets a bound
parameter drive the index lookup (``#+id GRAPH ?g { ?s dcterms:identifier ?id }``) instead of
filtering every row with ``FILTER(!BOUND(?id) || …)``, which an engine evaluates after a scan.
The shipped queries
are standard SPARQL 1.1 scoped with ``GRAPH ?g`` patterns (every statement lives in the named
graph of its file), so they give the same answers on the local store and on an external SPARQL
1.1 server. Results are written in the standard SPARQL 1.1 result formats (JSON, XML, CSV, TSV)
by pyoxigraph's serialisers; CONSTRUCT and DESCRIBE give Turtle or N-Triples. Every query runs on
the dataset the SPARQL 1.1 rules give (:func:`dataset`): the graphs a caller names, else the query's
``FROM``/``FROM NAMED``, else the union of all graphs.

Queries never reach the network: ``SERVICE`` (federation) is refused, and an update is not a query.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from kb.errors import QueryError, ReadOnlyError
from kb.model.names import key as name_key
from kb.sparql.endpoint import Endpoint, LocalEndpoint

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}
FORMATS = ("table", "wide", "markdown", *RESULT_FORMATS, *GRAPH_FORMATS)
MEDIA_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
               "csv": "text/csv", "tsv": "text/tab-separated-values", "ttl": "text/turtle",
               "nt": "application/n-triples"}

Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Rows = tuple[list[str], list[list[ox.NamedNode | ox.BlankNode | ox.Literal | None]]]

HEADER = re.compile(r"# (title|description|param): (.*\S)\s*")
PARAM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) — (.*\S)")
UPDATE_FORMS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY",
                          "WITH"})
QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
# The lexical pieces of a query that may contain any text: strings, IRIs and comments. Keywords are
# looked for only between them, so a word inside a literal, an IRI, a comment, a variable (?service)
# or a prefixed name (ex:service) is never taken for a keyword.
_TOKEN = re.compile(r"""
    (?P<text>'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|<[^<>"{}|^`\\\s]*>|\#[^\n]*)
  | (?P<name>[?$][\w]+|[A-Za-z_][\w.\-]*:[\w.\-:%]*|:[\w.\-:%]*|[A-Za-z_][\w\-]*)
  | (?P<open>\{)
  | (?P<other>.)
""", re.DOTALL | re.VERBOSE)


@dataclass(frozen=True)
class NamedQuery:
    """A query and what its header says about it."""

    name: str
    text: str
    title: str = ""
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)
    path: str | None = None

    @classmethod
    def parse(cls, name: str, text: str, path: str | None = None) -> NamedQuery:
        """Read the ``# title:``, ``# description:`` and ``# param: NAME — meaning`` header lines."""
        meta: dict[str, str] = {}
        params: dict[str, str] = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            m = HEADER.fullmatch(line)
            if m is None:
                continue
            key, value = m.groups()
            if key == "param":
                pm = PARAM.fullmatch(value)
                if pm is None:
                    raise QueryError(f"{path or name}: bad parameter line {line!r}; "
                                     "expected '# param: NAME — meaning'")
                params[pm.group(1)] = pm.group(2)
            else:
                meta[key] = value
        return cls(name, text, meta.get("title", name), meta.get("description", ""), params, path)

    @property
    def source(self) -> str:
        """Where the query came from, for messages."""
        return self.path or self.name


def library() -> dict[str, NamedQuery]:
    """The named queries shipped with the package, by name (the file name without ``.rq``)."""
    return dict(_library())


@cache
def _library() -> dict[str, NamedQuery]:
    folder = resources.files("kb") / "queries"
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            out[name] = NamedQuery.parse(name, entry.read_text(encoding="utf-8"), f"kb/queries/{entry.name}")
    return out


def load(spec: str) -> NamedQuery:
    """A query by name (see :func:`library`), from a ``.rq`` file, ``-`` for standard input, or
    SPARQL text given inline."""
    if spec == "-":
        return NamedQuery.parse("stdin", sys.stdin.read(), "<stdin>")
    named = library()
    if spec in named:
        return named[spec]
    path = Path(spec)
    if path.is_file():
        try:
            return NamedQuery.parse(path.stem, path.read_text(encoding="utf-8"), str(path))
        except UnicodeDecodeError as exc:
            head = exc.object[:exc.start]
            line, col = head.count(b"\n") + 1, exc.start - (head.rfind(b"\n") + 1) + 1
            raise QueryError(f"{spec}:{line}:{col}: invalid UTF-8 (byte 0x{exc.object[exc.start]:02x}); "
                             "save the query as UTF-8") from None
        except OSError as exc:
            raise QueryError(f"{spec}: cannot read the query: {exc}") from exc
    if "{" in spec or form(spec) in QUERY_FORMS | UPDATE_FORMS:
        return NamedQuery.parse("query", spec, "<query>")
    close = difflib.get_close_matches(spec, list(named), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else "; `kb queries` lists them"
    what = "no such file" if spec.endswith(".rq") else f"no named query '{spec}' and no such file"
    raise QueryError(f"{spec}: {what}{hint}")


# -- reading a query's shape ---------------------------------------------------------------------

def _tokens(text: str) -> Iterable[tuple[str, str, int]]:
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind == "other" and m.group().isspace():
            continue
        yield kind, m.group(), m.start()


def form(text: str) -> str:
    """The query form (SELECT, CONSTRUCT, DESCRIBE, ASK) or update operation the text starts with,
    after its prologue; ``""`` when there is none."""
    expect_prologue = 0
    for kind, value, _pos in _tokens(text):
        if kind == "text" and value.startswith("#"):
            continue
        if expect_prologue:
            expect_prologue -= 1
            continue
        word = value.upper()
        if kind == "name" and word == "PREFIX":
            expect_prologue = 2
        elif kind == "name" and word == "BASE":
            expect_prologue = 1
        else:
            return word if kind == "name" else ""
    return ""


def refuse_unsafe(query: NamedQuery | str, where: str | None = None) -> None:
    """Raise :class:`ReadOnlyError` for an update, or for ``SERVICE`` (federation reaches the network)."""
    text = query.text if isinstance(query, NamedQuery) else query
    where = where or (query.source if isinstance(query, NamedQuery) else "query")
    found = _unsafe(text)
    if found is None:
        return
    word, at = found
    line, col = _position(text, at)
    if word == "SERVICE":
        raise ReadOnlyError(f"{where}:{line}:{col}: SERVICE (federated query) is refused: "
                            "queries never reach the network")
    raise ReadOnlyError(f"{where}:{line}:{col}: SPARQL Update ({word}) is refused: the knowledge "
                        "base is read-only here (change it with kb build)")


@lru_cache(maxsize=64)
def _unsafe(text: str) -> tuple[str, int] | None:
    """The update operation or ``SERVICE`` keyword in the text, and its offset (a text is scanned
    once however often it runs)."""
    first = form(text)
    if first in UPDATE_FORMS:
        return first, next((pos for kind, value, pos in _tokens(text)
                            if kind == "name" and value.upper() == first), 0)
    return next((("SERVICE", pos) for kind, value, pos in _tokens(text)
                 if kind == "name" and value.upper() == "SERVICE"), None)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@lru_cache(maxsize=64)
def _where_groups(text: str) -> tuple[tuple[int, int, frozenset[str]], ...]:
    """The ``WHERE`` groups of the query and of its subqueries, as (offset just after ``{``,
    offset of the matching ``}``, the variables written inside), outermost first. A query written
    without the WHERE keyword (``SELECT * { … }``, ``ASK { … }``) has its first group as outermost."""
    names = [(pos, value) for kind, value, pos in _tokens(text) if kind == "name" and value[0] in "?$"]
    return tuple((start, end, frozenset(v for pos, v in names if start <= pos < end))
                 for start, end in _where_spans(text))


def _where_spans(text: str) -> list[tuple[int, int]]:
    """(offset just after ``{``, offset of its ``}``) of each WHERE group, in order."""
    groups: list[tuple[int, int]] = []
    stack: list[int | None] = []
    previous = ""
    bare = form(text) != "CONSTRUCT"  # the first group, WHERE or not, is the WHERE group
    for kind, value, pos in _tokens(text):
        if kind == "open":
            stack.append(pos + 1 if previous == "WHERE" or bare else None)
            bare = False
        elif kind == "other" and value == "}" and stack:
            start = stack.pop()
            if start is not None:
                groups.append((start, pos))
        if kind != "text":
            previous = value.upper()
    return sorted(groups)


# -- parameters ----------------------------------------------------------------------------------

def term(value: str) -> ox.NamedNode | ox.Literal:
    """A parameter value as an RDF term: ``<…>`` is an IRI, anything else a string literal."""
    if value.startswith("<") and value.endswith(">"):
        try:
            return ox.NamedNode(value[1:-1])
        except ValueError as exc:
            raise QueryError(f"{value!r} is not a valid IRI: {exc}") from None
    return ox.Literal(value)


_ENABLED = re.compile(r"^([ \t]*)#\+(\w+)[ \t]+(.*)$", re.MULTILINE)  # a pattern a bound parameter enables


def _with_keys(query: NamedQuery, values: Mapping[str, str]) -> dict[str, str]:
    """``values`` and, for each parameter looked up by its name key, ``NAME_key``: its key."""
    return dict(values) | {f"{n}_key": name_key(values[n]) for n, meaning in query.params.items()
                           if n in values and "name key" in meaning}


def bind(query: NamedQuery, values: Mapping[str, str]) -> str:
    """The query text with its parameters bound by inline ``VALUES`` blocks (and the ``#+NAME``
    lines of the bound parameters enabled).

    The block opens the query's WHERE group, and the WHERE group of every subquery that uses the
    parameter (a subquery is its own scope), so a parameter is one constant throughout. Each value
    is serialised as an RDF term by pyoxigraph (never pasted as text), so quotes,
    braces or newlines in a value stay inside its literal. Unknown parameter names are errors.
    A parameter whose ``# param:`` line says it is looked up by its *name key* also binds
    ``?NAME_key`` to :func:`kb.model.names.key` of its value, for an ``ev:nameKey`` lookup.
    """
    unknown = sorted(set(values) - set(query.params))
    if unknown:
        expected = ", ".join(query.params) or "none"
        raise QueryError(f"{query.source}: unknown parameter {', '.join(unknown)}; "
                         f"this query takes: {expected}")
    values = _with_keys(query, values)
    if not values:
        return query.text
    text = _ENABLED.sub(lambda m: m.group(1) + m.group(3) if m.group(2) in values else m.group(0), query.text)
    groups = _where_groups(text)
    if not groups:
        raise QueryError(f"{query.source}: parameters need a WHERE {{ … }} group to bind into")
    terms = {name: term(values[name]) for name in sorted(values)}
    # the outermost group binds every parameter; a subquery (its own scope) those it mentions
    for start, _end, inside in sorted(groups, reverse=True):
        names = [n for n in terms if start == groups[0][0] or f"?{n}" in inside or f"${n}" in inside]
        if names:
            block = " ".join(f"VALUES ?{n} {{ {terms[n]} }}" for n in names)
            text = text[:start] + " " + block + " " + text[start:]
    return text


# -- running -------------------------------------------------------------------------------------

def check(query: NamedQuery, base_iri: str | None = None) -> None:
    """Raise :class:`QueryError` (with line and column) unless the query is safe, valid SPARQL 1.1
    (relative IRIs resolved against ``base_iri``, when given)."""
    refuse_unsafe(query)
    try:
        ox.Store().query(query.text, base_iri=base_iri)  # parses; runs on an empty dataset, so costs nothing
    except SyntaxError as exc:
        raise _syntax_error(query, exc) from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"{query.source}: {exc}") from None


def _syntax_error(query: NamedQuery, exc: SyntaxError) -> QueryError:
    message = str(exc.msg if getattr(exc, "msg", None) else exc)
    m = re.match(r"error at (\d+):(\d+)(?:-\d+:\d+)?: (.*)", message, re.DOTALL)
    if m:
        return QueryError(f"{query.source}:{m.group(1)}:{m.group(2)}: syntax error: {m.group(3)}")
    return QueryError(f"{query.source}: syntax error: {message}")


@lru_cache(maxsize=64)
def has_dataset(text: str) -> bool:
    """Whether the query names its own dataset (a ``FROM`` or ``FROM NAMED`` clause; the keyword,
    not the word in a string, IRI, comment, variable or prefixed name)."""
    return any(kind == "name" and value.upper() == "FROM" for kind, value, _pos in _tokens(text))


def graph_iris(values: Iterable[str] | None, name: str) -> list[str] | None:
    """The graphs of a dataset parameter (``default-graph-uri``, ``--named-graph`` …), each an
    absolute IRI, else :class:`QueryError` naming ``name``; None when not given (an empty list is
    given: an empty side). One IRI may be given as a string."""
    if values is None:
        return None
    values = [values] if isinstance(values, str) else list(values)
    for v in values:
        try:
            ox.NamedNode(v)
        except ValueError:
            raise QueryError(f"{name} {v!r} is not an IRI (an absolute IRI names a graph, "
                             "as `kb queries` and the service description show)") from None
    return values


def dataset(text: str, default_graph: Iterable[str] | None = None,
            named_graphs: Iterable[str] | None = None) -> dict:
    """pyoxigraph's query options for the dataset a query runs on (SPARQL 1.1 Query §13.2,
    Protocol §2.1.4).

    Graphs given here (the protocol's ``default-graph-uri``/``named-graph-uri``) define the dataset,
    overriding the query's: a side not given is empty. Else the query's ``FROM``/``FROM NAMED``
    define it. Only when neither says anything is the default graph the union of every graph (the
    store's default graph, each file's graph and the provenance graph), every named graph available
    to ``GRAPH``.
    """
    if default_graph is not None or named_graphs is not None:
        return {"default_graph": [ox.NamedNode(g) for g in default_graph or ()],
                "named_graphs": [ox.NamedNode(g) for g in named_graphs or ()]}
    if has_dataset(text):
        return {}
    return {"use_default_graph_as_union": True}


def execute(db: ox.Store, text: str, query: NamedQuery | None = None, *,
            default_graph: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None,
            base_iri: str | None = None) -> Result:
    """Run query text on a pyoxigraph store, on the dataset :func:`dataset` defines.

    ``base_iri`` resolves relative IRIs (the endpoint's URL, on ``kb serve``). A syntax error
    names the line and column in the query as written.
    """
    query = query or NamedQuery("query", text, path="query")
    refuse_unsafe(query if text == query.text else text, query.source)
    try:
        return db.query(text, base_iri=base_iri, **dataset(text, default_graph, named_graphs))
    except SyntaxError as exc:
        if text != query.text:
            check(query, base_iri)  # the position in the query as written, not in the bound text
        raise _syntax_error(query, exc) from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"{query.source}: {exc}") from None


def run(query: str | NamedQuery, params: Mapping[str, str] | None = None, *, db: ox.Store | None = None,
        endpoint: Endpoint | None = None, default_graph: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None) -> Result | list[ox.Triple]:
    """Run a named query, a ``.rq`` file or SPARQL text on an :class:`~kb.sparql.endpoint.Endpoint`
    (local or remote), or on a local store (``db``). Returns pyoxigraph results either way.

    ``default_graph`` and ``named_graphs`` (absolute IRIs) are the protocol's ``default-graph-uri``
    and ``named-graph-uri``: on the local store the query runs on the dataset :func:`dataset` defines
    (these graphs, else its ``FROM`` clauses, else the union of every graph); a remote server is
    sent them as those parameters (a server decides for itself what a query without them sees)."""
    named = query if isinstance(query, NamedQuery) else load(query)
    refuse_unsafe(named)
    graphs = {"default_graph": graph_iris(default_graph, "default graph"),
              "named_graphs": graph_iris(named_graphs, "named graph")}
    text = bind(named, params or {})
    if isinstance(endpoint, LocalEndpoint):
        db = endpoint.db
    elif endpoint is not None:
        check(named)
        return endpoint.results(text, form(text), **graphs)
    if db is None:
        raise ValueError("run() needs a local store (db) or an endpoint")
    return execute(db, text, named, **graphs)


# -- writing results -----------------------------------------------------------------------------

def is_graph(result: object) -> bool:
    return isinstance(result, (ox.QueryTriples, list))


def serialize(result: Result | list[ox.Triple], fmt: str) -> bytes:
    """Results in a standard format: SPARQL 1.1 JSON/XML/CSV/TSV for SELECT and ASK, Turtle or
    N-Triples for CONSTRUCT and DESCRIBE; ``table`` is plain text for terminals."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format '{fmt}'; expected one of {', '.join(FORMATS)}")
    if is_graph(result):
        if fmt in RESULT_FORMATS:
            raise QueryError(f"a CONSTRUCT or DESCRIBE query gives a graph: use --format ttl or nt, "
                             f"not {fmt}")
        from kb.model.terms import DEFAULT_BASE, PREFIXES

        rdf = GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE)
        prefixes = {**PREFIXES, "id": DEFAULT_BASE} if rdf == ox.RdfFormat.TURTLE else None
        return ox.serialize(result, format=rdf, prefixes=prefixes) or b""  # type: ignore[arg-type]
    if fmt in GRAPH_FORMATS:
        raise QueryError(f"a SELECT or ASK query gives a table: use --format table, json, xml, csv or "
                         f"tsv, not {fmt}")
    if fmt in ("table", "wide", "markdown"):
        return table(result, None if fmt == "wide" else 60, markdown=fmt == "markdown").encode()  # type: ignore[arg-type]
    return result.serialize(format=RESULT_FORMATS[fmt]) or b""  # type: ignore[union-attr]


def fetch(result: ox.QuerySolutions, limit: int | None = None) -> Rows:
    """The variables and rows of a SELECT result; stops after ``limit + 1`` rows when given."""
    names = [v.value for v in result.variables]
    rows = []
    for solution in result:
        rows.append([solution[i] for i in range(len(names))])
        if limit is not None and len(rows) > limit:
            break
    return names, rows


def rows_to_results(names: list[str], rows: list[list]) -> ox.QuerySolutions:
    """Fetched rows as pyoxigraph results again (through SPARQL TSV, whose cells are RDF terms),
    so that pyoxigraph's serialisers write them."""
    lines = ["\t".join(f"?{n}" for n in names)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    result = ox.parse_query_results(("\n".join(lines) + "\n").encode(), format=ox.QueryResultsFormat.TSV)
    assert isinstance(result, ox.QuerySolutions)
    return result


def _short(term: ox.NamedNode | ox.BlankNode | ox.Literal | None, prefixes: dict[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for p, ns in prefixes.items():
            if term.value.startswith(ns) and len(term.value) > len(ns):
                return f"{p}:{term.value[len(ns):]}"
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value + (f"@{term.language}" if term.language else "")


def display_prefixes() -> dict[str, str]:
    """The prefixes results are shown with (``kb query``'s table, the query page): ``id:`` for
    record ids, then the ontology's (ev:, schema:, …)."""
    from kb.model.terms import DEFAULT_BASE, PREFIXES

    return {"id": DEFAULT_BASE, **PREFIXES}


def text_rows(result: ox.QuerySolutions) -> tuple[list[str], list[list[str]]]:
    """The variables and rows of a SELECT result with every cell as text, as :func:`table` shows
    it (IRIs shortened with the usual prefixes, "" for unbound)."""
    prefixes = display_prefixes()
    names, rows = fetch(result)
    return names, [[_short(t, prefixes) for t in row] for row in rows]


def table(result: ox.QuerySolutions | ox.QueryBoolean | bool, width: int | None = 60,
          markdown: bool = False) -> str:
    """A plain-text table for terminals (IRIs shortened with the usual prefixes), each cell cut at
    ``width`` characters (None: whole); ``markdown``: a Markdown table of the whole cells."""
    if isinstance(result, (bool, ox.QueryBoolean)):
        return "true\n" if bool(result) else "false\n"
    prefixes = display_prefixes()
    names, rows = fetch(result)
    if markdown:
        def md(text: str) -> str:
            return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split()) or " "

        out = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
        out += ["| " + " | ".join(md(_short(t, prefixes)) for t in row) + " |" for row in rows]
        return "\n".join(out) + "\n"
    cells = [[_fit(_short(t, prefixes), width) for t in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")
    return "\n".join(out) + "\n"


def _fit(text: str, width: int | None) -> str:
    text = " ".join(text.split())
    return text if width is None or len(text) <= width else text[: width - 1] + "…"

"""The ``kb`` command line: parse options, call the Python API, print. Nothing else lives here."""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from kb import __version__
from kb.analysis.conflicts import KINDS
from kb.errors import CODE_MEANINGS, KBError, KBWarning, printable, redact
from kb.exports import export_format, known_exports, report_text, reports, write_report
from kb.formats import known
from kb.knowledge_base import KnowledgeBase, RemoteKnowledgeBase
from kb.loaders import LOADERS
from kb.model.terms import DEFAULT_BASE, check_base
from kb.progress import wanted

if TYPE_CHECKING:
    from kb.knowledge_base import BuildReport

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES_HELP = "Exit codes: " + ", ".join(f"{code} {what}" for code, what in CODE_MEANINGS.items()) + "."
REPORTS = reports()


def handle_errors(fn: F) -> F:
    """Print a KBError's one-line messages on stderr and exit with its code: no traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", KBWarning)
                shown = warnings.showwarning

                def show(message: Any, category: type[Warning], *rest: Any, **kw: Any) -> None:
                    if issubclass(category, KBWarning):
                        click.echo(f"warning: {printable(redact(str(message)))}", err=True)
                    else:
                        shown(message, category, *rest, **kw)

                warnings.showwarning = show
                return fn(*args, **kwargs)
        except KBError as exc:
            for line in exc.lines():
                click.echo(f"error: {line}" if not line[:1].isspace() else line, err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


class Context:
    def __init__(self, store: str | None, base: str, quiet: bool):
        self.store, self.base, self.quiet = store, base, quiet

    def kb(self) -> KnowledgeBase:
        return KnowledgeBase(self.store, base=self.base, progress=wanted(self.quiet))

    def source(self, endpoint: str | None, user: str | None, password: str | None, auth: str
               ) -> KnowledgeBase | RemoteKnowledgeBase:
        """The local knowledge base, or with --endpoint the one on that server."""
        if endpoint:
            return KnowledgeBase.remote(endpoint, user=user, password=password, auth=auth)
        return self.kb()

    def say(self, text: str = "") -> None:
        if not self.quiet:
            click.echo(text)


pass_ctx = click.make_pass_decorator(Context)


def auth_options(fn: F) -> F:
    """--user/--password-stdin/--auth for commands that talk to an external store. The password
    comes from $KB_REMOTE_PASSWORD, ~/.netrc, standard input or a prompt (see kb.sparql.endpoint.credentials);
    --password still works, with a warning: other users can read a command line."""

    @functools.wraps(fn)
    def wrapper(*args: Any, password_stdin: bool, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        if ctx.get_parameter_source("password") == click.core.ParameterSource.COMMANDLINE:
            click.echo("warning: --password puts the password where every user of this machine can read "
                       "it (ps, /proc/PID/cmdline); use $KB_REMOTE_PASSWORD, ~/.netrc or --password-stdin",
                       err=True)
        if password_stdin:
            if kwargs.get("password") is not None:
                raise click.UsageError("give --password-stdin or --password, not both")
            kwargs["password"] = sys.stdin.readline().rstrip("\r\n")
        endpoint, user = kwargs.get("endpoint"), kwargs.get("user")
        if endpoint and user and kwargs.get("password") is None and sys.stdin.isatty():
            from kb.sparql.endpoint import credentials

            try:
                found = credentials(endpoint, user)
            except KBError:
                found = None  # reported when the command connects
            if found is not None and found.password is None:
                kwargs["password"] = click.prompt(f"Password for {user} at {found.url}", hide_input=True,
                                                  err=True)
        return fn(*args, **kwargs)

    cmd = click.option("--auth", type=click.Choice(["digest", "basic"]), default="digest",
                       show_default=True, help="HTTP authentication scheme.")(wrapper)
    cmd = click.option("--password-stdin", is_flag=True,
                       help="Read the password from the first line of standard input.")(cmd)
    cmd = click.option("--password", default=None, hidden=True,
                       help="Password (visible to other users in ps: prefer $KB_REMOTE_PASSWORD, "
                            "~/.netrc or --password-stdin).")(cmd)
    return click.option("--user", envvar="KB_REMOTE_USER", default=None,
                        help="User name (or $KB_REMOTE_USER). The password: $KB_REMOTE_PASSWORD, "
                             "~/.netrc, --password-stdin, or a prompt.")(cmd)  # type: ignore[return-value]


def _delimiter(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    from kb.loaders.text import parse_delimiter

    try:
        return None if value is None else parse_delimiter(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _base(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    try:
        return check_base(value)
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (from --base or $KB_BASE)") from None


def _params(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    bound: dict[str, str] = {}
    for p in values:
        name, sep, value = p.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {p!r}")
        bound[name] = value
    return bound


def _graphs(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[str] | None:
    """--default-graph / --named-graph: absolute IRIs, None when not given (see kb.sparql.query.dataset:
    when only the other option is given, this side of the dataset is empty)."""
    from kb.errors import QueryError
    from kb.sparql.query import graph_iris

    try:
        return graph_iris(values, "graph") or None
    except QueryError as exc:
        raise click.BadParameter(str(exc)) from None


def _public_url(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    from kb.sparql.serve_guard import check_public_url

    if value is not None:
        try:
            check_public_url(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def _cors(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    from kb.sparql.serve_guard import check_origin

    try:
        return tuple(check_origin(v) for v in value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def delimiter_option(fn: F) -> F:
    """--delimiter for commands that read CSV files."""
    return click.option("--delimiter", default=None, callback=_delimiter, metavar="CHAR",
                        help="Cell delimiter of CSV files: one character or 'tab' "
                             "(default: detected from the header row).")(fn)


def date_order_option(fn: F) -> F:
    """--date-order for commands that read ACLED-layout files."""
    return click.option("--date-order", type=click.Choice(["dmy", "mdy"]), default=None,
                        help="How ACLED-layout dates like 10/04/2020 are read: day first (dmy) or "
                             "month first (mdy); default: from the file's unambiguous dates, else "
                             "day first, with a warning.")(fn)


def strict_option(fn: F) -> F:
    """--strict for commands that import third-party feeds (ClaimReview, ACLED layout)."""
    return click.option("--strict", is_flag=True, help="Refuse a whole ClaimReview or ACLED-layout "
                        "file on any problem, instead of skipping its bad items with a warning.")(fn)


def endpoint_options(fn: F) -> F:
    """--endpoint (and authentication) for commands that can query an external store."""
    return click.option("--endpoint", default=None, help="Use this external SPARQL 1.1 query "
                        "endpoint instead of the local store.")(auth_options(fn))


class Commands(click.Group):
    """The command group: each command's summary is its whole first sentence, wrapped to the
    terminal (click's default cuts it at the column limit with '...')."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(name, cmd) for name in self.list_commands(ctx)
                    if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if commands:
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit=10_000)) for name, cmd in commands])


@click.group(cls=Commands, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="kb")
@click.option("--store", envvar="KB_STORE", type=click.Path(file_okay=False), default=None,
              help="Store folder (default: $KB_STORE or ./.kb).")
@click.option("--base", envvar="KB_BASE", default=DEFAULT_BASE, show_default=True, callback=_base,
              help="IRI prefix that record ids are appended to (or $KB_BASE): an absolute IRI "
                   "ending in / or #.")
@click.option("-q", "--quiet", is_flag=True, help="Print only results and errors; no progress bars.")
@click.pass_context
def main(ctx: click.Context, store: str | None, base: str, quiet: bool) -> None:
    """An evidence-graph knowledge base: who claimed what, who documented what, and where
    a denial conflicts with what was documented."""
    if ctx.get_parameter_source("store") == click.core.ParameterSource.ENVIRONMENT:
        store = None  # the library reads $KB_STORE itself, and says so when nothing is there
    ctx.obj = Context(store, base, quiet)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fresh", is_flag=True, help="Start from an empty knowledge base.")
@click.option("--format", "fmt", metavar="FORMAT", default=None,
              help="Read every PATH as this format (default: from the file ending): "
              + known(sorted(LOADERS)) + ".")
@delimiter_option
@date_order_option
@strict_option
@click.option("--map", "names_map", type=click.Path(dir_okay=False), default=None,
              help="A YAML file of names -> actor ids, applied before importers make actors.")
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another build to finish before giving up.")
@pass_ctx
@handle_errors
def build(c: Context, paths: tuple[str, ...], fresh: bool, fmt: str | None, delimiter: str | None,
          date_order: str | None, strict: bool, names_map: str | None, wait: float) -> None:
    """Load PATHS (files or folders; none: the bundled seed dataset) in one transaction.

    Each file becomes one named graph; an unchanged file is skipped, a changed one replaces only
    its graph. The result is validated against the SHACL shapes before it is committed: on any
    problem nothing is stored and every problem is printed as file:line:column: field: message.
    """
    kb = c.kb()
    report = kb.build(list(paths) or None, fresh=fresh, fmt=fmt, wait=wait, delimiter=delimiter,
                      date_order=date_order, strict=strict, names_map=names_map)
    _print_files(c, report)
    c.say(f"built {kb.path} in {report.seconds:.2f} s: {len(report.loaded)} file(s) loaded, "
          f"{len(report.files) - len(report.loaded)} unchanged")
    _print_stats(c, kb)


def _print_files(c: Context, report: BuildReport) -> None:
    """Each input file of a build, and the importers' warnings."""
    for f in report.files:
        c.say(f"{f.status:9} {f.triples:>9} triples  {f.path}")
    for w in report.warnings:
        click.echo(f"warning: {printable(w)}", err=True)


def _print_stats(c: Context, kb: KnowledgeBase) -> None:
    stats = kb.stats()
    c.say("")
    c.say("records by class:")
    for name, n in stats.classes.items():
        c.say(f"  {n:>7}  {'  ' if name in stats.subclass_of else ''}{name}")
    if stats.stances:
        c.say("claims by stance: " + ", ".join(f"{k} {v}" for k, v in stats.stances.items()))
    c.say(f"{stats.triples} statements in {len(stats.files)} file graph(s)")
    c.say(f"{stats.candidate_duplicates} candidate duplicate actor pair(s)"
          + (": kb actors --similar" if stats.candidate_duplicates else " remain"))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@pass_ctx
@handle_errors
def validate(c: Context, paths: tuple[str, ...]) -> None:
    """Check PATHS against the knowledge base without storing them (no paths: check the store).

    Runs the same checks as build (syntax, ids, references, SHACL shapes) and prints every
    problem; exits 1 if there is any.
    """
    kb = c.kb()
    problems = kb.validate(list(paths) if paths else None)
    for p in problems:
        click.echo(f"error: {p}", err=True)
    if problems:
        click.echo(f"error: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    c.say("valid: the SHACL shapes hold" + (f" for {len(paths)} path(s)" if paths else ""))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (same as --format json).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="text, json, or markdown (tables of the files and the counts).")
@pass_ctx
@handle_errors
def stats(c: Context, as_json: bool, fmt: str) -> None:
    """Counts by class and stance, and the loaded files."""
    kb = c.kb()
    if as_json or fmt == "json":
        import dataclasses
        import json

        click.echo(json.dumps(dataclasses.asdict(kb.stats()), indent=2, ensure_ascii=False))
        return
    if fmt == "markdown":
        from kb.exports.reports import stats_markdown

        click.echo(stats_markdown(kb.stats()), nl=False)
        return
    for f in kb.files():
        click.echo(f"{f['triples']:>9} triples  {f['path']}  (sha256 {str(f['sha256'])[:12]}, "
                   f"loaded {f['loaded_at']})")
    _print_stats(Context(c.store, c.base, quiet=False), kb)


@main.command()
@click.option("-f", "--format", "fmt", metavar="FORMAT", default=None,
              help="Output format (default: from the file ending): " + known_exports() + ".")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="File to write.")
@pass_ctx
@handle_errors
def export(c: Context, fmt: str | None, output: str) -> None:
    """Write the knowledge base to a file.

    trig and nq write every named graph (one per loaded file, plus provenance); ttl, nt and
    jsonld write the union of the file graphs; graphml and gexf the graph with conflict flags for
    Gephi or Cytoscape; claimreview the conflicts as schema.org ClaimReview JSON-LD; csv-claims,
    csv-events and csv-conflicts spreadsheet tables (formula-safe); conflicts-table, conflicts-json
    and conflicts-markdown the reports of kb conflicts; html the interactive page of kb viz.
    """
    fmt = export_format(fmt, output).name
    out = c.kb().export(fmt, output)
    c.say(f"wrote {out} ({fmt})")


@main.command()
@click.option("--kind", type=click.Choice(KINDS), default=None, help="Only conflicts of this kind.")
@click.option("--actor", default=None, help="Only claims by this actor (its id, name or alias).")
@click.option("--min-independent", type=click.IntRange(0), default=0, show_default=True,
              help="Only conflicts documented by at least N independent publishers.")
@click.option("--format", "fmt", type=click.Choice(sorted(REPORTS)), default="table",
              show_default=True, help="table, json (stable schema), csv or markdown (citable report).")
@click.option("--top", type=click.IntRange(1), default=None, help="Only the N strongest.")
@click.option("--by-claim", is_flag=True, help="Findings of a claim together in every format (the table "
              "always groups them).")
@click.option("--flat", is_flag=True, help="The table as one block per finding, not grouped by claim.")
@click.option("--wide", is_flag=True, help="Table cells on one line each, however wide (no wrapping).")
@click.option("--no-cache", is_flag=True, help="Compute the findings now, not those kept with the store's "
              "generation by its first reader (the same findings).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the report to this file (replaced whole, never half-written), not to the screen.")
@endpoint_options
@pass_ctx
@handle_errors
def conflicts(c: Context, kind: str | None, actor: str | None, min_independent: int, fmt: str,
              top: int | None, by_claim: bool, flat: bool, wide: bool, no_cache: bool, output: str | None,
              endpoint: str | None, user: str | None, password: str | None, auth: str) -> None:
    """Find where a denial or dispute conflicts with documentation, strongest first.

    Kinds: direct, part-of (a documented part of a denied pattern), alias (through owl:sameAs),
    self-contradiction (the same side asserts and denies), counter-claim (another actor asserts
    what is denied, with no independent documentation). The score is defined in docs/conflicts.md.
    The table shows each claim once with its findings under it (--flat: one block per finding);
    json gives each finding its claim's claim_group and claim_findings.
    """
    with c.source(endpoint, user, password, auth) as kb:
        found = kb.conflicts(kind=kind, actor=actor, min_independent=min_independent, use_stored=not no_cache)
    found = found[:top] if top else found
    shape = {"by_claim": by_claim, "flat": flat, "wide": wide}
    if output:
        out = write_report(found, fmt, output, store=None if endpoint else c.kb().path, **shape)
        c.say(f"wrote {out} ({len(found)} finding(s), {fmt})")
        return
    for chunk in report_text(found, fmt, **shape):  # written as made
        click.echo(chunk, nl=False)


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="kb.html",
              show_default=True, help="HTML file to write.")
@click.option("--conflicts-only", is_flag=True, help="Draw only the records on conflict paths.")
@click.option("--focus", default=None, help="Draw the neighbourhood of this record (its id).")
@click.option("--depth", type=click.IntRange(0), default=2, show_default=True,
              help="How many hops around --focus.")
@click.option("--actor", default=None, help="Draw this actor's claims, what they are about, and conflicts.")
@click.option("--title", default="Evidence graph", show_default=True, help="Page title.")
@click.option("--timeline-only", is_flag=True, help="Write the findings' timeline alone, without the graph.")
@pass_ctx
@handle_errors
def viz(c: Context, output: str, conflicts_only: bool, focus: str | None, depth: int,
        actor: str | None, title: str, timeline_only: bool) -> None:
    """Write one self-contained HTML page (works offline) of the graph and its conflicts."""
    out = c.kb().viz(output, conflicts_only=conflicts_only, focus=focus, depth=depth, actor=actor,
                     title=title, timeline_only=timeline_only)
    c.say(f"wrote {out}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the library as JSON (name, title, "
              "description, params, text).")
@pass_ctx
@handle_errors
def queries(c: Context, as_json: bool) -> None:
    """List the named queries (kb/queries/*.rq): name, title, description and parameters."""
    from kb.sparql.query import library

    lib = library()
    if as_json:
        import json

        click.echo(json.dumps([{"name": q.name, "title": q.title, "description": q.description,
                                "params": q.params, "text": q.text} for q in lib.values()],
                              indent=2, ensure_ascii=False))
        return
    for q in lib.values():
        click.echo(f"{q.name} — {q.title}")
        click.echo(f"    {q.description}")
        for name, meaning in q.params.items():
            click.echo(f"    --param {name}=…  {meaning}")


@main.command()
@click.argument("query")
@click.option("--param", "bound", multiple=True, metavar="NAME=VALUE", callback=_params,
              help="Bind a parameter (repeatable); a value written <…> is an IRI, any other a string.")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "csv", "tsv", "json", "xml", "ttl",
                                                   "nt"]),
              default="table", show_default=True,
              help="csv, tsv, json, xml: the SPARQL 1.1 result formats; ttl or nt for CONSTRUCT/DESCRIBE.")
@click.option("--wide", is_flag=True, help="Table cells whole, however long (not cut at 60 characters).")
@click.option("--default-graph", "default_graph", multiple=True, metavar="IRI", callback=_graphs,
              help="The default graph is the merge of these graphs (repeatable), as the protocol's "
                   "default-graph-uri: overrides the query's FROM.")
@click.option("--named-graph", "named_graphs", multiple=True, metavar="IRI", callback=_graphs,
              help="The graphs GRAPH sees (repeatable), as the protocol's named-graph-uri: overrides "
                   "the query's FROM NAMED.")
@endpoint_options
@pass_ctx
@handle_errors
def query(c: Context, query: str, bound: dict[str, str], fmt: str, wide: bool,
          default_graph: list[str] | None, named_graphs: list[str] | None, endpoint: str | None,
          user: str | None, password: str | None, auth: str) -> None:
    """Run QUERY: a named query (see kb queries), a .rq file, or - for standard input.

    Runs on the local store, or with --endpoint on an external SPARQL 1.1 server (same results).
    With --default-graph or --named-graph the dataset is those graphs (a side not given is empty);
    else the query's FROM / FROM NAMED; else the union of every graph (docs/sparql.md).
    A syntax error is printed with its line and column (exit code 5).
    """
    with c.source(endpoint, user, password, auth) as kb:
        out = kb.query(query, bound, "wide" if wide and fmt == "table" else fmt, default_graph=default_graph,
                       named_graphs=named_graphs)
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to bind (loopback unless you say otherwise).")
@click.option("--port", type=click.IntRange(1, 65535), default=7878, show_default=True)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds a query may run before it is stopped (its worker is killed).")
@click.option("--max-rows", type=click.IntRange(1), default=100_000, show_default=True,
              help="Most rows (or triples) a result may have; larger results are refused.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes, i.e. queries that can run at the same time.")
@click.option("--max-memory", type=click.IntRange(64), default=2048, show_default=True, metavar="MB",
              help="Memory a query may use (per worker); a query that needs more is stopped.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Also answer to this Host name (a reverse proxy's); repeatable.")
@click.option("--public-url", default=None, metavar="URL", callback=_public_url,
              help="The URL clients reach the server at (behind a proxy); names the service.")
@click.option("--header-timeout", type=click.FloatRange(min=0.5), default=10.0, show_default=True,
              metavar="SECONDS", help="Time a client may take to send its request head.")
@click.option("--max-connections", type=click.IntRange(8), default=None, metavar="N",
              help="Connections open at once [default: what the descriptor limit leaves room for].")
@click.option("--cors", "cors", multiple=True, metavar="ORIGIN", callback=_cors,
              help="Let web pages from ORIGIN (https://host:port, or '*' for any) read answers; repeatable. "
                   "Off by default.")
@pass_ctx
@handle_errors
def serve(c: Context, host: str, port: int, timeout: float, max_rows: int, workers: int,
          max_memory: int, allow_hosts: tuple[str, ...], public_url: str | None, header_timeout: float,
          max_connections: int | None, cors: tuple[str, ...]) -> None:
    """Serve a read-only SPARQL 1.1 endpoint at /sparql and a query page at /.

    Update, LOAD and SERVICE are refused; refused requests are logged on stderr.
    """
    from kb.sparql.serve import serve as run

    path = c.kb().path
    at = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    run(path, host=host, port=port, timeout=timeout, max_rows=max_rows, workers=workers,
        max_memory=max_memory, allow_hosts=allow_hosts, public_url=public_url,
        header_timeout=header_timeout, max_connections=max_connections, cors=cors,
        ready=lambda: c.say(f"serving {path} at {at}/sparql (read-only); query page at {at}/"))


@main.command()
@click.option("--endpoint", required=True, metavar="URL",
              help="The server's SPARQL query URL (Virtuoso .../sparql, Oxigraph server .../query) "
                   "or its Graph Store URL.")
@click.option("--graph", default=None, metavar="IRI",
              help="Put everything into this one graph (default: keep one named graph per file).")
@click.option("--store-url", default=None, metavar="URL",
              help="The Graph Store Protocol URL, for servers other than Virtuoso and Oxigraph.")
@click.option("--batch", type=click.IntRange(1), default=50_000, show_default=True,
              help="Statements per request.")
@auth_options
@pass_ctx
@handle_errors
def push(c: Context, endpoint: str, graph: str | None, store_url: str | None, batch: int,
         user: str | None, password: str | None, auth: str) -> None:
    """Send the knowledge base to an external SPARQL 1.1 store (Graph Store Protocol).

    Named graphs are preserved (one per file, plus the provenance graph); each graph is replaced,
    and graphs of files no longer loaded are deleted, so pushing twice leaves one copy.
    """
    report = c.kb().push(endpoint, graph=graph, user=user, password=password, auth=auth,
                         store_url=store_url, batch=batch)
    c.say(f"pushed {report.triples} statements in {len(report.graphs)} graph(s) to {report.store_url} "
          f"in {report.seconds:.1f} s ({report.rate:,.0f} statements/s)"
          + (f"; deleted {len(report.deleted)} stale graph(s)" if report.deleted else ""))


@main.command()
@click.option("--similar", is_flag=True, required=True,
              help="List candidate duplicates: name variants, shared aliases, one sameAs URL.")
@click.option("--json", "as_json", is_flag=True, help="Print the pairs as JSON.")
@pass_ctx
@handle_errors
def actors(c: Context, similar: bool, as_json: bool) -> None:
    """Actors that may be one actor under several names, with the records behind each pair.

    Nothing is merged: confirm a pair with same_as in your own YAML, or --map at import.
    """
    from kb.analysis.duplicates import describe

    pairs = c.kb().similar_actors()
    if as_json:
        import json

        click.echo(json.dumps([p.to_dict() for p in pairs], indent=2, ensure_ascii=False))
    else:
        click.echo(describe(pairs))


@main.command(name="import")
@click.argument("fmt", metavar="FORMAT")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@delimiter_option
@date_order_option
@strict_option
@click.option("--map", "names_map", type=click.Path(dir_okay=False), default=None,
              help="A YAML file of names -> actor ids, applied before importers make actors.")
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another build to finish before giving up.")
@pass_ctx
@handle_errors
def import_(c: Context, fmt: str, files: tuple[str, ...], delimiter: str | None, date_order: str | None,
            strict: bool, names_map: str | None, wait: float) -> None:
    """Import FILES read as FORMAT into the knowledge base, like kb build --format FORMAT.

    FORMAT: turtle (ttl), trig, nt, nq, jsonld (json-ld), rdfxml (xml, owl, rdf) (RDF); csv (one
    sheet per record type); claimreview
    (schema.org ClaimReview JSON-LD); acled (conflict events in the ACLED column layout); yaml.
    Each file becomes one named graph with its provenance, checked like a build: on any problem
    nothing is stored. Items an importer skipped are printed as warnings.
    """
    kb = c.kb()
    report = kb.build(list(files), fmt=fmt, wait=wait, delimiter=delimiter, date_order=date_order,
                      strict=strict, names_map=names_map)
    _print_files(c, report)
    n = sum(w.endswith("skipped") for w in report.warnings)  # the others warn about kept items
    others = len(report.warnings) - n
    skipped = (f"; {n} item(s) skipped" if n else "") + (f"; {others} other warning(s)" if others else "")
    c.say(f"imported {len(report.loaded)} file(s), {report.triples} statements, into {kb.path} "
          f"in {report.seconds:.2f} s{skipped}")


@main.group()
def template() -> None:
    """Write empty templates for authoring."""


@template.command(name="csv")
@click.argument("folder", type=click.Path(file_okay=False))
@pass_ctx
@handle_errors
def template_csv(c: Context, folder: str) -> None:
    """Write one CSV sheet per record type (header row and one example row) into FOLDER."""
    from kb.exports.csv_templates import write_templates

    for path in write_templates(folder, store=c.kb().path):
        c.say(f"wrote {path}")


if __name__ == "__main__":  # pragma: no cover
    main()

"""The knowledge base: build from files, validate, export, summarise. The public Python API.

    >>> from kb import KnowledgeBase
    >>> kb = KnowledgeBase(".kb")
    >>> report = kb.build(["data/"])      # one transaction; raises InputError with located problems
    >>> kb.validate()                     # [] when the shapes hold
    >>> kb.export("trig", "graphs/kb.trig")
    >>> kb.stats().classes
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import pyoxigraph as ox

from kb import __version__
from kb.analysis.conflicts import Conflict, find_conflicts
from kb.analysis.projection import LocalEndpoint, project
from kb.build.validate import check_shapes, focus_of, shacl_problems
from kb.errors import InputError, NoKnowledgeBaseError, Problem, UsageError
from kb.exports.rdf import RDF_FORMATS, write_rdf
from kb.formats import canonical
from kb.loaders import LOADERS, InputFile, Parsed, format_for, link
from kb.model.graphs import PROVENANCE_GRAPH, file_graph, graph_display, seed_graph
from kb.model.names import lookup, resolve_params
from kb.model.records import Compiled, Existing, compile_records
from kb.model.terms import DCTERMS, DEFAULT_BASE, EV, PROV, RDF, RDFS, XSD, check_base, label, subclasses
from kb.progress import track
from kb.store import Store

if TYPE_CHECKING:
    from kb.sparql.push import PushReport


def seed_dir() -> Path:
    """The bundled seed dataset (YAML files shipped in the package)."""
    return Path(str(resources.files("kb") / "data" / "seed"))


@dataclass
class FileReport:
    """One input file of a build."""

    path: str
    graph: str
    format: str
    sha256: str
    status: str  # "loaded" or "unchanged"
    triples: int = 0


@dataclass
class BuildReport:
    """What a build did."""

    files: list[FileReport] = field(default_factory=list)
    records: int = 0
    triples: int = 0
    seconds: float = 0.0
    committed: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "loaded"]


@dataclass
class Stats:
    """A summary of the knowledge base."""

    classes: dict[str, int]
    stances: dict[str, int]
    files: list[dict[str, str | int]]
    triples: int


class _DryRun(Exception):
    pass


def _literal(value: str | int, datatype: str | None = None) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(str(value))


class KnowledgeBase:
    """An evidence knowledge base stored on disk at ``path`` (default ``$KB_STORE`` or ``./.kb``).

    ``base`` is the IRI prefix that record ids are appended to. ``progress`` draws progress bars
    on stderr during long work (the CLI turns it on for terminals).
    """

    def __init__(self, path: str | Path | None = None, *, base: str = DEFAULT_BASE,
                 progress: bool = False):
        try:
            self.base = check_base(base)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        self.store = Store(path)
        self._chosen = "given" if path is not None else "env" if os.environ.get("KB_STORE") else "default"
        self.progress = progress

    @property
    def path(self) -> Path:
        return self.store.path

    @property
    def exists(self) -> bool:
        """Whether a knowledge base was built at :attr:`path`."""
        return self.store.exists

    def require(self) -> None:
        """Raise :class:`~kb.errors.NoKnowledgeBaseError` (exit code 4) saying where it looked and
        how to build one, if no knowledge base was ever built at :attr:`path`."""
        if self.store.exists:
            return
        where = self.path.resolve()
        why = {"given": "the store folder you gave",
               "env": "the store folder $KB_STORE names",
               "default": f"the default store folder ./{self.path} in {Path.cwd()}"}[self._chosen]
        what = "is not a knowledge base" if self.path.is_dir() else "does not exist"
        kb = f"kb --store {self.path}" if self._chosen == "given" else "kb"
        raise NoKnowledgeBaseError(
            f"no knowledge base at {where} ({why}; it {what}); build one with `{kb} build` "
            f"(the bundled seed) or `{kb} build FILES...`, or point --store (or $KB_STORE) at an "
            "existing one")

    @contextmanager
    def snapshot(self) -> Iterator[ox.Store]:
        """A consistent read-only view of the knowledge base (a pyoxigraph ``Store``); raises
        :class:`~kb.errors.NoKnowledgeBaseError` if none was built at :attr:`path`."""
        self.require()
        with self.store.reader() as db:
            yield db

    # -- inputs ----------------------------------------------------------------------------

    def inputs(self, paths: Iterable[str | Path] | None, fmt: str | None = None
               ) -> tuple[list[InputFile], list[Problem]]:
        """Expand paths (files and folders) into input files; no paths means the bundled seed."""
        problems: list[Problem] = []
        out: list[InputFile] = []
        if paths is None or not list(paths):
            seed = seed_dir()
            for p in sorted(seed.glob("*.yaml")):
                out.append(InputFile(p, f"seed/{p.name}", seed_graph(p.name), "yaml"))
            if not out:
                problems.append(Problem(str(seed), None, None, None, "the bundled seed dataset is missing"))
            return out, problems
        for raw in paths:
            p = Path(raw)
            kind = _special(p)
            if kind is not None:
                problems.append(Problem(str(p), None, None, None, f"{kind}, not a regular file or a "
                                        "folder; nothing was read"))
            elif p.is_dir():
                found = sorted(q for q in p.rglob("*") if q.is_file() and format_for(q)
                               and not any(part.startswith(".") for part in q.relative_to(p).parts))
                problems.extend(Problem(str(q), None, None, None, f"{_special(q)}, not a regular file; "
                                        "nothing was read") for q in sorted(p.rglob("*"))
                                if format_for(q) and _special(q) is not None
                                and not any(part.startswith(".") for part in q.relative_to(p).parts))
                if not found:
                    problems.append(Problem(str(p), None, None, None, "no loadable files in this folder"))
                out.extend(self._input(q, fmt) for q in found)
            elif p.is_file():
                chosen = fmt or format_for(p)
                if chosen is None or chosen not in LOADERS:
                    problems.append(Problem(str(p), None, None, None,
                                            f"unknown file type '{p.suffix}'; known formats: "
                                            f"{', '.join(sorted(LOADERS))}"))
                    continue
                out.append(self._input(p, chosen))
            else:
                problems.append(Problem(str(p), None, None, None, "no such file or folder"))
        seen: dict[str, InputFile] = {}
        for f in out:
            if f.graph in seen:
                problems.append(Problem(f.display, None, None, None, "file given twice"))
            seen[f.graph] = f
        return list(seen.values()), problems

    def _input(self, p: Path, fmt: str | None) -> InputFile:
        resolved = p.resolve()
        try:
            display = resolved.relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            display = resolved.as_posix()
        fmt = fmt or format_for(p) or ""
        return InputFile(p, display, file_graph(display), fmt)

    # -- building --------------------------------------------------------------------------

    def build(self, paths: Iterable[str | Path] | None = None, *, fresh: bool = False,
              dry_run: bool = False, fmt: str | None = None, wait: float = 0.0,
              delimiter: str | None = None, date_order: str | None = None) -> BuildReport:
        """Load files into the knowledge base in one transaction.

        Each file fills its own named graph; a file already loaded with the same content is left
        as it is, a changed one replaces only its graph. ``fresh`` starts from an empty knowledge
        base. Every problem (syntax, references, types, SHACL) is collected and raised together as
        :class:`~kb.errors.InputError`; then nothing is stored. ``dry_run`` checks without storing.
        ``fmt`` reads every file as that format; ``delimiter`` is the cell delimiter of CSV files
        (detected when not given); ``date_order`` (``dmy``/``mdy``) how ACLED-layout dates such as
        ``10/04/2020`` are read. Items an importer skipped are listed in ``report.warnings``.
        """
        started = time.perf_counter()
        if fmt:
            fmt = canonical(fmt, LOADERS, "import format")
        files, problems = self.inputs(paths, fmt)
        if problems:
            raise InputError(problems)
        if delimiter:
            files = [replace(f, delimiter=delimiter) for f in files]
        if date_order:
            files = [replace(f, date_order=date_order) for f in files]
        # Everything read from the stored state (which files are unchanged, which ids and names
        # exist) is read under the writer lock that the commit holds too: two builds started at
        # once cannot both check against the same old state and both commit.
        with self.store.lock(wait):
            return self._build_locked(files, fresh=fresh, dry_run=dry_run, wait=wait, started=started)

    def _build_locked(self, files: list[InputFile], *, fresh: bool, dry_run: bool, wait: float,
                      started: float) -> BuildReport:
        """:meth:`build` once its files are known, holding the writer lock."""
        problems: list[Problem] = []
        stored = {} if fresh else {f["graph"]: f for f in self._files()}
        report = BuildReport()
        todo: list[InputFile] = []
        for f in files:
            sha = f.sha256()
            if not fresh and not dry_run and stored.get(f.graph, {}).get("sha256") == sha:
                report.files.append(FileReport(f.display, f.graph, f.format, sha, "unchanged",
                                               int(stored[f.graph]["triples"])))
            else:
                todo.append(f)
                report.files.append(FileReport(f.display, f.graph, f.format, sha, "loaded"))
        if not todo:
            report.seconds = time.perf_counter() - started
            return report

        parsed: list[Parsed] = []
        for f in track(todo, "Reading files", self.progress):
            p = LOADERS[f.format](f)
            parsed.append(p)
            problems.extend(p.problems)
        replaced = {p.input.graph for p in parsed}
        problems.extend(link(parsed, lambda: {} if fresh else self._names(replaced)))
        report.warnings = [w for p in parsed for w in p.warnings]

        def compile_all(files: list[Parsed]) -> Compiled:
            record_files = {p.input.graph: (p.input.display, p.records) for p in files if p.records}
            return compile_records(record_files, self.base,
                                   lambda ids: self._existing(ids, replaced, fresh))

        def located() -> Compiled:
            """The same batch read again with exact locations (only to report problems)."""
            return compile_all([p.precise() if p.precise else p for p in parsed])

        compiled = compile_all(parsed)
        if compiled.problems and any(p.precise for p in parsed):
            compiled = located()
        problems.extend(compiled.problems)
        if problems:
            raise InputError(problems)
        report.records = compiled.records
        names = {f.graph: f.display for f in files} | {g: graph_display(g) for g in stored}

        kept = sum(int(f["triples"]) for g, f in stored.items() if g not in replaced)

        def work(db: ox.Store) -> None:
            if fresh:
                db.clear()
            # SHACL checks what this build touches, or everything when it writes most of the data;
            # then it checks this batch from memory (decoding stored terms back costs more), in a
            # thread while the batch is written to disk (pyshacl-turbo releases the GIL). The batch
            # is staged only when it can be most of the data (an RDF file is counted once parsed).
            in_memory = sum(len(compiled.quads.get(p.input.graph, ())) + len(p.quads) for p in parsed)
            streamed = any(p.load_into is not None for p in parsed)
            staged = self._batch(parsed, compiled) if streamed or kept <= in_memory else None
            whole = staged is not None and kept <= len(staged)
            if whole:
                self._add_kept(staged, db, replaced)
            with ThreadPoolExecutor(1, thread_name_prefix="kb-shacl") as pool:
                checking = pool.submit(check_shapes, None, None, staged) if whole else None
                del staged
                removed = self._write(db, parsed, compiled, report, replaced)
                focus = None if whole else focus_of(db, replaced, removed)
                checked = checking.result() if checking else check_shapes(db, focus)
            where = (lambda: located().where) if any(p.precise for p in parsed) else compiled.where
            found = shacl_problems(db, where, lambda g: names.get(g, g), checked=checked)
            if found:
                raise InputError(found)
            if dry_run:
                raise _DryRun

        try:
            self.store.write(work, wait=wait)
            report.committed = True
        except _DryRun:
            pass
        report.seconds = time.perf_counter() - started
        return report

    def _write(self, db: ox.Store, parsed: list[Parsed], compiled: Compiled, report: BuildReport,
               replaced: set[str]) -> set[ox.NamedNode | ox.BlankNode]:
        """Write this batch into ``db``, one named graph per file, with its provenance; return the
        subjects of the replaced contents."""
        build_iri = ox.NamedNode(f"urn:evkb:build:{uuid.uuid4()}")
        prov_graph = ox.NamedNode(PROVENANCE_GRAPH)
        start = datetime.now(UTC).isoformat()
        removed: set[ox.NamedNode | ox.BlankNode] = set()
        for p in track(parsed, "Writing graphs", self.progress):
            g = ox.NamedNode(p.input.graph)
            if db.contains_named_graph(g):
                removed.update(q.subject for q in db.quads_for_pattern(None, None, None, g))
                db.remove_graph(g)
            for q in list(db.quads_for_pattern(g, None, None, prov_graph)):
                db.remove(q)
            db.bulk_extend(compiled.quads.get(p.input.graph, []) + p.quads)
            if p.load_into is not None:
                p.load_into(db, g)
            db.add_graph(g)
        counts = self._graph_sizes(db, replaced)
        for p in parsed:
            fr = next(r for r in report.files if r.graph == p.input.graph)
            fr.triples = counts.get(p.input.graph, 0)
            db.bulk_extend(self._provenance(p.input, fr, build_iri, prov_graph))
        db.bulk_extend(self._build_provenance(build_iri, prov_graph, start))
        report.triples = sum(counts.values())
        return removed

    @staticmethod
    def _batch(parsed: list[Parsed], compiled: Compiled) -> ox.Store:
        """This batch in the default graph of an in-memory store (RDF files parsed again, in Rust)."""
        mem = ox.Store()
        for p in parsed:
            mem.bulk_extend(ox.Quad(q.subject, q.predicate, q.object)
                            for q in (*compiled.quads.get(p.input.graph, ()), *p.quads))
            if p.load_into is not None:
                p.load_into(mem, ox.DefaultGraph())
        return mem

    @staticmethod
    def _add_kept(mem: ox.Store, db: ox.Store, replaced: set[str]) -> None:
        """Add the file graphs of ``db`` that the build keeps (so ``mem`` is the knowledge base as
        the build leaves it)."""
        nt = ox.RdfFormat.N_TRIPLES
        for g in db.named_graphs():
            if g.value not in replaced and g.value != PROVENANCE_GRAPH:
                mem.bulk_load(db.dump(format=nt, from_graph=g), format=nt)

    def _graph_sizes(self, db: ox.Store, graphs: set[str]) -> dict[str, int]:
        out = {}
        for g in graphs:
            res = db.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
            out[g] = int(next(iter(res))["n"].value)
        return out

    def _provenance(self, f: InputFile, fr: FileReport, build: ox.NamedNode,
                    g: ox.NamedNode) -> list[ox.Quad]:
        s = ox.NamedNode(f.graph)
        now = datetime.now(UTC).isoformat()

        def q(p: str, o: ox.NamedNode | ox.Literal) -> ox.Quad:
            return ox.Quad(s, ox.NamedNode(p), o, g)

        return [
            q(str(RDF.type), ox.NamedNode(str(EV.LoadedFile))),
            q(str(EV.path), _literal(f.display)),
            q(str(EV.sha256), _literal(fr.sha256)),
            q(str(EV["format"]), _literal(f.format)),
            q(str(EV.tripleCount), _literal(fr.triples, str(XSD.integer))),
            q(str(PROV.generatedAtTime), _literal(now, str(XSD.dateTime))),
            q(str(PROV.wasGeneratedBy), build),
        ]

    def _build_provenance(self, build: ox.NamedNode, g: ox.NamedNode, start: str) -> list[ox.Quad]:
        agent = ox.NamedNode(f"urn:evkb:software:kb:{__version__}")
        end = datetime.now(UTC).isoformat()
        return [
            ox.Quad(build, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(EV.Build)), g),
            ox.Quad(build, ox.NamedNode(str(PROV.startedAtTime)), _literal(start, str(XSD.dateTime)), g),
            ox.Quad(build, ox.NamedNode(str(PROV.endedAtTime)), _literal(end, str(XSD.dateTime)), g),
            ox.Quad(build, ox.NamedNode(str(PROV.wasAssociatedWith)), agent, g),
            ox.Quad(agent, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(PROV.SoftwareAgent)), g),
            ox.Quad(agent, ox.NamedNode(str(RDFS.label)), _literal(f"kb {__version__}"), g),
        ]

    def _names(self, replaced: set[str]) -> dict[tuple[str, str], str]:
        """Names and aliases of stored actors and places (outside ``replaced``) -> their ids."""
        from kb.loaders.resolve import stored_names

        with self.store.reader() as db:
            return stored_names(db, replaced)

    def _existing(self, ids: set[str], replaced: set[str], fresh: bool) -> dict[str, Existing]:
        """Records already stored (outside the graphs being replaced) among ``ids``."""
        if fresh:
            return {}
        out: dict[str, Existing] = {}
        ident = ox.NamedNode(str(DCTERMS.identifier))
        rdf_type = ox.NamedNode(str(RDF.type))
        with self.store.reader() as db:
            graphs = [g for g in db.named_graphs()
                      if g.value not in replaced and g.value != PROVENANCE_GRAPH]
            if not graphs:
                return {}
            for rid in ids:
                for q in db.quads_for_pattern(None, ident, ox.Literal(rid), None):
                    g = q.graph_name
                    if not isinstance(g, ox.NamedNode) or g.value in replaced:
                        continue
                    classes = frozenset(t.object.value for t in db.quads_for_pattern(
                        q.subject, rdf_type, None, g))
                    out[rid] = Existing(classes, graph_display(g.value))
                    break
        return out

    # -- reading ---------------------------------------------------------------------------

    def _files(self) -> list[dict[str, str | int]]:
        query = f"""
            PREFIX ev: <{EV}>
            PREFIX prov: <{PROV}>
            SELECT ?g ?path ?sha ?format ?n ?time WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{
              ?g a ev:LoadedFile ; ev:path ?path ; ev:sha256 ?sha ; ev:format ?format ;
                 ev:tripleCount ?n ; prov:generatedAtTime ?time }} }} ORDER BY ?path"""
        with self.store.reader() as db:
            return [{"graph": r["g"].value, "path": r["path"].value, "sha256": r["sha"].value,
                     "format": r["format"].value, "triples": int(r["n"].value),
                     "loaded_at": r["time"].value} for r in db.query(query)]

    def files(self) -> list[dict[str, str | int]]:
        """The loaded files: graph IRI, path, SHA-256, format, triple count, load time."""
        self.require()
        return self._files()

    def stats(self) -> Stats:
        """Counts by class and stance, the loaded files, and the number of statements."""
        classes: dict[str, int] = {}
        stances: dict[str, int] = {}
        with self.snapshot() as db:
            q = ("SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?t } "
                 f"FILTER(?g != <{PROVENANCE_GRAPH}>) }} GROUP BY ?t")
            for r in db.query(q):
                classes[label(r["t"].value)] = int(r["n"].value)
            q = (f"SELECT ?st (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH ?g {{ ?c <{EV.stance}> ?st }} }}"
                 " GROUP BY ?st")
            for r in db.query(q):
                stances[label(r["st"].value)] = int(r["n"].value)
            total = int(next(iter(db.query(
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                f"FILTER(?g != <{PROVENANCE_GRAPH}>) }}")))["n"].value)
        order = [label(c) for c in _class_order()]
        classes = dict(sorted(classes.items(), key=lambda kv: (
            order.index(kv[0]) if kv[0] in order else len(order), kv[0])))
        return Stats(classes=classes, stances=dict(sorted(stances.items())), files=self._files(),
                     triples=total)

    def validate(self, paths: Iterable[str | Path] | None = None) -> list[Problem]:
        """Problems with the stored knowledge base, or with ``paths`` checked against it.

        With paths, the files are checked exactly as a build would (syntax, references, SHACL
        on the result) and nothing is stored. Returns [] when everything is valid.
        """
        if paths is not None:
            try:
                self.build(paths, dry_run=True)
            except InputError as exc:
                return exc.problems
            return []
        names = {f["graph"]: str(f["path"]) for f in self._files()}
        with self.snapshot() as db:
            return shacl_problems(db, None, lambda g: names.get(g, g)) + _ids_in_two_files(db, names)

    def conflicts(self, *, kind: str | None = None, actor: str | None = None,
                  min_independent: int = 0) -> list[Conflict]:
        """Every conflict between a denial (or dispute) and documentation, strongest first."""
        with self.snapshot() as db:
            endpoint = LocalEndpoint(db)
            if actor is not None:
                actor = lookup(endpoint, "actor", actor)
            return find_conflicts(endpoint, kind=kind, actor=actor, min_independent=min_independent)

    def resolve(self, word: str, value: str) -> str:
        """The id of the stored ``word`` record (actor, place, source, event, claim) whose id, name
        or alias is ``value``; raises :class:`kb.model.names.NameNotFound` (with the nearest ids) or
        :class:`kb.model.names.AmbiguousName`."""
        with self.snapshot() as db:
            return lookup(LocalEndpoint(db), word, value)

    def query(self, query: str, params: dict[str, str] | None = None, fmt: str = "json") -> bytes:
        """Run a named query (see ``kb.sparql.query.library()``), a ``.rq`` file or SPARQL text.

        ``params`` bind the query's parameters safely (see :func:`kb.sparql.query.bind`). ``fmt``: json,
        xml, csv, tsv (the SPARQL 1.1 result formats) or table; CONSTRUCT and DESCRIBE give
        Turtle (``ttl``) or N-Triples (``nt``). Raises :class:`~kb.errors.QueryError` with the line
        and column of a syntax error.
        """
        from kb.sparql.query import load, run, serialize

        named = load(query)
        with self.snapshot() as db:
            bound = resolve_params(LocalEndpoint(db), named.params, params or {})
            return serialize(run(named, bound, db=db), fmt)

    def push(self, url: str, *, graph: str | None = None, user: str | None = None,
             password: str | None = None, auth: str = "digest", store_url: str | None = None,
             batch: int = 50_000) -> PushReport:
        """Send the knowledge base to an external SPARQL 1.1 store (see :func:`kb.sparql.push.push`):
        named graphs preserved, idempotent, in batches, with a progress bar when enabled."""
        from kb.sparql.push import push

        with self.snapshot() as db:
            return push(db, url, graph=graph, user=user, password=password, auth=auth,
                        store_url=store_url, batch=batch, progress=self.progress)

    def graph(self) -> nx.MultiDiGraph:
        """The knowledge base projected into NetworkX (records and typed edges; see kb.graph)."""
        with self.snapshot() as db:
            return project(LocalEndpoint(db))

    def viz(self, out: str | Path, *, conflicts_only: bool = False, focus: str | None = None,
            depth: int = 2, actor: str | None = None, title: str = "Evidence graph",
            timeline_only: bool = False) -> Path:
        """Write the interactive, offline HTML page of the graph and its conflicts (``timeline_only``:
        the findings on their timeline, without the graph)."""
        from kb.exports.viz import subgraph, write_html

        with self.snapshot() as db:
            g = project(LocalEndpoint(db))
            found = find_conflicts(LocalEndpoint(db), graph=g)
        try:
            part = subgraph(g, found, conflicts_only=conflicts_only, focus=focus, depth=depth, actor=actor)
        except KeyError as exc:
            raise InputError([Problem("(command line)", None, None, "focus" if focus else "actor",
                                      f"no record has the id {exc.args[0]!r}")]) from None
        if actor is not None:
            found = [c for c in found if c.claimant == actor]
        drawn = {a["id"] for _n, a in part.nodes(data=True)}
        found = [c for c in found if c.claim in drawn or c.documented_event in drawn]
        return write_html(part, found, out, title, store=self.path, timeline_only=timeline_only)

    def export(self, fmt: str, out: str | Path) -> Path:
        """Write the knowledge base to ``out`` (atomically).

        RDF: ``ttl``, ``trig``, ``nt``, ``nq``, ``jsonld``, ``rdfxml``
        (or an alias of :mod:`kb.formats`). Other tools: ``graphml``, ``gexf``,
        ``claimreview`` (JSON-LD of the conflicts), ``csv-claims``, ``csv-events``, ``csv-conflicts``.
        """
        from kb.exports import tables as export_tables
        from kb.exports.files import replacing

        fmt = canonical(fmt, [*RDF_FORMATS, *export_tables.FORMATS], "export format")
        self.require()
        with replacing(out, self.path) as tmp, self.snapshot() as db:  # see kb.output for the path rules
            if fmt in export_tables.FORMATS:
                g = project(LocalEndpoint(db))
                export_tables.write(fmt, g, find_conflicts(LocalEndpoint(db), graph=g), tmp)
            else:
                write_rdf(db, fmt, tmp, self.base)
        return Path(out)


def _special(p: Path) -> str | None:
    """What ``p`` is if it is neither a regular file nor a folder (a FIFO, a device, a socket)."""
    from kb.loaders import special_kind

    try:
        return special_kind(p.stat().st_mode)
    except OSError:
        return None


def _ids_in_two_files(db: ox.Store, names: dict[str, str]) -> list[Problem]:
    """An id that two file graphs both define (a build refuses that; two builds that raced could
    once both commit it)."""
    q = (f"SELECT ?id (GROUP_CONCAT(DISTINCT STR(?g); separator=' ') AS ?gs) WHERE {{ GRAPH ?g {{ "
         f"?s <{DCTERMS.identifier}> ?id }} FILTER(?g != <{PROVENANCE_GRAPH}>) }} GROUP BY ?id "
         "HAVING (COUNT(DISTINCT ?g) > 1)")
    out = []
    for r in db.query(q):
        files = sorted(names.get(g, graph_display(g)) for g in r["gs"].value.split(" "))
        out.append(Problem(files[0], None, None, "id", f"duplicate id {r['id'].value!r}: also defined "
                           f"in {', '.join(files[1:])}"))
    return out


def _class_order() -> list[str]:
    out: list[str] = []
    for top in ("Actor", "Place", "Source", "Event", "Documentation", "Claim"):
        iri = str(EV[top])
        out.append(iri)
        out.extend(sorted(subclasses(iri) - {iri}))
    return out

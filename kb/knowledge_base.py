"""The knowledge base: build from files, validate, export, summarise. The public Python API.

:class:`KnowledgeBase` is a facade: the build is :mod:`kb.build` (inputs, compile, pipeline,
provenance, validate), the store :mod:`kb.store`, the readers :mod:`kb.analysis`,
:mod:`kb.sparql` and :mod:`kb.exports`.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from kb import KnowledgeBase
    >>> folder = Path(tempfile.mkdtemp())
    >>> kb = KnowledgeBase(folder / ".kb")
    >>> report = kb.build()               # the bundled seed; one transaction
    >>> report.committed, len(report.loaded) == len(report.files)
    (True, True)
    >>> kb.validate()                     # [] when the shapes hold
    []
    >>> kb.export("trig", folder / "kb.trig").name
    'kb.trig'
    >>> next(iter(kb.stats().classes))    # records by class, in the ontology's order
    'Actor'

The same questions on an external SPARQL 1.1 server that holds a pushed knowledge base:
``KnowledgeBase.remote("http://localhost:8890/sparql", user=..., auth="digest")`` gives an object
with the same :meth:`~RemoteKnowledgeBase.conflicts`, :meth:`~RemoteKnowledgeBase.query` and
:meth:`~RemoteKnowledgeBase.resolve`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import pyoxigraph as ox

from kb.analysis.conflicts import find_conflicts
from kb.analysis.display import Findings, Rows
from kb.analysis.duplicates import SimilarPair, similar_actors
from kb.analysis.grouping import ClaimGroups, group_by_claim
from kb.analysis.projection import project
from kb.analysis.stats import Stats, summarise
from kb.build import pipeline
from kb.build.inputs import find_inputs, seed_dir
from kb.build.provenance import loaded_files
from kb.build.report import BuildReport, FileReport
from kb.build.validate import ids_in_two_files, shacl_problems
from kb.errors import InputError, NoKnowledgeBaseError, Problem, UsageError
from kb.loaders import InputFile
from kb.model.names import lookup, resolve_params
from kb.model.terms import DEFAULT_BASE, check_base
from kb.sparql.endpoint import Endpoint, LocalEndpoint, RemoteEndpoint
from kb.store import Store

if TYPE_CHECKING:
    from kb.sparql.push import PushReport

__all__ = ["BuildReport", "FileReport", "KnowledgeBase", "RemoteKnowledgeBase", "Stats", "seed_dir"]


class _Questions:
    """The questions asked the same way of the local store and of a remote one, through an
    :class:`~kb.sparql.endpoint.Endpoint`."""

    @contextmanager
    def endpoint(self) -> Iterator[Endpoint]:
        raise NotImplementedError

    def conflicts(self, *, kind: str | None = None, actor: str | None = None,
                  min_independent: int = 0, use_stored: bool = True) -> Findings:
        """Every conflict between a denial (or dispute) and documentation, strongest first
        (``actor``: an id, name or alias): a list that ``.to_frame()`` makes a pandas DataFrame and
        a notebook shows as a table (:class:`kb.analysis.display.Findings`). Locally the findings
        are computed once per store generation, by its first reader, and kept with it;
        ``use_stored=False`` computes them now.

            >>> import tempfile
            >>> from pathlib import Path
            >>> kb = KnowledgeBase(Path(tempfile.mkdtemp()) / ".kb")
            >>> _ = kb.build()
            >>> found = kb.conflicts()
            >>> found[0].score == max(c.score for c in found)
            True
            >>> {c.kind for c in kb.conflicts(kind="direct")}
            {'direct'}
        """
        with self.endpoint() as endpoint:
            if actor is not None:
                actor = lookup(endpoint, "actor", actor)
            return Findings(find_conflicts(endpoint, kind=kind, actor=actor, min_independent=min_independent,
                                           use_stored=use_stored))

    def claim_groups(self, *, kind: str | None = None, actor: str | None = None,
                     min_independent: int = 0) -> ClaimGroups:
        """The findings of :meth:`conflicts` grouped per claim (:mod:`kb.analysis.grouping`): one
        :class:`~kb.analysis.grouping.ClaimGroup` per claim, with its findings strongest first, their
        count by kind, the documented events and why each matched; claims by their best finding.

            >>> import tempfile
            >>> from pathlib import Path
            >>> kb = KnowledgeBase(Path(tempfile.mkdtemp()) / ".kb")
            >>> _ = kb.build()
            >>> groups = kb.claim_groups()
            >>> sum(g.count for g in groups) == len(kb.conflicts()), groups[0].rank
            (True, 1)
        """
        return group_by_claim(self.conflicts(kind=kind, actor=actor, min_independent=min_independent))

    def similar_actors(self) -> list[SimilarPair]:
        """Candidate duplicate actors — name variants, shared aliases, one sameAs URL — with the
        files and references behind each pair (see :mod:`kb.analysis.duplicates`); nothing is
        merged: confirm a pair with ``same_as`` in your own YAML or ``--map`` at import.

            >>> import tempfile
            >>> from pathlib import Path
            >>> folder = Path(tempfile.mkdtemp())
            >>> _ = (folder / "a.yaml").write_text("actors:\\n"
            ...     "  - {id: gov, name: Government of Armenia, kind: government}\\n"
            ...     "  - {id: gov-2018, name: Government of Armenia (2018-), kind: government}\\n")
            >>> kb = KnowledgeBase(folder / ".kb")
            >>> _ = kb.build([folder / "a.yaml"])
            >>> [(p.a.id, p.b.id, p.reasons[0].split(":")[0]) for p in kb.similar_actors()]
            [('gov', 'gov-2018', 'name variant')]
        """
        with self.endpoint() as endpoint:
            return similar_actors(endpoint)

    def resolve(self, word: str, value: str) -> str:
        """The id of the stored ``word`` record (actor, place, source, event, claim) whose id, name
        or alias is ``value``; raises :class:`kb.model.names.NameNotFound` (with the nearest ids) or
        :class:`kb.model.names.AmbiguousName`."""
        with self.endpoint() as endpoint:
            return lookup(endpoint, word, value)

    def query(self, query: str, params: dict[str, str] | None = None, fmt: str = "json", *,
              default_graph: list[str] | None = None, named_graphs: list[str] | None = None) -> bytes:
        """Run a named query (see ``kb.sparql.query.library()``), a ``.rq`` file or SPARQL text.

        ``params`` bind the query's parameters safely (see :func:`kb.sparql.query.bind`); a name or
        alias given for an id is resolved to that id. ``fmt``: json, xml, csv, tsv (the SPARQL 1.1
        result formats) or table; CONSTRUCT and DESCRIBE give Turtle (``ttl``) or N-Triples
        (``nt``). ``default_graph`` and ``named_graphs`` name the dataset as the protocol's
        ``default-graph-uri`` and ``named-graph-uri`` do (docs/sparql.md): given, they override the
        query's ``FROM``/``FROM NAMED``. Raises :class:`~kb.errors.QueryError` with the line and
        column of a syntax error, or for a graph that is not an absolute IRI.

            >>> import json, tempfile
            >>> from pathlib import Path
            >>> kb = KnowledgeBase(Path(tempfile.mkdtemp()) / ".kb")
            >>> _ = kb.build()
            >>> result = json.loads(kb.query("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }"))
            >>> int(result["results"]["bindings"][0]["n"]["value"]) > 0
            True
            >>> kb.query("SELECT ?x WHERE { ?x }")
            Traceback (most recent call last):
            ...
            kb.errors.QueryError: <query>:1:...: syntax error: ...
        """
        from kb.sparql.query import load, run, serialize

        named = load(query)
        with self.endpoint() as endpoint:
            bound = resolve_params(endpoint, named.params, params or {})
            return serialize(run(named, bound, endpoint=endpoint, default_graph=default_graph,
                                 named_graphs=named_graphs), fmt)


    def rows(self, query: str, params: dict[str, str] | None = None) -> Rows:
        """The rows of a SELECT query (named, a ``.rq`` file or SPARQL text; ``params`` as for
        :meth:`query`), each cell as ``kb query`` prints it; ``.to_frame()`` makes them a pandas
        DataFrame.

            >>> import tempfile
            >>> from pathlib import Path
            >>> kb = KnowledgeBase(Path(tempfile.mkdtemp()) / ".kb")
            >>> _ = kb.build()
            >>> rows = kb.rows("denials-by-actor", {"actor": "Ilham Aliyev"})
            >>> rows.columns[:3], {r["actor"] for r in rows}
            (['actor', 'actor_name', 'claim'], {'ilham-aliyev'})
        """
        from kb.sparql.query import load, run, text_rows

        named = load(query)
        with self.endpoint() as endpoint:
            bound = resolve_params(endpoint, named.params, params or {})
            result = run(named, bound, endpoint=endpoint)
            if not isinstance(result, ox.QuerySolutions):
                raise UsageError(f"rows() is for SELECT queries; {query} is not one: use query()")
            return Rows(*text_rows(result))


class KnowledgeBase(_Questions):
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

    @staticmethod
    def remote(url: str, *, user: str | None = None, password: str | None = None,
               auth: str = "digest") -> RemoteKnowledgeBase:
        """The knowledge base pushed to an external SPARQL 1.1 server, whose query endpoint is
        ``url``: the same :meth:`conflicts`, :meth:`query` and :meth:`resolve`. The user and
        password come from the arguments, the URL, the environment or ``~/.netrc`` (see
        :func:`kb.sparql.endpoint.credentials`); ``auth`` is ``digest`` or ``basic``. Close it (or
        use it in a ``with`` block) when done."""
        return RemoteKnowledgeBase(url, user=user, password=password, auth=auth)

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

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

    @contextmanager
    def endpoint(self) -> Iterator[LocalEndpoint]:
        """A :class:`~kb.sparql.endpoint.LocalEndpoint` on a snapshot of the knowledge base (with
        the data derived from its generation at build time)."""
        self.require()
        with self.store.snapshot() as snap:
            yield LocalEndpoint(snap.db, snap)

    # -- building --------------------------------------------------------------------------

    def inputs(self, paths: Iterable[str | Path] | None, fmt: str | None = None
               ) -> tuple[list[InputFile], list[Problem]]:
        """Expand paths (files and folders) into input files; no paths means the bundled seed
        (see :mod:`kb.build.inputs`)."""
        return find_inputs(paths, fmt)

    def build(self, paths: Iterable[str | Path] | None = None, *, fresh: bool = False,
              dry_run: bool = False, fmt: str | None = None, wait: float = 0.0,
              delimiter: str | None = None, date_order: str | None = None,
              strict: bool = False, names_map: str | Path | None = None) -> BuildReport:
        """Load files into the knowledge base in one transaction (see :mod:`kb.build.pipeline`).

        Each file fills its own named graph; a file already loaded with the same content is left
        as it is, a changed one replaces only its graph. ``fresh`` starts from an empty knowledge
        base. Every problem (syntax, references, types, SHACL) is collected and raised together as
        :class:`~kb.errors.InputError`; then nothing is stored. ``dry_run`` checks without storing.
        ``fmt`` reads every file as that format; ``delimiter`` is the cell delimiter of CSV files
        (detected when not given); ``date_order`` (``dmy``/``mdy``) how ACLED-layout dates such as
        ``10/04/2020`` are read. ``names_map``: a YAML file of names -> actor ids that importers
        apply before making actors (see :mod:`kb.loaders.names_map`). A bad item of a third-party
        feed (ClaimReview, ACLED layout) is skipped and listed in ``report.warnings``; ``strict``
        refuses the whole file instead.

            >>> import tempfile
            >>> from pathlib import Path
            >>> folder = Path(tempfile.mkdtemp())
            >>> _ = (folder / "people.yaml").write_text(
            ...     "actors:\\n  - {id: alice, name: Alice, kind: person}\\n")
            >>> kb = KnowledgeBase(folder / ".kb")
            >>> [(f.path.rsplit("/", 1)[-1], f.status) for f in kb.build([folder / "people.yaml"]).files]
            [('people.yaml', 'loaded')]
            >>> kb.build([folder / "people.yaml"]).files[0].status      # same content: left as it is
            'unchanged'
            >>> _ = (folder / "bad.yaml").write_text("actors:\\n  - {id: bob, kind: person}\\n")
            >>> try:
            ...     kb.build([folder / "bad.yaml"])
            ... except InputError as exc:
            ...     [(p.file.rsplit("/", 1)[-1], p.field) for p in exc.problems]
            [('bad.yaml', 'name')]
        """
        return pipeline.build(self.store, paths, base=self.base, fresh=fresh, dry_run=dry_run, fmt=fmt,
                              wait=wait, delimiter=delimiter, date_order=date_order, strict=strict,
                              progress=self.progress, names_map=names_map)

    # -- reading ---------------------------------------------------------------------------

    def _files(self) -> list[dict[str, str | int]]:
        with self.store.reader() as db:
            return loaded_files(db)

    def files(self) -> list[dict[str, str | int]]:
        """The loaded files: graph IRI, path, SHA-256, format, triple count, load time."""
        self.require()
        return self._files()

    def stats(self) -> Stats:
        """Counts by class and stance, the loaded files, and the number of statements.

            >>> import tempfile
            >>> from pathlib import Path
            >>> kb = KnowledgeBase(Path(tempfile.mkdtemp()) / ".kb")
            >>> _ = kb.build()
            >>> s = kb.stats()
            >>> s.triples > 0, "Claim" in s.classes, sorted(s.stances)[:2]
            (True, True, ['asserts', 'denies'])
        """
        with self.endpoint() as endpoint:
            return summarise(endpoint, loaded_files(endpoint.snapshot.db))

    def validate(self, paths: Iterable[str | Path] | None = None) -> list[Problem]:
        """Problems with the stored knowledge base, or with ``paths`` checked against it.

        With paths, the files are checked exactly as a build would (syntax, references, SHACL
        on the result) and nothing is stored. Returns [] when everything is valid.

            >>> import tempfile
            >>> from pathlib import Path
            >>> folder = Path(tempfile.mkdtemp())
            >>> kb = KnowledgeBase(folder / ".kb")
            >>> _ = kb.build()
            >>> kb.validate()
            []
            >>> _ = (folder / "claim.yaml").write_text(
            ...     "claims:\\n  - {id: c1, by: nobody, stance: denies, about: nothing, text: No.}\\n")
            >>> sorted({p.field for p in kb.validate([folder / "claim.yaml"])})
            ['about', 'by']
        """
        if paths is not None:
            try:
                self.build(paths, dry_run=True)
            except InputError as exc:
                return exc.problems
            return []
        names = {f["graph"]: str(f["path"]) for f in self._files()}
        with self.snapshot() as db:
            return shacl_problems(db, None, lambda g: names.get(g, g)) + ids_in_two_files(db, names)

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
        """The knowledge base projected into NetworkX (records and typed edges; see
        :mod:`kb.analysis.projection`)."""
        with self.endpoint() as endpoint:
            return project(endpoint)

    def viz(self, out: str | Path, *, conflicts_only: bool = False, focus: str | None = None,
            depth: int = 2, actor: str | None = None, title: str = "Evidence graph",
            timeline_only: bool = False) -> Path:
        """Write the interactive, offline HTML page of the graph and its conflicts (``timeline_only``:
        the findings on their timeline, without the graph)."""
        from kb.exports.viz import subgraph, write_html

        with self.endpoint() as endpoint:
            g = project(endpoint)
            found = find_conflicts(endpoint)  # kept with the generation: those of ``g`` (tested)
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

    def export(self, fmt: str | None, out: str | Path) -> Path:
        """Write the knowledge base to ``out`` (atomically) in the format ``fmt`` (a name or alias,
        or None: from the file ending of ``out``), one of :data:`kb.exports.EXPORTS`.

        RDF: ``ttl``, ``trig``, ``nt``, ``nq``, ``jsonld``, ``rdfxml``. Other tools: ``graphml``,
        ``gexf``, ``claimreview`` (JSON-LD of the conflicts), ``csv-claims``, ``csv-events``,
        ``csv-conflicts``; the conflict reports ``conflicts-table``, ``conflicts-json``,
        ``conflicts-markdown``; ``html``, the interactive page.
        """
        from kb.exports import Inputs, export_format
        from kb.exports.files import replacing

        chosen = export_format(fmt, out)
        self.require()
        with replacing(out, self.path) as tmp, self.store.snapshot() as snap:  # path rules: kb.exports.files
            chosen.write(Inputs(snap.db, self.base, snap), tmp)
        return Path(out)


class RemoteKnowledgeBase(_Questions):
    """A knowledge base pushed to an external SPARQL 1.1 server (see :meth:`KnowledgeBase.remote`):
    the same :meth:`conflicts`, :meth:`query` and :meth:`resolve` as the local one, answered by
    the server through a :class:`~kb.sparql.endpoint.RemoteEndpoint`."""

    def __init__(self, url: str, *, user: str | None = None, password: str | None = None,
                 auth: str = "digest"):
        self._remote = RemoteEndpoint(url, user, password, auth=auth)
        self.url = self._remote.url  # without a user:password@ part

    @contextmanager
    def endpoint(self) -> Iterator[RemoteEndpoint]:
        """The :class:`~kb.sparql.endpoint.RemoteEndpoint` the questions go to."""
        yield self._remote

    def close(self) -> None:
        self._remote.close()

    def __enter__(self) -> RemoteKnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""From input files to checked quads: read each file with its loader, join records across files,
and compile the records to quads (one named graph per file), against what the store holds.

The store is only read here (the names and ids of records stored outside the graphs being
replaced); the pipeline (:mod:`kb.build.pipeline`) holds the writer lock meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pyoxigraph as ox

from kb.build.containment import stored_chains
from kb.build.stored_names import stored_names
from kb.build.tolerance import tolerate
from kb.build.versions import settle
from kb.errors import Problem
from kb.loaders import LOADERS, InputFile, Parsed, link
from kb.loaders.names_map import read_map
from kb.model.graphs import graph_display, knowledge_graphs
from kb.model.records import Compiled, Existing, Loc, compile_records
from kb.model.terms import DCTERMS, RDF
from kb.progress import track
from kb.store import Store

Where = Mapping[str, tuple[Loc, dict[str, Loc]]]


class Batch:
    """The files of one build, read and compiled: quads per file graph and the problems found.

    ``store`` is the knowledge base the batch joins (None: a fresh one, nothing stored counts).
    """

    def __init__(self, parsed: list[Parsed], base: str, store: Store | None):
        self.parsed = parsed
        self.replaced = {p.input.graph for p in parsed}
        self.precise = any(p.precise for p in parsed)
        self._base = base
        self._store = store
        self.compiled = tolerate(parsed, lambda: self._compile(parsed))  # bad feed items skipped
        if self.compiled.problems and self.precise:
            self.compiled = self.located()

    def _compile(self, files: list[Parsed]) -> Compiled:
        record_files = {p.input.graph: (p.input.display, p.records) for p in files if p.records}
        return compile_records(record_files, self._base, self._existing if self._store is not None else None)

    def _existing(self, ids: set[str]) -> dict[str, Existing]:
        if self._store is None:
            return {}
        with self._store.reader() as db:
            return existing_records(db, ids, self.replaced)

    def located(self) -> Compiled:
        """The same batch read again with exact locations (only to report problems)."""
        return self._compile([p.precise() if p.precise else p for p in self.parsed])

    def where(self) -> Where | Callable[[], Where]:
        """Where each subject of the batch was written (computed when needed, if the loaders read
        without locations)."""
        return (lambda: self.located().where) if self.precise else self.compiled.where

    @property
    def warnings(self) -> list[str]:
        """Items an importer skipped."""
        return [w for p in self.parsed for w in p.warnings]

    def quads(self, p: Parsed) -> list[ox.Quad]:
        """The quads of one file of the batch (those a loader streams into the store aside)."""
        return self.compiled.quads.get(p.input.graph, []) + p.quads

    @property
    def in_memory(self) -> int:
        """The number of statements of the batch already in memory."""
        return sum(len(self.compiled.quads.get(p.input.graph, ())) + len(p.quads) for p in self.parsed)

    @property
    def streamed(self) -> bool:
        """Whether a file is loaded straight into the store (an RDF file, counted once parsed)."""
        return any(p.load_into is not None for p in self.parsed)

    def staged(self) -> ox.Store:
        """The batch in the default graph of an in-memory store (RDF files parsed again, in Rust)."""
        mem = ox.Store()
        for p in self.parsed:
            mem.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in self.quads(p))
            if p.load_into is not None:
                p.load_into(mem, ox.DefaultGraph())
        return mem


def compile_batch(files: list[InputFile], base: str, store: Store | None, *,
                  progress: bool = False, names_map: str | Path | None = None) -> tuple[Batch, list[Problem]]:
    """Read ``files``, join their records, and compile them (see :class:`Batch`); return the batch
    and every problem found (syntax, references, types). ``names_map``: a name mapping file the
    importers apply before making actors (:mod:`kb.loaders.names_map`)."""
    mapping = None
    if names_map is not None:
        entries, map_problems = read_map(names_map)
        if map_problems:
            return Batch([], base, store), map_problems
        mapping = (str(names_map), entries)
    parsed = [LOADERS[f.format](f) for f in track(files, "Reading files", progress)]
    problems = [x for p in parsed for x in p.problems]
    replaced = {p.input.graph for p in parsed}
    problems.extend(link(parsed, lambda: {} if store is None else _stored_names(store, replaced), mapping))
    settle(parsed, store, base)  # the same review met again: skipped, or linked as a new version
    batch = Batch(parsed, base, store)
    return batch, problems + batch.compiled.problems


def _stored_names(store: Store, replaced: set[str]) -> dict[tuple[str, str], str]:
    """Names and aliases of stored actors and places (outside ``replaced``) -> their ids."""
    with store.reader() as db:
        return stored_names(db, replaced) | stored_chains(db, replaced)


def existing_records(db: ox.Store, ids: set[str], replaced: set[str]) -> dict[str, Existing]:
    """Records stored in ``db`` (outside the graphs being replaced) among ``ids``."""
    graphs = knowledge_graphs(db, replaced)
    if not graphs:
        return {}
    out: dict[str, Existing] = {}
    for rid in ids:
        found = _existing(db, rid, replaced)
        if found is not None:
            out[rid] = found
    return out


_IDENTIFIER = ox.NamedNode(str(DCTERMS.identifier))
_TYPE = ox.NamedNode(str(RDF.type))


def _existing(db: ox.Store, rid: str, replaced: set[str]) -> Existing | None:
    for q in db.quads_for_pattern(None, _IDENTIFIER, ox.Literal(rid), None):
        g = q.graph_name
        if isinstance(g, ox.NamedNode) and g.value not in replaced:
            classes = frozenset(t.object.value for t in db.quads_for_pattern(q.subject, _TYPE, None, g))
            return Existing(classes, graph_display(g.value))
    return None

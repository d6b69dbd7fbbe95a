"""The build: files in, one transaction on a :class:`~kb.store.Store`, provenance out.

1. :mod:`kb.build.inputs` expands the paths into input files;
2. under the store's writer lock, files whose content is already stored are left as they are;
   the others are read, joined and compiled (:mod:`kb.build.compile`) against the stored state,
   read under the same lock, so two builds started at once cannot both check against the same
   old state and both commit;
3. in one transaction (:meth:`kb.store.Store.write`) each file's graph is replaced, its
   provenance written (:mod:`kb.build.provenance`), and the shapes checked on the result
   (:mod:`kb.build.validate` chooses how). A dry run does all of this on the transaction's copy
   and throws it away;
4. the data derived from the new generation (:mod:`kb.build.derived`: place containment, and any
   derivation the caller adds) is computed on the finished copy and published with it; its cost
   is part of the build (``BuildReport.derived``).

Every problem is collected and raised together as :class:`~kb.errors.InputError`; then nothing is
stored.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox

from kb.build.compile import Batch, compile_batch
from kb.build.containment import CONTAINMENT
from kb.build.derived import Derivation, collector_paused, compute_all
from kb.build.inputs import find_inputs
from kb.build.name_keys import name_key_quads, name_key_quads_of
from kb.build.provenance import BuildRecord, forget, loaded_files
from kb.build.report import BuildReport, FileReport
from kb.build.tolerance import MAX_ROUNDS, skip_invalid
from kb.build.validate import Change, check_change, shacl_problems
from kb.errors import InputError
from kb.formats import canonical
from kb.loaders import LOADERS, InputFile
from kb.loaders.chunked import bulk_extend
from kb.model.graphs import graph_display
from kb.progress import track
from kb.store import Store

# What every build derives from its generation (callers may add their own: ``derivations=``).
DERIVATIONS: tuple[Derivation, ...] = (CONTAINMENT,)


def build(store: Store, paths: Iterable[str | Path] | None = None, *, base: str, fresh: bool = False,
          dry_run: bool = False, fmt: str | None = None, wait: float = 0.0, delimiter: str | None = None,
          date_order: str | None = None, strict: bool = False, progress: bool = False,
          names_map: str | Path | None = None, derivations: tuple[Derivation, ...] = ()) -> BuildReport:
    """Load files into ``store`` in one transaction (see :meth:`kb.KnowledgeBase.build`);
    ``derivations`` are computed with :data:`DERIVATIONS` and kept with the new generation."""
    started = time.perf_counter()
    if fmt:
        fmt = canonical(fmt, LOADERS, "import format")
    files, problems = find_inputs(paths, fmt)
    if problems:
        raise InputError(problems)
    if delimiter:
        files = [replace(f, delimiter=delimiter) for f in files]
    if date_order:
        files = [replace(f, date_order=date_order) for f in files]
    if strict:
        files = [replace(f, strict=True) for f in files]
    with store.lock(wait), collector_paused():
        transaction = Transaction(store, base, fresh=fresh, dry_run=dry_run, wait=wait, progress=progress,
                                  names_map=names_map, derivations=DERIVATIONS + derivations)
        report = transaction.run(files)
    report.seconds = time.perf_counter() - started
    return report


class Transaction:
    """One build of ``store``, run while holding its writer lock. ``fresh`` starts from an empty
    knowledge base; ``dry_run`` checks everything and stores nothing."""

    def __init__(self, store: Store, base: str, *, fresh: bool = False, dry_run: bool = False,
                 wait: float = 0.0, progress: bool = False, names_map: str | Path | None = None,
                 derivations: tuple[Derivation, ...] = DERIVATIONS):
        self.store, self.base, self.fresh, self.dry_run = store, base, fresh, dry_run
        self.wait, self.progress, self.names_map, self.derivations = wait, progress, names_map, derivations

    def run(self, files: list[InputFile]) -> BuildReport:
        """Build from ``files``; the report says what was loaded, and whether it was committed."""
        stored = {} if self.fresh else {f["graph"]: f for f in self._stored()}
        report, todo = self._plan(files, stored)
        if not todo:
            return report
        batch, problems = compile_batch(todo, self.base, None if self.fresh else self.store,
                                        progress=self.progress, names_map=self.names_map)
        report.warnings = batch.warnings
        if problems:
            raise InputError(problems)
        names = {f.graph: f.display for f in files} | {g: graph_display(g) for g in stored}
        kept = sum(int(f["triples"]) for g, f in stored.items() if g not in batch.replaced)
        dropped: dict[str, set[str]] = {}  # items of tolerant files skipped for the shapes' sake
        for _round in range(MAX_ROUNDS):
            try:
                self._commit(batch, report, names, kept)
                break
            except InputError as exc:
                if _round == MAX_ROUNDS - 1:
                    raise
                batch = self._without_invalid(batch, exc, dropped)
                report.warnings = batch.warnings
        report.committed = not self.dry_run
        return report

    def _commit(self, batch: Batch, report: BuildReport, names: dict[str, str], kept: int) -> None:
        report.records = batch.compiled.records
        work = lambda db: self._work(db, batch, report, names, kept)  # noqa: E731
        if self.dry_run:
            self.store.trial(work, wait=self.wait)
        else:
            self.store.write(work, wait=self.wait,
                             derive=lambda db, gen: compute_all(db, gen, self.derivations, report.derived))

    def _without_invalid(self, batch: Batch, exc: InputError, dropped: dict[str, set[str]]) -> Batch:
        """The batch again without the items of tolerant files that the shapes' problems lie in
        (:func:`kb.build.tolerance.skip_invalid`); ``exc`` raised again when there are none."""
        emptied = skip_invalid(batch.parsed, exc.problems, dropped)
        if emptied is None:
            raise exc
        again = Batch(batch.parsed, self.base, None if self.fresh else self.store)
        if emptied or again.compiled.problems:
            raise InputError(emptied + again.compiled.problems)
        return again

    def _stored(self) -> list[dict[str, str | int]]:
        with self.store.reader() as db:
            return loaded_files(db)

    def _plan(self, files: list[InputFile], stored: dict[str, dict[str, str | int]]
              ) -> tuple[BuildReport, list[InputFile]]:
        """The report's file list, and the files to load (those not stored with the same content)."""
        report = BuildReport()
        todo: list[InputFile] = []
        for f in files:
            sha = f.sha256()
            if not self.fresh and not self.dry_run and stored.get(f.graph, {}).get("sha256") == sha:
                report.files.append(FileReport(f.display, f.graph, f.format, sha, "unchanged",
                                               int(stored[f.graph]["triples"])))
            else:
                todo.append(f)
                report.files.append(FileReport(f.display, f.graph, f.format, sha, "loaded"))
        return report, todo

    def _work(self, db: ox.Store, batch: Batch, report: BuildReport, names: dict[str, str],
              kept: int) -> None:
        """The transaction: write the batch and what is derived from it, check the shapes on the
        result (the whole-store check runs while the derived statements are written)."""
        if self.fresh:
            db.clear()
        change = Change(batch.replaced, kept, batch.in_memory, batch.streamed, batch.staged)
        checked = check_change(db, change, lambda: self._write(db, batch),
                               alongside=lambda: self._derive(db, batch, report))
        found = shacl_problems(db, batch.where(), lambda g: names.get(g, g), checked=checked)
        if found:
            raise InputError(found)

    def _write(self, db: ox.Store, batch: Batch) -> set[ox.NamedNode | ox.BlankNode]:
        """Write the batch into ``db``, one named graph per file; return the subjects of the
        replaced contents."""
        removed: set[ox.NamedNode | ox.BlankNode] = set()
        for p in track(batch.parsed, "Writing graphs", self.progress):
            g = ox.NamedNode(p.input.graph)
            if db.contains_named_graph(g):
                removed.update(q.subject for q in db.quads_for_pattern(None, None, None, g))
                db.remove_graph(g)
            forget(db, g)
            bulk_extend(db, batch.quads(p))
            if p.load_into is not None:
                p.load_into(db, g)
            db.add_graph(g)
        return removed

    def _derive(self, db: ox.Store, batch: Batch, report: BuildReport) -> None:
        """What the build adds to what it wrote: each file's name keys (:mod:`kb.build.name_keys`)
        and the provenance of the files and of the build."""
        record = BuildRecord()
        counts = _graph_sizes(db, batch.replaced)  # what the files hold, before the derived name keys
        for p in batch.parsed:
            g = ox.NamedNode(p.input.graph)
            in_memory = p.load_into is None  # then the keys come from the quads, not a query of the store
            bulk_extend(db, name_key_quads_of(batch.compiled.names.get(g.value, ()), p.quads, g)
                        if in_memory else name_key_quads(db, g))
        for p in batch.parsed:
            fr = next(r for r in report.files if r.graph == p.input.graph)
            fr.triples = counts.get(p.input.graph, 0)
            db.bulk_extend(record.file(fr))
        db.bulk_extend(record.finished())
        report.triples = sum(counts.values())


def _graph_sizes(db: ox.Store, graphs: set[str]) -> dict[str, int]:
    out = {}
    for g in graphs:
        res = db.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
        out[g] = int(next(iter(res))["n"].value)
    return out

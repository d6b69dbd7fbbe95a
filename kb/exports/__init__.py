"""Writers: every format the knowledge base can be written out in, in one registry.

:data:`EXPORTS` maps a format's name to its :class:`Export`: the file endings that select it when no
format is given, and the writer. RDF formats (:mod:`kb.exports.rdf`), graph files for Gephi and
Cytoscape and spreadsheet tables (:mod:`kb.exports.tables`), the conflicts as ClaimReview or as a
text report (:mod:`kb.exports.reports`), and the interactive page (:mod:`kb.exports.viz`). A
format's other names come from the one alias table, :data:`kb.formats.NAMES`.
:meth:`kb.KnowledgeBase.export` and ``kb export`` write any of them; ``kb conflicts --format``
prints the reports (:func:`reports`). Files are written safely by :mod:`kb.exports.files`.

    >>> EXPORTS["rdfxml"].suffixes
    ('.rdf', '.owl')
    >>> export_format(None, "graph.owl").name
    'rdfxml'
    >>> export_format("Turtle", "x").name
    'ttl'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.exports import reports as _reports
from kb.formats import canonical, for_suffix, known, names_of

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

    from kb.analysis.conflicts import Conflict
    from kb.store import Snapshot


class Inputs:
    """What a writer may need from one snapshot of the store; the projection and the conflicts are
    worked out once, when a writer first asks for them."""

    def __init__(self, db: ox.Store, base: str | None = None, snapshot: Snapshot | None = None):
        self.db, self.base, self.snapshot = db, base, snapshot

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        from kb.analysis.projection import project
        from kb.sparql.endpoint import LocalEndpoint

        return project(LocalEndpoint(self.db))

    @cached_property
    def conflicts(self) -> list[Conflict]:
        from kb.analysis.conflicts import find_conflicts
        from kb.sparql.endpoint import LocalEndpoint

        if self.snapshot is not None:  # the findings kept with the generation (the same: tested)
            return find_conflicts(LocalEndpoint(self.db, self.snapshot))
        return find_conflicts(LocalEndpoint(self.db), graph=self.graph)


Writer = Callable[[Inputs, Path], None]


@dataclass(frozen=True)
class Export:
    """One export format: its name, what it is, the file endings that select it, and its writer.

    ``report`` is the name ``kb conflicts --format`` knows it by, and ``text`` the function that
    turns the conflicts into its text, for the formats that are conflict reports; ``chunks``, when
    given, makes the same text piece by piece (written as it comes)."""

    name: str
    kind: str  # "rdf", "graph", "table", "report" or "page"
    suffixes: tuple[str, ...]
    write: Writer
    report: str | None = None
    text: Callable[[Sequence[Conflict]], str] | None = None
    chunks: Callable[[Sequence[Conflict]], Iterable[str]] | None = None

    @property
    def aliases(self) -> tuple[str, ...]:
        """The format's other names (:data:`kb.formats.NAMES`)."""
        return tuple(n for n in names_of(self.name) if n != self.name)


def _rdf(name: str) -> Writer:
    def write(src: Inputs, out: Path) -> None:
        from kb.exports.rdf import write_rdf

        write_rdf(src.db, name, out, src.base)

    return write


def _graph(kind: str) -> Writer:
    def write(src: Inputs, out: Path) -> None:
        import networkx as nx

        from kb.exports.tables import flat_graph

        writer = nx.write_graphml if kind == "graphml" else nx.write_gexf
        writer(flat_graph(src.graph, src.conflicts), out)

    return write


def _table(name: str) -> Writer:
    def write(src: Inputs, out: Path) -> None:
        from kb.exports import tables

        table = tables.claims_csv if name == "claims" else tables.events_csv
        out.write_text(table(src.graph), encoding="utf-8")

    return write


def _claimreview(src: Inputs, out: Path) -> None:
    from kb.exports.tables import claimreview

    out.write_text(json.dumps(claimreview(src.conflicts), indent=1, ensure_ascii=False), encoding="utf-8")


def _text(text: Callable[[Sequence[Conflict]], str],
          chunks: Callable[[Sequence[Conflict]], Iterable[str]] | None) -> Writer:
    def write(src: Inputs, out: Path) -> None:
        if chunks is None:
            out.write_text(text(src.conflicts), encoding="utf-8")
            return
        with open(out, "w", encoding="utf-8") as f:
            f.writelines(chunks(src.conflicts))

    return write


def _page(src: Inputs, out: Path) -> None:
    from kb.exports.viz import render_html

    out.write_text(render_html(src.graph, src.conflicts), encoding="utf-8")


def _report(name: str, report: str, suffixes: tuple[str, ...], text: Callable[[Sequence[Conflict]], str],
            chunks: Callable[[Sequence[Conflict]], Iterable[str]] | None = None) -> Export:
    return Export(name, "report", suffixes, _text(text, chunks), report=report, text=text, chunks=chunks)


EXPORTS: dict[str, Export] = {e.name: e for e in [
    # RDF: trig and nq write every named graph, the others the union of the file graphs
    Export("ttl", "rdf", (".ttl",), _rdf("ttl")),
    Export("trig", "rdf", (".trig",), _rdf("trig")),
    Export("nt", "rdf", (".nt",), _rdf("nt")),
    Export("nq", "rdf", (".nq",), _rdf("nq")),
    Export("jsonld", "rdf", (".jsonld",), _rdf("jsonld")),
    Export("rdfxml", "rdf", (".rdf", ".owl"), _rdf("rdfxml")),
    # the graph with conflict flags, for Gephi and Cytoscape
    Export("graphml", "graph", (".graphml",), _graph("graphml")),
    Export("gexf", "graph", (".gexf",), _graph("gexf")),
    # the conflicts as schema.org ClaimReview JSON-LD, for fact-checkers to publish
    Export("claimreview", "report", (), _claimreview),
    # spreadsheet tables (formula-safe)
    Export("csv-claims", "table", (), _table("claims")),
    Export("csv-events", "table", (), _table("events")),
    _report("csv-conflicts", "csv", (), _reports.conflicts_csv),
    # the conflicts as text: the terminal table, JSON with a stable schema, a citable report
    _report("conflicts-table", "table", (), _reports.conflicts_table),
    _report("conflicts-json", "json", (), _reports.conflicts_json, _reports.conflicts_json_chunks),
    _report("conflicts-markdown", "markdown", (".md",), _reports.conflicts_markdown),
    # the interactive page of the whole graph (kb viz draws parts of it)
    Export("html", "page", (".html", ".htm"), _page),
]}


def reports() -> dict[str, Callable[[Sequence[Conflict]], str]]:
    """The conflict reports by the name ``kb conflicts --format`` knows them by."""
    return {e.report: e.text for e in EXPORTS.values() if e.report and e.text}


def report_chunks() -> dict[str, Callable[[Sequence[Conflict]], Iterable[str]]]:
    """The conflict reports by name, each as a function giving its text in pieces to write as they
    come (the whole text in one piece for the reports that are not made piece by piece)."""
    return {e.report: e.chunks or (lambda found, text=e.text: (text(found),))
            for e in EXPORTS.values() if e.report and e.text}


def report_text(found: Sequence[Conflict], fmt: str, *, by_claim: bool = False, flat: bool = False,
                wide: bool = False, width: int | None = None) -> Iterator[str]:
    """The conflicts report ``fmt`` (``kb conflicts --format``: table, json, csv, markdown) of
    ``found``, in pieces to write as they come, ending with a newline. ``by_claim`` puts each
    claim's findings together (the table always does); ``flat``, ``wide`` and ``width`` shape the
    table (:func:`kb.exports.reports.conflicts_table`)."""
    if fmt == "table":
        yield _reports.conflicts_table(found, width=width, wide=wide, flat=flat) + "\n"
        return
    yield from report_chunks()[fmt](_reports.grouped_by_claim(found) if by_claim else found)
    yield "\n"


def write_report(found: Sequence[Conflict], fmt: str, out: str | Path, *, store: str | Path | None = None,
                 **shape: Any) -> Path:
    """Write :func:`report_text` to ``out``, safely (:func:`kb.exports.files.replacing`: the old
    file stays whole until the new one is complete; never into the store folder ``store``)."""
    from kb.exports.files import replacing

    with replacing(out, store) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        for chunk in report_text(found, fmt, **shape):
            fh.write(chunk)
    return Path(out)


def known_exports() -> str:
    """Every export format with its other names, for a help text."""
    return known(EXPORTS)


def export_format(fmt: str | None, out: str | Path) -> Export:
    """The export that ``fmt`` (a name or alias) stands for, or, when it is None, the one the file
    ending of ``out`` selects; :class:`kb.errors.UsageError` if there is none."""
    if fmt is None:
        fmt = for_suffix(out, {e.name: e.suffixes for e in EXPORTS.values()})
    return EXPORTS[canonical(fmt, EXPORTS, "export format")]


__all__ = ["EXPORTS", "Export", "Inputs", "export_format", "known_exports", "report_chunks", "report_text",
           "reports", "write_report"]

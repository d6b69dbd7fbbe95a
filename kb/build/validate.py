"""SHACL validation of the knowledge base: ``ontology/shapes.ttl`` checked by pyshacl-turbo.

pyshacl-turbo is a Rust SHACL engine with pySHACL's API and report vocabulary. It validates a
pyoxigraph ``Store`` directly, so the knowledge goes from the on-disk store into an in-memory one
(with the ontology, for subclasses and concept schemes) without an rdflib copy: at 100 000 triples
that is ~5x faster than pySHACL over rdflib, which spent most of its time parsing the data into
Python objects (see the README's performance section).

A build validates what it touches: the subjects of the graphs it writes or replaces, and the
records that point at them (two links back, as far as a shape can look), with the data those
shapes read; the whole knowledge base only when the build writes all of it.

Each violation is reported as a located :class:`~kb.errors.Problem`: the focus node is traced back
to the file, line and field it was written in (for records of the current batch), or to the file
graph it was loaded from.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
import pyshacl_turbo
import rdflib

from kb.build.provenance import shipped_query
from kb.errors import Problem
from kb.loaders.rdf import quiet_ill_typed_literals
from kb.model.authoring import all_records
from kb.model.graphs import PROVENANCE_GRAPH, graph_display, is_provenance, knowledge, knowledge_graphs
from kb.model.records import Loc
from kb.model.terms import DCTERMS, RDF, SH, SKOS, ontology, shapes

_NT = ox.RdfFormat.N_TRIPLES
_TYPE = ox.NamedNode(str(RDF.type))
_IN_SCHEME = ox.NamedNode(str(SKOS.inScheme))


@cache
def _compiled_shapes() -> pyshacl_turbo.CompiledShapes:
    return pyshacl_turbo.compile_shapes(shapes())


@cache
def _ontology_nt() -> bytes:
    return ontology().serialize(format="nt", encoding="utf-8")


def _described(db: ox.Store, nodes: Collection[ox.NamedNode | ox.BlankNode],
               only: tuple[ox.NamedNode, ...] | None = None) -> Iterator[ox.Triple]:
    """The statements about ``nodes`` in the file graphs (only the ``only`` predicates if given)."""
    for node in nodes:
        for p in only or (None,):
            for q in db.quads_for_pattern(node, p, None, None):
                if not is_provenance(q.graph_name):
                    yield q.triple


def _referrers(db: ox.Store, nodes: set[ox.NamedNode | ox.BlankNode]) -> set[ox.NamedNode | ox.BlankNode]:
    out = set()
    for node in nodes:
        for q in db.quads_for_pattern(None, None, node, None):
            if not is_provenance(q.graph_name):
                out.add(q.subject)
    return out


def focus_of(db: ox.Store, graphs: Collection[str], removed: Collection[ox.NamedNode | ox.BlankNode] = ()
             ) -> set[ox.NamedNode | ox.BlankNode]:
    """What a change to ``graphs`` can make valid or invalid: their subjects (and ``removed``, the
    subjects their previous contents described), and the records pointing at those, two links back
    (a shape reads a record's values, their classes, and a documentation node's source class)."""
    touched: set[ox.NamedNode | ox.BlankNode] = set(removed)
    for g in graphs:
        for q in db.quads_for_pattern(None, None, None, ox.NamedNode(g)):
            touched.add(q.subject)
    one = _referrers(db, touched)
    return touched | one | _referrers(db, one - touched)


def _closure(db: ox.Store, focus: set[ox.NamedNode | ox.BlankNode]) -> Iterator[ox.Triple]:
    """The data the shapes read for ``focus``: the focus nodes' statements, those of the nodes they
    point at (documentation nodes are validated through their event), and the classes and concept
    schemes one link further."""
    yield from _described(db, focus)
    hop1 = {t.object for t in _described(db, focus) if not isinstance(t.object, ox.Literal)} - focus
    yield from _described(db, hop1)
    hop2 = {t.object for t in _described(db, hop1) if not isinstance(t.object, ox.Literal)}
    yield from _described(db, hop2 - focus - hop1, only=(_TYPE, _IN_SCHEME))


def data_store(db: ox.Store | None, focus: set[ox.NamedNode | ox.BlankNode] | None = None,
               staged: ox.Store | None = None) -> ox.Store:
    """An in-memory store with the knowledge to validate (all of it, or what ``focus`` needs) and
    the ontology (subclasses for sh:class, schemes of concepts). ``staged`` is all the knowledge
    already in memory (in its default graph): it is used instead of reading ``db``."""
    mem = ox.Store() if staged is None else staged
    if staged is None and db is None:
        raise ValueError("data_store needs a store or the staged knowledge")
    if staged is None and focus is None:
        mem.bulk_load(ox.serialize(knowledge(db), format=_NT), format=_NT)
    elif staged is None:
        mem.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in _closure(db, focus))
    mem.bulk_load(_ontology_nt(), format=_NT)
    return mem


def _field_name(path: str | None, types: set[str]) -> str | None:
    """The authoring field a property is written as, for a record of the given classes."""
    if path is None:
        return None
    specs = sorted(all_records(), key=lambda spec: spec.cls not in types)  # the focus's own kind first
    for spec in specs:
        f = spec.field_for_property(path)
        if f is not None:
            return f.name
    return path.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ShapeCheck:
    """The shapes checked over ``data`` (the in-memory store they read): pySHACL's report."""

    data: ox.Store
    conforms: bool
    results: rdflib.Graph


def check_shapes(db: ox.Store | None, focus: set[ox.NamedNode | ox.BlankNode] | None = None,
                 staged: ox.Store | None = None) -> ShapeCheck:
    """Check the shapes on the knowledge base (all of it, or what ``focus`` needs; see
    :func:`data_store`). Runs in Rust without the GIL, so a build may run it in a thread."""
    if focus is not None and not focus:
        return ShapeCheck(ox.Store(), True, rdflib.Graph())
    data = data_store(db, focus, staged)
    nodes = None if focus is None else [_rdflib_node(n) for n in focus if isinstance(n, ox.NamedNode)]
    with quiet_ill_typed_literals():
        conforms, results, _text = _compiled_shapes().validate(
            data, abort_on_first=False, allow_warnings=True, focus_nodes=nodes)
    return ShapeCheck(data, conforms, results)


@dataclass(frozen=True)
class Change:
    """What a build changes, as far as the choice of SHACL strategy goes."""

    graphs: set[str]  # the file graphs the build writes or replaces
    kept: int  # statements in the file graphs the build keeps
    in_memory: int  # statements of the batch already in memory
    streamed: bool  # whether a file is loaded straight into the store (counted once parsed)
    stage: Callable[[], ox.Store]  # the batch in the default graph of an in-memory store


def check_change(db: ox.Store, change: Change,
                 write: Callable[[], Collection[ox.NamedNode | ox.BlankNode]]) -> ShapeCheck:
    """Write a change into ``db`` (``write`` returns the subjects the replaced contents
    described) and check the shapes on the result, choosing how:

    SHACL checks what the change touches (:func:`focus_of`), or everything when the change writes
    most of the data; then it checks the batch from memory (decoding stored terms back costs
    more), in a thread while the batch is written to disk (pyshacl-turbo releases the GIL). The
    batch is staged only when it can be most of the data."""
    staged = change.stage() if change.streamed or change.kept <= change.in_memory else None
    whole = staged is not None and change.kept <= len(staged)
    if whole:
        add_kept(staged, db, change.graphs)
    with ThreadPoolExecutor(1, thread_name_prefix="kb-shacl") as pool:
        checking = pool.submit(check_shapes, None, None, staged) if whole else None
        del staged
        removed = write()
        focus = None if whole else focus_of(db, change.graphs, removed)
        return checking.result() if checking else check_shapes(db, focus)


def add_kept(mem: ox.Store, db: ox.Store, replaced: Collection[str]) -> None:
    """Add the file graphs of ``db`` that a build keeps (so ``mem`` is the knowledge base as the
    build leaves it)."""
    for g in knowledge_graphs(db, replaced):
        mem.bulk_load(db.dump(format=_NT, from_graph=g), format=_NT)


def shacl_problems(
    db: ox.Store,
    where: Mapping[str, tuple[Loc, dict[str, Loc]]]
    | Callable[[], Mapping[str, tuple[Loc, dict[str, Loc]]]] | None = None,
    graph_name: Callable[[str], str] | None = None,
    focus: set[ox.NamedNode | ox.BlankNode] | None = None,
    staged: ox.Store | None = None,
    checked: ShapeCheck | None = None,
) -> list[Problem]:
    """Validate the store against the shapes; return one located problem per violation.

    ``where`` maps subjects of the current batch to where they were written (or is a function
    computing that map, called only if there is a violation to locate). ``focus`` limits the check
    to those nodes (see :func:`focus_of`); None checks everything. ``staged``: the whole knowledge
    base already in memory (see :func:`data_store`), for a build that wrote most of it. ``checked``:
    the shapes already checked (by :func:`check_shapes`); the cycle checks still run on ``db``.
    """
    if checked is None:
        if focus is not None and not focus:
            return []
        checked = check_shapes(db, focus, staged)
    cycles = _cycles(db)
    if checked.conforms and not cycles:
        return []
    located = _Locator(db, (where() if callable(where) else where) or {}, graph_name)  # only when needed
    problems = [located.problem(node, field, message) for node, field, message in cycles]
    for result in checked.results.subjects(rdflib.RDF.type, SH.ValidationResult):
        node, field, message = _violation(checked, result)
        problems.append(located.problem(node, field, message))
    return problems


def _violation(checked: ShapeCheck, result: rdflib.term.Node) -> tuple[str, str | None, str]:
    """The focus node, authoring field and message of one SHACL validation result."""
    results = checked.results
    focus = str(results.value(result, SH.focusNode))
    path = results.value(result, SH.resultPath)
    prop = str(path) if isinstance(path, rdflib.URIRef) else None
    types = {q.object.value for q in checked.data.quads_for_pattern(_ox_node(focus), _TYPE, None, None)}
    message = str(results.value(result, SH.resultMessage) or "violates a shape")
    value = results.value(result, SH.value)
    if value is not None and not isinstance(value, rdflib.BNode):
        message += f" (value: {str(value)[:80]})"
    return focus, _field_name(prop, types), message


@dataclass(frozen=True)
class _Locator:
    """Where a problem with a node was written: its record's file, line and field (a record of the
    current batch), or else the file graph it was loaded from."""

    db: ox.Store
    where: Mapping[str, tuple[Loc, dict[str, Loc]]]
    graph_name: Callable[[str], str] | None

    def problem(self, focus: str, field: str | None, message: str) -> Problem:
        if focus in self.where:
            rec_loc, field_locs = self.where[focus]
            return field_locs.get(field or "", rec_loc).problem(field, message)
        return Problem(_graph_of(self.db, focus, self.graph_name), None, None, field, f"<{focus}>: {message}")


def ids_in_two_files(db: ox.Store, names: Mapping[str, str]) -> list[Problem]:
    """An id that two file graphs both define (a build refuses that; two builds that raced could
    once both commit it). ``names``: file graph -> the path shown."""
    q = (f"SELECT ?id (GROUP_CONCAT(DISTINCT STR(?g); separator=' ') AS ?gs) WHERE {{ GRAPH ?g {{ "
         f"?s <{DCTERMS.identifier}> ?id }} FILTER(?g != <{PROVENANCE_GRAPH}>) }} GROUP BY ?id "
         "HAVING (COUNT(DISTINCT ?g) > 1)")
    out = []
    for r in db.query(q):
        files = sorted(names.get(g, graph_display(g)) for g in r["gs"].value.split(" "))
        out.append(Problem(files[0], None, None, "id", f"duplicate id {r['id'].value!r}: also defined "
                           f"in {', '.join(files[1:])}"))
    return out


CYCLE_CHECKS = {  # query file -> (field, message)
    "check-part-of-cycles": ("part_of", "part_of forms a cycle: an event cannot be part of itself"),
    "check-derived-from-cycles": ("derived_from", "derived_from forms a cycle: a source cannot be "
                                                  "derived from itself"),
}


def _cycles(db: ox.Store) -> list[tuple[str, str, str]]:
    """(subject, field, message) for every cycle the check queries find, in one pass each."""
    out = []
    for name, (field, message) in CYCLE_CHECKS.items():
        for row in db.query(shipped_query(name), use_default_graph_as_union=True):
            out.append((row["this"].value, field, message))
    return out


def _rdflib_node(node: ox.NamedNode) -> rdflib.URIRef:
    return rdflib.URIRef(node.value)


def _ox_node(value: str) -> ox.NamedNode | ox.BlankNode:
    try:
        return ox.NamedNode(value)
    except ValueError:
        return ox.BlankNode(value)


def _graph_of(db: ox.Store, subject: str, graph_name: Callable[[str], str] | None) -> str:
    try:
        node = ox.NamedNode(subject)
    except ValueError:
        return "(knowledge base)"
    for quad in db.quads_for_pattern(node, None, None, None):
        g = quad.graph_name
        if isinstance(g, ox.NamedNode) and not is_provenance(g):
            return graph_name(g.value) if graph_name else g.value
    return "(knowledge base)"

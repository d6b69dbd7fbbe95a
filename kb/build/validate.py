"""SHACL validation of the knowledge base: ``ontology/shapes.ttl``, checked two ways.

The whole knowledge base (``kb validate``, and a build that writes most of it) is checked by the
shapes compiled to SPARQL (:mod:`kb.build.shape_queries`) and run by Oxigraph on the store itself:
nothing is copied into memory, so memory does not grow with the data (at 1 000 000 statements
~190 MB and a few times faster than pyshacl-turbo over an in-memory copy; scripts/bench_shacl.py
measures pyshacl-turbo, pyrudof and the compiled queries side by side). A build that changes a
small part validates what it touches: the subjects of the graphs it writes or replaces, and the
records that point at them (two links back, as far as a shape can look), copied with the data those
shapes read into a small in-memory store checked by pyshacl-turbo (a Rust engine with pySHACL's
API and report vocabulary). Both report what pySHACL reports (tests/test_validate.py).

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

from kb.build import shape_queries
from kb.build.name_keys import NAME_KEY
from kb.build.provenance import shipped_query
from kb.build.shape_queries import Violation
from kb.errors import InputError, Problem
from kb.loaders.rdf import quiet_ill_typed_literals
from kb.model.authoring import all_records
from kb.model.graphs import PROVENANCE_GRAPH, graph_display, is_provenance, knowledge, knowledge_graphs
from kb.model.records import Loc
from kb.model.terms import DCTERMS, RDF, RDFS, SH, SKOS, ontology, shapes

_NT = ox.RdfFormat.N_TRIPLES
_TYPE = ox.NamedNode(str(RDF.type))
_IN_SCHEME = ox.NamedNode(str(SKOS.inScheme))


@cache
def _compiled_shapes() -> pyshacl_turbo.CompiledShapes:
    return pyshacl_turbo.compile_shapes(shapes())


@cache
def _shape_queries(extra_subclasses: tuple[tuple[str, str], ...] = ()) -> tuple[shape_queries.Check, ...]:
    return shape_queries.compile_shapes(shapes(), ontology(), extra_subclasses)


def _subclasses(db: ox.Store, graphs: list[ox.NamedNode] | None) -> tuple[tuple[str, str], ...]:
    """rdfs:subClassOf statements in the data itself (a SHACL engine reads them beside the ontology's)."""
    q = f"SELECT ?s ?o WHERE {{ ?s <{RDFS.subClassOf}> ?o FILTER(isIRI(?s) && isIRI(?o)) }}"
    rows = db.query(q) if graphs is None else db.query(q, default_graph=list(graphs))
    return tuple(sorted((r["s"].value, r["o"].value) for r in rows))


def _file_graphs(db: ox.Store) -> list[ox.NamedNode]:
    return sorted((g for g in db.named_graphs() if isinstance(g, ox.NamedNode) and not is_provenance(g)),
                  key=lambda g: g.value)


def store_violations(db: ox.Store, in_default_graph: bool = False) -> list[Violation]:
    """Every violation of the shapes in the file graphs of ``db`` (or in its default graph), found
    by the shapes compiled to SPARQL, run on ``db`` itself (streamed: nothing is copied)."""
    graphs = None if in_default_graph else _file_graphs(db)
    if graphs is not None and not graphs:
        return []
    return shape_queries.violations(db, _shape_queries(_subclasses(db, graphs)), graphs)


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
    """The shapes checked over ``data`` (the store they read): the violations found."""

    data: ox.Store
    violations: tuple[Violation, ...]

    @property
    def conforms(self) -> bool:
        return not self.violations


def check_shapes(db: ox.Store | None, focus: set[ox.NamedNode | ox.BlankNode] | None = None,
                 staged: ox.Store | None = None) -> ShapeCheck:
    """Check the shapes on the knowledge base: all of it by the compiled SPARQL on ``db`` (or on
    ``staged``, the knowledge in the default graph of an in-memory store), or what ``focus``
    needs with pyshacl-turbo (see :func:`data_store`)."""
    if focus is not None and not focus:
        return ShapeCheck(ox.Store(), ())
    if focus is None:
        data = staged if staged is not None else db
        if data is None:
            raise ValueError("check_shapes needs a store or the staged knowledge")
        return ShapeCheck(data, tuple(store_violations(data, in_default_graph=staged is not None)))
    data = data_store(db, focus)
    nodes = [_rdflib_node(n) for n in focus if isinstance(n, ox.NamedNode)]
    with quiet_ill_typed_literals():
        _conforms, results, _text = _compiled_shapes().validate(
            data, abort_on_first=False, allow_warnings=True, focus_nodes=nodes)
    return ShapeCheck(data, tuple(_report_violations(results)))


def _report_violations(results: rdflib.Graph) -> Iterator[Violation]:
    """The results of a SHACL validation report."""
    for r in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        path = results.value(r, SH.resultPath)
        value = results.value(r, SH.value)
        yield Violation(_ox_node(str(results.value(r, SH.focusNode))),
                        str(path) if isinstance(path, rdflib.URIRef) else None,
                        str(results.value(r, SH.resultMessage) or "violates a shape"),
                        None if value is None else _ox_term(value))


def _ox_term(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    return _ox_node(str(term))


#: What a build adds to the file graphs beside the files' own statements (derived, never read by a
#: shape): the shapes can be checked while they are written (:func:`check_change`).
DERIVED_PREDICATES = (NAME_KEY,)


@dataclass(frozen=True)
class Change:
    """What a build changes, as far as the choice of SHACL strategy goes."""

    graphs: set[str]  # the file graphs the build writes or replaces
    kept: int  # statements in the file graphs the build keeps
    in_memory: int  # statements of the batch already in memory
    streamed: bool  # whether a file is loaded straight into the store (counted once parsed)
    stage: Callable[[], ox.Store]  # the batch in the default graph of an in-memory store


def check_change(db: ox.Store, change: Change,
                 write: Callable[[], Collection[ox.NamedNode | ox.BlankNode]],
                 alongside: Callable[[], None] = lambda: None) -> ShapeCheck:
    """Write a change into ``db`` (``write`` returns the subjects the replaced contents
    described), then ``alongside`` (what the build derives from it: name keys, provenance), and
    check the shapes on the result, choosing how:

    when the change writes most of the data (or streams a file straight into the store), the
    compiled SPARQL checks the whole result on ``db`` itself (nothing staged in memory), in a
    second thread while ``alongside`` runs (Oxigraph evaluates a query without holding Python's
    lock, so the two use both cores). That is sound because what ``alongside`` writes is outside
    every shape: the statements it adds have predicates no shape reads (:data:`DERIVED_PREDICATES`,
    tested) or lie in the provenance graph, which the shapes do not check. Otherwise pyshacl-turbo
    checks what the change touches (:func:`focus_of`), after ``alongside``."""
    refused: list[Problem] | None = None
    try:
        removed = write()
    except InputError as exc:  # a file refused while streamed into ``db`` (a parse error)
        refused = exc.problems
    if refused is not None:
        # raised afresh, outside the handler: the loader's exception and its frames (which refer
        # to ``db`` through the caller's closure) are not kept by a caller that keeps this one
        raise InputError(refused)
    if change.streamed or change.kept <= change.in_memory:
        with ThreadPoolExecutor(1, thread_name_prefix="kb-shapes") as pool:
            whole = pool.submit(check_shapes, db)
            try:
                alongside()
            except BaseException:
                whole.cancel()
                raise  # leaving the pool waits for a check already running
            return whole.result()
    alongside()
    return check_shapes(db, focus_of(db, change.graphs, removed))


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
    for violation in checked.violations:
        node, field, message = _violation(checked, violation)
        problems.append(located.problem(node, field, message))
    return problems


def _violation(checked: ShapeCheck, v: Violation) -> tuple[str, str | None, str]:
    """The focus node, authoring field and message of one SHACL validation result."""
    types = {q.object.value for q in checked.data.quads_for_pattern(v.focus, _TYPE, None, None)}
    message = v.message
    if v.value is not None and not isinstance(v.value, ox.BlankNode):
        message += f" (value: {v.value.value[:80]})"
    return v.focus.value, _field_name(v.path, types), message


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
    if len(_file_graphs(db)) < 2:  # one file graph: no id can be in two (and no scan of every id)
        return []
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

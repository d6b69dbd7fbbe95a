"""Authoring records (from YAML or CSV) and their conversion to RDF quads.

Loaders only read syntax into :class:`Record` objects with locations. Everything about meaning is
checked here, once, for every format: required fields, ids, dates, codes, URLs, references to
records in the same batch or already in the store, self references and ``part_of`` cycles. All
problems are collected and returned together; quads are produced only for a clean batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx
from pyoxigraph import Literal, NamedNode, Quad

from kb.errors import Problem
from kb.model import kinds
from kb.model.authoring import Field, RecordSpec, nested_records, shortcut
from kb.model.kinds import ID_RE, Invalid, Subject
from kb.model.kinds import vocabulary_node as _node
from kb.model.terms import DCTERMS, EV, RDF, RDFS, SKOS

_TYPE = NamedNode(str(RDF.type))
_IDENTIFIER = NamedNode(str(DCTERMS.identifier))
_PART_OF = str(EV.partOf)
_NAMES = frozenset((str(RDFS.label), str(SKOS.altLabel)))  # what a record's name keys are made from
_NAMED_FIELDS: dict[int, frozenset[str]] = {}  # id(spec) -> its fields written as names


def _named_fields(spec: RecordSpec) -> frozenset[str]:
    found = _NAMED_FIELDS.get(id(spec))
    if found is None:
        found = _NAMED_FIELDS[id(spec)] = frozenset(f.name for f in spec.fields if _NAMES & set(f.properties))
    return found


@dataclass(frozen=True)
class Loc:
    """Where something was written: file, and 1-based line and column (CSV: row and column)."""

    file: str
    line: int | None = None
    column: int | None = None
    name: str | None = None  # the column or key as the source file names it, if not the field's name

    def problem(self, field: str | None, message: str) -> Problem:
        return Problem(self.file, self.line, self.column, self.name or field, message)


@dataclass
class Record:
    """One record as an author wrote it. Values are strings, or nested records."""

    spec: RecordSpec
    loc: Loc
    id: str | None = None
    id_loc: Loc | None = None
    values: dict[str, list[tuple[str | Record, Loc]]] = field(default_factory=dict)
    field_locs: dict[str, Loc] = field(default_factory=dict)
    auto: bool = False  # made by an importer from a name: may resolve to an existing record
    item: str | None = None  # the feed item (ACLED row, ClaimReview) it was made from, shown in warnings
    #: statements about a record written elsewhere (stored, or another file of the batch): only
    #: its fields are written, in this file's graph (a later dataset's coding of a stored place)
    addendum: bool = False

    def add(self, name: str, value: str | Record, loc: Loc) -> None:
        self.values.setdefault(name, []).append((value, loc))


@dataclass(frozen=True)
class Existing:
    """A record already in the store: its classes and the file graph it lives in."""

    classes: frozenset[str]
    graph: str


@dataclass
class Compiled:
    """The result of compiling a batch: quads per file graph, problems, and where each subject was written."""

    quads: dict[str, list[Quad]]
    problems: list[Problem]
    where: dict[str, tuple[Loc, dict[str, Loc]]]  # subject IRI -> (record loc, field -> loc)
    records: int = 0
    #: graph -> (subject, name) of each name or alias of the records with an id (for the name keys)
    names: dict[str, list[tuple[NamedNode, str]]] = field(default_factory=dict)


def iri_for(base: str, record_id: str) -> str:
    """The IRI of a record id under ``base`` (the same id always gives the same IRI)."""
    return base + record_id


@dataclass(frozen=True)
class _Batch:
    """What compiling the records of one file of a batch needs: where problems, subjects' locations
    and ``part_of`` links go (shared by the whole batch), how ids are found, and the file's graph."""

    base: str
    classes_of: Callable[[str], frozenset[str] | None]
    problems: list[Problem]
    where: dict[str, tuple[Loc, dict[str, Loc]]]
    part_of: nx.DiGraph
    graph: NamedNode
    names: list[tuple[NamedNode, str]]
    #: id(field) -> value -> its (property node, object) pairs, for the fields whose statements
    #: depend on the value alone (:data:`_PURE_KINDS`): a date or code met again is not re-checked
    memo: dict[int, dict[str, list[tuple[NamedNode, Literal | NamedNode]]]]


def compile_records(
    files: Mapping[str, tuple[str, list[Record]]],
    base: str,
    lookup: Callable[[set[str]], dict[str, Existing]] | None = None,
) -> Compiled:
    """Check a batch of records and turn it into quads, one named graph per file.

    ``files`` maps a graph IRI to (display name, records). ``lookup`` returns the records already
    stored (outside the graphs being replaced) for a set of ids, so that references may point at
    them and duplicates are caught.
    """
    problems: list[Problem] = []
    by_id = _ids(files, problems)
    existing: dict[str, Existing] = {}
    if lookup is not None:  # (None: nothing is stored, no need to gather the ids to look up)
        wanted: set[str] = set(by_id)
        for _g, (_n, recs) in files.items():
            for rec in recs:
                wanted.update(references(rec))
                if rec.addendum and rec.id:
                    wanted.add(rec.id)
        existing = lookup(wanted) if wanted else {}
    for rid, rec in by_id.items():
        if rid in existing:
            problems.append((rec.id_loc or rec.loc).problem(
                "id", f"duplicate id '{rid}' (already in the knowledge base from {existing[rid].graph})"))

    def classes_of(rid: str) -> frozenset[str] | None:
        if rid in by_id:
            return frozenset({by_id[rid].spec.cls})
        if rid in existing:
            return existing[rid].classes
        return None

    where: dict[str, tuple[Loc, dict[str, Loc]]] = {}
    part_of = nx.DiGraph()
    quads: dict[str, list[Quad]] = {}
    names: dict[str, list[tuple[NamedNode, str]]] = {}
    memo: dict[int, dict[str, list[tuple[NamedNode, Literal | NamedNode]]]] = {}
    count = 0
    for graph, (_name, recs) in files.items():
        batch = _Batch(base, classes_of, problems, where, part_of, NamedNode(graph),
                       names.setdefault(graph, []), memo)
        out = quads.setdefault(graph, [])
        for rec in recs:
            count += 1
            _compile_record(rec, batch, out)
    problems.extend(_cycles(part_of, by_id))
    return Compiled(quads=quads, problems=problems, where=where, records=count, names=names)


def _ids(files: Mapping[str, tuple[str, list[Record]]], problems: list[Problem]) -> dict[str, Record]:
    """Id -> record for the batch; a second record of an id is a problem."""
    by_id: dict[str, Record] = {}
    for _graph, (_name, recs) in files.items():
        for rec in recs:
            if rec.id is None or rec.addendum:
                continue
            if rec.id in by_id:
                first = by_id[rec.id]
                problems.append((rec.id_loc or rec.loc).problem(
                    "id", f"duplicate id '{rec.id}' (first defined at {_where(first.id_loc or first.loc)})"))
            else:
                by_id[rec.id] = rec
    return by_id


def _cycles(part_of: nx.DiGraph, by_id: dict[str, Record]) -> Iterable[Problem]:
    """A problem for each cycle of ``part_of`` links, at the first record of it."""
    for component in nx.strongly_connected_components(part_of):
        if len(component) > 1 or any(part_of.has_edge(n, n) for n in component):
            first = min(component, key=lambda n: _sort_key(by_id[n].loc))
            rec = by_id[first]
            name = next(f.name for f in rec.spec.fields if _PART_OF in f.properties)
            loc = rec.field_locs.get(name, rec.loc)
            cycle = " -> ".join(sorted(component))
            yield loc.problem(name, f"{name} forms a cycle: {cycle}")


def _sort_key(loc: Loc) -> tuple[str, int, int]:
    return (loc.file, loc.line or 0, loc.column or 0)


def _where(loc: Loc) -> str:
    return f"{loc.file}:{loc.line}" if loc.line else loc.file


_REFERENCE_FIELDS: dict[int, frozenset[str]] = {}  # id(spec) -> its Reference fields' names


def references(rec: Record) -> list[str]:
    """The ids a record (and its nested records) refers to."""
    spec = rec.spec
    refs = _REFERENCE_FIELDS.get(id(spec))
    if refs is None:
        refs = _REFERENCE_FIELDS[id(spec)] = frozenset(f.name for f in spec.fields if f.kind == "Reference")
    out: list[str] = []
    for name, values in rec.values.items():
        for value, _loc in values:
            if isinstance(value, Record):
                out.extend(references(value))
            elif name in refs and isinstance(value, str):
                out.append(value)
    return out


def _subject(rec: Record, batch: _Batch) -> str | None:
    """The IRI of a top-level record, from its id; None (and a problem) if the id is missing or bad."""
    if rec.id is None:
        batch.problems.append(rec.loc.problem("id", f"missing required field 'id' in {rec.spec.key} record"))
        return None
    if not ID_RE.fullmatch(rec.id):
        batch.problems.append((rec.id_loc or rec.loc).problem(
            "id", f"invalid id {rec.id!r}: use letters, digits, '.', '_', '~' or '-' "
                  "(at most 200, starting with a letter or digit)"))
        return None
    return iri_for(batch.base, rec.id)


def _compile_record(rec: Record, batch: _Batch, out: list[Quad], subject: str | None = None) -> bool:
    """Check one record and, if it is clean, add its quads to ``out``; ``subject``: a nested
    record's node. Problems go to the batch; False if there were any."""
    spec = rec.spec
    problems = batch.problems
    before = len(problems)
    if not spec.nested:
        subject = _subject(rec, batch)
        if subject is None:
            return False
    assert subject is not None
    s = NamedNode(subject)
    if rec.addendum:
        return _compile_addendum(rec, s, batch, out)
    plans = _plans(spec)
    quads: list[Quad] = [Quad(s, _TYPE, plans.cls, batch.graph)]
    if rec.id is not None and not spec.nested:
        quads.append(Quad(s, _IDENTIFIER, Literal(rec.id), batch.graph))
    subject_ = Subject(rec.id, batch.base, batch.classes_of)
    values = rec.values
    for plan in plans.fields:
        given = values.get(plan.name)
        if given is not None:
            _compile_field(rec, plan, given, s, batch, quads, subject_)
        elif plan.field.required:
            _missing(rec, plan.field, batch)
    if len(problems) > before:
        return False
    out.extend(quads)
    batch.where[subject] = (rec.loc, dict(rec.field_locs))
    return True


def _compile_addendum(rec: Record, s: NamedNode, batch: _Batch, out: list[Quad]) -> bool:
    """The statements of an addendum (:attr:`Record.addendum`) about the record it names, which
    must exist (in the batch or stored) with the addendum's class."""
    assert rec.id is not None
    found = batch.classes_of(rec.id)
    if found is None or rec.spec.cls not in found:
        batch.problems.append((rec.id_loc or rec.loc).problem(
            "id", f"'{rec.id}' names no {rec.spec.key[:-1]} of the knowledge base"))
        return False
    before = len(batch.problems)
    quads: list[Quad] = []
    subject = Subject(rec.id, batch.base, batch.classes_of)
    for plan in _plans(rec.spec).fields:
        given = rec.values.get(plan.name)
        if given is not None:
            _compile_field(rec, plan, given, s, batch, quads, subject)
    if len(batch.problems) > before:
        return False
    out.extend(quads)
    batch.where.setdefault(s.value, (rec.loc, dict(rec.field_locs)))
    return True


def _missing(rec: Record, f: Field, batch: _Batch) -> None:
    """The problem of a required field left out (none if the field it may be left out for is given,
    ``ev:unlessGiven``, or if its bad value was reported already)."""
    instead = f.unless_given
    if instead and (rec.values.get(instead) or instead in rec.field_locs):
        return
    if f.required and f.name not in rec.field_locs:
        batch.problems.append(rec.loc.problem(
            f.name, f"missing required field '{f.name}'" + (f" (or '{instead}')" if instead else "")
                    + f" in {rec.spec.key} record" + (f" '{rec.id}'" if rec.id else "")))


def _compile_field(rec: Record, plan: _FieldPlan, values: list[tuple[str | Record, Loc]], s: NamedNode,
                   batch: _Batch, quads: list[Quad], subject: Subject) -> None:
    """The quads of the ``values`` of one field of a record (problems go to the batch)."""
    f = plan.field
    if not values:
        _missing(rec, f, batch)
        return
    if len(values) > 1 and not f.many:
        loc = rec.field_locs.get(f.name, rec.loc)
        batch.problems.append(loc.problem(f.name, "takes one value, not a list"))
        return
    memo = _memo(batch, plan)
    for value, vloc in values:
        if isinstance(value, Record):
            if f.kind != kinds.NESTED:
                batch.problems.append(vloc.problem(f.name, "expected a single value, not a mapping"))
            else:
                _compile_nested(f, value, vloc, s, batch, quads)
        elif _compile_value(plan, value, vloc, s, batch, quads, subject, memo) and plan.part_of \
                and rec.id is not None:
            batch.part_of.add_edge(rec.id, value)


_Memo = dict[str, list[tuple[NamedNode, Literal | NamedNode]]]  # a pure field's statements by value


def _memo(batch: _Batch, plan: _FieldPlan) -> _Memo | None:
    """The batch's statements of a pure field by value (:data:`_PURE_KINDS`), or None."""
    if not plan.pure:
        return None
    memo = batch.memo.get(id(plan.field))
    if memo is None:
        memo = batch.memo[id(plan.field)] = {}
    return memo


def _compile_value(plan: _FieldPlan, value: str, vloc: Loc, s: NamedNode, batch: _Batch, quads: list[Quad],
                   subject: Subject, memo: _Memo | None) -> bool:
    """The quads of one plain value of a field; False (and its problems in the batch) if invalid."""
    graph, nodes = batch.graph, plan.nodes
    pairs = memo.get(value) if memo is not None else None
    if pairs is not None:  # checked before: a date or code met again
        quads.extend([Quad(s, p, o, graph) for p, o in pairs])
        return True
    try:
        statements = kinds.check(value, plan.field, subject)
    except Invalid as exc:
        batch.problems.extend(vloc.problem(plan.name, message) for message in exc.args)
        return False
    pairs = [(nodes[p] if p in nodes else _node(p), o) for p, o in statements]
    if memo is not None:
        memo[value] = pairs
    quads.extend([Quad(s, p, o, graph) for p, o in pairs])
    if plan.named and subject.id is not None:
        batch.names.extend((s, o.value) for p, o in statements if p in _NAMES)
    return True


#: The value kinds whose statements depend on the value and field alone (not on the record, as a
#: reference's do, nor on anything else), and whose values repeat: checked once per batch.
_PURE_KINDS = frozenset({"Date", "DateOrInterval", "ClassCode", "ConceptCode", "Integer"})


@dataclass(frozen=True)
class _FieldPlan:
    """What compiling the values of one field takes, worked out once per field."""

    field: Field
    name: str
    nodes: dict[str, NamedNode]  # the field's property IRIs (and rdf:type) as shared terms
    named: bool  # its rdfs:label / skos:altLabel objects are the record's names (name keys)
    part_of: bool  # its values are ``part_of`` links (checked for cycles)
    pure: bool  # its statements are memoised per batch (:data:`_PURE_KINDS`)


@dataclass(frozen=True)
class _SpecPlan:
    cls: NamedNode
    fields: tuple[_FieldPlan, ...]


_PLANS: dict[int, _SpecPlan] = {}  # id(spec) -> its plan


def _plans(spec: RecordSpec) -> _SpecPlan:
    found = _PLANS.get(id(spec))
    if found is None:
        named = _named_fields(spec)
        fields = []
        for f in spec.fields:
            iris = {*f.properties, str(RDF.type)} | {p for p in (f.start_property, f.end_property) if p}
            fields.append(_FieldPlan(f, f.name, {p: _node(p) for p in iris}, f.name in named,
                                     _PART_OF in f.properties, f.kind in _PURE_KINDS and f.name not in named))
        found = _PLANS[id(spec)] = _SpecPlan(_node(spec.cls), tuple(fields))
    return found


def _compile_nested(f: Field, nested: Record, loc: Loc, s: NamedNode, batch: _Batch,
                    quads: list[Quad]) -> None:
    """A nested record (a documentation) as a node of its own, linked from ``s`` by the field's
    properties, and the shortcut triples the ontology declares for the chain."""
    spec = nested_records()[f.record or ""]
    key_parts = [str(v) for fld in spec.fields if fld.required
                 for v, _ in nested.values.get(fld.name, []) if isinstance(v, str)]
    node = f"{s.value}/{spec.key}/" + "/".join(re.sub(r"[^A-Za-z0-9._~-]", "_", p) for p in key_parts)
    inner: list[Quad] = []
    if node in batch.where:
        batch.problems.append(loc.problem(f.name, f"duplicate {spec.key} entry ({', '.join(key_parts)})"))
        return
    if not _compile_record(nested, batch, inner, subject=node):
        return
    quads.extend(inner)
    for prop in f.properties:
        quads.append(Quad(s, _node(prop), NamedNode(node), batch.graph))
        quads.extend(_shortcuts(prop, spec, node, inner, s, batch.graph))


def _shortcuts(prop: str, spec: RecordSpec, node: str, inner: list[Quad], s: NamedNode,
               g: NamedNode) -> Iterable[Quad]:
    """``s short o`` for each ``owl:propertyChainAxiom (prop inner)`` and each ``node inner o``."""
    for inner_field in spec.fields:
        short = shortcut(prop, inner_field.properties[0]) if inner_field.properties else None
        if short:
            for q in inner:
                if q.subject.value == node and q.predicate.value in inner_field.properties:
                    yield Quad(s, _node(short), q.object, g)


__all__ = ["Compiled", "Existing", "Loc", "Record", "compile_records", "iri_for", "references"]

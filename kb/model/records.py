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
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache

import networkx as nx
from pyoxigraph import Literal, NamedNode, Quad

from kb.errors import Problem
from kb.model.authoring import Field, RecordSpec, nested_records, shortcut
from kb.model.terms import DCTERMS, EV, RDF, XSD, code_for, subclasses

# Every pattern is applied with fullmatch: ``$`` alone would also match before a final newline
# (an id written ``"evil\n"``, or a ``|`` block scalar, would pass and then break IRI creation).
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,199}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
URL_RE = re.compile(r"https?://[^\s<>\"{}|\\^`]+", re.IGNORECASE)
LANG_RE = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
MAX_VALUE_CHARS = 1_000_000

_TYPE = NamedNode(str(RDF.type))
_IDENTIFIER = NamedNode(str(DCTERMS.identifier))
_XSD_DATE = NamedNode(str(XSD.date))
_XSD_ANYURI = NamedNode(str(XSD.anyURI))
_XSD_DECIMAL = NamedNode(str(XSD.decimal))
_PART_OF = str(EV.partOf)


@cache
def _node(iri: str) -> NamedNode:
    """Vocabulary IRIs (properties, classes, concepts) as shared pyoxigraph terms."""
    return NamedNode(iri)


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


def iri_for(base: str, record_id: str) -> str:
    """The IRI of a record id under ``base`` (the same id always gives the same IRI)."""
    return base + record_id


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
    by_id: dict[str, Record] = {}
    for _graph, (_name, recs) in files.items():
        for rec in recs:
            if rec.id is None:
                continue
            if rec.id in by_id:
                first = by_id[rec.id]
                problems.append((rec.id_loc or rec.loc).problem(
                    "id", f"duplicate id '{rec.id}' (first defined at {_where(first.id_loc or first.loc)})"))
            else:
                by_id[rec.id] = rec

    wanted: set[str] = set(by_id)
    for _g, (_n, recs) in files.items():
        for rec in recs:
            wanted.update(_references(rec))
    existing = lookup(wanted) if lookup and wanted else {}
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

    quads: dict[str, list[Quad]] = {}
    where: dict[str, tuple[Loc, dict[str, Loc]]] = {}
    part_of = nx.DiGraph()
    count = 0
    for graph, (_name, recs) in files.items():
        g = NamedNode(graph)
        out = quads.setdefault(graph, [])
        for rec in recs:
            count += 1
            emitted = _compile_record(rec, base, g, classes_of, problems, out, where, part_of)
            if not emitted:
                continue
    for component in nx.strongly_connected_components(part_of):
        if len(component) > 1 or any(part_of.has_edge(n, n) for n in component):
            first = min(component, key=lambda n: _sort_key(by_id[n].loc))
            rec = by_id[first]
            name = next(f.name for f in rec.spec.fields if _PART_OF in f.properties)
            loc = rec.field_locs.get(name, rec.loc)
            cycle = " -> ".join(sorted(component))
            problems.append(loc.problem(name, f"{name} forms a cycle: {cycle}"))
    return Compiled(quads=quads, problems=problems, where=where, records=count)


def _sort_key(loc: Loc) -> tuple[str, int, int]:
    return (loc.file, loc.line or 0, loc.column or 0)


def _where(loc: Loc) -> str:
    return f"{loc.file}:{loc.line}" if loc.line else loc.file


def _references(rec: Record) -> Iterable[str]:
    for f in rec.spec.fields:
        for value, _loc in rec.values.get(f.name, ()):
            if f.kind == "Reference" and isinstance(value, str):
                yield value
            elif isinstance(value, Record):
                yield from _references(value)


def _compile_record(rec: Record, base: str, g: NamedNode,
                    classes_of: Callable[[str], frozenset[str] | None],
                    problems: list[Problem], out: list[Quad],
                    where: dict[str, tuple[Loc, dict[str, Loc]]], part_of: nx.DiGraph,
                    subject: str | None = None) -> bool:
    spec = rec.spec
    before = len(problems)
    if not spec.nested:
        if rec.id is None:
            problems.append(rec.loc.problem("id", f"missing required field 'id' in {spec.key} record"))
            return False
        if not ID_RE.fullmatch(rec.id):
            problems.append((rec.id_loc or rec.loc).problem(
                "id", f"invalid id {rec.id!r}: use letters, digits, '.', '_', '~' or '-' "
                      "(at most 200, starting with a letter or digit)"))
            return False
        subject = iri_for(base, rec.id)
    assert subject is not None
    s = NamedNode(subject)
    quads: list[Quad] = [Quad(s, _TYPE, _node(spec.cls), g)]
    if rec.id is not None and not spec.nested:
        quads.append(Quad(s, _IDENTIFIER, Literal(rec.id), g))
    for f in spec.fields:
        values = rec.values.get(f.name, [])
        loc = rec.field_locs.get(f.name, rec.loc)
        if not values:
            if f.required and f.name not in rec.field_locs:  # else its bad value was reported
                problems.append(rec.loc.problem(f.name, f"missing required field '{f.name}'"
                                                        f" in {spec.key} record"
                                                        + (f" '{rec.id}'" if rec.id else "")))
            continue
        if len(values) > 1 and not f.many:
            problems.append(loc.problem(f.name, "takes one value, not a list"))
            continue
        for value, vloc in values:
            if isinstance(value, Record):
                if f.kind != "Nested":
                    problems.append(vloc.problem(f.name, "expected a single value, not a mapping"))
                    continue
                _compile_nested(rec, f, value, vloc, base, g, s, classes_of, problems, quads, where,
                                part_of)
                continue
            if f.kind == "Nested":
                problems.append(vloc.problem(f.name, "expected a mapping (or a list of mappings)"))
                continue
            if len(value) > MAX_VALUE_CHARS:
                problems.append(vloc.problem(f.name, f"value is too long ({len(value):,} characters;"
                                                     f" at most {MAX_VALUE_CHARS:,})"))
                continue
            _compile_value(rec, f, value, vloc, base, s, g, classes_of, problems, quads, part_of)
    if len(problems) > before:
        return False
    out.extend(quads)
    where[subject] = (rec.loc, dict(rec.field_locs))
    return True


def _compile_nested(parent: Record, f: Field, nested: Record, loc: Loc, base: str, g: NamedNode,
                    s: NamedNode, classes_of: Callable[[str], frozenset[str] | None],
                    problems: list[Problem], quads: list[Quad],
                    where: dict[str, tuple[Loc, dict[str, Loc]]], part_of: nx.DiGraph) -> None:
    spec = nested_records()[f.record or ""]
    key_parts = [str(v) for fld in spec.fields if fld.required
                 for v, _ in nested.values.get(fld.name, []) if isinstance(v, str)]
    node = f"{s.value}/{spec.key}/" + "/".join(re.sub(r"[^A-Za-z0-9._~-]", "_", p) for p in key_parts)
    inner: list[Quad] = []
    if node in where:
        problems.append(loc.problem(f.name, f"duplicate {spec.key} entry ({', '.join(key_parts)})"))
        return
    if not _compile_record(nested, base, g, classes_of, problems, inner, where, part_of, subject=node):
        return
    quads.extend(inner)
    for prop in f.properties:
        quads.append(Quad(s, _node(prop), NamedNode(node), g))
        for inner_field in spec.fields:
            short = shortcut(prop, inner_field.properties[0]) if inner_field.properties else None
            if short:
                for q in inner:
                    if q.subject.value == node and q.predicate.value in inner_field.properties:
                        quads.append(Quad(s, _node(short), q.object, g))


def _compile_value(rec: Record, f: Field, value: str, loc: Loc, base: str, s: NamedNode,
                   g: NamedNode, classes_of: Callable[[str], frozenset[str] | None],
                   problems: list[Problem], quads: list[Quad], part_of: nx.DiGraph) -> None:
    def bad(message: str) -> None:
        problems.append(loc.problem(f.name, message))

    objects: list[Literal | NamedNode] = []
    props = f.properties
    kind = f.kind
    if kind == "Text":
        if not value.strip():
            return bad("is empty")
        objects.append(Literal(value))
    elif kind == "LangText":
        text, lang = value, None
        if "@" in value:
            head, tail = value.rsplit("@", 1)
            if LANG_RE.fullmatch(tail):
                text, lang = head, tail.lower()
        if not text.strip():
            return bad("is empty")
        objects.append(Literal(text, language=lang) if lang else Literal(text))
    elif kind == "Url":
        if not URL_RE.fullmatch(value):
            return bad(f"not an http(s) URL: {value[:80]!r}")
        objects.append(Literal(value, datatype=_XSD_ANYURI))
    elif kind == "Decimal":
        try:
            number = Decimal(value)
        except InvalidOperation:
            return bad(f"not a number: {value[:40]!r}")
        if not number.is_finite():
            return bad(f"not a finite number: {value[:40]!r}")
        objects.append(Literal(str(number), datatype=_XSD_DECIMAL))
    elif kind == "Date":
        d = _date(value, bad)
        if d is None:
            return
        objects.append(Literal(d.isoformat(), datatype=_XSD_DATE))
    elif kind == "DateOrInterval":
        if "/" in value:
            start_text, _, end_text = value.partition("/")
            start, end = _date(start_text, bad), _date(end_text, bad)
            if start is None or end is None:
                return
            if start > end:
                return bad(f"interval ends before it starts: {value}")
            quads.append(Quad(s, _node(f.start_property or ""),
                              Literal(start.isoformat(), datatype=_XSD_DATE), g))
            quads.append(Quad(s, _node(f.end_property or ""),
                              Literal(end.isoformat(), datatype=_XSD_DATE), g))
            return
        d = _date(value, bad)
        if d is None:
            return
        objects.append(Literal(d.isoformat(), datatype=_XSD_DATE))
    elif kind in ("ClassCode", "ConceptCode"):
        codes = f.codes()
        code, problem = code_for(value, codes, f.name)  # a code, or a label of its concept or class
        if code is None:
            return bad(problem)
        value = code
        if kind == "ClassCode":
            quads.append(Quad(s, _TYPE, _node(codes[value]), g))
            return
        objects.append(_node(codes[value]))
    elif kind == "Reference":
        if rec.id is not None and value == rec.id:
            return bad(f"'{value}' refers to the record itself")
        if not ID_RE.fullmatch(value):
            return bad(f"invalid reference {value[:60]!r}: not an id")
        found = classes_of(value)
        target = f.target or ""
        if found is None:
            return bad(f"unknown reference '{value}': no {_class_name(target)} has this id")
        if not found & subclasses(target):
            return bad(f"'{value}' is {_a(_class_name(min(found)))}, not {_a(_class_name(target))}")
        objects.append(NamedNode(iri_for(base, value)))
        if _PART_OF in props and rec.id is not None:
            part_of.add_edge(rec.id, value)
    for prop in props:
        for obj in objects:
            quads.append(Quad(s, _node(prop), obj, g))


def _class_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].lower()


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _date(text: str, bad: Callable[[str], None]) -> date | None:
    text = text.strip()
    if not DATE_RE.fullmatch(text):
        bad(f"not a date {text[:40]!r}: use YYYY-MM-DD")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        bad(f"impossible date {text}: {exc}")
        return None

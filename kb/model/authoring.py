"""The authoring format (record types and their fields), read from ``ontology/authoring.ttl``.

YAML and CSV loaders both read records through these specs, so a field added to the ontology's
authoring mapping is understood by every loader without a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

import rdflib

from kb.model.terms import EV, OWL, RDF, authoring, class_codes, concept_codes, ontology


@dataclass(frozen=True)
class Field:
    """One key an author writes, and what it becomes."""

    name: str
    kind: str
    properties: tuple[str, ...] = ()
    required: bool = False
    many: bool = False
    target: str | None = None          # class IRI for Reference / ClassCode
    scheme: str | None = None          # concept scheme IRI for ConceptCode
    record: str | None = None          # nested record key for Nested
    start_property: str | None = None  # DateOrInterval
    end_property: str | None = None    # DateOrInterval
    unless_given: str | None = None    # a required field may be left out when this field is given

    def codes(self) -> dict[str, str]:
        """The allowed codes of a ClassCode or ConceptCode field."""
        if self.kind == "ClassCode":
            return class_codes(self.target or "")
        if self.kind == "ConceptCode":
            return concept_codes(self.scheme or "")
        return {}


@dataclass(frozen=True)
class RecordSpec:
    """A record type: the top-level key that holds it, its class and its fields."""

    key: str
    cls: str
    fields: tuple[Field, ...]
    nested: bool = False
    nested_in: str | None = None  # the key of the record type a nested record is written in

    @cached_property
    def field_names(self) -> tuple[str, ...]:
        return ("id", *(f.name for f in self.fields)) if not self.nested else tuple(
            f.name for f in self.fields)

    @cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def field(self, name: str) -> Field | None:
        return self._by_name.get(name)

    def field_for_property(self, prop: str) -> Field | None:
        return next((f for f in self.fields if prop in f.properties
                     or prop in (f.start_property, f.end_property)), None)


def _local(iri: rdflib.term.Node) -> str:
    return str(iri).rsplit("#", 1)[-1]


def _int(g: rdflib.Graph, s: rdflib.term.Node, p: rdflib.URIRef, default: int = 0) -> int:
    v = g.value(s, p)
    return int(v) if v is not None else default


@cache
def value_kinds() -> frozenset[str]:
    """The local names of the value kinds ``authoring.ttl`` declares (``Text``, ``Reference``, ...):
    :mod:`kb.model.kinds` has one checker for each."""
    return frozenset(_local(k) for k in authoring().subjects(RDF.type, EV.ValueKind))


@cache
def all_records() -> tuple[RecordSpec, ...]:
    """Every record type, top-level and nested, in authoring order."""
    g = authoring()
    specs = []
    for rec in sorted(g.subjects(RDF.type, EV.Record), key=lambda r: _int(g, r, EV.order)):
        fields = []
        for f in sorted(g.objects(rec, EV.field), key=lambda f: _int(g, f, EV.order)):
            nested = g.value(f, EV.record)
            kind = _local(g.value(f, EV.kind))
            if kind not in value_kinds():
                raise ValueError(f"authoring.ttl: unknown field kind {kind} (not an ev:ValueKind)")
            fields.append(Field(
                name=str(g.value(f, EV.name)),
                kind=kind,
                properties=tuple(sorted(str(p) for p in g.objects(f, EV.property))),
                required=bool(g.value(f, EV.required, default=rdflib.Literal(False)).toPython()),
                many=bool(g.value(f, EV.many, default=rdflib.Literal(False)).toPython()),
                target=_opt(g.value(f, EV.target)),
                scheme=_opt(g.value(f, EV.scheme)),
                record=str(g.value(nested, EV.key)) if nested is not None else None,
                start_property=_opt(g.value(f, EV.startProperty)),
                end_property=_opt(g.value(f, EV.endProperty)),
                unless_given=_opt(g.value(f, EV.unlessGiven)),
            ))
        outer = g.value(rec, EV.nestedIn)
        specs.append(RecordSpec(key=str(g.value(rec, EV.key)), cls=str(g.value(rec, EV.recordClass)),
                                fields=tuple(fields), nested=outer is not None,
                                nested_in=str(g.value(outer, EV.key)) if outer is not None else None))
    return tuple(specs)


def _opt(v: rdflib.term.Node | None) -> str | None:
    return str(v) if v is not None else None


@cache
def records() -> dict[str, RecordSpec]:
    """Top-level record types by key (actors, places, sources, events, claims)."""
    return {r.key: r for r in all_records() if not r.nested}


@cache
def nested_records() -> dict[str, RecordSpec]:
    """Nested record types by key (documentation, a claim's description of events)."""
    return {r.key: r for r in all_records() if r.nested}


@cache
def event_nested_records() -> dict[str, RecordSpec]:
    """The nested record types written in events (documentation): a spreadsheet of their own has
    an ``event`` column."""
    return {k: r for k, r in nested_records().items() if r.nested_in == "events"}


def field(key: str, name: str) -> Field:
    """The authoring field ``key.name`` (``claims.stance``; a nested record's key works too),
    failing if authoring.ttl has none."""
    spec = records().get(key) or nested_records()[key]
    f = spec.field(name)
    if f is None:
        raise KeyError(f"authoring.ttl has no field {key}.{name}")
    return f


@cache
def shortcut(outer: str, inner: str) -> str | None:
    """The property declared with ``owl:propertyChainAxiom (outer inner)``, if any.

    ``ev:documentedBy`` is declared as the chain ``ev:qualifiedDocumentation / ev:documentingSource``;
    loaders write the shortcut triple alongside the qualified node, as the ontology says.
    """
    g = ontology()
    for prop, chain in g.subject_objects(OWL.propertyChainAxiom):
        items = [str(x) for x in rdflib.collection.Collection(g, chain)]
        if items == [outer, inner]:
            return str(prop)
    return None

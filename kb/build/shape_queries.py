"""The SHACL shapes compiled to SPARQL, run by Oxigraph on the store itself.

Each constraint of ``ontology/shapes.ttl`` becomes one SELECT that returns the focus nodes (and
values) violating it, so a whole-store check streams from the on-disk store instead of copying it
into memory first: its memory does not grow with the data. The data checked is what a SHACL engine
sees: the store's file graphs (the provenance graph left out) and the ontology, whose statements are
joined in as ``VALUES`` where a constraint reads a property the ontology states (classes for
``sh:class`` and targets, concept schemes for ``sh:hasValue`` paths). Subclasses are read from the
ontology and the store.

Only the SHACL core parts the shapes use are compiled (targets by class and by subject of a
property; IRI and sequence paths; ``sh:minCount``, ``sh:maxCount``, ``sh:datatype``, ``sh:class``,
``sh:in``, ``sh:hasValue``, ``sh:pattern``, the range bounds, ``sh:lessThanOrEquals``, ``sh:node``
and ``sh:or`` of property shapes); a shape using anything else is refused when compiled (never
skipped). tests/test_validate.py checks that the results are pySHACL's, one for one, on the
bad-input corpus and on planted violations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection

from kb.model.terms import RDF, RDFS, SH

Node = ox.NamedNode | ox.BlankNode
Term = ox.NamedNode | ox.BlankNode | ox.Literal
Pairs = dict[str, list[tuple[str, str]]]  # predicate IRI -> (subject, object) in N-Triples syntax

# the datatypes whose lexical forms SPARQL can check by a cast (an ill-formed literal fails it)
_CASTS = {str(rdflib.XSD[n]) for n in ("string", "date", "dateTime", "decimal", "integer", "boolean",
                                      "double", "float")}
_BOUNDS = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
_VALUE_CHECKS = {SH.datatype, SH["class"], SH["in"], SH.pattern, SH.flags, SH.node, SH.lessThanOrEquals,
                 *_BOUNDS}
_KNOWN = {SH.path, SH.message, SH.minCount, SH.maxCount, SH.hasValue, SH.name, SH.description,
          RDF.type, *_VALUE_CHECKS}


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result: the focus node, the path (an IRI, or None), the shape's message
    and the offending value (None where SHACL gives none)."""

    focus: Node
    path: str | None
    message: str
    value: Term | None


@dataclass(frozen=True)
class Check:
    """One compiled constraint: ``query`` selects ``?this`` (and ``?value`` when ``valued``)."""

    query: str
    path: str | None
    message: str
    valued: bool
    nested: tuple[Check, ...] = ()  # sh:node: ?value violates the shape these checks compile


@dataclass
class _Context:
    """What the compiler reads besides the shapes: the ontology's statements by predicate, and the
    class hierarchy (ontology and store)."""

    ontology: rdflib.Graph
    extra_subclasses: Sequence[tuple[str, str]] = ()
    pairs: Pairs = field(default_factory=dict)
    sub: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        pairs: Pairs = defaultdict(list)
        for s, p, o in self.ontology:
            if not isinstance(s, rdflib.BNode) and not isinstance(o, rdflib.BNode):
                pairs[str(p)].append((s.n3(), o.n3()))
        self.pairs = dict(pairs)
        children: dict[str, set[str]] = defaultdict(set)
        for s, o in self.ontology.subject_objects(RDFS.subClassOf):
            children[str(o)].add(str(s))
        for s, o in self.extra_subclasses:
            children[o].add(s)
        self.sub = children

    def closure(self, cls: str) -> list[str]:
        """``cls`` and its subclasses, at any depth."""
        seen, todo = {cls}, [cls]
        while todo:
            for c in self.sub.get(todo.pop(), ()):
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        return sorted(seen)

    def typed(self, classes: Iterable[str]) -> list[str]:
        """The ontology's own nodes typed with one of ``classes`` (N-Triples syntax)."""
        wanted = {f"<{c}>" for c in classes}
        return sorted({s for s, o in self.pairs.get(str(RDF.type), ()) if o in wanted})

    def step(self, s: str, p: str, o: str) -> str:
        """The pattern ``s p o`` over the data: the store's statements and the ontology's."""
        known = [(a, b) for a, b in self.pairs.get(p, ())
                 if (s.startswith("?") or a == s) and (o.startswith("?") or b == o)]
        if not known:
            return f"{s} <{p}> {o} ."
        free = [(i, v) for i, v in enumerate((s, o)) if v.startswith("?")]
        if not free:
            return f"OPTIONAL {{ {s} <{p}> {o} }}"  # the ontology states it: the pattern holds
        rows = " ".join("(" + " ".join(pair[i] for i, _v in free) + ")" for pair in known)
        return f"{{ {s} <{p}> {o} }} UNION {{ VALUES ({' '.join(v for _i, v in free)}) {{ {rows} }} }}"


def _values(var: str, terms: Iterable[str]) -> str:
    return f"VALUES {var} {{ {' '.join(terms)} }}"


def _path(shapes: rdflib.Graph, path: rdflib.term.Node) -> list[str]:
    """The IRIs of a predicate path or a sequence path."""
    if isinstance(path, rdflib.URIRef):
        return [str(path)]
    steps = list(Collection(shapes, path)) if shapes.value(path, RDF.first) is not None else []
    if not steps or not all(isinstance(s, rdflib.URIRef) for s in steps):
        raise ValueError(f"unsupported SHACL path {path!r}: only IRIs and sequences of IRIs are compiled")
    return [str(s) for s in steps]


def _walk(ctx: _Context, steps: list[str], start: str, end: str, tag: str) -> str:
    """The patterns from ``start`` along ``steps`` to ``end`` (fresh variables between)."""
    out, here = [], start
    for i, p in enumerate(steps):
        there = end if i == len(steps) - 1 else f"?{tag}{i}"
        out.append(ctx.step(here, p, there))
        here = there
    return " ".join(out)


@dataclass(frozen=True)
class _Target:
    """The focus nodes of a shape, as a pattern binding ``?this`` (alternatives in a UNION).

    A check first finds its candidates from the property's own statements (a scan of that
    property, joined by hash), then keeps those that are focus nodes (:meth:`test`, one lookup per
    candidate: violations are few); only a check for a missing value enumerates the focus nodes
    (:meth:`set`). Correlated lookups per focus node (FILTER NOT EXISTS, OPTIONAL) are avoided:
    Oxigraph runs them as one index probe per row, several times slower than a scan."""

    pattern: str
    small: bool = False  # few focus nodes (subjects of a rare property): checked one by one

    def set(self) -> str:
        """The focus nodes (a node in two alternatives twice: violations are made unique after)."""
        return f"{{ SELECT ?this WHERE {{ {self.pattern} }} }}"

    def test(self) -> str:
        return f"FILTER EXISTS {{ {self.pattern} }}"

    @staticmethod
    def values_of(ctx: _Context, steps: list[str]) -> _Target:
        """The values of ``steps`` from any node: the focus nodes given to an ``sh:node`` shape.
        (A superset of the values of this target's nodes: the ``sh:node`` check itself keeps only
        the values of focus nodes, so a value of another node is never reported.)"""
        return _Target(f"{{ {_walk(ctx, steps, '?owner', '?this', 'w')} }}")


def _target(shapes: rdflib.Graph, ctx: _Context, shape: rdflib.term.Node) -> _Target | None:
    """The focus nodes of ``shape`` (None: it has no target)."""
    parts = []
    for cls in shapes.objects(shape, SH.targetClass):
        classes = ctx.closure(str(cls))
        parts.append(f"{{ ?this <{RDF.type}> ?cls . {_values('?cls', (f'<{c}>' for c in classes))} }}")
        if own := ctx.typed(classes):
            parts.append(f"{{ {_values('?this', own)} }}")
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        parts.append(f"{{ {ctx.step('?this', str(p), '?any')} }}")
    for unsupported in (SH.targetNode, SH.targetObjectsOf):
        if (shape, unsupported, None) in shapes:
            raise ValueError(f"unsupported target {unsupported} on {shape}")
    small = not any(shapes.objects(shape, SH.targetClass))
    return _Target(" UNION ".join(parts), small) if parts else None


def _literal(term: rdflib.term.Node) -> str:
    return term.n3()


def _value_filter(shapes: rdflib.Graph, ps: rdflib.term.Node, pred: rdflib.term.Node,
                  obj: rdflib.term.Node) -> str | None:
    """A FILTER that holds for a ``?value`` violating one value constraint (None: not one)."""
    if pred == SH.datatype:
        ok = f"isLiteral(?value) && datatype(?value) = <{obj}>"
        if str(obj) in _CASTS:  # well-formed: the cast of its lexical form is the literal itself
            cast = f"<{obj}>(STR(?value))"
            ok += f" && COALESCE(sameTerm({cast}, ?value) || {cast} = ?value, false)"
        return f"FILTER(!({ok}))"
    if pred == SH["in"]:
        members = [_literal(m) for m in Collection(shapes, obj)]
        return "FILTER(!(" + " || ".join(f"sameTerm(?value, {m})" for m in members) + "))"
    if pred == SH.pattern:
        flags = shapes.value(ps, SH.flags)
        args = f"{rdflib.Literal(str(obj)).n3()}" + (f", {rdflib.Literal(str(flags)).n3()}" if flags else "")
        return f"FILTER(isBlank(?value) || !COALESCE(REGEX(STR(?value), {args}), false))"
    if pred in _BOUNDS:
        return f"FILTER(!COALESCE(?value {_BOUNDS[pred]} {_literal(obj)}, false))"
    return None


def _class_minus(ctx: _Context, cls: str) -> str:
    """MINUS the values that are instances of ``cls`` (or of a subclass)."""
    classes = ctx.closure(cls)
    own = ctx.typed(classes)
    out = f"MINUS {{ ?value <{RDF.type}> ?vc . {_values('?vc', (f'<{c}>' for c in classes))} }}"
    return out + (f" MINUS {{ {_values('?value', own)} }}" if own else "")


def _valued(target: _Target, walk: str, cond: str, join: bool = False) -> str:
    """The (focus, value) pairs failing ``cond``: the few focus nodes of a small target one by one;
    else the values failing first, then kept if focus nodes (``join``: by a hash join with all the
    focus nodes, for a check that many values of other nodes fail, such as same_as's class)."""
    if target.small:
        return f"SELECT DISTINCT ?this ?value WHERE {{ {target.set()} {walk} {cond} }}"
    failing = f"{{ SELECT DISTINCT ?this ?value WHERE {{ {walk} {cond} }} }}"
    keep = target.set() if join else target.test()
    return f"SELECT DISTINCT ?this ?value WHERE {{ {failing} {keep} }}"


def _counts(ctx: _Context, target: _Target, ps: rdflib.term.Node, steps: list[str], walk: str,
            shapes: rdflib.Graph) -> Iterator[str]:
    """The queries of the cardinality and value-presence constraints of a property shape."""
    for n in shapes.objects(ps, SH.minCount):
        if int(n) == 1:
            yield f"SELECT ?this WHERE {{ {target.set()} MINUS {{ {walk} }} }}"
        else:
            yield (f"SELECT ?this WHERE {{ {target.set()} OPTIONAL {{ {walk} }} }} GROUP BY ?this "
                   f"HAVING (COUNT(DISTINCT ?value) < {int(n)})")
    for n in shapes.objects(ps, SH.maxCount):
        yield (f"SELECT ?this WHERE {{ {{ SELECT ?this WHERE {{ {walk} }} GROUP BY ?this "
               f"HAVING (COUNT(DISTINCT ?value) > {int(n)}) }} {target.test()} }}")
    for v in shapes.objects(ps, SH.hasValue):
        has = _walk(ctx, steps, "?this", _literal(v), "h")
        yield f"SELECT ?this WHERE {{ {target.set()} MINUS {{ {has} }} }}"


def _property_checks(shapes: rdflib.Graph, ctx: _Context, target: _Target, ps: rdflib.term.Node,
                     message: str) -> Iterator[Check]:
    """The checks of one property shape on the focus nodes of ``target``."""
    for pred in set(shapes.predicates(ps)) - _KNOWN:
        raise ValueError(f"unsupported SHACL constraint {pred} in a property shape")
    steps = _path(shapes, shapes.value(ps, SH.path))
    path = steps[0] if len(steps) == 1 else None
    walk = _walk(ctx, steps, "?this", "?value", "m")
    msg = str(shapes.value(ps, SH.message) or message)
    for query in _counts(ctx, target, ps, steps, walk, shapes):
        yield Check(query, path, msg, False)
    for other in shapes.objects(ps, SH.lessThanOrEquals):
        cond = f"{ctx.step('?this', str(other), '?other')} FILTER(!COALESCE(?value <= ?other, false))"
        yield Check(_valued(target, walk, cond), path, msg, True)
    for cls in shapes.objects(ps, SH["class"]):
        yield Check(_valued(target, walk, _class_minus(ctx, str(cls)), join=True), path, msg, True)
    for node in shapes.objects(ps, SH.node):
        nested = tuple(_shape_checks(shapes, ctx, node, _Target.values_of(ctx, steps)))
        pairs = f"SELECT DISTINCT ?this ?value WHERE {{ {walk} {target.test()} }}"
        yield Check(pairs, path, msg, True, nested)
    for pred, obj in shapes.predicate_objects(ps):
        cond = _value_filter(shapes, ps, pred, obj)
        if cond is not None:
            yield Check(_valued(target, walk, cond), path, msg, True)


def _or_check(shapes: rdflib.Graph, ctx: _Context, target: _Target, members: rdflib.term.Node,
              message: str) -> Check:
    """``sh:or`` of property shapes that each only ask for a value (``sh:minCount 1``)."""
    minus = []
    for i, member in enumerate(Collection(shapes, members)):
        preds = set(shapes.predicates(member))
        if preds - {SH.path, SH.minCount} or shapes.value(member, SH.minCount) != rdflib.Literal(1):
            raise ValueError("unsupported sh:or member: only [ sh:path P ; sh:minCount 1 ] is compiled")
        steps = _path(shapes, shapes.value(member, SH.path))
        minus.append(f"MINUS {{ {_walk(ctx, steps, '?this', f'?o{i}', f'or{i}_')} }}")
    query = f"SELECT ?this ?value WHERE {{ {{ {target.set()} {' '.join(minus)} }} BIND(?this AS ?value) }}"
    return Check(query, None, message, True)


_NODE_KNOWN = {RDF.type, SH.property, SH.message, SH["or"], SH.targetClass, SH.targetSubjectsOf,
               RDFS.comment, RDFS.label, SH.name, SH.description}


def _shape_checks(shapes: rdflib.Graph, ctx: _Context, shape: rdflib.term.Node, target: _Target
                  ) -> Iterator[Check]:
    for pred in set(shapes.predicates(shape)) - _NODE_KNOWN:
        raise ValueError(f"unsupported SHACL constraint {pred} on node shape {shape}")
    message = str(shapes.value(shape, SH.message) or "violates a shape")
    for ps in shapes.objects(shape, SH.property):
        yield from _property_checks(shapes, ctx, target, ps, message)
    for members in shapes.objects(shape, SH["or"]):
        yield _or_check(shapes, ctx, target, members, message)


def compile_shapes(shapes: rdflib.Graph, ontology: rdflib.Graph,
                   extra_subclasses: Sequence[tuple[str, str]] = ()) -> tuple[Check, ...]:
    """Compile every targeted node shape of ``shapes``; raise ValueError on a part not compiled."""
    ctx = _Context(ontology, extra_subclasses)
    checks: list[Check] = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        target = _target(shapes, ctx, shape)
        if target is not None:
            checks.extend(_shape_checks(shapes, ctx, shape, target))
    return tuple(checks)


def _run(db: ox.Store, query: str, graphs: Sequence[ox.NamedNode] | None) -> ox.QuerySolutions:
    if graphs is None:
        return db.query(query)
    return db.query(query, default_graph=list(graphs))


def violations(db: ox.Store, checks: Sequence[Check], graphs: Sequence[ox.NamedNode] | None = None
               ) -> list[Violation]:
    """Every violation of the shapes in ``db``: its default graph, or the union of ``graphs``."""
    out: list[Violation] = []
    for check in checks:
        if check.nested:
            out.extend(_node_violations(db, check, graphs))
            continue
        found = {Violation(r["this"], check.path, check.message, r["value"] if check.valued else None)
                 for r in _run(db, check.query, graphs)}
        out.extend(sorted(found, key=str))
    return out


def _node_violations(db: ox.Store, check: Check, graphs: Sequence[ox.NamedNode] | None
                     ) -> Iterator[Violation]:
    """``sh:node``: each value violating the referenced shape, and (as SHACL's details) how."""
    details: dict[Term, list[Violation]] = defaultdict(list)
    for v in violations(db, check.nested, graphs):
        details[v.focus].append(v)
    if not details:
        return
    for r in _run(db, check.query, graphs):
        if r["value"] in details:
            yield Violation(r["this"], check.path, check.message, r["value"])
            yield from details[r["value"]]

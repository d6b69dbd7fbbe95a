"""SHACL validation of the knowledge base with pySHACL and ``ontology/shapes.ttl``.

Each violation is reported as a located :class:`~kb.errors.Problem`: the focus node is traced back
to the file, line and field it was written in (for records of the current batch), or to the file
graph it was loaded from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import resources

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate

from kb.errors import Problem
from kb.provenance import PROVENANCE_GRAPH
from kb.records import Loc
from kb.schema import all_records
from kb.terms import SH, ontology, shapes


def to_rdflib(db: ox.Store) -> rdflib.Graph:
    """The knowledge (every file graph, without the provenance graph) as one rdflib graph."""
    data = db.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER(?g != <{PROVENANCE_GRAPH}>) }}")
    nt = ox.serialize(data, format=ox.RdfFormat.N_TRIPLES)
    g = rdflib.Graph()
    g.parse(data=nt, format="nt")
    return g


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


def shacl_problems(
    db: ox.Store,
    where: Mapping[str, tuple[Loc, dict[str, Loc]]]
    | Callable[[], Mapping[str, tuple[Loc, dict[str, Loc]]]] | None = None,
    graph_name: Callable[[str], str] | None = None,
) -> list[Problem]:
    """Validate the store against the shapes; return one located problem per violation.

    ``where`` maps subjects of the current batch to where they were written (or is a function
    computing that map, called only if there is a violation to locate).
    """
    data = to_rdflib(db)
    data += ontology()  # subclasses for sh:class, schemes of concepts
    conforms, results, _text = shacl_validate(
        data, shacl_graph=shapes(), inference="none", inplace=True,
        abort_on_first=False, allow_warnings=True)
    cycles = _cycles(db)
    if conforms and not cycles:
        return []
    where = (where() if callable(where) else where) or {}  # computed only when there are problems
    problems = []
    for focus, field, message in cycles:
        if focus in where:
            rec_loc, field_locs = where[focus]
            problems.append(field_locs.get(field, rec_loc).problem(field, message))
        else:
            problems.append(Problem(_graph_of(db, focus, graph_name), None, None, field,
                                    f"<{focus}>: {message}"))
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = str(results.value(result, SH.focusNode))
        path = results.value(result, SH.resultPath)
        prop = str(path) if isinstance(path, rdflib.URIRef) else None
        types = {str(t) for t in data.objects(rdflib.URIRef(focus), rdflib.RDF.type)}
        field = _field_name(prop, types)
        message = str(results.value(result, SH.resultMessage) or "violates a shape")
        value = results.value(result, SH.value)
        if value is not None and not isinstance(value, rdflib.BNode):
            message += f" (value: {str(value)[:80]})"
        if focus in where:
            rec_loc, field_locs = where[focus]
            loc = field_locs.get(field or "", rec_loc)
            problems.append(loc.problem(field, message))
        else:
            file = _graph_of(db, focus, graph_name)
            problems.append(Problem(file, None, None, field, f"<{focus}>: {message}"))
    return problems


CYCLE_CHECKS = {  # query file -> (field, message)
    "check-part-of-cycles": ("part_of", "part_of forms a cycle: an event cannot be part of itself"),
    "check-derived-from-cycles": ("derived_from", "derived_from forms a cycle: a source cannot be "
                                                  "derived from itself"),
}


def _cycles(db: ox.Store) -> list[tuple[str, str, str]]:
    """(subject, field, message) for every cycle the check queries find, in one pass each."""
    out = []
    for name, (field, message) in CYCLE_CHECKS.items():
        text = (resources.files("kb") / "queries" / f"{name}.rq").read_text(encoding="utf-8")
        for row in db.query(text, use_default_graph_as_union=True):
            out.append((row["this"].value, field, message))
    return out


def _graph_of(db: ox.Store, subject: str, graph_name: Callable[[str], str] | None) -> str:
    try:
        node = ox.NamedNode(subject)
    except ValueError:
        return "(knowledge base)"
    for quad in db.quads_for_pattern(node, None, None, None):
        g = quad.graph_name
        if isinstance(g, ox.NamedNode) and g.value != PROVENANCE_GRAPH:
            return graph_name(g.value) if graph_name else g.value
    return "(knowledge base)"

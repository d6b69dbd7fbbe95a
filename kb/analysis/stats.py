"""A summary of the knowledge base: records by class (in the order the authoring format gives,
``ev:order``), claims by stance, and the number of statements."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kb.model.authoring import all_records
from kb.model.graphs import PROVENANCE_GRAPH
from kb.model.terms import EV, label, subclasses


@dataclass
class Stats:
    """A summary of the knowledge base (``triples``: the statements the files hold, the derived name
    keys left out)."""

    classes: dict[str, int]
    stances: dict[str, int]
    files: list[dict[str, str | int]]
    triples: int
    candidate_duplicates: int = 0  # actor pairs that may be one (kb.analysis.duplicates), unconfirmed


def summarise(db: ox.Store, files: list[dict[str, str | int]]) -> Stats:
    """Counts by class and stance, and the number of statements of ``db`` (``files``: the loaded
    files, as :func:`kb.build.provenance.loaded_files` gives them)."""
    classes: dict[str, int] = {}
    stances: dict[str, int] = {}
    q = ("SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?t } "
         f"FILTER(?g != <{PROVENANCE_GRAPH}>) }} GROUP BY ?t")
    for r in db.query(q):
        classes[label(r["t"].value)] = int(r["n"].value)
    q = (f"SELECT ?st (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH ?g {{ ?c <{EV.stance}> ?st }} }}"
         " GROUP BY ?st")
    for r in db.query(q):
        stances[label(r["st"].value)] = int(r["n"].value)
    total = int(next(iter(db.query(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER(?g != <{PROVENANCE_GRAPH}> && ?p != <{EV.nameKey}>) }}")))["n"].value)
    order = [label(c) for c in class_order()]
    classes = dict(sorted(classes.items(), key=lambda kv: (
        order.index(kv[0]) if kv[0] in order else len(order), kv[0])))
    return Stats(classes=classes, stances=dict(sorted(stances.items())), files=files, triples=total)


def class_order() -> list[str]:
    """Every record class, in the authoring format's ``ev:order`` (actors, places, sources,
    events, documentation, claims), each followed by its subclasses, alphabetically."""
    out: list[str] = []
    for spec in all_records():
        out.append(spec.cls)
        out.extend(sorted(subclasses(spec.cls) - {spec.cls}))
    return out

"""A summary of the knowledge base: records by class (in the order the authoring format gives,
``ev:order``), claims by stance, and the number of statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    #: each subclass counted in ``classes`` -> its class (``kb stats`` indents it under that class)
    subclass_of: dict[str, str] = field(default_factory=dict)
    candidate_duplicates: int = 0  # actor pairs that may be one (kb.analysis.duplicates), unconfirmed

    def _table(self) -> list[tuple[str, str, str, int]]:
        return [*(("class", k, self.subclass_of.get(k, ""), n) for k, n in self.classes.items()),
                *(("stance", k, "Claim", n) for k, n in self.stances.items())]

    def to_frame(self) -> Any:
        """A pandas DataFrame of the counts: columns ``counted`` (class or stance), ``name``,
        ``of`` (a subclass's class; Claim for a stance) and ``records``."""
        from kb.analysis.display import pandas

        return pandas().DataFrame(self._table(), columns=["counted", "name", "of", "records"])

    def _repr_html_(self) -> str:
        from kb.analysis.display import html_table

        return html_table(("counted", "name", "of", "records"), self._table(),
                          caption=f"{self.triples} statements in {len(self.files)} file graph(s)")


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
    parents = {label(sub): label(spec.cls) for spec in all_records()
               for sub in subclasses(spec.cls) - {spec.cls}}
    return Stats(classes=classes, stances=dict(sorted(stances.items())), files=files, triples=total,
                 subclass_of={k: v for k, v in parents.items() if k in classes})


def class_order() -> list[str]:
    """Every record class, in the authoring format's ``ev:order`` (actors, places, sources,
    events, documentation, claims), each followed by its subclasses, alphabetically."""
    out: list[str] = []
    for spec in all_records():
        out.append(spec.cls)
        out.extend(sorted(subclasses(spec.cls) - {spec.cls}))
    return out

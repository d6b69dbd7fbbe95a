"""A summary of the knowledge base: records by class (in the order the authoring format gives,
``ev:order``), claims by stance, and the number of statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kb.analysis.conflicts import _Rows, analysis_version
from kb.analysis.duplicates import similar_actors
from kb.build.derived import Derivation, Select, collector_paused, load
from kb.model.authoring import all_records
from kb.model.graphs import PROVENANCE_GRAPH
from kb.model.terms import EV, label, subclasses

if TYPE_CHECKING:
    from kb.sparql.endpoint import LocalEndpoint


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


def _counts(select: Select) -> dict[str, Any]:
    """What ``kb stats`` counts of a generation (classes and stances by IRI, the statements, the
    candidate duplicate actor pairs), kept with it by its first reader (:data:`STATS`)."""
    classes = {r["t"]: int(r["n"]) for r in select(
        "SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?t } "
        f"FILTER(?g != <{PROVENANCE_GRAPH}>) }} GROUP BY ?t")}
    stances = {r["st"]: int(r["n"]) for r in select(
        f"SELECT ?st (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH ?g {{ ?c <{EV.stance}> ?st }} }} "
        "GROUP BY ?st")}
    total = next(select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                        f"FILTER(?g != <{PROVENANCE_GRAPH}> && ?p != <{EV.nameKey}>) }}"), {}).get("n", "0")
    duplicates = len(similar_actors(_Rows(select)))  # type: ignore[arg-type]
    return {"classes": classes, "stances": stances, "triples": int(total), "duplicates": duplicates}


#: The counts of a whole generation (3.5 s at a million statements), kept by its first reader.
STATS = Derivation("stats", analysis_version(), _counts)


def summarise(endpoint: LocalEndpoint, files: list[dict[str, str | int]]) -> Stats:
    """Counts by class and stance, the number of statements and the candidate duplicate actor
    pairs of the snapshot behind ``endpoint`` (kept with its generation: :data:`STATS`; ``files``:
    the loaded files, as :func:`kb.build.provenance.loaded_files` gives them)."""
    with collector_paused():
        counted = load(endpoint.snapshot, STATS, endpoint.select)
    order = [label(c) for c in class_order()]
    classes = dict(sorted(((label(t), n) for t, n in counted["classes"].items()), key=lambda kv: (
        order.index(kv[0]) if kv[0] in order else len(order), kv[0])))
    parents = {label(sub): label(spec.cls) for spec in all_records()
               for sub in subclasses(spec.cls) - {spec.cls}}
    stances = {label(st): n for st, n in counted["stances"].items()}
    return Stats(classes=classes, stances=dict(sorted(stances.items())), files=files,
                 triples=counted["triples"], subclass_of={k: v for k, v in parents.items() if k in classes},
                 candidate_duplicates=counted["duplicates"])


def class_order() -> list[str]:
    """Every record class, in the authoring format's ``ev:order`` (actors, places, sources,
    events, documentation, claims), each followed by its subclasses, alphabetically."""
    out: list[str] = []
    for spec in all_records():
        out.append(spec.cls)
        out.extend(sorted(subclasses(spec.cls) - {spec.cls}))
    return out

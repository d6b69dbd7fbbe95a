"""The provenance a build writes (PROV-O, in the provenance graph) and reads back.

Each loaded file is an ``ev:LoadedFile`` (its path, SHA-256, format, statement count, when it was
generated and by which build); each build an ``ev:Build`` (started, ended, and the software agent
that ran it). The graph names are :mod:`kb.model.graphs`; what is read back is the shipped query
``kb/queries/loaded-files.rq``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import cache
from importlib import resources

import pyoxigraph as ox

from kb._version import __version__
from kb.build.report import FileReport
from kb.model.graphs import PROVENANCE_GRAPH
from kb.model.terms import EV, PROV, RDF, RDFS, XSD

_GRAPH = ox.NamedNode(PROVENANCE_GRAPH)


@cache
def shipped_query(name: str) -> str:
    """The text of the shipped query ``kb/queries/NAME.rq``."""
    return (resources.files("kb") / "queries" / f"{name}.rq").read_text(encoding="utf-8")


def loaded_files(db: ox.Store) -> list[dict[str, str | int]]:
    """The loaded files, by path: graph IRI, path, SHA-256, format, triple count, load time."""
    return [{"graph": r["graph"].value, "path": r["file"].value, "sha256": r["sha256"].value,
             "format": r["format"].value, "triples": int(r["statements"].value),
             "loaded_at": r["loaded"].value} for r in db.query(shipped_query("loaded-files"))]


def _literal(value: str | int, datatype: str | None = None) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(str(value))


def _now() -> str:
    return datetime.now(UTC).isoformat()


def forget(db: ox.Store, graph: ox.NamedNode) -> None:
    """Remove what the provenance graph says about the file graph ``graph`` (it is being replaced)."""
    for q in list(db.quads_for_pattern(graph, None, None, _GRAPH)):
        db.remove(q)


class BuildRecord:
    """The provenance of one build: an ``ev:Build`` started now, and the files it loads."""

    def __init__(self) -> None:
        self.iri = ox.NamedNode(f"urn:evkb:build:{uuid.uuid4()}")
        self.started = _now()

    def file(self, f: FileReport) -> list[ox.Quad]:
        """The ``ev:LoadedFile`` statements of a file this build loaded."""
        s = ox.NamedNode(f.graph)

        def q(p: str, o: ox.NamedNode | ox.Literal) -> ox.Quad:
            return ox.Quad(s, ox.NamedNode(p), o, _GRAPH)

        return [
            q(str(RDF.type), ox.NamedNode(str(EV.LoadedFile))),
            q(str(EV.path), _literal(f.path)),
            q(str(EV.sha256), _literal(f.sha256)),
            q(str(EV["format"]), _literal(f.format)),
            q(str(EV.tripleCount), _literal(f.triples, str(XSD.integer))),
            q(str(PROV.generatedAtTime), _literal(_now(), str(XSD.dateTime))),
            q(str(PROV.wasGeneratedBy), self.iri),
        ]

    def finished(self) -> list[ox.Quad]:
        """The ``ev:Build`` statements, ended now, with the software agent that ran it."""
        build, g, dt = self.iri, _GRAPH, str(XSD.dateTime)
        agent = ox.NamedNode(f"urn:evkb:software:kb:{__version__}")
        return [
            ox.Quad(build, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(EV.Build)), g),
            ox.Quad(build, ox.NamedNode(str(PROV.startedAtTime)), _literal(self.started, dt), g),
            ox.Quad(build, ox.NamedNode(str(PROV.endedAtTime)), _literal(_now(), dt), g),
            ox.Quad(build, ox.NamedNode(str(PROV.wasAssociatedWith)), agent, g),
            ox.Quad(agent, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(PROV.SoftwareAgent)), g),
            ox.Quad(agent, ox.NamedNode(str(RDFS.label)), _literal(f"kb {__version__}"), g),
        ]

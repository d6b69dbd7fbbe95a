"""Names of the graphs that hold provenance: one named graph per loaded file, and the
provenance graph that describes those files and the builds that wrote them (PROV-O)."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import quote, unquote

import pyoxigraph as ox

from kb.model.terms import EV

PROVENANCE_GRAPH = "urn:evkb:provenance"
FILE_GRAPH_PREFIX = "urn:evkb:file:"
SEED_GRAPH_PREFIX = "urn:evkb:seed:"


def is_provenance(graph: object) -> bool:
    """Whether ``graph`` (a graph name term or a string) is the provenance graph."""
    value = graph.value if isinstance(graph, ox.NamedNode) else graph
    return isinstance(value, str) and value == PROVENANCE_GRAPH


def knowledge_graphs(db: ox.Store, replaced: Collection[str] = ()) -> list[ox.NamedNode]:
    """The file graphs of ``db`` (the provenance graph left out), except those in ``replaced``."""
    return [g for g in db.named_graphs() if g.value not in replaced and not is_provenance(g)]


def knowledge(db: ox.Store, *, derived: bool = True) -> ox.QueryTriples:
    """Every statement of every file graph, once (the provenance graph left out; with
    ``derived=False`` the name keys a build derives, ``ev:nameKey``, too: what was written)."""
    skip = "" if derived else f" && ?p != <{EV.nameKey}>"
    return db.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
                    f"FILTER(?g != <{PROVENANCE_GRAPH}>{skip}) }}")


def file_graph(display: str) -> str:
    """The named graph of a file shown as ``display`` (a path relative to the working directory)."""
    return FILE_GRAPH_PREFIX + quote(display, safe="/-._~:")


def seed_graph(name: str) -> str:
    """The named graph of a bundled seed file."""
    return SEED_GRAPH_PREFIX + name


def graph_display(graph: str) -> str:
    """How a file graph is shown to users: its path (``seed/NAME`` for bundled seed files)."""
    if graph.startswith(SEED_GRAPH_PREFIX):
        return "seed/" + graph[len(SEED_GRAPH_PREFIX):]
    if graph.startswith(FILE_GRAPH_PREFIX):
        return unquote(graph[len(FILE_GRAPH_PREFIX):])
    return graph

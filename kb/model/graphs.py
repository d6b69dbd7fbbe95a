"""Names of the graphs that hold provenance: one named graph per loaded file, and the
provenance graph that describes those files and the builds that wrote them (PROV-O)."""

from __future__ import annotations

from urllib.parse import quote, unquote

PROVENANCE_GRAPH = "urn:evkb:provenance"
FILE_GRAPH_PREFIX = "urn:evkb:file:"
SEED_GRAPH_PREFIX = "urn:evkb:seed:"


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

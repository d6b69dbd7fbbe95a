"""Writing the knowledge base out in RDF formats.

Graph-aware formats (TriG, N-Quads) write the whole dataset: one named graph per loaded file plus
the provenance graph. Triple formats (Turtle, N-Triples, RDF/XML, JSON-LD) write the knowledge itself: the
union of the file graphs. Oxigraph serializes everything except JSON-LD, which rdflib writes
compacted with a ``@context`` built from the project's prefixes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
import rdflib

from kb.model.graphs import knowledge
from kb.model.terms import PREFIXES

RDF_FORMATS: dict[str, tuple[ox.RdfFormat | None, bool]] = {
    # name: (Oxigraph format or None for rdflib, graph-aware); file endings: kb.exports.EXPORTS
    "ttl": (ox.RdfFormat.TURTLE, False),
    "trig": (ox.RdfFormat.TRIG, True),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "nq": (ox.RdfFormat.N_QUADS, True),
    "jsonld": (None, False),
    "rdfxml": (ox.RdfFormat.RDF_XML, False),
}


def prefixes(base: str | None = None) -> dict[str, str]:
    """The prefixes written into Turtle, TriG and the JSON-LD context."""
    out = dict(PREFIXES)
    if base:
        out["id"] = base
    return out


def write_rdf(db: ox.Store, fmt: str, out: BinaryIO | str | Path, base: str | None = None) -> None:
    """Write the store in one of :data:`RDF_FORMATS` to a path or binary file."""
    if fmt not in RDF_FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r}; expected one of {', '.join(RDF_FORMATS)}")
    ox_format, graph_aware = RDF_FORMATS[fmt]
    target = str(out) if isinstance(out, Path) else out
    if ox_format is None:
        _write_jsonld(db, target, base)
    elif graph_aware:
        db.dump(target, format=ox_format, prefixes=prefixes(base))
    else:
        ox.serialize(knowledge(db, derived=False), target, format=ox_format, prefixes=prefixes(base))


def _write_jsonld(db: ox.Store, out: BinaryIO | str, base: str | None) -> None:
    nt = ox.serialize(knowledge(db, derived=False), format=ox.RdfFormat.N_TRIPLES)
    g = rdflib.Graph()
    g.parse(data=nt, format="nt")
    context = prefixes(base)
    data = g.serialize(format="json-ld", context=context, auto_compact=True)
    payload = json.dumps(json.loads(data), ensure_ascii=False, indent=1).encode()
    if isinstance(out, str):
        Path(out).write_bytes(payload)
    else:
        out.write(payload)

"""The names of the actors and places already stored, for the name resolution of a build.

Importers (ClaimReview, ACLED layout) name actors and places instead of giving ids;
:func:`kb.loaders.resolve.resolve` points those names at stored records. Loaders never read the
store: the build reads the names here and hands them in (through :func:`kb.loaders.link`).
"""

from __future__ import annotations

from collections.abc import Set

import pyoxigraph as ox

from kb.loaders.resolve import ID_KEY, RESOLVED
from kb.model.authoring import records
from kb.model.terms import DCTERMS, RDFS, SKOS


def stored_names(db: ox.Store, skip: Set[str]) -> dict[tuple[str, str], str]:
    """(record key, case-folded name or alias) -> id of the actors and places stored in ``db``,
    outside the graphs in ``skip`` (those being replaced by the build)."""
    keys = {records()[k].cls: k for k in RESOLVED}
    classes = " ".join(f"<{c}>" for c in keys)
    query = f"""SELECT ?g ?cls ?id ?name WHERE {{ VALUES ?cls {{ {classes} }} GRAPH ?g {{
        ?a a ?cls ; <{DCTERMS.identifier}> ?id ; <{RDFS.label}>|<{SKOS.altLabel}> ?name }} }}"""
    out: dict[tuple[str, str], str] = {}
    for r in db.query(query):
        if r["g"].value not in skip:
            out.setdefault((keys[r["cls"].value], r["name"].value.casefold()), r["id"].value)
            out[(keys[r["cls"].value], ID_KEY + r["id"].value)] = r["id"].value
    return out


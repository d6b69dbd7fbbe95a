"""Place containment: which places lie within which, at any depth, and what each link rests on.

A link comes from one of three statements, each kept with its origin so a finding can say why a
place is inside another:

* ``part_of`` of a place record (``schema:containedInPlace``): the author's own statement
  (``how = "part_of"``; ``by`` is the id of the record that says it);
* ``ev:codedWithin``: a dataset's admin chain (location -> admin2 -> admin1 -> country), the
  coding of the dataset its place names with ``ev:codedBy`` (``how = "coded_within"``; ``by`` is
  that dataset's IRI, else the named graph's) — a disputed territory coded under one country is
  that dataset's coding;
* ``owl:sameAs`` between places: the same place under two records, both ways (``how = "same_as"``).

The closure (every place, each place it lies within, by the shortest chain of links) is a
:class:`~kb.build.derived.Derivation`: computed once per store generation at build time, and
recomputed by a reader whose generation has none (:func:`kb.build.derived.load`). Its data is
``{"inside": {outer IRI: {inner IRI: [[child, parent, how, by], ...]}}}``, each chain listed from
the inner place up to the outer one.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Set
from functools import cache

import pyoxigraph as ox

from kb.build.derived import Derivation, Select
from kb.loaders.resolve import NAMES_KEY, SAME_KEY, UP_KEY
from kb.model.authoring import records
from kb.model.names import key
from kb.model.terms import DCTERMS, EV, OWL, RDF, RDFS, SKOS

Link = tuple[str, str, str, str]  # (child, parent, how, by)


@cache
def _query() -> str:
    part_of = " ".join(f"<{p}>" for p in records()["places"].field("part_of").properties)
    return f"""SELECT ?child ?parent ?how ?by WHERE {{
      {{ VALUES ?p {{ {part_of} }} GRAPH ?g {{ ?child ?p ?parent . ?child <{DCTERMS.identifier}> ?by }}
         BIND("part_of" AS ?how) }}
      UNION {{ GRAPH ?g {{ ?child <{EV.codedWithin}> ?parent .
                          OPTIONAL {{ ?child <{EV.codedBy}> ?src }} }}
               BIND(COALESCE(STR(?src), STR(?g)) AS ?by) BIND("coded_within" AS ?how) }}
      UNION {{ GRAPH ?g {{ ?child <{OWL.sameAs}> ?parent }} GRAPH ?h {{ ?child <{RDF.type}> <{EV.Place}> }}
               BIND("same_as" AS ?how) BIND("" AS ?by) }}
    }}"""


def links(select: Select) -> list[Link]:
    """Every containment link the store states (sameAs both ways), sorted."""
    out: set[Link] = set()
    for r in select(_query()):
        out.add((r["child"], r["parent"], r["how"], r.get("by", "")))
        if r["how"] == "same_as":
            out.add((r["parent"], r["child"], "same_as", ""))
    return sorted(out)


def closure(found: list[Link]) -> dict[str, dict[str, list[Link]]]:
    """outer place -> {inner place: the shortest chain of links from inner up to outer}; breadth
    first from each place, so any depth and cycles are safe."""
    up: dict[str, list[Link]] = defaultdict(list)
    for link in found:
        up[link[0]].append(link)
    inside: dict[str, dict[str, list[Link]]] = defaultdict(dict)
    for start in sorted(up):
        seen = {start}
        queue: deque[tuple[str, list[Link]]] = deque([(start, [])])
        while queue:
            node, chain = queue.popleft()
            for link in up.get(node, ()):
                parent = link[1]
                if parent not in seen:
                    seen.add(parent)
                    inside[parent][start] = [*chain, link]
                    queue.append((parent, [*chain, link]))
    return {outer: dict(sorted(inner.items())) for outer, inner in sorted(inside.items())}


def _compute(select: Select) -> dict:
    return {"inside": closure(links(select))}


CONTAINMENT = Derivation("containment", 2, _compute)


def places_inside(data: dict, place: str) -> dict[str, list[Link]]:
    """``place`` (with an empty chain) and every place within it, from :data:`CONTAINMENT`'s data."""
    return {place: [], **{inner: [tuple(x) for x in chain]
                          for inner, chain in data["inside"].get(place, {}).items() if inner != place}}


def stored_chains(db: ox.Store, skip: Set[str]) -> dict[tuple[str, str], str]:
    """What name resolution needs of the stored places' containment, outside the graphs in
    ``skip``: ("places", :data:`~kb.loaders.resolve.UP_KEY` + id) -> the ids of the places it lies
    directly within (``part_of`` or a dataset's ``ev:codedWithin``), and ("places",
    :data:`~kb.loaders.resolve.NAMES_KEY` + id) -> the name keys of such a parent, and ("places",
    :data:`~kb.loaders.resolve.SAME_KEY` + name key) -> the ids of every place of that name or
    alias, each list joined with ``\x1f``."""
    ups = " ".join(f"<{p}>" for p in (*records()["places"].field("part_of").properties, EV.codedWithin))
    query = f"""SELECT ?g ?cid ?pid ?name WHERE {{ VALUES ?up {{ {ups} }} GRAPH ?g {{ ?c ?up ?p }}
        ?c <{DCTERMS.identifier}> ?cid . ?p <{DCTERMS.identifier}> ?pid ;
        <{RDFS.label}>|<{SKOS.altLabel}> ?name }}"""
    up: dict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    for r in db.query(query, use_default_graph_as_union=True):
        if r["g"].value not in skip:
            up[r["cid"].value].add(r["pid"].value)
            names[r["pid"].value].add(key(r["name"].value))
    same: dict[str, set[str]] = defaultdict(set)
    for r in db.query(f"""SELECT ?g ?id ?name WHERE {{ GRAPH ?g {{ ?p a <{EV.Place}> ;
            <{DCTERMS.identifier}> ?id ; <{RDFS.label}>|<{SKOS.altLabel}> ?name }} }}"""):
        if r["g"].value not in skip:
            same[key(r["name"].value)].add(r["id"].value)
    out = {("places", SAME_KEY + k): "\x1f".join(sorted(ids)) for k, ids in same.items()}
    out.update({("places", UP_KEY + c): "\x1f".join(sorted(ps)) for c, ps in up.items()})
    out.update({("places", NAMES_KEY + p): "\x1f".join(sorted(ks)) for p, ks in names.items()})
    return out

"""One actor under many names: candidate duplicates across imports and hand-written files.

Two stored actors are a *candidate pair* when

* a name of one and a name of the other (``rdfs:label``) have one :func:`kb.model.names.key` —
  case, accents, punctuation, ACLED's period suffixes ("Government of Armenia (2018-)") and an
  outlet's language edition ("Trend News Agency - English") do not count: a **name variant**;
* a name of one and an alias of the other, or an alias of each (``skos:altLabel``), share a key:
  a **shared alias**;
* both name one URL as the same thing elsewhere (``same_as_url``, ``schema:sameAs``: a Wikidata
  page, a dataset's actor IRI): a **same sameAs URL**.

Actors already one identity — linked by ``owl:sameAs`` to each other, directly or through other
actors — are not candidates any more. Nothing here merges anything: a person confirms a pair with
``same_as`` in their own YAML (by readable id or by name) or a mapping file given at import
(``--map names.yaml``), and the conflict engine then counts the two as one side
(:mod:`kb.analysis.independence`). Each pair carries the records behind it (the files each actor is
written in, and how many records refer to it) so a person can judge it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

import networkx as nx

from kb.model.graphs import graph_display
from kb.model.names import class_of, key
from kb.model.terms import sparql_prefixes, subclasses
from kb.sparql.endpoint import Endpoint


@dataclass(frozen=True)
class ActorRecord:
    """One stored actor, as the duplicate listing shows it."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    files: tuple[str, ...] = ()      # the files it is written in
    references: int = 0              # statements of other records that refer to it


@dataclass(frozen=True)
class SimilarPair:
    """Two actors that may be one, and why."""

    a: ActorRecord
    b: ActorRecord
    reasons: tuple[str, ...] = field(default=())  # "name variant: 'X' ~ 'Y'", "shared alias: …", …

    def to_dict(self) -> dict:
        return {"a": _actor_dict(self.a), "b": _actor_dict(self.b), "reasons": list(self.reasons)}


def _actor_dict(a: ActorRecord) -> dict:
    return {"id": a.id, "name": a.name, "aliases": list(a.aliases), "files": list(a.files),
            "references": a.references}


_SHARED_KEYS = """SELECT ?a WHERE {
  { SELECT ?k WHERE { GRAPH ?g { ?x ev:nameKey ?k } } GROUP BY ?k HAVING (COUNT(DISTINCT ?x) > 1) }
  GRAPH ?h { ?a ev:nameKey ?k } }"""
_URLS = "SELECT ?a ?same WHERE { GRAPH ?g { ?a schema:sameAs ?same } }"
_SAME = "SELECT ?a ?b WHERE { GRAPH ?g { ?a owl:sameAs ?b } }"


def _details_query(nodes: list[str]) -> str:
    values = " ".join(f"<{n}>" for n in nodes)
    return sparql_prefixes() + f"""
        SELECT ?a ?t ?id ?g ?label ?alias WHERE {{ VALUES ?a {{ {values} }} GRAPH ?g {{
          ?a a ?t ; dcterms:identifier ?id .
          {{ ?a rdfs:label ?label }} UNION {{ ?a skos:altLabel ?alias }} }} }}"""


def _references_query(nodes: list[str]) -> str:
    values = " ".join(f"<{n}>" for n in nodes)
    return sparql_prefixes() + f"""
        SELECT ?a (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {values} }} GRAPH ?h {{ ?x ?p ?a }} }} GROUP BY ?a"""


class _Actors:
    """The actors that may have a duplicate — those sharing a name key (``ev:nameKey``, written at
    build time) or a ``same_as_url`` with another record — with their names, aliases, files and
    references, and every ``owl:sameAs`` link; read with a few index lookups, not a scan of every
    actor's names."""

    def __init__(self, endpoint: Endpoint):
        self.id: dict[str, str] = {}
        self.name: dict[str, str] = {}
        self.aliases: dict[str, list[str]] = defaultdict(list)
        self.files: dict[str, set[str]] = defaultdict(set)
        pre = sparql_prefixes()
        self.same = [(r["a"], r["same"]) for r in endpoint.select(pre + _URLS)]
        shared = {r["a"] for r in endpoint.select(pre + _SHARED_KEYS)}
        candidates = sorted(shared | {a for a, _s in self.same})
        self.links = [(r["a"], r["b"]) for r in endpoint.select(pre + _SAME)] if candidates else []
        self.references: dict[str, int] = {}
        for i in range(0, len(candidates), 500):
            self._read(endpoint, candidates[i:i + 500])

    def _read(self, endpoint: Endpoint, nodes: list[str]) -> None:
        actor_classes = subclasses(class_of("actor"))
        for r in endpoint.select(_details_query(nodes)):
            if r["t"] not in actor_classes:
                continue
            a = r["a"]
            self.id[a] = r["id"]
            self.files[a].add(graph_display(r["g"]))
            if r.get("label"):
                self.name.setdefault(a, r["label"])
            elif r.get("alias") and r["alias"] not in self.aliases[a]:
                self.aliases[a].append(r["alias"])
        self.references.update({r["a"]: int(r["n"]) for r in endpoint.select(_references_query(nodes))})

    def record(self, a: str) -> ActorRecord:
        return ActorRecord(self.id[a], self.name.get(a, self.id[a]), tuple(sorted(self.aliases[a])),
                           tuple(sorted(self.files[a])), self.references.get(a, 0))

    def identities(self) -> dict[str, int]:
        """Actor -> its identity: the connected components of sameAs links between stored actors."""
        g = nx.Graph()
        g.add_nodes_from(self.id)
        g.add_edges_from(self.links)
        return {a: i for i, comp in enumerate(nx.connected_components(g)) for a in comp}


def similar_actors(endpoint: Endpoint) -> list[SimilarPair]:
    """Candidate duplicate actors (see the module's docstring), most referred-to pairs first."""
    actors = _Actors(endpoint)
    identity = actors.identities()
    reasons: dict[tuple[str, str], list[str]] = defaultdict(list)
    _name_pairs(actors, identity, reasons)
    by_same: dict[str, list[str]] = defaultdict(list)
    for a, s in actors.same:
        if a in actors.id:
            by_same[s].append(a)
    for s, named in by_same.items():
        for a, b in combinations(sorted(set(named), key=lambda n: actors.id[n]), 2):
            if identity[a] != identity[b]:
                reasons[(a, b)].append(f"same sameAs URL: <{s}>")
    pairs = [SimilarPair(actors.record(a), actors.record(b), tuple(r)) for (a, b), r in reasons.items()]
    return sorted(pairs, key=lambda p: (-(p.a.references + p.b.references), p.a.id, p.b.id))


def _name_pairs(actors: _Actors, identity: dict[str, int], reasons: dict[tuple[str, str], list[str]]) -> None:
    """Add the pairs of actors of two identities whose names or aliases share a key to ``reasons``."""
    by_key: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # key -> (actor, name, label/alias)
    for a in actors.id:
        if a in actors.name:
            by_key[key(actors.name[a])].append((a, actors.name[a], "name"))
        for alias in actors.aliases[a]:
            by_key[key(alias)].append((a, alias, "alias"))
    for k, named in by_key.items():
        for (a, na, ka), (b, nb, kb_) in combinations(named, 2):
            if a == b or identity[a] == identity[b] or not k:
                continue
            what = "name variant" if ka == kb_ == "name" else "shared alias"
            pair = tuple(sorted((a, b), key=lambda n: actors.id[n]))
            text = f"{what}: {na!r} ~ {nb!r} (key {k!r})"
            if text not in reasons[pair]:
                reasons[pair].append(text)


def describe(pairs: list[SimilarPair]) -> str:
    """The pairs as text: each actor with its files and references, then why they may be one."""
    def one(a: ActorRecord) -> str:
        aka = f" (also {', '.join(a.aliases)})" if a.aliases else ""
        return (f"{a.id}: {a.name}{aka} — {a.references} reference(s), in {', '.join(a.files)}")

    lines: list[str] = []
    for i, p in enumerate(pairs, 1):
        lines += [f"{i}. {one(p.a)}", f"   {one(p.b)}", *(f"   {r}" for r in p.reasons)]
    lines.append(f"{len(pairs)} candidate duplicate pair(s); nothing is merged: confirm one with "
                 "`same_as` in your own YAML (an id or a name) or `kb import --map names.yaml`")
    return "\n".join(lines)

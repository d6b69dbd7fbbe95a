"""Who counts as independent of a claimant, and how many independent publishers stand behind evidence.

Definitions (also in ``docs/conflicts.md``):

* **Side.** Actors linked by ``affiliated_with`` or ``owl:sameAs``, in either direction and at any
  distance, are on one side: the connected components of the undirected graph of those links. An
  actor with no such link is a side of its own.
* **Own source.** A source is the claimant's own when it, or any source it is (transitively)
  ``derived_from``, was published or made (``publisher``, ``author``) by an actor on the
  claimant's side. Own sources never count against a claim.
* **Origins.** A source's origins are the sources at the roots of its ``derived_from`` chains
  (itself when it derives from nothing). An origin is *known* when it has a publisher, else a named
  author; it then stands for that actor's side: its *publisher key* is the smallest id on the side,
  so publishers affiliated with each other count once. An origin with neither is of *unknown
  origin*: unknown is not independent, so it has no publisher key.
* **Independent publishers** of a set of sources: the number of distinct publisher keys of their
  known origins. A report and every report of that report count once. The distinct origins of
  unknown origin are counted beside them, never merged into that number.

Every walk is cycle-safe (``seen`` sets), so affiliation and ``sameAs`` cycles are harmless.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import networkx as nx


class Independence:
    """Sides of actors and lineages of sources, indexed once."""

    def __init__(self, affiliations: Iterable[tuple[str, str]], derived: Iterable[tuple[str, str]],
                 makers: dict[str, tuple[str | None, str | None]], key_of: Callable[[str], str]):
        """``affiliations``: actor pairs (affiliated_with and sameAs); ``derived``: (source, parent)
        pairs; ``makers``: source -> (publisher, author); ``key_of``: node -> authoring id."""
        sides = nx.Graph()
        sides.add_edges_from(affiliations)
        self._side: dict[str, int] = {}
        self._rep: dict[int, str] = {}
        for i, comp in enumerate(nx.connected_components(sides)):
            self._rep[i] = min(key_of(n) for n in comp)
            self._side.update({n: i for n in comp})
        self._parents: dict[str, list[str]] = defaultdict(list)
        for child, parent in derived:
            self._parents[child].append(parent)
        self._makers = makers
        self._key_of = key_of
        self._origins: dict[str, frozenset[str]] = {}
        self._lineage: dict[str, frozenset[str]] = {}

    def same_side(self, a: str | None, b: str | None) -> bool:
        """Whether two actors are the same actor or on one side."""
        if a is None or b is None:
            return False
        return a == b or (a in self._side and self._side.get(b) == self._side[a])

    def lineage(self, source: str) -> frozenset[str]:
        """The source and every source it is (transitively) derived from."""
        if source not in self._lineage:
            seen, todo = {source}, [source]
            while todo:
                for p in self._parents.get(todo.pop(), ()):
                    if p not in seen:
                        seen.add(p)
                        todo.append(p)
            self._lineage[source] = frozenset(seen)
        return self._lineage[source]

    def origins(self, source: str) -> frozenset[str]:
        """The roots of the source's derived_from chains (the source itself if it has none)."""
        if source not in self._origins:
            roots = {s for s in self.lineage(source) if not self._parents.get(s)}
            self._origins[source] = frozenset(roots or {source})
        return self._origins[source]

    def own_source(self, source: str, claimant: str) -> bool:
        """Published or made, or derived from a source published or made, by the claimant's side."""
        return any(self.same_side(maker, claimant) for s in self.lineage(source)
                   for maker in self._makers.get(s, (None, None)) if maker)

    def maker(self, source: str) -> str | None:
        """The publisher of a source, else its author, else None (its origin is unknown)."""
        publisher, author = self._makers.get(source, (None, None))
        return publisher or author

    def publisher_key(self, source: str) -> str | None:
        """The side a source's maker stands for (the smallest actor id on it); None if unknown."""
        maker = self.maker(source)
        if maker is None:
            return None
        return self._rep[self._side[maker]] if maker in self._side else self._key_of(maker)

    def keys(self, source: str) -> tuple[str, ...]:
        """The publisher keys of a source's known origins, sorted."""
        return tuple(sorted({k for o in self.origins(source) if (k := self.publisher_key(o))}))

    def unknown_origins(self, source: str) -> tuple[str, ...]:
        """The ids of a source's origins whose publisher and author are both unknown, sorted."""
        return tuple(sorted(self._key_of(o) for o in self.origins(source) if self.maker(o) is None))


def independent_weights(evidence: Iterable[tuple[tuple[str, ...], float]]) -> dict[str, float]:
    """Publisher key -> the weight of its strongest evidence, from (keys, weight) pairs.

    Its length is the number of independent publishers.
    """
    best: dict[str, float] = {}
    for keys, weight in evidence:
        for k in keys:
            best[k] = max(best.get(k, 0.0), weight)
    return best

"""The conflict engine: where a denial (or dispute) meets documentation of what it is about.

The knowledge base is projected once into NetworkX (:func:`kb.graph.project`, standard SPARQL
through any :class:`~kb.graph.Endpoint`, so a remote store works the same way). From every claim
that denies or disputes, a bounded walk goes down ``part_of`` (to the specific events a pattern
is made of) and across ``owl:sameAs`` (aliases), collecting the events that sources document.
Sources published or made by the claimant or an actor affiliated with it do not count; sources
linked by ``prov:wasDerivedFrom`` count as one. Kinds, independence and the score are defined in
``docs/conflicts.md``. The wording is the same for every party.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import networkx as nx

from kb.graph import Endpoint, project

KINDS = ("direct", "part-of", "alias", "self-contradiction", "counter-claim")
CHALLENGING = ("denies", "disputes")
MAX_DEPTH = 12

# How much one independent publisher's documentation weighs, by its strongest kind of evidence.
EVIDENCE_WEIGHT = {
    "eyewitness": 1.0, "video": 1.0, "photo": 1.0, "forensic": 1.0, "satellite": 1.0,
    "testimony": 0.8, "official-record": 0.6, "news-report": 0.4,
}
KIND_FACTOR = {"direct": 1.0, "self-contradiction": 1.0, "alias": 0.9, "part-of": 0.8,
               "counter-claim": 0.25}


@dataclass(frozen=True)
class Step:
    """One node on a conflict's path, and the typed edge that leads to the next node."""

    node: str
    label: str
    cls: str
    edge: str | None = None


@dataclass(frozen=True)
class Evidence:
    """One documentation of an event by a source."""

    source: str
    title: str
    evidence: str
    event: str
    publisher: str | None = None
    publisher_name: str | None = None
    author: str | None = None
    author_name: str | None = None
    date: str | None = None
    url: str | None = None
    quote: str | None = None
    timing: str = "unknown"   # documented before / after / on the day of the claim, or unknown
    group: str = ""           # the independent publisher this source counts as


@dataclass(frozen=True)
class Conflict:
    """A claim that denies or disputes, and the documentation (or assertions) it meets."""

    kind: str
    claim: str
    claimant: str
    claimant_name: str
    stance: str
    quote: str
    event: str
    event_label: str
    documented_event: str
    documented_event_label: str
    path: tuple[Step, ...]
    sources: tuple[Evidence, ...]
    independent_publishers: int
    score: float
    timing: str
    summary: str
    stated_in: str | None = None
    stated_in_title: str | None = None
    claim_date: str | None = None
    counter_claims: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        """The stable JSON form (see docs/conflicts.md)."""
        d = asdict(self)
        d["path"] = [asdict(s) for s in self.path]
        d["sources"] = [asdict(s) for s in self.sources]
        d["counter_claims"] = list(self.counter_claims)
        return d


class _Index:
    """Everything the walk needs, indexed once from the projection."""

    def __init__(self, g: nx.MultiDiGraph):
        self.g = g
        self.children: dict[str, list[str]] = defaultdict(list)   # broad event -> parts
        self.same: dict[str, list[str]] = defaultdict(list)       # node -> sameAs neighbours
        self.docs: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
        self.claims_about: dict[str, list[str]] = defaultdict(list)
        self.derived: dict[str, list[str]] = defaultdict(list)
        affiliation = nx.Graph()
        for u, v, key, data in g.edges(keys=True, data=True):
            name = key.split(":", 1)[0]
            if name == "part_of":
                self.children[v].append(u)
            elif name == "same_as":
                self.same[u].append(v)
                self.same[v].append(u)
                if g.nodes[u]["cls"] == "actor":
                    affiliation.add_edge(u, v)
            elif name == "documented_by":
                self.docs[u].append((v, data.get("evidence", ""), data.get("quote")))
            elif name == "about":
                self.claims_about[v].append(u)
            elif name == "derived_from":
                self.derived[u].append(v)
            elif name == "affiliated_with":
                affiliation.add_edge(u, v)
        for index in (self.children, self.same, self.claims_about, self.derived):
            for key in index:  # the same answer whatever order a store returned rows in
                index[key].sort()
        for key in self.docs:
            self.docs[key].sort(key=lambda d: (d[0], d[1], d[2] or ""))
        self.component: dict[str, int] = {}
        for i, comp in enumerate(nx.connected_components(affiliation)):
            for n in comp:
                self.component[n] = i
        self._origins: dict[str, frozenset[str]] = {}

    def attr(self, n: str, key: str) -> str | None:
        return self.g.nodes[n].get(key)

    def one(self, n: str, edge: str) -> str | None:
        return next((v for _, v, k in self.g.out_edges(n, keys=True) if k == edge), None)

    def many(self, n: str, edge: str) -> list[str]:
        return [v for _, v, k in self.g.out_edges(n, keys=True) if k == edge]

    def affiliated(self, a: str | None, b: str | None) -> bool:
        if a is None or b is None:
            return False
        return a == b or (a in self.component and self.component.get(b) == self.component[a])

    def origins(self, source: str) -> frozenset[str]:
        """The sources at the root of ``source``'s derived_from chains (itself if none)."""
        if source not in self._origins:
            seen, roots, todo = {source}, set(), [source]
            while todo:
                s = todo.pop()
                parents = self.derived.get(s, [])
                if not parents:
                    roots.add(s)
                for p in parents:
                    if p not in seen:
                        seen.add(p)
                        todo.append(p)
            self._origins[source] = frozenset(roots or {source})
        return self._origins[source]

    def lineage(self, source: str) -> set[str]:
        """The source and everything it derives from."""
        seen, todo = {source}, [source]
        while todo:
            for p in self.derived.get(todo.pop(), []):
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    def made_by(self, source: str) -> list[str]:
        return [a for a in (self.one(source, "publisher"), self.one(source, "author")) if a]

    def own_source(self, source: str, claimant: str) -> bool:
        """Published or made (or derived from a source published or made) by the claimant's side."""
        return any(self.affiliated(a, claimant) for s in self.lineage(source) for a in self.made_by(s))

    def publisher_key(self, source: str) -> str:
        """The id of the publisher (else author) a source counts as; ``source:ID`` if neither is known."""
        maker = self.one(source, "publisher") or self.one(source, "author")
        return self.id(maker) if maker else f"source:{self.id(source)}"

    def id(self, n: str) -> str:
        return self.g.nodes[n]["id"]

    def label(self, n: str) -> str:
        return self.g.nodes[n].get("label") or self.id(n)


def _date_of(attrs: dict) -> str | None:
    return attrs.get("date") or attrs.get("startDate")


def _timing(source_date: str | None, claim_date: str | None) -> str:
    if not source_date or not claim_date:
        return "unknown"
    if source_date < claim_date:
        return "before the claim"
    if source_date > claim_date:
        return "after the claim"
    return "same day"


def _walk(ix: _Index, start: str) -> Iterable[tuple[str, list[tuple[str, str]], bool, bool]]:
    """Events reachable from ``start`` down part_of and across sameAs, shortest path first.

    Yields (event, hops as (edge, node), via_part_of, via_alias).
    """
    seen = {start}
    queue: deque[tuple[str, list[tuple[str, str]]]] = deque([(start, [])])
    while queue:
        node, hops = queue.popleft()
        edges = {e for e, _ in hops}
        yield node, hops, "has_part" in edges, "same_as" in edges
        if len(hops) >= MAX_DEPTH:
            continue
        for nxt, edge in [(c, "has_part") for c in ix.children.get(node, ())] + \
                         [(s, "same_as") for s in ix.same.get(node, ())]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, [*hops, (edge, nxt)]))


def find_conflicts(endpoint: Endpoint, *, kind: str | None = None, actor: str | None = None,
                   min_independent: int = 0, graph: nx.MultiDiGraph | None = None) -> list[Conflict]:
    """Every conflict in the knowledge base behind ``endpoint``, strongest first.

    ``kind`` keeps one kind, ``actor`` the claims of one claimant (by id), ``min_independent`` the
    conflicts documented by at least that many independent publishers.
    """
    g = graph if graph is not None else project(endpoint)
    ix = _Index(g)
    out: list[Conflict] = []
    claims = [n for n, a in g.nodes(data=True) if a["cls"] == "claim"]
    for c in claims:
        attrs = g.nodes[c]
        if attrs.get("stance") not in CHALLENGING:
            continue
        claimant = ix.one(c, "by")
        if claimant is None:
            continue
        if actor is not None and ix.id(claimant) != actor:
            continue
        for about in ix.many(c, "about"):
            out.extend(_conflicts_of_claim(ix, c, claimant, about))
    if kind is not None:
        out = [x for x in out if x.kind == kind]
    out = [x for x in out if x.independent_publishers >= min_independent]
    rank = {k: i for i, k in enumerate(KINDS)}
    out.sort(key=lambda x: (x.kind == "counter-claim", -x.score, rank[x.kind], x.claim,
                            x.documented_event))
    return out


def _conflicts_of_claim(ix: _Index, c: str, claimant: str, about: str) -> list[Conflict]:
    g = ix.g
    attrs = g.nodes[c]
    stated_in = ix.one(c, "stated_in")
    claim_date = attrs.get("date") or (g.nodes[stated_in].get("date") if stated_in else None)
    head = [Step(ix.id(claimant), ix.label(claimant), "actor", "made"),
            Step(ix.id(c), ix.label(c), "claim", "about")]
    found: list[Conflict] = []
    documented_any = False
    reachable: list[str] = []
    for event, hops, via_part, via_alias in _walk(ix, about):
        reachable.append(event)
        evidence = _evidence(ix, event, claimant, claim_date)
        if not evidence:
            continue
        if not via_part:
            documented_any = True  # the event itself (or an alias of it) is documented
        kind = "alias" if via_alias else "part-of" if via_part else "direct"
        path = [*head]
        prev = about
        for edge, node in hops:
            path.append(Step(ix.id(prev), ix.label(prev), "event", edge))
            prev = node
        path.append(Step(ix.id(event), ix.label(event), "event", "documented_by"))
        found.append(_make(ix, kind, c, claimant, about, event, path, evidence, claim_date))
    # assertions of the same event (or an alias of it) by others, or by the claimant's own side
    asserted_by_others, asserted_by_self = [], []
    for event in reachable:
        for other in ix.claims_about.get(event, ()):
            if other == c or g.nodes[other].get("stance") != "asserts":
                continue
            who = ix.one(other, "by")
            if event != about and not any(e == "same_as" for e in _hop_edges(ix, about, event)):
                continue  # assertions of a part are not assertions of the whole
            (asserted_by_self if ix.affiliated(who, claimant) else asserted_by_others).append(other)
    if asserted_by_self:
        found.append(_make_claims(ix, "self-contradiction", c, claimant, about, asserted_by_self,
                                  head, claim_date))
    if asserted_by_others and not documented_any:
        found.append(_make_claims(ix, "counter-claim", c, claimant, about, asserted_by_others,
                                  head, claim_date))
    return found


def _hop_edges(ix: _Index, start: str, target: str) -> list[str]:
    for event, hops, _p, _a in _walk(ix, start):
        if event == target:
            return [e for e, _ in hops]
    return []


def _evidence(ix: _Index, event: str, claimant: str, claim_date: str | None) -> list[Evidence]:
    out = []
    for source, evidence, quote in ix.docs.get(event, ()):
        if ix.own_source(source, claimant):
            continue
        s = ix.g.nodes[source]
        publisher, author = ix.one(source, "publisher"), ix.one(source, "author")
        out.append(Evidence(
            source=ix.id(source), title=ix.label(source), evidence=evidence, event=ix.id(event),
            publisher=ix.id(publisher) if publisher else None,
            publisher_name=ix.label(publisher) if publisher else None,
            author=ix.id(author) if author else None,
            author_name=ix.label(author) if author else None,
            date=s.get("date"), url=s.get("url"), quote=quote,
            timing=_timing(s.get("date"), claim_date),
            group=",".join(sorted({ix.publisher_key(o) for o in ix.origins(source)}))))
    return out


def _score(kind: str, evidence: list[Evidence]) -> tuple[int, float]:
    groups: dict[str, float] = {}
    for e in evidence:
        groups[e.group] = max(groups.get(e.group, 0.0), EVIDENCE_WEIGHT.get(e.evidence, 0.4))
    return len(groups), round(KIND_FACTOR[kind] * sum(groups.values()), 3)


def _overall_timing(evidence: list[Evidence], stance: str) -> str:
    verb = "denied" if stance == "denies" else "disputed"
    timings = {e.timing for e in evidence}
    if "before the claim" in timings:
        return f"{verb} after it was documented"
    if timings == {"after the claim"}:
        return f"documented after it was {verb}"
    if "same day" in timings:
        return f"{verb} on the day it was documented"
    return "order unknown"


def _what(stance: str, claimant: str, about: str) -> str:
    """The neutral subject of a conflict sentence, the same for every party."""
    if stance == "denies":
        return f"denial by {claimant} of '{about}'"
    return (f"dispute by {claimant} of the account of '{about}' (the claim does not deny that it "
            "happened; it disputes how or by whom)")


def _makers(evidence: list[Evidence]) -> str:
    names = []
    for e in evidence:
        name = e.publisher_name or e.author_name or f"'{e.title}' (publisher unknown)"
        if name not in names:
            names.append(name)
    return ", ".join(names)


def _make(ix: _Index, kind: str, c: str, claimant: str, about: str, event: str, path: list[Step],
          evidence: list[Evidence], claim_date: str | None) -> Conflict:
    g = ix.g
    stance = g.nodes[c]["stance"]
    evidence = sorted(evidence, key=lambda e: (e.source, e.evidence))
    n, score = _score(kind, evidence)
    detail = {"direct": "", "part-of": f" (documented: '{ix.label(event)}', part of '{ix.label(about)}')",
              "alias": f" (via an alias: '{ix.label(event)}')"}[kind]
    summary = (f"{_what(stance, ix.label(claimant), ix.label(about))} conflicts with documentation "
               f"by {_makers(evidence)}{detail}")
    return _conflict(ix, kind, c, claimant, about, event, path, evidence, n, score,
                     _overall_timing(evidence, stance), summary, claim_date, ())


def _make_claims(ix: _Index, kind: str, c: str, claimant: str, about: str, others: list[str],
                 head: list[Step], claim_date: str | None) -> Conflict:
    g = ix.g
    stance = g.nodes[c]["stance"]
    what = _what(stance, ix.label(claimant), ix.label(about))
    others = sorted(set(others), key=ix.id)
    names = []
    for o in others:
        who = ix.one(o, "by")
        if who and ix.label(who) not in names:
            names.append(ix.label(who))
    if kind == "self-contradiction":
        summary = (f"{what} conflicts with an assertion "
                   f"of it by {', '.join(names)} (the same side)")
    else:
        summary = (f"{what} is contested by an assertion "
                   f"of it by {', '.join(names)}, with no independent documentation")
    path = [*head, Step(ix.id(about), ix.label(about), "event", "asserted_by")]
    path += [Step(ix.id(o), ix.label(o), "claim", None) for o in others]
    score = round(KIND_FACTOR[kind] * len({ix.one(o, "by") for o in others}), 3)
    return _conflict(ix, kind, c, claimant, about, about, path, [], 0, score, "not applicable",
                     summary, claim_date, tuple(ix.id(o) for o in others))


def _conflict(ix: _Index, kind: str, c: str, claimant: str, about: str, event: str,
              path: list[Step], evidence: list[Evidence], n: int, score: float, timing: str,
              summary: str, claim_date: str | None, counter: tuple[str, ...]) -> Conflict:
    attrs = ix.g.nodes[c]
    stated_in = ix.one(c, "stated_in")
    return Conflict(
        kind=kind, claim=ix.id(c), claimant=ix.id(claimant), claimant_name=ix.label(claimant),
        stance=attrs["stance"], quote=attrs.get("text", ""), event=ix.id(about),
        event_label=ix.label(about), documented_event=ix.id(event),
        documented_event_label=ix.label(event), path=tuple(path),
        sources=tuple(sorted(evidence, key=lambda e: (e.source, e.evidence))),
        independent_publishers=n, score=score, timing=timing, summary=summary,
        stated_in=ix.id(stated_in) if stated_in else None,
        stated_in_title=ix.label(stated_in) if stated_in else None,
        claim_date=claim_date, counter_claims=counter)

"""The conflict engine: where a denial (or dispute) meets documentation of what it is about.

The candidate subgraph is selected with standard SPARQL 1.1
(:func:`kb.analysis.candidates.candidate_graph`, through any :class:`~kb.sparql.endpoint.Endpoint`,
so a remote store works the same way) and built into one NetworkX graph, indexed once. From every
claim that denies or disputes (a stance ``ev:challenging`` in the ontology), a breadth-first walk goes
down ``part_of`` (to the specific events a pattern is made of, at any depth) and across
``owl:sameAs`` (aliases), each event visited once per claim, so cycles are safe; the events that
sources independent of the claimant document are conflicts (:mod:`kb.analysis.independence` defines
independence). Assertions of the same event give self-contradictions and counter-claims. Kinds,
the score and the JSON schema are defined in ``docs/conflicts.md``. The wording is the same for
every party: "denial by X conflicts with documentation by Y", never a verdict.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from itertools import pairwise
from typing import Any, ClassVar

import networkx as nx

from kb.analysis.candidates import candidate_graph
from kb.analysis.factchecks import FactCheck, cite_reviews
from kb.analysis.independence import Independence, independent_weights
from kb.build.derived import Derivation, Select, collector_paused, load
from kb.model import rules
from kb.sparql.endpoint import Endpoint, Row

# The finding kinds, their factors and every evidence weight are data: ontology/evidence.ttl
# (ev:FindingKinds, ev:EvidenceTypes, ev:OriginKinds, ev:Stances), read by kb.model.rules.
KINDS = tuple(rules.concepts("FindingKinds"))
SCHEMA_VERSION = 3  # the JSON form: see docs/conflicts.md ("The JSON schema")
GRADES = ("SourceReliability", "InformationCredibility")  # the Admiralty grading schemes


@dataclass(frozen=True)
class Step:
    """One node on a conflict's path, and the typed edge that leads to the next node."""

    node: str
    label: str
    cls: str
    edge: str | None = None
    asserted_by: str | None = None  # for a has_part edge: the record whose part_of asserted the link


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
    timing: str = "unknown"   # before the claim / after the claim / same day / unknown
    group: str = ""           # the independent publisher(s) this source counts as, comma-separated
    #                           (since schema 2: known origins only; empty for an unknown origin)
    origin: str = "known"     # "known" (publisher, else author, at its origin) or "unknown"
    unknown_origins: tuple[str, ...] = ()  # the ids of its origins of unknown origin
    attributes_to: tuple[str, ...] = ()    # whom the documentation holds responsible (actor ids)
    via: tuple[str, ...] = ()              # second-hand: the sources whose report carries it
    chain: str = ""                        # "as reported by 'X'; the original not examined here"
    weight: float = 0.0                    # its weight in the score (capped at the carrier's if via)
    known_by: str = ""                     # ev:KnownBy code: its content, or a title or heading only
    reliability: str = ""                  # the Admiralty grades used (the documentation's, else the
    credibility: str = ""                  # source's, else the schemes' default: cannot be judged)
    grade: str = ""                        # reliability and credibility together ("F6")
    inferred: tuple[str, ...] = ()         # ev:Inferences codes: what this dataset inferred of it


@dataclass(frozen=True)
class Conflict:
    """A claim that denies or disputes, and the documentation (or assertions) it meets."""

    kind: str
    claim: str
    claimant: str
    claimant_name: str
    stance: str
    challenge: str            # "occurrence" (denies that it happened) or "account" (disputes how/by whom)
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
    independent_origins: tuple[str, ...] = ()    # the publisher keys counted as independent
    unknown_origins: int = 0                      # sources of unknown origin, beside the count
    unknown_origin_sources: tuple[str, ...] = ()  # their ids
    independence: str = ""                        # "1 independent publisher, 2 sources of unknown origin"
    concedes: tuple[str, ...] = ()                # what the claim concedes (ev:Challenges codes)
    challenged_account: tuple[str, ...] = ()      # the accounts (source ids) an account challenge names
    contradicted_by: str = ""                     # ev:ContradictionRules code the finding was found by
    paths: tuple[tuple[str, tuple[Step, ...]], ...] = ()  # every (kind, path) folded into this finding
    part_of_asserted_by: tuple[str, ...] = ()     # the records whose part_of links the finding rests on
    rendered_in: str | None = None                # the source whose rendering of the claim is what is known
    rendered_in_title: str | None = None
    claim_inferred: tuple[str, ...] = ()          # what this dataset inferred of the claim (e.g. its date)
    grades: tuple[str, ...] = ()                  # the distinct grades the sources were weighed with
    matched: tuple[str, ...] = ()                 # described: why the event fits the claim's description
    fact_checks: tuple[FactCheck, ...] = ()       # reviews of the claim, in the fact-checkers' words
    schema_version: int = SCHEMA_VERSION

    def _repr_html_(self) -> str:
        """The finding as a notebook shows it (:func:`kb.analysis.display.finding_html`)."""
        from kb.analysis.display import finding_html

        return finding_html(self)

    def to_dict(self) -> dict:
        """The stable JSON form (see docs/conflicts.md)."""
        d = asdict(self)
        d["path"] = [asdict(s) for s in self.path]
        d["paths"] = [{"kind": k, "path": [asdict(s) for s in p]}
                      for k, p in (self.paths or ((self.kind, self.path),))]
        d["sources"] = [{**asdict(s), "unknown_origins": list(s.unknown_origins),
                         "attributes_to": list(s.attributes_to), "via": list(s.via),
                         "inferred": list(s.inferred)} for s in self.sources]
        for k in ("counter_claims", "independent_origins", "unknown_origin_sources", "concedes",
                  "challenged_account", "part_of_asserted_by", "claim_inferred", "grades", "fact_checks",
                  "matched"):
            d[k] = list(d[k])
        return d


class _Index:
    """Everything the walk needs, read once from the graph (the candidate subgraph, or the full
    projection of :func:`kb.analysis.projection.project`, which uses the same node and edge conventions)."""

    def __init__(self, g: nx.MultiDiGraph):
        self.attrs: dict[str, dict] = dict(g.nodes(data=True))
        self.single: dict[str, dict[str, str]] = {
            k: {} for k in ("by", "stated_in", "rendered_in", "publisher", "author")}
        self.about: dict[str, list[str]] = defaultdict(list)          # claim -> events
        self.claims_about: dict[str, list[str]] = defaultdict(list)   # event -> claims
        self.children: dict[str, list[str]] = defaultdict(list)       # broad event -> parts
        self.matches: dict[str, list[str]] = defaultdict(list)        # description -> events it fits
        self.why: dict[tuple[str, str], tuple[str, ...]] = {}          # (description, event) ids -> why
        self.same: dict[str, list[str]] = defaultdict(list)           # node -> sameAs neighbours
        self.docs: dict[str, list[tuple[str, str, str | None, dict]]] = defaultdict(list)
        self.accounts: dict[str, list[str]] = defaultdict(list)      # claim -> challenged accounts
        self.sides: list[tuple[str, str]] = []                         # affiliated_with and sameAs pairs
        self.derived: list[tuple[str, str]] = []                       # (source, parent) pairs
        for u, v, key, data in g.edges(keys=True, data=True):
            name = key.split(":", 1)[0]
            if name in self.single:
                self.single[name].setdefault(u, v)
            elif name in self._EDGES:
                self._EDGES[name](self, u, v, data)
        for index in (self.about, self.claims_about, self.children, self.same, self.accounts, self.matches):
            for k in index:  # the same answer whatever order a store returned rows in
                index[k].sort()
        for k in self.docs:
            self.docs[k].sort(key=lambda d: (d[0], d[1], d[2] or ""))
        pub, auth = self.single["publisher"], self.single["author"]
        makers = {s: (pub.get(s), auth.get(s)) for s in pub.keys() | auth.keys()}
        attrs = self.attrs  # not the bound self.id: a cycle would keep the index alive after the walk
        self.ind = Independence(self.sides, self.derived, makers, lambda n: attrs[n]["id"])

    def _about(self, u: str, v: str, data: dict) -> None:
        self.about[u].append(v)
        self.claims_about[v].append(u)

    def _part_of(self, u: str, v: str, data: dict) -> None:
        self.children[v].append(u)

    def _matches(self, u: str, v: str, data: dict) -> None:  # kb.analysis.matching
        self.matches[u].append(v)
        self.why[(self.id(u), self.id(v))] = tuple(data.get("why", ()))

    def _same_as(self, u: str, v: str, data: dict) -> None:
        self.same[u].append(v)  # sameAs only joins records of one class: actors join sides
        self.same[v].append(u)
        self.sides.append((u, v))

    def _affiliated_with(self, u: str, v: str, data: dict) -> None:
        self.sides.append((u, v))

    def _derived_from(self, u: str, v: str, data: dict) -> None:
        self.derived.append((u, v))

    def _documented_by(self, u: str, v: str, data: dict) -> None:
        self.docs[u].append((v, data.get("evidence", ""), data.get("quote"), data))

    def _challenged_account(self, u: str, v: str, data: dict) -> None:
        self.accounts[u].append(v)

    # edge name (the authoring field) -> what indexing it does
    _EDGES: ClassVar[dict[str, Callable[[_Index, str, str, dict], None]]] = {
        "about": _about, "part_of": _part_of, "same_as": _same_as, "affiliated_with": _affiliated_with,
        "derived_from": _derived_from, "documented_by": _documented_by,
        "challenged_account": _challenged_account, "matches": _matches}

    def id(self, n: str) -> str:
        return self.attrs[n]["id"]

    def label(self, n: str) -> str:
        return self.attrs[n].get("label") or self.id(n)

    def stance(self, n: str) -> str | None:
        return self.attrs[n].get("stance")

    def challenge(self, n: str) -> str:
        """What the claim challenges: its ``challenges`` field, else its stance's default."""
        return self.attrs[n].get("challenges") or rules.default_challenge(self.stance(n) or "") or ""


def find_conflicts(endpoint: Endpoint, *, kind: str | None = None, actor: str | None = None,
                   min_independent: int = 0, graph: nx.MultiDiGraph | None = None,
                   use_stored: bool = True) -> list[Conflict]:
    """Every conflict in the knowledge base behind ``endpoint``, strongest first.

    ``kind`` keeps one kind, ``actor`` the claims of one claimant (by id), ``min_independent`` the
    conflicts documented by at least that many independent publishers. ``graph``: an already
    projected graph (:func:`kb.analysis.projection.project` or
    :func:`kb.analysis.candidates.candidate_graph`) to reuse. On a local snapshot the findings
    kept with its generation (:data:`CONFLICTS`; computed and kept by the generation's first
    reader) are used, unless ``use_stored`` is false (``kb conflicts --no-cache``): then, as on a
    remote endpoint, they are computed now.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown conflict kind {kind!r}; expected one of: {', '.join(KINDS)}")
    if graph is None and use_stored and getattr(getattr(endpoint, "snapshot", None), "generation", None):
        return _stored(endpoint, kind, actor, min_independent)  # a local generation: built with them
    with collector_paused():  # millions of rows, nodes and edges that live until the end: half the time
        ix = _index(endpoint, graph)
        out: list[Conflict] = []
        for c, claimant in _challenging_claims(ix, actor):
            out.extend(_fold([x for about in ix.about[c]
                              for x in _conflicts_of_claim(ix, c, claimant, about)]))
    out = [x for x in out if (kind is None or x.kind == kind) and x.independent_publishers >= min_independent]
    rank = {k: c.rank for k, c in rules.concepts("FindingKinds").items()}
    out.sort(key=lambda x: (x.kind == "counter-claim", -x.score, rank[x.kind], x.claim, x.event,
                            x.documented_event))
    return cite_reviews(endpoint, out)


def _index(endpoint: Endpoint, graph: nx.MultiDiGraph | None) -> _Index:
    """The walk's index of ``graph``, else of the candidate subgraph read now. A graph read here
    is emptied once indexed: NetworkX's cached views make it a reference cycle, which only the
    (paused) cyclic collector would free, so it would otherwise stay beside the findings until the
    end (a third of the first reader's peak memory)."""
    if graph is not None:
        return _Index(graph)
    g = candidate_graph(endpoint)
    ix = _Index(g)
    g.clear()
    return ix


def _stored(endpoint: Endpoint, kind: str | None, actor: str | None, min_independent: int) -> list[Conflict]:
    """The findings kept with the endpoint's generation (computed now and kept, by its first
    reader, if it has none), filtered
    as :func:`find_conflicts` filters (the stored list is in its order: filtering keeps it)."""
    with collector_paused():
        every: list[Conflict] = load(endpoint.snapshot, CONFLICTS, endpoint.select)  # type: ignore[attr-defined]
    return [x for x in every if (actor is None or x.claimant == actor)
            and (kind is None or x.kind == kind) and x.independent_publishers >= min_independent]


@dataclass(frozen=True)
class _Rows:
    """An endpoint made of a ``select`` function alone (what a derivation is given)."""

    select_rows: Select
    snapshot: None = None

    def select(self, query: str) -> Iterator[Row]:
        return self.select_rows(query)

    def results(self, query: str, form: str = "SELECT", **_graphs: Any) -> Any:
        raise NotImplementedError("a derivation reads SELECT rows only")


def _every_conflict(select: Select) -> list[Conflict]:
    """Every finding, in order (kept as JSON, read back by :func:`_conflict_from`)."""
    return find_conflicts(_Rows(select), use_stored=False)  # type: ignore[arg-type]


def _reader(cls: type, nested: dict[str, Callable[[Any], Any]] | None = None) -> Callable[[dict], Any]:
    """A function making a ``cls`` instance of the dict JSON made of one: its lists as tuples, its
    ``nested`` fields by their own readers. The instance is filled as :mod:`pickle` fills one
    (its ``__dict__`` at once, not field by field through a frozen dataclass's ``__init__``): a
    million steps and sources are read back in a fraction of the time. Only files written by this
    very code version are read (:data:`CONFLICTS`), so every field is there."""
    nested = nested or {}

    def read(d: dict) -> Any:  # a new dict: ``d`` may be shared (kb.build.derived keeps what it read)
        values = {k: tuple(v) if type(v) is list else v for k, v in d.items()}
        for name, fn in nested.items():
            values[name] = fn(d[name])
        obj = object.__new__(cls)
        obj.__dict__.update(values)
        return obj
    return read


_step = _reader(Step)
_evidence_from = _reader(Evidence)
_conflict_from = _reader(Conflict, {
    "path": lambda v: tuple(map(_step, v)),
    "paths": lambda v: tuple((k, tuple(map(_step, p))) for k, p in v),
    "sources": lambda v: tuple(map(_evidence_from, v)),
    "fact_checks": lambda v: tuple(map(_reader(FactCheck), v)),
})


def analysis_version() -> int:
    """A number that changes with the rules the findings come from: the ontology files and the
    analysis code (so stored findings are never read by a kb that would find others)."""
    import hashlib
    from pathlib import Path

    from kb.model.terms import ontology_dir

    h = hashlib.sha256()
    for f in sorted([*ontology_dir().glob("*.ttl"), *Path(__file__).resolve().parent.glob("*.py")]):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return int.from_bytes(h.digest()[:6], "big")


def _read_conflicts(data: list[dict]) -> list[Conflict]:
    """The findings of their decoded JSON, each dict replaced in the list as it is read (so the
    dicts are freed as the findings are made, never all held beside them)."""
    for i, d in enumerate(data):
        data[i] = _conflict_from(d)
    return data  # type: ignore[return-value]


#: The findings of a whole generation, computed by its first reader and kept with it
#: (:mod:`kb.build.derived`). Not at build time: any new denial or documentation can change any
#: finding (its independence, its score), so each build would compute them all again — 45 s for a
#: small file added next to a million statements.
CONFLICTS = Derivation("conflicts", analysis_version(), _every_conflict, read=_read_conflicts)


def _challenging_claims(ix: _Index, actor: str | None) -> Iterator[tuple[str, str]]:
    """(claim, claimant) of every claim of a challenging stance (of ``actor``'s, if given), by id."""
    challenging = rules.challenging_stances()
    for c in sorted(ix.about, key=ix.id):
        claimant = ix.single["by"].get(c)
        if ix.stance(c) not in challenging or claimant is None:
            continue
        if actor is None or ix.id(claimant) == actor:
            yield c, claimant


def _fold(found: list[Conflict]) -> list[Conflict]:
    """One finding per claim and documented event: the paths that reach the same documented event
    (from the claim's several events, directly or through a pattern or an alias) fold into the
    strongest of them, which lists every path. Assertion findings fold the same way per event."""
    factor = {k: rules.weight("FindingKinds", k) for k in KINDS}
    groups: dict[tuple[bool, str], list[Conflict]] = defaultdict(list)
    for x in found:
        groups[(not x.sources, x.documented_event if x.sources else f"{x.kind}:{x.event}")].append(x)
    out = []
    for xs in groups.values():
        xs.sort(key=lambda x: (-factor[x.kind], len(x.path), x.event))
        best = xs[0]
        paths = tuple((x.kind, x.path) for x in xs)
        asserted = tuple(sorted({s.asserted_by for _k, p in paths for s in p if s.asserted_by}))
        out.append(replace(best, paths=paths, part_of_asserted_by=asserted))
    return out


def _walk(ix: _Index, start: str) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Events reachable from ``start`` down part_of and across sameAs, shortest path first, each
    once (so any depth, and cycles are safe). Yields (event, hops as (edge, node))."""
    seen = {start}
    queue: deque[tuple[str, list[tuple[str, str]]]] = deque([(start, [])])
    while queue:
        node, hops = queue.popleft()
        yield node, hops
        for edge, nxt in [("matches", m) for m in ix.matches.get(node, ())] + \
                         [("has_part", c) for c in ix.children.get(node, ())] + \
                         [("same_as", s) for s in ix.same.get(node, ())]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, [*hops, (edge, nxt)]))


def _aliases(ix: _Index, start: str) -> set[str]:
    """The event and every event linked to it by sameAs (at any distance)."""
    seen, todo = {start}, [start]
    while todo:
        for s in ix.same.get(todo.pop(), ()):
            if s not in seen:
                seen.add(s)
                todo.append(s)
    return seen


def _conflicts_of_claim(ix: _Index, c: str, claimant: str, about: str) -> list[Conflict]:
    stated_in = ix.single["stated_in"].get(c)
    claim_date = ix.attrs[c].get("date") or (ix.attrs[stated_in].get("date") if stated_in else None)
    head = [Step(ix.id(claimant), ix.label(claimant), "actor", "made"),
            Step(ix.id(c), ix.label(c), "claim", "about")]
    rule = rules.contradicted_by(ix.challenge(c)) if ix.challenge(c) else "documentation"
    if rule == "none":  # e.g. a challenge of wrongdoing: documentation of who did it never contradicts it
        return []
    found: list[Conflict] = []
    documented: set[str] = set()
    for event, hops in _walk(ix, about):
        evidence = _evidence(ix, event, claimant, claim_date, attributing=rule == "attribution")
        if evidence:
            documented.add(event)
            found.append(_documented(ix, _path_kind(hops), c, claimant, about, event,
                                     _path(ix, head, about, hops, event), evidence, claim_date))
    if rule == "attribution":  # an assertion that it happened does not say who did it
        return found
    return found + _assertions(ix, c, claimant, about, head, claim_date, documented)


def _path_kind(hops: list[tuple[str, str]]) -> str:
    edges = {e for e, _ in hops}
    if "matches" in edges:
        return "described"
    return "alias" if "same_as" in edges else "part-of" if "has_part" in edges else "direct"


def _path(ix: _Index, head: list[Step], about: str, hops: list[tuple[str, str]], event: str) -> list[Step]:
    """The steps from the claimant through the claim and its event down the hops to ``event``."""
    path, prev = [*head], about
    for edge, node in hops:
        path.append(Step(ix.id(prev), ix.label(prev), "description" if edge == "matches" else "event", edge,
                         ix.id(node) if edge == "has_part" else None))
        prev = node
    path.append(Step(ix.id(event), ix.label(event), "event", "documented_by"))
    return path


def _assertions(ix: _Index, c: str, claimant: str, about: str, head: list[Step], claim_date: str | None,
                documented: set[str]) -> list[Conflict]:
    """Assertions of the same event (or an alias of it; a part is not the whole), by either side:
    a self-contradiction, and a counter-claim where nothing independent documents it."""
    same = _aliases(ix, about)
    asserting = rules.asserting_stances()
    by_self, by_others = [], []
    for event in same:
        for other in ix.claims_about.get(event, ()):
            if other != c and ix.stance(other) in asserting:
                who = ix.single["by"].get(other)
                (by_self if ix.ind.same_side(who, claimant) else by_others).append(other)
    found = []
    if by_self:
        found.append(_asserted(ix, "self-contradiction", c, claimant, about, by_self, head, claim_date))
    if by_others and not documented & same:
        found.append(_asserted(ix, "counter-claim", c, claimant, about, by_others, head, claim_date))
    return found


def _evidence(ix: _Index, event: str, claimant: str, claim_date: str | None,
              attributing: bool = False) -> list[tuple[Evidence, tuple[str, ...]]]:
    """The documentation of ``event`` not from the claimant's side: each with the publisher keys
    of its known origins (its unknown origins are on the Evidence)."""
    out = []
    for source, evidence, quote, data in ix.docs.get(event, ()):
        if ix.ind.own_source(source, claimant):
            continue
        held = [a for a in data.get("attributes_to", ()) if a in ix.attrs]
        via = [v for v in data.get("via", ()) if v in ix.attrs]
        if any(ix.ind.own_source(v, claimant) for v in via):
            continue  # carried only by the claimant's side
        if attributing and not any(ix.ind.same_side(a, claimant) for a in held):
            continue  # only documentation attributing the act to the claimant's side
        keys = ix.ind.keys(source)
        found = _evidence_of(ix, event, source, evidence, quote, data, held, via, keys, claim_date)
        out.append((found, keys))
    return sorted(out, key=lambda e: (e[0].source, e[0].evidence))


def _evidence_of(ix: _Index, event: str, source: str, evidence: str, quote: str | None, data: dict,
                 held: list[str], via: list[str], keys: tuple[str, ...], claim_date: str | None) -> Evidence:
    """The :class:`Evidence` of one documentation of ``event`` by ``source``."""
    s = ix.attrs[source]
    publisher, author = ix.single["publisher"].get(source), ix.single["author"].get(source)
    rel, cred = _grades(ix, source, data)
    return Evidence(
        source=ix.id(source), title=ix.label(source), evidence=evidence, event=ix.id(event),
        publisher=ix.id(publisher) if publisher else None,
        publisher_name=ix.label(publisher) if publisher else None,
        author=ix.id(author) if author else None,
        author_name=ix.label(author) if author else None,
        date=s.get("date"), url=s.get("url"), quote=quote,
        timing=_timing(s.get("date"), claim_date), group=",".join(keys),
        origin="known" if keys else "unknown", unknown_origins=ix.ind.unknown_origins(source),
        attributes_to=tuple(sorted(ix.id(a) for a in held)), via=tuple(sorted(ix.id(v) for v in via)),
        chain=data.get("chain") or ("as reported by " + ", ".join(f"'{ix.label(v)}'" for v in via)
                                    + "; the original not examined here") if via else "",
        weight=round(_weight(ix, event, source, evidence, data, via), 6), known_by=_known_by(data),
        reliability=rel, credibility=cred, grade=rel + cred,
        inferred=tuple(sorted({*s.get("inferred", ()), *data.get("inferred", ())})))


def _known_by(data: dict) -> str:
    """How much of a documentation is known (ev:KnownBy): its ``known_by``, else its content."""
    return (data.get("known_by") or [rules.default_code("KnownBy")])[0]


def _grades(ix: _Index, source: str, data: dict) -> tuple[str, str]:
    """The Admiralty grades of one documentation: its own, else its source's, else the schemes'
    default ("cannot be judged": F, 6)."""
    s = ix.attrs[source]
    rel, cred = ((data.get(f) or [s.get(f) or rules.default_grade(name)])[0]
                 for f, name in zip(("reliability", "credibility"), GRADES, strict=True))
    return rel, cred


def _own_weight(ix: _Index, source: str, evidence: str, data: dict) -> float:
    """evidence type's weight × how it is known × the reliability and credibility factors."""
    rel, cred = _grades(ix, source, data)
    return (rules.weight("EvidenceTypes", evidence) * rules.weight("KnownBy", _known_by(data))
            * rules.weight(GRADES[0], rel) * rules.weight(GRADES[1], cred))


def _weight(ix: _Index, event: str, source: str, evidence: str, data: dict, via: list[str]) -> float:
    """The documentation's own weight (:func:`_own_weight`); second-hand (``via``), at most the weight
    of the carrier's own documentation of the event (else the evidence types' default weight)."""
    w = _own_weight(ix, source, evidence, data)
    if not via:
        return w
    carried = [_own_weight(ix, s, e, d) for s, e, _q, d in ix.docs.get(event, ()) if s in via]
    return min(w, max(carried) if carried else rules.default_weight("EvidenceTypes"))


def _timing(source_date: str | None, claim_date: str | None) -> str:
    if not source_date or not claim_date:
        return "unknown"
    if source_date < claim_date:
        return "before the claim"
    if source_date > claim_date:
        return "after the claim"
    return "same day"


def _overall_timing(evidence: list[Evidence], stance: str) -> str:
    verb = rules.stance_words(stance)[1]  # the stance's verb, whatever is challenged
    timings = {e.timing for e in evidence}
    if "before the claim" in timings:
        return f"{verb} after it was documented"
    if timings == {"after the claim"}:
        return f"documented after it was {verb}"
    if "same day" in timings:
        return f"{verb} on the day it was documented"
    return "order unknown"


def _what(ix: _Index, c: str, claimant: str, about: str) -> str:
    """The neutral subject of a conflict sentence, the same for every party: it says what the claim
    challenges (occurrence, responsibility, account), never more."""
    stance, challenge = ix.stance(c), ix.challenge(c)
    noun = rules.stance_words(stance or "")[0]
    if challenge == "occurrence":
        return f"{noun} by {claimant} of '{about}'"
    if challenge == "responsibility":
        return (f"{noun} by {claimant} of their side's responsibility for '{about}' (the claim does "
                "not deny that it happened; it disputes who did it)")
    accounts = [f"'{ix.label(a)}'" for a in ix.accounts.get(c, ())]
    named = f", given in {', '.join(accounts)}" if accounts else ""
    return (f"{noun} by {claimant} of the account of '{about}'{named} (the claim does not deny that it "
            "happened; it challenges the account)")


def _makers(evidence: list[Evidence]) -> str:
    """Who documented it, each once; second-hand documentation with its evidence types and its chain,
    and documentation known only by its title or heading said so ("CBN (video, known by ...)")."""
    notes: dict[str, dict[str, list[str]]] = {}
    for e in evidence:
        name = e.publisher_name or e.author_name or f"'{e.title}' (origin unknown)"
        said = notes.setdefault(name, {})
        how = ([e.chain] if e.via else []) + ([f"known by {rules.concepts('KnownBy')[e.known_by].label}"]
                                             if e.known_by != rules.default_code("KnownBy") else [])
        if how:
            kinds = said.setdefault("; ".join(how), [])
            kinds += [e.evidence] if e.evidence not in kinds else []
    out = []
    for name, said in notes.items():
        parts = "; ".join(", ".join([*kinds, how]) for how, kinds in said.items())
        out.append(f"{name} ({parts})" if parts else name)
    return ", ".join(out)


def _documented(ix: _Index, kind: str, c: str, claimant: str, about: str, event: str,
                path: list[Step], counted: list[tuple[Evidence, tuple[str, ...]]],
                claim_date: str | None) -> Conflict:
    stance = ix.stance(c) or ""
    evidence = [e for e, _keys in counted]
    weights = independent_weights((keys, e.weight) for e, keys in counted)
    unknown = independent_weights((e.unknown_origins, e.weight) for e, _keys in counted)
    origin = {k: rules.weight("OriginKinds", k) for k in ("known", "unknown")}
    score = round(rules.weight("FindingKinds", kind) * (origin["known"] * sum(weights.values())
                                                        + origin["unknown"] * sum(unknown.values())), 3)
    links = [s.asserted_by for s in path if s.asserted_by]
    said = f"; the part-of link is asserted by the record '{', '.join(links)}'" if links else ""
    matched = _matched(ix, path)
    detail = {"direct": "",
              "part-of": f" (documented: '{ix.label(event)}', part of '{ix.label(about)}'{said})",
              "alias": f" (via an alias: '{ix.label(event)}')",
              "described": f" (documented: '{ix.label(event)}', which fits the description: "
                           f"{'; '.join(matched)})"}[kind]
    summary = (f"{_what(ix, c, ix.label(claimant), ix.label(about))} conflicts with documentation "
               f"by {_makers(evidence)}{detail}{_rendered(ix, c)}")
    found = _conflict(ix, kind, c, claimant, about, event, path, evidence, len(weights), score,
                      _overall_timing(evidence, stance), summary, claim_date, (),
                      tuple(sorted(weights)), tuple(sorted(unknown)))
    return replace(found, matched=matched) if matched else found


def _matched(ix: _Index, path: list[Step]) -> tuple[str, ...]:
    """Why the event fits the claim's description (kb.analysis.matching), if the path has a match."""
    for step, following in pairwise(path):
        if step.edge == "matches":
            return ix.why.get((step.node, following.node), ())
    return ()


def _asserted(ix: _Index, kind: str, c: str, claimant: str, about: str, others: list[str],
              head: list[Step], claim_date: str | None) -> Conflict:
    what = _what(ix, c, ix.label(claimant), ix.label(about))
    others = sorted(set(others), key=ix.id)
    makers = [ix.single["by"][o] for o in others if o in ix.single["by"]]
    names = list(dict.fromkeys(ix.label(a) for a in makers))
    if kind == "self-contradiction":
        summary = f"{what} conflicts with an assertion of it by {', '.join(names)} (the same side)"
    else:
        summary = (f"{what} is contested by an assertion of it by {', '.join(names)}, with no "
                   "independent documentation")
    summary += _rendered(ix, c)
    path = [*head, Step(ix.id(about), ix.label(about), "event", "asserted_by")]
    path += [Step(ix.id(o), ix.label(o), "claim", None) for o in others]
    score = round(rules.weight("FindingKinds", kind) * len(set(makers)), 3)
    return _conflict(ix, kind, c, claimant, about, about, path, [], 0, score, "not applicable",
                     summary, claim_date, tuple(ix.id(o) for o in others))


def _rendered(ix: _Index, c: str) -> str:
    """"; the claim as rendered in 'X'" when the claim is known through another source's rendering."""
    r = ix.single["rendered_in"].get(c)
    return f"; the claim as rendered in '{ix.label(r)}'" if r else ""


def _conflict(ix: _Index, kind: str, c: str, claimant: str, about: str, event: str,
              path: list[Step], evidence: list[Evidence], n: int, score: float, timing: str,
              summary: str, claim_date: str | None, counter: tuple[str, ...],
              origins: tuple[str, ...] = (), unknown: tuple[str, ...] = ()) -> Conflict:
    stance = ix.stance(c) or ""
    stated_in, rendered = ix.single["stated_in"].get(c), ix.single["rendered_in"].get(c)
    return Conflict(
        kind=kind, claim=ix.id(c), claimant=ix.id(claimant), claimant_name=ix.label(claimant),
        stance=stance, challenge=ix.challenge(c), quote=ix.attrs[c].get("text", ""),
        event=ix.id(about), event_label=ix.label(about), documented_event=ix.id(event),
        documented_event_label=ix.label(event), path=tuple(path), sources=tuple(evidence),
        independent_publishers=n, score=score, timing=timing, summary=summary,
        stated_in=ix.id(stated_in) if stated_in else None,
        stated_in_title=ix.label(stated_in) if stated_in else None,
        claim_date=claim_date, counter_claims=counter, independent_origins=origins,
        unknown_origins=len(unknown), unknown_origin_sources=unknown,
        independence=rules.independence_phrase(n, len(unknown)),
        concedes=tuple(ix.attrs[c].get("concedes", ())),
        challenged_account=tuple(ix.id(a) for a in ix.accounts.get(c, ())),
        contradicted_by=rules.contradicted_by(ix.challenge(c)) if ix.challenge(c) else "",
        rendered_in=ix.id(rendered) if rendered else None,
        rendered_in_title=ix.label(rendered) if rendered else None,
        claim_inferred=tuple(ix.attrs[c].get("inferred", ())),
        grades=tuple(sorted({e.grade for e in evidence})))

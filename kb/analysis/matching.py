"""Claims about described events: which documented events a claim's description fits, and why.

A claim may be about a *description* of events (``describes``: a place, a date or interval,
event kinds, an actor, coordinates with a radius) instead of, or besides, event ids. An event fits
the description when it fits every part the description gives — exactly, nothing fuzzy:

* **place**: the event's place is the described place or lies within it, at any depth, by the
  containment of the store generation (:mod:`kb.build.containment`: a place's ``part_of``, a
  dataset's admin chain, ``owl:sameAs``); the chain of links is the explanation;
* **radius** (with latitude and longitude): the event's *own* coordinates lie within the radius
  and the dataset codes them as precise (``ev:geoPrecision`` 1); a place's centroid never matches
  by radius. Given with a place, either reaches the event;
* **date**: the event's date or interval overlaps the described date or interval (both ends
  inclusive); an undated event never fits a dated description;
* **kinds**: the event's type or sub-event type is a listed kind, or narrower than one
  (``skos:broader``; a legacy type's ``skos:broadMatch``);
* **actor**: the event involves the actor (``ev:involves`` or a role under it), or an actor
  recorded as the same (``owl:sameAs``).

Each match is one :class:`Match` (one claim × one documented event, with why). The conflict
engine (:mod:`kb.analysis.conflicts`) meets them as ``described`` findings under its usual rules
(challenges, independence, attribution): :func:`add_described` puts each description into the
projected graph as a node the claim is ``about``, with one ``matches`` edge to each event it fits.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import networkx as nx
import rdflib

from kb.build.containment import CONTAINMENT, places_inside
from kb.build.derived import collector_paused, load
from kb.model.authoring import field as authoring_field
from kb.model.graphs import scope
from kb.model.terms import DCTERMS, EV, OWL, RDFS, SCHEMA, SKOS, label, ontology
from kb.sparql.endpoint import Endpoint

EARTH_KM = 6371.0088  # the mean Earth radius (IUGG)


@dataclass
class Description:
    """One claim's description of events, as stored."""

    iri: str
    claim: str
    place: str | None = None
    start: str | None = None
    end: str | None = None
    kinds: list[str] = field(default_factory=list)
    actor: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float | None = None

    def words(self, name: dict[str, str]) -> str:
        """A readable label: "events in Town (and places within it), 2020-10-01 to 2020-10-05, …"."""
        parts = []
        if self.place:
            parts.append(f"in {name.get(self.place, self.place)} (and places within it)")
        if self.radius_km is not None:
            parts.append(f"within {self.radius_km:g} km of ({self.latitude:g}, {self.longitude:g})")
        if self.start:
            parts.append(self.start if self.start == self.end else f"{self.start} to {self.end}")
        if self.kinds:
            parts.append("of kind " + " or ".join(label(k) for k in self.kinds))
        if self.actor:
            parts.append(f"involving {name.get(self.actor, self.actor)}")
        return "events " + ", ".join(parts)


@dataclass
class Incident:
    """What matching reads of one event."""

    iri: str
    place: str | None = None
    start: str | None = None
    end: str | None = None
    kinds: set[str] = field(default_factory=set)
    actors: dict[str, str] = field(default_factory=dict)   # actor -> the role property that codes it
    latitude: float | None = None
    longitude: float | None = None
    precision: int | None = None


@dataclass(frozen=True)
class Match:
    """One claim's description fits one event: each line of ``why`` says how (place, dates, kind,
    actor)."""

    claim: str
    description: str
    event: str
    why: tuple[str, ...]


# -- reading -------------------------------------------------------------------------------------


def _props(key: str, name: str) -> list[str]:
    f = authoring_field(key, name)
    return [*f.properties, *(p for p in (f.start_property, f.end_property) if p)]


@cache
def _description_query() -> str:
    describes = authoring_field("claims", "describes").properties[0]
    props = sorted({p for n in ("place", "date", "kinds", "actor", "latitude", "longitude", "radius_km")
                    for p in _props("describes", n)})
    return f"""SELECT ?claim ?d ?p ?o WHERE {{ VALUES ?p {{ {" ".join(f"<{p}>" for p in props)} }}
        GRAPH ?g {{ ?claim <{describes}> ?d . ?d ?p ?o }} {scope()} }}"""


def _field_of(key: str) -> dict[str, str]:
    """Property IRI -> authoring field name (a DateOrInterval's start/end: "start"/"end")."""
    out = {}
    for n in ("place", "date", "kinds", "actor", "latitude", "longitude", "radius_km"):
        f = authoring_field(key, n)
        out.update({p: n for p in f.properties})
        if f.start_property:
            out[f.start_property], out[f.end_property or ""] = "start", "end"
    return out


def descriptions(endpoint: Endpoint) -> list[Description]:
    """Every stored description of events, with its claim."""
    names = _field_of("describes")
    found: dict[str, Description] = {}
    for r in endpoint.select(_description_query()):
        d = found.setdefault(r["d"], Description(r["d"], r["claim"]))
        name, value = names[r["p"]], r["o"]
        if name == "kinds":
            d.kinds.append(value)
        elif name == "date":
            d.start = d.end = value
        elif name in ("latitude", "longitude", "radius_km"):
            setattr(d, name, float(value))
        else:
            setattr(d, name, value)
    for d in found.values():
        d.kinds.sort()
        if d.start and not d.end:
            d.end = d.start
    return sorted(found.values(), key=lambda d: d.iri)


@cache
def _role_properties() -> dict[str, str]:
    """ev:involves and every property under it (the roles a dataset codes) -> its label."""
    g = ontology()
    roles = set(g.transitive_subjects(RDFS.subPropertyOf, EV.involves))
    return {str(p): str(g.value(p, RDFS.label) or label(str(p))) for p in roles}


@cache
def _kind_properties() -> frozenset[str]:
    """The properties that give an event's kind: its ``kind`` field, and a dataset's event type and
    sub-event type."""
    return frozenset({*authoring_field("events", "kind").properties, str(EV.eventType), str(EV.subEventType)})


@cache
def _event_query() -> str:
    place = authoring_field("events", "place").properties[0]
    dates = _props("events", "date")
    values = [place, *dates, *_kind_properties(), str(SCHEMA.latitude), str(SCHEMA.longitude),
              str(EV.geoPrecision), *_role_properties()]
    return f"""SELECT ?e ?p ?o WHERE {{ VALUES ?p {{ {" ".join(f"<{p}>" for p in sorted(set(values)))} }}
        GRAPH ?g {{ ?e ?p ?o . ?e a <{EV.Event}> }} {scope()} }}"""


def incidents(endpoint: Endpoint) -> dict[str, Incident]:
    """Every event with what matching reads of it (place, dates, kinds, coordinates, actors)."""
    place = authoring_field("events", "place").properties[0]
    date = authoring_field("events", "date")
    roles = _role_properties()
    out: dict[str, Incident] = {}
    for r in endpoint.select(_event_query()):
        e = out.setdefault(r["e"], Incident(r["e"]))
        p, o = r["p"], r["o"]
        if p == place:
            e.place = o
        elif p in date.properties:
            e.start = e.end = o
        elif p == date.start_property:
            e.start = o
        elif p == date.end_property:
            e.end = o
        elif p in _kind_properties():
            e.kinds.add(o)
        elif p in roles:
            if roles.get(e.actors.get(o, ""), "") in ("", roles[str(EV.involves)]):
                e.actors[o] = p  # the specific role over the general ev:involves
        else:
            _coordinate(e, p, o)
    for e in out.values():
        e.end = e.end or e.start
        e.start = e.start or e.end
    return out


def _coordinate(e: Incident, p: str, o: str) -> None:
    if p == str(SCHEMA.latitude):
        e.latitude = float(o)
    elif p == str(SCHEMA.longitude):
        e.longitude = float(o)
    elif p == str(EV.geoPrecision):
        e.precision = int(float(o))


@cache
def narrower(kind: str) -> frozenset[str]:
    """``kind`` and every concept narrower than it (skos:broader, skos:broadMatch; any depth)."""
    g = ontology()
    out, todo = {kind}, [rdflib.URIRef(kind)]
    while todo:
        k = todo.pop()
        for p in (SKOS.broader, SKOS.broadMatch):
            for n in g.subjects(p, k):
                if str(n) not in out:
                    out.add(str(n))
                    todo.append(n)
    return frozenset(out)


def _names(endpoint: Endpoint) -> dict[str, str]:
    q = f"SELECT ?s ?label WHERE {{ GRAPH ?g {{ ?s <{RDFS.label}> ?label }} {scope()} }}"
    return {r["s"]: r["label"] for r in endpoint.select(q)}


def _same_actors(endpoint: Endpoint) -> dict[str, set[str]]:
    q = f"SELECT ?a ?b WHERE {{ GRAPH ?g {{ ?a <{OWL.sameAs}> ?b }} {scope()} }}"
    pairs: dict[str, set[str]] = defaultdict(set)
    for r in endpoint.select(q):
        pairs[r["a"]].add(r["b"])
        pairs[r["b"]].add(r["a"])
    return pairs


def _ids(endpoint: Endpoint) -> dict[str, str]:
    q = f"SELECT ?s ?id WHERE {{ GRAPH ?g {{ ?s <{DCTERMS.identifier}> ?id }} {scope()} }}"
    return {r["s"]: r["id"] for r in endpoint.select(q)}


# -- matching ------------------------------------------------------------------------------------

def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


class Matcher:
    """The events of one store, indexed once; :meth:`match` fits a description against them."""

    def __init__(self, events: dict[str, Incident], containment: dict, names: dict[str, str],
                 same: dict[str, set[str]], ids: dict[str, str]):
        self.events, self.containment, self.names, self.same, self.ids = events, containment, names, same, ids
        self.by_place: dict[str, list[str]] = defaultdict(list)
        self.by_kind: dict[str, list[str]] = defaultdict(list)
        # per place, its dated events by start: one-day events (cut at both ends by a described
        # interval) and intervals (cut at the end only); a first cut, every part is checked after
        self.days: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.spans: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for iri in sorted(events):
            e = events[iri]
            if e.place:
                self.by_place[e.place].append(iri)
                if e.start:
                    (self.days if e.start == e.end else self.spans)[e.place].append((e.start, iri))
            for k in e.kinds:
                self.by_kind[k].append(iri)
        for dated in (self.days, self.spans):
            for rows in dated.values():
                rows.sort()
        self.precise = sorted((e.latitude, e.longitude or 0.0, iri) for iri, e in events.items()
                              if e.precision == 1 and e.latitude is not None and e.longitude is not None)

    def name(self, iri: str) -> str:
        return self.names.get(iri) or self.ids.get(iri) or iri

    def match(self, d: Description) -> list[Match]:
        """Every event ``d`` fits, in IRI order, each with why."""
        inside = places_inside(self.containment, d.place) if d.place else {}
        near = self._near(d) if d.radius_km is not None else {}
        kinds = {n: k for k in d.kinds for n in narrower(k)}
        out = []
        for iri in self._candidates(d, inside, near, kinds):
            why = self._fits(d, self.events[iri], inside, near, kinds)
            if why is not None:
                out.append(Match(d.claim, d.iri, iri, tuple(why)))
        return out

    def _candidates(self, d: Description, inside: dict, near: dict, kinds: dict) -> Iterable[str]:
        if d.place or d.radius_km is not None:
            if d.start:
                return sorted({e for p in inside for e in self._in_time(p, d.start, d.end or d.start)}
                              | set(near))
            return sorted({e for p in inside for e in self.by_place.get(p, ())} | set(near))
        if kinds:
            return sorted({e for k in kinds for e in self.by_kind.get(k, ())})
        return sorted(self.events)

    def _in_time(self, place: str, start: str, end: str) -> list[str]:
        """The events at ``place`` whose dates may overlap ``start``–``end`` (the same string
        comparison as :meth:`_dates`, which decides)."""
        days, spans = self.days.get(place, []), self.spans.get(place, [])
        lo, hi = bisect_left(days, (start, "")), bisect_right(days, (end, "\U0010ffff"))
        return [iri for _s, iri in days[lo:hi]] + [
            iri for _s, iri in spans[:bisect_right(spans, (end, "\U0010ffff"))]]

    def _near(self, d: Description) -> dict[str, float]:
        """Events with precise own coordinates within the radius -> their distance in km."""
        lat, lon, r = d.latitude or 0.0, d.longitude or 0.0, d.radius_km or 0.0
        span = r / 111.0 + 1e-9  # degrees of latitude: a first cut, then the exact distance
        lo = bisect_right(self.precise, (lat - span, -math.inf, ""))
        out = {}
        for plat, plon, iri in self.precise[lo:]:
            if plat > lat + span:
                break
            km = distance_km(lat, lon, plat, plon)
            if km <= r:
                out[iri] = km
        return out

    def _fits(self, d: Description, e: Incident, inside: dict, near: dict, kinds: dict) -> list[str] | None:
        """Why ``e`` fits ``d`` (place, dates, kind, actor, in that order), or None. The parts are
        tried cheapest and most selective first, so the place's chain is only put in words for an
        event that fits."""
        why: dict[str, str] = {}
        for name in _TRIED:
            line = getattr(self, name)(d, e, inside, near, kinds)
            if line is False:
                return None
            why[name] = line
        return [why[name] for name in _EXPLAINED if why[name]]

    def _place(self, d: Description, e: Incident, inside: dict, near: dict, kinds: dict) -> str | bool:
        if not d.place and d.radius_km is None:
            return ""
        if e.place in inside:
            chain = inside[e.place]
            if not chain:
                return f"place: {self.name(e.place)}"
            return f"place: {self.name(e.place)}, within {self.name(d.place or '')} (" + "; ".join(
                self._link(*link) for link in chain) + ")"
        if e.iri in near:
            return (f"coordinates: {near[e.iri]:.1f} km from ({d.latitude:g}, {d.longitude:g}), within "
                    f"{d.radius_km:g} km (the event's own coordinates, geo_precision 1)")
        return False

    def _link(self, child: str, parent: str, how: str, by: str) -> str:
        if how == "part_of":
            return f"{self.name(child)} part of {self.name(parent)}, as the record '{by}' states"
        if how == "coded_within":
            return f"{self.name(child)} coded within {self.name(parent)} by the dataset '{self.name(by)}'"
        return f"{self.name(child)} the same place as {self.name(parent)}"

    def _dates(self, d: Description, e: Incident, inside: dict, near: dict, kinds: dict) -> str | bool:
        if not d.start:
            return ""
        if not e.start or not (e.start <= (d.end or d.start) and d.start <= (e.end or e.start)):
            return False
        when = e.start if e.start == e.end else f"{e.start} to {e.end}"
        asked = d.start if d.start == d.end else f"{d.start} to {d.end}"
        return f"dates: {when}, within {asked}" if d.start <= e.start and (e.end or "") <= (d.end or "") \
            else f"dates: {when}, overlapping {asked}"

    def _kind(self, d: Description, e: Incident, inside: dict, near: dict, kinds: dict) -> str | bool:
        if not d.kinds:
            return ""
        hit = sorted(k for k in e.kinds if k in kinds)
        if not hit:
            return False
        return "kind: " + ", ".join(_label(k) + ("" if kinds[k] == k else f" (under the listed kind "
                                                  f"{_label(kinds[k])})") for k in hit)

    def _actor(self, d: Description, e: Incident, inside: dict, near: dict, kinds: dict) -> str | bool:
        if not d.actor:
            return ""
        who = {d.actor} | self.same.get(d.actor, set())
        for a in sorted(who):
            if a in e.actors:
                role = _role_properties().get(e.actors[a], "involves")
                return f"actor: {self.name(a)} ({role})"
        return False


_EXPLAINED = ("_place", "_dates", "_kind", "_actor")  # the order a match's reasons read in
_TRIED = ("_dates", "_actor", "_kind", "_place")     # the order they are tried in


@cache
def _label(iri: str) -> str:
    return label(iri)


def matcher(endpoint: Endpoint, use_stored: bool = True, *, names: dict[str, str] | None = None,
            ids: dict[str, str] | None = None) -> Matcher:
    """A :class:`Matcher` over the events behind ``endpoint``, with the containment of its store
    generation (stored with it, or computed now). ``names`` and ``ids``: every subject's label and
    identifier, when the caller has already read them (the same queries as :func:`_names` and
    :func:`_ids`)."""
    containment = load(getattr(endpoint, "snapshot", None), CONTAINMENT, endpoint.select,
                       use_stored=use_stored)
    return Matcher(incidents(endpoint), containment, _names(endpoint) if names is None else names,
                   _same_actors(endpoint), _ids(endpoint) if ids is None else ids)


def matches(endpoint: Endpoint, *, use_stored: bool = True) -> list[Match]:
    """Every (claim, documented event) pair a claim's description reaches, with why."""
    with collector_paused():
        found = descriptions(endpoint)
        if not found:
            return []
        m = matcher(endpoint, use_stored)
        return [x for d in found for x in m.match(d)]


def add_described(g: nx.MultiDiGraph, endpoint: Endpoint) -> None:
    """Each description into ``g`` (a projection of :mod:`kb.analysis.projection` or
    :mod:`kb.analysis.candidates`): a node the claim is ``about``, labelled with what it
    describes, and a ``matches`` edge (carrying ``why``) to each event it fits."""
    found = descriptions(endpoint)
    if not found:
        return
    m = matcher(endpoint, names=g.graph.get("names"), ids=g.graph.get("ids"))  # candidate_graph read them
    names = m.ids | m.names  # a record's name, else its id (made once, not per description)
    for d in found:
        if d.claim not in g:
            continue
        claim_id = g.nodes[d.claim].get("id", d.claim)
        g.add_node(d.iri, id=f"{claim_id}/describes", iri=d.iri, cls="description", label=d.words(names))
        g.add_edge(d.claim, d.iri, key="about", property=authoring_field("claims", "describes").properties[0])
        for x in m.match(d):
            if x.event in g:
                g.add_edge(d.iri, x.event, key="matches", why=x.why)

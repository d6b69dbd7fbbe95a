"""Synthetic evidence graphs with planted conflicts among distractors.

The data is made of small independent "cells", each a pattern whose conflicts are known by
construction; cells repeat (with varied parameters) until the wanted number of triples is reached.
Patterns: a direct conflict; documentation only by the claimant's own or affiliated outlet (no
conflict); a denial of an undocumented event (none); derived-from chains (one independent publisher
however long the chain; a source derived from the claimant's own statement does not count);
part_of chains of depth 1 to 5 (part-of); owl:sameAs aliases (alias); another actor's assertion with
no documentation (counter-claim); the same side asserting and denying (self-contradiction);
affiliation and sameAs cycles the walk must survive (none); assertions only (none). And the cases of
#13: sources of unknown origin only (a direct finding with 0 independent publishers); second-hand
documentation via a carrier (direct; via the claimant's own outlet, none); documentation known only by
its title (direct); what a claim challenges (responsibility meets only documentation attributing the act
to the claimant's side, wrongdoing meets nothing, an account challenge meets any documentation, a
concession is no dispute); one claim about a pattern and its documented part (one folded finding);
Admiralty-graded sources (direct). And of #19: a claim about *described* events (a region, a day, a
broad kind) among events in a sibling region, on the next day and of another kind (described, each
event inside the region at any depth, overlapping the day, of a narrower kind; nothing else).
:func:`described_incidents` makes the matching benchmark's data: many described claims against many
incidents, every fit planted.

    python scripts/generate.py --triples 10000 --out graphs/synthetic --format both

writes ``synthetic.yaml`` (the authoring format), ``synthetic.nt`` (exactly what ``kb build``
makes of that YAML, without provenance) and ``manifest.json`` (the planted conflicts as
``[kind, claim id, documented event id]``). Import it and call :func:`generate` from Python.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kb.model.authoring import Field, RecordSpec, nested_records, records, shortcut
from kb.model.kinds import LANG_RE
from kb.model.records import Loc, Record, compile_records
from kb.model.terms import DCTERMS, DEFAULT_BASE, RDF, XSD

PATTERNS = ("direct", "own-outlet", "undocumented", "derived", "part-of", "alias", "counter-claim",
            "self-contradiction", "cycles", "asserts-only", "unknown-origin", "second-hand", "title-only",
            "challenges", "folding", "graded", "described")
TRIPLES_PER_CELL = 50  # the average over the patterns, to size the number of cells
EVIDENCE = ("eyewitness", "photo", "video", "satellite", "forensic", "testimony", "official-record",
            "news-report")


@dataclass
class Dataset:
    """Records by top-level key (as YAML would hold them) and the planted conflicts."""

    records: dict[str, list[dict]] = field(default_factory=lambda: {k: [] for k in records()})
    expected: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, key: str, **fields: object) -> str:
        self.records[key].append(fields)
        return str(fields["id"])


def _cell(ds: Dataset, n: int, pattern: str, rng: random.Random) -> None:  # noqa: C901 (one branch per pattern)
    p = f"c{n}-"
    gov = ds.add("actors", id=p + "gov", name=f"Government {n}", kind="government")
    leader = ds.add("actors", id=p + "leader", name=f"Leader {n}", kind="person", affiliated_with=[gov],
                    aliases=[f"L{n}@en"])
    outlet = ds.add("actors", id=p + "outlet", name=f"Independent outlet {n}", kind="media")
    place = ds.add("places", id=p + "town", name=f"Town {n}", aliases=[f"Town-{n}@hy", f"Taun {n}@az"])
    date = f"2020-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    def event(name: str, **kw: object) -> str:
        return ds.add("events", id=p + name, label=f"Event {name} in cell {n}", place=place, **kw)

    def source(name: str, **kw: object) -> str:
        kw.setdefault("publisher", outlet)
        if kw["publisher"] is None:  # of unknown origin
            del kw["publisher"]
        return ds.add("sources", id=p + name, title=f"Source {name} {n}", kind=rng.choice(
            ["article", "report", "video"]), date=date, url=f"https://example.org/{n}/{name}", **kw)

    def doc(src: str) -> list[dict]:
        return [{"source": src, "evidence": rng.choice(EVIDENCE), "quote": f"We saw {src}."}]

    def claim(name: str, by: str, stance: str, about: list[str], **kw: object) -> str:
        return ds.add("claims", id=p + name, by=by, stance=stance, about=about,
                      text=f"Claim {name} {n}: {stance}.", date=date, **kw)

    if pattern in _FINDINGS_CASES:
        _FINDINGS_CASES[pattern](ds, rng, leader=leader, gov=gov, outlet=outlet, event=event, source=source,
                                 doc=doc, claim=claim)
        return

    if pattern == "direct":
        s = source("report")
        e = event("shelling", date=date, documented_by=doc(s))
        ds.expected.append(("direct", claim("denial", leader, "denies", [e]), e))
    elif pattern == "own-outlet":
        state_tv = ds.add("actors", id=p + "state-tv", name=f"State TV {n}", kind="media",
                          affiliated_with=[gov])
        s = source("state-report", publisher=state_tv)
        e = event("incident", documented_by=doc(s))
        claim("denial", leader, "denies", [e])
    elif pattern == "undocumented":
        e = event("rumour")
        claim("denial", leader, "denies", [e])
    elif pattern == "derived":
        own = source("statement", publisher=gov)
        echo = source("echo", derived_from=[own], publisher=outlet)
        first = source("original")
        second = source("repeat", derived_from=[first], publisher=ds.add(
            "actors", id=p + "aggregator", name=f"Aggregator {n}", kind="media"))
        e = event("incident", documented_by=doc(first) + doc(second))
        e2 = event("echoed", documented_by=doc(echo))  # only the claimant's side, repeated
        ds.expected.append(("direct", claim("denial", leader, "denies", [e]), e))
        claim("denial-echoed", leader, "denies", [e2])
    elif pattern == "part-of":
        depth = 1 + (n // len(PATTERNS)) % 5  # part_of hops from the documented incident to the pattern
        parent = event("pattern")
        for d in range(1, depth):
            parent = event(f"part{d}", part_of=[parent])
        s = source("witness")
        leaf = event("incident", part_of=[parent], documented_by=doc(s))
        c = claim("denial", leader, "denies", [p + "pattern"])
        ds.expected.append(("part-of", c, leaf))
    elif pattern == "alias":
        s = source("report")
        documented = event("documented", documented_by=doc(s))
        e = event("named-otherwise", same_as=[documented])
        ds.expected.append(("alias", claim("denial", leader, "denies", [e]), documented))
    elif pattern == "counter-claim":
        rival = ds.add("actors", id=p + "rival", name=f"Rival {n}", kind="person")
        e = event("capture")
        claim("announcement", rival, "asserts", [e])
        ds.expected.append(("counter-claim", claim("denial", gov, "denies", [e]), e))
    elif pattern == "self-contradiction":
        e = event("operation")
        claim("admission", leader, "asserts", [e])
        ds.expected.append(("self-contradiction", claim("denial", gov, "denies", [e]), e))
    elif pattern == "cycles":
        a = ds.add("actors", id=p + "a", name=f"A {n}", kind="person", affiliated_with=[p + "b"])
        ds.add("actors", id=p + "b", name=f"B {n}", kind="organisation", affiliated_with=[a])
        e1 = event("x1")
        e2 = event("x2", same_as=[e1])
        event("x3", same_as=[e2], part_of=[e1])
        ds.records["events"][-3]["same_as"] = [p + "x3"]
        claim("denial", a, "denies", [e1])
    elif pattern == "asserts-only":
        s = source("report")
        e = event("event", documented_by=doc(s))
        claim("assertion", leader, "asserts", [e])


def _unknown_origin(ds: Dataset, rng: random.Random, **k) -> None:
    """Two sources with neither publisher nor author: a direct finding, 0 independent publishers."""
    a, b = k["source"]("clip-a", publisher=None), k["source"]("clip-b", publisher=None)
    e = k["event"]("strike", documented_by=k["doc"](a) + k["doc"](b))
    ds.expected.append(("direct", k["claim"]("denial", k["leader"], "denies", [e]), e))


def _second_hand(ds: Dataset, rng: random.Random, **k) -> None:
    """Documentation known through a carrier's report (direct), and through the claimant's own
    outlet only (none)."""
    carrier, ngo = k["source"]("interview"), k["source"]("ngo-work", publisher=ds.add(
        "actors", id=k["leader"].replace("leader", "ngo"), name=f"NGO of {k['leader']}", kind="organisation"))
    e = k["event"]("bombing", documented_by=[*k["doc"](carrier), {**k["doc"](ngo)[0], "via": [carrier]}])
    ds.expected.append(("direct", k["claim"]("denial", k["leader"], "denies", [e]), e))
    own = k["source"]("state-interview", publisher=k["gov"])
    e2 = k["event"]("echo", documented_by=[{**k["doc"](ngo)[0], "via": [own]}])
    k["claim"]("denial-echo", k["leader"], "denies", [e2])


def _title_only(ds: Dataset, rng: random.Random, **k) -> None:
    s = k["source"]("listed-video")
    e = k["event"]("listed", documented_by=[{**k["doc"](s)[0], "known_by": "title"}])
    ds.expected.append(("direct", k["claim"]("denial", k["leader"], "denies", [e]), e))


def _challenges(ds: Dataset, rng: random.Random, **k) -> None:
    """Responsibility meets only attribution to the claimant's side; wrongdoing meets nothing; an
    account challenge meets any documentation; a concession is not a dispute."""
    leader, s = k["leader"], k["source"]("report")
    rival = ds.add("actors", id=leader.replace("leader", "rival"), name=f"Rival of {leader}", kind="person")
    blamed = k["event"]("blamed", documented_by=[{**k["doc"](s)[0], "attributes_to": [k["gov"]]}])
    seen = k["event"]("seen", documented_by=k["doc"](s))
    other = k["event"]("other", documented_by=[{**k["doc"](s)[0], "attributes_to": [rival]}])
    not_us = k["claim"]("not-us", leader, "disputes", [blamed], challenges="responsibility")
    ds.expected.append(("direct", not_us, blamed))
    k["claim"]("not-us-seen", leader, "disputes", [seen], challenges="responsibility")
    k["claim"]("not-us-other", leader, "disputes", [other], challenges="responsibility")
    k["claim"]("no-wrong", leader, "denies", [blamed], challenges="wrongdoing", concedes=["responsibility"])
    ds.expected.append(("direct", k["claim"]("doubt", leader, "denies", [seen], challenges="account",
                                             challenged_account=[s]), seen))


def _folding(ds: Dataset, rng: random.Random, **k) -> None:
    """One claim about a pattern and its documented part: one finding (direct), both paths folded."""
    pattern = k["event"]("pattern")
    leaf = k["event"]("incident", part_of=[pattern], documented_by=k["doc"](k["source"]("witness")))
    ds.expected.append(("direct", k["claim"]("denial", k["leader"], "denies", [pattern, leaf]), leaf))


def _graded(ds: Dataset, rng: random.Random, **k) -> None:
    s = k["source"]("graded", reliability=rng.choice("ABCDEF"), credibility=rng.choice("123456"))
    e = k["event"]("graded-event", documented_by=[{**k["doc"](s)[0], "reliability": rng.choice("ABCDEF")}])
    ds.expected.append(("direct", k["claim"]("denial", k["leader"], "denies", [e]), e))


def _described(ds: Dataset, rng: random.Random, **k) -> None:
    """A denial describing events (a region, one day, a broad kind): the events within the region
    (at depth 1 and 2) on that day (or an interval ending on it) of a narrower kind are matched; a
    sibling region's, the next day's and another kind's are not."""
    p = k["leader"].removesuffix("leader")
    land = ds.add("places", id=p + "land", name=f"Land {p}")
    region = ds.add("places", id=p + "region", name=f"Region {p}", part_of=[land])
    district = ds.add("places", id=p + "district", name=f"District {p}", part_of=[region])
    sibling = ds.add("places", id=p + "sibling", name=f"Sibling region {p}", part_of=[land])
    month, day = rng.randint(1, 12), rng.randint(2, 27)
    date = f"2020-{month:02d}-{day:02d}"
    src = k["source"]("monitor")

    def event(name: str, place: str, when: str, kind: str) -> str:
        return ds.add("events", id=p + name, label=f"Event {name} {p}", place=place, date=when, kind=[kind],
                      documented_by=k["doc"](src))

    hits = [event("shelled", district, date, "shelling"),
            event("struck", region, f"2020-{month:02d}-{day - 1:02d}/{date}", "air-strike")]
    event("sibling-shelled", sibling, date, "shelling")
    event("next-day", district, f"2020-{month:02d}-{day + 1:02d}", "shelling")
    event("captured", district, date, "capture")
    c = ds.add("claims", id=p + "described-denial", by=k["leader"], stance="denies",
               text=f"Claim described {p}: nothing was struck in the region that day.", date=date,
               describes={"place": region, "date": date, "kinds": ["remote-strike"]})
    ds.expected.extend(("described", c, e) for e in hits)


_FINDINGS_CASES = {"unknown-origin": _unknown_origin, "second-hand": _second_hand, "title-only": _title_only,
                   "challenges": _challenges, "folding": _folding, "graded": _graded, "described": _described}


def generate(triples: int = 10_000, seed: int = 1) -> Dataset:
    """A dataset of roughly ``triples`` triples with its planted conflicts."""
    rng = random.Random(seed)
    ds = Dataset()
    cells = max(len(PATTERNS), triples // TRIPLES_PER_CELL)
    for n in range(cells):
        _cell(ds, n, PATTERNS[n % len(PATTERNS)], rng)
    return ds


# -- the matching benchmark: many described claims against many incidents --------------------------

# a described kind -> the incident kinds it takes (by construction: the planted answer, which the
# matcher must reach through the ontology's skos:broader)
DESCRIBED_KINDS = {"remote-strike": ("shelling", "air-strike"), "shelling": ("shelling",),
                   "air-strike": ("air-strike",), "capture": ("capture",)}
INCIDENT_KINDS = ("shelling", "air-strike", "capture")
YEAR = 2020


@dataclass
class _World:
    """Countries > regions > districts > towns (each place's chain of places it lies in), the
    incidents by the places they lie in, and what each incident is."""

    chain: dict[str, tuple[str, ...]] = field(default_factory=dict)
    inside: dict[str, list[int]] = field(default_factory=dict)
    # id, first day, last day, kind, actor
    incidents: list[tuple[str, int, int, str, str]] = field(default_factory=list)


def _day(n: int) -> str:
    return (dt.date(YEAR, 1, 1) + dt.timedelta(days=n)).isoformat()


def _places(ds: Dataset, w: _World, regions: int) -> list[str]:
    """10 countries, ``regions`` regions, 5 districts in each, 2 towns in each district; the towns."""
    towns = []
    for c in range(10):
        ds.add("places", id=f"m-country{c}", name=f"Country {c}")
        w.chain[f"m-country{c}"] = (f"m-country{c}",)
    for r in range(regions):
        region = ds.add("places", id=f"m-region{r}", name=f"Region {r}", part_of=[f"m-country{r % 10}"])
        w.chain[region] = (region, f"m-country{r % 10}")
        for d in range(5):
            district = ds.add("places", id=f"{region}-d{d}", name=f"District {r}.{d}", part_of=[region])
            w.chain[district] = (district, *w.chain[region])
            for t in range(2):
                town = ds.add("places", id=f"{district}-t{t}", name=f"Town {r}.{d}.{t}", part_of=[district])
                w.chain[town] = (town, *w.chain[district])
                towns.append(town)
    return towns


def _incident(ds: Dataset, w: _World, n: int, rng: random.Random, towns: list[str]) -> dict:
    first = rng.randrange(360)
    last = first + (rng.randint(1, 3) if rng.random() < 0.2 else 0)
    kind, actor, town = rng.choice(INCIDENT_KINDS), f"m-force{rng.randrange(20)}", rng.choice(towns)
    when = _day(first) if first == last else f"{_day(first)}/{_day(last)}"
    rec = {"id": f"m-incident{n}", "label": f"Incident {n}", "date": when, "place": town, "kind": [kind],
           "involves": [actor],
           "documented_by": [{"source": f"m-report{n % 100}", "evidence": "news-report"}]}
    ds.records["events"].append(rec)
    w.incidents.append((rec["id"], first, last, kind, actor))
    for p in w.chain[town]:
        w.inside.setdefault(p, []).append(len(w.incidents) - 1)
    return rec


def _described_claim(ds: Dataset, w: _World, n: int, rng: random.Random, regions: int) -> None:
    """A denial describing a region (or a district, or a country), one to 14 days, one kind, and
    for one claim in three an actor; the incidents it fits planted as ``described`` conflicts."""
    roll = rng.random()
    r = rng.randrange(regions)
    place = (f"m-country{r % 10}" if roll < 0.02 else f"m-region{r}-d{rng.randrange(5)}" if roll < 0.3
             else f"m-region{r}")
    first = rng.randrange(360)
    last = first + rng.randrange(14)
    kind = rng.choice(sorted(DESCRIBED_KINDS))
    actor = f"m-force{rng.randrange(20)}" if rng.random() < 1 / 3 else None
    describes: dict[str, object] = {"place": place, "date": f"{_day(first)}/{_day(last)}", "kinds": [kind]}
    if actor:
        describes["actor"] = actor
    c = ds.add("claims", id=f"m-claim{n}", by=f"m-leader{n % 50}", stance="denies", describes=describes,
               text=f"Claim {n}: nothing of the kind happened there then.")
    for i in w.inside.get(place, ()):
        iid, a, b, k, who = w.incidents[i]
        if a <= last and first <= b and k in DESCRIBED_KINDS[kind] and actor in (None, who):
            ds.expected.append(("described", c, iid))


def described_incidents(triples: int = 1_000_000, claims: int = 10_000, seed: int = 1) -> Dataset:
    """About ``triples`` statements of incidents (each in a town of a region of a country, dated,
    of one kind, involving one force, documented by one report) and ``claims`` denials describing
    events (a place with everything inside it, an interval, a kind, perhaps a force), with every
    (claim, incident) pair the description fits planted as ``("described", claim, incident)``. The
    benchmark's data (``scripts/bench.py``, op ``matching``)."""
    rng, ds, w = random.Random(seed), Dataset(), _World()
    for a in range(20):
        ds.add("actors", id=f"m-force{a}", name=f"Force {a}", kind="organisation")
    for a in range(50):
        ds.add("actors", id=f"m-leader{a}", name=f"Spokesperson {a}", kind="person")
    for s in range(100):
        ds.add("actors", id=f"m-outlet{s}", name=f"Monitor {s}", kind="media")
        ds.add("sources", id=f"m-report{s}", title=f"Incident reports {s}", kind="report",
               publisher=f"m-outlet{s}", date=f"{YEAR}-12-31")
    regions = max(10, claims // 50)
    towns = _places(ds, w, regions)
    nt = _NTriples(DEFAULT_BASE)
    per_incident = len(nt.record("events", _incident(ds, w, 0, rng, towns)))
    for n in range(1, max(1, triples // per_incident)):
        _incident(ds, w, n, rng, towns)
    for n in range(claims):
        _described_claim(ds, w, n, rng, regions)
    return ds


def _yaml_scalar(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings are valid YAML scalars


def write_yaml(ds: Dataset, path: Path) -> None:
    """The dataset in the authoring format, written as it goes."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("# Synthetic evidence graph written by scripts/generate.py\n")
        for key, recs in ds.records.items():
            if not recs:
                continue
            fh.write(f"{key}:\n")
            for rec in recs:
                first = True
                for k, v in rec.items():
                    lead = "  - " if first else "    "
                    first = False
                    if k == "documented_by":
                        fh.write(f"{lead}{k}:\n")
                        for d in v:  # type: ignore[union-attr]
                            inner = ", ".join(f"{ik}: {_yaml_scalar(iv)}" for ik, iv in d.items())
                            fh.write(f"      - {{{inner}}}\n")
                    elif isinstance(v, list):
                        fh.write(f"{lead}{k}: [{', '.join(_yaml_scalar(x) for x in v)}]\n")
                    else:
                        fh.write(f"{lead}{k}: {_yaml_scalar(v)}\n")


def to_records(ds: Dataset, file: str = "synthetic.yaml") -> Iterator[Record]:
    """The dataset as loader records (what the YAML loader would read)."""
    loc = Loc(file)
    specs, nested = records(), nested_records()
    for key, recs in ds.records.items():
        for raw in recs:
            rec = Record(spec=specs[key], loc=loc, id=str(raw["id"]), id_loc=loc)
            for k, v in raw.items():
                if k == "id":
                    continue
                rec.field_locs[k] = loc
                for item in v if isinstance(v, list) else [v]:
                    if isinstance(item, dict):
                        inner = Record(spec=nested[specs[key].field(k).record or ""], loc=loc)
                        for ik, iv in item.items():
                            for x in iv if isinstance(iv, list) else [iv]:
                                inner.add(ik, str(x), loc)
                        rec.add(k, inner, loc)
                    else:
                        rec.add(k, str(item), loc)
            yield rec


def _literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    """An N-Triples literal (the escapes of canonical N-Triples)."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{body}"@{lang}' if lang else f'"{body}"^^<{datatype}>' if datatype else f'"{body}"'


class _NTriples:
    """N-Triples lines for dataset records, mirroring what kb/model/records.py compiles from the same
    fields (types, identifier, every field kind the generator writes, documentation nodes and the
    ``documentedBy`` shortcut), with every property and code read from the authoring mapping.
    ``tests/test_generate.py`` checks that both give the same graph."""

    def __init__(self, base: str):
        self.base = base
        self.type, self.ident = f"<{RDF.type}>", f"<{DCTERMS.identifier}>"
        self.xsd_date, self.xsd_uri = str(XSD.date), str(XSD.anyURI)

    def record(self, key: str, raw: dict) -> list[str]:
        spec = records()[key]
        s = f"<{self.base}{raw['id']}>"
        out = [f"{s} {self.type} <{spec.cls}> .", f"{s} {self.ident} {_literal(str(raw['id']))} ."]
        self._fields(spec, s, raw, out)
        return out

    def _fields(self, spec: RecordSpec, s: str, raw: dict, out: list[str]) -> None:
        for name, value in raw.items():
            if name == "id":
                continue
            f = spec.field(name)
            if f is None:
                raise KeyError(f"{spec.key} has no field {name}")
            for item in value if isinstance(value, list) else [value]:
                self._value(f, s, item, out)

    def _nested(self, f: Field, s: str, value: dict, out: list[str]) -> None:
        """A nested record (a documentation, a description) as its own node, as records.py makes it."""
        inner = nested_records()[f.record or ""]
        parts = [str(value[x.name]) for x in inner.fields if x.required]
        node = f"<{s[1:-1]}/{inner.key}/" + "/".join(re.sub(r"[^A-Za-z0-9._~-]", "_", x)
                                                     for x in parts) + ">"
        out.append(f"{node} {self.type} <{inner.cls}> .")
        self._fields(inner, node, value, out)
        for prop in f.properties:
            out.append(f"{s} <{prop}> {node} .")
            for x in inner.fields:  # the shortcut of the chain (prop, inner property)
                short = shortcut(prop, x.properties[0]) if x.properties else None
                if short and x.name in value:
                    out.append(f"{s} <{short}> {self._object(x, str(value[x.name]))} .")

    def _value(self, f: Field, s: str, value: object, out: list[str]) -> None:
        if f.kind == "Nested":
            assert isinstance(value, dict)
            self._nested(f, s, value, out)
            return
        text = str(value)
        if f.kind == "ClassCode":
            out.append(f"{s} {self.type} <{f.codes()[text]}> .")
        elif f.kind == "DateOrInterval" and "/" in text:
            start, end = text.split("/")
            out.append(f"{s} <{f.start_property}> {_literal(start, datatype=self.xsd_date)} .")
            out.append(f"{s} <{f.end_property}> {_literal(end, datatype=self.xsd_date)} .")
        else:
            obj = self._object(f, text)
            out.extend(f"{s} <{prop}> {obj} ." for prop in f.properties)

    def _object(self, f: Field, text: str) -> str:
        if f.kind == "Text":
            return _literal(text)
        if f.kind == "LangText":
            head, _, tail = text.rpartition("@")
            return _literal(head, lang=tail.lower()) if head and LANG_RE.match(tail) else _literal(text)
        if f.kind == "Url":
            return _literal(text, datatype=self.xsd_uri)
        if f.kind in ("Date", "DateOrInterval"):
            return _literal(text, datatype=self.xsd_date)
        if f.kind == "ConceptCode":
            return f"<{f.codes()[text]}>"
        if f.kind == "Reference":
            return f"<{self.base}{text}>"
        raise ValueError(f"the generator does not write {f.kind} fields ({f.name})")


def write_nt(ds: Dataset, path: Path, base: str = DEFAULT_BASE, counts: dict[str, int] | None = None) -> int:
    """The triples ``kb build`` makes of the YAML (no provenance), written as they are made.
    Returns the count (and puts the count per top-level key into ``counts`` when given)."""
    nt, n = _NTriples(base), 0
    counts = {} if counts is None else counts
    with open(path, "w", encoding="utf-8") as fh:
        for key, recs in ds.records.items():
            for raw in recs:
                lines = nt.record(key, raw)
                n += len(lines)
                counts[key] = counts.get(key, 0) + len(lines)
                fh.write("\n".join(lines))
                fh.write("\n")
    return n


def loader_quads(ds: Dataset, base: str = DEFAULT_BASE) -> list[ox.Quad]:
    """What kb/model/records.py compiles from the dataset (slow; the reference :func:`write_nt` mirrors)."""
    compiled = compile_records({"urn:synthetic": ("synthetic.yaml", list(to_records(ds)))}, base)
    if compiled.problems:
        raise ValueError("generator produced invalid data: " + "; ".join(map(str, compiled.problems[:5])))
    return compiled.quads["urn:synthetic"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=10_000, help="roughly how many triples")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("graphs/synthetic"), help="output folder")
    ap.add_argument("--format", choices=["yaml", "nt", "both"], default="both")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    ds = generate(args.triples, args.seed)
    if args.format in ("yaml", "both"):
        write_yaml(ds, args.out / "synthetic.yaml")
    n = write_nt(ds, args.out / "synthetic.nt") if args.format in ("nt", "both") else None
    (args.out / "manifest.json").write_text(json.dumps(
        {"triples": n, "records": sum(len(v) for v in ds.records.values()),
         "expected": sorted(ds.expected)}, indent=1))
    print(f"wrote {args.out} ({n if n is not None else '?'} triples, {len(ds.expected)} planted conflicts) "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

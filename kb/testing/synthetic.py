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
Admiralty-graded sources (direct).

    python scripts/generate.py --triples 10000 --out graphs/synthetic --format both

writes ``synthetic.yaml`` (the authoring format), ``synthetic.nt`` (exactly what ``kb build``
makes of that YAML, without provenance) and ``manifest.json`` (the planted conflicts as
``[kind, claim id, documented event id]``). Import it and call :func:`generate` from Python.
"""

from __future__ import annotations

import argparse
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
            "challenges", "folding", "graded")
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


_FINDINGS_CASES = {"unknown-origin": _unknown_origin, "second-hand": _second_hand, "title-only": _title_only,
                   "challenges": _challenges, "folding": _folding, "graded": _graded}


def generate(triples: int = 10_000, seed: int = 1) -> Dataset:
    """A dataset of roughly ``triples`` triples with its planted conflicts."""
    rng = random.Random(seed)
    ds = Dataset()
    cells = max(len(PATTERNS), triples // TRIPLES_PER_CELL)
    for n in range(cells):
        _cell(ds, n, PATTERNS[n % len(PATTERNS)], rng)
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
                        inner = Record(spec=nested["documentation"], loc=loc)
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
        self.doc = nested_records()["documentation"]

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

    def _value(self, f: Field, s: str, value: object, out: list[str]) -> None:
        if f.kind == "Nested":
            assert isinstance(value, dict)
            parts = [str(value[x.name]) for x in self.doc.fields if x.required]
            node = f"<{s[1:-1]}/{self.doc.key}/" + "/".join(re.sub(r"[^A-Za-z0-9._~-]", "_", x)
                                                            for x in parts) + ">"
            out.append(f"{node} {self.type} <{self.doc.cls}> .")
            self._fields(self.doc, node, value, out)
            for prop in f.properties:
                out.append(f"{s} <{prop}> {node} .")
                for x in self.doc.fields:  # the shortcut of the chain (prop, inner property)
                    short = shortcut(prop, x.properties[0]) if x.properties else None
                    if short and x.name in value:
                        out.append(f"{s} <{short}> {self._object(x, str(value[x.name]))} .")
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


def write_nt(ds: Dataset, path: Path, base: str = DEFAULT_BASE) -> int:
    """The triples ``kb build`` makes of the YAML (no provenance), written as they are made.
    Returns the count."""
    nt, n = _NTriples(base), 0
    with open(path, "w", encoding="utf-8") as fh:
        for key, recs in ds.records.items():
            for raw in recs:
                lines = nt.record(key, raw)
                n += len(lines)
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

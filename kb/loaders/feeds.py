"""Formats others publish: schema.org ClaimReview feeds and conflict-event data in ACLED's layout.

Both become ordinary records (so every check of the authoring format applies). Actors named in
them are created with ids made from their names and, before the build, resolved to an existing
actor with the same name or alias (in the build or in the knowledge base) when there is one; see
:func:`resolve_actors`. The mappings are documented in ``docs/formats.md``.

ClaimReview (a single object, a list, or ``@graph``): ``claimReviewed`` becomes a claim that
*asserts* what it says, by the author of ``itemReviewed`` (the claimant), stated in its
``firstAppearance``/``appearance`` (a source), about an event "what the claim says"; the review
becomes a source of kind ``fact-check`` published by the fact-checking organisation, with its
``reviewRating`` kept as the fact-checker's own words (``review_rating``) and ``reviews`` the
claim. Items missing ``claimReviewed``, the review's author or the claim's author are skipped with
a warning naming the item.

ACLED layout (``event_id_cnty, event_date, event_type, sub_event_type, actor1, actor2, country,
admin1, location, latitude, longitude, source, notes, fatalities, …``): each row is an event at a
place, ``involves`` actor1/actor2, documented (``news-report``, quote: ``notes``) by one source per
outlet listed in ``source``, each published by that outlet.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from datetime import datetime

from kb.errors import Problem
from kb.loaders import InputFile, Parsed
from kb.loaders.yaml import read_text
from kb.records import Loc, Record
from kb.schema import nested_records, records

ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "country",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "source",
    "notes",
    "fatalities",
)
ACLED_REQUIRED = ("event_id_cnty", "event_date", "event_type", "location", "source")


def slug(text: str, limit: int = 60) -> str:
    """An id-safe slug of a name; long or non-Latin names get a short hash to stay unique."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    return f"{s}-{digest}" if s else digest


class _Builder:
    """Makes records (with locations) for one imported file."""

    def __init__(self, display: str):
        self.display = display
        self.out: dict[str, Record] = {}

    def record(self, key: str, rid: str, loc: Loc, auto: bool = False, **values: object) -> str:
        if rid in self.out:
            return rid
        spec = records()[key]
        rec = Record(spec=spec, loc=loc, id=rid, id_loc=loc, auto=auto)
        for name, value in values.items():
            if value in (None, "", []):
                continue
            rec.field_locs[name] = loc
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, dict):
                    nested = Record(spec=nested_records()["documentation"], loc=loc)
                    for k, v in item.items():
                        if v:
                            nested.add(k, str(v), loc)
                    rec.add(name, nested, loc)
                else:
                    rec.add(name, str(item), loc)
        self.out[rid] = rec
        return rid

    def actor(self, name: str, loc: Loc, kind: str = "organisation") -> str:
        return self.record("actors", "actor-" + slug(name), loc, auto=True, name=name, kind=kind)


def _date(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date().isoformat()
        except ValueError:
            continue
    return text  # the record check reports it as a bad date, with its location


def _name(value: object) -> tuple[str | None, str]:
    """(name, kind) of a schema.org Person/Organization given as an object or a string."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return value.strip() or None, "organisation"
    if isinstance(value, dict):
        name = value.get("name")
        kind = "person" if value.get("@type") == "Person" else "organisation"
        return (str(name).strip() if name else None), kind
    return None, "organisation"


def load_claimreview(f: InputFile) -> Parsed:
    text, problems = read_text(f.path, f.display)
    if text is None:
        return Parsed(f, problems=problems)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Parsed(
            f, problems=[Problem(f.display, exc.lineno, exc.colno, None, f"JSON syntax error: {exc.msg}")]
        )
    items = data.get("@graph", [data]) if isinstance(data, dict) else data
    if not isinstance(items, list):
        return Parsed(
            f, problems=[Problem(f.display, 1, 1, None, "expected a ClaimReview object, a list or @graph")]
        )
    b = _Builder(f.display)
    warnings: list[str] = []
    for i, item in enumerate(items, 1):
        loc = Loc(f.display, None, None)
        label = f"item {i}" + (
            f" ({item.get('url') or item.get('@id')})"
            if isinstance(item, dict) and (item.get("url") or item.get("@id"))
            else ""
        )
        if not isinstance(item, dict) or "ClaimReview" not in str(item.get("@type", "")):
            warnings.append(f"{f.display}: {label}: not a ClaimReview; skipped")
            continue
        claimed = item.get("claimReviewed")
        reviewer, _ = _name(item.get("author"))
        reviewed = item.get("itemReviewed") if isinstance(item.get("itemReviewed"), dict) else {}
        claimant, claimant_kind = _name(reviewed.get("author"))
        missing = [
            n
            for n, v in (("claimReviewed", claimed), ("author", reviewer), ("itemReviewed.author", claimant))
            if not v
        ]
        if missing:
            warnings.append(f"{f.display}: {label}: missing {', '.join(missing)}; skipped")
            continue
        key = slug(str(item.get("url") or item.get("@id") or claimed))
        appearance = reviewed.get("firstAppearance") or reviewed.get("appearance")
        if isinstance(appearance, list):
            appearance = appearance[0] if appearance else None
        stated_in = None
        if isinstance(appearance, dict) and (appearance.get("url") or appearance.get("name")):
            ref = str(appearance.get("url") or appearance.get("name"))
            stated_in = b.record(
                "sources",
                "appearance-" + slug(ref),
                loc,
                title=appearance.get("name") or ref,
                kind="article",
                url=appearance.get("url"),
                date=_date(appearance.get("datePublished")),
            )
        event = b.record("events", "claimed-" + key, loc, label=f"What the claim says: {str(claimed)[:150]}")
        claim = b.record(
            "claims",
            "claim-" + key,
            loc,
            by=b.actor(claimant, loc, claimant_kind),
            stance="asserts",
            about=event,
            text=str(claimed),
            stated_in=stated_in,
            date=_date(reviewed.get("datePublished")),
        )
        rating = item.get("reviewRating") if isinstance(item.get("reviewRating"), dict) else {}
        words = rating.get("alternateName") or (
            f"{rating.get('ratingValue')}/{rating.get('bestRating')}" if rating.get("ratingValue") else None
        )
        b.record(
            "sources",
            "factcheck-" + key,
            loc,
            title=item.get("name") or item.get("headline") or f"Fact-check of: {str(claimed)[:100]}",
            kind="fact-check",
            publisher=b.actor(reviewer, loc),
            url=item.get("url"),
            date=_date(item.get("datePublished")),
            quote=item.get("reviewBody"),
            reviews=[claim],
            review_rating=words,
        )
    parsed = Parsed(f, records=list(b.out.values()))
    parsed.warnings = warnings
    return parsed


def load_acled(f: InputFile) -> Parsed:
    text, problems = read_text(f.path, f.display)
    if text is None:
        return Parsed(f, problems=problems)
    lines = text.splitlines()
    if not lines:
        return Parsed(
            f, problems=[Problem(f.display, 1, None, None, "the file is empty: expected a header row")]
        )
    delimiter = max((",", ";", "\t"), key=lambda d: sum(c in ACLED_COLUMNS for c in lines[0].split(d)))
    rows = list(csv.reader(lines, delimiter=delimiter))
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ACLED_REQUIRED if c not in header]
    if missing:
        return Parsed(
            f,
            problems=[
                Problem(f.display, 1, None, c, f"missing column '{c}' (ACLED layout)") for c in missing
            ],
        )
    b = _Builder(f.display)
    out = Parsed(f)
    for row_no, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            out.problems.append(
                Problem(
                    f.display,
                    row_no,
                    None,
                    None,
                    f"{len(row)} cells, but the header has {len(header)} columns",
                )
            )
            continue
        r = dict(zip(header, (c.strip() for c in row), strict=True))
        loc = Loc(f.display, row_no, 1)
        for c in ACLED_REQUIRED:
            if not r.get(c):
                out.problems.append(Problem(f.display, row_no, header.index(c) + 1, c, f"empty '{c}'"))
        if not r.get("event_id_cnty"):
            continue
        where = ", ".join(x for x in (r.get("location"), r.get("admin1"), r.get("country")) if x)
        place = b.record(
            "places",
            "place-" + slug(where),
            loc,
            name=r.get("location"),
            latitude=r.get("latitude"),
            longitude=r.get("longitude"),
            description=", ".join(x for x in (r.get("admin1"), r.get("country")) if x),
        )
        involved = [b.actor(r[c], loc) for c in ("actor1", "actor2") if r.get(c)]
        docs = []
        for outlet in (s.strip() for s in r.get("source", "").split(";")):
            if outlet:
                src = b.record(
                    "sources",
                    f"acled-{slug(r['event_id_cnty'])}-{slug(outlet, 30)}",
                    loc,
                    title=f"{outlet}, as cited by ACLED event {r['event_id_cnty']}",
                    kind="dataset",
                    publisher=b.actor(outlet, loc, "media"),
                    date=_date(r.get("event_date")),
                )
                docs.append({"source": src, "evidence": "news-report", "quote": r.get("notes")})
        label = " — ".join(x for x in (r.get("event_type"), r.get("sub_event_type")) if x)
        b.record(
            "events",
            "acled-" + slug(r["event_id_cnty"]),
            loc,
            label=f"{label} in {where}",
            date=_date(r.get("event_date")),
            place=place,
            involves=involved,
            documented_by=docs,
            description=(r.get("notes") or "")
            + (f" (fatalities reported: {r['fatalities']})" if r.get("fatalities") else ""),
        )
    out.records = list(b.out.values())
    return out


def resolve_actors(parsed: list[Parsed], existing: dict[str, str]) -> None:
    """Point importers' name-made actors at an existing actor of the same name or alias.

    ``existing`` maps case-folded names and aliases of stored actors to their ids.
    """
    names = dict(existing)
    for p in parsed:
        for rec in p.records:
            if rec.spec.key == "actors" and not rec.auto and rec.id:
                for f in ("name", "aliases"):
                    for value, _ in rec.values.get(f, []):
                        names.setdefault(str(value).rsplit("@", 1)[0].casefold(), rec.id)
    rename: dict[str, str] = {}
    for p in parsed:
        keep = []
        for rec in p.records:
            if rec.spec.key == "actors" and rec.auto and rec.id:
                name = str(rec.values["name"][0][0]).casefold()
                target = names.get(name)
                if target is not None and target != rec.id:
                    rename[rec.id] = target
                    continue
                if target == rec.id:  # stored by an earlier import or made twice in this build
                    continue
                names[name] = rec.id
            keep.append(rec)
        p.records[:] = keep
    if rename:
        for p in parsed:
            for rec in p.records:
                _rewrite(rec, rename)


def _rewrite(rec: Record, rename: dict[str, str]) -> None:
    for f in rec.spec.fields:
        if f.kind == "Reference" and f.name in rec.values:
            rec.values[f.name] = [
                (rename.get(v, v) if isinstance(v, str) else v, loc) for v, loc in rec.values[f.name]
            ]
        elif f.kind == "Nested":
            for v, _loc in rec.values.get(f.name, []):
                if isinstance(v, Record):
                    _rewrite(v, rename)

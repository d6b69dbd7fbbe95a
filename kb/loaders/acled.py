"""Conflict-event data in the column layout of the public ACLED export.

Columns read (others, such as ``year``, ``inter1`` or ``timestamp``, are ignored): ``event_id_cnty,
event_date, event_type, sub_event_type, actor1, assoc_actor_1, actor2, assoc_actor_2, country,
admin1, admin2, location, latitude, longitude, source, notes, fatalities``. Required:
``event_id_cnty, event_date, event_type, location, source``. Mapping (also in ``docs/formats.md``):

* each row -> an event ``acled-<event_id_cnty>`` labelled "<sub_event_type> in <location>, <admin1>,
  <country>", dated ``event_date`` (``2020-10-04`` or ``04 October 2020``), described by ``notes``
  and ``fatalities``;
* ``location`` with ``admin1``/``country``, ``latitude``, ``longitude`` -> the place it happened at
  (``place-<slug>``, one per location; resolved to an existing place of the same name or alias);
* ``actor1``, ``actor2`` and the ``;``-separated ``assoc_actor_1``/``assoc_actor_2`` -> actors the
  event ``involves`` (``ev:involves``: what the source says, not responsibility), resolved to
  existing actors by name or alias, created otherwise (:mod:`kb.loaders.imported`);
* ``source``, split on ``;`` -> one source per outlet (kind ``dataset``: the outlet's report as
  cited by this row; its date is left unknown: the row gives the event's date, not the
  report's), published by the outlet, documenting the event as ``news-report``. ``notes`` are
  the dataset's words, not the outlet's: they go into the event's description, never into a
  documentation quote.

A file is read as this layout with ``--format acled`` (``kb import acled``), or when a ``.csv``
file's header row has an ``event_id_cnty`` column. Problems name the file, the row (the header is
row 1) and the column, by its ACLED name.
"""

from __future__ import annotations

from collections.abc import Callable

from kb.errors import Problem
from kb.loaders import InputFile, Parsed
from kb.loaders.csv import data_rows, read_rows, read_table
from kb.loaders.imported import Builder, parse_date, plain_id, slug
from kb.records import Loc

SIGNATURE = "event_id_cnty"
COLUMNS = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "assoc_actor_1",
           "actor2", "assoc_actor_2", "country", "admin1", "admin2", "location", "latitude",
           "longitude", "source", "notes", "fatalities")
REQUIRED = ("event_id_cnty", "event_date", "event_type", "location", "source")
ACTOR_COLUMNS = ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")
EVIDENCE = "news-report"
SOURCE_KIND = "dataset"


def looks_like(header_line: str) -> bool:
    """Whether the first line of a CSV file is an ACLED-layout header."""
    return SIGNATURE in header_line.lower()


def _delimiter(header: str) -> str:
    return max((",", ";", "\t", "|"), key=lambda d: sum(c.strip() in COLUMNS for c in header.split(d)))


def load(f: InputFile) -> Parsed:
    table, problems = read_table(f, "file")
    if table is None:
        return Parsed(f, problems=problems)
    text, first = table
    rows, problems = read_rows(f, text, f.delimiter or _delimiter(first))
    if problems:
        return Parsed(f, problems=problems)
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return Parsed(f, problems=[Problem(f.display, 1, None, c, f"missing column '{c}' (ACLED layout)")
                                   for c in missing])
    col = {name: i for i, name in reversed(list(enumerate(header)))}
    b = Builder(f.display)
    out = Parsed(f)
    seen: dict[str, int] = {}
    for row_no, row in data_rows(f, rows, out.problems):
        r = {name: row[i].strip() for name, i in col.items() if name in COLUMNS}

        def at(name: str, row_no: int = row_no) -> Loc:
            """Where a column's cell of this row is (the row, if the file has no such column)."""
            return Loc(f.display, row_no, col[name] + 1, name) if name in col else Loc(f.display, row_no, 1)

        bad = [c for c in REQUIRED if not r[c]]
        for c in bad:
            out.problems.append(at(c).problem(c, f"empty '{c}'"))
        if bad:
            continue
        eid = r["event_id_cnty"]
        if eid in seen:
            out.problems.append(at("event_id_cnty").problem(
                None, f"duplicate event '{eid}' (first in row {seen[eid]})"))
            continue
        seen[eid] = row_no
        _row(b, r, Loc(f.display, row_no, 1), at, col)
    out.records = list(b.out.values())
    return out


def _row(b: Builder, r: dict[str, str], loc: Loc, at: Callable[[str], Loc], col: dict[str, int]) -> None:
    eid = r["event_id_cnty"]
    key = plain_id(eid) or slug(eid)
    region = ", ".join(x for x in (r.get("admin1"), r.get("country")) if x)
    place = b.place(r["location"], region, at("location"),
                    locs={n: at(n) for n in ("latitude", "longitude") if n in col},
                    latitude=r.get("latitude"), longitude=r.get("longitude"),
                    description=", ".join(x for x in (r.get("admin2"), r.get("admin1"), r.get("country"))
                                          if x))
    involved: list[str] = []
    for c in ACTOR_COLUMNS:
        for name in (r.get(c) or "").split(";"):
            if name.strip():
                actor = b.actor(name.strip(), at(c))
                if actor not in involved:
                    involved.append(actor)
    date = parse_date(r["event_date"])
    docs = []
    for outlet in dict.fromkeys(s.strip() for s in r["source"].split(";") if s.strip()):
        src = b.record("sources", f"acled-{key}-{slug(outlet, 30)}", at("source"),
                       title=f"{outlet}, as cited by ACLED-layout event {eid}", kind=SOURCE_KIND,
                       publisher=b.actor(outlet, at("source"), "media"))
        docs.append({"source": src, "evidence": EVIDENCE})
    what = r.get("sub_event_type") or r["event_type"]
    fatalities = r.get("fatalities")
    label = f"{what} in {r['location']}" + (f", {region}" if region else "")
    b.record("events", f"acled-{key}", loc, label=label,
             date=date, place=place, involves=involved, documented_by=docs,
             description=" ".join(x for x in (r.get("notes"), f"(fatalities reported: {fatalities})"
                                               if fatalities else None) if x),
             locs={"date": at("event_date"), "documented_by": at("source"), "involves": at("actor1")})

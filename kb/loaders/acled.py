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
  existing actors by name or alias, created otherwise (:mod:`kb.loaders.resolve`);
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

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from kb.errors import Problem
from kb.loaders.base import InputFile, Parsed
from kb.loaders.resolve import Builder, parse_date, plain_id, slug
from kb.loaders.table import data_rows, read_rows, read_table
from kb.loaders.text import best_delimiter
from kb.model.authoring import records
from kb.model.names import code_for
from kb.model.records import Loc

SIGNATURE = "event_id_cnty"
COLUMNS = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "assoc_actor_1",
           "actor2", "assoc_actor_2", "country", "iso3", "admin1", "admin2", "location", "latitude",
           "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "timestamp")
REQUIRED = ("event_id_cnty", "event_date", "event_type", "location", "source")
#: Actor column -> the event field (an ontology role, each a sub-property of ev:involves) it fills.
ACTOR_COLUMNS = {"actor1": "actor1", "assoc_actor_1": "associates_1", "actor2": "actor2",
                 "assoc_actor_2": "associates_2"}
#: Event columns kept as they are, column -> event field.
EVENT_VALUES = {"latitude": "latitude", "longitude": "longitude", "geo_precision": "geo_precision",
                "source_scale": "source_scale", "fatalities": "fatalities", "timestamp": "dataset_timestamp",
                "event_type": "event_type", "sub_event_type": "sub_event_type"}
#: Older names of today's columns (legacy ACLED API dumps), read as the column they became.
LEGACY = {"ally_actor_1": "assoc_actor_1", "ally_actor_2": "assoc_actor_2"}
#: Columns of the ACLED codebook that are not read (no warning for them).
IGNORED = frozenset(("data_id", "iso", "event_id_no_cnty", "year", "time_precision", "disorder_type",
                     "inter1", "inter2", "interaction", "civilian_targeting", "region", "admin3",
                     "tags", "population_1km",
                     "population_2km", "population_5km", "population_best", "gwno"))
#: Header cells of a leading index column that spreadsheet and pandas exports add.
INDEX = frozenset(("", "unnamed: 0", "index"))
EVIDENCE = "news-report"
SOURCE_KIND = "dataset"
#: Reasons shown, of a file whose every row was skipped.
SHOWN = 20
#: A place name whose rows' coordinates lie further apart than this is reported.
FAR_KM = 25.0
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def looks_like(header_line: str) -> bool:
    """Whether the first line of a CSV file is an ACLED-layout header."""
    return SIGNATURE in header_line.lower()


def _delimiter(header: str) -> str:
    return best_delimiter(lambda d: sum(_column(c) in COLUMNS for c in header.split(d)))


def _column(cell: str) -> str:
    name = cell.strip().strip("\ufeff").strip('"').strip().lower()
    return LEGACY.get(name, name)


def is_hxl_row(row: list[str]) -> bool:
    """Whether a row holds HXL hashtags (``#date+occurred``, ``#adm1+name``, …), as the second
    row of the HDX download does: every non-empty cell starts with ``#``."""
    cells = [c.strip() for c in row if c.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


def load(f: InputFile) -> Parsed:
    """An ACLED-layout file: one event per row, with its place, actors and sources (see above)."""
    table, problems = read_table(f, "file")
    if table is None:
        return Parsed(f, problems=problems)
    text, first = table
    rows, problems = read_rows(f, text, f.delimiter or _delimiter(first))
    if problems:
        return Parsed(f, problems=problems)
    header = [_column(h) for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return Parsed(f, problems=[Problem(f.display, 1, None, c, f"missing column '{c}' (ACLED layout)")
                                   for c in missing])
    col = {name: i for i, name in reversed(list(enumerate(header)))}
    hxl = len(rows) > 1 and is_hxl_row(rows[1])
    if hxl:
        rows = [rows[0], [""] * len(rows[0]), *rows[2:]]  # the HXL tag row: a blank row keeps numbering
    order, order_warnings = _date_order(f, rows, col["event_date"])
    out = Parsed(f, warnings=_unread_columns(f, rows[0], header) + order_warnings, tolerant=not f.strict)
    reader = _Rows(f, col, order, out)
    shape: list[Problem] = []
    for row_no, row in data_rows(f, rows, shape):
        reader.read(row_no, row)
    for x in shape:
        out.skip(x, f"row {x.line}")
    return reader.finish(hxl, len(shape))


def _unread_columns(f: InputFile, raw: list[str], header: list[str]) -> list[str]:
    """A located warning for each column that is neither read nor a known ACLED column."""
    return [f"{f.display}:1:{i + 1}: column {cell.strip()!r} is not an ACLED column; its values are "
            "not imported" for i, (cell, name) in enumerate(zip(raw, header, strict=True))
            if name not in COLUMNS and name not in IGNORED and not (i == 0 and name in INDEX)]


def seen_eid(cells: list[str], col: dict[str, int]) -> str:
    return cells[col["event_id_cnty"]].strip()


@dataclass
class _Rows:
    """Reads the data rows of one file into records; holds what one row needs from the ones
    before it (event ids met, each place's first coordinates)."""

    f: InputFile
    col: dict[str, int]  # column name -> index
    order: str  # "dmy" or "mdy"
    out: Parsed
    b: Builder = field(init=False)
    seen: dict[str, tuple[int, list[str]]] = field(default_factory=dict)  # event key -> (row, cells)
    coords: dict[str, tuple[float, float, int]] = field(default_factory=dict)
    far: set[str] = field(default_factory=set)
    events: int = 0
    rows: int = 0  # data rows met

    def __post_init__(self) -> None:
        self.b = Builder(self.f.display)

    def at(self, name: str, row_no: int) -> Loc:
        """Where a column's cell of a row is (the row, if the file has no such column)."""
        if name in self.col:
            return Loc(self.f.display, row_no, self.col[name] + 1, name)
        return Loc(self.f.display, row_no, 1)

    def read(self, row_no: int, row: list[str]) -> None:
        """One data row: its event (with place, actors, sources), or the problem that skips it."""
        self.rows += 1
        r = {name: row[i].strip() for name, i in self.col.items() if name in COLUMNS}
        item = f"row {row_no}" + (f" (event {r['event_id_cnty']})" if r["event_id_cnty"] else "")
        bad = [c for c in REQUIRED if not r[c]]
        for c in bad:
            self.out.skip(self.at(c, row_no).problem(c, f"empty '{c}'"), item)
        if bad:
            return
        key = self.event_key(row_no, row, r["event_id_cnty"], item)
        if key is None:
            return
        r["event_date"] = _ordered(r["event_date"], self.order)
        if r["event_date"] is None:
            written = "day/month/year" if self.order == "dmy" else "month/day/year"
            self.out.skip(self.at("event_date", row_no).problem(
                "event_date", f"{row[self.col['event_date']].strip()!r} is not a date in the order "
                f"{written} (--date-order {self.order})"), item)
            return
        self.b.item = item
        place = _row(self.b, r, key, _Cells(self.f.display, row_no, self.col), self.dataset())
        self.events += 1
        _check_far(self.f.display, row_no, place, r, self.coords, self.far, self.out.warnings)

    def dataset(self) -> str:
        """The id of the source for the file itself (made once): the dataset whose coding the
        places' admin chains are."""
        if "dataset" in self.b.made:
            return self.b.made["dataset"]
        rid = self.b.made["dataset"] = "acled-file-" + slug(self.f.graph, 40)
        item, self.b.item = self.b.item, None  # shared by every row: never skipped with one
        self.b.record("sources", rid, Loc(self.f.display, 1), kind=SOURCE_KIND,
                      title=f"ACLED-layout dataset file {self.f.display.rsplit('/', 1)[-1]}")
        self.b.item = item
        return rid

    def finish(self, hxl: bool, shaped: int) -> Parsed:
        """What was read: the records, or the problem that no row held an event."""
        self.rows += shaped
        if not self.events and not self.out.problems:
            why = (f"all {self.rows} data row(s) were skipped (see the warnings)" if self.rows else
                   "it holds no data rows" + (" (only the header and the HXL tag row)" if hxl else ""))
            self.out.problems.extend(self.out.skipped[:SHOWN])  # the located reasons first
            self.out.problems.append(Problem(
                self.f.display, 1, None, None, f"no event could be read from this file: {why}"))
        self.out.records = list(self.b.out.values())
        self.out.warnings.extend(self.b.warnings)
        return self.out

    def event_key(self, row_no: int, row: list[str], eid: str, item: str) -> str | None:
        """The id part of a row's event (``acled-<key>``); None when the row repeats an earlier one
        or reuses its event id with other content (skipped with a warning; a problem if strict)."""
        key = plain_id(eid) or slug(eid)
        if key in self.seen:
            first_row, first_cells = self.seen[key]
            where = f"{self.f.display}:{row_no}:{self.col['event_id_cnty'] + 1}"
            if first_cells == row:
                self.out.warnings.append(f"{where}: event {eid!r} repeats row {first_row} exactly; skipped")
                return None
            if seen_eid(first_cells, self.col) == eid:
                self.out.skip(self.at("event_id_cnty", row_no).problem(
                    None, f"duplicate event '{eid}' with other content than row {first_row}"), item)
                return None
            key = slug(eid)  # ids differing only in case are different events
            self.out.warnings.append(f"{where}: event {eid!r} differs from "
                                     f"{seen_eid(first_cells, self.col)!r} (row {first_row}) only in case; "
                                     f"kept apart as acled-{key}")
        self.seen.setdefault(key, (row_no, row))
        return key


def _date_order(f: InputFile, rows: list[list[str]], c: int) -> tuple[str, list[str]]:
    """How the file's ``a/b/yyyy`` dates are read, and a located warning when that is a guess.

    ``--date-order`` decides when given; else a date whose first number is over 12 makes the
    file day-first, one whose second is over 12 month-first; with neither (or both) the file is
    read day-first, as ACLED writes dates, and the first ambiguous date is named in a warning."""
    if f.date_order:
        return f.date_order, []
    dmy_row, mdy_row, ambiguous = _date_evidence(rows, c)
    if mdy_row and not dmy_row:
        return "mdy", []
    if not (ambiguous or (dmy_row and mdy_row)):
        return "dmy", []
    row_no, value = ambiguous or (mdy_row, rows[mdy_row - 1][c].strip())
    both = f" (row {dmy_row} is day first, row {mdy_row} month first)" if dmy_row and mdy_row else ""
    return "dmy", [f"{f.display}:{row_no}:{c + 1}: event_date {value!r} could be day/month or month/day"
                   f"{both}; read day first: give --date-order mdy if the file is month first"]


def _date_evidence(rows: list[list[str]], c: int) -> tuple[int | None, int | None, tuple[int, str] | None]:
    """(first row whose ``a/b/yyyy`` date in column ``c`` can only be day first, first that can
    only be month first, (row, date) of the first that could be either)."""
    dmy_row = mdy_row = ambiguous = None
    for row_no, row in enumerate(rows[1:], 2):
        m = _SLASHED.fullmatch(row[c].strip()) if c < len(row) else None
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        if a > 12 and dmy_row is None:
            dmy_row = row_no
        elif b > 12 and mdy_row is None:
            mdy_row = row_no
        elif a <= 12 and b <= 12 and a != b and ambiguous is None:
            ambiguous = (row_no, row[c].strip())
    return dmy_row, mdy_row, ambiguous


def _ordered(value: str, order: str) -> str | None:
    """``a/b/yyyy`` as ``yyyy-mm-dd`` in the file's date order, None if its month is over 12 (a
    day out of its month's range is reported by the record check); other forms unchanged."""
    m = _SLASHED.fullmatch(value)
    if not m:
        return value
    a, b, y = m.groups()
    day, month = (a, b) if order == "dmy" else (b, a)
    return f"{y}-{int(month):02d}-{int(day):02d}" if 1 <= int(month) <= 12 else None


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _check_far(display: str, row_no: int, place: str, r: dict[str, str],
               coords: dict[str, tuple[float, float, int]], far: set[str], warnings: list[str]) -> None:
    """Warn (once per place) when a place's rows give coordinates over :data:`FAR_KM` apart."""
    try:
        here = (float(r.get("latitude") or ""), float(r.get("longitude") or ""))
    except ValueError:
        return
    if place not in coords:
        coords[place] = (*here, row_no)
        return
    lat, lon, first = coords[place]
    if place not in far and _km((lat, lon), here) > FAR_KM:
        far.add(place)
        warnings.append(f"{display}:{row_no}: place {r['location']!r} ({place}) is at {here[0]}, "
                        f"{here[1]} here but at {lat}, {lon} in row {first}, "
                        f"{_km((lat, lon), here):.0f} km apart; the place keeps row {first}'s")


@dataclass(frozen=True)
class _Cells:
    """Where the cells of one row are."""

    display: str
    row_no: int
    col: dict[str, int]

    def at(self, name: str) -> Loc:
        if name in self.col:
            return Loc(self.display, self.row_no, self.col[name] + 1, name)
        return Loc(self.display, self.row_no, 1)


def _row(b: Builder, r: dict[str, str], key: str, cells: _Cells, dataset: str) -> str:
    """The records of one row's event; returns its place's id."""
    at = cells.at
    place = _place(b, r, cells, dataset)
    what = r.get("sub_event_type") or r["event_type"]
    region = ", ".join(x for x in (r.get("admin1"), r.get("country")) if x)
    label = f"{what} in {r['location']}" + (f", {region}" if region else "")
    values = {f: r.get(c) for c, f in EVENT_VALUES.items()}
    for name in ("event_type", "sub_event_type"):
        values[name] = _coded(b, name, values[name], at(name))
    b.record("events", f"acled-{key}", Loc(cells.display, cells.row_no, 1), label=label,
             date=parse_date(r["event_date"]), place=place, **_actors(b, r, at), **values,
             documented_by=_documentation(b, r, key, at), description=r.get("notes"),
             locs={"date": at("event_date"), "documented_by": at("source"), "description": at("notes"),
                   **{f: at(c) for c, f in (*EVENT_VALUES.items(), *ACTOR_COLUMNS.items())}})
    return place


def _coded(b: Builder, name: str, value: object, loc: Loc) -> object:
    """A row's event or sub-event type if the codebook (``ev:ConflictEventTypes``, …, in the
    ontology) has it; else None, with a warning: the event is kept, its label keeps the words."""
    if not value:
        return None
    if (name, value) in b.made:
        return value
    code, message = code_for(str(value), _codes(name), name)
    if code is None:
        message = message.split(" expected one of")[0].rstrip("; ")
        b.warnings.append(f"{loc.problem(name, message)} (not in the ACLED codebook); the event is kept "
                          f"without its {name}")
    else:
        b.made[(name, value)] = name
    return value if code is not None else None


@cache
def _codes(name: str) -> dict[str, str]:
    field = records()["events"].field(name)
    return field.codes() if field is not None else {}


def _place(b: Builder, r: dict[str, str], cells: _Cells, dataset: str) -> str:
    """The place of a row: its location within the admin2, admin1, country chain, each link of
    the chain a place ``within`` the next, coded by the file's dataset (made once per chain)."""
    known = (r["location"], r.get("admin2"), r.get("admin1"), r.get("country"), r.get("iso3"))
    place = b.made.get(known)
    if place is None:
        place = b.made[known] = _chain(b, r, cells, dataset)
    return place


def _chain(b: Builder, r: dict[str, str], cells: _Cells, dataset: str) -> str:
    at = cells.at
    chain = [(n, r.get(n) or "") for n in ("location", "admin2", "admin1", "country")]
    chain = [chain[0], *((n, v) for n, v in chain[1:] if v)]
    up: str | None = None
    for i in range(len(chain) - 1, -1, -1):
        name, value = chain[i]
        rest = [v for _n, v in chain[i + 1:]]
        extra: dict[str, object] = {"country_code": r.get("iso3")} if name == "country" else {}
        if i == 0:
            extra = {"latitude": r.get("latitude"), "longitude": r.get("longitude")}
        up = b.place(value, rest, at(name), locs={n: at(n) for n in ("latitude", "longitude", "iso3")},
                     within=up, coded_by=dataset if up else None,
                     description=", ".join(rest) if rest else None, **extra)
    assert up is not None
    return up


def _actors(b: Builder, r: dict[str, str], at: Callable[[str], Loc]) -> dict[str, list[str]]:
    """Event field (actor1, associates_1, …) -> the actors of a row in that role, each once."""
    out: dict[str, list[str]] = {}
    for c, role in ACTOR_COLUMNS.items():
        cell = r.get(c) or ""
        for name in cell.split(";") if c.startswith("assoc") else [cell]:
            if name.strip():
                actor = b.actor(name.strip(), at(c))
                if actor not in out.setdefault(role, []):
                    out[role].append(actor)
    return out


def _documentation(b: Builder, r: dict[str, str], key: str, at: Callable[[str], Loc]) -> list[dict[str, str]]:
    """One source per outlet of a row's ``source`` cell, each documenting its event."""
    docs = []
    for outlet in dict.fromkeys(s.strip() for s in r["source"].split(";") if s.strip()):
        src = b.record("sources", f"acled-{key}-{slug(outlet, 30)}", at("source"),
                       title=f"{outlet}, as cited by ACLED-layout event {r['event_id_cnty']}",
                       kind=SOURCE_KIND, publisher=b.actor(outlet, at("source"), "media"))
        docs.append({"source": src, "evidence": EVIDENCE})
    return docs

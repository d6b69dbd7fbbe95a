"""Spreadsheets: one CSV sheet per record type, with the same fields as the YAML format.

The sheet's file name says what it holds: ``actors.csv``, ``places.csv``, ``sources.csv``,
``events.csv``, ``documentation.csv``, ``claims.csv`` (a prefix is allowed: ``2020.claims.csv``).
The header row names the columns: ``id`` and the record's fields (from ``ontology/authoring.ttl``);
``documentation.csv`` has ``event, source, evidence, quote`` and attaches each row to an event of
the same build. A cell holding several values separates them with ``|``. UTF-8 with or without a
BOM; the delimiter (``,`` ``;`` tab ``|``) is the one that splits the header into known
column names, unless given. Problems name the file, the row
(the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import difflib
from pathlib import Path

from kb.errors import Problem
from kb.loaders import InputFile, Parsed
from kb.loaders.yaml import read_text
from kb.records import Loc, Record
from kb.schema import RecordSpec, nested_records, records

LIST_SEPARATOR = "|"
EVENT_COLUMN = "event"


def sheet_kind(path: Path) -> str | None:
    """The record key a sheet holds, from its file name."""
    stem = path.stem.lower().rsplit(".", 1)[-1]
    return stem if stem in records() or stem in nested_records() else None


def columns(key: str) -> tuple[str, ...]:
    """The columns of a sheet."""
    if key in nested_records():
        return (EVENT_COLUMN, *nested_records()[key].field_names)
    spec = records()[key]
    return tuple(n for n in spec.field_names if (spec.field(n) is None or spec.field(n).kind != "Nested"))


def load(f: InputFile, delimiter: str | None = None) -> Parsed:
    text, problems = read_text(f.path, f.display)
    if text is None:
        return Parsed(f, problems=problems)
    key = sheet_kind(f.path)
    if key is None:
        names = ", ".join(f"{k}.csv" for k in (*records(), *nested_records()))
        return Parsed(f, problems=[Problem(f.display, None, None, None,
                                           f"cannot tell what this sheet holds from its name; use {names}")])
    if "\x00" in text:
        return Parsed(f, problems=[Problem(f.display, text.count("\n", 0, text.index("\x00")) + 1, None,
                                           None, "NUL byte in file")])
    if not text.strip():
        return Parsed(f, problems=[Problem(f.display, 1, None, None,
                                           "the sheet is empty: expected a header row")])
    if delimiter is None:
        delimiter = _delimiter(text.splitlines()[0], columns(key))
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    rows = list(reader)
    header = [h.strip() for h in rows[0]]
    allowed = columns(key)
    out = Parsed(f)
    for i, name in enumerate(header, 1):
        if name not in allowed:
            hint = difflib.get_close_matches(name, allowed, n=1)
            out.problems.append(Problem(f.display, 1, i, name or "(empty)", f"unknown column '{name}'"
                                        + (f"; did you mean '{hint[0]}'?" if hint else
                                           f"; expected: {', '.join(allowed)}")))
    required = ["id"] if key in records() else [EVENT_COLUMN]
    spec = records().get(key) or nested_records()[key]
    required += [fld.name for fld in spec.fields if fld.required]
    for name in required:
        if name not in header:
            out.problems.append(Problem(f.display, 1, None, name, f"missing column '{name}'"))
    if out.problems:
        return out
    for row_no, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            out.problems.append(Problem(f.display, row_no, min(len(row), len(header)) + 1, None,
                                        f"{len(row)} cells, but the header has {len(header)} columns"))
            continue
        out.records.append(_record(spec, header, row, Loc(f.display, row_no, 1), f.display, row_no))
    return out


def _delimiter(header: str, allowed: tuple[str, ...]) -> str:
    """The delimiter that splits the header row into the most known column names."""
    def known(d: str) -> int:
        cells = next(csv.reader([header], delimiter=d), [])
        return sum(c.strip() in allowed for c in cells) if len(cells) > 1 else 0
    return max((",", ";", "\t", "|"), key=known)


def _record(spec: RecordSpec, header: list[str], row: list[str], loc: Loc, display: str,
            row_no: int) -> Record:
    rec = Record(spec=spec, loc=loc)
    for col, (name, cell) in enumerate(zip(header, row, strict=True), 1):
        cell = cell.strip()
        if not cell:
            continue
        cloc = Loc(display, row_no, col)
        if name == "id":
            rec.id, rec.id_loc = cell, cloc
            continue
        if name == EVENT_COLUMN and spec.nested:
            rec.id, rec.id_loc = cell, cloc  # the event this documentation belongs to
            continue
        field = spec.field(name)
        assert field is not None
        rec.field_locs[name] = cloc
        values = [v.strip() for v in cell.split(LIST_SEPARATOR)] if field.many else [cell]
        for v in values:
            if v:
                rec.add(name, v, cloc)
    return rec


def attach_documentation(parsed: list[Parsed]) -> list[Problem]:
    """Move rows of documentation sheets into the events they name (events of the same build)."""
    events: dict[str, Record] = {}
    for p in parsed:
        for rec in p.records:
            if not rec.spec.nested and rec.id and rec.spec.field("documented_by") is not None:
                events[rec.id] = rec
    problems: list[Problem] = []
    for p in parsed:
        keep = []
        for rec in p.records:
            if not rec.spec.nested:
                keep.append(rec)
                continue
            event_id, rec.id = rec.id, None
            target = events.get(event_id or "")
            loc = rec.id_loc or rec.loc
            if target is None:
                problems.append(loc.problem(EVENT_COLUMN, f"no event '{event_id}' in this build: load its "
                                                          "events sheet together with the documentation"))
                continue
            field = next(f for f in target.spec.fields if f.kind == "Nested")
            target.add(field.name, rec, rec.loc)
        p.records[:] = keep
    return problems


def template(key: str) -> str:
    """An empty sheet: the header row and one example row."""
    examples = {
        "actors": {"id": "example-outlet", "name": "Example News", "kind": "media", "aliases": "EN@en | ExN"},
        "places": {"id": "shusha", "name": "Shusha", "aliases": "Shushi@hy | Şuşa@az"},
        "sources": {"id": "example-report", "title": "A report", "kind": "report",
                    "publisher": "example-outlet", "date": "2020-10-02", "url": "https://example.org/report"},
        "events": {"id": "example-shelling", "label": "Shelling of a town", "date": "2020-10-01/2020-10-03",
                   "place": "shusha"},
        "documentation": {"event": "example-shelling", "source": "example-report", "evidence": "video",
                          "quote": "We filmed the shelling."},
        "claims": {"id": "example-denial", "by": "example-outlet", "stance": "denies",
                   "about": "example-shelling", "text": "It did not happen.", "date": "2020-10-04"},
    }[key]
    cols = columns(key)
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    w.writerow([examples.get(c, "") for c in cols])
    return buf.getvalue()

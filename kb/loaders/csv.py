"""Spreadsheets: one CSV sheet per record type, with the same fields as the YAML format.

What a sheet holds is known from its file name: ``actors.csv``, ``places.csv``, ``sources.csv``,
``events.csv``, ``documentation.csv``, ``claims.csv`` (a prefix is allowed: ``2020.claims.csv``).
A sheet with another name (say ``Sheet1.csv``) is recognised by its header signature: the one
record type whose columns include every header cell and whose required columns are all present.
The header row names the columns: ``id`` and the record's fields (from ``ontology/authoring.ttl``,
via :mod:`kb.model.authoring`); ``documentation.csv`` has ``event, source, evidence, quote`` and attaches each
row to an event of the same build. A claim's description of events (YAML ``describes:``) is written
in its row of ``claims.csv``, one column per field of the description, each named
``describes.FIELD``: ``describes.place``, ``describes.date`` (a date or ``start/end``),
``describes.kinds``, ``describes.actor``, ``describes.latitude``, ``describes.longitude``,
``describes.radius_km``; a row with any of them filled may leave ``about`` empty. A cell holding
several values separates them with ``|``
(``Shushi@hy | Şuşa@az``). UTF-8 with or without a BOM; the delimiter (``,`` ``;`` tab ``|``) is
the one that splits the header into the most known column names, unless given (``--delimiter``).
Problems name the file, the row (the header is row 1, as in a spreadsheet) and the column (its
number and its name).
"""

from __future__ import annotations

import csv
import difflib
from pathlib import Path

from kb.errors import Problem
from kb.loaders import acled
from kb.loaders.base import InputFile, Parsed
from kb.loaders.table import data_rows, read_rows, read_table
from kb.loaders.text import DELIMITER_CANDIDATES, best_delimiter
from kb.model.authoring import Field, RecordSpec, records
from kb.model.authoring import event_nested_records as nested_records
from kb.model.authoring import nested_records as every_nested_record
from kb.model.records import Loc, Record

LIST_SEPARATOR = "|"
EVENT_COLUMN = "event"
INLINE_SEPARATOR = "."  # "describes.place": a field of the nested record a row holds in its own columns


def sheet_kind(path: Path) -> str | None:
    """The record key a sheet holds, from its file name."""
    stem = path.stem.lower().rsplit(".", 1)[-1]
    return stem if stem in records() or stem in nested_records() else None


def kind_from_header(header: list[str]) -> str | None:
    """The one record key whose columns include every header cell and whose required columns are
    all there, or None."""
    cells = {h.strip() for h in header if h.strip()}
    fits = [k for k in (*records(), *nested_records())
            if cells <= set(columns(k)) and set(required_columns(k)) <= cells]
    return fits[0] if len(fits) == 1 else None


def columns(key: str) -> tuple[str, ...]:
    """The columns of a sheet: a record's own fields, then those of the nested record it holds in
    its own row (a claim's ``describes.place``, …)."""
    if key in nested_records():
        return (EVENT_COLUMN, *nested_records()[key].field_names)
    spec = records()[key]
    own = tuple(n for n in spec.field_names if (spec.field(n) is None or spec.field(n).kind != "Nested"))
    return own + tuple(f"{f.name}{INLINE_SEPARATOR}{n}" for f in inline_fields(spec)
                       for n in every_nested_record()[f.record or ""].field_names)


def inline_fields(spec: RecordSpec) -> tuple[Field, ...]:
    """The nested fields a sheet holds in the record's own row: those whose records have no sheet
    of their own (a claim's ``describes``; an event's documentation has ``documentation.csv``)."""
    return tuple(f for f in spec.fields if f.kind == "Nested" and not f.many
                 and f.record in every_nested_record() and f.record not in nested_records())


def required_columns(key: str) -> tuple[str, ...]:
    """The columns a sheet must have (a required field that may be left out for another, such as a
    claim's ``about`` for its ``describes``, need not be a column)."""
    spec = records().get(key) or nested_records()[key]
    return ("id" if key in records() else EVENT_COLUMN,
            *(fld.name for fld in spec.fields if fld.required and not fld.unless_given))


def load(f: InputFile) -> Parsed:
    """A spreadsheet: which records it holds (from its name, else its header), its rows as records."""
    table, problems = read_table(f)
    if table is None:
        return Parsed(f, problems=problems)
    text, first = table
    key = _sheet_key(f, first)
    if isinstance(key, Problem):
        return Parsed(f, problems=[key])
    rows, problems = read_rows(f, text, f.delimiter or _delimiter(first, columns(key)))
    if problems:
        return Parsed(f, problems=problems)
    header = [h.strip() for h in rows[0]]
    out = Parsed(f, problems=_header_problems(f, key, header))
    if out.problems:
        return out
    spec = records().get(key) or nested_records()[key]
    for row_no, row in data_rows(f, rows, out.problems):
        out.records.append(_record(spec, header, row, Loc(f.display, row_no, 1), f.display, row_no))
    return out


def _sheet_key(f: InputFile, first: str) -> str | Problem:
    """The record key a sheet holds, from its file name, else from its header row (split by the
    given delimiter, or by each candidate); the problem when neither tells."""
    key = sheet_kind(f.path)
    if key is not None:
        return key
    guesses = {d: kind_from_header(_cells(first, d)) for d in ([f.delimiter] if f.delimiter
                                                              else DELIMITER_CANDIDATES)}
    found = {k for k in guesses.values() if k}
    unreadable = _unreadable(first)
    if unreadable and not found:
        return Problem(f.display, 1, None, None, f"CSV syntax error: {unreadable}")
    if len(found) == 1:
        return found.pop()
    names = ", ".join(f"{k}.csv" for k in (*records(), *nested_records()))
    hint = ("; this looks like an ACLED-layout file: use --format acled" if acled.looks_like(first)
            else f"; name it {names}, or give it the columns of one of them")
    return Problem(f.display, 1, None, None, "cannot tell which records this sheet holds" + hint)


def _header_problems(f: InputFile, key: str, header: list[str]) -> list[Problem]:
    """Unknown columns, columns given twice, and missing required ones, each located in row 1."""
    allowed = columns(key)
    problems = []
    for i, name in enumerate(header, 1):
        if name not in allowed:
            hint = difflib.get_close_matches(name, allowed, n=1)
            problems.append(Problem(f.display, 1, i, name or "(empty)", f"unknown column '{name}'"
                                    + (f"; did you mean '{hint[0]}'?" if hint else
                                       f"; expected: {', '.join(allowed)}")))
        elif name in header[:i - 1]:
            problems.append(Problem(f.display, 1, i, name, f"column '{name}' given twice"))
    for name in required_columns(key):
        if name not in header:
            problems.append(Problem(f.display, 1, None, name, f"missing column '{name}'"))
    return problems


def _cells(line: str, delimiter: str) -> list[str]:
    """The cells of a header line split by ``delimiter``; none if the csv module cannot read it
    (a cell over its field limit: the full read then reports it, located)."""
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _unreadable(line: str) -> str | None:
    """Why the csv module cannot read a header line with any delimiter, or None."""
    try:
        next(csv.reader([line], delimiter="\x00"))  # no delimiter: the longest cell possible
    except csv.Error as exc:
        return str(exc)
    return None


def _delimiter(header: str, allowed: tuple[str, ...]) -> str:
    """The delimiter that splits the header row into the most known column names."""
    def known(d: str) -> int:
        cells = _cells(header, d)
        return sum(c.strip() in allowed for c in cells) if len(cells) > 1 else 0
    return best_delimiter(known)


def _record(spec: RecordSpec, header: list[str], row: list[str], loc: Loc, display: str,
            row_no: int) -> Record:
    rec = Record(spec=spec, loc=loc)
    inline: dict[str, Record] = {}  # a nested record held in this row's columns, by field name
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
        outer, _, inner = name.partition(INLINE_SEPARATOR)
        if inner:
            nested = inline.get(outer)
            if nested is None:
                nested = inline[outer] = Record(spec=every_nested_record()[spec.field(outer).record or ""],
                                                loc=cloc)
                rec.add(outer, nested, cloc)
                rec.field_locs[outer] = cloc
            _add_cell(nested, inner, cell, Loc(display, row_no, col, name))  # named as the column is
            continue
        _add_cell(rec, name, cell, cloc)
    return rec


def _add_cell(rec: Record, name: str, cell: str, loc: Loc) -> None:
    """The value(s) of one cell into field ``name`` of ``rec`` (several, ``|``-separated, for a
    field that takes many)."""
    field = rec.spec.field(name)
    assert field is not None
    rec.field_locs[name] = loc
    values = [v.strip() for v in cell.split(LIST_SEPARATOR)] if field.many else [cell]
    for v in values:
        if v:
            rec.add(name, v, loc)


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

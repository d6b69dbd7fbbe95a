"""Spreadsheets: one CSV sheet per record type, with the same fields as the YAML format.

What a sheet holds is known from its file name: ``actors.csv``, ``places.csv``, ``sources.csv``,
``events.csv``, ``documentation.csv``, ``claims.csv`` (a prefix is allowed: ``2020.claims.csv``).
A sheet with another name (say ``Sheet1.csv``) is recognised by its header signature: the one
record type whose columns include every header cell and whose required columns are all present.
The header row names the columns: ``id`` and the record's fields (from ``ontology/authoring.ttl``,
via :mod:`kb.model.authoring`); ``documentation.csv`` has ``event, source, evidence, quote`` and attaches each
row to an event of the same build. A cell holding several values separates them with ``|``
(``Shushi@hy | Şuşa@az``). UTF-8 with or without a BOM; the delimiter (``,`` ``;`` tab ``|``) is
the one that splits the header into the most known column names, unless given (``--delimiter``).
Problems name the file, the row (the header is row 1, as in a spreadsheet) and the column (its
number and its name).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterator
from pathlib import Path

from kb.errors import Problem
from kb.loaders import InputFile, Parsed
from kb.loaders.yaml import read_text
from kb.model.authoring import RecordSpec, nested_records, records
from kb.model.records import Loc, Record

LIST_SEPARATOR = "|"
EVENT_COLUMN = "event"
DELIMITERS = {",": ",", ";": ";", "|": "|", "\\t": "\t", "\t": "\t", "tab": "\t"}


def parse_delimiter(text: str) -> str:
    """The delimiter a user typed: one character, or ``tab`` / ``\\t``."""
    if text in DELIMITERS:
        return DELIMITERS[text]
    if len(text) != 1 or text in "\"\r\n":
        raise ValueError(f"invalid delimiter {text!r}: give one character, or 'tab'")
    return text


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
    """The columns of a sheet."""
    if key in nested_records():
        return (EVENT_COLUMN, *nested_records()[key].field_names)
    spec = records()[key]
    return tuple(n for n in spec.field_names if (spec.field(n) is None or spec.field(n).kind != "Nested"))


def required_columns(key: str) -> tuple[str, ...]:
    spec = records().get(key) or nested_records()[key]
    return ("id" if key in records() else EVENT_COLUMN, *(fld.name for fld in spec.fields if fld.required))


def read_table(f: InputFile, what: str = "sheet") -> tuple[tuple[str, str] | None, list[Problem]]:
    """((text, header line), []) of a CSV file, or (None, the problems that stop it being read:
    not UTF-8, a NUL byte, nothing in it)."""
    text, problems = read_text(f.path, f.display)
    if text is None:
        return None, problems
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, [Problem(f.display, line, None, None, "NUL byte in file")]
    if not text.strip():
        return None, [Problem(f.display, 1, None, None, f"the {what} is empty: expected a header row")]
    return (text, re.split(r"\r\n?|\n", text, maxsplit=1)[0]), []  # old spreadsheets end lines with \r


def read_rows(f: InputFile, text: str, delimiter: str) -> tuple[list[list[str]], list[Problem]]:
    """The rows of a CSV text, or none and its syntax error, located at the line the reader reached."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return list(reader), []
    except csv.Error as exc:
        return [], [Problem(f.display, reader.line_num, None, None, f"CSV syntax error: {exc}")]


def data_rows(f: InputFile, rows: list[list[str]],
              problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """(row number as a spreadsheet counts it, cells) of each data row with as many cells as the
    header; blank rows are skipped, rows of another length are added to ``problems``."""
    header = rows[0]
    for row_no, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(Problem(f.display, row_no, min(len(row), len(header)) + 1, None,
                                    f"{len(row)} cells, but the header has {len(header)} columns"))
            continue
        yield row_no, row


def load(f: InputFile) -> Parsed:
    table, problems = read_table(f)
    if table is None:
        return Parsed(f, problems=problems)
    text, first = table
    key = sheet_kind(f.path)
    delimiter = f.delimiter
    if key is None:
        guesses = {d: kind_from_header(_cells(first, d))
                   for d in ([delimiter] if delimiter else [",", ";", "\t", "|"])}
        found = {k for k in guesses.values() if k}
        unreadable = _unreadable(first)
        if unreadable and not found:
            return Parsed(f, problems=[Problem(f.display, 1, None, None, f"CSV syntax error: {unreadable}")])
        if len(found) == 1:
            key = found.pop()
        else:
            from kb.loaders import acled

            names = ", ".join(f"{k}.csv" for k in (*records(), *nested_records()))
            hint = ("; this looks like an ACLED-layout file: use --format acled" if acled.looks_like(first)
                    else f"; name it {names}, or give it the columns of one of them")
            return Parsed(f, problems=[Problem(f.display, 1, None, None,
                                               "cannot tell which records this sheet holds" + hint)])
    if delimiter is None:
        delimiter = _delimiter(first, columns(key))
    rows, problems = read_rows(f, text, delimiter)
    if problems:
        return Parsed(f, problems=problems)
    header = [h.strip() for h in rows[0]]
    allowed = columns(key)
    out = Parsed(f)
    for i, name in enumerate(header, 1):
        if name not in allowed:
            hint = difflib.get_close_matches(name, allowed, n=1)
            out.problems.append(Problem(f.display, 1, i, name or "(empty)", f"unknown column '{name}'"
                                        + (f"; did you mean '{hint[0]}'?" if hint else
                                           f"; expected: {', '.join(allowed)}")))
        elif name in header[:i - 1]:
            out.problems.append(Problem(f.display, 1, i, name, f"column '{name}' given twice"))
    for name in required_columns(key):
        if name not in header:
            out.problems.append(Problem(f.display, 1, None, name, f"missing column '{name}'"))
    if out.problems:
        return out
    spec = records().get(key) or nested_records()[key]
    for row_no, row in data_rows(f, rows, out.problems):
        out.records.append(_record(spec, header, row, Loc(f.display, row_no, 1), f.display, row_no))
    return out


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


def write_templates(folder: str | Path, store: str | Path | None = None) -> list[Path]:
    """Write one empty sheet per record type into ``folder`` (created if missing; never inside the
    ``store`` folder) and return the paths written."""
    from kb.exports.files import folder as out_folder
    from kb.exports.files import replacing
    from kb.model.authoring import nested_records, records

    out = out_folder(folder, store)
    written = []
    for key in (*records(), *nested_records()):
        with replacing(out / f"{key}.csv", store) as tmp:
            tmp.write_text(template(key), encoding="utf-8")
        written.append(out / f"{key}.csv")
    return written

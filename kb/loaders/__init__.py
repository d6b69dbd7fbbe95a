"""Input formats. Every loader has the same small interface: ``load(InputFile) -> Parsed``.

A loader reads syntax only. Record formats (YAML, CSV, ClaimReview, ACLED layout) return
:class:`~kb.records.Record` objects that :func:`kb.model.records.compile_records` checks and turns into
quads; RDF formats return quads (JSON-LD) or a ``load_into`` function that streams a large file
straight into the store's transaction. Importers may skip items with ``warnings`` (shown to the
user). Register a new format in :data:`LOADERS` and its file endings in :data:`SUFFIXES`; see
:func:`format_for` for the one rule that looks inside a file (ACLED-layout CSV).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kb.errors import Problem, printable
from kb.model.records import Record

MAX_INPUT_MB = 1024  # default limit for a file read whole: YAML, CSV, ClaimReview, JSON-LD


def max_input_bytes() -> int:
    """The largest file the loaders read whole (into memory): ``$KB_MAX_INPUT_MB`` megabytes, by
    default :data:`MAX_INPUT_MB` (1 GB: real feeds are hundreds of MB, and the synthetic YAML of
    ten million statements is about 200 MB). Turtle, TriG, N-Triples and N-Quads stream: no limit."""
    raw = os.environ.get("KB_MAX_INPUT_MB", "").strip()
    if not raw:
        return MAX_INPUT_MB * 2**20
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if not mb > 0:
        from kb.errors import UsageError

        raise UsageError(f"KB_MAX_INPUT_MB={printable(raw)!r}: expected a positive number of megabytes")
    return int(mb * 2**20)


def special_kind(mode: int) -> str | None:
    """What a file that is not a regular file or a folder is ("a FIFO (named pipe)", "a character
    device", …), from its ``st_mode``; None for a regular file or a folder."""
    for test, kind in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return None


@dataclass(frozen=True)
class InputFile:
    """A file to load: where it is, how it is shown, which named graph it fills, and its format."""

    path: Path
    display: str
    graph: str
    format: str
    delimiter: str | None = None  # CSV formats: the cell delimiter, when not detected
    date_order: str | None = None  # ACLED layout: "dmy" or "mdy" for dates like 10/04/2020

    def sha256(self) -> str:
        h = hashlib.sha256()
        with open(self.path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()


@dataclass
class Parsed:
    """What a loader read from one file."""

    input: InputFile
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    quads: list[ox.Quad] = field(default_factory=list)
    load_into: Callable[[ox.Store, ox.NamedNode | ox.DefaultGraph], None] | None = None
    # Re-read the file with exact line/column locations (for loaders with a fast path whose
    # records carry none); called only when a problem has to be located.
    precise: Callable[[], Parsed] | None = None
    warnings: list[str] = field(default_factory=list)  # items skipped, shown to the user


def _yaml(f: InputFile) -> Parsed:
    from kb.loaders import yaml as yaml_loader

    records, problems = yaml_loader.load(f.path, f.display)
    parsed = Parsed(f, records=records, problems=problems)
    if records and records[0].loc.line is None:
        parsed.precise = lambda: Parsed(f, *yaml_loader.load(f.path, f.display, precise=True))
    return parsed


def _rdf(f: InputFile) -> Parsed:
    from kb.loaders import rdf

    return rdf.load(f)


def _csv(f: InputFile) -> Parsed:
    from kb.loaders import csv

    return csv.load(f)


def _claimreview(f: InputFile) -> Parsed:
    from kb.loaders import claimreview

    return claimreview.load(f)


def _acled(f: InputFile) -> Parsed:
    from kb.loaders import acled

    return acled.load(f)


LOADERS: dict[str, Callable[[InputFile], Parsed]] = {
    "yaml": _yaml,
    "csv": _csv,
    "claimreview": _claimreview,
    "acled": _acled,
    "turtle": _rdf,
    "trig": _rdf,
    "nt": _rdf,
    "nq": _rdf,
    "jsonld": _rdf,
    "rdfxml": _rdf,
}

SUFFIXES: dict[str, str] = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
    ".ttl": "turtle",
    ".trig": "trig",
    ".nt": "nt",
    ".nq": "nq",
    ".jsonld": "jsonld",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
}


def format_for(path: Path) -> str | None:
    """The format of a file: from its ending, except that a ``.csv`` file whose header row has an
    ``event_id_cnty`` column is in the ACLED layout. None if the ending is unknown."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt == "csv":
        from kb.loaders import acled

        try:
            with open(path, encoding="utf-8-sig", errors="replace") as fh:
                first = fh.readline(65536)
        except OSError:
            return fmt
        if acled.looks_like(first):
            return "acled"
    return fmt


def link(parsed: list[Parsed], names: Callable[[], Mapping[tuple[str, str], str]]) -> list[Problem]:
    """Steps that join records across the files of one build: documentation sheets to their
    events, and importers' name-made actors and places to existing ones (``names`` gives the
    stored ones as (record key, case-folded name or alias) -> id; called only when needed)."""
    from kb.loaders import csv, resolve

    if any(r.auto for p in parsed for r in p.records):
        resolve.resolve(parsed, names())
    return csv.attach_documentation(parsed)

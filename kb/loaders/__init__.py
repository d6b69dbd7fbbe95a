"""Input formats: syntax only. A loader turns one file's text into records or quads, and located problems.

Every loader module has the same small interface, ``load(InputFile) -> Parsed``
(:mod:`kb.loaders.base`). Record formats (YAML, CSV, ClaimReview, ACLED layout) return
:class:`~kb.model.records.Record` objects that the build checks and turns into quads; RDF formats
return quads (JSON-LD) or a ``load_into`` function that streams a large file straight into the
store's transaction. Importers may skip items with ``warnings`` (shown to the user). No loader
reads the store or calls the validator; what they share (reading, locations, NUL, depth and
delimiter checks) is in :mod:`kb.loaders.text`.

:data:`FORMATS` is the registry: a format's name, the module that loads it (imported when first
used), its file endings, and for a format that shares an ending with another, the name of a
*sniffer* in its module that claims a file from its first line (ACLED-layout CSV). Register a new
format there; :data:`LOADERS`, :data:`SUFFIXES` and :func:`format_for` follow from it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from types import ModuleType

from kb.errors import Problem
from kb.loaders import csv as csv_loader
from kb.loaders import names_map, resolve
from kb.loaders.base import InputFile, Load, Parsed
from kb.loaders.text import MAX_INPUT_MB, max_input_bytes, special_kind


@dataclass(frozen=True)
class Format:
    """One input format of the registry."""

    name: str
    module: str  # defines load(InputFile) -> Parsed
    suffixes: tuple[str, ...] = ()
    # a function of ``module``, (first line of the file) -> bool: the file is in this format
    # although its ending says another (checked before the endings)
    sniffer: str | None = None

    def loader(self) -> ModuleType:
        return import_module(self.module)

    def load(self, f: InputFile) -> Parsed:
        return self.loader().load(f)

    def sniffs(self, first_line: str) -> bool:
        return self.sniffer is not None and bool(getattr(self.loader(), self.sniffer)(first_line))


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("yaml", "kb.loaders.yaml", (".yaml", ".yml")),
    Format("csv", "kb.loaders.csv", (".csv",)),
    Format("acled", "kb.loaders.acled", (".csv",), sniffer="looks_like"),
    Format("claimreview", "kb.loaders.claimreview"),
    Format("turtle", "kb.loaders.rdf", (".ttl",)),
    Format("trig", "kb.loaders.rdf", (".trig",)),
    Format("nt", "kb.loaders.rdf", (".nt",)),
    Format("nq", "kb.loaders.rdf", (".nq",)),
    Format("jsonld", "kb.loaders.rdf", (".jsonld",)),
    Format("rdfxml", "kb.loaders.rdf", (".rdf", ".owl")),
)}

#: format name -> its load function
LOADERS: dict[str, Load] = {name: fmt.load for name, fmt in FORMATS.items()}
#: file ending -> the format a file with it is in (unless a sniffer claims the file)
SUFFIXES: dict[str, str] = {s: f.name for f in FORMATS.values() if f.sniffer is None for s in f.suffixes}


def _first_line(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            return fh.readline(65536)
    except OSError:
        return None


def format_for(path: Path) -> str | None:
    """The format of a file: from its ending, unless the sniffer of a format registered for that
    ending claims it from its first line (a ``.csv`` file whose header row has an
    ``event_id_cnty`` column is in the ACLED layout). None if the ending is unknown."""
    suffix = path.suffix.lower()
    sniffers = [f for f in FORMATS.values() if f.sniffer is not None and suffix in f.suffixes]
    first = _first_line(path) if sniffers else None
    if first is not None:
        for fmt in sniffers:
            if fmt.sniffs(first):
                return fmt.name
    return SUFFIXES.get(suffix)


def link(parsed: list[Parsed], names: Callable[[], Mapping[tuple[str, str], str]],
         mapping: tuple[str, names_map.NameMap] | None = None) -> list[Problem]:
    """Steps that join records across the files of one build: documentation sheets to their
    events, and importers' name-made actors and places to existing ones (``names``, given by the
    caller, returns the stored ones as (record key, case-folded name or alias) -> id; called only
    when needed), after a name mapping file (``mapping``: its display name and entries), and
    ``same_as`` written by name (:mod:`kb.loaders.names_map`)."""
    known = functools.cache(names)
    problems = names_map.check_map(mapping[0], mapping[1], parsed, known()) if mapping else []
    if any(r.auto for p in parsed for r in p.records):
        resolve.resolve(parsed, known(), mapping[1] if mapping else None)
    if names_map.needs_names(parsed):
        names_map.same_as_by_name(parsed, known())
    return problems + csv_loader.attach_documentation(parsed)


__all__ = ["FORMATS", "LOADERS", "MAX_INPUT_MB", "SUFFIXES", "Format", "InputFile", "Load", "Parsed",
           "format_for", "link", "max_input_bytes", "special_kind"]

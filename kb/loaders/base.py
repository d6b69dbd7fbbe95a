"""What every loader takes and gives: an :class:`InputFile` in, a :class:`Parsed` out.

Kept apart from the registry (:mod:`kb.loaders`) so that the loaders import these types without
importing the package that lists them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kb.errors import Problem
from kb.model.records import Record


@dataclass(frozen=True)
class InputFile:
    """A file to load: where it is, how it is shown, which named graph it fills, and its format."""

    path: Path
    display: str
    graph: str
    format: str
    delimiter: str | None = None  # CSV formats: the cell delimiter, when not detected
    date_order: str | None = None  # ACLED layout: "dmy" or "mdy" for dates like 10/04/2020
    strict: bool = False  # third-party feeds (ClaimReview, ACLED): any problem refuses the whole file

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
    # A third-party feed read without ``strict``: a record problem skips its item (the records
    # sharing its ``Record.item``) with a warning instead of refusing the file (kb.build.tolerance).
    tolerant: bool = False
    skipped: list[Problem] = field(default_factory=list)  # why each skipped item was skipped

    def skip(self, problem: Problem, item: str | None = None) -> None:
        """An item that cannot be imported: a warning (the item is skipped), or with ``strict``
        a problem that refuses the whole file."""
        if self.input.strict:
            self.problems.append(problem)
        else:
            self.skipped.append(problem)
            self.warnings.append(f"{problem}" + (f" ({item})" if item else "") + "; skipped")


#: The one function every loader module defines: ``load(InputFile) -> Parsed``.
Load = Callable[[InputFile], Parsed]

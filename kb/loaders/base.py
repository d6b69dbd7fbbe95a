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


@dataclass(frozen=True)
class ReviewVersion:
    """One imported fact-check (a ClaimReview) as a version of a review, for the build to tell a
    review met again (in another file, or stored) from a new one (:mod:`kb.build.versions`).

    ``key`` is the review's identity (its url, else ``@id``, with the reviewed words and claimant)
    as an id part; ``content`` a digest of everything imported from it; the records it made are
    ``<kind>-<key>--<content>`` (fact-check, claim, claimed event)."""

    key: str
    content: str
    date: str | None  # dateModified, else datePublished (YYYY-MM-DD), to order versions
    records: tuple[str, ...]  # the ids of the records of this review alone
    factcheck: str  # the id of its fact-check source
    label: str  # "file:line:col: item 3 (https://…)", for warnings


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
    reviews: list[ReviewVersion] = field(default_factory=list)  # imported fact-checks (ClaimReview)
    # Ids of records that an importer makes the same from any file (a claim's appearance source,
    # by its url): one already stored or made by an earlier file of the build is not made again.
    shared: set[str] = field(default_factory=set)

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

"""Per-item tolerance for third-party feeds: a bad item is skipped, the rest of the file imported.

ClaimReview feeds and ACLED-layout files are other people's data; one bad item (a date that does
not exist, a latitude that is not a number, an event type outside the codebook) must not refuse
the thousands of good ones. Their loaders tag every record with the item it was made from
(:attr:`kb.model.records.Record.item`: "row 7 (event AFG1)", "item 4 (https://…)") and mark the
file :attr:`~kb.loaders.base.Parsed.tolerant` unless ``strict`` was asked for.

:func:`tolerate` compiles the batch; each problem located in a tolerant file is traced to the item
whose records were written at that line (and column), that item is dropped with a warning naming
it, the problem and its line, and the batch is compiled again (an item that refers to a record of a
dropped one is dropped in the next round, with its own warning). A record that an item shares with
others (an actor, a place) stays while a kept item refers to it, unless it is the bad one itself.
A tolerant file left with nothing to import is a problem (an import that stores nothing never
succeeds). The SHACL shapes, checked on the store as the build leaves it, are the last check:
:func:`skip_invalid` skips the items their violations lie in the same way, and the build runs
again without them. Hand-authored YAML and CSV are never tolerant: their author fixes the file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from kb.errors import Problem
from kb.loaders.base import Parsed
from kb.model.records import Compiled, Loc, Record, references

#: Compile rounds before the remaining problems are reported as they are (each round drops at
#: least one item; a longer chain of items referring to dropped ones is very unusual).
MAX_ROUNDS = 8
#: Reasons shown, of a file whose every item was skipped.
SHOWN = 20


def tolerate(parsed: list[Parsed], compile_: Callable[[], Compiled]) -> Compiled:
    """Compile with ``compile_``, skipping the bad items of tolerant files (see above)."""
    compiled = compile_()
    tolerant = {p.input.display: p for p in parsed if p.tolerant and p.records}
    if not tolerant:
        return compiled
    dropped: dict[str, set[str]] = defaultdict(set)
    for _ in range(MAX_ROUNDS):
        bad = _bad_items(compiled.problems, tolerant)
        if not bad:
            break
        for display, items in bad.items():
            p = tolerant[display]
            for item, problems in items.items():
                p.warnings.extend(f"{x}; {item} skipped" for x in problems)
                p.skipped.extend(problems)
            _drop(p, set(items), dropped[display])
        compiled = compile_()
    compiled.problems.extend(_emptied(tolerant, dropped))
    return compiled


def skip_invalid(parsed: list[Parsed], problems: list[Problem],
                 dropped: dict[str, set[str]]) -> list[Problem] | None:
    """After the shapes found ``problems`` in a compiled batch: skip (as :func:`tolerate` does) the
    items of tolerant files they lie in, each with a located warning, so that the caller compiles
    and checks the batch again. ``dropped`` (file -> items) is kept by the caller across rounds.
    None if no problem lies in one item of a tolerant file (the problems stand as they are); else
    the problems of files left with nothing to import (empty: compile again)."""
    tolerant = {p.input.display: p for p in parsed if p.tolerant and p.records}
    bad = _bad_items(problems, tolerant)
    if not bad:
        return None
    for display, items in bad.items():
        p = tolerant[display]
        for item, found in items.items():
            p.warnings.extend(f"{x}; {item} skipped" for x in found)
            p.skipped.extend(found)
        _drop(p, set(items), dropped.setdefault(display, set()))
    return _emptied(tolerant, dropped)


def _bad_items(problems: list[Problem], tolerant: dict[str, Parsed]) -> dict[str, dict[str, list[Problem]]]:
    """file -> item -> its problems, for the problems that lie in one item of a tolerant file."""
    out: dict[str, dict[str, list[Problem]]] = defaultdict(lambda: defaultdict(list))
    indexes = {}
    for x in problems:
        p = tolerant.get(x.file)
        if p is None or x.line is None:
            continue
        if x.file not in indexes:
            indexes[x.file] = _index(p.records)
        by_at, by_line = indexes[x.file]
        items = by_at.get((x.line, x.column), set())
        if len(items) != 1:
            items = by_line.get(x.line, set())
        if len(items) == 1:
            out[x.file][next(iter(items))].append(x)
    return out


def _index(records: list[Record]) -> tuple[dict[tuple[int, int | None], set[str]], dict[int, set[str]]]:
    """Where each item's records were written: (line, column) -> items, line -> items."""
    by_at: dict[tuple[int, int | None], set[str]] = defaultdict(set)
    by_line: dict[int, set[str]] = defaultdict(set)
    for rec in records:
        if rec.item is None:
            continue
        for loc in _locs(rec):
            if loc.line is not None:
                by_at[(loc.line, loc.column)].add(rec.item)
                by_line[loc.line].add(rec.item)
    return by_at, by_line


def _locs(rec: Record) -> Iterable[Loc]:
    yield rec.loc
    if rec.id_loc is not None:
        yield rec.id_loc
    yield from rec.field_locs.values()
    for values in rec.values.values():
        for value, loc in values:
            yield loc
            if isinstance(value, Record):
                yield from _locs(value)


def _drop(p: Parsed, items: set[str], dropped: set[str]) -> None:
    """Remove the records of ``items`` from a file, but those a kept item refers to (shared
    actors, places); an item met a second time (its shared record is the bad one) goes whole."""
    whole = items & dropped
    dropped.update(items)
    kept = [r for r in p.records if r.item not in dropped]
    shared = {r.id: r for r in p.records if r.item in dropped and r.item not in whole and r.id}
    todo = [ref for r in kept for ref in references(r)]
    referred: set[str] = set()
    while todo:  # what the kept records refer to, and what that refers to (a place's admin chain)
        ref = todo.pop()
        if ref in shared and ref not in referred:
            referred.add(ref)
            todo.extend(references(shared[ref]))
    p.records[:] = kept + [shared[ref] for ref in shared if ref in referred]


def _emptied(tolerant: dict[str, Parsed], dropped: dict[str, set[str]]) -> list[Problem]:
    """A problem for each tolerant file whose every item was skipped."""
    out = []
    for display, p in tolerant.items():
        if dropped.get(display) and not any(r.item is not None and r.item not in dropped[display]
                                            for r in p.records):
            out.extend(p.skipped[:SHOWN])  # the located reasons first, then what they add up to
            out.append(Problem(display, 1, None, None,
                               f"nothing could be imported from this file: all {len(dropped[display])} "
                               "item(s) were skipped (see the warnings; --strict refuses the file at "
                               "the first problem instead)"))
    return out

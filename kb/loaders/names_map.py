"""Name mapping files (``kb import --map names.yaml``) and ``same_as`` written by name.

A mapping file is a YAML mapping of names to actor ids::

    # names.yaml: what these imports call an actor -> the actor it is
    "Government of Armenia (2018-)": government-of-armenia
    "Trend News Agency - English": trend

Importers apply it before they create actors (:func:`kb.loaders.resolve.resolve`): an
importer-made actor whose name has a listed key (:func:`kb.model.names.key`) becomes a reference to
the mapped id, so no new actor is made. Every id must be an actor stored or written in the same
build; an unknown one is an error at its line.

``same_as`` of an actor written by hand may give a name instead of an id
(``same_as: [Government of Armenia (2018-)]``): :func:`same_as_by_name` turns a value that is no id
of the batch or the store, and is the name or alias of exactly one actor (as written, case aside;
else after :func:`kb.model.names.key`), into that actor's id.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from kb.errors import Problem
from kb.loaders.base import Parsed
from kb.loaders.resolve import ID_KEY, _names
from kb.loaders.text import read_text
from kb.model.names import key
from kb.model.records import Record

#: A mapping: name key -> (actor id, the line of the file it is written on)
NameMap = dict[str, tuple[str, int]]


def read_map(path: str | Path) -> tuple[NameMap, list[Problem]]:
    """The name -> id entries of a mapping file, keyed by :func:`kb.model.names.key`, and every
    problem with it (file, line, field)."""
    display = str(path)
    text, problems = read_text(Path(path), display)
    if text is None:
        return {}, problems
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return {}, [Problem(display, line, None, None, f"not YAML: {getattr(exc, 'problem', exc)}")]
    if root is None:
        return {}, []
    if not isinstance(root, yaml.MappingNode):
        return {}, [Problem(display, root.start_mark.line + 1, None, None,
                            "a name mapping is a YAML mapping of names to actor ids (name: id)")]
    out: NameMap = {}
    for k, v in root.value:
        line = k.start_mark.line + 1
        if not (isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode) and k.value and v.value):
            problems.append(Problem(display, line, None, None,
                                    "each entry is a name and an actor id (name: id)"))
            continue
        if key(k.value) in out and out[key(k.value)][0] != v.value:
            problems.append(Problem(display, line, None, k.value,
                                    f"mapped to {v.value!r} here and to {out[key(k.value)][0]!r} on line "
                                    f"{out[key(k.value)][1]}"))
            continue
        out[key(k.value)] = (v.value, line)
    return out, problems


def check_map(display: str, mapping: NameMap, parsed: list[Parsed], existing: Mapping[tuple[str, str], str]
              ) -> list[Problem]:
    """A problem for every mapped id that is no actor stored (``existing``) or written in the batch."""
    ids = {rid for (k, name), rid in existing.items() if k == "actors" and name.startswith(ID_KEY)}
    ids |= {r.id for p in parsed for r in p.records if r.spec.key == "actors" and r.id and not r.auto}
    return [Problem(display, line, None, None, f"no actor has the id {rid!r} (stored or in this build)")
            for rid, line in mapping.values() if rid not in ids]


def same_as_by_name(parsed: list[Parsed], existing: Mapping[tuple[str, str], str]) -> None:
    """Rewrite each hand-written actor's ``same_as`` value that is no actor id but the name or
    alias of exactly one actor (stored or in the batch) to that actor's id."""
    actors = [r for p in parsed for r in p.records if r.spec.key == "actors" and r.id]
    ids = {name[len(ID_KEY):] for (k, name) in existing if k == "actors" and name.startswith(ID_KEY)}
    ids |= {r.id for r in actors}
    exact = _actor_names(actors, existing)
    by_key: dict[str, set[str]] = {}
    for name, rids in exact.items():
        by_key.setdefault(key(name), set()).update(rids)
    for r in actors:
        values = r.values.get("same_as")
        if values:
            r.values["same_as"] = [(_one(v, ids, exact, by_key), loc) for v, loc in values]


def _actor_names(actors: list[Record], existing: Mapping[tuple[str, str], str]) -> dict[str, set[str]]:
    """Case-folded name or alias -> the ids of the actors (stored, or ``actors`` of the batch) it names."""
    exact: dict[str, set[str]] = {}
    for (k, name), rid in existing.items():
        if k == "actors" and not name.startswith(ID_KEY):
            exact.setdefault(name, set()).add(rid)
    for r in actors:
        for name in _names(r):
            exact.setdefault(name, set()).add(r.id)
    return exact


def _one(value: object, ids: set[str], exact: dict[str, set[str]], by_key: dict[str, set[str]]) -> object:
    """The id ``value`` names: itself if an id, else the one actor with that name (case-folded),
    else the one actor whose name has its key; else ``value`` as written (reported as unknown)."""
    if not isinstance(value, str) or value in ids:
        return value
    for hits in (exact.get(value.casefold(), set()), by_key.get(key(value), set())):
        if len(hits) == 1:
            return next(iter(hits))
    return value


def needs_names(parsed: list[Parsed]) -> bool:
    """Whether a hand-written actor's ``same_as`` may name an actor instead of giving its id."""
    batch = {r.id for p in parsed for r in p.records if r.spec.key == "actors"}
    return any(isinstance(v, str) and v not in batch for p in parsed for r in p.records
               if r.spec.key == "actors" for v, _loc in r.values.get("same_as", []))

"""Records that importers make from other people's data (ClaimReview feeds, ACLED-layout files).

Such data names actors and places instead of giving ids. An importer makes a record for every
name it meets, with the id ``actor-<slug>`` or ``place-<slug>`` (a slug of the name plus a short hash
of it, so that different names never share an id) and marks it ``auto``. Before the build,
:func:`resolve` points each such record at an existing actor or place with the same name or alias
(case-insensitive; stored in the knowledge base or written in the same build) and drops the made
one; only names nobody knows create new records. Everything then goes through the same record
checks (:mod:`kb.model.records`) as YAML and CSV.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache

from kb.loaders.base import Parsed
from kb.model.authoring import nested_records, records
from kb.model.names import key
from kb.model.records import Loc, Record

#: Record types whose importer-made records are resolved by name or alias.
RESOLVED = ("actors", "places")
NAME_FIELDS = ("name", "aliases")
ID_KEY = "\x00id "  # (record key, ID_KEY + id) -> id: every stored id, besides the names
UP_KEY = "\x00up "  # ("places", UP_KEY + id) -> the ids the stored place lies directly within, \x1f-joined
NAMES_KEY = "\x00names "  # ("places", NAMES_KEY + id) -> the name keys of a stored place, \x1f-joined
SAME_KEY = "\x00same "  # ("places", SAME_KEY + name key) -> every stored place of that name, \x1f-joined
#: Fields of an importer-made place that say what it lies within, as its dataset codes it.
CODING = ("within", "coded_by")


@lru_cache(maxsize=1 << 16)
def slug(text: str, limit: int = 60) -> str:
    """An id-safe slug of a name, with a short hash of the exact name so that names never collide."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    return f"{s}-{digest}" if s else digest


@lru_cache(maxsize=1 << 16)
def readable(text: str, limit: int = 60) -> str:
    """A readable id part of a name: its letters and digits, accents dropped, lower case; a short
    hash of the name is added only when letters would be lost (another script) or nothing is left,
    so that the same name always gives the same part and different names (beyond case, spacing
    and punctuation) never share one."""
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", flat.lower()).strip("-")[:limit].strip("-")
    lossy = sum(c.isalnum() for c in flat) < sum(c.isalnum() for c in text)
    if not s or lossy:
        return slug(text, limit)
    return s


def plain_id(text: str) -> str | None:
    """``text`` itself when it is already a usable id (e.g. an ACLED ``event_id_cnty``)."""
    return text.lower() if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,150}", text) else None


def parse_date(value: object) -> str | None:
    """``YYYY-MM-DD`` from the date forms feeds use (ISO date or date-time, ``04 October 2020``,
    ``04-October-2020``, ``04/10/2020``); anything else is returned as written so that the record
    check reports it, with its location."""
    if not isinstance(value, str) or not value.strip():
        return None
    return _parse_date(value.strip())


@lru_cache(maxsize=1 << 12)
def _parse_date(text: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[T ].*)?", text, re.DOTALL):
        return text[:10]
    for fmt in ("%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text


class Builder:
    """Makes the records of one imported file, each value with the location it came from."""

    def __init__(self, display: str):
        self.display = display
        self.out: dict[str, Record] = {}
        self.item: str | None = None  # the feed item being read: records made now are tagged with it
        self.warnings: list[str] = []
        self.made: dict[object, str] = {}  # a loader's own memo: what it made from a key, once

    def record(self, key: str, rid: str, loc: Loc, *, auto: bool = False,
               locs: Mapping[str, Loc] | None = None, **values: object) -> str:
        """Add a record (once per id) and return its id. ``values`` are field values: strings,
        lists of them, or dicts for nested records (documentation); ``locs`` give a field's own
        location (e.g. the CSV column it came from), else ``loc`` is used."""
        if rid in self.out:
            return rid
        spec = records()[key]
        rec = Record(spec=spec, loc=loc, id=rid, id_loc=loc, auto=auto, item=self.item)
        for name, value in values.items():
            if value in (None, "", []):
                continue
            floc = (locs or {}).get(name, loc)
            rec.field_locs[name] = floc
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    nested = Record(spec=nested_records()[spec.field(name).record or ""], loc=floc)
                    for k, v in item.items():
                        if v:
                            nested.add(k, str(v), floc)
                            nested.field_locs[k] = floc
                    rec.add(name, nested, floc)
                else:
                    rec.add(name, str(item), floc)
        self.out[rid] = rec
        return rid

    def actor(self, name: str, loc: Loc, kind: str = "organisation") -> str:
        """The id of an actor known by ``name`` (made here, resolved before the build)."""
        return self.record("actors", "actor-" + slug(name), loc, auto=True, name=name, kind=kind)

    def place(self, name: str, chain: Sequence[str], loc: Loc, locs: Mapping[str, Loc] | None = None,
              **values: object) -> str:
        """The id of a place called ``name`` within the admin ``chain`` (e.g. admin2, admin1,
        country: empty parts left out) that keeps same-named places apart: one place per name and
        chain, ``place-<name>--<chain part>--…`` (see :func:`resolve`)."""
        rid = "--".join(["place-" + readable(name)] + [readable(x, 40) for x in chain if x])
        return self.record("places", rid, loc, auto=True, locs=locs, name=name, **values)


def _names(rec: Record) -> list[str]:
    out = []
    for f in NAME_FIELDS:
        for value, _loc in rec.values.get(f, []):
            text = str(value)
            head, _, tail = text.rpartition("@")
            out.append((head if head and re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", tail)
                        else text).casefold())
    return out


def resolve(parsed: list[Parsed], existing: Mapping[tuple[str, str], str],
            mapping: Mapping[str, tuple[str, int]] | None = None) -> None:
    """Point importer-made actors and places at existing ones with the same name or alias.

    ``existing`` maps (record key, case-folded name or alias) of stored records to their ids (and
    (record key, :data:`ID_KEY` + id) to every stored id); the caller reads them from the store.
    Records written by hand in this build (YAML, CSV) count as existing too. A made record whose
    name is known is dropped and every reference to it rewritten; a name made twice is kept once.
    A place made within an admin chain (its id holds ``--``, see :meth:`Builder.place`) never
    joins another place made within a different chain: same-named places of two provinces stay
    two places, in one build and across imports. ``mapping`` (a name mapping file, see
    :mod:`kb.loaders.names_map`: name key -> (actor id, line)) is applied first: a made actor whose
    name it lists becomes a reference to the mapped id.
    """
    names = dict(existing)
    hand = _hand_written(parsed, names)
    rename: dict[str, str] = {}
    for p in parsed:
        joins = _Joins(p, names, hand)
        p.records[:] = [out for rec in p.records
                        if not _mapped(rec, mapping or {}, rename)
                        for out in _resolved(rec, names, rename, joins)]
    if rename:
        for p in parsed:
            for rec in p.records:
                _rewrite(rec, rename)
            p.records[:] = [rec for rec in p.records if not rec.addendum or _within_others(rec)]


def _hand_written(parsed: list[Parsed], names: dict[tuple[str, str], str]) -> dict[str, Record]:
    """The actors and places written by hand in this build, by id (their names added to ``names``)."""
    hand: dict[str, Record] = {}
    for p in parsed:
        for rec in p.records:
            if rec.spec.key in RESOLVED and not rec.auto and rec.id:
                hand[rec.id] = rec
                for name in _names(rec):
                    names.setdefault((rec.spec.key, name), rec.id)
    return hand


def _mapped(rec: Record, mapping: Mapping[str, tuple[str, int]], rename: dict[str, str]) -> bool:
    """Whether an importer-made actor is named in the mapping (then ``rename`` points it at its id)."""
    if rec.spec.key != "actors" or not rec.auto or not mapping or not rec.id:
        return False
    target = mapping.get(key(_names(rec)[0]))
    if target is None:
        return False
    rename[rec.id] = target[0]
    return True


class _Joins:
    """What deciding whether an importer-made place of one file joins an existing place needs:
    the file's made places (their admin chains) and the existing places' containment."""

    def __init__(self, p: Parsed, names: Mapping[tuple[str, str], str], hand: Mapping[str, Record]):
        self.p, self.names, self.hand = p, names, hand
        self.made = {r.id: r for r in p.records if r.auto and r.id and r.spec.key == "places"}
        self.by_id: dict[str, set[str]] | None = None
        self.hand_names: dict[str, list[str]] | None = None
        self.below: dict[str, list[str]] | None = None  # made place id -> the made places within it
        self.joined: dict[str, str | None] = {}  # made place id -> the known place it joins

    def candidates(self, rec: Record) -> list[str]:
        """The existing places (stored, or written by hand in this build) of a made place's name
        that are not themselves made within an admin chain (those are other places)."""
        k = key(_first(rec, "name") or "")
        if self.hand_names is None:
            self.hand_names = defaultdict(list)
            for rid, r in self.hand.items():
                if r.spec.key == "places":
                    for n in dict.fromkeys(key(n) for n in _names(r)):
                        self.hand_names[n].append(rid)
        stored = [c for c in self.names.get(("places", SAME_KEY + k), "").split("\x1f") if c]
        named = self.names.get(("places", _names(rec)[0]))
        found = [*self.hand_names.get(k, []), *stored, *([named] if named else [])]
        return [c for c in dict.fromkeys(found) if not _chained(c) and c != rec.id]

    def chain(self, rec: Record) -> list[str]:
        """The name keys of a made place's admin chain, nearest first (admin2, admin1, country)."""
        out: list[str] = []
        seen = {rec.id}
        while (up := _first(rec, "within")) and up in self.made and up not in seen:
            seen.add(up)
            rec = self.made[up]
            out.append(key(_names(rec)[0]))
        return out

    def parents(self, rid: str) -> list[tuple[str, set[str]]]:
        """The places an existing place lies directly within, each with its name keys."""
        rec = self.hand.get(rid)
        if rec is not None:
            ups = [v for f in ("part_of", "within") for v, _ in rec.values.get(f, []) if isinstance(v, str)]
        else:
            ups = [u for u in self.names.get(("places", UP_KEY + rid), "").split("\x1f") if u]
        return [(u, self._keys(u)) for u in ups]

    def _keys(self, rid: str) -> set[str]:
        rec = self.hand.get(rid)
        if rec is not None:
            return {key(n) for n in _names(rec)}
        stored = {k for k in self.names.get(("places", NAMES_KEY + rid), "").split("\x1f") if k}
        return stored or self._named().get(rid, set())

    def _named(self) -> dict[str, set[str]]:
        """Stored place id -> the keys of the names that find it (made once, when needed)."""
        if self.by_id is None:
            self.by_id = defaultdict(set)
            for (k, name), rid in self.names.items():
                if k == "places" and not name.startswith("\x00"):
                    self.by_id[rid].add(key(name))
        return self.by_id

    def contradiction(self, rec: Record, target: str) -> str | None:
        """Why the made place ``rec`` may not join the existing place ``target`` of its name, or
        None: they are kept apart when, below the first place both containments name, each
        names another one (Dawlat Abad within Faryab, Afghanistan is not the Dawlat Abad within
        Balkh, Afghanistan), or when they name no common place at all."""
        chain = self.chain(rec)
        level, seen = self.parents(target), {target}
        depth = 0
        while level and chain:
            for _u, keys in level:
                common = [i for i, k in enumerate(chain) if k in keys]
                if common:
                    return None if depth == 0 or common[0] == 0 else "their containments differ"
            seen.update(u for u, _k in level)
            level = [x for u, _k in level for x in self.parents(u) if x[0] not in seen]
            depth += 1
        return "their containments name no common place" if depth and chain else None

    def target(self, rec: Record) -> str | None:
        """The known place a made place joins: the first candidate whose containment agrees and
        that no made place within it (of one of this file's admin chains) joins: of a town and
        its district of one name, the deepest (the row's location) joins, the other stays apart."""
        assert rec.id is not None
        if rec.id not in self.joined:
            self.joined[rec.id] = None  # also what a place stored (or made) as itself joins
            if ("places", ID_KEY + rec.id) not in self.names:
                self.joined[rec.id] = next((t for t in self.candidates(rec) if self.contradiction(rec, t)
                                            is None and self.taker(rec, t) is None), None)
        return self.joined[rec.id]

    def taker(self, rec: Record, target: str) -> Record | None:
        """A made place lying within ``rec`` (in this file's admin chains) that joins ``target``."""
        if self.below is None:
            self.below = defaultdict(list)
            for rid, r in self.made.items():
                for up, _loc in r.values.get("within", []):
                    if isinstance(up, str) and up in self.made and up != rid:
                        self.below[up].append(rid)
        todo, seen = list(self.below.get(rec.id or "", [])), {rec.id}
        while todo:
            rid = todo.pop()
            if rid not in seen:
                seen.add(rid)
                if self.target(self.made[rid]) == target:
                    return self.made[rid]
                todo.extend(self.below.get(rid, []))
        return None

    def why(self, rec: Record, target: str) -> str:
        """Why the made place ``rec`` does not join the known place ``target`` of its name."""
        why = self.contradiction(rec, target)
        if why is None and (taker := self.taker(rec, target)) is not None:
            why = (f"the place {_first(taker, 'name')!r} within {_first(taker, 'description') or ''}, "
                   "which lies within it in this file's admin chain, is joined to that place")
        return why or ""

    def warn(self, rec: Record, target: str, why: str) -> None:
        chain = _first(rec, "description") or ""
        self.p.warnings.append(str(rec.loc.problem(None, (
            f"place {_first(rec, 'name')!r} within {chain} is not joined to the place '{target}' of that "
            f"name: {why}; imported as another place, {rec.id}"))))


def _first(rec: Record, name: str) -> str | None:
    for value, _loc in rec.values.get(name, []):
        if isinstance(value, str):
            return value
    return None


def _addendum(rec: Record, target: str) -> list[Record]:
    """A made place's admin chain (its dataset's coding) as statements about the existing place
    ``target`` it joins, in its own file's graph; nothing if it has no chain."""
    if not rec.values.get("within"):
        return []
    out = Record(spec=rec.spec, loc=rec.loc, id=target, id_loc=rec.id_loc, auto=False, item=rec.item,
                 addendum=True)
    for name in CODING:
        if name in rec.values:
            out.values[name] = list(rec.values[name])
            out.field_locs[name] = rec.field_locs.get(name, rec.loc)
    return [out]


def _resolved(rec: Record, names: dict[tuple[str, str], str], rename: dict[str, str],
              joins: _Joins) -> list[Record]:
    """What a record becomes in the build: itself; nothing, when it is an importer-made actor or
    place whose name is known (``rename`` then points it at the known record, and a place's admin
    chain is kept as an addendum to that record, :func:`_addendum`); a made record whose name is
    new is kept and its name added to ``names``. A made place joins a known one of its name only
    where their containments agree (:meth:`_Joins.contradiction`; else a located warning)."""
    if rec.spec.key not in RESOLVED or not rec.auto or not rec.id:
        return [rec]
    name = (rec.spec.key, _names(rec)[0])
    own = (rec.spec.key, ID_KEY + rec.id)
    target = names.get(name)
    if _chained(rec.id) and own in names:
        return _addendum(rec, rec.id)  # this very place (name and chain) is stored or made already
    if rec.spec.key == "places" and _chained(rec.id):
        return _join(rec, names, rename, joins)
    if target is not None and target != rec.id:
        rename[rec.id] = target
        return []
    if target == rec.id:  # stored by an earlier import, or made twice in this build
        return []
    names[name] = rec.id
    names[own] = rec.id
    return [rec]


def _join(rec: Record, names: dict[tuple[str, str], str], rename: dict[str, str],
          joins: _Joins) -> list[Record]:
    """A place made within an admin chain: joined to the first known place of its name whose
    containment agrees and that no made place within it joins (:meth:`_Joins.target`; its chain
    then kept as an addendum), else kept as a new place, with a located warning when a known
    place of its name was not joined. Places made within another chain are other places."""
    assert rec.id is not None
    target = joins.target(rec)
    if target is not None:
        rename[rec.id] = target
        return _addendum(rec, target)
    found = joins.candidates(rec)
    if found:
        joins.warn(rec, found[0], joins.why(rec, found[0]))
    names.setdefault(("places", _names(rec)[0]), rec.id)
    names[("places", ID_KEY + rec.id)] = rec.id
    return [rec]


def _within_others(rec: Record) -> bool:
    """Drop what an addendum says of its record lying within itself (two places of one chain
    joined to one place: :meth:`_Joins.target` prevents it); whether anything is left to say."""
    rec.values["within"] = [(v, loc) for v, loc in rec.values.get("within", []) if v != rec.id]
    return bool(rec.values["within"])


def _chained(rid: str) -> bool:
    return rid.startswith("place-") and "--" in rid


def _rewrite(rec: Record, rename: Mapping[str, str]) -> None:
    for f in rec.spec.fields:
        if f.kind == "Reference" and f.name in rec.values:
            rec.values[f.name] = [(rename.get(v, v) if isinstance(v, str) else v, loc)
                                  for v, loc in rec.values[f.name]]
        elif f.kind == "Nested":
            for v, _loc in rec.values.get(f.name, []):
                if isinstance(v, Record):
                    _rewrite(v, rename)

"""A fast reader for clean YAML files, with rapidyaml (C++ ryml).

It reads records only from documents that the precise reader (:mod:`kb.loaders.yaml`, PyYAML with
line marks) would accept without a single problem, and gives up (returns None) at the first thing
that is unusual or wrong: a syntax error, a tag, an anchor or alias, a duplicate or unknown key, a
null or boolean scalar, a list or mapping where one value belongs, characters PyYAML refuses.
The caller then reads the file with the precise reader, which reports every problem with its line
and column. Records read here carry locations without line numbers; if a later check finds a
problem, the build re-reads the file precisely to locate it (see ``Parsed.precise``).
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import orjson

from kb.model.authoring import RecordSpec, nested_records, records
from kb.model.records import Loc, Record

try:
    import ryml
except ImportError:  # pragma: no cover - rapidyaml is a dependency; keep working without it
    ryml = None

# Scalars PyYAML (YAML 1.1) resolves to something other than text, and characters it refuses.
_NOT_TEXT = re.compile(r"(?:~|null|Null|NULL|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE"
                       r"|on|On|ON|off|Off|OFF|=|<<)?")
# Line breaks ryml reads otherwise than PyYAML (lone CR; YAML 1.1's NEL, LS, PS), escaped surrogates
# (ryml pairs them, PyYAML refuses them), and plain scalars starting with an indicator PyYAML
# refuses or reads otherwise (@ ` * & ! % ?; and, in block context, ] and }, and
# in flow context, :, which ryml takes as text), and block scalar headers PyYAML refuses (`> -`).
# As one pattern (the definition, kept for the tests):
_READ_OTHERWISE = re.compile(r"[\r\x85\u2028\u2029]|\\[uU]0{0,4}[dD][89a-fA-F]|(?:^|[:\-\[,{])\s*[@`*&!%?]"
                             r"|(?:^|[:\-])\s*[\]}]|[\[,{]\s*:"
                             r"|(?:^|[:\-])[ \t]*[|>](?![+-]?[1-9]?[ \t]*(?:#.*)?$|[1-9][+-][ \t]*(?:#.*)?$)",
                             re.MULTILINE)
# The same test as a few patterns that each start with a character class, which the regex engine
# scans for quickly (the one pattern above tries every alternative at every position: 4.5 s on a
# 25 MB file, these 0.5 s). ``^`` (a line start) is written as the line break before it, and the
# start of the text is matched on its own (:func:`_read_otherwise`).
_BLOCK_HEADER = r"[|>](?![+-]?[1-9]?[ \t]*(?:#.*)?$|[1-9][+-][ \t]*(?:#.*)?$)"
_OTHERWISE_PARTS = (
    re.compile(r"[:\-\n](?:\s*[@`*&!%?\]}]|[ \t]*" + _BLOCK_HEADER + ")", re.MULTILINE),
    re.compile(r"[\[,{]\s*[@`*&!%?:]"),
    re.compile(r"\\[uU]0{0,4}[dD][89a-fA-F]"),
)
_OTHERWISE_AT_START = re.compile(r"\s*[@`*&!%?\]}]|[ \t]*" + _BLOCK_HEADER, re.MULTILINE)
_OTHER_BREAKS = "\r\x85\u2028\u2029"


def _read_otherwise(text: str) -> bool:
    """Whether ``_READ_OTHERWISE.search(text)`` finds something (the same answer, faster)."""
    return (any(c in text for c in _OTHER_BREAKS) or _OTHERWISE_AT_START.match(text) is not None
            or any(p.search(text) for p in _OTHERWISE_PARTS))


_PYYAML_REFUSES = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


_UNUSUAL = (ryml.KEYTAG | ryml.VALTAG | ryml.KEYANCH | ryml.VALANCH | ryml.KEYREF | ryml.VALREF
            if ryml is not None else 0)
if ryml is not None:
    # The tree is read through the C functions themselves (``_ryml.Tree_type(tree, node)``), not
    # the methods of ``ryml.Tree`` that wrap them in Python: one call gives a node's type bits
    # (tags, anchors, quoting, key, value, map, seq), keys are looked up as the arena's bytes.
    from ryml import _ryml

    _TYPE, _KEY, _VAL = _ryml.Tree_type, _ryml.Tree_key, _ryml.Tree_val
    _FIRST, _NEXT, _NONE = _ryml.Tree_first_child, _ryml.Tree_next_sibling, ryml.NONE
    _HAS_KEY, _HAS_VAL, _MAP, _SEQ, _QUOTED = ryml.KEY, ryml.VAL, ryml.MAP, ryml.SEQ, ryml.VALQUO
    _CONTAINER = ryml.MAP | ryml.SEQ
_LONGEST_NOT_TEXT = 5  # len("false"): a longer scalar is text whatever its style
# ryml's JSON copy writes a plain ``inf``, ``.Inf``, ``-infinity``, ``nan``, ``.NaN``… as the string
# ".inf", "-.inf" or ".nan": a string of the copy that could be one of those is left to the walk.
_FLOAT_WORDS = frozenset({"inf", "infinity", "nan"})
_LONGEST_SPECIAL = len("-.infinity")


class _GiveUp(Exception):
    pass


@contextmanager
def _quiet_stderr():
    """ryml's C++ error handler prints to fd 2 before raising; keep the user's terminal clean."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def parse(text: str, display: str) -> list[Record] | None:
    """Records of a clean document, or None when the precise reader must look at it."""
    text = text.replace("\r\n", "\n")  # the same line breaks for both readers
    if ryml is None or "\t" in text or _PYYAML_REFUSES.search(text) or _read_otherwise(text):
        return None
    try:
        with _quiet_stderr():
            tree = ryml.parse_in_arena(text.encode("utf-8"))
    except Exception:
        return None
    loc = Loc(display)
    fast = _from_json(tree, loc)
    if fast is not None:
        return fast
    try:
        return _Walker(tree, loc).document()
    except (_GiveUp, UnicodeDecodeError):
        return None


class _Defer(Exception):
    """Not for the JSON copy to say: the tree walk (:class:`_Walker`) decides."""


def _from_json(tree: ryml.Tree, loc: Loc) -> list[Record] | None:
    """The records of the tree read from ryml's JSON copy of it (one call into ryml, parsed by
    orjson: a few times faster than walking the tree node by node), or None when the copy
    cannot tell what the precise reader would read, and the tree walk must decide.

    The copy keeps every key and string exactly (ryml escapes quotes, backslashes and line
    breaks; other control characters, which it writes raw, make it invalid JSON). It loses what
    a scalar was written as (``"yes"`` and ``yes`` both come out as the string ``yes``; ``39.80``
    comes out as a number), duplicate keys (orjson keeps the last) and tags, anchors and aliases
    (the text patterns above refuse those in the first place). So: a string PyYAML might read
    as a null or a boolean, any number but a non-zero integer (whose text is its ``str``), a
    null, a boolean, and a node count other than the tree's are left to the walk."""
    if not _json_copy_is_exact():
        return None
    try:
        with _quiet_stderr():
            data = orjson.loads(ryml.emit_json(tree))
        if type(data) is not dict or not data:
            return None
        reader = _JsonReader(loc)
        out = reader.document(data)
    except Exception:  # _Defer, orjson.JSONDecodeError, or anything ryml raises
        return None
    if reader.nodes != tree.size():
        return None  # a duplicate key (or something the copy does not show): the walk decides
    return out


# Scalars whose JSON copy must give back exactly their text: quotes, backslashes (an old ryml wrote
# them unescaped, so 'C:\name' came back with a line break), line breaks, tabs.
_CANARY = r"""k: ["a\"b", 'C:\name', "x\\ny", "l1\nl2", "t\tt", "cr\rcr", '\u00e9', "\u00e9 \\"]""" + "\n"


@functools.cache
def _json_copy_is_exact() -> bool:
    """Whether this ryml writes JSON copies the reader can trust (a recent ryml, whose copy of
    a canary document of awkward strings gives back exactly the strings its tree holds)."""
    if ryml is None or tuple(getattr(ryml, "version_tuple", (0,))[:2]) < (0, 15):
        return False
    try:
        with _quiet_stderr():
            tree = ryml.parse_in_arena(_CANARY.encode("utf-8"))
            copy = orjson.loads(ryml.emit_json(tree))["k"]
        node = _FIRST(tree, _FIRST(tree, tree.root_id()))
        held = []
        while node != _NONE:
            held.append(str(_VAL(tree, node), "utf-8"))
            node = _NEXT(tree, node)
    except Exception:
        return False
    return copy == held and len(held) == 8


class _JsonReader:
    """Records from the JSON copy of a document (see :func:`_from_json`); :class:`_Defer` at the
    first thing it cannot tell. ``nodes`` counts the values read, to compare with the tree's."""

    def __init__(self, loc: Loc) -> None:
        self.loc = loc
        self.nodes = 1  # the root

    def document(self, data: dict) -> list[Record]:
        specs = records()
        out: list[Record] = []
        self.nodes += len(data)
        for name, items in data.items():
            spec = specs.get(name)
            if spec is None or type(items) is not list:
                raise _Defer
            self.nodes += len(items)
            out.extend([self.record(item, spec) for item in items])
        return out

    def record(self, data: object, spec: RecordSpec) -> Record:
        if type(data) is not dict:
            raise _Defer
        loc, fields = self.loc, _json_fields(spec)
        rec = Record(spec=spec, loc=loc)
        values, field_locs = rec.values, rec.field_locs
        self.nodes += len(data)
        for name, value in data.items():
            entry = fields.get(name, _UNKNOWN)
            if entry is None:
                rec.id, rec.id_loc = _text(value), loc
                continue
            if entry is _UNKNOWN:
                raise _Defer
            many, nested = entry  # type: ignore[misc]
            field_locs[name] = loc
            if type(value) is list:
                if not many:
                    raise _Defer
                self.nodes += len(value)
                if nested is not None:
                    items = [(self.record(item, nested), loc) for item in value]
                else:
                    items = [(_text(item), loc) for item in value]
                if items:
                    values[name] = items
            elif nested is not None:
                values[name] = [(self.record(value, nested), loc)]
            else:
                values[name] = [(_text(value), loc)]
        return rec


def _text(value: object) -> str:
    """A scalar of the JSON copy as the text PyYAML reads (see :func:`_from_json`)."""
    if type(value) is not str:
        raise _Defer  # a number, a boolean or a null: only the tree has its text
    if len(value) <= _LONGEST_SPECIAL and (_NOT_TEXT.fullmatch(value) or value.lstrip("+-.").lower()
                                           in _FLOAT_WORDS):
        raise _Defer
    return value


_UNKNOWN: object = object()
_JSON_FIELDS: dict[int, dict[str, tuple[bool, RecordSpec | None] | None]] = {}


def _json_fields(spec: RecordSpec) -> dict[str, tuple[bool, RecordSpec | None] | None]:
    """Field key -> None for the id, else (many, the nested record spec or None)."""
    found = _JSON_FIELDS.get(id(spec))
    if found is None:
        found = {key.decode("utf-8"): None if entry is None else (entry[1], entry[2])
                 for key, entry in _fields(spec).items()}
        _JSON_FIELDS[id(spec)] = found
    return found


#: The parts of a record spec the walker needs, per field key as UTF-8 bytes (a key read from the
#: tree is looked up as it lies in ryml's arena, without decoding it): "id", or (field name, many,
#: the nested record spec or None).
_Entry = tuple[str, bool, "RecordSpec | None"] | None
_FIELDS: dict[int, dict[bytes, _Entry]] = {}


def _fields(spec: RecordSpec) -> dict[bytes, _Entry]:
    found = _FIELDS.get(id(spec))
    if found is None:
        found = {}
        for name in spec.field_names:
            f = spec.field(name)
            found[name.encode("utf-8")] = None if f is None else (
                name, f.many, nested_records()[f.record or ""] if f.kind == "Nested" else None)
        _FIELDS[id(spec)] = found
    return found


class _Walker:
    """One pass over the tree, giving up (:class:`_GiveUp`) where the precise reader would report
    something or read otherwise."""

    def __init__(self, tree: ryml.Tree, loc: Loc):
        self.t = tree
        self.loc = loc

    def scalar(self, node: int, kind: int) -> str:
        """The text of a scalar node of type bits ``kind``."""
        if not kind & _HAS_VAL or kind & _CONTAINER:
            raise _GiveUp
        raw = _VAL(self.t, node)
        if raw is None:
            raise _GiveUp
        value = str(raw, "utf-8")
        if not kind & _QUOTED and len(value) <= _LONGEST_NOT_TEXT and _NOT_TEXT.fullmatch(value):
            raise _GiveUp
        return value

    def document(self) -> list[Record]:
        t = self.t
        root = t.root_id()
        if not t.is_map(root) or t.num_children(root) == 0:
            raise _GiveUp
        specs = {name.encode("utf-8"): spec for name, spec in records().items()}
        out: list[Record] = []
        seen: set[bytes] = set()
        child = _FIRST(t, root)
        while child != _NONE:
            kind = _TYPE(t, child)
            if kind & _UNUSUAL or not kind & _HAS_KEY:
                raise _GiveUp
            name = _KEY(t, child)
            spec = specs.get(name) if name is not None else None
            if spec is None or name in seen:
                raise _GiveUp
            seen.add(bytes(name))
            if kind & _SEQ:
                out.extend(self.section(child, spec))
            else:
                self.empty_section(child, kind)
            child = _NEXT(t, child)
        return out

    def section(self, node: int, spec: RecordSpec) -> Iterator[Record]:
        """The records of one section (``claims:``), a sequence of mappings."""
        t = self.t
        item = _FIRST(t, node)
        while item != _NONE:
            yield self.record(item, spec)
            item = _NEXT(t, item)

    def empty_section(self, node: int, kind: int) -> None:
        """``claims:`` with nothing (allowed, as in the precise reader); anything else gives up."""
        raw = _VAL(self.t, node) if kind & _HAS_VAL else None
        if not (kind & _HAS_VAL and not kind & _QUOTED
                and _NOT_TEXT.fullmatch("" if raw is None else str(raw, "utf-8"))):
            raise _GiveUp

    def record(self, node: int, spec: RecordSpec) -> Record:
        t, loc = self.t, self.loc
        kind = _TYPE(t, node)
        if kind & _UNUSUAL or not kind & _MAP:
            raise _GiveUp
        fields = _fields(spec)
        rec = Record(spec=spec, loc=loc)
        values, field_locs = rec.values, rec.field_locs
        child = _FIRST(t, node)
        while child != _NONE:
            kind = _TYPE(t, child)
            if kind & _UNUSUAL or not kind & _HAS_KEY:
                raise _GiveUp
            key = _KEY(t, child)
            if key is None or key not in fields:
                raise _GiveUp
            entry = fields[key]
            if entry is None:  # the id
                if rec.id_loc is not None:
                    raise _GiveUp
                rec.id, rec.id_loc = self.scalar(child, kind), loc
            else:
                name, many, nested = entry
                if name in field_locs:
                    raise _GiveUp
                field_locs[name] = loc
                if got := self.field_values(child, kind, many, nested):
                    values[name] = got
            child = _NEXT(t, child)
        return rec

    def field_values(self, node: int, kind: int, many: bool, nested: RecordSpec | None
                     ) -> list[tuple[str | Record, Loc]]:
        """The values of one field: a sequence's items (``many`` fields only), else the one value;
        nested records where the field holds them (documentation), else scalars."""
        t, loc = self.t, self.loc
        if not kind & _SEQ:
            return [(self.record(node, nested) if nested is not None else self.scalar(node, kind), loc)]
        if not many:
            raise _GiveUp
        items: list[tuple[str | Record, Loc]] = []
        item = _FIRST(t, node)
        while item != _NONE:
            if nested is not None:
                items.append((self.record(item, nested), loc))
            else:
                item_kind = _TYPE(t, item)
                if item_kind & _UNUSUAL:
                    raise _GiveUp
                items.append((self.scalar(item, item_kind), loc))
            item = _NEXT(t, item)
        return items

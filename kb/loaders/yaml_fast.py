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

import os
import re
import sys
from contextlib import contextmanager

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
_READ_OTHERWISE = re.compile(r"[\r\x85\u2028\u2029]|\\[uU]0{0,4}[dD][89a-fA-F]|(?:^|[:\-\[,{])\s*[@`*&!%?]"
                             r"|(?:^|[:\-])\s*[\]}]|[\[,{]\s*:"
                             r"|(?:^|[:\-])[ \t]*[|>](?![+-]?[1-9]?[ \t]*(?:#.*)?$|[1-9][+-][ \t]*(?:#.*)?$)",
                             re.MULTILINE)
_PYYAML_REFUSES = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


_UNUSUAL = (ryml.KEYTAG | ryml.VALTAG | ryml.KEYANCH | ryml.VALANCH | ryml.KEYREF | ryml.VALREF
            if ryml is not None else 0)


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
    if ryml is None or "\t" in text or _PYYAML_REFUSES.search(text) or _READ_OTHERWISE.search(text):
        return None
    try:
        with _quiet_stderr():
            tree = ryml.parse_in_arena(text.encode("utf-8"))
    except Exception:
        return None
    try:
        return _Walker(tree, display).document()
    except (_GiveUp, UnicodeDecodeError):
        return None


class _Walker:
    def __init__(self, tree: ryml.Tree, display: str):
        self.t = tree
        self.loc = Loc(display)

    def children(self, node: int):
        t, c = self.t, self.t.first_child(node)
        while c != ryml.NONE:
            yield c
            c = t.next_sibling(c)

    def check(self, node: int) -> None:
        if self.t.type_has_any(node, _UNUSUAL):
            raise _GiveUp

    def key(self, node: int) -> str:
        if not self.t.has_key(node) or self.t.key(node) is None:  # a seq item where a key belongs
            raise _GiveUp
        return bytes(self.t.key(node)).decode("utf-8")

    def scalar(self, node: int) -> str:
        t = self.t
        if not t.has_val(node) or t.is_container(node):
            raise _GiveUp
        raw = t.val(node)
        if raw is None:
            raise _GiveUp
        value = bytes(raw).decode("utf-8")
        if not t.is_val_quoted(node) and _NOT_TEXT.fullmatch(value):
            raise _GiveUp
        return value

    def document(self) -> list[Record]:
        t = self.t
        root = t.root_id()
        if not t.is_map(root) or t.num_children(root) == 0:
            raise _GiveUp
        specs = records()
        out: list[Record] = []
        seen: set[str] = set()
        for child in self.children(root):
            self.check(child)
            name = self.key(child)
            if name in seen or name not in specs:
                raise _GiveUp
            seen.add(name)
            if not t.is_seq(child):
                if t.has_val(child) and not t.is_val_quoted(child) and _NOT_TEXT.fullmatch(self._raw(child)):
                    continue  # `claims:` with nothing: allowed, as in the precise reader
                raise _GiveUp
            for item in self.children(child):
                out.append(self.record(item, specs[name]))
        return out

    def _raw(self, node: int) -> str:
        raw = self.t.val(node)
        return "" if raw is None else bytes(raw).decode("utf-8")

    def record(self, node: int, spec: RecordSpec) -> Record:
        t = self.t
        self.check(node)
        if not t.is_map(node):
            raise _GiveUp
        rec = Record(spec=spec, loc=self.loc)
        allowed = spec.field_names
        seen: set[str] = set()
        for child in self.children(node):
            self.check(child)
            name = self.key(child)
            if name in seen or name not in allowed:
                raise _GiveUp
            seen.add(name)
            if name == "id":
                rec.id, rec.id_loc = self.scalar(child), self.loc
                continue
            f = spec.field(name)
            assert f is not None
            rec.field_locs[name] = self.loc
            if t.is_seq(child):
                if not f.many:
                    raise _GiveUp
                items = list(self.children(child))
            else:
                items = [child]
            for item in items:
                if item != child:
                    self.check(item)
                if f.kind == "Nested":
                    rec.add(name, self.record(item, nested_records()[f.record or ""]), self.loc)
                else:
                    rec.add(name, self.scalar(item), self.loc)
        return rec

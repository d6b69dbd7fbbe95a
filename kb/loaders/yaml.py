"""The YAML authoring format: syntax and structure only, with a location for every value.

PyYAML's C parser composes the document into nodes that carry line and column marks; records are
read from those nodes. Anchors, aliases and merge keys (``<<: *base``; ``yaml.safe_dump`` writes
anchors for shared objects) are read as PyYAML's safe loader reads them, with their total expansion
bounded (a "billion laughs" document is refused, located). Duplicate keys and unknown keys are
refused (with a suggestion for a near miss).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from kb.errors import Problem
from kb.loaders import yaml_fast
from kb.loaders.base import InputFile, Parsed
from kb.loaders.text import nul_problem, read_text
from kb.model.authoring import Field, RecordSpec, nested_records, records
from kb.model.records import Loc, Record

try:  # the C parser is ~10x faster; fall back to pure Python where libyaml is missing
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

MAX_DEPTH = 64
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TEXT = {_STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                "tag:yaml.org,2002:timestamp"}


def load(f: InputFile) -> Parsed:
    """Read one YAML file into records.

    Clean files are read by the fast reader (:mod:`kb.loaders.yaml_fast`), whose records carry no
    line numbers; then ``Parsed.precise`` re-reads the file with PyYAML's composer, which locates
    every value (any file the fast reader gives up on is read that way at once).
    """
    records, problems = _load(f.path, f.display)
    parsed = Parsed(f, records=records, problems=problems)
    if records and records[0].loc.line is None:
        parsed.precise = lambda: Parsed(f, *_load(f.path, f.display, precise=True))
    return parsed


def _load(path: Path, display: str, precise: bool = False) -> tuple[list[Record], list[Problem]]:
    text, problems = read_text(path, display)
    if text is None:
        return [], problems
    return parse(text, display, precise)


def parse(text: str, display: str, precise: bool = False) -> tuple[list[Record], list[Problem]]:
    """Read YAML text into records. Returns (records, problems)."""
    if not precise:
        fast = yaml_fast.parse(text, display)
        if fast is not None:
            return fast, []
    refused = nul_problem(text, display) or _too_deep(text, display)
    if refused is not None:
        return [], [refused]
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        return [], [Problem(display, mark.line + 1 if mark else None,
                            mark.column + 1 if mark else None, None, f"YAML syntax error: {message}")]
    except (yaml.YAMLError, RecursionError) as exc:
        return [], [Problem(display, None, None, None, f"YAML error: {exc}")]
    reader = _Reader(display)
    out = reader.document(root)
    return out, reader.problems


def _too_deep(text: str, display: str) -> Problem | None:
    """The first collection nested deeper than MAX_DEPTH, if any.

    PyYAML's C composer recurses once per nesting level and overflows the C stack (the process
    dies with SIGSEGV, no exception) at about 50 000 levels, which a 100 KB file reaches. The
    parser's event stream is flat, so walk it first (about a tenth of the cost of composing)
    and stop at the first level too many.
    """
    # one entry per open collection: [is a mapping, next scalar is a key, last key]
    stack: list[list] = []

    def problem(mark: yaml.Mark) -> Problem:
        keys = [k for is_map, _, k in stack[:3] if is_map and k is not None]
        return Problem(display, mark.line + 1, mark.column + 1, keys[-1] if keys else None,
                       f"nested deeper than {MAX_DEPTH} levels")

    try:
        for event in yaml.parse(text, Loader=_Loader):
            node = isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent))
            if node and stack and stack[-1][0]:
                if stack[-1][1] and isinstance(event, yaml.ScalarEvent):
                    stack[-1][2] = event.value
                stack[-1][1] = not stack[-1][1]
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append([isinstance(event, yaml.MappingStartEvent), True, None])
                if len(stack) > MAX_DEPTH:
                    return problem(event.start_mark)
            elif isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
    except yaml.MarkedYAMLError as exc:
        # PyYAML >= 6.0.4 refuses deep flow nesting itself while looking ahead, before the events
        # reach our limit: the same problem, located where it stopped
        if "nesting depth" in str(exc.problem) and exc.problem_mark is not None:
            return problem(exc.problem_mark)
        return None  # a syntax error: compose reports it with its location
    except yaml.YAMLError:
        return None
    return None


MIN_ALIAS_EXPANSION = 100_000


def _expansion(root: yaml.Node) -> tuple[int, int, yaml.Node | None]:
    """(nodes written, nodes that aliases add, the first node whose repetition passes the bound).

    Aliases may add at most as many nodes as the document holds itself, or
    :data:`MIN_ALIAS_EXPANSION`, whichever is more ("billion laughs" documents add billions)."""
    size: dict[int, int] = {}

    def subtree(node: yaml.Node) -> int:
        if id(node) not in size:
            size[id(node)] = 0  # a cycle (composer-made only) counts once
            kids = _children(node)
            size[id(node)] = 1 + sum(subtree(k) for k in kids)
        return size[id(node)]

    seen: set[int] = set()
    order: list[yaml.Node] = []
    stack = [root]
    while stack:  # document order; a node met again is an alias: counted, not walked
        node = stack.pop()
        if id(node) in seen:
            order.append(node)
            continue
        seen.add(id(node))
        stack.extend(reversed(_children(node)))
    written = len(seen)
    bound = max(written, MIN_ALIAS_EXPANSION)
    added = 0
    for node in order:
        added += subtree(node)
        if added > bound:
            return written, added, node
    return written, added, None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


class _Reader:
    def __init__(self, display: str):
        self.display = display
        self.problems: list[Problem] = []
        self.flattened: set[int] = set()

    def loc(self, node: yaml.Node) -> Loc:
        return Loc(self.display, node.start_mark.line + 1, node.start_mark.column + 1)

    def bad(self, node: yaml.Node, field: str | None, message: str) -> None:
        self.problems.append(self.loc(node).problem(field, message))

    def visit(self, node: yaml.Node, depth: int, field: str | None = None) -> bool:
        """Refuse absurd nesting (aliases are read as PyYAML's safe loader reads them; their
        expansion is bounded before reading, see :func:`_expansion`)."""
        if depth > MAX_DEPTH:
            self.bad(node, field, f"nested deeper than {MAX_DEPTH} levels")
            return False
        return True

    def pairs(self, node: yaml.MappingNode, allowed: tuple[str, ...], what: str,
              depth: int) -> list[tuple[str, yaml.Node, yaml.Node]]:
        out, seen = [], {}
        for key, value in self.merged(node):
            field = key.value if isinstance(key, yaml.ScalarNode) else None
            if not self.visit(key, depth, field) or not self.visit(value, depth, field):
                continue
            if not isinstance(key, yaml.ScalarNode) or key.tag != _STR:
                self.bad(key, None, f"keys must be plain words in {what}")
                continue
            name = key.value
            if name in seen:
                self.bad(key, name, f"duplicate key '{name}' (first at line {seen[name]})")
                continue
            seen[name] = key.start_mark.line + 1
            if name not in allowed:
                hint = difflib.get_close_matches(name, allowed, n=1)
                suggestion = (f"; did you mean '{hint[0]}'?" if hint
                              else f"; expected one of: {', '.join(allowed)}")
                self.bad(key, name, f"unknown key '{name}' in {what}{suggestion}")
                continue
            out.append((name, key, value))
        return out

    def merged(self, node: yaml.MappingNode, active: frozenset[int] = frozenset()
               ) -> list[tuple[yaml.Node, yaml.Node]]:
        """The pairs of a mapping with its merge keys (``<<: *base``, ``<<: [*a, *b]``) applied as
        PyYAML's safe loader applies them: its own keys win, then within a list the earlier
        mapping, then the later ``<<`` key. Duplicates among its own keys stay (and are reported)."""
        if not any(k.tag == _MERGE for k, _v in node.value):
            return list(node.value)
        own = [(k, v) for k, v in node.value if k.tag != _MERGE]
        merge = [pair for k, v in node.value if k.tag == _MERGE
                 for pair in self.merge_sources(node, v, active)]
        return _not_overridden(merge, own) + own

    def merge_sources(self, node: yaml.MappingNode, value: yaml.Node, active: frozenset[int]
                      ) -> list[tuple[yaml.Node, yaml.Node]]:
        """The pairs one merge key's value brings into ``node`` (later sources first), or none and
        a problem when it is not a mapping or a list of them, or merges ``node`` into itself."""
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        if not sources or not all(isinstance(x, yaml.MappingNode) for x in sources):
            self.bad(value, "<<", "a merge key (<<) takes a mapping or a list of mappings")
            return []
        if any(id(x) in active or x is node for x in sources):
            self.bad(value, "<<", "a merge key (<<) that merges a mapping into itself")
            return []
        return [pair for x in reversed(sources) for pair in self.merged(x, active | {id(node)})]

    def document(self, root: yaml.Node | None) -> list[Record]:
        if root is None or (isinstance(root, yaml.ScalarNode) and root.tag.endswith(":null")):
            self.problems.append(Problem(self.display, 1, 1, None, "the file is empty: expected "
                                         f"top-level keys {', '.join(records())}"))
            return []
        if not isinstance(root, yaml.MappingNode):
            self.bad(root, None, f"expected a mapping with top-level keys {', '.join(records())}")
            return []
        written, added, at = _expansion(root)
        if at is not None:
            self.bad(at, None, f"YAML aliases expand the document to at least {written + added:,} "
                               f"nodes ({written:,} written; aliases may add at most "
                               f"{max(written, MIN_ALIAS_EXPANSION):,}): refused as an alias bomb")
            return []
        out: list[Record] = []
        for key, _knode, value in self.pairs(root, tuple(records()), "the top level", 1):
            spec = records()[key]
            if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null"):
                continue
            if not isinstance(value, yaml.SequenceNode):
                self.bad(value, key, f"'{key}' must be a list of records")
                continue
            for item in value.value:
                if self.visit(item, 2, key):
                    rec = self.record(item, spec, 3)
                    if rec is not None:
                        out.append(rec)
        return out

    def record(self, node: yaml.Node, spec: RecordSpec, depth: int) -> Record | None:
        what = f"{spec.key} record" if not spec.nested else f"{spec.key} entry"
        if not isinstance(node, yaml.MappingNode):
            self.bad(node, None, f"each {what} must be a mapping of field: value")
            return None
        rec = Record(spec=spec, loc=self.loc(node))
        for name, knode, value in self.pairs(node, spec.field_names, what, depth):
            if name == "id":
                text = self.scalar(value, "id")
                if text is not None:
                    rec.id, rec.id_loc = text, self.loc(value)
                continue
            f = spec.field(name)
            assert f is not None
            rec.field_locs[name] = self.loc(knode)
            if isinstance(value, yaml.SequenceNode) and not f.many:
                self.bad(value, name, "takes one value, not a list")
                continue
            for item in value.value if isinstance(value, yaml.SequenceNode) else [value]:
                if item is value or self.visit(item, depth + 1, name):
                    self.value(rec, f, item, depth)
        return rec

    def value(self, rec: Record, f: Field, item: yaml.Node, depth: int) -> None:
        """Add one value of field ``f`` to ``rec``: a nested record, or text."""
        if f.kind == "Nested":
            nested = self.record(item, nested_records()[f.record or ""], depth + 2)
            if nested is not None:
                rec.add(f.name, nested, self.loc(item))
            return
        text = self.scalar(item, f.name)
        if text is not None:
            rec.add(f.name, text, self.loc(item))

    def scalar(self, node: yaml.Node, field: str) -> str | None:
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _SCALAR_TEXT:
                return node.value
            if node.tag.endswith(":null"):
                self.bad(node, field, "has no value (remove the key or give a value)")
            elif node.tag.endswith(":bool"):
                self.bad(node, field, f"expected text, got the boolean {node.value!r} (quote it)")
            else:
                self.bad(node, field, f"unsupported YAML tag {node.tag}")
            return None
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
        self.bad(node, field, f"expected a single value, got {kind}")
        return None


def _not_overridden(merge: list[tuple[yaml.Node, yaml.Node]], own: list[tuple[yaml.Node, yaml.Node]]
                    ) -> list[tuple[yaml.Node, yaml.Node]]:
    """The merged pairs whose key the mapping does not give itself, the last of each key (the one
    PyYAML keeps), in the order of that last occurrence."""
    mine = {k.value for k, _v in own if isinstance(k, yaml.ScalarNode)}
    last: dict[object, tuple[yaml.Node, yaml.Node]] = {}
    for k, v in merge:
        name = k.value if isinstance(k, yaml.ScalarNode) else id(k)
        if name not in mine:
            last.pop(name, None)
            last[name] = (k, v)
    return list(last.values())

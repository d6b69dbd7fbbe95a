"""A fast JSON-LD expansion for the plain schema.org documents feeds are made of.

Expanding a 20 000-review DataCommons feed with pyld takes most of its import. Almost every feed
is written in one plain form: the shipped schema.org context given by its URL (or no context),
keys that are schema.org terms, string, number and object values. :func:`expand` expands exactly
that form itself, giving what pyld's ``expand`` gives for it (the same nodes, values, IRIs resolved
against the same base by pyld's own resolver); anything else (another context, a compact or full
IRI as a key, a value object, a keyword it does not handle, a boolean) makes it return None.
:func:`expand_each` does so per document and hands the others to pyld. ``tests/test_fuzz.py``
checks the two agree on every real-shape file of the tests and on generated documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pyld import iri_resolver

from kb.loaders.rdf import SCHEMA_ORG, SHIPPED_CONTEXTS, shipped_context

SCHEMA = "https://schema.org/"
_TERM = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_ABSOLUTE = re.compile(r"https?://\S*")


class _NotPlain(Exception):
    """The document is not in the plain form: pyld expands it."""


def _coercions() -> dict[str, str | None]:
    """Term -> its value type in the shipped context (``@id``, a datatype IRI, or None)."""
    out: dict[str, str | None] = {}
    for term, definition in shipped_context(SCHEMA_ORG)["@context"].items():
        if isinstance(definition, dict):
            kind = definition.get("@type")
            out[term] = kind if kind == "@id" or not isinstance(kind, str) else \
                SCHEMA + kind.removeprefix("schema:")
        else:
            out[term] = None
    return out


_COERCE: dict[str, str | None] = {}  # filled on first use (reading the shipped context)


def expand(docs: list[object], base: str) -> list[dict] | None:
    """The expanded form of the list ``docs`` (top-level documents, each with its ``@context``),
    as pyld's ``expand(docs, {"base": base})`` gives it; None if a document is not in the plain form."""
    try:
        return [node for doc in docs for node in _document(doc, base)]
    except (_NotPlain, RecursionError):
        return None


def expand_each(docs: list[object], base: str, slow: Callable[[list[object]], list]) -> list:
    """The expanded form of the list ``docs``: each document in the plain form expanded here, each
    run of the others by ``slow`` (pyld), in document order. Expanding a list is expanding each of
    its documents in turn (each has its own context), so the result is what ``slow(docs)`` gives."""
    out: list = []
    pending: list[object] = []
    for doc in docs:
        fast = expand([doc], base)
        if fast is None:
            pending.append(doc)
            continue
        if pending:
            out.extend(slow(pending))
            pending = []
        out.extend(fast)
    if pending:
        out.extend(slow(pending))
    return out


def _document(doc: object, base: str) -> list[dict]:
    """The top-level nodes one document of a list expands to (a document's own ``@graph`` stays
    one ``{"@graph": [ … ]}`` object, its free-floating nodes dropped, as pyld does)."""
    if not _COERCE:
        _COERCE.update(_coercions())
    if isinstance(doc, list):
        raise _NotPlain
    if not isinstance(doc, dict):
        return []  # a free-floating value: dropped, as pyld does
    node = _node(doc, base, top=True)
    if "@graph" in node:
        return [{"@graph": [n for n in node["@graph"] if _anchored(n)]}]
    return [node] if _anchored(node) else []


def _anchored(node: dict) -> bool:
    """Not a free-floating node (empty, or only an ``@id``)."""
    return bool(node) and set(node) != {"@id"}


def _context(value: object) -> None:
    if not (isinstance(value, str) and SHIPPED_CONTEXTS.get(value.strip()) == SCHEMA_ORG):
        raise _NotPlain


def _node(obj: dict, base: str, top: bool = False) -> dict:
    if "@context" in obj:
        _context(obj["@context"])
    elif top:
        raise _NotPlain  # a document read without any context
    if ("id" in obj and "@id" in obj) or ("type" in obj and "@type" in obj):
        raise _NotPlain
    out: dict[str, object] = {}
    for key, value in sorted(obj.items()):
        if key != "@context":
            _entry(out, obj, key, value, base, top)
    return out


def _entry(out: dict[str, object], obj: dict, key: str, value: object, base: str, top: bool) -> None:
    """Expand one ``key: value`` of the node ``obj`` into ``out``."""
    if key in ("@id", "id"):
        out["@id"] = _iri(value, base)
    elif key in ("@type", "type"):
        types = [_type(t) for t in (value if isinstance(value, list) else [value])]
        if types:  # an empty list states no type
            out["@type"] = types
    elif key == "@graph":
        out["@graph"] = _graph(obj, value, base, top)
    elif key.startswith("@") or not _TERM.fullmatch(key) or key == "schema":
        raise _NotPlain
    elif value is not None:
        coerce = _COERCE.get(key)
        out[SCHEMA + key] = [x for x in (_value(v, coerce, base) for v in _flat(value)) if x is not None]


def _graph(obj: dict, value: object, base: str, top: bool) -> list[dict]:
    """Only a document's own graph: ``{"@context": …, "@graph": [ … ]}``."""
    own = top and not set(obj) - {"@context", "@graph"}
    if not own or not isinstance(value, list) or not all(isinstance(v, dict) for v in _flat(value)):
        raise _NotPlain
    return [_node(v, base) for v in _flat(value)]


def _flat(value: object) -> list[object]:
    if not isinstance(value, list):
        return [value]
    return [x for v in value for x in _flat(v)]


def _iri(value: object, base: str) -> str:
    if not isinstance(value, str):
        raise _NotPlain
    if value.startswith("_:") or _ABSOLUTE.fullmatch(value):
        return value
    if ":" in value:
        raise _NotPlain
    return iri_resolver.resolve(value, base)


def _type(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise _NotPlain
    if value.startswith("schema:") and _TERM.fullmatch(value[7:]):
        return SCHEMA + value[7:]
    if _ABSOLUTE.fullmatch(value):
        return value
    if not _TERM.fullmatch(value) or value in _COERCE:
        raise _NotPlain
    return SCHEMA + value


def _value(value: object, coerce: str | None, base: str) -> dict | None:
    if value is None:
        return None
    if isinstance(value, dict):
        if any(k.startswith("@") and k not in ("@context", "@id", "@type", "@graph") for k in value):
            raise _NotPlain
        return _node(value, base)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _NotPlain
    if coerce == "@id":
        if not isinstance(value, str):
            raise _NotPlain
        return {"@id": _iri(value, base)}
    return {"@type": coerce, "@value": value} if coerce else {"@value": value}

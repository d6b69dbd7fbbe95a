"""A fast JSON-LD expansion for the plain schema.org documents feeds are made of.

Expanding a 20 000-review DataCommons feed with pyld takes most of its import. Almost every feed
is written in one plain form: the shipped schema.org context given by its URL (or no context),
keys that are schema.org terms, string, number and object values. :func:`expand` expands exactly
that form itself, giving what pyld's ``expand`` gives for it (the same nodes, values, IRIs resolved
against the same base by pyld's own resolver, keys in pyld's order); anything else (another
context, a compact IRI, a value object, a keyword it does not handle) makes it return None, and the
caller uses pyld. ``tests/test_fuzz.py`` checks the two agree on every shape and on generated
documents.
"""

from __future__ import annotations

import re

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


_COERCE: dict[str, str | None] | None = None


def expand(docs: list[object], base: str) -> list[dict] | None:
    """The expanded form of ``docs`` (a list of top-level documents, each with its ``@context``),
    as pyld gives it with ``base``; None if a document is not in the plain form."""
    global _COERCE
    if _COERCE is None:
        _COERCE = _coercions()
    out: list[dict] = []
    try:
        for doc in docs:
            if isinstance(doc, list):
                raise _NotPlain
            if not isinstance(doc, dict):
                continue  # a free-floating value: dropped, as pyld does
            node = _node(doc, base, top=True)
            if set(node) == {"@graph"}:
                out.extend(n for n in node["@graph"] if n and set(n) != {"@id"})  # as pyld drops them
            elif node and set(node) != {"@id"}:
                out.append(node)
    except (_NotPlain, RecursionError):
        return None
    return out


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
        if key == "@context":
            continue
        if key in ("@id", "id"):
            out["@id"] = _iri(value, base)
        elif key in ("@type", "type"):
            types = [_type(t) for t in (value if isinstance(value, list) else [value])]
            if types:  # an empty list states no type
                out["@type"] = types
        elif key == "@graph":  # only a document's own graph: {"@context": …, "@graph": [ … ]}
            own = top and not set(obj) - {"@context", "@graph"}
            if not own or not all(isinstance(v, dict) for v in _flat(value)):
                raise _NotPlain
            out["@graph"] = [_node(v, base) for v in _flat(value)]
        elif key.startswith("@") or not _TERM.fullmatch(key) or key == "schema":
            raise _NotPlain
        elif value is not None:
            coerce = (_COERCE or {}).get(key)
            out[SCHEMA + key] = [x for x in (_value(v, coerce, base) for v in _flat(value)) if x is not None]
    return out


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
    if not _TERM.fullmatch(value) or value in (_COERCE or {}):
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

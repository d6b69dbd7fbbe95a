"""One table of format names and their aliases, for import (``kb build --format``, ``kb import``)
and export (``kb export -f``).

Each row is one format and every name people call it by; names are compared by
:func:`kb.model.names.key` (case, spaces, hyphens and slashes do not matter: ``JSON-LD``, ``json ld``
and ``jsonld`` are one name). :func:`canonical` turns what a user typed into the name the loaders
or writers use, or raises :class:`kb.errors.UsageError` listing the names known;
:func:`for_suffix` picks a format by a file's ending.

    >>> canonical("JSON-LD", ["turtle", "jsonld"])
    'jsonld'
    >>> canonical("ttl", ["turtle", "jsonld"])
    'turtle'
    >>> for_suffix("kb.OWL", {"ttl": (".ttl",), "rdfxml": (".rdf", ".owl")})
    'rdfxml'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from kb.errors import UsageError
from kb.model.names import key

NAMES: dict[str, tuple[str, ...]] = {
    # format: its names (the first is the one shown); import and export each use whichever they know
    "turtle": ("turtle", "ttl"),
    "trig": ("trig",),
    "nt": ("nt", "ntriples", "n-triples"),
    "nq": ("nq", "nquads", "n-quads"),
    "jsonld": ("jsonld", "json-ld"),
    "rdfxml": ("rdfxml", "rdf/xml", "xml", "owl", "rdf"),
    "yaml": ("yaml", "yml"),
    "csv": ("csv",),
    "claimreview": ("claimreview", "claim-review"),
    "acled": ("acled",),
    "conflicts-markdown": ("conflicts-markdown", "markdown", "md"),
    "html": ("html", "page", "viz"),
}

_BY_KEY = {key(n): fmt for fmt, names in NAMES.items() for n in names}


def names_of(fmt: str) -> tuple[str, ...]:
    """Every name of the format one of whose names is ``fmt`` (just ``fmt`` if it has no row)."""
    return NAMES.get(_BY_KEY.get(key(fmt), ""), (fmt,))


def known(available: Iterable[str]) -> str:
    """The formats of ``available`` with their aliases, for an error message or a help text."""
    out = []
    for name in available:
        others = [n for n in names_of(name) if n != name]
        out.append(f"{name} ({', '.join(others)})" if others else name)
    return ", ".join(out)


def canonical(name: str, available: Iterable[str], what: str = "format") -> str:
    """The one of ``available`` that ``name`` (a format name or alias) stands for."""
    available = list(available)
    if name in available:
        return name
    for candidate in names_of(name):
        for a in available:
            if key(a) == key(candidate):
                return a
    raise UsageError(f"unknown {what} '{name}'; known: {known(available)}")


def for_suffix(path: str | Path, suffixes: Mapping[str, Iterable[str]]) -> str:
    """The format whose file endings (``suffixes``: format -> endings) include ``path``'s,
    compared without case; :class:`kb.errors.UsageError` if none does."""
    suffix = Path(path).suffix.lower()
    for fmt, endings in suffixes.items():
        if suffix in endings:
            return fmt
    raise UsageError(f"cannot tell the format from '{suffix}'; pass --format")


__all__ = ["NAMES", "canonical", "for_suffix", "known", "names_of"]

"""Names where ids are asked: one normalisation of names for the whole project, and the lookup of
a record by its id, its name or an alias.

:func:`key` is the one comparison key for names (case, accents, spacing, hyphens and punctuation
do not matter: ``"Şuşa"``, ``"SUSA"`` and ``"šuša"`` share a key, and so do
``"government-of-armenia"`` and ``"Government of Armenia"``; so do the suffixes datasets add to one
actor's name: ACLED's period of a government or force, ``"Government of Armenia (2018-)"``, and an
outlet's language edition, ``"Trend News Agency - English"``, are left out of the key).
:func:`resolve` turns what a user typed into the id of a stored record, or raises
:class:`NameNotFound` (with the nearest ids) or :class:`AmbiguousName` (with every match).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Protocol

import pyoxigraph as ox
import rdflib

from kb.errors import AmbiguousName, NameNotFound
from kb.model.authoring import records
from kb.model.terms import RDFS, SKOS, label, ontology, sparql_prefixes, subclasses

_SEPARATORS = re.compile(r"[\W_]+")
#: ACLED's period suffix of an actor's name: "(2018-)", "(1998-2018)", "(-2018)"
_PERIOD = re.compile(r"\s*\(\s*(?:\d{4})?\s*[-\u2013]\s*(?:\d{4})?\s*\)\s*$")
#: an outlet's language edition: "Al Jazeera - English", "Sputnik – Arabic"
_EDITION = re.compile(r"\s+[-\u2013\u2014]\s+(?:English|French|Arabic|Russian|Spanish|Turkish|German|Persian|"
                      r"Armenian|Azerbaijani|Azeri|Georgian|Ukrainian|Chinese|Portuguese|Hebrew|Urdu|Hindi)"
                      r"(?:\s+(?:edition|service|version))?\s*$", re.IGNORECASE)


@lru_cache(maxsize=1 << 16)
def key(name: str) -> str:
    """The comparison key of a name: ACLED's period suffix ("(2018-)") and an outlet's language
    edition (" - English") left out, accents stripped, case folded, punctuation and runs of spaces,
    hyphens or underscores as one space. A name that is nothing but such a suffix keeps it."""
    name = _EDITION.sub("", _PERIOD.sub("", name)) or name
    if name.isascii():  # nothing to decompose or strip
        return _SEPARATORS.sub(" ", name.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.replace("ı", "i").replace("ə", "e").replace("ø", "o").replace("đ", "d").replace("ł", "l")
    return _SEPARATORS.sub(" ", bare.casefold()).strip()


@dataclass(frozen=True)
class Named:
    """A stored record that can be asked for by name."""

    id: str
    label: str
    names: tuple[str, ...]  # its id, label and aliases


def _describe(r: Named) -> str:
    return f"{r.id} ({r.label})" if r.label and r.label != r.id else r.id


def record_word(key_: str) -> str:
    """The singular word of a record key (``actors`` -> ``actor``)."""
    return key_[:-1] if key_.endswith("s") else key_


def class_of(word: str) -> str:
    """The class IRI of a record word (``actor`` -> ev:Actor), read from the authoring mapping."""
    for k, spec in records().items():
        if record_word(k) == word:
            return spec.cls
    raise KeyError(word)


def record_words() -> list[str]:
    return [record_word(k) for k in records()]


def candidates_query(word: str) -> str:
    """SPARQL SELECT of every record of a class (with subclasses): ?id ?label ?name."""
    classes = " ".join(f"<{c}>" for c in sorted(subclasses(class_of(word))))
    return sparql_prefixes() + f"""
        SELECT DISTINCT ?id ?label ?name WHERE {{ GRAPH ?g {{
          ?r dcterms:identifier ?id ; a ?t . VALUES ?t {{ {classes} }}
          OPTIONAL {{ ?r rdfs:label ?label }} OPTIONAL {{ ?r rdfs:label|skos:altLabel ?name }}
        }} }}"""


def gather(rows: Iterable[dict[str, str]]) -> list[Named]:
    """Rows of :func:`candidates_query` -> one :class:`Named` per id."""
    by_id: dict[str, tuple[str, list[str]]] = {}
    for row in rows:
        label, names = by_id.setdefault(row["id"], (row.get("label", ""), [row["id"]]))
        if row.get("label") and not label:
            by_id[row["id"]] = (row["label"], names)
        if row.get("name") and row["name"] not in names:
            names.append(row["name"])
    return [Named(i, lab or i, tuple(n)) for i, (lab, n) in sorted(by_id.items())]


def _near(k: str, keys: Iterable[str], n: int) -> list[str]:
    """The keys of ``keys`` close to the key ``k``, closest first, then those ``k`` is a word of
    (a part of a name, "armenia" in "government of armenia", is a good suggestion too)."""
    keys = list(keys)
    near = difflib.get_close_matches(k, keys, n=n, cutoff=0.6)
    return near + [w for w in keys if k and k in w.split(" ") and w not in near]


def resolve(word: str, value: str, known: list[Named]) -> str:
    """The id of the one record of ``known`` whose id, name or alias is ``value`` (compared by
    :func:`key`); an exact id always wins."""
    if any(r.id == value for r in known):
        return value
    k = key(value)
    hits = [r for r in known if any(key(n) == k for n in r.names)]
    if len(hits) == 1:
        return hits[0].id
    if hits:
        listed = "; ".join(_describe(r) for r in hits)
        raise AmbiguousName(f"{word} '{value}' names {len(hits)} records: {listed}; give one of their ids",
                            word, value, hits)
    by_key = {key(n): r for r in known for n in r.names}
    suggestions = list(dict.fromkeys(by_key[n] for n in _near(k, by_key, 5)))[:3]
    hint = f"; did you mean {' or '.join(_describe(r) for r in suggestions)}?" if suggestions else ""
    raise NameNotFound(f"no {word} '{value}'{hint}", word, value, suggestions)


@cache
def _code_words(items: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, ...]]:
    """Key of a code or of a label of its class or concept -> the codes it names."""
    g = ontology()
    out: dict[str, list[str]] = {}
    for code, iri in items:
        words = [code, *(str(o) for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
                         for o in g.objects(rdflib.URIRef(iri), p))]
        for w in words:
            codes = out.setdefault(key(w), [])
            if code not in codes:
                codes.append(code)
    return {k: tuple(v) for k, v in out.items()}


def code_for(value: str, codes: dict[str, str], field: str) -> tuple[str | None, str]:
    """The code of ``codes`` that ``value`` is (its code, or a label of its concept or class:
    skos:prefLabel, skos:altLabel, rdfs:label; compared by :func:`key`), and "" — or None and the
    error message, with the nearest codes as suggestions."""
    if value in codes:
        return value, ""
    words = _code_words(tuple(codes.items()))
    hits = words.get(key(value), ())
    if len(hits) == 1:
        return hits[0], ""

    def show(code: str) -> str:
        name = label(codes[code])
        return f"'{code}' ({name})" if key(name) != key(code) else f"'{code}'"

    if hits:
        return None, (f"{field} {value[:40]!r} could mean {' or '.join(show(c) for c in hits)}; "
                      "give one of their codes")
    suggestions = list(dict.fromkeys(c for w in _near(key(value), words, 6) for c in words[w]))[:3]
    hint = f"did you mean {' or '.join(show(c) for c in suggestions)}? " if suggestions else ""
    return None, f"unknown {field} {value[:40]!r}; {hint}expected one of: {', '.join(codes)}"


class _Endpoint(Protocol):
    def select(self, query: str) -> Iterator[dict[str, str]]: ...


def by_key_query(word: str, value: str) -> str:
    """SPARQL SELECT of the ids of the ``word`` records whose id is ``value`` (?exact set) or one of
    whose name keys (``ev:nameKey``, written at build time: :mod:`kb.build.name_keys`) is its key:
    index lookups, no scan of the names."""
    classes = ", ".join(f"<{c}>" for c in sorted(subclasses(class_of(word))))
    # FILTER, not VALUES, for the classes: a VALUES block is joined first and turns the lookup into
    # a scan of every record of the class (Oxigraph, 1M statements: 8 s against 1 ms)
    return sparql_prefixes() + f"""
        SELECT DISTINCT ?id ?exact WHERE {{
          {{ GRAPH ?g {{ ?r dcterms:identifier {ox.Literal(value)} }} BIND(true AS ?exact) }}
          UNION {{ GRAPH ?g {{ ?r ev:nameKey {ox.Literal(key(value))} }} }}
          GRAPH ?h {{ ?r a ?t ; dcterms:identifier ?id }} FILTER(?t IN ({classes})) }}"""


def lookup(endpoint: _Endpoint, word: str, value: str) -> str:
    """The id of the stored ``word`` record (actor, place, source, event, claim) that ``value`` is
    the id, name or alias of, on any SPARQL endpoint (the local store or a remote one).

    The record is looked up by its id and its name keys (:func:`by_key_query`); only when that
    finds no single record (a miss, an ambiguous name, a store built before name keys) are all the
    names of the class read, for the suggestions or the list of matches :func:`resolve` gives."""
    rows = list(endpoint.select(by_key_query(word, value)))
    if any(r.get("exact") for r in rows):
        return value
    if len({r["id"] for r in rows}) == 1:
        return rows[0]["id"]
    return resolve(word, value, gather(endpoint.select(candidates_query(word))))


_ID_OF = re.compile(r"\bid of (?:the |an? )?(\w+)|\b(\w+)'s id\b")


def param_word(name: str, meaning: str) -> str | None:
    """The record word a query parameter asks the id of: its name (``actor``, ``event``) or what
    its ``# param:`` line says (``publisher — the id of the actor …``); None for a parameter that
    takes text (``place — a name or alias …``)."""
    words = record_words()
    if re.search(r"\bname\b", meaning) and "id" not in meaning.split():
        return None
    if name in words:
        return name
    for m in _ID_OF.finditer(meaning):
        w = m.group(1) or m.group(2)
        if w in words:
            return w
    return None


def resolve_params(endpoint: _Endpoint, meanings: Mapping[str, str], values: Mapping[str, str]
                   ) -> dict[str, str]:
    """Query parameter values with every name or alias given for an id replaced by that id."""
    out = dict(values)
    for name, value in values.items():
        word = param_word(name, meanings.get(name, ""))
        if word is not None and value and not value.startswith("<"):
            out[name] = lookup(endpoint, word, value)
    return out


__all__ = ["AmbiguousName", "NameNotFound", "Named", "candidates_query", "class_of", "code_for", "gather",
           "key", "lookup", "param_word", "record_words", "resolve", "resolve_params"]

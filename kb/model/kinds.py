"""One checker per value kind of the authoring format, registered by the kind's name.

``ontology/authoring.ttl`` declares the value kinds (``ev:Text``, ``ev:Reference``, ...: each an
``ev:ValueKind``) and gives every field one of them. :data:`CHECKERS` maps each kind's local name
to the function that checks a value an author wrote for such a field and says what it becomes:
``(property IRI, object)`` statements about the record, or :class:`Invalid` with the message to
report. A test checks that the registry holds exactly the kinds the ontology declares.

>>> from kb.model.authoring import value_kinds
>>> sorted(CHECKERS) == sorted(value_kinds())
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache

from pyoxigraph import Literal, NamedNode

from kb.model.authoring import Field
from kb.model.names import code_for
from kb.model.terms import RDF, XSD, subclasses

# Every pattern is applied with fullmatch: ``$`` alone would also match before a final newline
# (an id written ``"evil\n"``, or a ``|`` block scalar, would pass and then break IRI creation).
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,199}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
URL_RE = re.compile(r"https?://[^\s<>\"{}|\\^`]+", re.IGNORECASE)
LANG_RE = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
MAX_VALUE_CHARS = 1_000_000
NESTED = "Nested"  # the kind whose values are records, not strings

_XSD_DATE = NamedNode(str(XSD.date))
_XSD_ANYURI = NamedNode(str(XSD.anyURI))
_XSD_DECIMAL = NamedNode(str(XSD.decimal))
_XSD_INTEGER = NamedNode(str(XSD.integer))
_INTEGER_RE = re.compile(r"[+-]?[0-9]{1,18}")

Statement = tuple[str, Literal | NamedNode]  # (property IRI, object) about the record


class Invalid(ValueError):
    """A value that a field of its kind does not take; each argument is a message naming what is wrong."""


@dataclass(frozen=True)
class Subject:
    """What a checker may know of the record a value belongs to and of its batch."""

    id: str | None                                          # the record's id (None: nested)
    base: str                                               # the IRI prefix of record ids
    classes_of: Callable[[str], frozenset[str] | None]     # id -> its classes, None if unknown


Checker = Callable[[str, Field, Subject], list[Statement]]
CHECKERS: dict[str, Checker] = {}


def kind(name: str) -> Callable[[Checker], Checker]:
    """Register the decorated function as the checker of the value kind ``ev:<name>``."""
    def register(checker: Checker) -> Checker:
        CHECKERS[name] = checker
        return checker
    return register


def check(value: str, f: Field, subject: Subject) -> list[Statement]:
    """The statements the value ``value`` of field ``f`` becomes; :class:`Invalid` if it is bad."""
    if len(value) > MAX_VALUE_CHARS and f.kind != NESTED:  # a nested field says it wants a mapping
        raise Invalid(f"value is too long ({len(value):,} characters; at most {MAX_VALUE_CHARS:,})")
    return CHECKERS[f.kind](value, f, subject)


@cache
def vocabulary_node(iri: str) -> NamedNode:
    """Vocabulary IRIs (properties, classes, concepts) as shared pyoxigraph terms."""
    return NamedNode(iri)


def _each(f: Field, obj: Literal | NamedNode) -> list[Statement]:
    return [(prop, obj) for prop in f.properties]


def _not_blank(text: str) -> None:
    if not text.strip():
        raise Invalid("is empty")


def parse_date(text: str) -> date:
    """A YYYY-MM-DD date (surrounding spaces allowed), or :class:`Invalid`."""
    text = text.strip()
    if not DATE_RE.fullmatch(text):
        raise Invalid(f"not a date {text[:40]!r}: use YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise Invalid(f"impossible date {text}: {exc}") from None


def _date_literal(d: date) -> Literal:
    return Literal(d.isoformat(), datatype=_XSD_DATE)


@kind("Text")
def text(value: str, f: Field, subject: Subject) -> list[Statement]:
    _not_blank(value)
    return _each(f, Literal(value))


@kind("LangText")
def lang_text(value: str, f: Field, subject: Subject) -> list[Statement]:
    words, lang = value, None
    if "@" in value:
        head, tail = value.rsplit("@", 1)
        if LANG_RE.fullmatch(tail):
            words, lang = head, tail.lower()
    _not_blank(words)
    return _each(f, Literal(words, language=lang) if lang else Literal(words))


@kind("Url")
def url(value: str, f: Field, subject: Subject) -> list[Statement]:
    if not URL_RE.fullmatch(value):
        raise Invalid(f"not an http(s) URL: {value[:80]!r}")
    return _each(f, Literal(value, datatype=_XSD_ANYURI))


@kind("Decimal")
def decimal(value: str, f: Field, subject: Subject) -> list[Statement]:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise Invalid(f"not a number: {value[:40]!r}") from None
    if not number.is_finite():
        raise Invalid(f"not a finite number: {value[:40]!r}")
    return _each(f, Literal(str(number), datatype=_XSD_DECIMAL))


@kind("Integer")
def integer(value: str, f: Field, subject: Subject) -> list[Statement]:
    if not _INTEGER_RE.fullmatch(value.strip()):
        raise Invalid(f"not a whole number: {value[:40]!r}")
    return _each(f, Literal(str(int(value)), datatype=_XSD_INTEGER))


@kind("Date")
def date_(value: str, f: Field, subject: Subject) -> list[Statement]:
    return _each(f, _date_literal(parse_date(value)))


@kind("DateOrInterval")
def date_or_interval(value: str, f: Field, subject: Subject) -> list[Statement]:
    if "/" not in value:
        return date_(value, f, subject)
    start_text, _, end_text = value.partition("/")
    problems, ends = [], []
    for part in (start_text, end_text):  # both ends are checked, and both reported
        try:
            ends.append(parse_date(part))
        except Invalid as exc:
            problems.append(exc)
    if problems:
        raise Invalid(*(str(p) for p in problems))
    start, end = ends
    if start > end:
        raise Invalid(f"interval ends before it starts: {value}")
    return [(f.start_property or "", _date_literal(start)), (f.end_property or "", _date_literal(end))]


_CODES: dict[tuple[str | None, str | None, str], str] = {}  # (target, scheme, value) -> IRI, once found


def _code(value: str, f: Field) -> str:
    known = _CODES.get((f.target, f.scheme, value))
    if known is not None:
        return known
    codes = f.codes()
    code, problem = code_for(value, codes, f.name)  # a code, or a label of its concept or class
    if code is None:
        raise Invalid(problem)
    _CODES[(f.target, f.scheme, value)] = codes[code]
    return codes[code]


@kind("ClassCode")
def class_code(value: str, f: Field, subject: Subject) -> list[Statement]:
    return [(str(RDF.type), vocabulary_node(_code(value, f)))]


@kind("ConceptCode")
def concept_code(value: str, f: Field, subject: Subject) -> list[Statement]:
    return _each(f, vocabulary_node(_code(value, f)))


@kind("Reference")
def reference(value: str, f: Field, subject: Subject) -> list[Statement]:
    if subject.id is not None and value == subject.id:
        raise Invalid(f"'{value}' refers to the record itself")
    if not ID_RE.fullmatch(value):
        raise Invalid(f"invalid reference {value[:60]!r}: not an id")
    found = subject.classes_of(value)
    target = f.target or ""
    if found is None:
        raise Invalid(f"unknown reference '{value}': no {_class_name(target)} has this id")
    if not found & subclasses(target):
        raise Invalid(f"'{value}' is {_a(_class_name(min(found)))}, not {_a(_class_name(target))}")
    return _each(f, NamedNode(subject.base + value))


@kind(NESTED)
def nested(value: str, f: Field, subject: Subject) -> list[Statement]:
    """A nested record is compiled by :mod:`kb.model.records`; a plain value is refused."""
    raise Invalid("expected a mapping (or a list of mappings)")


def _class_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].lower()


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


__all__ = ["CHECKERS", "ID_RE", "LANG_RE", "MAX_VALUE_CHARS", "NESTED", "Invalid", "Statement", "Subject",
           "check", "kind", "parse_date", "vocabulary_node"]

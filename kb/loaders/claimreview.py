"""schema.org ClaimReview feeds: the JSON-LD that fact-checkers publish and aggregators collect.

Read as JSON-LD: every input is expanded and framed by a real JSON-LD processor (pyld) with the
schema.org context shipped in ``kb/data/contexts`` (``http``/``https``, compact or full IRIs, the
same); nothing is fetched, and an input without ``@context`` is read in schema.org's vocabulary.
Every node whose type is exactly ``schema:ClaimReview`` is taken, wherever it sits: a single
object, a list, ``@graph``, a list of documents with ``@graph``, the DataCommons feed
(``DataFeed`` → ``dataFeedElement`` → ``DataFeedItem.item``), reviews nested in other nodes.
Wrappers that are not JSON-LD are recognised by their keys: an object whose only list of items is
``data``, ``items`` or ``results`` (API pages, e.g. ``{"total_results": …, "data": [ … ]}``), and
the Google Fact Check Tools ``claims:search`` response (``claims[].claimReview[]``; see
:func:`factcheck_tools`). A processor keeps no source positions: reviews are located for
warnings by a walk of the text (:func:`item_offsets`, and the review's ``url`` in the text).
JSON that is not strictly JSON (``NaN``, ``Infinity``) is an error; a key repeated in one object
is reported with a warning (the last value is read, as JSON-LD processors do); a value of the
wrong kind (``true``, a number where text is expected) is never turned into text.

Mapping (also in ``docs/formats.md``); ``<key>`` is the review's identity (a slug of its ``url``, else
``@id``, with the reviewed words and claimant: :func:`review_key`), ``--`` and a digest of its content:

* ``claimReviewed`` -> a claim ``claim-<key>`` whose ``text`` is the reviewed words, with stance
  **asserts**: a ClaimReview reviews something its author said, so the claim records that the
  author asserted it (nothing about whether it is true).
* ``itemReviewed.author`` -> the claimant (an actor: ``Person`` -> person, else organisation),
  resolved by name or alias to an existing actor (:mod:`kb.loaders.resolve`).
* ``itemReviewed.firstAppearance`` (else ``appearance``) -> the source the claim was stated in
  (a URL string or a CreativeWork; ``VideoObject`` -> video, else article).
* ``itemReviewed.datePublished`` (else ``datePublished`` of the appearance) -> the claim's date.
* The claim is ``about`` an event ``claimed-<key>`` labelled "What the claim says: …", made per
  review: a ClaimReview names no event, and the claim must be about one. Link that event to your own
  events by hand (``same_as``/``part_of``) when you know which one it is.
* The review -> a source ``factcheck-<key>`` of kind fact-check (``ev:FactCheck``) with its ``url``,
  ``name``/``headline`` (title), ``datePublished`` and ``reviewBody`` (quote), published by the
  fact-checking organisation (``author``, else ``publisher``), ``reviews`` the claim, and keeps
  ``reviewRating`` (``alternateName``, else ``ratingValue``/``bestRating``) as ``review_rating``:
  the fact-checker's own words (``ev:reviewRating``), never a verdict of this knowledge base.

Items missing ``claimReviewed``, the review's author/publisher or the claim's author are skipped
with a warning naming the item and its line; the rest is imported. Several reviews under one
``url`` reviewing different claims are all kept; the same review met again in the file with
identical content is skipped with a warning; with other content it is another version, which the
build links to the earlier one (:mod:`kb.build.versions`, also across files and against the
store). The claimant's ``jobTitle``, ``sameAs`` and a list-valued ``name`` (label, then aliases),
the claim's ``name`` (the medium), the review's ``headline``, ``inLanguage``, ``dateModified`` and
rating numbers (``ratingValue``/``bestRating``/``worstRating`` as numbers) are kept. A file from
which no review could be imported is an error saying why.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache, cached_property
from urllib.parse import urljoin

from pyld import jsonld

from kb.errors import Problem
from kb.loaders import jsonld_fast
from kb.loaders.base import InputFile, Parsed, ReviewVersion
from kb.loaders.rdf import SCHEMA_ORG, SHIPPED_CONTEXTS, shipped_context
from kb.loaders.resolve import Builder, parse_date, slug
from kb.loaders.text import line_column, read_text, too_deep
from kb.model.names import key as name_key
from kb.model.records import Loc


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _array_items(text: str, i: int, decoder: json.JSONDecoder) -> list[int]:
    """Offsets of the elements of the JSON array starting at ``text[i] == '['``."""
    out: list[int] = []
    i = _skip_ws(text, i + 1)
    while i < len(text) and text[i] != "]":
        out.append(i)
        _value, i = decoder.raw_decode(text, i)
        i = _skip_ws(text, i)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
    return out


def item_offsets(text: str, key: str = "@graph") -> list[int]:
    """Where each item of a feed starts (the same items :func:`items` returns: a list's, or those
    of the top-level object's ``key`` array), for locations.

    Only called on text that ``json.loads`` accepted."""
    decoder = json.JSONDecoder()
    i = _skip_ws(text, 0)
    if i >= len(text):
        return []
    if text[i] == "[":
        return _array_items(text, i, decoder)
    if text[i] != "{":
        return [i]
    start = i
    i = _skip_ws(text, i + 1)
    while i < len(text) and text[i] != "}":
        name, i = decoder.raw_decode(text, i)
        i = _skip_ws(text, _skip_ws(text, i) + 1)  # past the ':'
        if name == key and text[i] == "[":
            return _array_items(text, i, decoder)
        _value, i = decoder.raw_decode(text, i)
        i = _skip_ws(text, i)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
    return [start]


#: What pyld raises, besides its own errors, on some invalid documents (found by fuzzing).
PROCESSOR_FAILURES = (KeyError, TypeError, ValueError, AttributeError, IndexError)
WRAPPERS = ("data", "items", "results")  # API pages' lists of items (not JSON-LD)
_JSONLD_KEYS = ("@context", "@type", "@graph", "@id", "type")
CLAIM_REVIEW = ("https://schema.org/ClaimReview", "http://schema.org/ClaimReview")
SCHEMA = "https://schema.org/"
# The base handed to the processor, to tell a relative IRI (``"url": "/2020/x"``, ``"x"``,
# ``"../x"``) from an absolute one: its path is deep and distinctive, so that the reference as
# written (root- or path-relative, how many ``../``) can be read back from what it resolved to.
_RELATIVE_HOST = "https://relative-iri.invalid"
_DEPTH = 8
RELATIVE = _RELATIVE_HOST + "/" + "".join(f"~kb{i}/" for i in range(_DEPTH))


def _relative(value: str) -> str | None:
    """The relative reference that the processor resolved against :data:`RELATIVE` to give
    ``value`` (``/2020/x``, ``x``, ``../x``, ``?q``), else None (an absolute IRI)."""
    if not value.startswith(_RELATIVE_HOST + "/"):
        return None
    path = value[len(_RELATIVE_HOST):]  # "/~kb0/~kb1/x" or "/x"
    depth = 0
    while depth < _DEPTH and path.startswith(f"/~kb{depth}/"):
        path = path[len(f"/~kb{depth}"):]
        depth += 1
    if depth == 0:
        return path  # from the root
    return "../" * (_DEPTH - depth) + path[1:]


def _resolved(value: str | None, base: str | None) -> str | None:
    """An IRI with a relative one resolved against the review's own absolute ``url``."""
    if value is None or _relative(value) is None:
        return value
    return urljoin(base, _relative(value)) if base else None


def _wrapped(data: dict) -> list | None:
    """The item list of an API page that is not JSON-LD (``data``, ``items`` or ``results``)."""
    if any(k in data for k in _JSONLD_KEYS):
        return None
    lists = [k for k in WRAPPERS if isinstance(data.get(k), list)]
    return data[lists[0]] if len(lists) == 1 else None


def items(data: object) -> list[object] | None:
    """The top-level items of a feed: a single object, a list, ``@graph``, an API page's
    ``data``/``items``/``results``, Fact Check Tools ``claims``; None for other shapes."""
    if isinstance(data, dict):
        if isinstance(data.get("claims"), list) and not any(k in data for k in _JSONLD_KEYS):
            return data["claims"]
        wrapped = _wrapped(data)
        if wrapped is not None:
            return wrapped
        graph = data.get("@graph")
        return graph if isinstance(graph, list) else [data]
    return data if isinstance(data, list) else None


def factcheck_tools(claim: dict) -> list[dict]:
    """ClaimReviews (schema.org compact form) of one Google Fact Check Tools ``claims:search``
    claim: ``text`` → ``claimReviewed``, ``claimant`` → the claim's author, ``claimDate`` → its
    date; per ``claimReview[]``: ``url``, ``title`` → ``name``, ``reviewDate`` →
    ``datePublished``, ``publisher.name``/``site`` → the author organisation,
    ``textualRating`` → ``reviewRating.alternateName``, ``languageCode`` → ``inLanguage``."""
    out = []
    for r in _claim_reviews_of(claim):
        if not isinstance(r, dict):
            continue
        pub = r.get("publisher") if isinstance(r.get("publisher"), dict) else {}
        review = {"@type": "ClaimReview", "url": r.get("url"), "name": r.get("title"),
                  "datePublished": r.get("reviewDate"), "inLanguage": r.get("languageCode"),
                  "claimReviewed": claim.get("text"),
                  "author": {"@type": "Organization", "name": pub.get("name") or pub.get("site")},
                  "itemReviewed": {"@type": "Claim", "datePublished": claim.get("claimDate"),
                                   "author": {"@type": "Organization", "name": claim.get("claimant")}},
                  "reviewRating": {"@type": "Rating", "alternateName": r.get("textualRating")}}
        out.append(_drop_none(review))
    return out


def _claim_reviews_of(claim: dict) -> list[object]:
    """A Fact Check Tools claim's ``claimReview`` list (one object alone read as a list of one)."""
    given = claim.get("claimReview")
    return [given] if isinstance(given, dict) else given if isinstance(given, list) else []


def _factcheck_notes(text: str, display: str, claims: list[object]) -> list[tuple[int, str]]:
    """A located warning for each Fact Check Tools claim, or entry of its ``claimReview``, that
    gives no review (it is skipped; nothing is dropped without saying so)."""
    out: list[tuple[int, str]] = []
    offsets = item_offsets(text, "claims")
    for n, claim in enumerate(claims):
        at = offsets[n] if len(offsets) == len(claims) else 0
        line, column = line_column(text, at)
        said = _text(claim.get("text")) if isinstance(claim, dict) else None
        where = f"{display}:{line}:{column}: claim {n + 1}" + (f" ({said[:60]!r})" if said else "")
        if not isinstance(claim, dict):
            out.append((at, f"{where}: not an object; skipped"))
            continue
        reviews = _claim_reviews_of(claim)
        if not reviews:
            out.append((at, f"{where}: no claimReview list; skipped"))
        out += [(at, f"{where}, claimReview {j + 1}: not an object; skipped")
                for j, r in enumerate(reviews) if not isinstance(r, dict)]
    return out


def _drop_none(value: object) -> object:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


def _is_factcheck_tools(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("claims"), list) \
        and not any(k in data for k in _JSONLD_KEYS)


@cache
def _context() -> dict:
    return shipped_context(SCHEMA_ORG)


def _loader(url: str, options: object = None) -> dict:
    """pyld's document loader: the shipped schema.org context, nothing else, never the network."""
    if SHIPPED_CONTEXTS.get(url.strip()) == SCHEMA_ORG:
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": _context()}
    raise ValueError(f"remote JSON-LD context {url[:100]!r} is not fetched (no network at run time)")


_HTTP_SCHEMA = "http://schema.org/"


def _https(value: object) -> object:
    """Expanded JSON-LD with ``http://schema.org/`` IRIs read as ``https://schema.org/``: keys and
    strings rewritten in place (the expanded form is the loader's own), without recursion."""
    if isinstance(value, str):
        return _https_str(value)
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if any(k.startswith(_HTTP_SCHEMA) for k in v):
                items = list(v.items())
                v.clear()
                v.update((_https_str(k), x) for k, x in items)
            pairs = v.items()
        elif isinstance(v, list):
            pairs = enumerate(v)
        else:
            continue
        for k, x in list(pairs):
            if isinstance(x, str):
                if x.startswith(_HTTP_SCHEMA):
                    v[k] = _https_str(x)
            elif isinstance(x, dict | list):
                stack.append(x)
    return value


def _https_str(value: str) -> str:
    return SCHEMA + value[len(_HTTP_SCHEMA):] if value.startswith(_HTTP_SCHEMA) else value


def expand(docs: list[object]) -> list:
    """The documents ``docs`` expanded by pyld with the shipped contexts, relative IRIs against
    :data:`RELATIVE`."""
    return jsonld.expand(docs, {"documentLoader": _loader, "base": RELATIVE})


def claim_reviews(docs: list[object], fast: bool = True) -> list[dict]:
    """Every ``schema:ClaimReview`` node of the JSON-LD documents ``docs``, in document order, in
    schema.org's compact form with the nodes it references embedded.

    The JSON-LD processor (pyld) expands the documents (contexts, aliases, compact and full IRIs,
    ``@graph``); the nodes are then taken from the expanded form: a review is a node whose
    ``@type`` is exactly ``schema:ClaimReview``, and a reference ``{"@id": …}`` to a node described
    elsewhere in the file is replaced by that node. (pyld's framing does the same but takes time
    quadratic in the items of one feed: 34 s for 2 000 DataFeed items.) Documents in the plain
    schema.org form are expanded by :mod:`kb.loaders.jsonld_fast` (``fast``), to the same result,
each other document by pyld."""
    docs = [d if not isinstance(d, dict) or "@context" in d else {"@context": SCHEMA, **d} for d in docs]
    expanded = jsonld_fast.expand_each(docs, RELATIVE, expand) if fast else expand(docs)
    nodes, order = _nodes(_https(expanded))
    return [_compact(nodes.get(value["@id"], value) if isinstance(value.get("@id"), str) else value, nodes, 0)
            for value in order if CLAIM_REVIEW[0] in (value.get("@type") or [])]


def _nodes(expanded: object) -> tuple[dict[str, dict], list[dict]]:
    """(@id -> everything said about that node, every node in document order) of expanded JSON-LD."""
    nodes: dict[str, dict] = {}
    stack: list[object] = [expanded]
    order: list[dict] = []
    while stack:  # depth-first, in document order, without recursion (nesting is bounded earlier)
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(reversed(value))
        elif isinstance(value, dict) and "@value" not in value:
            order.append(value)
            ident = value.get("@id")
            if isinstance(ident, str) and len(value) > 1:
                known = nodes.setdefault(ident, {})
                for k, v in value.items():
                    known.setdefault(k, v)
            stack.extend(reversed([v for k, v in value.items() if k != "@id"]))
    return nodes, order


def _short(iri: str) -> str:
    return iri[len(SCHEMA):] if iri.startswith(SCHEMA) else iri


def _compact(node: dict, nodes: dict[str, dict], depth: int) -> dict:
    """An expanded node in schema.org compact form (``@type`` and keys without the vocabulary)."""
    out: dict[str, object] = {}
    for k, v in node.items():
        if k == "@type":
            out["@type"] = [_short(t) for t in v]
        elif k == "@id":
            out["@id"] = v
        elif not k.startswith("@"):
            values = [_compact_value(x, nodes, depth) for x in (v if isinstance(v, list) else [v])]
            out[_short(k)] = values[0] if len(values) == 1 else values
    return out


def _compact_value(value: object, nodes: dict[str, dict], depth: int) -> object:
    if not isinstance(value, dict):
        return value
    if "@value" in value:
        return value["@value"]
    if "@list" in value:
        return [_compact_value(x, nodes, depth) for x in value["@list"]]
    ident = value.get("@id")
    if set(value) == {"@id"}:
        target = nodes.get(ident) if isinstance(ident, str) else None
        if target is None or depth >= 8:
            return ident
        value = target
    return _compact(value, nodes, depth + 1)


def _has_review_type(value: object) -> bool:
    """Whether a top-level item holds a ClaimReview anywhere (for the "not a ClaimReview" warning)."""
    if isinstance(value, dict):
        types = value.get("@type", value.get("type"))
        for t in types if isinstance(types, list) else [types]:
            if t in ("ClaimReview", "schema:ClaimReview", *CLAIM_REVIEW):
                return True
        return any(_has_review_type(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_review_type(v) for v in value)
    return False


@cache
def placeholders() -> frozenset[str]:
    """Claimant names that name no one (``kb/data/claimreview/placeholder-claimants.txt``)."""
    from importlib import resources

    text = (resources.files("kb") / "data" / "claimreview" / "placeholder-claimants.txt").read_text("utf-8")
    return frozenset(" ".join(line.casefold().split()) for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def _first(value: object) -> object:
    return (value[0] if value else None) if isinstance(value, list) else value


def _value(value: object) -> object:
    """A JSON-LD value object's ``@value``; anything else unchanged."""
    value = _first(value)
    return value.get("@value") if isinstance(value, dict) and "@value" in value else value


def _types(value: dict) -> list[str]:
    t = value.get("type", value.get("@type"))
    return [x for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)]


def _name(value: object) -> tuple[str | None, str]:
    """(name, actor kind) of a schema.org Person/Organization given as an object or a string; a
    list-valued ``name`` gives its first text."""
    value = _first(value)
    if isinstance(value, str):
        return value.strip() or None, "organisation"
    if isinstance(value, dict):
        name = _text(value.get("name"))
        return name, "person" if "Person" in _types(value) else "organisation"
    return None, "organisation"


def _text(value: object) -> str | None:
    """Text of a value; ``true``/``false``, numbers, objects are not text."""
    value = _value(value)
    return (value.strip() or None) if isinstance(value, str) else None


def _number(value: object) -> str | None:
    """A rating number as written (text or a JSON number, never a boolean or NaN)."""
    value = _value(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return f"{value:g}" if value == value else None
    return _text(value)


def _offset_of(text: str, review: dict, cursor: list[int] | None = None) -> int | None:
    """Where a framed review is written in the text: its ``url`` (else ``@id``, else the
    reviewed words) as a JSON string; None if not found. Reviews come in document order:
    ``cursor`` holds where the previous one was found, and the search starts after it (so a url
    that several reviews share is found at its next occurrence, and a feed is searched once)."""
    start = cursor[0] + 1 if cursor else 0
    for key in ("url", "@id", "claimReviewed"):
        value = _text(review.get(key))
        if value:
            needles = {json.dumps(value, ensure_ascii=False), json.dumps(value)}
            hits = [at for n in needles for at in (text.find(n, start),) if at >= 0]
            if not hits and start:
                hits = [at for n in needles for at in (text.find(n),) if at >= 0]
            if hits:
                if cursor:
                    cursor[0] = min(hits)
                return min(hits)
    return None


_NOT_JSON = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)', re.DOTALL)


def _not_json(text: str, display: str) -> Problem | None:
    """``NaN``/``Infinity`` (accepted by Python's decoder, not JSON), located."""
    for m in _NOT_JSON.finditer(text):
        if m.group(1):
            line, column = line_column(text, m.start(1))
            return Problem(display, line, column, None, f"JSON syntax error: {m.group(1)} is not JSON")
    return None


_KEYS = re.compile(r'("(?:[^"\\]|\\.)*")(?=\s*:)|[\[\]{}]|"(?:[^"\\]|\\.)*"', re.DOTALL)


def duplicate_keys(text: str, display: str) -> list[tuple[int, str]]:
    """(offset, warning) for every key written twice in one JSON object, located at the second."""
    out: list[tuple[int, str]] = []
    stack: list[set[str] | None] = []
    for m in _KEYS.finditer(text):
        tok = m.group()
        if tok == "{":
            stack.append(set())
        elif tok == "[":
            stack.append(None)
        elif tok in "]}":
            if stack:
                stack.pop()
        elif m.group(1) and stack and stack[-1] is not None:
            key = json.loads(tok)
            if key in stack[-1]:
                at = m.start()
                line, column = line_column(text, at)
                out.append((at, f"{display}:{line}:{column}: key {key!r} is written twice in one object; "
                                "the last value is read"))
            stack[-1].add(key)
    return out


def _pairs(seen: list[bool]):
    def hook(pairs: list[tuple[str, object]]) -> dict:
        out = dict(pairs)
        if len(out) != len(pairs):
            seen[0] = True
        return out
    return hook


def load(f: InputFile) -> Parsed:
    """A ClaimReview feed: its reviews as claims, events, sources and actors (see above)."""
    text, problems = read_text(f.path, f.display)
    if text is None:
        return Parsed(f, problems=problems)
    feed = _feed(f, text)
    if isinstance(feed, Problem):
        return Parsed(f, problems=[feed])
    try:
        reviews = claim_reviews(feed.items)
    except jsonld.JsonLdError as exc:
        return Parsed(f, problems=[Problem(f.display, 1, 1, None, f"not JSON-LD: {_cause(exc)}")])
    except PROCESSOR_FAILURES as exc:  # pyld fails on some invalid contexts ({"@vocab": null})
        why = f"not JSON-LD: the processor could not read it ({type(exc).__name__})"
        return Parsed(f, problems=[Problem(f.display, 1, 1, None, why)])
    return feed.read(feed.place(reviews))


def _decode(f: InputFile, text: str) -> tuple[object, bool] | Problem:
    """(the JSON data, whether an object repeats a key), or the syntax problem, located."""
    dup = [False]
    try:
        data = json.loads(text, object_pairs_hook=_pairs(dup))
    except json.JSONDecodeError as exc:
        return Problem(f.display, exc.lineno, exc.colno, None, f"JSON syntax error: {exc.msg}")
    except RecursionError:
        return too_deep(text, f.display)
    if "NaN" in text or "Infinity" in text:
        bad = _not_json(text, f.display)
        if bad:
            return bad
    return data, dup[0]


def _feed(f: InputFile, text: str) -> _Feed | Problem:
    """The feed's top-level items and where each starts, or why it is not a feed."""
    decoded = _decode(f, text)
    if isinstance(decoded, Problem):
        return decoded
    data, duplicated = decoded
    found = items(data)
    if found is None:
        return Problem(f.display, 1, 1, None, "expected a ClaimReview object, a list of them, or @graph")
    notes = duplicate_keys(text, f.display) if duplicated else []
    if not _is_factcheck_tools(data):
        return _Feed(f, text, found, item_offsets(text), notes)
    reviews: list[object] = [r for claim in found if isinstance(claim, dict) for r in factcheck_tools(claim)]
    cursor = [-1]
    notes += _factcheck_notes(text, f.display, found)
    return _Feed(f, text, reviews, [_offset_of(text, r, cursor) or 0 for r in reviews], notes)


@dataclass
class _Feed:
    """One feed: its text, its top-level items, where each starts, and the warnings so far, each
    with the offset it is sorted by."""

    f: InputFile
    text: str
    items: list[object]
    offsets: list[int]
    notes: list[tuple[int, str]]

    def start(self, n: int) -> int:
        return self.offsets[n] if n < len(self.offsets) else 0

    @cached_property
    def newlines(self) -> list[int]:
        """Where each line ends (to locate thousands of reviews without counting lines each time)."""
        return [m.start() for m in re.finditer("\n", self.text)]

    def where(self, at: int) -> Loc:
        """The location of an offset (as :func:`kb.loaders.text.line_column`, by bisection)."""
        n = bisect.bisect_left(self.newlines, at)
        return Loc(self.f.display, n + 1, at - (self.newlines[n - 1] + 1 if n else 0) + 1)

    def label(self, at: int, n: int) -> str:
        loc = self.where(at)
        return f"{loc.file}:{loc.line}:{loc.column}: item {n + 1}"

    def place(self, reviews: list[dict]) -> list[tuple[int, int, dict]]:
        """(offset, top-level item, review) of each review, in the order they are written; a
        warning for each top-level item that holds none."""
        has_review = [False] * len(self.items)
        placed = []
        cursor = [-1]
        for review in reviews:
            at, n = self.locate(review, cursor)
            if n < len(has_review):
                has_review[n] = True
            placed.append((at, n, review))
        for n, item in enumerate(self.items):
            if not has_review[n] and not _has_review_type(item):
                at = self.start(n)
                ident = (_text(item.get("url")) or _text(item.get("@id"))) if isinstance(item, dict) else None
                self.notes.append((at, self.label(at, n) + (f" ({ident})" if ident else "")
                                   + ": not a ClaimReview; skipped"))
        return sorted(placed, key=lambda x: x[0])

    def locate(self, review: dict, cursor: list[int]) -> tuple[int, int]:
        """(offset, top-level item) of a review: where its url is written (searched after the
        previous review's), or the start of the top-level item when the review is that item."""
        at = _offset_of(self.text, review, cursor)
        n = max(0, bisect.bisect_right(self.offsets, at) - 1) if at is not None else 0
        item = self.items[n] if n < len(self.items) else None
        if _is_review(item) and n < len(self.offsets) and isinstance(item, dict) and \
                _text(item.get("url")) == _text(review.get("url")):
            at = self.offsets[n]  # the review is this top-level item: locate it at its start
        return (at if at is not None else self.start(n)), n

    def review_label(self, at: int, n: int, nth: int, ident: str | None) -> str:
        """"file:line:col: item 4, review 2 (https://…)": the review's place in the feed."""
        shown = _relative(ident) if ident and _relative(ident) is not None else ident
        several = nth > 1 or (n < len(self.items) and not _is_review(self.items[n]))
        return self.label(at, n) + (f", review {nth}" if several else "") + (f" ({shown})" if shown else "")

    def read(self, placed: list[tuple[int, int, dict]]) -> Parsed:
        """The records of the placed reviews, the warnings in the order of the text, and a problem
        if no review could be imported."""
        b = Builder(self.f.display)
        per_item: dict[int, int] = {}
        done: dict[tuple[str, str], str] = {}
        versions: list[ReviewVersion] = []
        for at, n, review in placed:
            per_item[n] = per_item.get(n, 0) + 1
            ident = _ident(review)
            label = self.review_label(at, n, per_item[n], ident)
            b.item = label.split(": ", 1)[-1]  # "item 4 (https://…)": tagged on the records it makes
            notes: list[str] = []
            made = _review(b, review, self.where(at), ident, done, label, notes)
            self.notes.extend((at, f"{label}: {note}") for note in
                              [*notes, *([made] if isinstance(made, str) else [])])
            if isinstance(made, ReviewVersion):
                versions.append(made)
        warnings = [w for _at, w in sorted(self.notes, key=lambda x: x[0])]
        problems = [] if versions else _none_imported(self.f.display, len(placed), warnings)
        if self.f.strict:  # any item that would be skipped refuses the file
            problems += [Problem(self.f.display, None, None, None, w) for w in warnings
                         if w.endswith("skipped")]
        return Parsed(self.f, records=list(b.out.values()), warnings=warnings, problems=problems,
                      tolerant=not self.f.strict, reviews=versions,
                      shared={rid for rid in b.out if rid.startswith("appearance-")})


def _ident(review: dict) -> str | None:
    """A review's url (else ``@id``); None for a blank node."""
    ident = _text(review.get("url")) or _text(review.get("@id"))
    return None if ident and ident.startswith("_:") else ident


def _none_imported(display: str, found: int, warnings: list[str]) -> list[Problem]:
    why = (f"{found} ClaimReview(s) found, none importable (see the warnings)" if found else
           "no schema:ClaimReview in it (shapes read: a ClaimReview, a list, @graph, a DataFeed, "
           "an API page's data/items/results, Fact Check Tools claims[].claimReview[])")
    return [Problem(display, 1, 1, None, f"no ClaimReview could be imported from this file: {why}"),
            *(Problem(display, None, None, None, w) for w in warnings[:20])]


def _is_review(item: object) -> bool:
    return isinstance(item, dict) and any(t in ("ClaimReview", "schema:ClaimReview", *CLAIM_REVIEW)
                                          for t in _types(item))


def _cause(exc: BaseException) -> str:
    while getattr(exc, "cause", None) is not None:
        exc = exc.cause
    return str(exc).splitlines()[0][:200]


def review_key(ident: str | None, claimed: str, claimant: str) -> str:
    """The identity of a review as an id part: its url (else ``@id``) and the claim it reviews
    (the reviewed words and the claimant, compared by :func:`kb.model.names.key`)."""
    return slug("\n".join((ident or "", name_key(claimed), name_key(claimant))))


def _review(b: Builder, item: dict, loc: Loc, ident: str | None, done: dict[tuple[str, str], str],
            label: str, notes: list[str]) -> ReviewVersion | str:
    """Make the records of one ClaimReview (a version of the review: see :class:`ReviewVersion`);
    or the reason to skip it (ending "; skipped"). ``done`` maps (identity, content) of the
    reviews made so far to their labels: the same review with the same content is skipped; with
    other content it is another version (linked to the first by the build, kb.build.versions)."""
    said = _said(item)
    if isinstance(said, str):
        return said
    if ident and _relative(ident) is not None:
        return (f"relative url {_relative(ident)!r} and no absolute url of the review to resolve it "
                "against; skipped")
    fields = _fields(item, said, ident, notes)
    rkey = review_key(ident, said.claimed, said.claimant.name)
    content = hashlib.sha1(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:8]
    same = done.get((rkey, content))
    if same is not None:
        return f"the same review as {same.split(': ', 1)[-1]} (identical content); skipped"
    done[(rkey, content)] = label
    records = _records(b, fields, loc, f"{rkey}--{content}", notes)
    review = fields["review"]
    return ReviewVersion(rkey, content, review.get("modified") or review.get("date"), records,
                         records[-1], label)


@dataclass(frozen=True)
class _Who:
    """A person or organisation as a ClaimReview names it."""

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    job_title: str | None = None
    same_as: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Said:
    """Who said what, as one ClaimReview tells it."""

    claimed: str  # the reviewed words
    reviewer: str  # the fact-checker
    reviewed: dict  # itemReviewed (empty if not an object)
    claimant: _Who


def _texts(value: object) -> list[str]:
    """Every text of a value that may be a list (``true``, numbers and objects are not text)."""
    return [t for t in (_text(v) for v in (value if isinstance(value, list) else [value])) if t]


def _who(value: object) -> _Who | None:
    """A schema.org Person/Organization given as an object or a string: a list-valued ``name``
    gives the label (its first text) and aliases (the rest); ``jobTitle`` (text, or a
    DefinedTerm's name) and ``sameAs`` URLs are kept."""
    value = _first(value)
    if isinstance(value, str):
        return _Who(value.strip(), "organisation") if value.strip() else None
    if not isinstance(value, dict):
        return None
    names = _texts(value.get("name"))
    if not names:
        return None
    job = _first(value.get("jobTitle"))
    job_title = _text(job.get("name")) if isinstance(job, dict) else _text(job)
    kind = "person" if "Person" in _types(value) else "organisation"
    return _Who(names[0], kind, tuple(dict.fromkeys(n for n in names[1:] if n != names[0])), job_title,
                tuple(dict.fromkeys(_texts(value.get("sameAs")))))


def _said(item: dict) -> _Said | str:
    """What a review says was said and by whom; the reason to skip it when a part is missing."""
    claimed = _text(item.get("claimReviewed"))
    reviewer = _who(item.get("author")) or _who(item.get("publisher"))
    reviewed = _first(item.get("itemReviewed"))
    reviewed = reviewed if isinstance(reviewed, dict) else {}
    claimant = _who(reviewed.get("author"))
    missing = [n for n, v in (("claimReviewed", claimed), ("author (or publisher)", reviewer),
                              ("itemReviewed.author", claimant)) if not v]
    if missing or claimed is None or reviewer is None or claimant is None:
        return "missing " + ", ".join(missing) + "; skipped"
    return _Said(claimed, reviewer.name, reviewed, claimant)


def _at(loc: Loc, name: str) -> Loc:
    """``loc`` naming the key a value came from."""
    return Loc(loc.file, loc.line, loc.column, name)


def _claimant(who: _Who, ident: str | None, claimed: str, notes: list[str]) -> dict[str, object]:
    """The claimant's fields; a placeholder ("social media") becomes an unidentified claimant of
    this review alone, never one actor shared across reviews."""
    web = [u for u in who.same_as if re.match(r"https?://", u)]
    notes.extend(f"claimant {who.name!r}: sameAs {u!r} is not an http(s) URL; left out"
                 for u in who.same_as if u not in web)
    if " ".join(who.name.casefold().split()) in placeholders():
        name = f"Unidentified claimant ({who.name!r}) of {ident or 'the review of ' + repr(claimed[:80])}"
        return {"name": name, "kind": who.kind, "job_title": who.job_title}
    return {"name": who.name, "kind": who.kind, "aliases": list(who.aliases), "job_title": who.job_title,
            "same_as_url": web}


def _language(value: object) -> str | None:
    """``inLanguage`` as a code or name (text, or a Language's ``alternateName``/``name``)."""
    value = _first(value)
    if isinstance(value, dict):
        return _text(value.get("alternateName")) or _text(value.get("name"))
    return _text(value)


def _fields(item: dict, said: _Said, ident: str | None, notes: list[str]) -> dict[str, dict | str | None]:
    """Everything imported from one review, as plain values (its digest tells versions apart)."""
    appearance = _appearance(said.reviewed, ident, notes)
    name, headline = _text(item.get("name")), _text(item.get("headline"))
    review = {"url": _text(item.get("url")),
              "title": name or headline or f"Fact-check of: {said.claimed[:100]}",
              "headline": headline if name and headline and headline != name else None,
              "date": parse_date(item.get("datePublished")), "modified": parse_date(item.get("dateModified")),
              "quote": _text(item.get("reviewBody")), "language": _language(item.get("inLanguage")),
              **_rating(item, notes)}
    claim_date = said.reviewed.get("datePublished") or (appearance or {}).get("date")
    return {"claimant": _claimant(said.claimant, ident, said.claimed, notes), "reviewer": said.reviewer,
            "appearance": appearance,
            "claim": {"text": said.claimed, "date": parse_date(claim_date),
                      "name": _text(said.reviewed.get("name"))},
            "review": review}


def _actor(b: Builder, fields: dict, loc: Loc, notes: list[str]) -> str:
    """The claimant's actor (made once per name in a file; aliases and sameAs of later reviews are
    added to it; a second, different job title is reported)."""
    rid = b.record("actors", "actor-" + slug(str(fields["name"])), loc, auto=True, **fields)
    rec = b.out[rid]
    for name in ("aliases", "same_as_url"):
        have = {str(v) for v, _loc in rec.values.get(name, [])}
        for value in fields.get(name) or []:
            if value not in have:
                rec.add(name, value, loc)
                have.add(value)
    job = fields.get("job_title")
    kept = [str(v) for v, _loc in rec.values.get("job_title", [])]
    if job and not kept:
        rec.add("job_title", str(job), loc)
    elif job and kept[0] != job:
        notes.append(f"claimant {fields['name']!r}: job title {job!r} not kept ({kept[0]!r} was given "
                     "first; an actor has one job title)")
    return rid


def _records(b: Builder, f: dict, loc: Loc, key_: str, notes: list[str]) -> tuple[str, str, str]:
    """The records of one review (the claimed event, the claim, the fact-check source, ids in that
    order), the source the claim appeared in and the actors they name."""
    claim_f, review = f["claim"], f["review"]
    event = b.record("events", "claimed-" + key_, loc, label=f"What the claim says: {claim_f['text'][:150]}")
    claim = b.record(
        "claims", "claim-" + key_, loc, by=_actor(b, f["claimant"], loc, notes), stance="asserts",
        about=event,
        text=claim_f["text"], stated_in=_stated_in(b, f["appearance"], loc), date=claim_f["date"],
        name=claim_f["name"], locs={"date": _at(loc, "itemReviewed.datePublished"),
                                    "name": _at(loc, "itemReviewed.name")})
    fc = b.record(
        "sources", "factcheck-" + key_, loc, kind="fact-check", publisher=b.actor(f["reviewer"], loc),
        reviews=[claim], **review,
        locs={"url": _at(loc, "url"), "date": _at(loc, "datePublished"), "modified": _at(loc, "dateModified"),
              "rating_value": _at(loc, "reviewRating.ratingValue"),
              "best_rating": _at(loc, "reviewRating.bestRating"),
              "worst_rating": _at(loc, "reviewRating.worstRating"), "language": _at(loc, "inLanguage")})
    return event, claim, fc


def _appearance(reviewed: dict, ident: str | None, notes: list[str] | None = None) -> dict | None:
    """Where the claim was stated (``firstAppearance``, else ``appearance``: a URL or a
    CreativeWork) as plain values, its relative url resolved against the review's url; None if it
    has neither url nor name. The other appearances a review lists, and a relative url with no
    review url to resolve it against, are reported in ``notes`` (a claim is stated in one source)."""
    given = [a for key in ("firstAppearance", "appearance") for a in _listed(reviewed.get(key))]
    appearance = given[0] if given else None
    if isinstance(appearance, str):
        appearance = {"url": appearance}
    if not isinstance(appearance, dict):
        return None
    written = _text(appearance.get("url"))
    url = _resolved(written, ident)
    if notes is not None:
        notes += _appearance_notes(given, written, url)
    name = _text(appearance.get("name")) or _text(appearance.get("headline"))
    if not (url or name):
        return None
    kind = "video" if "VideoObject" in _types(appearance) else "article"
    return {"url": url, "title": name or url, "kind": kind,
            "date": parse_date(appearance.get("datePublished"))}


def _listed(value: object) -> list[object]:
    return [v for v in (value if isinstance(value, list) else [value]) if v]


def _appearance_notes(given: list[object], written: str | None, url: str | None) -> list[str]:
    """What :func:`_appearance` leaves out, said: a relative url it could not resolve, and the
    appearances after the first (their urls or names)."""
    out = []
    if written and not url:
        out.append(f"itemReviewed appearance: relative url {_relative(written)!r} and no absolute url of "
                   "the review to resolve it against; left out")
    kept = {written}
    others = []
    for a in given[1:]:
        shown = _text(a) or (_text(a.get("url")) or _text(a.get("name")) if isinstance(a, dict) else None)
        if shown not in kept:
            kept.add(shown)
            others.append(_relative(shown) or shown if shown else "(an appearance without url or name)")
    if others:
        out.append(f"itemReviewed appearance: {len(others)} more appearance(s) not kept (a claim is stated "
                   f"in one source; the first is): {', '.join(map(repr, others[:5]))}"
                   + (" …" if len(others) > 5 else ""))
    return out


def _stated_in(b: Builder, appearance: dict | None, loc: Loc) -> str | None:
    """The source a claim was stated in (one per url, else name, shared by the reviews citing it)."""
    if appearance is None:
        return None
    return b.record(
        "sources", "appearance-" + slug(str(appearance["url"] or appearance["title"])), loc, **appearance,
        locs={"url": _at(loc, "itemReviewed.firstAppearance.url"),
              "date": _at(loc, "itemReviewed.firstAppearance.datePublished")})


def _rating(item: dict, notes: list[str]) -> dict[str, str | None]:
    """The fact-checker's rating: in its own words (``alternateName``, else ``ratingValue`` with
    ``/bestRating``) as ``review_rating``, and the numbers of its scale (``ratingValue``,
    ``bestRating``, ``worstRating``) as numbers; a value that is not a number is reported and kept
    only in the words."""
    rating = _first(item.get("reviewRating"))
    rating = rating if isinstance(rating, dict) else {}
    words = _text(rating.get("alternateName"))
    numbers: dict[str, str | None] = {}
    for schema_key, name in (("ratingValue", "rating_value"), ("bestRating", "best_rating"),
                             ("worstRating", "worst_rating")):
        value = _number(rating.get(schema_key))
        if value is not None and not _NUMBER.fullmatch(value):
            if schema_key == "ratingValue" and words is None:
                words = value  # the only words the rating has
            else:
                notes.append(f"reviewRating.{schema_key} {value!r} is not a number; left out")
            value = None
        numbers[name] = value
    if words is None and numbers["rating_value"]:
        words = numbers["rating_value"] + (f"/{numbers['best_rating']}" if numbers["best_rating"] else "")
    return {"review_rating": words, **numbers}


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")  # xsd:decimal (no exponent)

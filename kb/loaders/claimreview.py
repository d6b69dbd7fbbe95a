"""schema.org ClaimReview feeds: the JSON-LD that fact-checkers publish and aggregators collect.

Accepted shapes: a single ClaimReview object, a list of them, or an object with ``@graph`` (items
that are not ClaimReviews are skipped with a warning). Keys are read in schema.org's compact form
(``claimReviewed``, ``itemReviewed``, …) as fact-checkers publish them; no context is fetched.

Mapping (also in ``docs/formats.md``); ``<key>`` is a slug of the review's ``url`` (or ``@id``):

* ``claimReviewed`` -> a claim ``claim-<key>`` whose ``text`` is the reviewed words, with stance
  **asserts**: a ClaimReview reviews something its author said, so the claim records that the
  author asserted it (nothing about whether it is true).
* ``itemReviewed.author`` -> the claimant (an actor: ``Person`` -> person, else organisation),
  resolved by name or alias to an existing actor (:mod:`kb.loaders.imported`).
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
with a warning naming the item and its line; the rest is imported.
"""

from __future__ import annotations

import json

from kb.errors import Problem
from kb.loaders import InputFile, Parsed
from kb.loaders.imported import Builder, parse_date, slug
from kb.loaders.jsontext import too_deep
from kb.loaders.yaml import read_text
from kb.records import Loc


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


def item_offsets(text: str) -> list[int]:
    """Where each item of a feed starts (the same items :func:`items` returns), for locations.

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
        key, i = decoder.raw_decode(text, i)
        i = _skip_ws(text, _skip_ws(text, i) + 1)  # past the ':'
        if key == "@graph" and text[i] == "[":
            return _array_items(text, i, decoder)
        _value, i = decoder.raw_decode(text, i)
        i = _skip_ws(text, i)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
    return [start]


def items(data: object) -> list[object] | None:
    """The items of a feed: a single object, a list, or ``@graph``; None for other shapes."""
    if isinstance(data, dict):
        graph = data.get("@graph")
        return graph if isinstance(graph, list) else [data]
    return data if isinstance(data, list) else None


def _first(value: object) -> object:
    return (value[0] if value else None) if isinstance(value, list) else value


def _name(value: object) -> tuple[str | None, str]:
    """(name, actor kind) of a schema.org Person/Organization given as an object or a string."""
    value = _first(value)
    if isinstance(value, str):
        return value.strip() or None, "organisation"
    if isinstance(value, dict):
        name = value.get("name")
        kind = "person" if "Person" in str(value.get("@type", "")) else "organisation"
        return (str(name).strip() if name and str(name).strip() else None), kind
    return None, "organisation"


def _text(value: object) -> str | None:
    value = _first(value)
    return str(value).strip() or None if isinstance(value, str | int | float) else None


def load(f: InputFile) -> Parsed:
    text, problems = read_text(f.path, f.display)
    if text is None:
        return Parsed(f, problems=problems)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Parsed(f, problems=[Problem(f.display, exc.lineno, exc.colno, None,
                                           f"JSON syntax error: {exc.msg}")])
    except RecursionError:
        return Parsed(f, problems=[too_deep(text, f.display)])
    found = items(data)
    if found is None:
        return Parsed(f, problems=[Problem(f.display, 1, 1, None,
                                           "expected a ClaimReview object, a list of them, or @graph")])
    offsets = item_offsets(text)
    b = Builder(f.display)
    warnings: list[str] = []
    for n, item in enumerate(found, 1):
        at = offsets[n - 1] if n - 1 < len(offsets) else 0
        line = text.count("\n", 0, at) + 1
        loc = Loc(f.display, line, at - (text.rfind("\n", 0, at) + 1) + 1)
        ident = (_text(item.get("url")) or _text(item.get("@id"))) if isinstance(item, dict) else None
        label = f"{loc.file}:{loc.line}:{loc.column}: item {n}" + (f" ({ident})" if ident else "")
        if not isinstance(item, dict) or "ClaimReview" not in str(item.get("@type", "")):
            warnings.append(f"{label}: not a ClaimReview; skipped")
            continue
        warning = _review(b, item, loc, ident)
        if warning:
            warnings.append(f"{label}: {warning}; skipped")
    return Parsed(f, records=list(b.out.values()), warnings=warnings)


def _review(b: Builder, item: dict, loc: Loc, ident: str | None) -> str | None:
    """Make the records of one ClaimReview; a reason to skip it, or None."""
    claimed = _text(item.get("claimReviewed"))
    reviewer, _ = _name(item.get("author"))
    if reviewer is None:
        reviewer, _ = _name(item.get("publisher"))
    reviewed = _first(item.get("itemReviewed"))
    reviewed = reviewed if isinstance(reviewed, dict) else {}
    claimant, claimant_kind = _name(reviewed.get("author"))
    missing = [n for n, v in (("claimReviewed", claimed), ("author (or publisher)", reviewer),
                              ("itemReviewed.author", claimant)) if not v]
    if missing or claimed is None or reviewer is None or claimant is None:
        return "missing " + ", ".join(missing)
    key = slug(ident or claimed)
    appearance = _first(reviewed.get("firstAppearance") or reviewed.get("appearance"))
    if isinstance(appearance, str):
        appearance = {"url": appearance}
    stated_in = None
    if isinstance(appearance, dict) and (appearance.get("url") or appearance.get("name")):
        ref = str(_text(appearance.get("url")) or _text(appearance.get("name")))
        stated_in = b.record(
            "sources", "appearance-" + slug(ref), loc,
            title=_text(appearance.get("name")) or _text(appearance.get("headline")) or ref,
            kind="video" if "VideoObject" in str(appearance.get("@type", "")) else "article",
            url=_text(appearance.get("url")), date=parse_date(appearance.get("datePublished")),
            locs={"url": Loc(loc.file, loc.line, loc.column, "itemReviewed.firstAppearance.url"),
                  "date": Loc(loc.file, loc.line, loc.column, "itemReviewed.firstAppearance.datePublished")})
    event = b.record("events", "claimed-" + key, loc, label=f"What the claim says: {claimed[:150]}")
    claim = b.record(
        "claims", "claim-" + key, loc,
        by=b.actor(claimant, loc, claimant_kind), stance="asserts", about=event, text=claimed,
        stated_in=stated_in,
        date=parse_date(reviewed.get("datePublished")
                        or (appearance.get("datePublished") if isinstance(appearance, dict) else None)),
        locs={"date": Loc(loc.file, loc.line, loc.column, "itemReviewed.datePublished")})
    rating = _first(item.get("reviewRating"))
    rating = rating if isinstance(rating, dict) else {}
    words = _text(rating.get("alternateName"))
    if words is None and _text(rating.get("ratingValue")):
        best = _text(rating.get("bestRating"))
        words = f"{_text(rating.get('ratingValue'))}" + (f"/{best}" if best else "")
    b.record(
        "sources", "factcheck-" + key, loc,
        title=_text(item.get("name")) or _text(item.get("headline")) or f"Fact-check of: {claimed[:100]}",
        kind="fact-check", publisher=b.actor(reviewer, loc), url=_text(item.get("url")),
        date=parse_date(item.get("datePublished")), quote=_text(item.get("reviewBody")),
        reviews=[claim], review_rating=words,
        locs={"url": Loc(loc.file, loc.line, loc.column, "url"),
              "date": Loc(loc.file, loc.line, loc.column, "datePublished")})
    return None

"""Fact-checks meet claims: imported ClaimReviews cited on the findings of the claims they review.

A fact-check is a source of kind fact-check (``ev:FactCheck``, e.g. imported from a ClaimReview
feed) that ``reviews`` a claim and keeps the fact-checker's rating (``ev:reviewRating``). A claim
the knowledge base holds is reviewed by it when

* the fact-check ``reviews`` that very claim — an imported review's own claim, or a link the user
  writes (``reviews: [their-claim-id]`` on a fact-check source in their YAML): **reviews this claim**;
* the claim it reviews has the same claimant (or one ``owl:sameAs`` it) and the same words after
  :func:`kb.model.names.key` (case, accents, punctuation and spacing aside): **same claimant and
  words**;
* the claim it reviews was stated in a source with the same URL (``schema:url`` of ``stated_in``,
  ignoring the scheme and a trailing slash) by the same claimant: **same appearance URL** (an
  interview holds many claims, so the claimant must be the same too).

A review kept in several versions (the same review met again with other content,
:mod:`kb.build.versions`) is cited in each, an earlier one saying which version supersedes it.
Each finding of such a claim lists the review, its fact-checker and its rating *in the
fact-checker's own words* (``fact_checks`` in the JSON form; a line in the table and the markdown
report), never as this knowledge base's verdict. Matching is exact; nothing fuzzy decides.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import networkx as nx

from kb.model.names import key
from kb.model.terms import sparql_prefixes
from kb.sparql.endpoint import Endpoint

NOT_A_VERDICT = "in the fact-checker's own words, not this knowledge base's verdict"


@dataclass(frozen=True)
class FactCheck:
    """A review of a claim, by a fact-checker, as the fact-checker rated it."""

    source: str                      # the fact-check source's id
    title: str
    fact_checker: str | None         # the publisher's (else the author's) name
    rating: str | None               # ev:reviewRating, verbatim
    url: str | None = None
    date: str | None = None
    reviewed_claim: str = ""         # the claim the review reviews (as imported or linked)
    matched_by: str = ""             # reviews this claim | same claimant and words | same appearance URL
    note: str = NOT_A_VERDICT
    superseded_by: str | None = None  # a later version of the review (prov:wasRevisionOf), if any

    def line(self) -> str:
        """One line for the table and the markdown report."""
        who = self.fact_checker or "a fact-checker"
        rated = f"rated it {self.rating!r}" if self.rating else "gave no rating"
        later = f" (an earlier version: superseded by {self.superseded_by})" if self.superseded_by else ""
        return f"fact-check by {who} ({self.matched_by}): {rated}{later} — {self.note}"


_REVIEWS = """
SELECT ?fc ?fid ?title ?rating ?url ?date ?maker ?rc ?rid WHERE { GRAPH ?g {
  ?fc a ev:FactCheck ; dcterms:identifier ?fid ; rdfs:label ?title ; ev:reviews ?rc .
  OPTIONAL { ?fc ev:reviewRating ?rating } OPTIONAL { ?fc schema:url ?url }
  OPTIONAL { ?fc dcterms:date ?date }
  OPTIONAL { ?fc dcterms:publisher|dcterms:creator ?m . GRAPH ?gm { ?m rdfs:label ?maker } } }
  GRAPH ?gc { ?rc dcterms:identifier ?rid } }"""
_CLAIMS = """
SELECT ?c ?id ?by ?text ?url WHERE { GRAPH ?g { ?c a ev:Claim ; dcterms:identifier ?id ; ev:claimant ?by .
  OPTIONAL { ?c schema:text ?text } OPTIONAL { ?c ev:statedIn ?s . GRAPH ?gs { ?s schema:url ?url } } } }"""
_SAME = "SELECT ?a ?b WHERE { GRAPH ?g { ?a owl:sameAs ?b } }"
_REVISIONS = """SELECT ?old ?new WHERE { GRAPH ?g { ?n prov:wasRevisionOf ?o }
  GRAPH ?go { ?o dcterms:identifier ?old } GRAPH ?gn { ?n dcterms:identifier ?new } }"""


def _url(u: str | None) -> str | None:
    return re.sub(r"^https?://(www\.)?", "", u).rstrip("/") if u else None


def _indexed(claims: Iterable[dict[str, str]]) -> tuple[dict[str, list[dict[str, str]]],
                                                         dict[str, list[dict[str, str]]]]:
    """The claims by the key of their words, and by the URL of the source they were stated in."""
    by_words: dict[str, list[dict[str, str]]] = defaultdict(list)
    by_url: dict[str, list[dict[str, str]]] = defaultdict(list)
    for c in claims:
        if c.get("text"):
            by_words[key(c["text"])].append(c)
        if c.get("url"):
            by_url[_url(c["url"])].append(c)
    return by_words, by_url


def reviews_by_claim(endpoint: Endpoint) -> dict[str, list[FactCheck]]:
    """Claim id -> the fact-checks that review it (see the module's docstring), sorted."""
    pre = sparql_prefixes()
    rows = list(endpoint.select(pre + _REVIEWS))
    if not rows:
        return {}
    claims: dict[str, dict[str, str]] = {}
    for r in endpoint.select(pre + _CLAIMS):
        claims.setdefault(r["c"], r)
    who = nx.Graph()
    who.add_edges_from((r["a"], r["b"]) for r in endpoint.select(pre + _SAME))
    side = {n: i for i, comp in enumerate(nx.connected_components(who)) for n in comp}

    def same_claimant(a: str, b: str) -> bool:
        return a == b or (a in side and side.get(b) == side[a])

    by_words, by_url = _indexed(claims.values())
    later: dict[str, str] = {}
    for r in sorted(endpoint.select(pre + _REVISIONS), key=lambda r: r["new"], reverse=True):
        later[r["old"]] = r["new"]  # the first of the later versions, by id
    out: dict[str, dict[str, FactCheck]] = defaultdict(dict)
    for r in rows:
        check = FactCheck(r["fid"], r["title"], r.get("maker"), r.get("rating"), r.get("url"), r.get("date"),
                          r["rid"], "reviews this claim", superseded_by=later.get(r["fid"]))
        out[r["rid"]].setdefault(r["fid"], check)
        reviewed = claims.get(r["rc"])
        if reviewed is None:
            continue
        for how, found in (("same claimant and words", by_words.get(key(reviewed.get("text", "")), [])),
                           ("same appearance URL", by_url.get(_url(reviewed.get("url")), []))):
            for c in found:
                if c["c"] != r["rc"] and same_claimant(c["by"], reviewed["by"]):
                    out[c["id"]].setdefault(r["fid"], replace(check, matched_by=how))
    return {cid: sorted(v.values(), key=lambda f: f.source) for cid, v in out.items()}


T = TypeVar("T")


def cite_reviews(endpoint: Endpoint, findings: Sequence[T]) -> list[T]:
    """The findings, each with the fact-checks of its claim in ``fact_checks``."""
    if not findings:
        return list(findings)
    reviews = reviews_by_claim(endpoint)
    return [replace(f, fact_checks=tuple(reviews[f.claim])) if f.claim in reviews else f  # type: ignore[attr-defined]
            for f in findings]

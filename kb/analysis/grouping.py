"""Findings per claim: one claim with its N findings reads as one group, not as N unrelated rows.

A finding is one claim × one documented event (:mod:`kb.analysis.conflicts`); a claim about a
described event (:mod:`kb.analysis.matching`) may meet forty incidents, and a denial of a pattern
every documented part of it. :func:`group_by_claim` puts the findings of each claim together: a
:class:`ClaimGroup` with the claim (claimant, stance, quote, what it is about), its findings in the
engine's order (strongest first), their count by kind, the documented events with why each one
matched, and the best score. Groups come in the order of their first finding — for the engine's
strongest-first list, by their best finding. Nothing is merged or dropped: every finding is in
exactly one group, unchanged. The reports (:mod:`kb.exports.reports`), ``kb conflicts`` and the
page (:mod:`kb.exports.viz`) read the groups from here; a notebook calls
:meth:`kb.KnowledgeBase.claim_groups` (or this function on ``kb.conflicts()``).

    >>> from types import SimpleNamespace as F
    >>> found = [F(claim="c1", score=2.0, kind="described"), F(claim="c2", score=1.5, kind="direct"),
    ...          F(claim="c1", score=1.0, kind="described")]
    >>> [(g.rank, g.claim, g.count, g.best_score) for g in group_by_claim(found)]
    [(1, 'c1', 2, 2.0), (2, 'c2', 1, 1.5)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kb.analysis.display import html_table, pandas

#: a :class:`kb.analysis.conflicts.Conflict` (not imported: grouping reads only its fields)
Conflict = Any

#: the columns of a claim groups DataFrame, one row per claim
GROUP_COLUMNS = ("rank", "claim", "claimant", "claimant_name", "stance", "quote", "findings", "kinds",
                 "best_score", "documented_events", "independent_publishers")


@dataclass(frozen=True)
class ClaimGroup:
    """One claim and every finding about it, strongest first."""

    rank: int                           # 1: the claim of the strongest finding
    claim: str                          # the claim's id
    findings: tuple[Conflict, ...]      # in the engine's order (strongest first)

    @property
    def first(self) -> Conflict:
        return self.findings[0]

    @property
    def count(self) -> int:
        """How many findings the claim has."""
        return len(self.findings)

    @property
    def best_score(self) -> float:
        return max(c.score for c in self.findings)

    @property
    def kinds(self) -> dict[str, int]:
        """Findings by kind, the most frequent first (ties in the order they first come)."""
        return dict(Counter(c.kind for c in self.findings).most_common())

    @property
    def documented_events(self) -> tuple[str, ...]:
        """The documented events, each once, in the order of the findings."""
        return tuple(dict.fromkeys(c.documented_event for c in self.findings))

    @property
    def about(self) -> tuple[str, ...]:
        """What the claim is about, as its findings name it (its events, or its description), each once."""
        return tuple(dict.fromkeys(c.event_label or c.event for c in self.findings))

    @property
    def independent_publishers(self) -> int:
        """Distinct independent publishers over all the group's findings (each finding's own count
        stays on the finding)."""
        return len({k for c in self.findings for k in getattr(c, "independent_origins", ())})

    def kinds_text(self) -> str:
        """"40 described" or "2 direct, 1 part-of"."""
        return ", ".join(f"{n} {k}" for k, n in self.kinds.items())

    def heading(self) -> str:
        """The group in a line: who, the stance, what about, how many findings of which kinds, and
        the best score."""
        c = self.first
        return (f"{c.claimant_name} {c.stance} {'; '.join(self.about)}: {self.count} finding(s) "
                f"({self.kinds_text()}), best score {self.best_score:.2f}")

    def events(self) -> list[dict[str, object]]:
        """Each finding's documented event in a row: its id and label, the finding's kind, score and
        independence, and why it matched (the claim's description, for a described finding)."""
        return [{"event": c.documented_event, "label": c.documented_event_label, "kind": c.kind,
                 "score": c.score, "independence": getattr(c, "independence", ""),
                 "matched": list(getattr(c, "matched", ()))} for c in self.findings]

    def to_dict(self) -> dict[str, object]:
        """The group as JSON-ready data (the findings as their stable JSON form)."""
        c = self.first
        return {"rank": self.rank, "claim": self.claim, "claimant": c.claimant,
                "claimant_name": c.claimant_name, "stance": c.stance, "quote": c.quote,
                "about": list(self.about), "findings": self.count, "kinds": self.kinds,
                "best_score": self.best_score, "documented_events": list(self.documented_events),
                "independent_publishers": self.independent_publishers, "events": self.events()}

    def row(self) -> dict[str, object]:
        """The group as the scalar cells of :data:`GROUP_COLUMNS`."""
        c = self.first
        return {"rank": self.rank, "claim": self.claim, "claimant": c.claimant,
                "claimant_name": c.claimant_name, "stance": c.stance, "quote": c.quote,
                "findings": self.count, "kinds": self.kinds_text(), "best_score": self.best_score,
                "documented_events": "; ".join(self.documented_events),
                "independent_publishers": self.independent_publishers}


class ClaimGroups(list):
    """The findings grouped per claim (a list of :class:`ClaimGroup`), which a notebook shows as a table."""

    def findings(self) -> list[Conflict]:
        """Every finding, group after group (each group's strongest first)."""
        return [c for g in self for c in g.findings]

    def of(self) -> dict[str, ClaimGroup]:
        """Claim id -> its group."""
        return {g.claim: g for g in self}

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per claim (columns :data:`GROUP_COLUMNS`)."""
        return pandas().DataFrame([g.row() for g in self], columns=list(GROUP_COLUMNS))

    def _repr_html_(self) -> str:
        rows = ((g.rank, g.first.claimant_name, g.first.stance, "; ".join(g.about), g.first.quote, g.count,
                 g.kinds_text(), f"{g.best_score:.2f}") for g in self)
        return html_table(("#", "claimant", "stance", "about", "quote", "findings", "kinds", "best score"),
                          rows, caption=f"{sum(g.count for g in self)} finding(s) about {len(self)} claim(s)")


def group_by_claim(conflicts: Iterable[Conflict]) -> ClaimGroups:
    """The findings of each claim together, claims in the order of their first finding (the
    engine's list is strongest first: so, by best finding), the order kept within a claim."""
    found: dict[str, list[Conflict]] = {}
    for c in conflicts:
        found.setdefault(c.claim, []).append(c)
    return ClaimGroups(ClaimGroup(rank, claim, tuple(xs))
                       for rank, (claim, xs) in enumerate(found.items(), 1))


def group_keys(groups: Iterable[ClaimGroup]) -> dict[str, tuple[int, int]]:
    """Claim id -> (its group's rank, its number of findings): the ``claim_group`` and
    ``claim_findings`` each finding carries in the JSON and CSV reports."""
    return {g.claim: (g.rank, g.count) for g in groups}

"""Findings, query results and summaries in a notebook: pandas DataFrames (``.to_frame()``; pandas is
the optional extra ``evidence-kb[pandas]``) and readable HTML (``_repr_html_``, which Jupyter shows).

    >>> rows = Rows(["actor", "n"], [["ilham-aliyev", "5"]])
    >>> "<th>actor</th>" in rows._repr_html_(), len(rows)
    (True, 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from kb.errors import UsageError

#: a :class:`kb.analysis.conflicts.Conflict` (not imported: that module imports this one)
Conflict = Any

#: the columns of a findings DataFrame, each a scalar (sources joined with "; ")
FINDING_COLUMNS = ("kind", "score", "independent_publishers", "unknown_origins", "claim", "claimant",
                   "claimant_name", "stance", "quote", "event", "event_label", "documented_event",
                   "documented_event_label", "sources", "publishers", "timing", "summary")


def pandas() -> Any:
    """The pandas module, or a :class:`~kb.errors.UsageError` saying how to install it."""
    try:
        import pandas as pd
    except ImportError:
        raise UsageError("to_frame() needs pandas: pip install 'evidence-kb[pandas]'") from None
    return pd


def html_table(header: Sequence[str], rows: Iterable[Sequence[object]], caption: str = "") -> str:
    """An HTML table, every cell escaped, long text wrapping at word boundaries."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
                   for row in rows)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (f'<table style="border-collapse:collapse;text-align:left;word-break:normal;'
            f'overflow-wrap:normal">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def documenting_sources(c: Conflict) -> list[tuple[str, str, str]]:
    """Each documenting source once: (who published it, its title, the kind of evidence)."""
    seen: dict[str, tuple[str, str, str]] = {}
    for s in c.sources:
        who = s.publisher_name or s.author_name or "origin unknown"
        seen.setdefault(s.source, (who, s.title, s.evidence))
    return list(seen.values())


def finding_row(c: Conflict) -> dict[str, object]:
    """One finding as the scalar cells of :data:`FINDING_COLUMNS`."""
    sources = documenting_sources(c)
    row: dict[str, object] = {k: getattr(c, k) for k in FINDING_COLUMNS if k not in ("sources", "publishers")}
    row["sources"] = "; ".join(sorted({s.source for s in c.sources}))
    row["publishers"] = "; ".join(dict.fromkeys(who for who, _, _ in sources))
    return {k: row[k] for k in FINDING_COLUMNS}


def finding_html(c: Conflict) -> str:
    """One finding as an HTML card: what it is, who claimed it (the quote), who documented it."""
    sources = "".join(f"<li>{escape(who)}: <i>{escape(title)}</i> [{escape(ev)}]</li>"
                      for who, title, ev in documenting_sources(c))
    counter = ", ".join(c.counter_claims)
    return (f'<div style="max-width:60em"><b>{escape(c.kind)}</b>, score {c.score:.2f} · '
            f"{escape(c.independence)}<br>"
            f"<b>{escape(c.claimant_name)}</b> {escape(c.stance)} "
            f"<i>{escape(c.event_label or c.event)}</i> (claim <code>{escape(c.claim)}</code>)"
            + (f"<blockquote>{escape(c.quote)}</blockquote>" if c.quote else "<br>")
            + (f"Documented by:<ul>{sources}</ul>" if sources else "")
            + (f"Asserted by: {escape(counter)}" if counter else "")
            + f"<p>{escape(c.summary)}</p></div>")


class Findings(list):
    """The findings of :meth:`kb.KnowledgeBase.conflicts`: a list of
    :class:`~kb.analysis.conflicts.Conflict`, strongest first, that a notebook shows as a table."""

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per finding (columns :data:`FINDING_COLUMNS`)."""
        return pandas().DataFrame([finding_row(c) for c in self], columns=list(FINDING_COLUMNS))

    def _repr_html_(self) -> str:
        rows = ((i, f"{c.kind} {c.score:.2f}", c.claimant_name, c.quote,
                 "; ".join(f"{who}: {title}" for who, title, _ in documenting_sources(c))
                 or ", ".join(c.counter_claims),
                 c.independent_publishers, c.unknown_origins) for i, c in enumerate(self, 1))
        return html_table(("#", "finding", "claimant", "quote", "documented by", "independent publishers",
                           "unknown origins"), rows, caption=f"{len(self)} finding(s)")


class Rows:
    """The rows of a SELECT query: ``columns`` (the variables) and ``rows`` (each cell the value
    as text, prefixed names for IRIs as ``kb query`` prints them, "" when unbound)."""

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[str]]):
        self.columns, self.rows = list(columns), [list(r) for r in rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Any:
        return (dict(zip(self.columns, r, strict=True)) for r in self.rows)

    def __repr__(self) -> str:
        return f"Rows({self.columns!r}, {len(self.rows)} rows)"

    def to_frame(self) -> Any:
        """A pandas DataFrame with the query's variables as columns."""
        return pandas().DataFrame(self.rows, columns=self.columns)

    def _repr_html_(self) -> str:
        return html_table(self.columns, self.rows, caption=f"{len(self.rows)} row(s)")

"""Conflicts as text: a terminal table, JSON, CSV (safe for spreadsheets) and a citable Markdown report."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from kb.model.rules import concepts, default_code

if TYPE_CHECKING:
    from kb.analysis.conflicts import Conflict, Evidence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: cells starting like a formula get a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text with every cell neutralised against formula injection."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; also makes the writer quote cells holding a CR
    w.writerow([safe_cell(h) for h in header])
    for row in rows:
        w.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def finding(c: Conflict) -> dict:
    """``c.to_dict()`` (the stable JSON form of docs/conflicts.md: the same keys in the same order,
    the same values) made without the deep copies of ``dataclasses.asdict``, which were most of the
    time of writing the findings of a large graph."""
    d = _plain(c)
    d["path"] = [_plain(s) for s in c.path]
    d["paths"] = [{"kind": k, "path": [_plain(s) for s in p]} for k, p in (c.paths or ((c.kind, c.path),))]
    d["sources"] = [_plain(s) for s in c.sources]
    return d


def _plain(record: object) -> dict:
    """A flat dataclass's fields in order, tuples as lists."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(record).items()}


def conflicts_json_chunks(conflicts: Iterable[Conflict]) -> Iterator[str]:
    """The text of :func:`conflicts_json` one finding at a time, so that it can be written as the
    findings come, without every finding's dictionary (or the whole text) in memory at once."""
    first = True
    for c in conflicts:
        text = json.dumps(finding(c), indent=2, ensure_ascii=False)  # no raw newline inside a JSON string
        yield ("[\n  " if first else ",\n  ") + text.replace("\n", "\n  ")
        first = False
    yield "[]" if first else "\n]"


def conflicts_json(conflicts: Sequence[Conflict]) -> str:
    """The findings as one JSON array (``json.dumps(..., indent=2)`` of their ``to_dict()``)."""
    return "".join(conflicts_json_chunks(conflicts))


CSV_COLUMNS = ("kind", "score", "independent_publishers", "claim", "claimant", "stance", "quote", "event",
               "documented_event", "sources", "timing", "summary", "unknown_origins", "independence",
               "rendered_in", "grades")


def conflicts_csv(conflicts: Sequence[Conflict]) -> str:
    return write_csv(CSV_COLUMNS, ([
        c.kind, c.score, c.independent_publishers, c.claim, c.claimant, c.stance, c.quote, c.event,
        c.documented_event, "; ".join(sorted({s.source for s in c.sources})), c.timing, c.summary,
        c.unknown_origins, c.independence, c.rendered_in or "", " ".join(c.grades),
    ] for c in conflicts))


def conflicts_table(conflicts: Sequence[Conflict], width: int = 100) -> str:
    """A plain-text table for terminals."""
    lines = [f"{'#':>3}  {'kind':<18} {'score':>5} {'indep':>5} {'unkn':>4}  claim -> documented event"]
    for i, c in enumerate(conflicts, 1):
        lines.append(f"{i:>3}  {c.kind:<18} {c.score:>5.2f} {c.independent_publishers:>5} "
                     f"{c.unknown_origins:>4}  {c.claim} -> {c.documented_event}")
        lines.append(f"{'':>6}{_clip(c.summary, width)}")
        rendered = f" · the claim as rendered in '{c.rendered_in_title}'" if c.rendered_in_title else ""
        lines.append(f"{'':>6}{c.independence}{rendered}")
        lines.extend(f"{'':>6}{_clip(f.line(), width)}" for f in c.fact_checks)
    lines.append(f"{len(conflicts)} conflict(s)")
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _md(text: str | None) -> str:
    """Markdown-inert text: no raw HTML, no accidental emphasis or links."""
    if not text:
        return ""
    out = text.replace("\\", "\\\\")
    for ch in "`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def _path_md(path, sources: bool) -> str:
    return "".join(f"{_md(s.label)} ({s.cls})" + (f" —{s.edge}→ " if s.edge else "")
                   for s in path) + ("the sources below" if sources else "")


def conflicts_markdown(conflicts: Sequence[Conflict], title: str = "Conflicts between claims and "
                       "documentation") -> str:
    """A citable report: one section per conflict, the quote, and numbered sources."""
    out = [f"# {title}", "",
           "Each section records a claim that denies or disputes something, and what documents it. "
           "The knowledge base records who said and who documented what; it does not judge.", ""]
    for i, c in enumerate(conflicts, 1):
        out += _section_md(i, c)
    return "\n".join(out)


def _section_md(i: int, c: Conflict) -> list[str]:
    """The lines of one conflict's section of :func:`conflicts_markdown`."""
    out = [f"## {i}. {_md(c.summary)}", "",
           f"- Kind: **{c.kind}** · score {c.score:.2f} · {c.independence} · timing: {c.timing}",
           f"- Claim `{c.claim}` by {_md(c.claimant_name)} ({c.stance})"
           + (f", stated in *{_md(c.stated_in_title)}*" if c.stated_in_title else "")
           + (f", {c.claim_date}" if c.claim_date else "")
           + (f", as rendered in *{_md(c.rendered_in_title)}*" if c.rendered_in_title else "")
           + (f" (inferred: {', '.join(c.claim_inferred)})" if c.claim_inferred else ""), "",
           f"> {_md(c.quote)}", "",
           "Path: " + _path_md(c.path, bool(c.sources)), ""]
    if len(c.paths) > 1:
        out += ["Every path to this documented event (folded into this one finding):", ""]
        out += [f"- {k}: {_path_md(p, bool(c.sources))}" for k, p in c.paths] + [""]
    if c.part_of_asserted_by:
        out += ["The part-of link is asserted by the record(s): "
                + ", ".join(f"`{x}`" for x in c.part_of_asserted_by), ""]
    if c.sources:
        out += ["Sources:", "", *(_source_md(j, s) for j, s in enumerate(c.sources, 1)), ""]
    if c.counter_claims:
        out += ["Asserted by: " + ", ".join(f"`{x}`" for x in c.counter_claims), ""]
    return out + _fact_checks_md(c)


def _fact_checks_md(c: Conflict) -> list[str]:
    """The fact-checks of a conflict's claim, each in the fact-checker's own words."""
    if not c.fact_checks:
        return []
    return ["Fact-checks of this claim:", "",
            *(f"- {_md(f.line())}" + (f" <{f.url}>" if f.url and f.url.startswith(("http://", "https://"))
                                      else "") for f in c.fact_checks), ""]


def _source_md(j: int, s: Evidence) -> str:
    """One numbered source of a conflict's section."""
    who = s.publisher_name or s.author_name or "origin unknown"
    link = f" <{s.url}>" if s.url and s.url.startswith(("http://", "https://")) else ""
    quote = f" — “{_md(s.quote)}”" if s.quote else ""
    quote += f" ({_md(s.chain)})" if s.chain else ""
    date = f", {s.date}" if s.date else ""
    partial = s.known_by != default_code("KnownBy")
    notes = [f"graded {s.grade}", *([f"known by {concepts('KnownBy')[s.known_by].label}"] if partial else []),
             *([f"inferred: {', '.join(s.inferred)}"] if s.inferred else [])]
    return f"{j}. {_md(s.title)}, {_md(who)}{date} [{s.evidence}; {'; '.join(notes)}]{link}{quote}"

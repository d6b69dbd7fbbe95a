"""Conflicts as text: a terminal table, JSON, CSV (safe for spreadsheets) and a citable Markdown report."""

from __future__ import annotations

import csv
import functools
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import orjson

from kb.analysis.display import documenting_sources
from kb.analysis.grouping import ClaimGroup, group_by_claim, group_keys
from kb.model.rules import concepts, default_code

if TYPE_CHECKING:
    from kb.analysis.conflicts import Conflict, Evidence
    from kb.analysis.stats import Stats

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
    findings come, without every finding's dictionary (or the whole text) in memory at once. Each
    finding is its stable form (:func:`finding`) with its claim's group (:mod:`kb.analysis.grouping`):
    ``claim_group`` (the group's rank: 1 for the claim of the strongest finding) and
    ``claim_findings`` (how many findings the claim has in this list)."""
    found = list(conflicts)
    keys = group_keys(group_by_claim(found))
    first = True
    for c in found:
        rank, count = keys[c.claim]
        text = orjson.dumps({**finding(c), "claim_group": rank, "claim_findings": count},
                            option=orjson.OPT_INDENT_2).decode()  # no raw newline inside a JSON string
        yield ("[\n  " if first else ",\n  ") + text.replace("\n", "\n  ")
        first = False
    yield "[]" if first else "\n]"


def conflicts_json(conflicts: Sequence[Conflict]) -> str:
    """The findings as one JSON array (``json.dumps(..., indent=2)`` of their ``to_dict()``, each with
    its ``claim_group`` and ``claim_findings``)."""
    return "".join(conflicts_json_chunks(conflicts))


CSV_COLUMNS = ("kind", "score", "independent_publishers", "claim", "claimant", "stance", "quote", "event",
               "documented_event", "sources", "timing", "summary", "unknown_origins", "independence",
               "rendered_in", "grades", "claim_group", "claim_findings", "matched")


def conflicts_csv(conflicts: Sequence[Conflict]) -> str:
    """One row per finding, the findings of a claim together (claims by their strongest finding),
    each with its claim's group rank and number of findings, and why a described event matched."""
    groups = group_by_claim(conflicts)
    return write_csv(CSV_COLUMNS, ([
        c.kind, c.score, c.independent_publishers, c.claim, c.claimant, c.stance, c.quote, c.event,
        c.documented_event, "; ".join(sorted({s.source for s in c.sources})), c.timing, c.summary,
        c.unknown_origins, c.independence, c.rendered_in or "", " ".join(c.grades), g.rank, g.count,
        "; ".join(c.matched),
    ] for g in groups for c in g.findings))


def conflicts_table(conflicts: Sequence[Conflict], width: int | None = None, wide: bool = False,
                    flat: bool = False) -> str:
    """Findings for a terminal (rich), grouped per claim (:mod:`kb.analysis.grouping`): each claim
    once (who, the stance, what about, how many findings of which kinds, the best score, the quote),
    then its findings, strongest first, each with its documented event, why it matched, its
    independence and who documented it. ``flat``: one block per finding as before grouping (a
    heading, its publisher counts, and a table of the claimant, the quote and the documenting
    sources). Text wraps to ``width`` (default: the terminal's); ``wide`` keeps each line whole
    however long.

    The text is what rich prints for the blocks one under another (a two-column grid per numbered
    block); :class:`_Blocks` lays the numbered blocks out as that grid does, without building one
    (a grid per block was 9 tenths of the time at a million statements)."""
    out = _Blocks(width, wide)
    if flat:
        for i, c in enumerate(conflicts, 1):
            _flat_block(out, i, c, wide)
        return out.text() + f"{len(conflicts)} conflict(s)"
    groups = group_by_claim(conflicts)
    for g in groups:
        _group_block(out, g)
    return out.text() + f"{len(conflicts)} conflict(s) about {len(groups)} claim(s)"


def _flat_block(out: _Blocks, i: int, c: Conflict, wide: bool) -> None:
    """One finding of the flat table: its heading and the table of claimant, quote and sources."""
    from rich import box
    from rich.padding import Padding
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name, ratio in (("claimant (claim)", 2), ("quote", 3), ("documented by", 3)):
        table.add_column(name, overflow="fold", no_wrap=wide, **({} if wide else {"ratio": ratio}))
    table.add_row(f"{c.claimant_name}\n({c.claim})", f"“{' '.join(c.quote.split())}”" if c.quote else "",
                  "\n".join(f"{who}: {title} [{ev}]" for who, title, ev in documenting_sources(c))
                  or f"asserted by {', '.join(c.counter_claims)}")
    rendered = f" · the claim as rendered in '{c.rendered_in_title}'" if c.rendered_in_title else ""
    checks = "".join(f"\n{f.line()}" for f in c.fact_checks)
    out.numbered(f"{i}.", f"{_finding(c)}\n{c.independence}{rendered}{checks}")
    out.rich(Padding(table, (0, 0, 1, 5)))


def _group_block(out: _Blocks, g: ClaimGroup) -> None:
    """One claim of the grouped table: the claim in a few lines, then each of its findings."""
    c = g.first
    lines = [g.heading(), f"claim {c.claim}" + (f": “{' '.join(c.quote.split())}”" if c.quote else "")]
    if c.rendered_in_title:
        lines.append(f"the claim as rendered in '{c.rendered_in_title}'")
    lines += [f.line() for f in c.fact_checks]
    out.numbered(f"{g.rank}.", "\n".join(lines))
    for j, x in enumerate(g.findings, 1):
        text = [f"{x.kind}, score {x.score:.2f}: {x.documented_event_label or x.documented_event} "
                f"[{x.documented_event}]", x.independence]
        text += [f"why: {why}" for why in x.matched]
        text += [f"documented by {who}: {title} [{ev}]" for who, title, ev in documenting_sources(x)]
        text += [f"asserted by {', '.join(x.counter_claims)}"] if x.counter_claims else []
        out.numbered(f"{g.rank}.{j}", "\n".join(text), indent=4)
    out.blank()


class _Blocks:
    """The lines of a table of numbered blocks, as ``rich`` prints them ``width`` columns wide
    (``wide``: 100 000, no wrapping), trailing spaces removed.

    A numbered block is the grid ``_numbered`` made before (kept in tests/test_report_speed.py as
    the reference): the number right-aligned in a column at least 3 wide, one space, then the text
    in a column that folds. For the usual block (the text column wider than the number's) the
    grid's widths are plain arithmetic, done here as rich's Table does it (``_calculate_column_widths``:
    the measured widths, the widest column shrunk to fit); a line that fits its column is itself,
    a line of one cell a character that does not is broken where rich's ``divide_line`` breaks it
    (:func:`_divide_single`), and anything else is wrapped by rich's ``Text.wrap``. Blocks outside
    that case (a narrow terminal, ``wide`` past 100 000 columns) and any other renderable are
    printed by one reused rich Console."""

    def __init__(self, width: int | None, wide: bool) -> None:
        import shutil

        from rich.console import Console

        self._buf = io.StringIO()
        cols = 100_000 if wide else (width or shutil.get_terminal_size().columns)
        self._console = Console(file=self._buf, width=cols, no_color=True, color_system=None, emoji=False,
                                highlight=False, soft_wrap=False)
        self.width = self._console.width  # as the Console has it (its environment can override)
        self.wide = wide
        self._parts: list[str] = []

    def numbered(self, number: str, text: str, indent: int = 0) -> None:
        """``text`` beside a right-aligned ``number``, its lines wrapping under the text (not the
        number), the whole ``indent`` columns in."""
        from rich.cells import cell_len
        from rich.control import strip_control_codes

        if not number.isascii():  # a number is digits and dots; anything else as rich lays it out
            self.rich(_numbered(number, text, self.wide, indent))
            return
        one_cell, stripped = _cells()
        # rich drops a few control codes (BEL, BS, VT, FF, CR) from a Text
        plain = strip_control_codes(text) if stripped.search(text) else text
        single = one_cell.issuperset(plain)  # a cell a character, lines broken by \n only
        lines = plain.split("\n") if single else plain.splitlines()  # rich measures by splitlines
        widths = self._widths(number, max(map(len if single else cell_len, lines)) if lines else 0, indent)
        if widths is None:  # rich would shrink both columns: let it
            self.rich(_numbered(number, text, self.wide, indent))
            return
        number_width, text_width = widths
        first = " " * indent + number.rjust(number_width - 1) + " "
        rest = " " * len(first)
        out = self._parts
        wrap = self._wrap_single if single else self._wrap
        for line in lines if single else plain.split("\n"):
            for piece in (line,) if single and len(line) <= text_width else wrap(line, text_width):
                out.append(first + piece + "\n")
                first = rest

    def _widths(self, number: str, widest: int, indent: int) -> tuple[int, int] | None:
        """The number's and the text's column widths of a block whose widest line is ``widest``
        cells, as rich's grid makes them; None where rich would shrink both columns."""
        room = self.width - indent
        text_width = min(widest, room) or 1
        number_width = max(len(number) + 1, 4)  # its cell (the number, min 3, and the space after it)
        if number_width + text_width > room:
            if self.wide or room < 2 * number_width:
                return None
            text_width = room - number_width  # the text column shrunk to what is left
        return number_width, text_width

    def _wrap_single(self, line: str, width: int) -> list[str]:
        """:meth:`_wrap` of a line of one cell a character (no tab, no joiner, no control code)."""
        if len(line) <= width:
            return [line]
        if self.wide:
            return [line[:width]]
        cuts = [0, *_divide_single(line, width), len(line)]
        # Text.divide, then rstrip_end and truncate: a single-cell piece comes out as its first width
        return [line[a:b][:width] for a, b in itertools.pairwise(cuts)]

    def _wrap(self, line: str, width: int) -> list[str]:
        """``line`` as rich wraps it in a text column ``width`` cells wide (``overflow="fold"``, left
        justified; trailing spaces may differ, they are removed at the end)."""
        from rich.cells import cell_len
        from rich.text import Text

        if _cells()[0].issuperset(line):
            return self._wrap_single(line, width)
        if "\t" not in line and "\u200d" not in line and "\ufe0f" not in line and cell_len(line) <= width:
            return [line]  # widths add up (no joiner, no variation selector), so no word breaks it
        return [x.plain for x in Text(line).wrap(self._console, width, justify="left", overflow="fold",
                                                 tab_size=self._console.tab_size or 8, no_wrap=self.wide)]

    def rich(self, renderable: object) -> None:
        """A renderable as the Console prints it."""
        self._console.print(renderable)
        self._parts.append(self._buf.getvalue())
        self._buf.seek(0)
        self._buf.truncate()

    def blank(self) -> None:
        """An empty line."""
        self._parts.append("\n")

    def text(self) -> str:
        """Everything so far, trailing spaces removed from each line (lines split as
        ``str.splitlines`` splits them, as before)."""
        return "\n".join(line.rstrip() for line in "".join(self._parts).splitlines()) + "\n"


@functools.cache
def _cells() -> tuple[frozenset[str], re.Pattern[str]]:
    """The characters rich gives one cell each and that nothing joins or breaks (rich's own set of
    them, and the typographic quotes and dashes the findings' text uses), with the line feed; and
    the control codes a rich Text drops."""
    from rich.cells import _SINGLE_CELLS, get_character_cell_size
    from rich.control import _CONTROL_STRIP_TRANSLATE

    typographic = {ch for ch in "“”‘’„‚‹›«»—–…•′″€" if get_character_cell_size(ch) == 1}
    return (frozenset(_SINGLE_CELLS | typographic | {"\n"}),
            re.compile("[" + "".join(re.escape(chr(c)) for c in _CONTROL_STRIP_TRANSLATE) + "]"))


_WORD = re.compile(r"\s*\S+\s*")


def _divide_single(text: str, width: int) -> list[int]:
    """``rich._wrap.divide_line(text, width, fold=True)`` for text of one cell a character (its
    steps, with ``len`` for ``cell_len`` and slices for ``chop_cells``): where the lines break."""
    breaks: list[int] = []
    offset = 0
    for m in _WORD.finditer(text):  # the words rich's words() yields: each match starts where one ends
        start, end = m.span()
        word = m.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += end - start
        elif length > width:  # folded across lines
            chunks = [word[i:i + width] for i in range(0, len(word), width)]
            for chunk in chunks[:-1]:
                if start:
                    breaks.append(start)
                start += len(chunk)
            if start:
                breaks.append(start)
            offset = len(chunks[-1])
        elif offset and start:
            breaks.append(start)
            offset = end - start
    return breaks


def _numbered(number: str, text: str, wide: bool, indent: int = 0) -> object:
    """``text`` beside a right-aligned ``number``, its lines wrapping under the text (not the number):
    the rich grid :meth:`_Blocks.numbered` lays out without building, when it cannot."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", min_width=3)
    grid.add_column(overflow="fold", no_wrap=wide)
    grid.add_row(number, Text(text))
    return Padding(grid, (0, 0, 0, indent)) if indent else grid


def grouped_by_claim(conflicts: Sequence[Conflict]) -> list[Conflict]:
    """The findings of each claim together, claims in the order of their strongest finding (the
    order of ``conflicts`` kept within a claim): :func:`kb.analysis.grouping.group_by_claim`, flat."""
    return group_by_claim(conflicts).findings()


def _finding(c: Conflict) -> str:
    """A finding in a few words: kind and score, what the claim is about, what is documented."""
    documented = (f"; documented: {c.documented_event_label}"
                  if c.documented_event != c.event and c.documented_event_label else "")
    return f"{c.kind}, score {c.score:.2f}: {c.stance} {c.event_label or c.event}{documented}"


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table, each cell Markdown-inert (:func:`_md`)."""
    out = ["| " + " | ".join(_md(h) or " " for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md(str(v)) if v not in (None, "") else " " for v in row) + " |"
            for row in rows]
    return "\n".join(out) + "\n"


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
    """A citable report, grouped per claim (:mod:`kb.analysis.grouping`): one section per claim (who,
    the stance, the quote, how many findings of which kinds), and in it one section per finding
    (what is documented, why it matched, its path and numbered sources)."""
    out = [f"# {title}", "",
           "Each section records a claim that denies or disputes something, and what documents it. "
           "The knowledge base records who said and who documented what; it does not judge.", ""]
    for g in group_by_claim(conflicts):
        out += claim_md(g)
        for j, c in enumerate(g.findings, 1):
            out += finding_md(f"{g.rank}.{j}", c)
    return "\n".join(out)


def claim_md(g: ClaimGroup) -> list[str]:
    """The lines of one claim's section of :func:`conflicts_markdown` (its findings follow)."""
    c = g.first
    return [f"## {g.rank}. {_md(g.heading())}", "",
            f"- Claim `{c.claim}` by {_md(c.claimant_name)} ({c.stance})"
            + (f", stated in *{_md(c.stated_in_title)}*" if c.stated_in_title else "")
            + (f", {c.claim_date}" if c.claim_date else "")
            + (f", as rendered in *{_md(c.rendered_in_title)}*" if c.rendered_in_title else "")
            + (f" (inferred: {', '.join(c.claim_inferred)})" if c.claim_inferred else ""),
            f"- {g.count} finding(s): {g.kinds_text()} · best score {g.best_score:.2f} · "
            f"{g.independent_publishers} independent publisher(s) over its findings", "",
            f"> {_md(c.quote)}", "", *_fact_checks_md(c)]


def finding_md(number: str, c: Conflict) -> list[str]:
    """The lines of one finding's section of :func:`conflicts_markdown` (under its claim's)."""
    out = [f"### {number}. {_md(c.summary)}", "",
           f"- Kind: **{c.kind}** · score {c.score:.2f} · {c.independence} · timing: {c.timing}", ""]
    if c.matched:
        out += ["Why the event fits the claim's description:", "", *(f"- {_md(m)}" for m in c.matched), ""]
    out += ["Path: " + _path_md(c.path, bool(c.sources)), ""]
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
    return out


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



def stats_markdown(stats: Stats) -> str:
    """``kb stats`` as Markdown: the loaded files, records by class (a subclass indented under its
    class), claims by stance."""
    files = markdown_table(("file", "triples", "sha256", "loaded"),
                           ((f["path"], f["triples"], str(f["sha256"])[:12], f["loaded_at"])
                            for f in stats.files))
    classes = markdown_table(("class", "records"), (
        (f"↳ {k}" if k in stats.subclass_of else k, n) for k, n in stats.classes.items()))
    stances = markdown_table(("stance", "claims"), stats.stances.items())
    return (f"## Files\n\n{files}\n## Records by class\n\n{classes}\n## Claims by stance\n\n{stances}\n"
            f"{stats.triples} statements in {len(stats.files)} file graph(s)\n")

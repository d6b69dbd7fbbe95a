"""The conflicts table (``kb conflicts``) is the same text as rich's grid-per-block layout it replaced
(issue #21: that layout took 24 s at a million statements): the old renderer is kept here as the
reference and both are compared byte for byte on the seed, the fictional example and findings
filled with hostile text (long words, CJK, emoji, joiners, combining accents, tabs, control codes,
unusual line breaks, rich markup) at many widths, grouped and flat, wrapped and ``wide``."""

from __future__ import annotations

import io
import random
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import REPO

from kb import KnowledgeBase
from kb.analysis.display import documenting_sources
from kb.analysis.grouping import group_by_claim
from kb.exports.reports import _Blocks, _finding, conflicts_table

WIDTHS = (1, 5, 8, 9, 12, 20, 33, 40, 60, 79, 80, 100, 120, None)  # None: --wide


# -- the reference: the renderer before issue #21, one rich grid per numbered block ------------------

def _ref_render(renderable: object, width: int | None, wide: bool) -> str:
    from rich.console import Console

    buf = io.StringIO()
    Console(file=buf, width=100_000 if wide else width, no_color=True, color_system=None, emoji=False,
            highlight=False, soft_wrap=False).print(renderable)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def _ref_numbered(number: str, text: str, wide: bool, indent: int = 0) -> object:
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", min_width=3)
    grid.add_column(overflow="fold", no_wrap=wide)
    grid.add_row(number, Text(text))
    return Padding(grid, (0, 0, 0, indent)) if indent else grid


def _ref_flat_block(i, c, wide):
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
    return [_ref_numbered(f"{i}.", f"{_finding(c)}\n{c.independence}{rendered}{checks}", wide),
            Padding(table, (0, 0, 1, 5))]


def _ref_group_block(g, wide):
    c = g.first
    lines = [g.heading(), f"claim {c.claim}" + (f": “{' '.join(c.quote.split())}”" if c.quote else "")]
    if c.rendered_in_title:
        lines.append(f"the claim as rendered in '{c.rendered_in_title}'")
    lines += [f.line() for f in c.fact_checks]
    parts = [_ref_numbered(f"{g.rank}.", "\n".join(lines), wide)]
    for j, x in enumerate(g.findings, 1):
        text = [f"{x.kind}, score {x.score:.2f}: {x.documented_event_label or x.documented_event} "
                f"[{x.documented_event}]", x.independence]
        text += [f"why: {why}" for why in x.matched]
        text += [f"documented by {who}: {title} [{ev}]" for who, title, ev in documenting_sources(x)]
        text += [f"asserted by {', '.join(x.counter_claims)}"] if x.counter_claims else []
        parts.append(_ref_numbered(f"{g.rank}.{j}", "\n".join(text), wide, indent=4))
    return [*parts, ""]


def reference_table(conflicts, width=None, wide=False, flat=False) -> str:
    """``conflicts_table`` as it was: every block a rich renderable, printed as one Group."""
    from rich.console import Group

    if flat:
        parts = [p for i, c in enumerate(conflicts, 1) for p in _ref_flat_block(i, c, wide)]
        return _ref_render(Group(*parts), width, wide) + f"{len(conflicts)} conflict(s)"
    groups = group_by_claim(conflicts)
    parts = [p for g in groups for p in _ref_group_block(g, wide)]
    return _ref_render(Group(*parts), width, wide) + f"{len(conflicts)} conflict(s) about {len(groups)} claim(s)"


# -- hostile text ------------------------------------------------------------------------------------

HOSTILE = [
    "Supercalifragilisticexpialidocious" * 9,                       # one word longer than any line
    "漢字とかなの長い説明文、中文测试内容很长很长很长的句子",        # double-width, no spaces
    "東京 大阪 名古屋 札幌 福岡 神戸 京都 横浜 川崎 さいたま",        # double-width words
    "emoji 😀 family 👨‍👩‍👧‍👦 flag 🏳️‍🌈 heart ❤️ keycap 1️⃣ ☺️x",   # wide, joiners, variation selectors
    "joiner at a word's end\u200d then space \u200d\u200d and \ufe0f alone",
    "combining: e\u0301 a\u0308 n\u0303 Z\u0335\u0321a\u0336l\u0337g\u0338o\u0334 ",
    "tabs\there\t\tand\tthere\t",                                   # expanded to tab stops by rich
    "[bold]not bold[/bold] [link=http://x]x[/link] [red] :smile: \\[escaped]",
    "control\r codes\x07 bell\x08 back\x0b vt\x0c ff\x1b[31m escape\x00nul",
    "line\u2028separator and\x85next\x1cfs\x1dgs\x1ers\u2029para",   # str.splitlines breaks these
    "   leading spaces and trailing spaces   ",
    "multi\nline\n\nwith blank\n",
    "",
    "· “quoted” ‘single’ — dash … ellipsis é ü ß",
    "a" * 500 + " " + "b " * 300,
    "x " * 40 + "y" * 81 + "   " + "z" * 3,
    "ﾊﾝｶｸ half-width kana and ＦＵＬＬ full-width latin",
]


def _hostile_findings(found, rng: random.Random, copies: int):
    """``found`` again and again with their texts replaced by hostile ones, as many distinct claims
    (so that the numbers run to three digits and more, and numbers of findings to two)."""
    pick = lambda: rng.choice(HOSTILE)  # noqa: E731
    out = []
    for k in range(copies):
        for c in found:
            sources = tuple(replace(s, title=pick(), publisher_name=pick() or None) for s in c.sources)
            out.append(replace(
                c, claim=f"{c.claim}-{k}" if k % 7 else c.claim, claimant_name=pick(), quote=pick(),
                event_label=pick(), documented_event_label=pick(), independence=pick(),
                matched=tuple(pick() for _ in range(rng.randrange(3))), sources=sources,
                counter_claims=tuple(pick() for _ in range(rng.randrange(2))),
                rendered_in_title=pick() or None, score=rng.random()))
    return out


@pytest.fixture(scope="module")
def fictional(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    kb = KnowledgeBase(tmp_path_factory.mktemp("fictional") / "store")
    kb.build([REPO / "kb" / "data" / "examples" / "fictional"])
    return kb


@pytest.mark.parametrize("flat", [False, True], ids=["grouped", "flat"])
def test_the_table_of_the_seed_and_the_fictional_example_is_the_old_rendering(seed_kb, fictional, flat):
    for kb in (seed_kb, fictional):
        found = kb.conflicts()
        assert found
        for width in WIDTHS:
            assert conflicts_table(found, width=width, wide=width is None, flat=flat) == \
                reference_table(found, width=width, wide=width is None, flat=flat), (kb.path, width)


def _same(found, widths, flat: bool) -> None:
    for width in widths:
        new = conflicts_table(found, width=width, wide=width is None, flat=flat)
        old = reference_table(found, width=width, wide=width is None, flat=flat)
        if new != old:  # the first differing line, to see what differs
            diff = next((i, a, b) for i, (a, b) in enumerate(zip(new.splitlines(), old.splitlines(),
                                                                   strict=False)) if a != b)
            pytest.fail(f"width {width}: line {diff[0]}: {diff[1]!r} != {diff[2]!r}")


@pytest.mark.parametrize("flat", [False, True], ids=["grouped", "flat"])
def test_the_table_of_hostile_text_is_the_old_rendering_at_every_width(seed_kb, flat):
    _same(_hostile_findings(seed_kb.conflicts(), random.Random(21), copies=3), WIDTHS, flat)


def test_the_table_of_hundreds_of_hostile_claims_is_the_old_rendering(seed_kb):
    """Claim numbers of three digits and findings numbered past 9 (wider number columns)."""
    found = _hostile_findings(seed_kb.conflicts(), random.Random(2), copies=24)
    assert len(group_by_claim(found)) >= 100 and max(g.count for g in group_by_claim(found)) >= 10
    _same(found, (11, 80), flat=False)


def test_a_numbered_block_is_the_old_grid_for_every_text_and_width():
    """Block by block, random mixtures of the hostile fragments, numbers of every length, indented or
    not: the layout done without a grid equals the grid, wrapped and wide."""
    rng = random.Random(2126)
    for _ in range(400):
        text = "\n".join(" ".join(rng.choice(HOSTILE) for _ in range(rng.randrange(1, 4)))
                         for _ in range(rng.randrange(1, 4)))
        number = rng.choice(["1.", "9.", "10.", "1.1", "12.3", "123.", "1234.56", "123456789.1"])
        indent = rng.choice([0, 4])
        for width in (rng.randrange(1, 130), None):
            blocks = _Blocks(width, wide=width is None)
            blocks.numbered(number, text, indent=indent)
            assert blocks.text() == _ref_render(_ref_numbered(number, text, width is None, indent), width,
                                                width is None), (number, text, width, indent)


def test_the_reference_can_tell_a_different_layout(seed_kb):
    """The comparison can fail: the old rendering one column narrower is a different text."""
    found = seed_kb.conflicts()
    assert conflicts_table(found, width=60) != reference_table(found, width=59)


def test_the_cli_prints_the_table_at_the_terminal_width(seed_kb, monkeypatch):
    from click.testing import CliRunner

    from kb.cli import main

    monkeypatch.setenv("COLUMNS", "72")
    r = CliRunner().invoke(main, ["--store", str(Path(seed_kb.path)), "conflicts"])
    assert r.exit_code == 0, r.output
    assert r.output == reference_table(seed_kb.conflicts(), width=72) + "\n"


def test_lines_of_one_cell_a_character_break_where_rich_breaks_them():
    """:func:`_divide_single` is rich's ``divide_line`` (folding) for such text: random words and
    runs of spaces, at every width from 1."""
    from rich._wrap import divide_line

    from kb.exports.reports import _divide_single

    rng = random.Random(7)
    alphabet = "ab “—’ \u00a0x"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) * rng.choice((1, 1, 2, 5, 13)) for _ in range(rng.randrange(30)))
        for width in (1, 2, 3, rng.randrange(1, 40)):
            assert _divide_single(text, width) == divide_line(text, width, fold=True), (text, width)

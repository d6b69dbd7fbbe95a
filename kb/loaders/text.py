"""Where a JSON document nests too deeply, for the loaders that read JSON (ClaimReview, JSON-LD).

Python's JSON decoder (and every recursive walk after it) raises ``RecursionError`` at about a
thousand levels, without a position. :func:`too_deep` finds the line and column where the nesting
passes ``limit`` levels, so the problem can be reported like any other.
"""

from __future__ import annotations

import re

from kb.errors import Problem

LIMIT = 500
# strings (skipped whole, so brackets inside them do not count) and brackets
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def too_deep(text: str, display: str, limit: int = LIMIT) -> Problem:
    """The problem "nested deeper than ``limit`` levels", located where that first happens."""
    depth = 0
    for m in _TOKENS.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > limit:
                at = m.start()
                line = text.count("\n", 0, at) + 1
                column = at - (text.rfind("\n", 0, at) + 1) + 1
                return Problem(display, line, column, None, f"JSON nested deeper than {limit} levels")
        elif c in "]}":
            depth -= 1
    return Problem(display, 1, 1, None, "JSON nested too deeply to read")

"""Reading an input file as text, and locating what is wrong in it: the steps every loader shares.

* :func:`read_text`: a file read whole as UTF-8 (size limit :func:`max_input_bytes`, FIFOs and
  devices refused, undecodable bytes located by :func:`utf8_problem`);
* :func:`line_column`: the 1-based line and column of an offset in text or bytes;
* :func:`nul_problem`: the NUL byte that YAML and CSV refuse, located;
* :func:`too_deep`: where a JSON document nests deeper than a limit (Python's JSON decoder, and
  every recursive walk after it, raise ``RecursionError`` at about a thousand levels, without a
  position);
* :data:`DELIMITER_CANDIDATES`, :func:`best_delimiter`, :func:`parse_delimiter`: the cell
  delimiters a CSV file may use, detected or as a user typed them.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

from kb.errors import Problem, printable

MAX_INPUT_MB = 1024  # default limit for a file read whole: YAML, CSV, ClaimReview, JSON-LD


def max_input_bytes() -> int:
    """The largest file the loaders read whole (into memory): ``$KB_MAX_INPUT_MB`` megabytes, by
    default :data:`MAX_INPUT_MB` (1 GB: real feeds are hundreds of MB, and the synthetic YAML of
    ten million statements is about 200 MB). Turtle, TriG, N-Triples and N-Quads stream: no limit."""
    raw = os.environ.get("KB_MAX_INPUT_MB", "").strip()
    if not raw:
        return MAX_INPUT_MB * 2**20
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if not mb > 0:
        from kb.errors import UsageError

        raise UsageError(f"KB_MAX_INPUT_MB={printable(raw)!r}: expected a positive number of megabytes")
    return int(mb * 2**20)


def special_kind(mode: int) -> str | None:
    """What a file that is not a regular file or a folder is ("a FIFO (named pipe)", "a character
    device", …), from its ``st_mode``; None for a regular file or a folder."""
    for test, kind in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return None


def line_column(text: str | bytes, at: int) -> tuple[int, int]:
    """The 1-based (line, column) of offset ``at`` in ``text`` (characters, or bytes for bytes)."""
    if isinstance(text, bytes):
        return text.count(b"\n", 0, at) + 1, at - (text.rfind(b"\n", 0, at) + 1) + 1
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def _unreadable(display: str, exc: OSError) -> Problem:
    return Problem(display, None, None, None, f"cannot read file: {exc.strerror or exc}")


def read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """Read a file as UTF-8, reporting undecodable bytes with their line and column.

    The file is read whole, so its size is checked first, against :func:`max_input_bytes`
    (``$KB_MAX_INPUT_MB``); a FIFO or a device is refused as what it is, never read."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return None, [_unreadable(display, exc)]
    kind = special_kind(st.st_mode)
    if kind is not None:
        return None, [Problem(display, None, None, None, f"{kind}, not a regular file; nothing was read")]
    limit = max_input_bytes()
    if st.st_size > limit:
        return None, [Problem(display, None, None, None,
                              f"the file is {st.st_size / 2**20:,.0f} MB, more than the limit of "
                              f"{limit / 2**20:,.0f} MB for files read whole (YAML, CSV, JSON); nothing "
                              "was read (set KB_MAX_INPUT_MB to raise the limit)")]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [_unreadable(display, exc)]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        return None, [utf8_problem(data, exc, display)]


def utf8_problem(data: bytes, exc: UnicodeDecodeError, display: str) -> Problem:
    """The problem "invalid UTF-8", located at the first byte that does not decode."""
    line, column = line_column(data, exc.start)
    return Problem(display, line, column, None,
                   f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")


def nul_problem(text: str, display: str) -> Problem | None:
    """The problem "NUL byte in file", at the line of the first one; None if there is none."""
    at = text.find("\x00")
    if at < 0:
        return None
    return Problem(display, line_column(text, at)[0], None, None, "NUL byte in file")


JSON_DEPTH_LIMIT = 500
# strings (skipped whole, so brackets inside them do not count) and brackets
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def too_deep(text: str, display: str, limit: int = JSON_DEPTH_LIMIT) -> Problem:
    """The problem "JSON nested deeper than ``limit`` levels", located where that first happens."""
    depth = 0
    for m in _JSON_TOKENS.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > limit:
                line, column = line_column(text, m.start())
                return Problem(display, line, column, None, f"JSON nested deeper than {limit} levels")
        elif c in "]}":
            depth -= 1
    return Problem(display, 1, 1, None, "JSON nested too deeply to read")


#: The cell delimiters a CSV file is tried with, in order of preference.
DELIMITER_CANDIDATES = (",", ";", "\t", "|")
#: What users type for a delimiter, and the character it means.
DELIMITERS = {",": ",", ";": ";", "|": "|", "\\t": "\t", "\t": "\t", "tab": "\t"}


def parse_delimiter(text: str) -> str:
    """The delimiter a user typed: one character, or ``tab`` / ``\\t``."""
    if text in DELIMITERS:
        return DELIMITERS[text]
    if len(text) != 1 or text in "\"\r\n":
        raise ValueError(f"invalid delimiter {text!r}: give one character, or 'tab'")
    return text


def best_delimiter(score: Callable[[str], int]) -> str:
    """The candidate delimiter with the highest ``score`` (the earliest one on a tie)."""
    return max(DELIMITER_CANDIDATES, key=score)

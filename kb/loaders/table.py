"""CSV text into rows, located: the steps the spreadsheet loader (:mod:`kb.loaders.csv`) and the
ACLED-layout loader (:mod:`kb.loaders.acled`) share."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from kb.errors import Problem
from kb.loaders.base import InputFile
from kb.loaders.text import nul_problem, read_text


def read_table(f: InputFile, what: str = "sheet") -> tuple[tuple[str, str] | None, list[Problem]]:
    """((text, header line), []) of a CSV file, or (None, the problems that stop it being read:
    not UTF-8, a NUL byte, nothing in it)."""
    text, problems = read_text(f.path, f.display)
    if text is None:
        return None, problems
    nul = nul_problem(text, f.display)
    if nul is not None:
        return None, [nul]
    if not text.strip():
        return None, [Problem(f.display, 1, None, None, f"the {what} is empty: expected a header row")]
    return (text, re.split(r"\r\n?|\n", text, maxsplit=1)[0]), []  # old spreadsheets end lines with \r


def read_rows(f: InputFile, text: str, delimiter: str) -> tuple[list[list[str]], list[Problem]]:
    """The rows of a CSV text, or none and its syntax error, located at the line the reader reached."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return list(reader), []
    except csv.Error as exc:
        return [], [Problem(f.display, reader.line_num, None, None, f"CSV syntax error: {exc}")]


def data_rows(f: InputFile, rows: list[list[str]],
              problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """(row number as a spreadsheet counts it, cells) of each data row with as many cells as the
    header; blank rows are skipped, rows of another length are added to ``problems``."""
    header = rows[0]
    for row_no, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(Problem(f.display, row_no, min(len(row), len(header)) + 1, None,
                                    f"{len(row)} cells, but the header has {len(header)} columns"))
            continue
        yield row_no, row

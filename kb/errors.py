r"""Errors: one located problem type, and the exceptions that carry problems to the caller.

Every problem a user can cause is reported as ``file:line:column: field: message`` (line and
column 1-based; CSV rows are lines). Every exception the package raises on purpose is defined
here, each with the process exit code the CLI exits with (``exit_code``) and the HTTP status a
server answers it with (``http_status``). The exit codes are written here only: the CLI's help
reads :data:`CODE_MEANINGS`, and a test checks that the table in ``docs/exit-codes.md`` lists exactly
these classes.

    >>> str(Problem("data/claims.yaml", 37, 13, "stance", "unknown stance 'denied'"))
    "data/claims.yaml:37:13: stance: unknown stance 'denied'"
    >>> printable("two\nlines")
    'two\\nlines'
    >>> InputError([Problem("a.yaml", 1)]).exit_code, QueryError("bad").http_status
    (1, 400)
"""

from __future__ import annotations

import errno
import re
from collections.abc import Sequence
from dataclasses import dataclass

# Exit codes (documented in docs/exit-codes.md; a test checks that table against the classes below).
EXIT_OK = 0
EXIT_INVALID = 1    # input data invalid: syntax, references, types, SHACL violations
EXIT_USAGE = 2      # wrong command-line usage (click's own code)
EXIT_LOCKED = 3     # the store is locked by another build
EXIT_STORE = 4      # the store or a file could not be read or written (I/O, disk full, corrupt,
                    # an output path that is a symbolic link)
EXIT_QUERY = 5      # a SPARQL query is malformed or was refused

#: Each exit code and what it means, in a few words (the CLI's help text).
CODE_MEANINGS: dict[int, str] = {
    EXIT_OK: "ok",
    EXIT_INVALID: "invalid input (each problem printed as file:line:column: field: message)",
    EXIT_USAGE: "usage error",
    EXIT_LOCKED: "store locked by another build",
    EXIT_STORE: "store or file I/O error (e.g. disk full)",
    EXIT_QUERY: "malformed or refused query",
}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, and where."""

    file: str
    line: int | None = None
    column: int | None = None
    field: str | None = None
    message: str = ""

    def __str__(self) -> str:
        where = printable(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {printable(self.field)}:" if self.field else ""
        return f"{where}:{field} {_one_line(self.message)}"


# Characters that would let a value written in a file break a message out of its one line, or
# change what a terminal shows: C0 and C1 controls (newlines, carriage return, escape), DEL, line and
# paragraph separators, bidirectional overrides and isolates, zero-width characters, the BOM.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    """``text`` with every control, line-breaking or invisible formatting character escaped
    (``\\n``, ``\\x1b``, ``\\u202e``), so it prints on one line and shows what it holds."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


# the password of a URL's user information (``scheme://user:password@host``)
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^@\s/]*@")


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _URL_PASSWORD.sub(r"\1:***@", str(text))


def _one_line(text: str) -> str:
    text = printable(redact(str(text).strip()))
    return text if len(text) <= 500 else text[:497] + "..."


class KBWarning(UserWarning):
    """Something the user should know that does not stop the command (the CLI prints
    ``warning: …``)."""


class KBError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = EXIT_INVALID
    http_status = 400

    def lines(self) -> list[str]:
        """The one-line messages to show the user."""
        return [_one_line(str(self))]


class InputError(KBError):
    """The input files have problems; none of them was stored."""

    exit_code = EXIT_INVALID

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.column or 0,
                                                             p.field or "", p.message))
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the input; nothing was stored")

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems] + [str(self)]


class UsageError(KBError):
    """An argument is not usable (a bad ``--base``, say): the command-line usage code."""

    exit_code = EXIT_USAGE
    http_status = 400


class NameLookupError(UsageError):
    """Base of the lookup failures (a message ready to print, with suggestions; usage exit code).

    ``word`` is the kind of record looked for (``actor``), ``value`` what was given, ``suggestions``
    the stored records (:class:`kb.model.names.Named`) it may have meant."""

    def __init__(self, message: str, word: str, value: str, suggestions: Sequence[object]):
        super().__init__(message)
        self.word, self.value, self.suggestions = word, value, list(suggestions)


class NameNotFound(NameLookupError):
    """No stored record of that class has that id, name or alias."""

    http_status = 404


class AmbiguousName(NameLookupError):
    """Several stored records share that name or alias."""


class StoreLockedError(KBError):
    """Another process holds the store's write lock."""

    exit_code = EXIT_LOCKED
    http_status = 503


class StoreError(KBError):
    """The store could not be read or written (I/O error, full disk, damaged store)."""

    exit_code = EXIT_STORE
    http_status = 500


class NoKnowledgeBaseError(StoreError):
    """There is no knowledge base where one was looked for (nothing was ever built there)."""


class OutputError(KBError):
    """An output file could not be written, or may not be (a symbolic link, a folder)."""

    exit_code = EXIT_STORE
    http_status = 500


class ListenError(KBError):
    """``kb serve`` could not listen on its address (the port is in use, or not permitted)."""

    exit_code = EXIT_STORE
    http_status = 500


class RemoteError(KBError):
    """The external store could not be reached, refused a request, or cut a result short."""

    exit_code = EXIT_STORE
    http_status = 502


class QueryError(KBError):
    """A SPARQL query could not be parsed or was refused."""

    exit_code = EXIT_QUERY
    http_status = 400


class ReadOnlyError(QueryError):
    """A query asked for something this read-only, offline service refuses (update, SERVICE)."""

    http_status = 403


class Refused(KBError):
    """A request the SPARQL server answers with an error status (logged): ``http_status`` is set
    for each refusal (413 for a body too large, 406 for a format it cannot send, …)."""

    exit_code = EXIT_QUERY
    http_status = 400

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.http_status = self.status = status
        self.message = message


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` reports a full disk (ENOSPC, also when an engine says so only in words)."""
    return getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in str(exc)


def io_reason(exc: OSError) -> str:
    """Why an I/O operation failed, in words: "the disk is full", else the system's own words."""
    return "the disk is full" if disk_full(exc) else exc.strerror or str(exc)

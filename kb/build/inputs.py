"""Input discovery: the paths a build is given, expanded into input files.

A folder is read recursively (hidden files and folders skipped, only files of a known format);
a file is read in the format its suffix says (or the one given). Each input file fills its own
named graph (see :mod:`kb.model.graphs`). No paths means the bundled seed dataset. Anything that
cannot be read (no such path, a FIFO or a device, an unknown suffix, a file given twice) is a
located :class:`~kb.errors.Problem`.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from kb.errors import Problem
from kb.loaders import LOADERS, InputFile, format_for, special_kind
from kb.model.graphs import file_graph, seed_graph

Found = tuple[list[InputFile], list[Problem]]


def seed_dir() -> Path:
    """The bundled seed dataset (YAML files shipped in the package)."""
    return Path(str(resources.files("kb") / "data" / "seed"))


def find_inputs(paths: Iterable[str | Path] | None, fmt: str | None = None) -> Found:
    """Expand paths (files and folders) into input files, and the problems met on the way; no
    paths means the bundled seed. ``fmt`` reads every file as that format."""
    given = None if paths is None else list(paths)
    if not given:
        return _seed()
    out: list[InputFile] = []
    problems: list[Problem] = []
    for raw in given:
        files, found = _expand(Path(raw), fmt)
        out.extend(files)
        problems.extend(found)
    return _once(out, problems)


def _problem(p: Path | str, message: str) -> Problem:
    return Problem(str(p), None, None, None, message)


def _seed() -> Found:
    seed = seed_dir()
    out = [InputFile(p, f"seed/{p.name}", seed_graph(p.name), "yaml") for p in sorted(seed.glob("*.yaml"))]
    return out, [] if out else [_problem(seed, "the bundled seed dataset is missing")]


def _expand(p: Path, fmt: str | None) -> Found:
    kind = _special(p)
    if kind is not None:
        return [], [_problem(p, f"{kind}, not a regular file or a folder; nothing was read")]
    if p.is_dir():
        return _folder(p, fmt)
    if p.is_file():
        return _file(p, fmt)
    return [], [_problem(p, "no such file or folder")]


def _folder(folder: Path, fmt: str | None) -> Found:
    """The loadable files under ``folder`` (hidden ones skipped), and those that are not regular."""
    candidates = [q for q in sorted(folder.rglob("*"))
                  if format_for(q) and not any(part.startswith(".") for part in q.relative_to(folder).parts)]
    problems = [_problem(q, f"{kind}, not a regular file; nothing was read")
                for q in candidates if (kind := _special(q)) is not None]
    found = [q for q in candidates if q.is_file()]
    if not found:
        problems.append(_problem(folder, "no loadable files in this folder"))
    return [_input(q, fmt) for q in found], problems


def _file(p: Path, fmt: str | None) -> Found:
    chosen = fmt or format_for(p)
    if chosen is None or chosen not in LOADERS:
        known = ", ".join(sorted(LOADERS))
        return [], [_problem(p, f"unknown file type '{p.suffix}'; known formats: {known}")]
    return [_input(p, chosen)], []


def _once(files: list[InputFile], problems: list[Problem]) -> Found:
    """Each file once (by its graph); a file given twice is a problem."""
    seen: dict[str, InputFile] = {}
    for f in files:
        if f.graph in seen:
            problems.append(_problem(f.display, "file given twice"))
        seen[f.graph] = f
    return list(seen.values()), problems


def _input(p: Path, fmt: str | None) -> InputFile:
    resolved = p.resolve()
    try:
        display = resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        display = resolved.as_posix()
    return InputFile(p, display, file_graph(display), fmt or format_for(p) or "")


def _special(p: Path) -> str | None:
    """What ``p`` is if it is neither a regular file nor a folder (a FIFO, a device, a socket)."""
    try:
        return special_kind(p.stat().st_mode)
    except OSError:
        return None

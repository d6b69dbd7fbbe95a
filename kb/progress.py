"""Progress bars for long work: rich on a terminal, silent otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def wanted(quiet: bool = False) -> bool:
    """Show progress only on an interactive terminal and when not asked to be quiet."""
    return not quiet and sys.stderr.isatty()


def track(items: Iterable[T], description: str, enabled: bool, total: int | None = None) -> Iterator[T]:
    """Iterate, drawing a progress bar on stderr when ``enabled``."""
    if not enabled:
        yield from items
        return
    from rich.console import Console
    from rich.progress import track as rich_track

    yield from rich_track(items, description=description, total=total, transient=True,
                          console=Console(stderr=True))

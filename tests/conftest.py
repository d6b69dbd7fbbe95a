"""Shared fixtures: a fresh store folder per test, and helpers to compare stores exactly."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from kb import KnowledgeBase
from kb.store import Store

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def kb(store_path: Path) -> KnowledgeBase:
    return KnowledgeBase(store_path)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented text file under tmp_path/data and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


def canonical_dump(path: Path) -> bytes:
    """Every quad of the published generation, canonical N-Quads sorted: equal bytes iff equal data."""
    store = Store(path)
    with store.reader() as db:
        lines = ox.serialize(db, format=ox.RdfFormat.N_QUADS).splitlines()
    return b"\n".join(sorted(lines))


@pytest.fixture
def dump() -> Callable[[Path], bytes]:
    return canonical_dump

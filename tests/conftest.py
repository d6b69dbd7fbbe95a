"""Shared fixtures: a fresh store folder per test, the seed built once, a file writer, the exact
store comparison, and a working folder outside the repository. Helpers are in helpers.py."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import CHROMIUM, CHROMIUM_FLAGS, REPO, canonical_dump

from kb import KnowledgeBase


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (skipped where Playwright is absent)."""
    sync = pytest.importorskip("playwright.sync_api")
    with sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def seed_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The bundled seed, built once; read it only (a test that builds into a seed makes its own)."""
    kb = KnowledgeBase(tmp_path_factory.mktemp("seed") / "store")
    kb.build()
    return kb


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


@pytest.fixture
def dump() -> Callable[[Path], bytes]:
    return canonical_dump


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A working folder outside the repository."""
    work = tmp_path_factory.mktemp("researcher") / "work"
    work.mkdir()
    assert not work.resolve().is_relative_to(REPO)
    return work

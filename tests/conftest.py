"""Shared fixtures: a fresh store folder per test, the seed built once, helpers to compare stores
exactly, and the scripts (generator, load test) as modules."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

from kb import KnowledgeBase
from kb.store import Store

REPO = Path(__file__).resolve().parent.parent


def load_script(name: str) -> ModuleType:
    """``scripts/NAME.py`` imported as the module NAME (the scripts are not a package)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


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


def canonical_dump(path: Path) -> bytes:
    """Every quad of the published generation, canonical N-Quads sorted: equal bytes iff equal data."""
    store = Store(path)
    with store.reader() as db:
        lines = ox.serialize(db, format=ox.RdfFormat.N_QUADS).splitlines()
    return b"\n".join(sorted(lines))


@pytest.fixture
def dump() -> Callable[[Path], bytes]:
    return canonical_dump


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A working folder outside the repository."""
    work = tmp_path_factory.mktemp("researcher") / "work"
    work.mkdir()
    assert not work.resolve().is_relative_to(Path(__file__).resolve().parent.parent)
    return work

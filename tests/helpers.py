"""Helpers the tests share (fixtures live in conftest.py): where the repository is, the scripts as
modules, the ``kb`` command run as a subprocess from a folder outside the repository (the way people
run it, with this checkout's code), an exact comparison of stores, and small shared datasets.

Tests import these from here, never from another test file."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

from kb.store import Store

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium, for the browser tests (the `browser` fixture)
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# two files of one dataset: the second refers to records of the first
A = """
actors:
  - {id: alice, name: Alice, kind: person}
events:
  - {id: ev1, label: Event one, date: 2020-10-01}
"""
B = """
sources:
  - {id: src, title: Report, kind: report, publisher: alice, date: 2020-10-05}
claims:
  - {id: c1, by: alice, stance: denies, about: ev1, text: "No.", stated_in: src}
"""


def browser_test(test: Callable) -> Callable:
    """Mark a test as driving Chromium; skip it (not fail) where Debian's chromium is absent."""
    absent = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is absent")
    return pytest.mark.browser(absent(test))


def load_script(name: str) -> ModuleType:
    """``scripts/NAME.py`` imported as the module NAME (the scripts are not a package)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def kb(*args: str, cwd: Path, store: Path | None = None, env: dict[str, str] | None = None,
       input: str | None = None) -> subprocess.CompletedProcess[str]:
    """``kb ARGS`` run in ``cwd`` (with ``--store`` when given), this checkout's code."""
    full = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="120")
    full.pop("KB_STORE", None)
    full.update(env or {})
    cmd = [sys.executable, "-m", "kb.cli", *(["--store", str(store)] if store else []), *args]
    return subprocess.run(cmd, cwd=cwd, env=full, capture_output=True, text=True, input=input,
                          timeout=300)


def canonical_dump(path: Path) -> bytes:
    """Every quad of the published generation, canonical N-Quads sorted: equal bytes iff equal data."""
    store = Store(path)
    with store.reader() as db:
        lines = ox.serialize(db, format=ox.RdfFormat.N_QUADS).splitlines()
    return b"\n".join(sorted(lines))

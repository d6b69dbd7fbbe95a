"""The ``kb`` command run as a subprocess from a folder outside the repository, the way people run
it, with this checkout's code (shared by the researcher-habit tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def kb(*args: str, cwd: Path, store: Path | None = None, env: dict[str, str] | None = None,
       input: str | None = None) -> subprocess.CompletedProcess[str]:
    """``kb ARGS`` run in ``cwd`` (with ``--store`` when given), this checkout's code."""
    full = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="120")
    full.pop("KB_STORE", None)
    full.update(env or {})
    cmd = [sys.executable, "-m", "kb.cli", *(["--store", str(store)] if store else []), *args]
    return subprocess.run(cmd, cwd=cwd, env=full, capture_output=True, text=True, input=input,
                          timeout=300)

"""In CI (CI=true) every external tool the tests use must be there: elsewhere a missing tool only
skips its tests, which in CI would hide that `scripts/test.sh` failed to install it."""

from __future__ import annotations

import os

import pytest
import sparql_servers
from helpers import CHROMIUM


@pytest.mark.skipif(not os.environ.get("CI"), reason="outside CI a missing tool skips its own tests")
def test_ci_installed_every_tool_the_tests_need():
    tools = {
        "Debian chromium (/usr/bin/chromium, for the browser tests)": CHROMIUM.exists(),
        "virtuoso-t (Debian virtuoso-opensource, the external SPARQL store)": sparql_servers.VIRTUOSO,
        "oxigraph (the Oxigraph server, from the 'oxigraph' package)": sparql_servers.OXIGRAPH,
    }
    assert [name for name, found in tools.items() if not found] == []

"""The documentation says what the code does: docs/cli.md is what --help prints and documents every
command, the help lists the exit codes of kb.errors (the table in docs/exit-codes.md is checked in
test_bad_inputs), every exception is defined in kb.errors, and the examples in the docstrings run."""

from __future__ import annotations

import doctest
import inspect

import pytest
from helpers import REPO, load_script

import kb.errors
import kb.exports
import kb.formats
from kb.cli import EXIT_CODES_HELP

cli_docs = load_script("cli_docs")


def test_the_help_lists_every_exit_code_once():
    for code, meaning in kb.errors.CODE_MEANINGS.items():
        assert f"{code} {meaning}" in EXIT_CODES_HELP


def test_every_exception_of_the_package_is_defined_in_kb_errors():
    """The modules that raise them import them from kb.errors (private control-flow ones aside)."""
    import kb.model.names
    import kb.sparql.endpoint
    import kb.sparql.push
    import kb.sparql.query
    import kb.sparql.serve

    for module in (kb.model.names, kb.sparql.endpoint, kb.sparql.query, kb.sparql.push, kb.sparql.serve):
        for name, cls in vars(module).items():
            if inspect.isclass(cls) and issubclass(cls, Exception) and not issubclass(cls, Warning) \
                    and not name.startswith("_") and cls.__module__.startswith("kb."):
                assert cls.__module__ == "kb.errors", (module.__name__, name)


def test_docs_cli_md_is_what_help_prints():
    assert (REPO / "docs" / "cli.md").read_text(encoding="utf-8") == cli_docs.render(), \
        "docs/cli.md is out of date: run python scripts/cli_docs.py"


def test_every_command_is_documented():
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    paths = list(cli_docs.commands())
    assert len(paths) >= 13
    for path in paths:
        assert f"\n## {' '.join(('kb', *path))}\n" in text, path


@pytest.mark.parametrize("module", [kb.exports, kb.formats, kb.errors], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module)
    assert result.failed == 0

"""The package layout: data flows one way (pyproject's import-linter contract) and no module imports
itself in a circle. Function complexity is ruff's C901 (max 15), run with the rest of ruff."""

import subprocess
import sys

import grimp
import networkx as nx
from helpers import REPO, load_script


def _import_graph() -> nx.DiGraph:
    graph = grimp.build_graph("kb", cache_dir=None)
    g = nx.DiGraph()
    for module in graph.modules:
        g.add_node(module)
        g.add_edges_from((module, imported) for imported in graph.find_modules_directly_imported_by(module))
    return g


def test_no_import_cycles():
    cycles = [sorted(c) for c in nx.strongly_connected_components(_import_graph()) if len(c) > 1]
    assert cycles == []


def test_lower_layers_never_import_higher():
    proc = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
                           " sys.exit(lint_imports_command())", "--config", str(REPO / "pyproject.toml"),
                           "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_top_level_module_has_a_layer():
    import tomllib

    layers = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]["layers"]
    named = {part.strip() for layer in layers for part in layer.split("|")}
    top = {m for m in _import_graph().nodes if m.count(".") == 1}
    assert top - named == set()


def test_the_architecture_page_is_up_to_date_and_names_every_module():
    layout_docs = load_script("layout_docs")
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert text == layout_docs.render(), "docs/architecture.md is out of date: run python scripts/layout_docs.py"
    for module in _import_graph().nodes:
        assert f"| `{module}` |" in text, module


def test_no_function_is_more_complex_than_15():
    """Radon's cyclomatic complexity (ruff's C901 checks mccabe's on every run too)."""
    from radon.complexity import cc_visit
    from radon.visitors import Class

    def blocks(found):  # functions, methods of classes and closures, at every depth
        for block in found:
            yield block
            yield from blocks([*getattr(block, "methods", ()), *getattr(block, "closures", ())])

    over = [f"{path.relative_to(REPO)}:{block.lineno} {block.fullname} {block.complexity}"
            for folder in ("kb", "scripts") for path in sorted((REPO / folder).rglob("*.py"))
            for block in blocks(cc_visit(path.read_text(encoding="utf-8")))
            if block.complexity > 15 and not isinstance(block, Class)]
    assert over == []

"""Works the way a researcher works (issue 18, items 4, 2 and 12): format names and aliases, the
vocabulary's own words, notebooks. Through the ``kb`` command run as a subprocess from a folder
outside the repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import REPO, kb


@pytest.fixture(scope="module")
def seeded(outside) -> Path:
    r = kb("-q", "build", cwd=outside)
    assert r.returncode == 0, r.stderr
    return outside / ".kb"


def _statements(r: subprocess.CompletedProcess[str]) -> int:
    assert r.returncode == 0, r.stderr
    return int(r.stdout.rsplit("statements in", 1)[0].split()[-1])


# -- 4. one table of format names, RDF/XML in and out ---------------------------------------------

@pytest.mark.parametrize("name", ["ttl", "turtle", "Turtle", "json-ld", "jsonld", "JSON-LD", "xml", "owl",
                                  "rdf", "rdfxml", "RDF/XML", "n-triples"])
def test_every_name_of_a_format_exports_and_imports_the_same_statements(seeded, outside, tmp_path, name):
    out = tmp_path / "out.data"
    r = kb("export", "-f", name, "-o", str(out), cwd=outside)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 1000
    imported = kb("import", name, str(out), cwd=outside, store=tmp_path / "copy")
    assert imported.returncode == 0, imported.stderr
    seed = _statements(kb("stats", cwd=outside))
    assert _statements(kb("stats", cwd=outside, store=tmp_path / "copy")) == seed


def test_rdfxml_is_real_rdfxml_and_found_by_its_endings(seeded, outside, tmp_path):
    import rdflib

    for ending in (".rdf", ".owl"):
        out = tmp_path / f"kb{ending}"
        r = kb("export", "-o", str(out), cwd=outside)
        assert r.returncode == 0 and "(rdfxml)" in r.stdout, r.stderr
        assert out.read_text(encoding="utf-8").startswith("<?xml")
        g = rdflib.Graph().parse(out, format="xml")  # another tool reads it
        built = kb("build", str(out), cwd=outside, store=tmp_path / f"from{ending}")
        assert _statements(built) == len(g) > 100


def test_an_unknown_format_lists_the_names(seeded, outside, tmp_path):
    for args in (["export", "-f", "owlx", "-o", str(tmp_path / "x")], ["import", "owlx", str(tmp_path)]):
        r = kb(*args, cwd=outside)
        assert r.returncode == 2
        assert "unknown" in r.stderr and "'owlx'" in r.stderr
        assert "rdfxml (rdf/xml, xml, owl, rdf)" in r.stderr and "jsonld (json-ld)" in r.stderr
    assert not (tmp_path / "x").exists()


def test_a_broken_rdfxml_file_is_refused_and_nothing_stored(outside, tmp_path):
    bad = tmp_path / "bad.rdf"
    bad.write_text('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<foo>\n</rdf:RDF>\n')
    r = kb("build", str(bad), cwd=outside, store=tmp_path / "s")
    assert r.returncode == 1 and "bad.rdf" in r.stderr and "RDF syntax error" in r.stderr


# -- 2. the vocabulary's own words -----------------------------------------------------------------

SEED = REPO / "kb" / "data" / "seed"


def _seed_copy(tmp_path: Path, old: str, new: str) -> Path:
    """The seed dataset in ``tmp_path/data`` with the first source written ``kind: old`` rewritten."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(SEED, data)
    sources = data / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    assert f"kind: {old}\n" in text
    sources.write_text(text.replace(f"kind: {old}\n", f"kind: {new}\n", 1), encoding="utf-8")
    return data


@pytest.mark.parametrize("word", ["Official statement", "official  STATEMENT", "statement"])
def test_a_label_is_accepted_where_a_code_is_asked(outside, tmp_path, word):
    data = _seed_copy(tmp_path, "statement", word)
    r = kb("build", str(data), cwd=outside, store=tmp_path / "s")
    assert r.returncode == 0, r.stderr
    stats = kb("stats", "--json", cwd=outside, store=tmp_path / "s")
    assert kb("-q", "build", cwd=outside, store=tmp_path / "seed").returncode == 0
    seed = kb("stats", "--json", cwd=outside, store=tmp_path / "seed")
    import json

    assert json.loads(stats.stdout)["classes"] == json.loads(seed.stdout)["classes"]


def test_a_misspelt_word_suggests_the_nearest_code_with_its_label(outside, tmp_path):
    data = _seed_copy(tmp_path, "statement", "statment")
    r = kb("build", str(data), cwd=outside, store=tmp_path / "s")
    assert r.returncode == 1
    assert "sources.yaml:" in r.stderr and "did you mean 'statement' (Official statement)?" in r.stderr
    assert not (tmp_path / "s" / "store").exists() or "nothing was stored" in r.stderr

"""Derived data per store generation (kb.build.derived) and its first user, place containment
(kb.build.containment): computed at build time, used only by readers of that generation,
recomputed otherwise, never trusted across generations."""

from __future__ import annotations

import json
import shutil

import pytest

from kb import KnowledgeBase
from kb.build.containment import CONTAINMENT, places_inside
from kb.build.derived import Derivation, compute_all, load
from kb.errors import InputError
from kb.store import Store

PLACES = """
places:
  - {id: country, name: Country}
  - {id: region, name: Region, part_of: [country]}
  - {id: district, name: District, part_of: [region]}
  - {id: town, name: Town, aliases: ["Tawn@xx"], part_of: [district]}
  - {id: town-2, name: Town (second record), same_as: [town]}
  - {id: elsewhere, name: Elsewhere}
"""
BASE = "https://w3id.org/evkb/id/"


def _inside(kb: KnowledgeBase, place: str, **kw) -> dict:
    with kb.endpoint() as ep:
        data = load(ep.snapshot, CONTAINMENT, ep.select, **kw)
    return places_inside(data, BASE + place)


def test_containment_at_several_depths_with_its_chain(kb, write):
    kb.build([write("places.yaml", PLACES)])
    inside = _inside(kb, "country")
    assert set(inside) == {BASE + p for p in ("country", "region", "district", "town", "town-2")}
    chain = inside[BASE + "town"]
    assert [(c.rsplit("/", 1)[-1], p.rsplit("/", 1)[-1], how, by) for c, p, how, by in chain] == [
        ("town", "district", "part_of", "town"), ("district", "region", "part_of", "district"),
        ("region", "country", "part_of", "region")]
    assert next(how for _c, _p, how, _by in inside[BASE + "town-2"]) == "same_as"
    assert set(_inside(kb, "district")) == {BASE + p for p in ("district", "town", "town-2")}
    assert set(_inside(kb, "elsewhere")) == {BASE + "elsewhere"}


def test_build_writes_it_beside_its_generation_and_counts_its_cost(kb, write):
    report = kb.build([write("places.yaml", PLACES)])
    assert "containment" in report.derived and report.derived["containment"] >= 0
    store = Store(kb.path)
    with store.snapshot() as snap:
        assert snap.derived_dir == kb.path / "gen" / f"{snap.generation}.derived"
        assert snap.derived(CONTAINMENT.file) is not None


def test_readers_recompute_when_the_generation_has_none_or_another(kb, write):
    kb.build([write("places.yaml", PLACES)])
    stored = _inside(kb, "country")
    assert _inside(kb, "country", use_stored=False) == stored
    first = Store(kb.path).current()
    old = (kb.path / "gen" / f"{first}.derived" / CONTAINMENT.file).read_bytes()
    kb.build([write("more.yaml", "places:\n  - {id: village, name: Village, part_of: [town]}\n")])
    second = Store(kb.path).current()
    assert second != first
    assert BASE + "village" in _inside(kb, "country")
    # generation 1's data copied beside generation 2: not trusted, recomputed (village is found)
    (kb.path / "gen" / f"{second}.derived" / CONTAINMENT.file).write_bytes(old)
    assert BASE + "village" in _inside(kb, "country")
    shutil.rmtree(kb.path / "gen" / f"{second}.derived")  # a store built before derived data
    assert BASE + "village" in _inside(kb, "country")


def test_dry_run_and_failed_builds_leave_no_derived_data(kb, write):
    kb.build([write("places.yaml", PLACES)])
    before = sorted(p.name for p in (kb.path / "gen").iterdir())
    kb.build([write("x.yaml", "places:\n  - {id: x, name: X, part_of: [country]}\n")], dry_run=True)
    bad = write("bad.yaml", "places:\n  - {id: y, name: Y, part_of: [nowhere]}\n")
    with pytest.raises(InputError):
        kb.build([bad])
    assert sorted(p.name for p in (kb.path / "gen").iterdir()) == before


def test_old_generations_lose_their_derived_data_with_them(kb, write):
    kb.build([write("places.yaml", PLACES)])
    first = Store(kb.path).current()
    kb.build([write("more.yaml", "places:\n  - {id: village, name: Village}\n")])
    names = {p.name for p in (kb.path / "gen").iterdir()}
    assert f"{first}.derived" not in names and f"{Store(kb.path).current()}.derived" in names


def test_extra_derivations_are_computed_at_build_time(store_path, write):
    from kb.build import pipeline

    counted = Derivation("place-count", 1, lambda select: len(list(select(
        "SELECT ?s WHERE { GRAPH ?g { ?s a <https://w3id.org/evkb/ns#Place> } }"))))
    report = pipeline.build(Store(store_path), [write("places.yaml", PLACES)], base=BASE,
                            derivations=(counted,))
    assert set(report.derived) == {"containment", "place-count"}
    with Store(store_path).snapshot() as snap:
        assert load(snap, counted, lambda q: iter(())) == 6  # stored: the select is not used
        assert compute_all(snap.db, snap.generation, [counted])[counted.file] == snap.derived(counted.file)


def test_conflicts_are_kept_by_the_first_reader_and_equal_those_computed_now(tmp_path, outside):
    from helpers import kb as kb_cli

    from kb.analysis.conflicts import CONFLICTS, KINDS

    kb = KnowledgeBase(tmp_path / "store")
    report = kb.build()  # the seed
    assert "conflicts" not in report.derived  # not at build time: a small change stays small
    with kb.endpoint() as ep:
        folder = ep.snapshot.derived_dir
    assert not (folder / CONFLICTS.file).exists()
    assert kb.conflicts(use_stored=False) and not (folder / CONFLICTS.file).exists()  # --no-cache keeps none
    (folder / "conflicts.v1.json").write_text("{}")  # what an older kb kept: replaced, not left beside
    first = kb.conflicts()  # the generation's first reader computes them and keeps them
    assert (folder / CONFLICTS.file).is_file() and not (folder / "conflicts.v1.json").exists()
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    stored, fresh = kb.conflicts(), kb.conflicts(use_stored=False)
    assert first == stored
    assert len(stored) >= 5 and stored == fresh
    for kind in KINDS:
        assert kb.conflicts(kind=kind) == kb.conflicts(kind=kind, use_stored=False)
    actor = stored[0].claimant
    assert kb.conflicts(actor=actor) == kb.conflicts(actor=actor, use_stored=False) != []
    assert kb.conflicts(min_independent=2) == kb.conflicts(min_independent=2, use_stored=False)
    for fmt in ("json", "table", "markdown"):
        args = ("conflicts", "--format", fmt)
        cached = kb_cli(*args, cwd=outside, store=tmp_path / "store")
        recomputed = kb_cli(*args, "--no-cache", cwd=outside, store=tmp_path / "store")
        assert cached.returncode == 0 and cached.stdout == recomputed.stdout and len(cached.stdout) > 500
    # what is read is what was stored for this generation: a stored finding changed shows, and
    # --no-cache (or a copy for another generation) does not
    with kb.endpoint() as ep:
        snapshot = ep.snapshot
    path = snapshot.derived_dir / CONFLICTS.file
    raw = path.read_text(encoding="utf-8")
    changed = json.loads(raw)
    changed["data"][0]["score"] = 1e9
    path.write_text(json.dumps(changed), encoding="utf-8")
    from kb.build import derived

    derived._MEMO.clear()  # a new process would not have the first read in memory
    assert max(c.score for c in kb.conflicts()) == 1e9
    assert max(c.score for c in kb.conflicts(use_stored=False)) < 1e9
    changed["generation"] = "000000"
    path.write_text(json.dumps(changed), encoding="utf-8")
    derived._MEMO.clear()
    assert kb.conflicts() == fresh


def test_a_new_generation_never_reads_the_findings_kept_by_the_one_before(kb, tmp_path):
    """The findings kept for one generation are not read for the next: a change that adds a
    finding shows at once, and the new generation keeps its own."""
    from kb.analysis.conflicts import CONFLICTS

    kb.build()
    before = kb.conflicts()
    with kb.endpoint() as ep:
        old = ep.snapshot.derived_dir
    extra = tmp_path / "extra.yaml"
    extra.write_text("""actors:
  - {id: extra-witness, name: Extra witness, kind: person}
  - {id: extra-ministry, name: Extra ministry, kind: organization}
sources:
  - {id: extra-testimony, title: Extra testimony, kind: testimony, author: extra-witness, date: 2021-01-02}
events:
  - id: extra-event
    label: An event the extra witness saw
    documented_by: [{source: extra-testimony, evidence: eyewitness}]
claims:
  - {id: extra-denial, by: extra-ministry, stance: denies, about: extra-event, text: "It never happened."}
""")
    kb.build([extra])
    after = kb.conflicts()
    with kb.endpoint() as ep:
        new = ep.snapshot.derived_dir
    assert new != old and (new / CONFLICTS.file).is_file()
    assert any(c.claim == "extra-denial" for c in after) and not any(c.claim == "extra-denial" for c in before)
    assert after == kb.conflicts(use_stored=False)


def test_a_store_that_cannot_be_written_still_answers_and_keeps_nothing(tmp_path):
    """Derived data is a copy: where the generation's folder cannot be written (read-only media, a
    store shared read-only), readers compute what they need and nothing is kept or reported."""
    import os

    from kb.analysis.conflicts import CONFLICTS
    from kb.build import derived

    kb = KnowledgeBase(tmp_path / "store")
    kb.build()
    expected = kb.conflicts(use_stored=False)
    with kb.endpoint() as ep:
        folder = ep.snapshot.derived_dir
    gen = folder.parent
    if os.geteuid() == 0:  # root writes through permissions: make the folder's place a file instead
        (folder / CONFLICTS.file).unlink(missing_ok=True)
        blocked = folder.with_name(folder.name + ".moved")
        folder.rename(blocked)
        folder.write_text("not a folder")
        try:
            derived._MEMO.clear()
            assert kb.conflicts() == expected and folder.is_file()
        finally:
            folder.unlink()
            blocked.rename(folder)
    else:
        gen.chmod(0o555)
        folder.chmod(0o555)
        try:
            derived._MEMO.clear()
            assert kb.conflicts() == expected and not (folder / CONFLICTS.file).exists()
        finally:
            gen.chmod(0o755)
            folder.chmod(0o755)


def test_stats_are_kept_by_the_first_reader_and_follow_each_generation(kb, tmp_path):
    from kb.analysis.stats import STATS

    kb.build()
    first = kb.stats()
    with kb.endpoint() as ep:
        folder = ep.snapshot.derived_dir
    assert (folder / STATS.file).is_file()
    assert kb.stats() == first and first.classes["Claim"] > 0 and first.triples > 0
    extra = tmp_path / "extra.yaml"
    extra.write_text("actors:\n  - {id: stats-extra, name: Stats extra, kind: person}\n")
    kb.build([extra])
    after = kb.stats()
    assert after.triples > first.triples and after.classes["Person"] == first.classes["Person"] + 1


def test_the_first_reader_holds_no_graph_or_index_beside_the_findings(tmp_path):
    """Once the findings are made, the candidate graph and the walk's index are freed at once (by
    reference counting, the cyclic collector paused as during the walk): neither is held beside
    the findings while they are encoded, kept and read back (a third of the peak at ten million)."""
    import gc

    import networkx as nx

    from kb.analysis.conflicts import CONFLICTS, _Index
    from kb.build import derived

    kb = KnowledgeBase(tmp_path / "store")
    kb.build()
    derived._MEMO.clear()
    with derived.collector_paused():
        gc.collect()
        first = kb.conflicts()  # computed, encoded, kept, read back
        alive = gc.get_objects()  # what the paused collector has not freed: cycles included
        assert [o for o in alive if isinstance(o, _Index)] == []
        assert [o for o in alive if isinstance(o, nx.MultiDiGraph) and len(o)] == []
        assert len(first) >= 5 and all(type(c).__name__ == "Conflict" for c in first)
    with kb.endpoint() as ep:
        assert (ep.snapshot.derived_dir / CONFLICTS.file).is_file()
    derived._MEMO.clear()
    assert kb.conflicts() == first == kb.conflicts(use_stored=False)  # read back, and computed now

"""The same fact-check met again: one review, in versions, never a ``duplicate id``.

A review (an imported ClaimReview, :class:`kb.loaders.base.ReviewVersion`) is identified by its
``url`` (else ``@id``) and the claim it reviews (the reviewed words and the claimant, by
:func:`kb.model.names.key`); its records are named from that identity and a digest of everything
imported from it (``factcheck-<identity>--<content>``). Met again, in a later file of the same
build or in a later build against what is stored:

* with **identical content**, it is skipped with a warning naming where it was met first;
* with **other content** (a correction, a new rating), it is kept as a new version, in its own
  file's graph, linked by ``prov:wasRevisionOf`` to the version it revises: versions are ordered
  by ``dateModified`` (else ``datePublished``), the one met later counting as newer when a date
  is missing or equal. A version older than one already stored is linked from that newer one by a
  statement in its own file's graph (what is stored is never rewritten). Both stay: a
  fact-checker's correction is evidence too.

A claim's appearance source (made by url, the same from any feed) already stored or made by an
earlier file of the build is not made again; the other records refer to the one there.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from kb.loaders.base import Parsed, ReviewVersion
from kb.model.graphs import graph_display
from kb.model.records import Record, iri_for
from kb.model.terms import DCTERMS, EV, PROV, SCHEMA
from kb.store import Store

FACTCHECK = "factcheck-"
_STORED = f"""SELECT ?g ?id ?date ?mod WHERE {{ GRAPH ?g {{ ?s a <{EV.FactCheck}> ; <{DCTERMS.identifier}> ?id
    FILTER(STRSTARTS(?id, "{FACTCHECK}")) OPTIONAL {{ ?s <{DCTERMS.date}> ?date }}
    OPTIONAL {{ ?s <{SCHEMA.dateModified}> ?mod }} }} }}"""


@dataclass
class _Known:
    """A version met so far: stored, or made by a file of this build (then ``record`` is its
    fact-check record and ``parsed`` its file)."""

    factcheck: str
    content: str
    date: str | None
    where: str
    order: int
    record: Record | None = None
    parsed: Parsed | None = None


def _older(a: _Known, b: _Known) -> int:
    """Order of versions: by date where both have one and they differ, else as met."""
    if a.date and b.date and a.date != b.date:
        return -1 if a.date < b.date else 1
    return -1 if a.order < b.order else (1 if a.order > b.order else 0)


def settle(parsed: list[Parsed], store: Store | None, base: str) -> None:
    """Skip the reviews met again with identical content, link the new versions of the others,
    and drop the shared records already made (see above); warnings go to each file's list."""
    versions = [(p, v) for p in parsed for v in p.reviews]
    shared = [p for p in parsed if p.shared]
    if not versions and not shared:
        return
    replaced = {p.input.graph for p in parsed}
    if versions:
        keys = {v.key for _p, v in versions}
        _versions(parsed, versions, _stored(store, replaced, keys) if store is not None else {}, base)
    if shared:
        _shared(shared, store, replaced)


def _versions(parsed: list[Parsed], versions: list[tuple[Parsed, ReviewVersion]],
              known: dict[str, list[_Known]], base: str) -> None:
    """Meet each review of the batch in order (see :func:`_meet`); drop those skipped."""
    wanted = {v.factcheck for _p, v in versions}
    factchecks = {rec.id: rec for p in parsed if p.reviews for rec in p.records if rec.id in wanted}
    skipped = {id(v) for order, (p, v) in enumerate(versions, start=1)
               if not _meet(p, v, known.setdefault(v.key, []), order, base, factchecks.get(v.factcheck))}
    if skipped:
        _drop(parsed, skipped)


def _drop(parsed: list[Parsed], skipped: set[int]) -> None:
    """Remove the records of the skipped reviews (by ``id()`` of their versions)."""
    for p in parsed:
        drop = {r for v in p.reviews if id(v) in skipped for r in v.records}
        if drop:
            p.records[:] = [r for r in p.records if r.id not in drop]
            p.reviews[:] = [v for v in p.reviews if id(v) not in skipped]


def _stored(store: Store, replaced: set[str], keys: set[str]) -> dict[str, list[_Known]]:
    """The stored versions of the reviews whose identity is among ``keys``."""
    out: dict[str, list[_Known]] = {}
    with store.reader() as db:
        for r in db.query(_STORED):
            graph, rid = r["g"].value, r["id"].value
            rkey, _, content = rid[len(FACTCHECK):].rpartition("--")
            if graph in replaced or rkey not in keys:
                continue
            date = r["mod"] or r["date"]
            out.setdefault(rkey, []).append(_Known(
                rid, content, date.value if date is not None else None,
                f"{rid} (already in the knowledge base, from {graph_display(graph)})", 0))
    return out


def _meet(p: Parsed, v: ReviewVersion, earlier: list[_Known], order: int, base: str,
          record: Record | None) -> bool:
    """One review of the batch (``record``: its fact-check) against the versions of it met
    before; whether it is kept."""
    same = next((k for k in earlier if k.content == v.content), None)
    if same is not None:
        p.warnings.append(f"{v.label}: the same review as {same.where} (identical content); skipped")
        return False
    this = _Known(v.factcheck, v.content, v.date, v.label, order, record, p)
    if earlier and record is not None:
        p.warnings.append(f"{v.label}: {_place(this, earlier, record, base)} (prov:wasRevisionOf)")
    earlier.append(this)
    return True


def _place(this: _Known, earlier: list[_Known], record: Record, base: str) -> str:
    """Link a new version between the versions met before (by date); say how."""
    ordered = sorted([*earlier, this], key=functools.cmp_to_key(_older))
    at = ordered.index(this)
    before = ordered[at - 1] if at else None
    after = ordered[at + 1] if at + 1 < len(ordered) else None
    how = []
    if before is not None:
        _revises(record, before.factcheck)
        how.append(f"a revision of {before.factcheck}")
    if after is not None and this.parsed is not None:
        _link_newer(after, this, this.parsed, base)
        how.append(f"superseded by {after.factcheck}")
    where = (before or after or this).where
    return (f"another version of the review {where} (other content): kept as {this.factcheck}, "
            + ", ".join(how))


def _revises(record: Record, older: str) -> None:
    """``record`` (a fact-check) is a revision of ``older`` (replacing a link to an older one)."""
    record.values["revision_of"] = [(older, record.loc)]
    record.field_locs["revision_of"] = record.loc


_WAS_REVISION_OF = ox.NamedNode(str(PROV.wasRevisionOf))


def _link_newer(newer: _Known, this: _Known, p: Parsed, base: str) -> None:
    """The newer version ``newer`` revises ``this`` (which is older, though met later)."""
    if newer.record is not None:
        _revises(newer.record, this.factcheck)
        return
    p.quads.append(ox.Quad(ox.NamedNode(iri_for(base, newer.factcheck)), _WAS_REVISION_OF,
                           ox.NamedNode(iri_for(base, this.factcheck)), ox.NamedNode(p.input.graph)))


_IDENTIFIER = ox.NamedNode(str(DCTERMS.identifier))


def _shared(files: Iterable[Parsed], store: Store | None, replaced: set[str]) -> None:
    """Drop a shared record (an appearance source) that is stored or made by an earlier file; a
    warning when its details differ from the one kept."""
    made: dict[str, tuple[Record, str]] = {}
    for p in files:
        stored = _stored_ids(store, p.shared - set(made), replaced) if store is not None else {}
        keep = []
        for rec in p.records:
            rid = rec.id or ""
            if rid not in p.shared or (rid not in made and rid not in stored):
                keep.append(rec)
                if rid in p.shared:
                    made[rid] = (rec, p.input.display)
                continue
            if rid in made and _values(made[rid][0]) != _values(rec):
                p.warnings.append(f"{rec.loc.file}:{rec.loc.line}:{rec.loc.column}: source {rid} is "
                                  f"made by {made[rid][1]} already, with other details; that one is kept")
        p.records[:] = keep


def _values(rec: Record) -> dict[str, list[str]]:
    return {k: sorted(str(v) for v, _loc in vs) for k, vs in rec.values.items()}


def _stored_ids(store: Store, ids: set[str], replaced: set[str]) -> dict[str, str]:
    """Id -> graph of the records among ``ids`` stored outside the graphs being replaced."""
    out: dict[str, str] = {}
    with store.reader() as db:
        for rid in ids:
            for q in db.quads_for_pattern(None, _IDENTIFIER, ox.Literal(rid), None):
                if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value not in replaced:
                    out[rid] = q.graph_name.value
                    break
    return out

"""Derived data per store generation: computed once, kept beside the generation.

A store generation never changes once published (:mod:`kb.store`), so whatever is computed from
it can be computed once and kept in ``gen/N.derived/`` beside it, in one of two ways:

- at build time, as the build's transaction finishes (place containment,
  :mod:`kb.build.containment`, which every reader of places needs): its cost is part of the build
  (``BuildReport.derived``: seconds per derivation);
- on first use (the findings, :data:`kb.analysis.conflicts.CONFLICTS`, whose cost grows with the
  whole knowledge base however small a change is): the first reader of a generation that has none
  computes it and keeps it there (:meth:`kb.store.Snapshot.keep`); every later reader of that
  generation reads it back.

Readers call :func:`load` with the :class:`~kb.store.Snapshot` they read: the stored data is used
only when it was written for that very generation, by the same derivation at the same version;
otherwise (an older store, a generation not read before, a dry run, a remote endpoint,
``use_stored=False``) it is computed from what the reader sees. Nothing derived is ever trusted
across generations: each file names the generation, derivation and version it was computed for,
and is checked against them.

A derivation computes from SPARQL SELECT rows only (a ``select(query) -> rows of strings``
function), so the same code runs on the build's transaction, on a local snapshot and through a
remote endpoint (:class:`kb.sparql.endpoint.Endpoint`'s ``select``).
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pyoxigraph as ox

from kb.store import Snapshot, select_rows

Select = Callable[[str], Iterator[dict[str, str]]]


@dataclass(frozen=True)
class Derivation:
    """Something computed from a whole generation: ``compute(select)`` gives JSON-serialisable
    data; ``read``, when given, makes what readers use of the data as decoded from its JSON (the
    list it is given may be reused for the result). Raise ``version`` whenever the data's form or
    meaning changes."""

    name: str
    version: int
    compute: Callable[[Select], Any]
    read: Callable[[Any], Any] | None = None

    @property
    def file(self) -> str:
        return f"{self.name}.v{self.version}.json"


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while millions of objects are made that live on
    (a build's records, terms and quads; a million findings read back): each full collection walks
    all of them (half of the time of a 100 000-row import, a third of reading the findings of a
    million statements). Reference counting still frees everything as usual."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def encode(derivation: Derivation, generation: str, data: Any) -> bytes:
    """``data`` as the JSON kept for ``generation`` (dataclasses are written as objects, tuples as
    lists, by orjson: several times faster than the standard library on a million findings)."""
    head = {"derivation": derivation.name, "version": derivation.version, "generation": generation}
    return orjson.dumps({**head, "data": data})


def decode(derivation: Derivation, generation: str, raw: bytes) -> tuple[bool, Any]:
    """(True, data) if ``raw`` was computed by ``derivation`` (same version) from ``generation``."""
    try:
        stored = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False, None
    ok = isinstance(stored, dict) and (stored.get("derivation"), stored.get("version"),
                                        stored.get("generation")) == (
        derivation.name, derivation.version, generation)
    return ok, stored.get("data") if ok else None


def compute_all(db: ox.Store, generation: str, derivations: Iterable[Derivation],
                seconds: dict[str, float] | None = None) -> dict[str, bytes]:
    """Every derivation of ``db`` (the generation ``generation`` about to be published), encoded;
    the time each took goes into ``seconds``."""
    out: dict[str, bytes] = {}
    for d in derivations:
        started = time.perf_counter()
        out[d.file] = encode(d, generation, d.compute(lambda q: select_rows(db, q)))
        if seconds is not None:
            seconds[d.name] = time.perf_counter() - started
    return out


_MEMO: OrderedDict[tuple[str, str, str], Any] = OrderedDict()  # (derived folder, generation, file)
_MEMO_SIZE = 8


def load(snapshot: Snapshot | None, derivation: Derivation, select: Select, *,
         use_stored: bool = True) -> Any:
    """The derivation's data for what ``select`` reads: the copy stored with ``snapshot``'s
    generation when there is one for exactly that generation (and ``use_stored``), else computed
    now from ``select`` and, for a published generation, kept with it for the next reader."""
    if not use_stored or snapshot is None or snapshot.generation is None or snapshot.derived_dir is None:
        return derivation.compute(select)
    key = (str(snapshot.derived_dir), snapshot.generation, derivation.file)
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key]
    raw = snapshot.derived(derivation.file)
    ok, data = decode(derivation, snapshot.generation, raw) if raw is not None else (False, None)
    del raw
    if not ok:  # the computed data is freed once encoded: never held beside its decoded copy
        encoded = encode(derivation, snapshot.generation, derivation.compute(select))
        if snapshot.keep(derivation.file, encoded):  # and the copies an older kb kept, no longer read
            for old in snapshot.derived_dir.glob(f"{derivation.name}.v*.json"):
                if old.name != derivation.file:
                    old.unlink(missing_ok=True)
        data = decode(derivation, snapshot.generation, encoded)[1]  # as a later reader will see it
        del encoded
    if derivation.read is not None:
        data = derivation.read(data)
    _MEMO[key] = data
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return data


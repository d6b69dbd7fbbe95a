"""Name keys: every name and alias of a record, normalised once at build time.

For each record written by a build (a subject with a ``dcterms:identifier`` and an ``rdfs:label``
or ``skos:altLabel``), one ``ev:nameKey`` statement per distinct :func:`kb.model.names.key` of its
names goes into the same file graph as the names, so replacing the file replaces its keys and
``kb push`` sends them with everything else. The named queries and ``--actor``/``--param`` then
find a record by name with one index lookup (``?r ev:nameKey "susa"``) instead of lower-casing
every stored name. Keys are derived data: the triple exports and the projection leave them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from kb.model.names import key
from kb.model.terms import DCTERMS, EV, RDFS, SKOS

NAME_KEY = ox.NamedNode(str(EV.nameKey))
_IDENTIFIER = ox.NamedNode(str(DCTERMS.identifier))
_NAMES = (ox.NamedNode(str(RDFS.label)), ox.NamedNode(str(SKOS.altLabel)))


def name_key_quads(db: ox.Store, graph: ox.NamedNode) -> Iterator[ox.Quad]:
    """The ``ev:nameKey`` statements of the records in ``graph`` (not yet written), as they are
    found: a name with two spellings of one key gives the statement twice (a store holds it once).
    Read as three one-predicate scans joined here: Oxigraph's join of identifier and names took four
    times as long (7.2 s against 1.7 s for the 212 933 names of a million statements). Only the
    identified subjects are held (as strings: 133 bytes each, set included, for the 182 344
    records of a million statements)."""
    scan = "SELECT ?s ?o WHERE {{ GRAPH {g} {{ ?s {p} ?o }} }}"
    ids = f"SELECT ?s WHERE {{ GRAPH {graph} {{ ?s {_IDENTIFIER} [] }} }}"  # subjects only: a fifth faster
    records = {s.value for (s,) in db.query(ids)}
    for predicate in _NAMES:
        for s, name in db.query(scan.format(g=graph, p=predicate)):
            if s.value in records and (k := key(name.value)):
                yield ox.Quad(s, NAME_KEY, ox.Literal(k), graph)


def name_key_quads_of(named: Iterable[tuple[ox.NamedNode | ox.BlankNode, str]], quads: Iterable[ox.Quad],
                      graph: ox.NamedNode) -> list[ox.Quad]:
    """The same statements as :func:`name_key_quads`, without a query of the store: from the
    (subject, name) pairs the record compiler noted (:attr:`kb.model.records.Compiled.names`) and
    from the other ``quads`` a file's graph will hold (scanned)."""
    identified: set[ox.NamedNode | ox.BlankNode] = set()
    names: list[tuple[ox.NamedNode | ox.BlankNode, str]] = []
    for q in quads:
        p = q.predicate
        if p == _IDENTIFIER:
            identified.add(q.subject)
        elif p in _NAMES:
            names.append((q.subject, q.object.value))
    seen = {(s, k) for s, name in names if s in identified for k in (key(name),) if k}
    seen.update((s, k) for s, name in named for k in (key(name),) if k)
    return [ox.Quad(s, NAME_KEY, ox.Literal(k), graph) for s, k in seen]

"""Statements bulk-loaded in bounded pieces, two at a time, so that a build's memory does not grow
with its input and both cores load.

Oxigraph's bulk loader holds each batch it sorts in memory (about 1 KB a statement, up to a
million statements for each of its two threads: 2.1 GB at ten million statements), and releases
Python's lock while it parses and loads text. So:

- an N-Triples file (:func:`bulk_load_lines`) is cut at line ends into pieces of
  :data:`CHUNK_BYTES`, each bulk-loaded on its own, two at a time: measured at 11 870 524
  statements, 70–83 s and 0.7 GB against 75 s and 2.1 GB for the whole file in one call;
- statements made in Python (:func:`bulk_extend`: a compiled YAML, CSV or ACLED batch, the name
  keys) are serialised as N-Quads by Oxigraph, :data:`BATCH` at a time, and each piece is loaded
  the same way: measured at 1 186 976 statements, 5.7 s against 9.9 s for one ``bulk_extend`` of
  them all (which also holds Python's lock while it copies them) and 8.4 s for ``bulk_extend`` in
  batches.

Oxigraph gives the blank nodes of a text it loads fresh names, so a blank node label shared by two
pieces would become two nodes. From the first piece of a file that may hold a label (``_:``
anywhere in it, a literal or IRI included) to the end, the file is loaded in one call; statements
made in Python that hold a blank node (or a triple term) are given to ``bulk_extend`` as they are,
so each node stays the node it was. A syntax error's line is counted from the start of the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

CHUNK_BYTES = 32 << 20
IN_FLIGHT = 2  # pieces loaded at once (the machine's cores; each holds its own batch)
BATCH = 200_000  # statements made in Python serialised into one piece


def _pieces(fh: BinaryIO, size: int) -> Iterator[tuple[int, bytes]]:
    """(byte offset, piece) for consecutive pieces of whole lines, each about ``size`` bytes."""
    offset, rest = 0, b""
    while block := fh.read(size):
        block = rest + block
        cut = block.rfind(b"\n") + 1
        rest = block[cut:]
        if cut:
            yield offset, block[:cut]
            offset += cut
    if rest:
        yield offset, rest


def bulk_load_lines(db: ox.Store, path: Path, graph: ox.NamedNode | ox.DefaultGraph,
                    chunk_bytes: int | None = None) -> None:
    """Bulk-load the N-Triples file ``path`` into ``graph`` of ``db`` in pieces of about
    ``chunk_bytes`` (:data:`CHUNK_BYTES`); a ``SyntaxError`` carries the line (``lineno``) in the
    whole file."""
    fmt = ox.RdfFormat.N_TRIPLES
    lines_before = 0
    with open(path, "rb") as fh, ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="kb-load") as pool:
        pending: list[tuple[int, Future[None]]] = []

        def wait(keep: int) -> None:
            while len(pending) > keep:
                first_line, done = pending.pop(0)
                _located(done, first_line)

        for offset, piece in _pieces(fh, chunk_bytes or CHUNK_BYTES):
            if b"_:" in piece:
                wait(0)
                fh.seek(offset)
                _located(pool.submit(db.bulk_load, fh, fmt, to_graph=graph), lines_before)
                return
            pending.append((lines_before, pool.submit(db.bulk_load, piece, fmt, to_graph=graph)))
            lines_before += piece.count(b"\n")
            wait(IN_FLIGHT - 1)
        wait(0)


def _located(done: Future[None], lines_before: int) -> None:
    """The piece's result; its syntax error re-raised with the line counted from the file's start."""
    try:
        done.result()
    except SyntaxError as exc:
        if exc.lineno is not None:
            exc.lineno += lines_before
        raise


def bulk_extend(db: ox.Store, quads: Iterable[ox.Quad], batch: int = BATCH) -> None:
    """Add ``quads`` to ``db`` in pieces of ``batch`` statements, two loaded at a time (see the
    module's docstring); never more than two pieces are held at once."""
    with ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="kb-load") as pool:
        pending: list[tuple[list[ox.Quad], Future[None]]] = []
        it = iter(quads)
        while chunk := list(islice(it, batch)):
            plain: list[ox.Quad] = []
            kept: list[ox.Quad] = []  # blank nodes keep their identity only through bulk_extend
            for q in chunk:
                (plain if _textual(q) else kept).append(q)
            if kept:
                db.bulk_extend(kept)
            text = ox.serialize(plain, format=ox.RdfFormat.N_QUADS)
            pending.append((plain, pool.submit(db.bulk_load, text, ox.RdfFormat.N_QUADS)))
            del chunk, plain, kept, text
            while len(pending) >= IN_FLIGHT:
                _loaded(db, *pending.pop(0))
        while pending:
            _loaded(db, *pending.pop(0))


def _textual(q: ox.Quad) -> bool:
    """Whether ``q`` reads back from N-Quads as the very same statement (no blank node, whose
    name a load changes, and no triple term)."""
    return type(q.subject) is ox.NamedNode and type(q.object) in (ox.NamedNode, ox.Literal) \
        and type(q.graph_name) is not ox.BlankNode


def _loaded(db: ox.Store, plain: list[ox.Quad], done: Future[None]) -> None:
    """Wait for a piece; one Oxigraph could not read back from its own N-Quads is added as it is."""
    try:
        done.result()
    except (SyntaxError, ValueError):
        db.bulk_extend(plain)  # what the piece had loaded is there once: a store is a set

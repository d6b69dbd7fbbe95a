"""The on-disk store: Oxigraph databases in immutable generations, one writer at a time.

Layout of a store folder (default ``./.kb``)::

    .kb/
      CURRENT          name of the published generation (replaced atomically)
      write.lock       held (flock) by the one process that is writing
      gen/000007/      an Oxigraph (RocksDB) database, never written again once published
      gen/000007.read  readers hold a shared flock on it while they read generation 7
      gen/000007.derived/  data derived from generation 7 (kb.build.derived), if any

A write transaction starts from a hard-link backup of the current generation (Oxigraph's own
``Store.backup``: cheap, no copy of the data), changes that copy, flushes it, fsyncs it, and
publishes it by atomically replacing ``CURRENT``. A failure or a kill at any moment leaves
``CURRENT`` naming the previous generation, untouched; readers (queries, ``kb serve``) keep a
consistent snapshot for as long as they hold it. Old generations are removed once no reader holds
them.

Derived data (:mod:`kb.build.derived`) is written by the transaction into ``gen/tmp-N.derived/``
and published with its generation (renamed to ``gen/N.derived/`` before the generation itself), so
a ``N.derived`` folder only ever holds what was computed from generation ``N``; it is removed with
its generation. Data derived later, by the first reader that needs it (:meth:`Snapshot.keep`), is
added to that folder file by file, each written whole and renamed into place.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from kb.errors import StoreError, StoreLockedError, disk_full

DEFAULT_PATH = ".kb"
T = TypeVar("T")


def default_path() -> Path:
    """``$KB_STORE`` or ``./.kb``."""
    return Path(os.environ.get("KB_STORE") or DEFAULT_PATH)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for root, _dirs, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(root))


def _io_error(action: str, exc: OSError) -> StoreError:
    reason = "the disk is full" if disk_full(exc) else str(exc)
    return StoreError(f"{action}: {reason}; the knowledge base is unchanged")


def _close(db: ox.Store) -> None:
    """Make sure ``db`` closes when the caller drops it: run the (slow, ~0.1 s) cycle collector
    only if something besides the caller still refers to it."""
    if sys.getrefcount(db) > 3:  # the caller's name, this argument, getrefcount's own
        gc.collect()


@dataclass(frozen=True)
class Snapshot:
    """A read-only snapshot: the generation's name (None for an empty store), its database, and
    the folder of data derived from it (None for an empty store; it need not exist yet)."""

    generation: str | None
    db: ox.Store
    derived_dir: Path | None = None

    def derived(self, name: str) -> bytes | None:
        """The bytes of the derived data ``name`` written with this generation, or None."""
        if self.derived_dir is None:
            return None
        try:
            return (self.derived_dir / name).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {self.derived_dir / name}: {exc}") from exc

    def keep(self, name: str, data: bytes) -> bool:
        """Add the derived data ``name`` to this generation's folder (written whole to a temporary
        file, then renamed into place, so a reader sees all of it or none). The caller holds the
        snapshot, so the generation cannot be collected meanwhile. False (nothing kept) where the
        folder cannot be written, e.g. a store on read-only media: the data is only a copy of what
        the generation gives."""
        if self.derived_dir is None or not _derived_name(name):
            return False
        tmp: Path | None = None
        try:
            self.derived_dir.mkdir(exist_ok=True)
            # a name of its own: two readers (processes or kb serve's threads) may keep it at once
            fd, name_of_tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.derived_dir)
            tmp = Path(name_of_tmp)
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)  # as an ordinary file would be (mkstemp makes it 0600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.derived_dir / name)
        except OSError:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    tmp.unlink()
            return False
        return True


Derive = Callable[[ox.Store, str], Mapping[str, bytes]]


def select_rows(db: ox.Store, query: str) -> Iterator[dict[str, str]]:
    """The rows of a SELECT on ``db`` as plain strings, unbound variables absent."""
    result = db.query(query)
    names = list(enumerate(v.value for v in result.variables))
    for solution in result:  # by position: a lookup by name costs more than the term itself
        yield {name: term.value for i, name in names if (term := solution[i]) is not None}


def _derived_name(fname: str) -> bool:
    return "/" not in fname and not fname.startswith(".")


def _write_derived(folder: Path, files: Mapping[str, bytes]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for fname, data in files.items():
        if not _derived_name(fname):
            raise ValueError(f"not a derived-data file name: {fname!r}")
        (folder / fname).write_bytes(data)


class Store:
    """A store folder holding generations of an Oxigraph database."""

    def __init__(self, path: str | os.PathLike[str] | None = None):
        self.path = Path(path) if path is not None else default_path()
        # The published generation, kept open between reads (opening costs ~30 ms): generations
        # never change, and the one CURRENT names is never collected.
        self._open: tuple[str, ox.Store] | None = None
        self._locked = False  # this object holds the write lock (lock() is then re-entrant)

    # -- reading ---------------------------------------------------------------------------

    @property
    def exists(self) -> bool:
        return (self.path / "CURRENT").is_file()

    def current(self) -> str | None:
        """The name of the published generation, or None for an empty store."""
        try:
            name = (self.path / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {self.path / 'CURRENT'}: {exc}") from exc
        return name or None

    @contextlib.contextmanager
    def reader(self) -> Iterator[ox.Store]:
        """A read-only snapshot of the published generation (an empty store if none)."""
        with self.snapshot() as snap:
            yield snap.db

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """A read-only :class:`Snapshot` of the published generation, with its name and derived data."""
        for _attempt in range(20):
            name = self.current()
            if name is None:
                yield Snapshot(None, ox.Store())
                return
            lock_path = self.path / "gen" / f"{name}.read"
            try:
                fd = os.open(lock_path, os.O_RDONLY)
            except FileNotFoundError:
                time.sleep(0.01)  # collected between our read of CURRENT and the open: retry
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)
                gen = self.path / "gen" / name
                if not gen.is_dir():
                    continue
                kept = self._open
                if kept is not None and kept[0] == name:
                    db = kept[1]
                else:
                    self._open = None  # an older generation: closed when its last user drops it
                    try:
                        db = ox.Store.read_only(str(gen))
                    except OSError as exc:
                        raise StoreError(f"cannot open the knowledge base at {gen}: {exc}") from exc
                    self._open = (name, db)
                yield Snapshot(name, db, self.path / "gen" / f"{name}.derived")
                return
            finally:
                os.close(fd)
        raise StoreError(f"could not open a stable generation of {self.path}")

    # -- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the write lock; wait up to ``wait`` seconds for another writer, then refuse.

        Re-entrant: a writer that reads the stored state under the lock (a build checks its files
        against it) then calls :meth:`write` inside it, so nothing can commit in between."""
        if self._locked:
            yield
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _io_error(f"cannot create the store at {self.path}", exc) from exc
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
                        raise StoreLockedError(
                            f"the knowledge base at {self.path} is being written by {holder}; "
                            "try again when it finishes (or pass --wait SECONDS)") from None
                    time.sleep(0.05)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
            self._locked = True
            try:
                yield
            finally:
                self._locked = False
        finally:
            os.close(fd)

    def write(self, work: Callable[[ox.Store], T], wait: float = 0.0, *, publish: bool = True,
              derive: Derive | None = None) -> T:
        """Run ``work`` on a writable copy of the current generation; publish it if it returns
        (unless ``publish`` is false: a dry run checks the copy, then throws it away).

        ``derive(db, generation)``, when given, is called on the finished copy before it is
        published and returns derived data (file name -> bytes) kept beside the new generation
        (see :class:`Snapshot`); it may raise like ``work``.

        ``work`` must not keep references to the database it is given: the copy is closed (by
        dropping it) before it is published, so that nothing writes to a published generation.
        If ``work`` raises, the copy is thrown away and the store is as it was.
        """
        with self.lock(wait):
            gen_dir = self.path / "gen"
            try:
                gen_dir.mkdir(exist_ok=True)
            except OSError as exc:
                raise _io_error("cannot create the store", exc) from exc
            self._collect()
            current = self.current()
            number = max((int(p.name) for p in gen_dir.iterdir() if p.name.isdigit()), default=0) + 1
            name = f"{number:06d}"
            work_dir = gen_dir / f"tmp-{name}"
            derived_dir = gen_dir / f"tmp-{name}.derived"
            shutil.rmtree(gen_dir / f"{name}.derived", ignore_errors=True)  # left by a crashed publish
            try:
                try:
                    if current is not None:
                        with self.reader() as snapshot:
                            snapshot.backup(str(work_dir))
                    db = ox.Store(str(work_dir))
                except OSError as exc:
                    raise _io_error("cannot start a transaction", exc) from exc
                try:
                    result = work(db)
                    db.flush()
                    if derive is not None and publish:
                        _write_derived(derived_dir, derive(db, name))
                except OSError as exc:
                    raise _io_error("cannot write the knowledge base", exc) from exc
                except BaseException as exc:
                    # The traceback's frames (work's and below) still reference ``db``; a caller
                    # that keeps the exception (a notebook does) would keep the copy open and
                    # locked, and the next write in this process would fail. Drop their locals.
                    traceback.clear_frames(exc.__traceback__)
                    raise
                finally:
                    _close(db)
                    del db
                try:
                    if publish:
                        self._publish(work_dir, name, derived_dir if derived_dir.is_dir() else None)
                except OSError as exc:
                    shutil.rmtree(gen_dir / name, ignore_errors=True)
                    shutil.rmtree(gen_dir / f"{name}.derived", ignore_errors=True)
                    raise _io_error("cannot publish the new knowledge base", exc) from exc
            finally:
                shutil.rmtree(work_dir, ignore_errors=True)
                shutil.rmtree(derived_dir, ignore_errors=True)
            self._collect()
            return result

    def trial(self, work: Callable[[ox.Store], T], wait: float = 0.0) -> T:
        """Run ``work`` as :meth:`write` does, on a writable copy, then throw the copy away (a dry
        run: the store is unchanged whatever ``work`` does)."""
        return self.write(work, wait, publish=False)

    def _publish(self, work: Path, name: str, derived: Path | None = None) -> None:
        gen_dir = self.path / "gen"
        _fsync_tree(work)
        (gen_dir / f"{name}.read").touch()
        if derived is not None:  # first, so that the generation never appears without it
            _fsync_tree(derived)
            os.rename(derived, gen_dir / f"{name}.derived")
        os.rename(work, gen_dir / name)
        _fsync_dir(gen_dir)
        tmp = self.path / "CURRENT.tmp"
        with open(tmp, "w") as fh:
            fh.write(name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path / "CURRENT")
        _fsync_dir(self.path)

    def _collect(self) -> None:
        """Remove unfinished work and generations no reader holds (caller holds the write lock)."""
        gen_dir = self.path / "gen"
        if not gen_dir.is_dir():
            return
        current = self.current()
        for p in gen_dir.iterdir():
            if p.name.startswith("tmp-"):
                shutil.rmtree(p, ignore_errors=True)
            elif p.is_dir() and p.name.isdigit() and p.name != current:
                lock_path = gen_dir / f"{p.name}.read"
                try:
                    fd = os.open(lock_path, os.O_RDONLY)
                except FileNotFoundError:
                    shutil.rmtree(p, ignore_errors=True)
                    continue
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a reader still uses it
                else:
                    shutil.rmtree(p, ignore_errors=True)
                    lock_path.unlink(missing_ok=True)
                finally:
                    os.close(fd)
            elif p.name.endswith(".read") and not (gen_dir / p.name[:-5]).is_dir():
                p.unlink(missing_ok=True)
        for p in gen_dir.glob("*.derived"):  # after the generations: theirs go with them
            if not (gen_dir / p.name.removesuffix(".derived")).is_dir():
                shutil.rmtree(p, ignore_errors=True)

"""Files the commands write (exports, HTML pages, templates): where they go and how.

The rule (see ``docs/robustness.md``), the same as ``cp``, ``rdflib`` or shell redirection:

* A file is written **where its path says**, relative or absolute. Nothing but the file is
  created: a missing folder is an error that names it (the template command, which writes into a
  folder, creates that one folder).
* A **symbolic link** at the destination is followed: the file it points to is replaced and the
  link is kept, as ``cp`` and ``>`` do. A folder there is refused; a device or a named pipe
  (``/dev/stdout``) is written straight through.
* The content goes to a new temporary file in the destination's folder, created exclusively (so a
  link planted under a predictable temporary name is never followed), and is renamed over the
  destination only once complete. A full disk or a crash leaves the previous file as it was and
  no half-written one.
* Nothing is written **into a store folder** (``.kb``: it holds the knowledge base's database and
  a stray file there could damage it), whoever asks.

Refusals and I/O failures raise :class:`~kb.errors.OutputError` (exit code 4).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kb.errors import OutputError, io_reason

#: A file every store folder holds (see :mod:`kb.store`); a folder with it is never written into.
STORE_MARKERS = ("CURRENT", "write.lock")


def _store_folder(folder: Path) -> Path | None:
    """The store folder that ``folder`` is, or lies in, if any."""
    for f in (folder, *folder.parents):
        if any((f / m).exists() for m in STORE_MARKERS) and (f / "gen").is_dir():
            return f
    return None


def destination(path: str | os.PathLike[str], store: str | os.PathLike[str] | None = None) -> Path:
    """Where writing ``path`` puts the bytes (a link followed), or :class:`OutputError` if it may
    not be written: a folder, a missing folder, or inside a store folder (``store`` or any other)."""
    out = Path(path)
    if not str(path):
        raise OutputError("no output file given")
    target = Path(os.path.realpath(out))  # every link followed, the file's own name included
    if target.is_dir():
        raise OutputError(f"cannot write {out}: it is a folder; give a file name")
    folder = target.parent
    if not folder.is_dir():
        shown = out.parent if out.parent != Path(".") else folder
        raise OutputError(f"cannot write {out}: the folder {shown} does not exist (create it first)")
    _not_in_store(folder, store, out)
    return target


def _not_in_store(folder: Path, store: str | os.PathLike[str] | None, shown: Path) -> None:
    protected = [Path(os.path.realpath(store))] if store is not None else []
    inside = _store_folder(folder)
    if inside is not None:
        protected.append(inside)
    for p in protected:
        if folder == p or folder.is_relative_to(p):
            raise OutputError(f"refusing to write {shown}: it is inside the knowledge base's store "
                              f"folder {p}; write it somewhere else")


@contextlib.contextmanager
def replacing(path: str | os.PathLike[str], store: str | os.PathLike[str] | None = None
              ) -> Iterator[Path]:
    """Yield a temporary path to write the new content of ``path`` to; on success it replaces
    ``path`` (or the file a link there points to) in one rename, on failure it is removed and
    ``path`` is left as it was. A device or named pipe at ``path`` is written straight through."""
    shown = Path(path)
    target = destination(path, store)
    try:
        st: os.stat_result | None = target.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"cannot write {shown}: {io_reason(exc)}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        yield from _through(shown, target)
        return
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write {shown}: {io_reason(exc)}") from None
    tmp = Path(name)
    try:
        yield tmp
        if st is not None:
            mode = stat.S_IMODE(st.st_mode)  # keep the permissions of the file replaced
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"cannot write {shown}: {io_reason(exc)}; the previous file is unchanged") from None
    finally:
        tmp.unlink(missing_ok=True)


def _through(shown: Path, target: Path) -> Iterator[Path]:
    """A device or pipe: the content is written to a temporary file, then copied into it."""
    with tempfile.TemporaryDirectory(prefix="kb-out-") as tmpdir:
        tmp = Path(tmpdir) / target.name
        yield tmp
        try:
            with open(tmp, "rb") as src, open(target, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        except FileNotFoundError:
            return  # the writer wrote nothing
        except OSError as exc:
            raise OutputError(f"cannot write {shown}: {io_reason(exc)}") from None


def folder(path: str | os.PathLike[str], store: str | os.PathLike[str] | None = None) -> Path:
    """A folder to write files into: created if missing (with its parents), refused if it is a
    file or inside a store folder."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputError(f"cannot write into {out}: it is a file, not a folder")
    _not_in_store(Path(os.path.realpath(out)), store, out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {out}: {io_reason(exc)}") from None
    return out

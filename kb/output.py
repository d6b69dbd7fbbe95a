"""Files the commands write (exports, HTML pages, templates): where they may go and how.

The rule (see ``docs/robustness.md``):

* The command line writes inside the working folder: a path that leaves it (``../../x.ttl``,
  ``/etc/x``, or through a linked folder) is refused unless ``--allow-outside`` is given, so a
  script or a pasted command line cannot scatter files elsewhere by accident. The Python API
  writes where its caller says. Missing parent folders are created (``graphs/`` in a fresh clone).
* The destination must be a regular file or not exist yet. A **symbolic link** there is refused,
  neither followed (that would overwrite a file elsewhere — the classic symlink trick) nor
  replaced (that would silently break the user's link); a folder or a device is refused too.
* The content goes to a new temporary file in the destination's folder, created exclusively (so a
  link planted under a predictable temporary name is never followed), and is renamed over the
  destination only once complete. A full disk or a crash leaves the previous file as it was and
  no half-written one.

Refusals and I/O failures raise :class:`~kb.errors.OutputError` (exit code 4).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kb.errors import OutputError


def check(path: str | os.PathLike[str]) -> Path:
    """The destination as a Path, or :class:`OutputError` if it may not be written."""
    out = Path(path)
    try:
        st = out.lstat()
    except FileNotFoundError:
        return out
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"refusing to write {out}: it is a symbolic link (to {os.readlink(out)}); "
                          "give the real path, or remove the link")
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write {out}: it is a folder; give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"refusing to write {out}: it is not a regular file")
    return out


def inside(path: str | os.PathLike[str], allow_outside: bool = False, folder: bool = False) -> Path:
    """``path`` (a file, or a ``folder`` to write files into), or :class:`OutputError` if it
    leaves the working folder, unless ``allow_outside``."""
    out = Path(path)
    if allow_outside:
        return out
    here = Path.cwd().resolve()
    # where it lands, every existing link followed (a file's own name is checked by check())
    where = (here / out).resolve() if folder else (here / out).parent.resolve() / out.name
    if not where.is_relative_to(here) or (where == here and not folder):
        raise OutputError(f"refusing to write {out}: it is outside the working folder {here}; "
                          "pass --allow-outside to write there")
    return out


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    return exc.strerror or str(exc)


@contextlib.contextmanager
def replacing(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write the new content of ``path`` to; on success it replaces
    ``path`` in one rename, on failure it is removed and ``path`` is left as it was."""
    out = check(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {_reason(exc)}") from None
    tmp = Path(name)
    try:
        yield tmp
        try:
            mode = stat.S_IMODE(out.stat().st_mode)  # keep the permissions of the file replaced
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        check(out)  # still not a link (os.replace would replace a link, never write through it)
        os.replace(tmp, out)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {_reason(exc)}; the previous file is unchanged") from None
    finally:
        tmp.unlink(missing_ok=True)

"""Writes a crash cannot leave half done: a temporary file next to the target, then one rename.

Content files are the source of truth and the search cache is read back by later builds, so a killed
process must leave either the old file or the whole new one. The temporary name is unique per call
(`mkstemp` creates it with O_EXCL), so two writers of one folder never share one, and it is removed when
the write fails. Only a killed process leaves one behind: `.<name>.<8 random>.tmp`, which
`is_leftover_name` recognises so the next writer of content/ (holding its lock) can delete it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# mkstemp's random part: 8 characters of tempfile's alphabet (lowercase letters, digits and `_`).
_LEFTOVER_RE = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write text (UTF-8, `\\n` line ends) or bytes to `path`, all or nothing."""
    if isinstance(data, str):
        _replace(path, lambda tmp: _write(tmp, "w", data, encoding="utf-8", newline="\n"))
    else:
        _replace(path, lambda tmp: _write(tmp, "wb", data))


def atomic_stream(path: Path, fill: Callable[[IO[bytes]], object]) -> None:
    """Write `path` by handing `fill` an open binary file, all or nothing: for data too large to build
    as one bytes object first (the build cache's parsed papers)."""

    def write(tmp: str) -> None:
        with open(tmp, "wb") as handle:
            fill(handle)

    _replace(path, write)


def atomic_copy(source: Path, target: Path) -> None:
    """Copy `source` to `target`, all or nothing."""
    _replace(target, lambda tmp: shutil.copyfile(source, tmp))


def is_leftover_name(name: str) -> bool:
    """Whether `name` is the temporary file of an `atomic_write` (left behind only by a killed process)."""
    return _LEFTOVER_RE.fullmatch(name) is not None


def _write(tmp: str, mode: str, data: str | bytes, **options: Any) -> None:
    handle: IO[Any]
    with open(tmp, mode, **options) as handle:
        handle.write(data)


def _replace(target: Path, fill: Callable[[str], object]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.close(fd)
        os.chmod(tmp, _mode_for(target))
        fill(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask, which can only be read by setting it, so this runs once, at import, not once
    per file written."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


UMASK = _umask()
#: What `open()` gives a new file: 0666 less the umask.
NEW_FILE_MODE = 0o666 & ~UMASK


@contextmanager
def naming(path: Path) -> Iterator[None]:
    """Give `path` to a write error that names no file (a full disk fails `write`, not `open`, and says
    only "No space left on device"), so the user learns which file could not be written."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise


def _mode_for(target: Path) -> int:
    """The permissions the written file gets: the replaced file's, else a new file's. `mkstemp` creates
    0600, which would make content files and digests that ingest or fetch rewrites unreadable to everyone
    else on the machine (a web server, a teammate)."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        return NEW_FILE_MODE

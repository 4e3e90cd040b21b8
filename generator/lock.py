"""Locks on a folder, so two `digest` processes never interleave their writes or read a half-written one.

Writers of content/ (`ingest`, `fetch`, `enrich`) hold its lock exclusively; `build` and `check` hold it
shared while they read, so they see content/ before or after an ingest, never in between; a build holds
its output folder's lock exclusively. The lock of folder `F` is the file `.F.lock` beside it (not inside:
`build` never writes into content/), locked with `flock`, which the kernel releases when its holder dies,
so a lock left by a killed process is simply taken. The holder writes its PID and command into the file
for the message a waiting process prints.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.errors import DigestError

#: How long a second process waits for the holder before it stops with a message naming the holder.
WAIT_SECONDS = float(os.environ.get("DIGEST_LOCK_WAIT", "10"))
_POLL_SECONDS = 0.05

# Locks this process holds, by lock file: (file descriptor, exclusive, depth). flock locks belong to the
# open file, so taking one again in the same process (fetch, then the ingest it runs) must reuse it.
_held: dict[Path, tuple[int, bool, int]] = {}


class LockBusy(DigestError):
    """Another process held the folder for longer than the wait."""


def lock_path(folder: Path) -> Path:
    """The lock file of `folder`: `.<name>.lock` in its parent."""
    folder = folder.resolve()
    return folder.with_name(f".{folder.name}.lock")


@contextmanager
def folder_lock(folder: Path, *, shared: bool = False, wait: float | None = None) -> Iterator[None]:
    """Hold `folder`'s lock (exclusive for writers, shared for readers) for the `with` block."""
    path = lock_path(folder)
    held = _held.get(path)
    if held is not None:
        fd, exclusive, depth = held
        if not shared and not exclusive:
            raise RuntimeError(f"{path}: cannot upgrade a shared lock to an exclusive one")
        _held[path] = (fd, exclusive, depth + 1)
        try:
            yield
        finally:
            _held[path] = (fd, exclusive, depth)
        return
    fd = _acquire(path, shared, WAIT_SECONDS if wait is None else wait, folder)
    _held[path] = (fd, not shared, 1)
    try:
        yield
    finally:
        del _held[path]
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _acquire(path: Path, shared: bool, wait: float, folder: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise DigestError(f"cannot create the lock file {path}: {exc.strerror or exc}") from None
    deadline = time.monotonic() + wait
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    while True:
        try:
            fcntl.flock(fd, mode)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _holder(fd)
                os.close(fd)
                raise LockBusy(
                    f"is in use by another digest process ({holder}); waited {wait:g} s. "
                    "Run this again when it has finished",
                    folder,
                ) from None
            time.sleep(_POLL_SECONDS)
    if not shared:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {_command()}\n".encode(), 0)
    return fd


def _command() -> str:
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return " ".join([name, *sys.argv[1:2]])


def _holder(fd: int) -> str:
    """`PID 1234: digest ingest` from the lock file, or a plain description when it names no one."""
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    pid, _, command = text.partition(" ")
    if not pid.isdigit():
        return "a reader such as digest build"
    return f"PID {pid}: {command}" if command else f"PID {pid}"

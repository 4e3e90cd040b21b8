"""Work spread over the machine's cores: forked worker processes that inherit the build's memory.

Rendering ten thousand pages or parsing ten thousand files is CPU-bound Python, so threads do not help
and the work goes to processes. They are forked after the build has loaded what the work needs, so a
task is just a number (the item to do) and nothing large is pickled to the workers. Workers die with the
build (see `die_with_parent`). Small batches run in this process: starting workers costs more than it
saves below a few hundred items, and `digest serve`'s rebuilds of a few pages never fork.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

#: Items below which the work is done in this process.
MIN_PARALLEL = 400
#: Items a worker takes at a time: few round trips, yet the two workers finish close together.
CHUNK = 32

PARENT_POLL_SECONDS = 0.2  # how often a worker checks that the build that started it is alive
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

_task: Callable[[int], Any] | None = None  # what the forked workers run, set just before forking


def cpu_workers() -> int:
    """Worker processes to use: the cores this process may run on, or DIGEST_WORKERS when set (1 turns
    parallel work off)."""
    wanted = os.environ.get("DIGEST_WORKERS", "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run_all(
    task: Callable[[int], T], count: int, *, minimum: int | None = None, chunk: int = CHUNK
) -> Iterator[tuple[int, T]]:
    """`(i, task(i))` for every i in range(count), in any order: in forked workers when there are at
    least `minimum` items (MIN_PARALLEL: items are small) and more than one core (and fork exists), else
    here, in order."""
    global _task
    workers = cpu_workers()
    least = MIN_PARALLEL if minimum is None else minimum
    if workers <= 1 or count < max(least, 2) or "fork" not in multiprocessing.get_all_start_methods():
        for index in range(count):
            yield index, task(index)
        return
    _task = task
    # The workers' garbage collector must not walk (and so copy, page by page) the objects they share
    # with this process: frozen, they stay shared for as long as a worker only reads them.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            yield from pool.imap_unordered(_run, range(count), chunksize=chunk)
    finally:
        _task = None
        gc.unfreeze()


def _run(index: int) -> tuple[int, Any]:
    assert _task is not None
    return index, _task(index)


def die_with_parent(parent: int) -> None:
    """Pool initializer: end this worker as soon as the process that started it (`parent`) is gone.

    On Linux the kernel does it (PR_SET_PDEATHSIG: SIGKILL when the parent dies); a daemon thread polling
    the parent covers other systems, and a parent that died before the prctl took effect.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # no libc prctl: the thread below still works
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    ppid = os.getppid()
    if ppid != parent and not _alive(parent):  # a fork server may sit between us, so check the build too
        os._exit(1)
    threading.Thread(
        target=_exit_when_orphaned, args=(parent, ppid), name="digest-parent-watch", daemon=True
    ).start()


def _exit_when_orphaned(parent: int, ppid: int) -> None:
    while os.getppid() == ppid and _alive(parent):
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

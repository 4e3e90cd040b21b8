"""File-change notifications for `digest serve`: which changes count, and one rebuild at a time.

The OS tells us about changes (inotify, FSEvents, ... through the `watchfiles` library); nothing here
polls, unless the OS's notifications fail (the inotify watch limit): then, with a warning, watchfiles
polls instead. Two threads: one receives the notifications and adds the paths that count to a pending set, the
other takes that whole set and calls `on_change` with it, one call at a time. So a change made while
`on_change` runs (a rebuild) is never lost and never starts a second one at once: it is in the set the
next call gets, and however many changes came in meanwhile, that is one more call.

What does not count, so that an editor's save rebuilds once and a build never triggers itself: hidden
folders and files (the build's `.cache/`, the lock files `.<name>.lock`, ingest's `.ingest-*` staging
folders, temp folders), editors' swap, lock and backup files (`names.is_ignored_name`: vim's `.x.swp` and
`4913` probe, emacs' `.#x` and `x~`), the output folder and its temp siblings should it sit inside a
watched folder, and folders that were only created empty or touched (their files' own changes count).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from watchfiles import Change, watch

from generator.names import is_ignored_name

#: How long (ms) the notifications must stay quiet before a batch is handed over: one save (an editor's
#: write-rename-delete, a few syscalls within a millisecond or two) lands in one batch, while a save is
#: seen about 2 x STEP_MS after it happens (watchfiles checks its queue every step, and hands it over
#: once a step brought nothing new).
STEP_MS = 30
#: The longest (ms) a batch keeps growing under a steady stream of changes (a `git checkout`, an ingest
#: of hundreds of papers) before it is handed over anyway; what comes later goes into the next rebuild.
DEBOUNCE_MS = 100
#: How long `Watcher.start` waits for the OS watches to be in place.
START_TIMEOUT = 5.0

OnChange = Callable[[frozenset[Path]], None]


class ChangeFilter:
    """`watchfiles`' watch_filter: True for a change that can change the site (see the module doc)."""

    def __init__(self, roots: Iterable[Path], exclude: Path | None = None) -> None:
        # Deepest first, so a path is judged relative to the innermost watched folder holding it.
        self.roots = sorted({Path(r).resolve() for r in roots}, key=lambda r: len(r.parts), reverse=True)
        self.exclude = Path(exclude).resolve() if exclude is not None else None

    def __call__(self, change: Change, path: str) -> bool:
        target = Path(path)
        root = next((r for r in self.roots if target.is_relative_to(r)), None)
        parts = target.relative_to(root).parts if root is not None else target.parts[-1:]
        if any(part.startswith(".") for part in parts[:-1]) or (parts and is_ignored_name(parts[-1])):
            return False
        if self._is_output(target):
            return False
        if change != Change.deleted and target.is_dir():
            # A new folder counts by its files (one moved in whole brings no event for them); an empty
            # new folder, or a folder's own metadata, changes nothing a build reads.
            return change == Change.added and holds_files(target)
        return True

    def _is_output(self, target: Path) -> bool:
        """The output folder, or a sibling whose name starts with its name (the build's temp folders)."""
        out = self.exclude
        if out is None or not target.is_relative_to(out.parent) or target == out.parent:
            return False
        return target.relative_to(out.parent).parts[0].startswith(out.name)


def holds_files(folder: Path) -> bool:
    """True when `folder` holds a file that counts (not hidden, not an editor's), at any depth."""
    for _, subdirs, files in os.walk(folder):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        if any(not is_ignored_name(name) for name in files):
            return True
    return False


class _StopSignal:
    """The `stop_event` handed to watchfiles. Its Rust side asks `is_set()` once per step from the moment
    the OS watches are in place, so the first question also says: watching has begun."""

    def __init__(self, stop: threading.Event, ready: threading.Event) -> None:
        self._stop, self._ready = stop, ready

    def is_set(self) -> bool:
        self._ready.set()
        return self._stop.is_set()


class Watcher:
    """Watch `dirs` (recursively) and call `on_change(paths)` after changes that count, from a thread of
    its own, never two calls at once; `paths` are the changed files and folders (absolute, resolved; a
    folder means anything under it may have changed). `warn` gets a line when notifications fail."""

    def __init__(
        self,
        dirs: Sequence[Path],
        on_change: OnChange,
        *,
        exclude: Path | None = None,
        warn: Callable[[str], None] = lambda line: None,
        step_ms: int = STEP_MS,
        debounce_ms: int = DEBOUNCE_MS,
        name: str = "digest-serve",
    ) -> None:
        self.dirs = [Path(d).resolve() for d in dirs]
        self.on_change, self.warn = on_change, warn
        self.filter = ChangeFilter(self.dirs, exclude)
        self.step_ms, self.debounce_ms = step_ms, debounce_ms
        self._stop, self._ready = threading.Event(), threading.Event()
        self._pending: set[Path] = set()
        self._wake = threading.Condition()
        self._threads = [
            threading.Thread(target=self._watch, name=f"{name}-watch", daemon=True),
            threading.Thread(target=self._run, name=f"{name}-build", daemon=True),
        ]

    def start(self, timeout: float = START_TIMEOUT) -> Watcher:
        """Start both threads; returns once the OS watches are in place, so no later change is missed."""
        for thread in self._threads:
            thread.start()
        self._ready.wait(timeout)
        return self

    def stop(self, timeout: float = 5.0, wait: bool = True) -> None:
        """Stop watching (within a step) and, with `wait`, wait for a running `on_change` to finish."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads if wait else ():
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(timeout)

    def add(self, paths: Iterable[Path]) -> None:
        """Queue a call of `on_change` with `paths` (what the notifications do)."""
        with self._wake:
            self._pending.update(paths)
            self._wake.notify_all()

    def _run(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: bool(self._pending) or self._stop.is_set())
                if self._stop.is_set():
                    return
                changed, self._pending = frozenset(self._pending), set()
            try:
                self.on_change(changed)
            except Exception as exc:  # a bug in the callback must not end rebuilding
                self.warn(f"rebuild failed: {type(exc).__name__}: {exc}")

    def _watch(self) -> None:
        dirs = [d for d in self.dirs if d.is_dir()]
        polling: bool | None = None  # None: watchfiles' choice (notifications; polling only on WSL)
        try:
            while dirs and not self._stop.is_set():
                try:
                    for changes in watch(
                        *dirs, watch_filter=self.filter, debounce=self.debounce_ms, step=self.step_ms,
                        stop_event=_StopSignal(self._stop, self._ready), rust_timeout=0,
                        force_polling=polling, ignore_permission_denied=True, raise_interrupt=False,
                    ):  # fmt: skip
                        self.add(Path(path) for _, path in changes)
                    return  # stop() was called
                except Exception as exc:  # the OS watches failed (e.g. the inotify watch limit)
                    if polling:
                        self.warn(f"cannot watch for changes ({exc}); restart digest serve after edits")
                        return
                    self.warn(f"file notifications failed ({exc}); polling for changes instead")
                    polling = True
                    if self._ready.is_set():  # it was watching: a change may have been missed
                        self.add(dirs)
        finally:
            self._ready.set()  # start() must not wait out its timeout when there is nothing to watch

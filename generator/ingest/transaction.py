"""One ingest is one step: every file it writes appears in content/, or none does.

Thousands of paper files, the digest copies and ingested.yml cannot be renamed into place by one system
call, so a transaction goes in three stages, and a process killed in any of them leaves content/ in a
state the next writer repairs:

1. stage: every file is written into a hidden folder inside content/, `.ingest-<random>/`, at its own
   path relative to content/ (same filesystem, so putting it in place is a rename). Readers skip hidden
   folders. A failure here (a full disk, a read-only folder) deletes the folder: content/ is as it was.
2. commit: a marker listing the moves is written into that folder atomically. From then on the
   transaction counts as done, whatever happens to the process.
3. move: each staged file is renamed into place, in the order given (ingested.yml last, so a digest is
   on record only when its papers are in place), then the folder is removed.

`recover`, which every writer of content/ runs under its exclusive lock (`writing`) before reading
anything, finishes a committed folder (moving is idempotent: a file already moved is no longer staged),
deletes an uncommitted one, and deletes the temporary files a killed `atomic_write` left behind. Readers
call `interrupted_ingest`, so a build does not publish half an ingest without a word.

This guards against a killed process and a failed write, not a power cut: nothing is fsync'ed (10k
fsyncs would cost more than the ingest), so, as with any editor's save, the kernel's unflushed writes
can be lost.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from generator.atomic import NEW_FILE_MODE, is_leftover_name
from generator.errors import ContentError, DigestError
from generator.lock import folder_lock

#: Staging folders are `content/.ingest-<random>/`: hidden, so no reader or watcher looks inside.
STAGING_PREFIX = ".ingest-"
#: The commit marker inside a staging folder: `{"moves": [relative path, ...]}`, in move order.
COMMIT_MARKER = ".commit"
#: The folders of content/ where `atomic_write` may have left a killed process's temporary files.
_WRITTEN_FOLDERS = (".", "papers", "digests")

# Tests only: `DIGEST_TEST_KILL_AT=<point>` makes this process SIGKILL itself at that point (`stage:<n>`,
# `commit`, `move:<n>`, `cleanup`), so the kill tests reach the short commit window every time.
_KILL_AT = os.environ.get("DIGEST_TEST_KILL_AT", "")

#: Told how many files are staged so far, after each one.
Staged = Callable[[int], None]


class UnfinishedCommit(DigestError):
    """The transaction was committed but a move failed: content/ holds part of it until the next writer
    finishes it (so "nothing was written" would be untrue)."""


@dataclass(frozen=True)
class Write:
    """One file a transaction puts in content/: `data` (text is written as UTF-8), or a copy of
    `copy_from` (a digest file outside content/)."""

    target: Path
    data: str | bytes | None = None
    copy_from: Path | None = None


@dataclass
class Recovery:
    """What `recover` found: committed transactions finished, uncommitted ones and temporary files
    removed."""

    finished: int = 0
    discarded: int = 0
    leftovers: int = 0

    def __bool__(self) -> bool:
        return bool(self.finished or self.discarded or self.leftovers)

    def note(self, content_dir: Path) -> str | None:
        """What the repair did, for the user who wonders where an interrupted ingest went (None when
        it finished or discarded nothing)."""
        done = []
        if self.finished:
            done.append(f"finished {self.finished} interrupted ingest(s)")
        if self.discarded:
            done.append(f"discarded {self.discarded} ingest(s) killed before they were complete")
        return f"{content_dir}: {' and '.join(done)} first" if done else None


# What the outermost `writing` of each content folder this process holds found when it repaired it.
_recovered: dict[Path, Recovery] = {}


@contextmanager
def writing(content_dir: Path) -> Iterator[Recovery]:
    """Hold content/'s lock exclusively and repair what a killed writer left: the way every writer
    (ingest, fetch, enrich) starts, before it reads what it will change. Reentrant, like the lock."""
    if content_dir.exists() and not content_dir.is_dir():
        raise ContentError("is a file, not a folder (pass --content DIR)", content_dir)
    key = content_dir.resolve()
    if key in _recovered:  # a writer inside a writer (fetch, then its ingest): repaired once already
        yield _recovered[key]
        return
    with folder_lock(content_dir):
        _recovered[key] = recover(content_dir)
        try:
            yield _recovered[key]
        finally:
            del _recovered[key]


def commit_writes(content_dir: Path, writes: Sequence[Write], staged: Staged | None = None) -> None:
    """Put every write in place as one step (the caller holds `writing(content_dir)`).

    A later write to the same target replaces an earlier one. An OSError before the commit is a
    DigestError naming the file, with content/ unchanged; after it, the moves are finished by the next
    writer, and an error says so.
    """
    planned = _plan_moves(content_dir, writes)
    if not planned:
        return
    created = not content_dir.exists()
    try:
        content_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=content_dir))
    except OSError as exc:
        raise DigestError(f"cannot write: {exc.strerror or exc}", content_dir) from None
    try:
        _stage(staging, planned, staged)
        _kill_point("commit")
        _write_marker(staging, [rel for rel, _write, _mode in planned])
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            _remove_empty(content_dir)
        if isinstance(exc, OSError):  # the marker could not be written
            raise DigestError(f"cannot write: {exc.strerror or exc}", content_dir) from None
        raise
    try:
        _move_all(content_dir, staging, [rel for rel, _write, _mode in planned])
    except OSError as exc:
        raise UnfinishedCommit(
            f"cannot put in place: {exc.strerror or exc}; the ingest is recorded in {staging.name}/ and "
            "the next digest ingest finishes it",
            content_dir,
        ) from None


def recover(content_dir: Path) -> Recovery:
    """Finish committed transactions, delete uncommitted ones and temporary files a killed process left.

    Only safe under the exclusive lock: another writer's staging folder or temporary file would look
    exactly like a dead one's.
    """
    result = Recovery()
    for staging in _staging_folders(content_dir):
        marker = staging / COMMIT_MARKER
        try:
            if marker.is_file():
                _move_all(content_dir, staging, _read_marker(content_dir, marker))
                result.finished += 1
            else:
                shutil.rmtree(staging)
                result.discarded += 1
        except OSError as exc:
            raise DigestError(
                f"cannot finish or remove an interrupted ingest: {exc.strerror or exc}", staging
            ) from None
    for name in _WRITTEN_FOLDERS:
        folder = content_dir / name
        for leftover in _leftover_files(folder):
            leftover.unlink(missing_ok=True)
            result.leftovers += 1
    return result


def interrupted_ingest(content_dir: Path) -> str | None:
    """For readers (build, check), under the shared lock: a message when a writer was killed after
    committing, so content/ holds only part of that ingest until the next writer finishes it; else None.
    Raise it as `ContentError(message, content_dir)`. Uncommitted staging folders are not reported:
    content/ is whole without them."""
    for staging in _staging_folders(content_dir):
        if (staging / COMMIT_MARKER).is_file():
            return (
                f"an ingest was interrupted while putting its files in place ({staging.name}/): run "
                "`make site` or `digest ingest` again to finish it"
            )
    return None


def _plan_moves(content_dir: Path, writes: Sequence[Write]) -> list[tuple[Path, Write, int | None]]:
    """(path relative to content/, write, mode to keep) per target, checked before anything is written:
    every target inside content/ (its folder resolved, so a symlinked folder cannot lead out), not a
    folder, and a replaced file's permissions kept."""
    root = content_dir.resolve()
    folders: dict[Path, Path] = {}
    by_rel: dict[Path, Write] = {}
    for write in writes:
        target = write.target
        parent = target.parent
        rel_parent = folders.get(parent)
        if rel_parent is None:
            rel_parent = _relative_folder(parent, root, target)
            folders[parent] = rel_parent
        if target.name in ("", ".", "..") or target.name.startswith(STAGING_PREFIX):
            raise RuntimeError(f"refusing to write {target}: not a file name")
        by_rel[rel_parent / target.name] = write
    planned = []
    for rel, write in by_rel.items():
        try:
            mode = os.stat(write.target).st_mode
        except FileNotFoundError:
            planned.append((rel, write, None))
            continue
        except OSError as exc:
            raise DigestError(f"cannot write: {exc.strerror or exc}", write.target) from None
        if stat.S_ISDIR(mode):
            raise DigestError("is a folder, not a file: move it away", write.target)
        kept = mode & 0o7777
        planned.append((rel, write, None if kept == NEW_FILE_MODE else kept))
    return planned


def _relative_folder(parent: Path, root: Path, target: Path) -> Path:
    resolved = parent.resolve()
    if not resolved.is_relative_to(root):  # slugs hold no `/`: only a symbolic link leads out
        raise DigestError(f"leads outside {root} (a symbolic link?): ingest writes only inside it", parent)
    if resolved.exists() and not resolved.is_dir():
        raise DigestError("is a file, not a folder", parent)
    return resolved.relative_to(root)


def _stage(staging: Path, planned: list[tuple[Path, Write, int | None]], staged_count: Staged | None) -> None:
    made: set[Path] = {staging}
    for number, (rel, write, mode) in enumerate(planned, start=1):
        staged = staging / rel
        try:
            if staged.parent not in made:
                staged.parent.mkdir(parents=True, exist_ok=True)
                made.add(staged.parent)
            _fill(staged, write)
            if mode is not None:
                os.chmod(staged, mode)
        except OSError as exc:  # a write error names no file (ENOSPC, EFBIG): name the target
            raise DigestError(f"cannot write: {exc.strerror or exc}", write.target) from None
        if _KILL_AT:
            _kill_point(f"stage:{number}")
        if staged_count is not None:
            staged_count(number)


def _fill(staged: Path, write: Write) -> None:
    if write.copy_from is None:
        data = write.data.encode("utf-8") if isinstance(write.data, str) else write.data or b""
        with open(staged, "wb") as handle:
            handle.write(data)
        return
    try:
        source = write.copy_from.open("rb")  # closed by the `with` below; an error here names the digest
    except OSError as exc:
        raise DigestError(f"cannot read: {exc.strerror or exc}", write.copy_from) from None
    with source, open(staged, "wb") as handle:
        shutil.copyfileobj(source, handle, 1 << 20)


def _write_marker(staging: Path, moves: list[Path]) -> None:
    """The commit: the marker appears whole (written beside, then renamed) or not at all."""
    text = json.dumps({"moves": [rel.as_posix() for rel in moves]}, ensure_ascii=False, indent=0)
    partial = staging / f"{COMMIT_MARKER}.partial"
    partial.write_text(text + "\n", encoding="utf-8")
    os.replace(partial, staging / COMMIT_MARKER)


def _read_marker(content_dir: Path, marker: Path) -> list[Path]:
    """The moves a marker lists, each checked to stay inside content/ (a staging folder could come from a
    shared or copied content folder, not from this program)."""
    try:
        moves = json.loads(marker.read_text(encoding="utf-8"))["moves"]
        paths = [Path(move) for move in moves if isinstance(move, str)]
    except (ValueError, KeyError, TypeError) as exc:
        raise ContentError(
            f"is not a commit marker digest wrote ({exc}): delete its folder if that ingest is not wanted",
            marker,
        ) from None
    root = content_dir.resolve()
    outside = len(paths) != len(moves) or any(
        p.is_absolute() or ".." in p.parts or not p.parts for p in paths
    )
    parents = {(content_dir / p).parent for p in paths}
    if outside or not all(parent.resolve().is_relative_to(root) for parent in parents):
        raise ContentError("lists a path outside content/: delete its folder", marker)
    return paths


def _move_all(content_dir: Path, staging: Path, moves: list[Path]) -> None:
    """Rename each staged file into place, then remove the staging folder; the marker goes only when
    every move is done, so a kill in between leaves work that the next writer finishes."""
    made: set[Path] = set()
    for number, rel in enumerate(moves, start=1):
        staged = staging / rel
        if not os.path.lexists(staged):
            continue  # moved by an earlier, interrupted run
        target = content_dir / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        os.replace(staged, target)
        if _KILL_AT:
            _kill_point(f"move:{number}")
    _kill_point("cleanup")
    (staging / COMMIT_MARKER).unlink(missing_ok=True)
    shutil.rmtree(staging)


def _staging_folders(content_dir: Path) -> list[Path]:
    try:
        entries = list(os.scandir(content_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(
        Path(entry.path)
        for entry in entries
        if entry.name.startswith(STAGING_PREFIX) and entry.is_dir(follow_symlinks=False)
    )


def _leftover_files(folder: Path) -> list[Path]:
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [
        Path(entry.path)
        for entry in entries
        if entry.name.startswith(".")
        and is_leftover_name(entry.name)
        and entry.is_file(follow_symlinks=False)
    ]


def _remove_empty(folder: Path) -> None:
    with suppress(OSError):
        folder.rmdir()


def _kill_point(point: str) -> None:
    if point == _KILL_AT:
        os.kill(os.getpid(), signal.SIGKILL)

"""Which file names in content/ are the user's files, and which are an editor's or a tool's leftovers.

Editors put lock, swap and backup files beside the file being edited (`.#paper.md`, `paper.md~`,
`.paper.md.swp`, vim's `4913`), and digest itself keeps hidden temporary files while writing. None of
them is content: loading, ingesting a folder and `digest serve`'s watcher all skip them, by this one rule.
"""

from __future__ import annotations

import os
from pathlib import Path

_EDITOR_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".swpx", ".tmp", ".part", ".crdownload")
_EDITOR_NAMES = frozenset({"4913"})


def is_ignored_name(name: str) -> bool:
    """True for hidden files and editors' lock, swap and backup files, which are never content."""
    return (
        not name
        or name.startswith((".", "#", "~"))
        or name.endswith(_EDITOR_SUFFIXES)
        or name in _EDITOR_NAMES
    )


def content_files(folder: Path, suffix: str = "") -> list[Path]:
    """The files of `folder` (not its subfolders) ending in `suffix` that are content, sorted by name.

    One `scandir` (file types come with the names, no `stat` per file), sorted by name as text: this
    runs over ten thousand papers on every build and ingest."""
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:
        names = sorted(
            entry.name
            for entry in entries
            if entry.name.endswith(suffix) and not is_ignored_name(entry.name) and entry.is_file()
        )
    return [folder / name for name in names]

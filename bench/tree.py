"""Folder helpers for the bench: copy a state aside and put it back, compare two built sites, sizes."""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path


def files_of(root: Path) -> dict[str, Path]:
    """Every file under `root` (hidden ones included), by its POSIX path relative to `root`."""
    found: dict[str, Path] = {}
    if not root.is_dir():
        return found
    for folder, _subdirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            found[path.relative_to(root).as_posix()] = path
    return found


def sync_tree(source: Path, dest: Path) -> int:
    """Make `dest` a copy of `source` (a missing `source` removes `dest`); returns the files copied.

    Files whose size and mtime already match are left alone, so putting back a 10k-paper content folder
    after one digest was ingested copies a few files, not ten thousand; mtimes are copied (`copy2`), so a
    restored file looks to any cache exactly as it did when it was set aside. Hard links within `source`
    stay hard links in `dest` (a built site's pages are links to the build cache's entries: a copy that
    broke them would make every later build relink ten thousand files, which no real site does).
    """
    if not source.exists():
        shutil.rmtree(dest, ignore_errors=True)
        return 0
    dest.mkdir(parents=True, exist_ok=True)
    wanted = files_of(source)
    present = files_of(dest)
    for relative, path in present.items():
        if relative not in wanted:
            path.unlink()
    for folder, subdirs, _names in os.walk(dest, topdown=False):
        for name in subdirs:
            sub = Path(folder, name)
            if not (source / sub.relative_to(dest)).is_dir():
                shutil.rmtree(sub, ignore_errors=True)
    copied = 0
    linked: dict[tuple[int, int], Path] = {}  # a source inode -> its first copy in dest
    for relative, path in wanted.items():
        target = dest / relative
        have = present.get(relative)
        info = path.stat()
        if info.st_nlink > 1:  # a built site's pages are hard links into .cache/pages: keep them so
            first = linked.setdefault((info.st_dev, info.st_ino), target)
            if first != target:
                if not (have is not None and have.exists() and os.path.samefile(first, target)):
                    target.unlink(missing_ok=True)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.link(first, target)
                    copied += 1
                continue
        if have is not None and have.exists():
            b = have.stat()
            if info.st_size == b.st_size and info.st_mtime_ns == b.st_mtime_ns and b.st_nlink == 1:
                continue
        target.unlink(missing_ok=True)  # never write through a link into another file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied += 1
    for folder, subdirs, _names in os.walk(source):  # empty folders too (content/digests/ may be one)
        for name in subdirs:
            (dest / Path(folder, name).relative_to(source)).mkdir(parents=True, exist_ok=True)
    return copied


@dataclass
class TreeDiff:
    """How two built sites differ: the files only in one of them and the ones whose bytes differ."""

    identical: bool
    files: int
    only_in_first: list[str] = field(default_factory=list)
    only_in_second: list[str] = field(default_factory=list)
    different: list[str] = field(default_factory=list)

    def to_json(self, shown: int = 20) -> dict:
        data = asdict(self)
        for key in ("only_in_first", "only_in_second", "different"):
            data[f"{key}_count"] = len(data[key])
            data[key] = data[key][:shown]
        return data

    def first_differences(self, shown: int = 3) -> list[str]:
        """A few differing paths, labelled, for a one-line report."""
        labelled = (
            [f"{p} (content differs)" for p in self.different]
            + [f"{p} (only in the incremental build)" for p in self.only_in_first]
            + [f"{p} (only in the cold build)" for p in self.only_in_second]
        )
        return labelled[:shown]


def compare_trees(first: Path, second: Path) -> TreeDiff:
    """Compare the file lists and every file's bytes of two folders."""
    a, b = files_of(first), files_of(second)
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    different = []
    for relative in sorted(set(a) & set(b)):
        pa, pb = a[relative], b[relative]
        if pa.stat().st_size != pb.stat().st_size or pa.read_bytes() != pb.read_bytes():
            different.append(relative)
    identical = not (only_a or only_b or different)
    return TreeDiff(identical, len(set(a) | set(b)), only_a, only_b, different)


def output_size(site: Path) -> dict[str, int]:
    """Bytes of all files of a built site, the number of files and of HTML files."""
    files = files_of(site)
    return {
        "bytes": sum(path.stat().st_size for path in files.values()),
        "files": len(files),
        "html_files": sum(1 for relative in files if relative.endswith(".html")),
    }

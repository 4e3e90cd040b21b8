"""Rendered pages from earlier builds, each stored under a hash of everything it was rendered from.

A page's key hashes the site-wide inputs every page shares (code and template fingerprints, settings,
base URL, topic names: `PageCache.salt`) with the page's own inputs: its path, its template and the
values handed to it. The values are pickled with every paper replaced by its file's hash (`paper_key`),
which stands for all of the paper, so a key costs microseconds and still changes whenever anything
the template could read changes. A page whose inputs cannot be pickled is simply not cached.

Entries are files, `pages/<2 hex>/<key>`, never changed once written (their name is their content's
address), so a build hard-links them into the site instead of writing the bytes again; the output stays
byte-identical to a build without cache, which the tests check. Builds sharing one cache hold its lock
shared while they use it; removing the entries the last build did not use needs it exclusively and is
skipped while another build is using the cache.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import pickle
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.atomic import atomic_write
from generator.lock import LockBusy, folder_lock
from generator.model import SitePaper


class _KeyPickler(pickle.Pickler):
    """Pickles a page's inputs with each SitePaper as a reference to its file's hash."""

    def __init__(self, file: io.BytesIO, sources: Mapping[str, str]) -> None:
        super().__init__(file, protocol=5)
        self.sources = sources

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is SitePaper:
            source = self.sources.get(obj.slug)
            return None if source is None else ("paper", obj.slug, source)  # None: pickled whole
        return None


class PageCache:
    """Rendered pages by key, in `folder` (None: keys are still made, nothing is stored)."""

    def __init__(self, folder: Path | None, salt: bytes, sources: Mapping[str, str]) -> None:
        self.folder = folder
        self.salt = salt
        self.sources = sources
        self.used: set[str] = set()
        self.hits = 0
        self.stored = 0
        self.warnings: list[str] = []

    def key(self, inputs: Any) -> str | None:
        """The key of a page rendered from `inputs` (with the salt), or None when they cannot be pickled."""
        buffer = io.BytesIO()
        try:
            _KeyPickler(buffer, self.sources).dump(inputs)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return None
        return hashlib.sha256(self.salt + buffer.getvalue()).hexdigest()

    def path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / key

    def lookup(self, key: str) -> Path | None:
        """The stored page of `key`, or None."""
        if self.folder is None:
            return None
        path = self.path(key)
        if not path.is_file():
            return None
        self.used.add(key)
        self.hits += 1
        return path

    def store(self, key: str, data: bytes) -> Path | None:
        """Store a freshly rendered page (in a worker process too: nothing here is counted); None when
        the cache cannot be written, and the caller keeps the text."""
        if self.folder is None:
            return None
        path = self.path(key)
        try:
            atomic_write(path, data)
        except OSError:
            return None
        return path

    def stored_one(self, key: str, stored: Path | None) -> None:
        """Count a page `store` was asked to keep (in this process or a worker)."""
        if stored is not None:
            self.used.add(key)
            self.stored += 1
        elif self.folder is not None and not self.warnings:
            self.warnings.append(f"build cache: cannot write pages into {self.folder}; rendered them anew")

    def remove_unused(self) -> int:
        """Delete the entries this build did not use, unless another build is using the cache."""
        if self.folder is None or not self.folder.is_dir():
            return 0
        removed = 0
        with contextlib.suppress(LockBusy), folder_lock(self.folder, wait=0):
            for bucket in sorted(self.folder.iterdir()):
                if not bucket.is_dir() or len(bucket.name) != 2:
                    continue
                for entry in bucket.iterdir():
                    if entry.name not in self.used:
                        with contextlib.suppress(OSError):
                            entry.unlink()
                            removed += 1
        return removed


def place(source: Path, target: Path) -> None:
    """Put a stored page at `target` in the site being built: a hard link (no bytes copied), or a copy
    where the file system refuses links (another device, no link support)."""
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        shutil.copyfile(source, target)

"""What every cached value depends on besides its own inputs: the code and the files a build reads.

A cache entry is looked up by a hash that includes this fingerprint, so changing the generator (an
upgrade, or an edit in a checkout), a library that parses or renders (Jinja, markdown-it, PyYAML,
scipy...), the Python version, or any template or static file of the site makes every old entry
unreachable: nothing a previous build cached can leak into a page the new code would write otherwise.
Hashing the sources rather than trusting a version number covers a checkout edited between builds.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

import generator

#: Libraries whose behaviour shapes what the build writes.
LIBRARIES = (
    "jinja2",
    "markupsafe",
    "markdown-it-py",
    "mdit-py-plugins",
    "latex2mathml",
    "pyyaml",
    "lunr",
    "numpy",
    "scipy",
)


@cache
def code_fingerprint() -> str:
    """A hash of the generator's own source files, the libraries' versions and Python's version.
    Computed once per process: the code cannot change under a running build."""
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"\0{name}={version}".encode())
    package = Path(generator.__file__).resolve().parent
    _hash_files(digest, package, sorted(package.rglob("*.py")))
    return digest.hexdigest()


def files_fingerprint(folders: Iterable[Path]) -> str:
    """A hash of every file under `folders` (names and bytes): the templates and static files a site's
    pages are rendered with. Not cached, since a site's templates may change between two builds of one
    `digest serve`."""
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(f"\0{folder}".encode())
        if folder.is_dir():
            _hash_files(digest, folder, sorted(p for p in folder.rglob("*") if p.is_file()))
    return digest.hexdigest()


def _hash_files(digest: hashlib._Hash, root: Path, files: Iterable[Path]) -> None:
    for path in files:
        data = path.read_bytes()
        digest.update(f"\0{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)

"""The related-papers lists of the last build, kept while no paper file changes.

They depend on every paper's text (through each term's document frequency), so one key covers them all:
a hash of every paper's slug and file (`PaperCache` key) and the code fingerprint. A no-change rebuild
reuses them; any edit recomputes them all, which keeps the lists exactly what a cold build computes.
"""

from __future__ import annotations

import contextlib
import pickle
from pathlib import Path

from generator.atomic import atomic_write

FILE_NAME = "related.pickle"


def read_related(cache_dir: Path, key: str) -> dict[str, list[str]] | None:
    """The lists stored under `key`, or None (none stored, another key, or an unreadable file)."""
    try:
        stored = pickle.loads((cache_dir / FILE_NAME).read_bytes())
    except Exception:  # missing, truncated or foreign: recompute
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    if not isinstance(stored.get("related"), dict):
        return None
    return stored["related"]


def write_related(cache_dir: Path, key: str, related: dict[str, list[str]]) -> None:
    """Keep the lists for the next build; a cache that cannot be written only costs time."""
    with contextlib.suppress(OSError):
        atomic_write(cache_dir / FILE_NAME, pickle.dumps({"key": key, "related": related}, protocol=5))

"""What every test module shares: where this checkout and ../shared are, and a file-tree snapshot."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONTENT = REPO / "content"
SHARED = REPO.parent / "shared"
SEED = SHARED / "digests" / "hf-trending-may-9.txt"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative POSIX path, with its bytes: two snapshots are equal exactly
    when nothing was added, removed or changed."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }

"""The build cache: `.cache/` beside the output folder, what a build can reuse from the builds before.

Each store is keyed by a hash of everything its values depend on, and every key includes the code
fingerprint (`fingerprint.py`), so a stale entry is never used: it is simply never looked up again.

- `papers.py`: each paper file parsed, validated and rendered (a SitePaper, and its terms for related
  papers), by the hash of its path and bytes; plus a small index `digest ingest` reads.
- `related.py`: the related-papers lists, while no paper file changes.
- `pages.py`: every rendered page, by the hash of its inputs; built sites hard-link these files.
- the search index, in `.cache/search/` (generator/search/parts.py).

The cache is never inside the site or inside content/; deleting it only makes the next build slower.
"""

from __future__ import annotations

from pathlib import Path

FOLDER_NAME = ".cache"


def cache_dir_for(out_dir: Path) -> Path:
    """The build cache of the site built into `out_dir`: `.cache/` beside it."""
    return out_dir.parent / FOLDER_NAME


def cache_dir_beside(content_dir: Path) -> Path:
    """The cache `make site` uses for this content (`_site/` and `.cache/` sit beside content/):
    `digest ingest` only reads it, to skip parsing paper files a build has parsed already."""
    return content_dir.resolve().parent / FOLDER_NAME

"""Split the papers into shards by digest date, build them (in parallel, cached), write the manifest.

The browser fetches `search/index.json` (the manifest), then the newest shard, shows results, and loads
the older shards after it. So the first shard is small (a fast first result) and the others are bounded
(no single fetch freezes the page). A digest date is never split across shards unless that one date alone
is over the budget. A shard's size is estimated before it is built, from its text length (calibrated on
the arXiv corpus: the gzipped index and store take about 0.62 bytes per character of indexed text plus
~60 bytes per paper: within 5% from 100 to 1000 papers a shard, over rather than under for large shards).

The cache holds each shard gzipped (`<hash of its input>.json.gz`): the gzipped size is a figure we report,
and a cached rebuild then costs a decompression instead of a compression.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from generator import urls
from generator.atomic import atomic_write
from generator.search.index import DECIMALS, FIELDS, SNIPPET_CHARS, ShardDoc, build_shard, dumps

if TYPE_CHECKING:
    from generator.model import SitePaper

MANIFEST_VERSION = 1
CACHE_VERSION = "search-shard-1"  # bump when the shard format or the pipeline changes
FIRST_SHARD_BUDGET = 250_000  # estimated gzipped bytes of the first (newest) shard
SHARD_BUDGET = 500_000  # estimated gzipped bytes of every other shard
GZIP_LEVEL = 6  # what static hosts typically serve


@dataclass(frozen=True)
class SearchStats:
    """What `write_search_index` did: sizes in bytes (gzip as served), wall time, shards taken from cache."""

    papers: int
    shards: int
    bytes: int
    gzip_bytes: int
    first_shard_gzip_bytes: int
    seconds: float
    cached_shards: int


def estimate_bytes(doc: ShardDoc) -> int:
    """The gzipped bytes a document is expected to add to a shard."""
    chars = len(doc.title) + len(doc.abstract) + sum(map(len, doc.topics)) + sum(map(len, doc.authors))
    return 60 + int(chars * 0.62)


def split_shards(
    docs: Sequence[ShardDoc],
    *,
    first_budget: int = FIRST_SHARD_BUDGET,
    budget: int = SHARD_BUDGET,
    estimate: Callable[[ShardDoc], int] = estimate_bytes,
) -> list[list[ShardDoc]]:
    """Group documents (newest first) into shards by date, each within its budget when possible."""
    ordered = sorted(docs, key=lambda doc: doc.date, reverse=True)  # stable: keeps the order within a date
    shards: list[list[ShardDoc]] = []
    current: list[ShardDoc] = []
    size = 0

    def limit() -> int:
        return first_budget if not shards else budget

    def close() -> None:
        nonlocal current, size
        if current:
            shards.append(current)
        current, size = [], 0

    for _date, group_iter in groupby(ordered, key=lambda doc: doc.date):
        group = list(group_iter)
        group_size = sum(map(estimate, group))
        if current and size + group_size > limit():
            close()
        if group_size <= limit():
            current.extend(group)
            size += group_size
            continue
        for doc in group:  # one date alone is over the budget: split it, in order
            cost = estimate(doc)
            if current and size + cost > limit():
                close()
            current.append(doc)
            size += cost
    close()
    return shards


def doc_for(paper: SitePaper, topic_names: Mapping[str, str]) -> ShardDoc:
    return ShardDoc(
        title=paper.title,
        url=urls.paper(paper.slug),
        date=paper.date,
        topics=tuple(topic_names.get(slug, slug) for slug in paper.topics),
        authors=tuple(paper.authors or ()),
        abstract=paper.text,
    )


def cache_key(docs: Sequence[ShardDoc]) -> str:
    """A hash of everything a shard's bytes depend on."""
    payload = {
        "version": CACHE_VERSION,
        "fields": FIELDS,
        "decimals": DECIMALS,
        "snippet": SNIPPET_CHARS,
        "docs": [doc.to_json() for doc in docs],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=True, sort_keys=True).encode()).hexdigest()


def compress(data: bytes) -> bytes:
    """Deterministic gzip (no timestamp), at the level static hosts typically serve."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def _build_gzipped(docs: Sequence[ShardDoc]) -> bytes:
    return compress(build_shard(docs))


def _build_all(todo: list[list[ShardDoc]], workers: int) -> list[bytes]:
    """Each shard's gzipped file, built in `workers` processes (in this one when 1 or a single shard)."""
    if workers <= 1 or len(todo) <= 1:
        return [_build_gzipped(docs) for docs in todo]
    with ProcessPoolExecutor(max_workers=min(workers, len(todo))) as pool:
        return list(pool.map(_build_gzipped, todo))


def write_search_index(
    papers: Sequence[SitePaper],
    site_dir: Path,
    *,
    topic_names: Mapping[str, str],
    cache_dir: Path | None = None,
    workers: int = 2,
    first_budget: int = FIRST_SHARD_BUDGET,
    budget: int = SHARD_BUDGET,
) -> SearchStats:
    """Write `search/index.json` (the manifest, newest shard first) and one content-hashed file per shard.

    Shards whose input has not changed are read from `cache_dir` instead of being rebuilt; the others are
    built in `workers` processes (1: in this process).
    """
    started = time.perf_counter()
    shards = split_shards(
        [doc_for(paper, topic_names) for paper in papers], first_budget=first_budget, budget=budget
    )
    keys = [cache_key(docs) for docs in shards]
    gzipped: list[bytes | None] = [None] * len(shards)
    if cache_dir is not None:
        for number, key in enumerate(keys):
            cached = cache_dir / f"{key}.json.gz"
            if cached.is_file():
                gzipped[number] = cached.read_bytes()
    cached_count = sum(data is not None for data in gzipped)
    todo = [number for number, data in enumerate(gzipped) if data is None]
    for number, data in zip(todo, _build_all([shards[n] for n in todo], workers), strict=True):
        gzipped[number] = data
        if cache_dir is not None:
            atomic_write(cache_dir / f"{keys[number]}.json.gz", data)

    out = site_dir / "search"
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    total = total_gzip = first_gzip = 0
    names = set()
    for number, (docs, data) in enumerate(zip(shards, gzipped, strict=True)):
        assert data is not None
        content = gzip.decompress(data)
        name = f"shard-{hashlib.sha256(content).hexdigest()[:12]}.json"
        names.add(name)
        (out / name).write_bytes(content)
        size = len(data)
        total, total_gzip = total + len(content), total_gzip + size
        if number == 0:
            first_gzip = size
        entries.append({"url": name, "papers": len(docs), "newest": docs[0].date, "oldest": docs[-1].date})
    for stale in out.glob("shard-*.json"):
        if stale.name not in names:
            stale.unlink()
    manifest = dumps({"version": MANIFEST_VERSION, "shards": entries})
    (out / "index.json").write_bytes(manifest)
    return SearchStats(
        papers=len(papers),
        shards=len(shards),
        bytes=total + len(manifest),
        gzip_bytes=total_gzip + len(compress(manifest)),
        first_shard_gzip_bytes=first_gzip,
        seconds=time.perf_counter() - started,
        cached_shards=cached_count,
    )

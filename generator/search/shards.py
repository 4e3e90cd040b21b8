"""Split the papers into shards by digest date, build them (in parallel, cached), write the manifest.

The browser fetches `search/index.json` (the manifest), then the newest shard, shows results, and loads
the older shards after it. So the first shard is small (a fast first result) and the others are bounded
(no single fetch freezes the page). A digest date is never split across shards unless that one date alone
is over the budget. Shards are filled from the oldest date on (see `split_shards`), so a new day, the usual
change, rebuilds the first shard and at most one other, and every older shard comes from the cache (filled
from the newest date on, every boundary would move with each new day, and every shard be rebuilt).

A shard's size is estimated before it is built, from its text length (calibrated on the arXiv corpus: the
gzipped index and store take about 0.62 bytes per character of indexed text plus ~60 bytes per paper:
within 5% from 100 to 1000 papers a shard, over rather than under for large shards).

The cache holds each shard gzipped (`<hash of its input>.json.gz`): the gzipped size is a figure we report,
and a cached rebuild then costs a decompression instead of a compression. A cache entry is checked as it is
read (gzip's own CRC-32 and length, then the shard's outer shape) because a truncated or overwritten entry
would otherwise break every later build until someone deleted the cache by hand; a bad entry is dropped,
rebuilt and reported as a warning. Parsing the whole JSON would be a stricter check, but it costs ten times
the decompression (about 0.1 s a shard), which is the time the cache exists to save.

The pool's workers are tied to the build's life: a build killed with SIGKILL cannot shut its pool down, and
its workers would otherwise wait on their task queue for good.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator import urls
from generator.atomic import atomic_write, naming
from generator.parallel import cpu_workers, die_with_parent
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
    #: Problems the build worked around (a corrupt cache entry rebuilt, a cache it could not write).
    warnings: tuple[str, ...] = ()


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
    """Group documents into shards by date, newest shard first, each within its budget when possible.

    Everything is packed from the oldest date on, so that a shard's contents depend only on the dates up
    to its own. First into blocks: consecutive whole dates that fit `first_budget` together (a date alone
    over it is a block of its own). The newest block is the first shard; the older blocks, in turn, are
    grouped into shards that fit `budget`. A new date joins the newest block, or closes it (unchanged) and
    starts the next one; a closed block joins the newest of the other shards, or starts a shard of its own
    (with the same documents, so the same cache entry, as when it was the first shard). So a new date, or
    an edit to a paper of the first shard, changes the first shard and at most one other, and every older
    shard keeps its exact documents. The first shard holds from one to a few of the newest dates.

    A date is split only when it alone is over a budget: when it is the newest date and over
    `first_budget`, the first shard takes its first documents and the rest is a block; a block over
    `budget` is split in document order over as many shards as it takes, its last part sharing a shard
    with the next newer block. Within a shard the documents are newest date first, in their given order
    within a date.
    """
    block_budget = min(first_budget, budget)  # so only a single date can make a block over `budget`
    by_date: dict[str, list[ShardDoc]] = {}
    for doc in docs:
        by_date.setdefault(doc.date, []).append(doc)
    blocks: list[tuple[list[list[ShardDoc]], int]] = []  # (date groups oldest first, size), oldest first
    groups: list[list[ShardDoc]] = []
    size = 0
    for date in sorted(by_date):
        group = by_date[date]
        group_size = sum(map(estimate, group))
        if groups and size + group_size > block_budget:
            blocks.append((groups, size))
            groups, size = [], 0
        groups.append(group)
        size += group_size
        if group_size > block_budget:  # a date alone over the budget: a block of its own
            blocks.append((groups, size))
            groups, size = [], 0
    if groups:
        blocks.append((groups, size))
    if not blocks:
        return []

    newest, newest_size = blocks.pop()
    if newest_size <= first_budget:
        first = [doc for group in reversed(newest) for doc in group]
    else:  # the newest date alone is over the first budget: the first shard takes its start
        first = _fill(newest[0], first_budget, estimate)
        if len(first) < len(newest[0]):
            remainder = newest[0][len(first) :]
            blocks.append(([remainder], sum(map(estimate, remainder))))

    shards: list[list[list[ShardDoc]]] = []  # each shard's date groups, oldest first
    groups, size = [], 0
    for block, block_size in blocks:
        if groups and size + block_size > budget:
            shards.append(groups)
            groups, size = [], 0
        if block_size <= budget:
            groups += block
            size += block_size
            continue
        part: list[ShardDoc] = []  # one date alone is over the budget: split it, in order
        for doc in block[0]:
            cost = estimate(doc)
            if part and size + cost > budget:
                shards.append([part])
                part, size = [], 0
            part.append(doc)
            size += cost
        groups = [part]  # the date's last part, which the next block may join
    if groups:
        shards.append(groups)
    return [first] + [[doc for group in reversed(parts) for doc in group] for parts in reversed(shards)]


def _fill(docs: Sequence[ShardDoc], budget: int, estimate: Callable[[ShardDoc], int]) -> list[ShardDoc]:
    """The first documents that fit the budget (at least one)."""
    size = 0
    for count, doc in enumerate(docs):
        size += estimate(doc)
        if count and size > budget:
            return list(docs[:count])
    return list(docs)


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
    with ProcessPoolExecutor(
        max_workers=min(workers, len(todo)), initializer=die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        return list(pool.map(_build_gzipped, todo))


def shard_problem(content: bytes) -> str | None:
    """Why a decompressed cache entry is not a shard `build_shard` wrote, or None when it looks like one."""
    if not (content.startswith(b'{"index":{') and content.endswith(b"}}") and b',"docs":{' in content):
        return "not a search shard"
    return None


def read_cached(path: Path) -> tuple[bytes, bytes] | str | None:
    """A cache entry as (gzipped, content); None when there is none; a reason when it is corrupt."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    try:
        content = gzip.decompress(data)  # checks the CRC-32 and length in the gzip trailer
    except EOFError:
        return "truncated"
    except (OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        return f"not gzip data ({exc})"
    problem = shard_problem(content)
    return problem if problem else (data, content)


def _drop(path: Path, reason: str) -> str:
    """Remove a corrupt cache entry (it is rebuilt) and say so."""
    with contextlib.suppress(OSError):  # rebuilding it replaces it anyway
        path.unlink(missing_ok=True)
    return f"search cache: {path} was {reason}; dropped it and rebuilt the shard"


def write_search_index(
    papers: Sequence[SitePaper],
    site_dir: Path,
    *,
    topic_names: Mapping[str, str],
    cache_dir: Path | None = None,
    workers: int | None = None,
    first_budget: int = FIRST_SHARD_BUDGET,
    budget: int = SHARD_BUDGET,
) -> SearchStats:
    """Write `search/index.json` (the manifest, newest shard first) and one content-hashed file per shard.

    Shards whose input has not changed are read from `cache_dir` instead of being rebuilt; the others are
    built in `workers` processes (default: the cores, `parallel.cpu_workers`; 1: in this process).
    """
    workers = cpu_workers() if workers is None else workers
    started = time.perf_counter()
    shards = split_shards(
        [doc_for(paper, topic_names) for paper in papers], first_budget=first_budget, budget=budget
    )
    keys = [cache_key(docs) for docs in shards]
    warnings: list[str] = []
    out = site_dir / "search"
    out.mkdir(parents=True, exist_ok=True)
    # Each shard is written as soon as it is at hand and only its figures are kept: at 50k papers the
    # shards are 250 MB of JSON, which a build need not hold at once.
    written: dict[int, tuple[str, int, int]] = {}  # number -> (file name, bytes, gzipped bytes)

    def emit(number: int, data: bytes, content: bytes) -> None:
        name = f"shard-{hashlib.sha256(content).hexdigest()[:12]}.json"
        _write_bytes(out / name, content)
        written[number] = (name, len(content), len(data))

    todo = []
    for number, key in enumerate(keys):
        entry = read_cached(cache_dir / f"{key}.json.gz") if cache_dir is not None else None
        if isinstance(entry, str):
            assert cache_dir is not None
            warnings.append(_drop(cache_dir / f"{key}.json.gz", entry))
            entry = None
        if entry is None:
            todo.append(number)
        else:
            emit(number, *entry)
    cached_count = len(shards) - len(todo)
    storing = cache_dir is not None
    for number, data in zip(todo, _build_all([shards[n] for n in todo], workers), strict=True):
        emit(number, data, gzip.decompress(data))
        if storing:
            assert cache_dir is not None
            failed = _store(cache_dir, [(keys[number], (data, b""))])
            warnings += failed
            storing = not failed

    entries = []
    total = total_gzip = first_gzip = 0
    for number, docs in enumerate(shards):
        name, size, gzipped = written[number]
        total, total_gzip = total + size, total_gzip + gzipped
        if number == 0:
            first_gzip = gzipped
        entries.append({"url": name, "papers": len(docs), "newest": docs[0].date, "oldest": docs[-1].date})
    names = {name for name, _, _ in written.values()}
    for stale in out.glob("shard-*.json"):
        if stale.name not in names:
            stale.unlink()
    manifest = dumps({"version": MANIFEST_VERSION, "shards": entries})
    _write_bytes(out / "index.json", manifest)
    return SearchStats(
        papers=len(papers),
        shards=len(shards),
        bytes=total + len(manifest),
        gzip_bytes=total_gzip + len(compress(manifest)),
        first_shard_gzip_bytes=first_gzip,
        seconds=time.perf_counter() - started,
        cached_shards=cached_count,
        warnings=tuple(warnings),
    )


def _write_bytes(path: Path, data: bytes) -> None:
    """Write a file of the site; a full disk's error (raised by `write`, naming no file) names it."""
    with naming(path):
        path.write_bytes(data)


def _store(cache_dir: Path, entries: Sequence[tuple[str, tuple[bytes, bytes] | None]]) -> list[str]:
    """Save freshly built shards in the cache. The cache only saves time, so a disk that refuses (full,
    read-only) costs a warning, not the build."""
    for key, entry in entries:
        assert entry is not None
        try:
            atomic_write(cache_dir / f"{key}.json.gz", entry[0])
        except OSError as exc:
            where = exc.filename or cache_dir
            return [
                f"search cache: cannot write {where}: {exc.strerror or exc}; the next build rebuilds them"
            ]
    return []

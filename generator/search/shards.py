"""Split the papers into shards by digest date, build them (in parallel, cached), write the manifest.

The browser fetches `search/index.json` (the manifest), then the newest shard, shows results, and loads
the older shards after it. So the first shard is small (a fast first result) and the others are bounded
(no single fetch freezes the page). A digest date is never split across shards unless that one date alone
is over the budget. A shard's size is estimated before it is built, from its text length (calibrated on
the arXiv corpus: the gzipped index and store take about 0.62 bytes per character of indexed text plus
~60 bytes per paper: within 5% from 100 to 1000 papers a shard, over rather than under for large shards).

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
import ctypes
import gzip
import hashlib
import json
import os
import signal
import sys
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from generator import urls
from generator.atomic import atomic_write, naming
from generator.search.index import DECIMALS, FIELDS, SNIPPET_CHARS, ShardDoc, build_shard, dumps

if TYPE_CHECKING:
    from generator.model import SitePaper

MANIFEST_VERSION = 1
CACHE_VERSION = "search-shard-1"  # bump when the shard format or the pipeline changes
FIRST_SHARD_BUDGET = 250_000  # estimated gzipped bytes of the first (newest) shard
SHARD_BUDGET = 500_000  # estimated gzipped bytes of every other shard
GZIP_LEVEL = 6  # what static hosts typically serve
PARENT_POLL_SECONDS = 0.2  # how often a pool worker checks that the build that started it is alive
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


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


def die_with_parent(parent: int) -> None:
    """Pool initializer: end this worker as soon as the process that started it (`parent`) is gone.

    On Linux the kernel does it (PR_SET_PDEATHSIG: SIGKILL when the parent dies); a daemon thread polling
    the parent covers other systems, and a parent that died before the prctl took effect.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # no libc prctl: the thread below still works
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    ppid = os.getppid()
    if ppid != parent and not _alive(parent):  # a fork server may sit between us, so check the build too
        os._exit(1)
    threading.Thread(
        target=_exit_when_orphaned, args=(parent, ppid), name="digest-parent-watch", daemon=True
    ).start()


def _exit_when_orphaned(parent: int, ppid: int) -> None:
    while os.getppid() == ppid and _alive(parent):
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    warnings: list[str] = []
    built: list[tuple[bytes, bytes] | None] = [None] * len(shards)  # (gzipped, content) of each shard
    if cache_dir is not None:
        for number, key in enumerate(keys):
            entry = read_cached(cache_dir / f"{key}.json.gz")
            if isinstance(entry, str):
                warnings.append(_drop(cache_dir / f"{key}.json.gz", entry))
            elif entry is not None:
                built[number] = entry
    cached_count = sum(entry is not None for entry in built)
    todo = [number for number, entry in enumerate(built) if entry is None]
    for number, data in zip(todo, _build_all([shards[n] for n in todo], workers), strict=True):
        built[number] = (data, gzip.decompress(data))
    if cache_dir is not None:
        warnings += _store(cache_dir, [(keys[n], built[n]) for n in todo])

    out = site_dir / "search"
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    total = total_gzip = first_gzip = 0
    names = set()
    for number, (docs, entry) in enumerate(zip(shards, built, strict=True)):
        assert entry is not None
        data, content = entry
        name = f"shard-{hashlib.sha256(content).hexdigest()[:12]}.json"
        names.add(name)
        _write_bytes(out / name, content)
        size = len(data)
        total, total_gzip = total + len(content), total_gzip + size
        if number == 0:
            first_gzip = size
        entries.append({"url": name, "papers": len(docs), "newest": docs[0].date, "oldest": docs[-1].date})
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

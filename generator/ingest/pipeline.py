"""Ingest: digest files in, content files out, in phases so a bad input writes nothing at all.

Phase one reads, detects, parses, normalises, dates and classifies every digest: the slow part, and it
needs nothing from content/, so it runs before taking content/'s lock. Phase two, under the exclusive
lock, loads what content/ holds (after any earlier writer has finished, so two ingests at once never
plan against the same old state and lose each other's dates), plans every change, and writes them all as
one transaction. Any error before the commit stops the command with content/ unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator import parallel
from generator.cache import cache_dir_beside
from generator.cache.fingerprint import code_fingerprint
from generator.cache.papers import read_index
from generator.errors import ContentError, InputError
from generator.ingest.dates import resolve_date
from generator.ingest.detect import choose_format
from generator.ingest.merge import DigestPlan, FileChange, apply, plan_digest
from generator.ingest.normalize import normalize_digest
from generator.ingest.source import DigestSource, load_source
from generator.ingest.store import MANIFEST_NAME, ContentStore, load_manifest, load_store
from generator.ingest.transaction import interrupted_ingest, writing
from generator.lock import folder_lock
from generator.model import Paper
from generator.topics import Topic, classify, load_topics

__all__ = ["DigestPlan", "Progress", "ingest_files"]

#: Told what is happening on long work: (what, done so far, total); the CLI draws a progress bar.
Progress = Callable[[str, int, int], None]


@dataclass
class _Read:
    """One digest after phase one: parsed, dated and classified, not yet compared with content/."""

    source: DigestSource
    format: str
    papers: list[Paper]
    date: date
    rule: str
    skipped: list[str]
    warnings: list[str]
    records: int
    save_text: str | None
    #: The file's (mtime, size) when read: a digest in content/digests/ that another writer replaced
    #: before this one got the lock is read again, so the plan matches the file the manifest will name.
    stamp: tuple[int, int] | None
    #: Not parsed: its text was already listed in ingested.yml when it was read (`make site` passes
    #: every digest of content/digests/ each time). Parsed after all if the lock finds it unlisted.
    known: bool = False


def ingest_files(
    paths: Sequence[Path],
    content_dir: Path,
    *,
    date_override: date | None = None,
    fmt: str = "auto",
    dry_run: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
    pending: Mapping[Path, str] | None = None,
) -> list[DigestPlan]:
    """Ingest digests into `content_dir`; returns one plan per digest (applied unless `dry_run`).

    `pending` maps a path in content/digests/ to the text to save there as part of the same transaction
    (a fetched answer): it is read from here, not from disk, and written only if the ingest is.
    """
    today = today or date.today()
    topics = _topics(content_dir)
    pending = pending or {}
    listed = _listed_digests(content_dir)

    def read(path: Path, skip: frozenset[str] = frozenset()) -> _Read:
        return _read(path, fmt, date_override, today, topics, pending.get(path), skip)

    digests = [read(path, listed) for path in paths]
    if dry_run:
        digests = [read(d.source.path) if d.known else d for d in digests]
        return _dry_run(content_dir, digests, topics, progress)
    with writing(content_dir) as repaired:
        store = load_store(content_dir, known=read_index(cache_dir_beside(content_dir), code_fingerprint()))
        digests = [
            read(d.source.path) if _changed_since_read(d) or _unlisted(store, d) else d for d in digests
        ]
        plans = [_plan(store, digest, topics, content_dir, progress) for digest in digests]
        apply(store, plans, progress)
    note = repaired.note(content_dir)
    if note is not None:
        shown = next((plan for plan in plans if plan.already is None), plans[0])
        shown.warnings.insert(0, note)
    return plans


def _read(
    path: Path,
    fmt: str,
    date_override: date | None,
    today: date,
    topics: list[Topic],
    text: str | None,
    skip: frozenset[str] = frozenset(),
) -> _Read:
    stamp = _stamp(path) if text is None else None
    source = DigestSource.from_text(text, path) if text is not None else load_source(path)
    if source.sha256 in skip:
        return _Read(source, fmt, [], today, "", [], [], 0, text, stamp, known=True)
    module = choose_format(fmt, source.head, path)
    parsed = normalize_digest(module.parse(source))
    if not parsed.papers:
        more = f"; and {len(parsed.skipped) - 3} more" if len(parsed.skipped) > 3 else ""
        detail = f" ({'; '.join(parsed.skipped[:3])}{more})" if parsed.skipped else ""
        raise InputError(f"no papers found in this {module.FORMAT} digest{detail}", path)
    digest_date, rule = resolve_date(
        date_override, parsed.date_line, parsed.date_in_text, parsed.month_day, path, today
    )
    if digest_date is None:
        raise InputError(f"cannot tell the digest's date ({rule}): pass --date YYYY-MM-DD", path)
    _classify_all(parsed.papers, topics)
    return _Read(
        source,
        module.FORMAT,
        parsed.papers,
        digest_date,
        rule,
        parsed.skipped,
        parsed.warnings,
        parsed.records,
        text,
        stamp,
    )


def _classify_all(papers: list[Paper], topics: list[Topic]) -> None:
    """Give every paper its topics (on every core when there are many: the rules are regular expressions
    over each abstract)."""

    def topics_of(index: int) -> list[str]:
        return classify(papers[index].title, papers[index].abstract, topics) if topics else []

    for index, found in parallel.run_all(topics_of, len(papers), chunk=256):
        papers[index].topics = found


def _plan(
    store: ContentStore, digest: _Read, topics: list[Topic], content_dir: Path, progress: Progress | None
) -> DigestPlan:
    step = _step(progress, f"planning {digest.source.path.name}", len(digest.papers))
    plan = plan_digest(store, digest.source, digest.format, digest.papers, digest.date, digest.rule, step)
    plan.save_text = digest.save_text
    plan.records = digest.records
    plan.changes.extend(FileChange("skipped", "", reason=why) for why in digest.skipped)
    plan.warnings.extend(digest.warnings)
    if not topics:
        plan.warnings.append(f"{content_dir / 'topics.yml'} is missing: new papers get no topics")
    return plan


def _dry_run(
    content_dir: Path, digests: list[_Read], topics: list[Topic], progress: Progress | None
) -> list[DigestPlan]:
    """Plans only, read under the shared lock (a consistent content/, even while another ingest runs);
    nothing is written, not even the repair of an interrupted ingest."""
    reading = folder_lock(content_dir, shared=True) if content_dir.is_dir() else nullcontext()
    with reading:
        store = load_store(content_dir)
        plans = [_plan(store, digest, topics, content_dir, progress) for digest in digests]
        interrupted = interrupted_ingest(content_dir) if content_dir.is_dir() else None
    if interrupted is not None and plans:
        plans[0].warnings.append(f"{content_dir}: {interrupted}; this plan does not count it")
    return plans


def _listed_digests(content_dir: Path) -> frozenset[str]:
    """The text hashes ingested.yml lists now, read without the lock: only to skip parsing digests that
    are surely already in (what the lock then finds decides; a broken file just means no skipping)."""
    try:
        return frozenset(entry.sha256 for entry in load_manifest(content_dir / MANIFEST_NAME))
    except (ContentError, OSError):
        return frozenset()


def _unlisted(store: ContentStore, digest: _Read) -> bool:
    """A digest skipped as already ingested that the manifest no longer lists (edited meanwhile)."""
    return digest.known and store.find_ingested(digest.source.sha256) is None


def _changed_since_read(digest: _Read) -> bool:
    return digest.save_text is None and _stamp(digest.source.path) != digest.stamp


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _step(progress: Progress | None, what: str, total: int) -> Callable[[int], None] | None:
    """A one-argument progress callback for a stage of `total` items."""
    if progress is None:
        return None
    return lambda done: progress(what, done, total)


def _topics(content_dir: Path) -> list[Topic]:
    path = content_dir / "topics.yml"
    return load_topics(path) if path.exists() else []

"""Ingest: digest files in, content files out, in two phases so a bad input writes nothing at all.

Phase one reads, detects, parses, normalises, dates and classifies every digest and plans every change
against what content/ already holds; phase two writes. Any error in phase one stops the command with
nothing written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from generator.errors import InputError
from generator.ingest.dates import resolve_date
from generator.ingest.detect import choose_format
from generator.ingest.merge import DigestPlan, FileChange, apply, plan_digest
from generator.ingest.normalize import normalize_digest
from generator.ingest.source import load_source
from generator.ingest.store import load_store
from generator.topics import Topic, classify, load_topics

__all__ = ["DigestPlan", "Progress", "ingest_files"]

#: Told what is happening on long work: (what, done so far, total); the CLI draws a progress bar.
Progress = Callable[[str, int, int], None]


def ingest_files(
    paths: Sequence[Path],
    content_dir: Path,
    *,
    date_override: date | None = None,
    fmt: str = "auto",
    dry_run: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> list[DigestPlan]:
    """Ingest digests into `content_dir`; returns one plan per digest (applied unless `dry_run`)."""
    today = today or date.today()
    topics = _topics(content_dir)
    store = load_store(content_dir)
    plans: list[DigestPlan] = []
    for path in paths:
        source = load_source(path)
        module = choose_format(fmt, source.head, path)
        parsed = normalize_digest(module.parse(source))
        if not parsed.papers:
            detail = f" ({'; '.join(parsed.skipped)})" if parsed.skipped else ""
            raise InputError(f"no papers found in this {module.FORMAT} digest{detail}", path)
        digest_date, rule = resolve_date(
            date_override, parsed.date_line, parsed.date_in_text, parsed.month_day, path, today
        )
        if digest_date is None:
            raise InputError(f"cannot tell the digest's date ({rule}): pass --date YYYY-MM-DD", path)
        for paper in parsed.papers:
            paper.topics = classify(paper.title, paper.abstract, topics) if topics else []
        step = _step(progress, f"planning {path.name}", len(parsed.papers))
        plan = plan_digest(store, source, module.FORMAT, parsed.papers, digest_date, rule, step)
        plan.changes.extend(FileChange("skipped", "", reason=why) for why in parsed.skipped)
        plan.warnings.extend(parsed.warnings)
        if not topics:
            plan.warnings.append(f"{content_dir / 'topics.yml'} is missing: new papers get no topics")
        plans.append(plan)
    if not dry_run:
        apply(store, plans, progress)
    return plans


def _step(progress: Progress | None, what: str, total: int) -> Callable[[int], None] | None:
    """A one-argument progress callback for a stage of `total` items."""
    if progress is None:
        return None
    return lambda done: progress(what, done, total)


def _topics(content_dir: Path) -> list[Topic]:
    path = content_dir / "topics.yml"
    return load_topics(path) if path.exists() else []

"""The merge policy: what a parsed digest changes in content/, decided before anything is written.

Content files are edited by hand, so an existing paper (same id) keeps every field as it is and only
gains the new digest's date in `digests`; a digest already on record is skipped whole, so a paper file
deleted by hand stays deleted. Planning is pure: `apply` does the writing, and only when every digest
of the command planned cleanly, and then as one transaction (see transaction.py): a killed or failing
ingest leaves content/ as it was or as it would be after the whole command, never in between.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from generator import parallel
from generator.content import ContentFile, compose_file, content_file_of, parse_content_text, replace_field
from generator.ingest.dates import date_in_filename
from generator.ingest.source import DigestSource, file_sha256
from generator.ingest.store import ContentStore, ManifestEntry
from generator.ingest.transaction import Write, commit_writes
from generator.markdown import escape_text
from generator.model import Paper, slugify, unique_slug

ACTIONS = ("new", "updated", "unchanged", "skipped")


@dataclass
class FileChange:
    """What happens to one paper of the digest, and the file text to write for new/updated."""

    action: str
    title: str
    path: Path | None = None
    text: str | None = None
    reason: str = ""


@dataclass
class DigestPlan:
    """Everything one digest does to content/, ready to print (dry run) or apply."""

    source: DigestSource
    format: str
    date: date
    date_rule: str
    source_name: str
    copy_to: Path | None = None
    #: The digest's own text to write at `source.path` (a fetched answer saved with its ingest).
    save_text: str | None = None
    already: ManifestEntry | None = None
    changes: list[FileChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: How many entries the digest held (ParsedDigest.records): papers plus skipped entries, printed
    #: beside the papers that came out so a lost entry would show.
    records: int = 0

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def digest_copy_target(
    store: ContentStore, source: DigestSource, digest_date: date
) -> tuple[str, Path | None]:
    """Where the raw digest is kept in content/digests/ (relative name) and whether it must be copied.

    A copy's name carries the date, so the digest still says which day it is if the year-less date line
    is ever read again. A file already inside content/digests/ stays where the user put it.
    """
    if _inside(source.path, store.digests_dir):
        return source.path.resolve().relative_to(store.root.resolve()).as_posix(), None
    name = source.path.name
    if date_in_filename(source.path) is None:
        name = f"{digest_date.isoformat()}-{name}"
    target = store.digests_dir / name
    if _same_file(target, source):
        return target.relative_to(store.root).as_posix(), None
    if target.exists():  # another file has the name: keep both
        stem, dot, suffix = name.partition(".")
        target = store.digests_dir / f"{stem}-{source.sha256[:8]}{dot}{suffix}"
    copy = None if _same_file(target, source) else target
    return target.relative_to(store.root).as_posix(), copy


def _same_file(path: Path, source: DigestSource) -> bool:
    """Whether `path` already holds this digest's bytes (hashed once, however large it is)."""
    return path.exists() and file_sha256(path) == source.raw_sha256


def plan_digest(
    store: ContentStore,
    source: DigestSource,
    fmt: str,
    papers: list[Paper],
    digest_date: date,
    date_rule: str,
    progress: Callable[[int], None] | None = None,
) -> DigestPlan:
    """Decide every change one digest makes; updates `store` in memory so later digests see them."""
    day = digest_date.isoformat()
    already = store.find_ingested(source.sha256)
    if already is not None:
        plan = DigestPlan(
            source,
            fmt,
            date.fromisoformat(already.date),
            "as recorded when first ingested",
            already.file,
            already=already,
        )
        titles = [p.title for p in papers] or [""] * already.papers  # not parsed: the count on record
        plan.changes = [FileChange("unchanged", title, reason="digest already ingested") for title in titles]
        plan.format = already.format
        return plan
    name, copy_to = digest_copy_target(store, source, digest_date)
    plan = DigestPlan(source, fmt, digest_date, date_rule, name, copy_to=copy_to)
    seen_in_digest: dict[str, int] = {}
    orphans: list[str] = []
    claimed: set[str] = set()
    composed = _compose_new_files(store, papers, day, name)
    for number, paper in enumerate(papers, start=1):
        if progress is not None:
            progress(number)
        if paper.id in seen_in_digest:
            reason = f"line {paper.line}: the same paper as line {seen_in_digest[paper.id]} of this digest"
            plan.changes.append(FileChange("skipped", paper.title, reason=reason))
            continue
        seen_in_digest[paper.id] = paper.line
        existing = store.find(paper)
        if existing is not None and existing.meta["id"] in claimed:
            existing = None  # two papers of one digest that share a title are two papers
        if existing is None and paper.update_only:
            orphans.append(paper.arxiv or paper.title)
            continue
        if existing is None:
            plan.changes.append(_new_paper(store, paper, day, name, composed.get(number - 1)))
            claimed.add(paper.id)
            continue
        claimed.add(existing.meta["id"])
        plan.changes.append(merge_into(store, existing, paper, day))
    if orphans:
        plan.warnings.append(
            f"{len(orphans)} replacement(s) of papers not in content/ ignored (replacements never create "
            f"papers): {', '.join(orphans[:5])}{' ...' if len(orphans) > 5 else ''}"
        )
    # One entry per file: a digest file changed in place (a re-fetched day) replaces its old entry.
    store.manifest = [entry for entry in store.manifest if entry.file != name]
    store.manifest.append(ManifestEntry(name, source.sha256, day, fmt, len(papers)))
    return plan


def _is_empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _fills(meta: dict[str, Any], paper: Paper) -> dict[str, Any]:
    """The fields this source can add to an existing paper: only those the file leaves empty, so a value
    a person set, or an earlier source gave, is never overwritten."""
    offered = _metadata(paper)
    offered["links"] = _links(paper)
    return {key: value for key, value in offered.items() if not _is_empty(value) and _is_empty(meta.get(key))}


def merge_into(store: ContentStore, existing: ContentFile, paper: Paper, day: str) -> FileChange:
    """Add this digest's date and rank and fill empty fields; everything else stays byte for byte.
    An `update_only` paper (an arXiv replacement, an enrich lookup) only fills; `day` is then unused."""
    meta = existing.meta
    edits: dict[str, Any] = {}
    if not paper.update_only:
        digests = meta.get("digests")
        digests = [str(d) for d in digests] if isinstance(digests, list) else []
        if day not in digests:
            edits["digests"] = sorted({*digests, day})
        rank = meta.get("rank")
        if paper.rank is not None and (rank is None or (isinstance(rank, dict) and day not in rank)):
            edits["rank"] = dict(sorted({**(rank or {}), day: paper.rank}.items()))
    edits.update(_fills(meta, paper))
    if not edits:
        return FileChange("unchanged", paper.title, existing.path)
    content = existing
    text = ""
    for key, value in edits.items():
        text = replace_field(content, key, value)
        content = parse_content_text(text, existing.path)
    store.remember(content)
    what = ", ".join(f"gains digest {day}" if key == "digests" else key for key in edits)
    return FileChange("updated", paper.title, existing.path, text, what)


def _metadata(paper: Paper) -> dict[str, Any]:
    """The optional front matter fields a source gives, in file order; empty ones left out."""
    fields: dict[str, Any] = {
        "authors": list(paper.authors),
        "arxiv": paper.arxiv,
        "published": paper.published,
        "categories": list(paper.categories),
        "keywords": list(paper.keywords),
        "upvotes": paper.upvotes,
        "comment": paper.comment,
    }
    return {key: value for key, value in fields.items() if not _is_empty(value)}


def _links(paper: Paper) -> list[dict[str, str]]:
    return [{"label": link.label, "url": link.url} for link in paper.links]


def _compose_new_files(
    store: ContentStore, papers: list[Paper], day: str, source_name: str
) -> dict[int, tuple[dict[str, Any], str]]:
    """The front matter and file text of every paper that is surely new to content/ (see
    `ContentStore.may_know`), by its index in `papers`, composed on every core: a digest of fifty
    thousand new papers spends most of its planning in the YAML dumper. Only a head start: a paper
    missing here (it looked known, or came too few to fork for) is composed when planned, the same way."""
    fresh = [i for i, paper in enumerate(papers) if not paper.update_only and not store.may_know(paper)]

    def compose(index: int) -> tuple[dict[str, Any], str]:
        return _new_file(papers[fresh[index]], day, source_name)

    return {fresh[index]: done for index, done in parallel.run_all(compose, len(fresh), chunk=256)}


def _new_file(paper: Paper, day: str, source_name: str) -> tuple[dict[str, Any], str]:
    """A new paper's front matter and file text: a function of the paper, the day and the digest only."""
    meta: dict[str, Any] = {
        "id": paper.id,
        "title": paper.title,
        "date": day,
        "digests": [day],
        "topics": list(paper.topics),
        "links": _links(paper),
        "source": source_name,
    }
    if paper.rank is not None:
        meta["rank"] = {day: paper.rank}
    meta.update(_metadata(paper))
    return meta, compose_file(meta, escape_text(paper.abstract))


def _new_paper(
    store: ContentStore,
    paper: Paper,
    day: str,
    source_name: str,
    composed: tuple[dict[str, Any], str] | None = None,
) -> FileChange:
    slug = unique_slug(slugify(paper.title), store.slugs)
    path = store.papers_dir / f"{slug}.md"
    meta, text = composed or _new_file(paper, day, source_name)
    store.slugs.add(slug)
    store.remember(content_file_of(text, path, meta))
    return FileChange("new", paper.title, path, text)


def apply(
    store: ContentStore, plans: list[DigestPlan], progress: Callable[[str, int, int], None] | None = None
) -> None:
    """Write what the plans decided as one transaction: paper files, digest files, then the manifest
    last. The caller holds content/'s lock (`transaction.writing`) from before it loaded `store`."""
    writes = [Write(c.path, c.text) for plan in plans for c in plan.changes if c.text is not None and c.path]
    papers = len(writes)
    for plan in plans:
        if plan.save_text is not None:
            writes.append(Write(plan.source.path, plan.save_text))
        if plan.copy_to is not None:
            writes.append(Write(plan.copy_to, copy_from=plan.source.path))
    if any(plan.already is None for plan in plans):
        writes.append(Write(store.manifest_path, store.manifest_text()))

    def staged(done: int) -> None:
        if progress is not None and done <= papers:
            progress("writing paper files", done, papers)

    commit_writes(store.root, writes, staged)

"""The merge policy: what a parsed digest changes in content/, decided before anything is written.

Content files are edited by hand, so an existing paper (same id) keeps every field as it is and only
gains the new digest's date in `digests`; a digest already on record is skipped whole, so a paper file
deleted by hand stays deleted. Planning is pure: `apply` does the writing, and only when every digest
of the command planned cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.content import atomic_write, compose_file, parse_content_text, replace_field
from generator.ingest.dates import date_in_filename
from generator.ingest.source import DigestSource
from generator.ingest.store import ContentStore, ManifestEntry
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
    already: ManifestEntry | None = None
    changes: list[FileChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

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
    if target.exists() and target.read_bytes() != source.raw:
        stem, dot, suffix = name.partition(".")
        target = store.digests_dir / f"{stem}-{source.sha256[:8]}{dot}{suffix}"
    copy = None if target.exists() and target.read_bytes() == source.raw else target
    return target.relative_to(store.root).as_posix(), copy


def plan_digest(
    store: ContentStore,
    source: DigestSource,
    fmt: str,
    papers: list[Paper],
    digest_date: date,
    date_rule: str,
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
        plan.changes = [FileChange("unchanged", p.title, reason="digest already ingested") for p in papers]
        return plan
    name, copy_to = digest_copy_target(store, source, digest_date)
    plan = DigestPlan(source, fmt, digest_date, date_rule, name, copy_to=copy_to)
    seen_in_digest: dict[str, int] = {}
    for paper in papers:
        if paper.id in seen_in_digest:
            plan.changes.append(
                FileChange(
                    "skipped",
                    paper.title,
                    reason=(f"line {paper.line}: same title and abstract as line {seen_in_digest[paper.id]}"),
                )
            )
            continue
        seen_in_digest[paper.id] = paper.line
        existing = store.papers_by_id.get(paper.id)
        if existing is None:
            plan.changes.append(_new_paper(store, paper, day, name))
            continue
        digests = existing.meta.get("digests")
        digests = [str(d) for d in digests] if isinstance(digests, list) else []
        if day in digests:
            plan.changes.append(FileChange("unchanged", paper.title, existing.path))
            continue
        text = replace_field(existing, "digests", sorted({*digests, day}))
        store.papers_by_id[paper.id] = parse_content_text(text, existing.path)
        plan.changes.append(FileChange("updated", paper.title, existing.path, text, f"gains digest {day}"))
    store.manifest.append(ManifestEntry(name, source.sha256, day, fmt, len(papers)))
    return plan


def _new_paper(store: ContentStore, paper: Paper, day: str, source_name: str) -> FileChange:
    slug = unique_slug(slugify(paper.title), store.slugs)
    path = store.papers_dir / f"{slug}.md"
    meta: dict[str, object] = {
        "id": paper.id,
        "title": paper.title,
        "date": day,
        "digests": [day],
        "topics": list(paper.topics),
        "links": [{"label": link.label, "url": link.url} for link in paper.links],
        "source": source_name,
    }
    if paper.authors:
        meta["authors"] = list(paper.authors)
    if paper.arxiv:
        meta["arxiv"] = paper.arxiv
    text = compose_file(meta, escape_text(paper.abstract))
    store.slugs.add(slug)
    store.papers_by_id[paper.id] = parse_content_text(text, path)
    return FileChange("new", paper.title, path, text)


def apply(store: ContentStore, plans: list[DigestPlan]) -> None:
    """Write what the plans decided: paper files, raw digest copies, then the manifest last."""
    root = store.root.resolve()
    for plan in plans:
        for change in plan.changes:
            if change.text is not None and change.path is not None:
                if not change.path.resolve().is_relative_to(root):
                    raise RuntimeError(f"refusing to write outside {root}: {change.path}")
                atomic_write(change.path, change.text)
        if plan.copy_to is not None:
            plan.copy_to.parent.mkdir(parents=True, exist_ok=True)
            temp = plan.copy_to.with_name(f".{plan.copy_to.name}.tmp")
            temp.write_bytes(plan.source.raw)
            temp.replace(plan.copy_to)
    if any(plan.already is None for plan in plans):
        store.write_manifest()

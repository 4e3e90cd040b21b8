"""`digest serve`'s first answer to a saved paper: its own page, re-rendered at once.

A full rebuild of a large site takes seconds (related papers are recomputed over every paper, since one
title changes the weight of its words everywhere). Someone editing a paper wants to see that paper now,
so the server first re-renders the edited papers' own pages from the new files and everything else of the
last build (its related lists, neighbours, settings), writes just those pages into the served site and
reloads the browser; the full rebuild follows and replaces the whole site as `digest build` would. Only
edits of existing paper files take this path: a new, renamed or deleted file, or any other file, waits
for the rebuild, as does a file with a problem (the rebuild reports it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from generator.assets import SiteFolder
from generator.atomic import atomic_write
from generator.build import BuildMemory
from generator.content import read_bytes
from generator.errors import ContentError
from generator.lock import LockBusy, folder_lock
from generator.model import Site, SitePaper
from generator.pages import PageRenderer
from generator.pages.environment import make_environment
from generator.pages.papers import neighbours, paper_page
from generator.site import parse_paper_file

#: Seconds to wait for the site's lock (a `make site` of the same folder is running): else no preview.
LOCK_WAIT = 0.2


def preview_papers(
    memory: BuildMemory, content_dir: Path, out_dir: Path, changed: Iterable[Path]
) -> list[str]:
    """Re-render the pages of the edited paper files among `changed` into `out_dir`; the paths written
    (relative to the site), or [] when this change must wait for the full rebuild."""
    site = memory.site
    if site is None or not out_dir.is_dir():
        return []
    papers_dir = (content_dir / "papers").resolve()
    by_slug = {paper.slug: paper for paper in site.papers}
    topic_slugs = {topic.slug for topic in site.topics}
    edited: dict[str, SitePaper] = {}
    for path in changed:
        if path.suffix != ".md" or path.resolve().parent != papers_dir or path.stem not in by_slug:
            return []
        try:
            paper = parse_paper_file(path, read_bytes(path), content_dir, topic_slugs)
        except ContentError:
            return []
        if paper is None or paper.id != by_slug[path.stem].id or paper.date != by_slug[path.stem].date:
            return []  # a new id or date moves it: the rebuild places it
        edited[paper.slug] = paper
    if not edited:
        return []
    new_site = _with_papers(site, edited)
    folder = SiteFolder.of(content_dir)
    kept = memory.environment if memory.folder == folder else None
    renderer = PageRenderer(
        new_site,
        memory.related,
        memory.base_url,
        kept or make_environment(folder),
        cite_keys=memory.cite_keys if set(memory.cite_keys) >= set(edited) else None,
    )
    written = []
    try:
        with folder_lock(out_dir, wait=LOCK_WAIT):
            for slug in sorted(edited):
                previous, following = neighbours(new_site, renderer.by_slug[slug])
                related = [renderer.by_slug[s] for s in memory.related.get(slug, []) if s in renderer.by_slug]
                page = paper_page(renderer, renderer.by_slug[slug], previous, following, related)
                atomic_write(out_dir / page.path, page.text)
                written.append(page.path)
    except (LockBusy, OSError):
        return written
    return written


def _with_papers(site: Site, edited: dict[str, SitePaper]) -> Site:
    """The site with some papers replaced (same slugs, ids and dates, so every list keeps its order)."""

    def swap(paper: SitePaper) -> SitePaper:
        return edited.get(paper.slug, paper)

    digests = {day: [swap(p) for p in listed] for day, listed in site.digests.items()}
    return replace(site, papers=[swap(p) for p in site.papers], digests=digests)

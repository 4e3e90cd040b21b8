"""`digest build`: load and validate content, enrich it, render every page, then swap the site in.

The site is written to a temporary folder next to `--out` and renamed into place only when complete,
so a failed or killed build leaves the previous site as it was. Nothing is ever written to content/.
Output is deterministic: no build timestamps, sorted iteration everywhere.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from generator import urls
from generator.assets import SiteFolder
from generator.errors import DigestError
from generator.model import Site
from generator.pages import Page, render_pages
from generator.pages.environment import make_environment
from generator.related import related_papers
from generator.search import SearchStats, write_search_index
from generator.site import load_site

MARKER = ".research-digest-site"


@dataclass(frozen=True)
class BuildResult:
    """What a build produced, for the summary line."""

    pages: int
    files: int
    seconds: float
    out_dir: Path
    search: SearchStats | None = None


def check_out_dir(content_dir: Path, out_dir: Path) -> None:
    """Refuse output folders that would overwrite content or something that is not a built site."""
    content, out = content_dir.resolve(), out_dir.resolve()
    if out == content or out.is_relative_to(content) or content.is_relative_to(out):
        raise DigestError(f"--out {out_dir} overlaps the content folder {content_dir}; choose another folder")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise DigestError(
            f"--out {out_dir} exists and is not a site built by digest; remove it or choose another"
        )


def related_for(site: Site) -> dict[str, list[str]]:
    """Related papers from titles (weighted twice) and abstracts."""
    return related_papers([(p.slug, f"{p.title} {p.title} {p.text}") for p in site.papers], k=5)


def render_site(site: Site, base_url: str, folder: SiteFolder) -> list[Page]:
    """Every page, rendered with the site folder's templates over the built-in ones."""
    return render_pages(site, related_for(site), base_url, make_environment(folder))


def _write(building: Path, pages: list[Page], static_files: dict[str, Path]) -> int:
    """Write the pages and copy the static files (the site's own over the built-in ones)."""
    for page in pages:
        target = building / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.text, encoding="utf-8", newline="\n")
    for name, source in static_files.items():
        target = building / urls.static(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    (building / MARKER).write_text("Built by research-digest; `digest build` replaces this folder.\n")
    return len(pages) + len(static_files)


def _swap(built: Path, out_dir: Path) -> None:
    """Replace out_dir by the finished build with two renames; the old site is removed last."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.rename(out_dir, old)
    os.rename(built, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_site(content_dir: Path, out_dir: Path, base_url: str | None = None) -> BuildResult:
    """Build the whole site from content_dir into out_dir, atomically."""
    started = time.perf_counter()
    site = load_site(content_dir)
    base = urls.check_base_url(site.config.base_url if base_url is None else base_url)
    check_out_dir(content_dir, out_dir)
    folder = SiteFolder.of(content_dir)
    pages = render_site(site, base, folder)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    try:
        building.chmod(0o755)  # mkdtemp makes it private; a web server must be able to read the site
        files = _write(building, pages, folder.static_files())
        search = write_search_index(
            site.papers,
            building,
            topic_names={t.slug: t.name for t in site.topics},
            cache_dir=out_dir.parent / ".cache" / "search",
        )
        files += search.shards + 1
        _swap(building, out_dir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    html_pages = sum(1 for page in pages if page.path.endswith(".html"))
    return BuildResult(html_pages, files, time.perf_counter() - started, out_dir, search)

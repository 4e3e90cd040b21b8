"""`digest build`: load and validate content, enrich it, render every page, then swap the site in.

The site is written to a temporary folder next to `--out` and renamed into place only when complete,
so a failed or killed build leaves the previous site as it was. Nothing is ever written to content/.
Output is deterministic: no build timestamps, sorted iteration everywhere.

Writing and swapping happen under the output folder's lock (`generator.lock`), so two builds of one site
never interleave; holding it also proves that any `.<out>.building-*` or `.<out>.old-*` folder beside the
site was left by a build that died (SIGKILL, power cut), and is removed. The built files are made 0644 and
the folders 0755 whatever the umask, because a site is meant to be read by a web server running as
another user. A failed write (full disk, no permission) is one line naming the file, not a traceback.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from generator import urls
from generator.assets import SiteFolder
from generator.atomic import UMASK, naming
from generator.errors import DigestError
from generator.lock import folder_lock
from generator.model import Site
from generator.pages import Page, render_pages
from generator.pages.environment import make_environment
from generator.related import related_papers
from generator.search import SearchStats, write_search_index
from generator.site import load_site

MARKER = ".research-digest-site"
FILE_MODE = 0o644  # every built file: readable by the web server, whatever the umask
FOLDER_MODE = 0o755
T = TypeVar("T")


@dataclass(frozen=True)
class BuildResult:
    """What a build produced, for the summary line."""

    pages: int
    files: int
    seconds: float
    out_dir: Path
    search: SearchStats | None = None
    #: Problems the build worked around, one line each, for the CLI and `digest serve` to print.
    warnings: tuple[str, ...] = ()


class SiteWriteError(DigestError):
    """The disk refused the site (full, read-only, no permission); the previous site is untouched."""


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
        with naming(target):
            target.write_text(page.text, encoding="utf-8", newline="\n")
    for name, source in static_files.items():
        target = building / urls.static(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with naming(target):
            shutil.copyfile(source, target)
    (building / MARKER).write_text("Built by research-digest; `digest build` replaces this folder.\n")
    return len(pages) + len(static_files)


def _swap(built: Path, out_dir: Path) -> None:
    """Replace out_dir by the finished build with two renames; the old site is removed last."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.rename(out_dir, old)
    try:
        os.rename(built, out_dir)
    except OSError:
        if old is not None:
            os.rename(old, out_dir)  # put the old site back before reporting
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def leftovers(out_dir: Path) -> list[Path]:
    """The temporary folders builds of out_dir make beside it (`.<name>.building-*`, `.<name>.old-*`)."""
    if not out_dir.parent.is_dir():
        return []
    prefixes = (f".{out_dir.name}.building-", f".{out_dir.name}.old-")
    return sorted(
        path
        for path in out_dir.parent.iterdir()
        if path.name.startswith(prefixes) and path.is_dir() and not path.is_symlink()
    )


def remove_leftovers(out_dir: Path) -> list[str]:
    """Clear what dead builds left beside out_dir. Only called under out_dir's lock, when no build of it
    can be running, so each of these is garbage, except an old site whose build died between the two
    renames of the swap while out_dir is missing: that one is put back. Returns a warning per folder."""
    warnings = []
    found = leftovers(out_dir)
    olds = [p for p in found if p.name.startswith(f".{out_dir.name}.old-") and (p / MARKER).is_file()]
    if olds and not out_dir.exists():
        newest = max(olds, key=lambda p: p.stat().st_mtime_ns)
        os.rename(newest, out_dir)
        found.remove(newest)
        warnings.append(f"restored {out_dir} from {newest}, left by a build that died while swapping")
    for path in found:
        shutil.rmtree(path, ignore_errors=True)
        gone = not path.exists()
        warnings.append(f"{'removed' if gone else 'could not remove'} {path}, left by an interrupted build")
    return warnings


def publish_modes(folder: Path) -> None:
    """0755 folders and 0644 files under `folder` (and itself): the umask must not decide who can read a
    site (under `umask 077` every file would be 0600, unreadable to a web server running as another user).
    """
    folder.chmod(FOLDER_MODE)  # mkdtemp made it 0700
    if UMASK == 0o022:  # the usual umask already gave every file 0644 and every folder 0755
        return
    for top, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(top, name), FOLDER_MODE)
        for name in files:
            os.chmod(os.path.join(top, name), FILE_MODE)


def write_site(out_dir: Path, fill: Callable[[Path], T]) -> tuple[T, list[str]]:
    """Under out_dir's lock: clear dead builds' leftovers, run `fill` on a new temporary folder, then swap
    it in. On any failure the temporary folder is removed and out_dir is as it was; a refusal of the disk
    becomes a SiteWriteError. Returns what `fill` returned and the warnings."""
    with folder_lock(out_dir):
        building: Path | None = None
        try:
            warnings = remove_leftovers(out_dir)
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            building = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
            result = fill(building)
            publish_modes(building)
            _swap(building, out_dir)
            building = None
        except OSError as exc:
            raise _write_error(exc, building, out_dir) from None
        finally:
            if building is not None:
                shutil.rmtree(building, ignore_errors=True)
    return result, warnings


def _write_error(exc: OSError, building: Path | None, out_dir: Path) -> SiteWriteError:
    """`cannot write the site: <file>: <reason>`, the file named as it would have been in out_dir (the
    temporary folder it was really in is gone by the time the user reads this)."""
    where: Path | str = exc.filename if exc.filename is not None else out_dir
    if building is not None and isinstance(where, str | Path):
        with contextlib.suppress(ValueError):  # a file outside it (the parent folder) is named as it is
            where = out_dir / Path(os.fsdecode(where)).relative_to(building)
    after = "the old site is as it was" if out_dir.exists() else "no site was written"
    return SiteWriteError(f"cannot write the site: {os.fsdecode(where)}: {exc.strerror or exc} ({after})")


def build_site(content_dir: Path, out_dir: Path, base_url: str | None = None) -> BuildResult:
    """Build the whole site from content_dir into out_dir, atomically."""
    started = time.perf_counter()
    site = load_site(content_dir)
    base = urls.check_base_url(site.config.base_url if base_url is None else base_url)
    check_out_dir(content_dir, out_dir)
    folder = SiteFolder.of(content_dir)
    pages = render_site(site, base, folder)

    def fill(building: Path) -> tuple[int, SearchStats]:
        files = _write(building, pages, folder.static_files())
        search = write_search_index(
            site.papers,
            building,
            topic_names={t.slug: t.name for t in site.topics},
            cache_dir=out_dir.parent / ".cache" / "search",
        )
        return files + search.shards + 1, search

    (files, search), warnings = write_site(out_dir, fill)
    html_pages = sum(1 for page in pages if page.path.endswith(".html"))
    return BuildResult(
        html_pages,
        files,
        time.perf_counter() - started,
        out_dir,
        search,
        warnings=(*warnings, *search.warnings),
    )

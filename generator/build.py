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
import hashlib
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from jinja2 import Environment

from generator import urls
from generator.assets import SiteFolder
from generator.atomic import UMASK, naming
from generator.cache import cache_dir_for
from generator.cache.fingerprint import code_fingerprint, files_fingerprint
from generator.cache.pages import PageCache, place
from generator.cache.papers import PaperCache
from generator.cache.related import read_related, write_related
from generator.cite import bibtex_keys
from generator.errors import DigestError
from generator.lock import folder_lock
from generator.model import Site
from generator.pages import Page, render_pages
from generator.pages.environment import make_environment
from generator.related import paper_terms, related_by_terms, related_text
from generator.search import SearchStats, write_search_index
from generator.site import load_site

MARKER = ".research-digest-site"
FILE_MODE = 0o644  # every built file: readable by the web server, whatever the umask
FOLDER_MODE = 0o755
T = TypeVar("T")
RELATED_K = 5  # related papers per paper page


#: The stages of a build, in order, as `BuildResult.stages` and `digest build --stats` name them.
STAGES = ("load", "topics", "related", "render", "search", "write")
#: Told how long work is going: (what, done so far, total); the CLI draws a progress bar.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildResult:
    """What a build produced, for the summary line and `--stats`."""

    pages: int
    files: int
    seconds: float
    out_dir: Path
    search: SearchStats | None = None
    #: Problems the build worked around, one line each, for the CLI and `digest serve` to print.
    warnings: tuple[str, ...] = ()
    #: Pages taken from the build cache, and pages rendered.
    reused: int = 0
    rendered: int = 0
    #: Seconds per stage (STAGES).
    stages: Mapping[str, float] = field(default_factory=dict)
    #: Cache hits and misses per store: papers parsed or reused, pages, the search index reused or not.
    cache: Mapping[str, int] = field(default_factory=dict)


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


def related_for(
    site: Site, papers: PaperCache | None = None, cache_dir: Path | None = None
) -> dict[str, list[str]]:
    """Related papers from titles (weighted twice) and abstracts; the lists of the last build when no
    paper file changed (they depend on nothing else), each paper's terms from the cache when it has them."""
    key = None
    if papers is not None and cache_dir is not None:
        listing = "\0".join(f"{slug}\0{source}" for slug, source in sorted(site.sources.items()))
        key = hashlib.sha256(f"{papers.fingerprint}\0{RELATED_K}\0{listing}".encode()).hexdigest()
        found = read_related(cache_dir, key)
        if found is not None:
            return found
    if papers is None:
        terms = [(p.slug, paper_terms(related_text(p))) for p in site.papers]
    else:
        terms = [(p.slug, papers.terms_of(site.sources[p.slug], p, related_text)) for p in site.papers]
    related = related_by_terms(terms, k=RELATED_K)
    if key is not None and cache_dir is not None:
        write_related(cache_dir, key, related)
    return related


def _write(building: Path, pages: list[Page], static_files: dict[str, Path]) -> int:
    """Make `building` hold exactly the pages and static files (the site's own over the built-in ones).

    `building` is empty, or the spare site of an earlier build (see `write_site`): there a cached page
    that is already the cache's file (the same inode: a hard link made by that build) is left as it is,
    every other file is replaced, and files the new site does not have are removed. A file is always
    unlinked before it is written, never truncated in place: it may be a link to a cache entry."""
    before = _files_in(building)
    made: set[Path] = set()
    for page in pages:
        target = building / page.path
        if target.parent not in made:
            _folder(target.parent)
            made.add(target.parent)
        present = page.path in before
        with naming(target):
            if page.stored is not None:
                if present and _same_file(target, page.stored):
                    continue
                _clear(target, present)
                place(page.stored, target)
            else:
                _clear(target, present)
                target.write_text(page.text, encoding="utf-8", newline="\n")
    for name, source in static_files.items():
        relative = urls.static(name)
        target = building / relative
        _folder(target.parent)
        with naming(target):
            _clear(target, relative in before)
            shutil.copyfile(source, target)
    _clear(building / MARKER, MARKER in before)
    (building / MARKER).write_text("Built by research-digest; `digest build` replaces this folder.\n")
    wanted = {page.path for page in pages} | {urls.static(name) for name in static_files} | {MARKER}
    search_files = {name for name in before if _is_search_file(name)}  # the search stage's own
    _remove_stale(building, before - wanted - search_files)
    return len(pages) + len(static_files)


def _is_search_file(relative: str) -> bool:
    """A file `write_search_index` writes and removes (index.json and its parts), not a page."""
    folder, _slash, name = relative.rpartition("/")
    return folder == urls.search_index().rpartition("/")[0] and name.endswith(".json")


def _files_in(folder: Path) -> set[str]:
    """Every file under `folder`, as paths relative to it (empty for a new folder)."""
    found = set()
    for top, _dirs, files in os.walk(folder):
        relative = os.path.relpath(top, folder)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        found.update(prefix + name for name in files)
    return found


def _folder(path: Path) -> None:
    """Make a folder of the site; a file of an earlier site in its way is removed."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        for parent in [*reversed(path.parents), path]:
            if parent.is_file() or parent.is_symlink():
                parent.unlink()
        path.mkdir(parents=True, exist_ok=True)


def _clear(target: Path, present: bool) -> None:
    """Remove what an earlier site had at `target` (a file, or a folder where a file now goes)."""
    if not present and not target.exists():
        return
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)


def _same_file(target: Path, stored: Path) -> bool:
    try:
        return os.path.samefile(target, stored)
    except OSError:
        return False


def _remove_stale(building: Path, stale: set[str]) -> None:
    """Remove an earlier site's files the new one does not have, and the folders that leaves empty."""
    emptied: set[Path] = set()
    for relative in stale:
        path = building / relative
        path.unlink(missing_ok=True)
        emptied.update(p for p in path.parents if p != building and p.is_relative_to(building))
    for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty: the new site has files there
            folder.rmdir()


def spare_of(out_dir: Path) -> Path:
    """The previous site, kept beside out_dir for the next build to update instead of writing all anew."""
    return out_dir.with_name(f".{out_dir.name}.spare")


def _swap(built: Path, out_dir: Path) -> None:
    """Replace out_dir by the finished build with renames; the old site becomes the spare.

    Keeping the old site instead of deleting it saves the next build most of its writes, and saves this
    one the deletion: removing ten thousand page folders takes longer than building them on some disks.
    """
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
        try:
            os.rename(old, spare_of(out_dir))
        except OSError:  # a spare is there after all (another build's): the old site just goes
            shutil.rmtree(old, ignore_errors=True)


def leftovers(out_dir: Path) -> list[Path]:
    """The temporary folders builds of out_dir make beside it (`.<name>.building-*`, `.<name>.old-*`),
    and a spare (`.<name>.spare`) that is not a built site."""
    if not out_dir.parent.is_dir():
        return []
    prefixes = (f".{out_dir.name}.building-", f".{out_dir.name}.old-")
    spare = spare_of(out_dir)
    return sorted(
        path
        for path in out_dir.parent.iterdir()
        if (path.name.startswith(prefixes) or (path == spare and not (path / MARKER).is_file()))
        and path.is_dir()
        and not path.is_symlink()
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
    """Under out_dir's lock: clear dead builds' leftovers, run `fill` on the spare site (or a new temporary
    folder), then swap it in. On any failure out_dir is as it was (a new temporary folder is removed, the
    spare stays a spare: the next build checks every file of it again); a refusal of the disk becomes a
    SiteWriteError. Returns what `fill` returned and the warnings."""
    with folder_lock(out_dir):
        building: Path | None = None
        fresh = False
        try:
            warnings = remove_leftovers(out_dir)
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            building = spare_of(out_dir)
            if not building.is_dir() or building.is_symlink():
                fresh = True
                building = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
            result = fill(building)
            publish_modes(building)
            _swap(building, out_dir)
            building = None
        except OSError as exc:
            raise _write_error(exc, building, out_dir) from None
        finally:
            if building is not None and fresh:
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


@dataclass
class BuildMemory:
    """What a long-lived process (`digest serve`) keeps from one build to the next: the parsed papers
    (so a rebuild does not read the cache file again) and what the last build rendered from, for
    `generator.preview` to re-render an edited paper's page before the full rebuild."""

    papers: PaperCache | None = None
    site: Site | None = None
    related: Mapping[str, list[str]] = field(default_factory=dict)
    base_url: str = ""
    #: The Jinja environment, its templates compiled once (Jinja reloads a template whose file changed).
    environment: Environment | None = None
    folder: SiteFolder | None = None
    #: The last build's BibTeX keys, by slug.
    cite_keys: Mapping[str, str] = field(default_factory=dict)


def build_site(
    content_dir: Path,
    out_dir: Path,
    base_url: str | None = None,
    *,
    progress: Progress | None = None,
    use_cache: bool = True,
    memory: BuildMemory | None = None,
) -> BuildResult:
    """Build the whole site from content_dir into out_dir, atomically, reusing what the build cache
    (`cache_dir_for(out_dir)`) holds from earlier builds unless `use_cache` is False."""
    started = time.perf_counter()
    timer = StageTimer()
    folder = SiteFolder.of(content_dir)
    cache_dir, warnings = _usable_cache_dir(out_dir) if use_cache else (None, [])
    with timer("load"):
        papers = _paper_cache(memory, cache_dir)
        site = load_site(content_dir, papers, progress)
    base = urls.check_base_url(site.config.base_url if base_url is None else base_url)
    check_out_dir(content_dir, out_dir)
    with timer("topics"):
        site.topic_groups()
    with timer("related"):
        related = related_for(site, papers, cache_dir)
    static_files = folder.static_files()
    pages_dir = cache_dir / "pages" if cache_dir is not None else None
    salt = _page_salt(site, base, folder, static_files)
    page_cache = PageCache(pages_dir, salt, site.sources)
    using = folder_lock(pages_dir, shared=True) if pages_dir is not None else contextlib.nullcontext()
    with using:
        with timer("render"):
            step = None if progress is None else partial(progress, "rendering pages")
            # digest serve keeps the BibTeX keys for its previews: made once here, for both.
            cite_keys = bibtex_keys(site.papers) if memory is not None else None
            environment = _environment(memory, folder)
            pages = render_pages(site, related, base, environment, page_cache, step, cite_keys)

        def fill(building: Path) -> tuple[int, SearchStats]:
            with timer("write"):
                files = _write(building, pages, static_files)
            with timer("search"):
                search = write_search_index(
                    site.papers,
                    building,
                    topic_names={t.slug: t.name for t in site.topics},
                    cache_dir=cache_dir / "search" if cache_dir is not None else None,
                )
            return files + search.files, search

        (files, search), swapped = write_site(out_dir, fill)
    papers.save()
    page_cache.remove_unused()
    if memory is not None:
        memory.papers, memory.site, memory.related, memory.base_url = papers, site, related, base
        memory.cite_keys = cite_keys or {}
    html_pages = sum(1 for page in pages if page.path.endswith(".html"))
    return BuildResult(
        html_pages,
        files,
        time.perf_counter() - started,
        out_dir,
        search,
        warnings=(*warnings, *swapped, *papers.warnings, *page_cache.warnings, *search.warnings),
        reused=page_cache.hits,
        rendered=len(pages) - page_cache.hits,
        stages=timer.seconds,
        cache={
            "papers_reused": papers.hits,
            "papers_parsed": papers.misses,
            "pages_reused": page_cache.hits,
            "pages_rendered": len(pages) - page_cache.hits,
            "search_index_reused": search.reused,
        },
    )


def _environment(memory: BuildMemory | None, folder: SiteFolder) -> Environment:
    """The site folder's Jinja environment: the one kept in `memory` for the same folder, else a new one
    (kept there for the next build)."""
    if memory is not None and memory.environment is not None and memory.folder == folder:
        return memory.environment
    environment = make_environment(folder)
    if memory is not None:
        memory.environment, memory.folder = environment, folder
    return environment


def _paper_cache(memory: BuildMemory | None, cache_dir: Path | None) -> PaperCache:
    """The papers of the last build of this process when it kept them (same cache, same code), else the
    cache's file."""
    kept = memory.papers if memory is not None else None
    if kept is not None and kept.folder == cache_dir and kept.fingerprint == code_fingerprint():
        kept.start_build()
        return kept
    return PaperCache.load(cache_dir, code_fingerprint())


def _usable_cache_dir(out_dir: Path) -> tuple[Path | None, list[str]]:
    """The build cache folder, made if missing; None (and a warning) when it cannot be: the cache only
    saves time, so a read-only parent folder costs speed, not the build."""
    cache_dir = cache_dir_for(out_dir)
    try:
        (cache_dir / "pages").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return None, [f"build cache: cannot create {cache_dir} ({exc.strerror or exc}); built without it"]
    return cache_dir, []


def _page_salt(site: Site, base_url: str, folder: SiteFolder, static_files: Mapping[str, Path]) -> bytes:
    """What every page depends on besides its own inputs: code, templates and static files, settings,
    topics and base URL (see `PageCache`)."""
    digest = hashlib.sha256()
    digest.update(code_fingerprint().encode())
    digest.update(files_fingerprint(folder.template_dirs()).encode())
    for name, path in static_files.items():
        digest.update(f"\0{name}\0".encode() + path.read_bytes())
    digest.update(pickle.dumps((site.config, site.topics, base_url), protocol=5))
    return digest.digest()


class StageTimer:
    """Seconds spent per stage of a build (a stage may be entered more than once)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started

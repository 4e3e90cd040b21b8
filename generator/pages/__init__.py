"""Page builders: each page kind of the site is one small function yielding Pages from the Site.

`render_pages` runs the built-in builders in the order below, then any from installed plugins (entry
point group `research_digest.pages`), then the sitemap, which lists every HTML page built before it.
A new page kind is one builder (a function `(renderer) -> Iterable[Page]`, see `base.py`) and one
template; templates/README.md lists the variables each template receives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from jinja2 import Environment

from generator import parallel, plugins
from generator.cache.pages import PageCache
from generator.model import Site
from generator.pages import digests, feeds, misc, offline, papers, saved, subscribe, top, topics
from generator.pages.base import Builder, Head, Page, PageRenderer
from generator.plugins import PAGES_GROUP, PluginError, describe

__all__ = ["BUILDERS", "Builder", "Head", "Page", "PageRenderer", "builders", "render_pages"]

#: The built-in page kinds, in the order their pages are written.
BUILDERS: tuple[Builder, ...] = (
    digests.home,
    digests.archive,
    digests.digests,
    top.top_pages,
    topics.topics_index,
    topics.topic_pages,
    papers.papers,
    misc.search,
    saved.saved,
    misc.not_found,
    feeds.feeds,
    subscribe.subscribe,
    offline.offline,
    misc.robots,
)


def builders() -> list[Builder]:
    """The built-in builders, then the installed plugins' (by entry point name), then the sitemap."""
    extra: list[Builder] = []
    for entry in plugins.found(PAGES_GROUP):
        builder = plugins.load(entry)
        if not callable(builder):
            raise PluginError(f"plugin {describe(entry)} is not a page builder (a callable)")
        extra.append(builder)
    return [*BUILDERS, *extra, misc.sitemap]


def render_pages(
    site: Site,
    related: Mapping[str, list[str]],
    base_url: str,
    env: Environment,
    cache: PageCache | None = None,
    progress: Callable[[int, int], None] | None = None,
    cite_keys: Mapping[str, str] | None = None,
) -> list[Page]:
    """Every page of the site, in builder order.

    With a cache, the built-in builders' pages are looked up by key first; the ones to render are
    rendered after all builders ran, in worker processes when there are many, each stored in the
    cache as it is done (see `PageCache`). `progress(done, total)` follows that rendering.
    `cite_keys` are the site's BibTeX keys when the caller already made them (see PageRenderer).
    """
    renderer = PageRenderer(site, related, base_url, env, cache, cite_keys)
    built_in = {*BUILDERS, misc.sitemap}
    for builder in builders():
        renderer.caching = builder in built_in
        for page in builder(renderer):
            renderer.built.append(page)
    renderer.caching = False
    _render_pending(renderer.pending, cache, progress)
    return renderer.built


def _render_pending(
    pending: list[Page], cache: PageCache | None, progress: Callable[[int, int], None] | None
) -> None:
    """Render the pages left pending, into the cache when it can be written."""

    def render(index: int) -> tuple[str | None, str | None]:
        page = pending[index]
        text = page.rendered()
        if cache is None or page.key is None:
            return None, text
        stored = cache.store(page.key, text.encode("utf-8"))
        return (str(stored), None) if stored is not None else (None, text)

    for done, (index, (stored, text)) in enumerate(parallel.run_all(render, len(pending)), start=1):
        page = pending[index]
        page.settle(Path(stored) if stored else None, text)
        if cache is not None and page.key is not None:
            cache.stored_one(page.key, page.stored)
        if progress is not None:
            progress(done, len(pending))

"""Page builders: each page kind of the site is one small function yielding Pages from the Site.

`render_pages` runs the built-in builders in the order below, then any from installed plugins (entry
point group `research_digest.pages`), then the sitemap, which lists every HTML page built before it.
A new page kind is one builder (a function `(renderer) -> Iterable[Page]`, see `base.py`) and one
template; templates/README.md lists the variables each template receives.
"""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import Environment

from generator import plugins
from generator.model import Site
from generator.pages import digests, feeds, misc, papers, subscribe, topics
from generator.pages.base import Builder, Head, Page, PageRenderer
from generator.plugins import PAGES_GROUP, PluginError, describe

__all__ = ["BUILDERS", "Builder", "Head", "Page", "PageRenderer", "builders", "render_pages"]

#: The built-in page kinds, in the order their pages are written.
BUILDERS: tuple[Builder, ...] = (
    digests.home,
    digests.archive,
    digests.digests,
    topics.topics_index,
    topics.topic_pages,
    papers.papers,
    misc.search,
    misc.not_found,
    feeds.feeds,
    subscribe.subscribe,
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


def render_pages(site: Site, related: Mapping[str, list[str]], base_url: str, env: Environment) -> list[Page]:
    """Every page of the site, in builder order."""
    renderer = PageRenderer(site, related, base_url, env)
    for builder in builders():
        for page in builder(renderer):
            renderer.built.append(page)
    return renderer.built

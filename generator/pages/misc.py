"""The small page kinds: the search page, the 404 page, robots.txt and the sitemap."""

from __future__ import annotations

from collections.abc import Iterator

from generator import urls
from generator.feeds import sitemap as sitemap_xml
from generator.pages.base import Head, Page, PageRenderer
from generator.pages.topics import TopicsVars


def search(renderer: PageRenderer) -> Iterator[Page]:
    head = Head(title="Search", nav="search")
    yield renderer.render("search.html", urls.search(), head, TopicsVars(renderer.topic_counts()))


def not_found(renderer: PageRenderer) -> Iterator[Page]:
    yield renderer.render("404.html", urls.not_found(), Head(title="Page not found"))


def robots(renderer: PageRenderer) -> Iterator[Page]:
    lines = ["User-agent: *", "Allow: /"]
    if renderer.base_url:
        lines.append(f"Sitemap: {renderer.absolute(urls.sitemap())}")
    yield Page(urls.robots(), "\n".join(lines) + "\n")


def sitemap(renderer: PageRenderer) -> Iterator[Page]:
    """Every HTML page built before it but the 404 page, in a stable order; runs last for that reason."""
    found = sorted(
        urls.url_of(page.path)
        for page in renderer.built
        if page.path.endswith(".html") and page.path != urls.NOT_FOUND
    )
    listed = [renderer.absolute(url) or url or "./" for url in found]
    yield Page(urls.sitemap(), sitemap_xml(listed))

"""The Atom feeds: the whole site's and one per topic (the XML itself is `generator.feeds`' job)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from generator import urls
from generator.feeds import FeedEntry, atom_feed
from generator.model import SitePaper
from generator.pages.base import Page, PageRenderer

#: Papers in a feed, newest first; the site's feed holds at least the latest digest whole.
FEED_SIZE = 50


def site_feed_papers(renderer: PageRenderer) -> list[SitePaper]:
    """The site's feed: the latest digest whole (a reader who follows the feed misses none of the day's
    papers, however many it has), then the newest papers up to FEED_SIZE, newest first."""
    site = renderer.site
    latest = next(iter(site.digests.values()), [])
    chosen = {paper.slug for paper in latest} | {paper.slug for paper in site.papers[:FEED_SIZE]}
    return [paper for paper in site.papers if paper.slug in chosen]


def _entries(renderer: PageRenderer, papers: Sequence[SitePaper], feed_url: str) -> list[FeedEntry]:
    root = urls.root_of(feed_url)
    return [
        FeedEntry(
            id=p.id,
            title=p.title,
            url=renderer.absolute(urls.paper(p.slug)) or root + urls.paper(p.slug),
            updated=p.date,
            summary=p.text,
            authors=tuple(p.authors),
            categories=tuple(p.topics),
            arxiv_categories=tuple(p.categories),
        )
        for p in papers
    ]


def feeds(renderer: PageRenderer) -> Iterator[Page]:
    config = renderer.site.config
    yield Page(
        urls.feed(),
        atom_feed(
            title=config.title,
            subtitle=config.description or config.title,
            feed_id="feed",
            self_url=renderer.absolute(urls.feed()) or urls.feed(),
            site_url=renderer.base_url or "./",
            entries=_entries(renderer, site_feed_papers(renderer), urls.feed()),
            author=config.title,
        ),
    )
    for topic in renderer.listed_topics():
        feed_url = urls.topic_feed(topic.slug)
        yield Page(
            feed_url,
            atom_feed(
                title=f"{config.title}: {topic.name}",
                subtitle=topic.description,
                feed_id=f"topic:{topic.slug}",
                self_url=renderer.absolute(feed_url) or urls.FEED_NAME,
                site_url=renderer.absolute(urls.topic(topic.slug)) or "./",
                entries=_entries(renderer, renderer.site.papers_in_topic(topic.slug)[:FEED_SIZE], feed_url),
                author=config.title,
            ),
        )

"""The Subscribe page and `feeds.opml`: every way to follow the site, in one place.

Feeds are the one kind of subscription a static site can offer by itself, so the page lists the site's
feed and each topic's with an address to paste into a feed reader, and the OPML file that imports them
all at once. The e-mail edition is sent by the site's owner (`digest mail`): the page shows site.yml's
`mail: signup` text when there is one, and says plainly that the site cannot store subscribers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from generator import urls
from generator.feeds import Outline, opml
from generator.pages.base import Head, Page, PageRenderer


@dataclass(frozen=True)
class FeedLink:
    """One Atom feed as the Subscribe page and the OPML file list it."""

    #: "" for the site's feed, else the topic's slug: unique on the page, for element ids.
    key: str
    #: What the feed holds: "All papers", or the topic's name.
    name: str
    #: One line on it (the topic's description).
    description: str
    #: The feed's URL relative to the site root (link it as `{{ root }}{{ feed.url }}`).
    url: str
    #: The page it follows (the home page, or the topic's page), relative to the site root.
    page: str
    #: The address to show and copy: absolute with a base URL, else relative to the Subscribe page.
    address: str


@dataclass(frozen=True)
class SubscribeVars:
    """subscribe.html"""

    #: The site's feed first, then one per topic in taxonomy order (`feeds`, every page's variable, is
    #: the feeds announced in `<head>`).
    feed_links: list[FeedLink]
    #: The OPML file's address, shown like the feeds' (absolute with a base URL).
    opml_address: str
    #: Whether the addresses are absolute (the site has a base URL); if not, the page says so.
    absolute: bool
    #: site.yml's `mail: signup` text, or "".
    signup: str


def feed_links(renderer: PageRenderer, from_url: str) -> list[FeedLink]:
    """The site's feed, then each topic's; addresses absolute, or relative to the page at `from_url`."""
    site = renderer.site
    found = [_link(renderer, from_url, "", "All papers", site.config.description, urls.feed(), urls.home())]
    for topic in renderer.listed_topics():
        found.append(
            _link(
                renderer,
                from_url,
                topic.slug,
                topic.name,
                topic.description,
                urls.topic_feed(topic.slug),
                urls.topic(topic.slug),
            )
        )
    return found


def _link(
    renderer: PageRenderer, from_url: str, key: str, name: str, description: str, url: str, page: str
) -> FeedLink:
    address = _address(renderer, from_url, url)
    return FeedLink(key=key, name=name, description=description, url=url, page=page, address=address)


def _address(renderer: PageRenderer, from_url: str, url: str) -> str:
    """`url` as the page at `from_url` shows it: absolute with a base URL, else relative to that page."""
    return renderer.absolute(url) or urls.root_of(urls.file_of(from_url)) + url


def opml_outlines(title: str, feeds: Sequence[FeedLink], renderer: PageRenderer) -> list[Outline]:
    """The feeds as OPML outlines; without a base URL the links are relative to the file (the site root)."""
    return [
        Outline(
            text=title if not feed.key else f"{title}: {feed.name}",
            xml_url=renderer.absolute(feed.url) or feed.url,
            html_url=renderer.absolute(feed.page) or feed.page or "./",
        )
        for feed in feeds
    ]


def subscribe(renderer: PageRenderer) -> Iterator[Page]:
    """The Subscribe page, which announces every topic feed for feed-reader discovery, and the OPML."""
    page_url = urls.subscribe()
    feeds = feed_links(renderer, page_url)
    config = renderer.site.config
    head = Head(
        title="Subscribe",
        nav="subscribe",
        description=f"Follow {config.title}: an Atom feed per topic, an OPML file of them all, e-mail.",
        feeds=tuple((f"{feed.name} papers", feed.url) for feed in feeds[1:]),
    )
    opml_address = _address(renderer, page_url, urls.opml())
    variables = SubscribeVars(
        feed_links=feeds,
        opml_address=opml_address,
        absolute=bool(renderer.base_url),
        signup=config.mail.signup,
    )
    yield renderer.render("subscribe.html", page_url, head, variables)
    yield Page(urls.opml(), opml(config.title, opml_outlines(config.title, feeds, renderer)))

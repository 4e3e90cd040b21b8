"""The topics index and each topic's paginated list of papers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from generator import urls
from generator.model import SitePaper, Topic
from generator.pages.base import Head, Page, PageRenderer
from generator.pages.paginate import Pager, paginate

#: Papers per topic page.
TOPIC_PAGE_SIZE = 20


@dataclass(frozen=True)
class TopicsVars:
    """topics.html (search.html receives the same)"""

    #: Every topic with its number of papers, in taxonomy order.
    topics: list[tuple[Topic, int]]


@dataclass(frozen=True)
class TopicVars:
    """topic.html"""

    topic: Topic
    #: This page's papers, newest first.
    papers: list[SitePaper]
    #: The topic's number of papers on all its pages.
    total: int
    #: Where this page sits among the topic's pages.
    pager: Pager = field(repr=False)


def topics_index(renderer: PageRenderer) -> Iterator[Page]:
    head = Head(title="Topics", nav="topics")
    yield renderer.render("topics.html", urls.topics(), head, TopicsVars(renderer.topic_counts()))


def topic_pages(renderer: PageRenderer) -> Iterator[Page]:
    for topic in renderer.listed_topics():
        papers = renderer.site.papers_in_topic(topic.slug)
        for chunk, pager in paginate(papers, TOPIC_PAGE_SIZE, lambda n, slug=topic.slug: urls.topic(slug, n)):
            head = Head(
                title=topic.name if pager.number == 1 else f"{topic.name} (page {pager.number})",
                nav="topics",
                description=topic.description,
                feeds=((f"{topic.name} papers", urls.topic_feed(topic.slug)),),
                head_links=pager.head_links(),
            )
            variables = TopicVars(topic=topic, papers=chunk, total=len(papers), pager=pager)
            yield renderer.render("topic.html", pager.url, head, variables)

"""The home page (the latest digest), the archive, and one page per digest."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from generator import urls
from generator.cite import human_date
from generator.model import SitePaper
from generator.pages.base import Head, Page, PageRenderer
from generator.pages.top import top_label, top_periods

#: Older digests linked from the home page.
HOME_OLDER = 10


@dataclass(frozen=True)
class HomeVars:
    """index.html"""

    #: The newest digest's date (YYYY-MM-DD), or None before the first ingest.
    latest: str | None
    #: Its papers in digest order (ranked first, then by title).
    papers: list[SitePaper]
    #: Each ranked paper's position in that digest, by slug (the cards' `#n`).
    ranks: dict[str, int]
    #: The dates of the next older digests, newest first.
    older: list[str]
    #: The topics of these papers as (slug, name, count), for the topic filter.
    list_topics: list[tuple[str, str, int]]
    #: The "top of the week/month" pages built, as (label, URL).
    top_pages: list[tuple[str, str]]


@dataclass(frozen=True)
class ArchiveVars:
    """archive.html"""

    #: Every digest as (date, number of papers), newest first.
    digests: list[tuple[str, int]]


@dataclass(frozen=True)
class DigestVars:
    """digest.html"""

    #: This digest's date.
    day: str
    papers: list[SitePaper]
    ranks: dict[str, int]
    #: The neighbouring digests' dates, or None at either end.
    newer: str | None
    older: str | None
    #: The topics of these papers as (slug, name, count), for the topic filter.
    list_topics: list[tuple[str, str, int]]


def ranks_in(renderer: PageRenderer, day: str) -> dict[str, int]:
    """Each ranked paper's position in the digest of `day`, by slug."""
    return {p.slug: p.rank[day] for p in renderer.site.digests.get(day, []) if day in p.rank}


def home(renderer: PageRenderer) -> Iterator[Page]:
    site = renderer.site
    days = list(site.digests)
    latest = days[0] if days else None
    papers = site.digests.get(latest, []) if latest else []
    variables = HomeVars(
        latest=latest,
        papers=papers,
        ranks=ranks_in(renderer, latest) if latest else {},
        older=days[1 : 1 + HOME_OLDER],
        list_topics=renderer.topics_of(papers),
        top_pages=[(top_label(period), urls.top(period)) for period in top_periods(renderer)],
    )
    yield renderer.render("index.html", urls.home(), Head(title=site.config.title, nav="home"), variables)


def archive(renderer: PageRenderer) -> Iterator[Page]:
    digests = [(day, len(papers)) for day, papers in renderer.site.digests.items()]
    head = Head(title="Archive", nav="archive")
    yield renderer.render("archive.html", urls.archive(), head, ArchiveVars(digests))


def digests(renderer: PageRenderer) -> Iterator[Page]:
    days = list(renderer.site.digests)
    for index, day in enumerate(days):
        variables = DigestVars(
            day=day,
            papers=renderer.site.digests[day],
            ranks=ranks_in(renderer, day),
            newer=days[index - 1] if index > 0 else None,
            older=days[index + 1] if index + 1 < len(days) else None,
            list_topics=renderer.topics_of(renderer.site.digests[day]),
        )
        head = Head(title=f"Digest of {human_date(day)}", nav="archive")
        yield renderer.render("digest.html", urls.digest(day), head, variables)

"""The "top of the week" and "top of the month" pages: the most upvoted papers of the recent digests.

Built at build time like every page, and only when the period's papers have upvotes (Hugging Face
sources give them; an arXiv feed does not, and then there is nothing to rank by). A period is counted
back from the latest digest, not from today, so a site rebuilt later shows the same pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from generator import urls
from generator.model import SitePaper
from generator.pages.base import Head, Page, PageRenderer

#: Papers on a top page, most upvoted first.
TOP_SIZE = 50
_LABELS = {"week": "Top of the week", "month": "Top of the month"}


@dataclass(frozen=True)
class TopVars:
    """top.html"""

    #: "Top of the week" or "Top of the month".
    title: str
    #: The period's first and last digest days (YYYY-MM-DD).
    first: str
    last: str
    #: The period's papers with upvotes, most upvoted first (ties by title).
    papers: list[SitePaper]
    #: Each paper's position on this page, by slug (the cards' `#n`).
    ranks: dict[str, int]
    #: The topics of these papers as (slug, name, count), for the topic filter.
    list_topics: list[tuple[str, str, int]]
    #: The other top pages, as (label, URL).
    others: list[tuple[str, str]]


def top_label(period: str) -> str:
    return _LABELS[period]


def period_papers(renderer: PageRenderer, period: str) -> tuple[str, str, list[SitePaper]]:
    """The first and last day of `period` up to the latest digest, and its upvoted papers, best first."""
    site = renderer.site
    latest = next(iter(site.digests), None)
    if latest is None:
        return "", "", []
    first = (date.fromisoformat(latest) - timedelta(days=urls.TOP_PERIODS[period] - 1)).isoformat()
    found: dict[str, SitePaper] = {}
    for day, papers in site.digests.items():
        if first <= day <= latest:
            found.update((p.slug, p) for p in papers if p.upvotes is not None)
    ranked = sorted(found.values(), key=lambda p: (-(p.upvotes or 0), p.title.casefold(), p.slug))
    return first, latest, ranked[:TOP_SIZE]


def top_periods(renderer: PageRenderer) -> list[str]:
    """The periods whose page is built: those with upvoted papers."""
    return [period for period in urls.TOP_PERIODS if period_papers(renderer, period)[2]]


def top_pages(renderer: PageRenderer) -> Iterator[Page]:
    periods = top_periods(renderer)
    for period in periods:
        first, last, papers = period_papers(renderer, period)
        variables = TopVars(
            title=top_label(period),
            first=first,
            last=last,
            papers=papers,
            ranks={paper.slug: position for position, paper in enumerate(papers, start=1)},
            list_topics=renderer.topics_of(papers),
            others=[(top_label(other), urls.top(other)) for other in periods if other != period],
        )
        description = f"{variables.title}: the most upvoted papers."
        head = Head(title=variables.title, nav="home", description=description)
        yield renderer.render("top.html", urls.top(period), head, variables)

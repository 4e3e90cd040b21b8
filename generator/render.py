"""The page list and the Jinja environment: which files the site has, and the HTML of each.

Every page gets `root`, the relative path back to the site root ("", "../", "../../"), so all internal
links are relative and the site works from any sub-path. Autoescape is on for everything: content is
text, and `{{ 7*7 }}` in a title is shown, never evaluated (Jinja renders values, not templates in them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from generator import cite
from generator.cite import human_date
from generator.feeds import FeedEntry, atom_feed, sitemap
from generator.model import Link, clean_arxiv_id
from generator.search.query import author_query
from generator.site import Site, SitePaper

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
TOPIC_PAGE_SIZE = 20
FEED_SIZE = 50
#: Authors shown on a paper page before the rest fold into "show all N authors".
AUTHORS_SHOWN = 10
#: Link buttons after the arXiv ones, in this order; other labels follow in their own order.
LINK_ORDER = ("Code", "Project page", "Dataset", "Model", "Demo", "Video", "DOI", "Hugging Face", "arXiv")


@dataclass(frozen=True)
class Page:
    """One output file: its path relative to the site root and its text."""

    path: str
    text: str


@dataclass(frozen=True)
class AuthorLink:
    """An author's name and the search that finds their papers (None when the name has no word in it)."""

    name: str
    href: str | None


def author_search_href(name: str) -> str | None:
    """`search/?q=authors:...` (relative to the site root) finding this author's papers, URL-encoded."""
    query = author_query(name)
    return f"search/?q={quote(query, safe=':')}" if query else None


def paper_buttons(paper: SitePaper) -> list[Link]:
    """The paper page's link buttons: arXiv abstract, PDF and HTML (from the id), then the paper's links,
    code and project page first. A link to the same arXiv paper is left out: the buttons already are it."""
    buttons: list[Link] = []
    if paper.arxiv:
        buttons += [
            Link("arXiv", cite.abs_url(paper.arxiv)),
            Link("PDF", cite.pdf_url(paper) or ""),
            Link("HTML", cite.html_url(paper) or ""),
        ]
    others = [link for link in paper.links if not _same_arxiv_paper(link.url, paper.arxiv)]
    order = {label.casefold(): n for n, label in enumerate(LINK_ORDER)}
    others.sort(key=lambda link: order.get(link.label.casefold(), len(order)))
    return buttons + others


def _same_arxiv_paper(url: str, arxiv: str | None) -> bool:
    return bool(arxiv) and "arxiv.org/" in url.lower() and clean_arxiv_id(url) == arxiv


def snippet(text: str, limit: int = 280) -> str:
    """The first words of an abstract, cut at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.-") + "\u2026"


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["human_date"] = human_date
    env.filters["snippet"] = snippet
    return env


def root_of(path: str) -> str:
    """The relative prefix from a page at `path` back to the site root."""
    return "../" * path.count("/")


class Renderer:
    """Renders every page of a Site; holds what all pages share (config, topic names, base URL)."""

    def __init__(self, site: Site, related: dict[str, list[str]], base_url: str) -> None:
        self.site = site
        self.related = related
        self.base_url = base_url.rstrip("/") + "/" if base_url else ""
        self.env = make_environment()
        self.by_slug = {paper.slug: paper for paper in site.papers}
        self.topic_names = {topic.slug: topic.name for topic in site.topics}
        # Once per build, over the whole site: a key is unique only among all of them.
        self.cite_keys = cite.bibtex_keys(site.papers)

    def absolute(self, url_path: str) -> str | None:
        return self.base_url + url_path if self.base_url else None

    def _page(self, template: str, path: str, title: str, **context: Any) -> Page:
        url_path = path.removesuffix("index.html")
        values = {
            "site": self.site.config,
            "root": root_of(path),
            "page_title": title,
            "description": context.pop("description", self.site.config.description),
            "canonical": self.absolute(url_path) if path != "404.html" else None,
            "og_type": context.pop("og_type", "website"),
            "topic_names": self.topic_names,
            "feeds": context.pop("feeds", []),
            "head_links": context.pop("head_links", []),
            "meta_tags": context.pop("meta_tags", []),
            "og_tags": context.pop("og_tags", []),
            "json_ld": context.pop("json_ld", None),
            "nav": context.pop("nav", ""),
        }
        values.update(context)
        if path == "404.html" and self.base_url:
            values["root"] = self.base_url  # served at any depth: only absolute links work there
        return Page(path, self.env.get_template(template).render(values))

    def pages(self) -> Iterator[Page]:
        yield from self._home_and_archive()
        yield from self._topics()
        for paper in self.site.papers:
            yield self._paper(paper)
        yield self._page(
            "search.html", "search/index.html", "Search", nav="search", topics=self._topic_counts()
        )
        yield self._page("404.html", "404.html", "Page not found")
        yield from self._feeds()
        yield Page("robots.txt", self._robots())

    def _topic_counts(self) -> list[tuple[Any, int]]:
        return [(t, len(self.site.papers_in_topic(t.slug))) for t in self.site.topics]

    def _home_and_archive(self) -> Iterator[Page]:
        days = list(self.site.digests)
        latest = days[0] if days else None
        yield self._page(
            "index.html",
            "index.html",
            self.site.config.title,
            nav="home",
            latest=latest,
            papers=self.site.digests.get(latest, []) if latest else [],
            ranks=self._ranks(latest) if latest else {},
            older=days[1:11],
        )
        yield self._page(
            "archive.html",
            "digests/index.html",
            "Archive",
            nav="archive",
            digests=[(day, len(self.site.digests[day])) for day in days],
        )
        for index, day in enumerate(days):
            newer = days[index - 1] if index > 0 else None
            older = days[index + 1] if index + 1 < len(days) else None
            yield self._page(
                "digest.html",
                f"digests/{day}/index.html",
                f"Digest of {human_date(day)}",
                nav="archive",
                day=day,
                papers=self.site.digests[day],
                ranks=self._ranks(day),
                newer=newer,
                older=older,
            )

    def _ranks(self, day: str) -> dict[str, int]:
        """Each ranked paper's position in the digest of `day`, by slug, for the cards' `#n`."""
        return {p.slug: p.rank[day] for p in self.site.digests.get(day, []) if day in p.rank}

    def _topics(self) -> Iterator[Page]:
        yield self._page(
            "topics.html", "topics/index.html", "Topics", nav="topics", topics=self._topic_counts()
        )
        for topic in self.site.topics:
            papers = self.site.papers_in_topic(topic.slug)
            chunks = [papers[i : i + TOPIC_PAGE_SIZE] for i in range(0, len(papers), TOPIC_PAGE_SIZE)] or [[]]
            for number, chunk in enumerate(chunks, start=1):
                path = (
                    f"topics/{topic.slug}/index.html"
                    if number == 1
                    else f"topics/{topic.slug}/page/{number}/index.html"
                )
                root = root_of(path)
                hrefs = [
                    f"{root}topics/{topic.slug}/" if n == 1 else f"{root}topics/{topic.slug}/page/{n}/"
                    for n in range(1, len(chunks) + 1)
                ]
                prev_href = hrefs[number - 2] if number > 1 else None
                next_href = hrefs[number] if number < len(chunks) else None
                head_links = [("prev", prev_href)] if prev_href else []
                head_links += [("next", next_href)] if next_href else []
                title = topic.name if number == 1 else f"{topic.name} (page {number})"
                yield self._page(
                    "topic.html",
                    path,
                    title,
                    nav="topics",
                    topic=topic,
                    papers=chunk,
                    total=len(papers),
                    number=number,
                    pages=hrefs,
                    prev_href=prev_href,
                    next_href=next_href,
                    head_links=head_links,
                    description=topic.description,
                    feeds=[(f"{topic.name} papers", f"{root}topics/{topic.slug}/feed.xml")],
                )

    def _paper(self, paper: SitePaper) -> Page:
        path = f"papers/{paper.slug}/index.html"
        # Previous/next walk the first digest in its own order: its ranking, unranked papers after.
        in_digest = self.site.digests.get(paper.date, [])
        position = next((i for i, p in enumerate(in_digest) if p.slug == paper.slug), 0)
        previous = in_digest[position - 1] if position > 0 else None
        following = in_digest[position + 1] if position + 1 < len(in_digest) else None
        related = [self.by_slug[slug] for slug in self.related.get(paper.slug, []) if slug in self.by_slug]
        config = self.site.config
        edit_url = (
            f"{config.repository.rstrip('/')}/edit/{config.branch}/content/{paper.content_path}"
            if config.repository
            else None
        )
        authors = [AuthorLink(name, author_search_href(name)) for name in paper.authors]
        page_url = self.absolute(f"papers/{paper.slug}/")
        return self._page(
            "paper.html",
            path,
            paper.title,
            paper=paper,
            authors_shown=authors[:AUTHORS_SHOWN],
            authors_folded=authors[AUTHORS_SHOWN:],
            listed=[(day, paper.rank_in(day)) for day in paper.digests],
            buttons=paper_buttons(paper),
            related=related,
            previous=previous,
            following=following,
            bibtex=cite.bibtex(paper, self.cite_keys[paper.slug], site_title=config.title, page_url=page_url),
            edit_url=edit_url,
            description=snippet(paper.text, 200),
            og_type="article",
            og_tags=cite.opengraph_tags(paper),
            meta_tags=cite.scholar_tags(paper),
            json_ld=cite.json_ld(paper, page_url),
        )

    def _feed_entries(self, papers: list[SitePaper], root: str) -> list[FeedEntry]:
        return [
            FeedEntry(
                id=p.id,
                title=p.title,
                url=self.absolute(f"papers/{p.slug}/") or f"{root}papers/{p.slug}/",
                updated=p.date,
                summary=p.text,
                authors=tuple(p.authors),
                categories=tuple(p.topics),
                arxiv_categories=tuple(p.categories),
            )
            for p in papers[:FEED_SIZE]
        ]

    def _feeds(self) -> Iterator[Page]:
        config = self.site.config
        yield Page(
            "feed.xml",
            atom_feed(
                title=config.title,
                subtitle=config.description or config.title,
                feed_id="feed",
                self_url=self.absolute("feed.xml") or "feed.xml",
                site_url=self.base_url or "./",
                entries=self._feed_entries(self.site.papers, ""),
                author=config.title,
            ),
        )
        for topic in self.site.topics:
            path = f"topics/{topic.slug}/feed.xml"
            root = root_of(path)
            yield Page(
                path,
                atom_feed(
                    title=f"{config.title}: {topic.name}",
                    subtitle=topic.description,
                    feed_id=f"topic:{topic.slug}",
                    self_url=self.absolute(path) or "feed.xml",
                    site_url=self.absolute(f"topics/{topic.slug}/") or "./",
                    entries=self._feed_entries(self.site.papers_in_topic(topic.slug), root),
                    author=config.title,
                ),
            )

    def _robots(self) -> str:
        lines = ["User-agent: *", "Allow: /"]
        if self.base_url:
            lines.append(f"Sitemap: {self.base_url}sitemap.xml")
        return "\n".join(lines) + "\n"


def sitemap_page(pages: list[Page], base_url: str) -> Page:
    """The sitemap of every HTML page but the 404 page, in a stable order."""
    prefix = base_url.rstrip("/") + "/" if base_url else ""
    urls = sorted(
        p.path.removesuffix("index.html") for p in pages if p.path.endswith(".html") and p.path != "404.html"
    )
    return Page("sitemap.xml", sitemap([prefix + url if prefix else url or "./" for url in urls]))

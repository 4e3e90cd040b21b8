"""What every page builder shares: the Page it yields, the Head it describes, the renderer it calls.

A builder is a function `(renderer) -> Iterable[Page]`. It picks a URL from `generator.urls`, fills a
`Head` (the page's title, nav entry, meta tags) and a small frozen dataclass of the variables its
template reads, and calls `renderer.render`. The variables every template receives (`site`, `root`,
`urls`, ...) are added here, once; templates/README.md lists them all, and what each page kind adds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, Template

from generator import cite, urls
from generator.cache.pages import PageCache
from generator.model import Site, SitePaper, Topic


class Page:
    """One output file: its path relative to the site root and its text.

    A builder makes one with `Page(path, text)`. The renderer may instead hand out a page whose text is
    a stored file of the build cache (`stored`) or is still to be rendered (`pending`, rendered in a pool
    of processes after every builder has run); `text` gives the text in every case.
    """

    __slots__ = ("_render", "_text", "key", "path", "stored")

    def __init__(self, path: str, text: str | None = None) -> None:
        self.path = path
        self._text = text
        #: The build cache's file holding this page's bytes, when it has one.
        self.stored: Path | None = None
        #: The page's build cache key, when it has one.
        self.key: str | None = None
        self._render: Callable[[], str] | None = None

    @classmethod
    def from_cache(cls, path: str, key: str, stored: Path) -> Page:
        page = cls(path)
        page.key, page.stored = key, stored
        return page

    @classmethod
    def pending(cls, path: str, key: str | None, render: Callable[[], str]) -> Page:
        page = cls(path)
        page.key, page._render = key, render
        return page

    def render_now(self) -> str:
        """Render a pending page here and now (its text is kept)."""
        self._text, self._render = self.rendered(), None
        return self._text

    def rendered(self) -> str:
        """A pending page's text, not kept: a worker process renders thousands of pages and hands each
        to the cache, so keeping them would only grow its memory."""
        assert self._render is not None
        return self._render()

    def settle(self, stored: Path | None, text: str | None = None) -> None:
        """A pending page was rendered elsewhere: into the cache file `stored`, or to `text`."""
        self._render, self.stored, self._text = None, stored, text

    @property
    def text(self) -> str:
        if self._text is not None:
            return self._text
        if self._render is not None:
            return self.render_now()
        assert self.stored is not None
        return self.stored.read_text(encoding="utf-8")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Page) and (self.path, self.text) == (other.path, other.text)

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"Page({self.path!r})"


@dataclass(frozen=True, kw_only=True)
class Head:
    """What a page says about itself in `<head>` and the site header (base.html reads these)."""

    #: The page's own title; `<title>` appends the site's name unless it is the site's name.
    title: str
    #: The current main-nav entry: "home", "archive", "topics", "subscribe", "search", or "" for none.
    nav: str = ""
    #: The meta description; None means the site's description.
    description: str | None = None
    #: OpenGraph type: "website", or "article" for a paper.
    og_type: str = "website"
    #: Extra Atom feeds to announce: (title, URL relative to the site root).
    feeds: Sequence[tuple[str, str]] = ()
    #: `<link rel=... href=...>` pairs (a paginated list's prev/next), URLs relative to the site root.
    head_links: Sequence[tuple[str, str]] = ()
    #: `<meta name=...>` pairs (Google Scholar's citation_* tags) and `<meta property=...>` pairs.
    meta_tags: Sequence[tuple[str, str]] = ()
    og_tags: Sequence[tuple[str, str]] = ()
    #: schema.org JSON-LD, already serialised safely for a `<script>` element.
    json_ld: str | None = None


Builder = Callable[["PageRenderer"], Iterable[Page]]


class PageRenderer:
    """Renders templates into Pages, and holds what all builders of one build share."""

    def __init__(
        self,
        site: Site,
        related: Mapping[str, list[str]],
        base_url: str,
        env: Environment,
        cache: PageCache | None = None,
        cite_keys: Mapping[str, str] | None = None,
    ) -> None:
        #: The whole site: config, topics, papers newest first, digests newest first.
        self.site = site
        #: Each paper's related papers, by slug, best first.
        self.related = related
        #: The site's absolute base URL ending in `/`, or "" (then every link is relative).
        self.base_url = base_url.rstrip("/") + "/" if base_url else ""
        self.env = env
        self.by_slug = {paper.slug: paper for paper in site.papers}
        self.topic_names = {topic.slug: topic.name for topic in site.topics}
        #: BibTeX keys, made once over the whole site: a key is unique only among all of them (`digest
        #: serve`'s preview passes the last build's, rather than spend a quarter second on 10k papers).
        self.cite_keys = dict(cite_keys) if cite_keys is not None else cite.bibtex_keys(site.papers)
        #: Every page yielded so far in this build, in order (the sitemap, built last, lists them).
        self.built: list[Page] = []
        #: Where rendered pages are kept between builds; None renders every page, at once.
        self.cache = cache
        #: Whether the running builder's pages may come from the cache and be rendered later (only the
        #: built-in builders: a plugin's template may read things its variables do not show).
        self.caching = False
        #: The pages left to render, in order (`render_pages` renders them, in parallel when many).
        self.pending: list[Page] = []

    def description(self, head: Head) -> str:
        """The page's meta description: its own, else the site's, else one made from the site's title (a
        site.yml without a description must not leave search engines and link previews with nothing)."""
        if head.description:
            return head.description
        config = self.site.config
        return config.description or f"{config.title}: new research papers, digest by digest."

    def absolute(self, url: str) -> str | None:
        """`url` (relative to the site root) as a full URL, or None when the site has no base URL."""
        return urls.absolute(self.base_url, url)

    def topic_counts(self) -> list[tuple[Topic, int]]:
        """Each listed topic with its number of papers, in taxonomy order."""
        return [(topic, len(self.site.papers_in_topic(topic.slug))) for topic in self.listed_topics()]

    def topics_of(self, papers: Sequence[SitePaper]) -> list[tuple[str, str, int]]:
        """The topics of `papers` as (slug, name, number of those papers), in taxonomy order: a list's
        topic filter offers exactly the topics it can narrow to."""
        counts: dict[str, int] = {}
        for paper in papers:
            for slug in paper.topics:
                counts[slug] = counts.get(slug, 0) + 1
        return [(t.slug, t.name, counts[t.slug]) for t in self.site.topics if t.slug in counts]

    def listed_topics(self) -> list[Topic]:
        """The topics the site shows: those with papers. A topic no paper has yet gets no page, no feed
        and no entry in any list, so a reader never follows a link to an empty page."""
        return [topic for topic in self.site.topics if self.site.papers_in_topic(topic.slug)]

    def render(self, template: str | Template, url: str, head: Head, variables: Any = None) -> Page:
        """The Page at `url` (relative to the site root): `template` (a name, or a Template a plugin made
        with `renderer.env.from_string`) rendered with the variables every page has, then `variables`
        (a dataclass of the page kind's own, or a mapping)."""
        path = urls.file_of(url)
        config = self.site.config
        values: dict[str, Any] = {
            "site": config,
            "root": urls.root_of(path),
            "page_title": head.title,
            "description": self.description(head),
            "canonical": self.absolute(url) if path != urls.NOT_FOUND else None,
            "og_type": head.og_type,
            "topic_names": self.topic_names,
            "feeds": head.feeds,
            "head_links": head.head_links,
            "meta_tags": head.meta_tags,
            "og_tags": head.og_tags,
            "json_ld": head.json_ld,
            "nav": head.nav,
        }
        if path == urls.NOT_FOUND and self.base_url:
            values["root"] = self.base_url  # served at any depth: only absolute links work there
        values.update(_as_mapping(variables))
        loaded = self.env.get_template(template) if isinstance(template, str) else template
        if not self.caching or self.cache is None or not isinstance(template, str):
            return Page(path, loaded.render(values))
        return self._cached(path, ("render", path, template, values), lambda: loaded.render(values))

    def render_keyed(self, url: str, inputs: Any, make: Callable[[], Page]) -> Page:
        """The page at `url` that `make` renders, when everything it depends on besides what all pages
        share is in `inputs`: a cached page is then found without even preparing its variables."""
        path = urls.file_of(url)
        if not self.caching or self.cache is None:
            return make()
        return self._cached(path, ("keyed", path, inputs), lambda: self._now(make))

    def _cached(self, path: str, inputs: Any, render: Callable[[], str]) -> Page:
        assert self.cache is not None
        key = self.cache.key(inputs)
        if key is not None:
            stored = self.cache.lookup(key)
            if stored is not None:
                return Page.from_cache(path, key, stored)
        page = Page.pending(path, key, render)
        self.pending.append(page)
        return page

    def _now(self, make: Callable[[], Page]) -> str:
        """Run `make` with caching off, so the page it renders is rendered there and then."""
        caching, self.caching = self.caching, False
        try:
            return make().text
        finally:
            self.caching = caching


def _as_mapping(variables: Any) -> Mapping[str, Any]:
    """A page kind's variables as a mapping: a dataclass field by field (not deep-copied), or as is."""
    if variables is None:
        return {}
    if is_dataclass(variables) and not isinstance(variables, type):
        return {f.name: getattr(variables, f.name) for f in fields(variables)}
    return variables

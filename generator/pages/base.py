"""What every page builder shares: the Page it yields, the Head it describes, the renderer it calls.

A builder is a function `(renderer) -> Iterable[Page]`. It picks a URL from `generator.urls`, fills a
`Head` (the page's title, nav entry, meta tags) and a small frozen dataclass of the variables its
template reads, and calls `renderer.render`. The variables every template receives (`site`, `root`,
`urls`, ...) are added here, once; templates/README.md lists them all, and what each page kind adds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from jinja2 import Environment, Template

from generator import cite, urls
from generator.model import Site, Topic


@dataclass(frozen=True)
class Page:
    """One output file: its path relative to the site root and its text."""

    path: str
    text: str


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

    def __init__(self, site: Site, related: Mapping[str, list[str]], base_url: str, env: Environment) -> None:
        #: The whole site: config, topics, papers newest first, digests newest first.
        self.site = site
        #: Each paper's related papers, by slug, best first.
        self.related = related
        #: The site's absolute base URL ending in `/`, or "" (then every link is relative).
        self.base_url = base_url.rstrip("/") + "/" if base_url else ""
        self.env = env
        self.by_slug = {paper.slug: paper for paper in site.papers}
        self.topic_names = {topic.slug: topic.name for topic in site.topics}
        #: BibTeX keys, made once over the whole site: a key is unique only among all of them.
        self.cite_keys = cite.bibtex_keys(site.papers)
        #: Every page yielded so far in this build, in order (the sitemap, built last, lists them).
        self.built: list[Page] = []

    def absolute(self, url: str) -> str | None:
        """`url` (relative to the site root) as a full URL, or None when the site has no base URL."""
        return urls.absolute(self.base_url, url)

    def topic_counts(self) -> list[tuple[Topic, int]]:
        return [(topic, len(self.site.papers_in_topic(topic.slug))) for topic in self.site.topics]

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
            "description": config.description if head.description is None else head.description,
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
        return Page(path, loaded.render(values))


def _as_mapping(variables: Any) -> Mapping[str, Any]:
    """A page kind's variables as a mapping: a dataclass field by field (not deep-copied), or as is."""
    if variables is None:
        return {}
    if is_dataclass(variables) and not isinstance(variables, type):
        return {f.name: getattr(variables, f.name) for f in fields(variables)}
    return variables

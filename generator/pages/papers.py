"""One page per paper: authors, links, abstract, citation, related papers, its digest neighbours."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from generator import cite, urls
from generator.markdown import snippet
from generator.model import Link, Site, SitePaper, clean_arxiv_id
from generator.pages.base import Head, Page, PageRenderer
from generator.search.query import author_query

#: Authors shown on a paper page before the rest fold into "show all N authors".
AUTHORS_SHOWN = 10
#: Characters of abstract in the page's meta description.
DESCRIPTION_CHARS = 200
#: Link buttons after the arXiv ones, in this order; other labels follow in their own order.
LINK_ORDER = ("Code", "Project page", "Dataset", "Model", "Demo", "Video", "DOI", "Hugging Face", "arXiv")


@dataclass(frozen=True)
class AuthorLink:
    """An author's name and the search that finds their papers (None when the name has no word in it)."""

    name: str
    #: `search/?q=authors:...`, relative to the site root.
    href: str | None


@dataclass(frozen=True)
class PaperVars:
    """paper.html"""

    paper: SitePaper
    #: The first AUTHORS_SHOWN authors, and the rest (folded away).
    authors_shown: list[AuthorLink]
    authors_folded: list[AuthorLink]
    #: Every digest listing the paper as (date, rank or None), oldest first.
    listed: list[tuple[str, int | None]]
    #: Link buttons: arXiv abstract, PDF and HTML first, then the paper's own links.
    buttons: list[Link]
    #: Related papers, best first.
    related: list[SitePaper]
    #: The papers before and after it in its first digest, or None.
    previous: SitePaper | None
    following: SitePaper | None
    #: The BibTeX entry, as text.
    bibtex: str
    #: The "Edit this page" URL in the site's repository, or None.
    edit_url: str | None


def author_link(name: str) -> AuthorLink:
    query = author_query(name)
    return AuthorLink(name, urls.search(query) if query else None)


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


def papers(renderer: PageRenderer) -> Iterator[Page]:
    for paper in renderer.site.papers:
        previous, following = neighbours(renderer.site, paper)
        related = [renderer.by_slug[s] for s in renderer.related.get(paper.slug, []) if s in renderer.by_slug]
        # Everything a paper page shows beyond what all pages share: found in the cache without
        # preparing its variables (authors' search links, BibTeX, meta tags), the costly part.
        inputs = (paper, previous, following, related, renderer.cite_keys[paper.slug])
        yield renderer.render_keyed(
            urls.paper(paper.slug),
            inputs,
            partial(paper_page, renderer, paper, previous, following, related),
        )


def neighbours(site: Site, paper: SitePaper) -> tuple[SitePaper | None, SitePaper | None]:
    """The papers before and after `paper` in its first digest, in that digest's own order (its ranking,
    unranked papers after)."""
    in_digest = site.digests.get(paper.date, [])
    positions = site.positions(paper.date)
    at = positions.get(paper.slug, 0)
    previous = in_digest[at - 1] if at > 0 else None
    following = in_digest[at + 1] if at + 1 < len(in_digest) else None
    return previous, following


def paper_page(
    renderer: PageRenderer,
    paper: SitePaper,
    previous: SitePaper | None,
    following: SitePaper | None,
    related: list[SitePaper],
) -> Page:
    url = urls.paper(paper.slug)
    page_url = renderer.absolute(url)
    config = renderer.site.config
    authors = [author_link(name) for name in paper.authors]
    variables = PaperVars(
        paper=paper,
        authors_shown=authors[:AUTHORS_SHOWN],
        authors_folded=authors[AUTHORS_SHOWN:],
        listed=[(day, paper.rank_in(day)) for day in paper.digests],
        buttons=paper_buttons(paper),
        related=related,
        previous=previous,
        following=following,
        bibtex=cite.bibtex(paper, renderer.cite_keys[paper.slug], site_title=config.title, page_url=page_url),
        edit_url=urls.edit(config.repository, config.branch, paper.content_path),
    )
    head = Head(
        title=paper.title,
        description=snippet(paper.text, DESCRIPTION_CHARS),
        og_type="article",
        og_tags=cite.opengraph_tags(paper),
        meta_tags=cite.scholar_tags(paper),
        json_ld=cite.json_ld(paper, page_url),
    )
    return renderer.render("paper.html", url, head, variables)

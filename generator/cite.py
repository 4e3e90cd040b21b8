"""How a paper is cited: a BibTeX entry, Google Scholar `citation_*` tags, OpenGraph and schema.org JSON-LD.

Reference managers and Scholar read these, so the values come straight from the content file and are
escaped for each format (BibTeX specials, JSON inside a <script> element). Dates are only ever the
paper's own: the `published` date a source gave, or the year and month an arXiv id encodes. The digest
date says when *we* listed a paper, not when it was written (Pointer Networks is a 2015 paper even when
it trends in 2026), so it never becomes a year; BibTeX keeps it as `urldate` only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from generator.model import SitePaper, ascii_words

_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_NEW_STYLE_ID = re.compile(r"(\d{2})(\d{2})\.\d{4,5}")
_OLD_STYLE_ID = re.compile(r"[a-z][a-z-]*(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}")
#: Title words too common to name a paper by in a citation key.
_KEY_STOP_WORDS = frozenset(
    {
        "a", "an", "the", "on", "of", "for", "in", "to", "with", "and", "or", "from", "by", "at", "as",
        "via", "is", "are", "do", "does", "how", "what", "why", "when", "we", "our", "towards", "toward",
        "into", "using",
    }
)  # fmt: skip
#: Name suffixes that are not a family name ("Martin Luther King Jr." is cited as King).
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
OPENGRAPH_AUTHORS = 10


def bibtex_escape(text: str) -> str:
    """Escape the characters BibTeX/LaTeX would interpret."""
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in text)


def bibtex_url(url: str) -> str:
    """A URL for a BibTeX `url` field, which is verbatim (`_`, `%`, `#` stay as they are); only the
    characters that would end the field or start a command are percent-encoded."""
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def abs_url(arxiv: str) -> str:
    """The arXiv abstract page of an id; the one place arXiv URLs are built (with pdf_url, html_url)."""
    return f"https://arxiv.org/abs/{arxiv}"


def pdf_url(paper: SitePaper) -> str | None:
    return f"https://arxiv.org/pdf/{paper.arxiv}" if paper.arxiv else None


def html_url(paper: SitePaper) -> str | None:
    return f"https://arxiv.org/html/{paper.arxiv}" if paper.arxiv else None


def arxiv_year_month(arxiv: str | None) -> tuple[int, int] | None:
    """The year and month an arXiv id was issued, which the id itself encodes.

    New style `YYMM.NNNNN` started in 2007, so its year is 20YY; old style `archive/YYMMNNN` ran from
    1991 to 2007, so YY of 91 or more is 19YY and the rest 20YY.
    """
    if not arxiv:
        return None
    if found := _NEW_STYLE_ID.fullmatch(arxiv):
        year, month = 2000 + int(found[1]), int(found[2])
    elif found := _OLD_STYLE_ID.fullmatch(arxiv):
        yy = int(found[1])
        year, month = (1900 if yy >= 91 else 2000) + yy, int(found[2])
    else:
        return None
    return (year, month) if 1 <= month <= 12 else None


def citation_year(paper: SitePaper) -> str | None:
    """The year a citation may honestly give: the arXiv id's, else the source's published date's."""
    issued = arxiv_year_month(paper.arxiv)
    if issued:
        return str(issued[0])
    return paper.published[:4] if paper.published else None


def _family_name(name: str) -> str:
    """The family name, ASCII only: the last word ("Müller-Ñúñez" is `mullernunez`; suffixes like Jr.
    skipped), or what comes before the comma of "Hinton, Geoffrey"."""
    family = name.split(",")[0] if "," in name else name
    words = ["".join(ascii_words(word)) for word in family.split()]
    words = [w for w in words if w and w not in _NAME_SUFFIXES and not w.isdigit()]
    return words[-1] if words else ""


def bibtex_base_key(paper: SitePaper) -> str:
    """`lastname` + year (when honest) + the first significant title word, ASCII only.

    Without authors the key starts with the title word; without a year it has none. Two papers may share
    a base key; `bibtex_keys` makes them unique.
    """
    words = ascii_words(paper.title)
    significant = [w for w in words if w not in _KEY_STOP_WORDS and not w.isdigit()]
    word = (significant or words or ["paper"])[0]
    last = _family_name(paper.authors[0]) if paper.authors else ""
    year = citation_year(paper) or ""
    return f"{last}{year}{word}" if last else f"{word}{year}"


def _suffixes() -> Iterable[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    yield from (a + b for a in letters for b in letters)


def bibtex_keys(papers: Iterable[SitePaper]) -> dict[str, str]:
    """A citation key per paper slug, unique across the whole site.

    Computed once per build in a fixed order (first digest date, then slug), so the same content always
    gives the same keys, and the paper listed first keeps the plain key while later ones sharing it get
    `a`, `b`, ... (never a key another paper has as its plain key).
    """
    ordered = sorted(papers, key=lambda p: (p.date, p.slug))
    bases = {p.slug: bibtex_base_key(p) for p in ordered}
    plain = set(bases.values())
    taken: set[str] = set()
    keys: dict[str, str] = {}
    for paper in ordered:
        key = bases[paper.slug]
        if key in taken:
            key = next(key + s for s in _suffixes() if key + s not in taken and key + s not in plain)
        taken.add(key)
        keys[paper.slug] = key
    return keys


def human_date(value: str) -> str:
    """`2026-05-09` as `May 9, 2026`, the way people write it (pages and citation notes alike)."""
    day = date.fromisoformat(value)
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def bibtex(paper: SitePaper, key: str, *, site_title: str, page_url: str | None = None) -> str:
    """A @misc entry.

    With an arXiv id it is a preprint entry (eprint, archivePrefix, primaryClass, the id's year).
    Without one nothing says when or where the paper was published, so the entry says where it was
    listed (`note`, `urldate` from the first digest) and gives a year only from the source's own date.
    """
    fields: list[tuple[str, str]] = [("title", "{" + bibtex_escape(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", bibtex_escape(" and ".join(paper.authors))))
    year = citation_year(paper)
    if year:
        fields.append(("year", year))
    if paper.arxiv:
        fields += [("eprint", paper.arxiv), ("archivePrefix", "arXiv")]
        if paper.categories:
            fields.append(("primaryClass", bibtex_escape(paper.categories[0])))
        fields.append(("url", abs_url(paper.arxiv)))
    else:
        first_digest = paper.digests[0] if paper.digests else paper.date
        note = f"Listed in the digest of {human_date(first_digest)} ({site_title})"
        fields += [("note", bibtex_escape(note)), ("urldate", first_digest)]
        # The listing page goes with `urldate` (the day we listed it); without a base URL, its first link.
        url = page_url or (paper.links[0].url if paper.links else None)
        if url:
            fields.append(("url", bibtex_url(url)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def _published(paper: SitePaper, separator: str) -> str | None:
    """The paper's own date at the precision we know it: YYYY-MM-DD (published) or YYYY-MM (arXiv id)."""
    if paper.published:
        return paper.published.replace("-", separator)
    issued = arxiv_year_month(paper.arxiv)
    return f"{issued[0]:04d}{separator}{issued[1]:02d}" if issued else None


def scholar_tags(paper: SitePaper) -> list[tuple[str, str]]:
    """Google Scholar's `citation_*` meta tags, in the order Scholar documents them."""
    tags = [("citation_title", paper.title)]
    tags += [("citation_author", name) for name in paper.authors]
    published = _published(paper, "/")
    if published:
        tags.append(("citation_publication_date", published))
    if paper.arxiv:
        tags += [("citation_arxiv_id", paper.arxiv), ("citation_pdf_url", pdf_url(paper) or "")]
    return tags


def opengraph_tags(paper: SitePaper) -> list[tuple[str, str]]:
    """OpenGraph `article:*` properties (og:type is article on paper pages); authors capped at 10."""
    tags = [("article:author", name) for name in paper.authors[:OPENGRAPH_AUTHORS]]
    published = _published(paper, "-")
    if published:
        tags.append(("article:published_time", published))
    return tags


def json_ld(paper: SitePaper, url: str | None) -> str:
    """schema.org ScholarlyArticle as JSON safe to place inside a <script> element."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": paper.title[:110],
        "name": paper.title,
        "abstract": paper.text,
        "keywords": [*paper.keywords, *paper.topics],
    }
    published = _published(paper, "-")
    if published:
        data["datePublished"] = published
    if paper.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in paper.authors]
    if url:
        data["url"] = url
    if paper.arxiv:
        data["sameAs"] = abs_url(paper.arxiv)
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "arXiv", "value": paper.arxiv}
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

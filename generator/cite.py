"""How a paper is cited: a BibTeX entry, Google Scholar `citation_*` tags and schema.org JSON-LD.

Reference managers and Scholar read these, so the values come straight from the content file and are
escaped for each format (BibTeX specials, JSON inside a <script> element).
"""

from __future__ import annotations

import json
import re
from typing import Any

from generator.site import SitePaper

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


def bibtex_escape(text: str) -> str:
    """Escape the characters BibTeX/LaTeX would interpret."""
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in text)


def bibtex_key(paper: SitePaper) -> str:
    """`lastname2026firstword`, ASCII only, from the first author (or the slug without authors)."""
    year = paper.date[:4]
    words = [w for w in paper.slug.split("-") if len(w) > 3] or paper.slug.split("-")
    if paper.authors:
        last = re.sub(r"[^a-z]", "", paper.authors[0].split()[-1].lower()) if paper.authors[0].split() else ""
        return f"{last or 'anon'}{year}{words[0]}"
    return f"{words[0]}{year}"


def pdf_url(paper: SitePaper) -> str | None:
    return f"https://arxiv.org/pdf/{paper.arxiv}" if paper.arxiv else None


def bibtex(paper: SitePaper) -> str:
    """A @misc entry (arXiv preprints) or @article when nothing says where it was published."""
    fields: list[tuple[str, str]] = [("title", "{" + bibtex_escape(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", bibtex_escape(" and ".join(paper.authors))))
    fields.append(("year", paper.date[:4]))
    if paper.arxiv:
        fields += [("eprint", paper.arxiv), ("archivePrefix", "arXiv")]
        fields.append(("url", f"https://arxiv.org/abs/{paper.arxiv}"))
    else:
        url = next((link.url for link in paper.links if link.label == "arXiv"), None)
        if url:
            fields.append(("url", url))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(paper)},\n{body}\n}}"


def scholar_tags(paper: SitePaper) -> list[tuple[str, str]]:
    """Google Scholar's `citation_*` meta tags, in the order Scholar documents them."""
    tags = [("citation_title", paper.title)]
    tags += [("citation_author", name) for name in paper.authors]
    tags.append(("citation_publication_date", paper.date.replace("-", "/")))
    if paper.arxiv:
        tags += [("citation_arxiv_id", paper.arxiv), ("citation_pdf_url", pdf_url(paper) or "")]
    return tags


def json_ld(paper: SitePaper, url: str | None) -> str:
    """schema.org ScholarlyArticle as JSON safe to place inside a <script> element."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": paper.title[:110],
        "name": paper.title,
        "datePublished": paper.date,
        "abstract": paper.text,
        "keywords": paper.topics,
    }
    if paper.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in paper.authors]
    if url:
        data["url"] = url
    if paper.arxiv:
        data["sameAs"] = f"https://arxiv.org/abs/{paper.arxiv}"
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

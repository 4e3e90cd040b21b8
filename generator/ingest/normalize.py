"""The one step every digest format shares after `parse`: clean fields, ids, links, dates and ranks.

Parsers return papers as their format gives them (an id with its version, a timestamp, TeX accents,
hard-wrapped text). Doing the clean-up here, once, means the same paper reads the same whatever source it
came from, which is what lets ingest recognise it across sources, and adding a format stays one module.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from generator.ingest.cleanup import normalize_latex_residue, tex_accents
from generator.ingest.links import extract_links
from generator.model import Link, Paper, ParsedDigest, clean_arxiv_id, normalize_space, paper_id

_SCHEME_RE = re.compile(r"^(https?)://", re.IGNORECASE)
_ISO_DAY_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")


def iso_day(value: object) -> str | None:
    """A source's date as `YYYY-MM-DD`: ISO dates and timestamps as written, RFC 2822 dates in UTC."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    iso = _ISO_DAY_RE.match(text)
    if iso:
        try:
            return date.fromisoformat(iso.group(1)).isoformat()
        except ValueError:
            return None
    try:
        stamp = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC)
    return stamp.date().isoformat()


def clean_url(url: str) -> str | None:
    """An http(s) URL with a lower-case scheme (`HTTPS://x` is valid but the build wants one form)."""
    url = url.strip()
    if not url:
        return None
    if not _SCHEME_RE.match(url):
        if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE) and not re.match(r"^[\w.-]+\.\w+[:/]", url):
            return None  # another scheme (javascript:, mailto:, ftp:): not a link button
        url = "https://" + url.lstrip("/")
    return _SCHEME_RE.sub(lambda m: m.group(1).lower() + "://", url, count=1)


def _clean_list(values: list[str], clean: bool = True) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        text = normalize_space(tex_accents(value)) if clean else value.strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)


def _links(paper: Paper) -> list[Link]:
    """The parser's own links, then the ones the abstract and comments mention; one per URL; no link to
    the paper's own arXiv page (the page builds arXiv, PDF and HTML links from the id)."""
    found = list(paper.links) + extract_links(paper.abstract) + extract_links(paper.comment or "")
    own = f"https://arxiv.org/abs/{paper.arxiv}" if paper.arxiv else None
    links: list[Link] = []
    seen: set[str] = set()
    for link in found:
        url = clean_url(link.url)
        if url is None or url == own:
            continue
        key = url.rstrip("/").lower()
        if key not in seen:
            seen.add(key)
            links.append(Link(link.label, url))
    return links


def normalize_paper(paper: Paper) -> Paper:
    """Clean one paper's fields in place (everything but `id` and `rank`) and return it."""
    paper.title = normalize_space(normalize_latex_residue(tex_accents(paper.title)))
    paragraphs = (normalize_space(normalize_latex_residue(p)) for p in re.split(r"\n\s*\n", paper.abstract))
    paper.abstract = "\n\n".join(p for p in paragraphs if p)
    paper.authors = _clean_list(paper.authors)
    paper.arxiv = clean_arxiv_id(paper.arxiv)
    paper.categories = _clean_list([c for value in paper.categories for c in value.split()], clean=False)
    paper.keywords = _clean_list(paper.keywords)
    if paper.upvotes is not None and (not isinstance(paper.upvotes, int) or paper.upvotes < 0):
        paper.upvotes = None
    paper.published = iso_day(paper.published)
    paper.comment = normalize_space(tex_accents(paper.comment or "")) or None
    paper.links = _links(paper)
    return paper


def normalize_digest(parsed: ParsedDigest) -> ParsedDigest:
    """Normalise every paper, give each its id and its 1-based rank in the digest, drop untitled ones.

    The id is the arXiv id where there is one, else a hash of the normalised title; when two papers of
    one digest share a title (and have no arXiv id), their abstracts are mixed in so both are kept.
    """
    kept: list[Paper] = []
    for paper in parsed.papers:
        normalize_paper(paper)
        if not paper.title:
            parsed.skipped.append(f"line {paper.line}: an entry with no title; skipped")
            continue
        kept.append(paper)
    title_counts: dict[str, int] = {}
    for paper in kept:
        if not paper.arxiv:
            key = paper_id(paper.title)
            title_counts[key] = title_counts.get(key, 0) + 1
    rank = 0
    for paper in kept:
        if paper.arxiv:
            paper.id = paper.arxiv
        else:
            shared = title_counts[paper_id(paper.title)] > 1
            paper.id = paper_id(paper.title, paper.abstract) if shared else paper_id(paper.title)
        if not paper.update_only:
            rank += 1
            paper.rank = rank
    parsed.papers = kept
    return parsed

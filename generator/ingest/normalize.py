"""The one step every digest format shares after `parse`: clean fields, ids, links, dates and ranks.

Parsers return papers as their format gives them (an id with its version, a timestamp, TeX accents,
hard-wrapped text). Doing the clean-up here, once, means the same paper reads the same whatever source it
came from, which is what lets ingest recognise it across sources, and adding a format stays one module.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from generator import parallel
from generator.ingest.cleanup import normalize_latex_residue, tex_accents
from generator.ingest.links import extract_links, web_url
from generator.model import (
    MAX_ABSTRACT_CHARS,
    MAX_TITLE_CHARS,
    Link,
    Paper,
    ParsedDigest,
    clean_arxiv_id,
    normalize_space,
    paper_id,
)
from generator.yamlio import MAX_STRING_CHARS, MAX_YAML_BYTES

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
    given = [Link(link.label, url) for link in paper.links if (url := web_url(link.url))]
    # extract_links already gives clean web URLs; only the parser's own links need web_url.
    found = given + extract_links(paper.abstract) + extract_links(paper.comment or "")
    own = f"https://arxiv.org/abs/{paper.arxiv}" if paper.arxiv else None
    links: list[Link] = []
    seen: set[str] = set()
    for link in found:
        url = link.url
        if url == own:
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


def normalize_papers(papers: list[Paper]) -> list[Paper]:
    """`normalize_paper` over every paper, on every core when there are many (a corpus of fifty thousand
    spends seconds in the TeX and link rules); the papers come back in their order."""
    normalized = list(papers)
    for index, paper in parallel.run_all(lambda i: normalize_paper(papers[i]), len(papers), chunk=256):
        normalized[index] = paper
    return normalized


def unusable(paper: Paper) -> str | None:
    """Why a normalised paper cannot become a content file (no title, a field over its limit), or None.

    The limits are per paper, so one runaway entry (a whole page read as a title) costs that entry and a
    message naming its line, never the digest.
    """
    if not paper.title:
        return "an entry with no title"
    if len(paper.title) > MAX_TITLE_CHARS:
        limit = f"more than the {MAX_TITLE_CHARS:,} a title may have"
        return f"the title has {len(paper.title):,} characters, {limit}"
    if len(paper.abstract) > MAX_ABSTRACT_CHARS:
        return (
            f"{_shown(paper.title)} has an abstract of {len(paper.abstract):,} characters, more than the "
            f"{MAX_ABSTRACT_CHARS:,} an abstract may have"
        )
    return _front_matter_problem(paper)


def _front_matter_problem(paper: Paper) -> str | None:
    """What would make the paper's front matter one that `digest check` refuses: a value over the
    loader's MAX_STRING_CHARS, or more metadata than its MAX_YAML_BYTES (a quarter of it, in characters:
    UTF-8 and YAML escapes make a character up to four bytes)."""
    texts = [paper.comment or "", *paper.authors, *paper.categories, *paper.keywords]
    texts += [text for link in paper.links for text in (link.label, link.url)]
    longest = max(map(len, texts), default=0)
    if longest > MAX_STRING_CHARS:
        return f"{_shown(paper.title)} has a value of {longest:,} characters, more than {MAX_STRING_CHARS:,}"
    total = sum(map(len, texts))
    if total > MAX_YAML_BYTES // 4:
        return f"{_shown(paper.title)} has {total:,} characters of metadata, more than a content file holds"
    return None


def _shown(title: str) -> str:
    return repr(title if len(title) <= 100 else title[:100] + "...")


def normalize_digest(parsed: ParsedDigest) -> ParsedDigest:
    """Normalise every paper, give each its id and its 1-based rank in the digest, and move the papers
    that cannot be used (see `unusable`) to `skipped`, so `records` still equals papers plus skipped.

    The id is the arXiv id where there is one, else a hash of the normalised title; when two papers of
    one digest share a title (and have no arXiv id), their abstracts are mixed in so both are kept.
    """
    kept: list[Paper] = []
    for paper in normalize_papers(parsed.papers):
        why = unusable(paper)
        if why is not None:
            parsed.skipped.append(f"line {paper.line}: {why}; skipped")
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

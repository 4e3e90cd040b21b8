"""`digest fetch arxiv`: an arXiv API query, paged, saved and ingested as one arxiv-atom digest.

The API returns at most `max_results` entries a request, so a larger `--max` takes several pages,
spaced by the client's interval (arXiv asks for one request every three seconds). The pages are kept
as one Atom document: the first page as it came, with the later pages' `<entry>` elements added before
`</feed>`, so one day's query is one digest with one ranking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.fetch import ARXIV_PAGE_SIZE
from generator.fetch.http import HttpClient, with_query
from generator.fetch.save import Saved, parse_response, save_digest
from generator.ingest import arxiv_atom
from generator.ingest.pipeline import Progress
from generator.model import ascii_words, truncate_slug

_ENTRY_RE = re.compile(r"<entry[\s>].*?</entry>", re.DOTALL)
_TOTAL_RE = re.compile(r"<opensearch:totalResults[^>]*>\s*(\d+)\s*<")


@dataclass
class QueryResult:
    """One query's fetch: the URLs asked (one per page), the papers found and what saving did."""

    urls: list[str] = field(default_factory=list)
    papers: int = 0
    total: int | None = None
    size: int = 0
    retried: list[str] = field(default_factory=list)
    saved: Saved | None = None


def search_query(query: str, day: date | None) -> str:
    """The API's `search_query`: the user's query, limited to submissions of `day` when one is given."""
    if day is None:
        return query
    stamp = day.strftime("%Y%m%d")
    return f"({query}) AND submittedDate:[{stamp}0000 TO {stamp}2359]"


def digest_name(query: str, day: date) -> str:
    """The file a query's answer is kept as: the day, then the query as a slug (`cat:cs.LG` → cat-cs-lg)."""
    slug = truncate_slug("-".join(ascii_words(query)), 48) or "query"
    return f"{day.isoformat()}-arxiv-{slug}.xml"


def query_url(endpoint: str, query: str, start: int, size: int, sort: str = "submittedDate") -> str:
    """An API request for `size` entries from `start`; newest first, or by `sort="relevance"`."""
    params: dict[str, str | int] = {
        "search_query": query,
        "start": start,
        "max_results": size,
        "sortBy": sort,
        "sortOrder": "descending",
    }
    return with_query(f"{endpoint.rstrip('/')}/api/query", params)


def fetch_query(
    client: HttpClient,
    endpoint: str,
    query: str,
    day: date,
    content_dir: Path,
    *,
    limited_to_day: bool,
    most: int,
    page_size: int = ARXIV_PAGE_SIZE,
    progress: Progress | None = None,
) -> QueryResult:
    """Fetch up to `most` papers of `query` (of `day` only when `limited_to_day`), save them as the digest
    of `day` and ingest it. Every page is validated before anything is saved."""
    result = QueryResult()
    full_query = search_query(query, day if limited_to_day else None)
    document = ""
    entries: list[str] = []
    while len(entries) < most:
        size = min(page_size, most - len(entries))
        url = query_url(endpoint, full_query, len(entries), size)
        fetched = client.get(url)
        parse_response(arxiv_atom, fetched.text, url)  # an error feed or broken XML stops here
        result.urls.append(url)
        result.retried += fetched.retried
        page = _ENTRY_RE.findall(fetched.text)
        if result.total is None:
            total = _TOTAL_RE.search(fetched.text)
            result.total = int(total.group(1)) if total else None
            document = fetched.text
        entries += page
        if len(page) < size or (result.total is not None and len(entries) >= result.total):
            break
    text = _combine(document, entries)
    result.size = len(text.encode("utf-8"))
    parsed = parse_response(arxiv_atom, text, result.urls[0])
    result.papers = len(parsed.papers)
    if parsed.papers:
        name = digest_name(query, day)
        result.saved = save_digest(content_dir, name, text, parsed, arxiv_atom, day, progress)
    return result


def _combine(first_page: str, entries: list[str]) -> str:
    """The first page with all entries in place of its own, one Atom document for the whole query."""
    own = _ENTRY_RE.findall(first_page)
    if len(own) == len(entries):
        return first_page
    end = first_page.rindex("</feed>")
    start = _ENTRY_RE.search(first_page)
    cut = start.start() if start else end
    indent = "\n  "
    return first_page[:cut] + indent.join(entries) + "\n" + first_page[end:]

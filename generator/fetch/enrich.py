"""`digest enrich`: arXiv metadata for papers that have only a title (the trending-page copy).

Each bare title is looked up in the arXiv API as a title phrase (`ti:"..."`), and only an entry whose
normalised title is exactly the paper's is accepted: one such arXiv paper fills the file, several are
reported as ambiguous, none as not found. A person is never second-guessed: the fill rule is ingest's
(only empty or absent fields), so a field set by hand stays. Responses are cached under `.cache/`, so a
rerun, or a dry run followed by the real one, makes no request.

The lookups take minutes (arXiv asks for 3 s between requests), so they run without content/'s lock;
only then is the lock taken, content/ read again, each match decided anew against what is there now (a
paper deleted, renamed or given an arXiv id meanwhile), and the files written as one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.atomic import atomic_write
from generator.cache import cache_dir_beside
from generator.content import ContentFile
from generator.fetch.arxiv import query_url
from generator.fetch.http import HttpClient
from generator.fetch.save import parse_response
from generator.ingest import arxiv_atom
from generator.ingest.merge import FileChange, merge_into
from generator.ingest.store import ContentStore, load_store
from generator.ingest.transaction import Write, commit_writes, writing
from generator.model import ARXIV_ID_RE, Paper, title_key
from generator.site import require_content_dir

#: Entries asked for per title: enough for a short title's exact match to be among the phrase hits.
RESULTS_PER_TITLE = 25
OUTCOMES = ("matched", "ambiguous", "not found", "skipped")


@dataclass
class Lookup:
    """What the lookup of one bare paper found, and the change it makes (for `matched` only)."""

    path: Path
    title: str
    outcome: str
    arxiv: str | None = None
    candidates: list[str] = field(default_factory=list)
    change: FileChange | None = None
    reason: str = ""
    #: The paper's id and the arXiv entry that matched it (for `matched`), to decide again under the lock.
    paper_id: str = ""
    match: Paper | None = None


@dataclass
class EnrichResult:
    """Every lookup, in file order, and how many answers came from the network and from the cache."""

    lookups: list[Lookup] = field(default_factory=list)
    cached: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for lookup in self.lookups if lookup.outcome == outcome)

    @property
    def changes(self) -> list[FileChange]:
        return [lookup.change for lookup in self.lookups if lookup.change is not None]


class ResponseCache:
    """Raw API answers on disk, one file per request URL (its SHA-256), written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, url: str) -> Path:
        return self.folder / f"{hashlib.sha256(url.encode('utf-8')).hexdigest()[:32]}.xml"

    def get(self, url: str) -> str | None:
        path = self._path(url)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def put(self, url: str, text: str) -> None:
        atomic_write(self._path(url), text)


def cache_folder(content_dir: Path) -> Path:
    """Where enrich keeps answers: `.cache/enrich/` in the site folder, beside the build's cache."""
    return cache_dir_beside(content_dir) / "enrich"


def is_bare(content: ContentFile) -> bool:
    """A paper with no arXiv id at all: neither an `arxiv` field nor an arXiv id as its id."""
    arxiv = content.meta.get("arxiv")
    return not arxiv and not ARXIV_ID_RE.fullmatch(str(content.meta.get("id", "")))


def title_query(title: str) -> str | None:
    """The API query for a title as a phrase of its words (punctuation would be query syntax)."""
    words = title_key(title)
    return f'ti:"{words}"' if words else None


def enrich(
    content_dir: Path,
    client: HttpClient,
    endpoint: str,
    *,
    dry_run: bool = False,
    report: Callable[[Lookup], None] | None = None,
) -> EnrichResult:
    """Look every bare paper up, then (unless `dry_run`) write the files that gain metadata."""
    require_content_dir(content_dir)
    store = load_store(content_dir)  # without the lock: only to know what to look up
    cache = ResponseCache(cache_folder(content_dir))
    result = EnrichResult()
    bare = [content for content in store.papers_by_id.values() if is_bare(content)]
    for content in sorted(bare, key=lambda c: c.path.name):
        lookup = _look_up(store, content, client, endpoint, cache, result)
        result.lookups.append(lookup)
        if report is not None:
            report(lookup)
    if not dry_run and result.changes:
        with writing(content_dir):
            current = load_store(content_dir)
            for lookup in result.lookups:
                if lookup.change is not None:
                    _decide_again(current, lookup)
            writes = [
                Write(c.path, c.text) for c in result.changes if c.path is not None and c.text is not None
            ]
            commit_writes(content_dir, writes)
    return result


def _decide_again(store: ContentStore, lookup: Lookup) -> None:
    """Redo a matched lookup's change against content/ as it is now, under the lock: the file may have
    changed while the lookups ran, and a hand edit made then must not be overwritten."""
    content = store.papers_by_id.get(lookup.paper_id)
    paper = lookup.match
    lookup.change = None
    if content is None or paper is None:
        lookup.outcome, lookup.reason = "skipped", "the paper was deleted while enrich ran"
        return
    lookup.path = content.path
    if not is_bare(content):
        lookup.outcome, lookup.reason = "skipped", "the paper was given an arXiv id while enrich ran"
        return
    _settle(store, content, paper, lookup)


def _look_up(
    store: ContentStore,
    content: ContentFile,
    client: HttpClient,
    endpoint: str,
    cache: ResponseCache,
    result: EnrichResult,
) -> Lookup:
    title = str(content.meta.get("title", ""))
    lookup = Lookup(content.path, title, "not found")
    query = title_query(title)
    if query is None:
        lookup.outcome, lookup.reason = "skipped", "the title has no words to search for"
        return lookup
    url = query_url(endpoint, query, 0, RESULTS_PER_TITLE, sort="relevance")
    text = cache.get(url)
    cached = text is not None
    if text is None:
        text = client.get(url).text
    parsed = parse_response(arxiv_atom, text, url)  # only a valid answer is cached
    if cached:
        result.cached += 1
    else:
        cache.put(url, text)
    exact = _exact_matches(title, parsed.papers)
    lookup.candidates = sorted(exact)
    if len(exact) > 1:
        lookup.outcome = "ambiguous"
        return lookup
    if not exact:
        return lookup
    paper = next(iter(exact.values()))
    lookup.arxiv = paper.arxiv
    paper.update_only = True
    lookup.outcome = "matched"
    lookup.paper_id, lookup.match = str(content.meta.get("id", "")), paper
    _settle(store, content, paper, lookup)
    return lookup


def _settle(store: ContentStore, content: ContentFile, paper: Paper, lookup: Lookup) -> None:
    """The change a matched lookup makes to `content`: skipped when another file already has the arXiv
    id, else the empty fields filled (ingest's own fill rule). Used when looking up and again under the
    lock, so both decide alike."""
    owner = store.ids_by_arxiv.get(paper.arxiv or "")
    if owner is not None and owner != lookup.paper_id:
        lookup.outcome = "skipped"
        lookup.reason = f"arXiv {paper.arxiv} is already {store.papers_by_id[owner].path.name}"
        lookup.change = None
        return
    change = merge_into(store, content, paper, day="")
    lookup.change = change if change.action == "updated" else None
    lookup.reason = change.reason or "nothing to fill"


def _exact_matches(title: str, papers: list[Paper]) -> dict[str, Paper]:
    """The entries whose normalised title is exactly the paper's, one per arXiv id."""
    key = title_key(title)
    return {p.arxiv: p for p in papers if p.arxiv and title_key(p.title) == key}

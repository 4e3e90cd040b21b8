"""The search index split by term: one lunr index over every paper, cut into small content-addressed files.

A search needs, of a whole lunr index, only what its query's terms touch: lunr.js scores a document as the
dot product of the query vector with the document's field vectors, and a query vector has entries for the
query's terms only. So one index is built over all papers (global idf and field lengths, exactly as one
lunr.js index of all papers scores), then turned inside out term by term (`lunr_direct.term_postings`)
and cut into parts; the browser (static/js/search-parts.js) fetches the parts holding its query's terms,
rebuilds a lunr.Index of just those terms, and gets the full index's results in the full index's order.

Files in `search/` (every name but index.json carries a hash of its bytes, so a browser or a CDN fetches a
part again only when it changed; names are `<kind>-<hash>.json`):
- `index.json`, the entry point: `{"version": 2, "papers": N, "fields": [...], "pipeline": [...],
  "postings": [[first term, hash], ...], "names": {"term": [[first term, hash], ...], "tail": [...],
  "skip": [...]}, "docs": {"size": D, "files": [hash, ...]}}`.
- `p-<hash>.json`, a postings part: `[[term, term number, <title>, <abstract>, <topics>, <authors>], ...]`,
  each field's postings a flat `[ref, score, ref, score, ...]`. Parts hold consecutive terms in lunr.js's
  order (JavaScript's string order); `postings` lists each part's first term, so a term's part is found
  by a binary search, and a prefix's terms (`transf*`) are in consecutive parts.
- `n-<hash>.json`, a names part: `[term, ...]`, for queries whose terms are not known in advance, typos
  (`transformr~1`) and wildcards not at the end (`*former`). Three lists of every term, each sorted by a
  key: `term` (the term), `tail` (the term without its first code unit) and `skip` (without its second).
  A term one edit away from a query term q shares with q the first two code units of one of these keys
  (an edit at position 2 or later keeps the term's first two; a substitution or insertion at position 0
  keeps the tail's; at position 1, the skip key's; a deletion or swap at 0 or 1 gives a term starting with
  a known pair), so a typo needs a few names parts, then the postings parts of the names lunr matches.
- `d-<hash>.json`, a documents part: `[{"title", "url", "date", "topics", "snippet"}, ...]` for D
  consecutive refs (the ref is the document's number in base 36, `index.ref_for`): only the results shown
  are fetched.

Documents are numbered from the oldest paper on, so a new day's papers get new numbers and every other
paper keeps its ref. The index is built once per set of papers and kept in `.cache/search/` (its files
under their own names, plus one entry per set of papers listing them), so a build with no new paper
writes no search file again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import parallel, urls
from generator.atomic import atomic_write, naming
from generator.cache.pages import place
from generator.lock import LockBusy, folder_lock
from generator.markdown import snippet
from generator.search.index import (
    DECIMALS,
    FIELDS,
    PIPELINE,
    SEARCH_PIPELINE,
    SNIPPET_CHARS,
    SearchDoc,
    dumps,
    ref_for,
    texts_of,
)
from generator.search.lunr_direct import js_order, term_postings

if TYPE_CHECKING:
    from generator.model import SitePaper

INDEX_VERSION = 2
CACHE_VERSION = "search-parts-1"  # bump when the files or the pipeline change
POSTINGS_PART_BYTES = 40_000  # a postings part's JSON (about 12 KB gzipped); one term may be more
NAMES_PART_BYTES = 24_000  # a names part's JSON (about 8 KB gzipped)
DOCS_PER_PART = 16  # documents per documents part (about 2 KB gzipped)
HASH_CHARS = 10
TERMS_PER_BLOCK = 4_000  # terms a worker formats at a time
GZIP_LEVEL = 6  # what static hosts typically serve

# The names lists' keys, on UTF-16 code units (as JavaScript slices strings); the browser computes the same.
NAME_KEYS: dict[str, Callable[[bytes], bytes]] = {
    "term": lambda units: units,
    "tail": lambda units: units[2:],
    "skip": lambda units: units[:2] + units[4:],
}


@dataclass(frozen=True)
class SearchStats:
    """What `write_search_index` wrote: its size, index.json's gzipped size (what every search fetches
    first), wall time, whether it came from the cache."""

    papers: int
    terms: int
    files: int
    bytes: int
    entry_gzip_bytes: int  # index.json, gzipped: what every search fetches first
    seconds: float
    reused: bool
    #: Problems the build worked around (a damaged cache entry rebuilt, a cache it could not write).
    warnings: tuple[str, ...] = ()


def doc_for(paper: SitePaper, topic_names: Mapping[str, str]) -> SearchDoc:
    return SearchDoc(
        title=paper.title,
        url=urls.paper(paper.slug),
        date=paper.date,
        topics=tuple(topic_names.get(slug, slug) for slug in paper.topics),
        authors=tuple(paper.authors or ()),
        abstract=paper.text,
    )


def search_docs(papers: Sequence[SitePaper], topic_names: Mapping[str, str]) -> list[SearchDoc]:
    """The documents in index order: oldest paper first (the site lists newest first), so that the papers
    a new day adds get the next numbers and every older paper keeps its ref."""
    return [doc_for(paper, topic_names) for paper in reversed(papers)]


def build_files(docs: Sequence[SearchDoc]) -> tuple[dict[str, bytes], int]:
    """Every file of `search/` by name (index.json included), and the number of terms."""
    files: dict[str, bytes] = {}

    def add(kind: str, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()[:HASH_CHARS]
        files[f"{kind}-{digest}.json"] = content
        return digest

    terms: list[str] = []
    entries = _posting_entries(docs, terms)
    postings = [[first, add("p", content)] for first, content in _pack(entries, POSTINGS_PART_BYTES)]
    as_json = {term: dumps(term) for term in terms}
    names = {
        name: [[first, add("n", content)] for first, content in _pack(_named(as_json, key), NAMES_PART_BYTES)]
        for name, key in NAME_KEYS.items()
    }
    documents = [
        add("d", dumps([_shown(doc) for doc in docs[start : start + DOCS_PER_PART]]))
        for start in range(0, len(docs), DOCS_PER_PART)
    ]
    entry = {
        "version": INDEX_VERSION,
        "papers": len(docs),
        "fields": [name for name, _boost in FIELDS],
        "pipeline": [fn.label for fn in SEARCH_PIPELINE],
        "postings": postings,
        "names": names,
        "docs": {"size": DOCS_PER_PART, "files": documents},
    }
    files["index.json"] = dumps(entry)
    return files, len(terms)


def _posting_entries(docs: Sequence[SearchDoc], terms: list[str]) -> Iterator[tuple[str, bytes]]:
    """Each term and its postings entry as JSON, in lunr.js's order, formatted on every core in blocks
    of terms; every term is also added to `terms` (the names lists need them all)."""
    refs = [ref_for(number) for number in range(len(docs))]
    postings = term_postings([texts_of(doc) for doc in docs], refs, FIELDS, PIPELINE, decimals=DECIMALS)
    terms += postings.terms
    blocks = range(0, len(postings), TERMS_PER_BLOCK)

    def encode(block: int) -> list[tuple[str, bytes]]:
        start = blocks[block]
        entries = (postings[i] for i in range(start, min(start + TERMS_PER_BLOCK, len(postings))))
        return [(term, dumps([term, number, *per_field])) for term, number, per_field in entries]

    done = dict(parallel.run_all(encode, len(blocks), minimum=2, chunk=1))
    for block in range(len(blocks)):
        yield from done.pop(block)


def _named(as_json: Mapping[str, bytes], key: Callable[[bytes], bytes]) -> list[tuple[str, bytes]]:
    """Every term with its JSON, sorted by `key` of its UTF-16 code units (then by the term itself)."""
    units = {term: js_order(term) for term in as_json}
    ordered = sorted(as_json, key=lambda term: (key(units[term]), units[term]))
    return [(term, as_json[term]) for term in ordered]


def _pack(entries: Iterable[tuple[str, bytes]], budget: int) -> Iterable[tuple[str, bytes]]:
    """Consecutive entries (a term and its JSON) joined into JSON arrays of about `budget` bytes: each
    part's first term and bytes. An entry over the budget is a part of its own."""
    part: list[bytes] = []
    first = ""
    size = 0
    for term, text in entries:
        if part and size + len(text) > budget:
            yield first, b"[" + b",".join(part) + b"]"
            part, size = [], 0
        if not part:
            first = term
        part.append(text)
        size += len(text) + 1
    if part:
        yield first, b"[" + b",".join(part) + b"]"


def _shown(doc: SearchDoc) -> dict[str, Any]:
    """What a result shows of its paper."""
    return {
        "title": doc.title,
        "url": doc.url,
        "date": doc.date,
        "topics": list(doc.topics),
        "snippet": snippet(doc.abstract, SNIPPET_CHARS),
    }


def cache_key(docs: Sequence[SearchDoc]) -> str:
    """A hash of everything the index's files depend on."""
    digest = hashlib.sha256()
    settings = [CACHE_VERSION, FIELDS, DECIMALS, SNIPPET_CHARS, POSTINGS_PART_BYTES, NAMES_PART_BYTES]
    digest.update(json.dumps([*settings, DOCS_PER_PART, HASH_CHARS], ensure_ascii=True).encode())
    for doc in docs:
        digest.update(json.dumps(doc.to_json(), ensure_ascii=True, sort_keys=True).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def compress(data: bytes) -> bytes:
    """Deterministic gzip (no timestamp), at the level static hosts typically serve."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def write_search_index(
    papers: Sequence[SitePaper],
    site_dir: Path,
    *,
    topic_names: Mapping[str, str],
    cache_dir: Path | None = None,
) -> SearchStats:
    """Write `search/` into `site_dir`: index.json and the parts, every other file there removed.

    With a `cache_dir`, an index already built for the same papers is taken from it (its files hard-linked
    into the site), and a new one is stored there; entries of other sets of papers are then dropped.
    """
    started = time.perf_counter()
    docs = search_docs(papers, topic_names)
    key = cache_key(docs)
    out = site_dir / "search"
    out.mkdir(parents=True, exist_ok=True)
    store = _Store(cache_dir) if cache_dir is not None else None
    using = folder_lock(cache_dir, shared=True) if cache_dir is not None else contextlib.nullcontext()
    with using:
        entry = store.read(key) if store is not None else None
        if entry is None:
            files, terms = build_files(docs)
            sizes = {name: len(data) for name, data in files.items()}
            index = files["index.json"]
            entry = _Entry(sizes, terms, f"i-{_hashed(index)}", len(compress(index)))
            if store is not None and store.write(key, files, entry):
                files = {}  # written to the cache: linked from there
        else:
            files = {}
        for name in entry.sizes:
            _put(
                out / name,
                store.path(entry.stored(name)) if name not in files and store else None,
                files.get(name),
            )
    for stale in out.glob("*.json"):  # the earlier index's files (the search page is not the index's)
        if stale.name not in entry.sizes:
            with naming(stale):
                stale.unlink()
    if store is not None:
        store.keep_only(key, entry)
    return SearchStats(
        papers=len(docs),
        terms=entry.terms,
        files=len(entry.sizes),
        bytes=sum(entry.sizes.values()),
        entry_gzip_bytes=entry.entry_gzip_bytes,
        seconds=time.perf_counter() - started,
        reused=store is not None and store.hit,
        warnings=tuple(store.warnings) if store is not None else (),
    )


def _put(target: Path, stored: Path | None, content: bytes | None) -> None:
    """A file of `search/`: kept when it already is the stored file (the spare site holds last build's
    links), else replaced by a link to the stored file, or written from `content`; never written through
    a link into the cache. A full disk's error names the file."""
    with naming(target):
        if stored is not None:
            with contextlib.suppress(FileNotFoundError):
                if target.samefile(stored):
                    return
            target.unlink(missing_ok=True)
            place(stored, target)
            return
        assert content is not None
        target.unlink(missing_ok=True)
        target.write_bytes(content)


@dataclass(frozen=True)
class _Entry:
    """One index: its files' sizes by name in `search/`, its term count, index.json's name in the cache
    (`i-<hash>.json`: every index has its own) and gzipped size."""

    sizes: dict[str, int]
    terms: int
    index: str
    entry_gzip_bytes: int

    def stored(self, name: str) -> str:
        """A file's name in the cache (the parts' own names are already unique to their bytes)."""
        return self.index if name == "index.json" else name


class _Store:
    """`.cache/search/`: the files of the last index under their own names (`files/`), and an entry per set
    of papers, `<key>.json` = `{"sizes": {name: bytes}, "terms": n, "index": name, "entry_gzip_bytes": n}`.

    An entry is used only when every file it names is there with its size and hash, so a damaged file costs
    one warning and a rebuild. The cache only saves time: a disk that refuses to store it costs a warning.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = folder / "files"
        self.warnings: list[str] = []
        self.hit = False
        self.written = False

    def path(self, name: str) -> Path:
        return self.files / name

    def read(self, key: str) -> _Entry | None:
        path = self.folder / f"{key}.json"
        try:
            data = json.loads(path.read_bytes())
            sizes = {str(name): int(size) for name, size in data["sizes"].items()}
            entry = _Entry(sizes, int(data["terms"]), str(data["index"]), int(data["entry_gzip_bytes"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            return self._damaged(path, f"unreadable ({exc})")
        for name, size in sizes.items():
            stored = self.path(entry.stored(name))
            try:
                content = stored.read_bytes()
            except OSError:
                return self._damaged(stored, "missing")
            if len(content) != size or stored.name.split("-", 1)[-1] != _hashed(content):
                return self._damaged(stored, "damaged (its size or hash is wrong)")
        self.hit = True
        return entry

    def _damaged(self, path: Path, why: str) -> None:
        self.warnings.append(f"search cache: {path} was {why}; rebuilt the search index")
        return None

    def write(self, key: str, files: Mapping[str, bytes], entry: _Entry) -> bool:
        """Store a new index; False when the disk refused (then nothing is linked from the cache)."""
        try:
            self.files.mkdir(parents=True, exist_ok=True)
            for name, content in files.items():
                path = self.path(entry.stored(name))
                if not _holds(path, content):  # a name is a hash of the bytes, but a file may be damaged
                    atomic_write(path, content)
            atomic_write(self.folder / f"{key}.json", json.dumps(dataclasses.asdict(entry)).encode())
        except OSError as exc:
            where = exc.filename or self.folder
            self.warnings.append(f"search cache: cannot write {where}: {exc.strerror or exc}; not cached")
            return False
        self.written = True
        return True

    def keep_only(self, key: str, entry: _Entry) -> None:
        """Drop other entries and the files only they named, unless another build is using the cache."""
        keep = {entry.stored(name) for name in entry.sizes}
        with contextlib.suppress(LockBusy, OSError), folder_lock(self.folder, wait=0):
            for path in self.folder.iterdir():
                if path.is_file() and path.name != f"{key}.json":
                    path.unlink()  # other entries, and the date shards (*.json.gz) of index version 1
            for path in self.files.iterdir():
                if path.name not in keep:
                    path.unlink()


def _holds(path: Path, content: bytes) -> bool:
    try:
        return path.stat().st_size == len(content) and path.read_bytes() == content
    except OSError:
        return False


def _hashed(content: bytes) -> str:
    """The name-part of a file named by its bytes: `<hash>.json`."""
    return hashlib.sha256(content).hexdigest()[:HASH_CHARS] + ".json"

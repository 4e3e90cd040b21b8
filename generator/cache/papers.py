"""Paper files parsed by an earlier build: each file's SitePaper and terms, by a hash of its path and bytes.

Parsing is most of loading a site (the hardened YAML loader, Markdown, math), and from one build to the
next almost every file is byte for byte the same. The key is the file's relative path and bytes (and the
code fingerprint, kept in the file's header), so an edit, a rename or a new generator simply misses. Only
papers that passed validation are kept; a cached paper is still checked against the current topics,
the one check that depends on another file.

The store is a pickle file read whole at the start of a build (one read of a few tens of megabytes beats
ten thousand small files), plus a small one of the papers added since (see `PaperCache`). A file that
cannot be read back (truncated, another version) is dropped with a warning; the build then parses anew.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.atomic import atomic_stream, atomic_write
from generator.model import SitePaper

if TYPE_CHECKING:
    from generator.related import PaperTerms

FILE_NAME = "papers.pickle"
DELTA_NAME = "papers-new.pickle"
#: (id, arXiv id, title) by key, for `digest ingest` to file papers without parsing them (small, so
#: ingest does not load every paper's HTML to learn three fields).
INDEX_NAME = "papers-index.pickle"
FORMAT = "papers-2"  # bump when what is stored changes shape


def paper_key(relative: str, data: bytes) -> str:
    """The key of a paper file: a hash of its path relative to content/ and of its bytes."""
    return hashlib.sha256(relative.encode("utf-8") + b"\0" + data).hexdigest()


@dataclass
class PaperCache:
    """SitePapers (and their terms) by `paper_key`, loaded from and saved to `folder`.

    Two files: the bulk (`papers.pickle`) and the papers added since it was written (`papers-new.pickle`),
    so a day's build writes a hundred papers, not ten thousand; the bulk is rewritten once the additions
    or the entries no build uses any more pass a quarter of it.
    """

    folder: Path | None
    fingerprint: str
    papers: dict[str, SitePaper] = field(default_factory=dict)
    terms: dict[str, PaperTerms] = field(default_factory=dict)
    #: Keys this build used: a rewrite of the bulk keeps only these.
    used: set[str] = field(default_factory=set)
    #: Keys the bulk file holds.
    bulk: set[str] = field(default_factory=set)
    hits: int = 0
    misses: int = 0
    changed: bool = False
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path | None, fingerprint: str) -> PaperCache:
        cache = cls(folder, fingerprint)
        if folder is None:
            return cache
        bulk = cache._read(folder / FILE_NAME)
        if bulk is not None:
            cache.papers, cache.terms = bulk
            cache.bulk = set(cache.papers)
            added = cache._read(folder / DELTA_NAME)
            if added is not None:
                cache.papers.update(added[0])
                cache.terms.update(added[1])
        return cache

    def _read(self, path: Path) -> tuple[dict[str, SitePaper], dict[str, PaperTerms]] | None:
        """One file's (papers, terms); None when it is missing, of another generator, or damaged (a
        damaged one is removed, with a warning)."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.warnings.append(f"build cache: cannot read {path} ({exc.strerror or exc}); parsed anew")
            return None
        try:
            stored = pickle.loads(data)
            assert isinstance(stored, dict) and stored.get("format") == FORMAT
            if stored.get("fingerprint") != self.fingerprint:
                return None
            return dict(stored["papers"]), dict(stored["terms"])
        except Exception as exc:  # any damage (truncated, foreign, old classes) means: start from nothing
            self.warnings.append(f"build cache: {path} was damaged ({type(exc).__name__}); parsed anew")
            with contextlib.suppress(OSError):
                path.unlink()
            return None

    def start_build(self) -> None:
        """Count afresh for the next build of the same process (what is stored stays)."""
        self.used, self.hits, self.misses, self.warnings = set(), 0, 0, []

    def get(self, key: str) -> SitePaper | None:
        paper = self.papers.get(key)
        if paper is None:
            self.misses += 1
        else:
            self.hits += 1
            self.used.add(key)
        return paper

    def put(self, key: str, paper: SitePaper, terms: PaperTerms | None = None) -> None:
        self.papers[key] = paper
        if terms is not None:
            self.terms[key] = terms
        self.used.add(key)
        self.changed = True

    def terms_of(self, key: str, paper: SitePaper, text: Callable[[SitePaper], str]) -> PaperTerms:
        """The paper's terms (`related.paper_terms` of `text(paper)`), counted once per file version."""
        terms = self.terms.get(key)
        if terms is None:
            from generator.related import paper_terms  # numpy and scipy only when a build needs them

            terms = self.terms[key] = paper_terms(text(paper))
            self.changed = True
        return terms

    def save(self) -> None:
        """Keep what this build used: the additions alone while they are few, else everything used in a
        new bulk. A cache that cannot be written costs a warning (the next build parses again), never the
        build."""
        if self.folder is None:
            return
        unused = len(self.bulk - self.used)
        if not self.changed and unused <= len(self.bulk) // 4:
            return
        added = sorted(key for key in self.used if key not in self.bulk or key not in self.terms)
        try:
            if len(added) <= len(self.bulk) // 4 and unused <= len(self.bulk) // 4:
                self._write(DELTA_NAME, added)
            else:
                self._write(FILE_NAME, sorted(self.used))
                (self.folder / DELTA_NAME).unlink(missing_ok=True)
                self.bulk = set(self.used)
                self.papers = {key: self.papers[key] for key in self.used if key in self.papers}
                self.terms = {key: self.terms[key] for key in self.used if key in self.terms}
            self.changed = False
            index = {key: (paper.id, paper.arxiv, paper.title) for key, paper in self.papers.items()}
            data = {"format": FORMAT, "fingerprint": self.fingerprint, "index": index}
            atomic_write(self.folder / INDEX_NAME, pickle.dumps(data, protocol=5))
        except OSError as exc:
            self.warnings.append(
                f"build cache: cannot write into {self.folder} ({exc.strerror or exc}); "
                "the next build parses every paper again"
            )

    def _write(self, name: str, keys: list[str]) -> None:
        papers = {key: self.papers[key] for key in keys if key in self.papers}
        terms = {key: self.terms[key] for key in keys if key in self.terms}
        data = {"format": FORMAT, "fingerprint": self.fingerprint, "papers": papers, "terms": terms}
        assert self.folder is not None
        atomic_stream(self.folder / name, lambda handle: pickle.dump(data, handle, protocol=5))


def read_index(folder: Path, fingerprint: str) -> dict[str, tuple[str, str | None, str]]:
    """What the last build (of this generator) found in each paper file, by key; empty when there is no
    such build or its index cannot be read: the caller then parses every file."""
    try:
        stored = pickle.loads((folder / INDEX_NAME).read_bytes())
    except Exception:  # missing, truncated or foreign: parse instead
        return {}
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        return {}
    if stored.get("fingerprint") != fingerprint:
        return {}
    index = stored.get("index")
    return index if isinstance(index, dict) else {}

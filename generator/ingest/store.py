"""What content/ already holds, as ingest needs it: papers by id, slugs in use, digests on record.

Loaded once per `digest ingest`, under content/'s exclusive lock, and updated in memory while planning,
so several digests in one command see each other's papers before anything is written. The manifest is
edited by hand (an entry removed to ingest a digest again), so each entry is checked, and a bad one is
reported at its line rather than half-trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from generator.cache.papers import paper_key
from generator.content import (
    ContentFile,
    decode_text,
    is_iso_date,
    parse_content_text,
    read_bytes,
    read_content_file,
    read_text,
)
from generator.errors import ContentError
from generator.model import ARXIV_ID_RE, Paper, title_key
from generator.names import content_files
from generator.yamlio import MAX_MANIFEST_BYTES, child_node, dump_yaml, load_yaml_with_nodes, node_line

MANIFEST_NAME = "ingested.yml"
MANIFEST_HEADER = (
    "# Digests already ingested, by a hash of their text. `digest ingest` skips a digest listed here,\n"
    "# so papers deleted by hand stay deleted. Remove an entry to ingest that digest again.\n"
)
_FIELDS = ("file", "sha256", "date", "format", "papers")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


@dataclass
class ManifestEntry:
    """One ingested digest: where its copy is, the hash of its text, its date and what it held."""

    file: str
    sha256: str
    date: str
    format: str
    papers: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "date": self.date,
            "format": self.format,
            "papers": self.papers,
        }


class PaperFiles(MutableMapping[str, ContentFile]):
    """Paper files by id, each parsed when first asked for. A file the build cache already knows (same
    path and bytes, see `generator.cache.papers`) is filed under its id, arXiv id and title without
    being parsed: a day's ingest into ten thousand papers then parses only the few files it updates."""

    def __init__(self) -> None:
        self._files: dict[str, ContentFile | Path] = {}

    def __getitem__(self, paper_id: str) -> ContentFile:
        found = self._files[paper_id]
        if isinstance(found, Path):
            found = self._files[paper_id] = read_content_file(found)
        return found

    def __setitem__(self, paper_id: str, content: ContentFile | Path) -> None:
        self._files[paper_id] = content

    def __delitem__(self, paper_id: str) -> None:
        del self._files[paper_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._files

    def path_of(self, paper_id: str) -> Path:
        found = self._files[paper_id]
        return found if isinstance(found, Path) else found.path


@dataclass
class ContentStore:
    """content/ as ingest sees it; `papers_by_id` and `slugs` include what is planned but not written."""

    root: Path
    papers_by_id: PaperFiles = field(default_factory=PaperFiles)
    ids_by_arxiv: dict[str, str] = field(default_factory=dict)
    ids_by_title: dict[str, str] = field(default_factory=dict)
    slugs: set[str] = field(default_factory=set)
    manifest: list[ManifestEntry] = field(default_factory=list)

    @property
    def papers_dir(self) -> Path:
        return self.root / "papers"

    @property
    def digests_dir(self) -> Path:
        return self.root / "digests"

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST_NAME

    def remember(self, content: ContentFile) -> None:
        """Record a paper file (read, planned new or planned updated) under every key it is found by."""
        meta = content.meta
        paper_id = meta["id"]
        self.papers_by_id[paper_id] = content
        arxiv = meta.get("arxiv")
        if isinstance(arxiv, str) and arxiv:
            self.ids_by_arxiv.setdefault(arxiv, paper_id)
        elif ARXIV_ID_RE.fullmatch(paper_id):
            self.ids_by_arxiv.setdefault(paper_id, paper_id)
        title = meta.get("title")
        if isinstance(title, str):
            self.ids_by_title.setdefault(title_key(title), paper_id)

    def remember_known(self, path: Path, paper_id: str, arxiv: str | None, title: str) -> None:
        """Record a paper file from what the build cache knows of it; it is parsed only if used."""
        self.papers_by_id[paper_id] = path
        if arxiv:
            self.ids_by_arxiv.setdefault(arxiv, paper_id)
        elif ARXIV_ID_RE.fullmatch(paper_id):
            self.ids_by_arxiv.setdefault(paper_id, paper_id)
        self.ids_by_title.setdefault(title_key(title), paper_id)

    def find(self, paper: Paper) -> ContentFile | None:
        """The file of the same paper: by id, then arXiv id, then normalised title. A title match between
        two papers that both have arXiv ids, different ones, is two papers (titles repeat; ids do not)."""
        found = self.papers_by_id.get(paper.id)
        if found is None and paper.arxiv:
            found = self.papers_by_id.get(self.ids_by_arxiv.get(paper.arxiv, ""))
        if found is None:
            candidate = self.papers_by_id.get(self.ids_by_title.get(title_key(paper.title), ""))
            other = candidate.meta.get("arxiv") if candidate is not None else None
            if candidate is not None and not (paper.arxiv and other and other != paper.arxiv):
                found = candidate
        return found

    def may_know(self, paper: Paper) -> bool:
        """Whether `find` could find a file for `paper` (its id, arXiv id or title is on record), without
        reading any file: False means the paper is surely new to content/ as it stood."""
        return (
            paper.id in self.papers_by_id
            or bool(paper.arxiv and paper.arxiv in self.ids_by_arxiv)
            or title_key(paper.title) in self.ids_by_title
        )

    def find_ingested(self, sha256: str) -> ManifestEntry | None:
        return next((entry for entry in self.manifest if entry.sha256 == sha256), None)

    def manifest_text(self) -> str:
        entries = sorted(self.manifest, key=lambda e: (e.date, e.file))
        return MANIFEST_HEADER + dump_yaml({"digests": [e.as_dict() for e in entries]})


def load_store(root: Path, known: Mapping[str, tuple[str, str | None, str]] | None = None) -> ContentStore:
    """Read every paper's front matter and the manifest; a broken file stops ingest before it writes.
    Editors' lock, swap and backup files beside the papers are not papers. `known` maps a file's
    `paper_key` to the (id, arXiv id, title) a build found in it: such a file is not parsed now."""
    store = ContentStore(root=root)
    for folder in (store.papers_dir, store.digests_dir):
        if folder.exists() and not folder.is_dir():
            raise ContentError(f"is a file, not a folder: content/{folder.name}/ must be a folder", folder)
    for path in content_files(store.papers_dir, ".md"):
        raw = read_bytes(path)
        seen = known.get(paper_key(path.relative_to(root).as_posix(), raw)) if known else None
        content = parse_content_text(decode_text(raw, path), path) if seen is None else None
        paper_id = content.meta.get("id") if content is not None else seen[0] if seen else None
        if not isinstance(paper_id, str) or not paper_id.strip():
            raise ContentError("front matter has no 'id' (a non-empty string)", path, 2)
        if paper_id in store.papers_by_id:
            other = store.papers_by_id.path_of(paper_id).name
            raise ContentError(f"id {paper_id!r} is also used by {other}; ids must be unique", path, 2)
        if content is not None:
            store.remember(content)
        elif seen is not None:
            store.remember_known(path, *seen)
        store.slugs.add(path.stem)
    store.manifest = load_manifest(store.manifest_path)
    return store


def load_manifest(path: Path) -> list[ManifestEntry]:
    """The entries of ingested.yml, each checked. An entry whose digest file is gone is kept: the copy
    may be deleted by hand, and the entry is what stops the digest from being ingested again."""
    if not path.exists():
        return []
    if not path.is_file():
        raise ContentError("is not a file: the list of ingested digests must be a file", path)
    data, root = load_yaml_with_nodes(read_text(path), path, max_bytes=MAX_MANIFEST_BYTES)
    if data is None:
        return []
    entries = data.get("digests") if isinstance(data, dict) else None
    if entries is None and isinstance(data, dict) and "digests" in data:
        return []  # `digests:` with nothing under it
    if not isinstance(entries, list):
        line = node_line(child_node(root, "digests")) or 1
        raise ContentError("must hold a 'digests:' list (one entry per digest ingested)", path, line)
    list_node = child_node(root, "digests")
    nodes = list_node.value if isinstance(list_node, yaml.SequenceNode) else []
    manifest = []
    for number, item in enumerate(entries, start=1):
        node = nodes[number - 1] if number <= len(nodes) else None
        manifest.append(_entry(item, node, number, path))
    return manifest


def _entry(item: object, node: yaml.Node | None, number: int, path: Path) -> ManifestEntry:
    """One manifest entry, or a ContentError at the line of the entry (or of its bad field)."""
    where = node_line(node)
    if not isinstance(item, dict):
        raise ContentError(f"digest entry {number} must be a mapping of {', '.join(_FIELDS)}", path, where)
    missing = [key for key in _FIELDS if key not in item]
    if missing:
        raise ContentError(f"digest entry {number} lacks {', '.join(missing)}", path, where)
    for key in _FIELDS:
        problem = _field_problem(key, item[key])
        if problem is not None:
            line = node_line(child_node(node, key)) or where
            raise ContentError(f"digest entry {number}: {key} {problem}", path, line)
    day = item["date"]
    return ManifestEntry(
        item["file"],
        item["sha256"],
        day if isinstance(day, str) else day.isoformat(),
        item["format"],
        item["papers"],
    )


def _field_problem(key: str, value: object) -> str | None:
    """What is wrong with one field's value, or None."""
    if key == "papers":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else f"must be a number of papers, not {value!r}"
    if key == "date":
        ok = is_iso_date(value) or isinstance(value, date)
        return None if ok else f"must be a date, YYYY-MM-DD, not {value!r}"
    if key == "sha256":
        ok = isinstance(value, str) and _SHA256_RE.fullmatch(value) is not None
        return None if ok else f"must be 64 lowercase hexadecimal digits, not {value!r}"
    if not isinstance(value, str) or not value.strip():
        return f"must be text, not {value!r}"
    return None

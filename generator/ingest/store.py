"""What content/ already holds, as ingest needs it: papers by id, slugs in use, digests on record.

Loaded once per `digest ingest` and updated in memory while planning, so several digests in one command
see each other's papers before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.atomic import atomic_write
from generator.content import ContentFile, read_content_file, read_text
from generator.errors import ContentError
from generator.model import ARXIV_ID_RE, Paper, title_key
from generator.yamlio import dump_yaml, load_yaml

MANIFEST_NAME = "ingested.yml"
MANIFEST_HEADER = (
    "# Digests already ingested, by a hash of their text. `digest ingest` skips a digest listed here,\n"
    "# so papers deleted by hand stay deleted. Remove an entry to ingest that digest again.\n"
)


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


@dataclass
class ContentStore:
    """content/ as ingest sees it; `papers_by_id` and `slugs` include what is planned but not written."""

    root: Path
    papers_by_id: dict[str, ContentFile] = field(default_factory=dict)
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

    def find_ingested(self, sha256: str) -> ManifestEntry | None:
        return next((entry for entry in self.manifest if entry.sha256 == sha256), None)

    def manifest_text(self) -> str:
        entries = sorted(self.manifest, key=lambda e: (e.date, e.file))
        return MANIFEST_HEADER + dump_yaml({"digests": [e.as_dict() for e in entries]})

    def write_manifest(self) -> None:
        atomic_write(self.manifest_path, self.manifest_text())


def load_store(root: Path) -> ContentStore:
    """Read every paper's front matter and the manifest; a broken file stops ingest before it writes."""
    store = ContentStore(root=root)
    if store.papers_dir.is_dir():
        for path in sorted(store.papers_dir.glob("*.md")):
            content = read_content_file(path)
            paper_id = content.meta.get("id")
            if not isinstance(paper_id, str) or not paper_id.strip():
                raise ContentError("front matter has no 'id' (a non-empty string)", path, 2)
            if paper_id in store.papers_by_id:
                other = store.papers_by_id[paper_id].path.name
                raise ContentError(f"id {paper_id!r} is also used by {other}; ids must be unique", path, 2)
            store.remember(content)
            store.slugs.add(path.stem)
    store.manifest = _load_manifest(store.manifest_path)
    return store


def _load_manifest(path: Path) -> list[ManifestEntry]:
    if not path.exists():
        return []
    data = load_yaml(read_text(path), path) or {}
    entries = data.get("digests") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ContentError("must hold a 'digests:' list", path, 1)
    manifest = []
    for item in entries:
        try:
            manifest.append(
                ManifestEntry(
                    str(item["file"]),
                    str(item["sha256"]),
                    str(item["date"]),
                    str(item["format"]),
                    int(item["papers"]),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ContentError(f"entry {item!r} lacks file, sha256, date, format or papers", path) from exc
    return manifest

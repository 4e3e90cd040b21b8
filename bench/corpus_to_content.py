"""Write a content folder from the first N records of a JSONL corpus, for `make bench` and scale tests.

A stand-in for a JSONL ingest (the formats issue) that goes through the project's own code for slugs,
ids, escaping, links, topics and the front matter, so the build sees files like those ingest writes.

    python bench/corpus_to_content.py -n 1000 /tmp/content [--corpus PATH.jsonl.gz]

Two corpora are understood (see ../shared/README.md), record by record:
- arXiv (`id, categories[], pdf, abs, authors[], title, comment, summary`): it has no dates, so the
  papers are given 100 a day going back from 2026-08-31 in corpus order (newest first): many digests.
- Hugging Face feed (`id` = paper URL, `title`, `content_text`, `url`, `date_published`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make `generator` importable without installing it
    sys.path.insert(0, str(REPO))

from generator.content import compose_file  # noqa: E402
from generator.ingest.cleanup import normalize_latex_residue  # noqa: E402
from generator.ingest.links import extract_links  # noqa: E402
from generator.markdown import escape_text  # noqa: E402
from generator.model import normalize_space, paper_id, slugify, unique_slug  # noqa: E402
from generator.topics import classify, load_topics  # noqa: E402

SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"
DEFAULT_CORPUS = CORPORA / "arxiv-cs-abstracts-50k.jsonl.gz"
SITE_FILES = ("topics.yml", "site.yml")
FIRST_DAY = date(2026, 8, 31)
PAPERS_PER_DAY = 100
SOURCE = "corpus"
_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?")


@dataclass
class Record:
    """One corpus record reduced to what a content file holds."""

    title: str
    abstract: str
    day: str
    arxiv: str | None = None
    authors: list[str] = field(default_factory=list)
    extra_links: list[tuple[str, str]] = field(default_factory=list)


def arxiv_id(value: str | None) -> str | None:
    """The arXiv id in a bare id (`2501.01234`) or a URL ending in one (`.../papers/2501.01234v2`)."""
    if not value:
        return None
    match = _ARXIV_ID.search(value.rstrip("/").rsplit("/", 1)[-1])
    return match.group(1) if match else None


def read_records(corpus: Path, n: int) -> Iterator[Record]:
    """The first `n` records of the corpus that have a title, newest first, in corpus order."""
    opener = gzip.open if corpus.suffix == ".gz" else open
    count = 0
    with opener(corpus, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if count >= n:
                return
            if not line.strip():
                continue
            record = to_record(json.loads(line), number)
            if record is not None:
                count += 1
                yield record


def to_record(raw: dict[str, Any], number: int) -> Record | None:
    """A Record from either corpus's JSON object (None without a title); `number` dates arXiv records."""
    title = normalize_space(normalize_latex_residue(raw.get("title") or ""))
    if not title:
        return None
    text = raw.get("summary") or raw.get("abstract") or raw.get("content_text") or ""
    abstract = normalize_space(normalize_latex_residue(text))
    published = raw.get("date_published") or raw.get("date")
    if published:
        day = str(published)[:10]
    else:
        day = (FIRST_DAY - timedelta(days=number // PAPERS_PER_DAY)).isoformat()
    arxiv = arxiv_id(raw.get("id")) or arxiv_id(raw.get("abs")) or arxiv_id(raw.get("url"))
    extra = []
    url = raw.get("url")
    if isinstance(url, str) and url.startswith(("http://", "https://")) and "arxiv.org" not in url:
        extra.append(("Hugging Face" if "huggingface.co/papers/" in url else "Project page", url))
    authors = [normalize_space(a) for a in raw.get("authors") or [] if isinstance(a, str) and a.strip()]
    return Record(title, abstract, day, arxiv, authors, extra)


def paper_file(record: Record, topics: list, slugs: set[str]) -> tuple[str, str]:
    """(slug, file text) for one record; `slugs` is updated with the slug used."""
    links = [(link.label, link.url) for link in extract_links(record.abstract)]
    if record.arxiv:
        links.append(("arXiv", f"https://arxiv.org/abs/{record.arxiv}"))
    links.extend(record.extra_links)
    seen: set[str] = set()
    unique = []
    for label, url in links:
        if url not in seen:
            seen.add(url)
            unique.append({"label": label, "url": url})
    meta: dict[str, Any] = {
        "id": record.arxiv or paper_id(record.title),
        "title": record.title,
        "date": record.day,
        "digests": [record.day],
        "topics": classify(record.title, record.abstract, topics) if topics else [],
        "links": unique,
        "source": SOURCE,
    }
    if record.authors:
        meta["authors"] = record.authors
    if record.arxiv:
        meta["arxiv"] = record.arxiv
    slug = unique_slug(slugify(record.title), slugs)
    slugs.add(slug)
    return slug, compose_file(meta, escape_text(record.abstract))


def write_content(corpus: Path, n: int, dest: Path, *, site_content: Path = REPO / "content") -> int:
    """Write a complete content folder at `dest` from the first `n` records of `corpus`; returns papers.

    `dest` gets copies of the repo's topics.yml and site.yml and one `papers/<slug>.md` per record. It must
    not already hold papers (a bench folder is written once, then built many times).
    """
    corpus, dest = Path(corpus), Path(dest)
    if not corpus.is_file():
        raise FileNotFoundError(f"corpus not found: {corpus} (the corpora live in ../shared/corpora)")
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    papers_dir = dest / "papers"
    if papers_dir.is_dir() and any(papers_dir.iterdir()):
        raise FileExistsError(f"{papers_dir} already holds papers: give an empty or new folder")
    papers_dir.mkdir(parents=True, exist_ok=True)
    for name in SITE_FILES:
        if (site_content / name).is_file():
            shutil.copyfile(site_content / name, dest / name)
    topics = load_topics(dest / "topics.yml") if (dest / "topics.yml").is_file() else []
    ids: set[str] = set()
    slugs: set[str] = set()
    written = 0
    for record in read_records(corpus, n):
        key = record.arxiv or paper_id(record.title)
        if key in ids:  # the build refuses duplicate ids; the corpora have none, but be safe
            continue
        ids.add(key)
        slug, text = paper_file(record, topics, slugs)
        (papers_dir / f"{slug}.md").write_text(text, encoding="utf-8", newline="\n")
        written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dest", type=Path, help="the content folder to write (new or empty)")
    parser.add_argument("-n", type=int, default=1000, help="papers: the first N records (default 1000)")
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="a .jsonl or .jsonl.gz (default: the arXiv 50k)"
    )
    args = parser.parse_args(argv)
    try:
        written = write_content(args.corpus, args.n, args.dest)
    except (OSError, ValueError) as exc:
        print(f"corpus_to_content: error: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {written} papers from {args.corpus.name} into {args.dest}/papers/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

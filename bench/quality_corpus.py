"""The quality measures' input: the first N arXiv corpus papers, cleaned as `digest ingest` cleans them.

arXiv's own categories are the yardstick nobody here wrote: a paper's primary category is the first of its
`categories`. The papers come through the project's JSONL reader and normaliser, so titles and abstracts
are the text the site classifies, indexes and compares.
"""

from __future__ import annotations

import gzip
import itertools
import json
import random
from collections.abc import Sequence
from pathlib import Path

from generator.ingest.jsonl import record_paper
from generator.ingest.normalize import normalize_papers
from generator.model import Paper

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
CORPUS = SHARED / "corpora" / "arxiv-cs-abstracts-50k.jsonl.gz"
#: The fixed sample of the issue: 1,000 papers of the first 10k, drawn with this seed.
SAMPLE_SEED = 13


def corpus_papers(n: int, corpus: Path = CORPUS) -> list[Paper]:
    """The first `n` corpus records as normalised papers, in corpus order (newest first)."""
    if not corpus.is_file():
        raise FileNotFoundError(f"corpus not found: {corpus} (the corpora live in ../shared/corpora)")
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in itertools.islice(lines, n)]
    return normalize_papers([record_paper(record, number) for number, record in enumerate(records, 1)])


def primary(paper: Paper) -> str:
    """The paper's primary arXiv category ("" when it has none)."""
    return paper.categories[0] if paper.categories else ""


def sample(count: int, population: int, seed: int = SAMPLE_SEED) -> list[int]:
    """`count` distinct positions of `population`, sorted: the same on every run and machine."""
    return sorted(random.Random(seed).sample(range(population), min(count, population)))


def texts(papers: Sequence[Paper]) -> list[tuple[str, str]]:
    """(title, abstract) of each paper."""
    return [(paper.title, paper.abstract) for paper in papers]

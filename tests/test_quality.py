"""Discovery quality guards (issue 13) on a small fixed slice of the real arXiv corpus.

`make quality` measures the issue's figures on the first 10,000 papers; these tests hold the same
thresholds on the first 2,000 (ingested by the real `digest ingest`, read back as the build reads them),
every paper judged, so CI catches a change that loses quality in a minute. The topics' guard is in
test_topics.py.
"""

from __future__ import annotations

import sys

import pytest

from generator.build import related_for
from generator.site import Site

from .common import REPO, SHARED

sys.path.insert(0, str(REPO / "bench"))

import quality

PAPERS = 2000
CORPUS = SHARED / "corpora" / "arxiv-cs-abstracts-50k.jsonl.gz"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    if not CORPUS.exists():
        pytest.skip(f"../shared is absent: {CORPUS} not found (the quality guards read the real corpus)")
    return quality.ingested_site(PAPERS, tmp_path_factory.mktemp("quality"))


@pytest.fixture(scope="module")
def related(site: Site) -> dict:
    return quality.related_figures(site, range(len(site.papers)), 0.0, related_for(site))


@pytest.fixture(scope="module")
def search(site: Site) -> dict:
    return quality.search_figures(site, queries=100, authors=50)


def test_related_papers_share_the_papers_field(related: dict) -> None:
    print(related)
    # 0.72 measured on these 2,000 papers; an exhaustive tf-idf cosine scores 0.64, a random pick 0.31.
    assert related["same_primary"] >= quality.RELATED_TARGET
    assert related["same_primary"] >= related["exhaustive_tfidf"] + 0.04
    assert related["self_listed"] == 0
    assert related["same_title_listed"] == 0
    assert related["short_lists"] == 0
    # Papers of the same day are not favoured: listed no more often than text similarity alone lists them.
    assert quality.not_favoured(related)


def test_titles_find_their_paper_and_authors_all_their_papers(search: dict) -> None:
    print({key: value for key, value in search.items() if "missed" not in key and "misses" not in key})
    assert search["known_item_first"] >= quality.KNOWN_ITEM_TARGET, search["known_item_misses"]
    assert search["authors_all_found"] == 1.0, search["authors_missed"]


def test_the_quality_report_prints_every_figure(related: dict, search: dict) -> None:
    figures = quality.Figures(papers=PAPERS, related=related, search=search)
    figures.times = [{"papers": 2000, "terms_s": 1.0, "related_s": 2.0, "topics_s": 0.5}]
    text = quality.report(figures, "topics table")
    needles = ("share in the paper's primary category", "exhaustive tf-idf", "random", "own digest",
               "exact title ranks the paper first", "`authors:` query", "topics table", "| 2,000 |")
    for needle in needles:
        assert needle in text

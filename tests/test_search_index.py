"""The search index as the browser receives it: manifest, shards, document store, cache, ranking."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.search import write_search_index
from generator.search.index import ShardDoc, ref_for
from generator.search.shards import doc_for, estimate_bytes, split_shards
from generator.site import SitePaper, load_site

from .common import REPO
from .search_support import load_index, search

SURVEYS = {
    "papers/continual-learning-of-large-language-models-a-comprehensive-survey/",
    "papers/pre-train-prompt-and-predict-a-systematic-survey-of-prompting-methods-in-natural/",
    "papers/reinforcement-learning-for-generative-ai-a-survey/",
}
DOC_KEYS = {"title", "url", "date", "topics", "snippet"}


def paper(number: int, date: str, title: str | None = None, text: str | None = None) -> SitePaper:
    return SitePaper(
        slug=f"paper-{number}",
        id=f"t-{number}",
        title=title or f"Paper number {number} about transformers",
        date=date,
        digests=[date],
        topics=["continual-learning"],
        links=[],
        source="digests/x.txt",
        authors=[f"Author {number}", "Ada Lovelace"],
        arxiv=None,
        html="",
        text=text or f"An abstract for paper {number}. " * 5,
        content_path=f"content/papers/paper-{number}.md",
    )


def read(site: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    manifest = json.loads((site / "search" / "index.json").read_text(encoding="utf-8"))
    shards = [
        json.loads((site / "search" / s["url"]).read_text(encoding="utf-8")) for s in manifest["shards"]
    ]
    return manifest, shards


@pytest.fixture(scope="module")
def seed() -> Any:
    return load_site(REPO / "content")


@pytest.fixture(scope="module")
def names(seed: Any) -> dict[str, str]:
    return {topic.slug: topic.name for topic in seed.topics}


@pytest.fixture(scope="module")
def seed_build(seed: Any, names: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("seed-site")
    write_search_index(seed.papers, site, topic_names=names, workers=1)
    return site


def test_manifest_and_shard_format(seed: Any, names: dict[str, str], seed_build: Path) -> None:
    manifest, shards = read(seed_build)
    assert manifest["version"] == 1
    assert sum(entry["papers"] for entry in manifest["shards"]) == len(seed.papers) == 56
    for entry, shard in zip(manifest["shards"], shards, strict=True):
        assert re.fullmatch(r"shard-[0-9a-f]{12}\.json", entry["url"])
        assert set(entry) == {"url", "papers", "newest", "oldest"}
        assert set(shard) == {"index", "docs"}
        index = shard["index"]
        assert index["version"] == "2.3.9"
        assert index["fields"] == ["title", "abstract", "topics", "authors"]
        assert index["pipeline"] == ["stemmer"]
        assert len(shard["docs"]) == entry["papers"] == len(index["fieldVectors"]) // 4
    by_url = {doc["url"]: doc for shard in shards for doc in shard["docs"].values()}
    for p in seed.papers:
        doc = by_url[f"papers/{p.slug}/"]
        assert set(doc) == DOC_KEYS
        assert doc["title"] == p.title
        assert doc["date"] == p.date
        assert doc["topics"] == [names[slug] for slug in p.topics]
        assert len(doc["snippet"]) <= 201
        assert p.text.startswith(doc["snippet"].rstrip("…"))


def test_refs_are_short_base36_counters(seed_build: Path) -> None:
    _, shards = read(seed_build)
    for shard in shards:
        refs = list(shard["docs"])
        assert refs == [ref_for(n) for n in range(len(refs))]
        assert refs[:12] == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b"]
        assert all(re.fullmatch(r"[0-9a-z]{1,3}", ref) for ref in refs)
        vector_refs = {field_ref.split("/", 1)[1] for field_ref, _ in shard["index"]["fieldVectors"]}
        assert vector_refs == set(refs)


def test_same_papers_give_identical_bytes(seed: Any, names: dict[str, str], tmp_path: Path) -> None:
    write_search_index(seed.papers, tmp_path / "a", topic_names=names, workers=1, first_budget=10_000)
    write_search_index(seed.papers, tmp_path / "b", topic_names=names, workers=2, first_budget=10_000)
    a = {p.name: p.read_bytes() for p in (tmp_path / "a" / "search").iterdir()}
    b = {p.name: p.read_bytes() for p in (tmp_path / "b" / "search").iterdir()}
    assert len(a) > 2
    assert a == b


def test_known_item_titles_rank_their_paper_first(seed: Any, seed_build: Path) -> None:
    _, shards = read(seed_build)
    indexes = [load_index(shard) for shard in shards]
    first, reciprocal = 0, 0.0
    for p in seed.papers:
        urls = [shards[h.shard]["docs"][h.ref]["url"] for h in search(indexes, p.title)]
        url = f"papers/{p.slug}/"
        first += bool(urls) and urls[0] == url
        reciprocal += 1 / (urls.index(url) + 1) if url in urls else 0.0
    rate, mrr = first / len(seed.papers), reciprocal / len(seed.papers)
    print(f"known-item: top-1 {first}/{len(seed.papers)} = {rate:.1%}, MRR {mrr:.3f}")
    assert rate >= 0.95


@pytest.mark.parametrize("query", ["survey", "survey?", "Survey.", "surveys"])
def test_survey_finds_the_three_survey_papers(seed_build: Path, query: str) -> None:
    _, shards = read(seed_build)
    hits = search([load_index(shard) for shard in shards], query)
    assert {shards[h.shard]["docs"][h.ref]["url"] for h in hits[:3]} == SURVEYS


def test_shards_split_by_date_newest_first_within_budget() -> None:
    def doc(date: str, n: int) -> ShardDoc:
        return ShardDoc(title=f"t{n}", url=f"papers/p{n}/", date=date, topics=(), authors=(), abstract="")

    docs = [doc(d, n) for n, d in enumerate(["2024-01-01"] * 3 + ["2024-01-03"] * 2 + ["2024-01-02"] * 4)]
    shards = split_shards(docs, first_budget=2, budget=5, estimate=lambda _doc: 1)
    dates = [[d.date for d in shard] for shard in shards]
    # Newest date first; the first shard's date (2 papers) fits its budget of 2; the next two dates
    # (4 + 3) do not fit one shard of 5, so each gets its own: no date is split.
    assert dates == [["2024-01-03"] * 2, ["2024-01-02"] * 4, ["2024-01-01"] * 3]
    assert [d.title for d in shards[1]] == ["t5", "t6", "t7", "t8"]  # order within a date is kept

    big = [doc("2024-02-01", n) for n in range(7)] + [doc("2024-01-31", 9)]
    shards = split_shards(big, first_budget=2, budget=3, estimate=lambda _doc: 1)
    # One date over the budget is split, in order: the first shard takes its start, the rest is packed
    # with the older shards, which are filled from the oldest date on (so 01-31 is a shard of its own).
    assert [[d.title for d in s] for s in shards] == [["t0", "t1"], ["t5", "t6"], ["t2", "t3", "t4"], ["t9"]]


def one_date_budget(papers: list[SitePaper], names: dict[str, str]) -> int:
    """A budget that holds the papers of any one date but never those of two."""
    sizes: dict[str, int] = {}
    for p in papers:
        sizes[p.date] = sizes.get(p.date, 0) + estimate_bytes(doc_for(p, names))
    return max(sizes.values())


def test_manifest_lists_shards_newest_first(names: dict[str, str], tmp_path: Path) -> None:
    papers = [paper(n, f"2024-03-{10 - n // 3:02d}") for n in range(12)]
    budget = one_date_budget(papers, names)
    stats = write_search_index(
        papers, tmp_path, topic_names=names, workers=1, first_budget=budget, budget=budget
    )
    manifest, _shards = read(tmp_path)
    assert stats.shards == len(manifest["shards"]) == 4
    assert [s["newest"] for s in manifest["shards"]] == [
        "2024-03-10",
        "2024-03-09",
        "2024-03-08",
        "2024-03-07",
    ]
    assert all(s["newest"] == s["oldest"] and s["papers"] == 3 for s in manifest["shards"])
    assert stats.first_shard_gzip_bytes < stats.gzip_bytes


def test_unchanged_shards_come_from_the_cache(names: dict[str, str], tmp_path: Path) -> None:
    papers = [paper(n, f"2024-03-{10 - n // 3:02d}") for n in range(12)]
    cache = tmp_path / "cache"
    budget = one_date_budget(papers, names)
    kwargs: dict[str, Any] = {
        "topic_names": names,
        "cache_dir": cache,
        "first_budget": budget,
        "budget": budget,
    }
    first = write_search_index(papers, tmp_path / "a", workers=2, **kwargs)
    assert (first.shards, first.cached_shards) == (4, 0)
    again = write_search_index(papers, tmp_path / "b", workers=2, **kwargs)
    assert again.cached_shards == 4
    assert read(tmp_path / "a") == read(tmp_path / "b")
    papers[-1] = paper(11, papers[-1].date, title="A corrected title")  # only the oldest shard changes
    edited = write_search_index(papers, tmp_path / "b", workers=1, **kwargs)
    assert edited.cached_shards == 3
    assert len(list((tmp_path / "b" / "search").glob("shard-*.json"))) == 4  # the stale shard is gone


def test_hostile_titles_are_stored_as_plain_text(names: dict[str, str], tmp_path: Path) -> None:
    hostile = "<img src=x onerror=alert(1)> \"quoted\" & 'single' </script>"
    write_search_index([paper(1, "2024-01-01", title=hostile)], tmp_path, topic_names=names, workers=1)
    raw = next((tmp_path / "search").glob("shard-*.json")).read_text(encoding="utf-8")
    assert "&lt;" not in raw and "&amp;" not in raw and "&quot;" not in raw
    _, shards = read(tmp_path)
    assert shards[0]["docs"]["0"]["title"] == hostile
    hits = search([load_index(shards[0])], "onerror")
    assert [h.ref for h in hits] == ["0"]


def test_no_papers_writes_a_manifest_without_shards(names: dict[str, str], tmp_path: Path) -> None:
    stats = write_search_index([], tmp_path, topic_names=names)
    assert json.loads((tmp_path / "search" / "index.json").read_text()) == {"version": 1, "shards": []}
    assert (stats.papers, stats.shards, stats.first_shard_gzip_bytes) == (0, 0, 0)

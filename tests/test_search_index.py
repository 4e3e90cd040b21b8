"""The search index as the browser receives it: index.json, postings, names and documents parts, the cache,
and ranking. tests/test_search_parts.py holds the browser's reading of it to one whole lunr index."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from generator.search import write_search_index
from generator.search.index import SearchDoc, build_index, ref_for
from generator.search.lunr_direct import js_order
from generator.search.parts import DOCS_PER_PART, HASH_CHARS, NAME_KEYS, build_files, search_docs
from generator.site import SitePaper, load_site

from .common import REPO
from .search_support import SiteSearch, read_search, search

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


def files_of(site: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((site / "search").iterdir())}


@pytest.fixture(scope="module")
def seed() -> Any:
    return load_site(REPO / "content")


@pytest.fixture(scope="module")
def names(seed: Any) -> dict[str, str]:
    return {topic.slug: topic.name for topic in seed.topics}


@pytest.fixture(scope="module")
def seed_build(seed: Any, names: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("seed-site")
    write_search_index(seed.papers, site, topic_names=names)
    return site


@pytest.fixture(scope="module")
def seed_search(seed_build: Path) -> SiteSearch:
    """The seed build's index put back together, read once for the tests that only search it."""
    return read_search(seed_build / "search")


def test_index_json_names_every_part_by_its_hash(seed: Any, seed_build: Path) -> None:
    entry = json.loads((seed_build / "search" / "index.json").read_bytes())
    assert entry["version"] == 2 and entry["papers"] == len(seed.papers)
    assert entry["fields"] == ["title", "abstract", "topics", "authors"] and entry["pipeline"] == ["stemmer"]
    listed = {f"p-{digest}.json" for _first, digest in entry["postings"]}
    listed |= {f"n-{digest}.json" for kind in NAME_KEYS for _first, digest in entry["names"][kind]}
    listed |= {f"d-{digest}.json" for digest in entry["docs"]["files"]}
    files = files_of(seed_build)
    assert set(files) == listed | {"index.json"}
    for name, content in files.items():
        if name != "index.json":
            assert name[2:] == hashlib.sha256(content).hexdigest()[:HASH_CHARS] + ".json"
    assert entry["docs"]["size"] == DOCS_PER_PART
    assert len(entry["docs"]["files"]) == -(-len(seed.papers) // DOCS_PER_PART)


def test_postings_are_in_javascript_order_and_the_table_finds_them(seed_build: Path) -> None:
    entry = json.loads((seed_build / "search" / "index.json").read_bytes())
    terms: list[str] = []
    for first, digest in entry["postings"]:
        rows = json.loads((seed_build / "search" / f"p-{digest}.json").read_bytes())
        assert rows[0][0] == first
        terms += [row[0] for row in rows]
    assert terms == sorted(terms, key=js_order) and len(set(terms)) == len(terms)
    for kind, key in NAME_KEYS.items():
        names: list[str] = []
        for first, digest in entry["names"][kind]:
            listed = json.loads((seed_build / "search" / f"n-{digest}.json").read_bytes())
            assert listed[0] == first
            names += listed
        keys = [key(js_order(name)) for name in names]
        assert keys == sorted(keys) and sorted(names) == sorted(terms), kind


def test_the_parts_are_one_whole_index(seed: Any, names: dict[str, str], seed_build: Path) -> None:
    """Put back together, the parts are exactly the lunr index of all papers (global idf), and the
    documents are the papers oldest first, so a ref is its paper's number from the oldest."""
    whole = read_search(seed_build / "search")
    docs = search_docs(seed.papers, names)
    assert whole.serialized == build_index(docs)
    assert [d["url"] for d in whole.docs] == [d.url for d in docs]
    assert docs[-1].url == f"papers/{seed.papers[0].slug}/"  # the newest paper has the last number
    assert all(set(d) == DOC_KEYS for d in whole.docs)


def test_refs_are_short_base36_counters(seed_search: SiteSearch) -> None:
    whole = seed_search
    refs = sorted({field_ref.split("/", 1)[1] for field_ref, _ in whole.serialized["fieldVectors"]}, key=len)
    assert set(refs) == {ref_for(n) for n in range(len(whole.docs))}
    assert ref_for(11) == "b" and ref_for(36) == "10"


def test_same_papers_give_identical_bytes(seed: Any, names: dict[str, str], tmp_path: Path) -> None:
    write_search_index(seed.papers, tmp_path / "a", topic_names=names)
    write_search_index(seed.papers, tmp_path / "b", topic_names=names, cache_dir=tmp_path / "cache")
    write_search_index(seed.papers, tmp_path / "c", topic_names=names, cache_dir=tmp_path / "cache")
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b") == files_of(tmp_path / "c")
    assert len(files_of(tmp_path / "a")) > 5


def test_known_item_titles_rank_their_paper_first(seed: Any, seed_search: SiteSearch) -> None:
    whole = seed_search
    first, reciprocal = 0, 0.0
    for p in seed.papers:
        urls = [whole.doc(h.ref)["url"] for h in search(whole, p.title)]
        url = f"papers/{p.slug}/"
        first += bool(urls) and urls[0] == url
        reciprocal += 1 / (urls.index(url) + 1) if url in urls else 0.0
    rate, mrr = first / len(seed.papers), reciprocal / len(seed.papers)
    print(f"known-item: top-1 {first}/{len(seed.papers)} = {rate:.1%}, MRR {mrr:.3f}")
    assert rate >= 0.95


@pytest.mark.parametrize("query", ["survey", "survey?", "Survey.", "surveys"])
def test_survey_finds_the_three_survey_papers(seed_search: SiteSearch, query: str) -> None:
    whole = seed_search
    assert {whole.doc(h.ref)["url"] for h in search(whole, query)[:3]} == SURVEYS


def test_a_rebuild_takes_the_index_from_the_cache(names: dict[str, str], tmp_path: Path) -> None:
    papers = [paper(n, f"2024-03-{10 - n // 3:02d}") for n in range(40)]
    cache = tmp_path / "cache"
    first = write_search_index(papers, tmp_path / "a", topic_names=names, cache_dir=cache)
    assert not first.reused and first.warnings == ()
    again = write_search_index(papers, tmp_path / "b", topic_names=names, cache_dir=cache)
    assert again.reused and files_of(tmp_path / "a") == files_of(tmp_path / "b")
    assert (first.files, first.bytes, first.terms) == (again.files, again.bytes, again.terms)
    stored = {path.stat().st_ino for path in (cache / "files").iterdir()}
    assert all(path.stat().st_ino in stored for path in (tmp_path / "b" / "search").iterdir())  # linked
    papers[-1] = paper(39, papers[-1].date, title="A corrected title")
    edited = write_search_index(papers, tmp_path / "b", topic_names=names, cache_dir=cache)
    assert not edited.reused
    entry = json.loads((tmp_path / "b" / "search" / "index.json").read_bytes())
    assert len(list((tmp_path / "b" / "search").glob("d-*.json"))) == len(entry["docs"]["files"])
    assert files_of(tmp_path / "b") == files_of_built(papers, names, tmp_path / "fresh")
    assert len(list(cache.glob("*.json"))) == 1  # the earlier entry was dropped, and its own files
    assert {p.name for p in (cache / "files").iterdir()} - set(files_of(tmp_path / "b")) == {
        p.name for p in (cache / "files").glob("i-*.json")
    }


def files_of_built(papers: list[SitePaper], names: dict[str, str], site: Path) -> dict[str, bytes]:
    write_search_index(papers, site, topic_names=names)
    return files_of(site)


def test_a_damaged_cache_file_is_rebuilt_with_a_warning(names: dict[str, str], tmp_path: Path) -> None:
    papers = [paper(n, "2024-03-10") for n in range(20)]
    cache = tmp_path / "cache"
    write_search_index(papers, tmp_path / "a", topic_names=names, cache_dir=cache)
    victim = next((cache / "files").glob("p-*.json"))
    data = victim.read_bytes()
    victim.unlink()  # the site's copy is a hard link: write a new file, as an editor or a disk error would
    victim.write_bytes(data[: len(data) // 2])
    again = write_search_index(papers, tmp_path / "b", topic_names=names, cache_dir=cache)
    assert not again.reused
    assert len(again.warnings) == 1 and str(victim) in again.warnings[0] and "rebuilt" in again.warnings[0]
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


def test_only_the_index_files_are_replaced_in_search(names: dict[str, str], tmp_path: Path) -> None:
    """The search page lives in search/ too: a rebuild removes the earlier index's parts, nothing else."""
    page = tmp_path / "search" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<p>the search page</p>")
    (tmp_path / "search" / "p-0123456789.json").write_text("[]")  # a part of an earlier index
    write_search_index([paper(1, "2024-01-01")], tmp_path, topic_names=names)
    assert page.read_text() == "<p>the search page</p>"
    assert not (tmp_path / "search" / "p-0123456789.json").exists()


def test_hostile_titles_are_stored_as_plain_text(names: dict[str, str], tmp_path: Path) -> None:
    hostile = "<img src=x onerror=alert(1)> \"quoted\" & 'single' </script>"
    write_search_index([paper(1, "2024-01-01", title=hostile)], tmp_path, topic_names=names)
    raw = b"".join(files_of(tmp_path).values()).decode("utf-8")
    assert "&lt;" not in raw and "&amp;" not in raw and "&quot;" not in raw
    whole = read_search(tmp_path / "search")
    assert whole.docs[0]["title"] == hostile
    assert [h.ref for h in search(whole, "onerror")] == ["0"]


def test_terms_javascript_sorts_apart_from_python_load_in_lunr_order() -> None:
    """"\U0001d400" (above U+FFFF) and the ligature "\ufb01" sort one way by code point (Python, lunr.py)
    and the other by UTF-16 code unit (JavaScript): the terms are in JavaScript's order."""
    docs = [SearchDoc("\ufb01nd things", "papers/a/", "2024-01-01", (), (), "\U0001d400 bold")]
    files, _terms = build_files(docs)
    entry = json.loads(files["index.json"])
    rows = json.loads(files[f"p-{entry['postings'][0][1]}.json"])
    terms = [row[0] for row in rows]
    assert terms.index("\U0001d400") < terms.index("\ufb01nd")
    assert [t for t, _ in build_index(docs)["invertedIndex"]] == terms


def test_no_papers_writes_an_empty_index(names: dict[str, str], tmp_path: Path) -> None:
    stats = write_search_index([], tmp_path, topic_names=names)
    entry = json.loads((tmp_path / "search" / "index.json").read_text())
    assert entry["papers"] == 0 and entry["postings"] == [] and entry["docs"]["files"] == []
    assert (stats.papers, stats.terms, stats.files) == (0, 0, 1)

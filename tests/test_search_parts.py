"""The term-split index answers exactly as one whole index: lunr.js on the parts, lunr.js and lunr.py on the
whole index, the same refs in the same order, scores within 1e-6, for 200 queries of every kind on the seed
and on 1,000 arXiv papers.

The browser's reader of the parts (static/js/search-parts.js) runs in node here (tests/js/parts.js), over
the files `build_files` writes; every query is one of: words (one to three), a field (`title:`,
`abstract:`, `topics:`, `authors:`), `+`/`-` presence (only `-` too), a prefix (`ge*`), a typo at any
position (`transformr~1`), two typos (`~2`), a leading or inner wildcard, and the hostile leftovers.
"""

from __future__ import annotations

import gzip
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from generator.search.index import SearchDoc, build_index
from generator.search.parts import build_files, search_docs
from generator.site import load_site

from .common import REPO, SHARED
from .search_support import corpus_docs, load_lunr_py, normalize_query
from .test_search_parity import _run_node

CORPUS = SHARED / "corpora" / "arxiv-cs-abstracts-50k.jsonl.gz"
QUERY_COUNT = 200
_WORD = re.compile(r"[a-z][a-z0-9]{1,}")
_STOP = {"the", "and", "for", "with", "that", "this", "from", "are", "was", "were", "which", "our", "its"}


def typo(word: str, rng: random.Random) -> str:
    """The word with one edit lunr counts as one (substitution, insertion, deletion or swap of neighbours),
    at the start as often as elsewhere, since the first two letters are where the lookup is hardest."""
    at = rng.choice([0, 1, rng.randrange(len(word))])
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    kind = rng.choice(["substitute", "insert", "delete", "swap"])
    if kind == "substitute":
        return word[:at] + letter + word[at + 1 :]
    if kind == "insert":
        return word[:at] + letter + word[at:]
    if kind == "delete" and len(word) > 2:
        return word[:at] + word[at + 1 :]
    if at + 1 < len(word):
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word + letter


def queries_for(docs: Sequence[SearchDoc], count: int, seed: int) -> list[str]:
    """`count` queries of every kind, from the documents' own words and authors (a fixed seed)."""
    rng = random.Random(seed)
    text = " ".join(f"{d.title} {d.abstract}" for d in docs).lower()
    words = sorted({w for w in _WORD.findall(text) if w not in _STOP})
    surnames = sorted({a.split()[-1].lower() for d in docs for a in d.authors if a.split()})
    titles = [d.title for d in docs if d.title]

    def word() -> str:
        return rng.choice(words)

    makers = [
        lambda: word(),
        lambda: f"{word()} {word()}",
        lambda: f"{word()} {word()} {word()}",
        lambda: " ".join(rng.choice(titles).split()[:3]),
        lambda: f"title:{word()}",
        lambda: f"abstract:{word()} {word()}",
        lambda: f"authors:{rng.choice(surnames)}" if surnames else word(),
        lambda: f"topics:{rng.choice(['learning', 'cs', 'lg', 'reasoning', 'models'])}",
        lambda: f"+{word()} -{word()}",
        lambda: f"+{word()} +{word()}",
        lambda: f"+{word()} {word()}",
        lambda: f"-{word()}",
        lambda: f"{word()[: rng.randint(2, 6)]}*",
        lambda: f"title:{word()[: rng.randint(2, 4)]}* {word()}",
        lambda: f"{typo(word(), rng)}~1",
        lambda: f"{typo(word(), rng)}~1 {word()}",
        lambda: f"{typo(word(), rng)}~1",
        lambda: f"{word()}~2",
        lambda: f"*{word()[-4:]}",
        lambda: f"{word()[:3]}*{word()[-2:]}",
        lambda: f"{word()}^10 {word()}",
    ]
    fixed = ["transformer", "transformr~1", "gener*", "+learning -survey", "-model", "title:survey", "a b c"]
    return fixed + [rng.choice(makers)() for _ in range(count - len(fixed))]


def assert_parts_answer_as_one_index(
    docs: Sequence[SearchDoc], folder: Path, queries: list[str], *, lunr_py: bool = True, cold: bool = False
) -> dict[str, Any]:
    """Run every query three ways (two without `lunr_py`) and compare; returns node's output (the fetched
    files per query)."""
    files, _terms = build_files(docs)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    whole = build_index(docs)
    out = _run_node("parts.js", {"folder": str(folder), "full": whole, "queries": queries, "cold": cold})
    python = load_lunr_py(whole)
    found = 0
    for query, result in zip(queries, out["results"], strict=True):
        assert not isinstance(result["full"], dict), f"{query!r}: lunr.js raised {result['full']}"
        assert not isinstance(result["parts"], dict), f"{query!r}: the parts raised {result['parts']}"
        full, parts = result["full"], result["parts"]
        assert [ref for ref, _ in parts] == [ref for ref, _ in full], query
        assert all(abs(a[1] - b[1]) <= 1e-6 for a, b in zip(parts, full, strict=True)), query
        found += bool(full)
        if not lunr_py:
            continue
        normalized = normalize_query(query)
        py = [(r["ref"], r["score"]) for r in python.search(normalized)] if normalized else []
        assert [ref for ref, _ in py] == [ref for ref, _ in full], f"lunr.py: {query!r}"
        assert all(abs(a[1] - b[1]) <= 1e-6 for a, b in zip(py, full, strict=True)), f"lunr.py: {query!r}"
    print(f"{len(queries)} queries, {found} with results: the same refs, order and scores three ways")
    assert found > len(queries) // 2
    return out


def test_seed_parts_answer_as_one_index(tmp_path: Path) -> None:
    site = load_site(REPO / "content")
    docs = search_docs(site.papers, {t.slug: t.name for t in site.topics})
    queries = queries_for(docs, QUERY_COUNT, seed=1)
    assert_parts_answer_as_one_index(docs, tmp_path / "search", queries)


def test_corpus_parts_answer_as_one_index(tmp_path: Path) -> None:
    docs = corpus_docs(CORPUS, 1000)
    queries = queries_for(docs, QUERY_COUNT, seed=2)
    out = assert_parts_answer_as_one_index(docs, tmp_path / "search", queries, cold=True)
    # What a query fetches on a first visit: a few parts (the seed's test reuses them from query to query).
    sizes = {p.name: len(gzip.compress(p.read_bytes(), 6)) for p in (tmp_path / "search").iterdir()}
    fetched = [sum(sizes[name] for name in set(r["fetched"])) for r in out["results"]]
    median = sorted(fetched)[len(fetched) // 2] / 1024
    print(f"KB fetched per query after index.json (gzip): median {median:.0f}, max {max(fetched) / 1024:.0f}")
    transformer = out["results"][0]["fetched"]
    assert [name[:2] for name in transformer].count("p-") == 1  # one term, one postings part
    typo_parts = out["results"][1]["fetched"]
    assert any(name.startswith("n-") for name in typo_parts)
    assert sizes["index.json"] < 8_000


@pytest.mark.parametrize("words", [["\ufb01nd", "\U0001d400"], ["caf\u00e9", "cafe", "\U0001f680x"]])
def test_astral_and_private_use_terms_load_in_javascript_order(tmp_path: Path, words: list[str]) -> None:
    """Terms that Python and JavaScript sort differently (a character above U+FFFF beside one in
    U+E000-U+FFFF) load in lunr.js, and the parts still answer as the whole index. lunr.py is left out:
    it counts typos in code points, lunr.js in UTF-16 code units, so "U+1D400~1" differs between them."""
    docs = [
        SearchDoc(f"{w} paper {n}", f"papers/{n}/", "2024-01-01", (), (), f"{w} text")
        for n, w in enumerate(words)
    ]
    queries = [*words, f"{words[0]}*", "paper", f"{words[1]}~1"]
    # lunr.js loads the whole index in parts.js (Index.load throws on terms out of its order).
    assert_parts_answer_as_one_index(docs, tmp_path / "search", queries, lunr_py=False)

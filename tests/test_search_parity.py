"""lunr.py (with our stemmer and query normalizer) and lunr.js 2.3.9 (node) agree on stems and results.

Each test batches everything into one node process (tests/js/*.js). Without node or node_modules these
tests skip locally and fail in CI (`CI=true`).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
import subprocess
from typing import Any

import pytest
from lunr.index import Index

from generator.search.index import build_index
from generator.search.parts import search_docs
from generator.search.stemmer import js_stem, trim
from generator.site import load_site

from .common import REPO, SHARED
from .search_support import normalize_query

CORPUS = SHARED / "corpora" / "arxiv-cs-abstracts-50k.jsonl.gz"
JS = REPO / "tests" / "js"
_SPLIT = re.compile(r"[\s\-]+")

EDGE_WORDS = [
    "survey", "surveys", "try", "tries", "lay", "key", "array", "decay", "replay", "display", "y", "yy",
    "ye", "yes", "sky", "yearly", "yielding", "by", "cry", "say", "agreed", "feed", "hopping", "filing",
    "controlling", "generalization", "relational", "conditional", "caresses", "ponies", "ties", "caress",
    "cats", "café", "naïve", "résumé", "\U0001d465y", "\U0001d465ed", "a\U0001d465ing", "model's", "u.s",
    "ll", "fall", "falling",
]  # fmt: skip

QUERIES = [
    "survey", "survey?", "Survey!", "grokking,", "grokking", "(grokking)", "transformer", "transformers",
    "title:transformer", "title:grokking", "abstract:memory", "Title:survey", "topics:reasoning",
    "authors:smith", "+continual -survey", "+continual +learning", "-survey learning", "+grokking -relu",
    "gener*", "reason*", "*former", "trans*er", "reasonin~1", "generalisation~2", "transformr~1 model",
    "grok^10 transformer", "survey^5 learning~1", "large language models", "deep reinforcement learning",
    "continual learning of large language models", "lazy rich training dynamics", "catastrophic forgetting",
    "in-context learning", "chain-of-thought", "state-of-the-art", "Grokking: generalization beyond",
    "What is the key?", "array, decay, replay", "display", "try", "the", "+the", "a b c", "",
    "   ", "??? !!!", "title:", "foo:bar survey", "-", "*", "scaling laws", "mixture of experts",
    "diffusion models", "memorization vs. generalization", "rl", "llm", "LLMs", "neural networks",
]  # fmt: skip

NORMALIZE_CASES = [
    *QUERIES, "typo~99", "boost^99999", "x~1^2~3", "+-foo", "--foo", "++bar", "title:title:x", "TITLE:x",
    "http://example.com/path?q=1", "\\escape\\d", "a\u2003b\u00a0c\u200bd", "naïve café", "e\u0301t\u0301",
    "*", "**", "*foo*", "foo*,", "'quoted'", '"double"', "<img src=x onerror=alert(1)>", "日本語 テスト",
    "emoji \U0001f680 rocket\U0001f680", "lone \ud800 surrogate", "x^", "y~", "~1", "^3", "+", "a:b:c",
    "authors:o'neil",
]  # fmt: skip


def _node() -> str:
    """The node binary, or skip (locally) / fail (CI) when node or node_modules/lunr is missing."""
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not installed (Node.js 18+ is needed for the lunr.js parity tests)"
    elif not (REPO / "node_modules" / "lunr" / "lunr.js").exists():
        problem = "node_modules/lunr is missing (run `npm ci`)"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    assert node is not None
    return node


def _run_node(script: str, payload: Any) -> Any:
    proc = subprocess.run(
        [_node(), str(JS / script)],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    result = json.loads(proc.stdout)
    assert result["version"] == "2.3.9"
    return result


def _words(texts: list[str]) -> set[str]:
    """Tokens as the index sees them (lower-cased, split, trimmed) and as typed (untrimmed)."""
    words: set[str] = set()
    for text in texts:
        for token in _SPLIT.split(text.lower()):
            if token:
                words.add(token)
                if trimmed := trim(token):
                    words.add(trimmed)
    return words


def _assert_stems_agree(words: set[str]) -> None:
    ordered = sorted(words)
    stems = _run_node("stem.js", ordered)["stems"]
    ours = [js_stem(word) for word in ordered]
    wrong = [(w, py, js) for w, py, js in zip(ordered, ours, stems, strict=True) if py != js]
    print(f"stemmer parity: {len(ordered)} words compared, {len(wrong)} differ")
    assert not wrong, wrong[:20]


@pytest.fixture(scope="module")
def seed_site() -> Any:
    return load_site(REPO / "content")


def test_stemmer_matches_lunr_js_on_seed_vocabulary(seed_site: Any) -> None:
    texts = [f"{p.title} {p.text} {' '.join(p.authors)}" for p in seed_site.papers]
    _assert_stems_agree(_words(texts) | set(EDGE_WORDS))


def test_stemmer_matches_lunr_js_on_corpus_vocabulary() -> None:
    if not CORPUS.exists():
        pytest.skip(f"../shared is absent: {CORPUS} not found")
    texts = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        for _, line in zip(range(2000), handle, strict=False):
            record = json.loads(line)
            texts.append(f"{record.get('title', '')} {record.get('summary', '')} {record.get('authors', '')}")
    words = _words(texts)
    assert len(words) > 10_000
    _assert_stems_agree(words)


def test_normalize_query_matches_javascript() -> None:
    rng = random.Random(4)
    alphabet = "ab yé:~^*+-\\?!,.'\"()/=&[]{}|<>;\u2019 0123456789\u00a0\u2003\U0001f680_"
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(3000)]
    cases = NORMALIZE_CASES + fuzz
    js = _run_node("query.js", {"normalize": cases})["normalized"]
    ours = [normalize_query(case) for case in cases]
    wrong = [(c, py, j) for c, py, j in zip(cases, ours, js, strict=True) if py != j]
    assert not wrong, wrong[:20]


def test_normalize_query_keeps_syntax_and_trims_punctuation() -> None:
    assert normalize_query("survey?") == "survey"
    assert normalize_query("grokking,") == "grokking"
    assert normalize_query("title:Transformer") == "title:Transformer"
    assert normalize_query("+continual -survey") == "+continual -survey"
    assert normalize_query("gener* reasonin~1 word^10") == "gener* reasonin~1 word^10"
    assert normalize_query("Grokking: a study") == "Grokking a study"
    assert normalize_query("in-context learning") == "in context learning"
    assert normalize_query("typo~9") == "typo~2"
    assert normalize_query("?!") == ""


def test_queries_give_same_results_in_lunr_py_and_lunr_js(seed_site: Any) -> None:
    names = {topic.slug: topic.name for topic in seed_site.topics}
    whole = build_index(search_docs(seed_site.papers, names))
    index = Index.load(whole)

    ours: list[Any] = []
    for query in QUERIES:
        normalized = normalize_query(query)
        ours.append([[0, r["ref"], r["score"]] for r in index.search(normalized)] if normalized else [])

    theirs = _run_node("query.js", {"shards": [whole], "queries": QUERIES})["results"]
    found = 0
    for query, py, js in zip(QUERIES, ours, theirs, strict=True):
        assert not isinstance(js, dict), f"{query!r}: lunr.js raised {js}"
        assert [h[:2] for h in py] == [h[:2] for h in js], query
        for a, b in zip(py, js, strict=True):
            assert a[2] == pytest.approx(b[2], abs=1e-6), query
        found += bool(py)
    print(f"query parity: {len(QUERIES)} queries, {found} with results, identical refs and order")
    assert found > len(QUERIES) // 2

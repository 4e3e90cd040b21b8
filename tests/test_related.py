"""Related papers: the contract of related_papers, and a quality check on the founding digest.

Speed is measured by a benchmark, not here: these tests only pin down behaviour.
"""

from __future__ import annotations

import random

import pytest

from generator import related
from generator.related import related_papers, stem

from .common import SEED

CATS = [
    ("cat-a", "Feline whiskers and purring: how domestic cats communicate with their owners"),
    ("cat-b", "Purring in domestic cats: acoustic analysis of feline vocal communication"),
    ("cat-c", "Whiskers as sensors: tactile perception in domestic felines"),
]
QUANTUM = [
    ("qc-a", "Quantum error correction with surface codes on superconducting qubits"),
    ("qc-b", "Decoding surface codes: fast quantum error correction for superconducting hardware"),
    ("qc-c", "Logical qubits from superconducting circuits and error correction thresholds"),
]


def test_papers_relate_within_their_topic_first() -> None:
    result = related_papers(CATS + QUANTUM, k=2)
    assert set(result) == {key for key, _ in CATS + QUANTUM}
    for group in (CATS, QUANTUM):
        members = {key for key, _ in group}
        for key in members:
            assert result[key], key
            assert set(result[key]) <= members - {key}, (key, result[key])


def test_a_paper_never_relates_to_itself_and_k_bounds_the_list() -> None:
    docs = CATS + QUANTUM
    for k in (0, 1, 3, 10):
        result = related_papers(docs, k=k)
        for key, others in result.items():
            assert key not in others
            assert len(others) <= k
            assert len(others) == len(set(others))


def test_papers_sharing_no_term_are_not_related() -> None:
    result = related_papers([("x", "graph neural networks"), ("y", "protein folding"), ("z", "")])
    assert result == {"x": [], "y": [], "z": []}


def test_stop_words_digits_and_single_letters_do_not_connect_papers() -> None:
    docs = [
        ("a", "The results of this paper show that we use 2024 and x in a new approach"),
        ("b", "In this work we present results for 2024 with x: a novel method based on it"),
    ]
    assert related_papers(docs) == {"a": [], "b": []}


def test_plurals_meet_their_singular() -> None:
    assert stem("models") == "model"
    assert stem("studies") == "study"
    assert stem("classes") == "class"
    assert stem("analysis") == "analysis"  # not a plural
    docs = [("a", "transformer attention"), ("b", "transformers"), ("c", "kernel")]
    assert related_papers(docs)["a"] == ["b"]


def test_most_similar_comes_first() -> None:
    docs = [
        ("q", "sparse attention kernels for long sequences"),
        ("far", "sparse matrices in numerical linear algebra"),
        ("near", "sparse attention kernels for long sequences in transformers"),
        ("mid", "attention kernels in vision transformers for images"),
        ("other", "protein structure prediction"),
    ]
    assert related_papers(docs, k=3)["q"] == ["near", "mid", "far"]


def test_equal_scores_are_ranked_by_key_whatever_the_input_order() -> None:
    # "a", "b" and "k" each add one word (shared with one other paper) to "m": three equal scores.
    docs = [("m", "gaussian process regression kernel")]
    for key, word in (("k", "sparse"), ("b", "deep"), ("a", "bayesian")):
        docs.append((key, f"gaussian process regression kernel {word}"))
    docs += [(f"z-{word}", f"{word} protein folding") for word in ("sparse", "deep", "bayesian")]
    assert related_papers(docs, k=3)["m"] == ["a", "b", "k"]
    assert related_papers(list(reversed(docs)), k=3)["m"] == ["a", "b", "k"]


def test_a_duplicate_is_never_related() -> None:
    # The same paper ingested twice under two names (a title with other capitals, the same abstract).
    abstract = "We prune attention heads of vision transformers and keep accuracy on image classification."
    docs = [("twin-a", f"Pruning Attention Heads\n{abstract}")]
    docs += [("twin-b", f"pruning attention heads\n{abstract}")]
    docs += [("near", "Pruning attention heads in vision transformers for faster image classification")]
    docs += [("other", "Protein folding with graph networks")]
    docs += [("else", "Speech recognition for rare languages")]
    result = related_papers(docs)
    assert result["twin-a"] == ["near"]
    assert result["twin-b"] == ["near"]
    assert result["near"] == ["twin-a", "twin-b"]


def test_the_result_does_not_depend_on_the_input_order() -> None:
    rng = random.Random(7)
    vocabulary = [f"term{letter}{other}" for letter in "abcdefgh" for other in "abcdefgh"]
    docs = [(f"p{i:03d}", " ".join(rng.choices(vocabulary, k=25))) for i in range(300)]
    expected = related_papers(docs)
    assert not themes_used(docs)
    shuffled = docs[:]
    rng.shuffle(shuffled)
    assert related_papers(shuffled) == expected
    assert list(related_papers(shuffled)) == sorted(key for key, _ in docs)


def test_themes_and_feedback_keep_the_result_independent_of_the_input_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(related, "THEME_MIN_PAPERS", 100)
    rng = random.Random(11)
    fields = [[f"w{field}x{word}" for word in range(40)] for field in range(6)]
    docs = []
    for i in range(400):
        words = fields[i % 6]
        docs.append((f"p{i:03d}", " ".join(rng.choices(words, k=20) + rng.choices(fields[(i + 1) % 6], k=3))))
    assert themes_used(docs)
    expected = related_papers(docs)
    shuffled = docs[:]
    rng.shuffle(shuffled)
    assert related_papers(shuffled) == expected
    # The themes keep papers in their field: most related papers come from the paper's own group.
    same = sum(int(other[1:]) % 6 == int(key[1:]) % 6 for key, others in expected.items() for other in others)
    assert same >= 0.9 * sum(len(others) for others in expected.values())


def themes_used(docs: list[tuple[str, str]]) -> bool:
    """Whether related_papers would compute themes for these papers."""
    terms = related.term_counts([related.paper_terms(text) for _, text in docs])
    return related.theme_vectors(related.tfidf_vectors(terms)).shape[1] > 0


def test_pruned_posting_lists_still_find_the_clear_match() -> None:
    # 300 papers share "network" (beyond the champion list of 100), one pair shares rare terms too.
    docs = [(f"n{i:03d}", f"network network topic{i} topic{i + 1}") for i in range(300)]
    docs += [("pair-a", "network pruning lottery tickets"), ("pair-b", "lottery tickets network pruning")]
    result = related_papers(docs)
    assert result["pair-a"][0] == "pair-b"
    assert result["pair-b"][0] == "pair-a"
    assert all(len(others) <= 5 for others in result.values())


def test_a_term_in_every_paper_connects_nothing() -> None:
    docs = [(f"p{i}", f"common unique{i}") for i in range(30)]  # "common" is in every paper
    assert all(not others for others in related_papers(docs).values())


def test_empty_input_and_bad_arguments() -> None:
    assert related_papers([]) == {}
    with pytest.raises(ValueError, match="duplicate keys"):
        related_papers([("a", "graph"), ("a", "graph")])
    with pytest.raises(ValueError, match="k must be"):
        related_papers([("a", "graph")], k=-1)


# --- the founding digest ----------------------------------------------------------------------------


def seed_papers() -> list[tuple[str, str]]:
    """(title, abstract) pairs of the seed: 5 blocks of page chrome, then title / abstract blocks."""
    if not SEED.exists():
        pytest.skip(f"../shared is absent: {SEED} not found (the quality test needs the seed digest)")
    blocks = [block.strip() for block in SEED.read_text(encoding="utf-8").split("\n\n") if block.strip()]
    papers = blocks[5:]
    return list(zip(papers[0::2], papers[1::2], strict=True))


def members(papers: list[tuple[str, str]], *phrases: str) -> list[str]:
    return [title for title, _ in papers if any(phrase in title.lower() for phrase in phrases)]


def test_seed_clusters_relate_to_each_other() -> None:
    papers = seed_papers()
    assert len(papers) == 56
    result = related_papers([(title, f"{title} {title} {abstract}") for title, abstract in papers])
    assert all(len(others) == 5 for others in result.values())

    def connected(cluster: list[str]) -> list[str]:
        """The members with at least one other member among their five related papers."""
        return [title for title in cluster if set(result[title]) & (set(cluster) - {title})]

    strict = {
        "in-context learning": members(papers, "in-context"),
        "grokking": members(papers, "grok"),
        "instruction following": members(papers, "instruction"),
        "category discovery": members(papers, "category discovery"),
    }
    assert [len(cluster) for cluster in strict.values()] == [5, 3, 4, 2]
    for name, cluster in strict.items():
        assert connected(cluster) == cluster, name
    # Two continual-learning papers rightly sit elsewhere: the survey of continual learning *of LLMs*
    # next to the other LLM surveys, the statistical-mechanics one next to the learning-theory papers.
    continual = members(papers, "continual", "lifelong", "incremental")
    assert len(continual) == 6
    assert len(connected(continual)) >= 4, connected(continual)

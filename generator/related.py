"""Related papers: tf-idf cosine similarity over an inverted index, computed once at build time.

The site is static, so "related papers" cannot be a query to a server; every paper page gets its list
when the site is built. A build may hold tens of thousands of papers, so comparing all pairs is out of
the question. Instead each paper's most distinctive terms are looked up in an inverted index that keeps,
per term, the papers where that term weighs most; the best candidates found that way are then rescored
with the exact cosine. The work per paper is bounded, so time grows linearly with the corpus. Pure
standard library, so the build needs nothing new.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Sequence
from itertools import repeat
from operator import itemgetter, mul

# Function words and the boilerplate of abstracts: they say nothing about what a paper is about.
_STOP_TEXT = """a about above across after again against all also although am among an and any are as at be
    because been before being below between both but by can could did do does doing done down during each
    either et etc few for from further had has have having he her here hers him his how however i if in
    into is it its itself just may might more most much must my no nor not now of off on once one only or
    other our ours out over own per same shall she should since so some such than that the their theirs
    them then there these they this those though through thus to too under until up upon us very via was
    we were what when where whether which while who whom whose why will with within without would yet you
    your paper propose proposed show shown present study work approach method
    result based using use used new novel well first two three many al"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
_WORD_RE = re.compile(r"[^\W_]+")

# A term in more than this share of the papers is a corpus stop word ("model", "data"): dropped...
MAX_DF_SHARE = 0.1
# ... unless the corpus is small, where such terms still separate topics and cost nothing.
MIN_DF_CAP = 50
# Candidates are found through a paper's most distinctive terms only; the tail of its vector rarely
# decides whether two papers meet, only how close they are, which the exact rescoring settles.
QUERY_TERMS = 30
# Each posting list keeps only the papers where its term weighs most ("champion lists"), which bounds the
# work per paper whatever the corpus size; a paper using the term in passing is not a good match for it.
POSTINGS_PER_TERM = 50
# The best candidates by partial score are rescored with their full vectors (exact cosine).
CANDIDATES = 15


def stem(word: str) -> str:
    """Fold simple plurals ("models" -> "model", "studies" -> "study") so both forms meet in the index.

    Deliberately light: a full stemmer conflates words a reader would not ("general" / "generation").
    """
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _term_counts(texts: Sequence[str]) -> tuple[list[tuple[array[int], array[int]]], Counter[int]]:
    """Each text's term ids and counts as compact arrays, and each term's document frequency.

    Each distinct raw word is tokenised, stop-checked and stemmed once, when first met (in sorted order,
    so term ids never depend on hashing): most words recur thousands of times in a large corpus, so
    the per-word cache is what makes this pass cheap. Arrays instead of dicts keep 50k abstracts within
    tens of megabytes.
    """
    vocabulary: dict[str, int] = {}
    seen: dict[str, int] = {}  # raw word -> term id, or -1 for a dropped word
    counts: list[tuple[array[int], array[int]]] = []
    df: Counter[int] = Counter()
    for text in texts:
        words = _WORD_RE.findall(text.lower())
        for word in sorted(set(words).difference(seen)):
            stemmed = "" if len(word) < 2 or word.isdigit() else stem(word)
            keep = stemmed and word not in STOP_WORDS and stemmed not in STOP_WORDS
            seen[word] = vocabulary.setdefault(stemmed, len(vocabulary)) if keep else -1
        tf = Counter(map(seen.__getitem__, words))
        tf.pop(-1, None)
        df.update(tf.keys())
        counts.append((array("i", tf.keys()), array("i", tf.values())))
    return counts, df


def _vectors(texts: Sequence[str]) -> list[tuple[array[int], array[float]]]:
    """L2-normalised sublinear tf-idf vectors as (term ids, weights), heaviest first.

    Terms above the document-frequency cap are left out, as stop words are. A term of one paper only
    counts in its length but is then dropped: it can never connect two papers, so keeping it would only
    cost memory and time in every later step.
    """
    counts, df = _term_counts(texts)
    n = len(counts)
    cap = max(MAX_DF_SHARE * n, MIN_DF_CAP)
    idf = {t: math.log(n / d) for t, d in df.items() if d <= cap and d < n}
    vectors: list[tuple[array[int], array[float]]] = []
    spent = (array("i"), array("i"))
    for doc, (ids, tfs) in enumerate(counts):
        weights = sorted(
            (-(1.0 + math.log(tf)) * idf[t], t) for t, tf in zip(ids, tfs, strict=True) if t in idf
        )
        norm = math.sqrt(sum(w * w for w, _ in weights)) or 1.0
        shared = [(t, -w / norm) for w, t in weights if df[t] > 1]
        vectors.append((array("i", [t for t, _ in shared]), array("d", [w for _, w in shared])))
        counts[doc] = spent  # free as we go: peak memory is the point of the arrays
    return vectors


def related_papers(docs: Sequence[tuple[str, str]], k: int = 5) -> dict[str, list[str]]:
    """For every key, up to `k` other keys whose texts are most similar to its own, most similar first.

    `docs` holds (key, text) pairs, text being the title and abstract (repeat the title to weigh it).
    Similarity is the cosine of sublinear tf-idf vectors; papers sharing no usable term are never
    related, so a paper may get fewer than `k` (or none). Candidates come from the pruned index, so on
    a large corpus a list can miss a paper the exhaustive search would rank in (the ones it misses are
    about as close as the ones it finds). The result does not depend on the order of `docs`: papers are
    processed in key order and equal scores are ranked by key.
    """
    if k < 0:
        raise ValueError(f"related_papers: k must be >= 0, not {k}")
    ordered = sorted(docs, key=itemgetter(0))
    keys = [key for key, _ in ordered]
    duplicates = sorted(key for key, seen in Counter(keys).items() if seen > 1)
    if duplicates:
        raise ValueError(f"related_papers: duplicate keys {duplicates[:5]}")
    vectors = _vectors([text for _, text in ordered])

    # Posting lists as parallel typed arrays: a few bytes per entry instead of a tuple of boxed numbers.
    post_docs: dict[int, array[int]] = {}
    post_weights: dict[int, array[float]] = {}
    for doc, (ids, weights) in enumerate(vectors):
        for t, w in zip(ids, weights, strict=True):
            post_docs.setdefault(t, array("i")).append(doc)
            post_weights.setdefault(t, array("d")).append(w)
    for t, weights in post_weights.items():
        if len(weights) > POSTINGS_PER_TERM:
            # sorted() is stable even reversed, so equal weights keep key order: deterministic.
            best = sorted(range(len(weights)), key=weights.__getitem__, reverse=True)[:POSTINGS_PER_TERM]
            post_docs[t] = array("i", [post_docs[t][i] for i in best])
            post_weights[t] = array("d", [weights[i] for i in best])

    related: dict[str, list[str]] = {}
    for doc, (ids, weights) in enumerate(vectors):
        scores: dict[int, float] = {}
        get = scores.get
        for t, q in zip(ids[:QUERY_TERMS], weights[:QUERY_TERMS], strict=True):
            for other, w in zip(post_docs[t], post_weights[t], strict=True):
                scores[other] = get(other, 0.0) + q * w
        scores.pop(doc, None)
        # A full C sort beats heapq's Python loop here; it is stable, and insertion order is deterministic.
        candidates = sorted(scores, key=scores.__getitem__, reverse=True)[: max(CANDIDATES, 3 * k)]
        own = dict(zip(ids, weights, strict=True)).get
        exact = sorted(
            (-sum(map(mul, map(own, vectors[c][0], repeat(0.0)), vectors[c][1])), c) for c in candidates
        )
        related[keys[doc]] = [keys[c] for _, c in exact[:k]]
    return related

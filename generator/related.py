"""Related papers: tf-idf over words and word pairs, plus the corpus' themes, computed at build time.

The site is static, so "related papers" cannot be a query to a server; every paper page gets its list
when the site is built. A build may hold tens of thousands of papers, so comparing all pairs is out of
the question. Instead each paper's most distinctive terms are looked up in posting lists that keep, per
term, only the papers where that term weighs most ("champion lists"); the best candidates found that way
are then rescored exactly. The work per paper is bounded, so time grows linearly with the corpus.

What "related" means was measured, with arXiv's own categories as the yardstick (bench/quality.py, `make
quality`): the share of a paper's five related papers in its primary category. Words that say what a
paper is about ("image", "language") are common, so rarity counts only half (IDF_POWER); word pairs tell
"neural radiance field" from "neural field"; and the themes of latent semantic analysis, pulled towards
those of the paper's closest candidates, let papers on one subject meet when their words differ.

The arithmetic runs as sparse matrix products (scipy) over blocks of papers: the same steps a loop per
paper would take, at C speed and in bounded memory (a block's candidate scores, never an all-pairs
matrix). Every ranking breaks ties by key, so the result is a pure function of the papers.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from operator import itemgetter
from typing import TYPE_CHECKING

from generator import parallel
from generator.model import SitePaper

if TYPE_CHECKING:  # numpy and scipy are imported by the functions that use them: `digest check` needs neither
    import numpy as np
    from scipy import sparse

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

# Candidates are found through a paper's most distinctive terms only; the tail of its vector rarely
# decides whether two papers meet, only how close they are, which the exact rescoring settles.
QUERY_TERMS = 40
# Each posting list keeps only the papers where its term weighs most ("champion lists"), which bounds the
# work per paper whatever the corpus size; a paper using the term in passing is not a good match for it.
POSTINGS_PER_TERM = 100
# The best candidates by partial score are rescored with their full vectors and their themes.
CANDIDATES = 60
# Papers scored per block: bounds the candidate-score matrix (at most QUERY_TERMS * POSTINGS_PER_TERM
# entries a paper) to a few tens of megabytes whatever the corpus size.
BLOCK = 2000
# How much a term's rarity counts: the square root of the smoothed idf. Full idf ranks papers by the
# rare words they share (a dataset's name, a method's acronym) over what they are about; measured on 10k
# arXiv papers, halving its weight puts 4 more points of the related papers in the paper's own field.
IDF_POWER = 0.5
# Themes: the paper's position in the corpus' main directions of vocabulary (latent semantic analysis,
# a truncated SVD of the tf-idf vectors), so "segmentation" and "mask" papers meet even when their words
# differ. Only for corpora large enough for the directions to mean something.
THEME_DIMENSIONS = 16
THEME_MIN_PAPERS = 500
# A related paper's score: 0.7 of the tf-idf cosine (what the papers say) and 0.3 of the themes' cosine
# (what they are about). Measured on 10k arXiv papers, 16 directions and this mix put the most related
# papers in the paper's own field; more directions split fields into subfields.
THEME_WEIGHT = 0.3
# The paper's themes are pulled towards those of its best candidates (pseudo-relevance feedback): what a
# paper's closest neighbours share is what the paper is about, more surely than its own words.
FEEDBACK_PAPERS = 10
# Two texts this close (tf-idf cosine) are the same paper listed twice, never a related paper.
DUPLICATE_COSINE = 0.95
# Scores are compared at this many decimals, so a last-bit difference in floating point (another machine,
# another BLAS) never reorders two papers; equal scores are ranked by key.
SCORE_DECIMALS = 9


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


#: Raw word -> its term ("" for a word that is dropped). Shared by every call (and by the builds of one
#: `digest serve`): a corpus repeats its words millions of times, so each is tokenised and stemmed once.
_TERMS: dict[str, str] = {}
_TERMS_LIMIT = 2_000_000  # words remembered at most; the cache starts over beyond it


#: A paper's terms and their counts, in term order, as two parallel tuples: compact enough to keep for
#: fifty thousand papers (a dict per paper would take five times the memory).
PaperTerms = tuple[tuple[str, ...], tuple[int, ...]]


def paper_terms(text: str) -> PaperTerms:
    """The terms of one paper's text with their counts, in term order: its words (stop words, digits and
    one-letter words left out, simple plurals folded) and each pair of consecutive words ("neural
    radiance", "radiance field"), which tells apart papers that share words but not what they are about.
    A pure function of the text, so a build can keep it with the parsed paper and only count the papers
    that changed."""
    if len(_TERMS) > _TERMS_LIMIT:
        _TERMS.clear()
    words = _WORD_RE.findall(text.lower())
    for word in set(words).difference(_TERMS):
        stemmed = "" if len(word) < 2 or word.isdigit() else stem(word)
        _TERMS[word] = stemmed if stemmed and word not in STOP_WORDS and stemmed not in STOP_WORDS else ""
    terms = [term for term in map(_TERMS.__getitem__, words) if term]
    counts = Counter(terms)
    counts.update(map(" ".join, itertools.pairwise(terms)))
    ordered = sorted(counts.items())
    return tuple(term for term, _ in ordered), tuple(count for _, count in ordered)


def related_text(paper: SitePaper) -> str:
    """What a paper is compared by: its title and its abstract."""
    return f"{paper.title}\n{paper.text}"


def term_counts(papers: Sequence[PaperTerms]) -> sparse.csr_matrix:
    """A papers x terms matrix of term counts. Terms are numbered as first met, papers in the given
    order and each paper's terms in term order, so the numbering (which breaks ties) is fixed by the
    input."""
    import numpy as np
    from scipy import sparse

    vocabulary: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    number = vocabulary.__getitem__
    indptr = [0]
    indices: list[int] = []
    data: list[int] = []
    for terms, counts in papers:
        indices.extend(map(number, terms))
        data.extend(counts)
        indptr.append(len(indices))
    matrix = sparse.csr_matrix(
        (
            np.array(data, dtype=np.float64),
            np.array(indices, dtype=np.int32),
            np.array(indptr, dtype=np.int64),
        ),
        shape=(len(papers), len(vocabulary)),
    )
    matrix.sort_indices()
    return matrix


def tfidf_vectors(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """L2-normalised rows of sublinear tf times the square root of the smoothed idf (IDF_POWER).

    A term in every paper cannot tell papers apart and is left out. A term of one paper only counts in
    its length but is then dropped: it can never connect two papers, so keeping it would only cost
    memory and time in every later step.
    """
    import numpy as np
    from scipy import sparse

    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0) ** IDF_POWER
    idf[df >= n] = 0.0
    weights = counts.copy()
    weights.data = (1.0 + np.log(weights.data)) * idf[weights.indices]
    norms = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    weights = sparse.diags(1.0 / norms) @ weights
    weights.data[df[weights.indices] <= 1] = 0.0
    weights.eliminate_zeros()
    used = np.unique(weights.indices)  # the columns left: terms of two papers or more
    renumber = np.zeros(counts.shape[1], dtype=np.int32)
    renumber[used] = np.arange(used.size, dtype=np.int32)
    compact = sparse.csr_matrix((weights.data, renumber[weights.indices], weights.indptr), (n, used.size))
    compact.sort_indices()
    return compact


def theme_vectors(vectors: sparse.csr_matrix, dimensions: int = THEME_DIMENSIONS) -> np.ndarray:
    """Each paper's themes: its tf-idf vector projected on the corpus' `dimensions` main directions (the
    top singular vectors, scipy's ARPACK with a fixed start), L2-normalised. A paper with no usable term
    gets zeros. Too small a corpus gets no themes (an empty array)."""
    import numpy as np
    from scipy.sparse.linalg import svds

    papers, terms = vectors.shape
    if papers < THEME_MIN_PAPERS or min(papers, terms) <= dimensions + 1:
        return np.zeros((papers, 0))
    start = np.full(min(papers, terms), 1.0 / np.sqrt(min(papers, terms)))
    left, singular, _ = svds(vectors, k=dimensions, v0=start, solver="arpack")
    themes = left * singular
    norms = np.linalg.norm(themes, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return themes / norms


def _top_per_row(matrix: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """The `keep` largest entries of each row (ties: the lower column first), the rest dropped.

    One stable sort on `row + (1 - scaled value)` ranks every row at once: rows stay apart (the scaled
    value is in (0, 1)) and, the columns being in order within a row, equal values keep column order.
    Values must be positive (tf-idf weights and cosines are).
    """
    import numpy as np
    from scipy import sparse

    matrix.sort_indices()
    counts = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    if not matrix.nnz:
        return matrix
    scaled = matrix.data / (matrix.data.max() * (1.0 + 2.0**-20))
    order = np.argsort(rows + (1.0 - scaled), kind="stable")
    rank = np.arange(order.size) - matrix.indptr[rows[order]]
    chosen = np.sort(order[rank < keep])
    kept = np.minimum(counts, keep)
    indptr = np.concatenate(([0], np.cumsum(kept)))
    return sparse.csr_matrix((matrix.data[chosen], matrix.indices[chosen], indptr), shape=matrix.shape)


def related_papers(docs: Sequence[tuple[str, str]], k: int = 5) -> dict[str, list[str]]:
    """For every key, up to `k` other keys whose texts are most similar to its own, most similar first.

    `docs` holds (key, text) pairs, text being the title and abstract (repeat the title to weigh it).
    See `related_by_terms`, which this calls with each text's `paper_terms`.
    """
    return related_by_terms([(key, paper_terms(text)) for key, text in docs], k)


def related_by_terms(docs: Sequence[tuple[str, PaperTerms]], k: int = 5) -> dict[str, list[str]]:
    """For every key, up to `k` other keys whose terms (`paper_terms`) are most similar, best first.

    Three steps, each linear in the number of papers:
    1. Candidates: the papers that score best through the pruned posting lists (QUERY_TERMS of the
       paper's heaviest terms, each list POSTINGS_PER_TERM papers long): papers sharing no usable term
       are never related, so a paper may get fewer than `k` (or none).
    2. Each candidate is scored: the tf-idf cosine and the themes' cosine (`theme_vectors`), mixed by
       THEME_WEIGHT. A candidate this paper's text all but repeats (DUPLICATE_COSINE) is dropped.
    3. Feedback: the mean themes of the paper's FEEDBACK_PAPERS best candidates are added to its own,
       and the candidates are scored again with those.
    The result does not depend on the order of `docs`: papers are numbered in key order and equal
    scores are ranked by key.
    """
    import numpy as np

    if k < 0:
        raise ValueError(f"related_papers: k must be >= 0, not {k}")
    ordered = sorted(docs, key=itemgetter(0))
    keys = [key for key, _ in ordered]
    duplicates = sorted(key for key, seen in Counter(keys).items() if seen > 1)
    if duplicates:
        raise ValueError(f"related_papers: duplicate keys {duplicates[:5]}")
    if not keys or k == 0:
        return {key: [] for key in keys}
    vectors = tfidf_vectors(term_counts([terms for _, terms in ordered]))
    pairs, cosines = _candidates(vectors)
    papers, others = pairs
    themes = theme_vectors(vectors)
    scores = cosines
    if themes.shape[1]:
        mixed = (1 - THEME_WEIGHT) * cosines + THEME_WEIGHT * _row_dots(themes, papers, themes, others)
        closest = _ranked(len(keys), papers, others, mixed, FEEDBACK_PAPERS)
        closest.data[:] = 1.0 / np.repeat(np.maximum(np.diff(closest.indptr), 1), np.diff(closest.indptr))
        pulled = themes + closest @ themes
        pulled /= np.maximum(np.linalg.norm(pulled, axis=1, keepdims=True), 1e-12)
        scores = (1 - THEME_WEIGHT) * cosines + THEME_WEIGHT * _row_dots(pulled, papers, themes, others)
    best = _ranked(len(keys), papers, others, scores, k)
    found = {}
    for number, key in enumerate(keys):
        cells = slice(best.indptr[number], best.indptr[number + 1])
        rank = np.lexsort((best.indices[cells], -best.data[cells]))
        found[key] = [keys[other] for other in best.indices[cells][rank].tolist()]
    return found


def _candidates(vectors: sparse.csr_matrix) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Every paper's CANDIDATES best papers by partial score through the champion lists, as (paper,
    candidate) number pairs, with their exact tf-idf cosines; the paper itself and its duplicates out."""
    import numpy as np

    queries = _top_per_row(vectors, QUERY_TERMS)
    champions = _top_per_row(vectors.T.tocsr(), POSTINGS_PER_TERM).T.tocsc()
    count = vectors.shape[0]

    def block(number: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        start = number * BLOCK
        partial = (queries[start : start + BLOCK] @ champions.T).tocsr()
        # One more than wanted, so that dropping the paper itself (when it is among them) leaves enough.
        found = _top_per_row(partial, CANDIDATES + 1).tocoo()
        papers = found.row.astype(np.int64) + start
        others = found.col.astype(np.int64)
        products = _rows(vectors, papers).multiply(_rows(vectors, others)).tocsr()
        cosines = np.zeros(papers.size)
        filled = np.diff(products.indptr) > 0
        if products.nnz:
            cosines[filled] = np.add.reduceat(products.data, products.indptr[:-1][filled])
        keep = (others != papers) & (cosines < DUPLICATE_COSINE)
        return papers[keep], others[keep], cosines[keep]

    blocks = (count + BLOCK - 1) // BLOCK
    parts = dict(parallel.run_all(block, blocks, minimum=2, chunk=1))
    ordered = [parts[number] for number in range(blocks)]
    papers = np.concatenate([part[0] for part in ordered])
    others = np.concatenate([part[1] for part in ordered])
    return (papers, others), np.concatenate([part[2] for part in ordered])


def _rows(matrix: sparse.csr_matrix, numbers: np.ndarray) -> sparse.csr_matrix:
    """matrix[numbers] (rows repeated as often as listed), in canonical form: scipy's own row indexing
    gives the same matrix at twice the cost, and a product of canonical matrices is the fast one."""
    import numpy as np
    from scipy import sparse

    starts = matrix.indptr[numbers]
    lengths = matrix.indptr[numbers + 1] - starts
    indptr = np.zeros(numbers.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    take = np.arange(indptr[-1], dtype=np.int64) + np.repeat(starts - indptr[:-1], lengths)
    shape = (numbers.size, matrix.shape[1])
    rows = sparse.csr_matrix((matrix.data[take], matrix.indices[take], indptr), shape)
    rows.has_sorted_indices = True
    return rows


def _row_dots(left: np.ndarray, rows: np.ndarray, right: np.ndarray, others: np.ndarray) -> np.ndarray:
    """left[rows[i]] . right[others[i]] for every i, in slices that keep the gathered rows small."""
    import numpy as np

    out = np.empty(rows.size)
    for start in range(0, rows.size, 1 << 16):
        part = slice(start, start + (1 << 16))
        out[part] = np.einsum("ij,ij->i", left[rows[part]], right[others[part]])
    return out


def _ranked(
    count: int, papers: np.ndarray, others: np.ndarray, scores: np.ndarray, keep: int
) -> sparse.csr_matrix:
    """Each paper's `keep` best candidates as a papers x papers matrix. Scores are rounded to
    SCORE_DECIMALS and shifted to be positive (order kept); equal scores keep the lower number."""
    import numpy as np
    from scipy import sparse

    rounded = np.round(scores, SCORE_DECIMALS)
    shifted = rounded - (rounded.min() if rounded.size else 0.0) + 1.0
    matrix = sparse.csr_matrix((shifted, (papers, others)), shape=(count, count))
    return _top_per_row(matrix, keep)

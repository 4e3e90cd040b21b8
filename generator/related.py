"""Related papers: tf-idf cosine similarity through pruned posting lists, computed once at build time.

The site is static, so "related papers" cannot be a query to a server; every paper page gets its list
when the site is built. A build may hold tens of thousands of papers, so comparing all pairs is out of
the question. Instead each paper's most distinctive terms are looked up in posting lists that keep, per
term, only the papers where that term weighs most ("champion lists"); the best candidates found that way
are then rescored with the exact cosine. The work per paper is bounded, so time grows linearly with the
corpus.

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
# Papers scored per block: bounds the candidate-score matrix (at most QUERY_TERMS * POSTINGS_PER_TERM
# entries a paper) to a few tens of megabytes whatever the corpus size.
BLOCK = 2000


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
    """The terms of one paper's text with their counts, in term order: stop words, digits and
    one-letter words left out, simple plurals folded. A pure function of the text, so a build can keep
    it with the parsed paper and only count the papers that changed."""
    if len(_TERMS) > _TERMS_LIMIT:
        _TERMS.clear()
    words = _WORD_RE.findall(text.lower())
    for word in set(words).difference(_TERMS):
        stemmed = "" if len(word) < 2 or word.isdigit() else stem(word)
        _TERMS[word] = stemmed if stemmed and word not in STOP_WORDS and stemmed not in STOP_WORDS else ""
    counts = Counter(map(_TERMS.__getitem__, words))
    counts.pop("", None)
    ordered = sorted(counts.items())
    return tuple(term for term, _ in ordered), tuple(count for _, count in ordered)


def related_text(paper: SitePaper) -> str:
    """What a paper is compared by: its title (twice, so it weighs more) and its abstract."""
    return f"{paper.title} {paper.title} {paper.text}"


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
    """L2-normalised sublinear tf-idf rows.

    Terms above the document-frequency cap are left out, as stop words are. A term of one paper only
    counts in its length but is then dropped: it can never connect two papers, so keeping it would only
    cost memory and time in every later step.
    """
    import numpy as np
    from scipy import sparse

    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    cap = max(MAX_DF_SHARE * n, MIN_DF_CAP)
    usable = (df <= cap) & (df < n)
    idf = np.zeros(counts.shape[1])
    idf[usable] = np.log(n / df[usable])
    weights = counts.copy()
    weights.data = (1.0 + np.log(weights.data)) * idf[weights.indices]
    norms = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    weights = sparse.diags(1.0 / norms) @ weights
    weights.data[df[weights.indices] <= 1] = 0.0
    weights.eliminate_zeros()
    weights.sort_indices()
    return weights.tocsr()


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

    Similarity is the cosine of sublinear tf-idf vectors; papers sharing no usable term are never
    related, so a paper may get fewer than `k` (or none). Candidates come from the pruned posting lists,
    so on a large corpus a list can miss a paper the exhaustive search would rank in (the ones it misses
    are about as close as the ones it finds). The result does not depend on the order of `docs`: papers
    are numbered in key order and equal scores are ranked by key.
    """
    import numpy as np
    from scipy import sparse

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
    queries = _top_per_row(vectors, QUERY_TERMS)
    champions = _top_per_row(vectors.T.tocsr(), POSTINGS_PER_TERM).T.tocsc()
    wanted = max(CANDIDATES, 3 * k)

    def block(number: int) -> list[list[int]]:
        """The related papers (numbers, best first) of the papers of one block."""
        start = number * BLOCK
        stop = min(start + BLOCK, len(keys))
        partial = (queries[start:stop] @ champions.T).tocsr()
        # One more than wanted, so that dropping the paper itself (when it is among them) leaves enough.
        candidates = _top_per_row(partial, wanted + 1).tocoo()
        others = candidates.col != candidates.row + start
        candidates = sparse.coo_matrix(
            (candidates.data[others], (candidates.row[others], candidates.col[others])), shape=partial.shape
        )
        candidates = _top_per_row(candidates.tocsr(), wanted).tocoo()
        papers = candidates.row + start
        exact = np.asarray(vectors[papers].multiply(vectors[candidates.col]).sum(axis=1)).ravel()
        best = _top_per_row(
            sparse.csr_matrix((exact, (candidates.row, candidates.col)), shape=partial.shape), k
        )
        lists = []
        for row in range(stop - start):
            cells = slice(best.indptr[row], best.indptr[row + 1])
            order = np.lexsort((best.indices[cells], -best.data[cells]))
            lists.append(best.indices[cells][order].tolist())
        return lists

    blocks = (len(keys) + BLOCK - 1) // BLOCK
    found: dict[int, list[list[int]]] = dict(parallel.run_all(block, blocks, minimum=2, chunk=1))
    return {
        keys[number * BLOCK + row]: [keys[other] for other in others]
        for number in range(blocks)
        for row, others in enumerate(found[number])
    }

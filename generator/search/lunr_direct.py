"""The serialized lunr.js 2.3.9 index of a list of documents, computed directly instead of by lunr.py.

`serialize_index` returns the dict that lunr.py 0.8's `Builder` gives, after `build().serialize()`, for the
same documents added in the same order with the same fields, boosts and pipelines, seven times faster
(10,000 arXiv abstracts: 6 s instead of 44). lunr.py runs the pipeline on every occurrence of every word,
as a token object updated by each function; here each distinct token goes through the pipeline once (a
corpus repeats its words millions of times), a field's terms are counted in C (`Counter`), the scores are
computed with numpy, and the collector is off while millions of small containers are made.

What lunr.py does, and this module reproduces (tests/test_search_direct.py holds it to lunr.py's output):
- Tokens: the field's text lower-cased as a whole, then split on lunr's separators (space, tab, line
  feed, carriage return, form feed, vertical tab, U+00A0, hyphen); empty pieces are not tokens. No token
  metadata is kept: lunr.py stores `position`/`index` only when whitelisted, and nothing is.
- Terms: each token through the build pipeline's functions in order; a function may drop a token (a falsy
  result) or split it (a list). The functions must depend on the token alone, not on its neighbours or its
  position, since their result is cached per distinct token.
- Term numbers (`_index`): in order of first appearance, document by document, field by field, term by
  term within a field.
- Scores: BM25 as lunr computes it, with the same floating-point operations in the same order:
  `idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (length / average length)) + tf)`, times the field's boost
  and the document's boost, rounded to 3 decimals (`round(score, 3)`, where lunr.js does
  `Math.round(score * 1000) / 1000`). idf is `log(1 + |(N - n + 0.5) / (n + 0.5)|)`, where n counts the
  term's postings over all fields: a document with the term in two fields counts twice. A field's length
  is its number of terms after the pipeline (repeats count); the average is over all documents.
- Layout: `fieldVectors` has one entry per document and field, in that order, empty vectors included,
  named `<field>/<ref>`, as `[term number, score, ...]` by term number; `invertedIndex` is sorted by term,
  each posting `{<field>: {<ref>: {}}, ..., "_index": n}`.

Two things are lunr.js's rather than lunr.py's:
- The terms are sorted in JavaScript's string order (UTF-16 code units, `js_order`), which lunr.js's
  `Index.load` needs: it throws "Out of order word insertion" otherwise. lunr.py sorts by code point; the
  two differ only where one term has a character above U+FFFF and the other one in U+E000-U+FFFF at the
  first difference (say "\U0001d400" and the ligature "\ufb01nd"), and lunr.py's order there makes an
  index lunr.js cannot load.
- The refs of a posting are in the order a JavaScript object enumerates its keys (array indices
  ascending, then the other keys in insertion order), which is what lunr.js's own serializer writes and
  the order lunr.js ranks ties in; lunr.py writes insertion order (a dict equal to this one).

`decimals` optionally rounds the scores a second time, after lunr's 3 decimals. An empty list of
documents gives an index with no vectors or terms (lunr.py raises ZeroDivisionError).
"""

from __future__ import annotations

import gc
import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any

import numpy as np
from lunr import __TARGET_JS_VERSION__ as LUNR_VERSION
from lunr.token import Token
from lunr.tokenizer import SEPARATOR_CHARS

#: A pipeline function as lunr calls it: (token, position, tokens) -> token, list of tokens or None.
PipelineFunction = Callable[..., Any]

K1 = 1.2
B = 0.75
_TOKEN_RE = re.compile(f"[^{re.escape(SEPARATOR_CHARS)}]+")  # what lunr.py's Tokenizer keeps
_NOT_SPACE_SEPARATOR_RE = re.compile(f"[{re.escape(SEPARATOR_CHARS.replace(' ', ''))}]")
_ARRAY_INDEX_RE = re.compile(r"(?:0|[1-9][0-9]*)")
_MAX_ARRAY_INDEX = 2**32 - 2  # the largest array index of a JavaScript object key
_CACHE_LIMIT = 1_000_000  # distinct tokens kept per pipeline; a build of 50k papers has ~300k
_CACHES: dict[tuple[PipelineFunction, ...], _TermCache] = {}


def serialize_index(
    documents: Sequence[Sequence[str | None]],
    refs: Sequence[str],
    fields: Sequence[tuple[str, float]],
    pipeline: Sequence[PipelineFunction],
    search_pipeline: Sequence[PipelineFunction],
    *,
    boosts: Sequence[float] | None = None,
    decimals: int | None = None,
    k1: float = K1,
    b: float = B,
) -> dict[str, Any]:
    """The serialized lunr index of `documents` (each the text of every field, in `fields` order).

    `refs` name the documents (unique), `fields` are (name, boost) pairs, `pipeline` the build pipeline's
    functions, `search_pipeline` the functions the serialized index names (by their registered `label`),
    `boosts` the documents' boosts (lunr's `attributes={"boost": x}`; 1 when None).
    """
    if len(refs) != len(documents) or (boosts is not None and len(boosts) != len(documents)):
        raise ValueError("documents, refs and boosts differ in length")
    if len(set(refs)) != len(refs):
        raise ValueError("refs are not unique")
    names = [name for name, _boost in fields]
    if any("/" in name for name in names) or len(set(names)) != len(names):
        raise ValueError("field names must be unique and without '/'")
    with _no_gc():
        entries = _count_terms(documents, len(fields), _token_cache(tuple(pipeline)))
        return {
            "version": LUNR_VERSION,
            "fields": names,
            "fieldVectors": _field_vectors(entries, fields, refs, boosts, decimals=decimals, k1=k1, b=b),
            "invertedIndex": _inverted_index(entries, names, refs),
            "pipeline": [fn.label for fn in search_pipeline],
        }


@contextmanager
def _no_gc() -> Iterator[None]:
    """No cyclic garbage collection while building: the index is millions of small dicts and lists and no
    cycle, and the collector would walk them over and over as they pile up (a third of the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Entries:
    """Every (document, field, term) of the documents: the term's number and frequency there, grouped
    by slot (document * number of fields + field), each slot's terms in order of first appearance."""

    def __init__(
        self,
        terms: dict[str, int],
        numbers: array[int],
        tfs: array[int],
        sizes: list[int],
        lengths: list[int],
    ) -> None:
        self.terms = terms  # term -> term number (`_index`), numbered in order of first appearance
        self.numbers = np.frombuffer(numbers, dtype=np.int64)  # entry -> term number
        self.tfs = np.frombuffer(tfs, dtype=np.int64)  # entry -> term frequency in its slot
        self.sizes = sizes  # slot -> its number of entries (distinct terms)
        self.lengths = lengths  # slot -> the field's length: its number of terms, repeats included
        self.slots = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)  # entry -> slot


def _count_terms(
    documents: Sequence[Sequence[str | None]], field_count: int, terms_of: _TermCache
) -> _Entries:
    """One pass over the text: term numbers, and each document's and field's term frequencies."""
    get = terms_of.__getitem__
    terms = _Numbers()
    number_of = terms.__getitem__
    # Machine integers, not lists of Python ints: ten million entries at 50k papers.
    numbers: array[int] = array("q")
    tfs: array[int] = array("q")
    sizes: list[int] = []
    lengths: list[int] = []
    for document, texts in enumerate(documents):
        if len(texts) != field_count:
            raise ValueError(f"document {document} has {len(texts)} fields, not {field_count}")
        for text in texts:
            if text is None:
                tokens: list[str] = []
            else:
                lowered = str(text).lower()
                if _NOT_SPACE_SEPARATOR_RE.search(lowered):
                    tokens = _TOKEN_RE.findall(lowered)
                else:
                    tokens = lowered.split(" ")  # the empty strings of a double space have no terms
            counts = Counter(map(get, tokens))
            if terms_of.splits:  # the pipeline split some token into several terms: count them one by one
                counts = Counter(chain.from_iterable(map(terms_of.terms, tokens)))
            counts.pop(None, None)  # the tokens the pipeline dropped
            numbers.extend(map(number_of, counts))  # numbers the new terms, in order of first appearance
            tfs.extend(counts.values())
            sizes.append(len(counts))
            lengths.append(counts.total())
    return _Entries(terms, numbers, tfs, sizes, lengths)


class _Numbers(dict[str, int]):
    """term -> term number: a term looked up for the first time gets the next number."""

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        return number


def _field_vectors(
    entries: _Entries,
    fields: Sequence[tuple[str, float]],
    refs: Sequence[str],
    boosts: Sequence[float] | None,
    *,
    decimals: int | None,
    k1: float,
    b: float,
) -> list[list[Any]]:
    """`fieldVectors`: every document's every field, scored as lunr.py's Builder scores, in the order it
    adds them: `[["<field>/<ref>", [term number, score, ...]], ...]`, each by term number."""
    if not refs:
        return []
    field_count = len(fields)
    slot_count = len(entries.sizes)
    numbers, slots = entries.numbers, entries.slots
    values = _scores(entries, fields, len(refs), boosts, decimals=decimals, k1=k1, b=b)
    order = _argsort(slots, len(entries.terms), numbers)  # by term number in each slot, as lunr.Vector
    sorted_numbers = numbers[order].tolist()
    sorted_values = values[order].tolist()
    out: list[list[Any]] = []
    start = 0
    for slot, size in zip(range(slot_count), entries.sizes, strict=True):
        document, field = divmod(slot, field_count)
        elements: list[Any] = [0] * (2 * size)
        elements[0::2] = sorted_numbers[start : start + size]
        elements[1::2] = sorted_values[start : start + size]
        start += size
        out.append([f"{fields[field][0]}/{refs[document]}", elements])
    return out


def _scores(
    entries: _Entries,
    fields: Sequence[tuple[str, float]],
    document_count: int,
    boosts: Sequence[float] | None,
    *,
    decimals: int | None,
    k1: float,
    b: float,
) -> np.ndarray:
    """Every entry's score (its term in its document's field), as lunr.py's Builder computes and rounds it.

    The arithmetic is numpy's, on float64 with lunr's operations in lunr's order, so every score is the
    same double as lunr.py's; `_round` then rounds as Python's `round` does.
    """
    field_count = len(fields)
    totals = [sum(entries.lengths[field::field_count]) for field in range(field_count)]
    averages = [total / document_count for total in totals]  # lunr: int accumulator /= document count
    # Per slot, the length normalization `k1 * (1 - b + b * (length / average))` (only where there are
    # terms: a field empty in every document has an average of 0).
    norms = [
        k1 * (1 - b + b * (length / averages[slot % field_count])) if length else 0.0
        for slot, length in enumerate(entries.lengths)
    ]
    numbers, tfs, slots = entries.numbers, entries.tfs, entries.slots
    postings = np.bincount(numbers, minlength=len(entries.terms))  # per term, over all fields (lunr.idf)
    counts, inverse = np.unique(postings, return_inverse=True)
    idf = np.array([math.log(1 + abs((document_count - n + 0.5) / (n + 0.5))) for n in counts.tolist()])
    tf = tfs.astype(np.float64)
    # idf * ((k1 + 1) * tf) / (norm + tf), in place (one array of ten million entries at 50k papers, not
    # five); a product's operands swap freely, the operations and their order are lunr's.
    scores = tf * (k1 + 1)
    scores *= idf[inverse][numbers]
    tf += np.array(norms)[slots]
    scores /= tf
    del tf
    scores *= np.array([float(boost) for _name, boost in fields])[slots % field_count]
    if boosts is not None:
        scores *= np.array([float(boost) for boost in boosts], dtype=np.float64)[slots // field_count]
    return _round(scores, decimals)


def _round(scores: np.ndarray, decimals: int | None) -> np.ndarray:
    """`round(round(score, 3), decimals)` of every score (`round(score, 3)` when decimals is None), as
    Python rounds: the double nearest to the exact decimal rounding (half to even) of the double's value.

    Vectorized where that is plain: round(x, 3) is k / 1000 with k = rint(x * 1000) unless x * 1000 is
    within 1e-6 of a half (the product's rounding error, below 1e-10 for scores under 10^6, could then
    cross it), and round(k / 1000, d) is the nearest k' / 10^d unless k is a decimal tie for d digits:
    the double k / 1000 is then a hair above or below the tie, and Python's `round` says which way it
    goes (once per distinct k). Every score is rounded by Python's `round` when the decimals or the
    scores (negative, huge, not finite) are out of that plain range.
    """
    if (decimals is not None and not 0 <= decimals <= 3) or not np.all(
        (scores < 1e6) & (scores >= 0) & ~np.signbit(scores)
    ):
        if decimals is None:
            return np.array([round(x, 3) for x in scores.tolist()], dtype=np.float64)
        return np.array([round(round(x, 3), decimals) for x in scores.tolist()], dtype=np.float64)
    scaled = scores * 1000.0
    k = np.rint(scaled)
    unsure = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6)
    if decimals is None or decimals == 3:
        values = k / 1000.0
    else:
        step = 10 ** (3 - decimals)
        thousandths = k.astype(np.int64)
        quotient, remainder = np.divmod(thousandths, step)
        values = (quotient + (remainder * 2 > step)) / float(10**decimals)
        ties = np.flatnonzero(remainder * 2 == step)
        if ties.size:
            distinct, inverse = np.unique(thousandths[ties], return_inverse=True)
            rounded = [round(n / 1000, decimals) for n in distinct.tolist()]  # n / 1000 is round(x, 3)
            values[ties] = np.array(rounded, dtype=np.float64)[inverse]
    for i in unsure.tolist():
        x = round(float(scores[i]), 3)
        values[i] = x if decimals is None else round(x, decimals)
    return values


def _inverted_index(entries: _Entries, names: Sequence[str], refs: Sequence[str]) -> list[list[Any]]:
    """`invertedIndex`: `[[term, {<field>: {<ref>: {}, ...}, ..., "_index": n}], ...]` sorted by term,
    the refs of each field in JavaScript key order."""
    field_count = len(names)
    term_count = len(entries.terms)
    rank = np.array(_js_ranks(refs), dtype=np.int64)
    documents, fields = np.divmod(entries.slots, field_count)
    groups = entries.numbers * field_count + fields  # term number * field count + field
    order = _argsort(groups, len(refs), rank[documents])
    ordered = list(map(refs.__getitem__, documents[order].tolist()))
    starts = np.zeros(term_count * field_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(groups, minlength=term_count * field_count), out=starts[1:])
    bounds = starts.tolist()
    out: list[list[Any]] = []
    for term in sorted(entries.terms, key=js_order):
        number = entries.terms[term]
        group = number * field_count
        posting: dict[str, Any] = {}
        for name in names:
            start, end = bounds[group], bounds[group + 1]
            posting[name] = {ref: {} for ref in ordered[start:end]} if end > start else {}
            group += 1
        posting["_index"] = number
        out.append([term, posting])
    return out


def term_postings(
    documents: Sequence[Sequence[str | None]],
    refs: Sequence[str],
    fields: Sequence[tuple[str, float]],
    pipeline: Sequence[PipelineFunction],
    *,
    decimals: int | None = None,
    k1: float = K1,
    b: float = B,
) -> TermPostings:
    """The index of `serialize_index` turned inside out, term by term in `invertedIndex` order: each term,
    its number, and per field (in `fields` order) its postings as a flat `[ref, score, ref, score, ...]`,
    refs in the posting's order and each score the one `fieldVectors` gives the term in that field.

    This is what a search needs of a term, so an index split by term can be fetched a term at a time and
    still score as the whole index does: lunr's score is a dot product over the query's terms only.
    """
    if len(refs) != len(documents) or len(set(refs)) != len(refs):
        raise ValueError("refs must be unique, one per document")
    field_count = len(fields)
    with _no_gc():
        entries = _count_terms(documents, field_count, _token_cache(tuple(pipeline)))
        if not refs:
            return TermPostings([], [], [], [], np.zeros(0, np.int32), np.zeros(0), field_count)
        values = _scores(entries, fields, len(refs), None, decimals=decimals, k1=k1, b=b)
        terms = sorted(entries.terms, key=js_order)
        numbers = [entries.terms[term] for term in terms]
        # Arrays, not lists, and each temporary dropped once used: at 50k papers the postings are ten
        # million entries. Each term's entries become lists only when asked for (TermPostings).
        documents_of, fields_of = np.divmod(entries.slots, field_count)
        groups = entries.numbers * field_count + fields_of
        del fields_of, entries
        starts = np.zeros(len(numbers) * field_count + 1, dtype=np.int64)
        np.cumsum(np.bincount(groups, minlength=len(numbers) * field_count), out=starts[1:])
        rank = np.array(_js_ranks(refs), dtype=np.int64)
        order = _argsort(groups, len(refs), rank[documents_of])
        del groups, rank
        ordered_documents = documents_of[order].astype(np.int32)
        del documents_of
        ordered_scores = values[order]
        del values, order
    bounds = starts.tolist()
    return TermPostings(terms, numbers, bounds, list(refs), ordered_documents, ordered_scores, field_count)


class TermPostings:
    """`term_postings`' answer: `terms` in lunr.js's order, and each term's entry by position, made when
    asked for (so that forked workers can format different terms from the same arrays)."""

    def __init__(
        self,
        terms: list[str],
        numbers: list[int],
        bounds: list[int],
        refs: list[str],
        documents: np.ndarray,
        scores: np.ndarray,
        field_count: int,
    ) -> None:
        self.terms = terms
        self._numbers = numbers  # term number of each term, in `terms` order
        self._bounds = bounds  # (term number * field count + field) -> its first entry below
        self._refs = refs  # document number -> ref
        self._documents = documents  # entry -> document number, grouped by term and field
        self._scores = scores  # entry -> score
        self._field_count = field_count

    def __len__(self) -> int:
        return len(self.terms)

    def __getitem__(self, position: int) -> tuple[str, int, list[list[Any]]]:
        number = self._numbers[position]
        per_field: list[list[Any]] = []
        for group in range(number * self._field_count, (number + 1) * self._field_count):
            start, end = self._bounds[group], self._bounds[group + 1]
            flat: list[Any] = [0] * (2 * (end - start))
            flat[0::2] = [self._refs[document] for document in self._documents[start:end].tolist()]
            flat[1::2] = self._scores[start:end].tolist()
            per_field.append(flat)
        return self.terms[position], number, per_field

    def __iter__(self) -> Iterator[tuple[str, int, list[list[Any]]]]:
        return (self[position] for position in range(len(self)))


def js_order(text: str) -> bytes:
    """The sort key that orders strings as JavaScript compares them: by UTF-16 code unit (lone surrogates,
    which a stem cut from an astral character may hold, included)."""
    return text.encode("utf-16-be", "surrogatepass")


def _argsort(major: np.ndarray, minor_count: int, minor: np.ndarray) -> np.ndarray:
    """The order of the entries by (major, minor), where 0 <= minor < minor_count."""
    if not major.size:
        return np.zeros(0, dtype=np.int64)
    if (int(major.max()) + 1) * minor_count < 2**62:
        return np.argsort(major * minor_count + minor)  # one key: several times faster than lexsort
    return np.lexsort((minor, major))


def _token_cache(pipeline: tuple[PipelineFunction, ...]) -> _TermCache:
    """token -> its term after the pipeline, filled on first use and kept for the process's next builds."""
    cache = _CACHES.get(pipeline)
    if cache is None or len(cache) > _CACHE_LIMIT:
        cache = _CACHES[pipeline] = _TermCache(pipeline)
    return cache


class _TermCache(dict[str, "str | tuple[str, ...] | None"]):
    """token -> its term after the pipeline, or None when the pipeline drops it, or all its terms (a
    tuple) when the pipeline splits it; computed on first look-up (lunr.pipeline.Pipeline.run's rules)."""

    def __init__(self, pipeline: tuple[PipelineFunction, ...]) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.splits = 0  # how many tokens gave more than one term
        self[""] = None  # a split on a double space, not a token: lunr's tokenizer gives no empty token

    def __missing__(self, token: str) -> str | tuple[str, ...] | None:
        tokens: list[Token] = [Token(token, {})]
        for fn in self.pipeline:
            if len(tokens) == 1:  # the usual case, without the general case's loop
                result = fn(tokens[0], 0, tokens)
                tokens = [] if not result else list(result) if isinstance(result, (list, tuple)) else [result]
                continue
            results: list[Token] = []
            for i, item in enumerate(tokens):
                result = fn(item, i, tokens)
                if not result:
                    continue
                if isinstance(result, (list, tuple)):
                    results.extend(result)
                else:
                    results.append(result)
            tokens = results
        value: str | tuple[str, ...] | None
        if len(tokens) == 1:
            value = str(tokens[0])
        elif tokens:
            value = tuple(map(str, tokens))
            self.splits += 1
        else:
            value = None
        self[token] = value
        return value

    def terms(self, token: str) -> tuple[str, ...]:
        """All the token's terms."""
        value = self[token]
        return () if value is None else (value,) if isinstance(value, str) else value


def _js_ranks(refs: Sequence[str]) -> list[int]:
    """Each document's position in JavaScript key order: array indices ascending, then the other refs in
    document order."""
    indices = sorted(
        (int(ref), number)
        for number, ref in enumerate(refs)
        if _ARRAY_INDEX_RE.fullmatch(ref) and int(ref) <= _MAX_ARRAY_INDEX
    )
    first = {number for _value, number in indices}
    order = [number for _value, number in indices] + [n for n in range(len(refs)) if n not in first]
    rank = [0] * len(refs)
    for position, number in enumerate(order):
        rank[number] = position
    return rank

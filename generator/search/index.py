"""What the search index holds: the documents, their fields and boosts, and lunr's pipelines.

`build_index` gives the serialized lunr.js 2.3.9 index of a list of documents (refs are their positions
in base 36: the ref is repeated in every posting, so a slug as ref would multiply the size), computed by
`lunr_direct`; `build_index_lunrpy` builds the same index with lunr.py itself, the reference the tests
hold `build_index` and the term-split parts (`parts`) to. Both are pure functions of the documents, so the
output is byte-identical from one build to the next.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lunr.builder import Builder
from lunr.stop_word_filter import stop_word_filter

from generator.search.lunr_direct import js_order, serialize_index
from generator.search.stemmer import stemmer, trimmer

# Field name and boost, in the order lunr scores them. Every document has every field (an empty string
# when a paper has no authors).
FIELDS: tuple[tuple[str, int], ...] = (("title", 10), ("abstract", 1), ("topics", 2), ("authors", 2))
FIELD_NAMES = tuple(name for name, _boost in FIELDS)
SNIPPET_CHARS = 200
DECIMALS = 2  # field-vector precision (lunr.js uses 3): -6% gzipped, same known-item ranking

# Punctuation that breaks words, in the index and in queries alike (query-normalize.js splits query terms
# on the same characters): so "GPT-4o/Claude", "onerror=alert(1)" or "model's" give findable words.
BREAK_CHARS = "-:~^/\\|()[]{}<>=,;!?\"&'\u2019"
_BREAK_RE = re.compile(f"[{re.escape(BREAK_CHARS)}]+")
_BREAK_TABLE = str.maketrans(dict.fromkeys(BREAK_CHARS, " "))
_SPACE_RE = re.compile(r"\s+")
_ARRAY_INDEX_RE = re.compile(r"^(?:0|[1-9][0-9]*)$")


@dataclass(frozen=True)
class SearchDoc:
    """What one paper contributes to the index: the indexed text and what the result list shows."""

    title: str
    url: str
    date: str
    topics: tuple[str, ...]  # display names
    authors: tuple[str, ...]
    abstract: str

    def to_json(self) -> dict[str, Any]:
        """The fields as JSON values (written out, not `asdict`: this runs for every paper of every build)."""
        return {
            "title": self.title,
            "url": self.url,
            "date": self.date,
            "topics": list(self.topics),
            "authors": list(self.authors),
            "abstract": self.abstract,
        }


def ref_for(number: int) -> str:
    """The short ref of the number-th document: 0-9, a-z, 10, 11, ..."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = digits[number % 36]
    number //= 36
    while number:
        out = digits[number % 36] + out
        number //= 36
    return out


def _clean(text: str) -> str:
    """Word-breaking punctuation and whitespace of every kind become one space, so lunr's tokenizer
    splits the text where the query normalizer splits a query.

    `_clean_by_regex` says the same more plainly; this is three times faster (`str.split()` splits on
    exactly the characters `\\s` matches, str.isspace's), and the tests hold the two to the same result.
    """
    return " ".join(text.translate(_BREAK_TABLE).split())


def _clean_by_regex(text: str) -> str:
    """`_clean` as it was written first: the reference for `_clean` and `build_index_lunrpy`."""
    return _SPACE_RE.sub(" ", _BREAK_RE.sub(" ", text)).strip()


# The pipelines: the build pipeline turns tokens into terms, the search pipeline is what the serialized
# index names for lunr.js to run on query terms.
PIPELINE = (trimmer, stop_word_filter, stemmer)
SEARCH_PIPELINE = (stemmer,)


def _builder() -> Builder:
    builder = Builder()
    builder.pipeline.add(*PIPELINE)
    builder.search_pipeline.add(*SEARCH_PIPELINE)
    builder.ref("ref")
    for name, boost in FIELDS:
        builder.field(name, boost=boost)
    return builder


def _js_key_order(postings: Mapping[str, Any]) -> dict[str, Any]:
    """Reorder refs the way a JavaScript object enumerates its keys: array indices ascending, then the rest.

    lunr.js walks `Object.keys(posting)`, lunr.py walks the dict in file order; ties in the ranking keep
    that order, so the file must already be in JavaScript's order for both to return the same list.
    """
    numeric = sorted((k for k in postings if _ARRAY_INDEX_RE.match(k) and int(k) < 2**32 - 1), key=int)
    numeric_set = set(numeric)
    return {k: postings[k] for k in [*numeric, *(k for k in postings if k not in numeric_set)]}


def texts_of(doc: SearchDoc, clean: Callable[[str], str] = _clean) -> tuple[str, str, str, str]:
    """The document's indexed text, field by field in FIELDS order."""
    return clean(doc.title), clean(doc.abstract), clean(" ".join(doc.topics)), clean(", ".join(doc.authors))


def build_index(docs: Sequence[SearchDoc], decimals: int = DECIMALS) -> dict[str, Any]:
    """The serialized lunr index of these documents (refs are their positions in base 36): lunr.py's
    serialization, field-vector scores rounded to `decimals`, posting refs in JavaScript key order."""
    return serialize_index(
        [texts_of(doc) for doc in docs],
        [ref_for(number) for number in range(len(docs))],
        FIELDS,
        PIPELINE,
        SEARCH_PIPELINE,
        decimals=decimals,
    )


def build_index_lunrpy(docs: Sequence[SearchDoc], decimals: int = DECIMALS) -> dict[str, Any]:
    """`build_index` by lunr.py's own builder: the reference (tests only; seven times slower). Its terms
    are sorted in lunr.js's order, as `build_index` sorts them (lunr.py sorts by code point)."""
    builder = _builder()
    for number, doc in enumerate(docs):
        texts = texts_of(doc, _clean_by_regex)
        builder.add({"ref": ref_for(number), **dict(zip(FIELD_NAMES, texts, strict=True))})
    serialized = builder.build().serialize()
    for _ref, elements in serialized["fieldVectors"]:
        for i in range(1, len(elements), 2):
            elements[i] = round(elements[i], decimals)
    for _term, posting in serialized["invertedIndex"]:
        for name, _boost in FIELDS:
            posting[name] = _js_key_order(posting[name])
    serialized["invertedIndex"].sort(key=lambda pair: js_order(pair[0]))  # lunr.js's order (lunr_direct)
    return serialized


def dumps(data: Any) -> bytes:
    """Compact JSON in UTF-8; ASCII escapes only if a stem ended up as a lone surrogate (JS-faithful)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")

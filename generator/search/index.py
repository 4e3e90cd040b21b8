"""One shard of the search index: a lunr.js 2.3.9 index built by lunr.py, plus the document store.

A shard file is `{"index": <serialized lunr index>, "docs": {ref: {title, url, date, topics, snippet}}}`.
Refs are a base-36 counter within the shard: the ref is repeated in every posting, so a slug as ref
would multiply the size. Building is a pure function of the shard's documents (`ShardDoc`s), which makes
the output cacheable by a hash of its input and byte-identical from one build to the next.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from lunr.builder import Builder
from lunr.stop_word_filter import stop_word_filter

from generator.markdown import snippet
from generator.search.stemmer import stemmer, trimmer

# Field name and boost, in the order lunr scores them. Every shard declares every field (an empty string
# when a paper has no authors), so a query like `authors:x` is valid on every shard.
FIELDS: tuple[tuple[str, int], ...] = (("title", 10), ("abstract", 1), ("topics", 2), ("authors", 2))
SNIPPET_CHARS = 200
DECIMALS = 2  # field-vector precision (lunr.js uses 3): -6% gzipped, same known-item ranking

# Punctuation that breaks words, in the index and in queries alike (query-normalize.js splits query terms
# on the same characters): so "GPT-4o/Claude", "onerror=alert(1)" or "model's" give findable words.
BREAK_CHARS = "-:~^/\\|()[]{}<>=,;!?\"&'\u2019"
_BREAK_RE = re.compile(f"[{re.escape(BREAK_CHARS)}]+")
_SPACE_RE = re.compile(r"\s+")
_ARRAY_INDEX_RE = re.compile(r"^(?:0|[1-9][0-9]*)$")


@dataclass(frozen=True)
class ShardDoc:
    """What one paper contributes to a shard: the indexed text and what the result list shows."""

    title: str
    url: str
    date: str
    topics: tuple[str, ...]  # display names
    authors: tuple[str, ...]
    abstract: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["topics"] = list(self.topics)
        data["authors"] = list(self.authors)
        return data


def ref_for(number: int) -> str:
    """The short ref of the number-th document of a shard: 0-9, a-z, 10, 11, ..."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = digits[number % 36]
    number //= 36
    while number:
        out = digits[number % 36] + out
        number //= 36
    return out


def _clean(text: str) -> str:
    """Word-breaking punctuation and whitespace of every kind become one space, so lunr.py's tokenizer
    splits the text where the query normalizer splits a query."""
    return _SPACE_RE.sub(" ", _BREAK_RE.sub(" ", text)).strip()


def _builder() -> Builder:
    builder = Builder()
    builder.pipeline.add(trimmer, stop_word_filter, stemmer)
    builder.search_pipeline.add(stemmer)
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


def build_index(docs: Sequence[ShardDoc], decimals: int = DECIMALS) -> dict[str, Any]:
    """The serialized lunr index of these documents (refs are their positions in base 36)."""
    builder = _builder()
    for number, doc in enumerate(docs):
        builder.add(
            {
                "ref": ref_for(number),
                "title": _clean(doc.title),
                "abstract": _clean(doc.abstract),
                "topics": _clean(" ".join(doc.topics)),
                "authors": _clean(", ".join(doc.authors)),
            }
        )
    serialized = builder.build().serialize()
    for _ref, elements in serialized["fieldVectors"]:
        for i in range(1, len(elements), 2):
            elements[i] = round(elements[i], decimals)
    for _term, posting in serialized["invertedIndex"]:
        for name, _boost in FIELDS:
            posting[name] = _js_key_order(posting[name])
    return serialized


def build_shard(docs: Sequence[ShardDoc], decimals: int = DECIMALS) -> bytes:
    """The shard file's bytes: the index and the document store, deterministic JSON."""
    store = {
        ref_for(number): {
            "title": doc.title,
            "url": doc.url,
            "date": doc.date,
            "topics": list(doc.topics),
            "snippet": snippet(doc.abstract, SNIPPET_CHARS),
        }
        for number, doc in enumerate(docs)
    }
    return dumps({"index": build_index(docs, decimals), "docs": store})


def dumps(data: Any) -> bytes:
    """Compact JSON in UTF-8; ASCII escapes only if a stem ended up as a lone surrogate (JS-faithful)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")

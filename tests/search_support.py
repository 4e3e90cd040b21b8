"""Test oracles for search: the Python twin of static/js/query-normalize.js, and lunr.py over a built index.

Only tests use these (the browser runs the JavaScript), so they live here rather than in the package:
`normalize_query` is compared character for character with the JavaScript version; `read_search` puts a
built `search/` folder's parts back together into one lunr index (and its documents), and `search` gives
lunr.py's answer on it, which lunr.js in the browser must match.

lunr trims nothing off query terms, so `survey?` or `grokking,` look up "survey?" and find nothing, and
a colon, tilde or caret anywhere is query syntax (`Grokking: a study` asks for an unknown field and raises).
`normalize_query` keeps lunr's syntax where it is meant (`title:x`, `+must`, `-must_not`, `prefix*`,
`typo~1`, `word^10`) and turns every other piece of punctuation into what the index did with it.

The rule, shared character for character with the JavaScript version (tests/test_search_parity.py runs
both over the same strings):
1. Split the query on whitespace (the union of Python's and JavaScript's whitespace).
2. In each chunk, a leading `+` or `-` is the presence; then `name:` is a field when `name` (any case) is
   one of the index's fields; then a trailing run of `~N` / `^N` are the edit distance (at most 2, more
   would make lunr expand a huge automaton) and the boost (at most 1000).
3. What remains is split on the word-breaking punctuation the index also splits on (`index.BREAK_CHARS`:
   - : ~ ^ / \\ | ( ) [ ] { } < > = , ; ! ? " & ' and U+2019). Each piece loses the characters at its
   ends that are not letters, marks, numbers, `_` or `*`; a piece left empty or only `*` is dropped.
4. Every piece carries the chunk's presence, field and suffix; pieces are joined with single spaces.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lunr.exceptions import BaseLunrException
from lunr.index import Index

import generator.search.stemmer  # noqa: F401  (registers the lunr.js-compatible "stemmer")
from generator.search.index import BREAK_CHARS, FIELDS, SearchDoc, ref_for
from generator.search.query import SPACE_RE, trim_term

FIELD_NAMES: tuple[str, ...] = tuple(name for name, _boost in FIELDS)
MAX_EDIT_DISTANCE = 2
MAX_BOOST = 1000

_FIELD_RE = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_SUFFIX_RE = re.compile(r"(.*?)((?:~[0-9]+|\^[0-9]+)+)", re.DOTALL)
_MODIFIER_RE = re.compile(r"([~^])([0-9]+)")
_SPLIT_RE = re.compile(f"[{re.escape(BREAK_CHARS)}]+")


def _suffix(modifiers: str) -> str:
    out = []
    for kind, digits in _MODIFIER_RE.findall(modifiers):
        limit = MAX_EDIT_DISTANCE if kind == "~" else MAX_BOOST
        out.append(f"{kind}{min(int(digits), limit)}")
    return "".join(out)


def normalize_query(query: str, fields: Iterable[str] = FIELD_NAMES) -> str:
    """The query with punctuation trimmed off its terms and lunr's syntax kept (rule in the module doc)."""
    known = set(fields)
    out: list[str] = []
    for chunk in SPACE_RE.split(query):
        presence = ""
        if chunk[:1] in ("+", "-") and chunk:
            presence, chunk = chunk[0], chunk[1:]
        field = ""
        if (m := _FIELD_RE.fullmatch(chunk)) and m[1].lower() in known:
            field, chunk = m[1].lower() + ":", m[2]
        suffix = ""
        if m := _SUFFIX_RE.fullmatch(chunk):
            chunk, suffix = m[1], _suffix(m[2])
        for piece in _SPLIT_RE.split(chunk):
            term = trim_term(piece)
            if term.strip("*"):
                out.append(f"{presence}{field}{term}{suffix}")
    return " ".join(out)


@dataclass(frozen=True)
class Hit:
    """One search result: its ref and lunr's score."""

    ref: str
    score: float


@dataclass(frozen=True)
class SiteSearch:
    """A built search index put back together: the whole serialized lunr index, lunr.py's Index of it, and
    the documents by number (a ref is its document's number in base 36)."""

    serialized: dict[str, Any]
    index: Index
    docs: list[dict[str, Any]]

    def doc(self, ref: str) -> dict[str, Any]:
        return self.docs[int(ref, 36)]


def read_search(folder: Path) -> SiteSearch:
    """The `search/` folder of a built site (generator/search/parts.py's files) as one index: every
    postings part gives its terms' postings and their scores, which are the field vectors' entries."""
    entry = json.loads((folder / "index.json").read_bytes())
    fields = entry["fields"]
    inverted: list[list[Any]] = []
    vectors: dict[str, list[tuple[int, float]]] = {}
    for _first, digest in entry["postings"]:
        for term, number, *per_field in json.loads((folder / f"p-{digest}.json").read_bytes()):
            posting: dict[str, Any] = {}
            for name, flat in zip(fields, per_field, strict=True):
                posting[name] = {ref: {} for ref in flat[0::2]}
                for ref, score in zip(flat[0::2], flat[1::2], strict=True):
                    vectors.setdefault(f"{name}/{ref}", []).append((number, score))
            posting["_index"] = number
            inverted.append([term, posting])
    docs = [
        doc
        for digest in entry["docs"]["files"]
        for doc in json.loads((folder / f"d-{digest}.json").read_bytes())
    ]
    field_vectors = []
    for number in range(entry["papers"]):
        ref = ref_for(number)
        for name in fields:
            pairs = sorted(vectors.get(f"{name}/{ref}", []))
            field_vectors.append([f"{name}/{ref}", [x for pair in pairs for x in pair]])
    serialized = {
        "version": "2.3.9",
        "fields": fields,
        "fieldVectors": field_vectors,
        "invertedIndex": inverted,
        "pipeline": entry["pipeline"],
    }
    return SiteSearch(serialized, load_lunr_py(serialized), docs)


def load_lunr_py(serialized: dict[str, Any]) -> Index:
    """lunr.py's Index of a serialized index. Its terms are in JavaScript's order (lunr.js needs it), and
    lunr.py wants its own (code point) order; the two differ only for rare terms (see lunr_direct)."""
    by_code_point = sorted(serialized["invertedIndex"], key=lambda pair: pair[0])
    return Index.load({**serialized, "invertedIndex": by_code_point})


def search(site: SiteSearch, query: str) -> list[Hit]:
    """Normalize the query and run it with lunr.py; a query lunr still cannot parse (none should remain
    after normalizing) gives no hits."""
    normalized = normalize_query(query)
    if not normalized:
        return []
    try:
        results = site.index.search(normalized)
    except BaseLunrException:
        return []
    return [Hit(r["ref"], r["score"]) for r in results]


def corpus_docs(corpus: Path, count: int) -> list[SearchDoc]:
    """The first `count` records of an arXiv JSONL corpus as search documents, a hundred per day."""
    docs = []
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for number, line in zip(range(count), lines, strict=False):
            record = json.loads(line)
            docs.append(
                SearchDoc(
                    title=record.get("title") or "",
                    url=f"papers/{number}/",
                    date=f"2026-08-{31 - number // 100:02d}",
                    topics=tuple(record.get("categories") or ()),
                    authors=tuple(record.get("authors") or ()),
                    abstract=record.get("summary") or "",
                )
            )
    return docs

"""Test oracles for search: the Python twin of static/js/query-normalize.js, and search over shards.

Only tests use these (the browser runs the JavaScript), so they live here rather than in the package:
`normalize_query` is compared character for character with the JavaScript version, and `search` gives
lunr.py's answer, which lunr.js in the browser must match.

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

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lunr.exceptions import BaseLunrException
from lunr.index import Index

import generator.search.stemmer  # noqa: F401  (registers the lunr.js-compatible "stemmer")
from generator.search.index import BREAK_CHARS, FIELDS
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
    """One search result: the shard it came from (position in the manifest), its ref and lunr's score."""

    shard: int
    ref: str
    score: float


def load_index(shard: bytes | str | dict[str, Any]) -> Index:
    """A lunr.py Index from a shard file's content (or its parsed JSON)."""
    data = json.loads(shard) if isinstance(shard, bytes | str) else shard
    return Index.load(data["index"])


def search(indexes: Sequence[Index], query: str) -> list[Hit]:
    """Normalize the query, run it on every shard, and merge the hits by score (ties: newer shard first).

    A query lunr still cannot parse (none should remain after normalizing) gives no hits.
    """
    normalized = normalize_query(query)
    if not normalized:
        return []
    hits: list[Hit] = []
    for number, index in enumerate(indexes):
        try:
            results = index.search(normalized)
        except BaseLunrException:
            return []
        hits.extend(Hit(number, r["ref"], r["score"]) for r in results)
    return sorted(hits, key=lambda hit: -hit.score)

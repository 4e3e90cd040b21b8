"""The search query a page links to: an author's papers (`authors:` terms) from the author's name.

Queries typed by readers are normalized in the browser (static/js/query-normalize.js; its Python twin,
a test oracle, is tests/search_support.py). The space and punctuation rules here are the index's own,
so a name splits where the index split it.
"""

from __future__ import annotations

import re
import unicodedata

from generator.search.index import BREAK_CHARS

_SPACE = "[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
#: Whitespace as both Python and JavaScript see it.
SPACE_RE = re.compile(_SPACE)


def _keep(char: str) -> bool:
    return char in "_*" or unicodedata.category(char)[0] in "LMN"


def trim_term(piece: str) -> str:
    """A piece of a query without the characters at its ends that are not letters, marks, numbers, `_`
    or `*` (what the index drops too)."""
    start, end = 0, len(piece)
    while start < end and not _keep(piece[start]):
        start += 1
    while end > start and not _keep(piece[end - 1]):
        end -= 1
    return piece[start:end]


# A name's words for an author search: split where the index splits words (spaces, hyphens and the rest
# of its word-breaking punctuation).
_NAME_SPLIT_RE = re.compile(f"(?:{_SPACE}|[{re.escape(BREAK_CHARS)}])+")


def author_query(name: str) -> str:
    """The search query for one author: `authors:<word>` for each word of the name.

    One term per word, because lunr's query parser splits `authors:Jean-Baptiste` at the hyphen and
    searches the second part in every field; each word is trimmed of punctuation ("J." is `J`), and of
    `*` and `_`, which are query syntax, not part of a name.
    """
    terms: list[str] = []
    for piece in _NAME_SPLIT_RE.split(name):
        word = trim_term(piece).strip("*_")
        if word and f"authors:{word}".casefold() not in (t.casefold() for t in terms):
            terms.append(f"authors:{word}")
    return " ".join(terms)

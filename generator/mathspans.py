"""Where the formulas of a Markdown paragraph are: one span rule shared by rendering, escaping and
plain text.

`find_math` mirrors the renderer's rule (the dollarmath plugin's, with its digit rule relaxed for prices,
see `dollar_span_end`), so ingest escapes exactly the `$` that would open math the abstract did not mean,
and the tests pin the rule and the renderer together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it.common.utils import isWhiteSpace

# --- the span rule ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MathSpan:
    """One formula in a Markdown paragraph: `source[start:end]` with its delimiters."""

    start: int
    end: int
    tex: str
    display: bool
    markup: str  # "$", "$$" or "\\("


_MATH_OR_ESCAPE_RE = re.compile(r"[\\$]")


def find_math(paragraph: str) -> list[MathSpan]:
    """The formulas `render` finds in one paragraph (a Markdown inline run) that has no code spans, links,
    autolinks or raw HTML: the dollarmath rule (`$...$`, `$$...$$`), `\\(...\\)`, backslash escapes.

    It is also the rule for plain text: `escape_text` keeps exactly these spans verbatim."""
    spans: list[MathSpan] = []
    limit = len(paragraph)
    pos = 0
    while True:
        found = _MATH_OR_ESCAPE_RE.search(paragraph, pos)
        if not found:
            return spans
        at = found.start()
        if paragraph[at] == "\\":
            end = paren_span_end(paragraph, at, limit) if paragraph.startswith("\\(", at) else -1
            if end < 0:
                pos = at + 2  # a backslash escape takes the next character, whatever it is
                continue
            spans.append(MathSpan(at, end, paragraph[at + 2 : end - 2], False, "\\("))
            pos = end
            continue
        end = dollar_span_end(paragraph, at, limit)
        if end < 0:
            pos = at + 1
            continue
        double = paragraph[at + 1] == "$"
        inner = paragraph[at + 2 : end - 2] if double else paragraph[at + 1 : end - 1]
        spans.append(MathSpan(at, end, inner, double, "$$" if double else "$"))
        pos = end


def dollar_span_end(src: str, start: int, limit: int) -> int:
    """Where the `$` (or `$$`) formula opening at `start` ends, or -1: the dollarmath plugin's inline rule
    (allow_space=False, double_inline=True), plus: no digit right after the closing `$` of a formula that
    starts with a digit (`$5-$10`), and the closing `$` within `limit`. tests/test_math.py checks it
    against the plugin on random input."""
    n = len(src)
    if start + 1 >= n or isWhiteSpace(ord(src[start + 1])):
        return -1
    if _is_escaped(src, start):
        return -1
    double = src[start + 1] == "$"
    pos = start + 2 if double else start + 1
    while True:
        # The plugin walks every `$`; for `$$` looking for "$$" directly gives the same closing, and keeps
        # a paragraph of unclosed `$$` from costing quadratic time in Python.
        end = src.find("$$" if double else "$", pos)
        if end < 0:
            return -1
        if _is_escaped(src, end):
            pos = end + 1
            continue
        if double:
            end += 1
        break
    if isWhiteSpace(ord(src[end - 1])):
        return -1
    if end + 1 < n and src[end + 1].isdigit() and src[start + 2 if double else start + 1].isdigit():
        return -1
    if end - (start + 2 if double else start + 1) - (1 if double else 0) <= 0:
        return -1  # empty
    if end + 1 > limit:
        return -1
    return end + 1


def _is_escaped(src: str, pos: int) -> bool:
    """The plugin's test: an odd number of backslashes before `pos` (its loop reads `src[-1]` once when the
    backslashes reach the start; mirrored, since a paragraph never both starts with them and ends in one)."""
    backslashes = 0
    back = pos
    while back >= 0:
        back -= 1
        if src[back] == "\\":
            backslashes += 1
        else:
            break
    return backslashes % 2 == 1


def paren_span_end(src: str, start: int, limit: int) -> int:
    """Where the `\\(` formula opening at `start` ends (after its `\\)`), or -1. Backslashes inside pair
    up as TeX reads them: the `\\)` of `\\\\)` does not close."""
    pos = start + 2
    while True:
        close = src.find("\\)", pos, limit)
        if close < 0:
            return -1
        run = close
        while run > start + 2 and src[run - 1] == "\\":
            run -= 1
        if (close - run) % 2 == 0:
            return close + 2 if src[start + 2 : close].strip() else -1
        pos = close + 1


_BRACE_SCAN_RE = re.compile(r"[\\${}]")


def closing_brace(src: str, start: int, limit: int) -> int:
    """The `}` that closes the `{` at `start - 1`, or -1; formulas and backslash escapes inside count as
    one unit, as the inline parser reads them."""
    close = _brace_pairs(src).get(start - 1, -1)
    return close if close < limit else -1


@lru_cache(maxsize=16)
def _brace_pairs(src: str) -> dict[int, int]:
    """Every matched `{` of a paragraph and its `}`, in one pass (the parser lands on each `\\emph{` of a
    paragraph, and scanning ahead from each would be quadratic in unclosed ones)."""
    pairs: dict[int, int] = {}
    opened: list[int] = []
    n = len(src)
    pos = 0
    while True:
        found = _BRACE_SCAN_RE.search(src, pos)
        if not found:
            return pairs
        at = found.start()
        ch = src[at]
        if ch == "\\":
            end = paren_span_end(src, at, n) if src.startswith("\\(", at) else -1
            pos = end if end > 0 else at + 2
        elif ch == "$":
            end = dollar_span_end(src, at, n)
            pos = end if end > 0 else at + 1
        else:
            if ch == "{":
                opened.append(at)
            elif opened:
                pairs[opened.pop()] = at
            pos = at + 1

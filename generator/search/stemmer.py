"""The Porter stemmer exactly as lunr.js 2.3.9 runs it, and a trimmer for the build pipeline.

Why our own: lunr.py 0.8 ships the reference C Porter stemmer, which differs from lunr.js's regex version
on words ending in `y` ("survey" -> "survei" in Python, "survey" in lunr.js; "try" -> "try" against "tri").
The index is built in Python but queried in the browser, so a word stemmed differently on the two sides
is never found. This module re-implements lunr.js's rules (same regular expressions, same order) and
registers the function under the label "stemmer", so a serialized index still names "stemmer" and lunr.js
uses its own, identical one. Registering replaces lunr.py's stemmer for `lunr.Index.load` too.

Details that matter for exact agreement: JavaScript strings are UTF-16, so a word is stemmed as its
UTF-16 code units (a character outside the BMP counts as two consonants); JavaScript's `.` and `$` do not
match line terminators or before a final newline, so the patterns below avoid Python's laxer `.`/`$`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lunr.pipeline import Pipeline
from lunr.token import Token

_ANY = r"[^\n\r\u2028\u2029]"  # JavaScript's `.`
_END = r"\Z"  # JavaScript's `$` without the m flag

_c = "[^aeiou]"  # consonant
_v = "[aeiouy]"  # vowel
_C = _c + "[^aeiouy]*"  # consonant sequence
_V = _v + "[aeiou]*"  # vowel sequence

_MGR0 = re.compile(f"^({_C})?{_V}{_C}")  # measure > 0
_MEQ1 = re.compile(f"^({_C})?{_V}{_C}({_V})?{_END}")  # measure == 1
_MGR1 = re.compile(f"^({_C})?{_V}{_C}{_V}{_C}")  # measure > 1
_S_V = re.compile(f"^({_C})?{_v}")  # a vowel in the stem

_STEP1A = re.compile(f"^({_ANY}+?)(ss|i)es{_END}")
_STEP1A_2 = re.compile(f"^({_ANY}+?)([^s])s{_END}")
_STEP1B = re.compile(f"^({_ANY}+?)eed{_END}")
_STEP1B_2 = re.compile(f"^({_ANY}+?)(ed|ing){_END}")
_AT_BL_IZ = re.compile(f"(at|bl|iz){_END}")
_DOUBLE = re.compile(f"([^aeiouylsz])\\1{_END}")
_CVC = re.compile(f"^{_C}{_v}[^aeiouwxy]{_END}")
_STEP1C = re.compile(f"^({_ANY}+?[^aeiou])y{_END}")

_STEP2 = {
    "ational": "ate",
    "tional": "tion",
    "enci": "ence",
    "anci": "ance",
    "izer": "ize",
    "bli": "ble",
    "alli": "al",
    "entli": "ent",
    "eli": "e",
    "ousli": "ous",
    "ization": "ize",
    "ation": "ate",
    "ator": "ate",
    "alism": "al",
    "iveness": "ive",
    "fulness": "ful",
    "ousness": "ous",
    "aliti": "al",
    "iviti": "ive",
    "biliti": "ble",
    "logi": "log",
}
_STEP3 = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": ""}
# The alternation order is lunr.js's: the regex engine takes the first alternative that lets the match
# succeed, so the order decides between overlapping suffixes (e.g. "ization" before "ation").
_STEP2_RE = re.compile(f"^({_ANY}+?)({'|'.join(_STEP2)}){_END}")
_STEP3_RE = re.compile(f"^({_ANY}+?)({'|'.join(_STEP3)}){_END}")
_STEP4 = "al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize"
_STEP4_RE = re.compile(f"^({_ANY}+?)({_STEP4}){_END}")
_STEP4_ION = re.compile(f"^({_ANY}+?)(s|t)(ion){_END}")
_STEP5 = re.compile(f"^({_ANY}+?)e{_END}")
_LL = re.compile(f"ll{_END}")


def _porter(w: str) -> str:
    """lunr.js's porterStemmer over a string of UTF-16 code units (see `js_stem`)."""
    if len(w) < 3:
        return w
    first_y = w[0] == "y"
    if first_y:
        w = "Y" + w[1:]

    # Step 1a: plurals.
    if (m := _STEP1A.match(w)) or (m := _STEP1A_2.match(w)):
        w = m[1] + m[2]

    # Step 1b: -eed, -ed, -ing.
    if m := _STEP1B.match(w):
        if _MGR0.search(m[1]):
            w = w[:-1]
    elif m := _STEP1B_2.match(w):
        stem = m[1]
        if _S_V.search(stem):
            w = stem
            if _AT_BL_IZ.search(w):
                w += "e"
            elif _DOUBLE.search(w):
                w = w[:-1]
            elif _CVC.search(w):
                w += "e"

    # Step 1c: a final y after a consonant (not the first letter) becomes i.
    if m := _STEP1C.match(w):
        w = m[1] + "i"

    # Steps 2 and 3: map double suffixes to single ones when the stem's measure is > 0.
    if (m := _STEP2_RE.match(w)) and _MGR0.search(m[1]):
        w = m[1] + _STEP2[m[2]]
    if (m := _STEP3_RE.match(w)) and _MGR0.search(m[1]):
        w = m[1] + _STEP3[m[2]]

    # Step 4: drop a suffix when the measure is > 1.
    if m := _STEP4_RE.match(w):
        if _MGR1.search(m[1]):
            w = m[1]
    elif (m := _STEP4_ION.match(w)) and _MGR1.search(m[1] + m[2]):
        w = m[1] + m[2]

    # Step 5: a final e, then a final double l.
    if m := _STEP5.match(w):
        stem = m[1]
        if _MGR1.search(stem) or (_MEQ1.search(stem) and not _CVC.search(stem)):
            w = stem
    if _LL.search(w) and _MGR1.search(w):
        w = w[:-1]

    if first_y:
        w = "y" + w[1:]
    return w


def _to_utf16_units(word: str) -> str:
    """The word with each non-BMP character replaced by its two surrogates, as JavaScript sees it."""
    out = []
    for char in word:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF)))
        else:
            out.append(char)
    return "".join(out)


def _from_utf16_units(units: str) -> str:
    """Join surrogate pairs back into characters (a lone surrogate stays, as in JavaScript)."""
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


@lru_cache(maxsize=200_000)
def js_stem(word: str) -> str:
    """The stem lunr.js 2.3.9's `lunr.stemmer` gives this (lower-cased) word."""
    if word.isascii():
        return _porter(word)
    if all(ord(char) <= 0xFFFF for char in word):
        return _porter(word)
    return _from_utf16_units(_porter(_to_utf16_units(word)))


def stemmer(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token:
    """Pipeline function: stem the token the way lunr.js does."""
    return token.update(lambda s, _metadata=None: js_stem(s))


def is_word_char(char: str) -> bool:
    """A letter, mark, number or underscore: what the trimmer and the query normalizer keep at edges.

    Unicode-aware on purpose (lunr.js's trimmer uses ASCII `\\W`, which would cut "café" to "caf"); the
    JavaScript twin is `/[\\p{L}\\p{M}\\p{N}_]/u` in static/js/query-normalize.js.
    """
    return char == "_" or unicodedata.category(char)[0] in "LMN"


@lru_cache(maxsize=200_000)
def trim(word: str) -> str:
    """Strip everything that is not a word character off both ends of a token."""
    start, end = 0, len(word)
    while start < end and not is_word_char(word[start]):
        start += 1
    while end > start and not is_word_char(word[end - 1]):
        end -= 1
    return word[start:end]


def trimmer(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token | None:
    """Build-pipeline function replacing lunr.py's trimmer, which leaves `model's,` untrimmed.

    A token that is all punctuation (a lone dash, "%") is dropped rather than indexed as the empty term.
    Only the build pipeline uses it, and the build pipeline is not serialized, so lunr.js never needs it.
    """
    token.update(lambda s, _metadata=None: trim(s))
    return token if token.string else None


def _register(fn: Callable[..., Any], label: str) -> None:
    """Register a pipeline function, quietly replacing lunr.py's function of the same label."""
    if Pipeline.registered_functions.get(label) is fn:
        return
    logger = logging.getLogger("lunr.pipeline")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        Pipeline.register_function(fn, label)
    finally:
        logger.setLevel(level)


_register(stemmer, "stemmer")
_register(trimmer, "digestTrimmer")

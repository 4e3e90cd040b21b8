"""The only changes ingest makes to a digest's words: LaTeX residue that no reader wants to see.

Abstracts copied from arXiv carry TeX quoting (``like this'') and escaped percent signs (\\%). These
are turned into the characters they stand for; nothing else in titles or abstracts is altered beyond
collapsing whitespace. The README lists these rules.
"""

from __future__ import annotations

import re
import unicodedata


def normalize_latex_residue(text: str) -> str:
    """``x'' becomes “x”, and \\% becomes %.

    A plain scan rather than the regex ``(.*?)'', which retries from every `` that no '' follows and so
    takes minutes on hostile text (200,000 backquotes); this is linear and gives the same result.
    """
    out: list[str] = []
    pos = 0
    while (start := text.find("``", pos)) >= 0 and (end := text.find("''", start + 2)) >= 0:
        out += [text[pos:start], "\u201c", text[start + 2 : end], "\u201d"]
        pos = end + 2
    out.append(text[pos:])
    return "".join(out).replace("\\%", "%")


# TeX accent commands as arXiv metadata writes them (`Hern\'andez`, `Erd\H{o}s`, `{\"u}`), mapped to the
# Unicode combining mark they stand for; NFC then composes the letter.
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
_ACCENT_RE = re.compile(
    r"\{?\\([`'^\"~=.])\s*\{?([A-Za-z]|\\[ij])\}?\}?"  # \'a  \'{a}  {\'a}  \'\i
    r"|\{?\\([uvHckr])(?:\{([A-Za-z]|\\[ij])\}|\s+([A-Za-z]))\}?"  # \v{c}  \c c  {\H{o}}
)
_LETTERS = {
    r"\ss": "ß",
    r"\o": "ø",
    r"\O": "Ø",
    r"\l": "ł",
    r"\L": "Ł",
    r"\ae": "æ",
    r"\AE": "Æ",
    r"\aa": "å",
    r"\AA": "Å",
    r"\oe": "œ",
    r"\OE": "Œ",
}
_LETTER_RE = re.compile(
    r"\{?(" + "|".join(re.escape(k) for k in sorted(_LETTERS, key=len, reverse=True)) + r")(?![A-Za-z])\}?\s?"
)


def tex_accents(text: str) -> str:
    """`Hern\\'andez` becomes Hernández: TeX accents and special letters in names and titles."""
    if "\\" not in text:
        return text

    def accent(match: re.Match[str]) -> str:
        command = match.group(1) or match.group(3)
        letter = match.group(2) or match.group(4) or match.group(5)
        letter = {"\\i": "i", "\\j": "j"}.get(letter, letter)
        return unicodedata.normalize("NFC", letter + _ACCENTS[command])

    text = _ACCENT_RE.sub(accent, text)
    return _LETTER_RE.sub(lambda m: _LETTERS[m.group(1)], text)

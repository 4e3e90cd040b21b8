"""One formula, TeX to MathML and TeX to words: what `generator.markdown` renders and indexes for math.

latex2mathml converts; its own string output unescapes `<` and `&` and passes `\\href`/`\\style` through,
so the tree is serialised here: escaped text, MathML presentation elements and attributes only. A
formula it cannot convert faithfully (an exception, an unknown command left as text, a fraction with one
part, prose between two unpaired `$`) gives None, and the page shows its source instead. `tex_words`
reduces a formula to the readable words search and snippets keep (`O(n \\log n)` to `O(n log n)`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from xml.etree.ElementTree import Element

from latex2mathml.converter import convert_to_element
from latex2mathml.symbols_parser import convert_symbol
from markdown_it.common.utils import escapeHtml


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- TeX to MathML ------------------------------------------------------------------------------------

# What latex2mathml emits for the TeX it knows; anything else means it went wrong.
_MATHML_TAGS = _names(
    "math mrow mi mn mo mtext mspace ms msub msup msubsup munder mover munderover mfrac msqrt mroot mstyle "
    "merror mpadded mphantom menclose mtable mtr mtd mlabeledtr mmultiscripts mprescripts none"
)
# How many parts each layout element needs (`\\frac{a}` gives an <mfrac> with one).
_ARITY = {
    **dict.fromkeys(("mfrac", "mroot", "msub", "msup", "munder", "mover"), 2),
    **dict.fromkeys(("msubsup", "munderover"), 3),
}
# Presentation attributes only: `\href`, `\class` and `\style` (href, class, style) are dropped.
_MATHML_ATTRS = _names(
    "display mathvariant stretchy fence separator form largeop movablelimits accent accentunder minsize "
    "maxsize symmetric width height depth voffset lspace rspace linebreak displaystyle scriptlevel "
    "columnalign columnlines columnspacing rowalign rowlines rowspacing frame framespacing linethickness "
    "notation mathcolor mathbackground"
)
_TOKEN_TAGS = _names("mi mn mo mtext ms")
_LENGTH_ATTRS = _names("width height depth voffset lspace rspace minsize maxsize columnspacing rowspacing")
_LENGTH_RE = re.compile(
    r"[+-]?(?:\d+\.?\d*|\.\d+)(?:em|ex|px|in|cm|mm|pt|pc|%)?"
    r"|(?:negative)?(?:very){0,2}(?:thin|thick)mathspace|(?:negative)?mediummathspace|0|infinity"
)
_MU_RE = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))mu")
_CHAR_REF_RE = re.compile(r"&#x([0-9A-Fa-f]{1,6});")
_COMMAND_IN_TEXT_RE = re.compile(r"\\[A-Za-z]*")
_BEGIN_RE = re.compile(r"\\begin\s*\{([^{}]*)\}")
_KNOWN_ENVIRONMENTS = _names(
    "matrix matrix* pmatrix pmatrix* bmatrix bmatrix* Bmatrix Bmatrix* vmatrix vmatrix* Vmatrix Vmatrix* "
    "array substack cases smallmatrix split align align*"
)


# An inline formula longer than this (in characters shown) may not fit a phone's line: it gets
# class="wide", which site.css makes scroll sideways on its own instead of widening the page.
_WIDE_INLINE = 30
_TAG_RE = re.compile(r"<[^>]*>")


class _NotConverted(Exception):
    """latex2mathml produced output that does not show the formula (the reason is the message)."""


def tex_to_mathml(tex: str, display: bool = False) -> str | None:
    """`<math display="inline|block">` for `tex`, or None when latex2mathml cannot convert it faithfully.

    Cached: a 10k-paper build meets `$n$` thousands of times."""
    return _convert(tex, display)[0]


def tex_failure(tex: str, display: bool = False) -> str | None:
    """Why `tex` does not convert (a short reason, for measuring), or None when it does."""
    return _convert(tex, display)[1]


# Small repairs before converting, each for TeX that latex2mathml gets wrong and abstracts often hold.
_TEX_REPAIRS = (
    # A bare `%` starts a TeX comment, and latex2mathml silently drops the rest of the formula; in an
    # abstract (`$54.5%$`) it means per cent.
    (re.compile(r"(?<!\\)((?:\\\\)*)%"), r"\1\\%"),
    (re.compile(r"\\arg(?![A-Za-z])"), r"\\operatorname{arg}"),
    # Font sizes (`\mbox{\tiny b}`) do not matter in an abstract.
    (re.compile(r"\\(?:tiny|scriptsize|footnotesize|small|normalsize|large|Large|LARGE|huge|Huge)\b\s*"), ""),
)
# In text mode (`\text{11.7\%}`) latex2mathml keeps the backslash of an escaped character.
_TEXT_ARGUMENT_RE = re.compile(r"(\\(?:text[a-z]*|mbox|emph)\s*\{)([^{}]*)\}")
_TEXT_ESCAPE_RE = re.compile(r"\\([%_&#$])")


# Three words in a row, outside `\text{...}` and commands: prose between two `$`s that do not pair up
# (`$\pm$0.01 ... $x$`) or TeX that lost its backslashes (`$textbf{a} and textbf{b}$`), not a formula.
# As MathML it would be one unbreakable line of italic letters.
_NOT_WORDS_RE = re.compile(
    r"\\(?:text[a-z]*|mbox|mathrm|operatorname\*?|mathit|mathsf|mathtt|mathbf|emph)\s*\{[^{}]*\}"
    r"|\\[A-Za-z]+|[{}]"
)
_PROSE_RE = re.compile(r"[A-Za-z]{2,}[,.;:]?\s+[A-Za-z]{2,}[,.;:]?\s+[A-Za-z]{2,}")


def _repair(tex: str) -> str:
    if "%" in tex or "\\" in tex:
        for pattern, replacement in _TEX_REPAIRS:
            tex = pattern.sub(replacement, tex)
        tex = _TEXT_ARGUMENT_RE.sub(lambda m: m.group(1) + _TEXT_ESCAPE_RE.sub(r"\1", m.group(2)) + "}", tex)
    return tex


@lru_cache(maxsize=32768)
def _convert(tex: str, display: bool) -> tuple[str | None, str | None]:
    source = _repair(tex.strip())
    try:
        if _PROSE_RE.search(_NOT_WORDS_RE.sub(" ", source)):
            raise _NotConverted("prose, not a formula (unpaired $?)")
        for environment in _BEGIN_RE.findall(source):
            if environment.strip() not in _KNOWN_ENVIRONMENTS:
                raise _NotConverted(f"unknown environment {environment.strip()}")
        element = convert_to_element(source, display="block" if display else "inline")
        out: list[str] = []
        _serialize(element, out)
    except _NotConverted as error:
        return None, str(error)
    except Exception as error:  # latex2mathml raises many kinds, not all of them its own
        return None, type(error).__name__
    if not display and len(_TAG_RE.sub("", "".join(out))) > _WIDE_INLINE:
        out[0] = out[0].replace("<math ", '<math class="wide" ', 1)
    return "".join(out), None


def _serialize(element: Element, out: list[str]) -> None:
    """Write `element` as HTML, escaping every text and attribute (latex2mathml's own string output
    unescapes `<` and `&`, so `\\text{<script>}` would come out as a tag)."""
    tag = element.tag
    if tag not in _MATHML_TAGS:
        raise _NotConverted(f"element <{tag}>")
    children = list(element)
    if tag in _ARITY and len(children) != _ARITY[tag]:
        raise _NotConverted(f"<{tag}> with {len(children)} of {_ARITY[tag]} parts")
    attributes = element.attrib
    if children and tag in _TOKEN_TAGS:
        if tag != "mo" or (element.text or "").strip():
            raise _NotConverted(f"<{tag}> holding elements")
        tag, attributes = "mrow", {}  # `\mathbin{!n}` puts an <mrow> in an <mo>: keep the row
    attrs = "".join(
        f' {name}="{escapeHtml(_attribute(name, value))}"'
        for name, value in attributes.items()
        if name in _MATHML_ATTRS
    )
    out.append(f"<{tag}{attrs}>")
    if element.text:
        # Symbols come as `&#x...;` (`\backslash` too); a bare backslash is a command it did not know.
        command = _COMMAND_IN_TEXT_RE.search(element.text)
        if command:
            raise _NotConverted(f"unknown command {command.group(0)}")
        if tag == "mi" and element.text in ("{", "}", "&", "^", "_"):
            raise _NotConverted(f"stray {element.text}")
        out.append(escapeHtml(_decode(element.text)))
    for child in children:
        _serialize(child, out)
    out.append(f"</{tag}>")
    if element.tail and element.tail.strip():
        out.append(escapeHtml(_decode(element.tail)))


def _attribute(name: str, value: str) -> str:
    """The attribute's value, lengths checked (vnu rejects `width="["` from `\\rule[...]`) and TeX's
    `mu` (1/18 em, from `\\mkern-2mu`) turned into em."""
    value = _decode(value)
    if name not in _LENGTH_ATTRS:
        return value
    lengths = []
    for length in value.split():
        mu = _MU_RE.fullmatch(length)
        if mu:
            length = f"{float(mu.group(1)) / 18:.3f}em"
        elif not _LENGTH_RE.fullmatch(length):
            raise _NotConverted(f"bad length {length[:20]!r}")
        lengths.append(length)
    return " ".join(lengths)


def _decode(text: str) -> str:
    """latex2mathml writes symbols as `&#x...;` strings inside the tree; make them characters."""
    if "&#x" not in text:
        return _check_chars(text)
    return _check_chars(_CHAR_REF_RE.sub(lambda m: _char(int(m.group(1), 16)), text))


def _char(code: int) -> str:
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _NotConverted("invalid character reference")
    return chr(code)


def _check_chars(text: str) -> str:
    for ch in text:
        if (ch < " " and ch not in "\t\n") or "\x7f" <= ch <= "\x9f" or unicodedata.category(ch) == "Cn":
            raise _NotConverted("invalid character")
    return text


# --- TeX reduced to words -----------------------------------------------------------------------------

# Commands whose argument is the words (fonts, accents, text) or that only shape the formula.
_TEX_SILENT = _names(
    "mathcal mathbb mathbf mathrm mathit mathsf mathtt mathfrak mathscr mathbfit mathnormal boldsymbol bm "
    "pmb text textrm textbf textit textsf texttt textsc textnormal textup emph mbox hbox operatorname rm bf "
    "it cal sf tt hat tilde bar vec widehat widetilde overline underline dot ddot check breve acute grave "
    "overrightarrow overleftarrow mathring displaystyle textstyle scriptstyle scriptscriptstyle left right "
    "middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr limits nolimits mathop mathrel "
    "mathbin mathord mathpunct mathopen mathclose frac dfrac tfrac cfrac binom color boxed"
)
_TEX_SPACE = _names("quad qquad enspace thinspace medspace thickspace space hspace nonumber notag")
_TEX_TOKEN_RE = re.compile(r"\\(?:begin|end)\s*\{[^{}]*\}|\\[A-Za-z]+\*?|\\.|\}\s*\{|[{}&~]|[^\\{}&~]+", re.S)
_TEX_FRAC_RE = re.compile(r"\\[dtc]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")


@lru_cache(maxsize=32768)
def tex_words(tex: str) -> str:
    """`O(n \\log n)` -> `O(n log n)`: letters-like commands become their names, symbols their
    characters, fonts and layout vanish, braces go."""
    if "\\frac" in tex or "frac" in tex:
        tex = _TEX_FRAC_RE.sub(r"\1/\2", tex)
    out: list[str] = []
    for match in _TEX_TOKEN_RE.finditer(tex):
        token = match.group(0)
        if token[0] != "\\":
            if token[0] == "}" and len(token) > 1:
                out.append(" ")  # `}{`: two arguments
            elif token in "{}":
                continue
            elif token in "&~":
                out.append(" ")
            else:
                out.append(token)
            continue
        name = token[1:].rstrip("*")
        if not name[:1].isalpha():
            # \\ \, \; \! \  and escaped characters \{ \% \$ \_
            out.append(" " if name in ("\\", ",", ";", ":", "!", " ", "") else name)
            continue
        if "{" in name:  # \begin{env}, \end{env}
            out.append(" ")
            continue
        if name in _TEX_SILENT:
            continue
        if name in _TEX_SPACE:
            out.append(" ")
            continue
        word = _command_word(token)
        if word and (word[0].isalnum()) and out and out[-1][-1:].isalnum():
            out.append(" ")
        out.append(word)
        following = tex[match.end() : match.end() + 1]
        if word[-1:].isalnum() and (following.isalnum() or following == "{"):
            out.append(" ")
    return " ".join("".join(out).split())


@lru_cache(maxsize=4096)
def _command_word(command: str) -> str:
    """`\\alpha` -> `alpha`, `\\log` -> `log`, `\\leq` -> `≤`, `\\hat` -> `` (a combining accent)."""
    code = convert_symbol(command)
    name = command[1:].rstrip("*")
    if not code:
        return name
    try:
        char = chr(int(code, 16))
    except ValueError:
        return name
    category = unicodedata.category(char)
    if category.startswith("L"):
        return name
    if category.startswith("M"):
        return ""
    if category.startswith("Z"):
        return " "
    return char

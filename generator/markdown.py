"""Markdown in and out of content files: escaping abstracts so they stay text, and rendering bodies.

Abstracts are plain text, but a content file's body is Markdown so that people can edit it comfortably.
`escape_text` adds the fewest backslashes that make CommonMark render the text back exactly (a line
starting with `#`, `1.` or `---`, a `*word*`, a `<tag>`, an `&amp;` all stay literal), so the file stays
readable. `render` is the one renderer every stage uses: the CommonMark preset with raw HTML off.

arXiv abstracts are full of LaTeX, so bodies also carry math: `$...$` (inline), `$$...$$` (display) and
`\\(...\\)`, which `render` turns into MathML at build time (`generator.mathml`: latex2mathml, cached; no
JavaScript on the page). A formula that does not convert faithfully shows its source in
`<code class="tex">`. `\\emph{x}`, `\\textit{x}` and `\\textbf{x}` become emphasis.

`escape_text` keeps math spans verbatim, so an ingested `$\\mathcal{L}_{x}$` is not mangled by
backslash-escaping, and escapes a `$` only where it would otherwise open math the abstract did not mean.
The span rule (`generator.mathspans.find_math`) mirrors the renderer's and is shared by escaping,
`plain_text` and the tests that pin the two together.
`plain_text` gives the readable words of a body (math reduced to words) for search, snippets and related
papers, without a full Markdown parse for the bodies ingest writes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar

from generator.mathml import tex_to_mathml, tex_words
from generator.mathspans import closing_brace, dollar_span_end, find_math, paren_span_end

# Characters that start inline constructs anywhere in a line: code spans, emphasis, links/images,
# autolinks and raw HTML. `_` is handled separately because inside a word it is never emphasis.
_ALWAYS = set("`*[<")
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]*);")
_ORDERED_RE = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
# The closing delimiter of each kind of formula, by its opening one.
_CLOSING = {"$": "$", "$$": "$$", "\\(": "\\)"}
_ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


# --- rendering ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    # Prices are not math: no space just inside the `$`s (allow_space: "$5 and $10"), and a formula that
    # starts with a digit may not have a digit right after its closing `$` (`_dollar_rule`: "$5-$10").
    # `$$...$$` is display math wherever it stands (double_inline); the block rule is off, so math never
    # changes a body's paragraphs and `escape_text` only has inline spans to keep.
    dollarmath_plugin(
        md,
        allow_labels=False,
        allow_space=False,
        allow_digits=True,
        allow_blank_lines=False,
        double_inline=True,
    )
    md.block.ruler.disable("math_block")
    md.inline.ruler.at("math_inline", _dollar_rule)
    md.inline.ruler.before("escape", "math_paren", _paren_rule)
    md.inline.ruler.before("escape", "latex_emphasis", _latex_emphasis_rule)
    md.add_render_rule("math_inline", _render_math)
    md.add_render_rule("math_inline_double", _render_math)
    return md


def render(markdown: str) -> str:
    """Render a body to HTML: CommonMark, raw HTML shown as text, no typographic replacements, math as
    MathML (or its source in `<code class="tex">` when it does not convert)."""
    return _renderer().render(markdown)


# The plugin's rule, asked only after `dollar_span_end` agrees. The plugin's allow_digits=False refuses a
# digit on either side of the delimiters, which loses the common `3.5$\times$` and `$\pm$0.01` (on the
# 50k arXiv corpus, a `$` left unmatched that way pairs with the next one and turns 59 runs of prose into
# "formulas"); `dollar_span_end` refuses a digit after the closing `$` only when the formula starts with
# one, as a price range does. The plugin's closing `$` may also lie beyond `posMax` (inside `\emph{...}`,
# whose content is tokenized on its own); `dollar_span_end` keeps it within.
_dollar_inner = math_inline_dollar(allow_space=False, allow_digits=True, allow_double=True)


def _dollar_rule(state: StateInline, silent: bool) -> bool:
    src, start = state.src, state.pos
    if src[start] != "$" or dollar_span_end(src, start, state.posMax) < 0:
        return False
    # find_math agrees: let the plugin make its token (it moves state.pos past the span).
    return _dollar_inner(state, silent)


def _paren_rule(state: StateInline, silent: bool) -> bool:
    """`\\(...\\)`: inline math in LaTeX's own delimiters (`\\[...\\]` is left alone: bodies use `\\[` to
    escape a bracket)."""
    src, start = state.src, state.pos
    if not src.startswith("\\(", start):
        return False
    end = paren_span_end(src, start, state.posMax)
    if end < 0:
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = src[start + 2 : end - 2]
        token.markup = "\\("
    state.pos = end
    return True


_LATEX_EMPHASIS_RE = re.compile(r"\\(emph|textit|textbf)\{")
_LATEX_EMPHASIS_TAG = {"emph": "em", "textit": "em", "textbf": "strong"}


def _latex_emphasis_rule(state: StateInline, silent: bool) -> bool:
    """`\\emph{x}`, `\\textit{x}` -> <em>, `\\textbf{x}` -> <strong>; the content is Markdown too."""
    src, start = state.src, state.pos
    if src[start] != "\\":
        return False
    match = _LATEX_EMPHASIS_RE.match(src, start, state.posMax)
    if not match:
        return False
    close = closing_brace(src, match.end(), state.posMax)
    if close < 0:
        return False  # malformed: the escape rule shows it as text
    if not silent:
        tag = _LATEX_EMPHASIS_TAG[match.group(1)]
        state.push(f"{tag}_open", tag, 1).markup = match.group(0)
        old_max = state.posMax
        state.pos, state.posMax = match.end(), close
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push(f"{tag}_close", tag, -1).markup = "}"
    state.pos = close + 1
    return True


def _render_math(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    display = token.type == "math_inline_double"
    mathml = tex_to_mathml(token.content, display=display)
    if mathml is not None:
        return mathml
    closing = _CLOSING[token.markup]
    return f'<code class="tex">{escapeHtml(token.markup + token.content + closing)}</code>'


# --- escaping -----------------------------------------------------------------------------------------


def escape_paragraph(text: str) -> str:
    """Escape one paragraph (a single line, no line breaks) so it renders as exactly this text, its math
    spans (`find_math`) kept verbatim so that they render as math."""
    spans = find_math(text) if ("$" in text or "\\(" in text) else []
    pieces: list[str] = []
    dollars: list[int] = []  # indexes in `pieces` of the `$`s outside math
    kept: list[int] = []  # indexes in `pieces` of the math spans
    pos = 0
    for span in spans:
        _escape_run(text, pos, span.start, pieces, dollars)
        kept.append(len(pieces))
        pieces.append(text[span.start : span.end])
        pos = span.end
    _escape_run(text, pos, len(text), pieces, dollars)
    if not dollars and not kept:
        return _escape_line_start("".join(pieces))
    line = _keep_spans(pieces, dollars, kept)
    if line is None:  # not expected to happen: keep the text exact rather than its math
        pieces, dollars = [], []
        _escape_run(text, 0, len(text), pieces, dollars)
        line = _escape_line_start("".join("\\$" if i in dollars else p for i, p in enumerate(pieces)))
    return line


_ESCAPE_SCAN_RE = re.compile(r"[\\`*\[<_&$]")


def _escape_run(text: str, start: int, stop: int, out: list[str], dollars: list[int]) -> None:
    """Escape `text[start:stop]` (outside math) into `out`, one piece per `$`."""
    n = len(text)
    chunk: list[str] = []
    pos = start
    for found in _ESCAPE_SCAN_RE.finditer(text, start, stop):
        i = found.start()
        chunk.append(text[pos:i])
        pos = i + 1
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1] if i + 1 < n else ""
            chunk.append("\\\\" if nxt in _ASCII_PUNCT or nxt == "" else "\\")
        elif ch in _ALWAYS:
            chunk.append("\\" + ch)
        elif ch == "_":
            before = text[i - 1] if i > 0 else ""
            after = text[i + 1] if i + 1 < n else ""
            inside_word = before.isalnum() and after.isalnum()
            chunk.append("_" if inside_word else "\\_")
        elif ch == "&":
            chunk.append("\\&" if _ENTITY_RE.match(text, i) else "&")
        else:  # `$`: its own piece, escaped later only where needed
            out.append("".join(chunk))
            chunk = []
            dollars.append(len(out))
            out.append("$")
    chunk.append(text[pos:stop])
    out.append("".join(chunk))


def _keep_spans(pieces: list[str], dollars: list[int], kept: list[int]) -> str | None:
    """Join the pieces, escaping a `$` outside math only where the renderer would open a formula there.

    Escaping one `$` can make an earlier one open (it was its failed closing), so check again until the
    renderer's spans (`find_math`) are exactly the kept ones; None if that does not happen. After a few
    rounds every offending `$` of a round is escaped at once, so a hostile paragraph costs no more than
    a few passes."""
    for round_ in range(len(dollars) + 1):
        joined = "".join(pieces)
        line = _escape_line_start(joined)
        starts, offset = [], len(line) - len(joined)  # the line-start escape goes before any `$`
        for piece in pieces:
            starts.append(offset)
            offset += len(piece)
        wanted = {(starts[i], starts[i] + len(pieces[i])) for i in kept}
        found = find_math(line)
        strays = [s for s in found if (s.start, s.end) not in wanted]
        if not strays:
            return line if len(found) == len(wanted) else None
        at_dollar = {starts[i]: i for i in dollars if pieces[i] == "$"}
        for stray in strays if round_ >= 8 else strays[:1]:
            if stray.start not in at_dollar:
                return None
            pieces[at_dollar[stray.start]] = "\\$"
    return None


def _escape_line_start(line: str) -> str:
    """Neutralise block syntax at the start of a paragraph: headings, quotes, lists, rules, fences."""
    if not line:
        return line
    first = line[0]
    if first in "#>+-=~|":
        return "\\" + line
    ordered = _ORDERED_RE.match(line)
    if ordered:
        return ordered.group(1) + "\\" + line[len(ordered.group(1)) :]
    return line


def escape_text(text: str) -> str:
    """Escape an abstract of one or more paragraphs (separated by blank lines) into a Markdown body."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(escape_paragraph(p) for p in paragraphs if p)


# --- plain text ---------------------------------------------------------------------------------------

_MAX_NESTING = 20  # the CommonMark preset's maxNesting: deeper `\emph{` stays text
_PLAIN_SCAN_RE = re.compile(r"[\\$&*_`\[<]")
_BLOCK_START_RE = re.compile(r"[\s#>+\-=*_`~<|\[]|\d{1,9}[.)](?:\s|$)")
_TEXT_COMMAND_RE = re.compile(
    r"\\(?:emph|textit|textbf|textsc|texttt|textsl|textrm|textsf|textup|textmd|textnormal|underline|mbox)"
    r"\{([^{}$]*)\}"
)


def plain_text(markdown_body: str) -> str:
    """The readable words of a body, for search, snippets and related papers: math reduced to words
    (`$O(n \\log n)$` -> `O(n log n)`, `$\\mathcal{L}$` -> `L`), `\\emph{x}` -> `x`, Markdown escapes
    and markup removed, whitespace collapsed.

    Bodies as ingest writes them (escaped single-line paragraphs) take a fast scan; anything else (lists,
    links, `*emphasis*`, wrapped lines) goes through the Markdown parser."""
    words = _plain_fast(markdown_body)
    if words is None:
        words = _plain_parsed(markdown_body)
    if "\\" in words:
        words = _TEXT_COMMAND_RE.sub(r"\1", words)
    return " ".join(words.split())


def _plain_fast(body: str) -> str | None:
    parts: list[str] = []
    for paragraph in body.strip().split("\n\n"):
        if "\n" in paragraph or not paragraph or _BLOCK_START_RE.match(paragraph):
            return None
        if not _plain_inline(paragraph, 0, len(paragraph), parts):
            return None
        parts.append(" ")
    return "".join(parts)


def _plain_inline(src: str, start: int, stop: int, out: list[str], depth: int = 0) -> bool:
    """Append the text of `src[start:stop]` to `out`; False when it holds Markdown this scan does not
    model, or emphasis nested deeper than the parser follows it (then the caller parses the body)."""
    if depth >= _MAX_NESTING:
        return False
    pos = start
    while True:
        found = _PLAIN_SCAN_RE.search(src, pos, stop)
        if not found:
            out.append(src[pos:stop])
            return True
        at = found.start()
        out.append(src[pos:at])
        ch = src[at]
        if ch == "\\":
            if src.startswith("\\(", at):
                end = paren_span_end(src, at, stop)
                if end > 0:
                    out.append(formula_words(src[at + 2 : end - 2], src[at:end]))
                    pos = end
                    continue
            emphasis = _LATEX_EMPHASIS_RE.match(src, at, stop)
            if emphasis:
                close = closing_brace(src, emphasis.end(), stop)
                if close > 0:
                    if not _plain_inline(src, emphasis.end(), close, out, depth + 1):
                        return False
                    pos = close + 1
                    continue
            nxt = src[at + 1 : at + 2]
            out.append(nxt if nxt in _ASCII_PUNCT else "\\" + nxt)
            pos = at + 2
        elif ch == "$":
            end = dollar_span_end(src, at, stop)
            if end > 0:
                double = src[at + 1] == "$"
                tex = src[at + 2 : end - 2] if double else src[at + 1 : end - 1]
                out.append(formula_words(tex, src[at:end], display=double))
                pos = end
            else:
                out.append("$")
                pos = at + 1
        elif ch == "&":
            entity = _ENTITY_RE.match(src, at)
            if entity:
                out.append(html.unescape(entity.group(0)))
                pos = entity.end()
            else:
                out.append("&")
                pos = at + 1
        elif ch == "_" and 0 < at < len(src) - 1 and src[at - 1].isalnum() and src[at + 1].isalnum():
            out.append("_")
            pos = at + 1
        else:
            return False


def formula_words(tex: str, source: str, display: bool = False) -> str:
    """What search and snippets keep of a formula: its words when it renders as MathML, else `source`
    (the formula with its delimiters), which the page shows in its place: a snippet never says what the
    page does not."""
    return tex_words(tex) if tex_to_mathml(tex, display=display) is not None else source


def _plain_parsed(body: str) -> str:
    parts: list[str] = []
    for token in _renderer().parse(body):
        if token.type == "inline" and token.children:
            _plain_tokens(token.children, parts)
        elif token.type in ("code_block", "fence"):
            parts.append(token.content)
        parts.append(" ")
    return "".join(parts)


def _plain_tokens(tokens: Sequence[Token], out: list[str]) -> None:
    for token in tokens:
        if token.type in ("text", "text_special", "code_inline", "html_inline"):
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif token.type in ("math_inline", "math_inline_double"):
            closing = _CLOSING[token.markup]
            source = token.markup + token.content + closing
            out.append(formula_words(token.content, source, display=token.type == "math_inline_double"))
        elif token.children:
            _plain_tokens(token.children, out)


def snippet(text: str, limit: int) -> str:
    """The first ~limit characters of a plain text, cut at a word boundary (mid-word only when the
    first half has no space), with an ellipsis when cut: cards and search results show the same cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    if cut < limit // 2:
        cut = limit
    return text[:cut].rstrip(" ,;:.-") + "…"

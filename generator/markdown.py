"""Markdown in and out of content files: escaping abstracts so they stay text, and rendering bodies.

Abstracts are plain text, but a content file's body is Markdown so that people can edit it comfortably.
`escape_text` adds the fewest backslashes that make CommonMark render the text back exactly (a line
starting with `#`, `1.` or `---`, a `*word*`, a `<tag>`, an `&amp;` all stay literal), so the file stays
readable. `render` is the one renderer every stage uses: the CommonMark preset with raw HTML off.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

# Characters that start inline constructs anywhere in a line: code spans, emphasis, links/images,
# autolinks and raw HTML. `_` is handled separately because inside a word it is never emphasis.
_ALWAYS = set("`*[<")
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]*);")
_ORDERED_RE = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False})


def render(markdown: str) -> str:
    """Render a body to HTML: CommonMark, raw HTML shown as text, no typographic replacements."""
    return _renderer().render(markdown)


def escape_paragraph(text: str) -> str:
    """Escape one paragraph (a single line, no line breaks) so it renders as exactly this text."""
    out: list[str] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch == "\\":
            nxt = text[i + 1] if i + 1 < n else ""
            out.append("\\\\" if nxt in _ASCII_PUNCT or nxt == "" else "\\")
        elif ch in _ALWAYS:
            out.append("\\" + ch)
        elif ch == "_":
            before = text[i - 1] if i > 0 else ""
            after = text[i + 1] if i + 1 < n else ""
            inside_word = before.isalnum() and after.isalnum()
            out.append("_" if inside_word else "\\_")
        elif ch == "&" and _ENTITY_RE.match(text, i):
            out.append("\\&")
        else:
            out.append(ch)
    escaped = "".join(out)
    return _escape_line_start(escaped)


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

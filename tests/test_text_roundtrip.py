"""Titles survive YAML and abstracts survive Markdown, whatever characters they hold.

An abstract's math spans (`$...$`, `$$...$$`, `\\(...\\)`, as `find_math` finds them) render as MathML, or
as their TeX source in `<code class="tex">`; everything else renders back exactly. Text without math spans
(and without `\\emph{`, `\\textit{`, `\\textbf{`, which become emphasis) renders back exactly, as before.
"""

from __future__ import annotations

import html
import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it.common.utils import escapeHtml

from generator.content import compose_file, parse_content_text
from generator.markdown import escape_text, render
from generator.mathml import tex_to_mathml
from generator.mathspans import find_math

# Text as a digest can carry it: any Unicode but surrogates, control characters never reach here
# (ingest removes them), so they are excluded too.
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200)
MARKDOWNISH = st.text(alphabet=st.sampled_from(list("#*_-+=>`[]()<>!&\\~|:.1 aZ;{}'\"$%\n")), max_size=60)
# Dollars, backslashes and digits: prices, math, escaped dollars, and the `$` that escaping has to guard.
DOLLARISH = st.text(alphabet=st.sampled_from(list("$$$\\\\ 5a_x{}()^*#-.\n")), max_size=60)


def paragraphs_of(text: str) -> list[str]:
    return [p for p in (" ".join(p.split()) for p in re.split(r"\n\s*\n", text)) if p]


def text_html(text: str) -> str:
    return html.escape(text, quote=False).replace('"', "&quot;")


def expected_html(text: str) -> str:
    return "".join(f"<p>{text_html(p)}</p>\n" for p in paragraphs_of(text))


def has_math(text: str) -> bool:
    return any(find_math(p) for p in paragraphs_of(text))


def has_latex_emphasis(text: str) -> bool:
    return re.search(r"\\(?:emph|textit|textbf)\{", " ".join(text.split())) is not None


def math_html(tex: str, display: bool, markup: str) -> str:
    mathml = tex_to_mathml(tex, display=display)
    if mathml is not None:
        return mathml
    closing = {"$": "$", "$$": "$$", "\\(": "\\)"}[markup]
    return f'<code class="tex">{escapeHtml(markup + tex + closing)}</code>'


def expected_html_with_math(text: str) -> str:
    """Each math span as MathML (or its source in <code class="tex">), the rest of the text exactly."""
    out = []
    for paragraph in paragraphs_of(text):
        parts, pos = [], 0
        for span in find_math(paragraph):
            parts += [text_html(paragraph[pos : span.start]), math_html(span.tex, span.display, span.markup)]
            pos = span.end
        parts.append(text_html(paragraph[pos:]))
        out.append(f"<p>{''.join(parts)}</p>\n")
    return "".join(out)


def test_markdown_specials_stay_text() -> None:
    cases = [
        "# not a heading",
        "1. not a list",
        "2020) not a list either",
        "- not a bullet",
        "+ nor this",
        "* nor this",
        "---",
        "***",
        "___",
        "> not a quote",
        "<script>alert(1)</script> and <b>bold</b>",
        "<https://example.org> autolink",
        "[link](javascript:alert(1)) and ![img](x.png)",
        "*emphasis* and **strong** and _under_ and snake_case_name",
        "`code` and ``more``",
        "&amp; &copy; &#169; &#xA9; & plain",
        "back\\slash \\* \\\\",
        "~~~ fence",
        "```python",
        "    four leading spaces",
        "line one\n\n= setext?",
        "Title\n\n===",
        "{{ 7*7 }} {% raw %} | a | b |",
    ]
    for text in cases:
        assert render(escape_text(text)) == expected_html(text), text


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_any_text_renders_back_exactly(text: str) -> None:
    assume(not has_math(text) and not has_latex_emphasis(text))
    assert render(escape_text(text)) == expected_html(text)


@settings(max_examples=400, deadline=None)
@given(MARKDOWNISH)
def test_markdown_heavy_text_renders_back_exactly(text: str) -> None:
    assume(not has_math(text))
    assert render(escape_text(text)) == expected_html(text)


@settings(max_examples=400, deadline=None)
@given(DOLLARISH)
def test_dollar_heavy_text_without_math_renders_back_exactly(text: str) -> None:
    assume(not has_math(text))
    assert render(escape_text(text)) == expected_html(text)


@settings(max_examples=400, deadline=None)
@given(st.one_of(TEXT, MARKDOWNISH, DOLLARISH))
def test_math_spans_render_as_math_and_the_rest_exactly(text: str) -> None:
    assume(not has_latex_emphasis(text))
    assert render(escape_text(text)) == expected_html_with_math(text)


def test_math_cases() -> None:
    cases = [
        "$5 and $10",
        "$x$ and $y$ cost $5",
        "costs $5, see $\\mathcal{L}_{x}$",
        "a \\$ b $c$ d \\\\$e$",
        "$a $b$ c$",
        "$$x$$$y$ $$ z",
        "\\(a_b\\) and \\(  \\) and \\(x",
        "# $x$\n\n1. $y$\n\n- $$z$$",
        "10$\\times$ and $\\to$62 ms",
        "$x$ ends in 5",
        "$x^$ fails",
    ]
    for text in cases:
        assert render(escape_text(text)) == expected_html_with_math(text), text
    assert expected_html_with_math("costs $5 and $x$").count("<math") == 1


@settings(max_examples=400, deadline=None)
@given(TEXT, TEXT)
def test_title_and_body_round_trip_through_a_content_file(title: str, abstract: str) -> None:
    from pathlib import Path

    meta = {
        "id": "t-1",
        "title": title,
        "date": "2026-05-09",
        "digests": ["2026-05-09"],
        "topics": [],
        "links": [],
        "source": "digests/x.txt",
    }
    text = compose_file(meta, escape_text(abstract))
    parsed = parse_content_text(text, Path("x.md"))
    assert parsed.meta == meta
    assume(not has_latex_emphasis(abstract))
    assert render(parsed.body) == expected_html_with_math(abstract)


def test_titles_that_look_like_yaml_or_templates() -> None:
    from pathlib import Path

    for title in [
        "yes",
        "null",
        "1.0",
        "2026-05-09",
        "---",
        "- item",
        "key: value",
        "# comment",
        "& anchor",
        "* alias",
        "! tag",
        "'single'",
        '"double"',
        "{{ 7*7 }}",
        "<b>x</b>",
        " padded ",
        "%YAML",
        "@at",
        "`tick`",
        "[list]",
        "{map}",
        "a\u2028b",
        "\ufeffbom",
        "emoji 🚀",
        "中文标题",
    ]:
        meta = {"id": "t-1", "title": title}
        assert parse_content_text(compose_file(meta, "Body."), Path("x.md")).meta["title"] == title

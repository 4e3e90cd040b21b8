"""Titles survive YAML and abstracts survive Markdown, whatever characters they hold."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.content import compose_file, parse_content_text
from generator.markdown import escape_text, render

# Text as a digest can carry it: any Unicode but surrogates, control characters never reach here
# (ingest removes them), so they are excluded too.
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200)
MARKDOWNISH = st.text(alphabet=st.sampled_from(list("#*_-+=>`[]()<>!&\\~|:.1 aZ;{}'\"$%\n")), max_size=60)


def expected_html(text: str) -> str:
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    escaped = [html.escape(p, quote=False).replace('"', "&quot;") for p in paragraphs if p]
    return "".join(f"<p>{p}</p>\n" for p in escaped)


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
    assert render(escape_text(text)) == expected_html(text)


@settings(max_examples=400, deadline=None)
@given(MARKDOWNISH)
def test_markdown_heavy_text_renders_back_exactly(text: str) -> None:
    assert render(escape_text(text)) == expected_html(text)


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
    assert render(parsed.body) == expected_html(abstract)


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

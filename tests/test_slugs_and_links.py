"""Slugs are safe file names; links come out of abstracts clean."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from generator.ingest.links import clean_url, extract_links
from generator.model import SLUG_RE, Link, slugify, unique_slug


def test_slug_basics() -> None:
    assert slugify("UL2: Unifying Language Learning Paradigms") == "ul2-unifying-language-learning-paradigms"
    assert slugify("Ünïcödé Naïve Café") == "unicode-naive-cafe"
    assert slugify("../../../etc/passwd") == "etc-passwd"


def test_slug_without_ascii_letters_is_readable_and_stable() -> None:
    slug = slugify("大規模言語モデル 🚀")
    assert SLUG_RE.fullmatch(slug)
    assert slug.startswith("paper-")
    assert slug == slugify("大規模言語モデル 🚀")
    assert slug != slugify("別のタイトル")


def test_long_slug_is_cut_at_a_word() -> None:
    slug = slugify("word " * 60)
    assert len(slug) <= 80
    assert SLUG_RE.fullmatch(slug)
    assert slug.endswith("word")


def test_unique_slug_adds_numbers_within_the_limit() -> None:
    base = slugify("x" * 100)
    taken = {base}
    second = unique_slug(base, taken)
    taken.add(second)
    third = unique_slug(base, taken)
    assert second.endswith("-2") and third.endswith("-3")
    assert all(len(s) <= 80 and SLUG_RE.fullmatch(s) for s in (second, third))


@given(st.text())
def test_any_title_gives_a_valid_slug(title: str) -> None:
    slug = slugify(title)
    assert SLUG_RE.fullmatch(slug)
    assert len(slug) <= 80


def test_links_from_an_abstract() -> None:
    text = (
        "Code is at https://github.com/ZHUANGHP/Analytic-continual-learning. See the project page "
        "(https://sunchipsster1.github.io/projects/outlandish/) and https://github.com/NVlabs/gbrl). "
        "Also arXiv:2301.12345v2, https://en.wikipedia.org/wiki/Foo_(bar), "
        "https://huggingface.co/datasets/org/data, github.com/owner/repo, and https://arxiv.org/pdf/2405.00001v1."
    )
    assert extract_links(text) == [
        Link("Code", "https://github.com/ZHUANGHP/Analytic-continual-learning"),
        Link("Project page", "https://sunchipsster1.github.io/projects/outlandish/"),
        Link("Code", "https://github.com/NVlabs/gbrl"),
        Link("arXiv", "https://arxiv.org/abs/2301.12345"),
        Link("Project page", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        Link("Dataset", "https://huggingface.co/datasets/org/data"),
        Link("Code", "https://github.com/owner/repo"),
        Link("arXiv", "https://arxiv.org/abs/2405.00001"),
    ]


def test_clean_url_keeps_balanced_parentheses() -> None:
    assert clean_url("https://x.org/a_(b)).") == "https://x.org/a_(b)"
    assert clean_url("https://x.org/path/,") == "https://x.org/path/"


def test_duplicate_links_are_listed_once() -> None:
    assert extract_links("https://github.com/a/b and https://github.com/a/b/.") == [
        Link("Code", "https://github.com/a/b")
    ]


def test_links_inside_tex_url_and_href_stop_at_the_brace() -> None:
    text = (
        r"Code: \href{https://github.com/Tan-YiLong/Overview}{https://github.com/Tan-YiLong/Overview}"
        r" and data at \url{https://example.org/a_b}."
    )
    assert extract_links(text) == [
        Link("Code", "https://github.com/Tan-YiLong/Overview"),
        Link("Project page", "https://example.org/a_b"),
    ]

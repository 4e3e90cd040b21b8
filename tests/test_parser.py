"""The trending-page parser on the inputs people really paste: chrome, odd whitespace, odd titles."""

from __future__ import annotations

from generator.ingest import hf_page
from generator.ingest.normalize import normalize_digest
from generator.ingest.source import DigestSource
from generator.model import ParsedDigest


def parse(text: str) -> ParsedDigest:
    """The trending-page parser on text followed by the shared normalisation, as ingest runs them."""
    return normalize_digest(hf_page.parse(DigestSource.from_text(text)))


HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\n"


def page(*blocks: str, header: str = HEADER + "May 9\n\n") -> str:
    return header + "\n\n".join(blocks) + "\n"


def test_header_chrome_and_date_line_are_not_papers() -> None:
    parsed = parse(page("A Title", "An abstract. It has words."))
    assert parsed.date_line == "May 9"
    assert parsed.month_day == (5, 9)
    assert parsed.date_in_text is None
    assert [(p.title, p.abstract) for p in parsed.papers] == [("A Title", "An abstract. It has words.")]


def test_date_line_with_year_and_iso() -> None:
    assert parse(page("T", "A.", header="May 9, 2025\n\n")).date_in_text.isoformat() == "2025-05-09"
    assert parse(page("T", "A.", header="2025-05-09\n\n")).date_in_text.isoformat() == "2025-05-09"
    assert parse(page("T", "A.", header="")).date_line is None


def test_crlf_bom_tabs_and_whitespace_only_blank_lines() -> None:
    from generator.ingest.source import normalize_newlines

    raw = (
        "\ufeffMay 9\r\n \t \r\nFirst\tTitle  \r\n\t\r\nAbstract\tone.   \r\n  \r\n"
        "Second Title\r\n\r\nAbstract two.\r\n"
    )
    parsed = parse(normalize_newlines(raw))
    assert parsed.date_line == "May 9"
    assert [(p.title, p.abstract) for p in parsed.papers] == [
        ("First Title", "Abstract one."),
        ("Second Title", "Abstract two."),
    ]


def test_abstract_of_several_paragraphs_stays_with_its_paper() -> None:
    parsed = parse(
        page(
            "Paper One",
            "First paragraph of the abstract.",
            "Second paragraph, continuing. It ends here.",
            "Code: https://github.com/a/b",
            "Paper Two",
            "Its abstract.",
        )
    )
    assert [p.title for p in parsed.papers] == ["Paper One", "Paper Two"]
    assert parsed.papers[0].abstract == (
        "First paragraph of the abstract.\n\nSecond paragraph, continuing. It ends here.\n\n"
        "Code: https://github.com/a/b"
    )


def test_hard_wrapped_abstract_lines_are_joined() -> None:
    parsed = parse(page("Title", "A wrapped abstract\nthat continues on\nthree lines."))
    assert parsed.papers[0].abstract == "A wrapped abstract that continues on three lines."


def test_title_without_abstract_at_the_end_is_skipped_with_its_line() -> None:
    text = page("One", "Abstract one.", "Two", "Abstract two.", "Dangling Title")
    parsed = parse(text)
    assert [p.title for p in parsed.papers] == ["One", "Two"]
    line = text.split("\n").index("Dangling Title") + 1
    assert len(parsed.skipped) == 1
    assert f"line {line}" in parsed.skipped[0]
    assert "Dangling Title" in parsed.skipped[0]


def test_title_without_abstract_in_the_middle_does_not_swallow_the_next_paper() -> None:
    parsed = parse(page("One", "Abstract one.", "Orphan Title", "Two", "Abstract two. More words."))
    assert [(p.title, p.abstract) for p in parsed.papers] == [
        ("One", "Abstract one."),
        ("Two", "Abstract two. More words."),
    ]
    assert "Orphan Title" in parsed.skipped[0]


def test_long_non_ascii_and_punctuated_titles() -> None:
    long_title = "A Very Long Title " + " ".join(f"word{i}" for i in range(120))
    titles = [
        long_title,
        "大規模言語モデルの推論 🚀: Ünïcödé — «quoted»",
        'What\'s in a "Name"? {{ 7*7 }} <script>alert(1)</script> & # * ! --- : @ %',
        "../../../etc/passwd",
    ]
    blocks = []
    for title in titles:
        blocks += [title, f"Abstract for {title[:10]}. Done."]
    parsed = parse(page(*blocks))
    assert [p.title for p in parsed.papers] == titles


def test_question_title_with_one_sentence_break_is_a_title() -> None:
    parsed = parse(page("One", "Abstract one.", "Why? A Study", "Abstract two."))
    assert [p.title for p in parsed.papers] == ["One", "Why? A Study"]


def test_duplicate_titles_get_distinct_ids_and_repeats_keep_ids() -> None:
    parsed = parse(page("Same", "Abstract one.", "Same", "Abstract two."))
    first, second = parsed.papers
    assert first.id != second.id
    again = parse(page("Same", "Abstract one.", "Same", "Abstract two."))
    assert [p.id for p in again.papers] == [first.id, second.id]
    alone = parse(page("Same", "A different abstract."))
    assert alone.papers[0].id not in (first.id, second.id)


def test_id_ignores_case_and_punctuation_of_the_title() -> None:
    a = parse(page("UL2: Unifying Language Learning", "A.")).papers[0]
    b = parse(page("ul2 - unifying   language learning", "B.")).papers[0]
    assert a.id == b.id


def test_latex_residue_is_normalised() -> None:
    parsed = parse(page("Title", "We get ``better'' results on 95\\% of tasks."))
    assert parsed.papers[0].abstract == "We get \u201cbetter\u201d results on 95% of tasks."


def test_no_papers_and_only_chrome() -> None:
    assert parse(HEADER + "May 9\n").papers == []

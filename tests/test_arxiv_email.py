"""The arXiv daily mailing parser on the real mailings in ../shared, and on the ways people save them:
a full mailing with its sections, raw .eml files (quoted-printable, base64, multipart), web-mail prints.
"""

from __future__ import annotations

import re
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest

from generator.ingest.arxiv_email import announcement_day, parse, sniff, split_authors
from generator.ingest.source import load_source
from generator.model import Link, ParsedDigest

from .common import SHARED

SAMPLES = SHARED / "samples" / "arxiv-email"
RULE = "-" * 78
CROSS = "%-" * 39 + "%"
REPLACED = "%%--" * 19 + "%%"
END = "%%%---" * 13
FOOTER = (
    "\nTo unsubscribe, e-mail To: cs@arXiv.org, Subject: cancel\n"
    "Archives at https://arxiv.org/\n\\\\\narXiv:2601.00001\nTitle: Not an entry: after the end marker\n"
)


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"../shared is absent: {path} not found (tests on real mailings need it)")
    return path


def sample_text(name: str) -> str:
    return sample(name).read_text(encoding="utf-8")


def parse_text(tmp_path: Path, text: str | bytes, name: str = "mailing.txt") -> ParsedDigest:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return parse(load_source(path))


def entries(text: str) -> list[str]:
    """The entry blocks of a mailing (each from its `\\\\` line to its trailer), cut at the real rules."""
    blocks = (block.strip("\n") for block in re.split(rf"^{RULE}$", text, flags=re.MULTILINE))
    return [block for block in blocks if block.startswith("\\\\\n")]


def line_of(text: str, line: str, nth: int = 0) -> int:
    """The 1-based number of the `nth` line of `text` equal to `line`."""
    return [number for number, text_line in enumerate(text.split("\n"), 1) if text_line == line][nth]


def banner(text: str) -> str:
    return text[: text.index("\n\\\\\n") + 1]


def mail(body: str, cte: str, *, multipart: bool = False) -> bytes:
    """A raw e-mail as arXiv sends the mailing, built with the stdlib."""
    message = EmailMessage()
    for hop in ("mx.example.org", "mail.example.org"):  # long enough to be folded onto a second line
        message["Received"] = (
            "from lib-arxiv-017.serverfarm.cornell.edu (lib-arxiv-017.serverfarm.cornell.edu "
            f"[128.84.4.17]) by {hop} with ESMTP; Thu, 22 Jan 2026 20:30:05 -0500"
        )
    message["From"] = "no-reply@arxiv.org"
    message["To"] = "reader@example.org"
    message["Subject"] = "cs daily Subj-class mailing 7012 1"
    message["Date"] = "Thu, 22 Jan 2026 20:30:00 -0500"
    message.set_content(body, cte=cte)
    if multipart:
        message.add_alternative("<html><body><p>The same mailing, in HTML.</p></body></html>", subtype="html")
        message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="a.pdf")
    return message.as_bytes()


# --- the real mailings ------------------------------------------------------------------------------------

REAL = {
    "cs-2026-01-23.txt": (5, date(2026, 1, 23), "2601.15305 2601.15306 2601.15307 2601.15311 2601.15316"),
    "cs-2026-01-26.txt": (
        10,
        date(2026, 1, 26),
        "2601.16280 2601.16286 2601.16344 2601.16479 2601.16529 "
        "2601.16549 2601.16649 2601.16685 2601.16725 2601.16806",
    ),
    "cs-2024-11-21-short.txt": (2, date(2024, 11, 22), "2411.13560 2411.13566"),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_mailing_counts_ids_and_date(name: str) -> None:
    count, day, ids = REAL[name]
    text = sample_text(name)
    assert len(re.findall(r"^arXiv:", text, re.MULTILINE)) == count
    parsed = parse(load_source(sample(name)))
    assert [paper.arxiv for paper in parsed.papers] == ids.split()
    assert parsed.date_in_text == day
    assert parsed.date_line is not None and parsed.date_line.startswith("received from ")
    assert parsed.skipped == [] and parsed.warnings == []
    assert all(p.abstract and p.title and p.authors and p.categories for p in parsed.papers)
    assert not any(paper.update_only or paper.id or paper.rank or paper.topics for paper in parsed.papers)
    lines = text.split("\n")
    assert all(lines[paper.line - 1] == f"arXiv:{paper.arxiv}" for paper in parsed.papers)


def test_first_entry_of_2026_01_23_joins_continuation_lines() -> None:
    parsed = parse(load_source(sample("cs-2026-01-23.txt")))
    first = parsed.papers[0]
    assert first.title == (
        "Gated Sparse Attention: Combining Computational Efficiency with Training Stability for "
        "Long-Context Language Models"
    )
    assert first.authors == ["Alfred Shen", "Aaron Shen"]
    assert first.categories == ["cs.AI"]
    assert first.published == "Mon, 12 Jan 2026 20:33:39 GMT"
    assert first.comment == "15 pages, 1 figure, attention mechanism, sparse attention, gating, long-context"
    assert first.line == 16
    assert first.abstract.startswith("The computational burden of attention in long-context language models")
    assert first.abstract.endswith("with loss spikes reduced by 98%.")
    assert "\n" not in first.abstract
    assert parsed.date_line == "received from  Wed 21 Jan 26 19:00:00 GMT  to  Thu 22 Jan 26 19:00:00 GMT"


def test_2026_01_23_final_and_doi_and_unindented_abstract_line() -> None:
    last = parse(load_source(sample("cs-2026-01-23.txt"))).papers[-1]
    assert last.authors == [
        "Wei Ai", "Yilong Tan", "Yuntao Shou", "Tao Meng", "Haowen Chen", "Zhixiong He", "Keqin Li",
    ]  # fmt: skip
    assert last.categories == ["cs.AI", "cs.CV"]
    assert last.links == [Link("DOI", "https://doi.org/10.1016/j.cosrev.2026.100893")]
    assert last.comment is None
    assert last.abstract.endswith(
        "our Github: \\href{https://github.com/Tan-YiLong/Overview-of-Fake-News-Detection}"
        "{https://github.com/Tan-YiLong/Overview-of-Fake-News-Detection}."
    )


def test_first_entry_of_2026_01_26_and_paragraphs() -> None:
    papers = parse(load_source(sample("cs-2026-01-26.txt"))).papers
    first = papers[0]
    assert first.title == (
        "When Agents Fail to Act: A Diagnostic Framework for Tool Invocation Reliability in Multi-Agent "
        "LLM Systems"
    )
    assert first.authors == ["Donghao Huang", "Gauri Malwe", "Zhaoxia Wang"]
    assert first.published == "Thu, 22 Jan 2026 19:24:21 GMT"
    assert first.comment == (
        "Accepted for publication in 2026 The 9th International Conference on Artificial Intelligence "
        "and Big Data (ICAIBD 2026)"
    )
    semantic = papers[1]
    paragraphs = semantic.abstract.split("\n\n")
    assert [p.split()[:3] for p in paragraphs] == [
        ["Agentic", "AI", "pipelines"],
        ["We", "introduce", "SemanticALLI,"],
        ["The", "impact", "of"],
    ]
    assert paragraphs[0].endswith("treats inference as a monolithic black box.")
    assert "Tr\\'e Guillory" in semantic.authors  # TeX accents are normalisation's job
    assert semantic.categories == ["cs.AI", "cs.MA"]
    assert all(p.abstract.count("\n\n") == 0 for p in papers if p is not semantic)


def test_long_author_list_drops_the_not_shown_note() -> None:
    papers = parse(load_source(sample("cs-2026-01-26.txt"))).papers
    longcat = next(p for p in papers if p.arxiv == "2601.16725")
    assert longcat.authors[:2] == ["Meituan LongCat Team", "Anchun Gui"]
    assert longcat.authors[-1] == "Linsen Guo"
    assert len(longcat.authors) == 65
    assert all(name.strip() and "(" not in name and "et al" not in name for name in longcat.authors)


def test_2024_short_sample_fields_it_does_not_store() -> None:
    papers = parse(load_source(sample("cs-2024-11-21-short.txt"))).papers
    first, water = papers
    assert first.title == (
        "AMSnet-KG: A Netlist Dataset for LLM-based AMS Circuit Auto-Design Using Knowledge Graph RAG"
    )
    assert first.authors[0] == "Yichen Shi" and first.authors[-1] == "Lei He" and len(first.authors) == 12
    assert first.categories == ["cs.AI", "cs.ET", "eess.SP"]
    assert first.published == "Thu, 7 Nov 2024 02:49:53 GMT"
    assert first.comment is None and first.links == []
    assert water.authors == [
        "Urtzi Otamendi", "Mikel Maiza", "Igor G. Olaizola", "Basilio Sierra", "Markel Flores",
        "Marco Quartulli",
    ]  # fmt: skip
    assert water.comment == "15 pages, 14 figures, 8 tables"  # not the Journal-ref or ACM-class
    assert water.links == [Link("DOI", "https://doi.org/10.1016/j.jenvman.2024.122526")]


def test_malformed_sample_one_message_per_bad_entry() -> None:
    parsed = parse(load_source(sample("cs-malformed-synthetic.txt")))
    assert [p.arxiv for p in parsed.papers] == ["2601.99001", "2601.99002", "2601.99003"]
    assert parsed.papers[0].title == "A Valid Paper That Should Parse Correctly"
    assert parsed.papers[2].comment == "10 pages, submitted to ICSE 2026"
    assert parsed.papers[1].abstract == "This paper's abstract is intentionally cut short without"
    assert parsed.skipped == [
        "line 25: entry 'Paper Missing arXiv ID' has no 'arXiv:' id line (nor an arXiv id in its closing "
        "line); skipped",
        "line 46: 'Duplicate of First Paper (Same arXiv ID)' (arXiv:2601.99001) has the same arXiv id as "
        "line 14; skipped",
    ]
    assert parsed.warnings == [
        "line 36: 'Paper With Truncated Abstract' (arXiv:2601.99002): the abstract has no closing "
        "'\\\\ ( https://arxiv.org/abs/2601.99002 , ...)' line, so it may be cut short; kept"
    ]


# --- sniffing -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*sorted(REAL), "cs-malformed-synthetic.txt"])
def test_sniff_accepts_every_sample(name: str) -> None:
    assert sniff(load_source(sample(name)).head)


def test_sniff_accepts_entries_without_banner_and_arxiv_mail_headers() -> None:
    assert sniff("\\\\\narXiv:2601.15305\nDate: Mon, 12 Jan 2026 20:33:39 GMT   (215kb)\n")
    assert sniff("\\\\\narXiv:hep-th/9901001\nTitle: Old\n")
    assert sniff("From: no-reply@arxiv.org\nSubject: cs daily Subj-class mailing\n\nPGJhc2U2ND4=\n")
    assert not sniff("From: someone@example.org\nSubject: lunch\n\nNothing about papers.\n")


def test_sniff_a_bracket_is_not_always_json() -> None:
    text = f"[Gmail] cs daily Subj-class mailing\n{RULE}\nSend any comments regarding submissions"
    assert sniff(text + " directly to submitter.\n")


def test_sniff_refuses_the_trending_page(seed_path: Path) -> None:
    assert not sniff(load_source(seed_path).head)


def test_sniff_refuses_json_and_atom() -> None:
    assert not sniff('{"papers": [{"title": "T", "summary": "received from  Wed to Thu GMT"}]}')
    assert not sniff('[{"paper": {"id": "2601.15305", "title": "T"}}]\n')
    assert not sniff(
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<entry><id>http://arxiv.org/abs/2601.15305v1</id><title>T</title>\n"
        "<summary>Send any comments regarding submissions directly to submitter.</summary></entry></feed>\n"
    )


# --- a whole mailing: new, cross-lists, replacements, end marker, footer -----------------------------


def full_mailing() -> str:
    new = entries(sample_text("cs-2026-01-23.txt"))[:2]
    cross = entries(sample_text("cs-2026-01-26.txt"))[0].replace(
        "arXiv:2601.16280\n", "arXiv:2601.16280 (*cross-listing*)\n", 1
    )
    replaced = entries(sample_text("cs-2024-11-21-short.txt"))[1]
    header, _, rest = replaced.partition("\n\\\\\n")
    trailer = rest.rsplit("\n", 1)[1]
    header = re.sub(r"^Date: .*$", "replaced with revised version Wed, 21 Jan 2026 09:00:00 GMT   (9500kb)",
                    header, count=1, flags=re.MULTILINE)  # fmt: skip
    replaced = f"{header}\n{trailer}"
    parts = [banner(sample_text("cs-2026-01-23.txt")).rstrip("\n"), RULE, new[0], RULE, new[1], RULE]
    parts += [CROSS, RULE, cross, RULE, REPLACED, RULE, replaced, RULE, END]
    return "\n".join(parts) + FOOTER


def test_full_mailing_sections(tmp_path: Path) -> None:
    parsed = parse_text(tmp_path, full_mailing())
    assert [(p.arxiv, p.update_only) for p in parsed.papers] == [
        ("2601.15305", False),
        ("2601.15306", False),
        ("2601.16280", False),
        ("2411.13566", True),
    ]
    assert parsed.skipped == [] and parsed.warnings == []
    assert parsed.date_in_text == date(2026, 1, 23)
    cross = parsed.papers[2]
    assert cross.published == "Thu, 22 Jan 2026 19:24:21 GMT" and cross.abstract.startswith("Multi-agent")
    replacement = parsed.papers[3]
    assert replacement.abstract == ""
    assert replacement.published is None
    assert replacement.title.startswith("Integrated Water Resource Management")
    assert replacement.comment == "15 pages, 14 figures, 8 tables"
    assert replacement.links == [Link("DOI", "https://doi.org/10.1016/j.jenvman.2024.122526")]
    text = full_mailing().split("\n")
    assert text[cross.line - 1] == "arXiv:2601.16280 (*cross-listing*)"
    assert text[replacement.line - 1] == "arXiv:2411.13566"


def test_entry_missing_its_rule_does_not_swallow_the_next(tmp_path: Path) -> None:
    first, second = entries(sample_text("cs-2026-01-23.txt"))[:2]
    truncated = first.rsplit("\n", 3)[0]  # the abstract's last lines and the trailer are lost
    text = "\n".join([banner(sample_text("cs-2026-01-23.txt")).rstrip("\n"), RULE, truncated, second, RULE])
    parsed = parse_text(tmp_path, text)
    assert [p.arxiv for p in parsed.papers] == ["2601.15305", "2601.15306"]
    where = line_of(text, "arXiv:2601.15305")
    assert len(parsed.warnings) == 1
    assert parsed.warnings[0].startswith(f"line {where}: 'Gated Sparse Attention")
    assert "may be cut short" in parsed.warnings[0]


def test_versions_old_ids_and_entries_that_cannot_be_used(tmp_path: Path) -> None:
    text = "\n".join(
        [
            RULE,
            "\\\\\narXiv:2601.15305v3\nDate: Mon, 12 Jan 2026 20:33:39 GMT   (215kb)\n\nTitle: Versioned\n"
            "Authors: A. Person (Somewhere University, Dept. of X) and B. Person\nCategories: cs.AI\n"
            "\\\\\n  Abstract.\n\\\\ ( https://arxiv.org/abs/2601.15305 ,  215kb)",
            RULE,
            "\\\\\narXiv:hep-th/9901001\nDate: Fri, 1 Jan 1999 00:00:00 GMT   (20kb)\n\nTitle: Old style\n"
            "Authors: C. Person\nCategories: hep-th\n\\\\\n  Old.\n"
            "\\\\ ( https://arxiv.org/abs/hep-th/9901001 ,  20kb)",
            RULE,
            "\\\\\narXiv:2601.15400\nDate: Mon, 12 Jan 2026 20:33:39 GMT   (5kb)\n\nAuthors: Nobody\n"
            "Categories: cs.AI\n\\\\\n  No title.\n\\\\ ( https://arxiv.org/abs/2601.15400 ,  5kb)",
            RULE,
            "\\\\\nDate: Mon, 12 Jan 2026 20:33:39 GMT   (5kb)\n\nTitle: Id only in the trailer\n"
            "Authors: D. Person\nCategories: cs.AI\n\\\\\n  Text.\n"
            "\\\\ ( https://arxiv.org/abs/2601.15401 ,  5kb)",
            RULE,
            "\\\\\narXiv:not-an-id\nTitle: Bad id\n\\\\\n  Text.\n\\\\ ( https://arxiv.org/abs/x ,  5kb)",
            RULE,
        ]
    )
    parsed = parse_text(tmp_path, text)
    assert [p.arxiv for p in parsed.papers] == ["2601.15305", "hep-th/9901001", "2601.15401"]
    assert parsed.papers[0].authors == ["A. Person", "B. Person"]
    assert parsed.skipped == [
        f"line {line_of(text, 'arXiv:2601.15400')}: arXiv:2601.15400 has no Title: line; skipped",
        f"line {line_of(text, 'arXiv:not-an-id')}: 'Bad id' has an arXiv line with no valid id "
        "('not-an-id'); skipped",
    ]
    assert parsed.warnings == [
        f"line {line_of(text, RULE, 3) + 1}: entry 'Id only in the trailer' has no 'arXiv:' id line; "
        "took arXiv:2601.15401 from its closing line"
    ]
    assert parsed.date_in_text is None and parsed.date_line is None


def test_first_entry_that_lost_its_mark_and_a_mailing_with_only_replacements(tmp_path: Path) -> None:
    first, second = entries(sample_text("cs-2026-01-23.txt"))[:2]
    head = banner(sample_text("cs-2026-01-23.txt"))
    parsed = parse_text(tmp_path, head + first.removeprefix("\\\\\n") + f"\n{RULE}\n{second}\n{RULE}\n")
    assert [p.arxiv for p in parsed.papers] == ["2601.15305", "2601.15306"]
    assert parsed.skipped == [] and parsed.warnings == []
    kept = [line for line in second.split("\n") if line.startswith(("arXiv:", "Title:", "\\\\ ("))]
    replaced = "\\\\\n" + "\n".join(kept)
    parsed = parse_text(tmp_path, f"{head}{REPLACED}\n{RULE}\n{replaced}\n{END}\n")
    assert [(p.arxiv, p.update_only, p.abstract) for p in parsed.papers] == [("2601.15306", True, "")]


# --- the date --------------------------------------------------------------------------------------------


def test_announcement_day_is_the_next_weekday() -> None:
    assert announcement_day(date(2026, 1, 22)) == date(2026, 1, 23)  # Thursday -> Friday
    assert announcement_day(date(2026, 1, 23)) == date(2026, 1, 26)  # Friday -> Monday
    assert announcement_day(date(2026, 1, 26)) == date(2026, 1, 27)  # Monday -> Tuesday


def test_split_authors() -> None:
    assert split_authors("A One, B Two, and C Three") == ["A One", "B Two", "C Three"]
    assert split_authors("A One and B Two") == ["A One", "B Two"]
    assert split_authors("A One (1), B Two (1 and 2) ((1) Univ X, (2) Univ Y)") == ["A One", "B Two"]
    assert split_authors("Andrea Sandand, Ferdinand Anders") == ["Andrea Sandand", "Ferdinand Anders"]
    assert split_authors(" , and ") == []


# --- raw e-mails and web-mail prints --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cte", "multipart"), [("quoted-printable", False), ("base64", False), ("quoted-printable", True)]
)
def test_eml_is_decoded(tmp_path: Path, cte: str, multipart: bool) -> None:
    text = sample_text("cs-2026-01-26.txt")
    raw = mail(text, cte, multipart=multipart)
    assert f"Content-Transfer-Encoding: {cte}" in raw.decode("ascii")
    if cte == "base64":
        assert "Authors: Donghao Huang" not in raw.decode("ascii")
    assert sniff(raw.decode("ascii")[:65536])
    parsed = parse_text(tmp_path, raw, "mailing.eml")
    plain = parse(load_source(sample("cs-2026-01-26.txt")))
    assert [(p.arxiv, p.title, p.authors, p.abstract, p.line) for p in parsed.papers] == [
        (p.arxiv, p.title, p.authors, p.abstract, p.line) for p in plain.papers
    ]
    assert parsed.date_in_text == date(2026, 1, 26)  # the window line wins over the Date: header


def test_eml_messages_name_body_lines(tmp_path: Path) -> None:
    raw = mail(sample_text("cs-malformed-synthetic.txt"), "base64")
    parsed = parse_text(tmp_path, raw, "bad.eml")
    assert [p.arxiv for p in parsed.papers] == ["2601.99001", "2601.99002", "2601.99003"]
    assert [m.split(":")[0] for m in parsed.skipped] == ["body line 25", "body line 46"]
    assert parsed.warnings[0].startswith("body line 36: 'Paper With Truncated Abstract'")


def test_unencoded_eml_keeps_file_line_numbers(tmp_path: Path) -> None:
    mbox_line = b"From no-reply@arxiv.org Thu Jan 22 20:30:00 2026\n"
    raw = mbox_line + mail(sample_text("cs-malformed-synthetic.txt"), "7bit")
    parsed = parse_text(tmp_path, raw, "bad.eml")
    lines = raw.decode("ascii").split("\n")
    assert lines[parsed.papers[0].line - 1] == "arXiv:2601.99001"
    number = int(parsed.warnings[0].split(":")[0].removeprefix("line "))
    assert lines[number - 1] == "arXiv:2601.99002"


def test_eml_without_window_line_dates_from_the_header_in_utc(tmp_path: Path) -> None:
    text = sample_text("cs-2026-01-23.txt")
    body = text[text.index("\\\\\n") :]
    parsed = parse_text(tmp_path, mail(body, "quoted-printable"), "mailing.eml")
    assert len(parsed.papers) == 5
    assert parsed.date_in_text == date(2026, 1, 23)  # 20:30 on the 22nd in New York is the 23rd in UTC
    assert parsed.date_line is not None and "Thu, 22 Jan 2026 20:30:00 -0500" in parsed.date_line


def test_web_mail_print_header_is_skipped(tmp_path: Path) -> None:
    header = (
        "Gmail - cs daily Subj-class mailing 7012 1\n\n"
        "From: arXiv <no-reply@arxiv.org>\nTo: reader@example.org\nThu, Jan 22, 2026 at 8:04 PM\n\n"
    )
    text = header + sample_text("cs-2026-01-23.txt")
    assert sniff(text)
    parsed = parse_text(tmp_path, text)
    assert [p.arxiv for p in parsed.papers] == REAL["cs-2026-01-23.txt"][2].split()
    assert parsed.date_in_text == date(2026, 1, 23)
    assert parsed.papers[0].line == 16 + header.count("\n")
    assert parsed.skipped == [] and parsed.warnings == []


def test_mail_with_only_the_banner_has_no_papers(tmp_path: Path) -> None:
    only_banner = banner(sample_text("cs-2026-01-23.txt")) + RULE + "\n"
    parsed = parse_text(tmp_path, mail(only_banner, "quoted-printable"), "empty.eml")
    assert parsed.papers == []
    assert parsed.skipped == [
        "the e-mail's body has the mailing's banner but no arXiv entries (a '\\\\' line followed by an "
        "'arXiv:ID' line)"
    ]
    assert parsed.date_in_text == date(2026, 1, 23)
    plain = parse_text(tmp_path, only_banner)
    assert plain.papers == [] and plain.skipped[0].startswith("the text has the mailing's banner but no")

"""`digest topics suggest`: candidate topics for the papers that fit none, as YAML to paste into topics.yml.

The search runs on small hand-made papers (two themes the taxonomy misses, noise, hostile titles); the
command runs on content folders made by hand (nothing to suggest, errors) and on one ingested from the
first 2,000 papers of the real arXiv corpus, whose output is pasted under the taxonomy (part of the
project's) and checked with the classifier: each suggested topic gets exactly the papers announced.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
from itertools import islice
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli import main
from generator.content import compose_file, read_content_file
from generator.markdown import escape_text, plain_text
from generator.model import SLUG_RE, Topic, slugify
from generator.suggest import (
    STOP,
    PaperText,
    comment_text,
    suggest,
    to_yaml,
    topicless,
    yaml_scalar,
)
from generator.topics import classify, load_topics
from generator.yamlio import load_yaml

from .common import REPO, SHARED

CORPUS = SHARED / "corpora" / "arxiv-cs-abstracts-50k.jsonl.gz"
CORPUS_PAPERS = 1000
TOPICS = 6  # of the project's taxonomy, for the real papers

VISION = Topic("vision", "Vision", "Images and video.", ("image", "vision"))
TAXONOMY_YAML = """\
# A one-topic taxonomy.
topics:
  - slug: vision
    name: Vision
    description: Images and video.
    phrases:
      - image
      - vision
"""

#: Titles that would break a YAML comment, or the YAML after it, if copied as they are.
HOSTILE = [
    "Auctions\n  - slug: injected\n    name: Evil",
    "Auction # with a hash: and a colon",
    "Auction\u2028line separator\x85next line\rcarriage return\ttab",
    "Auction &anchor *alias !!python/object:os.system --- ...",
    "Auction \u202ereversed\u202c \U0001f680 émigré \u2018quotes\u2019 \"double\" 'single' \ufeff",
]


def paper(title: str, abstract: str, topics: tuple[str, ...] = ()) -> PaperText:
    return PaperText(slugify(title), title, abstract, topics)


def hand_made() -> tuple[list[PaperText], dict[str, set[str]]]:
    """Papers with topics (vision), two themes without (auctions, quantum codes) and two strays."""
    vision = [
        paper(
            f"Image segmentation number {n}",
            "We segment each image with a graph network. The image model learns vision features from "
            f"data and improves accuracy on {n} benchmarks with a new training schedule.",
            ("vision",),
        )
        for n in ("one", "two", "three", "four", "five", "six", "seven", "eight")
    ]
    auction_titles = [*HOSTILE, "Revenue of auctions with many bidders"]
    auctions = [
        paper(
            title,
            "We study an auction where every bidder has a private value. The auction maximises revenue "
            f"and each bidder bids truthfully; the {n} analysis uses a graph of bids.",
        )
        for n, title in zip(
            ("first", "second", "third", "fourth", "fifth", "sixth"), auction_titles, strict=True
        )
    ]
    quantum = [
        paper(
            f"Quantum error correction with {n} qubits",
            "A quantum code protects qubits from noise. We build quantum circuits that use "
            f"{n} qubits and measure the syndrome.",
        )
        for n in ("three", "five", "seven", "nine")
    ]
    strays = [
        paper("Soil moisture in 2024 vineyards", "Soil moisture sensors in vineyards over one season."),
        paper("Dating medieval manuscripts", "Ink and parchment tell the age of a manuscript."),
    ]
    themes = {"auction": {p.slug for p in auctions}, "quantum": {p.slug for p in quantum}}
    return [*vision, *auctions, *quantum, *strays], themes


def given_to(candidate_slug: str, papers: list[PaperText], taxonomy: list[Topic]) -> set[str]:
    """The slugs of the topicless papers `classify` gives a topic, with `taxonomy` as the taxonomy."""
    return {
        p.slug for p in papers if not p.topics and candidate_slug in classify(p.title, p.abstract, taxonomy)
    }


# --- the search, on hand-made papers -------------------------------------------------------------------


def test_each_missing_theme_becomes_one_candidate_with_the_papers_the_classifier_gives_it() -> None:
    papers, themes = hand_made()
    found = suggest(papers, [VISION], count=5, min_papers=3)
    assert (found.total, found.topicless) == (len(papers), 12)
    assert len(found.candidates) == 2, [c.topic for c in found.candidates]  # the two strays make none
    extended = [VISION, *(c.topic for c in found.candidates)]
    for candidate in found.candidates:
        theme = next(word for word in themes if any(word in phrase for phrase in candidate.topic.phrases))
        assert set(candidate.papers) == themes[theme]
        assert given_to(candidate.topic.slug, papers, extended) == set(candidate.papers)
        assert candidate.shared == 0
        assert SLUG_RE.fullmatch(candidate.topic.slug) and candidate.topic.slug != "vision"
        for phrase in candidate.topic.phrases:
            words = phrase.split()
            assert phrase == phrase.lower() and words[0] not in STOP and words[-1] not in STOP, phrase
            assert not any(word.isdigit() for word in words), phrase
        assert 1 <= len(candidate.examples) <= 5


def test_fitting_no_topic_means_none_by_hand_and_none_from_the_phrases() -> None:
    by_hand = paper("Soil moisture by hand", "Sensors in vineyards.", ("vision",))
    by_phrase = paper("An image of soil", "Sensors in vineyards.")  # no topic yet, but "image" fits
    neither = paper("Soil moisture", "Sensors in vineyards.")
    assert topicless([by_hand, by_phrase, neither], [VISION]) == [neither]


def test_nothing_to_suggest_says_so_in_a_comment() -> None:
    papers, _ = hand_made()
    with_topics = [p for p in papers if p.topics]
    everything = to_yaml(suggest(with_topics, [VISION]))
    assert everything == "# 0 of 8 papers fit no topic.\n# Nothing to suggest: every paper has a topic.\n"
    too_few = to_yaml(suggest(papers, [VISION], min_papers=7))
    assert too_few.startswith("# 12 of 20 papers fit no topic.\n# Nothing to suggest: no group of at least 7")
    assert load_yaml(too_few, Path("out.yml")) is None  # comments only


def test_the_same_papers_in_any_order_give_the_same_bytes() -> None:
    papers, _ = hand_made()
    first = to_yaml(suggest(papers, [VISION]))
    assert to_yaml(suggest(papers[::-1], [VISION])) == first
    assert to_yaml(suggest(papers[3:] + papers[:3], [VISION])) == first


# --- YAML out: hostile titles, pasting -----------------------------------------------------------------


def test_hostile_titles_stay_one_comment_line_and_the_paste_loads(tmp_path: Path) -> None:
    papers, _ = hand_made()
    found = suggest(papers, [VISION], count=5, min_papers=3)
    out = to_yaml(found)
    assert out.endswith("\n")
    for bad in ("\r", "\x85", "\u2028", "\u202e", "\ufeff", "\t"):
        assert bad not in out
    lines = out.split("\n")
    assert all(not line.lstrip().startswith("- slug: injected") for line in lines)
    example = [line for line in lines if line.startswith("  #   ")]
    assert "  #   Auctions - slug: injected name: Evil" in example
    assert "  #   Auction # with a hash: and a colon" in example
    assert "  #   Auction line separator next line carriage return tab" in example
    assert any("\U0001f680 émigré" in line for line in example)

    pasted = tmp_path / "topics.yml"
    pasted.write_text(TAXONOMY_YAML + out, encoding="utf-8")
    topics = load_topics(pasted)
    assert topics == [VISION, *(c.topic for c in found.candidates)]
    for candidate in found.candidates:
        assert given_to(candidate.topic.slug, papers, topics) == set(candidate.papers)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One\nline", "One line"),
        ("CR\r\nLF and\x85NEL and\u2028LS and\u2029PS", "CR LF and NEL and LS and PS"),
        ("nul\x00 bell\x07 del\x7f c1\x9b", "nul bell del c1"),
        ("lone \ud800 surrogate, bom \ufeff, bidi \u202e\u2066", "lone surrogate, bom , bidi"),
        ("# a hash: key: value - item", "# a hash: key: value - item"),
        ("émigré \U0001f680 数学", "émigré \U0001f680 数学"),
        ("x" * 200, "x" * 109 + "\u2026"),
    ],
)
def test_comment_text_is_one_safe_line(text: str, expected: str) -> None:
    shown = comment_text(text)
    assert shown == expected
    assert load_yaml(f"# {shown}\nkey: value\n", Path("t.yml")) == {"key": "value"}


@pytest.mark.parametrize(
    "text",
    [
        "auction",
        "Auction & mechanism design",
        "yes",
        "null",
        "1.5",
        "0x1f",
        "2026-01-02",
        "a: b",
        "x #y",
        "#x",
        "- x",
        "&a",
        "*a",
        "!tag",
        "'quoted'",
        '"double"',
        "[a]",
        "{a: 1}",
        " lead",
        "émigré",
        "Suggested for papers about auction, revenue: rewrite this line.",
    ],
)
def test_yaml_scalar_reads_back_as_the_same_text(text: str) -> None:
    assert load_yaml(f"value: {yaml_scalar(text)}\n", Path("t.yml")) == {"value": text}


# --- the command, on hand-made content folders ---------------------------------------------------------


def write_site(folder: Path, papers: list[tuple[str, str, list[str]]], taxonomy: str = TAXONOMY_YAML) -> Path:
    """A content folder with `taxonomy` and one file per (title, abstract, topics)."""
    (folder / "papers").mkdir(parents=True)
    (folder / "topics.yml").write_text(taxonomy, encoding="utf-8")
    for number, (title, abstract, topics) in enumerate(papers):
        meta = {"id": f"t-{number}", "title": title, "date": "2026-01-02", "topics": topics}
        meta |= {"links": [], "source": "digests/by-hand.txt"}
        text = compose_file(meta, escape_text(abstract))
        (folder / "papers" / f"{slugify(title)}.md").write_text(text, encoding="utf-8")
    return folder


def suggest_command(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["topics", "suggest", *map(str, args)])


def test_every_paper_with_a_topic_is_nothing_to_suggest(tmp_path: Path) -> None:
    content = write_site(
        tmp_path / "content", [(f"Image number {n}", "An image.", ["vision"]) for n in range(3)]
    )
    result = suggest_command("--content", content)
    assert result.exit_code == 0, result.output
    assert result.stdout == "# 0 of 3 papers fit no topic.\n# Nothing to suggest: every paper has a topic.\n"
    assert result.stderr == ""


def test_no_group_big_enough_is_nothing_to_suggest(tmp_path: Path) -> None:
    papers = [
        ("Image number one", "An image.", ["vision"]),
        ("Soil moisture in vineyards", "Sensors in vineyards.", []),
        ("Dating medieval manuscripts", "Ink and parchment.", []),
    ]
    result = suggest_command("--content", write_site(tmp_path / "content", papers), "--min-papers", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "# 2 of 3 papers fit no topic.\n# Nothing to suggest: no group of at least 2"
    )


def test_the_options_are_passed_on(tmp_path: Path) -> None:
    papers, _ = hand_made()
    rows = [(p.title.replace("\x85", " "), p.abstract, list(p.topics)) for p in papers if "\n" not in p.title]
    content = write_site(tmp_path / "content", rows)
    one = suggest_command("--content", content, "--count", "1", "--min-papers", "3")
    assert one.exit_code == 0, one.output
    assert one.stdout.count("  - slug: ") == 1
    none = suggest_command("--content", content, "--min-papers", "50")
    assert none.exit_code == 0 and "Nothing to suggest" in none.stdout
    assert suggest_command("--content", content, "--count", "0").exit_code == 2  # a usage error


@pytest.mark.parametrize("indent", [0, 2, 4])
def test_the_items_paste_into_a_taxonomy_of_any_indentation(tmp_path: Path, indent: int) -> None:
    taxonomy = re.sub(r"^  ", " " * indent, TAXONOMY_YAML, flags=re.MULTILINE)
    papers, _ = hand_made()
    rows = [(p.title, p.abstract, list(p.topics)) for p in papers if p.title not in HOSTILE]
    content = write_site(tmp_path / "content", rows, taxonomy)
    result = suggest_command("--content", content)
    assert result.exit_code == 0, result.output
    assert f"\n{' ' * indent}- slug: " in result.stdout
    (content / "topics.yml").write_text(taxonomy + result.stdout, encoding="utf-8")
    assert len(load_topics(content / "topics.yml")) == 1 + result.stdout.count("- slug: ")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("missing folder", "is not a folder (pass --content DIR)"),
        ("no topics.yml", "topics.yml: topics file not found"),
        ("broken topics.yml", "topics.yml:4: not valid YAML"),
        ("no papers", "no papers yet"),
        ("broken paper", "image-number-one.md:"),
    ],
)
def test_errors_are_one_line_and_exit_2(tmp_path: Path, damage: str, message: str) -> None:
    content = write_site(tmp_path / "content", [("Image number one", "An image.", ["vision"])])
    if damage == "missing folder":
        content = tmp_path / "nowhere"
    elif damage == "no topics.yml":
        (content / "topics.yml").unlink()
    elif damage == "broken topics.yml":
        (content / "topics.yml").write_text("topics:\n  - slug: a\n    name: [unclosed\n", encoding="utf-8")
    elif damage == "no papers":
        shutil.rmtree(content / "papers")
    else:
        (content / "papers" / "image-number-one.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    result = suggest_command("--content", content)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("digest: error: ") and message in lines[0], lines
    assert "Traceback" not in result.output


# --- the command, on real papers -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A content folder ingested from the corpus's first papers, with the first topics of the project's
    taxonomy: whatever their phrases become, many papers then fit none, so there is something to check."""
    if not CORPUS.exists():
        pytest.skip(f"../shared is absent: {CORPUS} not found (the real-papers test needs it)")
    site = tmp_path_factory.mktemp("corpus")
    content = site / "content"
    content.mkdir()
    shutil.copy(REPO / "content" / "site.yml", content / "site.yml")
    taxonomy = (REPO / "content" / "topics.yml").read_text(encoding="utf-8")
    items = [match.start() for match in re.finditer(r"^ *- slug:", taxonomy, re.MULTILINE)]
    subset = taxonomy[: items[TOPICS]] if len(items) > TOPICS else taxonomy
    (content / "topics.yml").write_text(subset, encoding="utf-8")
    digest = site / "first-papers.jsonl"
    with gzip.open(CORPUS, "rt", encoding="utf-8") as corpus:
        digest.write_text("".join(islice(corpus, CORPUS_PAPERS)), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["ingest", "--content", str(content), "--date", "2026-06-30", str(digest)]
    )
    assert result.exit_code == 0, result.output
    return content


def test_pasting_the_suggestions_gives_each_topic_exactly_the_papers_announced(
    corpus_content: Path, tmp_path: Path
) -> None:
    # Two runs, the second in another process with another string hash seed (started first, so that
    # both run at once): the same bytes.
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    command = [sys.executable, "-m", "generator", "topics", "suggest", "--content", str(corpus_content)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as second:
        first = suggest_command("--content", corpus_content)
        second_out, second_err = second.communicate()
    assert first.exit_code == 0, first.output
    assert first.stderr == ""  # no progress bar when stderr is not a terminal
    assert second.returncode == 0, second_err
    assert second_out == first.stdout_bytes

    out = first.stdout
    taxonomy = load_topics(corpus_content / "topics.yml")
    papers = [read_content_file(path) for path in sorted((corpus_content / "papers").glob("*.md"))]
    fitless = [
        PaperText(paper.path.stem, paper.meta["title"], plain_text(paper.body))
        for paper in papers
        if not paper.meta["topics"] and not classify(paper.meta["title"], plain_text(paper.body), taxonomy)
    ]
    assert out.startswith(f"# {len(fitless)} of {CORPUS_PAPERS} papers fit no topic.\n")

    announced = re.findall(
        r"  # Would take (\d+) of the \d+ papers[^\n]*\n(?:  #[^\n]*\n)*  - slug: (\S+)\n", out
    )
    assert len(announced) >= 3, out  # 2,000 arXiv cs papers hold themes six topics miss
    pasted = tmp_path / "topics.yml"
    original = (corpus_content / "topics.yml").read_text(encoding="utf-8")
    pasted.write_text(original.rstrip("\n") + "\n\n" + out, encoding="utf-8")
    extended = load_topics(pasted)
    assert extended[: len(taxonomy)] == taxonomy
    assert [t.slug for t in extended[len(taxonomy) :]] == [slug for _, slug in announced]
    for count, slug in announced:
        assert int(count) >= 3  # --min-papers' default
        assert len(given_to(slug, fitless, extended)) == int(count), slug

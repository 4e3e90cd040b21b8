"""Every digest format end to end, as a user runs `digest ingest` on the real samples in ../shared.

Per format: paper counts, ids, authors, dates and ranking order in the content files it writes;
detection of every sample; bad input of each format as one error line with exit status 2 and nothing
written; the same paper from two sources as one file; and both real corpora.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from generator.content import read_content_file
from generator.errors import DigestError
from generator.ingest.detect import sniff
from generator.ingest.pipeline import ingest_files
from generator.ingest.source import load_source
from generator.site import load_site

from .common import SHARED, snapshot

SAMPLES = SHARED / "samples"
CORPORA = SHARED / "corpora"
HF_JSON = SAMPLES / "hf-api" / "daily-papers-2026-06-12.json"
ATOM_NEW = SAMPLES / "arxiv-atom" / "query-transformer.xml"
ATOM_OLD = SAMPLES / "arxiv-atom" / "query-cs-ro-2025-10-17.xml"
ATOM_EMPTY = SAMPLES / "arxiv-atom" / "query-empty.xml"
MAIL = SAMPLES / "arxiv-email"
TODAY = date(2026, 11, 28)


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"../shared is absent: {path} not found (tests on real samples need it)")
    return path


def digest(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)], capture_output=True, text=True
    )


def papers(content: Path) -> dict[str, dict[str, Any]]:
    """Front matter of every paper file, by id."""
    found = {}
    for path in sorted((content / "papers").glob("*.md")):
        meta = read_content_file(path).meta
        found[meta["id"]] = {**meta, "_path": path}
    return found


def by_rank(found: dict[str, dict[str, Any]], day: str) -> list[str]:
    ranked = [(meta["rank"][day], pid) for pid, meta in found.items() if day in (meta.get("rank") or {})]
    return [pid for _, pid in sorted(ranked)]


# Detection ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "fmt"),
    [
        ("digests/hf-trending-may-9.txt", "hf-page"),
        ("samples/hf-api/daily-papers-2026-06-12.json", "hf-json"),
        ("samples/arxiv-atom/query-transformer.xml", "arxiv-atom"),
        ("samples/arxiv-atom/query-cs-ro-2025-10-17.xml", "arxiv-atom"),
        ("samples/arxiv-atom/query-empty.xml", "arxiv-atom"),
        ("samples/arxiv-email/cs-2026-01-23.txt", "arxiv-email"),
        ("samples/arxiv-email/cs-2026-01-26.txt", "arxiv-email"),
        ("samples/arxiv-email/cs-2024-11-21-short.txt", "arxiv-email"),
        ("samples/arxiv-email/cs-malformed-synthetic.txt", "arxiv-email"),
        ("corpora/arxiv-cs-abstracts-50k.jsonl.gz", "jsonl"),
        ("corpora/hf-papers-feed-history-11k.jsonl.gz", "jsonl"),
    ],
)
def test_every_sample_is_detected(relative: str, fmt: str) -> None:
    assert sniff(load_source(need(SHARED / relative)).head) == fmt


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("table.csv", "title,abstract\nA,B\n"),
        ("page.html", "<!doctype html><html><body><p>Hello</p></body></html>\n"),
        ("notes.txt", "Just one line of notes without any paper in it.\n"),
        ("other.json", '{"name": "not a paper list"}\n'),
        ("other.xml", '<?xml version="1.0"?><rss><channel><title>x</title></channel></rss>\n'),
    ],
)
def test_an_unknown_file_is_a_clear_error(tmp_path: Path, content_dir: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = snapshot(content_dir)
    result = digest("ingest", path, "--content", content_dir)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"digest: error: {path}"), result.stderr
    assert "cannot tell which digest format" in lines[0] and "nothing was written" in lines[0]
    assert snapshot(content_dir) == before


# Hugging Face API JSON -----------------------------------------------------------------------------------


def test_hf_json_sample_end_to_end(content_dir: Path) -> None:
    result = digest("ingest", need(HF_JSON), "--content", content_dir)
    assert result.returncode == 0, result.stderr
    assert "hf-json digest of 2026-06-12" in result.stdout
    assert "30 papers: 30 new" in result.stdout
    found = papers(content_dir)
    assert len(found) == 30
    raw = json.loads(HF_JSON.read_text(encoding="utf-8"))
    assert set(found) == {item["paper"]["id"] for item in raw}
    order = by_rank(found, "2026-06-12")
    assert order[:3] == ["2606.13681", "2606.13392", "2606.08063"]  # 118, 103 and 74 upvotes
    upvotes = [found[pid]["upvotes"] for pid in order]
    assert upvotes == sorted(upvotes, reverse=True)
    response_order = [item["paper"]["id"] for item in raw]
    for votes in set(upvotes):  # ties keep the response's order
        tied = [pid for pid in order if found[pid]["upvotes"] == votes]
        assert tied == [pid for pid in response_order if pid in tied]
    top = found["2606.13681"]
    assert top["arxiv"] == "2606.13681" and top["date"] == "2026-06-12"
    assert top["title"].startswith("EvoArena")
    assert top["authors"][:2] == ["Jundong Xu", "Qingchuan Li"] and len(top["authors"]) == 14
    assert top["keywords"][0] == "large language model agents"
    assert top["published"] == "2026-06-11"
    for item in raw:
        paper = item["paper"]
        meta = found[paper["id"]]
        if paper.get("githubRepo"):
            assert meta["links"][0] == {"label": "Code", "url": paper["githubRepo"]}
        if paper.get("projectPage"):
            assert {"label": "Project page", "url": paper["projectPage"]} in meta["links"]


def test_hf_json_drops_nameless_authors_and_reports_non_papers(tmp_path: Path, content_dir: Path) -> None:
    raw = json.loads(need(HF_JSON).read_text(encoding="utf-8"))[:2]
    raw[0]["paper"]["authors"].append({"_id": "x", "hidden": True})
    raw[0]["paper"]["authors"].append({"_id": "y", "name": "  "})
    raw.append("not a paper")
    path = tmp_path / "day.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    plans = ingest_files([path], content_dir, today=TODAY)
    assert plans[0].count("new") == 2
    assert any("item 3" in change.reason for change in plans[0].changes if change.action == "skipped")
    meta = papers(content_dir)[raw[0]["paper"]["id"]]
    assert meta["authors"] == [a["name"] for a in raw[0]["paper"]["authors"][:3]]


def test_truncated_hf_json_and_a_mail_without_entries_are_one_line_errors(
    tmp_path: Path, content_dir: Path
) -> None:
    truncated = tmp_path / "daily.json"
    truncated.write_text(need(HF_JSON).read_text(encoding="utf-8")[:5000], encoding="utf-8")
    empty_mail = tmp_path / "cs-mailing.txt"
    banner = need(MAIL / "cs-2026-01-23.txt").read_text(encoding="utf-8").split("\\\\\n", 1)[0]
    empty_mail.write_text(banner, encoding="utf-8")
    before = snapshot(content_dir)
    for path, message in (
        (truncated, r"daily\.json:\d+: is not valid JSON"),
        (empty_mail, "no papers found"),
    ):
        result = digest("ingest", path, "--content", content_dir)
        assert result.returncode == 2, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and re.search(message, lines[0]) and "nothing was written" in lines[0], lines
    assert snapshot(content_dir) == before


# arXiv API Atom ------------------------------------------------------------------------------------------


def test_arxiv_atom_samples_end_to_end(content_dir: Path) -> None:
    result = digest("ingest", need(ATOM_NEW), need(ATOM_OLD), "--content", content_dir)
    assert result.returncode == 0, result.stderr
    assert "arxiv-atom digest of 2026-06-14" in result.stdout
    assert "arxiv-atom digest of 2025-10-17" in result.stdout
    found = papers(content_dir)
    assert len(found) == 7
    mana = found["2606.13677"]
    assert mana["title"] == "Mana: Dexterous Manipulation of Articulated Tools"
    assert mana["authors"] == ["Zhao-Heng Yin", "Guanya Shi", "Pieter Abbeel", "C. Karen Liu"]
    assert mana["categories"] == ["cs.RO", "cs.AI", "cs.CV", "cs.LG"]
    assert mana["published"] == "2026-06-11"
    assert {"label": "Project page", "url": "https://zhaohengyin.github.io/mana"} in mana["links"]
    assert by_rank(found, "2026-06-14")[0] == "2606.13677"
    rdd = found["2510.14968"]  # the old, hard-wrapped response style
    assert (
        rdd["title"]
        == "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks"
    )
    assert rdd["categories"][0] == "cs.RO"
    body = read_content_file(rdd["_path"]).body
    assert "\n" not in body and body.startswith("To tackle long-horizon tasks")


def test_empty_and_error_and_broken_atom_are_one_line_errors(tmp_path: Path, content_dir: Path) -> None:
    error_feed = tmp_path / "error.xml"
    error_feed.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<title>ArXiv Query: search_query=&amp;id_list=1234.1234</title>\n"
        "<id>http://arxiv.org/api/x</id><updated>2026-06-14T00:00:00-04:00</updated>\n"
        "<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.1234</id><title>Error</title>\n"
        "<summary>incorrect id format for 1234.1234</summary><updated>2026-06-14T00:00:00-04:00</updated>\n"
        '<link href="http://arxiv.org/api/errors#incorrect_id_format_for_1234.1234" rel="alternate"/>\n'
        "<author><name>arXiv api core</name></author></entry>\n</feed>\n",
        encoding="utf-8",
    )
    truncated = tmp_path / "truncated.xml"
    truncated.write_text(need(ATOM_NEW).read_text(encoding="utf-8")[:3000], encoding="utf-8")
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>&b;</title></feed>\n',
        encoding="utf-8",
    )
    before = snapshot(content_dir)
    expected = {
        ATOM_EMPTY: "no papers found",
        error_feed: "error response from the arXiv API: incorrect id format for 1234.1234",
        truncated: "not well-formed XML",
        bomb: "entities are not allowed",
    }
    for path, message in expected.items():
        result = digest("ingest", path, "--content", content_dir)
        assert result.returncode == 2, (path, result.stdout)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (path, result.stderr)
    assert re.search(r"truncated\.xml:\d+: is not well-formed XML", digest("ingest", truncated).stderr)
    assert snapshot(content_dir) == before


# arXiv mailing -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "count", "day"),
    [
        ("cs-2026-01-23.txt", 5, "2026-01-23"),
        ("cs-2026-01-26.txt", 10, "2026-01-26"),
        ("cs-2024-11-21-short.txt", 2, "2024-11-22"),
    ],
)
def test_arxiv_email_samples_end_to_end(content_dir: Path, name: str, count: int, day: str) -> None:
    path = need(MAIL / name)
    result = digest("ingest", path, "--content", content_dir)
    assert result.returncode == 0, result.stderr
    assert f"arxiv-email digest of {day}" in result.stdout and f"{count} papers: {count} new" in result.stdout
    found = papers(content_dir)
    ids = [
        line.split()[0].removeprefix("arXiv:")
        for line in path.read_text().splitlines()
        if line.startswith("arXiv:")
    ]
    assert by_rank(found, day) == ids  # the mailing's order
    for meta in found.values():
        assert meta["authors"] and meta["categories"] and meta["published"] and meta["date"] == day


def test_arxiv_email_fields_of_a_real_entry(content_dir: Path) -> None:
    ingest_files([need(MAIL / "cs-2026-01-23.txt")], content_dir, today=TODAY)
    gsa = papers(content_dir)["2601.15305"]
    assert gsa["title"] == (
        "Gated Sparse Attention: Combining Computational Efficiency with Training Stability for "
        "Long-Context Language Models"
    )
    assert gsa["authors"] == ["Alfred Shen", "Aaron Shen"]
    assert gsa["categories"] == ["cs.AI"]
    assert gsa["published"] == "2026-01-12"
    assert gsa["comment"] == "15 pages, 1 figure, attention mechanism, sparse attention, gating, long-context"


def test_malformed_mailing_warns_per_bad_entry_and_keeps_the_good_ones(content_dir: Path) -> None:
    result = digest("ingest", need(MAIL / "cs-malformed-synthetic.txt"), "--content", content_dir)
    assert result.returncode == 0, result.stderr
    assert "3 new" in result.stdout and "2 skipped" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 3, result.stderr
    assert any("line 25" in w and "Paper Missing arXiv ID" in w for w in warnings)
    assert any("line 46" in w and "same arXiv id as line 14" in w for w in warnings)
    assert any("line 36" in w and "cut short" in w for w in warnings)
    assert set(papers(content_dir)) == {"2601.99001", "2601.99002", "2601.99003"}


REPLACEMENTS = """
%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%
------------------------------------------------------------------------------
\\\\
arXiv:2601.15307
replaced with revised version Mon, 26 Jan 2026 10:00:00 GMT   (7450kb)

Title: DeepSurvey-Bench: Evaluating Academic Value of Automatically Generated
  Scientific Survey
Authors: Guo-Biao Zhang, Ding-Yuan Liu, Da-Yi Wu, Tian Lan, Heyan Huang,
  Zhijing Wu, Xian-Ling Mao
Categories: cs.AI cs.CL
Comments: Accepted at a venue, 20 pages
\\\\ ( https://arxiv.org/abs/2601.15307 ,  7450kb)
------------------------------------------------------------------------------
\\\\
arXiv:2501.00001
replaced with revised version Mon, 26 Jan 2026 11:00:00 GMT   (10kb)

Title: A Paper This Site Never Listed
Authors: Some One
Categories: cs.LG
\\\\ ( https://arxiv.org/abs/2501.00001 ,  10kb)
------------------------------------------------------------------------------
%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---
"""


def test_replacements_update_a_known_paper_and_never_create_one(tmp_path: Path, content_dir: Path) -> None:
    ingest_files([need(MAIL / "cs-2026-01-23.txt")], content_dir, today=TODAY)
    survey = papers(content_dir)["2601.15307"]
    assert "comment" not in survey
    before = survey["_path"].read_text(encoding="utf-8")
    later = tmp_path / "cs-2026-01-27.txt"
    later.write_text(need(MAIL / "cs-2026-01-26.txt").read_text(encoding="utf-8") + REPLACEMENTS)
    plans = ingest_files([later], content_dir, today=TODAY)
    found = papers(content_dir)
    assert "2501.00001" not in found
    assert any("1 replacement(s) of papers not in content/ ignored" in w for w in plans[0].warnings)
    survey = found["2601.15307"]
    assert survey["comment"] == "Accepted at a venue, 20 pages"  # an empty field filled
    assert survey["digests"] == ["2026-01-23"]  # a replacement is not a new listing
    after = survey["_path"].read_text(encoding="utf-8")
    assert after == before.replace("\n---\n\n", "\ncomment: Accepted at a venue, 20 pages\n---\n\n", 1)


# JSON lines ----------------------------------------------------------------------------------------------


def test_jsonl_aliases_and_counted_warnings(tmp_path: Path, content_dir: Path) -> None:
    records = [
        {
            "title": "First Paper",
            "abstract": "One abstract.",
            "authors": "Ada Lovelace, Alan Turing",
            "categories": "cs.LG stat.ML",
            "id": "2401.00001v2",
            "date": "2026-03-01",
        },
        {
            "title": "Second Paper",
            "summary": "Two.",
            "authors": ["Grace Hopper"],
            "arxiv": "2401.00002",
            "date_published": "2026-03-02T10:00:00Z",
            "comment": "Code: https://github.com/x/y",
        },
        {
            "title": "Third Paper",
            "content_text": "Short summary.  \t\tAI-generated summary \t Real abstract.",
            "url": "https://huggingface.co/papers/2401.00003",
            "id": "https://huggingface.co/papers/2401.00003",
        },
        {"title": "No Abstract Here", "url": "https://example.org/p"},
        {"abstract": "A record without a title."},
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8")
    result = digest("ingest", path, "--content", content_dir)
    assert result.returncode == 0, result.stderr
    assert "jsonl digest of 2026-03-02" in result.stdout and "4 new" in result.stdout
    assert "1 record(s) without an abstract, kept with an empty one (lines 4)" in result.stderr
    assert "1 record(s) without a title skipped (lines 5)" in result.stderr
    found = papers(content_dir)
    first, second, third = found["2401.00001"], found["2401.00002"], found["2401.00003"]
    assert first["authors"] == ["Ada Lovelace", "Alan Turing"] and first["categories"] == ["cs.LG", "stat.ML"]
    assert first["published"] == "2026-03-01" and second["published"] == "2026-03-02"
    assert {"label": "Code", "url": "https://github.com/x/y"} in second["links"]
    assert read_content_file(third["_path"]).body == "Real abstract."
    titles = [found[pid]["title"] for pid in by_rank(found, "2026-03-02")]
    assert titles == ["First Paper", "Second Paper", "Third Paper", "No Abstract Here"]


def test_jsonl_damaged_line_is_an_error_with_its_line(tmp_path: Path, content_dir: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(
            json.dumps({"title": "T", "abstract": "A."}) + "\n" + '{"title": "cut off',
        )
    before = snapshot(content_dir)
    with pytest.raises(DigestError) as caught:
        ingest_files([path], content_dir, date_override=TODAY)
    assert f"{path}:2: is not valid JSON" in str(caught.value)
    truncated_gzip = tmp_path / "half.jsonl.gz"
    truncated_gzip.write_bytes(path.read_bytes()[:20])
    with pytest.raises(DigestError, match="not a complete gzip file"):
        ingest_files([truncated_gzip], content_dir, date_override=TODAY)
    assert snapshot(content_dir) == before


def test_hf_corpus_ingests_every_record(content_dir: Path) -> None:
    corpus = need(CORPORA / "hf-papers-feed-history-11k.jsonl.gz")
    plans = ingest_files([corpus], content_dir, today=TODAY)
    plan = plans[0]
    assert plan.count("new") == 11022 and plan.count("skipped") == 0
    assert plan.date.isoformat() == "2026-08-21"
    assert any(w.startswith("436 record(s) without an abstract") for w in plan.warnings)
    files = list((content_dir / "papers").glob("*.md"))
    assert len(files) == 11022
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        first = json.loads(handle.readline())
    meta = papers_by_title(content_dir, " ".join(first["title"].split()))
    assert meta["arxiv"] == "2502.01341" and meta["published"] == "2025-02-04"
    assert read_content_file(meta["_path"]).body.startswith("Aligning visual features")
    site = load_site(content_dir)  # everything it wrote is valid content
    assert len(site.papers) == 11022


def papers_by_title(content: Path, title: str) -> dict[str, Any]:
    """The front matter (and `_path`) of the first paper file, by file name, with this title: what
    `papers(content)` lists first with it, read only up to that file (11,022 of them in the corpus test)."""
    for path in sorted((content / "papers").glob("*.md")):
        meta = read_content_file(path).meta
        if meta["title"] == title:
            return {**meta, "_path": path}
    raise AssertionError(f"no paper file in {content / 'papers'} is titled {title!r}")


def test_arxiv_corpus_50k_ingests_every_record(tmp_path: Path) -> None:
    """The 50k corpus through the CLI (under a minute on 2 cores): every record becomes a valid paper file."""
    corpus = need(CORPORA / "arxiv-cs-abstracts-50k.jsonl.gz")
    content = tmp_path / "content"
    content.mkdir()
    (content / "topics.yml").write_bytes((Path(__file__).parents[1] / "content" / "topics.yml").read_bytes())
    result = digest("ingest", corpus, "--content", content, "--date", "2026-07-01")
    assert result.returncode == 0, result.stderr
    assert "50000 papers: 50000 new, 0 updated, 0 unchanged, 0 skipped" in result.stdout
    assert "writing paper files: 50000/50000" in result.stderr  # progress as plain lines off a terminal
    files = sorted((content / "papers").glob("*.md"))
    assert len(files) == 50000
    sample = read_content_file(files[12345]).meta
    assert (
        sample["arxiv"] and sample["authors"] and sample["categories"] and sample["rank"]["2026-07-01"] >= 1
    )


# The same paper from two sources ---------------------------------------------------------------------------


def mailing_of(items: list[dict[str, Any]], window_end: str) -> str:
    """An arXiv mailing in the real format announcing the given Hugging Face papers (arXiv's fields)."""
    rule = "-" * 78
    lines = [
        rule,
        rule,
        "Send any comments regarding submissions directly to submitter.",
        rule,
        " Submissions to:",
        "Machine Learning",
        f" received from  Wed 10 Jun 26 19:00:00 GMT  to  {window_end} 19:00:00 GMT",
        rule,
        rule,
    ]
    for item in items:
        paper = item["paper"]
        authors = ", ".join(a["name"] for a in paper["authors"])
        lines += [
            "\\\\",
            f"arXiv:{paper['id']}",
            "Date: Thu, 11 Jun 2026 09:00:00 GMT   (100kb)",
            "",
            f"Title: {paper['title']}",
            f"Authors: {authors}",
            "Categories: cs.CL cs.AI",
            "Comments: 12 pages, 3 figures",
            "\\\\",
            "  " + paper["summary"],
            f"\\\\ ( https://arxiv.org/abs/{paper['id']} ,  100kb)",
            rule,
        ]
    return "\n".join(lines) + "\n"


def test_hf_json_then_arxiv_mail_of_the_same_papers_is_one_page_each(
    tmp_path: Path, content_dir: Path
) -> None:
    raw = json.loads(need(HF_JSON).read_text(encoding="utf-8"))
    ingest_files([HF_JSON], content_dir, today=TODAY)
    top = papers(content_dir)["2606.13681"]
    edited = top["_path"].read_text(encoding="utf-8").replace("- Jundong Xu\n", "- Jundong Xu (edited)\n")
    top["_path"].write_text(edited, encoding="utf-8")
    mail = tmp_path / "cs-mailing.txt"
    mail.write_text(mailing_of([item for item in raw if item["paper"]["upvotes"] >= 74], "Fri 12 Jun 26"))
    plans = ingest_files([mail], content_dir, today=TODAY)
    assert plans[0].date.isoformat() == "2026-06-15" and plans[0].count("updated") == 3
    found = papers(content_dir)
    assert len(found) == 30 and len(list((content_dir / "papers").glob("*.md"))) == 30
    meta = found["2606.13681"]
    assert meta["digests"] == ["2026-06-12", "2026-06-15"]
    assert meta["rank"] == {"2026-06-12": 1, "2026-06-15": 3}  # each digest's own order
    assert meta["authors"][0] == "Jundong Xu (edited)"  # the hand edit is kept
    assert meta["upvotes"] == 118 and meta["keywords"]  # what the richer first source gave is kept
    assert meta["categories"] == ["cs.CL", "cs.AI"] and meta["comment"] == "12 pages, 3 figures"  # filled
    assert meta["published"] == "2026-06-11"
    site = load_site(content_dir)
    assert [p.id for p in site.digests["2026-06-12"]][:3] == ["2606.13681", "2606.13392", "2606.08063"]
    assert [p.id for p in site.digests["2026-06-15"]] == ["2606.13392", "2606.08063", "2606.13681"]
    again = ingest_files([mail], content_dir, today=TODAY)  # re-ingest: byte-identical
    assert again[0].already is not None and papers(content_dir)["2606.13681"]["_path"].read_text() == (
        meta["_path"].read_text()
    )


UL2_MAIL = """------------------------------------------------------------------------------
 received from  Mon 09 May 22 18:00:00 GMT  to  Tue 10 May 22 18:00:00 GMT
------------------------------------------------------------------------------
\\\\
arXiv:2205.05131
Date: Tue, 10 May 2022 17:32:58 GMT   (1080kb,D)

Title: UL2: Unifying Language Learning Paradigms
Authors: Yi Tay, Mostafa Dehghani, Vinh Q. Tran, Xavier Garcia, Jason Wei, Xuezhi
  Wang, Hyung Won Chung, Dara Bahri, Tal Schuster, Huaixiu Steven Zheng, Denny Zhou,
  Neil Houlsby, Donald Metzler
Categories: cs.CL
\\\\
  Existing pre-trained models are generally geared towards a particular class of
problems.
\\\\ ( https://arxiv.org/abs/2205.05131 ,  1080kb)
------------------------------------------------------------------------------
"""


def test_trending_page_copy_then_arxiv_mail_fills_the_id_by_title(
    tmp_path: Path, content_dir: Path, seed_path: Path
) -> None:
    ingest_files([seed_path], content_dir, today=TODAY)
    ul2 = papers_by_title(content_dir, "UL2: Unifying Language Learning Paradigms")
    assert ul2["id"].startswith("t-") and "arxiv" not in ul2 and ul2["rank"] == {"2026-05-09": 1}
    body = read_content_file(ul2["_path"]).body
    mail = tmp_path / "ul2.txt"
    mail.write_text(UL2_MAIL, encoding="utf-8")
    plans = ingest_files([mail], content_dir, today=TODAY)
    assert plans[0].count("updated") == 1 and plans[0].count("new") == 0
    merged = papers_by_title(content_dir, "UL2: Unifying Language Learning Paradigms")
    assert merged["id"] == ul2["id"] and merged["arxiv"] == "2205.05131"
    assert merged["authors"][0] == "Yi Tay" and len(merged["authors"]) == 13
    assert merged["digests"] == ["2022-05-11", "2026-05-09"] and merged["date"] == "2026-05-09"
    assert read_content_file(merged["_path"]).body == body  # the longer abstract a person may have kept
    assert len(list((content_dir / "papers").glob("*.md"))) == 56

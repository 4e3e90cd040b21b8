"""The benchmark's corpus-to-content converter (bench/corpus_to_content.py), on tiny JSONL files."""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from generator.content import read_content_file
from generator.site import load_site
from generator.topics import classify, load_topics

from .common import REPO


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


converter = _load("corpus_to_content")


def arxiv_record(i: int, **extra) -> dict:
    record = {
        "id": f"2606.{10000 + i}",
        "categories": ["cs.LG"],
        "pdf": f"https://arxiv.org/pdf/2606.{10000 + i}",
        "abs": f"https://arxiv.org/abs/2606.{10000 + i}",
        "authors": ["Ada  Lovelace", "Alan Turing"],
        "title": f"A  Transformer\n  Study {i}",
        "comment": None,
        "summary": f"We train large language models.\n  Code: https://github.com/a/b{i}. Costs 5\\% less.",
    }
    record.update(extra)
    return record


def write_jsonl(path: Path, records: list[dict]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    return path


def meta_by_id(dest: Path) -> dict[str, dict]:
    files = [read_content_file(p) for p in sorted((dest / "papers").glob("*.md"))]
    return {f.meta["id"]: {**f.meta, "_body": f.body, "_slug": f.path.stem} for f in files}


def test_arxiv_records_become_valid_content(tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "a.jsonl.gz", [arxiv_record(i) for i in range(3)])
    dest = tmp_path / "content"
    assert converter.write_content(corpus, 2, dest) == 2
    assert (dest / "topics.yml").is_file() and (dest / "site.yml").is_file()
    papers = meta_by_id(dest)
    assert set(papers) == {"2606.10000", "2606.10001"}
    paper = papers["2606.10000"]
    assert paper["title"] == "A Transformer Study 0"
    assert paper["_slug"] == "a-transformer-study-0"
    assert paper["date"] == "2026-08-31" and paper["digests"] == ["2026-08-31"]
    assert paper["source"] == "corpus" and paper["arxiv"] == "2606.10000"
    assert paper["authors"] == ["Ada Lovelace", "Alan Turing"]
    assert {"label": "Code", "url": "https://github.com/a/b0"} in paper["links"]
    assert {"label": "arXiv", "url": "https://arxiv.org/abs/2606.10000"} in paper["links"]
    topics = load_topics(dest / "topics.yml")
    assert paper["topics"] == classify(paper["title"], paper["_body"], topics)
    assert paper["_body"] == "We train large language models. Code: https://github.com/a/b0. Costs 5% less."
    site = load_site(dest)  # the build's own loader and validation accept every file
    assert len(site.papers) == 2


def test_arxiv_dates_go_back_one_day_per_hundred_papers(tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "a.jsonl.gz", [arxiv_record(i) for i in range(201)])
    dest = tmp_path / "content"
    assert converter.write_content(corpus, 201, dest) == 201
    papers = meta_by_id(dest)
    assert papers["2606.10000"]["date"] == "2026-08-31"
    assert papers["2606.10099"]["date"] == "2026-08-31"
    assert papers["2606.10100"]["date"] == "2026-08-30"
    assert papers["2606.10200"]["date"] == "2026-08-29"


def test_hf_feed_records_keep_their_date_and_get_unique_slugs(tmp_path: Path) -> None:
    records = [
        {
            "id": "https://huggingface.co/papers/2502.01341",
            "title": "Same Title",
            "content_text": "First abstract.",
            "url": "https://huggingface.co/papers/2502.01341",
            "date_published": "2025-02-04T15:51:54Z",
        },
        {"id": "https://huggingface.co/papers/x", "title": "  ", "content_text": "no title: skipped"},
        {
            "id": "https://huggingface.co/papers/2502.00698",
            "title": "Same  Title",
            "content_text": "",
            "url": "https://huggingface.co/papers/2502.00698",
            "date_published": "2025-02-03T12:50:53Z",
        },
    ]
    corpus = write_jsonl(tmp_path / "hf.jsonl.gz", records)
    dest = tmp_path / "content"
    assert converter.write_content(corpus, 5, dest) == 2
    papers = meta_by_id(dest)
    assert papers["2502.01341"]["date"] == "2025-02-04"
    assert papers["2502.00698"]["date"] == "2025-02-03"
    assert {papers["2502.01341"]["_slug"], papers["2502.00698"]["_slug"]} == {"same-title", "same-title-2"}
    assert {"label": "Hugging Face", "url": "https://huggingface.co/papers/2502.01341"} in papers[
        "2502.01341"
    ]["links"]
    assert "authors" not in papers["2502.01341"]
    assert len(load_site(dest).papers) == 2


def test_refuses_a_folder_that_already_holds_papers(tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "a.jsonl.gz", [arxiv_record(0)])
    dest = tmp_path / "content"
    converter.write_content(corpus, 1, dest)
    with pytest.raises(FileExistsError):
        converter.write_content(corpus, 1, dest)


def test_cli_reports_a_missing_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = converter.main(["--corpus", str(tmp_path / "nope.jsonl.gz"), str(tmp_path / "c")])
    assert status == 2
    assert "corpus not found" in capsys.readouterr().err

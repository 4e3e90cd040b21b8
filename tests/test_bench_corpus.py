"""The benchmark's input (bench/corpus.py): corpus lines as 100 daily JSONL digests, ingested as written."""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from generator.ingest.pipeline import ingest_files

from .common import REPO


def _load(name: str) -> ModuleType:
    """A module of bench/, which is not a package."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load("corpus")


def write_corpus(path: Path, count: int) -> list[str]:
    lines = [
        json.dumps({"id": f"2606.{10000 + i}", "title": f"Paper {i}", "summary": f"Abstract {i}."}) + "\n"
        for i in range(count)
    ]
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(lines)
    return lines


def test_the_first_n_lines_become_100_days_oldest_first_and_a_101st(tmp_path: Path) -> None:
    lines = write_corpus(tmp_path / "corpus.jsonl.gz", 450)
    days = corpus.write_days(tmp_path / "corpus.jsonl.gz", 300, tmp_path / "days", tmp_path / "next")
    assert [p.name[:10] for p in days.files] == sorted(p.name[:10] for p in days.files)
    assert days.files[-1].name == "2026-08-31-arxiv.jsonl" and len(days.files) == 100
    assert days.files[-1].read_text(encoding="utf-8") == "".join(lines[:3])  # the newest records last
    assert days.files[0].read_text(encoding="utf-8") == "".join(lines[297:300])
    assert days.next_day.name == "2026-09-01-arxiv.jsonl"
    assert days.next_day.read_text(encoding="utf-8") == "".join(lines[300:400])


def test_without_lines_left_the_101st_day_is_new_papers_all_the_same(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus.jsonl.gz", 200)
    days = corpus.write_days(tmp_path / "corpus.jsonl.gz", 200, tmp_path / "days", tmp_path / "next")
    records = [json.loads(line) for line in days.next_day.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 100 and all(r["id"].startswith("2607.9") for r in records)
    assert "2607.9" in days.next_day_source or "new arXiv ids" in days.next_day_source


def test_the_days_ingest_with_their_file_names_dates(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus.jsonl.gz", 300)
    days = corpus.write_days(tmp_path / "corpus.jsonl.gz", 200, tmp_path / "days", tmp_path / "next")
    content = tmp_path / "content"
    plans = ingest_files(days.files, content, fmt="jsonl", today=date(2026, 9, 1))
    assert [plan.date.isoformat() for plan in plans] == [p.name[:10] for p in days.files]
    assert sum(plan.count("new") for plan in plans) == 200
    assert len(list((content / "papers").glob("*.md"))) == 200


def test_fewer_than_one_paper_a_day_is_refused(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus.jsonl.gz", 50)
    with pytest.raises(ValueError, match="at least 100"):
        corpus.write_days(tmp_path / "corpus.jsonl.gz", 50, tmp_path / "days", tmp_path / "next")

"""The `digest` command as a user runs it, on the real seed digest."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from generator.content import read_content_file
from generator.markdown import render
from generator.model import SLUG_RE

from .common import snapshot
from .test_text_roundtrip import expected_html_with_math


def digest(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)], capture_output=True, text=True, cwd=cwd
    )


def seed_papers(seed: Path) -> list[tuple[str, str]]:
    """The seed's (title, abstract) pairs, read the simplest possible way, independent of our parser."""
    blocks = [b.strip() for b in seed.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    body = blocks[5:]
    return [(body[i], body[i + 1]) for i in range(0, len(body), 2)]


def test_seed_ingest_end_to_end(seed_path: Path, content_dir: Path) -> None:
    result = digest("ingest", seed_path, "--content", content_dir)
    assert result.returncode == 0, result.stderr
    assert "56 new, 0 updated, 0 unchanged, 0 skipped" in result.stdout
    assert "2026-05-09" in result.stdout and "most recent" in result.stdout

    expected = seed_papers(seed_path)
    assert len(expected) == 56
    files = sorted((content_dir / "papers").glob("*.md"))
    assert len(files) == 56
    by_title = {}
    for path in files:
        assert SLUG_RE.fullmatch(path.stem) and len(path.stem) <= 80
        paper = read_content_file(path)
        by_title[paper.meta["title"]] = paper
        for field in ("id", "title", "date", "digests", "topics", "links", "source"):
            assert field in paper.meta, (path, field)
    assert sorted(by_title) == sorted(t for t, _ in expected)
    for title, abstract in expected:
        # The README's only text rules besides whitespace: TeX quotes and \% become typography.
        latex_free = re.sub(r"``(.*?)''", "\u201c\\1\u201d", abstract).replace("\\%", "%")
        assert render(by_title[title].body) == expected_html_with_math(latex_free), title

    copy = content_dir / "digests" / "2026-05-09-hf-trending-may-9.txt"
    assert copy.read_bytes() == seed_path.read_bytes()

    # Idempotent: the same digest again changes no byte and says so.
    before = snapshot(content_dir)
    again = digest("ingest", seed_path, "--content", content_dir)
    assert again.returncode == 0, again.stderr
    assert "56 unchanged" in again.stdout
    assert snapshot(content_dir) == before


def test_hand_edit_survives_reingest_from_another_date(
    seed_path: Path, content_dir: Path, tmp_path: Path
) -> None:
    assert digest("ingest", seed_path, "--content", content_dir).returncode == 0
    path = content_dir / "papers" / "pointer-networks.md"
    text = path.read_text(encoding="utf-8")
    edited = re.sub(r"^title: .*$", "title: 'Pointer Networks (NeurIPS 2015)'", text, count=1, flags=re.M)
    edited = edited.replace("We introduce", "We (hand-edited) introduce")
    path.write_text(edited, encoding="utf-8")
    later = tmp_path / "hf-trending-2026-05-10.txt"
    later.write_text(seed_path.read_text(encoding="utf-8").replace("May 9", "May 10"), encoding="utf-8")
    result = digest("ingest", later, "--content", content_dir)
    assert result.returncode == 0, result.stderr
    assert "56 updated" in result.stdout
    assert "from the file name" in result.stdout
    paper = read_content_file(path)
    assert paper.meta["title"] == "Pointer Networks (NeurIPS 2015)"
    assert paper.meta["digests"] == ["2026-05-09", "2026-05-10"]
    assert "(hand-edited)" in paper.body


def test_dry_run_prints_plan_and_writes_nothing(seed_path: Path, content_dir: Path) -> None:
    before = snapshot(content_dir)
    result = digest("ingest", seed_path, "--content", content_dir, "--dry-run", "--date", "2025-05-09")
    assert result.returncode == 0, result.stderr
    assert "new: " in result.stdout and "2025-05-09" in result.stdout and "dry run" in result.stdout
    assert snapshot(content_dir) == before


def test_errors_are_one_line_with_status_2(tmp_path: Path, content_dir: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    missing = tmp_path / "missing.txt"
    for args in (
        ["ingest", empty],
        ["ingest", missing],
        ["ingest", tmp_path],
        ["ingest", empty, "--date", "May"],
    ):
        result = digest(*args, "--content", content_dir)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("digest: error: "), result.stderr
        assert "Traceback" not in result.stderr
    assert snapshot(content_dir) == {"topics.yml": (content_dir / "topics.yml").read_bytes()}


def test_title_without_abstract_warns_with_line_and_keeps_the_rest(tmp_path: Path, content_dir: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_text("May 9\n\nOne\n\nAbstract one.\n\nDangling\n", encoding="utf-8")
    result = digest("ingest", path, "--content", content_dir, "--date", "2026-05-09")
    assert result.returncode == 0, result.stderr
    assert "line 7" in result.stderr and "Dangling" in result.stderr
    assert "1 new" in result.stdout and "1 skipped" in result.stdout

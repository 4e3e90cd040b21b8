"""Everyday file names through `make site`: spaces, Unicode, leading dashes, and editors' leftovers.

The Makefile used to list content/digests/ with `$(wildcard)`, which splits names on spaces, so one digest
named "may 9.txt" broke every later `make site`; it now passes the folder and `digest ingest` lists it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from generator.content import read_content_file
from generator.names import content_files, is_ignored_name

from .common import REPO, SHARED

HF_DAY = SHARED / "samples" / "hf-api" / "daily-papers-2026-06-12.json"
EDITOR_FILES = (".#may 9.txt", "may 9.txt~", ".may 9.txt.swp", "4913", "#may 9.txt#")


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), *args], capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "name",
    [
        ".#paper.md",
        "paper.md~",
        ".paper.md.swp",
        ".paper.md.swo",
        "4913",
        "#paper.md#",
        ".hidden.md",
        "x.tmp",
    ],
)
def test_editor_and_hidden_names_are_ignored(name: str) -> None:
    assert is_ignored_name(name)


@pytest.mark.parametrize("name", ["paper.md", "may 9.txt", "-dash.json", "día-論文.txt", "2026-05-09-hf.txt"])
def test_ordinary_names_are_content(name: str) -> None:
    assert not is_ignored_name(name)


def test_make_site_with_spaces_unicode_and_dashes(tmp_path: Path, seed_path: Path) -> None:
    if not HF_DAY.exists():
        pytest.skip(f"{HF_DAY} is absent")
    site = tmp_path / "my site"
    content = site / "content"
    digests = content / "digests"
    digests.mkdir(parents=True)
    shutil.copy(REPO / "content" / "topics.yml", content / "topics.yml")
    shutil.copy(seed_path, digests / "hf trending \u2013 may 9 論文.txt")
    shutil.copy(HF_DAY, digests / "-2026-06-12 daily.json")
    for junk in EDITOR_FILES:  # an editor's lock, backup and swap files: never digests
        (digests / junk).write_text("not a digest\n")

    result = make("site", f"CONTENT={content}", f"OUT={site / '_site'}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 digest(s): 86 new" in result.stdout
    assert (site / "_site" / "index.html").exists()

    # An editor's files beside the papers do not stop the build either (`.#x.md` is often a dangling link).
    papers = content / "papers"
    first = content_files(papers, ".md")[0]
    (papers / f".#{first.name}").symlink_to("user@host.1234:1700000000")
    shutil.copy(first, papers / f"{first.name}~")
    (papers / f".{first.name}.swp").write_bytes(b"\x00b0VIM 9.0\x00")
    again = make("site", f"CONTENT={content}", f"OUT={site / '_site'}")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "2 digest(s): 0 new, 0 updated, 86 unchanged" in again.stdout
    assert read_content_file(first).meta["title"]


def test_make_ingest_file_with_a_leading_dash(tmp_path: Path, seed_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(REPO / "content" / "topics.yml", content / "topics.yml")
    odd = tmp_path / "--dry-run may 9.txt"  # an option, were it not passed after `--`
    shutil.copy(seed_path, odd)
    result = make("ingest", f"CONTENT={content}", f"FILE={odd}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "56 new" in result.stdout and "dry run" not in result.stdout
    assert (content / "digests" / "2026-05-09---dry-run may 9.txt").exists()


def test_ingest_of_an_empty_folder_says_so(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    (content / "digests" / ".gitkeep").write_text("")
    result = make("ingest", f"CONTENT={content}")
    assert result.returncode == 0, result.stderr
    assert "No digests in" in result.stdout
    assert not (content / "papers").exists()

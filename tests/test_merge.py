"""The merge policy: hand edits survive, repeats change nothing, bad input writes nothing."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from generator.content import read_content_file
from generator.errors import DigestError
from generator.ingest.pipeline import ingest_files
from generator.lock import lock_path

from .common import snapshot

TODAY = date(2026, 11, 28)
DIGEST = """May 9

Grokking as Phase Transition

We study grokking in transformers trained with gradient descent. Code: https://github.com/a/grok.

Another Paper: About Diffusion Models

Diffusion models generate images. We propose a faster sampler.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_new_digest_writes_papers_copy_and_manifest(tmp_path: Path, content_dir: Path) -> None:
    plans = ingest_files([write(tmp_path, "d.txt", DIGEST)], content_dir, today=TODAY)
    assert plans[0].count("new") == 2
    files = sorted(p.name for p in (content_dir / "papers").iterdir())
    assert files == ["another-paper-about-diffusion-models.md", "grokking-as-phase-transition.md"]
    paper = read_content_file(content_dir / "papers" / "grokking-as-phase-transition.md")
    assert paper.meta["title"] == "Grokking as Phase Transition"
    assert paper.meta["date"] == "2026-05-09"
    assert paper.meta["digests"] == ["2026-05-09"]
    assert paper.meta["source"] == "digests/2026-05-09-d.txt"
    assert paper.meta["links"] == [{"label": "Code", "url": "https://github.com/a/grok"}]
    assert isinstance(paper.meta["topics"], list)
    assert (content_dir / "digests" / "2026-05-09-d.txt").read_text() == DIGEST
    assert "sha256" in (content_dir / "ingested.yml").read_text()


def test_reingest_changes_no_byte_and_reports_unchanged(tmp_path: Path, content_dir: Path) -> None:
    digest = write(tmp_path, "d.txt", DIGEST)
    ingest_files([digest], content_dir, today=TODAY)
    before = snapshot(content_dir)
    plans = ingest_files([digest], content_dir, today=TODAY)
    assert snapshot(content_dir) == before
    assert plans[0].already is not None
    assert plans[0].count("unchanged") == 2 and plans[0].count("new") == 0


def test_hand_edits_survive_a_later_digest(tmp_path: Path, content_dir: Path) -> None:
    ingest_files([write(tmp_path, "d.txt", DIGEST)], content_dir, today=TODAY)
    path = content_dir / "papers" / "grokking-as-phase-transition.md"
    text = path.read_text()
    edited = text.replace("title: Grokking as Phase Transition", "title: 'Grokking, Corrected by Hand'")
    edited = re.sub(r"^topics:.*\n(- .*\n)*", "# my comment\ntopics:\n- my-topic\n", edited, flags=re.M)
    edited += "\nA paragraph I added.\n"
    path.write_text(edited)
    later = DIGEST.replace("May 9", "May 10").replace("faster sampler.", "faster sampler!")
    plans = ingest_files([write(tmp_path, "later.txt", later)], content_dir, today=TODAY)
    assert plans[0].count("updated") == 2
    result = path.read_text()
    # The later digest lists the paper at the same position, so its rank gains the same number.
    position = re.search(r"^  '2026-05-09': (\d+)$", edited, re.M).group(1)
    expected = edited.replace("- 2026-05-09\n", "- 2026-05-09\n- 2026-05-10\n", 1)
    expected = expected.replace(
        f"  '2026-05-09': {position}\n", f"  '2026-05-09': {position}\n  '2026-05-10': {position}\n", 1
    )
    assert result == expected
    paper = read_content_file(path)
    assert paper.meta["title"] == "Grokking, Corrected by Hand"
    assert paper.meta["digests"] == ["2026-05-09", "2026-05-10"]
    assert paper.meta["date"] == "2026-05-09"
    assert "my-topic" in paper.meta["topics"]


def test_deleted_paper_stays_deleted_when_the_digest_is_ingested_again(
    tmp_path: Path, content_dir: Path
) -> None:
    digest = write(tmp_path, "d.txt", DIGEST)
    ingest_files([digest], content_dir, today=TODAY)
    (content_dir / "papers" / "grokking-as-phase-transition.md").unlink()
    ingest_files([digest], content_dir, today=TODAY)
    assert not (content_dir / "papers" / "grokking-as-phase-transition.md").exists()


def test_same_title_twice_gives_two_files(tmp_path: Path, content_dir: Path) -> None:
    text = "May 9\n\nSame Title\n\nFirst abstract.\n\nSame Title\n\nSecond abstract.\n"
    ingest_files([write(tmp_path, "d.txt", text)], content_dir, today=TODAY)
    names = sorted(p.name for p in (content_dir / "papers").iterdir())
    assert names == ["same-title-2.md", "same-title.md"]


def test_dry_run_writes_nothing(tmp_path: Path, content_dir: Path) -> None:
    before = snapshot(content_dir)
    plans = ingest_files([write(tmp_path, "d.txt", DIGEST)], content_dir, today=TODAY, dry_run=True)
    assert plans[0].count("new") == 2
    assert snapshot(content_dir) == before


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b"  \n\n\t\n", "is empty"),
        ("binary.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("latin1.txt", "May 9\n\nCaf\xe9\n\nAbstract.\n".encode("latin-1"), "not UTF-8"),
        ("chrome.txt", b"new\n\nSubscribe\n\nMay 9\n", "no papers"),
        ("nodate.txt", b"A Title\n\nAn abstract.\n", "--date"),
    ],
)
def test_bad_input_is_one_error_and_writes_nothing(
    tmp_path: Path, content_dir: Path, name: str, data: bytes, message: str
) -> None:
    good = write(tmp_path, "good.txt", DIGEST)
    bad = tmp_path / name
    bad.write_bytes(data)
    before = snapshot(content_dir)
    with pytest.raises(DigestError) as caught:
        ingest_files([good, bad], content_dir, today=TODAY)
    assert message in str(caught.value)
    assert name in str(caught.value)
    assert snapshot(content_dir) == before


def test_broken_content_file_stops_ingest_with_its_line(tmp_path: Path, content_dir: Path) -> None:
    papers = content_dir / "papers"
    papers.mkdir()
    (papers / "broken.md").write_text("---\nid: x\ntitle: [unclosed\n---\n\nBody.\n")
    with pytest.raises(DigestError) as caught:
        ingest_files([write(tmp_path, "d.txt", DIGEST)], content_dir, today=TODAY)
    assert "broken.md:" in str(caught.value)


def test_digest_already_in_content_digests_is_not_copied(content_dir: Path) -> None:
    digests = content_dir / "digests"
    digests.mkdir()
    dropped = write(digests, "dropped.txt", DIGEST)
    ingest_files([dropped], content_dir, today=TODAY)
    assert sorted(p.name for p in digests.iterdir()) == ["dropped.txt"]
    paper = read_content_file(content_dir / "papers" / "grokking-as-phase-transition.md")
    assert paper.meta["source"] == "digests/dropped.txt"


def test_hostile_title_cannot_escape_content(tmp_path: Path, content_dir: Path) -> None:
    text = "May 9\n\n../../../etc/passwd\n\nAn abstract.\n"
    ingest_files([write(tmp_path, "d.txt", text)], content_dir, today=TODAY)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    # Only content/ is written to; the lock file of content/ lies beside it by design (lock.py).
    assert all(
        p.is_relative_to(content_dir) or p.name == "d.txt" or p == lock_path(content_dir) for p in written
    )
    assert (content_dir / "papers" / "etc-passwd.md").exists()


def test_a_digest_file_changed_in_place_replaces_its_manifest_entry(content_dir: Path) -> None:
    """A re-fetched day rewrites content/digests/<day>-...: its one manifest entry follows the new text,
    and only the paper that is new in it is added."""
    digest = content_dir / "digests" / "2026-05-09-day.txt"
    digest.parent.mkdir()
    digest.write_text(DIGEST, encoding="utf-8")
    ingest_files([digest], content_dir, today=TODAY)
    digest.write_text(DIGEST + "\nA Third Paper Posted Later\n\nIt arrived in the afternoon.\n", "utf-8")
    [plan] = ingest_files([digest], content_dir, today=TODAY)
    assert (plan.count("new"), plan.count("unchanged")) == (1, 2)
    manifest = (content_dir / "ingested.yml").read_text(encoding="utf-8")
    assert manifest.count("file: digests/2026-05-09-day.txt") == 1
    assert "papers: 3" in manifest

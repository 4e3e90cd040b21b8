"""All-or-nothing writes: the permissions a file is expected to have, a temporary name of its own per
call, nothing left behind when a write fails."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from generator.atomic import atomic_copy, atomic_write, is_leftover_name


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_usual_permissions_not_mkstemps_0600(tmp_path: Path) -> None:
    """The same permissions as a file made with open() (0644 under the usual umask 022)."""
    plain = tmp_path / "plain.md"
    plain.write_text("text")
    atomic_write(tmp_path / "new.md", "text")
    atomic_copy(tmp_path / "new.md", tmp_path / "copy.md")
    assert mode(tmp_path / "new.md") == mode(plain)
    assert mode(tmp_path / "copy.md") == mode(plain)
    umask = os.umask(0o022)  # the only way to read it is to set it: put it back at once
    os.umask(umask)
    if umask == 0o022:
        assert mode(plain) == 0o644
    assert (tmp_path / "copy.md").read_text() == "text"


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "paper.md"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and mode(target) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["paper.md"]  # no temporary file left behind


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "paper.md"
    target.write_text("old")
    with pytest.raises(FileNotFoundError):
        atomic_copy(tmp_path / "missing.txt", target)

    def full_disk(source: object, destination: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, "new")
    assert [p.name for p in tmp_path.iterdir()] == ["paper.md"] and target.read_text() == "old"


WRITER = """
import sys
from pathlib import Path
from generator.atomic import atomic_write
for number in range(200):
    atomic_write(Path(sys.argv[1]), f"{sys.argv[2]} {number}\\n" * 50)
"""


def test_writers_of_one_file_at_once_never_share_a_temporary_name(tmp_path: Path) -> None:
    """Three processes rewrite one file 200 times each: no error (a shared temporary name would make one
    writer rename or delete another's file), the file is always one whole write, nothing is left over."""
    target = tmp_path / "ingested.yml"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(target), f"writer{n}"], stderr=subprocess.PIPE)
        for n in range(3)
    ]
    seen = set()
    while any(w.poll() is None for w in writers):
        if target.exists():
            lines = set(target.read_text().splitlines())
            assert len(lines) == 1  # never a mix of two writes, never a partial one
            seen |= lines
        time.sleep(0.002)
    assert [w.wait() for w in writers] == [0, 0, 0], [w.stderr.read() for w in writers if w.stderr]
    assert [p.name for p in tmp_path.iterdir()] == ["ingested.yml"]
    assert seen and target.read_text().count("\n") == 50


def test_leftover_names_are_exactly_atomic_writes_temporary_files(tmp_path: Path) -> None:
    fd, name = tempfile.mkstemp(prefix=".paper.md.", suffix=".tmp", dir=tmp_path)
    os.close(fd)
    assert is_leftover_name(Path(name).name)
    assert is_leftover_name(".ingested.yml.a_9b8c7d.tmp")
    for name in ("paper.md", ".notes.tmp", ".paper.md.swp", "x.abcdefgh.tmp", ".paper.md.ABCDEFGH.tmp"):
        assert not is_leftover_name(name), name

"""All-or-nothing writes keep the permissions a file is expected to have."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from generator.atomic import atomic_copy, atomic_write


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

"""`digest serve` re-renders an edited paper's own page at once, before the full rebuild (preview.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build import BuildMemory, build_site
from generator.preview import preview_papers

from . import site_support as support
from .common import snapshot


@pytest.fixture
def served(tmp_path: Path) -> tuple[Path, Path, BuildMemory]:
    content = support.copy_content(tmp_path / "content")
    out = tmp_path / "site"
    memory = BuildMemory()
    build_site(content, out, memory=memory)
    return content, out, memory


def retitle(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("title:"))
    path.write_text(text.replace(line, f"title: {title}", 1), encoding="utf-8")


def test_an_edited_title_is_in_its_page_at_once_and_nothing_else_changes(
    served: tuple[Path, Path, BuildMemory],
) -> None:
    content, out, memory = served
    path = sorted((content / "papers").glob("*.md"))[7]
    before = snapshot(out)
    retitle(path, "'Seen <at> once'")
    written = preview_papers(memory, content, out, [path])
    assert written == [f"papers/{path.stem}/index.html"]
    after = snapshot(out)
    assert [name for name in after if after[name] != before[name]] == written
    assert b"Seen &lt;at&gt; once" in after[written[0]]
    build_site(content, out, memory=memory)  # the full rebuild then makes the site a build's
    fresh = out.parent / "fresh"
    build_site(content, fresh, use_cache=False)
    assert snapshot(out) == snapshot(fresh)


def test_other_changes_wait_for_the_full_rebuild(served: tuple[Path, Path, BuildMemory]) -> None:
    content, out, memory = served
    path = sorted((content / "papers").glob("*.md"))[3]
    new = path.with_name("a-new-paper.md")
    new.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert preview_papers(memory, content, out, [new]) == []  # a new file
    assert preview_papers(memory, content, out, [content / "topics.yml"]) == []
    broken = sorted((content / "papers").glob("*.md"))[4]
    broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    assert preview_papers(memory, content, out, [broken]) == []  # the rebuild reports it
    assert preview_papers(BuildMemory(), content, out, [path]) == []  # no build yet

"""The build cache (`.cache/` beside the site) can make a build faster, never different.

Each test changes what a user changes (a paper's title, a file's name, a deleted paper, a template, a
topic, the settings, the generator itself, a damaged cache), rebuilds with the cache of the build before,
and compares the result byte for byte with a build of the same content that uses no cache at all. The
counts say the cache was really used: pages whose inputs did not change are reused, the others are not.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import build as build_module
from generator import parallel
from generator.build import BuildResult, build_site, spare_of
from generator.cache import papers as papers_cache

from . import site_support as support
from .common import snapshot

Snapshots = dict[str, dict[str, bytes]]  # snapshots (`common.snapshot`) by name


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed content and its first (cold, cached) build, made once for the module: `content/`, `site/`
    and the cache `.cache/` beside them (with the lock files) in the folder returned. Tests never touch it:
    each works on its own copy (the `site` fixture)."""
    root = tmp_path_factory.mktemp("first-build")
    build_site(support.copy_content(root / "content"), root / "site")
    return root


@pytest.fixture
def site(first_build: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the seed content and the output folder of its first (cached) build, with its cache: the
    module's first build copied as `cp -a` would (the site's pages stay hard links of the cache's entries,
    as the build made them), so each test starts from that build's exact state and may change anything."""
    support.copy_tree(first_build, tmp_path)
    return tmp_path / "content", tmp_path / "site"


@pytest.fixture(scope="module")
def seed_without_cache(tmp_path_factory: pytest.TempPathFactory) -> Snapshots:
    """The snapshot of a build of the unchanged seed content that uses no cache at all, for the tests
    that rebuild the seed content as it is (a build without cache of the same bytes is the same)."""
    root = tmp_path_factory.mktemp("without-cache")
    content = support.copy_content(root / "content")
    build_site(content, root / "fresh", use_cache=False)
    return {"content": snapshot(content), "site": snapshot(root / "fresh")}


def rebuild(content: Path, out: Path, without_cache: Snapshots | None = None) -> BuildResult:
    """Build with the cache of the builds before, then check the site is exactly a cache-less build's.

    `without_cache`: the `seed_without_cache` fixture, whose build stands for the cache-less build when
    the content is still byte for byte the seed's (checked here); else the content is built anew."""
    result = build_site(content, out)
    if without_cache is not None:
        assert snapshot(content) == without_cache["content"], "the content is no longer the seed's"
        assert snapshot(out) == without_cache["site"], "a cached build differs from a build without cache"
        return result
    fresh = out.parent / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(spare_of(fresh), ignore_errors=True)
    build_site(content, fresh, use_cache=False)
    assert snapshot(out) == snapshot(fresh), "a cached build differs from a build without cache"
    return result


def paper_file(content: Path, index: int = 0) -> Path:
    return sorted((content / "papers").glob("*.md"))[index]


def with_field(text: str, key: str, value: str) -> str:
    """The file's text with the top-level `key:` line replaced by `key: value`."""
    line = next(line for line in text.splitlines() if line.startswith(f"{key}:"))
    return text.replace(line, f"{key}: {value}", 1)


def test_a_rebuild_with_nothing_changed_reuses_every_page(
    site: tuple[Path, Path], seed_without_cache: Snapshots
) -> None:
    content, out = site
    result = rebuild(content, out, seed_without_cache)
    assert result.reused == result.pages > 80  # every HTML page; feeds and sitemap are always made
    assert result.cache["papers_parsed"] == 0 and result.cache["papers_reused"] == 56
    assert result.cache["search_index_reused"] is True


def test_an_edited_title_changes_its_page_and_the_pages_that_show_it(site: tuple[Path, Path]) -> None:
    content, out = site
    path = paper_file(content, 3)
    edited = with_field(path.read_text(encoding="utf-8"), "title", "'A title edited by hand <b>&amp;</b>'")
    path.write_text(edited, encoding="utf-8")
    result = rebuild(content, out)
    page = (out / "papers" / path.stem / "index.html").read_text(encoding="utf-8")
    assert "A title edited by hand &lt;b&gt;&amp;amp;&lt;/b&gt;" in page
    assert result.cache["papers_parsed"] == 1
    assert 0 < result.reused < result.pages  # its neighbours' and lists' pages changed, not all


def test_a_renamed_paper_moves_and_a_deleted_one_goes(site: tuple[Path, Path]) -> None:
    content, out = site
    renamed, deleted = paper_file(content, 1), paper_file(content, 2)
    renamed.rename(renamed.with_name("a-new-name-for-it.md"))
    deleted.unlink()
    rebuild(content, out)
    assert (out / "papers" / "a-new-name-for-it" / "index.html").is_file()
    assert not (out / "papers" / renamed.stem).exists()
    assert not (out / "papers" / deleted.stem).exists()


def test_a_template_override_rerenders_the_pages_using_it(site: tuple[Path, Path]) -> None:
    content, out = site
    templates = content.parent / "templates"
    templates.mkdir()
    (templates / "paper.html").write_text(
        '{% extends "default/paper.html" %}'
        '{% block main %}<p class="mine">mine</p>{{ super() }}{% endblock %}',
        encoding="utf-8",
    )
    result = rebuild(content, out)
    assert result.reused == 0  # the template set is part of every page's key
    assert 'class="mine"' in (out / "papers" / paper_file(content).stem / "index.html").read_text()


def test_renamed_topics_and_new_settings_reach_every_page(site: tuple[Path, Path]) -> None:
    content, out = site
    topics = content / "topics.yml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("name: ", "name: Renamed ", 1))
    settings = content / "site.yml"
    settings.write_text(with_field(settings.read_text(encoding="utf-8"), "description", "A new description"))
    result = rebuild(content, out)
    assert result.reused == 0
    assert "A new description" in (out / "index.html").read_text(encoding="utf-8")


def test_a_new_generator_version_misses_every_entry(
    site: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    content, out = site
    monkeypatch.setattr(build_module, "code_fingerprint", lambda: "another generator")
    result = rebuild(content, out)
    assert result.reused == 0 and result.cache["papers_parsed"] == 56


def test_new_papers_from_an_ingest_are_built_like_a_cold_build(site: tuple[Path, Path]) -> None:
    content, out = site
    source = paper_file(content, 5)
    for number in range(3):
        text = with_field(source.read_text(encoding="utf-8"), "id", f"copy-{number}")
        text = with_field(text, "title", f"Copy {number} of a paper")
        (content / "papers" / f"copy-{number}.md").write_text(text, encoding="utf-8")
    result = rebuild(content, out)
    assert result.cache["papers_parsed"] == 3 and result.reused > 0


def test_a_damaged_cache_costs_a_warning_and_a_full_parse(
    site: tuple[Path, Path], seed_without_cache: Snapshots
) -> None:
    content, out = site
    stored = out.parent / ".cache" / papers_cache.FILE_NAME
    stored.write_bytes(stored.read_bytes()[:1000])
    result = rebuild(content, out, seed_without_cache)
    assert any("was damaged" in warning for warning in result.warnings), result.warnings
    assert result.cache["papers_parsed"] == 56
    assert build_site(content, out).warnings == ()  # saved whole again


def test_the_spare_site_is_updated_file_by_file_whatever_was_done_to_it(
    site: tuple[Path, Path], seed_without_cache: Snapshots
) -> None:
    """The previous site is kept beside the new one and becomes the next build's starting point: files
    added, changed or removed in it by hand, or a folder where a page goes, change nothing."""
    content, out = site
    build_site(content, out)  # now the spare holds the first build's site
    spare = spare_of(out)
    assert (spare / "index.html").is_file()
    (spare / "index.html").unlink()
    (spare / "stray.html").write_text("not ours", encoding="utf-8")
    page = spare / "papers" / paper_file(content).stem / "index.html"
    page.unlink()
    page.mkdir()
    rebuild(content, out, seed_without_cache)
    assert not (out / "stray.html").exists()


def test_pages_rendered_in_worker_processes_are_the_same(
    site: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    content, out = site
    monkeypatch.setattr(build_module, "code_fingerprint", lambda: "render them all again")
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    monkeypatch.setenv("DIGEST_WORKERS", "2")
    result = rebuild(content, out)
    assert result.reused == 0 and result.rendered > 100

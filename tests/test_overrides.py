"""A site folder's own templates and static files over the built-in ones, and the rest of the extension
surface: site.yml's keys, plugins that fail, the URL scheme as the one place paths are spelled.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Iterator
from dataclasses import fields
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator import plugins, urls
from generator.assets import SiteFolder, builtins
from generator.cli import main
from generator.ingest import detect
from generator.pages import base, digests, papers, topics
from generator.serve import default_watch_dirs

from . import site_support as support
from .common import CONTENT, REPO, snapshot
from .site_support import PageWatch, StaticServer, new_page

PAPER_OVERRIDE = """{% extends "default/paper.html" %}
{% block main %}
{{ super() }}
<aside class="lab-note" id="lab-note">Read in our Friday group: {{ paper.title }}</aside>
{% endblock %}
"""
BASE_OVERRIDE = """{% extends "default/base.html" %}
{% block footer %}<footer class="site-footer" id="lab-footer"><p>The Lab's digest</p></footer>{% endblock %}
"""
CSS_OVERRIDE = "body { background: rgb(1, 2, 3); }\n.lab-note { color: rgb(200, 0, 0); }\n"


@pytest.fixture(scope="module")
def lab_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed content in a site folder of its own with a paper template extending the built-in one, a
    base template replacing only the footer block, a replaced site.css and an added logo."""
    root = tmp_path_factory.mktemp("lab")
    content = support.copy_content(root / "content")
    (root / "templates").mkdir()
    (root / "templates" / "paper.html").write_text(PAPER_OVERRIDE)
    (root / "templates" / "base.html").write_text(BASE_OVERRIDE)
    (root / "static" / "css").mkdir(parents=True)
    (root / "static" / "css" / "site.css").write_text(CSS_OVERRIDE)
    (root / "static" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    support.build(content, root / "_site")
    return root


def test_template_override_extends_the_builtin_one(lab_site: Path) -> None:
    out = lab_site / "_site"
    paper = next((out / "papers").glob("*/index.html")).read_text()
    assert 'id="lab-note"' in paper
    assert '<section class="abstract"' in paper  # the built-in paper page is still all there
    assert 'id="related"' in paper
    home = (out / "index.html").read_text()
    assert "lab-note" not in home
    for page in (paper, home):  # base.html's footer block is the site's on every page, the rest built-in
        assert 'id="lab-footer"' in page and "Atom feed</a>" not in page
        assert 'class="site-header"' in page and "data-search-header" in page


def test_static_override_replaces_and_adds(lab_site: Path) -> None:
    out = lab_site / "_site" / "static"
    assert (out / "css" / "site.css").read_text() == CSS_OVERRIDE
    builtin_css = builtins().static / "css" / "search.css"
    assert (out / "css" / "search.css").read_bytes() == builtin_css.read_bytes()
    assert (out / "logo.svg").is_file()
    assert (out / "js" / "lunr.min.js").is_file()


def test_overrides_show_in_the_browser(lab_site: Path, browser: Any) -> None:
    out = lab_site / "_site"
    slug = next((out / "papers").glob("*/index.html")).parent.name
    page = new_page(browser)
    watch = PageWatch.attach(page)
    try:
        with StaticServer(out) as server:
            page.goto(server.url(f"papers/{slug}/"))
            note = page.locator("#lab-note")
            assert note.is_visible()
            assert note.evaluate("e => getComputedStyle(e).color") == "rgb(200, 0, 0)"
            assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(1, 2, 3)"
            assert page.locator("h1").inner_text()  # the built-in page body rendered under the override
    finally:
        page.context.close()
    assert watch.problems() == []


def test_this_checkout_is_a_site_folder_whose_overrides_are_the_builtins() -> None:
    folder = SiteFolder.of(CONTENT)
    assert folder.root == REPO
    assert folder.template_dirs() == [builtins().templates]
    assert folder.static_files()["css/site.css"] == builtins().static / "css" / "site.css"


def test_serve_watches_the_override_folders(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    assert (tmp_path / "templates") not in default_watch_dirs(content)
    (tmp_path / "templates").mkdir()
    (tmp_path / "static").mkdir()
    watched = default_watch_dirs(content)
    assert watched[:3] == [content.resolve(), tmp_path.resolve() / "templates", tmp_path.resolve() / "static"]


def test_unknown_site_setting_is_an_error_at_its_line(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(CONTENT / "topics.yml", content / "topics.yml")
    (content / "site.yml").write_text("title: Lab digest\n\nbase_ulr: https://example.org/\n")
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert result.exit_code == 2
    assert result.stderr.strip().split("\n") == [
        f"digest: error: {content / 'site.yml'}:3: unknown setting 'base_ulr'; "
        "expected title, description, base_url, repository, branch",
        f"digest: error: {content / 'papers'}: no papers yet: ingest a digest first (digest ingest FILE)",
    ]


# --- plugins that cannot be used ------------------------------------------------------------------------


@pytest.fixture
def fake_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[EntryPoint]]]:
    """Entry points as if installed: tests fill the dict by group."""
    installed: dict[str, list[EntryPoint]] = {}
    monkeypatch.setattr(plugins, "found", lambda group: tuple(installed.get(group, ())))
    detect.all_formats.cache_clear()
    yield installed
    detect.all_formats.cache_clear()


def test_a_plugin_page_builder_that_fails_to_import_is_one_line(
    fake_plugins: dict[str, list[EntryPoint]], tmp_path: Path
) -> None:
    fake_plugins[plugins.PAGES_GROUP] = [EntryPoint("gone", "no_such_module_xyz:build", plugins.PAGES_GROUP)]
    content = support.copy_content(tmp_path / "content")
    result = CliRunner().invoke(main, ["build", "--content", str(content), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert re.fullmatch(
        r"digest: error: plugin 'gone' \(research_digest\.pages = no_such_module_xyz:build\) cannot be "
        r"loaded: ModuleNotFoundError: .* \(nothing was written\)\n",
        result.stderr,
    )
    assert not (tmp_path / "out").exists()


def test_a_plugin_format_of_the_wrong_shape_is_one_line(
    fake_plugins: dict[str, list[EntryPoint]], tmp_path: Path, seed_path: Path
) -> None:
    fake_plugins[plugins.FORMATS_GROUP] = [EntryPoint("odd", "json:dumps", plugins.FORMATS_GROUP)]
    content = tmp_path / "content"
    content.mkdir()
    before = snapshot(content)
    result = CliRunner().invoke(main, ["ingest", "--content", str(content), str(seed_path)])
    assert result.exit_code == 2
    assert "plugin 'odd' (research_digest.formats = json:dumps) has no sniff(head) and parse(source)" in (
        result.stderr
    )
    assert snapshot(content) == before


# --- one URL scheme --------------------------------------------------------------------------------------

# Page and asset paths; "404.html" is left out: it is also the 404 template's name.
SITE_PATH = re.compile(r"^(papers|topics|digests|search|static)/|^(feed|sitemap)\.xml$|^robots\.txt$")


def _string_constants(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            yield node.lineno, str(node.values[0].value)


def test_no_module_but_urls_spells_a_site_path() -> None:
    spelled = [
        f"{path.relative_to(REPO)}:{line}: {text!r}"
        for path in sorted((REPO / "generator").rglob("*.py"))
        if path.name != "urls.py" and "ingest" not in path.parts
        for line, text in _string_constants(path)
        if SITE_PATH.search(text)
    ]
    assert spelled == []


# A link-carrying attribute whose value has a letter outside `{{ ... }}`: a path written by hand.
LINK_ATTRIBUTE = re.compile(
    r'(?:href|src|action|data-(?:root|index|search-page|worker))="([^"{]*[a-z][^"{]*)"'
)


def test_no_template_spells_a_site_path() -> None:
    spelled = [
        f"{path.name}: {match.group(0)}"
        for path in sorted(builtins().templates.glob("*.html"))
        for match in LINK_ATTRIBUTE.finditer(path.read_text())
        if not match.group(1).startswith(("#", "http"))
    ]
    assert spelled == []


def test_urls_and_files_agree() -> None:
    assert urls.file_of(urls.paper("x")) == "papers/x/index.html"
    assert urls.url_of(urls.file_of(urls.topic("t", 3))) == "topics/t/page/3/"
    assert urls.file_of(urls.home()) == "index.html" and urls.url_of("index.html") == ""
    assert urls.file_of(urls.topic_feed("t")) == "topics/t/feed.xml"
    assert urls.root_of(urls.file_of(urls.topic("t", 2))) == "../../../../"
    assert urls.search("authors:Jürgen Li") == "search/?q=authors:J%C3%BCrgen%20Li"
    assert urls.absolute("https://example.org/sub", urls.paper("x")) == "https://example.org/sub/papers/x/"
    assert urls.absolute("", urls.paper("x")) is None


# --- the template API is documented ----------------------------------------------------------------------


def test_templates_readme_documents_every_variable() -> None:
    readme = (builtins().templates / "README.md").read_text()
    # A variable is documented by a bullet naming it before the colon: "- `papers`, `ranks`: ...".
    documented = {
        name
        for bullet in re.findall(r"^- (.*?):", readme, re.MULTILINE)
        for name in re.findall(r"`([a-z_]+)`", bullet)
    }
    kinds: list[Any] = [
        base.Head,
        digests.HomeVars,
        digests.ArchiveVars,
        digests.DigestVars,
        topics.TopicsVars,
        topics.TopicVars,
        papers.PaperVars,
    ]
    expected = {f.name for kind in kinds for f in fields(kind)} - {"title"}  # Head.title is `page_title`
    expected |= {"site", "root", "page_title", "canonical", "topic_names", "urls"}
    assert sorted(expected - documented) == []
    for template in builtins().templates.glob("*.html"):
        assert f"`{template.name}`" in readme, template.name

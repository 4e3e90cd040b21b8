"""The site offline: the web app manifest, the service worker (`sw.js`) and the file:// notice.

Unit tests check what the builder writes: the manifest's fields and relative URLs, byte-identical output
for the same input (with and without the build cache), and a worker VERSION that changes when a paper
changes and only then. Browser tests (headless Chromium) visit a served site, wait for the worker to
control the page, then cut the network and check that the pages read, search and a rebuilt site still
work. The network is cut twice over: the context goes offline (`set_offline`) and the server is shut
down, since Playwright's offline mode does not reach a service worker's own fetches in Chromium
(microsoft/playwright#2311): only a dead server proves that the answers come from the worker's caches.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import urls
from generator.assets import LUNR_TARGET, SiteFolder
from generator.pages import BUILDERS, misc
from generator.pages.base import PageRenderer
from generator.pages.environment import make_environment
from generator.pages.offline import offline, short_name, site_version
from generator.site import load_site

from . import site_support as support
from .site_support import StaticServer, new_page

GROKKING_SLUG = "grokking-as-the-transition-from-lazy-to-rich-training-dynamics"
GROKKING_TITLE = "Grokking as the Transition from Lazy to Rich Training Dynamics"
NEW_TITLE = "Zyxwvut Grokking Retitled After The Rebuild"
PAGE_TITLES = "#search-page-list .card-title"
#: Every URL the page's origin has in its caches.
EVERY_CACHED_URL = """caches.keys()
  .then((names) => Promise.all(names.map((name) => caches.open(name).then((cache) => cache.keys()))))
  .then((lists) => lists.flat().map((request) => request.url))"""


# --- sites --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed site, built once per session (shared with the other browser modules)."""
    return support.seed_site(tmp_path_factory)


def renderer_for(content: Path, base_url: str = "") -> PageRenderer:
    """A renderer over `content` as a build makes it, without rendering any page (fast)."""
    site = load_site(content)
    return PageRenderer(site, {}, base_url, make_environment(SiteFolder.of(content)))


def retitle(content: Path, slug: str, title: str) -> None:
    """Give one paper file a new title (the `title:` line of its front matter)."""
    path = content / "papers" / f"{slug}.md"
    text = path.read_text(encoding="utf-8")
    text, count = re.subn(r"(?m)^title: .*$", f"title: {title}", text, count=1)
    assert count == 1
    path.write_text(text, encoding="utf-8")


def version_of(site: Path) -> str:
    found = re.search(r'^const VERSION = "([0-9a-f]+)";$', (site / "sw.js").read_text(), re.M)
    assert found, "sw.js has no VERSION line"
    return found.group(1)


# --- the files the builder writes --------------------------------------------------------------------


def test_manifest_names_the_site_with_relative_urls_and_an_svg_icon(seed: Path) -> None:
    manifest = json.loads((seed / urls.manifest()).read_text(encoding="utf-8"))
    site = load_site(seed.parent / "content")
    assert manifest["name"] == site.config.title
    assert manifest["short_name"] == short_name(site.config.title)
    assert len(manifest["short_name"]) <= 12
    assert manifest["start_url"] == manifest["scope"] == manifest["id"] == "./"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    assert manifest["theme_color"] in (seed / "index.html").read_text(encoding="utf-8")  # base.html's
    icons = manifest["icons"]
    assert {"src": "static/favicon.svg", "sizes": "any", "type": "image/svg+xml"} in icons
    for icon in icons:
        assert not icon["src"].startswith(("/", "http")), icon
        assert (seed / icon["src"]).is_file()


def test_short_name_keeps_whole_words() -> None:
    assert short_name("Research Digest") == "Research"
    assert short_name("ML Daily") == "ML Daily"
    assert short_name("Supercalifragilistic") == "Supercalifra"
    assert short_name("A  B   C") == "A B C"


def test_service_worker_carries_version_shell_and_source(seed: Path) -> None:
    text = (seed / urls.service_worker()).read_text(encoding="utf-8")
    head = text.split("\n", 4)
    assert head[1].startswith('const VERSION = "') and head[2].startswith("const SHELL = [")
    assert head[3] == "const PRECACHE_PARTS_LIMIT = 200;"
    assert 'self.addEventListener("fetch"' in text and "skipWaiting" in text and "clients.claim" in text
    shell = json.loads(head[2].removeprefix("const SHELL = ").removesuffix(";"))
    for expected in ("./", "search/", "saved/", "search/index.json", "static/css/site.css",
                     "static/css/search.css", "static/js/search.js", "static/js/offline.js",
                     "static/js/search-worker.js", urls.static(LUNR_TARGET)):  # fmt: skip
        assert expected in shell
    assert "static/js/service-worker.js" not in shell
    for url in shell:  # relative to the root: the site works under a sub-path
        assert not url.startswith(("/", "http")), url
        if url != urls.static(LUNR_TARGET) or (seed / url).exists():
            assert (seed / urls.file_of(url)).is_file(), url


def test_builder_is_built_in_and_runs_before_robots() -> None:
    assert BUILDERS.index(offline) < BUILDERS.index(misc.robots)


def test_same_input_same_bytes_with_or_without_the_build_cache(seed: Path, tmp_path: Path) -> None:
    out = support.build_function()(seed.parent / "content", tmp_path / "site", use_cache=False).out_dir
    for name in (urls.manifest(), urls.service_worker()):
        assert (out / name).read_bytes() == (seed / name).read_bytes(), name


def test_version_changes_with_a_paper_title_and_only_then(tmp_path: Path) -> None:
    content = support.copy_content(tmp_path / "content")
    first = site_version(renderer_for(content))
    assert re.fullmatch(r"[0-9a-f]{20}", first)
    other = support.copy_content(tmp_path / "elsewhere" / "content")  # another folder, same input
    (other / "papers" / f"{GROKKING_SLUG}.md").touch()
    assert site_version(renderer_for(other)) == first
    retitle(content, GROKKING_SLUG, NEW_TITLE)
    changed = site_version(renderer_for(content))
    assert changed != first
    retitle(content, GROKKING_SLUG, GROKKING_TITLE)
    assert site_version(renderer_for(content)) == first
    assert site_version(renderer_for(content, "https://example.org/sub/")) != first


# --- in the browser -----------------------------------------------------------------------------------


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own service workers and caches) that lets the service worker run."""
    page = new_page(browser, service_workers="allow")
    yield page.context
    page.context.close()


def controlled(page: Any, url: str) -> None:
    """Open `url` and wait until the service worker controls the page (installed, shell precached)."""
    page.goto(url)
    page.wait_for_load_state("load")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert wait_until(page, "navigator.serviceWorker.controller !== null"), (
        "no service worker controls the page"
    )


def cut_network(context: Any, server: StaticServer) -> None:
    """Offline for the page, and no server for the worker's own fetches either."""
    context.set_offline(True)
    server.__exit__(None, None, None)


def wait_until(page: Any, script: str, timeout: float = 10.0) -> Any:
    """Poll a page expression (a promise is awaited) until it is truthy: `wait_for_function` evaluates
    strings with eval, which the site's Content-Security-Policy refuses."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_pages_read_online_open_offline_and_others_say_offline(context: Any, seed: Path) -> None:
    page = context.pages[0]
    server = StaticServer(seed, not_found=seed / "404.html").__enter__()
    try:
        controlled(page, server.url())
        assert page.locator(".disk-notice").count() == 0  # served: no notice, nothing moves
        page.goto(server.url(urls.paper(GROKKING_SLUG)))
        page.goto(server.url(urls.search()))
        page.wait_for_load_state("load")
        assert page.locator(".disk-notice").count() == 0
    finally:
        cut_network(context, server)
    response = page.goto(server.url(urls.paper(GROKKING_SLUG)))
    assert response is not None and response.status == 200 and response.from_service_worker
    assert page.locator("h1").inner_text().strip() == GROKKING_TITLE
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.visually-hidden')).position") == "absolute"
    )
    home = page.goto(server.url())
    assert home is not None and home.from_service_worker and page.locator("h1").count() == 1
    never = page.goto(server.url(urls.paper("a-deep-learning-framework-for-lifelong-machine-learning")))
    assert never is not None and never.status == 503
    assert "You are offline" in page.locator("h1").inner_text()
    assert page.locator("a", has_text="Saved papers").count() == 1


def test_search_works_offline_from_the_precached_index(context: Any, seed: Path) -> None:
    page = context.pages[0]
    server = StaticServer(seed, not_found=seed / "404.html").__enter__()
    try:
        controlled(page, server.url())
        parts = sorted(p.name for p in (seed / "search").glob("[pnd]-*.json"))
        assert 0 < len(parts) <= 200  # the seed is small: every part is precached on install
        cached = wait_until(page, EVERY_CACHED_URL)
        assert {url.rsplit("/", 1)[1] for url in cached} >= set(parts)
    finally:
        cut_network(context, server)
    page.goto(server.url(urls.search("grokking")))
    page.locator(PAGE_TITLES).nth(2).wait_for()
    titles = page.locator(PAGE_TITLES).all_inner_texts()
    assert any(GROKKING_TITLE in title for title in titles)


def test_a_new_build_is_shown_online_and_then_offline(context: Any, seed: Path, tmp_path: Path) -> None:
    root = support.copy_tree(seed.parent, tmp_path / "copy")  # the content, the site and its build cache
    content, out = root / "content", root / seed.name
    old_version = version_of(out)
    page = context.pages[0]
    paper = urls.paper(GROKKING_SLUG)
    server = StaticServer(out, not_found=out / "404.html").__enter__()
    try:
        controlled(page, server.url(paper))
        assert page.locator("h1").inner_text().strip() == GROKKING_TITLE
        retitle(content, GROKKING_SLUG, NEW_TITLE)
        support.build(content, out)
        new_version = version_of(out)
        assert new_version != old_version
        page.reload()
        assert page.locator("h1").inner_text().strip() == NEW_TITLE  # network first: the new build
        shells = "caches.keys().then(names => names.filter(n => n.includes(':shell-')).join(' '))"
        assert wait_until(
            page, f"{shells}.then(s => s.includes({new_version!r}) && !s.includes({old_version!r}))"
        )
        stored = f"caches.match({server.url(paper)!r}).then(r => r ? r.text() : '')"
        assert wait_until(page, f"{stored}.then(text => text.includes({NEW_TITLE!r}))")
    finally:
        cut_network(context, server)
    response = page.reload()
    assert response is not None and response.from_service_worker
    assert page.locator("h1").inner_text().strip() == NEW_TITLE


def test_from_disk_a_notice_says_the_site_needs_a_server(context: Any, seed: Path) -> None:
    page = context.pages[0]
    page.goto((seed / "papers" / GROKKING_SLUG / "index.html").as_uri())
    page.wait_for_load_state("load")
    notice = page.locator("#main > .disk-notice:first-child")
    assert notice.count() == 1
    text = notice.inner_text()
    assert "web server" in text and "digest serve" in text and "static host" in text
    assert page.evaluate("navigator.serviceWorker ? navigator.serviceWorker.controller : null") is None


def test_chromium_finds_the_site_installable(context: Any, seed: Path) -> None:
    page = context.pages[0]
    with StaticServer(seed, not_found=seed / "404.html") as server:
        controlled(page, server.url())
        session = context.new_cdp_session(page)
        errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
        manifest = session.send("Page.getAppManifest")
    # A test's browser context is incognito, where nothing installs; Chromium finds nothing else missing.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == [], errors
    assert not manifest.get("errors"), manifest.get("errors")


def test_under_a_sub_path_the_worker_covers_that_path_only(
    context: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    www = support.subpath_site(tmp_path_factory)
    page = context.pages[0]
    with StaticServer(www) as server:
        controlled(page, server.url("sub/"))
        scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
        assert scope == server.url("sub/")
        assert wait_until(page, f"caches.match({server.url('sub/search/index.json')!r}).then(Boolean)")
    outside = [path for path, _status in server.requests if not path.startswith("/sub/")]
    assert outside == []

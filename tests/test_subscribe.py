"""The Subscribe page and `feeds.opml`: every feed with an address to copy, one file for feed readers,
and an honest word on the e-mail edition. Built from the seed content, read as a feed reader and a
visitor would (xml.etree, and headless Chromium with clipboard access)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from markupsafe import escape

from generator.site import load_site

from . import site_support as support
from .site_support import PageWatch, StaticServer, new_page

BASE = "https://example.org/sub/"
SIGNUP = 'Write to <script>alert("x")</script> {{ 7*7 }} digest-join@example.org & say "hi".'
HONEST = "it cannot store subscribers"
SCREENSHOTS = Path("/tmp/i9")
AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
    .map((v) => `[${v.impact}] ${v.id}: ${v.help} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)"""


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed site with a base URL and a hostile `mail: signup` text; returns the built site."""
    root = tmp_path_factory.mktemp("subscribe")
    content = support.copy_content(root / "content")
    settings = {"title": "Lab & Co Digest", "base_url": BASE, "mail": {"signup": SIGNUP}}
    (content / "site.yml").write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return support.build(content, root / "site")


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed site as the repository has it: no base URL, no mail settings."""
    return support.seed_site(tmp_path_factory)


def topics() -> list[tuple[str, str]]:
    """The topics with papers: a topic no paper has gets no feed and is not listed."""
    site = load_site(support.CONTENT)
    return [(t.slug, t.name) for t in site.topics if site.papers_in_topic(t.slug)]


def feed_addresses(page: str) -> list[tuple[str, str]]:
    """(id, shown address) of every feed link on the page, in order."""
    return re.findall(r'<a id="(feed-url[a-z0-9-]*)" href="[^"]*">([^<]*)</a>', page)


def test_the_page_lists_every_feed_with_its_absolute_address(hosted: Path) -> None:
    page = (hosted / "subscribe" / "index.html").read_text(encoding="utf-8")
    expected = [("feed-url", f"{BASE}feed.xml")]
    expected += [(f"feed-url-{slug}", f"{BASE}topics/{slug}/feed.xml") for slug, _ in topics()]
    assert feed_addresses(page) == expected
    for slug, name in topics():  # links stay relative; each topic feed is announced for discovery too
        announced = f"Lab &amp; Co Digest: {escape(name)} papers"
        assert f'title="{announced}" href="../topics/{slug}/feed.xml">' in page
    assert page.count('class="copy"') == len(expected)
    assert f'<a href="../feeds.opml" download>{BASE}feeds.opml</a>' in page
    assert "relative to this page" not in page
    assert '<a href="../subscribe/" aria-current="page">Subscribe</a>' in page
    home = (hosted / "index.html").read_text(encoding="utf-8")
    assert '<li><a href="subscribe/">Subscribe</a></li>' in home  # in every page's nav
    assert f"<loc>{BASE}subscribe/</loc>" in (hosted / "sitemap.xml").read_text(encoding="utf-8")


def test_opml_lists_every_feed_for_a_feed_reader(hosted: Path) -> None:
    root = ET.parse(hosted / "feeds.opml").getroot()
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Lab & Co Digest"
    outlines = root.findall("body/outline")
    assert [o.get("xmlUrl") for o in outlines] == [f"{BASE}feed.xml"] + [
        f"{BASE}topics/{slug}/feed.xml" for slug, _ in topics()
    ]
    assert [o.get("htmlUrl") for o in outlines] == [BASE] + [f"{BASE}topics/{slug}/" for slug, _ in topics()]
    assert [o.get("text") for o in outlines] == ["Lab & Co Digest"] + [
        f"Lab & Co Digest: {name}" for _, name in topics()
    ]
    assert {o.get("type") for o in outlines} == {"rss"}
    for outline in outlines:  # every feed it names was built
        path = outline.get("xmlUrl", "").removeprefix(BASE)
        assert (hosted / path).is_file(), path


def test_without_a_base_url_addresses_are_relative_and_the_page_says_so(seed: Path) -> None:
    page = (seed / "subscribe" / "index.html").read_text(encoding="utf-8")
    addresses = feed_addresses(page)
    assert addresses[0] == ("feed-url", "../feed.xml")
    assert len(addresses) == 1 + len(topics())
    assert "relative to this page: a feed reader needs the site's full address" in page
    outlines = ET.parse(seed / "feeds.opml").getroot().findall("body/outline")
    assert [o.get("xmlUrl") for o in outlines][:2] == ["feed.xml", f"topics/{topics()[0][0]}/feed.xml"]


def test_signup_text_is_shown_as_text_and_the_static_site_is_honest(hosted: Path, seed: Path) -> None:
    page = (hosted / "subscribe" / "index.html").read_text(encoding="utf-8")
    assert (
        '<p class="signup">Write to &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; {{ 7*7 }} '
        "digest-join@example.org &amp; say &#34;hi&#34;.</p>"
    ) in page
    assert "<script>alert" not in page
    assert HONEST in page
    plain = (seed / "subscribe" / "index.html").read_text(encoding="utf-8")
    assert 'class="signup"' not in plain and "There is no e-mail sign-up for this site" in plain
    assert HONEST in plain


# --- in the browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hosted_server(hosted: Path) -> Iterator[StaticServer]:
    with StaticServer(hosted) as server:
        yield server


@pytest.fixture(scope="module")
def seed_server(seed: Path) -> Iterator[StaticServer]:
    with StaticServer(seed) as server:
        yield server


def copy_first_two(browser: Any, server: StaticServer) -> tuple[list[str], list[str], PageWatch]:
    """Click the first two copy buttons; what the clipboard held after each, and their labels."""
    page = new_page(browser, permissions=["clipboard-read", "clipboard-write"])
    watch = PageWatch.attach(page)
    copied: list[str] = []
    labels: list[str] = []
    try:
        page.goto(server.url("subscribe/"))
        buttons = page.locator("button.copy")
        for index in range(2):
            button = buttons.nth(index)
            assert button.is_visible()  # shown by site.js
            button.click()
            page.wait_for_function("(b) => b.textContent === 'Copied'", arg=button.element_handle())
            labels.append(button.inner_text())
            copied.append(page.evaluate("navigator.clipboard.readText()"))
    finally:
        page.context.close()
    return copied, labels, watch


def test_copy_buttons_copy_the_absolute_address(browser: Any, hosted_server: StaticServer) -> None:
    copied, labels, watch = copy_first_two(browser, hosted_server)
    assert copied == [f"{BASE}feed.xml", f"{BASE}topics/{topics()[0][0]}/feed.xml"]
    assert labels == ["Copied", "Copied"]
    assert watch.problems() == []


def test_copy_buttons_complete_a_relative_address(browser: Any, seed_server: StaticServer) -> None:
    copied, _, watch = copy_first_two(browser, seed_server)
    assert copied == [seed_server.url("feed.xml"), seed_server.url(f"topics/{topics()[0][0]}/feed.xml")]
    assert watch.problems() == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violations(browser: Any, hosted_server: StaticServer, scheme: str) -> None:
    support.require_node_file(support.AXE_JS)
    page = new_page(browser, color_scheme=scheme)
    try:
        page.goto(hosted_server.url("subscribe/"))
        page.evaluate(support.AXE_JS.read_text(encoding="utf-8"))  # the CSP refuses an inline <script>
        violations = page.evaluate(AXE_RUN)
    finally:
        page.context.close()
    serious = [v for v in violations if v.startswith(("[serious]", "[critical]"))]
    assert serious == [], "\n".join(violations)


@pytest.mark.parametrize("width", [360, 390, 1280])
def test_the_page_fits_a_phone(browser: Any, hosted_server: StaticServer, width: int) -> None:
    page = new_page(browser, viewport={"width": width, "height": 900}, is_mobile=width < 500)
    try:
        page.goto(hosted_server.url("subscribe/"))
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if width != 360:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"subscribe-{width}.png"))
            page.screenshot(path=str(SCREENSHOTS / f"subscribe-{width}-full.png"), full_page=True)
    finally:
        page.context.close()
    assert scroll_width <= width

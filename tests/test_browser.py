"""The built site in a real browser (headless Chromium through Playwright), as a visitor uses it.

The seed content is built once per session and served from 127.0.0.1; one browser serves the session.
Without Chromium these tests skip on a developer's machine and fail in CI (see site_support).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from . import site_support as support
from .site_support import PageWatch, StaticServer, new_page

SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return support.seed_site(tmp_path_factory)


@pytest.fixture(scope="module")
def server(seed: Path) -> Iterator[StaticServer]:
    with StaticServer(seed) as server:
        yield server


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> support.HostileSite:
    return support.hostile_site(tmp_path_factory)


@pytest.fixture(scope="module")
def hostile_server(hostile: support.HostileSite) -> Iterator[StaticServer]:
    with StaticServer(hostile.site) as server:
        yield server


@pytest.fixture(scope="module")
def subpath_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    root = support.subpath_site(tmp_path_factory)
    with StaticServer(root, not_found=root / "sub" / "404.html") as server:
        yield server


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = new_page(browser)
    yield page
    page.context.close()


# --- helpers ----------------------------------------------------------------------------------------

VISIBLE_LINKS_JS = """(els) => els.map((e, i) => ({
    i, href: e.href,
    visible: e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden',
}))"""


def page_pattern(base: str, kind: str) -> re.Pattern[str]:
    """Absolute URLs of one kind of page under `base` (pretty URL, or the same with index.html)."""
    paths = {
        "home": "",
        "topic": f"topics/(?P<slug>{SLUG})/",
        "paper": f"papers/(?P<slug>{SLUG})/",
    }
    return re.compile(re.escape(base) + paths[kind] + r"(?:index\.html)?$")


def follow(page: Any, pattern: re.Pattern[str], within: str = "body") -> re.Match[str]:
    """Click the first visible link under `within` whose URL matches, as a visitor would; it must load."""
    selector = f"{within} a[href]"
    links = page.eval_on_selector_all(selector, VISIBLE_LINKS_JS)
    for link in links:
        if link["visible"] and pattern.match(link["href"]):
            with page.expect_navigation() as navigation:
                page.locator(selector).nth(link["i"]).click()
            response = navigation.value
            assert response is not None and response.status == 200, (
                f"{link['href']} (linked from {within} on the previous page) answered "
                f"{response.status if response else 'nothing'}"
            )
            match = pattern.match(page.url.split("#")[0])
            assert match, f"clicking {link['href']} ended on {page.url}"
            return match
    hrefs = sorted({link["href"] for link in links})
    pytest.fail(f"no visible link matching {pattern.pattern} in {within} on {page.url}; links: {hrefs}")


def assert_clean(watch: PageWatch) -> None:
    problems = watch.problems()
    assert not problems, "problems while browsing:\n  " + "\n  ".join(problems)


def normalized(text: str) -> str:
    return " ".join(text.split())


def paper_title(slug: str) -> str:
    return str(support.front_matter(support.CONTENT / "papers" / f"{slug}.md")["title"])


def seed_papers() -> dict[str, dict[str, Any]]:
    return support.seed_front_matter()


def biggest_topic() -> str:
    counts: dict[str, int] = {}
    for meta in seed_papers().values():
        for topic in meta.get("topics") or []:
            counts[topic] = counts.get(topic, 0) + 1
    return max(sorted(counts), key=lambda t: counts[t])


def richest_paper() -> str:
    """The paper with the most links (ties: the longest title): the most to lay out and check."""
    papers = seed_papers()
    return max(papers, key=lambda s: (len(papers[s].get("links") or []), len(str(papers[s]["title"]))))


def widest_paper() -> str:
    """The paper whose abstract has the longest unbreakable word (a URL, say): the likeliest to overflow
    a phone screen."""

    def longest_word(path: Path) -> int:
        return max(len(word) for word in path.read_text(encoding="utf-8").split("---\n", 2)[2].split())

    papers = sorted((support.CONTENT / "papers").glob("*.md"))
    return max(papers, key=longest_word).stem


def latest_digest() -> str:
    return max(str(d) for meta in seed_papers().values() for d in meta.get("digests") or [meta["date"]])


# --- a visitor's journey ----------------------------------------------------------------------------


def test_home_topic_paper_journey(page: Any, server: StaticServer) -> None:
    """Home → a topic → a paper → one of its related papers, by clicking; no error anywhere."""
    watch = PageWatch.attach(page)
    base = server.url()
    response = page.goto(base)
    assert response is not None and response.status == 200

    follow(page, page_pattern(base, "topic"))
    assert page.locator("h1").count() == 1, f"{page.url} should have one <h1>"

    slug = follow(page, page_pattern(base, "paper"), within="main")["slug"]
    h1 = page.locator("h1")
    assert h1.count() == 1, f"{page.url} should have one <h1>"
    assert normalized(paper_title(slug)) in normalized(h1.inner_text()), f"{page.url}: <h1> lacks the title"

    related = page.locator("#related")
    assert related.count() == 1, f"{page.url} has no element with id=related"
    related_links = page.eval_on_selector_all("#related a[href]", "els => els.map(e => e.href)")
    paper_re = page_pattern(base, "paper")
    assert any(paper_re.match(h) for h in related_links), (
        f"#related on {page.url} links no paper: {related_links}"
    )

    other = follow(page, paper_re, within="#related")["slug"]
    assert other != slug, "a paper is listed as related to itself"
    assert normalized(paper_title(other)) in normalized(page.locator("h1").inner_text())
    assert_clean(watch)


# --- accessibility (axe-core) -----------------------------------------------------------------------


AXE_PAGES = {
    "home": lambda: "",
    "topics": lambda: "topics/",
    "topic": lambda: f"topics/{biggest_topic()}/",
    "paper": lambda: f"papers/{richest_paper()}/",
    "archive": lambda: "digests/",
    "digest": lambda: f"digests/{latest_digest()}/",
    "search": lambda: "search/",
    "search-results": lambda: "search/?q=language+model",
    "404": lambda: "404.html",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", list(AXE_PAGES))
def test_axe_finds_no_serious_violations(browser: Any, server: StaticServer, kind: str, scheme: str) -> None:
    support.require_node_file(support.AXE_JS)
    page = new_page(browser, color_scheme=scheme)
    try:
        url = server.url(AXE_PAGES[kind]())
        # Search results arrive after the index does: wait for the network to settle on that page.
        response = page.goto(url, wait_until="networkidle" if "?q=" in url else "load")
        assert response is not None and response.status == 200, (
            f"{url} answered {response and response.status}"
        )
        page.evaluate(support.AXE_JS.read_text(encoding="utf-8"))  # the CSP refuses an inline <script>
        violations = page.evaluate(support.AXE_RUN)
    finally:
        page.context.close()
    report = [
        f"[{v['impact']}] {v['id']}: {v['help']}\n"
        + "\n".join(f"      {n['target']}: {n['html'][:200]}\n        {n['summary']}" for n in v["nodes"])
        for v in violations
    ]
    print(f"axe on {url} ({scheme}): {len(violations)} violation(s)")
    for line in report:
        print("  " + line)
    serious = [r for v, r in zip(violations, report, strict=True) if v["impact"] in ("serious", "critical")]
    assert not serious, f"axe on {url} ({scheme} scheme):\n  " + "\n  ".join(serious)


# --- phones -----------------------------------------------------------------------------------------

OVERFLOW_JS = """(width) => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > width + 0.5)
    .slice(0, 8)
    .map((e) => `<${e.tagName.toLowerCase()} class="${e.className}"> right=${
        Math.round(e.getBoundingClientRect().right)}: ${(e.textContent || '').trim().slice(0, 60)}`)"""

PHONE_PAGES = {
    "home": lambda: "",
    "topic": lambda: f"topics/{biggest_topic()}/",
    "paper": lambda: f"papers/{widest_paper()}/",
}


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where phone screenshots go: $DIGEST_SCREENSHOTS when set, else a temporary folder."""
    chosen = os.environ.get("DIGEST_SCREENSHOTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("screenshots")


@pytest.mark.parametrize("kind", list(PHONE_PAGES))
def test_phone_width_has_no_horizontal_scroll(
    browser: Any, server: StaticServer, screenshot_dir: Path, kind: str
) -> None:
    page = new_page(browser, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        url = server.url(PHONE_PAGES[kind]())
        page.goto(url, wait_until="load")
        shot = screenshot_dir / f"phone-360-{kind}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of {url} at 360x740: {shot}")
        width = page.evaluate("document.documentElement.scrollWidth")
        overflowing = page.evaluate(OVERFLOW_JS, 360) if width > 360 else []
    finally:
        page.context.close()
    assert width <= 360, (
        f"{url} scrolls sideways on a 360px phone (scrollWidth {width}); wide elements:\n  "
        + ("\n  ".join(overflowing))
    )


# --- hostile content --------------------------------------------------------------------------------

INJECTION_JS = """() => ({
    javascriptUrls: [...document.querySelectorAll('[href], [src], [action], [formaction]')]
        .filter((e) => ['href', 'src', 'action', 'formaction'].some((a) =>
            (e.getAttribute(a) || '').replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase()
                .startsWith('javascript:')))
        .map((e) => e.outerHTML.slice(0, 200)),
    handlers: [...document.querySelectorAll('*')]
        .filter((e) => e.hasAttribute('onerror')
            || [...e.attributes].some((a) => a.name.startsWith('on') && a.value.includes('alert(')))
        .map((e) => e.outerHTML.slice(0, 200)),
    injectedImages: [...document.querySelectorAll('img[src="x"]')].map((e) => e.outerHTML),
})"""


def assert_not_injected(page: Any, watch: PageWatch) -> None:
    found = page.evaluate(INJECTION_JS)
    assert not watch.dialogs, f"hostile content ran on {page.url}: {watch.dialogs}"
    assert not watch.page_errors, f"script errors on {page.url}: {watch.page_errors}"
    assert not found["javascriptUrls"], f"javascript: URLs on {page.url}: {found['javascriptUrls']}"
    assert not found["handlers"], f"event-handler attributes on {page.url}: {found['handlers']}"
    assert not found["injectedImages"], f"injected <img> on {page.url}: {found['injectedImages']}"


HOSTILE_PAGES = {
    "paper": lambda h: f"papers/{h.slug}/",
    "home": lambda h: "",
    "topic": lambda h: f"topics/{h.topic}/",
}


@pytest.mark.parametrize("kind", list(HOSTILE_PAGES))
def test_hostile_content_is_shown_as_text(
    page: Any, hostile: support.HostileSite, hostile_server: StaticServer, kind: str
) -> None:
    """Markup, template syntax and `javascript:` links in a title or an abstract stay literal text."""
    watch = PageWatch.attach(page)
    url = hostile_server.url(HOSTILE_PAGES[kind](hostile))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, f"{url} answered {response and response.status}"
    assert_not_injected(page, watch)

    text = normalized(page.inner_text("body"))
    assert normalized(hostile.title) in text, f"{url} does not show the hostile title as text"
    if kind == "paper":
        assert normalized(hostile.title) in normalized(page.locator("h1").inner_text())
        assert normalized(support.HOSTILE_ABSTRACT) in text, f"{url} does not show the abstract as text"
    if kind == "topic":
        assert "Zyxwvut topic <script>alert(8)</script>" in text, (
            f"{url} does not show the topic name as text"
        )


# --- hosted under a sub-path ------------------------------------------------------------------------

SUB_BASE = "https://example.org/sub/"

LOCAL_URLS_JS = """() => [...document.querySelectorAll(
    'a[href], link[href], script[src], img[src], source[src], form[action], iframe[src]')]
    .map((e) => e.href || e.src || e.action)"""


def assert_stays_under(page: Any, server: StaticServer, prefix: str) -> None:
    outside = [
        url
        for url in page.evaluate(LOCAL_URLS_JS)
        if urlsplit(url).netloc in (urlsplit(server.origin).netloc, urlsplit(SUB_BASE).netloc)
        and not urlsplit(url).path.startswith(prefix)
    ]
    assert not outside, f"{page.url} links outside {prefix}: {sorted(set(outside))}"


def test_site_works_under_a_subpath(page: Any, subpath_server: StaticServer) -> None:
    """Built for https://example.org/sub/ and served under /sub/: every click stays inside /sub/."""
    watch = PageWatch.attach(page)
    base = subpath_server.url("sub/")
    response = page.goto(base)
    assert response is not None and response.status == 200
    assert_stays_under(page, subpath_server, "/sub/")

    follow(page, page_pattern(base, "topic"))
    assert_stays_under(page, subpath_server, "/sub/")
    follow(page, page_pattern(base, "paper"), within="main")
    assert_stays_under(page, subpath_server, "/sub/")
    follow(page, page_pattern(base, "home"), within="header")
    assert_stays_under(page, subpath_server, "/sub/")

    outside = [f"{status} {path}" for path, status in subpath_server.requests if not path.startswith("/sub/")]
    assert not outside, f"the browser requested URLs outside /sub/: {outside}"
    assert_clean(watch)


def serve_base_url_locally(page: Any, site: Path) -> None:
    """Answer requests for SUB_BASE (the base URL the sub-path site was built for) from the built files,
    so pages that use absolute URLs from the base URL can be checked without the network."""

    def handle(route: Any) -> None:
        file = site / urlsplit(route.request.url).path.removeprefix("/sub/")
        if file.is_dir():
            file = file / "index.html"
        if file.is_file():
            route.fulfill(path=str(file))
        else:
            route.fulfill(status=404, body="not found")

    page.route(re.compile("^" + re.escape(SUB_BASE)), handle)


def test_404_page_works_at_any_depth_under_a_subpath(page: Any, subpath_server: StaticServer) -> None:
    """Static hosts answer any missing URL with 404.html, at whatever depth: its styles and links must
    still work there. Relative links alone cannot; links built from the base URL can (its path, /sub/...,
    or the full https://example.org/sub/..., which this test answers from the built files)."""
    watch = PageWatch.attach(page)
    serve_base_url_locally(page, subpath_server.root / "sub")
    url = subpath_server.url("sub/papers/no-such-paper/deeper/")
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 404
    # The 404 of the page itself is the point; anything else failing is not.
    watch.bad_responses = [r for r in watch.bad_responses if not r.startswith(f"404 {url} ")]
    watch.console_errors = [e for e in watch.console_errors if "404" not in e or f"source {url}]" not in e]

    sheets = page.evaluate("() => [...document.styleSheets].filter((s) => s.href).map((s) => s.href)")
    assert sheets, f"404.html served at {url} loaded no stylesheet"
    assert_stays_under(page, subpath_server, "/sub/")
    home = re.compile(
        f"(?:{re.escape(subpath_server.url('sub/'))}|{re.escape(SUB_BASE)})" + r"(?:index\.html)?$"
    )
    follow(page, home, within="header")
    assert_clean(watch)


# --- ranking and author links -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ranked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    """The seed content with ranks, authors and arXiv ids on three papers (see test_paper_page)."""
    from .test_paper_page import ranked_site

    with StaticServer(ranked_site(tmp_path_factory)) as server:
        yield server


def test_digest_follows_the_ranking_and_an_author_link_finds_the_paper(
    page: Any, ranked_server: StaticServer
) -> None:
    """The digest lists papers in rank order; a paper's author link opens a search listing that paper."""
    from .test_paper_page import DAY, RANKED, UNRANKED

    watch = PageWatch.attach(page)
    base = ranked_server.url()
    response = page.goto(ranked_server.url(f"digests/{DAY}/"))
    assert response is not None and response.status == 200
    paper_re = page_pattern(base, "paper")
    listed = [
        match["slug"]
        for href in page.eval_on_selector_all(".card-title a[href]", "els => els.map(e => e.href)")
        if (match := paper_re.match(href))
    ]
    assert listed[:3] == RANKED, f"the digest of {DAY} is not in rank order: {listed[:5]}"
    ranks = page.eval_on_selector_all(".card-title .rank", "els => els.map(e => e.textContent.trim())")
    assert ranks[:3] == ["Rank #1", "Rank #2", "Rank #3"]
    numbers = [int(rank.removeprefix("Rank #")) for rank in ranks]
    # every ranked card, in rank order; the unranked ones (last) show no number
    assert numbers == sorted(set(numbers)) and len(numbers) == len(listed) - len(UNRANKED)

    assert follow(page, paper_re, within="main")["slug"] == RANKED[0]
    author = page.locator(".author-list a", has_text="Meire Fortunato")
    with page.expect_navigation():
        author.click()
    assert re.search(r"/search/\?q=authors:Meire%20authors:Fortunato$", page.url), page.url
    assert page.locator("#search-page-input").input_value() == "authors:Meire authors:Fortunato"
    result = page.locator("#search-page-list a", has_text=paper_title(RANKED[0]))
    result.first.wait_for(state="visible")
    assert paper_re.match(result.first.evaluate("e => e.href"))["slug"] == RANKED[0]
    assert_clean(watch)

"""The Content-Security-Policy every built page carries, checked in headless Chromium as a visitor browses.

The policy (a `<meta http-equiv>` in base.html, since a static host may send no headers of ours) allows
scripts, styles, images, fetches and workers from the site's own origin only, and no inline script or
style at all, so text that slipped through escaping could still not run. Each page kind is opened, used
(search typed into, the BibTeX copied) and must report no `securitypolicyviolation` and no console error.
`digest serve` adds its live-reload script as a file, so reloading keeps working under the same policy.
Without Chromium the browser tests skip locally and fail in CI (see site_support).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from generator import urls
from generator.serve import DevServer

from . import site_support as support
from .site_support import PageWatch, StaticServer, new_page

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)

# Every violation the page reports, through a binding (not subject to the policy, and kept across reloads).
RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} `
    + `(${e.sourceFile || location.href}:${e.lineNumber}) on ${location.href}`);
});
"""


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return support.seed_site(tmp_path_factory)


@pytest.fixture(scope="module")
def server(seed: Path) -> Iterator[StaticServer]:
    with StaticServer(seed, not_found=seed / "404.html") as server:
        yield server


class Visit:
    """A page in a fresh context that records CSP violations and everything PageWatch sees."""

    def __init__(self, browser: Any, **context_options: Any) -> None:
        self.page = new_page(browser, **context_options)
        self.violations: list[str] = []
        self.page.context.expose_function("cspViolation", lambda text: self.violations.append(text))
        self.page.context.add_init_script(RECORD_VIOLATIONS)
        self.watch = PageWatch.attach(self.page)

    def problems(self, allow_status_of: str = "") -> list[str]:
        """Violations and page problems; `allow_status_of`: a URL whose own 404 is the point."""
        if allow_status_of:
            self.watch.bad_responses = [
                r for r in self.watch.bad_responses if not r.startswith(f"404 {allow_status_of} ")
            ]
            self.watch.console_errors = [
                e for e in self.watch.console_errors if f"source {allow_status_of}]" not in e
            ]
        return [f"CSP violation: {v}" for v in self.violations] + self.watch.problems()

    def close(self) -> None:
        self.page.context.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[Visit]:
    visit = Visit(browser, permissions=["clipboard-read", "clipboard-write"])
    yield visit
    visit.close()


def seed_papers() -> dict[str, dict[str, Any]]:
    return support.seed_front_matter()


def a_paper() -> str:
    return sorted(seed_papers())[0]


def a_topic() -> str:
    return sorted({t for meta in seed_papers().values() for t in meta.get("topics") or []})[0]


def latest_digest() -> str:
    return max(str(d) for meta in seed_papers().values() for d in meta.get("digests") or [meta["date"]])


def a_query() -> str:
    """The longest word of a paper's title: a query the seed surely answers."""
    title = str(seed_papers()[a_paper()]["title"])
    return max(re.findall(r"[A-Za-z]{4,}", title), key=len).lower()


def settle(page: Any) -> None:
    """Let the page's deferred scripts run and its requests finish."""
    page.wait_for_load_state("load")
    page.wait_for_load_state("networkidle")


# --- the policy in the files --------------------------------------------------------------------------


class _Inline(HTMLParser):
    """Collects the CSP meta tags and everything inline a strict policy refuses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.policies: list[str] = []
        self.first_in_head: list[str] = []  # the tags before the policy
        self.inline: list[str] = []
        self._script: str | None = None
        self._seen_policy = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "meta" and (named.get("http-equiv") or "").lower() == "content-security-policy":
            self.policies.append(named.get("content") or "")
            self._seen_policy = True
        elif not self._seen_policy and tag not in ("html", "head"):
            self.first_in_head.append(tag)
        for name, _ in attrs:
            if name == "style" or name.startswith("on"):
                self.inline.append(f"<{tag} {name}=...>")
        if tag == "style":
            self.inline.append("<style>")
        if tag == "script" and "src" not in named:
            self._script = named.get("type") or ""
        if tag in ("a", "form", "iframe") and "javascript:" in " ".join(v or "" for v in named.values()):
            self.inline.append(f"<{tag}> with a javascript: URL")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            if self._script != "application/ld+json":  # data, which no policy treats as a script
                self.inline.append(f"inline <script type={self._script!r}>")
            self._script = None


def test_every_page_carries_the_policy_and_nothing_inline(seed: Path) -> None:
    pages = sorted(seed.rglob("*.html"))
    assert len(pages) > 50
    for path in pages:
        parser = _Inline()
        parser.feed(path.read_text(encoding="utf-8"))
        where = path.relative_to(seed)
        assert parser.policies == [POLICY], f"{where}: {parser.policies}"
        assert parser.first_in_head == ["meta"], f"{where}: the policy must come right after the charset"
        assert parser.inline == [], f"{where}: {parser.inline}"


def test_the_404_page_of_a_site_with_a_base_url_also_allows_that_url(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Static hosts serve 404.html at any depth, so its links are absolute (the base URL): the policy
    allows that one address too, on that page only, and still no other origin."""
    site = support.subpath_site(tmp_path_factory) / "sub"
    own = "'self' https://example.org/sub/"
    expected_404 = POLICY.replace("'self'", own).replace(f"base-uri {own}", "base-uri 'self'")
    for path in sorted(site.rglob("*.html")):
        parser = _Inline()
        parser.feed(path.read_text(encoding="utf-8"))
        expected = expected_404 if path == site / "404.html" else POLICY
        assert parser.policies == [expected], path.relative_to(site)


def test_the_policy_allows_no_inline_code_and_no_other_origin() -> None:
    directives = dict(d.strip().split(" ", 1) for d in POLICY.split(";"))
    assert "'unsafe-inline'" not in POLICY and "'unsafe-eval'" not in POLICY
    assert not re.search(r"https?:|\*|data:|blob:", POLICY)
    assert directives["script-src"] == "'self'" and directives["object-src"] == "'none'"


# --- in the browser -----------------------------------------------------------------------------------


def page_urls() -> list[tuple[str, str]]:
    return [
        ("home", urls.home()),
        ("archive", urls.archive()),
        ("digest", urls.digest(latest_digest())),
        ("topics", urls.topics()),
        ("topic", urls.topic(a_topic())),
        ("paper", urls.paper(a_paper())),
        ("subscribe", urls.subscribe()),
        ("search", urls.search()),
    ]


@pytest.mark.parametrize(("kind", "path"), page_urls(), ids=[kind for kind, _ in page_urls()])
def test_each_page_kind_runs_without_a_violation(
    visit: Visit, server: StaticServer, kind: str, path: str
) -> None:
    page = visit.page
    response = page.goto(server.url(path))
    assert response is not None and response.status == 200
    settle(page)
    # Use the header search too: it starts the worker (worker-src) that fetches the index (connect-src).
    page.fill("#site-search", a_query())
    page.wait_for_selector("#site-search-results [role=option]", state="attached")
    settle(page)
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.visually-hidden')).position") == "absolute"
    )
    assert visit.problems() == []


def test_the_404_page_runs_without_a_violation(visit: Visit, server: StaticServer) -> None:
    url = server.url("no-such-page.html")
    response = visit.page.goto(url)
    assert response is not None and response.status == 404
    settle(visit.page)
    assert visit.page.locator("h1").inner_text() == "Page not found"
    assert visit.problems(allow_status_of=url) == []


def test_search_shows_results_under_the_policy(visit: Visit, server: StaticServer) -> None:
    page = visit.page
    page.goto(server.url(f"search/?q={a_query()}"))
    page.wait_for_selector("#search-page-list li", state="visible")
    assert page.locator("#search-page-list li").count() > 0
    title = str(seed_papers()[a_paper()]["title"])
    assert title in page.locator("#search-page-list").inner_text()
    settle(page)
    assert visit.problems() == []


def test_copy_bibtex_copies_under_the_policy(visit: Visit, server: StaticServer) -> None:
    page = visit.page
    page.goto(server.url(f"papers/{a_paper()}/"))
    button = page.locator("button.copy[data-copy=bibtex]")
    assert button.is_visible()  # shown by site.js, which the policy let run
    button.click()
    page.wait_for_function("(b) => b.textContent === 'Copied'", arg=button.element_handle())
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#bibtex").inner_text() and copied.startswith("@")
    assert visit.problems() == []


def test_the_recorder_sees_a_violation(visit: Visit, server: StaticServer) -> None:
    """The check above can fail: an inline script added to a page is refused and reported."""
    page = visit.page
    page.goto(server.url(""))
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.append(s); }"
    )
    page.wait_for_function("() => true")
    deadline = time.monotonic() + 5
    while not visit.violations and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert page.evaluate("window.ran") is None
    assert len(visit.violations) == 1 and visit.violations[0].startswith("script-src-elem blocked inline")


def test_opened_from_disk_the_pages_still_work(visit: Visit, seed: Path) -> None:
    """Double-clicking index.html (file://): styles and site.js load as before; only search needs a
    server (a worker cannot start from file://), and says so as it did before the policy."""
    page = visit.page
    page.goto((seed / "papers" / a_paper() / "index.html").as_uri())
    settle(page)
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.visually-hidden')).position") == "absolute"
    )
    assert page.locator("button.copy[data-copy=bibtex]").is_visible()
    page.goto((seed / "index.html").as_uri())
    settle(page)
    assert page.locator("h1").count() == 1
    assert visit.violations == []


# --- live reload under digest serve ---------------------------------------------------------------------


def test_live_reload_works_under_the_policy(browser: Any, tmp_path: Path) -> None:
    content = support.copy_content(tmp_path / "content")
    slug = a_paper()
    paper = content / "papers" / f"{slug}.md"
    lines: list[str] = []
    with DevServer(
        content, tmp_path / "site", watch_dirs=[content], poll_interval=0.1,
        echo=lambda message, err=False: lines.append(message),
    ) as server:  # fmt: skip
        assert server.first_build()
        server.start()
        visit = Visit(browser)
        try:
            page = visit.page
            loaded: list[str] = []
            page.on("request", lambda request: loaded.append(request.url))
            page.goto(f"{server.url}papers/{slug}/")
            settle(page)
            assert f"{server.url}__livereload.js" in loaded  # the script is a file: the policy allows it
            text = paper.read_text(encoding="utf-8")
            old_title = str(seed_papers()[slug]["title"])
            new_title = "Zyxwvut live reloaded title"
            paper.write_text(text.replace(f"title: {old_title}", f"title: {new_title}", 1), encoding="utf-8")
            assert new_title in paper.read_text(encoding="utf-8"), "the title line was not found to edit"
            page.wait_for_function(
                "(t) => document.querySelector('h1') && document.querySelector('h1').textContent === t",
                arg=new_title,
                timeout=30_000,
            )
            settle(page)
            assert visit.problems() == [], "\n".join(lines)
        finally:
            visit.close()
    assert not (tmp_path / "site" / "__livereload.js").exists()
    assert b"__livereload" not in (tmp_path / "site" / "papers" / slug / "index.html").read_bytes()

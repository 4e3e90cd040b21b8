"""Client-side search in a real browser (headless Chromium through Playwright), as a visitor uses it.

The header box on every page (a combobox whose dropdown shows the best results) and the search page
(`search/?q=...`, the full list) are driven with the keyboard and checked for what a visitor sees:
highlighted words, counts, the help for a query lunr cannot parse, "no results", the error state when the
index cannot be loaded, shards of an index merging in, a sub-path, hostile titles, and axe-core.

The sites are built once per session by site_support (the seed, the seed under /sub/, the seed plus a
hostile paper). Without Chromium these tests skip on a developer's machine and fail in CI.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from . import site_support as support
from .common import CONTENT, SHARED
from .search_support import read_search, search
from .site_support import PageWatch, StaticServer, new_page

LUNR_JS = support.NODE_MODULES / "lunr" / "lunr.min.js"
GROKKING = (
    "Grokking as the Transition from Lazy to Rich Training Dynamics",
    "Grokked Transformers are Implicit Reasoners: A Mechanistic Journey to the Edge of Generalization",
    "Benign Overfitting and Grokking in ReLU Networks for XOR Cluster Data",
)
SURVEYS = (
    "Pre-train, Prompt, and Predict: A Systematic Survey of Prompting Methods in Natural Language Processing",
    "Reinforcement Learning for Generative AI: A Survey",
    "Continual Learning of Large Language Models: A Comprehensive Survey",
)

HEADER_INPUT = "#site-search"
OPTIONS = "#site-search-results [role=option]"
PAGE_INPUT = "#search-page-input"
PAGE_STATUS = "#search-page-status"
PAGE_TITLES = "#search-page-list .card-title"


# --- sites and servers ------------------------------------------------------------------------------


def ensure_index(site: Path, content: Path) -> Path:
    """The site's search index; written here only if the build did not write one (a fallback for a
    checkout where `digest build` does not index yet). Also requires lunr.min.js, which the build copies."""
    support.require_node_file(LUNR_JS)
    if not (site / "search" / "index.json").is_file():
        from generator.search import write_search_index
        from generator.site import load_site

        loaded = load_site(content)
        write_search_index(loaded.papers, site, topic_names={t.slug: t.name for t in loaded.topics})
    assert (site / "static" / "js" / "lunr.min.js").is_file(), f"the build did not copy lunr.min.js to {site}"
    return site


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = support.seed_site(tmp_path_factory)
    return ensure_index(site, site.parent / "content")


@pytest.fixture(scope="module")
def server(seed: Path) -> Iterator[StaticServer]:
    with StaticServer(seed) as server:
        yield server


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    site = support.hostile_site(tmp_path_factory).site
    ensure_index(site, site.parent / "content")
    with StaticServer(site) as server:
        yield server


@pytest.fixture(scope="module")
def subpath_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    root = support.subpath_site(tmp_path_factory)
    ensure_index(root / "sub", root.parent / "content")
    with StaticServer(root, not_found=root / "sub" / "404.html") as server:
        yield server


@pytest.fixture(scope="module")
def no_index_server(seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    """A copy of the seed site whose search/index.json is missing (a host that did not upload it)."""
    site = tmp_path_factory.mktemp("no-index") / "site"
    shutil.copytree(seed, site)
    (site / "search" / "index.json").unlink()
    with StaticServer(site) as server:
        yield server


class _SlowHandler(SimpleHTTPRequestHandler):
    """Static files; the paths in `server.slow` answer after `server.delay` seconds (a slow connection).
    Logs nothing."""

    server: _SlowServer

    def do_GET(self) -> None:
        if urlsplit(self.path).path in self.server.slow:
            time.sleep(self.server.delay)
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _SlowServer(ThreadingHTTPServer):
    daemon_threads = True
    slow: set[str]
    delay: float

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the browser gave up on a slow answer (a timeout, a closed page): expected here


@contextmanager
def slow_server(site: Path, slow: set[str], delay: float) -> Iterator[str]:
    """Serve `site` on 127.0.0.1, the URL paths in `slow` after `delay` seconds; yields the origin."""
    httpd = _SlowServer(("127.0.0.1", 0), functools.partial(_SlowHandler, directory=str(site)))
    httpd.slow, httpd.delay = slow, delay
    threading.Thread(target=httpd.serve_forever, name="slow-server", daemon=True).start()
    try:
        host, port = httpd.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def hanging_index_server(seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of the seed site whose search/index.json takes 5 s to answer, and whose search page sets
    the worker's fetch timeout to 300 ms."""
    site = tmp_path_factory.mktemp("hanging") / "site"
    shutil.copytree(seed, site)
    page = site / "search" / "index.html"
    html = page.read_text(encoding="utf-8")
    script = 'static/js/search.js"'
    assert script in html
    page.write_text(html.replace(script, script + ' data-timeout-ms="300"'), encoding="utf-8")
    with slow_server(site, {"/search/index.json"}, 5.0) as origin:
        yield origin


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = new_page(browser)
    yield page
    page.context.close()


# --- helpers ----------------------------------------------------------------------------------------


def watch(page: Any) -> tuple[PageWatch, list[str]]:
    """PageWatch plus every URL the page (and its worker) requested."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    return PageWatch.attach(page), requests


def assert_clean(page_watch: PageWatch, requests: list[str], origin: str) -> None:
    problems = page_watch.problems()
    assert not problems, "problems while searching:\n  " + "\n  ".join(problems)
    external = [url for url in requests if not url.startswith(origin + "/")]
    assert not external, f"requests outside {origin}: {external}"


def settled_status(page: Any) -> str:
    """Wait until the search page's status line shows an answer (not "loading"), and return it."""
    page.wait_for_function(
        """(sel) => { const s = document.querySelector(sel);
            return s && s.dataset.state && s.dataset.state !== 'loading'; }""",
        arg=PAGE_STATUS,
    )
    return normalized(page.inner_text(PAGE_STATUS))


def page_titles(page: Any) -> list[str]:
    return [
        normalized(t) for t in page.eval_on_selector_all(PAGE_TITLES, "els => els.map(e => e.textContent)")
    ]


def option_titles(page: Any) -> list[str]:
    return [
        normalized(t)
        for t in page.eval_on_selector_all(
            f"{OPTIONS} .search-option-title", "els => els.map(e => e.textContent)"
        )
    ]


def normalized(text: str) -> str:
    return " ".join(text.split())


def search_page(page: Any, server: StaticServer, query: str) -> str:
    """Open search/?q=<query> and return the settled status line."""
    response = page.goto(server.url("search/?q=" + _quote(query)))
    assert response is not None and response.status == 200
    return settled_status(page)


def _quote(query: str) -> str:
    from urllib.parse import quote

    return quote(query, safe="")


LATENCY_JS = """(sel) => {
    window.__latency = {};
    document.querySelector(sel).addEventListener('keydown', () => {
        if (!window.__latency.key) window.__latency.key = performance.now();
    });
    new MutationObserver(() => {
        if (!window.__latency.first && document.querySelector('#site-search-results [role=option]')) {
            window.__latency.first = performance.now();
        }
    }).observe(document.body, {childList: true, subtree: true});
}"""


# --- the header box ---------------------------------------------------------------------------------


def test_header_box_shows_highlighted_results(
    page: Any, server: StaticServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Typing into the header box on the home page opens a dropdown of results, matched words marked."""
    page_watch, requests = watch(page)
    page.goto(server.url(""))
    page.evaluate(LATENCY_JS, HEADER_INPUT)
    page.click(HEADER_INPUT)  # the first focus starts loading the index
    page.keyboard.type("grokking")
    page.wait_for_selector(OPTIONS)
    cold = page.evaluate("window.__latency.first - window.__latency.key")

    assert page.get_attribute(HEADER_INPUT, "aria-expanded") == "true"
    assert sorted(option_titles(page)) == sorted(GROKKING)
    marks = page.eval_on_selector_all(f"{OPTIONS} mark", "els => els.map(e => e.textContent.toLowerCase())")
    assert marks and set(marks) <= {"grokking", "grokked"}, f"unexpected highlights: {marks}"
    assert page.eval_on_selector_all(f"{OPTIONS} .search-option-title mark", "els => els.length") >= 3
    assert normalized(page.inner_text(".search-popup [data-search-status]")) == "3 results"
    see_all = page.eval_on_selector("[data-search-all]", "a => a.href")
    assert see_all == server.url("search/?q=grokking")
    meta = normalized(page.inner_text(f"{OPTIONS} >> nth=0 >> .search-option-meta"))
    assert re.match(r"^[A-Z][a-z]+ \d{1,2}, \d{4} · ", meta), f"date and topics not shown: {meta!r}"

    # Warm: the index is loaded; a new query costs the debounce and the search.
    page.keyboard.press("Escape")
    assert page.input_value(HEADER_INPUT) == ""
    assert page.is_hidden(".search-popup")
    page.evaluate(LATENCY_JS, HEADER_INPUT)
    page.keyboard.type("survey")
    page.wait_for_function("() => window.__latency.first")
    warm = page.evaluate("window.__latency.first - window.__latency.key")
    papers = len(list((server.root / "papers").iterdir()))
    with capsys.disabled():  # always shown, also without -s
        print(
            f"\nfirst-result latency, seed ({papers} papers): {cold:.0f} ms from the first key typed right"
            f" after the first focus (index load included), {warm:.0f} ms once loaded (debounce 120 ms"
            " included)"
        )
    assert_clean(page_watch, requests, server.origin)


def test_keyboard_slash_arrows_enter_open_a_result(page: Any, server: StaticServer) -> None:
    """`/` focuses the box, the arrows move through the options (aria-activedescendant), Enter opens."""
    page_watch, requests = watch(page)
    page.goto(server.url("topics/"))
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search"
    page.keyboard.type("grokking")
    page.wait_for_selector(OPTIONS)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    active = page.get_attribute(HEADER_INPUT, "aria-activedescendant")
    assert active == page.eval_on_selector(f"{OPTIONS} >> nth=0", "e => e.id")
    assert page.get_attribute(f"#{active}", "aria-selected") == "true"
    first = option_titles(page)[0]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"/papers/[a-z0-9-]+/$", page.url), page.url
    assert normalized(page.inner_text("h1")) == first
    assert_clean(page_watch, requests, server.origin)


def test_enter_without_a_chosen_result_opens_the_search_page(page: Any, server: StaticServer) -> None:
    page.goto(server.url(""))
    page.click(HEADER_INPUT)
    page.keyboard.type("grokking")
    page.wait_for_selector(OPTIONS)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == server.url("search/?q=grokking")
    assert settled_status(page) == "3 results"


def test_slash_does_not_steal_typing(page: Any, server: StaticServer) -> None:
    """A `/` typed into a field stays in the field."""
    page.goto(server.url("search/"))
    page.click(PAGE_INPUT)
    page.keyboard.type("a/b")
    assert page.input_value(PAGE_INPUT) == "a/b"
    settled_status(page)  # let the index finish loading before the page closes


# --- the search page --------------------------------------------------------------------------------


def test_search_page_runs_the_query_in_the_url(page: Any, server: StaticServer) -> None:
    page_watch, requests = watch(page)
    status = search_page(page, server, "grokking")
    assert status == "3 results"
    assert page.input_value(PAGE_INPUT) == "grokking"
    assert sorted(page_titles(page)) == sorted(GROKKING)
    marks = page.eval_on_selector_all("#search-page-list .snippet mark", "els => els.length")
    assert marks > 0, "no highlighted words in the snippets"
    links = page.eval_on_selector_all(f"{PAGE_TITLES} a", "els => els.map(a => a.href)")
    assert all(re.fullmatch(re.escape(server.url("papers/")) + r"[a-z0-9-]+/", h) for h in links), links
    assert page.eval_on_selector_all("#search-page-list time[datetime]", "els => els.length") == 3
    assert_clean(page_watch, requests, server.origin)


@pytest.mark.parametrize("query", ["survey", "survey?", "Survey,"])
def test_survey_with_or_without_punctuation_finds_the_surveys(
    page: Any, server: StaticServer, query: str
) -> None:
    """lunr.py once indexed "survey" as "survei" and neither library trims `?`: both are fixed."""
    status = search_page(page, server, query)
    assert re.fullmatch(r"\d+ results", status), status
    titles = page_titles(page)
    assert set(SURVEYS) <= set(titles), f"{query!r} found {titles}"
    assert set(titles[:3]) == set(SURVEYS), f"the surveys should rank first for {query!r}: {titles}"


def test_typing_on_the_search_page_updates_the_url(page: Any, server: StaticServer) -> None:
    page_watch, requests = watch(page)
    page.goto(server.url("search/"))
    page.click(PAGE_INPUT)
    page.keyboard.type("title:grokking -benign")
    page.wait_for_function("() => location.search === '?q=title%3Agrokking+-benign'")
    assert settled_status(page) == "2 results"
    assert "Benign Overfitting and Grokking in ReLU Networks for XOR Cluster Data" not in page_titles(page)
    page.reload()  # a bookmark or a shared link gives the same results
    assert settled_status(page) == "2 results"
    assert page.input_value(PAGE_INPUT) == "title:grokking -benign"
    # Escape clears the box, the results and the query in the URL.
    page.click(PAGE_INPUT)
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search === ''")
    assert page.is_hidden("#search-page-list")
    assert_clean(page_watch, requests, server.origin)


def test_search_page_keyboard_moves_through_the_result_links(page: Any, server: StaticServer) -> None:
    search_page(page, server, "grokking")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-page-input"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    titles = page_titles(page)
    assert normalized(page.evaluate("document.activeElement.textContent")) == titles[1]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-page-input"
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert normalized(page.inner_text("h1")) == titles[0]


HELP = {
    "title:": "a field name needs a word right after it, as in title:grokking",
    "+": "+ and - go right before a word, as in +grokking -survey",
    "?!": "there are no words to search for",
}
# A slip next to real words is forgiven (while typing, "grokking -" is on its way to "grokking -survey").
FORGIVEN = ("grokking -", "title: grokking", "grokking +")


def test_a_query_lunr_cannot_parse_shows_help(page: Any, server: StaticServer) -> None:
    page_watch, requests = watch(page)
    for query, help in HELP.items():
        status = search_page(page, server, query)
        assert page.get_attribute(PAGE_STATUS, "data-state") == "syntax", f"{query!r}: {status}"
        assert status.startswith(f"Cannot read this query: {help}. "), f"{query!r}: {status}"
        assert "title:, +must, -must_not, prefix* or typo~1" in status, status
        assert page_titles(page) == []
    assert_clean(page_watch, requests, server.origin)


def test_a_stray_operator_next_to_words_is_forgiven(page: Any, server: StaticServer) -> None:
    for query in FORGIVEN:
        assert search_page(page, server, query) == "3 results", query


def test_header_box_shows_the_help_too(page: Any, server: StaticServer) -> None:
    page.goto(server.url(""))
    page.click(HEADER_INPUT)
    page.keyboard.type("title:")
    page.wait_for_selector(".search-popup [data-search-status][data-state=syntax]")
    assert "see the search tips on the search page" in page.inner_text(".search-popup")
    assert page.is_hidden("#site-search-results")


def test_no_results_says_so_and_suggests_removing_terms(page: Any, server: StaticServer) -> None:
    status = search_page(page, server, "+grokking +qwertyuiop")
    assert page.get_attribute(PAGE_STATUS, "data-state") == "empty"
    assert status.startswith("No results for “+grokking +qwertyuiop”"), status
    assert "removing a term" in status
    assert page_titles(page) == []


def test_search_page_without_javascript_keeps_the_form_and_topics(browser: Any, server: StaticServer) -> None:
    page = new_page(browser, java_script_enabled=False)
    try:
        page.goto(server.url("search/?q=grokking"))
        assert page.is_visible(PAGE_INPUT)
        assert page.eval_on_selector_all("main .topic-list a", "els => els.length") > 0
        assert "needs JavaScript" in page.inner_text("main")
        assert "no phrase search" in page.inner_text("main")
    finally:
        page.context.close()


# --- failure, scale, hosting ------------------------------------------------------------------------


def test_unreachable_index_shows_an_error_state(page: Any, no_index_server: StaticServer) -> None:
    page_watch, _ = watch(page)
    server = no_index_server
    status = search_page(page, server, "grokking")
    assert status == "Search is unavailable: could not load the index.", status
    assert page.get_attribute(PAGE_STATUS, "data-state") == "error"
    page.fill(HEADER_INPUT, "survey")
    page.wait_for_function(
        "() => document.querySelector('.search-popup [data-search-status]').dataset.state === 'error'"
    )
    assert page.is_visible(".search-popup")
    unexpected = [p for p in page_watch.problems() if "search/index.json" not in p and "404" not in p]
    assert not unexpected, unexpected
    assert not page_watch.page_errors


def test_unreachable_index_by_network_error(page: Any, server: StaticServer) -> None:
    """The manifest request fails at the network level (no HTTP answer at all)."""
    page.context.route("**/search/index.json", lambda route: route.abort())
    status = search_page(page, server, "grokking")
    assert status == "Search is unavailable: could not load the index.", status


def all_results(page: Any) -> list[str]:
    """Click "Show more results" until every result is listed; return the titles."""
    while page.is_visible("#search-page-more"):
        shown = len(page_titles(page))
        page.click("#search-page-more")
        page.wait_for_function(f"(sel) => document.querySelectorAll(sel).length > {shown}", arg=PAGE_TITLES)
        # the focus moves to the first new result, so keyboard users continue where they were
        first_new = normalized(page.evaluate("document.activeElement.textContent"))
        assert first_new == page_titles(page)[shown]
    return page_titles(page)


def test_an_index_that_never_answers_times_out(page: Any, hanging_index_server: str) -> None:
    """No endless spinner: past the timeout the search page says search is unavailable."""
    page.goto(hanging_index_server + "/search/?q=grokking")
    started = time.perf_counter()
    assert settled_status(page) == "Search is unavailable: could not load the index."
    assert time.perf_counter() - started < 4


def test_results_are_complete_at_once_and_ranked_as_one_index(
    page: Any, server: StaticServer, seed: Path
) -> None:
    """One answer, complete: the count and the order lunr.py gives on the whole index (the parts put back
    together), a page of results first and the rest on "Show more"; only the documents shown are fetched."""
    whole = read_search(seed / "search")
    expected = [normalized(whole.doc(hit.ref)["title"]) for hit in search(whole, "learning")]
    assert len(expected) > 40, "this test wants a query with more results than one page shows"
    page_watch, requests = watch(page)
    assert search_page(page, server, "learning") == f"{len(expected)} results"
    assert page_titles(page) == expected[:20]
    documents = {url.rsplit("/", 1)[1] for url in requests if "/search/d-" in url}
    assert documents == documents_holding(seed, [hit.ref for hit in search(whole, "learning")[:20]])
    assert all_results(page) == expected
    assert_clean(page_watch, requests, server.origin)


def documents_holding(site: Path, refs: list[str]) -> set[str]:
    """The documents parts that hold these results (a ref is its document's number in base 36)."""
    entry = json.loads((site / "search" / "index.json").read_bytes())
    size, files = entry["docs"]["size"], entry["docs"]["files"]
    return {f"d-{files[int(ref, 36) // size]}.json" for ref in refs}


def test_a_second_query_fetches_only_what_it_adds(page: Any, server: StaticServer, seed: Path) -> None:
    whole = read_search(seed / "search")
    second = "grokking transformers"
    page_watch, requests = watch(page)
    assert search_page(page, server, "grokking") == "3 results"
    first = [url for url in requests if "/search/" in url and url.endswith(".json")]
    page.fill(PAGE_INPUT, second)
    page.wait_for_function(
        "([s, text]) => document.querySelector(s).textContent === text",
        arg=[PAGE_STATUS, f"{len(search(whole, second))} results"],
    )
    assert page_titles(page) == [normalized(whole.doc(h.ref)["title"]) for h in search(whole, second)][:20]
    index_files = [url for url in requests if "/search/" in url and url.endswith(".json")]
    assert len(index_files) == len(set(index_files)), "a part was fetched twice"
    assert index_files[: len(first)] == first and any("/search/index.json" in url for url in first)
    assert len(index_files) > len(first)  # "transformers" is in another postings part, and more documents
    assert_clean(page_watch, requests, server.origin)


def test_a_part_that_cannot_load_says_so(page: Any, server: StaticServer) -> None:
    page.context.route("**/search/p-*.json", lambda route: route.abort())
    status = search_page(page, server, "grokking")
    assert status.startswith("Search could not load part of the index ("), status


def test_search_works_under_a_subpath(page: Any, subpath_server: StaticServer) -> None:
    page_watch, requests = watch(page)
    server = subpath_server
    page.goto(server.url("sub/search/?q=grokking"))
    assert settled_status(page) == "3 results"
    links = page.eval_on_selector_all(f"{PAGE_TITLES} a", "els => els.map(a => a.href)")
    assert links and all(h.startswith(server.url("sub/papers/")) for h in links), links
    page.goto(server.url("sub/digests/"))
    page.click(HEADER_INPUT)
    page.keyboard.type("survey")
    page.wait_for_selector(OPTIONS)
    assert page.eval_on_selector("[data-search-all]", "a => a.href") == server.url("sub/search/?q=survey")
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.startswith(server.url("sub/papers/")), page.url
    outside = [u for u in requests if not urlsplit(u).path.startswith("/sub/")]
    assert not outside, f"requests outside /sub/: {outside}"
    assert_clean(page_watch, requests, server.origin)


def test_hostile_title_is_shown_as_text(page: Any, hostile_server: StaticServer) -> None:
    """Results are drawn by script from the index: the classic place for an innerHTML injection."""
    page_watch, requests = watch(page)
    status = search_page(page, hostile_server, "zyxwvut")
    assert re.fullmatch(r"\d+ results?", status), status
    assert support.HOSTILE_TITLE in [normalized(t) for t in page_titles(page)]
    page.click(HEADER_INPUT)
    page.keyboard.type("onerror")
    page.wait_for_selector(OPTIONS)
    assert normalized(support.HOSTILE_TITLE) in option_titles(page)
    found = page.evaluate(
        """() => ({
            images: document.querySelectorAll('main img, .search-popup img').length,
            scripts: [...document.querySelectorAll('main script, .search-popup script')].length,
            handlers: [...document.querySelectorAll('*')].filter((e) =>
                [...e.attributes].some((a) => a.name.startsWith('on'))).map((e) => e.outerHTML.slice(0, 120)),
        })"""
    )
    assert found == {"images": 0, "scripts": 0, "handlers": []}, found
    assert_clean(page_watch, requests, hostile_server.origin)


def test_dropdown_fits_a_phone_screen(browser: Any, server: StaticServer) -> None:
    page = new_page(browser, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page.goto(server.url(""))
        page.click(HEADER_INPUT)
        page.keyboard.type("language model")
        page.wait_for_selector(OPTIONS)
        box = page.eval_on_selector(".search-popup", "e => e.getBoundingClientRect().toJSON()")
        assert box["left"] >= 0 and box["right"] <= 360, f"the dropdown leaves the screen: {box}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        page.context.close()


# --- accessibility ----------------------------------------------------------------------------------


def open_dropdown(page: Any, server: StaticServer) -> None:
    page.goto(server.url(""))
    page.click(HEADER_INPUT)
    page.keyboard.type("language model")
    page.wait_for_selector(OPTIONS)
    page.keyboard.press("ArrowDown")


def results_page(page: Any, server: StaticServer) -> None:
    search_page(page, server, "grokking")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("state", ["search-page-results", "home-dropdown-open"])
def test_axe_finds_no_serious_violations(browser: Any, server: StaticServer, state: str, scheme: str) -> None:
    support.require_node_file(support.AXE_JS)
    page = new_page(browser, color_scheme=scheme)
    try:
        (results_page if state == "search-page-results" else open_dropdown)(page, server)
        page.evaluate(support.AXE_JS.read_text(encoding="utf-8"))  # the CSP refuses an inline <script>
        violations = page.evaluate(support.AXE_RUN)
    finally:
        page.context.close()
    report = [
        f"[{v['impact']}] {v['id']}: {v['help']}\n"
        + "\n".join(f"      {n['target']}: {n['summary']}" for n in v["nodes"])
        for v in violations
    ]
    print(f"axe on {state} ({scheme}): {len(violations)} violation(s)")
    serious = [r for v, r in zip(violations, report, strict=True) if v["impact"] in ("serious", "critical")]
    assert not serious, f"axe on {state} ({scheme}):\n  " + "\n  ".join(serious)


# --- 1,000 arXiv papers: what a query costs -------------------------------------------------------------

CORPUS_QUERIES = (
    "transformer",
    "graph neural network",
    "title:survey",
    "+robot -simulation",
    "transf*",
    "transformr~1",
)
CORPUS_QUERY_BUDGET = 300 * 1024  # gzipped bytes a query may cost at 10k papers (issue 12); 1k costs less


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 1,000 papers of the arXiv corpus, ingested as one digest and built."""
    from datetime import date

    from generator.build import build_site
    from generator.ingest.pipeline import ingest_files

    root = tmp_path_factory.mktemp("corpus-1k")
    content = root / "content"
    content.mkdir()
    shutil.copyfile(CONTENT / "topics.yml", content / "topics.yml")
    corpus = SHARED / "corpora" / "arxiv-cs-abstracts-50k.jsonl.gz"
    digest = root / "arxiv-1000.jsonl"
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        records = "".join(line for _, line in zip(range(1000), lines, strict=False))
    digest.write_text(records, encoding="utf-8")
    ingest_files([digest], content, date_override=date(2026, 8, 1))
    build_site(content, root / "site")
    return ensure_index(root / "site", content)


def test_corpus_queries_count_every_result_and_fetch_little(browser: Any, corpus_site: Path) -> None:
    """Each query on a first visit (a new browser context): the complete count lunr.py gives on the whole
    index, and everything fetched (page, scripts, index parts, documents) within the budget, gzipped."""
    whole = read_search(corpus_site / "search")
    report = []
    with StaticServer(corpus_site) as server:
        for query in CORPUS_QUERIES:
            page = new_page(browser)
            try:
                fetched: list[str] = []
                page.on("requestfinished", lambda request, into=fetched: into.append(request.url))
                expected = len(search(whole, query))
                assert expected > 0, query
                status = search_page(page, server, query)
                assert status == f"{expected} result{'s' if expected != 1 else ''}", query
                files = {unquote(urlsplit(url).path).lstrip("/") or "index.html" for url in fetched}
                paths = [corpus_site / (f if not f.endswith("/") else f + "index.html") for f in files]
                size = sum(len(gzip.compress(p.read_bytes(), 6)) for p in paths if p.is_file())
                report.append(f"{query}: {expected} results, {size / 1024:.0f} KB in {len(files)} files")
                assert size <= CORPUS_QUERY_BUDGET, report[-1]
            finally:
                page.context.close()
    print("\n1,000 papers, first visit per query:\n  " + "\n  ".join(report))

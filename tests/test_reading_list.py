"""The reading list (static/js/saved.js) in a real browser: Save buttons, the Saved page, export, import.

A visitor saves papers from a card and from a paper page, marks one read, exports the list as Markdown
and as BibTeX, clears it and imports each file back; a second tab follows; a hostile title stays text;
axe-core finds nothing serious on a filled Saved page; without JavaScript nothing of it shows. All in
the browser's local storage: these tests need no network beyond the local static server.

The seed site (and the hostile one) are built once per session by site_support. Without Chromium these
tests skip on a developer's machine and fail in CI.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import site_support as support
from .site_support import PageWatch, StaticServer, new_page

SAVED_ITEMS = "[data-saved-list] > li"
MESSAGE = "[data-saved-message]"
IMPORT = "[data-saved-import]"
CLEAR = "[data-saved-clear]"
#: The site's service worker (offline.js) precaches the whole site in every new browser context: that is
#: its own tests' business, and here only time spent and a second source of pages.
NO_WORKER = "block"
MARKDOWN_LINE = re.compile(r"^- \[([ x])\] \[(.+)\]\((\S+)\)(?: — (.*?))? \((\d{4}-\d{2}-\d{2})\)$")


# --- sites, pages, helpers --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return support.seed_site(tmp_path_factory)


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[StaticServer]:
    with StaticServer(site) as server:
        yield server


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> support.HostileSite:
    return support.hostile_site(tmp_path_factory)


@pytest.fixture(scope="module")
def hostile_server(hostile: support.HostileSite) -> Iterator[StaticServer]:
    with StaticServer(hostile.site) as server:
        yield server


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = new_page(browser, accept_downloads=True, service_workers=NO_WORKER)
    yield page
    page.context.close()


def assert_clean(watch: PageWatch, site: Path) -> None:
    problems = watch.problems()
    assert not problems, "problems while browsing:\n  " + "\n  ".join(problems)


def wait_until(page: Any, predicate: str) -> None:
    """Polls `predicate` (a JS function) from here: Playwright's wait_for_function compiles its predicate
    with `new Function`, which the pages' Content-Security-Policy (no 'unsafe-eval') refuses."""
    deadline = time.monotonic() + support.TIMEOUT_MS / 1000
    while not page.evaluate(predicate):
        assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
        time.sleep(0.05)


def stored(page: Any) -> list[dict[str, Any]]:
    """The reading list as saved.js keeps it (read through prefs.js's store, as the scripts do)."""
    result: list[dict[str, Any]] = page.evaluate("window.researchDigest.store.load('saved', [])")
    return result


def home_cards(page: Any, server: StaticServer, count: int) -> list[dict[str, str]]:
    """The first `count` cards of the home page: slug and title."""
    page.goto(server.url())
    cards: list[dict[str, str]] = page.eval_on_selector_all(
        "article.card[data-paper]",
        "els => els.map(e => ({slug: e.dataset.paper, title: e.querySelector('.card-title a').textContent}))",
    )
    assert len(cards) >= count, f"the home page has {len(cards)} cards"
    return cards[:count]


def saved_slugs(page: Any) -> list[str]:
    slugs: list[str] = page.eval_on_selector_all(SAVED_ITEMS, "els => els.map(e => e.dataset.slug)")
    return slugs


def saved_reads(page: Any) -> list[bool]:
    reads: list[bool] = page.eval_on_selector_all(
        SAVED_ITEMS, "els => els.map(e => e.querySelector('[data-saved-read]').checked)"
    )
    return reads


def open_saved(page: Any, server: StaticServer) -> None:
    page.goto(server.url("saved/"))
    page.wait_for_selector("[data-saved-count]")


def save_three(page: Any, server: StaticServer) -> list[dict[str, str]]:
    """Saves the first two home cards from the home page and the third from its paper page."""
    cards = home_cards(page, server, 3)
    for card in cards[:2]:
        page.click(f"article.card[data-paper='{card['slug']}'] [data-save]")
    page.goto(server.url(f"papers/{cards[2]['slug']}/"))
    page.click("article.paper [data-save]")
    return cards


def clear(page: Any) -> None:
    page.click(CLEAR)
    assert page.inner_text(CLEAR) != "Clear", "the first press of Clear should ask for a second"
    assert page.locator(SAVED_ITEMS).count() > 0, "one press of Clear emptied the list"
    page.click(CLEAR)
    page.wait_for_selector("[data-saved-empty]:not([hidden])")
    assert stored(page) == []


def download(page: Any, selector: str) -> tuple[str, str]:
    with page.expect_download() as info:
        page.click(selector)
    got = info.value
    return got.suggested_filename, Path(got.path()).read_text(encoding="utf-8")


def import_file(page: Any, name: str, text: str) -> str:
    page.eval_on_selector(MESSAGE, "e => { e.textContent = ''; }")
    page.set_input_files(IMPORT, files=[{"name": name, "mimeType": "text/plain", "buffer": text.encode()}])
    page.locator(f"{MESSAGE}:not(:empty)").wait_for()
    message: str = page.inner_text(MESSAGE)
    return message


# --- saving -----------------------------------------------------------------------------------------


def test_save_from_card_and_paper_page(page: Any, server: StaticServer, site: Path) -> None:
    watch = PageWatch.attach(page)
    cards = home_cards(page, server, 2)
    first, second = cards
    button = page.locator(f"article.card[data-paper='{first['slug']}'] [data-save]")
    assert button.is_visible(), "the Save button should show when scripts run"
    assert button.get_attribute("aria-pressed") == "false" and button.inner_text() == "Save"
    button.click()
    assert button.get_attribute("aria-pressed") == "true" and button.inner_text() == "Saved"

    page.goto(server.url(f"papers/{second['slug']}/"))
    paper_button = page.locator("article.paper [data-save]")
    assert paper_button.get_attribute("aria-pressed") == "false"
    paper_button.evaluate("b => b.click()")  # how the keyboard script presses `s`
    assert paper_button.get_attribute("aria-pressed") == "true"

    items = stored(page)
    assert [i["slug"] for i in items] == [first["slug"], second["slug"]]
    for item, card in zip(items, cards, strict=True):
        assert item["title"] == card["title"].strip()
        assert item["url"] == f"papers/{card['slug']}/"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", item["date"])
        assert item["read"] is False and item["saved"].endswith("Z")
    bibtex = page.inner_text("#bibtex")
    assert items[1]["bibtex"] == bibtex.strip(), "a paper page's save keeps its BibTeX"
    # The card's save fetched its paper page's BibTeX in the background.
    wait_until(page, "() => window.researchDigest.store.load('saved', [])[0].bibtex !== undefined")
    assert stored(page)[0]["bibtex"].startswith("@misc{")

    open_saved(page, server)
    assert saved_slugs(page) == [first["slug"], second["slug"]]
    titles = page.eval_on_selector_all(f"{SAVED_ITEMS} a.saved-title", "els => els.map(e => e.textContent)")
    assert titles == [first["title"].strip(), second["title"].strip()]
    hrefs = page.eval_on_selector_all(f"{SAVED_ITEMS} a.saved-title", "els => els.map(e => e.href)")
    assert hrefs == [server.url(f"papers/{c['slug']}/") for c in cards]
    assert page.inner_text("[data-saved-count]") == "2 saved papers, 0 read."

    # Unsaving from a card takes it off the list.
    page.goto(server.url())
    page.click(f"article.card[data-paper='{first['slug']}'] [data-save]")
    assert [i["slug"] for i in stored(page)] == [second["slug"]]
    assert (
        page.get_attribute(f"article.card[data-paper='{first['slug']}'] [data-save]", "aria-pressed")
        == "false"
    )
    assert_clean(watch, site)


# --- read marks, export, clear, import --------------------------------------------------------------


def test_export_clear_and_import_round_trip(page: Any, server: StaticServer, site: Path) -> None:
    watch = PageWatch.attach(page)
    cards = save_three(page, server)
    slugs = [c["slug"] for c in cards]
    open_saved(page, server)
    assert saved_slugs(page) == slugs
    page.locator(SAVED_ITEMS).nth(1).locator("[data-saved-read]").check()
    assert [i["read"] for i in stored(page)] == [False, True, False]
    assert page.inner_text("[data-saved-count]") == "3 saved papers, 1 read."

    name, markdown = download(page, "[data-saved-export=markdown]")
    assert name == "reading-list.md"
    lines = [MARKDOWN_LINE.match(line) for line in markdown.splitlines() if line.startswith("- [")]
    assert all(lines), f"unexpected Markdown lines:\n{markdown}"
    assert [m[3] for m in lines if m] == [server.url(f"papers/{slug}/") for slug in slugs]
    assert [m[1] for m in lines if m] == [" ", "x", " "]

    name, bibtex = download(page, "[data-saved-export=bibtex]")
    assert name == "reading-list.bib"
    assert bibtex.count("@misc{") == 3, bibtex
    for slug in slugs:
        assert f"x-digest-page = {{{server.url(f'papers/{slug}/')}}}" in bibtex
    assert bibtex.count("x-digest-read = {yes}") == 1 and bibtex.count("x-digest-read = {no}") == 2
    # Every entry is the paper page's own (fetched for the cards), plus the x-digest-* fields.
    page_entry = stored(page)[2]["bibtex"]
    assert page_entry.rstrip("}").rstrip() in bibtex

    clear(page)
    assert "Imported 3 papers" in import_file(page, "reading-list.md", markdown)
    assert saved_slugs(page) == slugs and saved_reads(page) == [False, True, False]
    titles = page.eval_on_selector_all(f"{SAVED_ITEMS} a.saved-title", "els => els.map(e => e.textContent)")
    assert titles == [c["title"].strip() for c in cards]
    # Importing onto a list that has them adds nothing twice.
    assert "0 papers" in import_file(page, "again.md", markdown)
    assert saved_slugs(page) == slugs

    clear(page)
    assert "Imported 3 papers" in import_file(page, "reading-list.bib", bibtex)
    assert saved_slugs(page) == slugs and saved_reads(page) == [False, True, False]
    restored = stored(page)
    assert [i["title"] for i in restored] == [c["title"].strip() for c in cards]
    assert all("x-digest" not in i["bibtex"] for i in restored), (
        "the import keeps the entry without its x- fields"
    )
    # Exporting the imported list gives the same file (but for the export date).
    _, again = download(page, "[data-saved-export=bibtex]")
    assert again.splitlines()[1:] == bibtex.splitlines()[1:]
    assert_clean(watch, site)


def test_import_of_an_unreadable_file_says_so(page: Any, server: StaticServer, site: Path) -> None:
    watch = PageWatch.attach(page)
    open_saved(page, server)
    page.evaluate("window.researchDigest.store.save('saved', [{slug: 'x-paper', title: 'Kept'}])")
    page.reload()
    for name, text in [
        ("notes.md", "# My notes\n\n- [ ] not a paper\n"),
        ("broken.bib", "@misc{oops, title = {x"),
    ]:
        message = import_file(page, name, text)
        assert message.startswith(f"Could not import {name}") and "\n" not in message, message
    page.set_input_files(
        IMPORT, files=[{"name": "photo.png", "mimeType": "image/png", "buffer": bytes(range(256))}]
    )
    page.locator(MESSAGE, has_text="photo.png").wait_for()
    assert saved_slugs(page) == ["x-paper"]
    assert_clean(watch, site)


# --- tabs -------------------------------------------------------------------------------------------


def test_another_tab_follows(browser: Any, server: StaticServer, site: Path) -> None:
    context = browser.new_context(service_workers=NO_WORKER)
    context.set_default_timeout(support.TIMEOUT_MS)
    try:
        saved_tab = context.new_page()
        watch = PageWatch.attach(saved_tab)
        home = context.new_page()
        open_saved(saved_tab, server)
        assert saved_slugs(saved_tab) == []
        card = home_cards(home, server, 1)[0]
        home.click(f"article.card[data-paper='{card['slug']}'] [data-save]")
        saved_tab.locator(f"{SAVED_ITEMS}[data-slug='{card['slug']}']").wait_for()
        saved_tab.bring_to_front()  # a tab in the background gets no animation frames: clicks wait long
        saved_tab.locator(f"{SAVED_ITEMS} [data-saved-read]").check()
        saved_tab.locator(f"{SAVED_ITEMS} [data-saved-remove]").click()
        wait_until(
            home, f"() => document.querySelector('[data-save=\"{card['slug']}\"]').ariaPressed === 'false'"
        )
        assert_clean(watch, site)
    finally:
        context.close()


# --- hostile input ----------------------------------------------------------------------------------


def test_hostile_title_stays_text(
    page: Any, hostile_server: StaticServer, hostile: support.HostileSite
) -> None:
    watch = PageWatch.attach(page)
    page.goto(hostile_server.url())
    page.click(f"article.card[data-paper='{hostile.slug}'] [data-save]")
    page.goto(hostile_server.url("saved/"))
    page.wait_for_selector(f"{SAVED_ITEMS}[data-slug='{hostile.slug}']")
    item = page.locator(f"{SAVED_ITEMS}[data-slug='{hostile.slug}']")
    assert item.locator("a.saved-title").text_content() == hostile.title
    injected = item.evaluate("li => li.querySelectorAll('script, img, b, a:not(.saved-title)').length")
    assert injected == 0, "a title's markup became elements"
    assert "49" not in item.inner_text(), "a template expression was evaluated"

    _, markdown = download(page, "[data-saved-export=markdown]")
    _, bibtex = download(page, "[data-saved-export=bibtex]")
    for name, text in [("reading-list.md", markdown), ("reading-list.bib", bibtex)]:
        clear(page)
        import_file(page, name, text)
        assert page.locator(f"{SAVED_ITEMS} a.saved-title").text_content() == hostile.title, name
        assert stored(page)[0]["authors"].startswith("Zyxwvut <script>"), name
    assert not watch.dialogs, f"a dialog opened: {watch.dialogs}"
    assert_clean(watch, hostile.site)


# --- accessibility, no JavaScript -------------------------------------------------------------------




@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_on_a_filled_saved_page(browser: Any, server: StaticServer, scheme: str) -> None:
    support.require_node_file(support.AXE_JS)
    page = new_page(browser, color_scheme=scheme, service_workers=NO_WORKER)
    try:
        cards = home_cards(page, server, 2)
        for card in cards:
            page.click(f"article.card[data-paper='{card['slug']}'] [data-save]")
        open_saved(page, server)
        page.locator(SAVED_ITEMS).first.locator("[data-saved-read]").check()
        page.click(CLEAR)  # the armed Clear button, the one state with other colours
        serious = support.axe_serious(page)
    finally:
        page.context.close()
    assert not serious, f"axe on the Saved page ({scheme}):\n  " + "\n  ".join(serious)


def test_without_javascript_nothing_pretends(browser: Any, server: StaticServer) -> None:
    page = new_page(browser, java_script_enabled=False)
    try:
        page.goto(server.url())
        assert page.locator("[data-save]").count() > 0
        assert not page.locator("[data-save]").first.is_visible(), "a Save button shows without scripts"
        page.goto(server.url("saved/"))
        assert not page.locator("[data-saved]").is_visible()
        assert "needs JavaScript" in page.inner_text("main")
    finally:
        page.context.close()


def test_saved_page_keeps_its_layout(page: Any, server: StaticServer) -> None:
    """The Save buttons take their place before the script runs, and filling the list in a short list
    barely moves the footer."""
    card = home_cards(page, server, 1)[0]
    page.click(f"article.card[data-paper='{card['slug']}'] [data-save]")
    page.route("**/static/js/saved.js", lambda route: route.abort())
    page.goto(server.url("saved/"))
    before = page.eval_on_selector(".site-footer", "e => e.getBoundingClientRect().top")
    page.unroute("**/static/js/saved.js")
    page.reload()
    page.wait_for_selector(SAVED_ITEMS)
    after = page.eval_on_selector(".site-footer", "e => e.getBoundingClientRect().top")
    assert abs(after - before) < 40, f"the footer moved by {after - before}px when the list arrived"
    page.goto(server.url())
    box = page.eval_on_selector(
        f"article.card[data-paper='{card['slug']}'] [data-save]", "e => e.offsetHeight"
    )
    assert box >= 24, "a Save button is a smaller target than 24px"

"""The site as a reader's daily tool (issue 14): lists to scan fast, keys, the small things.

Built pages are checked as files (empty topics never listed, the feeds' entries and dates, the top pages
of a site with upvotes), then used in headless Chromium as a reader would: the view switch remembered,
the topic filter and the topics hidden everywhere, every key, "new since your last visit", and no layout
shift from any remembered choice. The seed has no upvotes; a copy of it with the real Hugging Face API
sample of 2026-06-12 (30 papers with upvotes) is the site with top pages. Without Chromium the browser
tests skip locally and fail in CI (see site_support).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.ingest.pipeline import ingest_files
from generator.site import load_site

from . import site_support as support
from .common import SHARED
from .site_support import PageWatch, StaticServer, new_page

ATOM = "{http://www.w3.org/2005/Atom}"
HF_DAY = SHARED / "samples" / "hf-api" / "daily-papers-2026-06-12.json"
# What the page reports as layout shifts (the Layout Instability API), summed as CLS counts them.
RECORD_SHIFTS = """
window.shifts = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.shifts += entry.value;
}).observe({ type: "layout-shift", buffered: true });
"""
RECORD_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.violations.push(e.violatedDirective));
"""


# --- sites ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's content and site, side by side (built once per session by site_support)."""
    return support.seed_site(tmp_path_factory).parent


@pytest.fixture(scope="module")
def upvoted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed plus the Hugging Face day of 2026-06-12 (30 papers with upvotes), built once."""
    if not HF_DAY.exists():
        pytest.skip(f"../shared is absent: {HF_DAY} not found")
    root = tmp_path_factory.mktemp("upvoted")
    content = support.copy_content(root / "content")
    ingest_files([HF_DAY], content)
    support.build(content, root / "site")
    return root


@pytest.fixture(scope="module")
def server(seed: Path) -> Iterator[StaticServer]:
    site = seed / "site"
    with StaticServer(site, not_found=site / "404.html") as running:
        yield running


def titles_of(feed: Path) -> list[str]:
    return [str(e.findtext(f"{ATOM}title")) for e in ET.parse(feed).getroot().findall(f"{ATOM}entry")]


# --- the small things, in the built files ----------------------------------------------------------------


def test_topics_without_papers_are_listed_nowhere(seed: Path) -> None:
    site = load_site(seed / "content")
    out = seed / "site"
    empty = [t for t in site.topics if not site.papers_in_topic(t.slug)]
    full = [t for t in site.topics if site.papers_in_topic(t.slug)]
    assert empty and full, "the seed leaves some topics of the taxonomy without papers"
    pages = [out / "topics/index.html", out / "search/index.html", out / "subscribe/index.html"]
    listing = [*pages, out / "feeds.opml", out / "sitemap.xml"]
    texts = {path: path.read_text(encoding="utf-8") for path in listing}
    for topic in empty:
        assert not (out / "topics" / topic.slug).exists()
        for path, text in texts.items():
            assert f"topics/{topic.slug}/" not in text, (topic.slug, path)
    for topic in full:
        assert f"topics/{topic.slug}/" in texts[out / "topics/index.html"]
        assert f"topics/{topic.slug}/feed.xml" in texts[out / "feeds.opml"]


def test_a_topic_feed_is_updated_on_its_newest_paper(upvoted: Path) -> None:
    site = load_site(upvoted / "content")
    for topic in site.topics:
        papers = site.papers_in_topic(topic.slug)
        if not papers:
            continue
        root = ET.parse(upvoted / "site" / "topics" / topic.slug / "feed.xml").getroot()
        assert root.findtext(f"{ATOM}updated") == f"{max(p.date for p in papers)}T00:00:00Z", topic.slug


def test_the_site_feed_holds_the_latest_digest_whole_and_at_least_50(seed: Path, upvoted: Path) -> None:
    # The seed's one digest has 56 papers: all of them, not the first 50.
    seed_site = load_site(seed / "content")
    assert len(seed_site.digests["2026-05-09"]) == 56
    assert sorted(titles_of(seed / "site" / "feed.xml")) == sorted(p.title for p in seed_site.papers)
    # A latest digest of 30 papers: those 30, then the newest of the older ones up to 50, newest first.
    site = load_site(upvoted / "content")
    latest = site.digests["2026-06-12"]
    titles = titles_of(upvoted / "site" / "feed.xml")
    assert len(latest) == 30 and len(titles) == 50
    assert set(titles[:30]) == {p.title for p in latest}
    assert titles == [p.title for p in site.papers[:50]]


def test_top_pages_rank_the_upvoted_papers_of_the_period(seed: Path, upvoted: Path) -> None:
    assert not (seed / "site" / "top").exists(), "no upvotes in the seed: no top pages"
    assert "top/week/" not in (seed / "site" / "index.html").read_text(encoding="utf-8")
    site = load_site(upvoted / "content")
    day = site.digests["2026-06-12"]
    expected = sorted(day, key=lambda p: (-(p.upvotes or 0), p.title.casefold(), p.slug))
    home = (upvoted / "site" / "index.html").read_text(encoding="utf-8")
    for period in ("week", "month"):
        assert f'href="top/{period}/"' in home
        page = (upvoted / "site" / "top" / period / "index.html").read_text(encoding="utf-8")
        listed = re.findall(r'data-paper="([^"]+)"', page)
        # The seed's digest (2026-05-09) is over a month older: only the 30 upvoted papers of June 12.
        assert listed == [p.slug for p in expected]
        assert "#1</span>" in page and 'data-filterable' in page
    assert expected[0].upvotes is not None and expected[0].upvotes >= expected[-1].upvotes


def test_lists_offer_the_topics_they_hold(seed: Path) -> None:
    site = load_site(seed / "content")
    page = (seed / "site" / "index.html").read_text(encoding="utf-8")
    offered = re.findall(r'data-only-topic="([^"]+)"', page)
    held = {slug for p in site.digests["2026-05-09"] for slug in p.topics}
    assert offered == [t.slug for t in site.topics if t.slug in held]
    assert 'data-view-choice="compact"' in page
    # A topic page has the view switch but no topic filter (it is one topic already).
    topic = next(t for t in site.topics if site.papers_in_topic(t.slug))
    topic_page = (seed / "site" / "topics" / topic.slug / "index.html").read_text(encoding="utf-8")
    assert 'data-view-choice="compact"' in topic_page and "data-only-topic" not in topic_page


# --- in the browser ----------------------------------------------------------------------------------------


def open_page(browser: Any, url: str, *, width: int = 1280) -> tuple[Any, PageWatch]:
    page = new_page(browser, viewport={"width": width, "height": 900})
    page.add_init_script(RECORD_SHIFTS)
    page.add_init_script(RECORD_VIOLATIONS)
    watch = PageWatch.attach(page)
    page.goto(url)
    page.wait_for_load_state("load")
    return page, watch


def visible_cards(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "main [data-paper].card",
        "cards => cards.filter(c => c.offsetParent !== null).map(c => c.dataset.paper)",
    )


def test_the_view_switch_is_remembered_across_reloads_and_pages(browser: Any, server: StaticServer) -> None:
    page, watch = open_page(browser, server.url(""))
    assert page.locator("[data-view-choice=cards]").get_attribute("aria-pressed") == "true"
    card = page.locator(".card").first
    tall = card.bounding_box()["height"]
    assert page.locator(".card .snippet").first.is_visible()
    page.click("[data-view-choice=compact]")
    assert page.locator(".card .snippet").first.is_hidden()
    assert card.bounding_box()["height"] < tall / 2
    page.reload()
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.dataset.view") == "compact"
    assert page.locator("[data-view-choice=compact]").get_attribute("aria-pressed") == "true"
    assert page.evaluate("window.shifts") == 0, "the remembered view is applied before the first paint"
    page.click("main .card-title a >> nth=0")  # to a paper page, then to a topic page: still compact
    page.click("main .chips .chip >> nth=0")
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.dataset.view") == "compact"
    assert page.locator(".card .snippet").first.is_hidden()
    page.click("[data-view-choice=cards]")
    page.reload()
    assert page.evaluate("document.documentElement.dataset.view") is None
    assert watch.problems() == [] and page.evaluate("window.violations") == []
    page.context.close()


def test_topic_filter_shows_only_and_hides_everywhere(browser: Any, server: StaticServer, seed: Path) -> None:
    site = load_site(seed / "content")
    day = site.digests["2026-05-09"]
    page, watch = open_page(browser, server.url(""))
    assert len(visible_cards(page)) == 56
    page.click(".topic-filter summary")
    chips = page.eval_on_selector_all("[data-only-topic]", "cs => cs.map(c => c.dataset.onlyTopic)")
    first, second = chips[0], chips[1]
    page.click(f"[data-only-topic='{first}']")
    assert visible_cards(page) == [p.slug for p in day if first in p.topics]
    page.click(f"[data-only-topic='{second}']")  # two topics: papers of either
    assert visible_cards(page) == [p.slug for p in day if first in p.topics or second in p.topics]
    status = page.locator("[data-filter-status]").inner_text()
    assert status.startswith(f"Showing {len(visible_cards(page))} of 56: only ")
    page.click(f"[data-only-topic='{first}']")
    page.click(f"[data-only-topic='{second}']")
    assert len(visible_cards(page)) == 56
    # Hide: the negative filter, remembered across reloads and applied on every filterable list.
    page.click(f"[data-hide-topic='{first}']")
    kept = [p.slug for p in day if first not in p.topics]
    assert visible_cards(page) == kept
    assert page.locator(f"[data-hide-topic='{first}']").get_attribute("aria-pressed") == "true"
    page.reload()
    page.wait_for_load_state("load")
    assert visible_cards(page) == kept
    assert f"{56 - len(kept)} hidden" in page.locator("[data-filter-status]").inner_text()
    assert page.evaluate("window.shifts") == 0, "hidden topics are applied before the first paint"
    page.goto(server.url("digests/2026-05-09/"))
    assert visible_cards(page) == kept
    topic_page = server.url(f"topics/{first}/")  # the topic's own page still lists its papers
    page.goto(topic_page)
    assert len(visible_cards(page)) == min(20, len(site.papers_in_topic(first)))
    page.goto(server.url(""))
    page.click("[data-filter-status] button")  # "Show all"
    assert len(visible_cards(page)) == 56
    page.reload()
    assert len(visible_cards(page)) == 56
    assert watch.problems() == [] and page.evaluate("window.violations") == []
    page.context.close()


def test_every_key(browser: Any, server: StaticServer, seed: Path) -> None:
    site = load_site(seed / "content")
    day = site.digests["2026-05-09"]
    page, watch = open_page(browser, server.url(""))

    def current() -> str | None:
        return page.evaluate("document.querySelector('.card[aria-current=true]')?.dataset.paper ?? null")

    page.keyboard.press("j")
    assert current() == day[0].slug
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert current() == day[1].slug
    assert page.evaluate("document.activeElement.closest('[data-paper]').dataset.paper") == day[1].slug
    # s saves the current paper (saved.js marks its button pressed).
    save_button = page.locator(f".card[data-paper='{day[1].slug}'] [data-save]")
    page.keyboard.press("s")
    assert save_button.get_attribute("aria-pressed") == "true"
    page.keyboard.press("s")
    assert save_button.get_attribute("aria-pressed") == "false"
    # o opens it; on its page, → and ← go to the next and previous paper of the digest.
    page.keyboard.press("o")
    page.wait_for_url(server.url(f"papers/{day[1].slug}/"))
    page.keyboard.press("ArrowRight")
    page.wait_for_url(server.url(f"papers/{day[2].slug}/"))
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(server.url(f"papers/{day[1].slug}/"))
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(server.url(f"papers/{day[0].slug}/"))
    page.keyboard.press("s")  # on a paper page, s saves this paper
    assert page.locator("article.paper [data-save]").get_attribute("aria-pressed") == "true"
    page.keyboard.press("ArrowLeft")  # the first paper has no previous: nothing happens
    assert page.url == server.url(f"papers/{day[0].slug}/")
    # Enter opens the current card when the focus is not on a link or button.
    page.goto(server.url(""))
    page.keyboard.press("j")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Enter")
    page.wait_for_url(server.url(f"papers/{day[0].slug}/"))
    # ? shows the keys, Escape closes them.
    page.keyboard.press("?")
    dialog = page.locator("dialog.keys-help")
    assert dialog.is_visible() and "save the current paper" in dialog.inner_text()
    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    # / goes to the search box, and no key fires while typing in it.
    page.goto(server.url(""))
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search"
    page.keyboard.type("jks?o")
    assert current() is None and page.locator("dialog.keys-help").count() == 0
    assert page.input_value("#site-search") == "jks?o"
    assert page.url == server.url("")
    assert watch.problems() == [] and page.evaluate("window.violations") == []
    page.context.close()


def test_new_since_your_last_visit(browser: Any, server: StaticServer, seed: Path) -> None:
    day = load_site(seed / "content").digests["2026-05-09"]
    page, watch = open_page(browser, server.url(""))
    assert page.locator(".card.is-new").count() == 0, "a first visit marks nothing"
    # The last visit saw all but three of today's papers.
    unseen = [day[3].slug, day[10].slug, day[40].slug]
    page.evaluate(
        """(unseen) => {
            const key = Object.keys(localStorage).find((k) => k.endsWith(":seen"));
            const seen = JSON.parse(localStorage.getItem(key)).filter((s) => !unseen.includes(s));
            localStorage.setItem(key, JSON.stringify(seen));
        }""",
        unseen,
    )
    later = page.context.new_page()  # a new visit: a new tab, with its own session
    later.goto(server.url(""))
    later.wait_for_load_state("load")
    marked = later.eval_on_selector_all(".card.is-new", "cs => cs.map(c => c.dataset.paper)")
    assert marked == unseen
    assert "3 new since your last visit" in later.locator("[data-filter-status]").inner_text()
    later.reload()  # the same visit: the marks stay
    assert later.locator(".card.is-new").count() == 3
    third = page.context.new_page()  # the next visit: nothing new any more
    third.goto(server.url(""))
    third.wait_for_load_state("load")
    assert third.locator(".card.is-new").count() == 0
    assert watch.problems() == []
    page.context.close()


def test_phone_width_compact_view_fits(browser: Any, server: StaticServer) -> None:
    page, watch = open_page(browser, server.url(""), width=390)
    tall = page.evaluate("document.querySelector('.cards').getBoundingClientRect().height")
    page.click("[data-view-choice=compact]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    short = page.evaluate("document.querySelector('.cards').getBoundingClientRect().height")
    assert short < tall / 2.5, (short, tall)  # a few lines a paper, not a card with its abstract
    assert json.loads(page.evaluate("JSON.stringify(window.violations)")) == []
    assert watch.problems() == []
    page.context.close()


# --- valid and accessible in every state -------------------------------------------------------------------

AXE_STATES = ("compact-filter-open", "keys-dialog", "top-page")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("state", AXE_STATES)
def test_axe_is_clean_in_every_reader_state(
    browser: Any, server: StaticServer, upvoted: Path, state: str, scheme: str
) -> None:
    with StaticServer(upvoted / "site") as top_server:
        page = new_page(browser, color_scheme=scheme)
        try:
            if state == "top-page":
                page.goto(top_server.url("top/week/"))
                page.click(".topic-filter summary")
                page.click("[data-hide-topic] >> nth=0")
            else:
                page.goto(server.url(""))
                if state == "compact-filter-open":
                    page.click("[data-view-choice=compact]")
                    page.click(".topic-filter summary")
                    page.click("[data-only-topic] >> nth=0")
                    page.keyboard.press("j")
                else:
                    page.keyboard.press("?")
            serious = support.axe_serious(page)
        finally:
            page.context.close()
    assert not serious, f"axe ({state}, {scheme}):\n  " + "\n  ".join(serious)


def test_new_pages_are_valid_html(upvoted: Path) -> None:
    from .test_html_valid import run_vnu

    pages = [upvoted / "site" / "index.html", *sorted((upvoted / "site" / "top").rglob("*.html"))]
    assert len(pages) == 3
    errors = run_vnu(pages)
    assert not errors, [f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in errors]

"""`digest build` end to end on the ingested seed: every page of the contract, exact content, feeds."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from generator.build import build_site
from generator.content import read_content_file
from generator.site import load_site

from . import site_support as support
from .common import REPO, snapshot

ATOM = "{http://www.w3.org/2005/Atom}"


class TextAndLinks(HTMLParser):
    """Visible text (script/style excluded) and every href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.hrefs: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.text.append(data)


def parse_page(path: Path) -> TextAndLinks:
    parser = TextAndLinks()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def words(text: str) -> list[str]:
    return " ".join(text.split()).split(" ")


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding a copy of the repo's ingested seed content (`content/`) and its first build
    (`site/`): site_support's, built once per test session (the browser tests use the same one)."""
    return support.seed_site(tmp_path_factory).parent


def test_every_page_of_the_contract_exists(seed_site: Path) -> None:
    site = load_site(seed_site / "content")
    out = seed_site / "site"
    expected = [
        "index.html",
        "digests/index.html",
        "topics/index.html",
        "search/index.html",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "static/css/site.css",
    ]
    expected += [f"digests/{day}/index.html" for day in site.digests]
    listed = [t for t in site.topics if site.papers_in_topic(t.slug)]
    expected += [f"topics/{t.slug}/index.html" for t in listed]
    expected += [f"topics/{t.slug}/feed.xml" for t in listed]
    expected += [f"papers/{p.slug}/index.html" for p in site.papers]
    missing = [path for path in expected if not (out / path).is_file()]
    assert missing == []
    # A topic no paper has gets no page and no feed (the seed leaves some of the 32 topics empty).
    empty = [t.slug for t in site.topics if not site.papers_in_topic(t.slug)]
    assert empty and not any((out / "topics" / slug).exists() for slug in empty)
    assert len(site.papers) == 56
    assert (out / "static/js/lunr.min.js").exists() == (REPO / "node_modules/lunr/lunr.min.js").exists()


def test_paper_pages_hold_title_and_every_word_of_the_abstract(seed_site: Path) -> None:
    site_papers = load_site(seed_site / "content").papers  # loaded once: the same for every file
    for path in sorted((seed_site / "content" / "papers").glob("*.md")):
        content = read_content_file(path)
        page = parse_page(seed_site / "site" / "papers" / path.stem / "index.html")
        text = " ".join(" ".join(page.text).split())
        assert content.meta["title"] in text
        site_paper = next(p for p in site_papers if p.slug == path.stem)
        assert " ".join(words(site_paper.text)) in text, path.name
        html = (seed_site / "site" / "papers" / path.stem / "index.html").read_text()
        assert 'id="related"' in html


def test_topic_pages_list_exactly_their_papers(seed_site: Path) -> None:
    site = load_site(seed_site / "content")
    for topic in (t for t in site.topics if site.papers_in_topic(t.slug)):
        listed: set[str] = set()
        pages = [seed_site / "site" / "topics" / topic.slug / "index.html"]
        pages += sorted((seed_site / "site" / "topics" / topic.slug / "page").glob("*/index.html"))
        for page in pages:
            for href in parse_page(page).hrefs:
                found = re.search(r"papers/([a-z0-9-]+)/$", href)
                if found:
                    listed.add(found.group(1))
        assert listed == {p.slug for p in site.papers_in_topic(topic.slug)}, topic.slug


def test_home_shows_the_latest_digest(seed_site: Path) -> None:
    page = parse_page(seed_site / "site" / "index.html")
    assert "May 9, 2026" in " ".join(page.text)
    assert len({h for h in page.hrefs if h.startswith("papers/")}) == 56


def test_feeds_are_atom_with_the_right_entries(seed_site: Path) -> None:
    site = load_site(seed_site / "content")
    feed = ET.parse(seed_site / "site" / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    # The latest digest whole (56 papers: more than the 50 a feed otherwise holds), newest first.
    assert len(site.digests["2026-05-09"]) == 56
    assert titles == [p.title for p in site.papers]
    for topic in (t for t in site.topics if site.papers_in_topic(t.slug)):
        topic_feed = ET.parse(seed_site / "site" / "topics" / topic.slug / "feed.xml").getroot()
        entries = topic_feed.findall(f"{ATOM}entry")
        assert [e.findtext(f"{ATOM}title") for e in entries] == [
            p.title for p in site.papers_in_topic(topic.slug)
        ][:50]
        for entry in entries:
            assert entry.find(f"{ATOM}id").text.startswith("urn:uuid:")
            href = entry.find(f"{ATOM}link").get("href")
            assert (seed_site / "site" / "topics" / topic.slug / href / "index.html").resolve().exists()


def test_sitemap_lists_every_page(seed_site: Path) -> None:
    out = seed_site / "site"
    root = ET.parse(out / "sitemap.xml").getroot()
    listed = {loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    pages = {p.relative_to(out).as_posix().removesuffix("index.html") for p in out.rglob("*.html")}
    assert listed == {page or "./" for page in pages} - {"404.html"}


def test_check_finds_no_broken_links(seed_site: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "check",
            "--content",
            seed_site / "content",
            "--site",
            seed_site / "site",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert " 0 broken" in result.stdout


def test_two_builds_are_byte_identical(seed_site: Path, tmp_path: Path) -> None:
    build_site(seed_site / "content", tmp_path / "again")
    assert snapshot(tmp_path / "again") == snapshot(seed_site / "site")


def test_build_never_writes_into_content(seed_site: Path, tmp_path: Path) -> None:
    before = snapshot(seed_site / "content")
    build_site(seed_site / "content", tmp_path / "out")
    assert snapshot(seed_site / "content") == before


def test_base_url_gives_absolute_canonical_and_relative_links(seed_site: Path, tmp_path: Path) -> None:
    build_site(seed_site / "content", tmp_path / "sub", "https://example.org/sub/")
    html = (tmp_path / "sub" / "papers" / "pointer-networks" / "index.html").read_text()
    assert '<link rel="canonical" href="https://example.org/sub/papers/pointer-networks/">' in html
    assert 'href="../../topics/' in html
    assert "citation_title" in html and '"@type": "ScholarlyArticle"' in html
    feed = ET.parse(tmp_path / "sub" / "feed.xml").getroot()
    assert feed.find(f"{ATOM}entry/{ATOM}link").get("href").startswith("https://example.org/sub/papers/")
    assert "Sitemap: https://example.org/sub/sitemap.xml" in (tmp_path / "sub" / "robots.txt").read_text()
    not_found = (tmp_path / "sub" / "404.html").read_text()
    assert 'href="https://example.org/sub/topics/"' in not_found


def write_paper(content: Path, slug: str, meta: dict, body: str) -> Path:
    path = content / "papers" / f"{slug}.md"
    path.write_text(
        "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n" + body + "\n"
    )
    return path


def minimal_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    shutil.copy(REPO / "content" / "topics.yml", content / "topics.yml")
    return content


def test_hostile_content_is_shown_as_text(tmp_path: Path) -> None:
    content = minimal_content(tmp_path)
    title = '<script>alert(1)</script> "><img src=x onerror=alert(2)> {{ 7*7 }} {% raw %}'
    body = "Body with <script>alert(3)</script>, [click](javascript:alert(4)) and {{ 7*7 }} and <b>bold</b>."
    meta = {
        "id": "t-x",
        "title": title,
        "date": "2026-05-09",
        "digests": ["2026-05-09"],
        "topics": ["language-models"],
        "links": [],
        "source": "digests/x.txt",
    }
    write_paper(content, "hostile", meta, body)
    build_site(content, tmp_path / "out")
    for page in ("papers/hostile/index.html", "index.html", "topics/language-models/index.html", "feed.xml"):
        html = (tmp_path / "out" / page).read_text()
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert "{{ 7*7 }}" in html, page
    paper = (tmp_path / "out" / "papers/hostile/index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in paper
    assert "{{ 7*7 }}" in paper
    assert 'href="javascript:' not in paper


def test_bad_content_names_file_and_line_and_writes_nothing(seed_site: Path, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(seed_site / "content", content)
    build_site(content, tmp_path / "out")
    before = snapshot(tmp_path / "out")
    bad = content / "papers" / "pointer-networks.md"
    bad.write_text(bad.read_text().replace("- architectures", "- no-such-topic"))
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--content", content, "--out", tmp_path / "out"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    line = next(
        i for i, text in enumerate(bad.read_text().split("\n"), start=1) if text.startswith("topics:")
    )
    assert f"pointer-networks.md:{line}: unknown topic 'no-such-topic'" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path / "out") == before


def test_topic_pages_paginate_with_rel_links(tmp_path: Path) -> None:
    content = minimal_content(tmp_path)
    for i in range(45):
        meta = {
            "id": f"t-{i}",
            "title": f"Paper number {i:02d} on language models",
            "date": f"2026-05-{1 + i % 28:02d}",
            "topics": ["language-models"],
            "links": [],
            "source": "digests/x.txt",
        }
        write_paper(content, f"paper-{i:02d}", meta, f"Abstract {i}.")
    build_site(content, tmp_path / "out")
    topic = tmp_path / "out" / "topics" / "language-models"
    assert (topic / "page" / "2" / "index.html").exists() and (topic / "page" / "3" / "index.html").exists()
    assert not (topic / "page" / "4").exists()
    second = (topic / "page" / "2" / "index.html").read_text()
    assert '<link rel="prev" href="../../../../topics/language-models/">' in second
    assert '<link rel="next" href="../../../../topics/language-models/page/3/">' in second
    first = (topic / "index.html").read_text()
    assert '<link rel="next" href="../../topics/language-models/page/2/">' in first
    assert 'aria-current="page">2<' in second


def test_out_dir_that_is_not_a_site_is_refused(tmp_path: Path) -> None:
    content = minimal_content(tmp_path)
    meta = {"id": "t-a", "title": "A paper", "date": "2026-05-09", "topics": [], "links": [], "source": "x"}
    write_paper(content, "a-paper", meta, "Abstract.")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--content", content, "--out", precious],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "not a site built by digest" in result.stderr
    assert (precious / "thesis.tex").read_text() == "years of work"

"""Paper metadata on every surface of a built site: paper pages, cards, digest order, feeds, search.

The site is the repository's seed content with hand-written metadata added to a few papers, written the
way ingest writes it (YAML front matter; `rank` maps quoted digest dates to positions, `arxiv` quoted),
so these tests do not depend on the seed having been re-ingested with ranks yet.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.feeds import FeedEntry, atom_feed
from generator.pages.papers import author_link
from generator.search.index import SearchDoc
from generator.search.parts import build_files
from generator.search.query import author_query

from . import site_support as support
from .search_support import read_search, search

DAY = "2026-05-09"
ATOM = "{http://www.w3.org/2005/Atom}"
UL2_AUTHORS = [
    "Yi Tay",
    "Mostafa Dehghani",
    "Vinh Q. Tran",
    "Xavier Garcia",
    "Jason Wei",
    "Xuezhi Wang",
    "Hyung Won Chung",
    "Siamak Shakeri",
    "Dara Bahri",
    "Tal Schuster",
    "Huaixiu Steven Zheng",
    "Denny Zhou",
    "Neil Houlsby",
    "Donald Metzler",
]
HOSTILE_AUTHOR = 'Zyx <script>alert(1)</script> "><img src=x onerror=alert(2)>'

#: Metadata added to seed papers, by slug. Ranks 1-3 go against alphabetical order on purpose.
METADATA: dict[str, dict[str, Any]] = {
    "pointer-networks": {
        "authors": ["Oriol Vinyals", "Meire Fortunato", "Navdeep Jaitly"],
        "arxiv": "1506.03134",
        "rank": {DAY: 1},
        "published": "2015-06-09",
        "categories": ["stat.ML", "cs.CG", "cs.LG", "cs.NE"],
        "keywords": ["pointer network", "combinatorial optimization"],
        "upvotes": 118,
        "links": [
            {"label": "arXiv", "url": "https://arxiv.org/abs/1506.03134v2"},
            {"label": "Project page", "url": "https://example.org/ptr-net"},
            {"label": "Code", "url": "https://github.com/example/ptr-net"},
        ],
        "comment": "NIPS 2015 camera ready <b>{{ 7*7 }}</b>",
    },
    "ul2-unifying-language-learning-paradigms": {
        "authors": UL2_AUTHORS,
        "arxiv": "2205.05131",
        "rank": {DAY: 2},
        "categories": ["cs.CL"],
        "upvotes": 1,
    },
    "a-deep-learning-framework-for-lifelong-machine-learning": {
        "authors": ["Charles X. Ling", "Jean-Baptiste Alayrac", HOSTILE_AUTHOR],
        "rank": {DAY: 3},
        "keywords": ["<script>alert(3)</script>"],
        "upvotes": 0,
    },
}
RANKED = list(METADATA)


def seed_order() -> list[str]:
    """The seed's papers in the order of its trending page (their `rank` in the repo's content)."""
    ranks = {slug: (meta.get("rank") or {}).get(DAY) for slug, meta in support.seed_front_matter().items()}
    return sorted((slug for slug in ranks if ranks[slug]), key=lambda slug: ranks[slug])


#: Seed papers whose rank the fixture removes, as if added by hand: they must come last, by title.
UNRANKED = [slug for slug in seed_order() if slug not in RANKED][-4:]


def add_metadata(path: Path, fields: dict[str, Any]) -> None:
    """Add front matter fields to a content file as ingest writes them (dates as YAML dates); a None
    value removes the field."""
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(head)
    for key, value in fields.items():
        meta[key] = value
        if value is None:
            del meta[key]
    if "published" in meta:
        meta["published"] = yaml.safe_load(str(meta["published"]))  # a YAML date, unquoted
    text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    path.write_text(f"---\n{text}---\n{body}", encoding="utf-8")


def ranked_content(dest: Path) -> Path:
    """A copy of the seed content where three papers of the May 9 digest carry metadata and ranks 1-3;
    the seed's own ranking of the other papers moves down behind them, so no two share a rank, and the
    UNRANKED ones lose their rank."""
    content = support.copy_content(dest)
    for path in sorted((content / "papers").glob("*.md")):
        if path.stem in METADATA:
            add_metadata(path, METADATA[path.stem])
            continue
        if path.stem in UNRANKED:
            add_metadata(path, {"rank": None})
            continue
        rank = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1]).get("rank") or {}
        if DAY in rank:
            add_metadata(path, {"rank": {DAY: rank[DAY] + len(METADATA)}})
    return content


def ranked_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`ranked_content` built, once per test session (test_browser serves the same site); nothing may
    change it."""

    def make() -> Path:
        root = tmp_path_factory.mktemp("ranked")
        return support.build(ranked_content(root / "content"), root / "site")

    return support.cached("ranked", make)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ranked_site(tmp_path_factory)


class Links(HTMLParser):
    """Every `<a href>` of a page with its text and whether it sits inside a <details> element."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, bool]] = []  # href, text, in <details>
        self.metas: list[tuple[str, str]] = []  # (name or property, content)
        self.scripts: list[str] = []
        self._details = 0
        self._open: list[Any] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "details":
            self._details += 1
        elif tag == "a" and values.get("href"):
            self._open.append([values["href"], "", self._details > 0])
        elif tag == "meta" and (values.get("name") or values.get("property")):
            self.metas.append(
                (values.get("name") or values.get("property") or "", values.get("content") or "")
            )
        elif tag == "script" and values.get("type") == "application/ld+json":
            self._script = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._details -= 1
        elif tag == "a" and self._open:
            href, text, inside = self._open.pop()
            self.links.append((href, " ".join(text.split()), inside))
        elif tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][1] += data
        if self._script is not None:
            self._script.append(data)


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def paper_page(site: Path, slug: str) -> Path:
    return site / "papers" / slug / "index.html"


def author_links(page: Links) -> list[tuple[str, str, bool]]:
    return [link for link in page.links if "search/?q=authors:" in link[0]]


# --- author links -----------------------------------------------------------------------------------


def test_author_query_has_one_field_term_per_word() -> None:
    assert author_query("Geoffrey Hinton") == "authors:Geoffrey authors:Hinton"
    assert author_query("Jean-Baptiste Alayrac") == "authors:Jean authors:Baptiste authors:Alayrac"
    assert author_query("Vinh Q. Tran") == "authors:Vinh authors:Q authors:Tran"
    assert author_query("  (Anonymous)  ") == "authors:Anonymous"
    assert author_query("...") == ""
    assert author_link("Jürgen Schmidhuber").href == "search/?q=authors:J%C3%BCrgen%20authors:Schmidhuber"
    assert author_link("A & B").href == "search/?q=authors:A%20authors:B"
    assert author_link("?!").href is None


def test_each_author_links_to_a_search_for_their_name(site: Path) -> None:
    links = author_links(parse(paper_page(site, "pointer-networks")))
    assert links == [
        ("../../search/?q=authors:Oriol%20authors:Vinyals", "Oriol Vinyals", False),
        ("../../search/?q=authors:Meire%20authors:Fortunato", "Meire Fortunato", False),
        ("../../search/?q=authors:Navdeep%20authors:Jaitly", "Navdeep Jaitly", False),
    ]
    hyphenated = author_links(parse(paper_page(site, RANKED[2])))
    assert hyphenated[1][:2] == (
        "../../search/?q=authors:Jean%20authors:Baptiste%20authors:Alayrac",
        "Jean-Baptiste Alayrac",
    )


def test_more_than_ten_authors_fold_into_details(site: Path) -> None:
    path = paper_page(site, "ul2-unifying-language-learning-paradigms")
    links = author_links(parse(path))
    assert [text for _, text, _ in links] == UL2_AUTHORS
    assert [inside for *_, inside in links] == [False] * 10 + [True] * 4
    assert "<summary>show all 14 authors</summary>" in path.read_text(encoding="utf-8")
    # Three authors: nothing folded.
    assert "<details" not in paper_page(site, "pointer-networks").read_text(encoding="utf-8")


# --- buttons and facts ------------------------------------------------------------------------------


def buttons(html: str) -> list[tuple[str, str]]:
    block = re.search(r'<ul class="buttons" aria-label="Links">(.*?)</ul>', html, re.DOTALL)
    assert block, "the paper page has no link buttons"
    return re.findall(r'<a class="button" href="([^"]+)" rel="noopener">([^<]+)</a>', block[1])


def test_arxiv_buttons_come_from_the_id_without_duplicates(site: Path) -> None:
    html = paper_page(site, "pointer-networks").read_text(encoding="utf-8")
    assert buttons(html) == [
        ("https://arxiv.org/abs/1506.03134", "arXiv"),
        ("https://arxiv.org/pdf/1506.03134", "PDF"),
        ("https://arxiv.org/html/1506.03134", "HTML"),
        ("https://github.com/example/ptr-net", "Code"),
        ("https://example.org/ptr-net", "Project page"),
    ]
    # Without an id there are no arXiv buttons, only the paper's own links.
    own = buttons(paper_page(site, RANKED[2]).read_text(encoding="utf-8"))
    assert own and {label for _, label in own} == {"Video"}


def test_facts_show_categories_keywords_upvotes_date_and_comments(site: Path) -> None:
    html = paper_page(site, "pointer-networks").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "▲ 118 upvotes" in text
    assert "arXiv categories stat.ML (primary) cs.CG cs.LG cs.NE" in text
    assert "Keywords pointer network combinatorial optimization" in text
    assert re.search(r'<dt>Published</dt>\s*<dd><time datetime="2015-06-09">June 9, 2015</time>', html)
    assert "NIPS 2015 camera ready &lt;b&gt;{{ 7*7 }}&lt;/b&gt;" in html
    assert "rank #1" in text
    ul2 = " ".join(re.sub(r"<[^>]+>", " ", paper_page(site, RANKED[1]).read_text()).split())
    assert "▲ 1 upvote " in ul2 and "(primary)" not in ul2  # one category: nothing to tell apart


def test_hostile_metadata_stays_text(site: Path) -> None:
    html = paper_page(site, RANKED[2]).read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "Zyx &lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    assert "<script>" not in feed and "<img" not in feed
    ET.fromstring(feed)


# --- cards and order --------------------------------------------------------------------------------


def card_slugs(path: Path) -> list[str]:
    html = path.read_text(encoding="utf-8")
    return re.findall(r'class="card-title">.*?<a href="[./]*papers/([a-z0-9-]+)/">', html)


def test_digest_and_home_pages_follow_the_ranking(site: Path) -> None:
    content = support.CONTENT / "papers"
    titles = {p.stem: str(support.front_matter(p)["title"]) for p in content.glob("*.md")}
    ranked = RANKED + [slug for slug in seed_order() if slug not in RANKED and slug not in UNRANKED]
    unranked = sorted(UNRANKED, key=lambda s: (titles[s].casefold(), s))
    assert card_slugs(site / "digests" / DAY / "index.html") == ranked + unranked
    assert card_slugs(site / "index.html") == ranked + unranked


def test_cards_show_rank_on_digest_pages_and_upvotes_everywhere(site: Path) -> None:
    digest = (site / "digests" / DAY / "index.html").read_text(encoding="utf-8")
    first = digest.split('<article class="card"')[1]
    assert '<span class="rank"><span class="visually-hidden">Rank </span>#1</span>' in first
    assert '<span aria-hidden="true">▲</span> 118<span class="visually-hidden"> upvotes</span>' in first
    assert digest.count('class="rank"') == 56 - len(UNRANKED)  # unranked papers show no number
    assert '<span aria-hidden="true">▲</span> 0<span' in digest  # zero is known, so it is shown
    topic = (site / "topics" / "architectures" / "index.html").read_text(encoding="utf-8")
    assert "118<span" in topic and 'class="rank"' not in topic  # a topic page is no ranking


def test_previous_and_next_follow_the_ranking(site: Path) -> None:
    def pager(slug: str) -> tuple[str | None, str | None]:
        html = paper_page(site, slug).read_text(encoding="utf-8")
        prev = re.search(r'<a rel="prev" href="../../papers/([a-z0-9-]+)/">', html)
        following = re.search(r'<a rel="next" href="../../papers/([a-z0-9-]+)/">', html)
        return (prev[1] if prev else None, following[1] if following else None)

    assert pager(RANKED[0]) == (None, RANKED[1])
    assert pager(RANKED[1]) == (RANKED[0], RANKED[2])
    assert pager(RANKED[2])[0] == RANKED[1]


# --- head tags --------------------------------------------------------------------------------------


def test_head_carries_scholar_opengraph_and_json_ld(site: Path) -> None:
    page = parse(paper_page(site, "pointer-networks"))
    metas = page.metas
    assert [v for k, v in metas if k == "citation_author"] == METADATA["pointer-networks"]["authors"]
    assert ("citation_publication_date", "2015/06/09") in metas
    assert ("citation_arxiv_id", "1506.03134") in metas
    assert ("citation_pdf_url", "https://arxiv.org/pdf/1506.03134") in metas
    assert ("og:type", "article") in metas
    assert [v for k, v in metas if k == "article:author"] == METADATA["pointer-networks"]["authors"]
    assert ("article:published_time", "2015-06-09") in metas
    data = json.loads(page.scripts[0])
    assert [a["name"] for a in data["author"]] == METADATA["pointer-networks"]["authors"]
    assert data["datePublished"] == "2015-06-09" and data["sameAs"] == "https://arxiv.org/abs/1506.03134"

    ul2 = parse(paper_page(site, RANKED[1])).metas
    assert len([k for k, _ in ul2 if k == "citation_author"]) == 14
    assert len([k for k, _ in ul2 if k == "article:author"]) == 10
    assert ("citation_publication_date", "2022/05") in ul2  # from the id: no day is known

    bare = parse(
        paper_page(site, "pointer-networks").parent.parent
        / "gradient-boosting-reinforcement-learning"
        / "index.html"
    )
    names = {k for k, _ in bare.metas}
    assert "citation_title" in names and "og:type" in names
    assert not names & {"citation_author", "citation_publication_date", "citation_arxiv_id", "article:author"}
    assert "datePublished" not in json.loads(bare.scripts[0])


def test_pages_with_metadata_are_valid_html(site: Path) -> None:
    from .test_html_valid import run_vnu

    pages = [paper_page(site, slug) for slug in RANKED] + [site / "digests" / DAY / "index.html"]
    errors = run_vnu(pages)
    assert not errors, "\n".join(f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in errors)


# --- feeds ------------------------------------------------------------------------------------------


def entry(number: int, authors: tuple[str, ...] = (), categories: tuple[str, ...] = ()) -> FeedEntry:
    return FeedEntry(
        id=f"t-{number}",
        title=f"Paper {number}",
        url=f"papers/paper-{number}/",
        updated="2026-05-09",
        summary="An abstract.",
        authors=authors,
        categories=("architectures",),
        arxiv_categories=categories,
    )


def feed(entries: list[FeedEntry]) -> ET.Element:
    text = atom_feed(
        title="Digest & Co",
        subtitle="s",
        feed_id="feed",
        self_url="feed.xml",
        site_url="./",
        entries=entries,
        author="Digest & Co",
    )
    return ET.fromstring(text)


def test_atom_entries_name_their_authors_and_the_feed_only_when_needed() -> None:
    full = feed([entry(1, ("Ada <Lovelace>", "Alan & Turing"), ("cs.LG", "stat.ML")), entry(2, ("B",))])
    assert full.find(f"{ATOM}author") is None  # every entry has its own
    first = full.findall(f"{ATOM}entry")[0]
    assert [a.findtext(f"{ATOM}name") for a in first.findall(f"{ATOM}author")] == [
        "Ada <Lovelace>",
        "Alan & Turing",
    ]
    categories = [(c.get("term"), c.get("scheme")) for c in first.findall(f"{ATOM}category")]
    assert categories == [
        ("architectures", None),
        ("cs.LG", "http://arxiv.org/schemas/atom"),
        ("stat.ML", "http://arxiv.org/schemas/atom"),
    ]

    mixed = feed([entry(1, ("Ada",)), entry(2)])
    assert [a.findtext(f"{ATOM}name") for a in mixed.findall(f"{ATOM}author")] == ["Digest & Co"]
    assert mixed.findall(f"{ATOM}entry")[1].find(f"{ATOM}author") is None
    assert "Unknown" not in ET.tostring(mixed, encoding="unicode")


def test_built_feed_has_per_entry_authors(site: Path) -> None:
    root = ET.parse(site / "feed.xml").getroot()
    by_title = {e.findtext(f"{ATOM}title"): e for e in root.findall(f"{ATOM}entry")}
    pointer = by_title["Pointer Networks"]
    assert [a.findtext(f"{ATOM}name") for a in pointer.findall(f"{ATOM}author")] == [
        "Oriol Vinyals",
        "Meire Fortunato",
        "Navdeep Jaitly",
    ]
    assert ("cs.CG", "http://arxiv.org/schemas/atom") in [
        (c.get("term"), c.get("scheme")) for c in pointer.findall(f"{ATOM}category")
    ]
    # Most seed papers have no authors yet, so the feed names the site once.
    assert [a.findtext(f"{ATOM}name") for a in root.findall(f"{ATOM}author")] == ["Research Digest"]


# --- search -----------------------------------------------------------------------------------------


def test_authors_are_searchable_by_field_and_by_name(tmp_path: Path) -> None:
    docs = [
        SearchDoc(
            "Dropout",
            "papers/dropout/",
            DAY,
            ("Architectures",),
            ("Geoffrey Hinton", "Nitish Srivastava"),
            "A way to prevent overfitting.",
        ),
        SearchDoc(
            "Pointer Networks",
            "papers/pointer-networks/",
            DAY,
            (),
            ("Oriol Vinyals",),
            "Attention as a pointer.",
        ),
        SearchDoc(
            "Hinton diagrams",
            "papers/hinton-diagrams/",
            DAY,
            (),
            ("Jean-Baptiste Alayrac",),
            "A plot of weights.",
        ),
    ]
    files, _terms = build_files(docs)
    folder = tmp_path / "search"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)
    whole = read_search(folder)

    def urls(query: str) -> list[str]:
        return [whole.doc(hit.ref)["url"] for hit in search(whole, query)]

    assert urls("authors:hinton") == ["papers/dropout/"]  # the field only: not the "Hinton diagrams" title
    assert "papers/dropout/" in urls("Hinton")
    assert urls(author_query("Geoffrey Hinton"))[0] == "papers/dropout/"
    assert urls(author_query("Jean-Baptiste Alayrac")) == ["papers/hinton-diagrams/"]
    assert urls("authors:baptiste") == ["papers/hinton-diagrams/"]

"""The internal link checker, on small hand-made sites: what it counts, what it reports and why."""

from __future__ import annotations

from pathlib import Path

from generator.linkcheck import BrokenLink, check_links


def make_site(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (site-relative path -> content) under root/site and return the site folder."""
    site = root / "site"
    for name, text in files.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return site


def page(body: str, title: str = "t") -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


def reasons(broken: list[BrokenLink]) -> list[tuple[str, str, str]]:
    return [(b.page, b.target, b.reason) for b in broken]


def test_a_well_linked_site_has_no_broken_links(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "index.html": page(
                '<link rel="stylesheet" href="static/css/site.css">'
                '<link rel="alternate" type="application/atom+xml" href="feed.xml">'
                '<a href="papers/x/">x</a> <a href="papers/x/index.html#related">related</a>'
                '<a href="#main">skip</a><main id="main"></main><a href="#">top</a>'
                '<img src="static/logo.png" alt=""><script src="static/js/search.js"></script>'
            ),
            "papers/x/index.html": page(
                '<a href="../../">home</a> <a href="../../index.html">home</a> <a href="../y/#abstract">y</a>'
                '<section id="related"><a href="../y/">y</a></section>'
            ),
            "papers/y/index.html": page('<p id="abstract">...</p><a href="../x/#related">x</a>'),
            "static/css/site.css": "body {}",
            "static/js/search.js": "",
            "static/logo.png": "",
            "feed.xml": "<feed/>",
        },
    )
    checked, broken = check_links(site)
    assert broken == []
    assert checked == 13  # 8 on the home page, 4 on x, 1 on y


def test_a_missing_file_is_reported_with_the_link_as_written(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "index.html": page(
                '<a href="papers/gone/">gone</a><img src="logo.png"><a href="topics.html">t</a>'
            ),
        },
    )
    checked, broken = check_links(site)
    assert checked == 3
    assert reasons(broken) == [
        ("index.html", "logo.png", "no such file"),
        ("index.html", "papers/gone/", "no such file"),
        ("index.html", "topics.html", "no such file"),
    ]


def test_a_missing_anchor_on_this_or_another_page(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "index.html": page(
                '<a href="#nowhere">a</a><a href="papers/x/#related">b</a><h2 id="here"></h2>'
            ),
            "papers/x/index.html": page('<section id="abstract"></section><a name="old-anchor"></a>'),
            "papers/y/index.html": page('<a href="../x/#old-anchor">named anchor</a><a href="#top">top</a>'),
        },
    )
    _, broken = check_links(site)
    assert reasons(broken) == [
        ("index.html", "#nowhere", "no element with id='nowhere'"),
        ("index.html", "papers/x/#related", "no element with id='related'"),
    ]


def test_fragments_are_only_checked_on_html_targets(tmp_path: Path) -> None:
    site = make_site(
        tmp_path, {"index.html": page('<a href="feed.xml#entry-1">feed</a>'), "feed.xml": "<f/>"}
    )
    assert check_links(site) == (1, [])


def test_directory_links_with_and_without_a_trailing_slash(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "index.html": page(
                '<a href="topics/">a</a><a href="topics">b</a><a href="topics/ml">c</a><a href="empty/">d</a>'
                '<a href="empty">e</a><a href="topics/ml/">f</a><a href="topics/ml/#papers">g</a>'
            ),
            "topics/index.html": page(""),
            "topics/ml/index.html": page('<ul id="papers"></ul>'),
            "empty/readme.txt": "no index here",
        },
    )
    checked, broken = check_links(site)
    assert checked == 7
    assert reasons(broken) == [
        ("index.html", "empty", "directory has no index.html"),
        ("index.html", "empty/", "directory has no index.html"),
    ]


def test_a_trailing_slash_on_a_file_is_broken(tmp_path: Path) -> None:
    site = make_site(
        tmp_path, {"index.html": page('<a href="about.html/">about</a>'), "about.html": page("")}
    )
    assert reasons(check_links(site)[1]) == [("index.html", "about.html/", "no such file")]


def test_parent_links_resolve_from_the_page_s_own_folder(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "index.html": page(""),
            "topics/ml/page/2/index.html": page(
                '<a href="../../">ml</a><a href="../../../../">home</a><a href="../../../../papers/x/">x</a>'
                '<a href="./">self</a><a href=".">self</a><a href="..">page</a>'
            ),
            "topics/ml/index.html": page(""),
            "topics/ml/page/index.html": page(""),
            "papers/x/index.html": page(""),
        },
    )
    assert check_links(site) == (6, [])


def test_a_link_above_the_site_root_is_broken_even_if_the_folder_exists(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "index.html": page('<a href="../site/index.html">out and back</a>'),
            "papers/x/index.html": page('<a href="../../../outside.html">out</a><a href="../../">ok</a>'),
        },
    )
    (tmp_path / "outside.html").write_text(page(""), encoding="utf-8")
    checked, broken = check_links(site)
    assert checked == 3
    assert reasons(broken) == [
        ("index.html", "../site/index.html", "climbs above the site root"),
        ("papers/x/index.html", "../../../outside.html", "climbs above the site root"),
    ]


def test_root_relative_links_are_broken_because_the_site_may_live_under_a_sub_path(tmp_path: Path) -> None:
    site = make_site(
        tmp_path, {"index.html": page('<a href="/papers/x/">x</a>'), "papers/x/index.html": page("")}
    )
    [broken] = check_links(site)[1]
    assert broken.target == "/papers/x/"
    assert broken.reason.startswith("absolute path")


def test_external_links_are_not_checked_or_counted(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "index.html": page(
                '<a href="https://arxiv.org/abs/1">a</a><a href="http://example.com/missing">b</a>'
                '<a href="//cdn.example.com/x.js">c</a><a href="mailto:me@example.com">d</a>'
                '<a href="javascript:void(0)">e</a><img src="data:image/png;base64,AAAA">'
                '<link rel="canonical" href="HTTPS://EXAMPLE.COM/"><a>no href</a><a href="ok.html">f</a>'
            ),
            "ok.html": page(""),
        },
    )
    assert check_links(site) == (1, [])


def test_query_strings_are_ignored(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "index.html": page(
                '<a href="search/?q=grokking">s</a><a href="search/index.html?q=a&amp;b=1#results">r</a>'
                '<a href="?page=2">same page</a><a href="missing/?q=x">m</a>'
            ),
            "search/index.html": page('<div id="results"></div>'),
        },
    )
    checked, broken = check_links(site)
    assert checked == 4
    assert reasons(broken) == [("index.html", "missing/?q=x", "no such file")]


def test_percent_encoded_paths_and_fragments_are_decoded(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "index.html": page(
                '<a href="files/my%20notes.html">a</a><a href="caf%C3%A9/#r%C3%A9sum%C3%A9">b</a>'
                '<a href="files/my%20missing.html">c</a>'
            ),
            "files/my notes.html": page(""),
            "café/index.html": page('<p id="résumé"></p>'),
        },
    )
    checked, broken = check_links(site)
    assert checked == 3
    assert reasons(broken) == [("index.html", "files/my%20missing.html", "no such file")]


def test_every_page_is_checked_and_the_report_is_sorted_and_deduplicated(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "z/index.html": page('<a href="b.html">b</a><a href="a.html">a</a><a href="a.html">again</a>'),
            "a/index.html": page('<a href="../missing.css">css</a>'),
            "index.html": page('<link href="style.css" rel="stylesheet">'),
        },
    )
    checked, broken = check_links(site)
    assert checked == 5
    assert [(b.page, b.target) for b in broken] == [
        ("a/index.html", "../missing.css"),
        ("index.html", "style.css"),
        ("z/index.html", "a.html"),
        ("z/index.html", "b.html"),
    ]


def test_an_empty_site_has_nothing_to_check(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    assert check_links(site) == (0, [])

"""Verify every internal link of a built site: each target file exists and each fragment names an element.

A static site has no server to answer a bad link with a helpful page, and a broken "related papers"
anchor or a missing feed goes unnoticed until a reader hits it, so the build checks its own output.
Only the files on disk count: the checker resolves links the way a static host would (pretty URLs, a
directory serves its index.html) and never reads sitemap.xml, so it cannot agree with a wrong sitemap.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# The attribute holding a URL, per tag; other tags' attributes are not links we can break.
LINK_ATTRIBUTES = {
    "a": "href",
    "link": "href",
    "area": "href",
    "img": "src",
    "script": "src",
    "source": "src",
    "iframe": "src",
}


@dataclass(frozen=True)
class BrokenLink:
    """One broken link: where it is, what it says, and why it does not work."""

    page: str  # the page's path relative to the site root, e.g. "papers/x/index.html"
    target: str  # the href/src as written
    reason: str  # e.g. "no such file", "no element with id='related'"


class _PageParser(HTMLParser):
    """Collects a page's link targets and the fragment names it defines (ids and `<a name>`)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # attribute values arrive unescaped (&amp; -> &)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        url = values.get(LINK_ATTRIBUTES.get(tag, ""))
        if url is not None:
            self.links.append(url.strip())  # browsers ignore surrounding whitespace


def _parse(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser


def _resolve(site_dir: Path, page: str, path: str) -> tuple[str | None, str]:
    """The site-relative file a link path serves, or None and the reason it serves nothing.

    Resolution is done on the URL's segments, not the file system, so `..` cannot escape the site
    through a symlink and a link climbing above the root is caught even if the folder above exists.
    """
    if path.startswith("/"):
        return None, "absolute path: internal links must be relative (the site may live under a sub-path)"
    segments = page.split("/")[:-1]
    parts = path.split("/")
    for part in parts:
        if part == "..":
            if not segments:
                return None, "climbs above the site root"
            segments.pop()
        elif part not in ("", "."):
            segments.append(part)
    as_directory = parts[-1] in ("", ".", "..")
    target = site_dir.joinpath(*segments)
    if not as_directory and target.is_file():
        return "/".join(segments), ""
    if target.is_dir():
        if (target / "index.html").is_file():
            return "/".join([*segments, "index.html"]), ""
        return None, "directory has no index.html"
    return None, "no such file"


def check_links(site_dir: Path) -> tuple[int, list[BrokenLink]]:
    """Check every internal link of every page under `site_dir`; returns (links checked, broken ones).

    Internal means no scheme and no host: `http:`, `mailto:`, `data:`, `//host/...` and the like are
    skipped. Query strings are ignored (a static host ignores them too), paths are percent-decoded, and
    a fragment must match an id on the target page when that page is HTML. The broken links are sorted
    by page then target, each (page, target) reported once, so two runs print the same report.
    """
    pages = {
        path.relative_to(site_dir).as_posix(): _parse(path)
        for path in sorted(site_dir.rglob("*.html"))
        if path.is_file()
    }
    checked = 0
    broken: set[BrokenLink] = set()
    for page, parsed in pages.items():
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                continue
            checked += 1
            path, fragment = unquote(parts.path), unquote(parts.fragment)
            target, reason = (page, "") if not path else _resolve(site_dir, page, path)
            if target is None:
                broken.add(BrokenLink(page, link, reason))
                continue
            # "#top" scrolls to the top of any page (HTML spec), so it needs no element.
            if fragment and fragment.lower() != "top" and target.endswith(".html"):
                ids = pages[target].ids if target in pages else _parse(site_dir / target).ids
                if fragment not in ids:
                    broken.add(BrokenLink(page, link, f"no element with id={fragment!r}"))
    return checked, sorted(broken, key=lambda b: (b.page, b.target, b.reason))

"""The site's URL scheme: every page's URL and the file that serves it, in one place.

URLs here are relative to the site root and use the pretty form a static host serves (`papers/<slug>/`
is the file `papers/<slug>/index.html`). Pages make them relative to themselves by prefixing `root`
(`../../`), so a site works from any sub-path and from disk; `absolute` adds the base URL where a full
URL is needed (canonical links, feeds, the sitemap). Render code, the search documents and the
templates (the Jinja global `urls`) all ask this module; nothing else spells a page's path.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from generator.errors import DigestError

#: The page a static host serves for a missing path; at the site root, reached at any depth.
NOT_FOUND = "404.html"
INDEX_FILE = "index.html"
#: The file name of every Atom feed (the site's, and each topic's in its folder).
FEED_NAME = "feed.xml"
#: The only schemes a link the site shows (or a mail links to) may have: no `javascript:`, `data:`, ...
WEB_SCHEMES = ("http", "https")
# Never part of a URL as written: white space and control characters. (Quotes and brackets are escaped
# wherever a URL is written out, in HTML, XML and mail alike.)
_NOT_IN_URL_RE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def home() -> str:
    return ""


def archive() -> str:
    return "digests/"


def digest(day: str) -> str:
    return f"digests/{day}/"


def topics() -> str:
    return "topics/"


def topic(slug: str, page: int = 1) -> str:
    """A topic's listing; its page 2 on are `topics/<slug>/page/<n>/`."""
    return f"topics/{slug}/" if page == 1 else f"topics/{slug}/page/{page}/"


def topic_feed(slug: str) -> str:
    return topic(slug) + FEED_NAME


def paper(slug: str) -> str:
    return f"papers/{slug}/"


def saved() -> str:
    """The reading list: the papers saved in this browser (filled in by static/js/saved.js)."""
    return "saved/"


#: The periods of the "top" pages, by name: days counted back from the latest digest, that day included.
TOP_PERIODS = {"week": 7, "month": 30}


def top(period: str) -> str:
    """The most upvoted papers of the `period` ("week" or "month") up to the latest digest."""
    return f"top/{period}/"


def manifest() -> str:
    """The web app manifest, so the site installs like an app."""
    return "manifest.webmanifest"


def service_worker() -> str:
    """The service worker: at the site root, so its scope is the whole site."""
    return "sw.js"


def search(query: str = "") -> str:
    """The search page, running `query` on load when given (`:` kept readable for `authors:` queries)."""
    return f"search/?q={quote(query, safe=':')}" if query else "search/"


def search_index() -> str:
    """The search entry point (the manifest) the browser loads first."""
    return "search/index.json"


def feed() -> str:
    return FEED_NAME


def subscribe() -> str:
    """The Subscribe page: every feed with its URL, the OPML file, how to get the e-mail edition."""
    return "subscribe/"


def opml() -> str:
    """Every feed of the site in one OPML file, for importing into a feed reader at once."""
    return "feeds.opml"


def sitemap() -> str:
    return "sitemap.xml"


def robots() -> str:
    return "robots.txt"


def not_found() -> str:
    return NOT_FOUND


def static(name: str) -> str:
    """A file of the site's static folder, e.g. `static("css/site.css")`."""
    return f"static/{name}"


def file_of(url: str) -> str:
    """The file a URL is served from: a folder URL's `index.html`, any other URL itself."""
    return url + INDEX_FILE if url == "" or url.endswith("/") else url


def url_of(path: str) -> str:
    """The URL of a file of the built site: `index.html` files are reached as their folder."""
    return path.removesuffix(INDEX_FILE) if path.endswith(INDEX_FILE) else path


def root_of(path: str) -> str:
    """The relative prefix from the page at file `path` back to the site root ("", "../", "../../")."""
    return "../" * path.count("/")


def is_web_url(url: object) -> bool:
    """True for an absolute http(s) URL with a host, and no white space or control characters.

    The one rule for every URL that reaches a page, a feed or a mail from content (paper links, site.yml's
    base URL and repository, the mail's unsubscribe link): content comes from strangers too, and a
    `javascript:` link in it would run in every reader's browser. The scheme may be in any case
    (`HTTPS://`), as browsers accept it.
    """
    if not isinstance(url, str) or _NOT_IN_URL_RE.search(url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a malformed IPv6 host or port
        return False
    return (
        parts.scheme.lower() in WEB_SCHEMES
        and url[len(parts.scheme) : len(parts.scheme) + 3] == "://"
        and bool(host)
    )


def base_url_problem(base_url: str) -> str | None:
    """What is wrong with `base_url` as the site's base URL, or None: an http(s) URL that paths can be
    appended to (no `?query` or `#fragment`)."""
    if not is_web_url(base_url) or "?" in base_url or "#" in base_url:
        return f"{base_url!r} must be an absolute http:// or https:// URL, like https://you.github.io/digest/"
    return None


def check_base_url(base_url: str) -> str:
    """A base URL must be absolute http(s); it always ends with `/` so paths can be appended."""
    if not base_url:
        return ""
    problem = base_url_problem(base_url)
    if problem:
        raise DigestError(f"--base-url {problem}")
    return base_url.rstrip("/") + "/"


def absolute(base_url: str, url: str) -> str | None:
    """`url` under the site's base URL (`https://host/sub/` + url), or None when the site has none."""
    return base_url.rstrip("/") + "/" + url if base_url else None


def edit(repository: str, branch: str, content_path: str) -> str | None:
    """The "Edit this page" link of a content file in the site's repository (GitHub's `/edit/` form),
    or None when site.yml names no repository. `content_path` is relative to the content folder."""
    return f"{repository.rstrip('/')}/edit/{branch}/content/{content_path}" if repository else None

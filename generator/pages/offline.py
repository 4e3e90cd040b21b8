"""The site as an installable app that keeps working offline: `manifest.webmanifest` and `sw.js`.

The manifest lets a browser install the site (name, colours, the favicon as its icon); every URL in it is
relative to the manifest, which sits at the site root, so a site under a sub-path installs as itself.
Its only icon is `static/favicon.svg` with `sizes: "any"`: Chromium accepts an SVG icon for
installing, and drawing PNGs would need a rasteriser the repository does not have.

`sw.js` is `static/js/service-worker.js` (read its header for the caching strategy) with the build's
constants prepended: `VERSION`, `SHELL` (the files to precache) and `PRECACHE_PARTS_LIMIT`. The browser
fetches `sw.js` from the network whenever a page of the site is opened, and installs it again only when
its bytes changed: so `VERSION` changes exactly when the built site may have changed, and is the same
bytes for the same input (builds are deterministic). It is a hash of what the pages are made of rather
than of the pages themselves, which at 50,000 papers would mean reading them all:

- each paper file's key (`Site.sources`: a hash of its path and bytes, already made by loading),
- the site's settings, taxonomy and base URL, and the list of pages built before this one,
- every template the environment can load (the site's own over the built-in ones),
- the built-in static files and lunr.js, and the generator's code fingerprint (its sources, the
  libraries' versions).

A site's own static files are not in it (a builder is not told the site folder); that costs nothing but
an earlier re-install, because pages and static files are fetched network first: an online reader always
gets the newest file, and the cache is refreshed with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

from jinja2 import Environment

from generator import urls
from generator.assets import builtin_static_files, builtins
from generator.cache.fingerprint import code_fingerprint
from generator.model import SiteConfig
from generator.pages.base import Page, PageRenderer

#: The service worker's source, in the static folder; `sw.js` is made from it (it is copied as is too).
WORKER_SOURCE = "js/service-worker.js"
#: Precache every part of the search index on install when index.json lists at most this many: about
#: 1,650 papers, some 4 MB of JSON (1.3 MB gzipped), so that any search works offline on a small site.
#: A larger site caches the parts its searches fetch, as they are fetched.
PRECACHE_PARTS_LIMIT = 200
#: The manifest's colours: the site's accent (base.html's theme-color) and its light background.
THEME_COLOR = "#1f5fbf"
BACKGROUND_COLOR = "#fdfdfc"
#: Longer names are cut for `short_name` (what a phone shows under the icon).
SHORT_NAME_CHARS = 12
#: The pages precached on install besides the static files: home, search and the reading list.
SHELL_PAGES = (urls.home(), urls.search(), urls.saved())
_VERSION_FORMAT = b"research-digest sw 1"


def offline(renderer: PageRenderer) -> Iterator[Page]:
    """The web app manifest and the service worker, both at the site root."""
    yield Page(urls.manifest(), manifest_text(renderer.site.config))
    yield Page(urls.service_worker(), service_worker_text(renderer))


def manifest_text(config: SiteConfig) -> str:
    """The manifest as JSON: fixed key order and layout, so the same settings give the same bytes."""
    manifest: dict[str, object] = {
        "name": config.title,
        "short_name": short_name(config.title),
    }
    if config.description:
        manifest["description"] = config.description
    manifest.update(
        {
            "id": "./",
            "start_url": "./",
            "scope": "./",
            "display": "standalone",
            "background_color": BACKGROUND_COLOR,
            "theme_color": THEME_COLOR,
            "icons": [
                {"src": urls.static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
            ],
        }
    )
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"


def short_name(title: str) -> str:
    """The title, or as many of its first words as fit in SHORT_NAME_CHARS (else its first characters):
    a launcher cuts a longer name anywhere."""
    title = " ".join(title.split())
    if len(title) <= SHORT_NAME_CHARS:
        return title
    words = title.split(" ")
    kept = words[0]
    for word in words[1:]:
        if len(kept) + 1 + len(word) > SHORT_NAME_CHARS:
            break
        kept += " " + word
    return kept if len(kept) <= SHORT_NAME_CHARS else kept[:SHORT_NAME_CHARS].rstrip()


def shell_files() -> list[str]:
    """What the service worker precaches, relative to the site root: the shell pages, the search entry
    point, and every built-in stylesheet and script (what the pages and the search worker load), lunr.js
    and the favicon. A file a build lacks (no lunr.js without node_modules) is skipped by the worker."""
    names = [
        name
        for name in builtin_static_files()
        if name == "favicon.svg"
        or (name.count("/") == 1 and name.endswith((".css", ".js")) and name != WORKER_SOURCE)
    ]
    return [
        *(url or "./" for url in SHELL_PAGES),
        urls.search_index(),
        *(urls.static(name) for name in names),
    ]


def service_worker_text(renderer: PageRenderer) -> str:
    """`sw.js`: the build's constants, then the worker's source."""
    source = (builtins().static / WORKER_SOURCE).read_text(encoding="utf-8")
    header = [
        f"// Made by `digest build` from static/{WORKER_SOURCE}; the constants below change with the site.",
        f"const VERSION = {json.dumps(site_version(renderer))};",
        f"const SHELL = {json.dumps(shell_files())};",
        f"const PRECACHE_PARTS_LIMIT = {PRECACHE_PARTS_LIMIT};",
    ]
    return "\n".join(header) + "\n" + source


def site_version(renderer: PageRenderer) -> str:
    """A hash of what the built site is made of (see the module's docstring); cheap at 50,000 papers:
    no page is read, the papers count by the keys their loading already computed."""
    digest = hashlib.sha256(_VERSION_FORMAT)
    site = renderer.site

    def add(*parts: str) -> None:
        for part in parts:
            digest.update(part.encode("utf-8") + b"\0")

    add(code_fingerprint(), renderer.base_url, repr(site.config), repr(site.topics))
    for slug, key in sorted(site.sources.items()):
        add(slug, key)
    add(str(len(renderer.built)), *(page.path for page in renderer.built))
    _add_templates(digest, renderer.env)
    _add_static(digest)
    return digest.hexdigest()[:20]


def _add_templates(digest: hashlib._Hash, env: Environment) -> None:
    """Every template by name and source, as the environment resolves it (a site's own first)."""
    loader = env.loader
    if loader is None:
        return
    for name in sorted(env.list_templates()):
        source = loader.get_source(env, name)[0]
        digest.update(f"\0{name}\0{len(source)}\0".encode() + source.encode("utf-8"))


def _add_static(digest: hashlib._Hash) -> None:
    """The built-in static files and lunr.js, by name and bytes (relative names: the same wherever the
    generator is installed)."""
    for name, path in builtin_static_files().items():
        data = path.read_bytes()
        digest.update(f"\0{name}\0{len(data)}\0".encode() + data)

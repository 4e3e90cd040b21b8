"""Helpers for the end-to-end tests: build a site once, serve it on 127.0.0.1, drive headless Chromium.

Not a test module. `test_browser.py` and `test_html_valid.py` wrap these in their own fixtures; the built
sites are cached here, per test session, so the seed site is built once however many modules use it.

Tools missing from the machine (Chromium, Java, the npm dev dependencies) skip a test on a developer's
machine, with the reason, but fail it in CI (`CI=true`), where `.ci/run` installs them: a CI run that
silently skips its browser tests would prove nothing.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from .common import CONTENT, REPO

NODE_MODULES = REPO / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
#: The Nu HTML Checker with the JVM tuned for one short run: the quick compiler only (the optimizing one
#: warms up longer than a check of a few hundred pages takes: about 9 -> 4 CPU seconds on the seed site,
#: the same report), and the larger thread stack the quick compiler's frames need for vnu's schema.
VNU_COMMAND = ("java", "-Xss16m", "-XX:TieredStopAtLevel=1", "-jar", str(VNU_JAR))
CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 10_000  # Playwright default timeout for every page the tests open
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --- missing tools: skip locally, fail in CI -------------------------------------------------------


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def require(available: bool, what: str, fix: str) -> None:
    """Skip the test when `what` is missing, unless this is CI, where it fails instead."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{what} is missing, and CI=true so this test may not skip: {fix}", pytrace=False)
    pytest.skip(f"{what} is missing ({fix}; in CI this fails instead of skipping)")


def require_chromium() -> None:
    require(CHROMIUM.exists(), f"Chromium ({CHROMIUM})", "install the Debian package `chromium`")


def require_java() -> None:
    require(
        shutil.which("java") is not None,
        "a Java runtime (`java`, needed by vnu.jar)",
        "install the Debian package `default-jre-headless`",
    )


def require_node_file(path: Path) -> None:
    require(path.exists(), str(path.relative_to(REPO)), "run `make test` or `npm ci` to install it")


def require_playwright() -> Any:
    """The `playwright.sync_api` module (a dev dependency of the package)."""
    try:
        from playwright import sync_api
    except ImportError:
        require(False, "the Python package playwright", "run `make test` to install the dev dependencies")
    return sync_api


# --- building sites ---------------------------------------------------------------------------------


def build_function() -> Callable[..., Any]:
    """`generator.build.build_site`; skips (never fails) only while the build stage does not exist yet."""
    if not (REPO / "generator" / "build.py").exists():
        pytest.skip("generator/build.py does not exist yet: `digest build` is not implemented")
    from generator.build import build_site

    return build_site


def copy_content(dest: Path) -> Path:
    """A copy of the repository's content folder, so a build or an edit never touches the repo."""
    shutil.copytree(CONTENT, dest)
    return dest


def copy_tree(source: Path, dest: Path) -> Path:
    """A copy of `source` at `dest` (which may exist, empty) as `cp -a` makes it: modes and times kept, and
    files that are hard links of one another inside `source` (a built site's pages and the build cache's
    entries) hard links of one another inside the copy, never of the originals, so the copy is in the very
    state `source` was in and writing into it, even in place, leaves `source` as it was."""
    copied: dict[tuple[int, int], str] = {}
    for top, dirs, files in os.walk(source):
        relative = os.path.relpath(top, source)
        target_top = dest if relative == "." else dest / relative
        target_top.mkdir(exist_ok=True)
        for name in [*dirs, *files]:
            path = os.path.join(top, name)
            target = os.path.join(target_top, name)
            if os.path.islink(path):
                os.symlink(os.readlink(path), target)
                continue
            if name in dirs:
                continue
            info = os.stat(path)
            key = (info.st_dev, info.st_ino)
            if info.st_nlink > 1 and key in copied:
                os.link(copied[key], target)
            else:
                shutil.copy2(path, target)
                copied[key] = target
        dirs[:] = [name for name in dirs if not os.path.islink(os.path.join(top, name))]
    for top, _dirs, _files in os.walk(source, topdown=False):  # times after the writes into the folders
        relative = os.path.relpath(top, source)
        shutil.copystat(top, dest if relative == "." else dest / relative)
    return dest


def build(content: Path, out: Path, base_url: str | None = None) -> Path:
    build_function()(content, out, base_url=base_url)
    assert (out / "index.html").is_file(), f"build_site wrote no {out / 'index.html'}"
    return out


_cache: dict[str, Any] = {}


def cached(key: str, make: Callable[[], Any]) -> Any:
    """What `make()` returns, made once per test session under `key` (for a site several modules use)."""
    if key not in _cache:
        _cache[key] = make()
    return _cache[key]


def seed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed content (content/ in the repo) built once per test session; returns the site folder."""

    def make() -> Path:
        root = tmp_path_factory.mktemp("seed")
        return build(copy_content(root / "content"), root / "site")

    return cached("seed", make)


def subpath_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed content built for https://example.org/sub/, into `<root>/sub/`; returns `<root>`."""

    def make() -> Path:
        root = tmp_path_factory.mktemp("subpath")
        content = copy_content(root / "content")
        (root / "www").mkdir()
        build(content, root / "www" / "sub", base_url="https://example.org/sub/")
        return root / "www"

    return cached("subpath", make)


# --- hostile content --------------------------------------------------------------------------------

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "{{ 7*7 }}",
    "{% raw %}",
    "[click](javascript:alert(3))",
    '<a href="javascript:alert(4)">x</a>',
)
HOSTILE_SLUG = "zyxwvut-hostile-payloads"
HOSTILE_TOPIC = "zyxwvut-hostile-topic"
HOSTILE_TITLE = "Zyxwvut hostile title " + " ".join(PAYLOADS)
HOSTILE_ABSTRACT = "Zyxwvut hostile abstract: " + " ".join(PAYLOADS)
# More ways Markdown could make a `javascript:` link: an autolink, mixed case, a reference definition.
HOSTILE_EXTRA = (
    "More: <javascript:alert(5)> and [y][r] and [z](JaVaScRiPt:alert(6)).\n\n[r]: javascript:alert(7)"
)


@dataclass(frozen=True)
class HostileSite:
    site: Path
    slug: str = HOSTILE_SLUG
    topic: str = HOSTILE_TOPIC
    title: str = HOSTILE_TITLE
    payloads: tuple[str, ...] = PAYLOADS


def front_matter(path: Path) -> dict[str, Any]:
    """A content file's front matter, read directly (independent of generator.content)."""
    text = path.read_text(encoding="utf-8")
    _, head, _ = text.split("---\n", 2)
    return yaml.safe_load(head)


@functools.cache
def seed_front_matter() -> dict[str, dict[str, Any]]:
    """The front matter of every paper of the repository's content/, by file stem, read once per test
    session (the seed does not change during a run); callers must not change what it returns."""
    return {p.stem: front_matter(p) for p in sorted((CONTENT / "papers").glob("*.md"))}


def add_hostile_content(content: Path) -> None:
    """Add a topic and a paper whose every text field is an attack on the templates or the renderer.

    The body is raw Markdown, deliberately not escaped the way ingest would: a hand edit can put anything
    there, and rendering (CommonMark, raw HTML off) must still show it as text and never make a
    `javascript:` link. The paper joins the latest digest so it shows on the home page.
    """
    papers = [front_matter(p) for p in sorted((content / "papers").glob("*.md"))]
    latest = max(papers, key=lambda p: str(p["date"]))
    day = latest["date"] if isinstance(latest["date"], date) else date.fromisoformat(str(latest["date"]))

    topics_file = content / "topics.yml"
    topics = yaml.safe_load(topics_file.read_text(encoding="utf-8"))
    topics["topics"].append(
        {
            "slug": HOSTILE_TOPIC,
            "name": "Zyxwvut topic <script>alert(8)</script>",
            "description": "Zyxwvut topic description " + " ".join(PAYLOADS),
            "phrases": ["zyxwvut"],
        }
    )
    topics_file.write_text(yaml.safe_dump(topics, allow_unicode=True, sort_keys=False), encoding="utf-8")

    meta = {
        "id": "t-0000hostile0000",
        "title": HOSTILE_TITLE,
        "date": day,
        "digests": [date.fromordinal(day.toordinal())],  # a copy: one object twice would dump as an alias
        "topics": [HOSTILE_TOPIC],
        "authors": ["Zyxwvut <script>alert(9)</script>", '"><img src=x onerror=alert(10)>'],
        "links": [
            # No spaces: `digest check` refuses a URL with white space; `/` separates attributes too.
            {"label": "Code", "url": 'https://example.org/?q="><img/src=x/onerror=alert(11)>'},
            {"label": "<b>Demo</b> {{ 7*7 }}", "url": "https://example.org/demo?a=1&b=<2>"},
        ],
        "source": latest["source"],
    }
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    body = HOSTILE_ABSTRACT + "\n\n" + HOSTILE_EXTRA + "\n"
    (content / "papers" / f"{HOSTILE_SLUG}.md").write_text(f"---\n{head}---\n\n{body}", encoding="utf-8")


def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> HostileSite:
    """The seed content plus the hostile paper and topic, built once per session."""

    def make() -> HostileSite:
        root = tmp_path_factory.mktemp("hostile")
        content = copy_content(root / "content")
        add_hostile_content(content)
        return HostileSite(site=build(content, root / "site"))

    return cached("hostile", make)


# --- serving ----------------------------------------------------------------------------------------


class _Handler(SimpleHTTPRequestHandler):
    """Static files with pretty URLs (a folder serves its index.html); records requests, logs nothing."""

    server: _Server

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = code.value if hasattr(code, "value") else code
        self.server.requests.append((self.path, int(status) if str(status).isdigit() else 0))

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        """A text file gzipped when the server compresses and the browser accepts it, as GitHub Pages and
        most static hosts do; anything else as SimpleHTTPRequestHandler sends it."""
        if not self.server.compress or "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().send_head()
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?", 1)[0].endswith("/"):
            path = path / "index.html"
        if not path.is_file() or path.suffix not in COMPRESSED_SUFFIXES:
            return super().send_head()
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.server.not_found
        if code != 404 or page is None:
            super().send_error(code, message, explain)
            return
        # Like GitHub Pages and most static hosts: a missing URL gets the site's 404 page, status 404.
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[tuple[str, int]]
    not_found: Path | None
    compress: bool


#: What a compressing server gzips: the text files of a built site.
COMPRESSED_SUFFIXES = frozenset({".html", ".css", ".js", ".json", ".xml", ".svg", ".webmanifest", ".txt"})


@dataclass
class StaticServer:
    """Serve `root` on 127.0.0.1 (a free port) from a background thread; use as a context manager."""

    root: Path
    not_found: Path | None = None  # the page a missing URL gets (with status 404); None: a bare 404
    #: Gzip text files for browsers that accept it, like a real static host (Lighthouse measures this).
    compress: bool = False
    requests: list[tuple[str, int]] = field(default_factory=list)
    _server: _Server | None = None

    def __enter__(self) -> StaticServer:
        handler = functools.partial(_Handler, directory=str(self.root))
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.requests = self.requests
        self._server.not_found = self.not_found
        self._server.compress = self.compress
        threading.Thread(target=self._server.serve_forever, name="static-server", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def origin(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "") -> str:
        """The URL of `path`, relative to the served root (no leading slash)."""
        return f"{self.origin}/{path}"


# --- the browser ------------------------------------------------------------------------------------


def launch_chromium(playwright: Any) -> Any:
    """Headless Chromium from the system package (never a downloaded one), without network side trips."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


@contextmanager
def chromium() -> Iterator[Any]:
    """Start Playwright and one browser; skips or fails (in CI) when Chromium or playwright is missing."""
    require_chromium()
    sync_api = require_playwright()
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageWatch:
    """Everything that went wrong on a page while it was watched: console errors, uncaught exceptions,
    responses with an error status, and dialogs (which it dismisses, so a hostile `alert` cannot block)."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, page: Any) -> PageWatch:
        watch = cls()

        def on_console(message: Any) -> None:
            if message.type == "error":
                where = (message.location or {}).get("url", "")
                watch.console_errors.append(f"{message.text} [on {page.url}; source {where}]")

        def on_dialog(dialog: Any) -> None:
            watch.dialogs.append(f"{dialog.type}({dialog.message!r}) on {page.url}")
            dialog.dismiss()

        def on_response(response: Any) -> None:
            if response.status >= 400:
                watch.bad_responses.append(f"{response.status} {response.url} [on {page.url}]")

        page.on("console", on_console)
        page.on("pageerror", lambda error: watch.page_errors.append(f"{error} [on {page.url}]"))
        page.on("response", on_response)
        page.on("dialog", on_dialog)
        return watch

    def problems(self) -> list[str]:
        return [
            *(f"console error: {e}" for e in self.console_errors),
            *(f"page error: {e}" for e in self.page_errors),
            *(f"HTTP error: {e}" for e in self.bad_responses),
            *(f"dialog opened: {e}" for e in self.dialogs),
        ]


#: axe-core's violations on the page, as plain data (axe.min.js must be injected first: see axe_serious).
AXE_RUN = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({target: n.target.join(' '), html: n.html, summary: n.failureSummary})),
    }));
}"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core run on the page as it is now (injected by evaluate: the CSP refuses an inline <script>)."""
    require_node_file(AXE_JS)
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(AXE_RUN)
    return violations


def axe_serious(page: Any) -> list[str]:
    """The serious and critical axe violations on the page, one readable entry each (rule, elements)."""
    return [
        f"[{v['impact']}] {v['id']}: {v['help']}\n"
        + "\n".join(f"    {n['target']}: {n['summary']}" for n in v["nodes"])
        for v in axe_violations(page)
        if v["impact"] in ("serious", "critical")
    ]


def new_page(browser: Any, **context_options: Any) -> Any:
    """A page in a fresh browser context (no shared cookies, storage or cache) with the suite's timeout.

    The site's service worker is blocked unless a test asks for it (`service_workers="allow"`, as
    test_offline does): a worker answering from its caches would hide what the server sent, and
    Playwright's `route` does not see the worker's own requests."""
    context_options.setdefault("service_workers", "block")
    context = browser.new_context(**context_options)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()

"""First-result latency of the search UI in headless Chromium, on a built site served from 127.0.0.1.

Two scenarios, each in a fresh browser context (empty cache) per run:
- `page`: open `search/?q=WORD`; from navigation start to the first result element in the DOM.
- `header`: open the home page, wait for load, focus the header search box and type WORD; from the focus
  to the first result in the header's list (includes the UI's typing debounce), and from the last key
  typed to it (`after_typing_ms`: the search issue's measure; the index loads from the focus on).

A MutationObserver installed before any page script notes the time the selector first matches, so the
figure does not include Playwright's polling. The files fetched before that moment (the worker's fetches
included) are listed with their gzipped size on disk.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import statistics
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# From static/js/search.js: the search page renders `li.search-result` into #search-page-list, the header
# box `li.search-option` into #site-search-results.
PAGE_RESULT = "#search-page-list li.search-result"
HEADER_BOX = "#site-search"
HEADER_RESULT = "#site-search-results li.search-option"
TIMEOUT_MS = 60_000

_OBSERVER = """
(selector) => {
  const origin = performance.timeOrigin;
  const check = () => {
    if (window.__benchFirst === undefined && document.querySelector(selector)) {
      window.__benchFirst = performance.now();
      window.__benchFirstEpoch = origin + window.__benchFirst;
    }
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true, attributes: true});
  document.addEventListener("keydown", (event) => {
    if (event.target.matches && event.target.matches("input")) window.__benchLastKey = performance.now();
  }, true);
  document.addEventListener("focusin", (event) => {
    if (window.__benchFocus === undefined && event.target.matches && event.target.matches("input")) {
      window.__benchFocus = performance.now();
    }
  }, true);
}
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A closed browser context drops the connections of shards still loading: not an error here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SiteServer:
    """The built site on http://127.0.0.1:<free port>/, in a thread, for a `with` block."""

    def __init__(self, site: Path) -> None:
        handler = functools.partial(_Quiet, directory=str(site))
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def unavailable() -> str | None:
    """Why the latency cannot be measured here, or None."""
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed in this Python (pip install playwright)"
    return None


def served_file(request, before_epoch_ms: float, base: str, site: Path) -> Path | None:
    """The site file a finished request of the site fetched, if its response ended before
    `before_epoch_ms` (a folder URL is its index.html); None otherwise."""
    timing = request.timing
    end = timing.get("responseEnd", -1)
    if end < 0 or timing["startTime"] + end > before_epoch_ms or not request.url.startswith(base):
        return None
    relative = unquote(urlsplit(request.url).path).lstrip("/")
    path = site / relative
    if path.is_dir() or not relative:
        path = path / "index.html"
    return path if path.is_file() else None


def _fetched_before(requests: list, first_epoch_ms: float, base: str, site: Path) -> dict[str, int]:
    """The site files whose responses ended before the first result, with their gzipped sizes on disk."""
    files: dict[str, int] = {}
    for request in requests:
        path = served_file(request, first_epoch_ms, base, site)
        if path is not None:
            files[path.relative_to(site).as_posix()] = len(gzip.compress(path.read_bytes(), 6, mtime=0))
    return files


def _one(browser, server: SiteServer, site: Path, scenario: str, word: str, selectors: dict) -> dict:
    context = browser.new_context()
    try:
        selector = selectors["page"] if scenario == "page" else selectors["header"]
        context.add_init_script(script=f"({_OBSERVER})({selector!r})")
        page = context.new_page()
        finished: list = []
        page.on("requestfinished", lambda request: finished.append(request))
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        if scenario == "page":
            page.goto(f"{server.url}search/?q={word}", wait_until="commit")
            start_key = None
        else:
            page.goto(server.url, wait_until="load")
            page.focus(selectors["box"])
            page.keyboard.type(word)
            start_key = "__benchFocus"
        try:
            # A function, not an expression: Playwright evaluates an expression string again on every poll,
            # which the site's Content-Security-Policy (no 'unsafe-eval') refuses after the first one.
            page.wait_for_function("() => window.__benchFirst !== undefined", timeout=TIMEOUT_MS)
        except Exception as exc:  # Playwright's TimeoutError, or the page went away
            status = page.evaluate(
                "() => [...document.querySelectorAll('[role=status], .search-status')]"
                ".map(n => n.textContent).join(' | ')"
            )
            raise RuntimeError(
                f"no element matching {selector!r} within {TIMEOUT_MS / 1000:.0f}s "
                f"(status text: {status!r}; page errors: {errors or 'none'})"
            ) from exc
        first, epoch = page.evaluate("[window.__benchFirst, window.__benchFirstEpoch]")
        start = page.evaluate(f"window.{start_key}") if start_key else 0.0
        page.wait_for_timeout(50)  # let the requestfinished events of the last responses arrive
        fetched = _fetched_before(finished, epoch, server.url, site)
        last_key = page.evaluate("window.__benchLastKey") if start_key else None
        return {
            "ms": first - (start or 0.0),
            "after_typing_ms": first - last_key if last_key is not None else None,
            "fetched": fetched,
            "fetched_gzip_bytes": sum(fetched.values()),
        }
    finally:
        context.close()


def first_result_latency(
    site: Path, *, runs: int = 3, word: str = "transformer", selectors: dict | None = None
) -> dict:
    """Median first-result milliseconds per scenario (or the reason it could not be measured)."""
    why = unavailable()
    if why:
        return {"error": why}
    if not (site / "static" / "js" / "search.js").is_file():
        return {"error": "the built site has no static/js/search.js (the search UI is not there yet)"}
    from playwright.sync_api import sync_playwright

    chosen = {"page": PAGE_RESULT, "header": HEADER_RESULT, "box": HEADER_BOX, **(selectors or {})}
    figures: dict = {"word": word, "runs": runs, "selectors": chosen}
    with SiteServer(site) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for scenario in ("page", "header"):
                samples = []
                try:
                    for _ in range(runs):
                        samples.append(_one(browser, server, site, scenario, word, chosen))
                except Exception as exc:
                    figures[scenario] = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0][:400]}
                    continue
                walls = [s["ms"] for s in samples]
                typed = [s["after_typing_ms"] for s in samples if s.get("after_typing_ms") is not None]
                figures[scenario] = {
                    "median_ms": statistics.median(walls),
                    "ms": walls,
                    # header: from the last key typed to the first result (the search issue's measure)
                    "after_typing_median_ms": statistics.median(typed) if typed else None,
                    "after_typing_ms": typed,
                    "fetched": samples[-1]["fetched"],
                    "fetched_gzip_bytes": statistics.median(s["fetched_gzip_bytes"] for s in samples),
                }
        finally:
            browser.close()
    return figures

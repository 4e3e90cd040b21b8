"""Our search against Pagefind on the same built site: bytes transferred and time to first / complete results
for a fixed set of 20 queries, each in a fresh browser context (cold cache).

    python bench/search_compare.py SITE        # a built site (e.g. _site): prints the table and the JSON

Why: the search index is split so that a query fetches little; Pagefind is the usual static-site answer to
the same problem, so it is the yardstick. Pagefind (npm devDependency, pinned in package-lock.json) runs on
a hard-linked copy of the site, never on the bench's own output, and indexes only the paper pages.

What is measured (times from navigation start, as the page runs `?q=` on load):
- ours: `search/?q=QUERY`. First = the first `#search-page-list li.search-result` in the DOM; complete =
  `#search-page-status` has data-state `count` or `empty` (or `syntax`/`error`, recorded as such) and no
  "so far" in its text. Only the DOM and the network are read, so the index format may change freely.
- Pagefind: `__pagefind_bench.html?q=QUERY` (written into the copy) imports /pagefind/pagefind.js, awaits
  `search(q)`, then `data()` of the first 20 results (a first screen with titles and excerpts). First =
  search() resolved and the first result's data() resolved; complete = all 20 data() resolved.
- bytes: every response that finished before "complete", each counted as its body gzipped at level 6 (what a
  static host sends; measure.gz), the harness page itself excluded. Pagefind's index files are gzipped
  already, so for them this is their size plus a few bytes.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script: the bench modules importable
    sys.path.insert(0, str(HERE))

import browser  # noqa: E402
import measure  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Request

PAGEFIND = measure.REPO / "node_modules" / ".bin" / "pagefind"
PAGEFIND_GLOB = "papers/**/*.html"
HARNESS = "__pagefind_bench.html"
SHOWN = 20  # Pagefind: data() of the first screen of results
TIMEOUT_MS = 120_000  # per query and engine: a 50k index that loads whole can take a while
STATUS = "#search-page-status"
BYTES_MEASURE = "gzip -6 of each response body finished before complete (harness page excluded)"
DONE_STATES = ("count", "empty", "syntax", "error")  # syntax/error: finished, but not an answer

# The fixed queries: one to three words, fields, presence (+/-), prefixes, typos (lunr syntax, which the
# search page understands). Pagefind gets pagefind_query(q) of each.
QUERIES: tuple[str, ...] = (
    "transformer",
    "graph neural network",
    "diffusion",
    "large language models",
    "reinforcement learning",
    "title:survey",
    "authors:wang",
    "+robot -simulation",
    "+privacy +federated",
    "transf*",
    "gener*",
    "transformr~1",
    "reinforcment~1",
    "quantum",
    "adversarial attacks",
    "title:benchmark dataset",
    "image segmentation",
    "zero-shot",
    "cryptography",
    "theorem proving",
)

# Installed before any page script: notes when the first result appears and when the status says the
# answer is complete (a MutationObserver, so Playwright's polling is not in the figure).
_OURS_OBSERVER = """
([first, status, done]) => {
  const check = () => {
    if (window.__cmpFirst === undefined && document.querySelector(first)) {
      window.__cmpFirst = performance.now();
    }
    const node = document.querySelector(status);
    if (window.__cmpDone === undefined && node && done.includes(node.getAttribute("data-state"))
        && !node.textContent.includes("so far")) {
      window.__cmpDone = performance.now();
      window.__cmpState = node.getAttribute("data-state");
      window.__cmpText = node.textContent;
    }
  };
  new MutationObserver(check).observe(document,
    {childList: true, subtree: true, attributes: true, characterData: true});
}
"""

_STATUS_NOW = "(s) => { const n = document.querySelector(s); return n && [n.dataset.state, n.textContent]; }"

_HARNESS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pagefind bench</title></head>
<body><p id="out">searching…</p>
<script type="module">
const q = new URLSearchParams(location.search).get("q") || "";
try {
  const pagefind = await import("/pagefind/pagefind.js");
  const search = await pagefind.search(q);
  const searched = performance.now();
  let first;
  const shown = search.results.slice(0, %(shown)d).map((result, i) => result.data().then((data) => {
    if (i === 0) first = performance.now();
    return data;
  }));
  const data = await Promise.all(shown);
  window.__cmp = {searched, first, top: data.length ? data[0].meta.title : null,
                  count: search.results.length};
} catch (error) {
  window.__cmp = {error: String(error)};
}
window.__cmpDone = performance.now();
document.getElementById("out").textContent = JSON.stringify(window.__cmp);
</script></body></html>
"""


def pagefind_query(query: str) -> str:
    """The query as Pagefind can take it: no fields, no +, no ~N, no trailing * (Pagefind matches prefixes
    by itself). An excluded `-term` is dropped: Pagefind cannot exclude, and keeping the word would require
    it, the opposite of the query."""
    words = []
    for word in query.split():
        if word.startswith("-"):
            continue
        word = re.sub(r"^[a-z]+:", "", word.lstrip("+"))
        word = re.sub(r"~\d*$", "", word).rstrip("*")
        if word:
            words.append(word)
    return " ".join(words)


def unavailable() -> str | None:
    """Why the comparison cannot run here (one line), or None."""
    if not PAGEFIND.exists():
        return f"{PAGEFIND.relative_to(measure.REPO)} is missing (npm ci installs the pinned Pagefind)"
    return browser.unavailable()


def folder_figures(folder: Path) -> dict:
    """Files, bytes and gzip -6 bytes of everything under `folder` (the whole index, as deployed)."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "gzip_bytes": sum(measure.gz(p) for p in files),
    }


def copy_site(site: Path, dest: Path) -> None:
    """A copy of the built site to add pagefind/ to: hard links (cheap at 50k), copies across devices.
    Pagefind only writes new files into dest/pagefind/, so the links never change the bench's site."""

    def link(src: str, dst: str) -> None:
        try:
            Path(dst).hardlink_to(src)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(site, dest, copy_function=link)


def index_pagefind(copy: Path) -> dict:
    """Run Pagefind on the copy: wall time, peak RSS, pages indexed, and its version."""
    run = measure.timed([str(PAGEFIND), "--site", str(copy), "--glob", PAGEFIND_GLOB], cwd=copy)
    if run.returncode != 0:
        tail = " | ".join(run.output.strip().splitlines()[-3:])
        raise RuntimeError(f"pagefind exited {run.returncode}: {tail}")
    pages = re.search(r"Indexed ([\d,]+) pages", run.output)
    version = re.search(r"Pagefind v(\S+)", run.output)
    return {
        "version": version.group(1) if version else "unknown",
        "wall_s": run.wall_s,
        "peak_rss_mb": run.peak_rss_mb,
        "pages": int(pages.group(1).replace(",", "")) if pages else None,
        "command": f"pagefind --site <copy> --glob {PAGEFIND_GLOB!r}",
    }


def _responses(requests: list[Request], done_epoch_ms: float, base: str, site: Path, skip: str) -> list[list]:
    """[path, gzip -6 bytes] of every response from the site that finished before `done_epoch_ms`
    (a file fetched twice counts twice; `skip`, the harness page, not at all)."""
    sizes: dict[Path, int] = {}
    got: list[list] = []
    for request in requests:
        path = browser.served_file(request, done_epoch_ms, base, site)
        if path is None or path.relative_to(site).as_posix() == skip:
            continue
        if path not in sizes:
            sizes[path] = measure.gz(path)
        got.append([path.relative_to(site).as_posix(), sizes[path]])
    return got


def _count(text: str) -> int | None:
    """The result count in our status line: '1,203 results', '1 result', 'No results ...' -> 0."""
    if text.strip().lower().startswith("no results"):
        return 0
    found = re.search(r"([\d,]+)\s+results?\b", text)
    return int(found.group(1).replace(",", "")) if found else None


def _one(browser_: Browser, server: browser.SiteServer, site: Path, engine: str, query: str) -> dict:
    """One query on one engine in a fresh context: times, result count, responses."""
    context = browser_.new_context()
    try:
        if engine == "ours":
            context.add_init_script(
                script=f"({_OURS_OBSERVER})({json.dumps([browser.PAGE_RESULT, STATUS, DONE_STATES])})"
            )
            url = f"{server.url}search/?q={quote(query)}"
        else:
            url = f"{server.url}{HARNESS}?q={quote(query)}"
        page = context.new_page()
        finished: list[Request] = []
        page.on("requestfinished", lambda request: finished.append(request))
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, wait_until="commit")
        try:  # a function, not an expression: the site's CSP has no 'unsafe-eval' (see browser.py)
            page.wait_for_function("() => window.__cmpDone !== undefined", timeout=TIMEOUT_MS)
        except Exception as exc:
            try:
                status = page.evaluate(_STATUS_NOW, STATUS)
            except Exception:  # the page went away
                status = "unknown"
            raise RuntimeError(
                f"no complete answer within {TIMEOUT_MS / 1000:.0f}s (status: {status}; page errors: "
                f"{errors or 'none'})"
            ) from exc
        got = page.evaluate(
            "() => ({done: window.__cmpDone, epoch: performance.timeOrigin + window.__cmpDone,"
            " first: window.__cmpFirst, state: window.__cmpState, text: window.__cmpText, pf: window.__cmp})"
        )
        page.wait_for_timeout(50)  # let the requestfinished events of the last responses arrive
        responses = _responses(finished, got["epoch"], server.url, site, HARNESS)
        figures: dict = {
            "complete_ms": got["done"],
            "bytes": sum(size for _path, size in responses),
            "requests": len(responses),
            "responses": responses,
        }
        if engine == "ours":
            figures.update(
                first_ms=got["first"],
                results=_count(got["text"] or ""),
                state=got["state"],
                status=got["text"],
            )
        else:
            pf = got["pf"] or {}
            if pf.get("error"):
                raise RuntimeError(f"Pagefind: {pf['error']}")
            figures.update(first_ms=pf.get("first"), search_ms=pf.get("searched"))
            figures.update(results=pf.get("count"), top=pf.get("top"))
        return figures
    finally:
        context.close()


def _stats(rows: list[dict], engine: str) -> dict:
    """Median and max of bytes and times over the queries this engine answered."""
    ok = [row[engine] for row in rows if "error" not in row[engine]]
    out: dict = {"queries": len(rows), "answered": len(ok)}
    for key in ("bytes", "first_ms", "complete_ms"):
        values = [r[key] for r in ok if r.get(key) is not None]
        out[f"median_{key}"] = statistics.median(values) if values else None
        out[f"max_{key}"] = max(values) if values else None
    out["total_bytes"] = sum(r["bytes"] for r in ok)
    return out


def run_queries(
    queries: tuple[str, ...], one: Callable[[str, str], dict], *, warm_up: bool = True
) -> list[dict]:
    """Every query on both engines through `one(engine, text)`, interleaved (so the machine's noise hits
    both alike); with `warm_up`, a run of each engine first, discarded (the browser's first context pays its
    own start-up). An engine that fails twice in a row (its warm-up included) is not asked again: a broken
    page would otherwise cost the full timeout on every query."""
    failures = {"ours": 0, "pagefind": 0}
    given_up: dict[str, str] = {}

    def run(engine: str, text: str) -> dict:
        if engine in given_up:
            return {"error": f"not measured: {given_up[engine]}"}
        try:
            got = one(engine, text)
        except Exception as exc:
            why = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            measure.log(f"    {engine} on {text!r} failed: {why}")
            failures[engine] += 1
            if failures[engine] >= 2:
                given_up[engine] = f"{engine} failed twice in a row, last: {why}"
            return {"error": why}
        failures[engine] = 0
        return got

    if warm_up:
        run("ours", queries[0])
        run("pagefind", pagefind_query(queries[0]))
    rows: list[dict] = []
    for query in queries:
        row: dict = {"query": query, "pagefind_query": pagefind_query(query)}
        row["ours"] = run("ours", query)
        row["pagefind"] = run("pagefind", row["pagefind_query"])
        rows.append(row)
    return rows


def measure_queries(copy: Path, queries: tuple[str, ...] = QUERIES, *, warm_up: bool = True) -> list[dict]:
    """run_queries in headless Chromium on the copy, served from 127.0.0.1."""
    from playwright.sync_api import sync_playwright

    with browser.SiteServer(copy) as server, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(browser.CHROMIUM), args=browser.CHROMIUM_ARGS)
        try:
            return run_queries(
                queries, lambda engine, text: _one(chromium, server, copy, engine, text), warm_up=warm_up
            )
        finally:
            chromium.close()


def compare(site: Path, work: Path, queries: tuple[str, ...] = QUERIES, *, warm_up: bool = True) -> dict:
    """The whole comparison on a built `site`, with scratch space in `work` (removed after): Pagefind's
    indexing time, both indexes' sizes, every query on both engines, medians and maxima."""
    why = unavailable()
    if why:
        measure.log(f"  search comparison skipped: {why}")
        return {"error": f"skipped: {why}"}
    copy = work / "pagefind-site"
    shutil.rmtree(copy, ignore_errors=True)
    try:
        measure.log("  search comparison: Pagefind on a hard-linked copy of the site...")
        copy_site(site, copy)
        result: dict = {"pagefind": index_pagefind(copy)}
        result["index_sizes"] = {
            "ours": folder_figures(copy / "search"),
            "pagefind": folder_figures(copy / "pagefind"),
        }
        (copy / HARNESS).write_text(_HARNESS_HTML % {"shown": SHOWN}, encoding="utf-8")
        measure.log(f"  search comparison: {len(queries)} queries x 2 engines in Chromium...")
        rows = measure_queries(copy, queries, warm_up=warm_up)
        result.update(
            queries=rows,
            summary={"ours": _stats(rows, "ours"), "pagefind": _stats(rows, "pagefind")},
            bytes_measure=BYTES_MEASURE,
            shown=SHOWN,
        )
        return result
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Compare on an already built site (quicker than the whole bench): the table, then the JSON."""
    import report

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: python bench/search_compare.py SITE_FOLDER", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="search-compare-") as work:
        result = compare(Path(args[0]).resolve(), Path(work))
    print(json.dumps(result, indent=2))
    print(report.table_text(report.search_compare_table(result, None)))
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())

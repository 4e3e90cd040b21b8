"""The bench's search comparison (bench/search_compare.py): queries as Pagefind takes them, our status line
read, the report's table and targets, the one-line skip without Pagefind, and (when `npm ci` installed
Pagefind and Chromium is here) one query on a three-page site, end to end."""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from .common import REPO

sys.path.insert(0, str(REPO / "bench"))  # the bench's modules import each other by name

import report
import search_compare


def test_twenty_fixed_queries_and_their_pagefind_text() -> None:
    assert len(search_compare.QUERIES) == len(set(search_compare.QUERIES)) == 20
    cases = {
        "title:benchmark dataset": "benchmark dataset",
        "authors:wang": "wang",
        "+robot -simulation": "robot",  # Pagefind cannot exclude: the excluded word is dropped, not required
        "+privacy +federated": "privacy federated",
        "transf*": "transf",
        "reinforcment~1": "reinforcment",
        "zero-shot": "zero-shot",
    }
    for query, expected in cases.items():
        assert search_compare.pagefind_query(query) == expected
    assert all(search_compare.pagefind_query(q) for q in search_compare.QUERIES)


def test_status_line_counts() -> None:
    assert search_compare._count("1,203 results") == 1203
    assert search_compare._count("1203 results") == 1203
    assert search_compare._count("1 result") == 1
    assert search_compare._count("No results for “x”. Try removing a term") == 0
    assert search_compare._count("Loading the search index…") is None


def _engine(kb: float, first: float | None, complete: float, results: int) -> dict:
    return {"bytes": kb * 1024, "first_ms": first, "complete_ms": complete, "results": results}


def _compare(ours_kb: float, first_ms: float) -> dict:
    rows = [
        {"query": "transformer", "pagefind_query": "transformer",
         "ours": _engine(ours_kb, first_ms, 400, 12), "pagefind": _engine(150, 500, 700, 20)},
        {"query": "+privacy +federated", "pagefind_query": "privacy federated",
         "ours": _engine(ours_kb, None, 300, 0), "pagefind": {"error": "RuntimeError: boom"}},
    ]  # fmt: skip
    summary = {e: search_compare._stats(rows, e) for e in ("ours", "pagefind")}
    return {"pagefind": {"version": "1.6.0", "wall_s": 1.0}, "queries": rows, "summary": summary}


def test_table_and_targets() -> None:
    compare = _compare(ours_kb=250, first_ms=200)
    assert compare["summary"]["pagefind"]["answered"] == 1
    text = report.table_text(report.search_compare_table(compare, 10_000))
    assert "Search vs Pagefind 1.6.0, N = 10,000" in text
    assert "+privacy +federated" in text and "failed" in text and "RuntimeError: boom" in text
    assert "median" in text and "250.0" in text
    quick = {"word": "transformer", "header": {"after_typing_median_ms": 250.0, "after_typing_ms": [250.0]}}
    size = {"n": 10_000, "search_compare": compare, "latency": quick}
    targets = {t["target"]: t for t in report.evaluate_targets([size])}
    per_query = targets["10k search: ≤ 300 KB transferred per query (median of the queries)"]
    assert per_query["verdict"] == "meets" and "max 250 KB" in per_query["measured"]
    typed = next(name for name in targets if "after the query is typed" in name)
    assert targets[typed]["verdict"] == "meets" and targets[typed]["measured"].startswith("250 ms")
    large = targets["50k search: ≤ 400 KB transferred per query (median of the queries)"]
    assert large["verdict"].startswith("not run")
    slow_typing = {"word": "x", "header": {"after_typing_median_ms": 800.0, "after_typing_ms": [800.0]}}
    slow_size = {"n": 10_000, "search_compare": _compare(ours_kb=900, first_ms=800), "latency": slow_typing}
    slow = report.evaluate_targets([slow_size])
    assert [t["verdict"] for t in slow if t["target"].startswith("10k search:")] == ["MISSES", "MISSES"]


def test_skips_in_one_line_without_pagefind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(search_compare, "PAGEFIND", REPO / "node_modules" / ".bin" / "no-such-pagefind")
    got = search_compare.compare(tmp_path, tmp_path)
    assert got["error"].startswith("skipped: ") and "\n" not in got["error"]
    assert "skipped" in report.table_text(report.search_compare_table(got, 1000))


_SEARCH_PAGE = """<!doctype html><html lang="en"><body><p id="search-page-status"></p>
<ul id="search-page-list"></ul><script>
setTimeout(() => {
  document.getElementById("search-page-list").innerHTML = '<li class="search-result">Alpha</li>';
  const status = document.getElementById("search-page-status");
  status.textContent = "1 result so far, loading older papers…";
  status.setAttribute("data-state", "count");
  setTimeout(() => { status.textContent = "1 result"; }, 50);
}, 20);
</script></body></html>"""


@pytest.mark.skipif(
    search_compare.unavailable() is not None, reason=f"search comparison: {search_compare.unavailable()}"
)
def test_one_query_end_to_end(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for slug, title in (("alpha", "Alpha transformers"), ("beta", "Beta graphs"), ("gamma", "Gamma")):
        page = site / "papers" / slug / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(f"<!doctype html><html lang='en'><body><h1>{title}</h1><p>{title}.</p></body></html>")
    (site / "search").mkdir()
    (site / "search" / "index.html").write_text(_SEARCH_PAGE)
    # In a process of its own: the bench starts Playwright itself, and Playwright's sync API cannot start
    # inside a running one (the suite's session browser may be up in this process, as under pytest -n).
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        got = pool.submit(search_compare.compare, site, tmp_path / "work", ("alpha",), warm_up=False).result()
    assert "error" not in got, got
    assert not (site / "pagefind").exists() and not (tmp_path / "work" / "pagefind-site").exists()
    assert got["pagefind"]["pages"] == 3
    ours, pagefind = got["queries"][0]["ours"], got["queries"][0]["pagefind"]
    assert ours["results"] == 1 and ours["status"] == "1 result"  # "so far" is not complete
    assert ours["first_ms"] <= ours["complete_ms"] and ours["responses"][0][0] == "search/index.html"
    assert pagefind["results"] == 1 and pagefind["top"] == "Alpha transformers"
    paths = [path for path, _size in pagefind["responses"]]
    assert "pagefind/pagefind.js" in paths and search_compare.HARNESS not in paths


def test_a_broken_engine_is_given_up_after_two_failures() -> None:
    asked: list[str] = []

    def one(engine: str, query: str) -> dict:
        asked.append(f"{engine}:{query}")
        if engine == "ours":
            raise RuntimeError("no complete answer")
        return {"bytes": 1, "first_ms": 1.0, "complete_ms": 2.0, "results": 1, "responses": []}

    rows = search_compare.run_queries(("a", "b", "c"), one)
    assert asked == ["ours:a", "pagefind:a", "ours:a", "pagefind:a", "pagefind:b", "pagefind:c"]
    assert rows[0]["ours"]["error"].startswith("RuntimeError") and "twice" in rows[2]["ours"]["error"]
    assert all("error" not in row["pagefind"] for row in rows)

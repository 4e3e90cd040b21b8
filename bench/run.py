"""`make bench`: our build against Pelican and Hugo on the same N papers, plus the search figures.

    python bench/run.py [-n 1000,10000] [--runs 3] [--json PATH] [--no-peers] [--no-browser]

For each N: the first N papers of ../shared/corpora/arxiv-cs-abstracts-50k.jsonl.gz are written once as a
content folder (bench/corpus_to_content.py) in a temp dir, then built `--runs` times cold (the search
shard cache deleted first) and `--runs` times warm (cache kept); the peers build the same N papers
(../shared/bench/peers.py) in the same command. Times are medians and quoted as ratios against the peers,
since the machine is shared and noisy. Then the search figures of the built site and the first-result
latency in headless Chromium. A part that cannot run says why and the rest still runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for entry in (str(REPO), str(HERE)):  # run as a script: `generator` and the bench modules importable
    if entry not in sys.path:
        sys.path.insert(0, entry)

import browser  # noqa: E402
import measure  # noqa: E402
from corpus_to_content import DEFAULT_CORPUS, SHARED, write_content  # noqa: E402

TARGET_FIRST_RESULT_BYTES = 600 * 1024  # issue 4: at most 600 KB gzipped before the first result at 10k
TARGET_N = 10_000


def kb(value: float | None) -> str:
    return "-" if value is None else f"{value / 1024:,.0f} KB"


def secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def ratio(peer: measure.Summary | str | None, ours: measure.Summary) -> str:
    if not isinstance(peer, measure.Summary) or not peer.wall_s or not ours.wall_s:
        return "-"
    return f"{peer.wall_s / ours.wall_s:.2f}x"


def print_speed_table(n: int, cold: measure.Summary, warm: measure.Summary | None, peers: dict) -> None:
    print(f"\n== Build speed, {n} papers (median of {cold.runs} runs; ratio = peer time / our time) ==")
    print(f"{'':22} {'wall':>9} {'peer/ours':>10} {'peak RSS':>10} {'HTML files':>11}")
    rows: list[tuple[str, measure.Summary | str | None]] = [("ours (cold cache)", cold)]
    if warm is not None:
        rows.append(("ours (warm cache)", warm))
    rows += [("Pelican", peers.get("pelican")), ("Hugo", peers.get("hugo"))]
    for name, summary in rows:
        if isinstance(summary, measure.Summary):
            if summary.error:
                print(f"{name:22} {summary.error.splitlines()[0]}")
                continue
            rss = "-" if summary.peak_rss_mb is None else f"{summary.peak_rss_mb:,.0f} MB"
            peer_ratio = ratio(summary, cold) if name in ("Pelican", "Hugo") else ""
            print(f"{name:22} {secs(summary.wall_s):>9} {peer_ratio:>10} {rss:>10} {summary.html_files:>11,}")
        else:
            print(f"{name:22} unavailable: {summary or 'not run'}")
    for name in ("pelican", "hugo"):
        if peers.get(f"{name}_version"):
            print(f"  {name} version: {peers[name + '_version']}")


def print_search(n: int | str, figures: dict, index: dict | None) -> None:
    print(f"\n== Search index, {n if isinstance(n, str) else f'{n} papers'} ==")
    if "error" in figures:
        print(f"  not available: {figures['error']}")
        return
    print(
        f"  search/: {figures['files']} files, {figures['shards']} shard(s), {kb(figures['bytes'])} raw, "
        f"{kb(figures['gzip_bytes'])} gzipped (each file gzip -6)"
    )
    if index:
        if "error" in index:
            print(f"  index build: not measured ({index['error']})")
        else:
            print(f"  index build alone (no cache, median of {len(index['walls'])}): {index['seconds']:.2f}s")
    counted = figures.get("first_result_files", {})
    total = figures.get("first_result_gzip_bytes")
    print(f"  fetched before the first result (gzipped): {kb(total)} =")
    for name, size in counted.items():
        print(f"    {kb(size):>9}  {name}")
    print("    (the manifest, the newest shard, lunr.js and our search scripts; not the HTML page or CSS)")
    if figures.get("missing_scripts"):
        print(f"  not in the built site: {', '.join(figures['missing_scripts'])}")
    if n == TARGET_N and total is not None:
        verdict = "meets" if total <= TARGET_FIRST_RESULT_BYTES else "MISSES"
        print(f"  target at {TARGET_N}: at most {kb(TARGET_FIRST_RESULT_BYTES)}: {verdict} it ({kb(total)})")


def print_latency(n: int, figures: dict) -> None:
    print(f"\n== First-result latency in headless Chromium, {n} papers ==")
    if "error" in figures:
        print(f"  not measured: {figures['error']}")
        return
    labels = {
        "page": f"search/?q={figures['word']}: navigation start to first result",
        "header": f"home page: focus the header box, type {figures['word']!r}, to first result",
    }
    for scenario, label in labels.items():
        got = figures.get(scenario, {})
        if "error" in got:
            print(f"  {label}: failed: {got['error']}")
            continue
        runs = ", ".join(f"{ms:.0f}" for ms in got["ms"])
        print(f"  {label}: {got['median_ms']:.0f} ms median ({runs} ms)")
        print(
            f"    files fetched before it: {len(got['fetched'])}, {kb(got['fetched_gzip_bytes'])} gzipped "
            "(everything, HTML and CSS included)"
        )


def bench_seed(args: argparse.Namespace, tmp: Path) -> dict:
    """The seed (the repo's own content/): build once, search figures and index build time."""
    work = tmp / "seed"
    cold, _runs = measure.build_ours(REPO / "content", work, 1, cold=True)
    result: dict = {"build": cold.to_json()}
    if cold.error:
        print(f"\n== Seed (content/) ==\n  build failed: {cold.error}")
        return result
    result["search"] = measure.search_figures(work / "site")
    result["index_build"] = (
        measure.index_build_seconds(REPO / "content", args.runs) if "error" not in result["search"] else None
    )
    print_search("the seed (content/)", result["search"], result["index_build"])
    return result


def bench_n(n: int, args: argparse.Namespace, tmp: Path) -> dict:
    work = tmp / f"n{n}"
    content = work / "content"
    started = time.perf_counter()
    written = write_content(args.corpus, n, content)
    print(
        f"\n## N = {n}: wrote {written} content files in {time.perf_counter() - started:.1f}s ({content})",
        flush=True,
    )
    result: dict = {"n": n, "papers": written}
    cold, _ = measure.build_ours(content, work, args.runs, cold=True)
    warm = None
    if not cold.error:
        warm, _ = measure.build_ours(content, work, args.runs, cold=False)
    result["ours_cold"] = cold.to_json()
    result["ours_warm"] = warm.to_json() if warm else None
    peers: dict = {}
    if args.no_peers:
        peers = {"pelican": "skipped (--no-peers)", "hugo": "skipped (--no-peers)"}
    elif args.peers_unavailable:
        peers = {"pelican": args.peers_unavailable, "hugo": args.peers_unavailable}
    else:
        print(f"Running the peers on {n} papers ({args.runs} runs each)...", flush=True)
        peers = measure.run_peers(n, args.runs, args.corpus)
    result["peers"] = {k: (v.to_json() if isinstance(v, measure.Summary) else v) for k, v in peers.items()}
    print_speed_table(n, cold, warm, peers)
    if cold.error:
        return result
    site = work / "site"
    result["search"] = measure.search_figures(site)
    has_index = "error" not in result["search"]
    result["index_build"] = measure.index_build_seconds(content, args.runs) if has_index else None
    print_search(n, result["search"], result["index_build"])
    if args.no_browser:
        result["latency"] = {"error": "skipped (--no-browser)"}
    elif not has_index:
        result["latency"] = {"error": "no search index in the built site"}
    else:
        selectors = {k: v for k, v in (("page", args.page_selector), ("header", args.header_selector)) if v}
        result["latency"] = browser.first_result_latency(
            site, runs=args.latency_runs, word=args.word, selectors=selectors
        )
    print_latency(n, result["latency"])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", default="1000,10000", help="comma-separated paper counts (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="builds per N and peer; medians are quoted")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--no-peers", action="store_true", help="skip Pelican and Hugo")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium latency")
    parser.add_argument("--no-seed", action="store_true", help="skip the seed's search figures")
    parser.add_argument("--latency-runs", type=int, default=3)
    parser.add_argument("--word", default="transformer", help="the latency query (default transformer)")
    parser.add_argument("--page-selector", help=f"a search page result (default {browser.PAGE_RESULT!r})")
    parser.add_argument("--header-selector", help=f"a header box result (default {browser.HEADER_RESULT!r})")
    args = parser.parse_args(argv)
    try:
        sizes = [int(part) for part in args.n.split(",") if part.strip()]
    except ValueError:
        parser.error(f"-n takes comma-separated numbers, not {args.n!r}")
    if not sizes or min(sizes) < 1 or args.runs < 1:
        parser.error("-n needs at least one positive count and --runs at least 1")
    if not SHARED.is_dir() or not args.corpus.is_file():
        print(
            f"bench: error: the corpus {args.corpus} is missing. The benchmark reads ../shared/corpora "
            f"beside the repository ({SHARED}); check out the shared folder there.",
            file=sys.stderr,
        )
        return 2

    args.peers_unavailable = None
    if not args.no_peers and not measure.peers_installed():
        why = measure.install_peers()
        if why:
            args.peers_unavailable = f"peers unavailable: {why}"
            print(args.peers_unavailable, file=sys.stderr)

    summary: dict = {"corpus": str(args.corpus), "runs": args.runs, "python": sys.version.split()[0]}
    tmp = Path(tempfile.mkdtemp(prefix="research-digest-bench-"))
    failed = False
    try:
        if not args.no_seed:
            summary["seed"] = bench_seed(args, tmp)
        summary["sizes"] = []
        for n in sizes:
            result = bench_n(n, args, tmp)
            summary["sizes"].append(result)
            failed |= bool(result["ours_cold"].get("error"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        print(f"\nWrote {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

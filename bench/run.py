"""`make bench`: the performance figures of issue 11 on a site of N papers that grew day by day.

    python bench/run.py [-n 10000 | -n 1000,10000,50000] [--runs 3] [--json PATH] [--keep] [--quick]
                        [--no-peers] [--no-browser] [--no-seed] [--no-serve] [--no-search-compare]

Per N (the first N records of ../shared/corpora/arxiv-cs-abstracts-50k.jsonl.gz, newest first): 100 daily
JSONL digests of N/100 papers in a temp folder outside the repo, ingested oldest day first with the real
CLI (`digest init`, then `digest ingest --format jsonl`) into a new site's content folder; then, each
`--runs` times with medians reported: a cold build, a no-change rebuild, a new daily digest (ingest + build,
compared byte for byte with a cold build of the same content), one edited title rebuilt, and the same edit
under `digest serve` until headless Chromium shows it. Stage times come from `digest build --stats`, peak
RSS from os.wait4; then the output's size, the search figures (first-result payload, Chromium first-result
latency), 20 fixed queries on our search and on Pagefind over the same site (search_compare.py) and the
peers Hugo and Pelican on the same N records (../shared/bench/peers.py). A table per N and
the targets go to stdout, progress to stderr, every figure to .bench/latest.json and the tables as Markdown
to .bench/latest.md. A part that fails says why and the rest still runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:  # run as a script: the bench modules importable
    sys.path.insert(0, str(HERE))

import browser  # noqa: E402
import corpus  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402
import scenarios  # noqa: E402
import search_compare  # noqa: E402
import serve_edit  # noqa: E402
import tree  # noqa: E402
from digest_cmd import Digest  # noqa: E402

DEFAULT_JSON = REPO / ".bench" / "latest.json"


def guarded(what: str, part: Callable[[], dict]) -> dict:
    """`part()`, or {"error": ...} when it raises: one failing part must not stop the others."""
    try:
        return part()
    except Exception as exc:
        measure.log(f"  {what} failed: {type(exc).__name__}: {exc}")
        traceback.print_exc(file=sys.stderr)
        return {"error": f"{type(exc).__name__}: {exc}"}


def machine_info() -> dict:
    """What the figures were measured on, for the README's quote of the table."""
    info: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with contextlib.suppress(ValueError, OSError, AttributeError):
        info["memory_gb"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    try:  # read-only git: which commit, and whether the work tree had changes
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        if head:
            info["commit"] = head + (" with local changes" if dirty else "")
    except OSError:
        pass
    return info


def bench_seed(digest: Digest, tmp: Path) -> dict:
    """The seed (the repo's own content/): one build, for its search figures."""
    measure.log("Seed: building the repo's content/ for its search figures...")
    out = tmp / "seed" / "_site"
    run = digest.build(REPO / "content", out, tmp / "seed" / "stats.json")
    result: dict = {"build": run.to_json()}
    if not run.ok:
        result["build"]["error"] = run.failure("digest build")
        return result
    result["search"] = measure.search_figures(out)
    return result


def peers_for(n: int, args: argparse.Namespace) -> dict:
    """The peers' figures on the same N records, as JSON (or why there are none)."""
    if args.no_peers:
        return {"hugo": "skipped (--no-peers)", "pelican": "skipped (--no-peers)"}
    if args.peers_unavailable:
        return {"hugo": args.peers_unavailable, "pelican": args.peers_unavailable}
    measure.log(f"  peers: Hugo and Pelican on {n:,} records, {args.runs} run(s) each...")
    got = measure.run_peers(n, args.runs, args.corpus)
    return {k: (v.to_json() if isinstance(v, measure.Summary) else v) for k, v in got.items()}


def bench_n(
    result: dict, args: argparse.Namespace, digest: Digest, tmp: Path, save: Callable[[], None]
) -> dict:
    """Every figure for N = result["n"], filled into `result` as they come; `save` writes the JSON so far
    (a long run leaves its figures behind as it goes)."""
    n = result["n"]
    layout = scenarios.Layout(tmp / f"n{n}")
    result.update({"runs": args.runs, "scenarios": {}, "work": str(layout.work)})
    scen = result["scenarios"]
    measure.log(f"N = {n:,}: writing 100 daily digests of {n // 100:,} papers in {layout.work}...")
    try:
        days = corpus.write_days(args.corpus, n, layout.work / "days", layout.work / "days-next")
    except (OSError, ValueError) as exc:
        result["setup"] = {"error": str(exc)}
        return result
    measure.log("  digest init + digest ingest of the 100 days...")
    result["setup"] = guarded("setup", lambda: scenarios.setup_site(digest, layout, days))
    save()
    if result["setup"].get("error"):
        result["peers"] = peers_for(n, args)
        return result
    measure.log(f"  ingested {result['setup'].get('papers')} papers in {result['setup']['wall_s']:.2f}s")
    runs = args.runs
    scen["cold"] = guarded(
        "cold build", lambda: scenarios.repeat_builds(digest, layout, "cold", runs, cold=True)
    )
    save()
    if not scen["cold"].get("error"):
        result["output"] = tree.output_size(layout.out)
        scen["nochange"] = guarded(
            "no-change rebuild", lambda: scenarios.repeat_builds(digest, layout, "nochange", runs, cold=False)
        )
        layout.save()
        save()
        scen["new_day"] = guarded("new day", lambda: scenarios.new_day(digest, layout, days.next_day, runs))
        save()
        scen["edit"] = guarded("edit", lambda: scenarios.edit_title(digest, layout, runs))
        save()
        if args.no_browser or args.no_serve:
            scen["serve_edit"] = {"error": f"skipped ({'--no-browser' if args.no_browser else '--no-serve'})"}
        else:
            rebuild = scen["nochange"].get("wall_s") or scen["cold"].get("wall_s") or 60.0
            timeout = max(120.0, 10 * rebuild)
            scen["serve_edit"] = guarded(
                "serve edit", lambda: serve_edit.serve_edit(digest, layout, args.serve_edits, timeout)
            )
        layout.restore()
        save()
        measure.log("  search figures...")
        result["search"] = guarded("search figures", lambda: measure.search_figures(layout.out))
        if args.no_browser:
            result["latency"] = {"error": "skipped (--no-browser)"}
        elif "error" in result["search"]:
            result["latency"] = {"error": "no search index in the built site"}
        else:
            measure.log("  first-result latency in Chromium...")
            result["latency"] = guarded(
                "latency",
                lambda: browser.first_result_latency(layout.out, runs=args.latency_runs, word=args.word),
            )
        save()
        skip = "--no-browser" if args.no_browser else "--no-search-compare" if args.no_search_compare else ""
        if skip:
            result["search_compare"] = {"error": f"skipped ({skip})"}
        else:
            result["search_compare"] = guarded(
                "search vs Pagefind", lambda: search_compare.compare(layout.out, layout.work)
            )
        save()
    result["peers"] = guarded("peers", lambda: peers_for(n, args))
    return result


def parse_sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", default="10000", help="papers: a count or a comma list (default 10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario and peer (default 3); medians")
    parser.add_argument("--quick", action="store_true", help="one run of everything (--runs 1, one edit)")
    parser.add_argument("--corpus", type=Path, default=corpus.DEFAULT_CORPUS)
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help="where the figures go (Markdown beside)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp work folder (its path is printed)")
    parser.add_argument("--no-peers", action="store_true", help="skip Hugo and Pelican")
    parser.add_argument(
        "--no-browser", action="store_true", help="skip Chromium: serve edit, search latency, vs Pagefind"
    )
    parser.add_argument("--no-seed", action="store_true", help="skip the seed's search figures")
    parser.add_argument("--no-serve", action="store_true", help="skip the serve edit scenario")
    parser.add_argument(
        "--no-search-compare", action="store_true", help="skip the 20 queries on our search vs Pagefind"
    )
    parser.add_argument("--serve-edits", type=int, default=None, help="edits under digest serve (default 3)")
    parser.add_argument("--latency-runs", type=int, default=None, help="search latency runs (default 3)")
    parser.add_argument("--word", default="transformer", help="the latency query (default transformer)")
    args = parser.parse_args(argv)
    try:
        sizes = parse_sizes(args.n)
    except ValueError:
        parser.error(f"-n takes a number or comma-separated numbers, not {args.n!r}")
    if not sizes or min(sizes) < corpus.DAYS or args.runs < 1:
        parser.error(f"-n needs counts of at least {corpus.DAYS} (one paper a day) and --runs at least 1")
    if args.quick:
        args.runs = 1
    args.serve_edits = args.serve_edits or (1 if args.quick else 3)
    args.latency_runs = args.latency_runs or (1 if args.quick else 3)
    if not args.corpus.is_file():
        print(
            f"bench: error: the corpus {args.corpus} is missing. The benchmark reads ../shared/corpora "
            f"beside the repository ({corpus.SHARED}); check out the shared folder there.",
            file=sys.stderr,
        )
        return 2

    args.peers_unavailable = None
    if not args.no_peers and not measure.peers_installed():
        why = measure.install_peers()
        if why:
            args.peers_unavailable = f"peers unavailable: {why}"
            measure.log(args.peers_unavailable)

    digest = Digest()
    summary: dict = {
        "machine": machine_info(),
        "corpus": str(args.corpus),
        "runs": args.runs,
        "sizes_requested": sizes,
        "digest_build_options": {"stats": digest.has_stats, "quiet": digest.has_quiet},
        "sizes": [],
    }
    markdown = args.json.with_suffix(".md")

    def save() -> None:
        summary["targets"] = report.evaluate_targets(summary["sizes"])
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")

    tmp = Path(tempfile.mkdtemp(prefix="research-digest-bench-"))
    measure.log(f"work folder: {tmp}{' (kept: --keep)' if args.keep else ''}")
    if not digest.has_stats:
        measure.log("digest build has no --stats yet: stage times will be recorded as unavailable")
    failed = False
    try:
        if not args.no_seed:
            summary["seed"] = guarded("seed", lambda: bench_seed(digest, tmp))
        for n in sizes:
            result: dict = {"n": n}
            summary["sizes"].append(result)
            failure = guarded(f"N = {n}", lambda result=result: bench_n(result, args, digest, tmp, save))
            if failure is not result:
                result.update(failure)
            failed |= bool((result.get("scenarios", {}).get("cold") or {"error": "not run"}).get("error"))
            save()
            if not args.keep:
                shutil.rmtree(tmp / f"n{n}", ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    save()
    markdown.write_text(report.render_markdown(summary), encoding="utf-8")
    print()
    sys.stdout.write(report.render_text(summary))
    print(f"\nWrote {args.json} and {markdown}" + (f"; work folder kept: {tmp}" if args.keep else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

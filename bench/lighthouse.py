"""`make lighthouse`: Lighthouse 12 on mobile (issue 14) on the seed site and on a 10k-paper site.

    python bench/lighthouse.py [--sites seed,10k] [--runs 1] [--json PATH] [--keep]

Per site, the issue's four pages (`tests/lighthouse_support.pages`: the home page, the topic with the most
papers, the paper with the most links, the search page with `?q=grokking`) served from 127.0.0.1 by a
static server that gzips text files as GitHub Pages and most static hosts do (no cache headers), each measured
`--runs` times by Lighthouse 12.2.3 with its default config (mobile emulation, simulated throttling) in one
Node process and one Chromium (`/usr/bin/chromium`). A page's row is the run with the median performance
score, with the median of each metric.

- seed: the repo's `content/`, built by `digest build` into a temp folder;
- 10k: the first 10,000 papers of `../shared/corpora/arxiv-cs-abstracts-50k.jsonl.gz` as 100 daily digests
  (`corpus.write_days`), through `digest init` and `digest ingest` (`scenarios.setup_site`), then built: the
  site `make bench` measures (about 2 minutes to make).

A Markdown table (site, page, the four scores, FCP, LCP, TBT, CLS) and every audit that cost a page points,
with the elements concerned, go to stdout; progress to stderr; every figure to `.lighthouse/latest.json`.
Exit status 1 when a page is under 100 in a category, 2 when it cannot run (no Node, Chromium or
node_modules/lighthouse; no ../shared for the 10k site).
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
for path in (str(HERE), str(REPO)):  # run as a script: the bench modules and tests/ importable
    if path not in sys.path:
        sys.path.insert(0, path)

import corpus  # noqa: E402
import measure  # noqa: E402
import run as bench_run  # noqa: E402
import scenarios  # noqa: E402
from digest_cmd import Digest  # noqa: E402

from tests import lighthouse_support as lighthouse  # noqa: E402
from tests.site_support import StaticServer  # noqa: E402

DEFAULT_JSON = REPO / ".lighthouse" / "latest.json"
SITES = ("seed", "10k")
TEN_K = 10_000


def build_seed(digest: Digest, work: Path) -> tuple[Path, Path]:
    """The repo's content/ (copied, so nothing is written beside it) built into `work`."""
    content = work / "seed" / "content"
    shutil.copytree(REPO / "content", content)
    out = work / "seed" / "_site"
    done = digest.build(content, out, work / "seed" / "stats.json")
    if not done.ok:
        raise RuntimeError(done.failure("digest build (seed)"))
    return content, out


def build_10k(digest: Digest, work: Path) -> tuple[Path, Path]:
    """The first 10k corpus papers as 100 daily digests, ingested with the real CLI, then built."""
    layout = scenarios.Layout(work / "10k")
    days = corpus.write_days(corpus.DEFAULT_CORPUS, TEN_K, layout.work / "days", layout.work / "days-next")
    setup = scenarios.setup_site(digest, layout, days)
    if "error" in setup:
        raise RuntimeError(setup["error"])
    done = digest.build(layout.content, layout.out, layout.stats("build", 0))
    if not done.ok:
        raise RuntimeError(done.failure("digest build (10k)"))
    return layout.content, layout.out


def measure_site(name: str, content: Path, site: Path, runs: int) -> list[dict]:
    """Lighthouse `runs` times on the site's four pages; one row per page (median run, median metrics)."""
    pages = lighthouse.pages(content)
    with StaticServer(site, not_found=site / "404.html", compress=True) as server:
        reports = lighthouse.run_lighthouse([server.url(path) for path in pages.values()], runs)
    rows = []
    for (page, path), page_runs in zip(pages.items(), reports, strict=True):
        report = lighthouse.median_report(page_runs)
        rows.append(
            {
                "site": name,
                "page": page,
                "path": path,
                "report": report,
                "runs": [r.to_json() for r in page_runs],
            }
        )
        measure.log(f"  {name} {page}: {report.scores_line()}; {lighthouse.format_metrics(report.metrics)}")
    return rows


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value / 1000:.2f} s"


def table(rows: list[dict]) -> str:
    lines = [
        "| site | page | perf | a11y | best practices | SEO | FCP | LCP | TBT | CLS |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        report: lighthouse.PageReport = row["report"]
        if report.error:
            lines.append(f"| {row['site']} | {row['page']} | error: {report.error.splitlines()[0]} |||||||")
            continue
        scores = [str(report.scores.get(c, "-")) for c in lighthouse.CATEGORIES]
        metrics = report.metrics
        tbt = "-" if metrics.get("TBT") is None else f"{metrics['TBT']:.0f} ms"
        cls = "-" if metrics.get("CLS") is None else f"{metrics['CLS']:.3f}"
        cells = [
            row["site"],
            row["page"],
            *scores,
            _seconds(metrics.get("FCP")),
            _seconds(metrics.get("LCP")),
        ]
        lines.append("| " + " | ".join([*cells, tbt, cls]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", default=",".join(SITES), help="comma-separated: seed, 10k (default both)")
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page (median; default 1)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where the figures go")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder with the built sites")
    args = parser.parse_args(argv)
    sites = [s.strip() for s in args.sites.split(",") if s.strip()]
    unknown = sorted(set(sites) - set(SITES))
    if unknown or not sites or args.runs < 1:
        parser.error(f"--sites takes {', '.join(SITES)}; --runs at least 1")
    absent = lighthouse.missing()
    if "10k" in sites and not corpus.DEFAULT_CORPUS.is_file():
        absent.append((str(corpus.DEFAULT_CORPUS), "the 10k site needs ../shared/corpora (or --sites seed)"))
    if absent:
        for what, fix in absent:
            print(f"lighthouse: {what} is missing: {fix}", file=sys.stderr)
        return 2

    started = time.monotonic()
    digest = Digest()
    builders = {"seed": build_seed, "10k": build_10k}
    summary: dict = {"machine": bench_run.machine_info(), "runs": args.runs, "sites": {}}
    rows: list[dict] = []
    work = Path(tempfile.mkdtemp(prefix="lighthouse-bench-"))
    try:
        for name in sites:
            measure.log(f"{name}: building...")
            tick = time.monotonic()
            content, site = builders[name](digest, work)
            build_s = time.monotonic() - tick
            measure.log(f"{name}: built in {build_s:.0f} s; Lighthouse on 4 pages x {args.runs} run(s)...")
            tick = time.monotonic()
            site_rows = measure_site(name, content, site, args.runs)
            rows.extend(site_rows)
            summary["sites"][name] = {
                "build_s": round(build_s, 1),
                "lighthouse_s": round(time.monotonic() - tick, 1),
                "pages": [
                    {"page": r["page"], "path": r["path"], "median": r["report"].to_json(), "runs": r["runs"]}
                    for r in site_rows
                ],
            }
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    finally:
        if args.keep:
            measure.log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    summary["seconds"] = round(time.monotonic() - started, 1)
    args.json.write_text(json.dumps(summary, indent=1), encoding="utf-8")

    machine = summary["machine"]
    print(
        f"Lighthouse {lighthouse.version()} (mobile, simulated throttling), {machine['date']}, "
        f"commit {machine.get('commit', '?')}, {machine['cpus']} CPUs; median of {args.runs} run(s)\n"
    )
    print(table(rows))
    imperfect = [row["report"] for row in rows if not row["report"].perfect]
    for report in imperfect:
        print("\n" + report.explain())
    perfect = len(rows) - len(imperfect)
    print(f"\n{perfect} of {len(rows)} pages at 100 in every category; figures in {args.json}")
    return 1 if imperfect else 0


if __name__ == "__main__":
    sys.exit(main())

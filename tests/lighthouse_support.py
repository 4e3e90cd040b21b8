"""Lighthouse 12 on pages served from 127.0.0.1, for tests/test_lighthouse.py and bench/lighthouse.py.

Not a test module. `run_lighthouse(urls)` runs `tests/lighthouse_run.mjs` in one Node process that starts
one headless Chromium (`/usr/bin/chromium`, through chrome-launcher) and runs Lighthouse (the npm dev
dependency pinned in package-lock.json, 12.2.3: later versions need Node 22) on every URL in turn with its
default config: mobile emulation and simulated throttling, the four categories performance, accessibility,
best practices and SEO. Per URL: the category scores (0-100), every audit that costs a category points
(id, title, score, displayValue and the elements concerned), the metrics (FCP, LCP, TBT, CLS, SI) and the
layout shifts with the elements that moved.

`missing()` says which tool is absent (Node, Chromium, node_modules/lighthouse), for a test to skip (or,
in CI, fail) and the bench to say why it cannot run.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "node_modules"
LIGHTHOUSE = NODE_MODULES / "lighthouse" / "package.json"
CHROME_LAUNCHER = NODE_MODULES / "chrome-launcher" / "package.json"
RUNNER = Path(__file__).resolve().parent / "lighthouse_run.mjs"
CHROMIUM = Path("/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
SHORT = {"performance": "perf", "accessibility": "a11y", "best-practices": "best practices", "seo": "SEO"}
METRICS = ("FCP", "LCP", "TBT", "CLS", "SI")
#: Weight-0 audits whose elements are worth showing with a failure: what shifted, what blocks rendering.
DETAILED = ("layout-shifts", "render-blocking-resources", "largest-contentful-paint-element")
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: Per page and run, generously: a run takes 8-15 s on a quiet 2-core machine.
SECONDS_PER_PAGE = 120


def version() -> str:
    """The installed Lighthouse's version ("?" when it is not installed)."""
    try:
        return json.loads(LIGHTHOUSE.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def missing() -> list[tuple[str, str]]:
    """(what, how to get it) for each tool this needs that is absent; empty when all are there."""
    absent = []
    if shutil.which("node") is None:
        absent.append(("Node.js (`node`)", "install nodejs (18 or newer)"))
    if not CHROMIUM.exists():
        absent.append((f"Chromium ({CHROMIUM})", "install the Debian package `chromium`"))
    for path in (LIGHTHOUSE, CHROME_LAUNCHER):
        if not path.exists():
            absent.append((str(path.parent.relative_to(REPO)), "run `make bootstrap` or `npm ci`"))
    return absent


@dataclass
class Audit:
    """One audit that costs its category points (score < 1)."""

    id: str
    title: str
    score: float
    display_value: str
    items: list[dict[str, Any]] = field(default_factory=list)
    weight: float = 0.0

    @property
    def costs_points(self) -> bool:
        """Whether the audit counts in its category's score (performance: only the metrics do; the
        opportunities and diagnostics have weight 0 and only explain the metrics)."""
        return self.weight > 0

    def line(self) -> str:
        value = f" ({self.display_value})" if self.display_value else ""
        return f"{self.id} [{self.score:.2f}]: {self.title}{value}"

    def item_lines(self, limit: int = 6) -> list[str]:
        """The elements concerned, one line each: the selector, then what Lighthouse says about it."""
        lines = []
        for entry in self.items[:limit]:
            keys = ("selector", "url", "sourceLocation", "source", "label")
            where = next((entry[key] for key in keys if entry.get(key)), "")
            what = entry.get("explanation") or entry.get("snippet") or entry.get("description") or ""
            extra = f" score {entry['score']:.3f}" if isinstance(entry.get("score"), (int, float)) else ""
            causes = [s.get("cause") or s.get("extra") or "" for s in entry.get("subItems", [])]
            cause = f" causes: {'; '.join(c for c in causes if c)}" if any(causes) else ""
            line = f"{where}{extra}: {' '.join(str(what).split())[:300]}{cause}".strip(": ")
            if line:
                lines.append(line)
        return lines


@dataclass
class PageReport:
    """Lighthouse's verdict on one URL (one run; see `median_reports` for several)."""

    url: str
    scores: dict[str, int]
    failing: dict[str, list[Audit]]
    metrics: dict[str, float | None]
    layout_shifts: list[dict[str, Any]]
    lcp_element: dict[str, Any] | None
    seconds: float
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    runs: int = 1

    @property
    def perfect(self) -> bool:
        return self.error is None and all(self.scores.get(c) == 100 for c in CATEGORIES)

    def scores_line(self) -> str:
        return ", ".join(f"{SHORT[c]} {self.scores.get(c)}" for c in CATEGORIES)

    def explain(self) -> str:
        """Every category under 100 with the audits that cost it points, and their elements."""
        if self.error:
            return f"{self.url}: Lighthouse failed: {self.error}"
        lines = [f"{self.url}: {self.scores_line()}"]
        for category in CATEGORIES:
            if self.scores.get(category) == 100:
                continue
            lines.append(f"  {category} {self.scores.get(category)}:")
            audits = self.failing.get(category, [])
            for audit in audits:
                if audit.costs_points or audit.id in DETAILED:
                    lines.append(f"    {audit.line()}")
                    lines.extend(f"      {item}" for item in audit.item_lines())
            rest = [a for a in audits if not (a.costs_points or a.id in DETAILED)]
            if rest:
                also = "; ".join(
                    f"{a.id} {a.score:.2f}" + (f" ({a.display_value})" if a.display_value else "")
                    for a in rest
                )
                lines.append(f"    diagnostics (weight 0): {also}")
        if self.scores.get("performance") != 100:
            lines.append("  metrics: " + format_metrics(self.metrics))
        lines.extend(f"  warning: {w}" for w in self.warnings)
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "runs": self.runs,
            "seconds": round(self.seconds, 1),
            "error": self.error,
            "scores": self.scores,
            "metrics": self.metrics,
            "failing": {
                category: [
                    {"id": a.id, "title": a.title, "score": a.score, "displayValue": a.display_value}
                    | {"weight": a.weight, "items": a.items}
                    for a in audits
                ]
                for category, audits in self.failing.items()
            },
            "layout_shifts": self.layout_shifts,
            "lcp_element": self.lcp_element,
            "warnings": self.warnings,
        }


def format_metrics(metrics: dict[str, float | None]) -> str:
    def one(name: str) -> str:
        value = metrics.get(name)
        if value is None:
            return f"{name} -"
        return f"{name} {value:.3f}" if name == "CLS" else f"{name} {value / 1000:.2f} s"

    return ", ".join(one(name) for name in METRICS)


def _page(raw: dict[str, Any]) -> PageReport:
    if "error" in raw:
        return PageReport(raw["url"], {}, {}, {}, [], None, raw.get("seconds", 0.0), error=raw["error"])
    lhr = raw["lhr"]
    scores: dict[str, int] = {}
    failing: dict[str, list[Audit]] = {}
    for category in CATEGORIES:
        entry = lhr["categories"][category]
        score = entry["score"]
        scores[category] = round(score * 100) if score is not None else -1
        audits = [lhr["audits"][ref["id"]] for ref in entry["failing"]]
        weights = {ref["id"]: ref["weight"] for ref in entry["failing"]}
        failing[category] = [
            Audit(a["id"], a["title"], a["score"], a["displayValue"], a["items"], weights[a["id"]])
            for a in sorted(audits, key=lambda a: (-weights[a["id"]], a["score"]))
        ]
    return PageReport(
        url=raw["url"],
        scores=scores,
        failing=failing,
        metrics=lhr["metrics"],
        layout_shifts=lhr["layoutShifts"],
        lcp_element=lhr["lcpElement"],
        seconds=raw["seconds"],
        error=lhr["runtimeError"],
        warnings=lhr["runWarnings"],
    )


def run_lighthouse(urls: list[str], runs: int = 1, *, verbose: bool = False) -> list[list[PageReport]]:
    """Lighthouse `runs` times on each URL (all of a run's URLs, then the next run), in one Node process
    and one Chromium. Returns, per URL in order, its reports (one per run). Raises RuntimeError when Node
    fails as a whole; a page Lighthouse cannot measure gets a report with `error` set."""
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        job = Path(tmp) / "job.json"
        out = Path(tmp) / "out.json"
        job.write_text(
            json.dumps(
                {
                    "urls": urls,
                    "runs": runs,
                    "chromePath": str(CHROMIUM),
                    "chromeFlags": [*CHROME_FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}"],
                    "categories": list(CATEGORIES),
                }
            ),
            encoding="utf-8",
        )
        done = subprocess.run(
            ["node", str(RUNNER), str(job), str(out)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=None if verbose else subprocess.PIPE,
            text=True,
            timeout=SECONDS_PER_PAGE * len(urls) * runs + 60,
        )
        if done.returncode or not out.exists():
            raise RuntimeError(f"node {RUNNER.name} exited {done.returncode}:\n{(done.stderr or '')[-3000:]}")
        raw = json.loads(out.read_text(encoding="utf-8"))
    reports: dict[str, list[PageReport]] = {url: [] for url in urls}
    for entry in raw:
        reports[entry["url"]].append(_page(entry))
    return [reports[url] for url in urls]


def median_report(reports: list[PageReport]) -> PageReport:
    """One report for several runs of a page: the run whose performance score is the median (the lower
    middle one for an even count), with every metric replaced by its median over the runs that worked."""
    good = [r for r in reports if r.error is None]
    if not good:
        return reports[0]
    ordered = sorted(good, key=lambda r: r.scores.get("performance", -1))
    chosen = ordered[(len(ordered) - 1) // 2]
    metrics = {}
    for name in METRICS:
        values = [r.metrics[name] for r in good if r.metrics.get(name) is not None]
        metrics[name] = statistics.median(values) if values else None
    return PageReport(
        url=chosen.url,
        scores=chosen.scores,
        failing=chosen.failing,
        metrics=metrics,
        layout_shifts=chosen.layout_shifts,
        lcp_element=chosen.lcp_element,
        seconds=sum(r.seconds for r in reports),
        error=None,
        warnings=chosen.warnings,
        runs=len(reports),
    )


# --- the pages measured -----------------------------------------------------------------------------

#: The search page as a visitor lands on it from the header box: loaded with a query, results in place.
SEARCH_PAGE = "search/?q=grokking"


def _front_matter(path: Path) -> dict[str, Any]:
    import yaml

    head = path.read_text(encoding="utf-8").split("---\n", 2)[1]
    return yaml.load(head, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


def pages(content: Path) -> dict[str, str]:
    """The issue's four pages of the site built from `content`, as paths under the site's root: the home
    page, the topic with the most papers, the paper with the most links (ties: the longest title; the
    most to lay out) and the search page with a query."""
    papers = {path.stem: _front_matter(path) for path in sorted((content / "papers").glob("*.md"))}
    counts: dict[str, int] = {}
    for meta in papers.values():
        for topic in meta.get("topics") or []:
            counts[topic] = counts.get(topic, 0) + 1
    topic = max(sorted(counts), key=lambda t: counts[t])
    paper = max(
        sorted(papers), key=lambda s: (len(papers[s].get("links") or []), len(str(papers[s]["title"])))
    )
    return {"home": "", "topic": f"topics/{topic}/", "paper": f"papers/{paper}/", "search": SEARCH_PAGE}

"""The bench's tables: one block per N and a targets block, as aligned text (stdout) and as Markdown.

Everything is read from the JSON-ready summary bench/run.py assembles, so `python bench/report.py
.bench/latest.json` prints the tables of an earlier run again (and `--markdown` its Markdown).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from digest_cmd import STAGES

TARGET_N = 10_000
LARGE_N = 50_000
HUGO_RATIO = 2.0  # 10k cold build at most 2x Hugo's time
NEW_DAY_SECONDS = 3.0  # 10k: a new daily digest, ingest + build
SERVE_EDIT_SECONDS = 0.5  # 10k: an edit visible in the open page, median
RSS_MB = 500  # 50k cold build's peak RSS
FIRST_RESULT_BYTES = 600 * 1024  # 10k: gzipped bytes fetched before the first search result
# The search issue, from the 20 fixed queries of bench/search_compare.py (judged on their median):
QUERY_BYTES = {TARGET_N: 300 * 1024, LARGE_N: 400 * 1024}  # gzipped bytes transferred per query, ours
QUERY_FIRST_MS = 300.0  # 10k: first results in the header box, from the last key typed (debounce included)
LINEAR_ALLOWANCE = 1.25  # per-paper stage time at the largest N over the smallest: 25% for noise
LINEAR_FLOOR_S = 0.1  # stages shorter than this at the largest N are too short to judge
LINEAR_MIN_N = 1_000

SCENARIOS = (
    ("cold", "cold build"),
    ("nochange", "no-change rebuild"),
    ("new_day", "new day: ingest + build"),
    ("edit", "edit one title + build"),
    ("serve_edit", "serve: edit visible"),
)


@dataclass
class Table:
    """A titled table with rows of cells, and lines printed under it."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Column alignment, "l" or "r" per column; default: the first and last left, the others right.
    align: str = ""

    def aligns(self) -> str:
        width = len(self.headers)
        return self.align or "".join("l" if i in (0, width - 1) else "r" for i in range(width))


def secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} MB"


def kb(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1024:,.1f} KB" if value < 10 * 1024 else f"{value / 1024:,.0f} KB"


def first_line(text: str) -> str:
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return (lines[0] if lines else str(text))[:160]


def error_note(part: dict | None) -> str | None:
    """'failed: <why>' for a part that has an error, else None."""
    if isinstance(part, dict) and part.get("error"):
        lines = [line for line in str(part["error"]).strip().splitlines() if line.strip()]
        shown = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
        return shown[:240] if shown.startswith("skipped") else f"failed: {shown[:240]}"
    return None


def stage_names(size: dict) -> list[str]:
    """The stages any build of this N reported, in the contract's order, then any others."""
    found: set[str] = set()
    for key, _label in SCENARIOS:
        stages = _stages(size.get("scenarios", {}).get(key))
        found |= set(stages or {})
    return [s for s in STAGES if s in found] + sorted(found - set(STAGES))


def _stages(part: dict | None) -> dict | None:
    if not isinstance(part, dict):
        return None
    if "build" in part and isinstance(part["build"], dict):  # new_day: the build's stages
        return part["build"].get("stages")
    return part.get("stages")


def _scenario_row(key: str, label: str, part: dict | None, stages: list[str]) -> list[str]:
    if part is None:
        return [label, "-", "-", *(["-"] * len(stages)), "not run"]
    got = _stages(part) or {}
    rss = part.get("peak_rss_mb")
    if key == "new_day" and isinstance(part.get("build"), dict):
        rss = part["build"].get("peak_rss_mb")
    cells = [label, secs(part.get("wall_s")), mb(rss)]
    cells += [f"{got[s]:.2f}" if isinstance(got.get(s), (int, float)) else "-" for s in stages]
    notes = [note for note in (error_note(part), *_scenario_notes(key, part)) if note]
    return [*cells, "; ".join(notes)]


def _scenario_notes(key: str, part: dict) -> list[str]:
    notes: list[str] = []
    pages, reused = part.get("pages"), part.get("reused")
    if key == "cold" and pages is not None:
        notes.append(f"{pages:,.0f} pages")
    if key == "nochange" and pages is not None and reused is not None:
        notes.append(f"reused {reused:,.0f} of {pages:,.0f} pages")
    if key == "new_day":
        build = part.get("build") or {}
        notes.append(f"ingest {secs(part.get('ingest_s'))} + build {secs(build.get('wall_s'))}")
        same = part.get("identical")
        if isinstance(same, dict) and "identical" in same:
            if same["identical"]:
                notes.append(f"byte-identical to a cold build ({same['files']:,} files)")
            else:
                shown = ", ".join(same.get("first_differences", []))
                notes.append(f"NOT byte-identical to a cold build: {shown}")
        elif isinstance(same, dict):
            notes.append(f"identity not checked: {error_note(same)}")
    if key == "edit" and part.get("title_in_page") is not None:
        notes.append(f"new title in the page: {'yes' if part['title_in_page'] else 'NO'}")
    if key == "serve_edit":
        edits = [e["seconds"] for e in part.get("edits", []) if "seconds" in e]
        if edits:
            notes.append("edits " + ", ".join(f"{s:.2f}" for s in edits) + " s")
        rebuilds = [e["serve_rebuild_s"] for e in part.get("edits", []) if "serve_rebuild_s" in e]
        if rebuilds:
            notes.append("server's rebuilds " + ", ".join(f"{s:.2f}" for s in rebuilds) + " s")
    return notes


def size_table(size: dict) -> Table:
    """The block of one N: setup, the five scenarios, the peers, then output and search lines."""
    n = size["n"]
    runs = size.get("runs")
    stages = stage_names(size)
    title = f"N = {n:,} papers (100 daily digests of {n // 100:,}); medians of {runs} run(s)"
    table = Table(title, ["", "wall", "peak RSS", *stages, "notes"])
    setup = size.get("setup") or {}
    notes = [x for x in (error_note(setup),) if x]
    if setup.get("papers") is not None:
        notes.append(f"{setup['papers']:,} papers in content/papers/ (once, not repeated)")
    table.rows.append(
        ["ingest 100 days (setup)", secs(setup.get("wall_s")), mb(setup.get("peak_rss_mb")),
         *(["-"] * len(stages)), "; ".join(notes)]
    )  # fmt: skip
    scenarios = size.get("scenarios", {})
    for key, label in SCENARIOS:
        table.rows.append(_scenario_row(key, label, scenarios.get(key), stages))
    cold = (scenarios.get("cold") or {}).get("wall_s")
    peers = size.get("peers") or {}
    for name, label in (("hugo", "Hugo"), ("pelican", "Pelican")):
        peer = peers.get(name)
        if isinstance(peer, dict) and peer.get("wall_s"):
            ratio = f"ours/{label} = {cold / peer['wall_s']:.2f} (our cold build / {label}'s)" if cold else ""
            words = str(peers.get(f"{name}_version", "")).split()
            version = (
                f"version {' '.join(words[-1:] if words[:1] != ['hugo'] else words[1:2])}" if words else ""
            )
            table.rows.append(
                [f"{label} (cold)", secs(peer["wall_s"]), mb(peer.get("peak_rss_mb")), *(["-"] * len(stages)),
                 f"{ratio}; {peer.get('html_files') or 0:,} HTML files; {version}".strip("; ")]
            )  # fmt: skip
        else:
            why = peer.get("error") if isinstance(peer, dict) else peer
            table.rows.append([label, "-", "-", *(["-"] * len(stages)), f"unavailable: {why or 'not run'}"])
    if not stages:
        why = _stats_note(scenarios) or "no stats"
        table.notes.append(f"stage times: {why}")
    else:
        table.notes.append("stage columns: seconds per stage from digest build --stats (medians)")
    output = size.get("output")
    if isinstance(output, dict) and "bytes" in output:
        table.notes.append(
            f"output (cold build): {output['files']:,} files, {output['html_files']:,} HTML, "
            f"{output['bytes'] / 1e6:,.1f} MB"
        )
    table.notes += search_lines(size.get("search"), size.get("latency"))
    return table


def _stats_note(scenarios: dict) -> str | None:
    for key, _label in SCENARIOS:
        part = scenarios.get(key)
        if isinstance(part, dict):
            note = part.get("stats_note") or (part.get("build") or {}).get("stats_note")
            if note:
                return note
    return None


def search_lines(search: dict | None, latency: dict | None) -> list[str]:
    """The search payload and the Chromium first-result latency, a line or two each."""
    lines: list[str] = []
    if isinstance(search, dict):
        if "error" in search:
            lines.append(f"search: not measured: {first_line(search['error'])}")
        else:
            parts = ", ".join(
                f"{name} {kb(size)}" for name, size in search.get("first_result_files", {}).items()
            )
            first = kb(search.get("first_result_gzip_bytes"))
            shards = search.get("shards")
            pieces = f"{shards} shard(s)" if shards else f"{search.get('files')} files"
            lines.append(
                f"search: a first result fetches {first} gzipped; the whole index is "
                f"{kb(search.get('gzip_bytes'))} gzipped in {pieces}"
            )
            lines.append(f"  (the first result's files, gzip -6: {parts})")
    if isinstance(latency, dict):
        if "error" in latency:
            lines.append(f"Chromium first result: not measured: {first_line(latency['error'])}")
        else:
            got = []
            for key, label in (("page", f"search/?q={latency.get('word')}"), ("header", "header box")):
                part = latency.get(key, {})
                got.append(
                    f"{label} failed: {first_line(part['error'])}" if "error" in part
                    else f"{label} {part.get('median_ms', 0):.0f} ms"
                )  # fmt: skip
            typed = (latency.get("header") or {}).get("after_typing_median_ms")
            if typed is not None:
                got.append(f"{typed:.0f} ms of it after the last key typed")
            lines.append(f"Chromium first result (median of {latency.get('runs')}): " + ", ".join(got))
    return lines


def _cells(part: dict | None) -> list[str]:
    """KB, first ms, complete ms, results of one engine on one query ('-' where there is none)."""
    if not isinstance(part, dict) or "error" in part:
        return ["failed", "-", "-", "-"]
    first = "-" if part.get("first_ms") is None else f"{part['first_ms']:,.0f}"
    results = part.get("results")
    if part.get("state") in ("syntax", "error"):
        results = part["state"]
    shown = "-" if results is None else f"{results:,}" if isinstance(results, int) else str(results)
    return [f"{part['bytes'] / 1024:,.1f}", first, f"{part['complete_ms']:,.0f}", shown]


def search_compare_table(compare: dict | None, n: int | None) -> Table:
    """Our search against Pagefind, query by query, then the medians and maxima (bench/search_compare.py)."""
    where = f"N = {n:,}" if n else "the site"
    if not isinstance(compare, dict) or "error" in compare or not compare.get("queries"):
        table = Table(f"Search vs Pagefind, {where}", [])
        table.notes.append(f"search vs Pagefind: {error_note(compare) or 'not run'}")
        return table
    pf = compare.get("pagefind") or {}
    table = Table(
        f"Search vs Pagefind {pf.get('version', '?')}, {where}: {len(compare['queries'])} queries, "
        "each in a fresh browser context",
        ["query", "ours KB", "ours first ms", "ours complete ms", "ours results", "Pagefind KB",
         "Pagefind first ms", "Pagefind complete ms", "Pagefind results", "Pagefind query"],
    )  # fmt: skip
    failures = []
    for row in compare["queries"]:
        cells = [*_cells(row.get("ours")), *_cells(row.get("pagefind"))]
        table.rows.append([row["query"], *cells, row.get("pagefind_query", "")])
        for engine in ("ours", "pagefind"):
            if "error" in (row.get(engine) or {}):
                failures.append(f"{row['query']!r} on {engine}: {first_line(row[engine]['error'])}")
    summary = compare.get("summary") or {}
    for stat in ("median", "max"):
        cells = [stat]
        for engine in ("ours", "pagefind"):
            got = summary.get(engine) or {}
            value = [got.get(f"{stat}_{key}") for key in ("bytes", "first_ms", "complete_ms")]
            cells += ["-" if value[0] is None else f"{value[0] / 1024:,.1f}"]
            cells += ["-" if v is None else f"{v:,.0f}" for v in value[1:]]
            cells.append("")
        table.rows.append([*cells, ""])
    for engine, label in (("ours", "ours"), ("pagefind", "Pagefind")):
        got = summary.get(engine) or {}
        if got.get("median_bytes") is not None:
            first, complete = got.get("median_first_ms") or 0, got.get("median_complete_ms") or 0
            table.notes.append(
                f"{label}: median {kb(got['median_bytes'])} (max {kb(got['max_bytes'])}) per query, "
                f"first results median {first:,.0f} ms, complete median {complete:,.0f} ms; "
                f"{got.get('answered')} of {got.get('queries')} queries answered"
            )
    sizes = compare.get("index_sizes") or {}
    for engine, label in (("ours", "our search/"), ("pagefind", "Pagefind's pagefind/")):
        got = sizes.get(engine) or {}
        if got:
            table.notes.append(
                f"{label}: {got['files']:,} files, {got['bytes'] / 1e6:,.1f} MB, "
                f"{got['gzip_bytes'] / 1e6:,.1f} MB gzipped"
            )
    if pf.get("wall_s") is not None:
        table.notes.append(
            f"Pagefind indexing: {secs(pf['wall_s'])}, peak RSS {mb(pf.get('peak_rss_mb'))}, "
            f"{pf.get('pages') or 0:,} pages ({pf.get('command')})"
        )
    table.notes.append(
        "KB: gzip -6 of every response finished before complete (Pagefind's harness page excluded); ms from "
        f"navigation start; first = first result on screen (ours) or search() and the first data() resolved "
        "(Pagefind); complete = the status line's final count (ours) or the first "
        f"{compare.get('shown', 20)} data() resolved (Pagefind); results: the status line's count (ours), "
        "all matches (Pagefind)"
    )
    table.notes += failures
    return table


def seed_table(seed: dict) -> Table:
    table = Table("Seed (the repo's content/)", [])
    if error_note(seed.get("build")):
        table.notes.append(f"build {error_note(seed['build'])}")
    table.notes += search_lines(seed.get("search"), None)
    return table


def _size(sizes: list[dict], n: int) -> dict | None:
    return next((s for s in sizes if s.get("n") == n), None)


def evaluate_targets(sizes: list[dict]) -> list[dict]:
    """Each target of issue 11: what was measured and 'meets', 'MISSES' or why it was not judged."""
    targets: list[dict] = []

    def add(target: str, measured: str, ok: bool | None, why: str = "") -> None:
        verdict = why if ok is None else ("meets" if ok else "MISSES")
        targets.append({"target": target, "measured": measured, "verdict": verdict})

    ten = _size(sizes, TARGET_N)
    scen = (ten or {}).get("scenarios", {})
    name = f"{TARGET_N // 1000}k cold build ≤ {HUGO_RATIO:g}x Hugo's time"
    cold = (scen.get("cold") or {}).get("wall_s")
    hugo = ((ten or {}).get("peers") or {}).get("hugo")
    if ten is None:
        add(name, "-", None, f"not run (needs -n {TARGET_N})")
    elif not cold or not isinstance(hugo, dict) or not hugo.get("wall_s"):
        add(name, "-", None, "no figure (our cold build or Hugo missing)")
    else:
        ratio = cold / hugo["wall_s"]
        add(name, f"ours/Hugo = {ratio:.2f} ({secs(cold)} / {secs(hugo['wall_s'])})", ratio <= HUGO_RATIO)

    name = f"{TARGET_N // 1000}k new daily digest: ingest + build ≤ {NEW_DAY_SECONDS:g} s, byte-identical"
    day = scen.get("new_day")
    if ten is None:
        add(name, "-", None, f"not run (needs -n {TARGET_N})")
    elif not isinstance(day, dict) or day.get("wall_s") is None:
        add(name, "-", None, "no figure" + (f" ({error_note(day)})" if error_note(day) else ""))
    else:
        same = (day.get("identical") or {}).get("identical")
        label = {True: "identical", False: "NOT identical", None: "identity unknown"}[same]
        add(name, f"{secs(day['wall_s'])}, {label}", day["wall_s"] <= NEW_DAY_SECONDS and same is True)

    name = f"{TARGET_N // 1000}k serve: edit visible ≤ {SERVE_EDIT_SECONDS:g} s (median)"
    serve = scen.get("serve_edit")
    if ten is None:
        add(name, "-", None, f"not run (needs -n {TARGET_N})")
    elif not isinstance(serve, dict) or serve.get("wall_s") is None:
        add(name, "-", None, "no figure" + (f" ({error_note(serve)})" if error_note(serve) else ""))
    else:
        add(name, secs(serve["wall_s"]), serve["wall_s"] <= SERVE_EDIT_SECONDS)

    name = f"{LARGE_N // 1000}k cold build peak RSS < {RSS_MB} MB (largest of the runs)"
    big = _size(sizes, LARGE_N)
    peak = ((big or {}).get("scenarios", {}).get("cold") or {}).get("peak_rss_mb_max")
    if big is None:
        add(name, "-", None, f"not run (needs -n {LARGE_N})")
    elif peak is None:
        add(name, "-", None, "no figure")
    else:
        add(name, mb(peak), peak < RSS_MB)

    targets += linearity(sizes)

    name = f"search first result ≤ {FIRST_RESULT_BYTES // 1024} KB gzipped at {TARGET_N // 1000}k"
    search = (ten or {}).get("search") or {}
    got = search.get("first_result_gzip_bytes")
    if ten is None:
        add(name, "-", None, f"not run (needs -n {TARGET_N})")
    elif got is None:
        add(name, "-", None, "no figure")
    else:
        add(name, kb(got), got <= FIRST_RESULT_BYTES)

    for n, limit in QUERY_BYTES.items():
        name = f"{n // 1000}k search: ≤ {limit // 1024} KB transferred per query (median of the queries)"
        _query_target(add, _size(sizes, n), n, name, "bytes", limit, kb)
    name = (
        f"{TARGET_N // 1000}k search: first results ≤ {QUERY_FIRST_MS:g} ms after the query is typed "
        "(header box, debounce included, median)"
    )
    header = ((ten or {}).get("latency") or {}).get("header") or {}
    typed = header.get("after_typing_median_ms")
    if ten is None:
        add(name, "-", None, f"not run (needs -n {TARGET_N})")
    elif typed is None:
        add(name, "-", None, "no figure")
    else:
        runs = ", ".join(f"{ms:,.0f}" for ms in header.get("after_typing_ms", []))
        add(
            name,
            f"{typed:,.0f} ms ({runs}; word {((ten or {}).get('latency') or {}).get('word')})",
            typed <= QUERY_FIRST_MS,
        )
    return targets


def _query_target(
    add: Callable[..., None],
    size: dict | None,
    n: int,
    name: str,
    key: str,
    limit: float,
    fmt: Callable[[float], str],
) -> None:
    """A target on our search over the compared queries: the median judged, the max shown."""
    compare = (size or {}).get("search_compare")
    ours = ((compare or {}).get("summary") or {}).get("ours") or {}
    median, most = ours.get(f"median_{key}"), ours.get(f"max_{key}")
    if size is None:
        add(name, "-", None, f"not run (needs -n {n})")
    elif median is None:
        add(name, "-", None, "no figure" + (f" ({error_note(compare)})" if error_note(compare) else ""))
    else:
        add(name, f"median {fmt(median)}, max {fmt(most)}", median <= limit)


def linearity(sizes: list[dict]) -> list[dict]:
    """Per stage of the cold build: time per paper at the largest N over the smallest N ≥ 1k."""
    name = f"cold build stages at most linear (per paper ≤ {LINEAR_ALLOWANCE:g}x)"
    usable = sorted(
        (s for s in sizes if s.get("n", 0) >= LINEAR_MIN_N and _stages(s.get("scenarios", {}).get("cold"))),
        key=lambda s: s["n"],
    )
    ran = sorted({s.get("n", 0) for s in sizes if s.get("n", 0) >= LINEAR_MIN_N})
    if len(ran) < 2:
        return [
            {"target": name, "measured": "-", "verdict": "not run (needs two N ≥ 1k, e.g. -n 1000,10000)"}
        ]
    if len(usable) < 2:
        return [{"target": name, "measured": "-", "verdict": "no figure (stage times unavailable)"}]
    small, large = usable[0], usable[-1]
    a, b = _stages(small["scenarios"]["cold"]), _stages(large["scenarios"]["cold"])
    rows = []
    for stage in [s for s in STAGES if s in a and s in b] + sorted((set(a) & set(b)) - set(STAGES)):
        label = f"  {stage}: per paper, {large['n']:,} vs {small['n']:,}"
        per_small, per_large = a[stage] / small["n"], b[stage] / large["n"]
        if b[stage] < LINEAR_FLOOR_S:
            verdict = f"n/a (under {LINEAR_FLOOR_S:g} s at {large['n']:,})"
            rows.append({"target": label, "measured": f"{b[stage]:.3f} s", "verdict": verdict})
            continue
        ratio = per_large / per_small if per_small > 0 else float("inf")
        measured = f"{ratio:.2f}x ({per_small * 1e3:.3f} → {per_large * 1e3:.3f} ms/paper)"
        rows.append(
            {
                "target": label,
                "measured": measured,
                "verdict": "meets" if ratio <= LINEAR_ALLOWANCE else "MISSES",
            }
        )
    judged = [r["verdict"] for r in rows if r["verdict"] in ("meets", "MISSES")]
    overall = ("MISSES" if "MISSES" in judged else "meets") if judged else "n/a"
    return [{"target": name, "measured": f"{len(judged)} stage(s) judged", "verdict": overall}, *rows]


def targets_table(targets: list[dict]) -> Table:
    table = Table("Targets (issue 11)", ["target", "measured", "verdict"], align="lll")
    table.rows = [[t["target"], t["measured"], t["verdict"]] for t in targets]
    table.notes.append(
        f"linear: each cold-build stage's time per paper at the largest N over that at the smallest "
        f"N ≥ {LINEAR_MIN_N:,}; {LINEAR_ALLOWANCE:g}x allows 25% for noise on a shared machine, and a stage "
        f"under {LINEAR_FLOOR_S:g} s at the largest N is too short to judge"
    )
    return table


def machine_line(machine: dict) -> str:
    cpu = machine.get("cpu_model") or machine.get("machine") or "?"
    got = {
        key: machine.get(key, "?") for key in ("date", "platform", "cpus", "memory_gb", "python", "commit")
    }
    return (
        f"Measured {got['date']} on {got['platform']}, {got['cpus']} CPUs ({cpu}), "
        f"{got['memory_gb']} GB RAM, "
        f"Python {got['python']}, commit {got['commit']}"
    )


def tables(summary: dict) -> list[Table]:
    out: list[Table] = []
    if isinstance(summary.get("seed"), dict):
        out.append(seed_table(summary["seed"]))
    for size in summary.get("sizes", []):
        out.append(size_table(size))
        if "search_compare" in size:
            out.append(search_compare_table(size["search_compare"], size.get("n")))
    out.append(targets_table(evaluate_targets(summary.get("sizes", []))))
    return out


def table_text(table: Table) -> str:
    """One table as aligned plain text, its notes under it."""
    lines = [f"== {table.title} =="]
    if table.headers and table.rows:
        widths = [
            max(len(str(row[i])) for row in [table.headers, *table.rows]) for i in range(len(table.headers))
        ]
        aligns = table.aligns()
        for row in [table.headers, *table.rows]:
            cells = [
                str(cell).ljust(widths[i]) if aligns[i] == "l" else str(cell).rjust(widths[i])
                for i, cell in enumerate(row)
            ]
            lines.append("  ".join(cells).rstrip())
    lines += [f"  {note}" for note in table.notes]
    return "\n".join(lines)


def render_text(summary: dict) -> str:
    """The tables as aligned plain text, for a terminal."""
    blocks = [machine_line(summary.get("machine", {}))]
    blocks += [table_text(table) for table in tables(summary)]
    return "\n\n".join(blocks) + "\n"


def _md(cell: str) -> str:
    return str(cell).replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: dict) -> str:
    """The tables as Markdown, to paste into the README."""
    parts = [f"_{machine_line(summary.get('machine', {}))}._"]
    for table in tables(summary):
        lines = [f"#### {table.title}"]
        if table.headers and table.rows:
            headers = [h or "&nbsp;" for h in table.headers]
            lines.append("| " + " | ".join(_md(h) for h in headers) + " |")
            lines.append("|" + "|".join("---" if a == "l" else "---:" for a in table.aligns()) + "|")
            lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in table.rows]
        if table.notes:
            lines.append("")
            lines += [f"- {_md(note.strip())}" for note in table.notes]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json", type=Path, nargs="?", default=Path(".bench/latest.json"))
    parser.add_argument("--markdown", action="store_true", help="print Markdown instead of text")
    args = parser.parse_args(argv)
    summary = json.loads(args.json.read_text(encoding="utf-8"))
    sys.stdout.write(render_markdown(summary) if args.markdown else render_text(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

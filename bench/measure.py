"""Timing a process (wall time, peak RSS), the peers' builds, and the search figures of a built site.

Helpers for bench/run.py: `timed` runs one command and reads its peak RSS with os.wait4; `run_peers`
runs ../shared/bench/peers.py; `search_figures` reads what a first search result costs to fetch; `log`
writes a progress line to stderr.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PEERS = SHARED / "bench" / "peers.py"
PEER_VENV = Path(os.environ.get("PEERS_VENV", Path.home() / ".cache" / "research-digest-peers"))
GZIP_LEVEL = 6  # what static hosts typically serve, and what the build reports
# What the browser needs before it can show a first result (besides the HTML page and CSS):
SEARCH_SCRIPTS = (
    "static/js/search.js",
    "static/js/search-worker.js",
    "static/js/query-normalize.js",
    "static/js/search-parts.js",
)
LUNR = "static/js/lunr.min.js"


_STARTED = time.perf_counter()


def log(message: str) -> None:
    """A progress line on stderr, with the minutes and seconds since the bench started."""
    elapsed = int(time.perf_counter() - _STARTED)
    print(f"[bench {elapsed // 60:3d}:{elapsed % 60:02d}] {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float | None:
    """The median of `values`, None when there are none."""
    return statistics.median(values) if values else None


@dataclass
class Run:
    """One timed process: wall seconds, peak RSS of it and its children (MB), exit status."""

    wall_s: float
    peak_rss_mb: float
    returncode: int
    output: str = ""


@dataclass
class Summary:
    """Medians over runs, plus what every run produced."""

    runs: int
    wall_s: float | None
    peak_rss_mb: float | None
    html_files: int | None
    walls: list[float] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


def timed(cmd: list[str], cwd: Path) -> Run:
    """Run `cmd`, returning its wall time and peak RSS (the largest of it and the children it waited for).

    os.wait4 gives the rusage of this one child, so runs do not see each other's peaks.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    output = proc.stdout.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(wall, usage.ru_maxrss / 1024, proc.returncode, output)


def peers_installed() -> bool:
    return shutil.which("hugo") is not None and (PEER_VENV / "bin" / "pelican").exists()


def install_peers() -> str | None:
    """Install Hugo and Pelican with peers.py; None on success, else why not."""
    print(
        "Installing the peers (Hugo from Debian, Pelican in a private venv): peers.py --install", flush=True
    )
    try:
        done = subprocess.run(
            [_python3(), str(PEERS), "--install"], capture_output=True, text=True, timeout=900
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"peers.py --install failed: {exc}"
    if done.returncode != 0:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        return f"peers.py --install exited {done.returncode}: {tail}"
    return None if peers_installed() else "peers.py --install ran but Hugo or Pelican is still missing"


def _python3() -> str:
    return shutil.which("python3") or sys.executable


def run_peers(n: int, runs: int, corpus: Path) -> dict[str, Summary | str]:
    """Medians per peer from `peers.py -n N --runs R`, or the reason a peer has no figures."""
    cmd = [_python3(), str(PEERS), "-n", str(n), "--runs", str(runs), "--corpus", str(corpus)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"pelican": f"peers.py failed: {exc}", "hugo": f"peers.py failed: {exc}"}
    rows: dict[str, list[dict]] = {}
    errors: dict[str, str] = {}
    for line in done.stdout.splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "error" in row:
            errors[row["peer"]] = row["error"]
        else:
            rows.setdefault(row["peer"], []).append(row)
    result: dict[str, Summary | str] = {}
    for peer in ("pelican", "hugo"):
        got = rows.get(peer)
        if got:
            walls = [r["wall_s"] for r in got]
            result[peer] = Summary(
                len(got),
                statistics.median(walls),
                statistics.median(r["peak_rss_mb"] for r in got),
                got[-1]["html_files"],
                walls,
            )
            result[peer + "_version"] = got[-1].get("version", "unknown")
        else:
            why = errors.get(peer) or " | ".join(done.stderr.strip().splitlines()[-3:]) or "no output"
            result[peer] = f"no figures (exit {done.returncode}): {why}"
    return result


def gz(path: Path) -> int:
    """Bytes of `path` gzipped at level 6, as a static host serves it."""
    return len(gzip.compress(path.read_bytes(), compresslevel=GZIP_LEVEL, mtime=0))


def search_figures(site: Path) -> dict:
    """Sizes of the built search index and what every search fetches before its query's own parts
    (index.json, lunr.js and our scripts); `error` when there is none. What each query adds is measured in
    the browser (browser.py, search_compare.py)."""
    search = site / "search"
    entry_path = search / "index.json"
    if not entry_path.is_file():
        return {"error": f"no search index in the built site ({entry_path} is missing)"}
    files = sorted(p for p in search.rglob("*") if p.is_file() and p.name != "index.html")
    try:
        entry = json.loads(entry_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return {"error": f"search/index.json is not valid JSON: {exc}"}
    figures: dict = {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "gzip_bytes": sum(gz(p) for p in files),
        "version": entry.get("version") if isinstance(entry, dict) else None,
        "postings_parts": len(entry.get("postings", [])) if isinstance(entry, dict) else 0,
    }
    first: list[tuple[str, int]] = [("search/index.json", gz(entry_path))]
    for relative in (LUNR, *SEARCH_SCRIPTS):
        if (site / relative).is_file():
            first.append((relative, gz(site / relative)))
        else:
            figures.setdefault("missing_scripts", []).append(relative)
    figures["first_result_files"] = dict(first)
    figures["first_result_gzip_bytes"] = sum(size for _name, size in first)
    return figures

"""The real `digest` CLI as the bench runs it: one timed process per command, `--stats` read when there.

`digest` is run as `python -m generator` with the bench's own Python (the project's venv under
`make bench`), so it is the checkout's code whatever `digest` is first on PATH. `digest build --stats PATH`
writes the build's figures as JSON:

    {"pages": int, "reused": int, "files": int, "seconds": float,
     "stages": {"load": s, "topics": s, "related": s, "render": s, "search": s, "write": s},
     "cache": {...hit counts...}}

A build without `--stats` (or `--quiet`) is still timed: the option is left out and the stage times are
recorded as unavailable.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import measure

STAGES = ("load", "topics", "related", "render", "search", "write")
OUTPUT_TAIL = 15


@dataclass
class CommandRun:
    """One timed `digest` command: wall seconds, peak RSS (MB), exit status, the build's stats if any."""

    wall_s: float
    peak_rss_mb: float
    returncode: int
    output_tail: str
    stats: dict | None = None
    stats_note: str | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def failure(self, what: str) -> str:
        """One paragraph saying the command failed, with the last lines it printed."""
        return f"{what} exited {self.returncode}:\n{self.output_tail}"

    def to_json(self) -> dict:
        data = asdict(self)
        data["wall_s"] = round(self.wall_s, 4)
        data["peak_rss_mb"] = round(self.peak_rss_mb, 1)
        if self.ok:
            data.pop("output_tail")
        return data


class Digest:
    """Runs `digest` subcommands; learns once which options `digest build` has."""

    def __init__(self, python: str = sys.executable) -> None:
        self.base = [python, "-m", "generator"]
        self._build_help: str | None = None

    def build_help(self) -> str:
        if self._build_help is None:
            done = subprocess.run([*self.base, "build", "--help"], capture_output=True, text=True)
            self._build_help = done.stdout if done.returncode == 0 else ""
        return self._build_help

    @property
    def has_stats(self) -> bool:
        return "--stats" in self.build_help()

    @property
    def has_quiet(self) -> bool:
        return "--quiet" in self.build_help()

    def run(self, args: list[str], cwd: Path) -> CommandRun:
        """`digest ARGS`, timed."""
        run = measure.timed([*self.base, *args], cwd)
        tail = "\n".join(run.output.strip().splitlines()[-OUTPUT_TAIL:])
        return CommandRun(run.wall_s, run.peak_rss_mb, run.returncode, tail)

    def init(self, folder: Path) -> CommandRun:
        return self.run(["init", str(folder)], folder.parent)

    def ingest(self, content: Path, sources: list[Path], fmt: str | None = None) -> CommandRun:
        """`digest ingest --content C [--format F] -- SOURCES...`."""
        args = ["ingest", "--content", str(content)]
        if fmt:
            args += ["--format", fmt]
        return self.run([*args, "--", *map(str, sources)], content.parent)

    def build(self, content: Path, out: Path, stats: Path) -> CommandRun:
        """`digest build --content C --out OUT --stats STATS --quiet` (the options it has), timed; the
        stats file is read into the result (or why not noted)."""
        args = ["build", "--content", str(content), "--out", str(out)]
        if self.has_stats:
            stats.parent.mkdir(parents=True, exist_ok=True)
            stats.unlink(missing_ok=True)
            args += ["--stats", str(stats)]
        if self.has_quiet:
            args.append("--quiet")
        result = self.run(args, content.parent)
        if not self.has_stats:
            result.stats_note = "stats unavailable (digest build has no --stats option)"
        elif result.ok:
            result.stats, result.stats_note = read_stats(stats)
        return result

    def serve_command(self, content: Path, out: Path, port: int) -> list[str]:
        return [*self.base, "serve", "--content", str(content), "--out", str(out), "--port", str(port)]


def read_stats(path: Path) -> tuple[dict | None, str | None]:
    """The build's stats JSON, or None and why not."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"stats unavailable (the build wrote no {path.name})"
    except (OSError, ValueError) as exc:
        return None, f"stats unreadable: {exc}"
    if not isinstance(data, dict) or not isinstance(data.get("stages"), dict):
        return None, "stats unreadable: no 'stages' object in the JSON"
    return data, None

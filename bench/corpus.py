"""The bench's input: the first N corpus records as 100 daily JSONL digests, plus a 101st day.

The arXiv corpus (`../shared/corpora/arxiv-cs-abstracts-50k.jsonl.gz`) is newest first and has no dates,
so its first N lines are cut into 100 chunks: the first chunk is the newest day, the last one the oldest.
Each chunk is written verbatim (the corpus lines as they are) to `<date>-arxiv.jsonl`, 100 consecutive
dates ending on LAST_DAY, so `digest ingest` on the folder (files taken by name) adds them oldest first and
takes each digest's date from its file name. The 101st day is the next 100 lines (N..N+99), dated the day
after LAST_DAY; when the corpus has no 100 lines left (N = 50,000 of a 50k corpus), it is the first 100
lines with new arXiv ids and titles, so they are new papers all the same.

    python bench/corpus.py -n 1000 /tmp/days     # writes /tmp/days/ and /tmp/days-next/
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared"
DEFAULT_CORPUS = SHARED / "corpora" / "arxiv-cs-abstracts-50k.jsonl.gz"
DAYS = 100
NEXT_DAY_PAPERS = 100
#: The newest of the 100 days (the corpus' newest papers are arXiv 2606.*: summer 2026); the 101st day is
#: the day after. Fixed, so every run writes the same files.
LAST_DAY = date(2026, 8, 31)
SUFFIX = "-arxiv.jsonl"


@dataclass
class DayFiles:
    """What `write_days` wrote: the 100 daily digests' folder and the 101st day's file."""

    folder: Path
    files: list[Path]
    papers: int
    next_day: Path
    next_day_papers: int
    next_day_source: str

    def to_json(self) -> dict:
        return {
            "folder": str(self.folder),
            "days": len(self.files),
            "papers": self.papers,
            "first_day": self.files[0].name[:10],
            "last_day": self.files[-1].name[:10],
            "next_day": self.next_day.name,
            "next_day_papers": self.next_day_papers,
            "next_day_source": self.next_day_source,
        }


def read_lines(corpus: Path, count: int) -> list[str]:
    """The first `count` non-blank lines of a .jsonl or .jsonl.gz file, each ending in a newline."""
    opener = gzip.open if corpus.suffix == ".gz" else open
    lines: list[str] = []
    with opener(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            lines.append(line if line.endswith("\n") else line + "\n")
            if len(lines) >= count:
                break
    return lines


def chunks(lines: list[str], days: int = DAYS) -> list[list[str]]:
    """`lines` cut into `days` consecutive chunks in order; sizes differ by at most one (earlier larger)."""
    size, extra = divmod(len(lines), days)
    out: list[list[str]] = []
    start = 0
    for index in range(days):
        end = start + size + (1 if index < extra else 0)
        out.append(lines[start:end])
        start = end
    return out


def day_name(day: date) -> str:
    return f"{day.isoformat()}{SUFFIX}"


def renamed(line: str, index: int) -> str:
    """A corpus line made into a new paper: a new arXiv id (2607.*, after the corpus' newest) and title."""
    record = json.loads(line)
    new_id = f"2607.{90000 + index:05d}"
    record["id"] = new_id
    for key in ("abs", "pdf"):
        if isinstance(record.get(key), str):
            record[key] = record[key].rsplit("/", 1)[0] + "/" + new_id
    record["title"] = f"{record.get('title') or 'Untitled'} (bench day 101, {index + 1})"
    return json.dumps(record, ensure_ascii=False) + "\n"


def write_days(corpus: Path, n: int, folder: Path, next_folder: Path) -> DayFiles:
    """Write the first `n` corpus lines as 100 daily digests in `folder` (oldest day = the last chunk) and
    the 101st day's digest in `next_folder`. `n` must be at least 100 (one paper a day)."""
    if n < DAYS:
        raise ValueError(f"n must be at least {DAYS} (one paper per day), not {n}")
    if not corpus.is_file():
        raise FileNotFoundError(f"corpus not found: {corpus} (the corpora live in ../shared/corpora)")
    lines = read_lines(corpus, n + NEXT_DAY_PAPERS)
    if len(lines) < n:
        raise ValueError(f"the corpus has {len(lines)} records, fewer than n = {n}")
    folder.mkdir(parents=True, exist_ok=True)
    next_folder.mkdir(parents=True, exist_ok=True)
    first_day = LAST_DAY - timedelta(days=DAYS - 1)
    files: list[Path] = []
    # chunks()[0] holds the newest records: it is the last day; the last chunk is the first (oldest) day.
    for offset, chunk in enumerate(reversed(chunks(lines[:n]))):
        path = folder / day_name(first_day + timedelta(days=offset))
        path.write_text("".join(chunk), encoding="utf-8", newline="\n")
        files.append(path)
    extra = lines[n:]
    if len(extra) >= NEXT_DAY_PAPERS:
        next_lines = extra[:NEXT_DAY_PAPERS]
        source = f"corpus lines {n + 1}..{n + NEXT_DAY_PAPERS}"
    else:
        next_lines = [renamed(line, i) for i, line in enumerate(lines[:NEXT_DAY_PAPERS])]
        source = (
            f"the corpus has no {NEXT_DAY_PAPERS} records after the first {n}: its first "
            f"{NEXT_DAY_PAPERS} lines with new arXiv ids (2607.9xxxx) and titles"
        )
    next_day = next_folder / day_name(LAST_DAY + timedelta(days=1))
    next_day.write_text("".join(next_lines), encoding="utf-8", newline="\n")
    return DayFiles(folder, files, n, next_day, len(next_lines), source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, help="where the 100 daily digests go (the 101st: FOLDER-next)")
    parser.add_argument("-n", type=int, default=1000, help="papers: the first N records (default 1000)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    try:
        days = write_days(args.corpus, args.n, args.folder, args.folder.with_name(args.folder.name + "-next"))
    except (OSError, ValueError) as exc:
        print(f"corpus: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(days.to_json(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

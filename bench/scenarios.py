"""The bench's scenarios on one site of N papers: set up, cold build, no-change rebuild, a new daily digest,
an edited title. (The same edit under `digest serve` is in serve_edit.py.)

Each scenario runs `runs` times and returns a JSON-ready dict: every run (`runs`), the medians (`wall_s`,
`peak_rss_mb`, `stages` from the build's `--stats`) and `error` when it could not finish.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import measure
import tree
from corpus import DayFiles
from digest_cmd import STAGES, CommandRun, Digest


@dataclass(frozen=True)
class Layout:
    """The folders of one N's bench, all under `work` (a temp folder outside the repo).

    `site/` is what `digest init` made: `site/content/` (the content folder), `site/_site/` (the output)
    and `site/.cache/` (the build's cache, beside the output). `saved/` holds a copy of `site/` to put back
    between runs; `check/` is the cold build the incremental one is compared with; `serve/` is the dev
    server's output; `stats/` the build's `--stats` files.
    """

    work: Path

    @property
    def site(self) -> Path:
        return self.work / "site"

    @property
    def content(self) -> Path:
        return self.site / "content"

    @property
    def out(self) -> Path:
        return self.site / "_site"

    @property
    def caches(self) -> list[Path]:
        """Where a build may keep its cache: beside the output (today), or beside the content."""
        return sorted({self.out.parent / ".cache", self.content.parent / ".cache"})

    @property
    def saved(self) -> Path:
        return self.work / "saved"

    @property
    def check(self) -> Path:
        return self.work / "check"

    @property
    def serve(self) -> Path:
        return self.work / "serve"

    def stats(self, scenario: str, run: int) -> Path:
        return self.work / "stats" / f"{scenario}-{run}.json"

    def save(self) -> None:
        """Set `site/` aside (content with ingested.yml, output and cache) in `saved/`."""
        tree.sync_tree(self.site, self.saved)

    def restore(self) -> int:
        """Put `site/` back as it was saved; returns the files copied back."""
        return tree.sync_tree(self.saved, self.site)


def summarize(runs: list[CommandRun]) -> dict:
    """Medians of wall time, peak RSS and each stage over `runs` (builds), plus the largest peak RSS."""
    stats = [run.stats for run in runs if run.stats]
    summary: dict = {
        "runs": [run.to_json() for run in runs],
        "wall_s": measure.median([run.wall_s for run in runs]),
        "peak_rss_mb": measure.median([run.peak_rss_mb for run in runs]),
        "peak_rss_mb_max": max((run.peak_rss_mb for run in runs), default=None),
        "stages": stage_medians(stats),
    }
    for key in ("pages", "reused", "files"):
        values = [s[key] for s in stats if isinstance(s.get(key), (int, float))]
        summary[key] = measure.median(values)
    notes = {run.stats_note for run in runs if run.stats_note}
    if notes:
        summary["stats_note"] = "; ".join(sorted(notes))
    return summary


def stage_medians(stats: list[dict]) -> dict[str, float] | None:
    """The median seconds of each stage over the runs' stats (known stages first), None without stats."""
    if not stats:
        return None
    names = list(STAGES) + sorted({k for s in stats for k in s["stages"]} - set(STAGES))
    medians: dict[str, float] = {}
    for name in names:
        values = [s["stages"][name] for s in stats if isinstance(s["stages"].get(name), (int, float))]
        if values:
            medians[name] = measure.median(values)
    return medians


def remove_caches(layout: Layout) -> None:
    for cache in layout.caches:
        shutil.rmtree(cache, ignore_errors=True)


def setup_site(digest: Digest, layout: Layout, days: DayFiles) -> dict:
    """`digest init site`, then `digest ingest --format jsonl` of the 100 daily digests, timed."""
    shutil.rmtree(layout.site, ignore_errors=True)
    layout.work.mkdir(parents=True, exist_ok=True)
    init = digest.init(layout.site)
    if not init.ok:
        return {"error": init.failure("digest init")}
    ingest = digest.ingest(layout.content, [days.folder], fmt="jsonl")
    result = {"ingest": ingest.to_json(), "wall_s": ingest.wall_s, "peak_rss_mb": ingest.peak_rss_mb}
    if not ingest.ok:
        result["error"] = ingest.failure("digest ingest")
        return result
    result["papers"] = sum(1 for _ in (layout.content / "papers").glob("*.md"))
    result["days"] = days.to_json()
    return result


def repeat_builds(digest: Digest, layout: Layout, name: str, runs: int, *, cold: bool) -> dict:
    """`digest build` `runs` times: cold (no output folder, no cache) or with both kept."""
    done: list[CommandRun] = []
    for number in range(1, runs + 1):
        if cold:
            shutil.rmtree(layout.out, ignore_errors=True)
            remove_caches(layout)
        measure.log(f"  {name} build {number}/{runs}...")
        run = digest.build(layout.content, layout.out, layout.stats(name, number))
        done.append(run)
        if not run.ok:
            return {**summarize(done), "error": run.failure("digest build")}
        measure.log(f"  {name} build {number}/{runs}: {run.wall_s:.2f}s, {run.peak_rss_mb:.0f} MB")
    return summarize(done)


def new_day(digest: Digest, layout: Layout, day_file: Path, runs: int) -> dict:
    """A new daily digest, as `make site` does it: the file copied into content/digests/, then
    `digest ingest --content C -- C/digests` and `digest build`, timed together and each. Every run starts
    from the saved state (`layout.save()` first); the first run's site is compared with a cold build."""
    ingests: list[CommandRun] = []
    builds: list[CommandRun] = []
    result: dict = {}
    digests = layout.content / "digests"
    for number in range(1, runs + 1):
        layout.restore()
        shutil.copy2(day_file, digests / day_file.name)
        measure.log(f"  new day {number}/{runs}: ingest + build...")
        ingest = digest.ingest(layout.content, [digests])
        ingests.append(ingest)
        if not ingest.ok:
            result["error"] = ingest.failure("digest ingest")
            break
        build = digest.build(layout.content, layout.out, layout.stats("new-day", number))
        builds.append(build)
        if not build.ok:
            result["error"] = build.failure("digest build")
            break
        measure.log(f"  new day {number}/{runs}: ingest {ingest.wall_s:.2f}s + build {build.wall_s:.2f}s")
        if number == 1:
            measure.log("  new day: cold build of the same content to compare with...")
            result["identical"] = compare_with_cold(digest, layout)
    totals = [i.wall_s + b.wall_s for i, b in zip(ingests, builds, strict=False)]
    result.update(
        {
            "build": summarize(builds) if builds else None,
            "ingest_runs": [run.to_json() for run in ingests],
            "ingest_s": measure.median([run.wall_s for run in ingests]),
            "ingest_peak_rss_mb": measure.median([run.peak_rss_mb for run in ingests]),
            "wall_s": measure.median(totals),
            "totals_s": totals,
            "day_file": day_file.name,
        }
    )
    layout.restore()
    return result


def compare_with_cold(digest: Digest, layout: Layout) -> dict:
    """Build a copy of the content cold (its own empty cache, another output folder) and compare that site
    with `layout.out` file by file; the copy is removed when the sites are identical."""
    check = Layout(layout.check)
    shutil.rmtree(check.work, ignore_errors=True)
    shutil.copytree(layout.content, check.content)  # copy2: the files' mtimes come along
    run = digest.build(check.content, check.out, layout.stats("check-cold", 1))
    if not run.ok:
        return {"error": run.failure("the cold build to compare with")}
    diff = tree.compare_trees(layout.out, check.out)
    result = {**diff.to_json(), "first_differences": diff.first_differences(), "cold_build_s": run.wall_s}
    if diff.identical:
        shutil.rmtree(check.work, ignore_errors=True)
    else:
        result["kept"] = str(check.work)
    return result


def pick_paper(content: Path) -> Path:
    """The paper file in the middle of content/papers/ sorted by name (deterministic)."""
    papers = sorted((content / "papers").glob("*.md"))
    if not papers:
        raise FileNotFoundError(f"no papers in {content / 'papers'}")
    return papers[len(papers) // 2]


def retitle(text: str, title: str) -> str:
    """The content file `text` with its front matter `title:` (and any continuation lines) replaced by
    `title: "<title>"` (a JSON string is a valid YAML double-quoted scalar)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ValueError("the paper file has no front matter")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise ValueError("the paper file's front matter is not closed")
    start = next((i for i in range(1, end) if lines[i].startswith("title:")), None)
    if start is None:
        raise ValueError("the paper file has no title: line")
    stop = start + 1
    while stop < end and lines[stop][:1] in (" ", "\t"):
        stop += 1
    lines[start:stop] = [f"title: {json.dumps(title, ensure_ascii=False)}"]
    return "\n".join(lines)


def new_title(number: int) -> str:
    """A title no paper has: plain words, so it reads the same in HTML as in the file."""
    return f"Bench Edited Title {number} {uuid.uuid4().hex[:10]}"


def paper_page(out: Path, paper: Path) -> Path:
    return out / "papers" / paper.stem / "index.html"


def edit_title(digest: Digest, layout: Layout, runs: int) -> dict:
    """Change one paper's title and rebuild, `runs` times (a new title each time); check that the new title
    is in the paper's page. The content and site are put back afterwards (`layout.restore()`)."""
    paper = pick_paper(layout.content)
    page = paper_page(layout.out, paper)
    if not page.is_file():
        return {"error": f"the built site has no page for {paper.name} ({page})", "paper": paper.name}
    original = paper.read_text(encoding="utf-8")
    builds: list[CommandRun] = []
    seen: list[bool] = []
    result: dict = {"paper": paper.name}
    try:
        for number in range(1, runs + 1):
            title = new_title(number)
            paper.write_text(retitle(original, title), encoding="utf-8", newline="")
            measure.log(f"  edit {number}/{runs}: rebuild...")
            build = digest.build(layout.content, layout.out, layout.stats("edit", number))
            builds.append(build)
            if not build.ok:
                result["error"] = build.failure("digest build")
                break
            seen.append(page.is_file() and title in page.read_text(encoding="utf-8"))
            measure.log(f"  edit {number}/{runs}: {build.wall_s:.2f}s, new title in the page: {seen[-1]}")
    finally:
        layout.restore()
    result.update(summarize(builds) if builds else {})
    result["title_in_page"] = all(seen) if seen else None
    if seen and not all(seen):
        result["error"] = f"the new title is not in {page.relative_to(layout.out)} after the rebuild"
    return result

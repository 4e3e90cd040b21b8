"""The `digest` command: parse options, call the library, print what happened, set the exit status.

Errors the user can fix (bad input, broken content files) print one line, `digest: error: ...`, and
exit with status 2; nothing here shows a traceback for them.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator import __version__
from generator.errors import DigestError, report
from generator.ingest.detect import format_names

if TYPE_CHECKING:
    from generator.ingest.merge import DigestPlan


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="digest")
def main() -> None:
    """research-digest: turn research-paper digests into a static, searchable site."""


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        report(f"--date {value!r} is not a date of the form YYYY-MM-DD")


class ProgressPrinter:
    """Progress of long ingest work on stderr: a bar on a terminal, a plain line per 10% otherwise (logs,
    CI). Short work (under MIN_TOTAL items) shows nothing."""

    MIN_TOTAL = 2000

    def __init__(self) -> None:
        self.bar: Any = None
        self.what = ""
        self.shown = 0

    def __call__(self, what: str, done: int, total: int) -> None:
        if total < self.MIN_TOTAL:
            return
        if what != self.what:
            self.close()
            self.what, self.shown = what, 0
            if sys.stderr.isatty():
                self.bar = click.progressbar(length=total, label=what, file=sys.stderr, show_pos=True)
                self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.bar.pos)
        elif done == total or done * 10 // total > self.shown * 10 // total:
            self.shown = done
            click.echo(f"  {what}: {done}/{total}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _print_plan(plan: DigestPlan, dry_run: bool) -> None:
    from generator.ingest.merge import ACTIONS

    name = plan.source.path
    if plan.already is not None:
        click.echo(
            f"{name}: already ingested as {plan.already.file} (digest of {plan.already.date}): "
            f"skipped, {len(plan.changes)} papers unchanged"
        )
        return
    click.echo(f"{name}: {plan.format} digest of {plan.date.isoformat()} (date {plan.date_rule})")
    verb = "would write" if dry_run else "wrote"
    for warning in plan.warnings:
        click.echo(f"  warning: {name}: {warning}", err=True)
    for change in plan.changes:
        if change.action == "skipped":
            click.echo(f"  warning: {plan.source.path}: {change.reason}", err=True)
        elif dry_run and change.action in ("new", "updated"):
            click.echo(f"  {change.action}: {change.path} ({change.reason or change.title})")
    if plan.copy_to is not None:
        click.echo(f"  {verb} a copy of the digest to {plan.copy_to}")
    counts = ", ".join(f"{plan.count(action)} {action}" for action in ACTIONS)
    click.echo(f"  {sum(plan.count(a) for a in ACTIONS if a != 'skipped')} papers: {counts}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--content",
    "content_dir",
    default="content",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The content folder to write into.",
)
@click.option(
    "--date",
    "date_text",
    metavar="YYYY-MM-DD",
    help="The digest's date (wins over the date line and the file name).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("auto", *format_names())),
    default="auto",
    show_default=True,
    help="The digest's format; auto looks at the text.",
)
@click.option("--dry-run", is_flag=True, help="Print what would change and write nothing.")
def ingest(
    files: tuple[Path, ...], content_dir: Path, date_text: str | None, fmt: str, dry_run: bool
) -> None:
    """Add the papers of digest FILES to the content folder (hand edits are kept)."""
    from generator.ingest.merge import ACTIONS
    from generator.ingest.pipeline import ingest_files

    started = time.perf_counter()
    override = _parse_date(date_text)
    progress = ProgressPrinter()
    try:
        plans = ingest_files(
            list(files), content_dir, date_override=override, fmt=fmt, dry_run=dry_run, progress=progress
        )
    except DigestError as exc:
        progress.close()
        report(exc, " (nothing was written)")
    progress.close()
    for plan in plans:
        _print_plan(plan, dry_run)
    totals = ", ".join(f"{sum(p.count(a) for p in plans)} {a}" for a in ACTIONS)
    seconds = time.perf_counter() - started
    suffix = " (dry run: nothing was written)" if dry_run else f" in {content_dir}/"
    click.echo(f"{len(plans)} digest(s): {totals} in {seconds:.2f}s{suffix}")


CONTENT_OPTION = click.option(
    "--content",
    "content_dir",
    default="content",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The content folder to read.",
)

OUT_OPTION = click.option(
    "--out",
    "out_dir",
    default="_site",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the site.",
)


@main.command()
@CONTENT_OPTION
@OUT_OPTION
@click.option(
    "--base-url", help="The URL the site is served from (canonical links, feeds); default: site.yml's."
)
def build(content_dir: Path, out_dir: Path, base_url: str | None) -> None:
    """Build the static site from the content folder (atomically: a failed build changes nothing)."""
    from generator.build import build_site

    try:
        result = build_site(content_dir, out_dir, base_url)
    except DigestError as exc:
        report(exc, " (nothing was written)")
    click.echo(f"Built {result.pages} pages ({result.files} files) in {result.seconds:.2f}s into {out_dir}/")
    if result.search is not None:
        stats = result.search
        kb_total, kb_first = stats.gzip_bytes / 1024, stats.first_shard_gzip_bytes / 1024
        click.echo(
            f"Search index: {stats.papers} papers in {stats.shards} shard(s), {kb_total:.0f} KB gzipped, "
            f"first shard {kb_first:.0f} KB ({stats.cached_shards} shard(s) reused from the cache)"
        )
    click.echo(f"View it: make serve (http://127.0.0.1:8000/), or open {out_dir}/index.html")


@main.command()
@CONTENT_OPTION
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="A built site whose internal links and anchors to check too.",
)
def check(content_dir: Path, site_dir: Path | None) -> None:
    """Validate the content files and, given --site, every internal link of the built site."""
    from generator.linkcheck import check_links
    from generator.site import load_site

    try:
        site = load_site(content_dir)
    except DigestError as exc:
        report(exc)
    click.echo(
        f"{content_dir}/: {len(site.papers)} papers, {len(site.topics)} topics, "
        f"{len(site.digests)} digest{'s' if len(site.digests) != 1 else ''}: no problems"
    )
    if site_dir is None:
        return
    if not (site_dir / "index.html").exists():
        report(f"{site_dir}: no built site here (run digest build first)")
    checked, broken = check_links(site_dir)
    for link in broken:
        click.echo(f"{site_dir}/{link.page}: broken link {link.target!r}: {link.reason}", err=True)
    click.echo(f"{site_dir}/: {checked} internal links checked, {len(broken)} broken")
    if broken:
        sys.exit(1)


@main.command()
@CONTENT_OPTION
@OUT_OPTION
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
def serve(content_dir: Path, out_dir: Path, port: int) -> None:
    """Build, serve on 127.0.0.1, rebuild on changes and reload the open browser tab."""
    from generator.serve import serve as run_server

    run_server(content_dir, out_dir, port=port)


@main.command()
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--title", help="The site's title (content/site.yml, README); default: Research Digest.")
def init(folder: Path, title: str | None) -> None:
    """Create a new site folder DIR (settings, taxonomy, digests folder, README, Pages workflow)."""
    import shlex

    from generator.init import init_site

    try:
        created = init_site(folder, title=title)
    except DigestError as exc:
        report(exc)
    for path in created:
        click.echo(f"  created {path}")
    click.echo(
        f"New site in {folder}/. Next:\n"
        f"  cd {shlex.quote(str(folder))}\n"
        "  python -m venv .venv && .venv/bin/pip install -r requirements.txt\n"
        "  . .venv/bin/activate\n"
        "  cp ~/Downloads/today.txt content/digests/   # drop in a digest\n"
        "  digest ingest content/digests/today.txt\n"
        "  digest build\n"
        "  digest serve                                # http://127.0.0.1:8000/"
    )


if __name__ == "__main__":
    main()

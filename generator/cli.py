"""The `digest` command: parse options, call the library, print what happened, set the exit status.

Errors the user can fix (bad input, broken content files) print one line, `digest: error: ...`, and
exit with status 2; nothing here shows a traceback for them.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator import __version__
from generator import fetch as fetching
from generator.errors import DigestError, report
from generator.ingest.detect import format_names

if TYPE_CHECKING:
    from generator.build import BuildResult
    from generator.fetch.hf import DayResult
    from generator.fetch.save import Saved
    from generator.ingest.merge import DigestPlan


class DigestGroup(click.Group):
    """The `digest` group: an operating-system failure no stage turned into its own message (a full disk,
    a permission denied, a file that vanished) still ends as one `digest: error:` line, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            report(f"{where}{exc.strerror or exc}")


@click.group(cls=DigestGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    papers = sum(plan.count(a) for a in ACTIONS if a != "skipped")
    click.echo(f"  {plan.records} entries read, {papers} papers: {counts}")


WRITE_CONTENT_OPTION = click.option(
    "--content",
    "content_dir",
    default="content",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The content folder to write into.",
)


def digest_files(paths: tuple[Path, ...]) -> list[Path]:
    """The digests named on the command line: a folder stands for the files in it, by name, without
    hidden and editor files (so `make ingest` passes content/digests/ and no name is split on spaces)."""
    from generator.names import content_files

    found: list[Path] = []
    for path in paths:
        found.extend(content_files(path) if path.is_dir() else [path])
    return found


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@WRITE_CONTENT_OPTION
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
    """Add the papers of digest FILES to the content folder (hand edits are kept). A folder stands for
    the digests in it (hidden and editor files skipped)."""
    from generator.ingest.merge import ACTIONS
    from generator.ingest.pipeline import ingest_files

    started = time.perf_counter()
    override = _parse_date(date_text)
    paths = digest_files(files)
    if not paths:
        click.echo(f"No digests in {', '.join(map(str, files))}: drop one there, or name a file.")
        return
    progress = ProgressPrinter()
    try:
        plans = ingest_files(
            paths, content_dir, date_override=override, fmt=fmt, dry_run=dry_run, progress=progress
        )
    except DigestError as exc:
        progress.close()
        report(exc, _written_suffix(exc))
    progress.close()
    for plan in plans:
        _print_plan(plan, dry_run)
    totals = ", ".join(f"{sum(p.count(a) for p in plans)} {a}" for a in ACTIONS)
    seconds = time.perf_counter() - started
    suffix = " (dry run: nothing was written)" if dry_run else f" in {content_dir}/"
    click.echo(f"{len(plans)} digest(s): {totals} in {seconds:.2f}s{suffix}")


def _written_suffix(exc: DigestError) -> str:
    """What the error line adds about content/: nothing was written, unless the failure came after an
    ingest's commit (its message then says how the next run finishes it)."""
    from generator.ingest.transaction import UnfinishedCommit

    return "" if isinstance(exc, UnfinishedCommit) else " (nothing was written)"


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


def _timeout_option(default: float) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--timeout",
        default=default,
        show_default=True,
        type=click.FloatRange(min=0.1),
        help="Seconds to wait for an answer before trying again.",
    )


def _delay_option(default: float, why: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--delay", default=default, show_default=True, type=click.FloatRange(min=0.0), help=why
    )


def _endpoint_option(default: str, server: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--endpoint", default=default, show_default=True, help=f"The {server} server to ask.")


def _utc_today() -> date:
    """The day a scheduled job runs on, the same wherever the machine is: the date in UTC."""
    return datetime.now(UTC).date()


def _print_saved(saved: Saved) -> None:
    """Where a fetched digest went, then its ingest like `digest ingest` prints it."""
    verb = "saved" if saved.written else "unchanged since the last fetch:"
    click.echo(f"  {verb} {saved.path}")
    _print_plan(saved.plan, dry_run=False)


def _retried(retried: list[str]) -> str:
    return f" (retried after {', '.join(retried)})" if retried else ""


@main.group()
def fetch() -> None:
    """Download a day's papers (Hugging Face, arXiv), save the answer as a digest and ingest it."""


@fetch.command("hf")
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="The day to fetch; default: today (UTC).")
@click.option("--since", "since_text", metavar="YYYY-MM-DD", help="Fetch every day from this one to today.")
@WRITE_CONTENT_OPTION
@_endpoint_option(fetching.HF_ENDPOINT, "Hugging Face")
@_delay_option(1.0, "Seconds between the days of a --since walk.")
@_timeout_option(30.0)
def fetch_hf(
    date_text: str | None,
    since_text: str | None,
    content_dir: Path,
    endpoint: str,
    delay: float,
    timeout: float,
) -> None:
    """The Hugging Face daily papers of a day, saved as content/digests/<date>-hf-daily.json."""
    from generator.fetch import hf
    from generator.fetch.http import HttpClient

    if date_text and since_text:
        report("--date and --since cannot be used together: --date fetches one day, --since a range")
    today = _utc_today()
    if since_text:
        since = _parse_date(since_text)
        assert since is not None
        if since > today:
            report(f"--since {since_text} is after today ({today.isoformat()}, UTC)")
        days = list(hf.days_from(since, today))
    else:
        days = [_parse_date(date_text) or today]
    started = time.perf_counter()
    client = HttpClient(timeout=timeout, interval=delay)
    done: list[DayResult] = []

    def show(result: DayResult) -> None:
        done.append(result)
        what = f"{result.papers} papers, {result.size / 1024:.0f} KB" if result.papers else "no papers"
        click.echo(f"GET {result.url}: {what}{_retried(result.retried)}")
        if result.saved is None:
            click.echo(f"  no papers on {result.day.isoformat()}: nothing saved")
            return
        _print_saved(result.saved)

    progress = ProgressPrinter()
    try:
        hf.fetch_days(client, endpoint, days, content_dir, show, progress)
    except DigestError as exc:
        progress.close()
        earlier = f"; the {len(done)} day(s) before it were saved" if done else ""
        report(exc, f" (nothing was written for that day{earlier})" if done else " (nothing was written)")
    progress.close()
    papers = sum(result.papers for result in done)
    click.echo(
        f"fetch hf: {len(done)} day(s), {client.sent} request(s), {papers} papers "
        f"in {time.perf_counter() - started:.1f}s"
    )


@fetch.command("arxiv")
@click.option("--query", required=True, help="An arXiv API search_query, e.g. cat:cs.LG or 'all:diffusion'.")
@click.option(
    "--date", "date_text", metavar="YYYY-MM-DD", help="Only papers submitted that day (the digest's date)."
)
@click.option(
    "--max",
    "most",
    default=100,
    show_default=True,
    type=click.IntRange(1, 30000),
    help="At most this many papers.",
)
@click.option(
    "--page-size",
    default=fetching.ARXIV_PAGE_SIZE,
    show_default=True,
    type=click.IntRange(1, 2000),
    help="Entries per request; more than this are fetched in pages.",
)
@WRITE_CONTENT_OPTION
@_endpoint_option(fetching.ARXIV_ENDPOINT, "arXiv API")
@_delay_option(fetching.ARXIV_DELAY, "Seconds between requests (arXiv asks for 3).")
@_timeout_option(60.0)
def fetch_arxiv(
    query: str,
    date_text: str | None,
    most: int,
    page_size: int,
    content_dir: Path,
    endpoint: str,
    delay: float,
    timeout: float,
) -> None:
    """The newest papers of an arXiv API query (or one day's), saved as an arxiv-atom digest."""
    from generator.fetch import arxiv
    from generator.fetch.http import HttpClient

    if not query.strip():
        report("--query is empty: give an arXiv search_query such as cat:cs.LG")
    day = _parse_date(date_text)
    started = time.perf_counter()
    client = HttpClient(timeout=timeout, interval=delay)
    progress = ProgressPrinter()
    try:
        result = arxiv.fetch_query(
            client,
            endpoint,
            query,
            day or _utc_today(),
            content_dir,
            limited_to_day=day is not None,
            most=most,
            page_size=page_size,
            progress=progress,
        )
    except DigestError as exc:
        progress.close()
        report(exc, _written_suffix(exc))
    progress.close()
    for url in result.urls:
        click.echo(f"GET {url}")
    total = f" of {result.total}" if result.total is not None else ""
    click.echo(f"  {result.papers} papers{total}, {result.size / 1024:.0f} KB{_retried(result.retried)}")
    if result.saved is None:
        click.echo("  the query matched no papers: nothing saved")
    else:
        _print_saved(result.saved)
    click.echo(
        f"fetch arxiv: {client.sent} request(s), {result.papers} papers "
        f"in {time.perf_counter() - started:.1f}s"
    )


@main.command()
@WRITE_CONTENT_OPTION
@_endpoint_option(fetching.ARXIV_ENDPOINT, "arXiv API")
@_delay_option(fetching.ARXIV_DELAY, "Seconds between requests (arXiv asks for 3).")
@_timeout_option(60.0)
@click.option("--dry-run", is_flag=True, help="Print what would change and write nothing.")
def enrich(content_dir: Path, endpoint: str, delay: float, timeout: float, dry_run: bool) -> None:
    """Fill arXiv id, authors, categories, published date and links of papers that have only a title."""
    from generator.fetch.enrich import OUTCOMES, Lookup
    from generator.fetch.enrich import enrich as enrich_papers
    from generator.fetch.http import HttpClient

    def show(lookup: Lookup) -> None:
        name = lookup.path.name
        if lookup.outcome == "matched":
            verb = "would fill" if dry_run else "fills"
            filled = f"{verb} {lookup.reason}" if lookup.change else lookup.reason
            click.echo(f"  matched: {name}: arXiv {lookup.arxiv}: {filled}")
        elif lookup.outcome == "ambiguous":
            click.echo(
                f"  ambiguous: {name}: {len(lookup.candidates)} arXiv papers have this exact title "
                f"({', '.join(lookup.candidates)}); set arxiv: by hand"
            )
        elif lookup.outcome == "skipped":
            click.echo(f"  skipped: {name}: {lookup.reason}")
        else:
            click.echo(f"  not found: {name}: no arXiv paper has the exact title {lookup.title!r}")

    started = time.perf_counter()
    client = HttpClient(timeout=timeout, interval=delay)
    try:
        result = enrich_papers(content_dir, client, endpoint, dry_run=dry_run, report=show)
    except DigestError as exc:
        report(exc, _written_suffix(exc))
    counts = ", ".join(f"{result.count(outcome)} {outcome}" for outcome in OUTCOMES)
    written = "would write" if dry_run else "wrote"
    click.echo(
        f"enrich: {len(result.lookups)} papers without an arXiv id: {counts}; {written} "
        f"{len(result.changes)} file(s); {client.sent} request(s), {result.cached} answer(s) from the "
        f"cache, in {time.perf_counter() - started:.1f}s"
    )


@main.command()
@CONTENT_OPTION
@OUT_OPTION
@click.option(
    "--base-url", help="The URL the site is served from (canonical links, feeds); default: site.yml's."
)
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings and errors (no progress, no summary).")
@click.option(
    "--stats",
    "stats_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the build's figures (stage times, pages reused, cache hits) to this JSON file.",
)
@click.option("--no-cache", is_flag=True, help="Build everything anew, without reading or writing .cache/.")
def build(
    content_dir: Path,
    out_dir: Path,
    base_url: str | None,
    quiet: bool,
    stats_path: Path | None,
    no_cache: bool,
) -> None:
    """Build the static site from the content folder (atomically: a failed build changes nothing)."""
    from generator.build import SiteWriteError, build_site

    # Bars on a terminal only: a log (CI, make site > file) gets the summary lines and nothing else.
    progress = ProgressPrinter() if not quiet and sys.stderr.isatty() else None
    try:
        result = build_site(content_dir, out_dir, base_url, progress=progress, use_cache=not no_cache)
    except SiteWriteError as exc:
        report(exc)  # its message says what became of the old site
    except DigestError as exc:
        report(exc, " (nothing was written)")
    finally:
        if progress is not None:
            progress.close()
    if stats_path is not None:
        _write_stats(stats_path, result)
    for warning in result.warnings:
        click.echo(f"  warning: {warning}", err=True)
    if quiet:
        return
    stages = ", ".join(f"{name} {seconds:.2f}" for name, seconds in result.stages.items())
    click.echo(
        f"Built {result.pages} pages ({result.files} files) in {result.seconds:.2f}s into {out_dir}/: "
        f"{result.rendered} rendered, {result.reused} reused from the cache"
    )
    click.echo(f"  seconds per stage: {stages}")
    if result.search is not None:
        stats = result.search
        mb_total, kb_entry = stats.bytes / 1e6, stats.entry_gzip_bytes / 1024
        how = "reused from the cache" if stats.reused else "built"
        click.echo(
            f"Search index: {stats.papers} papers, {stats.terms} terms in {stats.files} files of "
            f"{mb_total:.1f} MB (index.json {kb_entry:.0f} KB gzipped), {how}"
        )
    click.echo(f"View it: make serve (http://127.0.0.1:8000/), or any web server on {out_dir}/")


def _write_stats(path: Path, result: BuildResult) -> None:
    """`--stats`: the build's figures as JSON, for `make bench` and for tracking."""
    search = result.search
    data = {
        "pages": result.pages,
        "files": result.files,
        "reused": result.reused,
        "rendered": result.rendered,
        "seconds": round(result.seconds, 4),
        "stages": {name: round(seconds, 4) for name, seconds in result.stages.items()},
        "cache": dict(result.cache),
        "search": None
        if search is None
        else {"files": search.files, "terms": search.terms, "bytes": search.bytes, "reused": search.reused},
    }
    try:
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        report(f"cannot write --stats {path}: {exc.strerror or exc}")


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
@click.argument("day", metavar="DATE")
@CONTENT_OPTION
@click.option(
    "--to",
    multiple=True,
    metavar="ADDRESS",
    help="A recipient (repeat for more); default: site.yml's mail: to.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the message to this .eml file instead of sending it.",
)
@click.option(
    "--dry-run", is_flag=True, help="Print sender, recipients, subject and size; send and write nothing."
)
@click.option("--base-url", help="The site's public URL, for the mail's absolute links; default: site.yml's.")
def mail(
    day: str,
    content_dir: Path,
    to: tuple[str, ...],
    out_file: Path | None,
    dry_run: bool,
    base_url: str | None,
) -> None:
    """E-mail the digest of DATE (YYYY-MM-DD, or latest), or write it to a file (--out)."""
    import os
    from email.utils import parseaddr

    from generator.atomic import atomic_write
    from generator.mail import load_edition, send

    try:
        edition = load_edition(content_dir, day, base_url, to)
    except DigestError as exc:
        report(exc)
    data = edition.as_bytes()
    size = f"{edition.papers} paper{'s' if edition.papers != 1 else ''}, {len(data)} bytes"
    if dry_run:
        message = edition.message
        click.echo(f"From: {message['From']}")
        click.echo(f"To: {message['To'] or '(nobody: pass --to or set mail: to: in site.yml)'}")
        click.echo(f"Subject: {message['Subject']}")
        click.echo(f"{size} (dry run: nothing was sent or written)")
        return
    if out_file is not None:
        try:
            atomic_write(out_file, data)
        except OSError as exc:
            report(f"{out_file}: cannot write: {exc.strerror or exc}")
        click.echo(f"Wrote the e-mail edition of {edition.day} ({size}) to {out_file}; nothing was sent")
        return
    try:
        refused = send(edition, os.environ)
    except DigestError as exc:
        report(exc)
    for address in refused:
        click.echo(f"  warning: the server refused {address}", err=True)
    accepted = [a for a in edition.recipients if parseaddr(a)[1] not in refused]
    where = f"{edition.mail.smtp_host}:{edition.mail.port}"
    click.echo(f"Sent the e-mail edition of {edition.day} ({size}) to {', '.join(accepted)} via {where}")


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
    """Create a new site folder DIR (settings, taxonomy, digests folder, README, Pages + daily workflows)."""
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


@main.group("topics")
def topics_group() -> None:
    """Work on the taxonomy (content/topics.yml)."""


@topics_group.command("suggest")
@CONTENT_OPTION
@click.option(
    "--count", default=8, show_default=True, type=click.IntRange(min=1), help="The most topics to propose."
)
@click.option(
    "--min-papers",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="The fewest papers a proposed topic must take.",
)
def topics_suggest(content_dir: Path, count: int, min_papers: int) -> None:
    """Propose topics for the papers that fit none, as YAML to paste under `topics:` in topics.yml.

    Each proposal says how many of those papers the classifier would give it, with example titles."""
    from generator.content import read_text
    from generator.suggest import item_indent, load_papers, suggest, to_yaml

    # A bar on a terminal only: stdout is YAML, often redirected to a file, and a log needs no bar.
    progress = ProgressPrinter() if sys.stderr.isatty() else None
    try:
        topics, papers = load_papers(content_dir, progress)
        suggestions = suggest(papers, topics, count=count, min_papers=min_papers, progress=progress)
        indent = item_indent(read_text(content_dir / "topics.yml"))
    except DigestError as exc:
        report(exc)
    finally:
        if progress is not None:
            progress.close()
    click.echo(to_yaml(suggestions, indent), nl=False)


if __name__ == "__main__":
    main()

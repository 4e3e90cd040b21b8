"""`digest fetch hf`: the Hugging Face daily papers of a day, saved and ingested as an hf-json digest.

One request per day (`<endpoint>/api/daily_papers?date=YYYY-MM-DD`). A day with no papers (a weekend,
or today before anyone submitted) is reported and writes nothing; it is not an error, because a
scheduled job walking `--since` meets such days all the time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from generator.fetch.http import HttpClient, with_query
from generator.fetch.save import Saved, parse_response, save_digest
from generator.ingest import hf_json
from generator.ingest.pipeline import Progress


@dataclass
class DayResult:
    """One day's fetch: the URL asked, the papers it listed, the response size and what saving did."""

    day: date
    url: str
    papers: int
    size: int
    retried: list[str]
    saved: Saved | None


def digest_name(day: date) -> str:
    """The file a day's response is kept as in content/digests/."""
    return f"{day.isoformat()}-hf-daily.json"


def days_from(since: date, until: date) -> Iterator[date]:
    """Every day from `since` to `until`, both included."""
    day = since
    while day <= until:
        yield day
        day += timedelta(days=1)


def fetch_day(
    client: HttpClient,
    endpoint: str,
    day: date,
    content_dir: Path,
    progress: Progress | None = None,
) -> DayResult:
    """Fetch, validate, save and ingest the daily papers of `day`; an empty day saves nothing."""
    url = with_query(f"{endpoint.rstrip('/')}/api/daily_papers", {"date": day.isoformat()})
    fetched = client.get(url)
    parsed = parse_response(hf_json, fetched.text, url)
    result = DayResult(day, url, len(parsed.papers), fetched.size, fetched.retried, None)
    if parsed.papers:
        name = digest_name(day)
        result.saved = save_digest(content_dir, name, fetched.text, parsed, hf_json, day, progress)
    return result


def fetch_days(
    client: HttpClient,
    endpoint: str,
    days: list[date],
    content_dir: Path,
    report: Callable[[DayResult], None],
    progress: Progress | None = None,
) -> list[DayResult]:
    """Fetch each day in turn, reporting each as it is done (a long `--since` walk shows its progress).
    A failure stops the walk; the days before it stay saved and ingested, each complete."""
    results = []
    for day in days:
        result = fetch_day(client, endpoint, day, content_dir, progress)
        report(result)
        results.append(result)
    return results

"""The Hugging Face daily papers API response (`/api/daily_papers`): a JSON list of submissions.

Each item holds a `paper` with the arXiv id, title, summary, authors, upvotes, `githubRepo`,
`projectPage` and `ai_keywords` (kept as `keywords`: they are Hugging Face's, not our topics). The page
people see ranks the day by upvotes, most first, so that is the digest's order (ties keep the response's
order); the digest's date is the day the papers were submitted to the daily page.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

from generator.errors import InputError
from generator.ingest.normalize import iso_day
from generator.ingest.source import DigestSource
from generator.model import Link, Paper, ParsedDigest

FORMAT = "hf-json"


def sniff(head: str) -> bool:
    """A JSON array whose first item looks like a daily-papers submission."""
    start = head.lstrip()
    return start.startswith("[") and '"paper"' in start[:20000] and '"upvotes"' in start


def _json(text: str, source: DigestSource) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        why = f"is not valid JSON: {exc.msg} (column {exc.colno})"
        raise InputError(why, source.path, exc.lineno) from exc
    except RecursionError as exc:
        raise InputError("is not usable JSON: nested too deeply", source.path) from exc


def _names(authors: object) -> list[str]:
    """Author names; entries without a name (Hugging Face sometimes sends `{"_id": ...}` only) dropped."""
    if not isinstance(authors, list):
        return []
    names = [a.get("name") for a in authors if isinstance(a, dict)]
    return [n for n in names if isinstance(n, str) and n.strip()]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _paper_data(item: dict[str, Any]) -> dict[str, Any]:
    """A submission's `paper` object (the item itself in flatter exports)."""
    return item["paper"] if isinstance(item.get("paper"), dict) else item


def _paper(item: dict[str, Any], number: int) -> Paper | str:
    """One submission as a Paper, or the reason it cannot be one."""
    data = _paper_data(item)
    title = _text(data.get("title")) or _text(item.get("title"))
    if not title.strip():
        return f"item {number}: no title; skipped"
    links = []
    for label, key in (("Code", "githubRepo"), ("Project page", "projectPage")):
        url = data.get(key)
        if isinstance(url, str) and url.strip():
            links.append(Link(label, url.strip()))
    upvotes = data.get("upvotes")
    keywords = data.get("ai_keywords")
    return Paper(
        title=title,
        abstract=_text(data.get("summary")) or _text(item.get("summary")),
        line=number,
        authors=_names(data.get("authors")),
        arxiv=_text(data.get("id")) or None,
        upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) else None,
        published=_text(data.get("publishedAt")) or None,
        keywords=[k for k in keywords if isinstance(k, str)] if isinstance(keywords, list) else [],
        links=links,
    )


def parse(source: DigestSource) -> ParsedDigest:
    """The day's papers by upvotes, most first; items that are not papers are reported, not dropped."""
    data = _json(source.text, source)
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        raise InputError(f"is an error response from Hugging Face: {data['error']}", source.path)
    if not isinstance(data, list):
        why = 'is JSON but not a list of daily papers (expected [{"paper": ...}, ...])'
        raise InputError(why, source.path)
    parsed = ParsedDigest(format=FORMAT, papers=[])
    days: Counter[str] = Counter()
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            parsed.skipped.append(f"item {number}: not an object; skipped")
            continue
        paper = _paper(item, number)
        if isinstance(paper, str):
            parsed.skipped.append(paper)
            continue
        parsed.papers.append(paper)
        day = iso_day(_paper_data(item).get("submittedOnDailyAt") or item.get("submittedOnDailyAt"))
        if day:
            days[day] += 1
    # sorted() is stable: equal upvotes keep the response's order.
    parsed.papers.sort(key=lambda p: -(p.upvotes or 0))
    if days:
        day, _ = max(days.items(), key=lambda kv: (kv[1], kv[0]))
        parsed.date_in_text = date.fromisoformat(day)
        parsed.date_line = f"the papers' submittedOnDailyAt, {day}"
    return parsed

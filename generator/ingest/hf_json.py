"""The Hugging Face daily papers API response (`/api/daily_papers`): a JSON list of submissions.

Each item holds a `paper` with the arXiv id, title, summary, authors, upvotes, `githubRepo`,
`projectPage` and `ai_keywords` (kept as `keywords`: they are Hugging Face's, not our topics). The page
people see ranks the day by upvotes, most first, so that is the digest's order (ties keep the response's
order); the digest's date is the day the papers were submitted to the daily page.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

from generator.errors import InputError
from generator.ingest.jsonl import bounded_int, load_json
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
        return load_json(text)
    except json.JSONDecodeError as exc:
        raise _invalid(exc, source) from exc
    except RecursionError as exc:
        raise InputError("is not usable JSON: nested too deeply", source.path) from exc


def _invalid(exc: json.JSONDecodeError, source: DigestSource) -> InputError:
    return InputError(f"is not valid JSON: {exc.msg} (column {exc.colno})", source.path, exc.lineno)


_WHITESPACE = " \t\n\r"


def _items(text: str, source: DigestSource) -> Iterator[tuple[int, Any]]:
    """The items of a JSON list with the line each starts on, so messages can name it.

    Each item is decoded on its own (`raw_decode`) where it starts; the result is what `json.loads`
    gives for the whole list, and the same errors.
    """
    decoder = json.JSONDecoder(parse_int=bounded_int)
    index = _skip(text, text.index("[") + 1)
    line = 1 + text.count("\n", 0, index)
    if text.startswith("]", index):
        index = _skip(text, index + 1)
    else:
        while True:
            try:
                item, end = decoder.raw_decode(text, index)
            except json.JSONDecodeError as exc:
                raise _invalid(exc, source) from exc
            except RecursionError as exc:
                raise InputError("is not usable JSON: nested too deeply", source.path, line) from exc
            yield line, item
            after = _skip(text, end)
            if not text.startswith((",", "]"), after):
                raise _invalid(json.JSONDecodeError("Expecting ',' delimiter", text, after), source)
            next_index = _skip(text, after + 1)
            line += text.count("\n", index, next_index)
            index = next_index
            if text[after] == "]":
                break
    if index < len(text):
        raise _invalid(json.JSONDecodeError("Extra data", text, index), source)


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


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


def _paper(item: dict[str, Any], line: int) -> Paper | None:
    """One submission as a Paper, or None when it has no title."""
    data = _paper_data(item)
    title = _text(data.get("title")) or _text(item.get("title"))
    if not title.strip():
        return None
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
        line=line,
        authors=_names(data.get("authors")),
        arxiv=_text(data.get("id")) or None,
        upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) else None,
        published=_text(data.get("publishedAt")) or None,
        keywords=[k for k in keywords if isinstance(k, str)] if isinstance(keywords, list) else [],
        links=links,
    )


def parse(source: DigestSource) -> ParsedDigest:
    """The day's papers by upvotes, most first; items that are not papers are reported, not dropped."""
    text = source.text
    if not text.lstrip(_WHITESPACE).startswith("["):
        data = _json(text, source)
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            raise InputError(f"is an error response from Hugging Face: {data['error']}", source.path)
        why = 'is JSON but not a list of daily papers (expected [{"paper": ...}, ...])'
        raise InputError(why, source.path)
    parsed = ParsedDigest(format=FORMAT, papers=[], path=source.path)
    days: Counter[str] = Counter()
    for number, (line, item) in enumerate(_items(text, source), start=1):
        where = f"line {line}, item {number}"
        if not isinstance(item, dict):
            parsed.skip(f"{where}: not an object; skipped")
            continue
        paper = _paper(item, line)
        if paper is None:
            parsed.skip(f"{where}: no title; skipped")
            continue
        parsed.keep(paper)
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

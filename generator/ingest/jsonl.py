"""JSON lines (`.jsonl`, or `.jsonl.gz`): one paper per line, the form of corpora and scraper exports.

Field names vary between exporters, so a few aliases are accepted: `title`; `abstract`, `summary` or
`content_text`; `id` or `arxiv` (an arXiv id or a URL ending in one, such as a Hugging Face paper URL);
`authors` (a list or a comma-separated string); `url`; `date` or `date_published`; `categories` (a list
or a space-separated string); `comment`. The file is read line by line, so a 50k-record corpus streams
in bounded memory, whether compressed or not. A line that is not JSON stops the ingest at that line (the
file is damaged); a record without a title is skipped and one without an abstract is kept, both reported
with their lines.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from generator.errors import InputError
from generator.ingest.links import label_for
from generator.ingest.normalize import iso_day
from generator.ingest.source import HEAD_CHARS, DigestSource
from generator.model import Link, Paper, ParsedDigest

FORMAT = "jsonl"
# Hugging Face's feed puts its AI summary before the abstract, separated by this label.
_AI_SUMMARY_RE = re.compile(r"^.*?\s*AI-generated summary\s+", re.DOTALL)
_SHOWN = 5


def sniff(head: str) -> bool:
    """The first non-blank line is a JSON object with a title (or, when that line runs past the sample
    detection sees, starts like one and has a `"title"` key)."""
    lines = head.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if index == len(lines) - 1 and len(head) >= HEAD_CHARS:  # cut off by the sample's end
            return line.lstrip().startswith("{") and '"title"' in line
        try:
            record = load_json(line)
        except (ValueError, RecursionError):
            return False
        return isinstance(record, dict) and "title" in record
    return False


def _first(record: dict[str, Any], *keys: str) -> Any:
    return next((record[k] for k in keys if record.get(k) not in (None, "", [])), None)


def _strings(value: Any, separator: str | None) -> list[str]:
    if isinstance(value, str):
        return [part for part in value.split(separator)]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _abstract(value: Any) -> str:
    text = value if isinstance(value, str) else ""
    return _AI_SUMMARY_RE.sub("", text, count=1) if "AI-generated summary" in text else text


def record_paper(record: dict[str, Any], line: int) -> Paper:
    """One record as a Paper (fields still raw: normalisation cleans them)."""
    url = _first(record, "url")
    is_url = isinstance(url, str) and url.startswith(("http://", "https://"))
    links = [Link(label_for(url), url)] if is_url else []
    comment = record.get("comment")
    return Paper(
        title=record.get("title") if isinstance(record.get("title"), str) else "",
        abstract=_abstract(_first(record, "abstract", "summary", "content_text")),
        line=line,
        arxiv=arxiv if isinstance(arxiv := _first(record, "arxiv", "id"), str) else None,
        authors=_strings(record.get("authors"), ","),
        categories=_strings(record.get("categories"), None),
        published=_first(record, "date", "date_published"),
        comment=comment if isinstance(comment, str) else None,
        links=links,
    )


def _lines_list(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:_SHOWN])
    return shown + (f" and {len(lines) - _SHOWN} more" if len(lines) > _SHOWN else "")


def load_json(text: str) -> Any:
    """`json.loads`, but an integer too long to convert (`1` followed by 5,000 digits) reads as a float
    (infinity) instead of raising: no field we use is such a number, and the record should not be lost."""
    return json.loads(text, parse_int=bounded_int)


def bounded_int(digits: str) -> int | float:
    """An integer as json reads it, or a float (infinity) past 64 digits: never the ValueError of int()."""
    return int(digits) if len(digits) <= 64 else float(digits)


def _record(line: str, number: int, source: DigestSource) -> dict[str, Any]:
    """One line's JSON object; a damaged line stops the ingest there (the file is damaged)."""
    try:
        record = load_json(line)
    except ValueError as exc:
        why = f"is not valid JSON on this line ({exc}); fix or remove it"
        raise InputError(why, source.path, number) from exc
    except RecursionError as exc:
        raise InputError("is not usable JSON on this line: nested too deeply", source.path, number) from exc
    if not isinstance(record, dict):
        raise InputError("is a JSON value but not an object ({...}) on this line", source.path, number)
    return record


def parse(source: DigestSource) -> ParsedDigest:
    """Every record in file order; the digest's date is the newest record date, when records have one.

    A record without a title is skipped with a message naming its line (one per record, so `records`
    adds up), and a summary of those lines is a warning, for the terminal.
    """
    parsed = ParsedDigest(format=FORMAT, papers=[], path=source.path)
    no_title: list[int] = []
    no_abstract: list[int] = []
    newest: str | None = None
    for number, line in enumerate(source.lines(), start=1):
        if not line.strip():
            continue
        paper = record_paper(_record(line, number, source), number)
        if not paper.title.strip():
            no_title.append(number)
            parsed.skip(f"line {number}: a record without a title; skipped")
            continue
        if not paper.abstract.strip():
            no_abstract.append(number)
        parsed.keep(paper)
        day = iso_day(paper.published)
        if day and (newest is None or day > newest):
            newest = day
    if no_title:
        lines = _lines_list(no_title)
        parsed.warnings.append(f"{len(no_title)} record(s) without a title skipped (lines {lines})")
    if no_abstract:
        parsed.warnings.append(
            f"{len(no_abstract)} record(s) without an abstract, kept with an empty one "
            f"(lines {_lines_list(no_abstract)})"
        )
    if newest is not None:
        parsed.date_in_text = date.fromisoformat(newest)
        parsed.date_line = f"the newest record date, {newest}"
    return parsed

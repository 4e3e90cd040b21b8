"""Deciding a digest's date, and saying which rule decided."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from generator.ingest.dates import most_recent, parse_date_line, resolve_date


def test_parse_date_line_forms() -> None:
    assert parse_date_line("May 9") == (None, (5, 9))
    assert parse_date_line("Sept 3") == (None, (9, 3))
    assert parse_date_line("May 9, 2025") == (date(2025, 5, 9), (5, 9))
    assert parse_date_line("2025-05-09") == (date(2025, 5, 9), (5, 9))
    assert parse_date_line("Maybe 9") is None
    assert parse_date_line("May 32") is None
    assert parse_date_line("Subscribe") is None


def test_most_recent_day_not_in_the_future() -> None:
    assert most_recent(5, 9, date(2026, 11, 28)) == date(2026, 5, 9)
    assert most_recent(12, 1, date(2026, 11, 28)) == date(2025, 12, 1)
    assert most_recent(11, 28, date(2026, 11, 28)) == date(2026, 11, 28)
    assert most_recent(2, 29, date(2026, 11, 28)) == date(2024, 2, 29)


def test_rule_order() -> None:
    today = date(2026, 11, 28)
    named = Path("2024-05-09-digest.txt")
    plain = Path("digest.txt")
    assert resolve_date(date(2020, 1, 1), "May 9", None, (5, 9), named, today)[0] == date(2020, 1, 1)
    assert resolve_date(None, "May 9, 2023", date(2023, 5, 9), (5, 9), named, today)[0] == date(2023, 5, 9)
    found, rule = resolve_date(None, "May 9", None, (5, 9), named, today)
    assert found == date(2024, 5, 9) and "file name" in rule
    found, rule = resolve_date(None, "May 9", None, (5, 9), plain, today)
    assert found == date(2026, 5, 9) and "most recent" in rule
    assert resolve_date(None, None, None, None, plain, today)[0] is None

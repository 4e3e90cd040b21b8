"""Digest dates: reading a date line, and deciding the date when the page leaves out the year.

The seed digest says only `May 9`. The rules, in order: `--date`; a full date in the digest itself;
a `YYYY-MM-DD` in the file name; else the most recent such day that is not in the future. The rule that
decided is reported, because a wrong year silently misfiles a whole digest.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_DAY_RE = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:(?:,\s*|\s+)(\d{4}))?$")
_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_IN_NAME_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def parse_date_line(line: str) -> tuple[date | None, tuple[int, int] | None] | None:
    """Recognise `May 9`, `May 9, 2025` or `2025-05-09`: (full date or None, (month, day)), else None."""
    text = line.strip()
    iso = _ISO_RE.match(text)
    if iso:
        try:
            full = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
        return full, (full.month, full.day)
    match = _MONTH_DAY_RE.match(text)
    if not match or match.group(1).lower() not in MONTHS:
        return None
    month, day = MONTHS[match.group(1).lower()], int(match.group(2))
    try:
        date(2024, month, day)  # a leap year, so Feb 29 is accepted as a month and day
    except ValueError:
        return None
    if match.group(3):
        try:
            return date(int(match.group(3)), month, day), (month, day)
        except ValueError:
            return None
    return None, (month, day)


def date_in_filename(path: Path) -> date | None:
    """A `YYYY-MM-DD` anywhere in the file name, if it is a real date."""
    for match in _ISO_IN_NAME_RE.finditer(path.name):
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return None


def most_recent(month: int, day: int, today: date) -> date:
    """The latest `month`/`day` on or before `today` (Feb 29 goes back to the last leap year)."""
    year = today.year
    while True:
        try:
            candidate = date(year, month, day)
        except ValueError:
            year -= 1
            continue
        if candidate <= today:
            return candidate
        year -= 1


def resolve_date(
    override: date | None,
    date_line: str | None,
    full_date: date | None,
    month_day: tuple[int, int] | None,
    path: Path,
    today: date,
) -> tuple[date | None, str]:
    """Apply the date rules; returns the date (None when nothing says) and the rule that decided."""
    if override is not None:
        return override, "from --date"
    if full_date is not None:
        return full_date, f"from the digest itself: {date_line}"
    from_name = date_in_filename(path)
    if from_name is not None:
        return from_name, f"from the file name {path.name!r}"
    if month_day is not None:
        resolved = most_recent(month_day[0], month_day[1], today)
        return resolved, (
            f"from the date line {date_line!r}, which has no year: took the most recent such day not in "
            f"the future; pass --date to choose another"
        )
    return None, "no date line, no date in the file name and no --date"

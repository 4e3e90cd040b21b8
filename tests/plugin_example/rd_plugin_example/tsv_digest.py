"""A tab-separated digest: a `# research-digest tsv` first line, an optional `# date: YYYY-MM-DD` line,
then one paper a line, `title<TAB>abstract<TAB>url`."""

from __future__ import annotations

from datetime import date

from generator.errors import InputError
from generator.ingest.source import DigestSource
from generator.model import Link, Paper, ParsedDigest

FORMAT = "tsv-digest"
HEADER = "# research-digest tsv"
DATE_PREFIX = "# date:"


def sniff(head: str) -> bool:
    """The first line is exactly the header."""
    return head.split("\n", 1)[0] == HEADER


def parse(source: DigestSource) -> ParsedDigest:
    parsed = ParsedDigest(format=FORMAT, papers=[])
    for number, line in enumerate(source.lines(), start=1):
        if number == 1 or not line.strip():
            continue
        if line.startswith(DATE_PREFIX):
            text = line.removeprefix(DATE_PREFIX).strip()
            try:
                parsed.date_in_text = date.fromisoformat(text)
            except ValueError as exc:
                why = f"{text!r} is not a date of the form YYYY-MM-DD"
                raise InputError(why, source.path, number) from exc
            parsed.date_line = line
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not fields[0].strip():
            parsed.skipped.append(f"line {number}: not title<TAB>abstract<TAB>url, skipped")
            continue
        title, abstract, url = fields
        links = [Link("Paper", url.strip())] if url.strip().startswith(("http://", "https://")) else []
        parsed.papers.append(Paper(title=title, abstract=abstract, line=number, links=links))
    return parsed

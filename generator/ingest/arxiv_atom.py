"""arXiv API responses (`/api/query`): an Atom feed with one `<entry>` per paper.

Entries carry the versioned id URL, title and summary (hard-wrapped in older responses), authors, the
primary category and the others, `<published>`, an optional `<arxiv:comment>` and DOI. The feed's own
`<updated>` is when the query ran, which is the digest's day. An empty result is a clear "no papers"
error, and an API error (a feed whose single entry is an error report) says what arXiv said. The XML is
parsed with defusedxml: entity expansion and external entities are refused, so a hostile file cannot
blow up memory or read local files.
"""

from __future__ import annotations

import re
from datetime import date
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from generator.errors import InputError
from generator.ingest.normalize import iso_day
from generator.ingest.source import DigestSource
from generator.model import Link, Paper, ParsedDigest

FORMAT = "arxiv-atom"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"


def sniff(head: str) -> bool:
    """An Atom feed (arXiv's, or any whose entries could be papers)."""
    start = head.lstrip()
    return start.startswith(("<?xml", "<feed")) and "http://www.w3.org/2005/Atom" in start[:4000]


def _text(element: Element | None) -> str:
    return "".join(element.itertext()) if element is not None else ""


def _entry(entry: Element) -> Paper:
    primary = entry.find(f"{ARXIV}primary_category")
    categories = [primary.get("term", "")] if primary is not None else []
    categories += [c.get("term", "") for c in entry.findall(f"{ATOM}category")]
    links = []
    doi = _text(entry.find(f"{ARXIV}doi")).strip()
    if doi:
        links.append(Link("DOI", f"https://doi.org/{doi.split()[0]}"))
    return Paper(
        title=_text(entry.find(f"{ATOM}title")),
        abstract=_text(entry.find(f"{ATOM}summary")),
        line=0,
        authors=[_text(a.find(f"{ATOM}name")) for a in entry.findall(f"{ATOM}author")],
        arxiv=_text(entry.find(f"{ATOM}id")).strip() or None,
        categories=[c for c in categories if c],
        published=_text(entry.find(f"{ATOM}published")).strip() or None,
        comment=_text(entry.find(f"{ARXIV}comment")) or None,
        links=links,
    )


def _error_message(entries: list[Element]) -> str | None:
    """arXiv reports a bad query as a feed with one entry whose id points at /api/errors."""
    if len(entries) == 1 and "/api/errors" in _text(entries[0].find(f"{ATOM}id")):
        return " ".join(_text(entries[0].find(f"{ATOM}summary")).split()) or "unknown error"
    return None


def parse(source: DigestSource) -> ParsedDigest:
    """The feed's entries in the order the API returned them."""
    text = source.text
    try:
        root = fromstring(text.encode("utf-8"))
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise InputError(f"is not well-formed XML: {exc}".split(": line")[0], source.path, line) from exc
    except DefusedXmlException as exc:
        why = f"is refused: the XML uses {type(exc).__name__} (entities are not allowed)"
        raise InputError(why, source.path) from exc
    except (LookupError, UnicodeError) as exc:  # an XML declaration naming an encoding Python has not
        raise InputError(f"is XML in an encoding that cannot be read ({exc})", source.path, 1) from exc
    if root.tag != f"{ATOM}feed":
        raise InputError("is XML but not an Atom feed", source.path)
    entries = root.findall(f"{ATOM}entry")
    error = _error_message(entries)
    if error is not None:
        raise InputError(f"is an error response from the arXiv API: {error}", source.path)
    parsed = ParsedDigest(format=FORMAT, papers=[], path=source.path)
    lines = _entry_lines(text)
    for number, entry in enumerate(entries):
        paper = _entry(entry)
        paper.line = lines[number] if number < len(lines) else 0
        if not paper.arxiv or "arxiv.org" not in paper.arxiv:
            what = paper.arxiv or "(no id)"
            parsed.warnings.append(f"line {paper.line}: entry {what[:100]!r} is not an arXiv id")
        parsed.keep(paper)
    updated = iso_day(_text(root.find(f"{ATOM}updated")))
    if updated:
        parsed.date_in_text = date.fromisoformat(updated)
        when = _text(root.find(f"{ATOM}updated")).strip()
        parsed.date_line = f"the feed's <updated> {when}, when the query ran"
    if not entries:
        total = _text(root.find("{http://a9.com/-/spec/opensearch/1.1/}totalResults")).strip()
        parsed.skip(f"the query matched {total[:20] or 'no'} papers: the response has no entries")
    return parsed


def _entry_lines(text: str) -> list[int]:
    """The line of each `<entry>` start tag, for messages that point into the file (newlines counted
    once, from one tag to the next)."""
    lines: list[int] = []
    line, position = 1, 0
    for match in re.finditer(r"<entry[\s>]", text):
        line += text.count("\n", position, match.start())
        position = match.start()
        lines.append(line)
    return lines

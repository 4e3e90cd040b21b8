"""Reading and writing content files: YAML front matter between `---` lines, then a Markdown body.

Content files are the source of truth and are edited by hand in git, so writing is conservative: new
files are dumped in one fixed field order, and an existing file is changed only where it must be (the
`digests` list), leaving a person's formatting, comments and body byte for byte as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from generator.errors import ContentError
from generator.yamlio import dump_yaml, load_yaml

FIELD_ORDER = (
    "id",
    "title",
    "authors",
    "arxiv",
    "date",
    "digests",
    "rank",
    "published",
    "categories",
    "topics",
    "keywords",
    "upvotes",
    "links",
    "comment",
    "source",
)
# Fields written as YAML dates (unquoted `2026-05-09`); loading turns them back into ISO strings.
DATE_FIELDS = ("date", "digests", "published")


@dataclass
class ContentFile:
    """A parsed content file: its front matter as plain values, its body, and the raw pieces."""

    path: Path
    meta: dict[str, Any]
    body: str
    front_matter_text: str
    body_line: int
    closing_and_body: str = ""


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, tolerating a BOM and CRLF line ends (editors add both)."""
    return decode_text(read_bytes(path), path)


def read_bytes(path: Path) -> bytes:
    """A file's bytes; a failure to read is a ContentError naming the file."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ContentError(f"cannot read: {exc.strerror or exc}", path) from exc


def decode_text(raw: bytes, path: Path) -> str:
    """A file's bytes as text: UTF-8 with or without a BOM, line ends made `\n`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError("not valid UTF-8 text", path, line) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, path: Path) -> tuple[str, str, int, str]:
    """Split a file into (front matter YAML, body, line where the body starts, raw text from `---` on)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise ContentError("does not start with a '---' front matter line", path, 1)
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            front = "\n".join(lines[1:index]) + "\n"
            rest = "\n".join(lines[index:])
            body = "\n".join(lines[index + 1 :])
            return front, body.strip("\n"), index + 2, rest
    raise ContentError("front matter is not closed by a '---' line", path, 1)


def _plain(value: Any) -> Any:
    """Turn dates into ISO strings so every stage sees one type for a date (the loader already does;
    this is for values about to be written, which may hold date objects)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


def parse_front_matter(front: str, path: Path) -> dict[str, Any]:
    """Load front matter YAML (dates as ISO text), reporting any problem at its line in the file."""
    data = load_yaml(front, path, first_line=2, subject="front matter")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ContentError("front matter must be a mapping of fields", path, 2)
    return data


def read_content_file(path: Path) -> ContentFile:
    """Read and parse one content file; errors carry `path:line`."""
    return parse_content_text(read_text(path), path)


def parse_content_text(text: str, path: Path) -> ContentFile:
    """Parse a content file's text (already decoded); `path` is only for error messages."""
    front, body, body_line, rest = split_front_matter(text, path)
    meta = parse_front_matter(front, path)
    return ContentFile(path, meta, body, front, body_line, rest)


def _yaml_value(value: Any) -> Any:
    if isinstance(value, str) and is_iso_date(value):
        return date.fromisoformat(value)
    if isinstance(value, list):
        return [_yaml_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _yaml_value(v) for k, v in value.items()}
    return value


def is_iso_date(value: object) -> bool:
    """True for a real `YYYY-MM-DD` date string (content files store dates in this one form)."""
    if not isinstance(value, str) or len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def dump_front_matter(meta: dict[str, Any]) -> str:
    """Front matter for a new file. Dates (`date`, `digests`) are written as YAML dates, unquoted."""
    ordered = {k: meta[k] for k in FIELD_ORDER if k in meta}
    ordered.update({k: v for k, v in meta.items() if k not in ordered})
    prepared = {k: (_yaml_value(v) if k in DATE_FIELDS else v) for k, v in ordered.items()}
    return dump_yaml(prepared)


def compose_file(meta: dict[str, Any], body: str) -> str:
    """The full text of a content file."""
    return f"---\n{dump_front_matter(meta)}---\n\n{body}\n"


def content_file_of(text: str, path: Path, meta: dict[str, Any]) -> ContentFile:
    """The ContentFile of a text just composed from `meta` (plain values), without parsing YAML again:
    ingest composes thousands of new files and only needs to see each as the loader would."""
    front, body, body_line, rest = split_front_matter(text, path)
    return ContentFile(path, dict(meta), body, front, body_line, rest)


def replace_field(content: ContentFile, key: str, value: Any) -> str:
    """The file's text with one top-level field replaced (or added), everything else untouched.

    Falls back to re-dumping the whole front matter only when the field is written in a form this
    line-based edit cannot see the end of; the body is kept either way.
    """
    lines = content.front_matter_text.rstrip("\n").split("\n")
    new_block = dump_yaml({key: _yaml_value(value)}).rstrip("\n").split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith(f"{key}:")), None)
    if start is None:
        lines.extend(new_block)
    else:
        end = start + 1
        while end < len(lines) and (lines[end][:1] in (" ", "\t", "-") or lines[end].strip() == ""):
            end += 1
        lines[start:end] = new_block
    front = "\n".join(lines) + "\n"
    expected = dict(content.meta)
    expected[key] = _plain(_yaml_value(value))
    try:
        same = parse_front_matter(front, content.path) == expected
    except ContentError:
        same = False
    if not same:
        front = dump_front_matter(expected)
    return f"---\n{front}{content.closing_and_body}"

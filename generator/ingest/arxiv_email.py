"""The arXiv daily mailing ("cs daily Subj-class mailing"): entries between rules of dashes.

The mailing already carries everything a paper page needs (arXiv id, authors, categories, comments,
abstract) and its own date, but it is laid out for reading: fields wrap onto indented lines, the
abstract sits between a `\\` line and a `\\ ( https://arxiv.org/abs/ID , NNkb)` trailer, and the
sections (new, cross-lists, replacements, end) are told apart only by rows of `%-%-`, `%%--%%--` and
`%%%---`. People also save it as a raw `.eml` (quoted-printable or base64, sometimes multipart) or
print it from web-mail with a header of the web-mail's own, so the parser first finds the mailing
wherever it starts.

Each entry is read on its own: a broken entry costs that entry and one message naming its line,
never the rest of the mailing. Fields come back raw (TeX accents, `vN` versions in comments, RFC 2822
dates): `generator.ingest.normalize` cleans them the same way for every format.

The digest's date is arXiv's announcement day: the first weekday after the window the banner names
(` received from ... to Thu 22 Jan 26 19:00:00 GMT` is announced on Friday 23 January). arXiv's
holidays are not known here; `--date` overrides the rare mailing they shift.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from email.message import EmailMessage

from generator.errors import InputError
from generator.ingest.dates import MONTHS
from generator.ingest.source import DigestSource, normalize_newlines
from generator.model import ARXIV_ID_RE, Link, Paper, ParsedDigest, normalize_space

FORMAT = "arxiv-email"

_BANNER = "Send any comments regarding submissions directly to submitter"
_RULE_RE = re.compile(r"^-{60,}\s*$")  # 78 dashes in the mailing
_CROSS_RE = re.compile(r"^%-%-%-%-")
_REPLACED_SECTION_RE = re.compile(r"^%%--%%--")
_END_RE = re.compile(r"^%%%---%%%---")
_ENTRY_MARK = "\\\\"
#: New ids (2601.15305) and old ones (hep-th/9901001, math.AG/0101001).
_ID = f"(?:{ARXIV_ID_RE.pattern})"
_ID_LINE_RE = re.compile(r"^(?:arXiv:|Paper(?:\s*\(\*cross-listing\*\))?:)\s*(\S*)(.*)$")
_ID_LIKE_RE = re.compile(rf"^arXiv:{_ID}")
_ARXIV_ID_RE = re.compile(rf"^({_ID})(?:v\d+)?$")
_TRAILER_RE = re.compile(r"^\\\\\s*\(\s*(\S+)\s*,\s*([^()]*)\)\s*$")
_TRAILER_ID_RE = re.compile(r"arxiv\.org/abs/(\S+?)/?$", re.IGNORECASE)
_FIELD_RE = re.compile(r"^([A-Za-z][A-Za-z-]*)(\s*\([^)]*\))?:\s?(.*)$")
_REPLACED_RE = re.compile(r"^(?:replaced with revised version|(?:figures|part) added)\b", re.IGNORECASE)
_WINDOW_RE = re.compile(r"^\s*received from\s+\S.*?\s+to\s+(\S.*?)\s*$")
_WINDOW_END_RE = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4}|\d{2})\b")
_GMT_RE = re.compile(r"^(.*?\bGMT)\b")
_SIZE_RE = re.compile(r"\s*\(\d+kb[^)]*\)\s*$")
_PARENS_RE = re.compile(r"\([^()]*\)")
_AND_RE = re.compile(r"\s+(?:and|&)\s+")
_HEADER_RE = re.compile(r"^([!-9;-~]+):")
_SNIFF_ENTRY_RE = re.compile(rf"^\\\\[ \t]*\n(?:arXiv:|Paper:[ \t]*){_ID}", re.MULTILINE)
_JSON_OR_XML_RE = re.compile(r"\s*(?:\{\s*[\"}]|\[\s*[\[{\"\]\d-]|\[\s*(?:true|false|null)\b|<)")
_SNIFF_WINDOW_RE = re.compile(r"^[ \t]*received from[ \t]+.+[ \t]+to[ \t]+.+GMT[ \t]*$", re.MULTILINE)
_MULTIPART_RE = re.compile(r"multipart/", re.IGNORECASE)
#: More multipart sections than any real mailing (one or two) by far, fewer than make the e-mail parser slow.
_MAX_MULTIPARTS = 20
#: Header names that say "this is an e-mail" (Date alone does not: entries have a Date: field too).
_MAIL_HEADERS = frozenset(
    ("from", "to", "subject", "received", "message-id", "mime-version", "content-type", "return-path")
)


def sniff(head: str) -> bool:
    """The mailing's banner or window line, `\\` + `arXiv:ID` entry lines, or an arXiv mail's headers."""
    if _JSON_OR_XML_RE.match(head):
        return False
    if _BANNER in head or _SNIFF_WINDOW_RE.search(head) or _SNIFF_ENTRY_RE.search(head):
        return True
    headers = _mail_headers(head)
    if headers is None:
        return False
    return any("arxiv" in headers.get(name, "").lower() for name in ("from", "subject", "return-path"))


def parse(source: DigestSource) -> ParsedDigest:
    """The mailing's papers in mailing order (new, cross-lists, then replacements as `update_only`)."""
    parsed = ParsedDigest(format=FORMAT, papers=[], path=source.path)
    body = _body(source.text, parsed)
    if body is None:
        return parsed
    lines = body.text.split("\n")
    start = _first_entry(lines)
    _read_window(lines[:start] if start is not None else lines, body, parsed)
    if start is None:
        where = "the e-mail's body" if body.is_mail else "the text"
        found = "has the mailing's banner but" if _BANNER in body.text else "has"
        parsed.skip(f"{where} {found} no arXiv entries (a '\\\\' line followed by an 'arXiv:ID' line)")
        return parsed
    seen: dict[str, int] = {}
    for chunk in _chunks(lines, start):
        entry = _read_entry(chunk)
        if entry is not None:
            _add_entry(entry, body, parsed, seen)
        else:
            _not_an_entry(chunk, body, parsed)
    return parsed


def _not_an_entry(chunk: _Chunk, body: _Body, parsed: ParsedDigest) -> None:
    """Text between two rules that is no entry: a skipped entry when it mentions an arXiv id (an entry
    that lost its `\\\\`, id and title lines), else a warning, so it is never dropped unsaid."""
    number, first = next((n, text) for n, text in chunk.lines if text.strip())
    shown = repr(first.strip()[:80])
    text = " ".join(line for _, line in chunk.lines)
    if re.search(_ID, text):
        parsed.skip(f"{body.where(number)}: an entry with no title, id or '\\\\' line ({shown}...); skipped")
    else:
        parsed.warnings.append(
            f"{body.where(number)}: text between two rules that is no entry ({shown}); ignored"
        )


# --- the text to parse: the file itself, or the decoded body of an e-mail ---------------------------


@dataclass(frozen=True)
class _Body:
    """The text holding the mailing, and how to name its lines in messages."""

    text: str
    #: "line" when numbers are the file's own, "body line" when they count lines of a decoded e-mail.
    label: str = "line"
    #: Lines of the file before `text` (an e-mail's headers, when its body is stored as is).
    offset: int = 0
    is_mail: bool = False

    def where(self, number: int) -> str:
        return f"{self.label} {number + self.offset}"


def _mail_headers(text: str) -> dict[str, str] | None:
    """The header block at the top of a raw e-mail (names lower-cased, first value kept), or None.

    An mbox `From ` line may come first. Two header fields are needed, one of them a real mail header
    (not `Date:`, which every mailing entry has too).
    """
    headers: dict[str, str] = {}
    last: str | None = None  # the field being continued, "" for a repeated one (several Received:)
    for index, line in enumerate(text.split("\n", 400)[:400]):
        if index == 0 and line.startswith("From "):
            continue
        if not line.strip():
            break
        if line[0] in " \t" and last is not None:
            if last:
                headers[last] += " " + line.strip()
            continue
        match = _HEADER_RE.match(line)
        if match is None:
            break
        last = match.group(1).lower()
        if last in headers:
            last = ""
        else:
            headers[last] = line[match.end() :].strip()
    if len(headers) < 2 or not _MAIL_HEADERS & headers.keys():
        return None
    return headers


def _body(text: str, parsed: ParsedDigest) -> _Body | None:
    """The plain text to parse: `text` itself, or a raw e-mail's decoded text/plain part."""
    if _mail_headers(text) is None:
        return _Body(text)
    nested = len(_MULTIPART_RE.findall(text))
    if nested > _MAX_MULTIPARTS:  # the e-mail parser is slow and recursive on deeply nested parts
        why = f"is an e-mail of {nested} multipart parts; an arXiv mailing has a few: save its text part"
        raise InputError(why, parsed.path)
    try:
        message = email.message_from_bytes(text.encode("utf-8"), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        part = _plain_part(message)
    except RecursionError as exc:
        raise InputError("is an e-mail whose parts are nested too deeply to read", parsed.path) from exc
    if part is None:
        parsed.skip("the e-mail has no text/plain part to read the mailing from")
        return None
    decoded = normalize_newlines(_content(part))
    _mail_date(message, parsed)
    header_end = text.find("\n\n")
    stored = text[header_end + 2 :] if header_end >= 0 else ""
    if part is message and decoded.rstrip() == stored.rstrip():
        return _Body(decoded, offset=text[: header_end + 2].count("\n"), is_mail=True)
    return _Body(decoded, label="body line", is_mail=True)


def _plain_part(message: EmailMessage) -> EmailMessage | None:
    """The text/plain part that holds the mailing: the message's body, else any plain part that does."""
    candidates: list[EmailMessage] = []
    body = message.get_body(preferencelist=("plain",))
    if isinstance(body, EmailMessage):
        candidates.append(body)
    for part in message.walk():
        plain = isinstance(part, EmailMessage) and part.get_content_type() == "text/plain"
        if plain and part not in candidates:
            candidates.append(part)
    for part in candidates:
        text = _content(part)
        if _BANNER in text or _SNIFF_ENTRY_RE.search(normalize_newlines(text)):
            return part
    return candidates[0] if candidates else None


def _content(part: EmailMessage) -> str:
    """A text part's decoded content; an unknown charset is read as UTF-8 with replacements."""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _mail_date(message: EmailMessage, parsed: ParsedDigest) -> None:
    """The mail's `Date:` header, in UTC, as the digest's date until the mailing's window says otherwise."""
    header = message["Date"]
    when = getattr(header, "datetime", None)
    if when is None:
        return
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    parsed.date_line = f"Date: {header} (the e-mail's header)"
    parsed.date_in_text = when.date()


# --- the banner: where the entries start, and the date ----------------------------------------------


def _first_entry(lines: list[str]) -> int | None:
    """The index of the first entry's `\\` line (or of its `arXiv:` line, should the `\\` be lost).

    Anything before it is the banner or a web-mail header, never an entry.
    """
    for index, line in enumerate(lines):
        if _ID_LIKE_RE.match(line):
            return index
        if line.strip() != _ENTRY_MARK:
            continue
        following = [text for text in lines[index + 1 : index + 4] if text.strip()][:1]
        if following and (
            _ID_LINE_RE.match(following[0])
            or _REPLACED_RE.match(following[0])
            or following[0].startswith(("Date:", "Title:"))
        ):
            return index
    return None


def _read_window(banner: list[str], body: _Body, parsed: ParsedDigest) -> None:
    """Date the digest from the banner's ` received from ... to ...` line, if it has one."""
    for index, line in enumerate(banner):
        match = _WINDOW_RE.match(line)
        if match is None:
            continue
        end = _window_end(match.group(1))
        if end is None:
            parsed.warnings.append(
                f"{body.where(index + 1)}: cannot read the end date of the window line {line.strip()!r}"
            )
            return
        parsed.date_line = line.strip()
        parsed.date_in_text = announcement_day(end)
        return


def _window_end(text: str) -> date | None:
    """The date in `Thu 22 Jan 26 19:00:00 GMT` (two-digit years are 19xx from 90 on, else 20xx)."""
    match = _WINDOW_END_RE.search(text)
    if match is None or match.group(2).lower() not in MONTHS:
        return None
    year = int(match.group(3))
    if year < 100:
        year += 1900 if year >= 90 else 2000
    try:
        return date(year, MONTHS[match.group(2).lower()], int(match.group(1)))
    except ValueError:
        return None


def announcement_day(window_end: date) -> date:
    """The first weekday (Monday to Friday) after the day the submission window closes."""
    day = window_end + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# --- entries ------------------------------------------------------------------------------------------


@dataclass
class _Chunk:
    """The numbered lines between two rules, and the section (new, cross, replaced) they are in."""

    section: str
    lines: list[tuple[int, str]] = field(default_factory=list)
    has_text: bool = False


def _chunks(lines: list[str], start: int) -> Iterator[_Chunk]:
    """Cut the mailing at its rules and section markers, stopping at the end marker; chunks of blank
    lines only are left out. One chunk at a time, so a huge mailing is never held twice.

    A `\\` line directly followed by an `arXiv:` line also starts a new entry, so an entry that lost
    its closing rule does not swallow the next one. A mailing with no new submissions has its first
    section marker before the first entry.
    """
    markers = [marker for marker in map(_section_marker, lines[:start]) if marker in ("cross", "replaced")]
    section = markers[-1] if markers else "new"
    current = _Chunk(section)
    for index in range(start, len(lines)):
        line = lines[index]
        marker = _section_marker(line)
        glued = (
            line.strip() == _ENTRY_MARK
            and index + 1 < len(lines)
            and _ID_LINE_RE.match(lines[index + 1]) is not None
            and current.has_text
        )
        if marker is not None or _RULE_RE.match(line) or glued:
            if current.has_text:
                yield current
            section = marker or section
            if section == "end":
                return
            current = _Chunk(section)
            if not glued:
                continue
        current.lines.append((index + 1, line))
        current.has_text = current.has_text or bool(line.strip())
    if current.has_text:
        yield current


def _section_marker(line: str) -> str | None:
    if _END_RE.match(line):
        return "end"
    if _REPLACED_SECTION_RE.match(line):
        return "replaced"
    if _CROSS_RE.match(line):
        return "cross"
    return None


@dataclass
class _Entry:
    """One entry's parts as written: its id line, header fields, abstract lines and trailer."""

    start: int
    section: str
    id_line: int | None = None
    raw_id: str | None = None
    replaced: bool = False
    fields: dict[str, str] = field(default_factory=dict)
    abstract: list[str] | None = None
    trailer: str | None = None


def _read_entry(chunk: _Chunk) -> _Entry | None:
    """Split a chunk into header fields, abstract and trailer; None for a chunk that is no entry."""
    rows = [(number, line) for number, line in chunk.lines]
    while rows and not rows[0][1].strip():
        rows.pop(0)
    entry = _Entry(start=rows[0][0], section=chunk.section)
    marked = rows[0][1].strip() == _ENTRY_MARK
    index = _read_header(rows, 1 if marked else 0, entry)
    if index < len(rows) and rows[index][1].strip() == _ENTRY_MARK:
        entry.abstract = []
        index += 1
        while index < len(rows):
            trailer = _TRAILER_RE.match(rows[index][1])
            if trailer:
                entry.trailer = trailer.group(1)
                break
            entry.abstract.append(rows[index][1])
            index += 1
    elif index < len(rows) and (trailer := _TRAILER_RE.match(rows[index][1])):
        entry.trailer = trailer.group(1)
    if not (marked or entry.id_line or "title" in entry.fields):
        return None
    return entry


def _read_header(rows: list[tuple[int, str]], index: int, entry: _Entry) -> int:
    """Read the id line and `Field: value` lines (indented lines continue the field before them).

    Returns the index of the `\\` line that opens the abstract, of the trailer, or the chunk's end.
    """
    parts: dict[str, list[str]] = {}
    current: list[str] | None = None
    while index < len(rows):
        number, line = rows[index]
        if line.strip() == _ENTRY_MARK or _TRAILER_RE.match(line):
            break
        index += 1
        id_match = _ID_LINE_RE.match(line)
        if id_match and entry.id_line is None:
            entry.id_line, entry.raw_id, current = number, id_match.group(1), None
        elif _REPLACED_RE.match(line):
            entry.replaced, current = True, None
        elif not line.strip():
            current = None
        elif not line[0].isspace() and (field_match := _FIELD_RE.match(line)):
            name = field_match.group(1).lower() + ("-revised" if field_match.group(2) else "")
            current = [field_match.group(3)]
            parts.setdefault(name, current)
        elif current is not None:
            current.append(line)
    entry.fields = {name: normalize_space(" ".join(values)) for name, values in parts.items()}
    return index


def _add_entry(entry: _Entry, body: _Body, parsed: ParsedDigest, seen: dict[str, int]) -> None:
    """Turn an entry into a paper, or into one message saying why it cannot be used."""
    title = entry.fields.get("title", "")
    named = f"{title!r} " if title else ""
    arxiv = _entry_id(entry, body, parsed, named)
    if arxiv is None:
        return
    line = entry.id_line or entry.start
    where = body.where(line)
    if not title:
        parsed.skip(f"{where}: arXiv:{arxiv} has no Title: line; skipped")
        return
    if arxiv in seen:
        parsed.skip(
            f"{where}: {named}(arXiv:{arxiv}) has the same arXiv id as {body.where(seen[arxiv])}; skipped"
        )
        return
    seen[arxiv] = line
    update_only = entry.replaced or entry.section == "replaced"
    if entry.abstract is not None and entry.trailer is None:
        parsed.warnings.append(
            f"{where}: {named}(arXiv:{arxiv}): the abstract has no closing "
            f"'\\\\ ( https://arxiv.org/abs/{arxiv} , ...)' line, so it may be cut short; kept"
        )
    elif entry.abstract is None and not update_only:
        parsed.warnings.append(f"{where}: {named}(arXiv:{arxiv}) has no abstract; kept without one")
    parsed.keep(
        Paper(
            title=title,
            abstract=_paragraphs(entry.abstract or []),
            line=body.offset + line,
            links=[Link("DOI", f"https://doi.org/{doi}") for doi in entry.fields.get("doi", "").split()],
            authors=split_authors(entry.fields.get("authors") or entry.fields.get("author", "")),
            arxiv=arxiv,
            categories=entry.fields.get("categories", "").split(),
            published=None if update_only else _published(entry.fields.get("date", "")),
            comment=entry.fields.get("comments") or None,
            update_only=update_only,
        )
    )


def _entry_id(entry: _Entry, body: _Body, parsed: ParsedDigest, named: str) -> str | None:
    """The entry's arXiv id without version; from the trailer (with a warning) when the id line is missing."""
    if entry.raw_id is not None:
        match = _ARXIV_ID_RE.match(entry.raw_id)
        if match:
            return match.group(1)
        parsed.skip(
            f"{body.where(entry.id_line or entry.start)}: {named}has an arXiv line with no valid id "
            f"({entry.raw_id[:100]!r}); skipped"
        )
        return None
    from_trailer = _TRAILER_ID_RE.search(entry.trailer or "")
    match = _ARXIV_ID_RE.match(from_trailer.group(1)) if from_trailer else None
    if match is None:
        parsed.skip(
            f"{body.where(entry.start)}: entry {named}has no 'arXiv:' id line (nor an arXiv id in its "
            f"closing line); skipped"
        )
        return None
    parsed.warnings.append(
        f"{body.where(entry.start)}: entry {named}has no 'arXiv:' id line; took arXiv:{match.group(1)} "
        f"from its closing line"
    )
    return match.group(1)


def _published(value: str) -> str | None:
    """`Mon, 12 Jan 2026 20:33:39 GMT   (215kb)` up to `GMT`; without `GMT`, the value less its size."""
    match = _GMT_RE.match(value)
    found = match.group(1) if match else _SIZE_RE.sub("", value)
    return found.strip() or None


def split_authors(value: str) -> list[str]:
    """`A, B (Univ), and C` into names: affiliations in parentheses dropped, `et al.` is not a name."""
    previous = None
    while previous != value:
        previous, value = value, _PARENS_RE.sub(" ", value)
    names: list[str] = []
    for piece in re.split(r"[,;]", value):
        for name in _AND_RE.split(f" {piece.strip()} "):
            name = normalize_space(name)
            name = name.removeprefix("and ").removeprefix("& ").strip()
            if name and name not in ("and", "&") and name.lower().rstrip(".") != "et al":
                names.append(name)
    return names


def _paragraphs(lines: list[str]) -> str:
    """Abstract lines into paragraphs: a new one at an indented line after the first, or a blank line."""
    paragraphs: list[list[str]] = []
    fresh = True
    for line in lines:
        if not line.strip():
            fresh = True
            continue
        if fresh or line[0].isspace():
            paragraphs.append([])
        paragraphs[-1].append(line)
        fresh = False
    return "\n\n".join(normalize_space(" ".join(paragraph)) for paragraph in paragraphs)

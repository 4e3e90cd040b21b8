"""A fetched response becomes an ordinary digest file in content/digests/, then goes through ingest.

The response is parsed by its format's own parser before anything is saved, so a truncated or
malformed answer is an error with nothing written. The raw text is kept as it came (provenance, and
`make site` re-ingesting content/digests/* then skips it by hash). Saving is part of the ingest's one
transaction, so the digest file appears together with its papers and its manifest entry, or not at all.
content/'s lock is taken only here, after the network requests: a slow server never holds up another
writer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from types import ModuleType

from generator.errors import DigestError, InputError
from generator.fetch.http import FetchError
from generator.ingest.merge import DigestPlan
from generator.ingest.normalize import normalize_digest
from generator.ingest.pipeline import Progress, ingest_files
from generator.ingest.source import DigestSource
from generator.ingest.transaction import writing
from generator.model import ParsedDigest


@dataclass
class Saved:
    """What saving one fetched digest did: its file, whether the file changed, and the ingest plan."""

    path: Path
    written: bool
    plan: DigestPlan


def parse_response(module: ModuleType, text: str, url: str) -> ParsedDigest:
    """The response parsed and normalised by the digest format's parser; a FetchError naming the URL if
    it is not a usable response of that format."""
    try:
        return normalize_digest(module.parse(DigestSource.from_text(text, Path(url))))
    except InputError as exc:
        raise FetchError(f"the response {exc.message}", url) from exc


def save_digest(
    content_dir: Path,
    name: str,
    text: str,
    parsed: ParsedDigest,
    module: ModuleType,
    day: date,
    progress: Progress | None = None,
) -> Saved:
    """Save `text` (which `parse_response` gave `parsed`) as content/digests/<name> and ingest it as the
    digest of `day`.

    A file already there with the same papers is kept as it is (arXiv stamps every answer with the time
    of the query, so the bytes differ on every fetch even when nothing else does); re-fetching a day
    then changes nothing at all.
    """
    path = content_dir / "digests" / name
    with writing(content_dir):  # the file is read after any earlier writer has finished
        try:
            previous = path.read_bytes() if path.is_file() else None
        except OSError as exc:
            raise DigestError(f"cannot read: {exc.strerror or exc}", path) from None
        written = previous is None or not _same_papers(previous, text, parsed, module, path)
        [plan] = ingest_files(
            [path],
            content_dir,
            date_override=day,
            fmt=module.FORMAT,
            progress=progress,
            pending={path: text} if written else None,
        )
    return Saved(path, written, plan)


def _same_papers(previous: bytes, text: str, parsed: ParsedDigest, module: ModuleType, path: Path) -> bool:
    """Whether the file on disk lists the same papers as `parsed`, same fields, same order."""
    if previous.decode("utf-8", errors="replace") == text:
        return True
    try:
        old = normalize_digest(module.parse(DigestSource.from_text(previous.decode("utf-8"), path)))
    except (DigestError, UnicodeDecodeError):
        return False
    return _fields(old) == _fields(parsed)


def _fields(parsed: ParsedDigest) -> list[dict[str, object]]:
    return [{k: v for k, v in asdict(paper).items() if k != "line"} for paper in parsed.papers]

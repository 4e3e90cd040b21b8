"""Reading a digest file from disk into clean text, refusing what is not a text digest.

Everything a parser sees has been through here: BOM stripped, CRLF and lone CR turned into LF, and
control characters removed, so parsers deal with one kind of line ending and no invisible bytes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from generator.errors import InputError

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class DigestSource:
    """A digest file's raw bytes (kept for provenance), its clean text and a hash of that text."""

    path: Path
    raw: bytes
    text: str
    sha256: str


def normalize_newlines(text: str) -> str:
    """One line ending (LF), no BOM anywhere, no control characters except tab and newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return _CONTROL_RE.sub("", text)


def load_source(path: Path) -> DigestSource:
    """Read and decode a digest, with a one-line InputError for anything unusable."""
    if path.is_dir():
        raise InputError("is a directory, not a digest file", path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from exc
    if not raw.strip():
        raise InputError("is empty", path)
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError("looks binary (it contains NUL bytes), not a text digest", path, line)
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError("is not UTF-8 text (binary, or another encoding)", path, line) from exc
    text = normalize_newlines(decoded)
    if not text.strip():
        raise InputError("is empty", path)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return DigestSource(path=path, raw=raw, text=text, sha256=sha)

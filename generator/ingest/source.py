"""Reading a digest file from disk into clean text, refusing what is not a text digest.

Everything a parser sees has been through here: BOM stripped, CRLF and lone CR turned into LF, and
control characters removed, so parsers deal with one kind of line ending and no invisible bytes.
A gzip-compressed digest (`.gz`, e.g. a 50k-record JSON lines corpus) is never held whole in memory:
it is checked and hashed in one streaming pass, and parsers read it line by line through `lines()`.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.errors import InputError

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HEAD_CHARS = 65536
_CHUNK = 1 << 20


@dataclass(frozen=True)
class DigestSource:
    """A digest file: its path, a hash of its clean text, the start of that text (for detection) and
    the whole text, or None when the file is compressed and must be streamed with `lines()`.

    `raw_sha256` is the hash of the file's bytes as they are on disk, to tell whether a kept copy in
    content/digests/ is the same file.
    """

    path: Path
    sha256: str
    raw_sha256: str
    head: str
    whole_text: str | None

    @classmethod
    def from_text(cls, text: str, path: Path = Path("<text>")) -> DigestSource:
        """A source from text already in memory (a fetched response, a test), cleaned like a file."""
        clean = normalize_newlines(text)
        sha = hashlib.sha256(clean.encode("utf-8")).hexdigest()
        raw_sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return cls(path=path, sha256=sha, raw_sha256=raw_sha, head=clean[:HEAD_CHARS], whole_text=clean)

    @property
    def text(self) -> str:
        """The whole clean text (decompressed on demand for a `.gz` digest)."""
        if self.whole_text is not None:
            return self.whole_text
        return "".join(line + "\n" for line in self.lines())

    def lines(self) -> Iterator[str]:
        """The clean lines of the text, without their line ends, streamed for a compressed file."""
        if self.whole_text is not None:
            yield from self.whole_text.split("\n")
            return
        with gzip.open(self.path, "rt", encoding="utf-8-sig", newline="") as handle:
            for raw in handle:
                yield normalize_newlines(raw).rstrip("\n")


def file_sha256(path: Path) -> str:
    """The hash of a file's bytes, read in chunks (a kept digest may be a large corpus)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def normalize_newlines(text: str) -> str:
    """One line ending (LF), no BOM anywhere, no control characters except tab and newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return _CONTROL_RE.sub("", text)


def _check_decoded(raw: bytes, path: Path, line_offset: int = 0) -> str:
    """Refuse NUL bytes and non-UTF-8 bytes, naming the line; returns the decoded text."""
    if b"\x00" in raw:
        line = line_offset + raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError("looks binary (it contains NUL bytes), not a text digest", path, line)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_offset + raw[: exc.start].count(b"\n") + 1
        raise InputError("is not UTF-8 text (binary, or another encoding)", path, line) from exc


def load_source(path: Path) -> DigestSource:
    """Read and decode a digest, with a one-line InputError for anything unusable."""
    if path.is_dir():
        raise InputError("is a directory, not a digest file", path)
    if path.exists() and not path.is_file():
        raise InputError("is not a regular file (a device or a pipe), not a digest file", path)
    if path.name.endswith(".gz"):
        return _load_compressed(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from exc
    if not raw.strip():
        raise InputError("is empty", path)
    text = normalize_newlines(_check_decoded(raw, path))
    if not text.strip():
        raise InputError("is empty", path)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    raw_sha = hashlib.sha256(raw).hexdigest()
    return DigestSource(path=path, sha256=sha, raw_sha256=raw_sha, head=text[:HEAD_CHARS], whole_text=text)


def _load_compressed(path: Path) -> DigestSource:
    """Check, hash and sample a gzip digest in one pass over its decompressed bytes."""
    text_hash = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    head: list[str] = []
    head_size = 0
    lines_before = 0
    nonblank = False
    try:
        raw_sha = file_sha256(path)
        with gzip.open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                if b"\x00" in chunk:
                    _check_decoded(chunk, path, lines_before)
                try:
                    decoded = decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    _check_decoded(chunk, path, lines_before)
                    raise InputError("is not UTF-8 text", path) from exc
                text_hash.update(chunk)
                nonblank = nonblank or bool(chunk.strip())
                if head_size < HEAD_CHARS:
                    head.append(decoded)
                    head_size += len(decoded)
                lines_before += chunk.count(b"\n")
            decoder.decode(b"", final=True)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from exc
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"is not a complete gzip file ({exc})", path) from exc
    except UnicodeDecodeError as exc:
        raise InputError("is not UTF-8 text (the file ends inside a character)", path) from exc
    if not nonblank:
        raise InputError("is empty", path)
    clean_head = normalize_newlines("".join(head))[:HEAD_CHARS]
    return DigestSource(
        path=path,
        sha256=text_hash.hexdigest(),
        raw_sha256=raw_sha,
        head=clean_head,
        whole_text=None,
    )

"""Reading a digest file from disk into clean text, refusing what is not a text digest.

Everything a parser sees has been through here: BOM stripped, CRLF and lone CR turned into LF, and
control characters removed, so parsers deal with one kind of line ending and no invisible bytes.

A digest is never trusted to be small. It is read in chunks with a limit on its text (MAX_DIGEST_BYTES,
counted after decompression for `.gz`), so a 300 MB file, a gzip bomb or an endless stream stops with
one clear error at the limit instead of exhausting memory; devices and pipes (`/dev/zero`, a FIFO) are
refused before anything is read, since a digest must be read twice (checked, then parsed) and copied.
The first pass checks, hashes and samples the text; parsers then read it again: line by line through
`lines()` where the format allows (the trending page, JSON lines), whole through `text` only for formats
that need the whole document (JSON, XML, e-mail), which have their own lower limit (MAX_DOCUMENT_BYTES)
because a parsed JSON or XML tree takes many times the memory of its text.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from generator.errors import InputError

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HEAD_CHARS = 65536
_CHUNK = 1 << 20
_MB = 1 << 20
#: The most text a digest may hold, in bytes (decompressed bytes for a `.gz` digest): a 50 MB trending
#: page holds ~33,000 papers, so this is far beyond any real digest and still safe to hold in memory.
MAX_DIGEST_BYTES = 256 * _MB
#: The most text of a digest read as one document (JSON, Atom XML, e-mail): a parsed tree takes 10-30
#: times its text in memory, and real responses and mailings are a few MB.
MAX_DOCUMENT_BYTES = 64 * _MB
#: The most lines a digest may have: real digests have lines of 80 characters or (much) more, so this
#: only refuses files of millions of empty or tiny lines, which would cost every parser time per line.
MAX_LINES = 10_000_000


@dataclass(frozen=True)
class DigestSource:
    """A digest: its path, a hash of its clean text, the start of that text (for detection), and either
    the whole text (a fetched response, a test) or None when the file is read again on demand, line by
    line with `lines()` or whole with `text`.

    `raw_sha256` is the hash of the file's bytes as they are on disk, to tell whether a kept copy in
    content/digests/ is the same file. `size` is the length of the text in UTF-8 bytes.
    """

    path: Path
    sha256: str
    raw_sha256: str
    head: str
    whole_text: str | None
    size: int = 0

    @classmethod
    def from_text(cls, text: str, path: Path = Path("<text>")) -> DigestSource:
        """A source from text already in memory (a fetched response, a test), cleaned like a file."""
        raw = text.encode("utf-8", "surrogatepass")
        _check_size(len(raw), path)
        clean = normalize_newlines(text)
        sha = hashlib.sha256(clean.encode("utf-8", "surrogatepass")).hexdigest()
        raw_sha = hashlib.sha256(raw).hexdigest()
        return cls(path, sha, raw_sha, head=clean[:HEAD_CHARS], whole_text=clean, size=len(raw))

    @property
    def text(self) -> str:
        """The whole clean text, read again from the file when it is not in memory."""
        if self.whole_text is not None:
            return self.whole_text
        if self.size > MAX_DOCUMENT_BYTES:
            raise InputError(
                f"is {_human(self.size)}; a digest read as one document (JSON, XML, e-mail) may have at most "
                f"{_human(MAX_DOCUMENT_BYTES)}: split it",
                self.path,
            )
        with _open_binary(self.path) as handle:
            raw = _read_at_most(handle, MAX_DOCUMENT_BYTES, self.path)
        return normalize_newlines(_check_decoded(raw, self.path))

    def lines(self) -> Iterator[str]:
        """The clean lines of the text, without their line ends, one at a time (bounded memory)."""
        if self.whole_text is not None:
            yield from _split_lazily(self.whole_text)
            return
        size = 0
        with _open_binary(self.path) as binary:
            handle = io.TextIOWrapper(binary, encoding="utf-8", newline="")
            try:
                for number, raw in enumerate(handle, start=1):
                    size += len(raw)
                    if size > MAX_DIGEST_BYTES or number > MAX_LINES:
                        raise InputError("changed while being read: it is now over the limits", self.path)
                    yield normalize_newlines(raw).rstrip("\n")
            except UnicodeDecodeError as exc:
                raise InputError("changed while being read: it is no longer UTF-8", self.path) from exc


def _split_lazily(text: str) -> Iterator[str]:
    """`text.split("\\n")`, one piece at a time: no list of millions of lines."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


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


def _check_size(size: int, path: Path) -> None:
    if size > MAX_DIGEST_BYTES:
        raise InputError(
            f"is larger than {_human(MAX_DIGEST_BYTES)} of text, more than any real digest: "
            f"split it into smaller files",
            path,
        )


def _human(size: int) -> str:
    """A byte count as people write limits: `256 MB`, `64 KB`, `100 bytes`."""
    for unit, scale in (("MB", _MB), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.0f} {unit}"
    return f"{size} bytes"


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


def _open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed for `.gz`."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def _read_at_most(handle: IO[bytes], limit: int, path: Path) -> bytes:
    """All of `handle`, or an InputError as soon as it turns out longer than `limit` bytes."""
    parts: list[bytes] = []
    size = 0
    for chunk in iter(lambda: handle.read(_CHUNK), b""):
        size += len(chunk)
        if size > limit:
            raise InputError(f"grew past {_human(limit)} while being read", path)
        parts.append(chunk)
    return b"".join(parts)


def load_source(path: Path) -> DigestSource:
    """Check, hash and sample a digest in one pass, with a one-line InputError for anything unusable."""
    if path.is_dir():
        raise InputError("is a directory, not a digest file", path)
    if path.exists() and not path.is_file():
        raise InputError(
            "is not a regular file (a device or a pipe): save the digest to a file and ingest that", path
        )
    try:
        if not path.name.endswith(".gz"):
            _check_size(path.stat().st_size, path)
        with _open_binary(path) as handle:
            scan = _Scan(path)
            scan.read(handle)
        raw_sha = file_sha256(path) if path.name.endswith(".gz") else scan.raw_hash.hexdigest()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from exc
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"is not a complete gzip file ({exc})", path) from exc
    if not scan.nonblank:
        raise InputError("is empty", path)
    return DigestSource(
        path=path,
        sha256=scan.text_hash.hexdigest(),
        raw_sha256=raw_sha,
        head=scan.head,
        whole_text=None,
        size=scan.size,
    )


class _Scan:
    """One pass over a digest's bytes: the limits, NUL and UTF-8 checks, the hashes and the head.

    The text hash is of the clean text for a plain file and of the decompressed bytes for a `.gz` one
    (what earlier versions recorded in content/ingested.yml, so a digest ingested then is still known).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.compressed = path.name.endswith(".gz")
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.text_hash = hashlib.sha256()
        self.raw_hash = hashlib.sha256()
        self.head = ""
        self.size = 0
        self.lines = 0
        self.nonblank = False
        self.pending = ""  # a CR at the end of a chunk, in case an LF starts the next one

    def read(self, handle: IO[bytes]) -> None:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            self.size += len(chunk)
            _check_size(self.size, self.path)
            self.raw_hash.update(chunk)
            self._text(chunk, self._decode(chunk))
        try:
            self.decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise InputError("is not UTF-8 text (the file ends inside a character)", self.path) from exc
        self._clean(self.pending)

    def _decode(self, chunk: bytes) -> str:
        if b"\x00" in chunk:
            _check_decoded(chunk, self.path, self.lines)
        try:
            return self.decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            _check_decoded(chunk, self.path, self.lines)
            raise InputError(
                "is not UTF-8 text (binary, or another encoding)", self.path, self.lines + 1
            ) from exc

    def _text(self, chunk: bytes, decoded: str) -> None:
        if self.compressed:
            self.text_hash.update(chunk)
        decoded = self.pending + decoded
        self.pending = ""
        if decoded.endswith("\r"):
            decoded, self.pending = decoded[:-1], "\r"
        self._clean(decoded)

    def _clean(self, decoded: str) -> None:
        clean = normalize_newlines(decoded)
        self.lines += clean.count("\n")
        if self.lines > MAX_LINES:
            raise InputError(
                f"has more than {MAX_LINES:,} lines, more than any real digest: split it", self.path
            )
        if not self.compressed:
            self.text_hash.update(clean.encode("utf-8"))
        self.nonblank = self.nonblank or bool(clean.strip())
        if len(self.head) < HEAD_CHARS:
            self.head = (self.head + clean)[:HEAD_CHARS]

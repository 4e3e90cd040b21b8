"""Fuzzing every loader of content/: the only outcomes are success or one ContentError/DigestError, fast.

Front matter (parsed and validated as `digest check` does), site.yml, topics.yml and ingested.yml (with
the papers ingest reads) get arbitrary text and mutations of the repository's own files: byte flips,
line deletions and duplications, YAML specials inserted anywhere, a cut at any point. A traceback of any
other exception, or an example slower than `SECONDS`, fails the test. `make fuzz` runs 50 times more.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from generator.content import FIELD_ORDER, parse_content_text, read_content_file
from generator.errors import DigestError
from generator.ingest.store import load_manifest, load_store
from generator.site import load_config, load_site, validate_paper
from generator.topics import load_topics

from .common import CONTENT
from .fuzz_support import fuzz_settings

pytestmark = pytest.mark.fuzz

#: The most one example may take: real files load in milliseconds; a hang or a blow-up takes far longer.
SECONDS = 3.0

PAPERS = sorted((CONTENT / "papers").glob("*.md"))
TOPICS = CONTENT / "topics.yml"
REAL_FILES = {
    "paper": [p.read_bytes() for p in PAPERS[:12]],
    "site": [(CONTENT / "site.yml").read_bytes()]
    if (CONTENT / "site.yml").exists()
    else [b"title: Digest\n"],
    "topics": [TOPICS.read_bytes()],
    "manifest": [(CONTENT / "ingested.yml").read_bytes()],
}

# What makes YAML (and our loaders) take another path: anchors, aliases, tags, indicators, merge keys,
# impossible dates, numbers too big, document markers, control characters, a BOM, CRLF.
SPECIALS = [
    "&a ",
    "*a",
    "&a [*a, *a]",
    "!!python/object/apply:os.system ['x']",
    "!!binary aGk=",
    "!!set {a}",
    "!!timestamp x",
    "!!bool x",
    "!!int ",
    "!!float x",
    "!foo ",
    "? ",
    "- ",
    ": ",
    "<<: ",
    "---",
    "...",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    '"',
    "|",
    ">",
    "#",
    "%YAML 1.1",
    "@",
    "`",
    "\t",
    "\x00",
    "\x07",
    "\x85",
    "\u2028",
    "\ufeff",
    "\r\n",
    "\r",
    "\\",
    "2026-02-30",
    "0000-01-01",
    "2026-01-01 10:00:00 +99:00",
    "~",
    "null",
    "yes",
    "1e999",
    "0x1F",
    "9" * 5000,
    "[" * 80,
    "- " * 80,
    "title: again\n",
    "id: dup\n",
    "digests: [null]\n",
    "links: [{label: x, url: 'javascript:alert(1)'}]\n",
    "arxiv: {a: 1}\n",
    "rank: {2026-02-30: 1}\n",
    "x" * 120_000,
]


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> bytes:
    """One of the real files of `kind`, changed in one to four places."""
    data = bytearray(draw(st.sampled_from(REAL_FILES[kind])))
    for _ in range(draw(st.integers(1, 4))):
        lines = bytes(data).split(b"\n")
        how = draw(st.sampled_from(["flip", "delete", "duplicate", "insert", "cut"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        line = draw(st.integers(0, len(lines) - 1))
        if how == "flip" and data:  # mostly to another printable character, which YAML reads on
            data[at] = draw(st.one_of(st.integers(32, 126), st.integers(0, 255)))
        elif how == "delete":
            data = bytearray(b"\n".join(lines[:line] + lines[line + 1 :]))
        elif how == "duplicate":
            data = bytearray(b"\n".join(lines[: line + 1] + lines[line:]))
        elif how == "insert":
            data[at:at] = draw(st.sampled_from(SPECIALS)).encode("utf-8", "surrogatepass")
        else:
            data = data[:at]
    return bytes(data)


#: Arbitrary text, weighted towards YAML's special characters and our own fields.
ARBITRARY = st.lists(
    st.one_of(
        st.sampled_from(SPECIALS[:-1]), st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
    ),
    max_size=12,
).map("".join)
#: Values as YAML text: well-formed ones of every field's type, and the hostile ones.
VALUES = st.one_of(
    st.sampled_from(
        [
            *("2026-05-09", "'2026-05-09'", "[2026-05-09]", "[]", "['a']", "[language-models]", "3", "-1"),
            *("", "x", "[{label: Code, url: 'https://x.org'}]", "{'2026-05-09': 2}", "'2601.15305'", "null"),
        ]
    ),
    st.sampled_from(SPECIALS[:-1]),
    ARBITRARY,
)
#: Front matter shaped like ours: each field (known or not) once, with any of those values.
FIELDISH = st.dictionaries(
    st.one_of(
        st.sampled_from(FIELD_ORDER), st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=6)
    ),
    VALUES,
    max_size=16,
).map(lambda fields: "\n".join(f"{key}: {value}" for key, value in fields.items()))


@contextmanager
def in_time() -> Iterator[None]:
    """The block either succeeds or raises DigestError (the one-line errors), within SECONDS."""
    start = time.monotonic()
    try:
        yield
    except DigestError as exc:
        assert str(exc).strip() and "\n" not in exc.message.strip("\n"), repr(exc.message)
        event(f"error: {' '.join(exc.message.split()[:3])}")  # what was found (--hypothesis-show-statistics)
    else:
        event("loaded")
    assert time.monotonic() - start < SECONDS


@contextmanager
def content_folder() -> Iterator[Path]:
    """A fresh content folder with the project's taxonomy (the papers and other files are the test's)."""
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        (content / "papers").mkdir(parents=True)
        shutil.copy(TOPICS, content / "topics.yml")
        yield content


def check_paper(data: bytes) -> None:
    """A paper file as `digest check` sees it: read, parsed, validated, and loaded into the site model."""
    with content_folder() as content:
        path = content / "papers" / PAPERS[0].name
        path.write_bytes(data)
        with in_time():
            content_file = read_content_file(path)
            validate_paper(content_file, None)
            load_site(content)


@fuzz_settings(350)
@given(mutated("paper"))
def test_mutated_papers_load_or_fail_in_one_line(data: bytes) -> None:
    check_paper(data)


@fuzz_settings(300)
@given(st.one_of(ARBITRARY, FIELDISH), st.sampled_from([True, True, True, False]))
def test_arbitrary_front_matter_parses_or_fails_in_one_line(text: str, fenced: bool) -> None:
    document = f"---\n{text}\n---\n\nBody.\n" if fenced else text
    with in_time():
        content = parse_content_text(document, Path("paper.md"))
        validate_paper(content, {"language-models"})
    check_paper(document.encode("utf-8", "surrogatepass"))


def load_file(name: str, data: bytes, load: Callable[[Path], object]) -> None:
    with content_folder() as content:
        (content / name).write_bytes(data)
        with in_time():
            load(content / name)


@fuzz_settings(200)
@given(st.one_of(mutated("site"), ARBITRARY.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_site_yml_loads_or_fails_in_one_line(data: bytes) -> None:
    load_file("site.yml", data, lambda path: load_config(path.parent))


@fuzz_settings(120)
@given(st.one_of(mutated("topics"), ARBITRARY.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_topics_yml_loads_or_fails_in_one_line(data: bytes) -> None:
    load_file("topics.yml", data, load_topics)


@fuzz_settings(200)
@given(st.one_of(mutated("manifest"), ARBITRARY.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_ingested_yml_loads_or_fails_in_one_line(data: bytes) -> None:
    load_file("ingested.yml", data, load_manifest)


@fuzz_settings(120)
@given(mutated("paper"), mutated("manifest"))
def test_what_ingest_reads_loads_or_fails_in_one_line(paper: bytes, manifest: bytes) -> None:
    with content_folder() as content:
        (content / "papers" / PAPERS[0].name).write_bytes(paper)
        (content / "papers" / PAPERS[1].name).write_bytes(PAPERS[1].read_bytes())
        (content / "ingested.yml").write_bytes(manifest)
        with in_time():
            load_store(content)

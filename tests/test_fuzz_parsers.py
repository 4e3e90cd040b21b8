"""Fuzzing the digest parsers and the search query normaliser with hypothesis.

Every format goes through what `digest ingest` does before planning (read the file, detect or force the
format, parse, normalise), on arbitrary text and on the real samples mutated (bytes flipped, lines
deleted, duplicated, swapped, the file cut short, hostile strings inserted). The only outcomes allowed
are a ParsedDigest whose invariants hold or an InputError (a one-line error for the user): never another
exception, never an example slower than TIME_BOUND. Planning then runs on what was parsed, to check that
a paper id seen twice is reported as a duplicate rather than lost.

The query normaliser's Python twin and static/js/query-normalize.js must agree on arbitrary queries, and
a normalised query must never make lunr (lunr.js or lunr.py) raise. Example counts are for `make test`;
`make fuzz` multiplies them (tests/fuzz_support.py).
"""

from __future__ import annotations

import gzip
import time
import unicodedata
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from lunr.exceptions import BaseLunrException

from generator.errors import InputError
from generator.ingest.detect import FORMATS, choose_format
from generator.ingest.merge import plan_digest
from generator.ingest.normalize import normalize_digest
from generator.ingest.source import load_source
from generator.ingest.store import load_store
from generator.model import MAX_ABSTRACT_CHARS, MAX_TITLE_CHARS, ParsedDigest

from .common import CONTENT, SEED, SHARED
from .fuzz_support import fuzz_settings
from .search_support import load_lunr_py, normalize_query
from .test_search_parity import _run_node

pytestmark = pytest.mark.fuzz

#: No example may take longer than this (the samples parse in milliseconds; a regex gone quadratic or a
#: loop that never ends shows up here instead of hanging the suite).
TIME_BOUND = 5.0
FORMAT_NAMES = [module.FORMAT for module in FORMATS]
SAMPLES = SHARED / "samples"
#: Strings that have broken parsers and templates elsewhere: front matter fences, template syntax, markup,
#: entities, mail and JSON syntax, CJK, right-to-left marks, BOM, odd line ends, NUL, long runs.
HOSTILE = [
    "---", "{{ 7*7 }}", "{% raw %}", "<script>alert(1)</script>", "]]>", "<!ENTITY x 'y'>", "&x;", "&#0;",
    "\\\\", "arXiv:2601.00001", "Title: ", "-" * 78, "%%%---" * 13, "{", "}", "[", "]", '"', "\\u0000",
    "大規模言語モデル", "\u202e\u200fشبكة", "\ufeff", "\r", "\r\n", "\x00", "\u2028", "\x85", "May 9",
    "``" * 50, "1" * 5000, "[" * 3000, "a" * 20000, "\n\n", "https://github.com/a/b", "??? !!! ...",
]  # fmt: skip


def _sample_bytes() -> dict[str, list[bytes]]:
    """The real inputs of each format (a JSON lines sample is the first records of the HF corpus)."""
    corpus = SHARED / "corpora" / "hf-papers-feed-history-11k.jsonl.gz"
    if not SEED.exists() or not corpus.exists():
        pytest.skip("../shared is absent: the fuzz tests mutate its real samples")
    with gzip.open(corpus, "rb") as handle:
        jsonl = b"".join(islice(handle, 25))
    return {
        "hf-page": [SEED.read_bytes()],
        "arxiv-email": [p.read_bytes() for p in sorted((SAMPLES / "arxiv-email").glob("*.txt"))],
        "hf-json": [p.read_bytes() for p in sorted((SAMPLES / "hf-api").glob("*.json"))],
        "arxiv-atom": [p.read_bytes() for p in sorted((SAMPLES / "arxiv-atom").glob("*.xml"))],
        "jsonl": [jsonl],
    }


@pytest.fixture(scope="module")
def samples() -> dict[str, list[bytes]]:
    return _sample_bytes()


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def ingest_parse(data: bytes, name: str, fmt: str, folder: Path) -> ParsedDigest | InputError:
    """Read, detect (or force) and parse one digest as `digest ingest` does, then plan it into an empty
    content folder; returns the parsed digest, or the InputError a user would see."""
    path = folder / name
    path.write_bytes(data)
    started = time.perf_counter()
    try:
        source = load_source(path)
        module = choose_format(fmt, source.head, path)
        parsed = normalize_digest(module.parse(source))
    except InputError as error:
        return error
    finally:
        assert time.perf_counter() - started < TIME_BOUND, f"{fmt} took too long on {data[:200]!r}"
    check_invariants(parsed, source, module.FORMAT, folder)
    return parsed


def check_invariants(parsed: ParsedDigest, source: Any, fmt: str, folder: Path) -> None:
    """Nothing lost, nothing unusable kept, and a repeated id is reported by planning."""
    assert parsed.records == len(parsed.papers) + len(parsed.skipped), (parsed.records, parsed.skipped)
    for paper in parsed.papers:
        assert paper.title and paper.title == paper.title.strip()
        assert len(paper.title) <= MAX_TITLE_CHARS and len(paper.abstract) <= MAX_ABSTRACT_CHARS
        assert paper.id
    ids = [paper.id for paper in parsed.papers]
    if len(set(ids)) == len(ids):
        return
    content = folder / "content"
    content.mkdir(exist_ok=True)
    plan = plan_digest(load_store(content), source, fmt, parsed.papers, date(2026, 1, 1), "test")
    repeats = len(ids) - len(set(ids))
    reported = [c for c in plan.changes if c.action == "skipped" and "the same paper as line" in c.reason]
    assert len(reported) == repeats


def _structured_text() -> st.SearchStrategy[str]:
    """Text made of the pieces the formats are built from, so the parsers get past their first checks."""
    piece = st.sampled_from(
        [
            "May 9", "new", "Subscribe", "A Title About Models", "Can LLM Teams Play What? Where? When?",
            "We study things. We find more.", "An abstract without a period", "\\\\",
            "arXiv:2601.15305", "Title: A Paper", "Authors: A. Person and B. Person", "Categories: cs.LG",
            "  an indented abstract line", "\\\\ ( https://arxiv.org/abs/2601.15305 ,  5kb)", "-" * 78,
            "%-%-%-%-%-%-", "%%--%%--%%--", "%%%---%%%---", '{"title": "T", "abstract": "A."}',
            '[{"paper": {"id": "2601.00001", "title": "T", "upvotes": 3}}]',
            '<?xml version="1.0"?>', '<feed xmlns="http://www.w3.org/2005/Atom">', "<entry>", "</entry>",
            "<title>T</title>", "</feed>", "From: arxiv@arxiv.org", "Subject: cs daily", "", "",
            *HOSTILE[:20],
        ]
    )  # fmt: skip
    line = st.one_of(piece, st.text(max_size=40))
    return st.lists(line, max_size=40).map("\n".join)


def _mutation(data: st.DataObject, raw: bytes) -> bytes:
    """One change of the kinds real damage takes, drawn by hypothesis (so failures shrink)."""
    lines = raw.split(b"\n")
    kind = data.draw(st.sampled_from(["flip", "delete", "duplicate", "swap", "truncate", "insert", "splice"]))
    at = data.draw(st.integers(0, max(len(lines) - 1, 0)))
    if kind == "flip" and raw:
        index = data.draw(st.integers(0, len(raw) - 1))
        return raw[:index] + bytes([data.draw(st.integers(0, 255))]) + raw[index + 1 :]
    if kind == "delete":
        return b"\n".join(lines[:at] + lines[at + 1 :])
    if kind == "duplicate":
        return b"\n".join(lines[: at + 1] + lines[at:])
    if kind == "swap":
        other = data.draw(st.integers(0, max(len(lines) - 1, 0)))
        lines[at], lines[other] = lines[other], lines[at]
        return b"\n".join(lines)
    if kind == "truncate":
        return raw[: data.draw(st.integers(0, len(raw)))]
    hostile = data.draw(st.sampled_from(HOSTILE)).encode("utf-8", "surrogatepass")
    if kind == "insert":
        return b"\n".join([*lines[:at], hostile, *lines[at:]])
    index = data.draw(st.integers(0, len(raw)))
    return raw[:index] + hostile + raw[index:]


def _assert_outcome(result: ParsedDigest | InputError) -> None:
    if isinstance(result, InputError):
        assert "\n" not in str(result), "an error for the user is one line"


@pytest.mark.parametrize("fmt", ["auto", *FORMAT_NAMES])
@fuzz_settings(80)
@given(text=st.one_of(st.text(), _structured_text()))
def test_arbitrary_text(fmt: str, text: str, work: Path) -> None:
    """Any text, through detection or forced into each format's parser."""
    _assert_outcome(ingest_parse(text.encode("utf-8", "surrogatepass"), "digest.txt", fmt, work))


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
@fuzz_settings(120)
@given(data=st.data())
def test_mutated_samples(fmt: str, data: st.DataObject, samples: dict[str, list[bytes]], work: Path) -> None:
    """A real sample of the format with one to four kinds of damage, detected and forced."""
    raw = data.draw(st.sampled_from(samples[fmt]))
    for _ in range(data.draw(st.integers(1, 4))):
        raw = _mutation(data, raw)
    _assert_outcome(ingest_parse(raw, "digest.txt", "auto", work))
    _assert_outcome(ingest_parse(raw, "digest.txt", fmt, work))


def test_unmutated_samples_keep_every_record(samples: dict[str, list[bytes]], work: Path) -> None:
    """The baseline the mutations start from: every real sample parses, nothing is skipped unsaid."""
    for fmt, inputs in samples.items():
        for raw in inputs:
            result = ingest_parse(raw, "digest.txt", "auto", work)
            assert isinstance(result, ParsedDigest) and result.format == fmt
            assert result.records == len(result.papers) + len(result.skipped) > 0


# --- the search query normaliser -----------------------------------------------------------------------

QUERY_CHARS = st.one_of(
    st.characters(),
    st.sampled_from([*"+-:~^*?!.,;'\"()[]{}<>=|/\\&_ 0123456789", "\u2019", "\u00a0", "\u2003", "\u3000"]),
    st.sampled_from(["title:", "abstract:", "authors:", "topics:", "Title:", "foo:", "\ud800", "\udfff"]),
    st.sampled_from(["e\u0301", "\U0001d465", "\U0001f680", "日本", "ß", "İ", "\u200b", "\ufeff"]),
)


def _as_javascript_sees_it(query: str) -> str:
    """The query as a JavaScript string holds it: JS strings are UTF-16, so a high and a low surrogate
    drawn side by side are one character there (\\ud800\\udfff is U+103FF); Python must see that too."""
    return query.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


QUERIES = st.lists(
    st.lists(QUERY_CHARS, max_size=12).map("".join).map(_as_javascript_sees_it), min_size=150, max_size=150
)


@pytest.fixture(scope="module")
def seed_index() -> dict[str, Any]:
    """The repository's seed site as one whole serialized search index."""
    from generator.search.index import build_index
    from generator.search.parts import search_docs
    from generator.site import load_site

    site = load_site(CONTENT)
    return build_index(search_docs(site.papers, {topic.slug: topic.name for topic in site.topics}))


def _lunr_py_raises(indexes: list[Any], query: str) -> str | None:
    """lunr.py's error on a normalised query, or None; lunr's own parse errors are named as such."""
    try:
        for index in indexes:
            index.search(query)
    except BaseLunrException as error:
        return f"lunr.py query error: {error}"
    return None


def _unknown_to_python(query: str) -> bool:
    """Whether the query has a character this Python's Unicode database does not know (Python 3.11 has
    Unicode 14.0, node 20 has 15.1 or later: CJK extensions H and I, new scripts)."""
    return any(unicodedata.category(char) == "Cn" for char in query)


# No shrinking: each example is one node process over 150 queries, and the failure message already
# names the queries that went wrong.
@settings(parent=fuzz_settings(6), phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(queries=QUERIES)
def test_query_normalizer_twins_agree_and_lunr_never_raises(
    queries: list[str], seed_index: dict[str, Any]
) -> None:
    """Python and JavaScript normalise every query alike, and lunr.js and lunr.py run what comes out.

    The one known difference is a Unicode version skew: a character assigned after the Unicode version
    of Python's database is a letter to JavaScript and punctuation to Python (and to the index lunr.py
    builds, so such a word cannot be found either way). Any other difference fails.
    """
    started = time.perf_counter()
    js = _run_node("query.js", {"shards": [seed_index], "queries": queries, "normalize": queries})
    ours = [normalize_query(query) for query in queries]
    differ = [(q, py, j) for q, py, j in zip(queries, ours, js["normalized"], strict=True) if py != j]
    assert all(_unknown_to_python(q) for q, _, _ in differ), [
        d for d in differ if not _unknown_to_python(d[0])
    ]
    thrown = [(q, r["error"]) for q, r in zip(queries, js["results"], strict=True) if isinstance(r, dict)]
    assert not thrown, thrown[:5]
    indexes = [load_lunr_py(seed_index)]
    raised = [(q, why) for q in ours if q and (why := _lunr_py_raises(indexes, q))]
    assert not raised, raised[:5]
    assert time.perf_counter() - started < 60

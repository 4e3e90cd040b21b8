"""The direct lunr index builder against lunr.py.

`build_index` (generator/search/lunr_direct.py) must give exactly what `build_index_lunrpy` (lunr.py's
Builder, the reference) gives: the same dict and the same JSON bytes, on the seed, on 1,000 arXiv papers
and on hostile text; `term_postings` must be that index turned inside out. lunr.py takes a few seconds on
the 1,000 papers, so each reference is built once.
"""

from __future__ import annotations

import math
import random
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lunr.builder import Builder
from lunr.stop_word_filter import WORDS
from lunr.token import Token

import generator.search.index as index_module
from generator.search.index import (
    BREAK_CHARS,
    DECIMALS,
    FIELDS,
    PIPELINE,
    SEARCH_PIPELINE,
    SearchDoc,
    _clean,
    _clean_by_regex,
    _js_key_order,
    build_index,
    build_index_lunrpy,
    ref_for,
    texts_of,
)
from generator.search.lunr_direct import _round, serialize_index, term_postings
from generator.search.parts import doc_for
from generator.site import load_site

from . import search_support
from .common import REPO, SHARED
from .fuzz_support import fuzz_settings

CORPUS = SHARED / "corpora" / "arxiv-cs-abstracts-50k.jsonl.gz"
CORPUS_PAPERS = 1000


def inside_out(index: dict[str, Any]) -> list[tuple[str, int, list[list[Any]]]]:
    """What `term_postings` must give, read off a serialized index: per term, per field, its refs in the
    posting's order, each with the score the field vector gives the term."""
    scores = {}
    for field_ref, elements in index["fieldVectors"]:
        for i in range(0, len(elements), 2):
            scores[field_ref, elements[i]] = elements[i + 1]
    out = []
    for term, posting in index["invertedIndex"]:
        number = posting["_index"]
        per_field = []
        for name in index["fields"]:
            flat: list[Any] = []
            for ref in posting[name]:
                flat += [ref, scores[f"{name}/{ref}", number]]
            per_field.append(flat)
        out.append((term, number, per_field))
    return out


def assert_postings_are_the_index(docs: Sequence[SearchDoc], index: dict[str, Any]) -> None:
    refs = [ref_for(n) for n in range(len(docs))]
    got = list(term_postings([texts_of(d) for d in docs], refs, FIELDS, PIPELINE, decimals=DECIMALS))
    assert got == inside_out(index)


def assert_same_index(docs: Sequence[SearchDoc], reference: dict[str, Any] | None = None) -> dict[str, Any]:
    direct = build_index(docs)
    reference = build_index_lunrpy(docs) if reference is None else reference
    assert direct["fields"] == reference["fields"]
    assert direct["pipeline"] == reference["pipeline"]
    assert direct["version"] == reference["version"] == "2.3.9"
    assert [ref for ref, _ in direct["fieldVectors"]] == [ref for ref, _ in reference["fieldVectors"]]
    for (ref, mine), (_, theirs) in zip(direct["fieldVectors"], reference["fieldVectors"], strict=True):
        assert mine == theirs, ref
        assert [type(x) for x in mine] == [type(x) for x in theirs], ref  # ints stay ints
    assert [term for term, _ in direct["invertedIndex"]] == [term for term, _ in reference["invertedIndex"]]
    assert direct == reference
    # Same JSON: dict equality ignores key order, and the order of refs in a posting is lunr.js's ranking.
    assert index_module.dumps(direct) == index_module.dumps(reference)
    return direct


# --- the seed ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_docs() -> list[SearchDoc]:
    site = load_site(REPO / "content")
    names = {topic.slug: topic.name for topic in site.topics}
    return [doc_for(paper, names) for paper in site.papers]


def test_seed_index_is_lunrpys(seed_docs: list[SearchDoc]) -> None:
    assert len(seed_docs) > 36  # refs past "z", so "10" is among them and JavaScript order matters
    assert_postings_are_the_index(seed_docs, assert_same_index(seed_docs))
    for start in range(0, len(seed_docs), 20):
        assert_same_index(seed_docs[start : start + 20])


# --- 1,000 arXiv papers --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_docs() -> list[SearchDoc]:
    if not CORPUS.exists():
        pytest.skip(f"../shared is absent: {CORPUS} not found (the arXiv corpus tests need it)")
    return search_support.corpus_docs(CORPUS, CORPUS_PAPERS)


@pytest.fixture(scope="module")
def corpus_reference(corpus_docs: list[SearchDoc]) -> dict[str, Any]:
    return build_index_lunrpy(corpus_docs)  # a few seconds: built once


def test_corpus_index_is_lunrpys(corpus_docs: list[SearchDoc], corpus_reference: dict[str, Any]) -> None:
    direct = assert_same_index(corpus_docs, corpus_reference)
    # 1,000 refs run to "rr": "0".."9" and "10".."99" are array indices that JavaScript enumerates first.
    posting = dict(direct["invertedIndex"])["model"]["abstract"]
    refs = list(posting)
    numeric = [ref for ref in refs if ref.isdigit()]
    assert refs[: len(numeric)] == sorted(numeric, key=int)
    assert any(int(ref) >= 10 for ref in numeric) and len(numeric) < len(refs)
    assert refs == list(_js_key_order(posting))


def test_corpus_postings_are_the_index(
    corpus_docs: list[SearchDoc], corpus_reference: dict[str, Any]
) -> None:
    assert_postings_are_the_index(corpus_docs, corpus_reference)


def test_other_precisions_are_lunrpys(corpus_docs: list[SearchDoc]) -> None:
    docs = corpus_docs[:60]
    for decimals in (0, 1, 3, 4):
        assert build_index(docs, decimals) == build_index_lunrpy(docs, decimals)


# --- hostile text ---------------------------------------------------------------------------------------


def hostile_docs() -> list[SearchDoc]:
    def doc(
        title: str, abstract: str = "", authors: Sequence[str] = (), topics: Sequence[str] = ()
    ) -> SearchDoc:
        return SearchDoc(
            title=title,
            url=f"papers/{len(title)}/",
            date="2024-01-01",
            topics=tuple(topics),
            authors=tuple(authors),
            abstract=abstract,
        )

    words = " ".join(f"w{n} model{'s' * (n % 2)}" for n in range(1100))
    docs = [
        doc("Empty abstract, no authors"),
        doc("", "", (), ()),  # nothing at all
        doc(
            "大规模语言模型的综述",
            "基于 Transformer 的模型。中文\uff0c日本語のテキスト、한국어 텍스트",
            ["王小明", "李华"],
        ),
        doc(
            "Emoji 🚀 rocket🚀s and 👩‍🔬 scientists",
            "🔥🔥 hot 🔥take; \U0001d401\U0001d428\U0001d425\U0001d41d"
            " \U0001d456\U0001d461\U0001d44e letters",
        ),
        doc("__proto__ constructor prototype hasOwnProperty toString", "__proto__: valueOf __defineGetter__"),
        doc("0 1 10 007 4294967294 4294967295 1e3 NaN Infinity -1 3.14", "0x1F 2^32 1,000,000 ½ ² ٣ ⅷ"),
        doc("The and of a an is it to in for on with", " ".join(sorted(WORDS))),  # only stop words
        doc("Lone \ud800 surrogate and a\udc00b", "tail \udfff and pair \U0001f600"),
        doc("repeat " * 300, "again again again Again AGAIN again. again, again!"),
        doc(words[:10_000], "a 10,000-character title of 2,200 words"),
        doc("x" * 10_000, "one 10,000-character word"),
        doc("Tabs\tnew\nlines\r\nform\fvertical\vnbsp\xa0ideographic\u3000space", "a\u2028b\u2029c\x85d"),
        doc(
            "Hyphen-ated words\u2014dashes \u2013 and \u2010 unicode hyphens",
            "GPT-4o/Claude; onerror=alert(1) <b>x</b>",
        ),
        doc("Trailing punctuation... 'quotes' \"double\" «guillemets» (parens) [brackets]", "x.y.z a.b"),
        doc("Survey surveys surveying surveyed try tries trying", "generalization generalizations"),
        doc("İstanbul ǅemal ΣΊΣΥΦΟΣ ẞ ﬁ ligature", "Straße STRASSE ß"),
        doc("Combining e\u0301 and cafe\u0301 café", "zero\u200bwidth joiner\u200d non\u200cjoiner"),
        doc("Ends with y: sky yes yy y", "ye yay yey", ["Y. Y."]),
        doc("", "Only an abstract", ["Solo"], ["Topic With Spaces", "cs.LG"]),
        doc("Authors only", "", [", ".join(["Ng"] * 5), "O'Neil", "d'Artagnan", "van der Berg"]),
    ]
    while len(docs) < 40:  # refs past "z" and "10": JavaScript key order matters
        n = len(docs)
        docs.append(doc(f"Filler paper {n} on model {n % 3}", f"filler text {n} model", [f"Author {n % 4}"]))
    return docs


def test_hostile_index_is_lunrpys() -> None:
    docs = hostile_docs()
    index = assert_same_index(docs)
    assert_postings_are_the_index(docs, index)
    assert index_module.dumps(index).isascii()  # a lone surrogate made dumps fall back to ASCII escapes


def test_single_hostile_documents_are_lunrpys() -> None:
    for doc in hostile_docs()[:20]:
        assert_same_index([doc])


def test_no_documents_give_an_empty_index() -> None:
    # lunr.py divides by zero here; the direct builder gives what lunr.js's would.
    assert build_index([]) == {
        "version": "2.3.9",
        "fields": [name for name, _boost in FIELDS],
        "fieldVectors": [],
        "invertedIndex": [],
        "pipeline": ["stemmer"],
    }


_PIECES = [
    *"abcdeisy ",
    "  ",
    "-",
    "'",
    ".",
    ",",
    "\t",
    "\xa0",
    "\u3000",
    "é",
    "ß",
    "İ",
    "中",
    "🚀",
    "\ud800",
]
_PIECES += ["the ", "and ", "model ", "models ", "0 ", "10 ", "__proto__ ", "constructor "]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@pytest.mark.fuzz
@fuzz_settings(40)
@given(st.lists(st.tuples(_TEXT, _TEXT, st.lists(_TEXT, max_size=3)), min_size=1, max_size=45))
def test_arbitrary_text_is_lunrpys(papers: list[tuple[str, str, list[str]]]) -> None:
    docs = [
        SearchDoc(title=t, url="u", date="2024-01-01", topics=(t[:5],), authors=tuple(a), abstract=x)
        for t, x, a in papers
    ]
    assert build_index(docs) == build_index_lunrpy(docs)


def test_clean_is_the_regex_version() -> None:
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    assert [c for c in everything if c.isspace()] == re.findall(r"\s", everything)
    samples = [
        "",
        " ",
        "  a  ",
        "\x1c\x1d\x1e\x1f\x85\u2028x\u3000",
        BREAK_CHARS,
        f"a{BREAK_CHARS}b",
        "GPT-4o/Claude: (a) [b]  \t\n c",
        everything[:70_000],
    ]
    for text in samples:
        assert _clean(text) == _clean_by_regex(text)


# --- lunr_direct beyond what build_index uses: document boosts, pipelines that split tokens ---------------


def _splitter(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Any:
    """Splits `a_b` into `a` and `b`, drops `drop`, and leaves the rest."""
    if token.string == "drop":
        return None
    if "_" in token.string:
        return [Token(part, dict(token.metadata)) for part in token.string.split("_")]
    return token


_splitter.label = "testSplitter"  # type: ignore[attr-defined]


def lunrpy_reference(
    texts: Sequence[Sequence[str]],
    fields: Sequence[tuple[str, int]],
    pipeline: Sequence[Callable[..., Any]],
    boosts: Sequence[float] | None,
) -> dict[str, Any]:
    builder = Builder()
    builder.pipeline.add(*pipeline)
    builder.search_pipeline.add(*SEARCH_PIPELINE)
    builder.ref("id")
    for name, boost in fields:
        builder.field(name, boost=boost)
    for number, row in enumerate(texts):
        attributes = None if boosts is None else {"boost": boosts[number]}
        builder.add(
            {"id": ref_for(number), **dict(zip([n for n, _ in fields], row, strict=True))}, attributes
        )
    return builder.build().serialize()


def test_boosts_and_splitting_pipelines_are_lunrpys() -> None:
    rng = random.Random(7)
    vocabulary = ["alpha", "beta_gamma", "drop", "the", "x_y_z", "models", "model", "a_", "_b", "10", "0"]
    texts = [
        [" ".join(rng.choice(vocabulary) for _ in range(rng.randrange(0, 12))) for _field in range(2)]
        for _doc in range(50)
    ]
    fields = [("one", 3), ("two", 1)]
    pipeline = [_splitter, *PIPELINE]
    for boosts in (None, [rng.choice([1, 2, 0.5, 7.25]) for _ in texts]):
        reference = lunrpy_reference(texts, fields, pipeline, boosts)
        direct = serialize_index(
            texts, [ref_for(n) for n in range(len(texts))], fields, pipeline, SEARCH_PIPELINE, boosts=boosts
        )
        assert direct == reference
        for _term, posting in direct["invertedIndex"]:
            for name, _boost in fields:
                assert list(posting[name]) == list(_js_key_order(posting[name]))


def test_rounding_is_pythons() -> None:
    rng = random.Random(3)
    values = [k / 20_000 for k in range(100_000)]  # every 0.00005 up to 5: ties at 3 and 2 decimals
    values += [math.nextafter(v, math.inf) for v in values[::7]] + [math.nextafter(v, 0) for v in values[::7]]
    values += [rng.uniform(0, 300) for _ in range(20_000)] + [0.0625, 0.125, 2.675, 1.0005, 0.0, 299.9995]
    scores = np.array(values)
    for decimals in (None, 0, 1, 2, 3, 4, -1):
        expected = [round(v, 3) if decimals is None else round(round(v, 3), decimals) for v in values]
        assert _round(scores, decimals).tolist() == expected, decimals
    odd = np.array([-0.0, -1.2345, 1e7 + 0.0005, 123.4565])  # out of the vectorized range: Python's round
    got = _round(odd, 2).tolist()
    assert got == [round(round(v, 3), 2) for v in odd.tolist()]
    assert math.copysign(1, got[0]) == -1

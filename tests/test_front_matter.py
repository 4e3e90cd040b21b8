"""Front matter as ingest writes it: the fast libyaml emitter writes what the pure-Python one would
(byte for byte, except that it keeps characters beyond U+FFFF, such as emoji, as themselves where the
Python emitter writes `\U0001f600`), both load back the same, and every new field loads back."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.content import compose_file, dump_yaml, parse_content_text

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=80)
BMP_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0xFFFF), max_size=80
)


def pure_python_dump(data: dict[str, object]) -> str:
    return yaml.dump(
        data,
        Dumper=yaml.SafeDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=2**31 - 1,
    )


def front(title: str, authors: list[str], comment: str) -> dict[str, object]:
    return {
        "title": title,
        "authors": authors,
        "comment": comment,
        "rank": {"2026-05-09": 3},
        "arxiv": "2601.15310",
    }


@settings(max_examples=300, deadline=None)
@given(title=BMP_TEXT, authors=st.lists(BMP_TEXT, max_size=5), comment=BMP_TEXT)
def test_libyaml_and_python_emitters_write_the_same_bytes(
    title: str, authors: list[str], comment: str
) -> None:
    data = front(title, authors, comment)
    assert dump_yaml(data) == pure_python_dump(data)


@settings(max_examples=300, deadline=None)
@given(title=TEXT, authors=st.lists(TEXT, max_size=5), comment=TEXT)
def test_libyaml_and_python_emitters_load_back_the_same(title: str, authors: list[str], comment: str) -> None:
    data = front(title, authors, comment)
    assert yaml.safe_load(dump_yaml(data)) == yaml.safe_load(pure_python_dump(data)) == data


def test_metadata_fields_load_back_as_written() -> None:
    meta = {
        "id": "2601.15310",
        "title": "A: title # with YAML specials",
        "authors": ["Ada Lovelace", "yes", "null"],
        "arxiv": "2601.15310",
        "date": "2026-01-23",
        "digests": ["2026-01-23"],
        "rank": {"2026-01-23": 4},
        "published": "2026-01-12",
        "categories": ["cs.LG", "stat.ML"],
        "topics": [],
        "keywords": ["a", "b"],
        "upvotes": 7,
        "links": [],
        "comment": "15 pages: accepted",
        "source": "digests/x.txt",
    }
    text = compose_file(meta, "Body.")
    assert "arxiv: '2601.15310'" in text and "rank:\n  '2026-01-23': 4\n" in text
    assert "published: 2026-01-12\n" in text
    assert parse_content_text(text, Path("x.md")).meta == meta


def test_a_hand_written_unquoted_rank_date_loads_as_text() -> None:
    text = "---\nid: x\nrank:\n  2026-05-09: 2\n---\n\nBody.\n"
    assert parse_content_text(text, Path("x.md")).meta["rank"] == {"2026-05-09": 2}

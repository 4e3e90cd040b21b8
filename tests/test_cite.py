"""Citations: BibTeX entries, keys unique across a site, Scholar tags, OpenGraph and JSON-LD.

The rule they all follow: a date is the paper's own (its arXiv id's, or the source's `published`), never
the digest's. Pointer Networks trending on May 9, 2026 is still a 2015 paper.
"""

from __future__ import annotations

import json
from typing import Any

from generator import cite
from generator.model import Link
from generator.site import SitePaper

POINTER_AUTHORS = ["Oriol Vinyals", "Meire Fortunato", "Navdeep Jaitly"]


def paper(**fields: Any) -> SitePaper:
    """A paper listed in the digest of May 9, 2026 with no metadata unless given."""
    values: dict[str, Any] = {
        "slug": "pointer-networks",
        "id": "t-1",
        "title": "Pointer Networks",
        "date": "2026-05-09",
        "digests": ["2026-05-09"],
        "topics": ["architectures"],
        "links": [],
        "source": "digests/x.txt",
        "authors": [],
        "arxiv": None,
        "html": "<p>We introduce a new neural architecture.</p>",
        "text": "We introduce a new neural architecture.",
        "content_path": "papers/pointer-networks.md",
    }
    values.update(fields)
    return SitePaper(**values)


def bib(item: SitePaper, page_url: str | None = None) -> str:
    key = cite.bibtex_keys([item])[item.slug]
    return cite.bibtex(item, key, site_title="Research Digest", page_url=page_url)


# --- BibTeX -----------------------------------------------------------------------------------------


def test_bibtex_with_an_arxiv_id_is_a_preprint_entry_dated_by_the_id() -> None:
    item = paper(authors=POINTER_AUTHORS, arxiv="1506.03134", categories=["stat.ML", "cs.CG", "cs.LG"])
    assert bib(item) == (
        "@misc{vinyals2015pointer,\n"
        "  title = {{Pointer Networks}},\n"
        "  author = {Oriol Vinyals and Meire Fortunato and Navdeep Jaitly},\n"
        "  year = {2015},\n"
        "  eprint = {1506.03134},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {stat.ML},\n"
        "  url = {https://arxiv.org/abs/1506.03134}\n"
        "}"
    )


def test_the_id_s_year_wins_over_published_and_the_digest_date() -> None:
    item = paper(arxiv="1506.03134", published="2016-01-04")
    assert "year = {2015}" in bib(item) and "2026" not in bib(item)
    assert "primaryClass" not in bib(item)  # no categories known: none invented


def test_old_style_ids_give_their_century() -> None:
    assert cite.arxiv_year_month("hep-th/9901001") == (1999, 1)
    assert cite.arxiv_year_month("math.GT/0309136") == (2003, 9)
    assert cite.arxiv_year_month("cond-mat/9112001") == (1991, 12)
    assert cite.arxiv_year_month("2601.15305") == (2026, 1)
    assert cite.arxiv_year_month("0704.0001") == (2007, 4)
    assert cite.arxiv_year_month(None) is None
    entry = bib(paper(arxiv="hep-th/9901001", categories=["hep-th"], authors=["Juan Maldacena"]))
    assert "year = {1999}" in entry and "eprint = {hep-th/9901001}" in entry
    assert entry.startswith("@misc{maldacena1999pointer,")


def test_bibtex_without_an_id_invents_no_year() -> None:
    item = paper(links=[Link("Code", "https://github.com/example/ptr-net")])
    assert bib(item) == (
        "@misc{pointer,\n"
        "  title = {{Pointer Networks}},\n"
        "  note = {Listed in the digest of May 9, 2026 (Research Digest)},\n"
        "  urldate = {2026-05-09},\n"
        "  url = {https://github.com/example/ptr-net}\n"
        "}"
    )


def test_bibtex_without_an_id_uses_the_source_s_date_and_the_first_digest() -> None:
    item = paper(
        authors=["Ada Lovelace"],
        published="2015-06-09",
        date="2026-05-02",
        digests=["2026-05-02", "2026-05-09"],
    )
    entry = bib(item, page_url="https://example.org/papers/pointer-networks/")
    assert "year = {2015}" in entry and entry.startswith("@misc{lovelace2015pointer,")
    assert "note = {Listed in the digest of May 2, 2026 (Research Digest)}" in entry
    assert "urldate = {2026-05-02}" in entry
    assert "url = {https://example.org/papers/pointer-networks/}" in entry  # no link: the page itself
    assert "url = {" not in bib(paper())  # no link and no base URL: no url at all
    linked = paper(links=[Link("Code", "https://github.com/example/ptr-net")])
    # The listing page goes with urldate, so with a base URL it wins over the paper's first link.
    assert "url = {https://example.org/p/}" in bib(linked, page_url="https://example.org/p/")


def test_bibtex_escapes_its_specials() -> None:
    item = paper(
        title="50% of {Nets} & $x_1$ #1 ~ ^ \\o/",
        authors=["Ada & Co", "B_ob {Jr}"],
        links=[Link("Code", "https://example.org/a_b?x=1&y=%20#{top}")],
    )
    entry = bib(item)
    assert (
        r"title = {{50\% of \{Nets\} \& \$x\_1\$ \#1 \textasciitilde{} \textasciicircum{} "
        r"\textbackslash{}o/}}" in entry
    )
    assert r"author = {Ada \& Co and B\_ob \{Jr\}}" in entry
    # A url field is verbatim: only what would end the field is percent-encoded.
    assert "url = {https://example.org/a_b?x=1&y=%20#%7Btop%7D}" in entry
    # Braces stay balanced, so BibTeX reads the entry to its end.
    body = entry.replace("\\{", "").replace("\\}", "")
    assert body.count("{") == body.count("}")


def test_keys_are_ascii_and_skip_common_title_words() -> None:
    item = paper(title="On the Élan of Transformers", authors=["José Müller-Ñúñez", "B"], arxiv="2601.15305")
    assert cite.bibtex_base_key(item) == "mullernunez2026elan"
    assert cite.bibtex_base_key(paper(authors=["Martin Luther King Jr."])) == "kingpointer"
    assert cite.bibtex_base_key(paper(authors=["Hinton, Geoffrey"])) == "hintonpointer"


def test_keys_are_unique_across_the_site_and_stable() -> None:
    same = [
        paper(slug=f"deep-{n}", title=f"Deep thing {n}", authors=["Ann Smith"], arxiv=f"1506.0000{n}")
        for n in range(1, 4)
    ]
    later = paper(
        slug="a-later", title="Deep later", authors=["Ann Smith"], arxiv="1506.00009", date="2026-06-01"
    )
    clash = paper(slug="z-clash", title="Deepa", authors=["Ann Smith"], arxiv="1501.00001")  # plain "…deepa"
    papers = [later, *same, clash]
    keys = cite.bibtex_keys(papers)
    assert keys == {
        "deep-1": "smith2015deep",
        "deep-2": "smith2015deepb",  # "…deepa" is another paper's plain key
        "deep-3": "smith2015deepc",
        "z-clash": "smith2015deepa",
        "a-later": "smith2015deepd",  # listed last, so it takes the next suffix
    }
    assert len(set(keys.values())) == len(papers)
    assert cite.bibtex_keys(reversed(papers)) == keys  # order of the input does not matter


# --- Scholar, OpenGraph, JSON-LD --------------------------------------------------------------------


def test_scholar_tags_with_metadata() -> None:
    item = paper(authors=POINTER_AUTHORS, arxiv="1506.03134", published="2015-06-09")
    assert cite.scholar_tags(item) == [
        ("citation_title", "Pointer Networks"),
        ("citation_author", "Oriol Vinyals"),
        ("citation_author", "Meire Fortunato"),
        ("citation_author", "Navdeep Jaitly"),
        ("citation_publication_date", "2015/06/09"),
        ("citation_arxiv_id", "1506.03134"),
        ("citation_pdf_url", "https://arxiv.org/pdf/1506.03134"),
    ]
    by_id = dict(cite.scholar_tags(paper(arxiv="1506.03134")))
    assert by_id["citation_publication_date"] == "2015/06"  # the month the id was issued


def test_scholar_tags_without_metadata_give_no_date() -> None:
    assert cite.scholar_tags(paper()) == [("citation_title", "Pointer Networks")]


def test_opengraph_caps_authors_and_dates_only_honestly() -> None:
    many = paper(authors=[f"Author {n}" for n in range(14)], arxiv="2205.05131")
    tags = cite.opengraph_tags(many)
    assert [v for k, v in tags if k == "article:author"] == [f"Author {n}" for n in range(10)]
    assert ("article:published_time", "2022-05") in tags
    assert cite.opengraph_tags(paper()) == []


def test_json_ld_with_and_without_metadata() -> None:
    item = paper(
        authors=POINTER_AUTHORS, arxiv="1506.03134", published="2015-06-09", keywords=["pointer network"]
    )
    data = json.loads(cite.json_ld(item, "https://example.org/papers/pointer-networks/"))
    assert data["author"] == [{"@type": "Person", "name": name} for name in POINTER_AUTHORS]
    assert data["datePublished"] == "2015-06-09"
    assert data["sameAs"] == "https://arxiv.org/abs/1506.03134"
    assert data["identifier"] == {"@type": "PropertyValue", "propertyID": "arXiv", "value": "1506.03134"}
    assert data["keywords"] == ["pointer network", "architectures"]
    assert json.loads(cite.json_ld(paper(arxiv="1506.03134"), None))["datePublished"] == "2015-06"

    bare = json.loads(cite.json_ld(paper(), None))
    assert not {"author", "datePublished", "sameAs", "identifier", "url"} & set(bare)
    assert bare["name"] == "Pointer Networks"


def test_json_ld_cannot_close_its_script_element() -> None:
    text = cite.json_ld(paper(title="</script><script>alert(1)</script>", authors=["A & B"]), None)
    assert "</script" not in text and "<" not in text and "&" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script>"

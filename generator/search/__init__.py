"""Client-side search: one lunr index over every paper, split by term, that lunr.js 2.3.9 reads in parts.

- `stemmer`: the Porter stemmer exactly as lunr.js runs it (registered as lunr's "stemmer").
- `lunr_direct`: the serialized lunr index (and its postings term by term), computed directly.
- `index`: the documents, fields and pipelines; one whole index as lunr.py builds it (the tests' reference).
- `parts`: the index split into content-addressed parts, cached, written to `search/`.
- `query`: the `authors:` query an author's name links to.
"""

from generator.search.parts import SearchStats, write_search_index

__all__ = ["SearchStats", "write_search_index"]

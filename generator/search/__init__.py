"""Client-side search: a sharded lunr index built at build time that lunr.js 2.3.9 reads in the browser.

- `stemmer`: the Porter stemmer exactly as lunr.js runs it (registered as lunr's "stemmer").
- `index`: one shard (lunr index + document store), deterministic bytes.
- `shards`: split by digest date, build in parallel, cache by content hash, write the manifest.
- `query`: the `authors:` query an author's name links to.
"""

from generator.search.shards import SearchStats, write_search_index

__all__ = ["SearchStats", "write_search_index"]

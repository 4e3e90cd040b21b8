"""Atom feeds, the OPML list of them and the sitemap, written as XML text with every value escaped.

Feeds carry no build time: `updated` is the newest paper's date, so two builds of the same content are
byte-identical. Without a base URL, links are relative to the feed's own location, which Atom allows.
Atom requires an author on every entry or on the feed: entries name the paper's authors, and only when
some entry has none does the feed itself name the site (never an invented "Unknown").
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

_NAMESPACE = uuid.UUID("6f1c8d3e-5d8a-4a55-9a57-5b0e9a3c2f10")
ARXIV_SCHEME = "http://arxiv.org/schemas/atom"


@dataclass(frozen=True)
class FeedEntry:
    """One paper in a feed; `url` is already absolute or relative to the feed."""

    id: str
    title: str
    url: str
    updated: str
    summary: str
    authors: tuple[str, ...] = ()
    #: Topic slugs (no scheme: the site's own taxonomy).
    categories: tuple[str, ...] = ()
    #: arXiv categories, primary first, under arXiv's own scheme.
    arxiv_categories: tuple[str, ...] = ()


def stable_urn(key: str) -> str:
    """A permanent Atom id that does not depend on where the site is hosted."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def atom_feed(
    *,
    title: str,
    subtitle: str,
    feed_id: str,
    self_url: str,
    site_url: str,
    entries: Sequence[FeedEntry],
    author: str,
) -> str:
    """An Atom 1.0 document; `updated` is the newest entry's date (or 1970 for an empty feed).

    `author` (the site's name) becomes the feed-level author only when an entry has no authors of its own
    (or there is no entry at all: validators want an author somewhere).
    """
    updated = max((e.updated for e in entries), default="1970-01-01")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{escape(title)}</title>",
        f"  <subtitle>{escape(subtitle)}</subtitle>",
        f"  <id>{escape(stable_urn(feed_id))}</id>",
        f"  <updated>{updated}T00:00:00Z</updated>",
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(self_url)}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(site_url)}/>',
        "  <generator>research-digest</generator>",
    ]
    if not entries or any(not entry.authors for entry in entries):
        lines.append(f"  <author><name>{escape(author)}</name></author>")
    for entry in entries:
        lines += [
            "  <entry>",
            f"    <title>{escape(entry.title)}</title>",
            f"    <id>{escape(stable_urn('paper:' + entry.id))}</id>",
            f'    <link rel="alternate" type="text/html" href={quoteattr(entry.url)}/>',
            f"    <updated>{entry.updated}T00:00:00Z</updated>",
        ]
        lines += [f"    <author><name>{escape(name)}</name></author>" for name in entry.authors]
        lines += [f"    <category term={quoteattr(term)}/>" for term in entry.categories]
        lines += [
            f"    <category term={quoteattr(term)} scheme={quoteattr(ARXIV_SCHEME)}/>"
            for term in entry.arxiv_categories
        ]
        lines += [f"    <summary>{escape(entry.summary)}</summary>", "  </entry>"]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Outline:
    """One feed in an OPML file: its name, the feed's URL and the page it follows."""

    text: str
    xml_url: str
    html_url: str


def opml(title: str, outlines: Sequence[Outline]) -> str:
    """OPML 2.0 listing the feeds (`type="rss"` is OPML's word for any feed). No creation date, so two
    builds are byte-identical."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{escape(title)}</title>",
        "  </head>",
        "  <body>",
    ]
    lines += [
        f'    <outline type="rss" text={quoteattr(o.text)} title={quoteattr(o.text)} '
        f"xmlUrl={quoteattr(o.xml_url)} htmlUrl={quoteattr(o.html_url)}/>"
        for o in outlines
    ]
    lines += ["  </body>", "</opml>"]
    return "\n".join(lines) + "\n"


def sitemap(urls: Sequence[str]) -> str:
    """A sitemap listing every page; URLs are absolute when the site has a base URL."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    lines += [f"  <url><loc>{escape(url)}</loc></url>" for url in urls]
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"

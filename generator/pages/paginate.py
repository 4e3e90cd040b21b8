"""One paginator for every long list: which items a page shows and the URLs of its neighbours."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Pager:
    """Where one page sits in a paginated list (templates read `pager.*`; URLs relative to the root)."""

    #: This page's number, from 1.
    number: int
    #: The URL of every page of the list, page 1 first.
    urls: tuple[str, ...]

    @property
    def url(self) -> str:
        return self.urls[self.number - 1]

    @property
    def previous(self) -> str | None:
        return self.urls[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.urls[self.number] if self.number < len(self.urls) else None

    def head_links(self) -> tuple[tuple[str, str], ...]:
        """`<link rel="prev|next">` pairs for the page's head."""
        pairs = (("prev", self.previous), ("next", self.next))
        return tuple((rel, url) for rel, url in pairs if url is not None)


def paginate(items: Sequence[T], per_page: int, url_of: Callable[[int], str]) -> list[tuple[list[T], Pager]]:
    """`items` cut into pages of `per_page`, each with its Pager; an empty list still has one page."""
    chunks = [list(items[i : i + per_page]) for i in range(0, len(items), per_page)] or [[]]
    page_urls = tuple(url_of(number) for number in range(1, len(chunks) + 1))
    return [(chunk, Pager(number, page_urls)) for number, chunk in enumerate(chunks, start=1)]

"""The Saved page: the reader's reading list, kept in their browser and filled in by static/js/saved.js.

The build knows nothing of what a reader saved (nothing leaves the browser), so the page is the same for
everyone: its frame, its buttons and the text shown without JavaScript. It has no variables of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

from generator import urls
from generator.pages.base import Head, Page, PageRenderer


def saved(renderer: PageRenderer) -> Iterator[Page]:
    """The one page at `urls.saved()`; "Saved" is its main-nav entry."""
    yield renderer.render("saved.html", urls.saved(), Head(title="Saved", nav="saved"))

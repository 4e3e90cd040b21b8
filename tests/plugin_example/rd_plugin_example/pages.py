"""A `stats/` page: how many papers the site has, in the site's own layout (it extends base.html)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.pages import Head

TEMPLATE = (
    '{% extends "base.html" %}{% block main %}<h1>Stats</h1>'
    '<p id="paper-count">{{ count }} papers</p>{% endblock %}'
)


def stats_page(renderer: Any) -> Iterator[Any]:
    yield renderer.render(
        renderer.env.from_string(TEMPLATE),
        "stats/",
        Head(title="Stats", nav=""),
        {"count": len(renderer.site.papers)},
    )

"""The Jinja environment: the site's templates over the built-in ones, and the names templates share.

Lookup follows Zola's site-over-theme order: `paper.html` is the site folder's own when it has one, else
the built-in one; `default/paper.html` is always the built-in one, so an override can extend it and
replace a single block. Autoescape is on for everything: content is text, and `{{ 7*7 }}` in a title is
shown, never evaluated (Jinja renders values, not templates inside them).
"""

from __future__ import annotations

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)

from generator import urls
from generator.assets import SiteFolder, builtins
from generator.cite import human_date
from generator.markdown import snippet

#: Characters of abstract a card shows.
CARD_SNIPPET = 280


def make_environment(folder: SiteFolder) -> Environment:
    """The environment for one site folder; `urls` is a global, `human_date` and `snippet` filters."""
    loader = ChoiceLoader(
        [
            PrefixLoader({"default": FileSystemLoader(builtins().templates)}),
            FileSystemLoader(folder.template_dirs()),
        ]
    )
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(["html", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["human_date"] = human_date
    env.filters["snippet"] = lambda text, limit=CARD_SNIPPET: snippet(text, limit)
    env.globals["urls"] = urls
    return env

"""Extensions from other installed packages, found through entry points (as MkDocs finds its plugins).

Two groups:
- `research_digest.formats`: a digest format, a module (or object) with `FORMAT`, `sniff(head)` and
  `parse(source)` exactly as the built-in formats in `generator/ingest/` (see `generator.ingest.detect`).
  The entry point's name is the format's name; auto-detection tries plugins after the built-in formats.
- `research_digest.pages`: a page builder, a callable `(renderer) -> Iterable[Page]` as the built-in
  ones in `generator/pages/`; plugin pages are built after the built-in ones, before the sitemap.

A plugin that cannot be loaded, or does not have that shape, is a one-line error naming it.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from generator.errors import DigestError

FORMATS_GROUP = "research_digest.formats"
PAGES_GROUP = "research_digest.pages"


class PluginError(DigestError):
    """An installed plugin cannot be used."""


@cache
def found(group: str) -> tuple[EntryPoint, ...]:
    """The entry points of `group` in every installed package, by name (a stable order)."""
    return tuple(sorted(entry_points(group=group), key=lambda ep: (ep.name, ep.value)))


def load(entry: EntryPoint) -> Any:
    """The object an entry point names; any failure to import it is a PluginError."""
    try:
        return entry.load()
    except Exception as exc:  # a plugin's import may fail any way: report it, never a traceback
        raise PluginError(f"plugin {describe(entry)} cannot be loaded: {type(exc).__name__}: {exc}") from exc


def describe(entry: EntryPoint) -> str:
    """How errors name a plugin: its name, group and target."""
    return f"{entry.name!r} ({entry.group} = {entry.value})"

"""The digest formats, in one list, and choosing one: by `--format`, or by looking at the text.

A format is a module with three names (Pelican's readers work the same way):
- `FORMAT`: its name on the command line and in `content/ingested.yml`;
- `sniff(head: str) -> bool`: whether the first 64 KB of clean text look like this format; cheap, and
  never wrong about the other formats' unmistakable markers (JSON, XML, the arXiv mailing);
- `parse(source: DigestSource) -> ParsedDigest`: the papers in ranking order, raw as the format gives
  them; `generator.ingest.normalize` does everything formats share afterwards.

Adding a format is writing such a module and adding it to `FORMATS`, or, from another package, naming
it under the entry point group `research_digest.formats` (see `generator.plugins`). Detection tries the
built-in formats in order, so the more specific ones come first and the trending page, plain text with no
markers, comes last; then the plugins' formats, by name.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from generator import plugins
from generator.errors import InputError
from generator.ingest import arxiv_atom, arxiv_email, hf_json, hf_page, jsonl
from generator.plugins import FORMATS_GROUP, PluginError, describe

FORMATS: tuple[ModuleType, ...] = (arxiv_atom, hf_json, jsonl, arxiv_email, hf_page)


def format_names() -> tuple[str, ...]:
    """Every format's name, built-in first: the `--format` choices (plugins are named, not imported)."""
    return (*(module.FORMAT for module in FORMATS), *(entry.name for entry in plugins.found(FORMATS_GROUP)))


@cache
def all_formats() -> tuple[Any, ...]:
    """The built-in format modules, then each plugin's, imported and checked."""
    return (*FORMATS, *(_plugin_format(entry) for entry in plugins.found(FORMATS_GROUP)))


def _plugin_format(entry: Any) -> Any:
    module = plugins.load(entry)
    if any(not callable(getattr(module, name, None)) for name in ("sniff", "parse")):
        raise PluginError(f"plugin {describe(entry)} has no sniff(head) and parse(source)")
    if getattr(module, "FORMAT", None) != entry.name:
        raise PluginError(f"plugin {describe(entry)}: its FORMAT must be {entry.name!r}")
    if entry.name in (builtin.FORMAT for builtin in FORMATS):
        raise PluginError(f"plugin {describe(entry)} reuses the name of a built-in format")
    return module


def sniff(head: str) -> str | None:
    """The name of the first format whose `sniff` accepts the text, or None."""
    return next((module.FORMAT for module in all_formats() if module.sniff(head)), None)


def choose_format(fmt: str, head: str, path: Path) -> Any:
    """The format module for `fmt`, or for what the text looks like when `fmt` is `auto`."""
    by_name = {module.FORMAT: module for module in all_formats()}
    if fmt != "auto":
        return by_name[fmt]
    found_name = sniff(head)
    if found_name is None:
        names = ", ".join(by_name)
        raise InputError(f"cannot tell which digest format this is (known: {names}); pass --format", path)
    return by_name[found_name]

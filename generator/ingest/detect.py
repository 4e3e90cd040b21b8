"""The digest formats, in one list, and choosing one: by `--format`, or by looking at the text.

A format is a module with three names (Pelican's readers work the same way):
- `FORMAT`: its name on the command line and in `content/ingested.yml`;
- `sniff(head: str) -> bool`: whether the first 64 KB of clean text look like this format; cheap, and
  never wrong about the other formats' unmistakable markers (JSON, XML, the arXiv mailing);
- `parse(source: DigestSource) -> ParsedDigest`: the papers in ranking order, raw as the format gives
  them; `generator.ingest.normalize` does everything formats share afterwards.

Adding a format is writing such a module and adding it to `FORMATS`. Detection tries them in order, so the
more specific formats come first and the trending page, plain text with no markers, comes last.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from generator.errors import InputError
from generator.ingest import arxiv_atom, arxiv_email, hf_json, hf_page, jsonl

FORMATS: tuple[ModuleType, ...] = (arxiv_atom, hf_json, jsonl, arxiv_email, hf_page)
BY_NAME: dict[str, ModuleType] = {module.FORMAT: module for module in FORMATS}
FORMAT_CHOICES = ("auto", *BY_NAME)


def sniff(head: str) -> str | None:
    """The name of the first format whose `sniff` accepts the text, or None."""
    return next((module.FORMAT for module in FORMATS if module.sniff(head)), None)


def choose_format(fmt: str, head: str, path: Path) -> ModuleType:
    """The format module for `fmt`, or for what the text looks like when `fmt` is `auto`."""
    if fmt != "auto":
        return BY_NAME[fmt]
    found = sniff(head)
    if found is None:
        names = ", ".join(BY_NAME)
        raise InputError(f"cannot tell which digest format this is (known: {names}); pass --format", path)
    return BY_NAME[found]

"""Choosing the parser for a digest: by `--format`, or by looking at the text.

Formats that are recognised but not supported yet are named in the error, so the user knows the file
was understood and what to do, instead of getting a page of nonsense papers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from generator.errors import InputError
from generator.ingest import hf_page
from generator.model import ParsedDigest

Parser = Callable[[str], ParsedDigest]

PARSERS: dict[str, Parser] = {hf_page.FORMAT: hf_page.parse}
FORMAT_CHOICES = ("auto", *PARSERS)


def sniff(text: str) -> str | None:
    """Name the format the text looks like, supported or not, or None when it is plain text."""
    head = text.lstrip()[:4000]
    if head.startswith(("{", "[")):
        return "hf-json" if "paper" in head else "jsonl"
    if head.startswith("<?xml") or head.startswith("<feed"):
        return "arxiv-atom"
    if re.search(r"^arXiv:\d{4}\.\d{4,5}", head, re.MULTILINE) and "\\\\" in head:
        return "arxiv-email"
    return None


def choose_parser(fmt: str, text: str, path: Path) -> tuple[str, Parser]:
    """The parser for `fmt`, or for what the text looks like when `fmt` is `auto`."""
    if fmt != "auto":
        return fmt, PARSERS[fmt]
    sniffed = sniff(text)
    if sniffed is None:
        return hf_page.FORMAT, hf_page.parse
    if sniffed in PARSERS:
        return sniffed, PARSERS[sniffed]
    supported = ", ".join(PARSERS)
    raise InputError(
        f"looks like the {sniffed} format, which is not supported yet (supported: {supported})", path
    )

"""The Hugging Face "trending papers" page, copied as plain text: a title line, a blank line, an abstract.

The page starts with chrome (`new`, `Subscribe`, ...) and a date line (`May 9`). After that, blocks of
lines separated by blank lines alternate title / abstract. An abstract may run over several paragraphs;
a following block counts as a new title only when it reads like one (one line, no URL, no closing
period, at most one sentence break), so a second abstract paragraph is not mistaken for a paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.ingest.dates import parse_date_line
from generator.ingest.source import DigestSource
from generator.model import Paper, ParsedDigest, normalize_space

FORMAT = "hf-page"

_CHROME_RE = re.compile(
    r"^(?:new|subscribe|unsubscribe|daily papers|trending papers|papers|trending|"
    r"get trending papers in your email inbox!?|by ?ak and the research community|"
    r"hugging face|models|datasets|spaces|posts|docs|enterprise|pricing|log ?in|sign ?up|"
    r"previous|next|search|submit paper|view all)$",
    re.IGNORECASE,
)
_URL_RE = re.compile(r"https?://|www\.|github\.com/", re.IGNORECASE)
_SENTENCE_BREAK_RE = re.compile(r"[.!?]\s+[A-Z]")


@dataclass
class Block:
    """Consecutive non-blank lines, with the 1-based number of the first."""

    line: int
    lines: list[str]

    @property
    def text(self) -> str:
        return normalize_space(" ".join(self.lines))


def split_blocks(text: str) -> list[Block]:
    """Group lines into blocks at blank (or whitespace-only) lines; tabs count as spaces."""
    blocks: list[Block] = []
    current: Block | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.replace("\t", " ").strip()
        if not line:
            current = None
            continue
        if current is None:
            current = Block(number, [])
            blocks.append(current)
        current.lines.append(line)
    return blocks


def looks_like_title(block: Block) -> bool:
    """One line of heading-like text: no URL, no final period, at most one sentence break."""
    if len(block.lines) != 1:
        return False
    text = block.text
    if _URL_RE.search(text) or (text.endswith(".") and not text.endswith("...")):
        return False
    return len(_SENTENCE_BREAK_RE.findall(text)) <= 1


def looks_like_prose(block: Block) -> bool:
    """An abstract paragraph: several lines, a closing period, or several sentences."""
    return not looks_like_title(block)


def _header_end(blocks: list[Block], parsed: ParsedDigest) -> int:
    """Skip page chrome and read the date line; returns the index of the first paper's block."""
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if len(block.lines) == 1 and _CHROME_RE.match(block.text):
            index += 1
            continue
        if len(block.lines) == 1 and parsed.date_line is None:
            found = parse_date_line(block.text)
            if found is not None:
                parsed.date_line = block.text
                parsed.date_in_text, parsed.month_day = found
                index += 1
                continue
        break
    return index


def sniff(head: str) -> bool:
    """The page's chrome or date line at the top, or plain text with at least one title line followed by
    an abstract paragraph; never markup or JSON."""
    if head.lstrip()[:1] in ("{", "[", "<"):
        return False
    blocks = split_blocks(head)
    index = _header_end(blocks, ParsedDigest(format=FORMAT, papers=[]))
    return index > 0 or any(
        looks_like_title(blocks[i]) and looks_like_prose(blocks[i + 1]) for i in range(index, len(blocks) - 1)
    )


def parse(source: DigestSource) -> ParsedDigest:
    """Parse the page into papers in page order; problems become warnings, never lost papers."""
    parsed = ParsedDigest(format=FORMAT, papers=[])
    blocks = split_blocks(source.text)
    index = _header_end(blocks, parsed)
    while index < len(blocks):
        title_block = blocks[index]
        title_lines = title_block.lines
        paragraphs: list[str] = []
        if len(title_lines) > 1:
            paragraphs.append(normalize_space(" ".join(title_lines[1:])))
            title_lines = title_lines[:1]
        index += 1
        if not paragraphs:
            if index >= len(blocks):
                parsed.skipped.append(
                    f"line {title_block.line}: {title_block.text!r} has no abstract after it; skipped"
                )
                break
            candidate = blocks[index]
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if looks_like_title(candidate) and following is not None and looks_like_prose(following):
                parsed.skipped.append(
                    f"line {title_block.line}: {title_block.text!r} has no abstract (the next line reads "
                    f"like a title); skipped"
                )
                continue
            paragraphs.append(candidate.text)
            index += 1
        while index < len(blocks) and looks_like_prose(blocks[index]):
            paragraphs.append(blocks[index].text)
            index += 1
        title = normalize_space(" ".join(title_lines))
        parsed.papers.append(Paper(title=title, abstract="\n\n".join(paragraphs), line=title_block.line))
    return parsed

"""The Hugging Face "trending papers" page, copied as plain text: a title line, a blank line, an abstract.

The page starts with chrome (`new`, `Subscribe`, ...) and a date line (`May 9`). After that, blocks of
lines separated by blank lines alternate title / abstract. The rules, checked on the real corpora (61,022
titles and 60,586 abstracts, laid out as pages of 20,000 and 33,000 papers):

1. A block is *prose* when it has several lines, a URL, ends with a period, or has several sentences in
   more text than any title has (300 characters); else it is *title-shaped*. Every real title is
   title-shaped; 9 in 60,586 abstracts are not prose (no punctuation at all, or a single question).
2. A prose block belongs to the paper above it: the first is its abstract, later ones further
   paragraphs (an abstract may run over several, or end with a `Code: https://...` line).
3. A title-shaped block right before a prose block is that prose's title: the page alternates, so this
   holds whatever the title looks like ("Can LLM Teams Play What? Where? When?", a 900-character title),
   unless it follows another title-shaped block and reads more like abstract text than that one (see 4):
   then it is that one's abstract, the prose its next paragraph.
   When it comes right after an abstract and reads like abstract text (see 4), it could also be a last
   paragraph without a closing period: it stays a title, with a warning naming its line.
4. Title-shaped blocks in a row before that are the only ambiguous text. Each is a title without an
   abstract (skipped, its line named), unless the next one reads more like abstract text than it does
   (longer than any title, several sentences, or a long run of mostly lower-case words): then that one
   is its abstract; a block that reads like abstract text and is no title's abstract is a further
   paragraph of the paper above. Both come with a warning naming the line, since a person should look.

So three title lines with no abstracts are three skipped titles, never a paper whose abstract is the next
title, and every block ends up in a paper or in a message. Blocks are read one at a time from the
source's lines, so a page of any size is parsed in memory bounded by its longest paper.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise

from generator.ingest.dates import parse_date_line
from generator.ingest.source import DigestSource
from generator.model import MAX_ABSTRACT_CHARS, Paper, ParsedDigest, normalize_space

FORMAT = "hf-page"

_CHROME_RE = re.compile(
    r"^(?:new|subscribe|unsubscribe|daily papers|trending papers|papers|trending|"
    r"get trending papers in your email inbox!?|by ?ak and the research community|"
    r"hugging face|models|datasets|spaces|posts|docs|enterprise|pricing|log ?in|sign ?up|"
    r"previous|next|search|submit paper|view all)$",
    re.IGNORECASE,
)
_URL_MARKERS = ("http://", "https://", "www.", "github.com/")
_SENTENCE_BREAK_RE = re.compile(r"[.!?]\s+[A-Z]")
_WORD_RE = re.compile(r"[^\W\d_]{4,}")
#: Longer than any of the 61,022 real titles (the longest has 216 characters).
_TITLE_CHARS = 300
#: A title-shaped block of at least this many words, most of them lower-case, reads as a sentence.
_SENTENCE_WORDS = 20
_SHOWN = 100
#: Title-shaped blocks held undecided before the oldest are decided (see `_PageReader._settle_run`).
_RUN_HELD = 64


@dataclass
class Block:
    """Consecutive non-blank lines, with the 1-based number of the first."""

    line: int
    lines: list[str]

    @cached_property
    def text(self) -> str:
        return normalize_space(" ".join(self.lines))


def split_blocks(lines: Iterable[str] | str) -> Iterator[Block]:
    """Group lines into blocks at blank (or whitespace-only) lines; tabs count as spaces."""
    current: Block | None = None
    for number, raw in enumerate(lines.split("\n") if isinstance(lines, str) else lines, start=1):
        line = raw.replace("\t", " ").strip()
        if not line:
            if current is not None:
                yield current
            current = None
            continue
        if current is None:
            current = Block(number, [])
        current.lines.append(line)
    if current is not None:
        yield current


def looks_like_prose(block: Block) -> bool:
    """An abstract paragraph: several lines, a URL, a closing period, or several sentences in more text
    than any title has (no real title has any of these)."""
    if len(block.lines) != 1:
        return True
    text = block.text
    if (text.endswith(".") and not text.endswith("...")) or _has_url(text):
        return True
    return len(text) > _TITLE_CHARS and len(_SENTENCE_BREAK_RE.findall(text)) >= 2


def _has_url(text: str) -> bool:
    """`http://`, `https://`, `www.` or `github.com/` anywhere (substring tests: a regex is slower)."""
    lower = text.lower()
    return any(marker in lower for marker in _URL_MARKERS)


def looks_like_title(block: Block) -> bool:
    """One line of heading-like text: no URL, no final period (titles may have several sentences)."""
    return not looks_like_prose(block)


def abstract_likeness(block: Block) -> int:
    """How much a title-shaped block reads like abstract text rather than a title: 2 when it is longer
    than any real title or has several sentences, 1 for a long run of mostly lower-case words (a few
    real titles are such sentences too), else 0. Only used where rule 4 must choose."""
    text = block.text
    if len(text) > _TITLE_CHARS or len(_SENTENCE_BREAK_RE.findall(text)) >= 2:
        return 2
    words = _WORD_RE.findall(text)
    sentence = len(text.split()) >= _SENTENCE_WORDS and sum(w[0].isupper() for w in words) * 2 < len(words)
    return 1 if sentence else 0


def pairs_as_abstract(block: Block, following: Block) -> bool:
    """Whether `following`, title-shaped too, is `block`'s abstract: it reads more like abstract text,
    or, between two equally plain lines, it has a sentence break and `block` has none ("Models generate
    images. We propose a sampler!" under "Another Paper: About Diffusion Models")."""
    mine, theirs = abstract_likeness(block), abstract_likeness(following)
    if theirs != mine:
        return theirs > mine
    return bool(_SENTENCE_BREAK_RE.search(following.text)) and not _SENTENCE_BREAK_RE.search(block.text)


def _quote(text: str) -> str:
    """A block's text for a message: quoted, and cut short when long."""
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "...")


def _is_header(block: Block, parsed: ParsedDigest) -> bool:
    """Page chrome, or the first date line (read into `parsed`)."""
    if len(block.lines) != 1:
        return False
    if _CHROME_RE.match(block.text):
        return True
    if parsed.date_line is None:
        found = parse_date_line(block.text)
        if found is not None:
            parsed.date_line = block.text
            parsed.date_in_text, parsed.month_day = found
            return True
    return False


def sniff(head: str) -> bool:
    """The page's chrome or date line at the top, or plain text with at least one title line followed by
    an abstract paragraph; never markup or JSON."""
    if head.lstrip()[:1] in ("{", "[", "<"):
        return False
    blocks = list(split_blocks(head))
    probe = ParsedDigest(format=FORMAT, papers=[])
    if blocks and _is_header(blocks[0], probe):
        return True
    return any(looks_like_title(a) and looks_like_prose(b) for a, b in pairwise(blocks))


@dataclass
class _Open:
    """The paper being read: its title block and the abstract paragraphs so far (stored up to the limit)."""

    title: Block
    paragraphs: list[str] = field(default_factory=list)
    chars: int = 0

    def add(self, text: str) -> None:
        self.chars += len(text) + 2
        if self.chars <= MAX_ABSTRACT_CHARS:  # past it the paper is skipped: stop holding its text
            self.paragraphs.append(text)


class _PageReader:
    """Rules 1-4 of the module doc, one block at a time: title-shaped blocks wait in `run` until the next
    prose block (or the end) decides what they are."""

    def __init__(self, parsed: ParsedDigest) -> None:
        self.parsed = parsed
        self.open: _Open | None = None
        self.run: list[Block] = []

    def block(self, block: Block) -> None:
        if looks_like_title(block):
            self.run.append(block)
            if len(self.run) > _RUN_HELD:
                self._settle_run(keep=3)
            return
        title = self.run.pop() if self.run and not self._last_is_abstract() else None
        self._settle_run()
        if title is not None:
            if self.open is not None and abstract_likeness(title):
                self.parsed.warnings.append(
                    f"line {title.line}: {_quote(title.text)} is read as the title of the text below it, but "
                    f"it could be more of the abstract of {_quote(self.open.title.text)} "
                    f"(line {self.open.title.line}); check it"
                )
            self._close()
            self.open = _Open(title)
        if self.open is not None:
            self.open.add(block.text)
        elif looks_like_title(Block(block.line, block.lines[:1])) and len(block.lines) > 1:
            self.open = _Open(Block(block.line, block.lines[:1]))  # a title glued to its abstract
            self.open.add(normalize_space(" ".join(block.lines[1:])))
        else:
            self.parsed.skip(f"line {block.line}: text with no title above it: {_quote(block.text)}; skipped")

    def _last_is_abstract(self) -> bool:
        """Whether the last waiting block is the (one-line) abstract of the one before it rather than
        the title of the prose that follows: it reads more like abstract text than that one does."""
        run = self.run
        return len(run) >= 2 and abstract_likeness(run[-1]) > abstract_likeness(run[-2])

    def finish(self) -> None:
        self._settle_run(at_end=True)
        self._close()

    def _settle_run(self, at_end: bool = False, keep: int = 0) -> None:
        """Decide the title-shaped blocks waiting in `run` (rule 4), all but the last `keep` of them.

        Each decision looks at a block and the next one only, so deciding a long run in parts, keeping
        the last three for when the next prose block (or the end) is known, decides it the same way: a
        page of a million title lines is read in bounded memory.
        """
        run = self.run
        index = 0
        while index < len(run) - keep:
            block = run[index]
            following = run[index + 1] if index + 1 < len(run) else None
            likeness = abstract_likeness(block)
            pairs = following is not None and pairs_as_abstract(block, following)
            if self.open is not None and likeness and not pairs:
                self.open.add(block.text)
                self.parsed.warnings.append(
                    f"line {block.line}: {_quote(block.text)} reads as more of the abstract of "
                    f"{_quote(self.open.title.text)} (line {self.open.title.line}), not as a title; check it"
                )
                index += 1
                continue
            self._close()
            if following is not None and pairs:
                self.open = _Open(block)
                self.open.add(following.text)
                self.parsed.warnings.append(
                    f"line {following.line}: {_quote(following.text)} has no closing period but reads as "
                    f"the abstract of {_quote(block.text)} (line {block.line}); check it"
                )
                index += 2
                continue
            why = "after it" if following is None and at_end else "(the next line reads like a title)"
            self.parsed.skip(f"line {block.line}: {_quote(block.text)} has no abstract {why}; skipped")
            index += 1
        self.run = run[index:]

    def _close(self) -> None:
        """The open paper is complete: keep it, or skip it when its abstract is over the limit."""
        paper, self.open = self.open, None
        if paper is None:
            return
        title = paper.title
        if paper.chars > MAX_ABSTRACT_CHARS:
            self.parsed.skip(
                f"line {title.line}: {_quote(title.text)} has an abstract of over {MAX_ABSTRACT_CHARS:,} "
                f"characters, longer than any real one; skipped"
            )
            return
        self.parsed.keep(Paper(title=title.text, abstract="\n\n".join(paper.paragraphs), line=title.line))


def parse(source: DigestSource) -> ParsedDigest:
    """Parse the page into papers in page order; every block ends up in a paper or a message."""
    parsed = ParsedDigest(format=FORMAT, papers=[], path=source.path)
    reader = _PageReader(parsed)
    in_header = True
    for block in split_blocks(source.lines()):
        if in_header and _is_header(block, parsed):
            continue
        in_header = False
        reader.block(block)
    reader.finish()
    return parsed

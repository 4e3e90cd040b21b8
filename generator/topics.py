"""The topic taxonomy (content/topics.yml) and the classifier that puts papers in topics.

Classification is deliberately a transparent phrase match rather than a learned model: a researcher who
disagrees with a topic can read topics.yml, see which phrase fired and fix it, and the result is the same
on every machine and every run, so re-ingesting a digest never reshuffles topics.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

import yaml

from generator.content import read_text
from generator.errors import ContentError
from generator.model import SLUG_RE, Topic
from generator.yamlio import child_node, key_node, load_yaml_with_nodes, node_line

FIELDS = ("slug", "name", "description", "phrases")

# A title states what a paper is about; an abstract also mentions what it builds on or compares with.
TITLE_WEIGHT = 3
# One title match (3) or two abstract matches are enough; a single passing mention in the abstract is not.
MIN_SCORE = 2
# A second or third topic must be a real theme of the paper, not noise next to a strong main topic.
SECONDARY_SHARE = 0.4

# Between the words of a phrase: any run of spaces and hyphens, or nothing ("pre-trained" = "pretrained").
_SEP = r"[\s\-\u2010-\u2013]*"
_SPLIT = re.compile(r"[\s\-\u2010-\u2013]+")
# A simple plural ("models", "biases") after the last word, or any rest of the word for a "*" phrase.
_PLURAL, _PREFIX = r"(?:e?s)?", r"\w*"
_RANK = {_SEP: 1, _PLURAL: 2, _PREFIX: 2, "": 3}


def load_topics(path: Path) -> list[Topic]:
    """Read and validate topics.yml, in file order (the order breaks ties in `classify`).

    Every problem raises ContentError naming the file and, where known, the line of the offending item,
    because the file is edited by hand and a traceback would not tell the editor what to fix. It is read
    as every content file is (`read_text`: BOM and CRLF allowed, bad UTF-8 at its line) and loaded by the
    one hardened YAML loader, with its limits.
    """
    path = Path(path)
    if not path.exists():
        raise ContentError("topics file not found", path)
    data, root = load_yaml_with_nodes(read_text(path), path)

    if not isinstance(data, dict) or "topics" not in data:
        raise ContentError("expected a mapping with a 'topics:' key", path, _line(root))
    unknown = sorted(str(key) for key in data if key != "topics")
    if unknown:
        line = node_line(key_node(root, unknown[0]))
        raise ContentError(f"unknown top-level key(s): {', '.join(unknown)}", path, line)
    items, items_node = data["topics"], child_node(root, "topics")
    if not isinstance(items, list) or not items:
        raise ContentError("'topics' must be a non-empty list of topics", path, _line(items_node))

    topics: list[Topic] = []
    seen: dict[str, int] = {}
    for item, node in zip(items, items_node.value, strict=True):
        topic = _topic(item, node, path)
        if topic.slug in seen:
            message = f"duplicate slug {topic.slug!r} (first used on line {seen[topic.slug]})"
            raise ContentError(message, path, _line(node))
        seen[topic.slug] = _line(node) or 0
        topics.append(topic)
    return topics


def _topic(item: Any, node: yaml.Node, path: Path) -> Topic:
    """Validate one list item; errors point at the field's own line when it exists, else the item's."""

    def fail(message: str, field_node: yaml.Node | None = None) -> NoReturn:
        raise ContentError(message, path, _line(field_node) or _line(node))

    if not isinstance(item, dict):
        fail(f"each topic must be a mapping with the fields {', '.join(FIELDS)}")
    unknown = sorted(str(key) for key in item if key not in FIELDS)
    if unknown:
        fail(f"unknown field(s) {', '.join(unknown)}; expected {', '.join(FIELDS)}")
    for name in FIELDS:
        if item.get(name) is None:
            fail(f"topic is missing {name!r}")
    values: dict[str, str] = {}
    for name in FIELDS[:3]:
        value = item[name]
        if not isinstance(value, str) or not value.strip():
            hint = " (quote it)" if not isinstance(value, str | list | dict) else ""
            fail(f"{name!r} must be a non-empty string{hint}", child_node(node, name))
        values[name] = " ".join(value.split())
    if not SLUG_RE.fullmatch(values["slug"]):
        fail(f"invalid slug {values['slug']!r}: use a-z, 0-9 and single hyphens", child_node(node, "slug"))
    phrases, phrases_node = item["phrases"], child_node(node, "phrases")
    if not isinstance(phrases, list) or not phrases:
        fail("'phrases' must be a non-empty list of strings", phrases_node)
    nodes = phrases_node.value if isinstance(phrases_node, yaml.SequenceNode) else []
    cleaned: list[str] = []
    for index, phrase in enumerate(phrases):
        where = nodes[index] if index < len(nodes) else phrases_node
        text = " ".join(phrase.split()).lower() if isinstance(phrase, str) else ""
        if not _SPLIT.sub("", text.rstrip("*")):
            fail(f"phrase {phrase!r} must be a non-empty string", where)
        if "*" in text[:-1]:
            fail(f"phrase {phrase!r}: '*' is only allowed at the end", where)
        cleaned.append(text)
    return Topic(values["slug"], values["name"], values["description"], tuple(cleaned))


def _line(node: yaml.Node | None) -> int | None:
    return node_line(node)


def classify(title: str, abstract: str, topics: Sequence[Topic], max_topics: int = 3) -> list[str]:
    """The slugs of 0 to `max_topics` topics for a paper, best first.

    A topic scores TITLE_WEIGHT per phrase match in the title and 1 per match in the abstract. It needs
    MIN_SCORE, and a topic after the first needs SECONDARY_SHARE of the best score, so a passing mention
    does not add a topic. Equal scores keep taxonomy order, so the result is deterministic.
    """
    if max_topics <= 0 or not topics:
        return []
    matcher = _matcher(tuple(topics))
    scores = [0] * len(topics)
    matcher.add_scores(title, TITLE_WEIGHT, scores)
    matcher.add_scores(abstract, 1, scores)
    floor = max(MIN_SCORE, SECONDARY_SHARE * max(scores))
    ranked = sorted((i for i, score in enumerate(scores) if score >= floor), key=lambda i: (-scores[i], i))
    return [topics[i].slug for i in ranked[:max_topics]]


class _Matcher:
    """Counts every topic's phrase matches in one pass over a text.

    Scanning with one regex per topic costs a pass per topic; here one regex, a character trie of all the
    phrases (so the regex engine tries few alternatives per position), finds the longest phrase at each
    word start. Which topics a found string belongs to is worked out once per distinct string, with
    per-topic regexes, and cached. A topic's matches do not overlap, so "few-shot prompting" counts once
    for in-context learning (not again as "prompting") but also once for a topic listing "few-shot".
    """

    def __init__(self, topics: tuple[Topic, ...]) -> None:
        phrases = [[tokens for p in t.phrases if (tokens := _tokens(p))] for t in topics]
        self.per_topic = [re.compile(_trie(p) + r"(?!\w)" if p else "(?!)") for p in phrases]
        self.finder = re.compile(r"\W(?=(" + _trie([t for p in phrases for t in p]) + r")(?!\w))")
        self.hits: dict[str, tuple[tuple[int, int], ...]] = {}

    def add_scores(self, text: str, weight: int, scores: list[int]) -> None:
        text, ends = " " + text.lower(), [0] * len(scores)
        for match in self.finder.finditer(text):
            start, found = match.start(1), match.group(1)
            hits = self.hits.get(found)
            if hits is None:
                matches = ((i, regex.match(found)) for i, regex in enumerate(self.per_topic))
                hits = self.hits[found] = tuple((i, m.end()) for i, m in matches if m)
            for i, length in hits:
                if start >= ends[i]:
                    # "large language models (LLMs)" is one mention, not two.
                    if not ends[i] or text[ends[i] : start].strip() != "(":
                        scores[i] += weight
                    ends[i] = start + length


# Compiled once per taxonomy: topics are frozen, so an equal tuple of topics means the same regexes.
_matcher = lru_cache(maxsize=8)(_Matcher)


def _tokens(phrase: str) -> list[str]:
    """A phrase as regex pieces: one per character, a separator between words, then the ending."""
    words = [word for word in _SPLIT.split(phrase.lower().rstrip("*")) if word]
    tokens: list[str] = []
    for word in words:
        tokens.extend([_SEP] if tokens else [])
        tokens.extend(re.escape(char) for char in word)
    return [*tokens, _PREFIX if phrase.endswith("*") else _PLURAL] if tokens else []


def _trie(phrases: list[list[str]]) -> str:
    """One regex for many phrases, sharing common beginnings: "prompt(?:ing|)" rather than two branches."""
    root: dict[str, dict] = {}
    for tokens in phrases:
        node = root
        for token in tokens:
            node = node.setdefault(token, {})
        node[""] = {}
    return _emit(root)


def _emit(node: dict[str, dict]) -> str:
    # Characters, then a separator, then the ending, so that longer phrases are tried first.
    branches = sorted(node.items(), key=lambda item: (_RANK.get(item[0], 0), item[0]))
    alternatives = [key + _emit(child) for key, child in branches]
    return "".join(alternatives) if len(alternatives) <= 1 else "(?:" + "|".join(alternatives) + ")"

"""Candidate topics for the papers the taxonomy leaves out (`digest topics suggest`).

The classifier is a phrase match (`generator.topics`), so a paper without a topic is a paper whose words
no topic lists, and a better taxonomy is a matter of new phrases. The papers say which ones: a phrase
that many topicless papers use, and that papers with topics rarely do, marks a theme the taxonomy misses.
This module scores such phrases, groups the ones that mark the same papers into candidate topics, and
counts what each candidate takes with the classifier itself (`classify`, the candidate appended to the
taxonomy), never with an estimate: the numbers a person reads are the ones they get after pasting.

Everything is a pure function of the papers and the taxonomy, with ties broken by text and never by hash
order, so the same content gives byte-identical output.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import parallel
from generator.errors import ContentError
from generator.model import Topic, slugify, unique_slug
from generator.related import STOP_WORDS
from generator.topics import classify, load_topics
from generator.yamlio import load_yaml

Progress = Callable[[str, int, int], None]

#: Of the papers using a phrase, at least this share must fit no topic: "graph" is everywhere and mostly
#: in papers with topics, "auction" is what the taxonomy misses.
MIN_PRECISION = 0.4
#: ... and the odds that one of its papers fits no topic must be this many times those of any paper:
#: when most papers fit none (a new taxonomy), "model" is in many of them, and marks no theme of theirs.
MIN_ODDS_RATIO = 4.0
#: A phrase joins a candidate when at least this share of the (topicless) papers using it are papers the
#: candidate takes: it then marks the same papers ("bidder" with "auction"), not another theme.
MIN_SHARED = 0.4
#: Phrases per candidate at most: enough to take a theme's papers, few enough to review at a glance.
MAX_PHRASES = 10
#: Papers a phrase must add to a candidate to join it: one paper is as likely a coincidence as a theme.
MIN_GAIN = 2
#: Best-scoring first phrases tried per round; the one whose group would take most papers wins.
SEEDS_PER_ROUND = 12
#: Phrases, among those that co-occur with a first phrase, considered for its group.
GROUP_CHOICES = 40
#: Papers with topics that phrase frequencies are compared with: an evenly spread sample beyond this
#: many, which measures "rare among papers with topics" as well as all of them would, at a bounded cost.
REFERENCE_PAPERS = 8000
#: Topicless papers whose phrases are counted: an evenly spread sample beyond this many (the papers a
#: candidate takes are still found among all of them, by the classifier).
INDEX_PAPERS = 10000
# Words whose kind (`_kind`) is remembered at most; the memory starts over beyond it.
_WORDS_REMEMBERED = 1_000_000
#: Example titles shown above each candidate.
EXAMPLES = 5
#: Longest example title shown, in characters.
TITLE_CHARS = 110

# Words that never start or end a phrase: function words and the boilerplate of abstracts.
_EXTRA_STOP = """across additionally among approaches article capabilities challenge challenges
    demonstrate demonstrates different effective effectively existing furthermore high however
    important including introduce introduces key large low methods moreover non novel often order
    outperforms particular performance presents problem problems proposes provide provides recent
    recently results several shows significant significantly specifically state task tasks toward
    towards various vs whereas framework frameworks achieve achieves achieving art"""
# What is left of LaTeX in abstracts once math is reduced to words ("$\\ell_p$" reads "ell p").
_LATEX_STOP = """mathbb mathcal mathrm mathbf mathsf mathfrak boldsymbol operatorname textrm ell frac sqrt
    cdot leq geq le ge neq approx sim infty rightarrow leftarrow varepsilon epsilon widetilde tilde hat
    emph textit textbf left right"""
STOP = STOP_WORDS | frozenset(_EXTRA_STOP.split()) | frozenset(_LATEX_STOP.split())

# Words, and each character a phrase cannot span (a phrase matches across spaces and hyphens only).
_TOKEN_RE = re.compile(r"\w+|[^\w\s\-\u2010-\u2013]")
# A word a phrase may start or end with: letters, and digits after a letter or before one ("3d", "6g").
_EDGE_RE = re.compile(r"(?=\d*[^\W\d_])[^\W_]+")
_NOISE_RE = re.compile(r"(?:https?://|www\.)\S+|\\[A-Za-z]+")
# What a YAML comment line must not hold: line breaks (YAML counts NEL, U+2028 and U+2029 as such),
# characters YAML refuses, and the invisible ones that reorder what a terminal shows.
_COMMENT_UNSAFE_RE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\ufffe\uffff]"
)


@dataclass(frozen=True)
class PaperText:
    """What suggesting needs of a paper: its file's slug, title, abstract text and hand-set topics."""

    slug: str
    title: str
    abstract: str
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """One proposed topic and the topicless papers the classifier gives it, best examples first."""

    topic: Topic
    #: Slugs of the topicless papers that get this topic once every candidate is in the taxonomy.
    papers: tuple[str, ...]
    #: Of those, how many also get an earlier candidate (a paper on two new themes).
    shared: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Suggestions:
    """The outcome: how many papers there are, how many fit no topic, and the candidates for them."""

    total: int
    topicless: int
    min_papers: int
    candidates: tuple[Candidate, ...]


# --- reading the content folder ------------------------------------------------------------------------


def load_papers(content_dir: Path, progress: Progress | None = None) -> tuple[list[Topic], list[PaperText]]:
    """The taxonomy and every paper of `content_dir`, each file validated as `digest check` does it.

    topics.yml is read first, so a broken one stops at its own error before thousands of papers are
    parsed. A paper comes from the build cache beside content/ when a build parsed that very file (the
    cache is only read here), else from its file: front matter and the body's plain text, without the
    HTML a build renders, which is most of a build's reading time and of no use here. Read under
    content/'s shared lock, as `load_site` reads, so an ingest running meanwhile is seen whole or not at
    all. Sorted by slug: nothing downstream depends on the order files are listed in.
    """
    from generator.cache import cache_dir_beside
    from generator.cache.fingerprint import code_fingerprint
    from generator.cache.papers import PaperCache, paper_key
    from generator.content import read_bytes
    from generator.errors import ContentErrors
    from generator.ingest.transaction import interrupted_ingest
    from generator.lock import folder_lock
    from generator.site import paper_files, require_content_dir

    require_content_dir(content_dir)
    topics = load_topics(content_dir / "topics.yml")
    known = {topic.slug for topic in topics}
    cache = PaperCache.load(cache_dir_beside(content_dir), code_fingerprint())
    papers: list[PaperText | None] = []
    todo: list[tuple[int, Path, bytes]] = []
    with folder_lock(content_dir, shared=True):
        waiting = interrupted_ingest(content_dir)
        if waiting is not None:
            raise ContentError(waiting, content_dir)
        for path in paper_files(content_dir):
            raw = read_bytes(path)
            built = cache.papers.get(paper_key(path.relative_to(content_dir).as_posix(), raw))
            if built is not None and set(built.topics) <= known:
                papers.append(PaperText(built.slug, built.title, built.text, tuple(built.topics)))
            else:
                todo.append((len(papers), path, raw))
                papers.append(None)
    problems: list[ContentError] = []
    parsed = parallel.run_all(lambda i: _read_paper(todo[i][1], todo[i][2], known)[0], len(todo))
    for done, (i, paper) in enumerate(parsed, start=1):
        at, path, raw = todo[i]
        papers[at] = paper
        if paper is None:  # its problems are found again here: exceptions travel badly between processes
            problems.extend(_read_paper(path, raw, known)[1])
        if progress is not None:
            progress("reading papers", done, len(todo))
    if problems:
        raise ContentErrors(sorted(problems, key=lambda problem: str(problem.path)))
    return topics, sorted((paper for paper in papers if paper is not None), key=lambda p: p.slug)


def _read_paper(path: Path, raw: bytes, topics: set[str]) -> tuple[PaperText | None, list[ContentError]]:
    """One paper file's PaperText, or its problems, by the rules `digest check` applies."""
    from generator.content import decode_text, parse_content_text
    from generator.markdown import plain_text
    from generator.site import validate_paper

    try:
        content = parse_content_text(decode_text(raw, path), path)
    except ContentError as exc:
        return None, [exc]
    problems = validate_paper(content, topics)
    if problems:
        return None, problems
    meta = content.meta
    title = " ".join(meta["title"].split())
    return PaperText(path.stem, title, plain_text(content.body), tuple(meta["topics"])), []


# --- which papers fit no topic ---------------------------------------------------------------------------


def topicless(
    papers: Sequence[PaperText], topics: Sequence[Topic], progress: Progress | None = None
) -> list[PaperText]:
    """The papers that fit no topic: none in their front matter (a topic set by hand counts) and none
    from the classifier with the current taxonomy (a paper ingested before a topic was added may fit
    it now). Classified on every core: the phrase rules are regular expressions over each abstract."""
    bare = [paper for paper in papers if not paper.topics]
    topics = list(topics)

    def topics_of(index: int) -> bool:
        return bool(classify(bare[index].title, bare[index].abstract, topics))

    fits = [False] * len(bare)
    for done, (index, fit) in enumerate(parallel.run_all(topics_of, len(bare), chunk=128), start=1):
        fits[index] = fit
        if progress is not None:
            progress("classifying papers", done, len(bare))
    return [paper for paper, fit in zip(bare, fits, strict=True) if not fit]


# --- phrases -------------------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    """A text's tokens, lowercased as the classifier compares: words (the hyphens and spaces between
    them dropped, as a phrase matches across both) and, as tokens of their own, the other characters,
    which no phrase spans ("graph, neural" is no phrase). URLs and LaTeX commands are left out: they are
    not what a paper is about."""
    text = text.lower()
    if "\\" in text or "://" in text or "www." in text:
        text = _NOISE_RE.sub(" ", text)
    return _TOKEN_RE.findall(text)


def _grams(text: str) -> list[str]:
    """Every run of one to three tokens of a text, to be looked up among known phrases in bulk."""
    tokens = _tokens(text)
    return [
        *tokens,
        *map(" ".join, itertools.pairwise(tokens)),
        *map(" ".join, zip(tokens, tokens[1:], tokens[2:], strict=False)),
    ]


def _kind(word: str) -> int:
    """EDGE for a word that may start or end a phrase (letters, numbers out, no stop word), INNER for
    one that may only stand inside ("of" in "theory of mind"), 0 for neither (a number, a comma)."""
    if _EDGE_RE.fullmatch(word) is None:
        return 0
    return EDGE if len(word) > 1 and word not in STOP else INNER


EDGE, INNER = 2, 1
_KINDS: dict[str, int] = {}  # word -> _kind(word), shared: a corpus repeats its words many times over


def _phrases(text: str, fold: dict[str, str]) -> list[str]:
    """Every phrase of a text, once per occurrence: words and runs of two or three words (as topics.yml's
    phrases mostly are) that start and end with a content word. The last word is folded to its singular
    when the papers use both forms, as a phrase tolerates a plural ("auctions" and "auction" are one
    phrase, `auction`)."""
    tokens = _tokens(text)
    if len(_KINDS) > _WORDS_REMEMBERED:
        _KINDS.clear()
    kinds = [_KINDS.get(token) for token in tokens]
    for i, kind in enumerate(kinds):
        if kind is None:
            kinds[i] = _KINDS[tokens[i]] = _kind(tokens[i])
    found: list[str] = []
    count = len(tokens)
    for i, first in enumerate(tokens):
        if kinds[i] != EDGE:
            continue
        found.append(fold.get(first, first))
        if i + 1 < count and kinds[i + 1] == EDGE:
            found.append(f"{first} {fold.get(tokens[i + 1], tokens[i + 1])}")
        if i + 2 < count and kinds[i + 2] == EDGE and kinds[i + 1]:
            found.append(f"{first} {tokens[i + 1]} {fold.get(tokens[i + 2], tokens[i + 2])}")
    return found


def _plural_folds(papers: Iterable[PaperText]) -> dict[str, str]:
    """Plural -> singular for the words the papers use in both forms ("models" -> "model",
    "processes" -> "process"): exactly the endings a phrase tolerates (`s`, `es`)."""
    words: set[str] = set()
    for paper in papers:
        words.update(_TOKEN_RE.findall(f"{paper.title} {paper.abstract}".lower()))
    fold: dict[str, str] = {}
    for word in sorted(words):
        if not word.endswith("s") or word.endswith(("ss", "us", "is")):
            continue
        for cut in (1, 2):
            stem = word[:-cut]
            if (cut == 1 or word.endswith("es")) and stem in words and _kind(stem) == EDGE:
                fold[word] = stem
                break
    return fold


@dataclass
class _Index:
    """The phrases worth proposing, numbered, and per topicless paper which of them it uses and where:
    what the search for candidates counts, paper by paper, as papers are set aside."""

    phrases: list[str]
    #: Per phrase: the share of the papers using it that fit no topic (estimated from the sample).
    precision: list[float]
    #: Per paper: the phrases of its title, and of its abstract with their counts.
    title: list[frozenset[int]]
    abstract: list[dict[int, int]]
    #: Per phrase: the papers using it anywhere, how many of them have it in their title, and how many
    #: times they use it in all (which breaks ties: the phrase papers keep coming back to).
    postings: list[list[int]]
    titled: list[int]
    mentions: list[int]
    #: Per phrase, over the papers not set aside: how many use it, and how many use it where it alone
    #: would reach the classifier's threshold (in the title, or twice in the abstract).
    used: list[int]
    strong: list[int]
    alive: list[bool]

    def remove(self, paper: int) -> None:
        """Set a paper aside once a candidate has it."""
        if not self.alive[paper]:
            return
        self.alive[paper] = False
        title, abstract = self.title[paper], self.abstract[paper]
        for phrase in title | abstract.keys():
            self.used[phrase] -= 1
            if phrase in title or abstract.get(phrase, 0) >= 2:
                self.strong[phrase] -= 1


def _build_index(
    papers: Sequence[PaperText],
    reference: Sequence[PaperText],
    scale: float,
    min_papers: int,
    progress: Progress | None,
) -> _Index:
    """Count the topicless papers' phrases, keep those that enough of them use and that are mostly used
    by papers without a topic (measured against `reference`, a sample of the papers with topics that
    stands for `scale` times as many), and index them per paper."""
    fold = _plural_folds(papers)
    total = len(papers) + len(reference)
    step = None if progress is None else lambda done: progress("counting phrases", done, total)
    used = _count(
        len(papers), lambda i: {*_phrases(papers[i].title, fold), *_phrases(papers[i].abstract, fold)}, step
    )
    kept = sorted(p for p, n in used.items() if n >= max(2, min_papers))
    # A phrase matches its plural too: the word runs that count as each phrase, for the passes below.
    forms = {form: p for p in kept for form in (p + "s", p + "es")} | {p: p for p in kept}
    known = frozenset(forms)

    def found(i: int) -> set[str]:
        # One text: the "." between title and abstract is a token no phrase spans.
        grams = known.intersection(_grams(f"{reference[i].title} . {reference[i].abstract}"))
        return {forms[gram] for gram in grams}

    elsewhere = _count(len(reference), found, step and (lambda done: step(len(papers) + done)))
    precision = {p: used[p] / (used[p] + elsewhere[p] * scale) for p in kept}
    # Topicless papers per paper with a topic, among a phrase's papers and among all of them.
    odds = {p: used[p] / (elsewhere[p] * scale) if elsewhere[p] else math.inf for p in kept}
    base = len(papers) / (len(reference) * scale) if reference else math.inf
    phrases = sorted(p for p in kept if precision[p] >= MIN_PRECISION and odds[p] >= MIN_ODDS_RATIO * base)
    number = {phrase: i for i, phrase in enumerate(phrases)}
    zeros = [0] * len(phrases)
    index = _Index(
        phrases=phrases,
        precision=[precision[p] for p in phrases],
        title=[],
        abstract=[],
        postings=[[] for _ in phrases],
        titled=list(zeros),
        mentions=list(zeros),
        used=list(zeros),
        strong=list(zeros),
        alive=[],
    )
    for i, paper in enumerate(papers):
        in_title = frozenset(number[p] for p in _phrases(paper.title, fold) if p in number)
        counts = Counter(number[p] for p in _phrases(paper.abstract, fold) if p in number)
        index.title.append(in_title)
        index.abstract.append(dict(counts))
        index.alive.append(True)
        for phrase in sorted(in_title | counts.keys()):
            index.postings[phrase].append(i)
            index.used[phrase] += 1
            index.titled[phrase] += phrase in in_title
            index.mentions[phrase] += (phrase in in_title) + counts[phrase]
            if phrase in in_title or counts[phrase] >= 2:
                index.strong[phrase] += 1
    return index


def _count(
    total: int, phrases: Callable[[int], set[str]], step: Callable[[int], None] | None
) -> Counter[str]:
    """How many of `total` papers use each phrase, given each paper's phrases: counted on every core,
    as this is most of the work."""
    counts: Counter[str] = Counter()
    for done, (_, found) in enumerate(parallel.run_all(phrases, total, chunk=64), start=1):
        counts.update(found)
        if step is not None:
            step(done)
    return counts


def _spread(papers: Sequence[PaperText], limit: int) -> list[PaperText]:
    """At most `limit` of `papers`, spread evenly over them (they are in slug order): a sample that
    stands for all of them, the same on every run."""
    if len(papers) <= limit:
        return list(papers)
    step = len(papers) / limit
    return [papers[int(i * step)] for i in range(limit)]


# --- grouping phrases into candidates -----------------------------------------------------------------


def _overlaps(a: str, b: str) -> bool:
    """Whether one phrase is a run of whole words of the other: any text matching "quantum circuit"
    matches "quantum", so a topic needs at most one of them."""
    return f" {a} " in f" {b} " or f" {b} " in f" {a} "


@dataclass
class _Group:
    """A candidate in the making: its phrases (first phrase first) and the papers it would take,
    estimated with the classifier's threshold (the classifier itself then decides)."""

    phrases: list[int]
    covered: set[int]


def _grow(index: _Index, seed: int) -> _Group:
    """The candidate a first phrase starts. A phrase joins when it marks the same papers: most of the
    papers using it are papers the group takes already ("bidder" in auction papers), so a group grows
    along a theme ("reed solomon", then "cyclic code", then "hamming") and not into a neighbouring one.
    The phrase that adds the most papers joins first, while one adds at least MIN_GAIN, up to
    MAX_PHRASES."""
    text = index.phrases
    group = _Group([], set())
    together: Counter[int] = Counter()  # phrase -> papers of the group using it
    mentions: Counter[int] = Counter()  # paper -> abstract mentions of the group's phrases
    in_title: set[int] = set()

    def takes(phrase: int, i: int) -> bool:
        if i in in_title or phrase in index.title[i]:
            return True
        return mentions[i] + index.abstract[i].get(phrase, 0) >= 2

    phrase = seed
    while phrase >= 0:
        for i in index.postings[phrase]:
            if index.alive[i]:
                if takes(phrase, i) and i not in group.covered:
                    group.covered.add(i)
                    together.update(index.title[i] | index.abstract[i].keys())
                mentions[i] += index.abstract[i].get(phrase, 0)
                if phrase in index.title[i]:
                    in_title.add(i)
        group.phrases.append(phrase)
        if len(group.phrases) >= MAX_PHRASES:
            break
        choices = sorted(
            (
                q
                for q, count in together.items()
                if count >= 2
                and count >= MIN_SHARED * index.used[q]
                and index.titled[q]
                and not any(_overlaps(text[p], text[q]) for p in group.phrases)
            ),
            key=lambda q: (-together[q], text[q]),
        )[:GROUP_CHOICES]
        phrase, best = -1, MIN_GAIN - 1
        for q in choices:
            gain = sum(
                1 for i in index.postings[q] if index.alive[i] and i not in group.covered and takes(q, i)
            )
            if gain > best:
                phrase, best = q, gain
    return group


def _seed_score(index: _Index, phrase: int) -> float:
    """How good a first phrase is: the papers it would take on its own, weighed by the share of its
    papers that fit no topic and by the share that have it in their title. Titles tell a theme from a
    word every theory paper uses: "antenna" is in half the titles of the abstracts that use it,
    "polynomial" in a tenth."""
    return index.strong[phrase] * index.precision[phrase] * index.titled[phrase] / len(index.postings[phrase])


def _topic(index: _Index, group: _Group, taken_slugs: set[str], texts: Sequence[str]) -> Topic:
    """The Topic of a group: its phrases, those most used in titles first (a title says what a paper is
    about); a name and slug from the first ones; a description that asks to be rewritten. `texts` (the
    abstracts it takes) show how to write the name's words ("Nash", "MIMO")."""
    ranked = sorted(
        group.phrases, key=lambda p: (-index.titled[p], -len(index.postings[p]), index.phrases[p])
    )
    phrases = [index.phrases[p] for p in ranked]
    first = phrases[0]
    other = next((p for p in phrases[1:] if not _alike(p, first)), None)
    name = " & ".join(" ".join(_shown(word, texts) for word in p.split()) for p in (first, other) if p)
    slug = unique_slug(slugify(first, fallback="topic"), taken_slugs)
    description = (
        f"Suggested for papers about {', '.join(phrases[:3])}: rewrite this line and check the phrases."
    )
    return Topic(slug, name[0].upper() + name[1:], description, tuple(phrases))


def _alike(a: str, b: str) -> bool:
    """Whether two phrases share a word, or a word's first letters ("equilibrium", "equilibria"): a
    name made of both would say the same thing twice."""
    return any(x[:6] == y[:6] for x in a.split() for y in b.split())


def _shown(word: str, texts: Sequence[str]) -> str:
    """How the abstracts mostly write a word inside a sentence ("Nash", "MIMO", "antenna"); lowercase
    when in doubt."""
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
    forms: Counter[str] = Counter()
    for text in texts:
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 3) : match.start()].rstrip()
            if before and before[-1] not in ".!?:":  # a sentence's first word is capitalised anyway
                forms[match.group()] += 1
    return max(sorted(forms), key=lambda form: (forms[form], form == word), default=word)


# --- the search -----------------------------------------------------------------------------------------


def suggest(
    papers: Sequence[PaperText],
    topics: Sequence[Topic],
    *,
    count: int = 8,
    min_papers: int = 3,
    progress: Progress | None = None,
) -> Suggestions:
    """Up to `count` candidate topics for the papers that fit no topic, each taking at least
    `min_papers` of them, best first.

    Greedy, as a person would go: the group of phrases that would take most papers, the papers the
    classifier gives it set aside, then the best group among the rest, and so on, so a second candidate
    is about something else and the search never counts a paper twice. The papers announced for each
    are those the classifier gives it with all the candidates in the taxonomy, which is what pasting
    them all gives; a paper on two new themes is then announced for both (`Candidate.shared`).
    """
    papers = sorted(papers, key=lambda p: p.slug)
    left = topicless(papers, topics, progress)
    if not left:
        return Suggestions(len(papers), 0, min_papers, ())
    names = {p.slug for p in left}
    others = [p for p in papers if p.slug not in names]
    reference = _spread(others, REFERENCE_PAPERS)
    sample = _spread(left, INDEX_PAPERS)
    scale = (len(others) / len(reference) if reference else 0.0) * len(sample) / len(left)
    index = _build_index(sample, reference, scale, min_papers, progress)
    position = {p.slug: i for i, p in enumerate(sample)}
    lowered = [f"{p.title}\n{p.abstract}".lower() for p in left]
    alive = [True] * len(left)
    taxonomy = list(topics)
    slugs = {t.slug for t in taxonomy}
    chosen: list[Topic] = []
    tried: set[int] = set()
    while len(chosen) < count:
        if progress is not None:
            progress("finding topics", len(chosen), count)
        seeds = sorted(
            (p for p in range(len(index.phrases)) if p not in tried and index.strong[p] >= min_papers),
            key=lambda p: (-_seed_score(index, p), -index.mentions[p], index.phrases[p]),
        )[:SEEDS_PER_ROUND]
        if not seeds:
            break
        groups = [_grow(index, seed) for seed in seeds]
        group = min(groups, key=lambda g: (-len(g.covered), seeds.index(g.phrases[0])))
        topic = _topic(index, group, slugs, [sample[i].abstract for i in sorted(group.covered)])
        taken = _taken(left, lowered, alive, [*taxonomy, topic])
        if len(taken) < min_papers:
            tried.add(group.phrases[0])
            continue
        for i in taken:
            alive[i] = False
            if left[i].slug in position:
                index.remove(position[left[i].slug])
        slugs.add(topic.slug)
        chosen.append(topic)
    if progress is not None:
        progress("finding topics", count, count)
    candidates = _announce(left, lowered, taxonomy, chosen, min_papers)
    return Suggestions(len(papers), len(left), min_papers, tuple(candidates))


def _words_of(topics: Iterable[Topic]) -> list[str]:
    """One word of each phrase, its longest, that any text the phrase matches contains (lowercased):
    a text without any of them cannot match, so the classifier need not read it."""
    return sorted({max(phrase.split(), key=len) for topic in topics for phrase in topic.phrases})


def _taken(
    papers: Sequence[PaperText], lowered: Sequence[str], alive: Sequence[bool], extended: list[Topic]
) -> list[int]:
    """The papers not set aside that `classify` gives the last topic of `extended` (the taxonomy with a
    candidate appended)."""
    slug, words = extended[-1].slug, _words_of(extended[-1:])
    return [
        i
        for i, paper in enumerate(papers)
        if alive[i]
        and any(word in lowered[i] for word in words)
        and slug in classify(paper.title, paper.abstract, extended)
    ]


def _announce(
    papers: Sequence[PaperText],
    lowered: Sequence[str],
    taxonomy: list[Topic],
    proposed: list[Topic],
    min_papers: int,
) -> list[Candidate]:
    """Each proposed topic with the papers `classify` gives it when all of them are appended to the
    taxonomy, as they will be once pasted, the one with most papers first. One that ends up with fewer
    than `min_papers` (a later one outscores it on its papers) is dropped, and the rest counted again."""
    while True:
        got: dict[str, list[int]] = {topic.slug: [] for topic in proposed}
        words, extended = _words_of(proposed), [*taxonomy, *proposed]
        for i, paper in enumerate(papers):
            if any(word in lowered[i] for word in words):
                for slug in classify(paper.title, paper.abstract, extended):
                    if slug in got:
                        got[slug].append(i)
        short = [topic for topic in proposed if len(got[topic.slug]) < min_papers]
        if not short:
            break
        proposed = [topic for topic in proposed if topic not in short]
    candidates: list[Candidate] = []
    seen: set[int] = set()
    for topic in sorted(proposed, key=lambda topic: -len(got[topic.slug])):  # stable: ties keep their order
        mine = got[topic.slug]
        shared = len(seen.intersection(mine))
        seen.update(mine)
        candidates.append(
            Candidate(topic, tuple(papers[i].slug for i in mine), shared, _examples(papers, mine, topic))
        )
    return candidates


def _examples(papers: Sequence[PaperText], mine: list[int], topic: Topic) -> tuple[str, ...]:
    """A few titles that show what the topic is: first those its phrases are in (the classifier on the
    title alone says so), then by title."""

    def key(i: int) -> tuple[bool, str, str]:
        return (not classify(papers[i].title, "", [topic]), papers[i].title.casefold(), papers[i].slug)

    return tuple(papers[i].title for i in sorted(mine, key=key)[:EXAMPLES])


# --- YAML out ---------------------------------------------------------------------------------------------


def comment_text(text: str, limit: int = TITLE_CHARS) -> str:
    """`text` as what one YAML comment line may hold, whatever it contains: line breaks of every kind
    (a title's own newline would end the comment and start YAML), control and invisible characters
    become spaces, runs of spaces one, and a long text is cut with an ellipsis."""
    one = " ".join(_COMMENT_UNSAFE_RE.sub(" ", text).split())
    return one if len(one) <= limit else one[: limit - 1].rstrip() + "\u2026"


def yaml_scalar(text: str) -> str:
    """`text` as a YAML scalar: plain when the project's loader reads it back as the same string (most
    phrases and names), else double-quoted (JSON's escapes are valid YAML ones)."""
    plain = text == text.strip() and "\n" not in text and not text.startswith(("-", "?", ":", "#"))
    if plain:
        try:
            plain = load_yaml(f"value: {text}\n", Path("<suggestion>")) == {"value": text}
        except ContentError:
            plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


def item_indent(taxonomy_text: str) -> int:
    """How far topics.yml indents its `- slug:` items under `topics:` (2 in the project's own, 0 in a
    file a YAML library wrote), so that the suggestions paste in as more of them; 2 when it has none."""
    match = re.search(r"^topics:[^\S\n]*(?:#[^\n]*)?\n(?:[^\S\n]*(?:#[^\n]*)?\n)*( *)- ", taxonomy_text, re.M)
    return len(match.group(1)) if match else 2


def to_yaml(suggestions: Suggestions, indent: int = 2) -> str:
    """The suggestions as YAML list items, indented by `indent` to paste under `topics:` in topics.yml
    (see `item_indent`), each with comments saying what it would take; a first comment line says how
    many papers fit no topic."""
    lines = [f"# {suggestions.topicless} of {suggestions.total} papers fit no topic."]
    if not suggestions.topicless:
        lines.append("# Nothing to suggest: every paper has a topic.")
        return "\n".join(lines) + "\n"
    if not suggestions.candidates:
        lines.append(
            f"# Nothing to suggest: no group of at least {suggestions.min_papers} of them shares a phrase "
            "that papers with topics rarely use."
        )
        return "\n".join(lines) + "\n"
    lines.append(
        f"# {len(suggestions.candidates)} suggested topic(s) for them: paste the ones you want under "
        "`topics:` in topics.yml, then edit them."
    )
    at, inner = " " * indent, " " * (indent + 2)
    for candidate in suggestions.candidates:
        topic, taken = candidate.topic, len(candidate.papers)
        shared = f" ({candidate.shared} also in a suggestion above)" if candidate.shared else ""
        lines += [
            "",
            f"{at}# Would take {taken} of the {suggestions.topicless} papers that fit no topic{shared}, "
            "e.g.:",
        ]
        lines += [f"{at}#   {comment_text(title)}" for title in candidate.examples]
        lines += [
            f"{at}- slug: {topic.slug}",
            f"{inner}name: {yaml_scalar(topic.name)}",
            f"{inner}description: {yaml_scalar(topic.description)}",
            f"{inner}phrases:",
        ]
        lines += [f"{inner}  - {yaml_scalar(phrase)}" for phrase in topic.phrases]
    return "\n".join(lines) + "\n"

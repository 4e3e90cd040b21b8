"""The plain data every stage passes along: papers, links, parsed digests, the taxonomy, the Site the
build renders; and slugs.

Kept free of I/O so ingest, build, templates and the tests share one definition of what a paper is.
`SitePaper`, `Site`, `SiteConfig` and `Topic` are also the template API: the attributes templates read.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from generator.errors import InputError

#: One word of a slug; a slug is such words joined by single hyphens (file names, topic slugs, URLs).
SLUG_WORD_RE = re.compile(r"[a-z0-9]+")
SLUG_RE = re.compile(rf"{SLUG_WORD_RE.pattern}(?:-{SLUG_WORD_RE.pattern})*")
SLUG_MAX = 80
#: The longest title a paper may have, in characters: a longer one is not a title but a parsing accident
#: (a whole page read as one line), and content files refuse it; ingest skips such a paper, naming its line.
MAX_TITLE_CHARS = 10_000
#: The longest abstract, in characters (real ones are under 5,000; a whole book pasted in is not one).
MAX_ABSTRACT_CHARS = 200_000
#: The most entries one digest may hold: far beyond any real digest (a 256 MB page of real papers holds
#: under 200,000), and low enough that a hostile file of tiny entries is refused, not parsed for minutes.
MAX_RECORDS = 1_000_000
#: An arXiv identifier without its version: new style `2601.15305`, old style `hep-th/9901001`.
ARXIV_ID_RE = re.compile(r"\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}")
# An id as sources write it: bare, `arXiv:ID`, an arXiv URL, or a URL ending in one (Hugging Face's
# paper pages); a version and `.pdf` may follow.
_ARXIV_REF_RE = re.compile(
    rf"(?<![\w.-])(?:arxiv\.org/(?:abs|pdf|html)/|arxiv:\s*)?({ARXIV_ID_RE.pattern})(?:v\d+)?(?:\.pdf)?/?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Link:
    """A labelled URL shown as a button on the paper page (Code, Project page, arXiv, ...)."""

    label: str
    url: str


@dataclass
class Paper:
    """One paper as a digest presents it, before it is merged into content/.

    Parsers fill what their format carries, as raw as it comes (an arXiv id may still have its version,
    `published` may be a timestamp); `generator.ingest.normalize` then cleans every field the same way
    for every format and assigns `id` and `rank`. Empty values mean "this source does not say".
    """

    title: str
    abstract: str
    id: str = ""
    line: int = 0
    links: list[Link] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    arxiv: str | None = None
    categories: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    upvotes: int | None = None
    published: str | None = None
    comment: str | None = None
    #: 1-based position in the digest (set by normalisation from the order `parse` returns).
    rank: int | None = None
    #: An arXiv "replacement": it may fill fields of a paper content/ already has, never create one.
    update_only: bool = False


@dataclass
class ParsedDigest:
    """What a digest parser returns: the papers in ranking order plus what it noticed on the way.

    `date_line` and `date_in_text` are the digest's own date (the text that said it, and the date);
    `month_day` is a date without a year (the trending page's `May 9`). `skipped` holds one message per
    entry that could not be used and `warnings` one per entry kept despite a problem, each naming its
    line, so nothing is lost or changed silently.

    `records` counts the entries the input held (blocks of a page, records of a JSON lines file, items
    of a JSON list, Atom entries, mailing entries), and every one of them ends up either a paper or one
    `skipped` message: `records == len(papers) + len(skipped)` always holds, which is what lets the CLI
    say "N records in, M papers out" and a test prove that nothing vanished. An input in which nothing
    reads as an entry at all (an empty query result, a mailing with no entries) counts as one record,
    skipped with the reason.
    """

    format: str
    papers: list[Paper]
    date_line: str | None = None
    date_in_text: date | None = None
    month_day: tuple[int, int] | None = None
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: How many entries the input held: always len(papers) + len(skipped).
    records: int = 0
    #: The digest file, for the error raised when it holds more than MAX_RECORDS entries.
    path: Path | None = None

    def keep(self, paper: Paper) -> None:
        """Count one entry of the input, used as a paper."""
        self._count()
        self.papers.append(paper)

    def skip(self, message: str) -> None:
        """Count one entry of the input that cannot be used, with the message (naming its line) saying why."""
        self._count()
        self.skipped.append(message)

    def _count(self) -> None:
        self.records += 1
        if self.records > MAX_RECORDS:
            why = f"holds more than {MAX_RECORDS:,} entries, more than any real digest: split it into parts"
            raise InputError(why, self.path)


def clean_arxiv_id(value: object) -> str | None:
    """`arXiv:2601.15305v2`, `https://arxiv.org/abs/2601.15305v1` or `2601.15305` give `2601.15305`;
    anything that does not end in an arXiv id gives None."""
    if not isinstance(value, str):
        return None
    match = _ARXIV_REF_RE.search(value.strip())
    return match.group(1) if match else None


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace (tabs, NBSP, line breaks) to one space and trim the ends."""
    return " ".join(text.split())


def title_key(title: str) -> str:
    """The form of a title used for identity: case, accents, punctuation and spacing do not matter."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.findall(r"\w+", folded))


def paper_id(title: str, abstract: str | None = None) -> str:
    """A stable id for a paper without an arXiv id: a hash of its normalised title (and abstract).

    The abstract is mixed in only when two papers of one digest share a title, so the usual case stays
    stable when the abstract is re-worded between digests.
    """
    material = title_key(title)
    if abstract is not None:
        material += "\n" + " ".join(re.findall(r"\w+", abstract.casefold()))
    return "t-" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


def ascii_words(text: str) -> list[str]:
    """The lower-case ASCII words of `text`, accents folded (é to e), everything else dropped: the words
    of a slug, and of a BibTeX key."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return SLUG_WORD_RE.findall(folded)


def slugify(title: str, fallback: str = "paper") -> str:
    """An ASCII slug (`[a-z0-9]+(-[a-z0-9]+)*`, at most 80 characters) for a file and URL name.

    Accents are folded (é to e); a title with no ASCII letters or digits (CJK, emoji) gets
    `<fallback>-<hash>`, which is stable because the hash is of the title itself. The result can never
    contain `/` or `.`, so it cannot name a path outside its folder.
    """
    slug = "-".join(ascii_words(title))
    if not slug:
        digest = hashlib.sha256(title.encode("utf-8")).hexdigest()[:10]
        base = "-".join(SLUG_WORD_RE.findall(fallback.lower())) or "paper"
        slug = f"{base}-{digest}"
    return truncate_slug(slug, SLUG_MAX)


def truncate_slug(slug: str, limit: int) -> str:
    """Cut a slug to `limit` characters at a word boundary when one is near, never ending in `-`."""
    if len(slug) <= limit:
        return slug
    cut = slug[:limit]
    if slug[limit] != "-" and "-" in cut and cut.rfind("-") > limit // 2:
        cut = cut[: cut.rfind("-")]
    return cut.strip("-")


def unique_slug(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`... (still within 80 characters) when the name is already used."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = truncate_slug(base, SLUG_MAX - len(suffix)) + suffix
        if candidate not in taken:
            return candidate
        n += 1


@dataclass(frozen=True)
class Topic:
    """One topic of the taxonomy; frozen (and so hashable) so compiled matchers can be cached per list."""

    slug: str
    name: str
    description: str
    phrases: tuple[str, ...]


#: The TLS modes of `mail.tls`, with the SMTP port each uses when site.yml names none.
MAIL_TLS_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass
class MailConfig:
    """The `mail:` section of content/site.yml: how the e-mail edition (`digest mail`) is sent.

    Everything but the password lives here, in the repository; the password comes only from the
    environment variable `DIGEST_SMTP_PASSWORD`, so it can never be committed by accident. Empty values
    mean "not set": `digest mail --out` needs only `sender`, sending needs `smtp_host` too.
    """

    #: The SMTP server to send through.
    smtp_host: str = ""
    #: Its port; None means the usual one for `tls` (587, 465 or 25, see MAIL_TLS_PORTS).
    smtp_port: int | None = None
    #: "starttls" (upgrade a plain connection), "ssl" (TLS from the first byte) or "none".
    tls: str = "starttls"
    #: The From: address, e.g. "Lab Digest <digest@example.org>".
    sender: str = ""
    #: The SMTP login, when the server wants one.
    username: str = ""
    #: Default recipients when `digest mail` gets no --to.
    to: list[str] = field(default_factory=list)
    #: A mailto: or http(s): URL: the List-Unsubscribe header and the mail's footer line.
    unsubscribe: str = ""
    #: Plain text the Subscribe page shows: how to get the e-mail edition.
    signup: str = ""

    @property
    def port(self) -> int:
        """The port to connect to: the one set, else the usual one for the TLS mode."""
        return self.smtp_port if self.smtp_port is not None else MAIL_TLS_PORTS.get(self.tls, 587)


@dataclass
class SiteConfig:
    """content/site.yml: what the site calls itself and where it lives."""

    title: str = "Research Digest"
    description: str = ""
    base_url: str = ""
    repository: str = ""
    branch: str = "main"
    #: The e-mail edition's settings (the optional `mail:` section).
    mail: MailConfig = field(default_factory=MailConfig)


@dataclass
class SitePaper:
    """A paper ready to render: validated fields plus its body as HTML and as plain text."""

    slug: str
    id: str
    title: str
    date: str
    digests: list[str]
    topics: list[str]
    links: list[Link]
    source: str
    authors: list[str]
    arxiv: str | None
    html: str
    text: str
    content_path: str
    categories: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    upvotes: int | None = None
    published: str | None = None
    comment: str | None = None
    #: Position in each digest it was listed in: digest date to 1-based rank.
    rank: dict[str, int] = field(default_factory=dict)

    def rank_in(self, day: str) -> int | None:
        """This paper's position in the digest of `day`, or None when that digest did not rank it."""
        return self.rank.get(day)


@dataclass
class Site:
    """Everything the build renders: config, taxonomy, papers newest first, digests newest first."""

    config: SiteConfig
    topics: list[Topic]
    papers: list[SitePaper]
    digests: dict[str, list[SitePaper]] = field(default_factory=dict)
    #: Each paper's file, as the build cache knows it (`cache.papers.paper_key`), by slug: a page that
    #: shows a paper depends on exactly that.
    sources: dict[str, str] = field(default_factory=dict)

    def positions(self, day: str) -> dict[str, int]:
        """Each paper's index in the digest of `day`, by slug (computed once per digest)."""
        found = self._positions.get(day)
        if found is None:
            found = self._positions[day] = {p.slug: i for i, p in enumerate(self.digests.get(day, []))}
        return found

    @cached_property
    def _positions(self) -> dict[str, dict[str, int]]:
        return {}

    def topic_groups(self) -> dict[str, list[SitePaper]]:
        """Every topic's papers, newest first, by topic slug (grouped once)."""
        return self._by_topic

    def papers_in_topic(self, slug: str) -> list[SitePaper]:
        """A topic's papers, newest first."""
        return self._by_topic.get(slug, [])

    @cached_property
    def _by_topic(self) -> dict[str, list[SitePaper]]:
        """Papers grouped by topic in one pass (a page per topic would otherwise scan all papers)."""
        grouped: dict[str, list[SitePaper]] = {}
        for paper in self.papers:
            for slug in paper.topics:
                grouped.setdefault(slug, []).append(paper)
        return grouped

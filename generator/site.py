"""Loading content/ into the Site model the build renders, validating every file first.

All problems are collected (not just the first) so `digest check` can list them all, and `digest build`
stops before writing anything when there is one. Each problem names `path:line`.
"""

from __future__ import annotations

import email.policy
import re
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from generator import parallel, urls
from generator.cache.papers import PaperCache, paper_key
from generator.content import ContentFile, decode_text, is_iso_date, parse_content_text, read_bytes, read_text
from generator.errors import ContentError, ContentErrors
from generator.ingest.transaction import interrupted_ingest
from generator.lock import folder_lock
from generator.markdown import plain_text, render
from generator.model import (
    ARXIV_ID_RE,
    MAIL_TLS_PORTS,
    MAX_TITLE_CHARS,
    SLUG_RE,
    Link,
    MailConfig,
    Site,
    SiteConfig,
    SitePaper,
    Topic,
)
from generator.names import content_files
from generator.related import PaperTerms, paper_terms, related_text
from generator.topics import load_topics
from generator.yamlio import child_node, key_line, key_node, load_yaml_with_nodes, node_line, shown

REQUIRED = ("id", "title", "date", "topics", "links", "source")


#: The plain-text settings of site.yml; `mail` is its one section (a mapping), read by `_mail_config`.
TEXT_SETTINGS = ("title", "description", "base_url", "repository", "branch")
# A git branch name that is safe in a URL path: no spaces, `..`, `//`, leading `-` or `/`, `?`, `#`, `%`.
_BRANCH_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*")


def load_config(content_dir: Path) -> SiteConfig:
    """Read site.yml; a missing file means defaults. A malformed file, an unknown key (a typo would
    otherwise be ignored in silence) or a value of the wrong type is an error at its line, inside the
    `mail:` section too."""
    path = content_dir / "site.yml"
    if not path.exists():
        return SiteConfig()
    data, root = load_yaml_with_nodes(read_text(path), path)
    if data is None:
        return SiteConfig()
    if not isinstance(data, dict):
        raise ContentError("must be a mapping of settings", path, 1)
    for key, value in data.items():
        if key in TEXT_SETTINGS or key == "mail":
            continue
        line = node_line(key_node(root, str(key)))
        if isinstance(value, dict):  # most likely a misspelt `mail:`
            raise ContentError(f"unknown section {key!r}; the only section is 'mail'", path, line)
        raise ContentError(f"unknown setting {key!r}; expected {', '.join(TEXT_SETTINGS)}", path, line)
    config = SiteConfig()
    for key in TEXT_SETTINGS:
        value = data.get(key)
        if value is None:
            continue
        line = node_line(child_node(root, key))
        if not isinstance(value, str):
            raise ContentError(f"{key!r} must be a string", path, line)
        problem = _setting_problem(key, value.strip())
        if problem:
            raise ContentError(f"{key!r} {problem}", path, line)
        setattr(config, key, value.strip())
    if data.get("mail") is not None:
        config.mail = _mail_config(data["mail"], child_node(root, "mail"), path)
    return config


def _setting_problem(key: str, value: str) -> str | None:
    """What is wrong with one text setting, or None. The URLs end up in every page's links (a
    `javascript:` repository would be an "Edit this page" link that runs script) and the branch in a URL
    path, so both are checked here, at site.yml's line, rather than blamed on a build option later."""
    if key == "base_url" and value:
        return urls.base_url_problem(value)
    if key == "repository" and value and not urls.is_web_url(value):
        return f"{shown(value)} must be an http:// or https:// URL, like https://github.com/you/digest"
    if key == "branch" and (not _BRANCH_RE.fullmatch(value) or ".." in value or value.endswith(".lock")):
        return f"{shown(value)} must be a branch name like main: letters, digits, '.', '_', '-' and '/'"
    return None


def _mail_config(data: object, node: yaml.Node | None, path: Path) -> MailConfig:
    """The `mail:` section, each value checked where it stands: these values end up in mail headers, so
    a line break in an address (header injection) or a `javascript:` unsubscribe link is refused."""
    if not isinstance(data, dict):
        raise ContentError(
            "'mail' must be a section of mail settings (smtp_host, sender, ...)", path, node_line(node)
        )
    known = [f.name for f in fields(MailConfig)]
    for key in data:
        if key not in known:
            line = node_line(key_node(node, str(key)))
            raise ContentError(f"unknown mail setting {key!r}; expected {', '.join(known)}", path, line)
    mail = MailConfig()
    for key in known:
        value = data.get(key)
        if value is None:
            continue
        try:
            setattr(mail, key, _mail_value(key, value))
        except ValueError as exc:
            raise ContentError(f"mail: {key!r} {exc}", path, node_line(child_node(node, key))) from None
    return mail


def _mail_value(key: str, value: object) -> object:
    """One `mail:` value, checked and cleaned; a ValueError says what is wrong with it."""
    if key == "smtp_port":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            raise ValueError(f"must be a port number from 1 to 65535, not {value!r}")
        return value
    if key == "to":
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names:
            raise ValueError("must be an address or a list of addresses")
        return [_address(name) for name in names]
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {value!r}")
    text = value.strip()
    if key == "signup":
        return text
    if not text:
        raise ValueError("must not be empty")
    if "\r" in text or "\n" in text:
        raise ValueError(f"{text!r} must be on one line (no line breaks)")
    if key == "tls" and text not in MAIL_TLS_PORTS:
        raise ValueError(f"must be one of {', '.join(MAIL_TLS_PORTS)}, not {text!r}")
    if key == "smtp_host" and any(c.isspace() or c in "/@:" for c in text):
        raise ValueError(f"must be a host name like smtp.example.org, not {text!r}")
    if key == "sender":
        return _address(text)
    if key == "unsubscribe":
        return _unsubscribe_url(text)
    return text


def _address(value: object) -> str:
    """`value` if it is exactly one e-mail address (with or without a display name), else ValueError."""
    problem = address_problem(value)
    if problem:
        raise ValueError(problem)
    return str(value).strip()


def address_problem(value: object) -> str | None:
    """What is wrong with `value` as one e-mail address ("Lab Digest <digest@example.org>" or a bare
    "digest@example.org"), or None when it is fine. Line breaks are refused before parsing: in a header
    they would start a header of the sender's choosing."""
    if not isinstance(value, str) or not value.strip():
        return f"must be an e-mail address like name@example.org, not {value!r}"
    if any(c in value for c in "\r\n\0"):
        return f"{value!r} must be on one line (no line breaks)"
    header = email.policy.default.header_factory("To", value.strip())
    addresses = header.addresses
    if len(addresses) != 1:
        return f"{value!r} must be exactly one e-mail address"
    if header.defects or not addresses[0].username or not addresses[0].domain:
        return f"{value!r} is not an e-mail address like name@example.org"
    return None


def _unsubscribe_url(text: str) -> str:
    """A mailto: URL, or an http(s) URL by the site's one rule (`urls.is_web_url`); any other scheme
    (`javascript:`) is refused: the link is in every mail's header and footer."""
    if text.lower().startswith("mailto:") and not any(c.isspace() or c in '<>"' for c in text):
        _address(text[len("mailto:") :].split("?", 1)[0])
        return text
    if not urls.is_web_url(text):
        raise ValueError(f"must be a mailto: or https: URL, not {shown(text)}")
    return text


def validate_paper(content: ContentFile, topic_slugs: set[str] | None) -> list[ContentError]:
    """Every problem with one paper file, each at the line of the offending field.

    `topic_slugs` is None when topics.yml could not be read: topics are then not checked, as that one
    error (not one "unknown topic" per paper after it) is what to fix."""
    meta, path = content.meta, content.path
    problems: list[ContentError] = []

    def problem(key: str, message: str) -> None:
        problems.append(ContentError(message, path, key_line(content.front_matter_text, key, first_line=2)))

    if not SLUG_RE.fullmatch(path.stem) or len(path.stem) > 80:
        problems.append(ContentError("file name must be a slug: a-z, 0-9 and hyphens, at most 80", path, 1))
    for key in REQUIRED:
        if key not in meta:
            problems.append(ContentError(f"front matter lacks the required field {key!r}", path, 1))
    _check_text(meta, problem)
    _check_dates(meta, problem)
    _check_topics(meta.get("topics", []), topic_slugs, problem)
    _check_links(meta.get("links", []), problem)
    _check_metadata(meta, problem)
    return problems


def _check_text(meta: dict[str, Any], problem: Callable[[str, str], None]) -> None:
    """The required text fields, and the lists of text (authors, categories, keywords)."""
    for key in ("id", "title", "source"):
        if key in meta and (not isinstance(meta[key], str) or not meta[key].strip()):
            problem(key, f"{key!r} must be a non-empty string")
    title = meta.get("title")
    if isinstance(title, str) and len(title) > MAX_TITLE_CHARS:
        problem("title", f"'title' is {len(title):,} characters, over the limit of {MAX_TITLE_CHARS:,}")
    for key, what in (("authors", "names"), ("categories", "arXiv categories"), ("keywords", "keywords")):
        values = meta.get(key)
        if values is not None and not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
            problem(key, f"{key!r} must be a list of {what}")


def _check_dates(meta: dict[str, Any], problem: Callable[[str, str], None]) -> None:
    """`date` a real YYYY-MM-DD date, `digests` (when set) a list of them."""
    if "date" in meta and not is_iso_date(meta["date"]):
        problem("date", f"{shown(meta['date'])} is not a YYYY-MM-DD date")
    digests = meta.get("digests")
    if digests is not None and not isinstance(digests, list):
        problem("digests", "'digests' must be a list of YYYY-MM-DD dates")
    for value in digests if isinstance(digests, list) else []:
        if not is_iso_date(value):
            problem("digests", f"{shown(value)} in 'digests' is not a YYYY-MM-DD date")


def _check_topics(topics: object, known: set[str] | None, problem: Callable[[str, str], None]) -> None:
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        problem("topics", "'topics' must be a list of topic slugs")
        return
    for slug in topics if known is not None else []:
        if slug not in known:
            problem("topics", f"unknown topic {shown(slug)} (not in topics.yml)")


def _check_links(links: object, problem: Callable[[str, str], None]) -> None:
    """Each link a {label, url} whose url passes the site's one URL rule (`urls.is_web_url`)."""
    if not isinstance(links, list):
        problem("links", "'links' must be a list of {label, url}")
        return
    for link in links:
        if not (
            isinstance(link, dict) and isinstance(link.get("label"), str) and isinstance(link.get("url"), str)
        ):
            problem("links", f"link {shown(link)} must have a 'label' and a 'url'")
        elif not urls.is_web_url(link["url"]):
            problem("links", f"link url {shown(link['url'])} must be an http:// or https:// URL")


def _check_metadata(meta: dict[str, Any], problem: Callable[[str, str], None]) -> None:
    """Check the optional metadata fields a source or a person may set (arxiv, upvotes, published, rank)."""
    arxiv = meta.get("arxiv")
    if isinstance(arxiv, float | int) and not isinstance(arxiv, bool):
        problem("arxiv", f"'arxiv' {arxiv!r} must be quoted ('{arxiv}'), or YAML reads it as a number")
    elif arxiv is not None and not (isinstance(arxiv, str) and ARXIV_ID_RE.fullmatch(arxiv)):
        problem("arxiv", f"'arxiv' {shown(arxiv)} is not an arXiv id (like '2601.15305' or 'hep-th/9901001')")
    upvotes = meta.get("upvotes")
    if upvotes is not None and (isinstance(upvotes, bool) or not isinstance(upvotes, int) or upvotes < 0):
        problem("upvotes", f"'upvotes' {shown(upvotes)} must be a whole number, 0 or more")
    published = meta.get("published")
    if published is not None and not is_iso_date(published):
        problem("published", f"'published' {shown(published)} is not a YYYY-MM-DD date")
    for key in ("comment",):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            problem(key, f"{key!r} must be text")
    rank = meta.get("rank")
    if rank is not None:
        if not isinstance(rank, dict):
            problem("rank", "'rank' must map digest dates to positions, like '2026-05-09': 3")
        else:
            for day, position in rank.items():
                if not is_iso_date(day):
                    problem("rank", f"'rank' key {shown(day)} is not a YYYY-MM-DD date")
                elif isinstance(position, bool) or not isinstance(position, int) or position < 1:
                    problem("rank", f"'rank' for {day} must be a position, 1 or more (not {shown(position)})")


def _site_paper(content: ContentFile, content_dir: Path) -> SitePaper:
    meta = content.meta
    body_html = render(content.body)
    digests = sorted({meta["date"], *(meta.get("digests") or [])})
    arxiv = meta.get("arxiv")
    return SitePaper(
        slug=content.path.stem,
        id=meta["id"],
        title=" ".join(meta["title"].split()),
        date=meta["date"],
        digests=digests,
        topics=list(meta["topics"]),
        links=[Link(link["label"], link["url"]) for link in meta["links"]],
        source=meta["source"],
        authors=list(meta.get("authors") or []),
        arxiv=str(arxiv) if arxiv else None,
        html=body_html,
        text=plain_text(content.body),
        content_path=content.path.relative_to(content_dir).as_posix(),
        categories=list(meta.get("categories") or []),
        keywords=list(meta.get("keywords") or []),
        upvotes=meta.get("upvotes"),
        published=meta.get("published"),
        comment=meta.get("comment") or None,
        rank=dict(meta.get("rank") or {}),
    )


def require_content_dir(content_dir: Path) -> None:
    """Commands that read an existing site stop on a mistyped --content instead of finding 0 papers."""
    if not content_dir.is_dir():
        raise ContentError("is not a folder (pass --content DIR)", content_dir)


def paper_files(content_dir: Path) -> list[Path]:
    """The paper files of content/papers/ (editors' lock, swap and backup files skipped). A site without
    any is an error, not "0 papers, no problems": a build would publish an empty site."""
    folder = content_dir / "papers"
    if folder.exists() and not folder.is_dir():
        raise ContentError("is a file, not a folder: papers go in papers/<slug>.md", folder)
    files = content_files(folder, ".md")
    if not files:
        raise ContentError("no papers yet: ingest a digest first (digest ingest FILE)", folder)
    return files


def load_site(
    content_dir: Path,
    cache: PaperCache | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Site:
    """Read and validate all of content/; raises ContentErrors listing every problem found.

    Read under content/'s shared lock, so an ingest running meanwhile is seen whole or not at all, and
    refused while a killed ingest waits to be finished (its papers would be there without their digest).
    With a `cache` (the build's), a paper file parsed by an earlier build is taken from it, and the files
    to parse are parsed in worker processes when there are many.
    """
    require_content_dir(content_dir)
    with folder_lock(content_dir, shared=True):
        waiting = interrupted_ingest(content_dir)
        if waiting is not None:
            raise ContentError(waiting, content_dir)
        return _read_site(content_dir, cache, progress)


def _read_site(
    content_dir: Path, cache: PaperCache | None, progress: Callable[[str, int, int], None] | None = None
) -> Site:
    problems: list[ContentError] = []
    try:
        config = load_config(content_dir)
    except ContentError as exc:
        problems.append(exc)
        config = SiteConfig()
    topics: list[Topic] = []
    topic_slugs: set[str] | None = None  # None: topics.yml is broken, so paper topics are not checked
    try:
        topics = load_topics(content_dir / "topics.yml")
        topic_slugs = {t.slug for t in topics}
    except ContentError as exc:
        problems.append(exc)
    try:
        paths = paper_files(content_dir)
    except ContentError as exc:
        raise ContentErrors([*problems, exc]) from None
    files = _read_paper_files(content_dir, paths, topic_slugs, cache, progress)
    papers: list[SitePaper] = []
    ids: dict[str, Path] = {}
    sources: dict[str, str] = {}
    for path, (paper, key, found) in zip(paths, files, strict=True):
        if paper is not None:
            if paper.id in ids:
                other = ids[paper.id].name
                found = [ContentError(f"duplicate id {shown(paper.id)} (also in {other})", path, 2)]
            else:
                ids[paper.id] = path
        problems.extend(found)
        if paper is not None and not found:
            papers.append(paper)
            sources[paper.slug] = key
    if problems:
        raise ContentErrors(problems)
    papers.sort(key=lambda p: (_neg_date(p.date), p.title.casefold(), p.slug))
    digests: dict[str, list[SitePaper]] = {}
    for paper in papers:
        for day in paper.digests:
            digests.setdefault(day, []).append(paper)
    ordered = {day: sorted(digests[day], key=digest_order(day)) for day in sorted(digests, reverse=True)}
    return Site(config=config, topics=topics, papers=papers, digests=ordered, sources=sources)


def _read_paper_files(
    content_dir: Path,
    paths: list[Path],
    topic_slugs: set[str] | None,
    cache: PaperCache | None,
    progress: Callable[[str, int, int], None] | None,
) -> list[tuple[SitePaper | None, str, list[ContentError]]]:
    """Each file's (paper or None, key, problems), in order: from the cache when it has the file's bytes,
    else parsed (in worker processes when there are many)."""
    results: list[tuple[SitePaper | None, str, list[ContentError]]] = []
    todo: list[tuple[int, Path, bytes]] = []
    for path in paths:
        try:
            raw = read_bytes(path)
        except ContentError as exc:
            results.append((None, "", [exc]))
            continue
        key = paper_key(path.relative_to(content_dir).as_posix(), raw)
        paper = cache.get(key) if cache is not None else None
        if paper is not None and (topic_slugs is None or set(paper.topics) <= topic_slugs):
            results.append((paper, key, []))
            continue
        todo.append((len(results), path, raw))
        results.append((None, key, []))

    def parse(index: int) -> tuple[SitePaper, PaperTerms | None] | None:
        _, path, raw = todo[index]
        paper, found = _parse_paper(path, raw, content_dir, topic_slugs)
        if paper is None or found:
            return None  # the problems are found again here below: exceptions travel badly
        return paper, (paper_terms(related_text(paper)) if cache is not None else None)

    for done, (index, parsed) in enumerate(parallel.run_all(parse, len(todo)), start=1):
        if progress is not None:
            progress("parsing papers", done, len(todo))
        at, path, raw = todo[index]
        todo[index] = (at, path, b"")  # the bytes are not needed any more: 50k files are 150 MB
        key = results[at][1]
        if parsed is None:
            paper, found = _parse_paper(path, raw, content_dir, topic_slugs)
            results[at] = (paper, key, found)
            continue
        paper, terms = parsed
        if cache is not None:
            cache.put(key, paper, terms)
        results[at] = (paper, key, [])
    return results


def parse_paper_file(
    path: Path, raw: bytes, content_dir: Path, topic_slugs: set[str] | None
) -> SitePaper | None:
    """One paper file's SitePaper, or None when it has a problem (`load_site` reports those)."""
    paper, found = _parse_paper(path, raw, content_dir, topic_slugs)
    return None if found else paper


def _parse_paper(
    path: Path, raw: bytes, content_dir: Path, topic_slugs: set[str] | None
) -> tuple[SitePaper | None, list[ContentError]]:
    """One paper file's SitePaper, or its problems."""
    try:
        content = parse_content_text(decode_text(raw, path), path)
    except ContentError as exc:
        return None, [exc]
    found = validate_paper(content, topic_slugs)
    return (None if found else _site_paper(content, content_dir)), found


def digest_order(day: str) -> Callable[[SitePaper], tuple[int, int, str, str]]:
    """The sort key of a digest's page: its ranking first, then papers it did not rank (added by hand)
    by title, so a trending page reads in trending order."""

    def key(paper: SitePaper) -> tuple[int, int, str, str]:
        position = paper.rank.get(day)
        return (0 if position is not None else 1, position or 0, paper.title.casefold(), paper.slug)

    return key


def _neg_date(value: str) -> int:
    return -date.fromisoformat(value).toordinal()

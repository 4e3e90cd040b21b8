"""Pulling the links an abstract mentions (code, project page, arXiv) out as labelled buttons.

Abstracts end sentences right after a URL ("... at https://github.com/a/b.") and wrap URLs in
parentheses, so trailing punctuation is dropped while parentheses that belong to the URL are kept.
Every URL ingest writes goes through `web_url`, so what ingest writes is what the build accepts.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from generator.model import Link
from generator.urls import is_web_url

# A URL ends at white space, quotes and markup, and at TeX braces and backslashes: arXiv abstracts wrap
# links as `\url{...}` and `\href{url}{text}`, and a real URL percent-encodes those characters.
_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'`{}\\]+"
    r"|(?<![\w./@-])(?:github\.com|gitlab\.com|huggingface\.co)/[^\s<>\"'`{}\\]+",
    re.IGNORECASE,
)
_ARXIV_ID_RE = re.compile(r"\barXiv\s*:?\s*(\d{4}\.\d{4,5})(?:v\d+)?\b", re.IGNORECASE)
_ARXIV_URL_RE = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)
_TRAILING = ".,;:!?*'\"\u201d\u2019\u00bb\u2026"
_PAIRS = {")": "(", "]": "[", "}": "{"}
# Scheme, authority (user@host:port) and the rest of a URL that has a `scheme://`.
_PARTS_RE = re.compile(r"([^:]+)://([^/?#]*)(.*)", re.DOTALL)
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org")


def clean_url(url: str) -> str:
    """Drop trailing punctuation and closing brackets that have no opening partner inside the URL."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _PAIRS and url.count(_PAIRS[last]) < url.count(last)):
            url = url[:-1]
        else:
            break
    return url


def label_for(url: str) -> str:
    """A button label from the URL's host and path."""
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed host (`https://[::1`): no host to name, and `web_url` drops it
        return "Project page"
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.lower()
    if host in _CODE_HOSTS:
        return "Code"
    if host == "arxiv.org":
        return "arXiv"
    if host == "huggingface.co":
        if path.startswith("/datasets/"):
            return "Dataset"
        if path.startswith("/spaces/"):
            return "Demo"
        if path.startswith("/papers/"):
            return "Hugging Face"
        return "Model"
    if host in ("youtu.be", "youtube.com", "vimeo.com"):
        return "Video"
    if host in ("doi.org", "dx.doi.org"):
        return "DOI"
    return "Project page"


def web_url(url: str) -> str | None:
    """`url` as ingest writes it: scheme and host in lower case (`HTTPS://GitHub.com/a` is
    `https://github.com/a`), a bare `www.host/...` made https; None for anything the build would refuse
    (`javascript:`, `ftp:`, white space inside, no host), which is then not made a link."""
    url = url.strip()
    if not re.match(r"https?://", url, re.IGNORECASE):
        if re.match(r"[a-z][a-z0-9+.-]*:", url, re.IGNORECASE) and not re.match(r"[\w.-]+\.\w+[:/]", url):
            return None  # another scheme: not a web link
        url = "https://" + url.lstrip("/")
    if not is_web_url(url):
        return None
    scheme, netloc, rest = _PARTS_RE.fullmatch(url).groups()  # type: ignore[union-attr]
    user, at, host = netloc.rpartition("@")
    return f"{scheme.lower()}://{user}{at}{host.lower()}{rest}"


def extract_links(text: str) -> list[Link]:
    """Every distinct URL and arXiv id in `text`, in order of appearance, labelled."""
    found: list[tuple[int, Link]] = []
    for match in _URL_RE.finditer(text):
        url = web_url(clean_url(match.group(0)))
        if url is None or "." not in urlsplit(url).netloc:
            continue
        arxiv = _ARXIV_URL_RE.search(url)
        if arxiv:
            found.append((match.start(), Link("arXiv", f"https://arxiv.org/abs/{arxiv.group(1)}")))
        else:
            found.append((match.start(), Link(label_for(url), url)))
    for match in _ARXIV_ID_RE.finditer(text):
        found.append((match.start(), Link("arXiv", f"https://arxiv.org/abs/{match.group(1)}")))
    links: list[Link] = []
    seen: set[str] = set()
    for _, link in sorted(found, key=lambda item: item[0]):
        key = link.url.rstrip("/")
        if key not in seen:
            seen.add(key)
            links.append(link)
    return links

"""Pulling the links an abstract mentions (code, project page, arXiv) out as labelled buttons.

Abstracts end sentences right after a URL ("... at https://github.com/a/b.") and wrap URLs in
parentheses, so trailing punctuation is dropped while parentheses that belong to the URL are kept.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from generator.model import Link

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
    parts = urlsplit(url)
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


def _absolute(url: str) -> str:
    return url if re.match(r"https?://", url, re.IGNORECASE) else "https://" + url


def extract_links(text: str) -> list[Link]:
    """Every distinct URL and arXiv id in `text`, in order of appearance, labelled."""
    found: list[tuple[int, Link]] = []
    for match in _URL_RE.finditer(text):
        url = clean_url(match.group(0))
        if "." not in urlsplit(_absolute(url)).netloc:
            continue
        url = _absolute(url)
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

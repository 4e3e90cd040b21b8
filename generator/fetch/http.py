"""One HTTP client for every request the project makes: timeouts, retries, pacing, one error format.

Built on requests with urllib3's `Retry` rather than a hand-written loop: it retries connection
failures, read timeouts and 429/5xx answers with exponential backoff and honours `Retry-After` (capped,
so a server cannot park a daily job for hours). `interval` spaces the starts of requests, because
arXiv's API terms ask for at most one request every three seconds. Every failure becomes a `FetchError`
naming the URL, which the CLI prints as one line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from generator import PROJECT_URL, __version__
from generator.errors import DigestError

USER_AGENT = f"research-digest/{__version__} (+{PROJECT_URL})"
#: Answers worth asking again: rate limiting and the server's own trouble.
RETRY_STATUSES = (429, 500, 502, 503, 504)
#: The longest `Retry-After` honoured, in seconds; a longer one fails the request instead.
RETRY_AFTER_MAX = 60


def with_query(base: str, params: dict[str, str | int]) -> str:
    """The full URL of a request, as the cache keys it and messages show it."""
    return f"{base}?{urlencode(params)}" if params else base


class FetchError(DigestError):
    """A request failed: no connection, a timeout, an HTTP error or a response that is not usable."""


@dataclass
class Fetched:
    """A successful response: its URL, text, and the HTTP statuses of the attempts retried before it."""

    url: str
    text: str
    retried: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))


@dataclass
class HttpClient:
    """GET with retries and pacing. `sent` counts the requests made, retries included, for reports."""

    timeout: float = 30.0
    retries: int = 2
    backoff: float = 1.0
    interval: float = 0.0
    sent: int = 0
    _session: requests.Session | None = field(default=None, repr=False)
    _last_start: float | None = field(default=None, repr=False)

    def get(self, url: str) -> Fetched:
        """The text of `url`, or a FetchError saying what went wrong after the retries ran out."""
        self._pace()
        try:
            response = self._client().get(url, timeout=self.timeout)
        except requests.exceptions.RequestException as exc:
            gave_up = isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout)
            self.sent += 1 + (self.retries if gave_up else 0)
            raise FetchError(self._describe(exc), url) from exc
        history = response.raw.retries.history if response.raw.retries else ()
        self.sent += 1 + len(history)
        retried = [str(h.status) if h.status else type(h.error).__name__ for h in history]
        if response.status_code != 200:
            attempts = f" after {len(history) + 1} attempts" if history else ""
            reason = f" {response.reason}" if response.reason else ""
            raise FetchError(f"HTTP {response.status_code}{reason}{attempts}{_detail(response)}", url)
        return Fetched(url, _decode(response), retried)

    def _client(self) -> requests.Session:
        if self._session is None:
            retry = Retry(
                total=self.retries,
                connect=self.retries,
                read=self.retries,
                status=self.retries,
                other=0,
                backoff_factor=self.backoff,
                status_forcelist=RETRY_STATUSES,
                allowed_methods=frozenset({"GET"}),
                respect_retry_after_header=True,
                retry_after_max=RETRY_AFTER_MAX,
                raise_on_status=False,
            )
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            session.mount("http://", HTTPAdapter(max_retries=retry))
            session.mount("https://", HTTPAdapter(max_retries=retry))
            self._session = session
        return self._session

    def _pace(self) -> None:
        """Wait until `interval` seconds have passed since the previous request started."""
        now = time.monotonic()
        if self._last_start is not None:
            wait = self._last_start + self.interval - now
            if wait > 0:
                time.sleep(wait)
        self._last_start = time.monotonic()

    def _describe(self, exc: requests.exceptions.RequestException) -> str:
        """One plain sentence for a failure, whatever layer of requests/urllib3 raised it."""
        attempts = f" ({self.retries + 1} attempts)" if self.retries else ""
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        if isinstance(exc, requests.exceptions.Timeout) or isinstance(reason, ReadTimeoutError):
            return f"no answer within {self.timeout:g} s{attempts}"
        if isinstance(exc, requests.exceptions.ConnectionError):
            why = str(reason).rsplit(": ", 1)[-1].strip("')\"") or "connection failed"
            return f"cannot connect: {why}{attempts}"
        if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
            return "is not a valid URL"
        return f"request failed: {exc}"


def _decode(response: requests.Response) -> str:
    """The body as text: the charset the server declares, else UTF-8 (never a guess from the bytes; both
    APIs send UTF-8, and requests' default for text/* would be Latin-1)."""
    header = Message()
    header["content-type"] = response.headers.get("content-type", "")
    charset = header.get_content_charset() or "utf-8"
    try:
        return response.content.decode(charset, errors="replace")
    except LookupError:
        return response.content.decode("utf-8", errors="replace")


def _detail(response: requests.Response) -> str:
    """The start of an error body when it is short text (Hugging Face explains errors in JSON)."""
    body = " ".join(response.text.split())[:200] if response.text else ""
    if not body or body.startswith("<"):
        return ""
    return f": {body}"

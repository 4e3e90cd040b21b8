"""The e-mail edition (`digest mail`): one digest as one e-mail, written to a file or sent by SMTP.

A static site cannot send anything, so the edition is a command the list's owner runs (by hand, or from
the same CI job that builds the site). The message is `multipart/alternative`: a plain-text part first,
for text-only clients and the readers who prefer it, then an HTML part, which clients show when they can.
Mail clients strip `<style>`, block remote images and fonts and never run scripts, so the HTML part is
tables and `style=` attributes only. A mail has no "current page" to resolve a relative link against,
so every link is absolute: the edition needs the site's base URL.

`mail.html` and `mail.txt` are templates like any other: a site folder's own win over the built-in ones.
The HTML one is rendered with autoescape on; the text one with autoescape off (it is not HTML), after
every value it shows was flattened to one line, so a title cannot forge lines of the message. Jinja
renders values, never templates inside them, so `{{ 7*7 }}` in a title stays those characters.

SMTP settings come from the `mail:` section of site.yml (`generator.model.MailConfig`); the password
only from the environment (`DIGEST_SMTP_PASSWORD`), never from a file a repository could hold.
"""

from __future__ import annotations

import base64
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator import urls
from generator.assets import SiteFolder
from generator.cite import human_date
from generator.errors import DigestError
from generator.markdown import snippet
from generator.model import MailConfig, Site, SiteConfig, SitePaper, normalize_space
from generator.pages.environment import make_environment
from generator.site import address_problem, load_site

#: Characters of abstract each paper shows: two lines of the HTML part on a desktop client (640 px).
MAIL_SNIPPET = 140
#: Authors named before "et al.".
MAIL_AUTHORS = 6
#: Seconds to wait for the SMTP server at each step before giving up.
SMTP_TIMEOUT = 30.0
#: The one place the SMTP password may come from.
PASSWORD_ENV = "DIGEST_SMTP_PASSWORD"
#: How many of the newest digest dates an "unknown date" error suggests.
SUGGESTED_DAYS = 5
#: The line ends of a message on the wire and in an .eml file (RFC 5322).
CRLF = "\r\n"


@dataclass(frozen=True)
class MailPaper:
    """One paper as the e-mail shows it; every text already on one line."""

    #: The paper itself, for overrides that want more (`paper.topics`, `paper.upvotes`, ...).
    paper: SitePaper
    #: Its position in this digest, or None for a paper added by hand.
    rank: int | None
    title: str
    #: The absolute URL of its page on the hosted site.
    url: str
    #: The first authors, then "et al." ("" when the source named none).
    authors: str
    #: The abstract's first MAIL_SNIPPET characters, cut at a word.
    snippet: str


@dataclass(frozen=True)
class MailVars:
    """What `mail.html` and `mail.txt` receive (with `urls` and the `human_date` filter)."""

    #: The settings of content/site.yml (`site.title`, `site.description`, `site.mail`, ...).
    site: SiteConfig
    #: The digest's date, YYYY-MM-DD.
    day: str
    #: The Subject line, e.g. "Research Digest: 56 papers, May 9, 2026".
    subject: str
    #: The number of papers, said in words: "56 papers, May 9, 2026".
    heading: str
    #: The papers in the digest's (trending) order.
    papers: list[MailPaper]
    #: The site's base URL, ending in `/`: `{{ base_url }}{{ urls.topic(slug) }}` is an absolute link.
    base_url: str
    #: Absolute URLs of the site's home page, this digest's page, the Atom feed and the Subscribe page.
    home_url: str
    digest_url: str
    feed_url: str
    subscribe_url: str
    #: The unsubscribe URL (mailto: or https:) from site.yml, or "" when none is set.
    unsubscribe: str
    #: The same as people read it: the address of a mailto: URL, else the URL.
    unsubscribe_shown: str


@dataclass(frozen=True)
class Edition:
    """A rendered e-mail edition: the message and what the command reports about it."""

    message: EmailMessage
    day: str
    papers: int
    recipients: list[str]
    #: site.yml's mail settings: how to send it.
    mail: MailConfig

    def as_bytes(self) -> bytes:
        """The message as it goes on the wire and into an .eml file: CRLF line ends."""
        return self.message.as_bytes(policy=self.message.policy.clone(linesep=CRLF))


def pick_day(site: Site, wanted: str) -> str:
    """The digest date asked for: a YYYY-MM-DD the site has, or `latest` for the newest one. An unknown
    date names the newest ones there are, since the usual mistake is a day without a digest."""
    days = list(site.digests)  # newest first
    if not days:
        raise DigestError("there is no digest yet (run digest ingest first)")
    if wanted == "latest":
        return days[0]
    try:
        date.fromisoformat(wanted)
    except ValueError:
        raise DigestError(f"{wanted!r} is not a date of the form YYYY-MM-DD (or latest)") from None
    if wanted not in site.digests:
        newest = ", ".join(days[:SUGGESTED_DAYS]) + (", ..." if len(days) > SUGGESTED_DAYS else "")
        raise DigestError(f"there is no digest of {wanted}; the newest: {newest}")
    return wanted


def author_line(authors: Sequence[str], limit: int = MAIL_AUTHORS) -> str:
    """The first `limit` authors, then "et al." for the rest: a mail lists many papers, not everyone.
    "et al." is joined by a no-break space, so wrapping never leaves "al." alone on a line."""
    names = [normalize_space(name) for name in authors if name.strip()]
    shown = ", ".join(names[:limit])
    return f"{shown} et\u00a0al." if len(names) > limit else shown


def count_words(count: int) -> str:
    return f"{count} paper" if count == 1 else f"{count} papers"


def mail_papers(site: Site, day: str, base_url: str) -> list[MailPaper]:
    """The digest's papers in the order its page shows them (its ranking, then unranked by title)."""
    return [
        MailPaper(
            paper=paper,
            rank=paper.rank_in(day),
            title=normalize_space(paper.title),
            url=_absolute(base_url, urls.paper(paper.slug)),
            authors=author_line(paper.authors),
            snippet=snippet(paper.text, MAIL_SNIPPET),
        )
        for paper in site.digests[day]
    ]


def mail_vars(site: Site, day: str, base_url: str) -> MailVars:
    """Everything the templates show, every link absolute under `base_url`."""
    papers = mail_papers(site, day, base_url)
    heading = f"{count_words(len(papers))}, {human_date(day)}"
    unsubscribe = site.config.mail.unsubscribe
    return MailVars(
        site=site.config,
        day=day,
        subject=f"{normalize_space(site.config.title)}: {heading}",
        heading=heading,
        papers=papers,
        base_url=base_url,
        home_url=_absolute(base_url, urls.home()),
        digest_url=_absolute(base_url, urls.digest(day)),
        feed_url=_absolute(base_url, urls.feed()),
        subscribe_url=_absolute(base_url, urls.subscribe()),
        unsubscribe=unsubscribe,
        unsubscribe_shown=_shown(unsubscribe),
    )


def render_parts(variables: MailVars, folder: SiteFolder) -> tuple[str, str]:
    """The plain-text and the HTML part, from the site folder's templates over the built-in ones."""
    env = make_environment(folder)
    values = {f.name: getattr(variables, f.name) for f in fields(variables)}
    html = env.get_template("mail.html").render(values)
    text = env.overlay(autoescape=False).get_template("mail.txt").render(values)
    return text, html


def build_edition(
    site: Site,
    day: str,
    base_url: str,
    folder: SiteFolder,
    recipients: Sequence[str] = (),
) -> Edition:
    """The e-mail edition of the digest of `day` (a date the site has), addressed to `recipients`.

    Headers are set through `EmailMessage` with the default policy, which encodes non-ASCII names
    (RFC 2047) and refuses line breaks in a header value; both parts are quoted-printable UTF-8, safe
    over any SMTP server and readable in the raw message.
    """
    base = _mail_base_url(base_url)
    config = site.config.mail
    if not config.sender:
        raise DigestError("the e-mail needs a sender: set mail: sender: in content/site.yml")
    variables = mail_vars(site, day, base)
    text, html = render_parts(variables, folder)
    message = EmailMessage()
    message["Subject"] = variables.subject
    message["From"] = config.sender
    if recipients:
        message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=urlsplit(base).hostname or None)
    if config.unsubscribe:
        message["List-Unsubscribe"] = f"<{config.unsubscribe}>"
        if config.unsubscribe.lower().startswith("https://"):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return Edition(
        message=message, day=day, papers=len(variables.papers), recipients=list(recipients), mail=config
    )


def pick_recipients(given: Sequence[str], config: MailConfig) -> list[str]:
    """--to when given, else site.yml's `mail: to:`; each must be one address on one line."""
    chosen = list(given) or list(config.to)
    for address in chosen:
        problem = address_problem(address)
        if problem:
            raise DigestError(f"--to {problem}")
    return [address.strip() for address in chosen]


def smtp_password(config: MailConfig, environ: Mapping[str, str]) -> str | None:
    """The SMTP password, from the environment only; needed exactly when site.yml names a username."""
    if not config.username:
        return None
    password = environ.get(PASSWORD_ENV)
    if not password:
        raise DigestError(
            f"mail: username is set, so the SMTP password must be in the environment variable {PASSWORD_ENV} "
            "(it is never read from a file)"
        )
    return password


def send(edition: Edition, environ: Mapping[str, str], timeout: float = SMTP_TIMEOUT) -> list[str]:
    """Send the edition through the SMTP server of site.yml; returns the recipients the server refused
    (when it accepted the others). Everything is checked before connecting, and every network failure
    is a DigestError naming `host:port`, never a traceback."""
    config = edition.mail
    if not config.smtp_host:
        raise DigestError(
            "sending needs an SMTP server: set mail: smtp_host: in content/site.yml (or use --out)"
        )
    if not edition.recipients:
        raise DigestError("no recipients: pass --to ADDRESS or set mail: to: in content/site.yml")
    password = smtp_password(config, environ)
    where = f"{config.smtp_host}:{config.port}"
    try:
        client = _connect(config, timeout)
        with client:
            if config.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if password is not None:
                _login(client, config.username, password)
            refused = client.send_message(edition.message)
    except smtplib.SMTPNotSupportedError as exc:
        said = (
            "the server does not offer STARTTLS (set mail: tls: ssl or none)"
            if "STARTTLS" in str(exc)
            else exc
        )
        raise DigestError(f"{where}: {said}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DigestError(f"{where}: {describe_failure(exc)}") from None
    return sorted(refused)


def _connect(config: MailConfig, timeout: float) -> smtplib.SMTP:
    if config.tls == "ssl":
        context = ssl.create_default_context()
        return smtplib.SMTP_SSL(config.smtp_host, config.port, timeout=timeout, context=context)
    return smtplib.SMTP(config.smtp_host, config.port, timeout=timeout)


def _login(client: smtplib.SMTP, username: str, password: str) -> None:
    """Log in; smtplib encodes credentials as ASCII, so a non-ASCII password (which AUTH PLAIN carries
    as UTF-8, RFC 4616) is sent by hand rather than end in an encoding error."""
    if (username + password).isascii():
        client.login(username, password)
        return
    client.ehlo_or_helo_if_needed()
    if "PLAIN" not in client.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPException("the server does not offer AUTH PLAIN, which a non-ASCII password needs")
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def describe_failure(exc: BaseException) -> str:
    """One readable line for what went wrong talking to the SMTP server."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(sorted(exc.recipients))
        return f"the server refused every recipient ({refused})"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        said = f"{exc.smtp_code} {_said(exc.smtp_error)}"
        return f"login refused ({said}); check mail: username and {PASSWORD_ENV}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server said {exc.smtp_code} {_said(exc.smtp_error)}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time (is the host and port right?)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the host and port right?)"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc} (does this port speak TLS? usually ssl is 465, starttls 587)"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the server closed the connection ({exc or 'no reason given'})"
    return str(exc) or type(exc).__name__


def _said(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return normalize_space(text)


def _mail_base_url(base_url: str) -> str:
    if not base_url:
        raise DigestError(
            "the e-mail needs absolute links: set base_url in content/site.yml or pass --base-url"
        )
    return urls.check_base_url(base_url)


def _absolute(base_url: str, url: str) -> str:
    return urls.absolute(base_url, url) or url


def _shown(unsubscribe: str) -> str:
    """A mailto: URL as its address (what a reader writes to), any other URL as it is."""
    if unsubscribe.lower().startswith("mailto:"):
        return unquote(re.split(r"[?#]", unsubscribe[len("mailto:") :], maxsplit=1)[0])
    return unsubscribe


def load_edition(content_dir: Path, day: str, base_url: str | None, to: Sequence[str] = ()) -> Edition:
    """Load and validate content/, then render the edition of `day` (`latest` for the newest digest) for
    --to (else site.yml's recipients); `base_url` wins over site.yml's. The CLI's one call before it
    prints, writes or sends."""
    site = load_site(content_dir)
    chosen = pick_day(site, day)
    recipients = pick_recipients(to, site.config.mail)
    base = site.config.base_url if base_url is None else base_url
    return build_edition(site, chosen, base, SiteFolder.of(content_dir), recipients)

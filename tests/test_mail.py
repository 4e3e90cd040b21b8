"""`digest mail`: the e-mail edition of a digest, written to an .eml file or sent to a real (local) SMTP
server, then parsed back with the `email` package as a mail client would read it.

Every test works on a copy of the repository's seed content (56 papers, the digest of 2026-05-09) with a
site.yml of its own; nothing here reaches the network: the SMTP server is aiosmtpd on 127.0.0.1.
"""

from __future__ import annotations

import email
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner, Result

from generator.cli import main
from generator.site import load_config

from . import site_support as support

BASE = "https://example.org/lab/"
DAY = "2026-05-09"
TITLE = "Zoë's Lab — 研究 Digest"
SENDER = "Zoë Müller <digest@example.org>"
NAMES = ["Zoë Müller", "李雷", "Jürgen Schmidhuber", "Ana Ñúñez"]
SCREENSHOTS = Path("/tmp/i9")


# --- helpers ------------------------------------------------------------------------------------------


def write_site_yml(content: Path, text: str) -> None:
    (content / "site.yml").write_text(text, encoding="utf-8")


def site_yml(*, base_url: str = BASE, title: str = TITLE, **mail: Any) -> str:
    """A site.yml with `mail:` settings; sender given unless the test says otherwise."""
    settings: dict[str, Any] = {"title": title, "base_url": base_url}
    mail.setdefault("sender", SENDER)
    settings["mail"] = {key: value for key, value in mail.items() if value is not None}
    return yaml.safe_dump(settings, allow_unicode=True, sort_keys=False)


def local_smtp(port: int, **mail: Any) -> str:
    """A site.yml sending through 127.0.0.1:`port` without TLS (aiosmtpd in the tests)."""
    return site_yml(smtp_host="127.0.0.1", smtp_port=port, tls="none", **mail)


def split_file(path: Path) -> tuple[dict[str, Any], str]:
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(head), body


def edit_paper(path: Path, **changes: Any) -> None:
    meta, body = split_file(path)
    meta.update(changes)
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    path.write_text(f"---\n{head}---{body}", encoding="utf-8")


def ranked_slugs(content: Path, day: str = DAY) -> list[str]:
    """The digest's order read straight from the front matter: by rank, then the unranked by title."""
    metas = {p.stem: split_file(p)[0] for p in sorted((content / "papers").glob("*.md"))}
    listed = {slug: meta for slug, meta in metas.items() if day in [str(d) for d in meta.get("digests", [])]}
    ranks = {slug: (meta.get("rank") or {}).get(day) for slug, meta in listed.items()}
    ranked = sorted((s for s in listed if ranks[s] is not None), key=lambda s: ranks[s])
    rest = sorted(
        (s for s in listed if ranks[s] is None), key=lambda s: (str(listed[s]["title"]).casefold(), s)
    )
    return ranked + rest


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["mail", *map(str, args)])


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and the HTML part, checking the structure on the way."""
    assert message.get_content_type() == "multipart/alternative"
    children = list(message.iter_parts())
    assert [c.get_content_type() for c in children] == ["text/plain", "text/html"]
    for child in children:
        assert child.get_content_charset() == "utf-8"
        assert child["Content-Transfer-Encoding"] == "quoted-printable"
    # The message's lines end in CRLF (as on the wire); read them as a client shows them.
    text, html = (child.get_content().replace("\r\n", "\n") for child in children)
    return text, html


class Tags(HTMLParser):
    """Every start tag and every href of an HTML document, in order, and every attribute name."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes |= {name for name, _ in attrs}
        self.hrefs += [value or "" for name, value in attrs if name == "href"]

    @classmethod
    def of(cls, html: str) -> Tags:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser


def paper_order(urls: list[str], base: str = BASE) -> list[str]:
    """The paper slugs the links name, in order, each once."""
    pattern = re.compile(re.escape(base) + r"papers/([a-z0-9-]+)/$")
    slugs: list[str] = []
    for url in urls:
        match = pattern.match(url)
        if match and match.group(1) not in slugs:
            slugs.append(match.group(1))
    return slugs


def one_error_line(result: Result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("digest: error: ")
    return result.stderr.strip()


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mail_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The content every test starts from, made once for the module (reading and writing the papers'
    front matter is most of its cost): the seed content, one paper given authors with non-ASCII names (the
    seed page has no authors), one hostile paper (script, Jinja, markup in every field), and a site.yml
    with mail. Tests never change it: each gets a copy (the `site` fixture)."""
    content = support.copy_content(tmp_path_factory.mktemp("mail") / "content")
    second = ranked_slugs(content)[1]
    edit_paper(content / "papers" / f"{second}.md", authors=[*NAMES, "A. Five", "B. Six", "C. Seven"])
    support.add_hostile_content(content)
    write_site_yml(content, site_yml(to=["Reading Group <reading@example.org>"]))
    return content


@pytest.fixture
def site(mail_content: Path, tmp_path: Path) -> Path:
    """A site folder of the test's own: a copy of `mail_content` as `content/` (the test may change it)."""
    shutil.copytree(mail_content, tmp_path / "content")
    return tmp_path


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpServer:
    """aiosmtpd on 127.0.0.1 (a free port) that keeps every envelope; accepts one login when asked."""

    login: tuple[bytes, bytes] | None = None
    envelopes: list[Any] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)
    port: int = 0
    controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login, data.password))
            return AuthResult(success=(data.login, data.password) == self.login, handled=False)
        return AuthResult(success=False, handled=False)

    def start(self) -> None:
        self.port = free_port()
        options: dict[str, Any] = {}
        if self.login is not None:
            options = {"authenticator": self.authenticate, "auth_require_tls": False}
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    def stop(self) -> None:
        assert self.controller is not None
        self.controller.stop()


# --- the message --------------------------------------------------------------------------------------


def test_out_writes_a_multipart_message_in_trending_order(site: Path) -> None:
    content = site / "content"
    eml = site / "edition.eml"
    result = run(DAY, "--content", content, "--out", eml)
    assert result.exit_code == 0, result.output
    data = eml.read_bytes()
    assert f"(57 papers, {len(data)} bytes)" in result.stdout
    assert "nothing was sent" in result.stdout
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # CRLF line ends, as on the wire

    message = parse(data)
    assert message["Subject"] == f"{TITLE}: 57 papers, May 9, 2026"
    assert message["From"] == SENDER
    assert message["To"] == "Reading Group <reading@example.org>"
    assert message["Date"] and message["Message-ID"].endswith("@example.org>")
    assert "List-Unsubscribe" not in message and "List-Unsubscribe-Post" not in message
    text, html = parts(message)

    expected = ranked_slugs(content)
    assert len(expected) == 57  # the 56 seed papers and the hostile one, unranked, last
    tags = Tags.of(html)
    assert paper_order(tags.hrefs) == expected
    assert paper_order(re.findall(r"^https://\S+$", text, re.MULTILINE)) == expected
    # Ranks shown in order: #1 .. #56 in both parts.
    assert [int(n) for n in re.findall(r"^#(\d+) ", text, re.MULTILINE)] == list(range(1, 57))


def test_every_link_is_absolute_and_the_html_is_mail_safe(site: Path) -> None:
    content = site / "content"
    write_site_yml(content, site_yml(unsubscribe="mailto:leave@example.org?subject=unsubscribe"))
    result = run("latest", "--content", content, "--out", site / "m.eml")
    assert result.exit_code == 0, result.output
    _, html = parts(parse((site / "m.eml").read_bytes()))
    tags = Tags.of(html)
    assert tags.hrefs and all(h.startswith((BASE, "mailto:")) for h in tags.hrefs), tags.hrefs
    assert {BASE, f"{BASE}feed.xml", f"{BASE}subscribe/", f"{BASE}digests/{DAY}/"} <= set(tags.hrefs)
    assert "mailto:leave@example.org?subject=unsubscribe" in tags.hrefs
    lowered = html.lower()
    for forbidden in ("<script", "<style", "<img", "<link", "<iframe", "<form", "@import", "url("):
        assert forbidden not in lowered, forbidden
    assert not {"script", "style", "img", "link", "font"} & set(tags.tags)
    assert not {"src", "srcset", "background"} & tags.attributes  # nothing to fetch: no images, no fonts


def test_non_ascii_names_survive_headers_and_both_parts(site: Path) -> None:
    content = site / "content"
    run(DAY, "--content", content, "--out", site / "m.eml")
    raw = (site / "m.eml").read_bytes()
    assert raw.isascii()  # headers encoded (RFC 2047), bodies quoted-printable: safe on any server
    message = parse(raw)
    assert message["Subject"].startswith(TITLE) and message["From"] == SENDER
    text, html = parts(message)
    shown = ", ".join([*NAMES, "A. Five", "B. Six"]) + " et\u00a0al."  # six names, then "et al."
    assert shown in text
    assert shown in html
    assert "C. Seven" not in text
    assert TITLE in text and TITLE.replace("'", "&#39;") in html


def test_hostile_content_is_inert_text(site: Path) -> None:
    content = site / "content"
    # A title that tries to end the header block and add its own lines; line breaks in front matter.
    victim = content / "papers" / f"{ranked_slugs(content)[0]}.md"
    edit_paper(victim, title="Evil\r\nBcc: victim@example.org\r\n\r\n<script>alert(1)</script> {{ 7*7 }}")
    run(DAY, "--content", content, "--out", site / "m.eml")
    message = parse((site / "m.eml").read_bytes())
    assert "Bcc" not in message and "victim" not in str(message["To"])
    text, html = parts(message)
    assert "#1 Evil Bcc: victim@example.org <script>alert(1)</script> {{ 7*7 }}" in text
    assert "\nBcc:" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in html
    assert "<script" not in html.lower() and "<img" not in html.lower()
    # The hostile paper of site_support: markup in its title, authors, links and abstract.
    flat = " ".join(text.split())  # long titles wrap at 72 characters
    for payload in support.PAYLOADS:
        assert payload in flat
    tags = Tags.of(html)
    assert not any(h.lower().startswith("javascript:") for h in tags.hrefs)
    assert not any(name.startswith("on") for name in tags.attributes)


@pytest.mark.parametrize(
    ("unsubscribe", "post"),
    [("mailto:leave@example.org", False), ("https://example.org/leave?u=1", True), (None, False)],
)
def test_list_unsubscribe_only_where_an_address_is_set(
    site: Path, unsubscribe: str | None, post: bool
) -> None:
    content = site / "content"
    write_site_yml(content, site_yml(unsubscribe=unsubscribe))
    assert run(DAY, "--content", content, "--out", site / "m.eml").exit_code == 0
    message = parse((site / "m.eml").read_bytes())
    text, html = parts(message)
    if unsubscribe is None:
        assert "List-Unsubscribe" not in message
        assert "the list's owner sent it to you" in text and "the list's owner sent it to you" in html
    else:
        assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
        shown = unsubscribe.removeprefix("mailto:")
        assert f"To unsubscribe, {'visit' if post else 'write to'} {shown}" in text
        assert f'href="{unsubscribe.replace("&", "&amp;")}"' in html
    assert ("List-Unsubscribe-Post" in message) == post
    if post:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_base_url_option_wins_and_latest_is_the_newest_digest(site: Path) -> None:
    content = site / "content"
    write_site_yml(content, site_yml(base_url=""))
    result = run(
        "latest", "--content", content, "--base-url", "https://mirror.example.net/d", "--out", site / "m"
    )
    assert result.exit_code == 0, result.output
    message = parse((site / "m").read_bytes())
    _, html = parts(message)
    assert f"https://mirror.example.net/d/digests/{DAY}/" in Tags.of(html).hrefs
    assert message["Message-ID"].endswith("@mirror.example.net>")


def test_a_site_template_overrides_the_builtin_one(site: Path) -> None:
    (site / "templates").mkdir()
    (site / "templates" / "mail.html").write_text(
        '{% extends "default/mail.html" %}\n'
        '{% block footer %}<tr><td id="lab-footer">Read at the Friday group: {{ heading }}</td></tr>'
        "{% endblock %}\n",
        encoding="utf-8",
    )
    (site / "templates" / "mail.txt").write_text(
        "LAB EDITION {{ subject }}\n{% for entry in papers %}{{ entry.title }}\n{% endfor %}",
        encoding="utf-8",
    )
    result = run(DAY, "--content", site / "content", "--out", site / "m.eml")
    assert result.exit_code == 0, result.output
    text, html = parts(parse((site / "m.eml").read_bytes()))
    assert text.startswith(f"LAB EDITION {TITLE}: 57 papers")
    assert "<script>alert(1)</script>" in text  # the text template is rendered with autoescape off
    assert 'id="lab-footer">Read at the Friday group: 57 papers, May 9, 2026<' in html
    assert "Read this digest on the web" in html  # the rest of the built-in template
    assert "the list's owner" not in html


def test_dry_run_prints_the_summary_and_sends_nothing(site: Path, smtp: SmtpServer) -> None:
    content = site / "content"
    write_site_yml(content, local_smtp(smtp.port, to="a@example.org"))
    result = run(DAY, "--content", content, "--dry-run", "--out", site / "never.eml")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == [f"From: {SENDER}", "To: a@example.org", f"Subject: {TITLE}: 57 papers, May 9, 2026"]
    assert re.fullmatch(r"57 papers, \d+ bytes \(dry run: nothing was sent or written\)", lines[3])
    assert smtp.envelopes == []
    assert not (site / "never.eml").exists()


# --- sending ------------------------------------------------------------------------------------------


def test_sends_to_a_local_smtp_server(site: Path, smtp: SmtpServer) -> None:
    content = site / "content"
    write_site_yml(content, local_smtp(smtp.port, to="x@example.org"))
    result = run(DAY, "--content", content, "--to", "Ana <ana@example.org>", "--to", "li@example.org")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        rf"Sent the e-mail edition of {DAY} \(57 papers, \d+ bytes\) to Ana <ana@example.org>, "
        rf"li@example.org via 127.0.0.1:{smtp.port}\n",
        result.stdout,
    )
    assert len(smtp.envelopes) == 1
    envelope = smtp.envelopes[0]
    assert envelope.mail_from == "digest@example.org"
    assert envelope.rcpt_tos == ["ana@example.org", "li@example.org"]  # --to wins over site.yml's
    message = parse(envelope.content)
    assert message["To"] == "Ana <ana@example.org>, li@example.org"
    assert message["Subject"] == f"{TITLE}: 57 papers, May 9, 2026"
    text, html = parts(message)
    assert paper_order(Tags.of(html).hrefs) == ranked_slugs(content)
    assert "李雷" in text and "李雷" in html


def test_site_yml_recipients_and_login_with_the_password_from_the_environment(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SmtpServer(login=(b"digest@example.org", "s3cret päss".encode()))
    server.start()
    try:
        content = site / "content"
        settings = site_yml(
            smtp_host="127.0.0.1",
            smtp_port=server.port,
            tls="none",
            username="digest@example.org",
            to=["one@example.org", "Two <two@example.org>"],
        )
        write_site_yml(content, settings)
        monkeypatch.delenv("DIGEST_SMTP_PASSWORD", raising=False)
        missing = one_error_line(run(DAY, "--content", content))
        assert "DIGEST_SMTP_PASSWORD" in missing and server.envelopes == [] and server.logins == []

        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "wrong")
        refused = one_error_line(run(DAY, "--content", content))
        assert refused.startswith(f"digest: error: 127.0.0.1:{server.port}: login refused (535")

        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "s3cret päss")
        result = run(DAY, "--content", content)
        assert result.exit_code == 0, result.output
        assert server.envelopes[-1].rcpt_tos == ["one@example.org", "two@example.org"]
        assert "s3cret" not in result.output
    finally:
        server.stop()


def test_smtp_connection_refused_is_one_line(site: Path) -> None:
    content = site / "content"
    port = free_port()  # nothing listens there any more
    write_site_yml(content, local_smtp(port, to="a@example.org"))
    line = one_error_line(run(DAY, "--content", content))
    assert line == f"digest: error: 127.0.0.1:{port}: connection refused (is the host and port right?)"


def test_starttls_against_a_server_without_it_is_one_line(site: Path, smtp: SmtpServer) -> None:
    content = site / "content"
    write_site_yml(content, site_yml(smtp_host="127.0.0.1", smtp_port=smtp.port, to="a@example.org"))
    line = one_error_line(run(DAY, "--content", content))
    assert line.startswith(f"digest: error: 127.0.0.1:{smtp.port}: ") and "STARTTLS" in line
    assert "tls: ssl or none" in line and smtp.envelopes == []


def test_ssl_against_a_plain_server_is_one_line(site: Path, smtp: SmtpServer) -> None:
    content = site / "content"
    write_site_yml(
        content, site_yml(smtp_host="127.0.0.1", smtp_port=smtp.port, tls="ssl", to="a@example.org")
    )
    line = one_error_line(run(DAY, "--content", content))
    assert line.startswith(f"digest: error: 127.0.0.1:{smtp.port}: TLS failed: ")
    assert smtp.envelopes == []


@pytest.mark.parametrize(("tls", "port"), [("starttls", 587), ("ssl", 465), ("none", 25)])
def test_the_port_defaults_to_the_usual_one_for_the_tls_mode(site: Path, tls: str, port: int) -> None:
    content = site / "content"
    write_site_yml(content, site_yml(smtp_host="smtp.example.org", tls=tls))
    assert load_config(content).mail.port == port
    write_site_yml(content, site_yml(smtp_host="smtp.example.org", tls=tls, smtp_port=2525))
    assert load_config(content).mail.port == 2525


# --- errors -------------------------------------------------------------------------------------------


def test_no_base_url_is_an_error(site: Path) -> None:
    write_site_yml(site / "content", site_yml(base_url=""))
    line = one_error_line(run(DAY, "--content", site / "content", "--out", site / "m.eml"))
    assert line == (
        "digest: error: the e-mail needs absolute links: set base_url in content/site.yml or pass --base-url"
    )
    assert not (site / "m.eml").exists()


def test_unknown_date_names_the_newest_digests(site: Path) -> None:
    line = one_error_line(run("2026-05-10", "--content", site / "content", "--out", site / "m.eml"))
    assert line == f"digest: error: there is no digest of 2026-05-10; the newest: {DAY}"
    assert "YYYY-MM-DD" in one_error_line(run("May 9", "--content", site / "content"))


@pytest.mark.parametrize(
    ("mail", "line", "message"),
    [
        ("  smtp_hots: smtp.example.org\n", 5, "unknown mail setting 'smtp_hots'; expected smtp_host,"),
        ("  tls: bogus\n", 5, "mail: 'tls' must be one of starttls, ssl, none, not 'bogus'"),
        ("  unsubscribe: javascript:alert(1)\n", 5, "mail: 'unsubscribe' must be a mailto: or https: URL"),
        ("  smtp_port: '587'\n", 5, "mail: 'smtp_port' must be a port number from 1 to 65535"),
        ('  to: ["a@example.org", "b@example.org\\r\\nBcc: c@example.org"]\n', 5, "must be on one line"),
        ("  to: not-an-address\n", 5, "is not an e-mail address like name@example.org"),
    ],
)
def test_bad_mail_settings_are_errors_at_their_line(site: Path, mail: str, line: int, message: str) -> None:
    content = site / "content"
    text = f"title: Lab\nbase_url: {BASE}\nmail:\n  sender: digest@example.org\n{mail}"
    write_site_yml(content, text)
    error = one_error_line(run(DAY, "--content", content, "--out", site / "m.eml"))
    assert error.startswith(f"digest: error: {content / 'site.yml'}:{line}: "), error
    assert message in error
    assert not (site / "m.eml").exists()


def test_a_hostile_to_option_and_a_missing_sender_are_refused(site: Path) -> None:
    content = site / "content"
    line = one_error_line(run(DAY, "--content", content, "--to", "a@example.org\nBcc: b@example.org"))
    assert "must be on one line" in line
    write_site_yml(content, f"title: Lab\nbase_url: {BASE}\n")
    line = one_error_line(run(DAY, "--content", content, "--out", site / "m.eml"))
    assert line == "digest: error: the e-mail needs a sender: set mail: sender: in content/site.yml"


def test_a_site_yml_without_mail_still_builds(site: Path) -> None:
    write_site_yml(site / "content", f"title: Lab\nbase_url: {BASE}\n")
    result = CliRunner().invoke(main, ["check", "--content", str(site / "content")])
    assert result.exit_code == 0, result.output


# --- in a browser -------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [390, 1280])
def test_the_html_part_fits_a_phone_and_fetches_nothing(site: Path, browser: Any, width: int) -> None:
    content = site / "content"
    write_site_yml(content, site_yml(unsubscribe="https://example.org/leave"))
    assert run(DAY, "--content", content, "--out", site / "m.eml").exit_code == 0
    _, html = parts(parse((site / "m.eml").read_bytes()))
    page_file = site / "mail.html"
    page_file.write_text(html, encoding="utf-8")
    page = support.new_page(browser, viewport={"width": width, "height": 900})
    fetched: list[str] = []

    def only_the_file(route: Any) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            fetched.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_file)
    try:
        page.goto(page_file.as_uri())
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        column = page.evaluate(
            "Math.max(...[...document.querySelectorAll('table')].map((t) => t.getBoundingClientRect().width))"
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"mail-{width}.png"))
        page.screenshot(path=str(SCREENSHOTS / f"mail-{width}-full.png"), full_page=True)
    finally:
        page.context.close()
    assert fetched == []
    assert scroll_width <= width
    assert column <= width

"""The dev server as a browser and a user see it: pretty URLs, live reload, rebuilds, safety.

A fake builder stands in for the real build (it writes a small site atomically, like `build_site`), so these
tests exercise only the server; each runs its own server on an OS-chosen port on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from generator.errors import ContentError, ContentErrors
from generator.serve import DevServer, default_watch_dirs, serve

from . import site_support as support
from .common import REPO


class FakeBuilder:
    """Writes a tiny site from content/title.txt into a temp folder and swaps it in, as build_site does.

    `broken.md` in the content makes it raise a ContentError; `two-problems` a ContentErrors of two;
    `crash` makes it raise an unexpected bug; `warn.txt` adds its lines to the result's warnings.
    """

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, content_dir: Path, out_dir: Path) -> SimpleNamespace:
        self.calls += 1
        if (content_dir / "broken.md").exists():
            raise ContentError("front matter is not valid YAML", content_dir / "broken.md", 2)
        if (content_dir / "two-problems").exists():
            raise ContentErrors(
                [
                    ContentError("unknown topic 'nlpp'", content_dir / "papers" / "a.md", 5),
                    ContentError("front matter lacks the required field 'date'", content_dir / "b.md", 1),
                ]
            )
        if (content_dir / "crash").exists():
            raise RuntimeError("bug in the build")
        title = (content_dir / "title.txt").read_text(encoding="utf-8")
        files = {
            "index.html": f"<!doctype html><html><body><h1>{title}</h1></body></html>",
            "papers/x/index.html": "<html><BODY><p>Paper X</p></BODY></html>",
            "404.html": "<html><body><p>Page not found</p></body></html>",
            "feed.xml": "<feed/>",
            "topics/nlp/feed.xml": "<feed/>",
            "sitemap.xml": "<urlset/>",
            "robots.txt": "User-agent: *",
            "search/index.json": '{"docs": {}}',
            "static/site.css": "body { color: red }",
            "static/site.js": "console.log('</body>')",
        }
        tmp, old = out_dir.with_name(".site.tmp"), out_dir.with_name(".site.old")
        shutil.rmtree(tmp, ignore_errors=True)
        for name, text in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(text, encoding="utf-8")
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
        warn = content_dir / "warn.txt"
        warnings = warn.read_text(encoding="utf-8").splitlines() if warn.exists() else []
        return SimpleNamespace(pages=3, seconds=0.01, warnings=warnings)


class Echo:
    """Collects what the server prints, from any thread."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, bool]] = []
        self._lock = threading.Lock()

    def __call__(self, message: str, err: bool = False) -> None:
        with self._lock:
            self.lines.append((message, err))

    def text(self) -> str:
        with self._lock:
            return "\n".join(message for message, _ in self.lines)


@dataclass
class Running:
    server: DevServer
    content: Path
    out: Path
    echo: Echo
    builder: FakeBuilder

    def url(self, path: str = "") -> str:
        return self.server.url + path.lstrip("/")


def wait_until(predicate: Callable[[], object], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def fetch(url: str) -> tuple[int, dict[str, str], bytes, str]:
    """Status, headers, body and final URL, for error statuses too."""
    try:
        with urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read(), response.url
    except HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read(), error.url


def raw_get(server: DevServer, path: str) -> tuple[int, bytes]:
    """A request with the path sent exactly as written (urllib might tidy it)."""
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def generation(site: Running) -> str:
    return fetch(site.url("__livereload"))[2].decode()


@contextmanager
def running_site(tmp_path: Path, poll_interval: float = 0.02, **options: Any) -> Iterator[Running]:
    """A built site served in threads; on exit the server is stopped and its threads are gone.
    `poll_interval`: how soon the HTTP loop notices stop(); `out`: the output folder (default: beside
    the content); other `options` go to DevServer (connection_timeout, max_connections, max_streams,
    keepalive)."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "title.txt").write_text("First", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    out, echo, builder = options.pop("out", tmp_path / "site"), Echo(), FakeBuilder()
    server = DevServer(
        content, out, builder=builder, watch_dirs=[content], poll_interval=poll_interval, echo=echo, **options
    )
    try:
        assert server.first_build()
        server.start()
        yield Running(server, content, out, echo, builder)
    finally:
        server.stop()
    alive = [t.name for t in threading.enumerate() if t.name.startswith("digest-serve")]
    assert alive == [], "server threads still running after stop()"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Running]:
    with running_site(tmp_path) as running:
        yield running


def test_pretty_urls_serve_the_folder_index(site: Running) -> None:
    status, _, body, _ = fetch(site.url("/"))
    assert status == 200 and b"<h1>First</h1>" in body
    status, _, body, _ = fetch(site.url("/papers/x/"))
    assert status == 200 and b"Paper X" in body
    status, _, body, final = fetch(site.url("/papers/x?q=1"))  # redirected to the folder URL
    assert status == 200 and b"Paper X" in body and final == site.url("/papers/x/?q=1")


def test_missing_path_gets_the_404_page_with_status_404(site: Running) -> None:
    status, headers, body, _ = fetch(site.url("/papers/nope/"))
    assert status == 404
    assert b"Page not found" in body and headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/feed.xml", "application/atom+xml; charset=utf-8"),
        ("/topics/nlp/feed.xml", "application/atom+xml; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/search/index.json", "application/json"),
        ("/static/site.css", "text/css; charset=utf-8"),
        ("/static/site.js", "text/javascript; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
    ],
)
def test_content_types_and_no_caching(site: Running, path: str, expected: str) -> None:
    status, headers, body, _ = fetch(site.url(path))
    assert status == 200
    assert headers["Content-Type"] == expected
    assert headers["Cache-Control"] == "no-store"
    assert int(headers["Content-Length"]) == len(body)


def test_live_reload_script_only_in_served_html(site: Running) -> None:
    _, _, body, _ = fetch(site.url("/papers/x/"))
    tag = b'<script src="/__livereload.js" data-generation="1" data-digest-livereload defer></script>'
    assert body.count(tag) == 1 and body.index(tag) < body.index(b"</BODY>")  # before </body>, any case
    assert body.count(b"<script") == 1  # an external script: no inline code for the CSP to refuse
    assert b"__livereload" not in (site.out / "papers/x/index.html").read_bytes()  # never on disk
    for asset in ("static/site.css", "static/site.js", "feed.xml"):
        assert fetch(site.url(asset))[2] == (site.out / asset).read_bytes()


def test_live_reload_script_is_served_by_the_server(site: Running) -> None:
    status, headers, body, _ = fetch(site.url("/__livereload.js"))
    assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert b'new EventSource("/__livereload")' in body  # pushed to, not polling
    assert b"data-generation" in body and b"location.reload()" in body and b"fetch(" not in body
    assert not (site.out / "__livereload.js").exists()


def test_head_sends_headers_only(site: Running) -> None:
    port = int(site.server.url.rsplit(":", 1)[1].strip("/"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("HEAD", "/")
        response = conn.getresponse()
        assert response.status == 200 and int(response.headers["Content-Length"]) > 0
        assert response.read() == b""
    finally:
        conn.close()


def test_content_change_rebuilds_and_bumps_the_generation(site: Running) -> None:
    assert generation(site) == "1"
    (site.content / "title.txt").write_text("Second version", encoding="utf-8")
    wait_until(lambda: generation(site) == "2")
    assert b"<h1>Second version</h1>" in fetch(site.url("/"))[2]
    assert b'data-generation="2"' in fetch(site.url("/"))[2]
    assert ("rebuilt 3 pages in 0.01s", False) in site.echo.lines
    (site.content / "new.md").write_text("a new file", encoding="utf-8")  # new files count too
    wait_until(lambda: generation(site) == "3")


def test_failing_rebuild_keeps_the_last_good_site_and_reports(site: Running) -> None:
    (site.content / "title.txt").write_text("Not shown", encoding="utf-8")
    (site.content / "broken.md").write_text("---\n: bad\n", encoding="utf-8")
    wait_until(lambda: "digest: error:" in site.echo.text())
    message, to_stderr = next(line for line in site.echo.lines if "error" in line[0])
    assert to_stderr and "\n" not in message
    assert message.startswith(
        f"digest: error: {site.content / 'broken.md'}:2: front matter is not valid YAML"
    )
    assert generation(site) == "1"
    status, _, body, _ = fetch(site.url("/"))
    assert status == 200 and b"<h1>First</h1>" in body
    (site.content / "broken.md").unlink()  # fixing it recovers without a restart
    wait_until(lambda: generation(site) == "2")
    assert b"<h1>Not shown</h1>" in fetch(site.url("/"))[2]


def test_every_problem_of_a_failed_rebuild_is_shown_with_file_and_line(site: Running) -> None:
    (site.content / "two-problems").write_text("1", encoding="utf-8")
    wait_until(lambda: "required field" in site.echo.text())
    errors = [message for message, to_stderr in site.echo.lines if to_stderr]
    assert errors == [
        f"digest: error: {site.content / 'papers' / 'a.md'}:5: unknown topic 'nlpp' "
        "(still serving the previous build)",
        f"digest: error: {site.content / 'b.md'}:1: front matter lacks the required field 'date' "
        "(still serving the previous build)",
    ]
    assert generation(site) == "1"


def test_build_warnings_are_shown(site: Running) -> None:
    (site.content / "warn.txt").write_text("search cache: x.json.gz was truncated\n", encoding="utf-8")
    wait_until(lambda: generation(site) == "2")
    assert ("  warning: search cache: x.json.gz was truncated", True) in site.echo.lines


def test_unexpected_build_bug_does_not_stop_the_watcher(site: Running) -> None:
    (site.content / "crash").write_text("1", encoding="utf-8")
    wait_until(lambda: "RuntimeError: bug in the build" in site.echo.text())
    line = next(message for message, _ in site.echo.lines if "RuntimeError" in message)
    # the type, the message and where it was raised (this file's FakeBuilder), on one line
    assert line.startswith("digest: error: rebuild failed: RuntimeError: bug in the build at ")
    assert "test_serve.py:" in line and "\n" not in line
    (site.content / "crash").unlink()
    (site.content / "title.txt").write_text("Recovered", encoding="utf-8")
    wait_until(lambda: generation(site) == "2")
    assert b"Recovered" in fetch(site.url("/"))[2]


@pytest.mark.parametrize(
    "name",
    [".title.txt.swp", ".title.txt.swx", "title.txt~", ".#title.txt", "#title.txt#", "4913", ".hidden"],
)
def test_editor_temp_and_hidden_files_do_not_trigger_a_rebuild(site: Running, name: str) -> None:
    (site.content / name).write_text("editor scratch", encoding="utf-8")
    time.sleep(0.3)  # ten watch steps: long enough for a rebuild to have started
    assert site.builder.calls == 1 and generation(site) == "1"
    (site.content / "title.txt").write_text("Saved", encoding="utf-8")  # the real save still rebuilds
    wait_until(lambda: generation(site) == "2")
    assert site.builder.calls == 2


def test_edits_in_a_burst_give_one_rebuild(site: Running) -> None:
    builds = site.builder.calls
    for i in range(5):  # well within one watch step (30 ms) of each other
        (site.content / f"burst-{i}.md").write_text("x", encoding="utf-8")
    wait_until(lambda: generation(site) == "2")
    time.sleep(0.25)  # several watch steps: nothing else changed, so no further build
    assert site.builder.calls == builds + 1


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/papers/../../secret.txt",
        "/.%2e/secret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/%252e%252e/secret.txt",
        "/%00/../secret.txt",
        "//../secret.txt",
        "/%2F..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_no_path_traversal(site: Running, path: str) -> None:
    status, body = raw_get(site.server, path)
    assert status == 404
    assert b"TOP SECRET" not in body and b"root:" not in body


def test_symlinks_out_of_the_site_are_not_followed(site: Running, tmp_path: Path) -> None:
    (site.out / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (site.out / "leakdir").symlink_to(tmp_path)
    for path in ("/leak.txt", "/leakdir/secret.txt"):
        status, body = raw_get(site.server, path)
        assert status == 404 and b"TOP SECRET" not in body


def test_first_build_failure_serves_a_previous_site(tmp_path: Path) -> None:
    content, out, echo = tmp_path / "content", tmp_path / "site", Echo()
    content.mkdir()
    (content / "title.txt").write_text("Old", encoding="utf-8")
    FakeBuilder()(content, out)  # yesterday's build
    (content / "broken.md").write_text("bad", encoding="utf-8")
    with DevServer(content, out, builder=FakeBuilder(), watch_dirs=[content], echo=echo) as server:
        assert server.first_build()
    assert "digest: error:" in echo.text() and "serving the previous build" in echo.text()


def test_serve_exits_2_when_the_first_build_fails_with_nothing_to_serve(tmp_path: Path) -> None:
    content, echo = tmp_path / "content", Echo()
    content.mkdir()
    (content / "broken.md").write_text("bad", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        serve(content, tmp_path / "site", port=0, builder=FakeBuilder(), watch_dirs=[content], echo=echo)
    assert exited.value.code == 2
    assert echo.lines == [(f"digest: error: {content / 'broken.md'}:2: front matter is not valid YAML", True)]


def test_serve_exits_2_when_the_port_is_in_use(tmp_path: Path) -> None:
    builder, echo = FakeBuilder(), Echo()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit) as exited:
            serve(tmp_path, tmp_path / "site", port=port, builder=builder, echo=echo)
    assert exited.value.code == 2
    assert echo.lines == [(f"digest: error: port {port} is in use; pass --port N", True)]
    assert builder.calls == 0  # the port is checked before any build


def test_default_watch_dirs_are_content_templates_and_static(tmp_path: Path) -> None:
    assert default_watch_dirs(tmp_path) == [tmp_path, REPO / "templates", REPO / "static"]


SERVE_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from types import SimpleNamespace
    from generator.serve import serve

    def build(content, out):
        out.mkdir(exist_ok=True)
        (out / "index.html").write_text("<body>hello</body>")
        return SimpleNamespace(pages=1, seconds=0.0)

    serve(Path("content"), Path("site"), port=0, builder=build, watch_dirs=[Path("content")])
    """
)


def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE_SCRIPT], cwd=tmp_path, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or ()], daemon=True).start()
    try:
        assert lines.get(timeout=5) == "built 1 pages in 0.00s\n"
        started = lines.get(timeout=5)
        assert started.startswith("Serving site/ at http://127.0.0.1:")
        assert started.endswith("/ (watching content/; Ctrl-C to stop)\n")
        url = started.split(" at ", 1)[1].split(" ", 1)[0]
        assert b"hello" in fetch(url)[2]
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert stderr == ""


# --- connections that say nothing ---------------------------------------------------------------------


def port_of(server: DevServer) -> int:
    return int(server.url.rsplit(":", 1)[1].strip("/"))


def closed_by_server(conn: socket.socket, within: float) -> bool:
    """True when the server closes `conn` (EOF or reset) within `within` seconds."""
    conn.settimeout(within)
    try:
        return conn.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_silent_connections_do_not_hold_the_server(tmp_path: Path) -> None:
    """300 clients that connect and send nothing: a real request is still answered at once, the server
    never holds more than its cap, and it closes them all."""
    with running_site(tmp_path, connection_timeout=1.5, max_connections=16) as site:
        port = port_of(site.server)
        silent = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(300)]
        try:
            started = time.monotonic()
            status, _, body, _ = fetch(site.url("/"))
            assert status == 200 and b"<h1>First</h1>" in body
            assert time.monotonic() - started < 1.0  # not after the silent ones' timeout
            assert site.server.open_connections <= 16
            deadline = time.monotonic() + 1.5 + 2.0  # the timeout, and a margin
            for conn in silent:
                assert closed_by_server(conn, max(0.05, deadline - time.monotonic())), (
                    "a silent client is held"
                )
        finally:
            for conn in silent:
                conn.close()
        wait_until(lambda: site.server.open_connections == 0)


def test_a_silent_connection_is_closed_after_the_timeout_not_before(tmp_path: Path) -> None:
    with running_site(tmp_path, connection_timeout=1.0) as site:
        with socket.create_connection(("127.0.0.1", port_of(site.server)), timeout=5) as conn:
            started = time.monotonic()
            assert closed_by_server(conn, 4.0)
            assert 0.8 < time.monotonic() - started < 3.0
        # half a request, then silence: also timed out
        with socket.create_connection(("127.0.0.1", port_of(site.server)), timeout=5) as conn:
            conn.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n")
            started = time.monotonic()
            assert closed_by_server(conn, 4.0)
            assert 0.8 < time.monotonic() - started < 3.0
        assert fetch(site.url("/"))[0] == 200


def test_when_every_connection_is_busy_a_new_one_is_refused_at_once(tmp_path: Path) -> None:
    """Clients that sent a request line but never finish it are being served (not idle), so they are not
    closed to make room; past the cap a new client gets a 503 at once, and a slot after the timeout."""
    with running_site(tmp_path, connection_timeout=1.5, max_connections=4) as site:
        port = port_of(site.server)
        busy = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
        try:
            for conn in busy:
                conn.sendall(b"GET / HTTP/1.0\r\n")  # the headers never come
            wait_until(lambda: site.server.open_connections == 4)
            time.sleep(0.1)  # their request lines are read
            started = time.monotonic()
            status = fetch(site.url("/"))[0]
            assert status == 503 and time.monotonic() - started < 1.0
            wait_until(lambda: fetch(site.url("/"))[0] == 200, timeout=5.0)
        finally:
            for conn in busy:
                conn.close()


# --- the real build ----------------------------------------------------------------------------------


def test_serve_exits_2_at_startup_when_there_are_no_papers(tmp_path: Path, content_dir: Path) -> None:
    """`digest serve` on a content folder without papers stops with the loader's error, not an empty site."""
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "serve", "--content", str(content_dir),
         "--out", str(tmp_path / "site"), "--port", "0"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("digest: error: ") for line in lines), proc.stderr
    assert str(content_dir / "papers") in proc.stderr
    assert "Serving" not in proc.stdout and "Traceback" not in proc.stderr
    assert not (tmp_path / "site").exists()


def test_real_rebuild_errors_name_every_file_and_keep_the_old_site(tmp_path: Path) -> None:
    content, out, echo = support.copy_content(tmp_path / "content"), tmp_path / "site", Echo()
    papers = sorted((content / "papers").glob("*.md"))
    with DevServer(content, out, watch_dirs=[content], echo=echo) as server:
        assert server.first_build()
        server.start()
        home = fetch(server.url)[2]
        for paper in papers[:2]:  # two broken papers: both reported, each with its file and line
            paper.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
        wait_until(lambda: sum("digest: error:" in m for m, _ in echo.lines) >= 2, timeout=30)
        errors = [m for m, err in echo.lines if err and m.startswith("digest: error:")]
        for paper in papers[:2]:
            assert any(re.match(rf"digest: error: {re.escape(str(paper))}:\d+: ", m) for m in errors), errors
        assert all(m.endswith("(still serving the previous build)") for m in errors)
        assert server.generation == 1 and fetch(server.url)[2] == home

        echo.lines.clear()
        shutil.rmtree(content / "papers")  # no papers at all: an error too, not an empty site
        wait_until(lambda: "digest: error:" in echo.text(), timeout=30)
        assert str(content / "papers") in echo.text()
        assert server.generation == 1 and fetch(server.url)[2] == home

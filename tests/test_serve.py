"""The dev server as a browser and a user see it: pretty URLs, live reload, rebuilds, safety.

A fake builder stands in for the real build (it writes a small site atomically, like `build_site`), so these
tests exercise only the server; each runs its own server on an OS-chosen port on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import os
import queue
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
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from generator.errors import ContentError
from generator.serve import DevServer, default_watch_dirs, serve

from .common import REPO


class FakeBuilder:
    """Writes a tiny site from content/title.txt into a temp folder and swaps it in, as build_site does.

    `broken.md` in the content makes it raise a ContentError; `crash` makes it raise an unexpected bug.
    """

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, content_dir: Path, out_dir: Path) -> SimpleNamespace:
        self.calls += 1
        if (content_dir / "broken.md").exists():
            raise ContentError("front matter is not valid YAML", content_dir / "broken.md", 2)
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
        return SimpleNamespace(pages=3, seconds=0.01)


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
def running_site(tmp_path: Path, poll_interval: float = 0.02) -> Iterator[Running]:
    """A built site served in threads; on exit the server is stopped and its threads are gone."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "title.txt").write_text("First", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    out, echo, builder = tmp_path / "site", Echo(), FakeBuilder()
    server = DevServer(
        content, out, builder=builder, watch_dirs=[content], poll_interval=poll_interval, echo=echo
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
    script = body.index(b"<script data-digest-livereload>")
    assert b"__livereload" in body and script < body.index(b"</BODY>")  # before </body>, any case
    assert b"const g='1'" in body  # tagged with the generation it was served at
    assert b"__livereload" not in (site.out / "papers/x/index.html").read_bytes()  # never on disk
    for asset in ("static/site.css", "static/site.js", "feed.xml"):
        assert fetch(site.url(asset))[2] == (site.out / asset).read_bytes()


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
    assert b"const g='2'" in fetch(site.url("/"))[2]
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


def test_unexpected_build_bug_does_not_stop_the_watcher(site: Running) -> None:
    (site.content / "crash").write_text("1", encoding="utf-8")
    wait_until(lambda: "RuntimeError: bug in the build" in site.echo.text())
    (site.content / "crash").unlink()
    (site.content / "title.txt").write_text("Recovered", encoding="utf-8")
    wait_until(lambda: generation(site) == "2")
    assert b"Recovered" in fetch(site.url("/"))[2]


def test_edits_in_a_burst_give_one_rebuild(tmp_path: Path) -> None:
    # A longer interval than the other tests', so that the burst surely falls within one debounce window.
    with running_site(tmp_path, poll_interval=0.1) as site:
        builds = site.builder.calls
        for i in range(5):
            (site.content / f"burst-{i}.md").write_text("x", encoding="utf-8")
        wait_until(lambda: generation(site) == "2")
        time.sleep(0.25)  # a few more poll intervals: nothing else changed, so no further build
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

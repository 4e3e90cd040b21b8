"""`digest serve` is told about changes and tells the page: file notifications in, Server-Sent Events out.

The fake builder and the helpers are test_serve.py's; the event stream is read from a raw socket, the way
EventSource reads it, so what goes over the wire is what is checked. The last test drives a real page.
"""

from __future__ import annotations

import re
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest

import generator.watch
from generator.serve import DevServer
from generator.watch import Watcher

from . import site_support as support
from .test_serve import Echo, FakeBuilder, fetch, generation, port_of, running_site, wait_until


class EventStream:
    """A client of `/__livereload` that asks for an event stream, as EventSource does."""

    def __init__(self, server: DevServer, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port_of(server)), timeout=timeout)
        self.sock.sendall(
            b"GET /__livereload HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            b"Cache-Control: no-cache\r\n\r\n"
        )
        self._buffer = b""
        head = self._until(b"\r\n\r\n", timeout).decode("latin-1").split("\r\n")
        self.status = int(head[0].split()[1])
        fields = (line.partition(":") for line in head[1:] if line)
        self.headers = {name.lower(): value.strip() for name, _, value in fields}

    def _until(self, end: bytes, timeout: float) -> bytes:
        self.sock.settimeout(timeout)
        while end not in self._buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("the server closed the stream")
            self._buffer += chunk
        block, self._buffer = self._buffer.split(end, 1)
        return block

    def block(self, timeout: float = 3.0) -> dict[str, str]:
        """The next block (up to a blank line) as {field: value}; a comment line is the field ''."""
        fields: dict[str, str] = {}
        for line in self._until(b"\n\n", timeout).decode().split("\n"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        return fields

    def event(self, timeout: float = 3.0) -> dict[str, str]:
        """The next event, skipping keep-alive comments."""
        deadline = time.monotonic() + timeout
        while True:
            fields = self.block(max(0.01, deadline - time.monotonic()))
            if set(fields) != {""}:
                return fields

    def closed_within(self, seconds: float) -> bool:
        self.sock.settimeout(seconds)
        try:
            while self.sock.recv(4096):
                pass
            return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self.sock.close()


@contextmanager
def streams(server: DevServer, count: int = 1) -> Iterator[list[EventStream]]:
    opened = [EventStream(server) for _ in range(count)]
    try:
        yield opened
    finally:
        for stream in opened:
            stream.close()


# --- notifications in ----------------------------------------------------------------------------------


def test_a_change_is_noticed_by_notification_and_rebuilt_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    real_watch = generator.watch.watch

    def recording_watch(*paths: Any, **options: Any) -> Any:
        calls.append(options)
        return real_watch(*paths, **options)

    monkeypatch.setattr(generator.watch, "watch", recording_watch)
    with running_site(tmp_path) as site:
        assert len(calls) == 1, "the watcher is watchfiles.watch, started once"
        options = calls[0]
        assert options["force_polling"] is None  # the OS's notifications, not polling
        assert options["stop_event"] is not None and options["step"] <= 50 and options["debounce"] <= 100
        latencies = []
        for n in range(2, 5):
            started = time.monotonic()
            (site.content / "title.txt").write_text(f"Version {n}", encoding="utf-8")
            wait_until(lambda n=n: site.server.generation == n, timeout=3.0)
            latencies.append(time.monotonic() - started)
        print(f"write to rebuilt (fake builder): {', '.join(f'{s * 1000:.0f} ms' for s in latencies)}")
        assert statistics.median(latencies) < 1.0
        assert b"<h1>Version 4</h1>" in fetch(site.url("/"))[2]


def test_without_notifications_it_warns_and_polls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_watch = generator.watch.watch

    def failing_watch(*paths: Any, **options: Any) -> Any:
        if not options["force_polling"]:
            raise OSError("OS file watch limit reached")
        return real_watch(*paths, **{**options, "poll_delay_ms": 50})

    monkeypatch.setattr(generator.watch, "watch", failing_watch)
    warnings: list[str] = []
    changes: list[frozenset[Path]] = []
    watcher = Watcher([tmp_path], changes.append, warn=warnings.append).start()
    try:
        (tmp_path / "paper.md").write_text("x", encoding="utf-8")
        wait_until(lambda: changes, timeout=3.0)
    finally:
        watcher.stop()
    assert changes == [{(tmp_path / "paper.md").resolve()}]
    assert warnings == [
        "file notifications failed (OS file watch limit reached); polling for changes instead"
    ]


def test_changes_during_a_rebuild_give_exactly_one_more_rebuild(tmp_path: Path) -> None:
    class Held(FakeBuilder):
        """Holds the first rebuild until released; records how many builds ever ran at once."""

        def __init__(self) -> None:
            super().__init__()
            self.started, self.release = threading.Event(), threading.Event()
            self.running = self.most = 0
            self.lock = threading.Lock()

        def __call__(self, content_dir: Path, out_dir: Path) -> Any:
            with self.lock:
                self.running += 1
                self.most = max(self.most, self.running)
            try:
                if self.calls == 1:  # the first rebuild (call 0 was the first build)
                    self.started.set()
                    assert self.release.wait(5)
                return super().__call__(content_dir, out_dir)
            finally:
                with self.lock:
                    self.running -= 1

    class Recording(DevServer):
        changes: ClassVar[list[frozenset[Path] | None]] = []

        def build(self, verb: str = "rebuilt", changed: Any = None) -> Any:
            self.changes.append(changed)
            return super().build(verb, changed)

    content, builder = (tmp_path / "content").resolve(), Held()
    content.mkdir()
    (content / "title.txt").write_text("First", encoding="utf-8")
    with Recording(content, tmp_path / "site", builder=builder, watch_dirs=[content], echo=Echo()) as server:
        assert server.first_build()
        server.start()
        (content / "a.md").write_text("a", encoding="utf-8")
        assert builder.started.wait(3)
        for name in ("b.md", "c.md", "title.txt"):  # apart, so they come as separate notifications
            (content / name).write_text("during the rebuild", encoding="utf-8")
            time.sleep(0.1)
        builder.release.set()
        wait_until(lambda: server.generation == 3)
        time.sleep(0.3)  # ten watch steps: no third rebuild follows
        assert builder.calls == 3 and builder.most == 1
        assert server.changes[0] is None  # the first build: everything
        assert server.changes[1] == {content / "a.md"}
        assert {content / "b.md", content / "c.md", content / "title.txt"} <= set(server.changes[2] or ())


def test_ignored_files_and_the_output_folder_trigger_nothing(tmp_path: Path) -> None:
    """Output inside the content folder, the build's cache and temp folders, lock files, ingest's staging
    folder, editor files, an empty new folder: no rebuild; and a rebuild's own writes start no other."""
    out = tmp_path / "content" / "_site"
    with running_site(tmp_path, out=out) as site:
        content = site.content
        (out / "extra.html").write_text("x", encoding="utf-8")
        (out / "papers" / "x" / "index.html").write_text("x", encoding="utf-8")
        (content / "_site.tmp-1").mkdir()
        (content / "_site.tmp-1" / "index.html").write_text("x", encoding="utf-8")
        (content / ".cache" / "search").mkdir(parents=True)
        (content / ".cache" / "search" / "shard.json.gz").write_bytes(b"x")
        (content / "._site.lock").write_text("", encoding="utf-8")
        (content / ".ingest-1234").mkdir()
        (content / ".ingest-1234" / "paper.md").write_text("x", encoding="utf-8")
        (content / ".title.txt.swp").write_text("x", encoding="utf-8")
        (content / "title.txt~").write_text("x", encoding="utf-8")
        (content / "empty-folder").mkdir()
        time.sleep(0.3)
        assert site.builder.calls == 1
        (content / "title.txt").write_text("Saved", encoding="utf-8")
        wait_until(lambda: site.server.generation == 2)
        time.sleep(0.3)  # the rebuild rewrote _site/ and .site.tmp inside the content folder
        assert site.builder.calls == 2


# --- the push out -------------------------------------------------------------------------------------


def test_the_stream_says_the_generation_on_connect_and_after_each_build(tmp_path: Path) -> None:
    with running_site(tmp_path) as site, streams(site.server) as (stream,):
        assert stream.status == 200
        assert stream.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert stream.headers["cache-control"] == "no-store"
        assert stream.event() == {"retry": "1000", "event": "reload", "data": "1"}
        (site.content / "title.txt").write_text("Second", encoding="utf-8")
        assert stream.event() == {"event": "reload", "data": "2"}
        assert b"<h1>Second</h1>" in fetch(site.url("/"))[2]  # pushed after the new site is in place
        stream.close()

        (site.content / "title.txt").write_text("Third", encoding="utf-8")  # while no page listens
        wait_until(lambda: site.server.generation == 3)
        with streams(site.server) as (again,):  # a page reconnecting learns it at once
            assert again.event() == {"retry": "1000", "event": "reload", "data": "3"}
        assert generation(site) == "3"  # asked without Accept: text/event-stream, the number as text


def test_a_failed_rebuild_pushes_nothing(tmp_path: Path) -> None:
    with running_site(tmp_path) as site, streams(site.server) as (stream,):
        assert stream.event()["data"] == "1"
        (site.content / "broken.md").write_text("bad", encoding="utf-8")
        wait_until(lambda: "digest: error:" in site.echo.text())
        with pytest.raises(TimeoutError):  # the page keeps showing the last good build
            stream.event(timeout=0.3)
        (site.content / "broken.md").unlink()
        assert stream.event()["data"] == "2"


def test_keep_alive_comments(tmp_path: Path) -> None:
    with running_site(tmp_path, keepalive=0.2) as site, streams(site.server) as (stream,):
        assert stream.event()["data"] == "1"
        started = time.monotonic()
        assert stream.block(timeout=2) == {"": "keep-alive"}
        assert 0.1 < time.monotonic() - started < 1.0


def test_streams_are_not_idle_connections(tmp_path: Path) -> None:
    """More streams than the connection cap, open longer than the connection timeout: all stay, count
    apart, and the pages' other requests are still answered at once."""
    site_options: dict[str, Any] = {"connection_timeout": 0.3, "max_connections": 4}
    with running_site(tmp_path, **site_options) as site, streams(site.server, 6) as opened:
        assert all(stream.event()["data"] == "1" for stream in opened)
        assert site.server.open_streams == 6
        wait_until(lambda: site.server.open_connections == 0)
        started = time.monotonic()
        assert fetch(site.url("/"))[0] == 200 and time.monotonic() - started < 0.5
        time.sleep(0.5)  # past the connection timeout
        (site.content / "title.txt").write_text("Second", encoding="utf-8")
        assert all(stream.event()["data"] == "2" for stream in opened)


def test_streams_have_a_cap_and_a_closed_one_frees_its_place(tmp_path: Path) -> None:
    with running_site(tmp_path, max_streams=2) as site, streams(site.server, 2) as opened:
        assert all(stream.event()["data"] == "1" for stream in opened)
        with streams(site.server) as (refused,):
            assert refused.status == 503
        opened[0].close()
        wait_until(lambda: site.server.open_streams == 1)  # noticed within a second
        with streams(site.server) as (admitted,):
            assert admitted.status == 200 and admitted.event()["data"] == "1"


def test_stop_returns_promptly_with_an_open_stream(tmp_path: Path) -> None:
    with running_site(tmp_path) as site, streams(site.server, 2) as opened:
        assert all(stream.event()["data"] == "1" for stream in opened)
        started = time.monotonic()
        site.server.stop()
        assert time.monotonic() - started < 1.0
        assert all(stream.closed_within(1.0) for stream in opened)
        # running_site checks, on leaving, that no server thread (streams included) is left


# --- in the browser ---------------------------------------------------------------------------------


def test_an_edited_title_shows_in_the_open_page(browser: Any, tmp_path: Path) -> None:
    """The real build of the seed site under DevServer: edit a paper's title in its file, and the open
    page shows it, with nobody reloading it. Prints the write-to-visible latency."""
    content = support.copy_content(tmp_path / "content")
    paper = sorted((content / "papers").glob("*.md"))[0]
    echo = Echo()
    with DevServer(content, tmp_path / "site", watch_dirs=[content], echo=echo) as server:
        assert server.first_build()
        server.start()
        page = support.new_page(browser)
        watch = support.PageWatch.attach(page)
        try:
            page.goto(f"{server.url}papers/{paper.stem}/")
            page.wait_for_load_state("load")
            latencies = []
            for n in (1, 2):  # each a real rebuild: about a second here; the suite's time is short
                title = f"Zyxwvut edited title {n}"
                text = paper.read_text(encoding="utf-8")
                edited = re.sub(r"(?m)^title: .*$", f"title: {title}", text, count=1)
                assert edited != text, "the title line was not found to edit"
                started = time.monotonic()
                paper.write_text(edited, encoding="utf-8")
                page.wait_for_function(
                    "(t) => { const h = document.querySelector('h1'); return h && h.textContent === t; }",
                    arg=title,
                    timeout=10_000,
                )
                latencies.append(time.monotonic() - started)
            shown = ", ".join(f"{s * 1000:.0f} ms" for s in latencies)
            median = statistics.median(latencies) * 1000
            print(f"edit to visible in the browser: {shown} (median {median:.0f} ms)")
            assert max(latencies) < 10
            assert watch.problems() == [], echo.text()
        finally:
            page.context.close()

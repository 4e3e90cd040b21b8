"""The dev server behind `digest serve`: build once, serve the site, rebuild on change, reload the browser.

A development aid only: it binds 127.0.0.1, serves `out_dir` with the pretty URLs a static host gives, and
adds a live-reload `<script src>` to the HTML it *sends*, never to the files on disk, so `_site/` stays
exactly what `digest build` writes. The script is a file the server answers itself (`/__livereload.js`),
not inline code, because the pages' Content-Security-Policy allows no inline script. Building is the
build's job; this module only decides *when* to build.

Changes come as file notifications (`generator.watch`, no polling), and the news of a new build is
pushed to the open pages: the script opens a Server-Sent Events stream (`/__livereload` asked for
`text/event-stream`), which says the current build generation when it connects and again after every
good build; a page served with another generation reloads itself.

Even on 127.0.0.1 the server must not be held by clients that connect and say nothing (a browser's
preconnects, a stuck tool): every connection has a socket timeout, and at the cap of open connections
the one idle longest (no request line yet) is closed to make room, so a real request is answered at once.
The event streams are long-lived on purpose: they have a cap of their own and never count as idle.
"""

from __future__ import annotations

import contextlib
import errno
import mimetypes
import select
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence, Set
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import TCPServer
from typing import Any, Protocol
from urllib.parse import unquote

import click

from generator import urls
from generator.assets import SiteFolder
from generator.errors import DigestError, error_lines, report
from generator.watch import Watcher

#: The build generation: an event stream for EventSource (`Accept: text/event-stream`), else as text.
LIVERELOAD_PATH = "/__livereload"
LIVERELOAD_SCRIPT_PATH = "/__livereload.js"
#: Seconds between showing an edited page and starting the full rebuild (see DevServer.build).
PREVIEW_PAUSE = 0.4
#: Seconds a connection may stay silent (before its request, or while a response is being read).
CONNECTION_TIMEOUT = 15.0
#: Open connections at once; at the cap the longest idle one is closed (browsers open about six).
MAX_CONNECTIONS = 64
#: Open event streams at once (one per visible tab), apart from MAX_CONNECTIONS; past it: 503.
MAX_STREAMS = 64
#: Seconds between the comment lines that keep an event stream from looking dead to proxies and tools.
KEEPALIVE = 15.0
#: Seconds a stream's thread sleeps at most between looks at its client (gone?) and the keep-alive clock;
#: a new build and stop() wake it at once.
_STREAM_CHECK = 0.5
#: What EventSource waits (ms) before reconnecting to a server that went away (its default is ~3 s).
_RETRY_MS = 1000
# Listens to the event stream and reloads when the build generation differs from the one the page was
# served with (its script tag's data-generation): within one server it only grows, and after a restart
# of `digest serve` a different number means the page is from another run. The stream is opened only
# while the tab is visible: a browser allows six connections to one host, and a stream holds one for
# good, so hidden tabs let theirs go and, on coming back, hear the current generation when they
# reconnect. While the server is gone EventSource reconnects by itself (every second); only a refusal
# (the server's cap) closes it, and then the script tries again every 30 s.
LIVERELOAD_JS = """\
(function () {
  "use strict";
  var script = document.currentScript;
  var served = script ? script.getAttribute("data-generation") : "";
  var source = null;
  var retry = 0;
  function disconnect() {
    if (source) source.close();
    source = null;
  }
  function connect() {
    if (source || !window.EventSource || document.visibilityState === "hidden") return;
    var own = source = new EventSource("@PATH@");
    own.addEventListener("reload", function (event) {
      if (/^\\d+$/.test(event.data) && event.data !== served) {
        disconnect();
        window.location.reload();
      }
    });
    own.addEventListener("error", function () {
      if (own.readyState !== EventSource.CLOSED || source !== own) return;
      source = null;
      window.clearTimeout(retry);
      retry = window.setTimeout(connect, 30000);
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") disconnect(); else connect();
  });
  window.addEventListener("pagehide", disconnect);
  window.addEventListener("pageshow", connect);
  connect();
})();
""".replace("@PATH@", LIVERELOAD_PATH)
_RELOAD_TAG = (
    f'<script src="{LIVERELOAD_SCRIPT_PATH}" data-generation="@GEN@" data-digest-livereload defer></script>'
)
_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".json": "application/json",
    ".xml": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".woff2": "font/woff2",
}  # fmt: skip


class BuildResultLike(Protocol):
    pages: int
    seconds: float
    # and, optionally, `warnings`: lines to print (generator.build.BuildResult has them)


Builder = Callable[[Path, Path], BuildResultLike]


class _RealBuilder:
    """The real build, imported late so this module (and its tests) do not load the whole pipeline. It
    keeps what one build learned for the next (parsed papers, what pages were rendered from), so an
    edited paper's page can be shown before the full rebuild (`generator.preview`)."""

    def __init__(self) -> None:
        from generator.build import BuildMemory

        self.memory = BuildMemory()

    def __call__(self, content_dir: Path, out_dir: Path) -> BuildResultLike:
        from generator.build import build_site

        return build_site(content_dir, out_dir, memory=self.memory)

    def preview(self, content_dir: Path, out_dir: Path, changed: Set[Path]) -> list[str]:
        from generator.preview import preview_papers

        return preview_papers(self.memory, content_dir, out_dir, sorted(changed))


def content_type(path: Path) -> str:
    """A fixed map for what the site holds, so the answer does not depend on the machine's mime.types."""
    if path.name == urls.FEED_NAME:
        return "application/atom+xml; charset=utf-8"
    return _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def inject_reload(html: bytes, generation: int) -> bytes:
    """Put the live-reload script tag before the last `</body>` (or at the end), with the generation."""
    script = _RELOAD_TAG.replace("@GEN@", str(generation)).encode()
    at = html.lower().rfind(b"</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]


def resolve_url_path(root: Path, url_path: str) -> Path | None:
    """The file or folder a URL path names inside `root`, or None for anything that could step outside it.

    Any `.`/`..` segment, backslash or NUL (after percent-decoding) is refused outright rather than
    normalised, and the resolved path must still be inside `root`, so symlinks cannot leak files either.
    """
    parts = [p for p in unquote(url_path).split("/") if p]
    if any(p in (".", "..") or "\\" in p or "\0" in p for p in parts):
        return None
    try:
        root = root.resolve()
        target = root.joinpath(*parts)
        inside = target.resolve().is_relative_to(root)
        return target if inside and target.exists() else None
    except (OSError, ValueError):
        return None


def default_watch_dirs(content_dir: Path) -> list[Path]:
    """What a build reads, hence what can change the site: the content, the site folder's templates/ and
    static/, and the built-in ones when they are a checkout's."""
    return SiteFolder.of(content_dir).watch_dirs()


def _display(path: Path) -> str:
    return f"{_shown(path).rstrip('/')}/"


def problem_lines(error: BaseException, suffix: str = "") -> list[str]:
    """A failed build as `digest build` reports it (errors.error_lines): every problem of a ContentErrors
    on its own line with its `file:line`; for a bug (any other exception) its type, message and where it
    was raised."""
    if isinstance(error, DigestError):
        return error_lines(error, suffix)
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {_shown(Path(frames[-1].filename))}:{frames[-1].lineno}" if frames else ""
    message = f": {error}" if str(error) else ""
    return [f"digest: error: rebuild failed: {type(error).__name__}{message}{where}{suffix}"]


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (OSError, ValueError):
        return str(path)


class _HTTPServer(ThreadingHTTPServer):
    """One thread per connection, with a socket timeout and at most `max_connections` open at once.

    A connection that turns into an event stream leaves that count for one of its own (`max_streams`):
    it is long-lived by design, so it must neither be closed as idle nor fill the places of requests.
    """

    daemon_threads = True
    request_queue_size = 128  # a burst of connections (many tabs reloading) must not overflow the backlog
    site: DevServer

    def __init__(
        self, address: tuple[str, int], *, connection_timeout: float, max_connections: int, max_streams: int
    ) -> None:
        self.connection_timeout = connection_timeout
        self.max_connections = max(1, max_connections)
        self.max_streams = max(0, max_streams)
        # Open connections, oldest first, with whether they have sent their request line yet (busy).
        self._open: dict[socket.socket, bool] = {}
        # Open event streams, with the thread serving each (stop() waits for them).
        self._streams: dict[socket.socket, threading.Thread] = {}
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Skip HTTPServer's reverse-DNS lookup of the host, which can stall for seconds on some machines."""
        TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._admit(request):
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)  # starts the connection's thread
        except BaseException:
            with self._open_lock:  # no thread (the system has no more): it must not hold a place
                self._open.pop(request, None)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.pop(request, None)
                self._streams.pop(request, None)

    def mark_busy(self, request: Any) -> None:
        """The connection sent its request line: it is served, no longer a candidate for closing."""
        with self._open_lock:
            if request in self._open:
                self._open[request] = True

    def begin_stream(self, request: Any) -> bool:
        """Move a connection from the open ones to the event streams; False at the streams' cap."""
        with self._open_lock:
            if len(self._streams) >= self.max_streams:
                return False
            self._open.pop(request, None)
            self._streams[request] = threading.current_thread()
            return True

    def open_connections(self) -> int:
        with self._open_lock:
            return len(self._open)

    def open_streams(self) -> int:
        with self._open_lock:
            return len(self._streams)

    def stream_threads(self) -> list[threading.Thread]:
        with self._open_lock:
            return list(self._streams.values())

    def _admit(self, request: socket.socket) -> bool:
        """Make room for a new connection: at the cap, close the oldest one that has not said anything;
        refuse the new one only when every open connection is busy being served."""
        with self._open_lock:
            while len(self._open) >= self.max_connections:
                idle = next((conn for conn, busy in self._open.items() if not busy), None)
                if idle is None:
                    return False
                del self._open[idle]
                with contextlib.suppress(OSError):  # its thread's read then ends at once, with EOF
                    idle.shutdown(socket.SHUT_RDWR)
            self._open[request] = False
            return True

    def _refuse(self, request: socket.socket) -> None:
        with contextlib.suppress(OSError):
            request.setblocking(False)
            request.send(b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n")
        self.shutdown_request(request)

    def server_close(self) -> None:
        """Close the listening socket and every open connection, so no handler waits out its timeout."""
        super().server_close()
        with self._open_lock:
            connections, self._open = [*self._open, *self._streams], {}
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The browser left mid-response or went silent past the timeout: not an error of ours.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def setup(self) -> None:
        self.timeout = self.server.connection_timeout  # StreamRequestHandler sets it on the socket
        super().setup()

    def parse_request(self) -> bool:
        self.server.mark_busy(self.request)
        return super().parse_request()

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a request line per page and asset would bury the rebuild messages the user watches for."""

    def _respond(self, with_body: bool) -> None:
        site = self.server.site
        path, _, query = self.path.partition("?")
        path = path.partition("#")[0]
        if path == LIVERELOAD_PATH:
            if "text/event-stream" in self.headers.get("Accept", ""):
                self._stream(with_body)
            else:  # a tool, or a tab still running the older polling script
                self._send(200, "text/plain; charset=utf-8", str(site.generation).encode(), with_body)
            return
        if path == LIVERELOAD_SCRIPT_PATH:
            self._send(200, "text/javascript; charset=utf-8", LIVERELOAD_JS.encode(), with_body)
            return
        target = resolve_url_path(site.out_dir, path)
        if target is not None and target.is_dir():
            if not path.endswith("/"):  # relative links in the page only work from the folder's URL
                location = path + "/" + (f"?{query}" if query else "")
                self._send(302, "text/plain; charset=utf-8", b"", with_body, location)
                return
            target = target / "index.html"
        status = 200
        if target is None or not target.is_file():
            status, target = 404, site.out_dir / urls.not_found()
        try:
            data = target.read_bytes()
        except OSError:  # no 404 page, or the site vanished mid-swap
            self._send(404, "text/plain; charset=utf-8", b"404 not found\n", with_body)
            return
        if target.suffix == ".html":
            data = inject_reload(data, site.generation)
        self._send(status, content_type(target), data, with_body)

    def _stream(self, with_body: bool) -> None:
        """The event stream: `event: reload` with the current generation at once, then after each good
        build, and a comment line every `keepalive` seconds; until the client leaves or the server stops."""
        site = self.server.site
        if not self.server.begin_stream(self.request):
            self._send(503, "text/plain; charset=utf-8", b"too many live-reload streams\n", with_body)
            return
        threading.current_thread().name = "digest-serve-stream"  # so tests can tell that stop() ends it
        self.close_connection = True  # HTTP/1.0 without a length: the body ends when the connection does
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not with_body:
            return
        sent, retry, last_write = -1, f"retry: {_RETRY_MS}\n", time.monotonic()
        try:
            while True:
                generation = site.wait_for_generation(sent, timeout=min(_STREAM_CHECK, site.keepalive))
                if generation is None:  # stop()
                    return
                now = time.monotonic()
                if generation != sent:
                    self.wfile.write(f"{retry}event: reload\ndata: {generation}\n\n".encode())
                    sent, retry, last_write = generation, "", now
                elif now - last_write >= site.keepalive:
                    self.wfile.write(b": keep-alive\n\n")
                    last_write = now
                elif _client_left(self.request):
                    return
        except (ConnectionError, TimeoutError):  # the tab was closed or reloaded mid-write
            return

    def _send(self, status: int, ctype: str, data: bytes, with_body: bool, location: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if location:
            self.send_header("Location", location)
        self.end_headers()
        if with_body:
            self.wfile.write(data)


def _client_left(conn: socket.socket) -> bool:
    """True when the client of an event stream closed its end. It sends nothing after its request, so
    a readable socket means EOF (or a reset); anything else it might send is left unread."""
    try:
        readable, _, _ = select.select([conn], [], [], 0)
        return bool(readable) and conn.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


class DevServer:
    """The HTTP server plus the watcher, so tests can run one on port 0 in threads and stop it cleanly.

    Binding happens in the constructor: a busy port fails at once (as OSError), before any build.
    `poll_interval` is only how often the HTTP loop looks for stop() (at most 0.1 s); files are not
    polled. `keepalive` is the seconds between the event streams' comment lines.
    """

    def __init__(
        self,
        content_dir: Path,
        out_dir: Path,
        port: int = 0,
        host: str = "127.0.0.1",
        *,
        builder: Builder | None = None,
        watch_dirs: Sequence[Path] | None = None,
        poll_interval: float = 0.5,
        echo: Callable[..., Any] = click.echo,
        connection_timeout: float = CONNECTION_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        max_streams: int = MAX_STREAMS,
        keepalive: float = KEEPALIVE,
    ) -> None:
        self.content_dir, self.out_dir = Path(content_dir), Path(out_dir)
        self.builder = builder or _RealBuilder()
        self.watch_dirs = list(watch_dirs) if watch_dirs is not None else default_watch_dirs(self.content_dir)
        self.poll_interval = poll_interval
        self.echo = echo
        self.keepalive = keepalive
        self.generation = 0  # bumped after each good build; told to the pages (script tag, event stream)
        self._generation_changed = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._watcher: Watcher | None = None
        self._closed = False
        self._httpd = _HTTPServer(
            (host, port), connection_timeout=connection_timeout, max_connections=max_connections,
            max_streams=max_streams,
        )  # fmt: skip
        self._httpd.site = self

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    @property
    def open_connections(self) -> int:
        """Connections the server holds right now, event streams apart (for tests and curious users)."""
        return self._httpd.open_connections()

    @property
    def open_streams(self) -> int:
        """Live-reload event streams open right now (about one per visible tab)."""
        return self._httpd.open_streams()

    def build(self, verb: str = "rebuilt", changed: Set[Path] | None = None) -> DigestError | None:
        """Run the builder once; the user's content errors are returned (to report), anything else raises.

        `changed`: the files and folders that changed since the last build (None: unknown, e.g. the first
        build). When they are edits of existing papers, their own pages are re-rendered and shown first
        (the tab reloads at once), then the whole site is rebuilt as `digest build` would.
        """
        preview = getattr(self.builder, "preview", None)
        if changed and preview is not None:
            shown = preview(self.content_dir, self.out_dir, changed)
            if shown:
                self._bump()
                self.echo(f"showed {len(shown)} edited page(s) at once; rebuilding the site")
                # The open tab reloads now: let it have the cores for a moment before the rebuild
                # takes both (on a large site the rebuild is seconds of work in every process).
                self._stop.wait(PREVIEW_PAUSE)
        try:
            result = self.builder(self.content_dir, self.out_dir)
        except DigestError as exc:
            return exc
        self._bump()
        self.echo(f"{verb} {result.pages} pages in {result.seconds:.2f}s")
        for warning in getattr(result, "warnings", ()):
            self.echo(f"  warning: {warning}", err=True)
        return None

    def _bump(self) -> None:
        """A new version of the site is being served: tell the pages (only one build runs at a time)."""
        with self._generation_changed:
            self.generation += 1
            self._generation_changed.notify_all()  # the event streams send it at once

    def wait_for_generation(self, seen: int, timeout: float) -> int | None:
        """The generation once it differs from `seen`, or after `timeout` seconds; None once stopping."""
        with self._generation_changed:
            self._generation_changed.wait_for(
                lambda: self._stop.is_set() or self.generation != seen, timeout=timeout
            )
            return None if self._stop.is_set() else self.generation

    def report(self, error: BaseException, suffix: str = "") -> None:
        """Print a failed build the way the CLI does: `digest: error: ...`, one line per problem."""
        for line in problem_lines(error, suffix):
            self.echo(line, err=True)

    def first_build(self) -> bool:
        """Build once; True when there is a site to serve: this build's, or a previous one left in out_dir."""
        error = self.build("built")
        if error is None:
            return True
        previous = (self.out_dir / "index.html").is_file()
        self.report(error, f" (serving the previous build in {_display(self.out_dir)})" if previous else "")
        return previous

    def start(self) -> DevServer:
        """Serve and watch in background threads (tests, embedding); `stop` ends both."""
        self._start_watcher()
        http = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": min(self.poll_interval, 0.1)},  # how long stop() may wait
            name="digest-serve-http",
        )
        http.start()
        self._threads.append(http)
        return self

    def serve_forever(self) -> None:
        """Watch in a thread and serve in this one until Ctrl-C, then stop without a traceback."""
        self._start_watcher()
        try:
            self._httpd.serve_forever(poll_interval=0.1)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving, watching and streaming, close the socket and join the threads; safe to call twice.
        A rebuild under way is waited for (up to 5 s)."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        with self._generation_changed:
            self._generation_changed.notify_all()  # the event streams end now
        if self._watcher is not None:
            self._watcher.stop(wait=False)  # it winds down while the HTTP loop does
        if any(t.name == "digest-serve-http" for t in self._threads):
            self._httpd.shutdown()
        self._httpd.server_close()
        if self._watcher is not None:
            self._watcher.stop()
        deadline = time.monotonic() + 5
        for thread in [*self._threads, *self._httpd.stream_threads()]:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> DevServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start_watcher(self) -> None:
        """Watch in threads of its own; returns once the OS watches are in place, so that no change made
        after start() is missed."""
        self._watcher = Watcher(
            self.watch_dirs, self._rebuild, exclude=self.out_dir,
            warn=lambda line: self.echo(f"digest: warning: {line}", err=True),
        ).start()  # fmt: skip

    def _rebuild(self, changed: frozenset[Path]) -> None:
        """The watcher's callback (one call at a time, with everything that changed since the last)."""
        try:
            error = self.build(changed=changed)
            if error is not None:
                self.report(error, " (still serving the previous build)")
        except Exception as exc:  # a bug in the build must not end watching: say so and go on
            self.report(exc, " (still serving the previous build; run digest build for the traceback)")


def serve(
    content_dir: Path,
    out_dir: Path,
    port: int = 8000,
    host: str = "127.0.0.1",
    *,
    builder: Builder | None = None,
    watch_dirs: Sequence[Path] | None = None,
    poll_interval: float = 0.5,
    echo: Callable[..., Any] = click.echo,
) -> None:
    """Build, then serve `out_dir` on host:port with rebuild-on-change and live reload until Ctrl-C.

    Exits with status 2 (SystemExit) when the port is taken or the first build fails with no previous
    site in `out_dir`; `builder` defaults to `generator.build.build_site`.
    """
    try:
        server = DevServer(
            content_dir, out_dir, port, host, builder=builder, watch_dirs=watch_dirs,
            poll_interval=poll_interval, echo=echo,
        )  # fmt: skip
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            report(f"port {port} is in use; pass --port N", echo=echo)
        report(f"cannot listen on {host}:{port}: {exc.strerror or exc}", echo=echo)
    try:
        if not server.first_build():
            raise SystemExit(2)
        watching = ", ".join(_display(d) for d in server.watch_dirs)
        echo(f"Serving {_display(server.out_dir)} at {server.url} (watching {watching}; Ctrl-C to stop)")
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()

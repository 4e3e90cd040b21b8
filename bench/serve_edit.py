"""Scenario 5: edit one paper's title under `digest serve` and time until the open page shows it.

`digest serve --content C --out OUT2 --port P` runs as a child process (its output folder and cache are
first copied from the saved site, so its own first build is a warm one and not timed). Headless Chromium
(Playwright) opens the paper's page `/papers/<slug>/`. Then, per edit: the clock starts just before the
paper file is written (a new title, written to a temp file and renamed in, as editors save) and stops when
the page's <h1> holds the new title. The page reloads itself (the server pushes a reload: first after
re-rendering the edited paper's page, again after the full rebuild), so the wait is
`page.wait_for_function` in a loop that survives the reload's navigation. The next edit waits for the
server's full rebuild of the previous one. The server is stopped with SIGINT (its
Ctrl-C), then SIGTERM, then SIGKILL if it does not exit.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import browser
import measure
from digest_cmd import Digest
from scenarios import Layout, new_title, pick_paper, retitle

#: True when the page's first <h1> contains the title given as the argument.
H1_HAS = "(title) => { const h = document.querySelector('h1'); return !!h && h.textContent.includes(title); }"
STOP_SECONDS = 15
_REBUILT_RE = re.compile(r"rebuilt (\d+) pages in ([\d.]+)s")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_served(url: str, proc: subprocess.Popen, timeout: float) -> str | None:
    """Poll `url` until it answers 200; None then, else why not (the server exited, or the timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"digest serve exited {proc.returncode} before serving"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return None
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    return f"{url} did not answer within {timeout:.0f}s"


def stop_server(proc: subprocess.Popen) -> str:
    """Stop `digest serve` as Ctrl-C does; escalate if it does not exit. Returns how it ended."""
    if proc.poll() is not None:
        return f"had exited ({proc.returncode})"
    for sig, label in ((signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM"), (signal.SIGKILL, "SIGKILL")):
        proc.send_signal(sig)
        try:
            proc.wait(timeout=STOP_SECONDS)
            return f"stopped by {label} (exit {proc.returncode})"
        except subprocess.TimeoutExpired:
            continue
    return "did not exit after SIGKILL"


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a hidden temp file beside `path`, then rename it over `path` (as editors save)."""
    temp = path.with_name(f".{path.name}.bench-tmp")
    temp.write_text(text, encoding="utf-8", newline="")
    os.replace(temp, path)


def wait_for_title(page, title: str, timeout: float) -> float:
    """Seconds (perf_counter) at which the page's <h1> holds `title`; survives the page reloading."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.perf_counter() + timeout
    while True:
        remaining_ms = (deadline - time.perf_counter()) * 1000
        if remaining_ms <= 0:
            raise TimeoutError(f"the new title was not in the page's <h1> within {timeout:.0f}s")
        try:
            page.wait_for_function(H1_HAS, arg=title, timeout=remaining_ms, polling=10)
            return time.perf_counter()
        except PlaywrightTimeout as exc:
            raise TimeoutError(f"the new title was not in the page's <h1> within {timeout:.0f}s") from exc
        except PlaywrightError:  # the reload destroyed the page's context mid-wait: look again
            time.sleep(0.01)


def _wait_for_rebuild(log_path: Path, before: int, timeout: float) -> list[tuple[str, str]]:
    """The server's "rebuilt N pages in Xs" lines printed after the first `before` ones, once there is
    one (or after `timeout` seconds)."""
    deadline = time.perf_counter() + timeout
    while True:
        rebuilds = _REBUILT_RE.findall(log_path.read_text(errors="replace"))[before:]
        if rebuilds or time.perf_counter() > deadline:
            return rebuilds
        time.sleep(0.05)


def serve_edit(digest: Digest, layout: Layout, edits: int, timeout: float) -> dict:
    """Median seconds from writing an edited title to seeing it in the open page, over `edits` edits."""
    why = browser.unavailable()
    if why:
        return {"error": f"skipped: {why}"}
    paper = pick_paper(layout.content)
    original = paper.read_text(encoding="utf-8")
    serve = Layout(layout.serve)
    shutil.rmtree(serve.work, ignore_errors=True)
    serve.site.mkdir(parents=True)
    # A warm start: the server's first build (not timed) reuses the saved output and cache.
    shutil.copytree(layout.out, serve.out)
    for cache in layout.caches:
        if cache.is_dir():
            shutil.copytree(cache, serve.site / cache.name, dirs_exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/papers/{paper.stem}/"
    log_path = serve.work / "serve.log"
    result: dict = {"paper": paper.name, "url_path": f"/papers/{paper.stem}/", "port": port, "edits": []}
    measure.log(f"  serve: starting digest serve on port {port}...")
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            digest.serve_command(layout.content, serve.out, port),
            cwd=serve.site, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            why = wait_until_served(url, proc, timeout)
            if why:
                result["error"] = why
                return result
            result["startup_s"] = time.perf_counter() - started
            measure.log(f"  serve: serving after {result['startup_s']:.1f}s; opening {url} in Chromium")
            _edits(result, url, paper, original, edits, timeout, log_path)
        except Exception as exc:  # a failing part says why; the server is stopped all the same
            result["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:400]
        finally:
            write_atomically(paper, original)
            result["stopped"] = stop_server(proc)
            layout.restore()
    seconds = [edit["seconds"] for edit in result["edits"] if "seconds" in edit]
    result["wall_s"] = measure.median(seconds)
    result["log_tail"] = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-8:]
    shutil.rmtree(serve.site, ignore_errors=True)  # a second copy of the site: gigabytes at 50k
    return result


def _edits(
    result: dict, url: str, paper: Path, original: str, edits: int, timeout: float, log_path: Path
) -> None:
    """Open `url` and make `edits` title edits, appending each edit's figures to result["edits"]."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(browser.CHROMIUM), args=browser.CHROMIUM_ARGS)
        try:
            page = chromium.new_page()
            page.goto(url, wait_until="load")
            for number in range(1, edits + 1):
                title = new_title(number)
                rebuilt_before = len(_REBUILT_RE.findall(log_path.read_text(errors="replace")))
                started = time.perf_counter()
                write_atomically(paper, retitle(original, title))
                seen = wait_for_title(page, title, timeout)
                edit = {"seconds": seen - started, "title": title}
                # The page may show the edit before the server's full rebuild is done (it shows an edited
                # paper's page first): wait for that rebuild, so each edit starts from a settled server,
                # as a person's next edit does, and is not queued behind the previous one's rebuild.
                rebuilds = _wait_for_rebuild(log_path, rebuilt_before, timeout)
                if rebuilds:
                    edit["serve_rebuild_s"] = float(rebuilds[-1][1])
                    edit["rebuilt_after_s"] = time.perf_counter() - started
                result["edits"].append(edit)
                measure.log(f"  serve: edit {number}/{edits} visible after {edit['seconds']:.2f}s")
                time.sleep(0.5)
        finally:
            chromium.close()

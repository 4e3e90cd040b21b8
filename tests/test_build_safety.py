"""What a build leaves behind when things go wrong: a killed build, a full disk, a strict umask, a corrupt
search cache, a second build at the same time. Each is done for real where the machine allows it (a
`digest build` subprocess killed with SIGKILL, a file-size limit), and by a monkeypatched failure where it
does not (a full disk cannot be made on demand without root)."""

from __future__ import annotations

import errno
import gzip
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import build as build_module
from generator import lock
from generator.build import build_site
from generator.errors import DigestError
from generator.lock import LockBusy

from . import site_support as support
from .common import REPO, SHARED, snapshot

CORPUS = SHARED / "corpora" / "arxiv-cs-abstracts-50k.jsonl.gz"
CORPUS_PAPERS = 1500  # enough terms for several blocks of search postings: a process pool while writing


def digest(*args: str | Path, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        capture_output=True, text=True, timeout=300, **options,  # type: ignore[call-overload]
    )  # fmt: skip


@pytest.fixture(scope="module")
def seed_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return support.copy_content(tmp_path_factory.mktemp("seed") / "content")


@pytest.fixture(scope="module")
def first_build(seed_content: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of a first build of the seed content, made once for the module: `site/`, its cache
    `.cache/` and its lock file. Tests never touch it: each starts from a copy (the `built` fixture)."""
    root = tmp_path_factory.mktemp("first-build")
    build_site(seed_content, root / "site")
    return root


@pytest.fixture
def built(first_build: Path, tmp_path: Path) -> Path:
    """`tmp_path / "site"`, a site already built from the seed content, with its cache beside it: the
    module's first build copied as `cp -a` would (the site's files stay hard links of the cache's, as the
    build made them), so the test starts from that build's exact state and may change anything."""
    support.copy_tree(first_build, tmp_path)
    return tmp_path / "site"


def building_folders(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith((f".{out.name}.building-",)))


def leftover_folders(out: Path) -> list[str]:
    prefixes = (f".{out.name}.building-", f".{out.name}.old-")
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(prefixes))


# --- a killed build -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A content folder of CORPUS_PAPERS arXiv abstracts, ingested with `digest ingest` as a user would."""
    if not CORPUS.exists():
        pytest.skip(f"../shared is absent: {CORPUS} not found")
    root = tmp_path_factory.mktemp("big")
    content = root / "content"
    content.mkdir()
    shutil.copy(REPO / "content" / "topics.yml", content / "topics.yml")
    records = root / "records.jsonl"
    with gzip.open(CORPUS, "rt", encoding="utf-8") as corpus, records.open("w", encoding="utf-8") as out:
        for _, line in zip(range(CORPUS_PAPERS), corpus, strict=False):
            out.write(line)
    done = digest("ingest", "--content", content, "--format", "jsonl", "--date", "2026-01-01", records)
    assert done.returncode == 0, done.stderr
    return content


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie (a zombie runs nothing; its new parent reaps it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc to find the workers")
def test_a_killed_build_takes_its_pool_workers_with_it(big_content: Path, tmp_path: Path) -> None:
    """SIGKILL a real `digest build` while its process pool formats the search postings: every worker must
    be gone within seconds (they used to wait on their task queue for good), and the next build clears
    the temporary folder the killed one left."""
    out = tmp_path / "site"
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "build", "--content", str(big_content), "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 240
        # Its first pools (parsing, rendering) run before it writes; wait for the one writing the site.
        while not (workers and building_folders(out)) and proc.poll() is None and time.monotonic() < deadline:
            workers = children(proc.pid)
            time.sleep(0.02)
        assert workers, f"the build never started a process pool while writing: {proc.communicate()[1]}"
        time.sleep(0.5)  # let the pool start all its workers
        workers = children(proc.pid)
        described = {pid: cmdline(pid) for pid in workers}
        assert proc.poll() is None, "the build finished before it could be killed"
        assert building_folders(out), "the build was killed before it wrote anything"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        killed = time.monotonic()
        while any(running(pid) for pid in workers) and time.monotonic() - killed < 10:
            time.sleep(0.01)
        alive = {pid: described[pid] for pid in workers if running(pid)}
        took = time.monotonic() - killed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
    for pid in alive:  # do not leave them running whatever the outcome
        os.kill(pid, signal.SIGKILL)
    assert alive == {}, f"pool workers outlived the killed build: {alive}"
    assert took < 3, f"the workers took {took:.1f} s to die"
    print(f"\n{len(workers)} pool worker(s) of the killed build gone {took * 1000:.0f} ms after SIGKILL")

    left = leftover_folders(out)
    assert left, "the killed build left no temporary folder (nothing to clean up: kill it later?)"
    result = build_site(support.copy_content(tmp_path / "small"), out)  # any build of that --out
    assert leftover_folders(out) == []
    assert any("left by an interrupted build" in w for w in result.warnings), result.warnings
    assert (out / "index.html").is_file()


# --- leftovers and the lock ---------------------------------------------------------------------------


def test_leftovers_of_dead_builds_are_removed_and_others_kept(seed_content: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    dead = [tmp_path / ".site.building-abc123", tmp_path / ".site.old-99999"]
    others = [tmp_path / ".other.building-x", tmp_path / "site-notes", tmp_path / ".site.lockish"]
    for folder in dead + others:
        (folder / "papers").mkdir(parents=True)
        (folder / "papers" / "x.html").write_text("stale", encoding="utf-8")
    result = build_site(seed_content, out)
    assert [p.exists() for p in dead] == [False, False]
    assert all(p.exists() for p in others)
    assert sorted(result.warnings) == sorted(f"removed {p}, left by an interrupted build" for p in dead)
    again = build_site(seed_content, out)
    assert again.warnings == ()  # nothing left this time: a clean build says nothing


def test_an_old_site_whose_swap_was_interrupted_is_put_back(
    seed_content: Path, tmp_path: Path, built: Path
) -> None:
    """Killed between the swap's two renames: the site folder is missing and `.site.old-*` holds it. The
    next build must not delete that old site before it has a new one."""
    out = built  # the seed content built once already: an existing site and its cache
    before = snapshot(out)
    out.rename(tmp_path / ".site.old-4242")
    (tmp_path / ".site.building-zz").mkdir()  # the half-written new one
    calls: list[list[str]] = []

    def fail(building: Path, *args: object, **kwargs: object) -> int:
        calls.append(leftover_folders(out))
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build_module, "_write", fail)
        with pytest.raises(DigestError, match=r"\(the old site is as it was\)"):
            build_site(seed_content, out)
    assert calls and not any(name.startswith(".site.old-") for name in calls[0])
    assert snapshot(out) == before and leftover_folders(out) == []


def test_a_build_waits_for_the_lock_and_then_stops_with_the_holder(
    seed_content: Path, tmp_path: Path, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the site's lock (a build in progress): this build waits, then stops naming
    it, and leaves that build's temporary folder alone."""
    out = built  # the seed content built once already: an existing site and its cache
    before = snapshot(out)
    live = tmp_path / ".site.building-live"
    live.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from generator.lock import folder_lock\n"
         f"with folder_lock(Path({str(out)!r})):\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
        with pytest.raises(LockBusy, match=rf"PID {holder.pid}"):
            build_site(seed_content, out)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout:
            holder.stdout.close()
    assert live.is_dir() and snapshot(out) == before


# --- permissions --------------------------------------------------------------------------------------


def test_built_files_are_world_readable_whatever_the_umask(seed_content: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    done = digest("build", "--content", seed_content, "--out", out, umask=0o077)
    assert done.returncode == 0, done.stderr
    modes = {}
    for path in [out, *sorted(out.rglob("*"))]:
        modes[path.relative_to(out).as_posix()] = stat.S_IMODE(path.stat().st_mode)
    wrong = {
        name: oct(mode) for name, mode in modes.items() if mode != (0o755 if (out / name).is_dir() else 0o644)
    }
    assert wrong == {}, f"{len(wrong)} of {len(modes)} wrong: {dict(list(wrong.items())[:5])}"
    # still byte-identical to a build under the usual umask
    usual = tmp_path / "usual"
    assert digest("build", "--content", seed_content, "--out", usual, umask=0o022).returncode == 0
    assert snapshot(out) == snapshot(usual)


# --- a disk that refuses ------------------------------------------------------------------------------


def _limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_write_past_the_file_size_limit_is_one_line_and_keeps_the_old_site(
    seed_content: Path, tmp_path: Path, built: Path
) -> None:
    """RLIMIT_FSIZE stands in for a full disk: the write fails half way through a file, as ENOSPC does."""
    out = built  # the seed content built once already: an existing site and its cache
    before = snapshot(out)
    shutil.rmtree(tmp_path / ".cache")  # so the limited build writes its big files itself
    done = digest(
        "build", "--content", seed_content, "--out", out, preexec_fn=lambda: _limit_file_size(100_000)
    )
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"digest: error: cannot write the site: {out}/"), lines[0]
    assert ": File too large (the old site is as it was)" in lines[0]
    assert ".building-" not in lines[0]  # named as it would be in the site, not in the vanished temp folder
    assert snapshot(out) == before and leftover_folders(out) == []


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
        (PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
    ],
)
def test_a_disk_full_or_denied_mid_build_is_one_error_and_leaves_nothing(
    seed_content: Path,
    tmp_path: Path,
    built: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: OSError,
    message: str,
) -> None:
    out = built  # the seed content built once already: an existing site and its cache
    before = snapshot(out)
    real_write_text = Path.write_text
    written: list[Path] = []

    def write_text(self: Path, *args: object, **kwargs: object) -> int:
        if len(written) == 20:  # the disk fills up in the middle of the pages
            raise failure  # as `write` raises it: no file name
        written.append(self)
        return real_write_text(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(DigestError) as raised:
        build_site(seed_content, out)
    text = str(raised.value)
    assert text.startswith(f"cannot write the site: {out}/") and "\n" not in text
    assert text.endswith(f": {message} (the old site is as it was)")
    assert snapshot(out) == before and leftover_folders(out) == []


def test_a_first_build_that_cannot_start_says_so(
    seed_content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    monkeypatch.setattr(build_module.tempfile, "mkdtemp", refuse)
    with pytest.raises(DigestError) as raised:
        build_site(seed_content, tmp_path / "site")
    assert str(raised.value) == f"cannot write the site: {tmp_path}: Permission denied (no site was written)"
    assert not (tmp_path / "site").exists()


# --- a corrupt search cache ---------------------------------------------------------------------------


def cache_files(tmp_path: Path, pattern: str = "p-*.json") -> list[Path]:
    return sorted((tmp_path / ".cache" / "search" / "files").glob(pattern))


def cache_entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / ".cache" / "search").glob("*.json"))


CORRUPTIONS = {
    "truncated": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "garbage": lambda data: b"this is not JSON at all\n" * 10,
    "bit flip": lambda data: data[:100] + bytes([data[100] ^ 0x01]) + data[101:],
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_a_corrupt_cache_file_is_rebuilt_with_a_warning(
    seed_content: Path, tmp_path: Path, built: Path, kind: str
) -> None:
    """A stored part changed on disk (in place: the site's copy is the same file, a hard link) costs one
    warning and a rebuild of the index; the site is the very same."""
    out = built  # the seed content built once already: an existing site and its cache
    clean = snapshot(out)
    victim = cache_files(tmp_path)[0]
    good = victim.read_bytes()
    victim.write_bytes(CORRUPTIONS[kind](good))
    result = build_site(seed_content, out)
    assert snapshot(out) == clean
    assert result.search is not None and not result.search.reused
    [warning] = result.warnings
    assert (
        warning == f"search cache: {victim} was damaged (its size or hash is wrong); rebuilt the search index"
    )
    assert victim.read_bytes() == good  # rebuilt in the cache too
    again = build_site(seed_content, out)
    assert again.warnings == () and again.search is not None and again.search.reused


def test_a_corrupt_cache_entry_is_rebuilt_with_a_warning(
    seed_content: Path, tmp_path: Path, built: Path
) -> None:
    out = built  # the seed content built once already: an existing site and its cache
    clean = snapshot(out)
    [entry] = cache_entries(tmp_path)
    entry.write_bytes(b'{"sizes": {"index.json": "many"}')
    result = build_site(seed_content, out)
    assert snapshot(out) == clean and result.search is not None and not result.search.reused
    [warning] = result.warnings
    assert (
        warning.startswith(f"search cache: {entry} was unreadable (")
        and "rebuilt the search index" in warning
    )


def test_a_corrupt_cache_does_not_break_digest_build(seed_content: Path, tmp_path: Path) -> None:
    """What a user saw with the earlier cache: `Aborted!` (click's answer to EOFError) on every build until
    the cache was deleted by hand."""
    out = tmp_path / "site"
    assert digest("build", "--content", seed_content, "--out", out).returncode == 0
    for path in [*cache_entries(tmp_path), *cache_files(tmp_path, "*.json")]:
        path.write_bytes(path.read_bytes()[:50])
    done = digest("build", "--content", seed_content, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "Aborted" not in done.stderr and "Traceback" not in done.stderr
    assert "rebuilt the search index" in done.stderr + done.stdout


def test_an_unwritable_cache_costs_a_warning_not_the_build(seed_content: Path, tmp_path: Path) -> None:
    (tmp_path / ".cache").write_text("a file where the cache folder goes", encoding="utf-8")
    result = build_site(seed_content, tmp_path / "site")
    [warning] = result.warnings  # one line for the whole cache (pages, papers, search index)
    assert warning.startswith("build cache: cannot create ") and warning.endswith("; built without it")
    assert (tmp_path / "site" / "search" / "index.json").is_file()
    assert result.reused == 0 and (tmp_path / ".cache").is_file()


def test_editor_files_in_the_site_folder_static_are_not_published(tmp_path: Path) -> None:
    content = support.copy_content(tmp_path / "content")
    css = tmp_path / "static" / "css"
    css.mkdir(parents=True)
    names = ["extra.css", "extra.css~", ".extra.css.swp", "4913", "#extra.css#", ".#extra.css"]
    for name in names:
        (css / name).write_text("body { margin: 0 }\n", encoding="utf-8")
    build_site(content, tmp_path / "site")
    published = sorted(p.name for p in (tmp_path / "site" / "static" / "css").iterdir())
    assert published == ["extra.css", "search.css", "site.css"]

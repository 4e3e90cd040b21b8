"""Data safety of the writers of content/, with real processes on real digests.

Two ingests at once keep both digests (the lock); a SIGKILL at any moment leaves content/ as before or
as after the ingest once the next writer has run (the transaction and its recovery); a full disk is one
line and no change; a killed process's leftovers are cleaned up; ingested.yml is checked entry by entry.
"""

from __future__ import annotations

import errno
import gzip
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from generator.cli import main
from generator.content import read_content_file
from generator.errors import DigestError
from generator.fetch import enrich as enriching
from generator.fetch.http import HttpClient
from generator.fetch.save import parse_response, save_digest
from generator.ingest import hf_json, pipeline, transaction
from generator.ingest.pipeline import ingest_files
from generator.ingest.store import ContentStore, load_store
from generator.ingest.transaction import COMMIT_MARKER, STAGING_PREFIX, interrupted_ingest, recover, writing
from generator.names import content_files

from .common import REPO, SEED, SHARED, snapshot
from .fuzz_support import examples

CORPUS = SHARED / "corpora" / "arxiv-cs-abstracts-50k.jsonl.gz"
HF_API = SHARED / "samples" / "hf-api" / "daily-papers-2026-06-12.json"
ATOM = SHARED / "samples" / "arxiv-atom"
#: Long enough that a second writer never gives up on a loaded machine; the wait itself is tested apart.
PATIENT = {"DIGEST_LOCK_WAIT": "120"}


def need(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"../shared is absent: {path} not found")


def corpus_slice(folder: Path, name: str, start: int, stop: int) -> Path:
    """Records start..stop of the real arXiv corpus as a JSON lines digest."""
    need(CORPUS)
    lines = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as corpus:
        for number, line in enumerate(corpus):
            if number >= stop:
                break
            if number >= start:
                lines.append(line)
    path = folder / name
    path.write_text("".join(lines), encoding="utf-8")
    return path


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "generator", *(str(a) for a in args)]


def digest(
    *args: str | Path, env: dict[str, str] | None = None, **options: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args),
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        **options,
    )


def start(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def new_content(folder: Path) -> Path:
    content = folder / "content"
    content.mkdir(parents=True)
    shutil.copy(REPO / "content" / "topics.yml", content / "topics.yml")
    return content


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("digest: error:")]


def hidden_leftovers(content: Path) -> list[str]:
    """Staging folders and temporary files: what a finished writer must not leave behind."""
    return [
        p.relative_to(content).as_posix()
        for p in content.rglob("*")
        if p.name.startswith(STAGING_PREFIX) or p.name.endswith(".tmp")
    ]


def digests_of(content: Path) -> dict[str, list[str]]:
    """Each paper's id and the digest dates it carries, as ingest reads them."""
    return {pid: list(c.meta.get("digests") or []) for pid, c in load_store(content).papers_by_id.items()}


# --- Two writers at once -----------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", range(examples(3)))
def test_two_ingests_at_once_keep_both_digests_and_every_date(tmp_path: Path, attempt: int) -> None:
    """Records 0-299 and 200-499 of the corpus as the digests of two days, ingested at the same moment:
    both succeed, both are on record, and the 100 papers they share carry both dates."""
    first = corpus_slice(tmp_path, "first.jsonl", 0, 300)
    second = corpus_slice(tmp_path, "second.jsonl", 200, 500)
    content = new_content(tmp_path)
    runs = [
        start("ingest", "--content", content, "--format", "jsonl", "--date", day, path, env=PATIENT)
        for day, path in (("2026-01-01", first), ("2026-01-02", second))
    ]
    for run in runs:
        _out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        assert not error_lines(err)
    manifest = load_store(content).manifest
    assert sorted((e.date, e.papers) for e in manifest) == [("2026-01-01", 300), ("2026-01-02", 300)]
    dates = digests_of(content)
    assert len(dates) == 500  # no paper lost, none doubled
    both = [pid for pid, days in dates.items() if days == ["2026-01-01", "2026-01-02"]]
    assert len(both) == 100
    assert not hidden_leftovers(content)


@pytest.mark.parametrize("attempt", range(examples(3)))
def test_the_same_digest_twice_at_once_is_ingested_once(
    tmp_path: Path, seed_path: Path, attempt: int
) -> None:
    content = new_content(tmp_path)
    runs = [start("ingest", "--content", content, seed_path, env=PATIENT) for _ in range(2)]
    outputs = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        assert not error_lines(err)
        outputs.append(out)
    assert sum("56 new" in out for out in outputs) == 1, outputs
    assert sum("already ingested" in out for out in outputs) == 1, outputs
    assert len(content_files(content / "papers", ".md")) == 56
    assert len(load_store(content).manifest) == 1
    assert not hidden_leftovers(content)


HOLD = """
import sys, time
from pathlib import Path
from generator.lock import folder_lock
with folder_lock(Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_writer_held_up_too_long_stops_naming_the_holder_and_a_killed_holder_frees_the_lock(
    tmp_path: Path, seed_path: Path
) -> None:
    content = new_content(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(content), "120"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        before = snapshot(content)
        waited = time.monotonic()
        result = digest("ingest", "--content", content, seed_path, env={"DIGEST_LOCK_WAIT": "1"})
        assert 1 <= time.monotonic() - waited < 60
        assert result.returncode == 2
        [line] = error_lines(result.stderr)
        assert f"PID {holder.pid}" in line and "waited 1 s" in line, line
        assert line.endswith("(nothing was written)")
        assert snapshot(content) == before
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The kernel released the dead holder's lock: the next writer does not even wait.
    result = digest("ingest", "--content", content, seed_path, env={"DIGEST_LOCK_WAIT": "1"})
    assert result.returncode == 0, result.stderr
    assert len(content_files(content / "papers", ".md")) == 56


# --- SIGKILL at any moment ---------------------------------------------------------------------------


class KillScene:
    """A content folder with papers (the seed and 200 corpus records as a day's digest), the 1k-record
    digest to ingest into it (sharing 100 papers with it), and the folder as it is after that ingest."""

    DAY = "2026-01-02"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.digest = corpus_slice(folder, "big.jsonl", 0, 1000)
        earlier = corpus_slice(folder, "earlier.jsonl", 900, 1100)
        self.base = new_content(folder / "base")
        ingest_files([SEED], self.base)
        ingest_files([earlier], self.base, date_override=date(2026, 1, 1), fmt="jsonl")
        self.before = snapshot(self.base)
        after = self.copy("after")
        started = time.monotonic()
        result = digest(*self.args(after))
        self.seconds = time.monotonic() - started
        assert result.returncode == 0, result.stderr
        self.after = snapshot(after)
        self.ids = {pid for pid, days in digests_of(after).items() if self.DAY in days}
        assert len(self.ids) == 1000
        assert_consistent(load_store(self.base), self, "before")
        assert_consistent(load_store(after), self, "after")

    def copy(self, name: str) -> Path:
        target = self.folder / name / "content"
        shutil.copytree(self.base, target)
        return target

    def args(self, content: Path) -> list[str | Path]:
        return ["ingest", "--content", content, "--format", "jsonl", "--date", self.DAY, self.digest]


@pytest.fixture(scope="module")
def kill_scene(tmp_path_factory: pytest.TempPathFactory) -> KillScene:
    need(CORPUS, SEED)
    return KillScene(tmp_path_factory.mktemp("kill"))


def kill_points(scene: KillScene, rng: random.Random) -> Iterator[tuple[str, float | str]]:
    """Random moments over the whole run, and named points inside the short commit window (staging a
    file, the commit itself, a move, the clean-up), which a random moment would rarely hit."""
    total = examples(8)
    named = ["commit", "cleanup", f"stage:{rng.randint(1, 1002)}", f"move:{rng.randint(1, 1002)}"]
    for number in range(total):
        if number % 2 == 0:
            yield "after", rng.uniform(0.05, scene.seconds * 1.5)  # slower two at a time
        elif number < 8:
            yield "at", named[number // 2]
        else:
            yield "at", rng.choice([f"stage:{rng.randint(1, 1002)}", f"move:{rng.randint(1, 1002)}"])


@pytest.mark.fuzz
def test_a_killed_ingest_leaves_content_before_or_after_never_between(kill_scene: KillScene) -> None:
    seed = int(os.environ.get("DIGEST_KILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    points = list(enumerate(kill_points(kill_scene, rng)))
    with ThreadPoolExecutor(max_workers=2) as pool:  # two at a time: most of a run is a child process
        outcomes = Counter(pool.map(lambda point: kill_and_recover(kill_scene, seed, *point), points))
    print(f"kill points (seed {seed}, an ingest takes {kill_scene.seconds:.1f} s): {dict(outcomes)}")


def kill_and_recover(scene: KillScene, seed: int, number: int, point: tuple[str, float | str]) -> str:
    """One kill: run the ingest on a copy of the scene, kill it, check, recover, check; the outcome."""
    how, when = point
    content = scene.copy(f"run-{number}")
    where = f"kill {how} {when} (DIGEST_KILL_SEED={seed})"
    if how == "after":
        run = start(*scene.args(content))
        time.sleep(float(when))
        run.send_signal(signal.SIGKILL)
        run.communicate()
    else:
        result = digest(*scene.args(content), env={"DIGEST_TEST_KILL_AT": str(when)})
        assert result.returncode == -signal.SIGKILL, f"{where}: {result.stderr}"
    # Killed: every file a reader would read still parses (load_store reads them all), and the manifest
    # agrees with the papers, unless a committed ingest is waiting to be finished (readers are told).
    store = load_store(content)
    waiting = interrupted_ingest(content)
    if waiting is None:
        assert_consistent(store, scene, where)
    # The next writer's recovery makes it exactly one of the two states (both consistent).
    with writing(content):
        pass
    state = snapshot(content)
    assert state in (scene.before, scene.after), f"{where}: {diff(state, scene)}"
    shutil.rmtree(content.parent)
    outcome = "after" if state == scene.after else "before"
    return f"{outcome}{' (finished by recovery)' if waiting else ''}"


def assert_consistent(store: ContentStore, scene: KillScene, where: str) -> None:
    """The digest's papers all carry its date exactly when ingested.yml lists it, else none does."""
    listed = any(entry.date == scene.DAY for entry in store.manifest)
    carrying = {pid for pid, c in store.papers_by_id.items() if scene.DAY in (c.meta.get("digests") or [])}
    assert carrying == (scene.ids if listed else set()), f"{where}: listed={listed}, {len(carrying)} papers"


def diff(state: dict[str, bytes], scene: KillScene) -> str:
    near = scene.after if len(state) > (len(scene.before) + len(scene.after)) / 2 else scene.before
    extra = sorted(set(state) - set(near))[:5]
    missing = sorted(set(near) - set(state))[:5]
    changed = sorted(k for k in set(state) & set(near) if state[k] != near[k])[:5]
    return f"extra {extra}, missing {missing}, changed {changed}"


def test_a_committed_ingest_is_finished_by_the_next_one_and_readers_are_told(
    tmp_path: Path, seed_path: Path
) -> None:
    """Killed after the commit, in the middle of the moves: a reader learns that content/ is waiting,
    a dry run changes nothing, and the next ingest (of another digest) finishes it, then does its own."""
    need(HF_API)
    content = new_content(tmp_path)
    digest_1k = corpus_slice(tmp_path, "big.jsonl", 0, 1000)
    args = ["ingest", "--content", content, "--format", "jsonl", "--date", "2026-01-02", digest_1k]
    killed = digest(*args, env={"DIGEST_TEST_KILL_AT": "move:400"})
    assert killed.returncode == -signal.SIGKILL
    assert len(content_files(content / "papers", ".md")) == 400  # killed after the 400th move
    assert not (content / "ingested.yml").exists()  # moved last
    message = interrupted_ingest(content)
    assert message is not None and "`make site` or `digest ingest`" in message

    waiting = snapshot(content)
    dry = digest("ingest", "--content", content, "--dry-run", HF_API)
    assert dry.returncode == 0, dry.stderr
    assert "an ingest was interrupted" in dry.stderr
    assert snapshot(content) == waiting

    result = digest("ingest", "--content", content, HF_API)
    assert result.returncode == 0, result.stderr
    assert "30 new" in result.stdout
    assert f"{content}: finished 1 interrupted ingest(s) first" in result.stdout + result.stderr
    assert interrupted_ingest(content) is None and not hidden_leftovers(content)
    assert len(content_files(content / "papers", ".md")) == 1030
    assert sorted(e.papers for e in load_store(content).manifest) == [30, 1000]
    assert (content / "digests" / "2026-01-02-big.jsonl").read_bytes() == digest_1k.read_bytes()


def test_leftovers_of_a_killed_writer_are_removed_by_the_next(tmp_path: Path, seed_path: Path) -> None:
    """An uncommitted staging folder and atomic_write's temporary files go; the user's hidden files and
    editors' files stay, and are not read as papers."""
    content = new_content(tmp_path)
    (content / "papers").mkdir()
    (content / "digests").mkdir()
    staging = content / f"{STAGING_PREFIX}k2j4h1x9"
    (staging / "papers").mkdir(parents=True)
    (staging / "papers" / "half-written.md").write_text("---\nid: x\n")
    leftovers = [
        content / "papers" / ".grokking.md.a1b2c3d4.tmp",
        content / ".ingested.yml.zz_9y8x7.tmp",
        content / "digests" / ".2026-05-09-d.txt.q0w9e8r7.tmp",
    ]
    for path in leftovers:
        path.write_text("half")
    kept = {
        content / "papers" / ".#grokking.md": "editor lock",
        content / "papers" / "grokking.md~": "--- not front matter",
        content / "papers" / ".grokking.md.swp": "\x00swap",
        content / ".notes.tmp": "mine",
        content / "digests" / ".keep": "",
    }
    for path, text in kept.items():
        path.write_text(text)
    result = digest("ingest", "--content", content, seed_path)
    assert result.returncode == 0, result.stderr
    assert not staging.exists()
    assert not any(path.exists() for path in leftovers)
    assert all(path.read_text() == text for path, text in kept.items())
    assert len(content_files(content / "papers", ".md")) == 56


def test_recovery_counts_what_it_did(tmp_path: Path) -> None:
    content = new_content(tmp_path)
    (content / f"{STAGING_PREFIX}abc").mkdir()
    committed = content / f"{STAGING_PREFIX}def"
    (committed / "papers").mkdir(parents=True)
    (committed / "papers" / "a.md").write_text("---\nid: a\n---\n")
    (committed / COMMIT_MARKER).write_text('{"moves": ["papers/a.md", "papers/b.md"]}')  # b.md: moved
    (content / ".topics.yml.abcdefgh.tmp").write_text("x")
    with writing(content) as done:
        assert (done.finished, done.discarded, done.leftovers) == (1, 1, 1)
    assert (content / "papers" / "a.md").read_text() == "---\nid: a\n---\n"
    assert not hidden_leftovers(content)
    assert not recover(content)


def test_a_marker_cannot_move_files_out_of_content(tmp_path: Path, seed_path: Path) -> None:
    content = new_content(tmp_path)
    staging = content / f"{STAGING_PREFIX}evil"
    staging.mkdir()
    (staging / COMMIT_MARKER).write_text('{"moves": ["../outside.md"]}')
    with pytest.raises(DigestError, match="outside content"):
        recover(content)
    assert not (tmp_path / "outside.md").exists()
    # Nor through a folder of content/ replaced by a link to elsewhere since the commit.
    (tmp_path / "elsewhere").mkdir()
    (content / "papers").symlink_to(tmp_path / "elsewhere")
    (staging / COMMIT_MARKER).write_text('{"moves": ["papers/x.md"]}')
    with pytest.raises(DigestError, match="outside content"):
        recover(content)
    # And an ingest into such a folder is one line, not a traceback, writing nothing.
    shutil.rmtree(staging)
    result = CliRunner().invoke(main, ["ingest", "--content", str(content), str(seed_path)])
    assert result.exit_code == 2
    assert "(a symbolic link?): ingest writes only inside it" in result.stderr
    assert not any((tmp_path / "elsewhere").iterdir())


# --- A full disk -------------------------------------------------------------------------------------


def test_no_space_left_is_one_line_and_changes_nothing(
    tmp_path: Path, seed_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up after 150 of the files are staged: one line, content/ byte for byte as before,
    and no staging folder left."""
    content = new_content(tmp_path)
    ingest_files([seed_path], content)
    slice_ = corpus_slice(tmp_path, "day.jsonl", 0, 300)
    before = snapshot(content)
    real_fill = transaction._fill
    staged: list[Path] = []

    def filling_up(path: Path, write: transaction.Write) -> None:
        if len(staged) == 150:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        staged.append(path)
        real_fill(path, write)

    monkeypatch.setattr(transaction, "_fill", filling_up)
    result = CliRunner().invoke(
        main, ["ingest", "--content", str(content), "--format", "jsonl", "--date", "2026-01-01", str(slice_)]
    )
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"digest: error: {content / 'papers'}/") and line.endswith(
        ".md: cannot write: No space left on device (nothing was written)"
    ), line
    assert snapshot(content) == before
    assert len(staged) == 150


def test_a_file_size_limit_in_a_real_process_is_one_line_and_changes_nothing(
    tmp_path: Path, seed_path: Path
) -> None:
    """The kernel refuses the 1.8 MB digest copy (RLIMIT_FSIZE, EFBIG) after the papers are staged."""
    content = new_content(tmp_path)
    ingest_files([seed_path], content)
    digest_1k = corpus_slice(tmp_path, "big.jsonl", 0, 1000)
    before = snapshot(content)

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))

    result = digest(
        "ingest",
        "--content",
        content,
        "--format",
        "jsonl",
        "--date",
        "2026-01-02",
        digest_1k,
        preexec_fn=limited,
    )
    assert result.returncode == 2, result.stderr
    [line] = error_lines(result.stderr)
    target = content / "digests" / "2026-01-02-big.jsonl"
    assert line == f"digest: error: {target}: cannot write: File too large (nothing was written)"
    assert snapshot(content) == before


# --- What ingest reads -------------------------------------------------------------------------------


MANIFEST = """# a comment
digests:
- file: digests/2026-05-09-a.txt
  sha256: {sha}
  date: 2026-05-09
  format: hf-page
  papers: 56
- file: digests/2026-05-10-b.txt
  sha256: {second}
  date: 2026-05-10
  format: hf-page
  papers: {papers}
"""
SHA = "a" * 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            MANIFEST.format(sha=SHA, second="12", papers=3),
            "ingested.yml:9: digest entry 2: sha256 must be 64 lowercase hexadecimal digits, not 12",
        ),
        (
            MANIFEST.format(sha=SHA, second=SHA, papers="many"),
            "ingested.yml:12: digest entry 2: papers must be a number of papers, not 'many'",
        ),
        (
            MANIFEST.format(sha=SHA, second=SHA, papers=3).replace("date: 2026-05-10", "date: May 10"),
            "ingested.yml:10: digest entry 2: date must be a date, YYYY-MM-DD, not 'May 10'",
        ),
        (
            "digests:\n- file: digests/x.txt\n",
            "ingested.yml:2: digest entry 1 lacks sha256, date, format, papers",
        ),
        (
            "digests:\n- just a name\n",
            "ingested.yml:2: digest entry 1 must be a mapping of file, sha256, date",
        ),
        ("digests: 3\n", "ingested.yml:1: must hold a 'digests:' list"),
        ("digests:\n- file: [\n", "ingested.yml:"),
    ],
)
def test_a_malformed_manifest_is_one_line_at_its_line(
    tmp_path: Path, seed_path: Path, text: str, expected: str
) -> None:
    content = new_content(tmp_path)
    (content / "ingested.yml").write_text(text)
    before = snapshot(content)
    result = CliRunner().invoke(main, ["ingest", "--content", str(content), str(seed_path)])
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"digest: error: {content}/{expected}"), line
    assert snapshot(content) == before


def test_a_manifest_entry_whose_digest_was_deleted_is_fine(tmp_path: Path, seed_path: Path) -> None:
    content = new_content(tmp_path)
    ingest_files([seed_path], content)
    for copy in (content / "digests").iterdir():
        copy.unlink()
    [plan] = ingest_files([seed_path], content)
    assert plan.already is not None
    assert not any((content / "digests").iterdir())  # skipped whole: the copy is not made again


def test_papers_as_a_file_is_one_line(tmp_path: Path, seed_path: Path) -> None:
    content = new_content(tmp_path)
    (content / "papers").write_text("oops")
    result = CliRunner().invoke(main, ["ingest", "--content", str(content), str(seed_path)])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"digest: error: {content / 'papers'}: is a file, not a folder"), line


# --- fetch and enrich --------------------------------------------------------------------------------


MANA = "Mana: Dexterous Manipulation of Articulated Tools"
RDD = "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks"


def test_enrich_decides_again_under_the_lock_so_edits_made_during_lookups_survive(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """While enrich waits for arXiv, a person sets `authors:` on one paper and deletes another: the
    first keeps the hand-set authors and gains the rest, the second is not brought back."""
    need(ATOM / "query-transformer.xml")
    answers = {
        "mana": (ATOM / "query-transformer.xml").read_text(encoding="utf-8"),
        "rdd": (ATOM / "query-cs-ro-2025-10-17.xml").read_text(encoding="utf-8"),
    }

    def handler(request: Request) -> Response:
        query = request.args["search_query"].casefold()
        return Response(answers["mana"] if "mana" in query else answers["rdd"])

    httpserver.expect_request("/api/query").respond_with_handler(handler)
    content = new_content(tmp_path)
    titles = tmp_path / "2026-06-14-titles.jsonl"
    titles.write_text(
        "".join(f'{{"title": "{t}", "summary": "The abstract of {t}."}}\n' for t in (MANA, RDD)), "utf-8"
    )
    ingest_files([titles], content, fmt="jsonl")
    files = {read_content_file(p).meta["title"]: p for p in content_files(content / "papers", ".md")}

    def meanwhile(lookup: enriching.Lookup) -> None:
        if lookup.title == MANA:
            text = files[MANA].read_text(encoding="utf-8")
            files[MANA].write_text(text.replace("\nsource:", "\nauthors:\n- Set By Hand\nsource:"), "utf-8")
        else:
            files[RDD].unlink()

    client = HttpClient(timeout=10)
    result = enriching.enrich(content, client, httpserver.url_for(""), report=meanwhile)
    mana = read_content_file(files[MANA]).meta
    assert mana["authors"] == ["Set By Hand"] and mana["arxiv"] == "2606.13677"
    assert not files[RDD].exists() and len(content_files(content / "papers", ".md")) == 1
    assert [lookup.outcome for lookup in result.lookups] == ["matched", "skipped"]
    assert not hidden_leftovers(content)


def test_a_fetched_digest_is_saved_with_its_ingest_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer is saved in content/digests/ by the ingest's own transaction: a disk that fills up
    while the papers are staged leaves no digest file that ingested.yml does not list."""
    need(HF_API)
    content = new_content(tmp_path)
    text = HF_API.read_text(encoding="utf-8")
    parsed = parse_response(hf_json, text, "http://127.0.0.1/api/daily_papers")
    before = snapshot(content)

    def full(path: Path, write: transaction.Write) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(transaction, "_fill", full)
        with pytest.raises(DigestError, match="No space left on device"):
            save_digest(content, "2026-06-12-hf-daily.json", text, parsed, hf_json, date(2026, 6, 12))
    assert snapshot(content) == before
    saved = save_digest(content, "2026-06-12-hf-daily.json", text, parsed, hf_json, date(2026, 6, 12))
    assert saved.written and saved.path.read_text(encoding="utf-8") == text
    assert [e.file for e in load_store(content).manifest] == ["digests/2026-06-12-hf-daily.json"]


def test_a_move_that_fails_after_the_commit_is_finished_by_the_next_writer(
    tmp_path: Path, seed_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rename refused after the commit (a folder made read-only meanwhile, say): the error says the
    ingest will be finished, and the next writer does finish it."""
    content = new_content(tmp_path)
    real_replace = os.replace
    calls: list[object] = []

    def refusing(source: object, target: object) -> None:
        calls.append(target)
        if len(calls) == 11:  # the marker, then 9 moves, then this one
            raise OSError(errno.EACCES, os.strerror(errno.EACCES))
        real_replace(source, target)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", refusing)
        with pytest.raises(transaction.UnfinishedCommit, match="the next digest ingest finishes it"):
            ingest_files([seed_path], content)
    assert len(content_files(content / "papers", ".md")) == 9
    assert interrupted_ingest(content) is not None
    with writing(content) as done:
        assert done.finished == 1
    assert len(content_files(content / "papers", ".md")) == 56 and len(load_store(content).manifest) == 1
    assert not hidden_leftovers(content)


def test_a_digest_replaced_while_waiting_for_the_lock_is_read_again(
    tmp_path: Path, seed_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Digests are parsed before the lock is taken; one in content/digests/ that another writer
    rewrites in the meantime is parsed again, so the manifest's hash is that of the papers ingested."""
    content = new_content(tmp_path)
    day = content / "digests" / "2026-05-09-trending.txt"
    day.parent.mkdir()
    shutil.copy(seed_path, day)
    later = (
        seed_path.read_text(encoding="utf-8").rstrip()
        + "\n\nA Paper Added Later\n\nIts abstract came later.\n"
    )
    real_writing = pipeline.writing

    @contextmanager
    def after_a_rewrite(folder: Path) -> Iterator[transaction.Recovery]:
        day.write_text(later, encoding="utf-8")  # what a fetch would do just before this ingest's turn
        with real_writing(folder) as repaired:
            yield repaired

    monkeypatch.setattr(pipeline, "writing", after_a_rewrite)
    [plan] = ingest_files([day], content)
    assert plan.count("new") == 57
    [entry] = load_store(content).manifest
    assert entry.sha256 == plan.source.sha256 and entry.papers == 57
    monkeypatch.undo()
    [again] = ingest_files([day], content)
    assert again.already is not None  # the hash on record is the file's


# --- A build while an ingest runs ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose `content/` holds a first day's 100 corpus papers, ingested by `digest ingest`; made
    once for the module. Tests never change it: each starts from a copy."""
    folder = tmp_path_factory.mktemp("first-day")
    content = new_content(folder)
    first = corpus_slice(folder, "first.jsonl", 0, 100)
    assert (
        digest("ingest", "--content", content, "--format", "jsonl", "--date", "2026-01-01", first).returncode
        == 0
    )
    return folder


@pytest.mark.parametrize("attempt", range(examples(3)))
def test_a_build_during_an_ingest_publishes_the_site_before_or_after_it(
    tmp_path: Path, first_day: Path, attempt: int
) -> None:
    """The review published a half-ingested site 5 times in 12: a build started while a 600-paper ingest
    writes must read content/ whole, before or after the ingest, under the shared lock."""
    shutil.copytree(first_day, tmp_path, dirs_exist_ok=True)  # content/ after the first day's ingest
    content = tmp_path / "content"
    second = corpus_slice(tmp_path, "second.jsonl", 1000, 1600)
    writer = start(
        "ingest", "--content", content, "--format", "jsonl", "--date", "2026-01-02", second, env=PATIENT
    )
    time.sleep(0.3 * attempt)  # start the build at a different moment of the ingest each time
    out = tmp_path / "_site"
    built = digest("build", "--content", content, "--out", out, env=PATIENT)
    assert writer.wait(timeout=300) == 0, writer.stderr.read() if writer.stderr else ""
    assert built.returncode == 0, built.stderr
    papers = len([p for p in (out / "papers").iterdir() if p.is_dir()])
    assert papers in (100, 700), f"the build saw {papers} papers: half an ingest"

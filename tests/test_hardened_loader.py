"""Hostile content files end in one `digest: error: path:line: ...` line, never a traceback or a hang.

Every case goes through the real CLI (`digest check` and `digest build`) on a real content folder (the
seed digest ingested), with one file edited the way a careless or hostile hand would. The bombs (billion
laughs, a 5 MB title, nesting 100,000 deep) run in a subprocess under a 1 GB memory limit and a time
bound. A property test feeds hostile records through the real `digest ingest --format jsonl` and checks
that whatever ingest writes passes `digest check` and `digest build`, titles and authors intact.
"""

from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import example, given
from hypothesis import strategies as st

from generator.cli import main
from generator.content import read_content_file
from generator.errors import ContentError
from generator.model import MAX_TITLE_CHARS, normalize_space
from generator.topics import load_topics
from generator.urls import is_web_url
from generator.yamlio import (
    MAX_DEPTH,
    MAX_MANIFEST_BYTES,
    MAX_STRING_CHARS,
    MAX_YAML_BYTES,
    dump_yaml,
    load_yaml,
)

from .common import REPO, SEED
from .fuzz_support import fuzz_settings

#: The seed paper every front-matter case edits (its front matter: id, title, date, digests, rank, ...).
PAPER = "a-deep-learning-framework-for-lifelong-machine-learning.md"
#: A generous bound for a command on a bomb: today they finish in about a second.
SECONDS = 10
MEMORY_LIMIT = 1 << 30


@pytest.fixture(scope="module")
def seed_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed digest ingested once into a content folder with the project's taxonomy."""
    if not SEED.exists():
        pytest.skip(f"../shared is absent: {SEED} not found (tests on real digests need it)")
    content = tmp_path_factory.mktemp("seed") / "content"
    content.mkdir()
    shutil.copy(REPO / "content" / "topics.yml", content / "topics.yml")
    result = digest("ingest", "--content", content, SEED)
    assert result.exit_code == 0, result.output
    return content


@pytest.fixture
def content(seed_content: Path, tmp_path: Path) -> Path:
    """A fresh copy of the seed content for one test to damage."""
    return Path(shutil.copytree(seed_content, tmp_path / "content"))


def digest(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args])


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first line of `path` containing `needle`."""
    lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    return next(number for number, text in enumerate(lines, start=1) if needle in text)


def insert_before(path: Path, field: str, block: str) -> None:
    """Put `block` (whole lines) just before the top-level `field:` line of a content file."""
    text = path.read_text(encoding="utf-8")
    assert f"\n{field}:" in text
    path.write_text(text.replace(f"\n{field}:", f"\n{block}{field}:", 1), encoding="utf-8")


def assert_one_error(result: Result, where: str, message: str) -> None:
    """Exit status 2 and exactly one `digest: error: <where>: ...message...` line, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip("\n").split("\n")
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"digest: error: {where}: "), (lines[0], where)
    assert re.search(message, lines[0]), (message, lines[0])
    assert "Traceback" not in result.output


def check_and_build(content: Path, tmp_path: Path, where: str, message: str) -> None:
    """Both `digest check` and `digest build` report the one problem; build writes nothing."""
    assert_one_error(digest("check", "--content", content), where, message)
    out = tmp_path / "out"
    result = digest("build", "--content", content, "--out", out)
    assert_one_error(result, where, message)
    assert not out.exists()


# --- front matter: one case per hostile edit ------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """An edit of the seed paper: `block` goes before the `before:` line (or `old` becomes `new`), and
    the error is on the line holding `marker`, with `message` in it."""

    message: str
    marker: str
    block: str = ""
    before: str = "source"
    old: str = ""
    new: str = ""


BILLION_LAUGHS = 'lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"lol{i}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
)

FRONT_MATTER = {
    "self-referencing alias": Case(
        r"aliases \(\*a\) are not allowed: write the value out", "x: &a", "x: &a [*a]\n"
    ),
    "alias to a list": Case(r"aliases \(\*a\) are not allowed", "y: [*a", "x: &a [1, 2]\ny: [*a, *a]\n"),
    "alias without an anchor": Case(r"aliases \(\*nope\) are not allowed", "x: *nope", "x: *nope\n"),
    "anchor alone": Case(r"anchors \(&a\) are not allowed", "x: &a", "x: &a 1\n"),
    "duplicate key": Case(
        r"duplicate key 'title' \(also on line 3\): keep one", "title: Again", "title: Again\n"
    ),
    "duplicate nested key": Case(r"duplicate key 'label'", "  label: B", "x:\n  label: A\n  label: B\n"),
    "impossible date": Case(
        r"'2026-02-30' is not a YYYY-MM-DD date", "date:", old="date: 2026-05-09", new="date: 2026-02-30"
    ),
    "year zero": Case(
        r"'0000-01-01' is not a YYYY-MM-DD date", "date:", old="date: 2026-05-09", new="date: 0000-01-01"
    ),
    "date null": Case(r"null is not a YYYY-MM-DD date", "date:", old="date: 2026-05-09", new="date: null"),
    "impossible date in digests": Case(
        r"'2026-13-01' in 'digests' is not a YYYY-MM-DD date",
        "digests:",
        old="- 2026-05-09",
        new="- 2026-13-01",
    ),
    "null in digests": Case(
        r"null in 'digests' is not a YYYY-MM-DD date", "digests:", old="- 2026-05-09", new="- null"
    ),
    "digests not a list": Case(
        r"'digests' must be a list", "digests:", old="digests:\n- 2026-05-09", new="digests: 3"
    ),
    "impossible rank date": Case(
        r"'rank' key '2026-02-30' is not a YYYY-MM-DD date",
        "rank:",
        old="'2026-05-09': 36",
        new="2026-02-30: 36",
    ),
    "impossible published": Case(r"'published' '2026-02-30' is not", "published:", "published: 2026-02-30\n"),
    "timestamp with a bad offset": Case(
        r"'published' '2026-01-01 10:00:00 \+99:00' is not",
        "published:",
        "published: 2026-01-01 10:00:00 +99:00\n",
    ),
    "nesting too deep": Case(
        rf"nested more than {MAX_DEPTH} levels deep", "x: [[", "x: " + "[" * 60 + "]" * 60 + "\n"
    ),
    "nesting beyond libyaml": Case(
        r"exceeded maximum nesting depth", "x: [[", "x: " + "[" * 5000 + "]" * 5000 + "\n"
    ),
    # The list at depth MAX_DEPTH (the file's mapping is depth 0) starts on the line indented MAX_DEPTH - 1.
    "block nesting too deep": Case(
        rf"nested more than {MAX_DEPTH} levels deep",
        " " * (MAX_DEPTH - 1) + "- ",
        "x:\n" + "".join(" " * i + "- \n" for i in range(60)),
    ),
    "NUL byte": Case(
        r"control character U\+0000, which YAML refuses: remove it", "comment:", 'comment: "a\x00b"\n'
    ),
    "escape byte in the title": Case(
        r"control character U\+001B", "title:", old="title: A Deep", new="title: A \x1b[31mDeep"
    ),
    "bell in a block scalar": Case(r"control character U\+0007", "  x\x07", "comment: |\n  fine\n  x\x07y\n"),
    "title too long": Case(
        rf"'title' is 20,0\d\d characters, over the limit of {MAX_TITLE_CHARS:,}",
        "title:",
        old="title: A Deep",
        new="title: " + "x" * 20_000 + " A Deep",
    ),
    "string too long": Case(
        rf"a text of 200,000 characters is over the limit of {MAX_STRING_CHARS:,}",
        "comment:",
        f"comment: {'y' * 200_000}\n",
    ),
    "arxiv a mapping": Case(r"'arxiv' \{'x': 1\} is not an arXiv id", "arxiv:", "arxiv:\n  x: 1\n"),
    "arxiv a list": Case(r"'arxiv' \['2601.15305'\] is not an arXiv id", "arxiv:", "arxiv: ['2601.15305']\n"),
    "arxiv a number": Case(r"'arxiv' 2601.1531 must be quoted", "arxiv:", "arxiv: 2601.15310\n"),
    "javascript link": Case(
        r"link url 'javascript:alert\(1\)' must be an http:// or https:// URL",
        "links:",
        old="url: https://youtu.be/gCuUyGETbTU",
        new="url: javascript:alert(1)",
    ),
    "link without a host": Case(
        r"link url 'https:///x' must be",
        "links:",
        old="url: https://youtu.be/gCuUyGETbTU",
        new="url: https:///x",
    ),
    "link with a space": Case(
        r"link url 'https://you tu.be/x' must be",
        "links:",
        old="url: https://youtu.be/gCuUyGETbTU",
        new="url: https://you tu.be/x",
    ),
    "link a string": Case(
        r"link 'https://x.org' must have a 'label' and a 'url'",
        "links:",
        old="- label: Video\n  url: https://youtu.be/gCuUyGETbTU",
        new="- https://x.org",
    ),
    "authors not text": Case(r"'authors' must be a list of names", "authors:", "authors: [1, 2]\n"),
    "keywords a string": Case(r"'keywords' must be a list of keywords", "keywords:", "keywords: a, b\n"),
    "python tag": Case(
        r"the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
        "x: !!python",
        'x: !!python/object/apply:os.system ["echo hi"]\n',
    ),
    "binary tag": Case(
        r"the tag 'tag:yaml.org,2002:binary' is not allowed", "x: !!binary", "x: !!binary aGk=\n"
    ),
    "set tag": Case(r"the tag 'tag:yaml.org,2002:set' is not allowed", "x: !!set", "x: !!set {a}\n"),
    "local tag": Case(r"the tag '!foo' is not allowed", "x: !foo", "x: !foo bar\n"),
    "merge key": Case(r"merge keys \(<<\) are not allowed", "  <<:", "x:\n  <<: {a: 1}\n"),
    "list as a key": Case(r"a key must be a single value", "? [a]", "? [a]\n: 1\n"),
    "integer of 5000 digits": Case(r"cannot be read as int", "upvotes:", "upvotes: " + "1" * 5000 + "\n"),
    "bool tag on text": Case(r"'maybe' cannot be read as bool", "x: !!bool", "x: !!bool maybe\n"),
    "int tag on nothing": Case(r"'' cannot be read as int", "x: !!int", "x: !!int\n"),
    "second document": Case(
        r"not valid YAML: expected a single document in the stream, but found", "--- x", "--- x\n"
    ),
}


@pytest.mark.parametrize("case", FRONT_MATTER.values(), ids=FRONT_MATTER.keys())
def test_hostile_front_matter_is_one_error_at_its_line(content: Path, tmp_path: Path, case: Case) -> None:
    path = content / "papers" / PAPER
    if case.old:
        text = path.read_text(encoding="utf-8")
        assert case.old in text
        path.write_text(text.replace(case.old, case.new, 1), encoding="utf-8")
    else:
        insert_before(path, case.before, case.block)
    check_and_build(content, tmp_path, f"{path}:{line_of(path, case.marker)}", case.message)


def test_a_valid_upper_case_scheme_and_unquoted_dates_pass(content: Path, tmp_path: Path) -> None:
    """What the loader must keep accepting: an upper-case scheme, an unquoted rank date, a timestamp as
    `published`, `=` and `<<` as plain values, and BOM plus CRLF line ends."""
    path = content / "papers" / PAPER
    text = path.read_text(encoding="utf-8").replace(
        "https://youtu.be/gCuUyGETbTU", "HTTPS://youtu.be/gCuUyGETbTU"
    )
    text = text.replace("'2026-05-09': 36", "2026-05-09: 36")
    text = text.replace(
        "\nsource:", "\npublished: 2026-01-02 10:00:00\ncomment: =\nkeywords: ['<<']\nsource:"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    result = digest("check", "--content", content)
    assert result.exit_code == 0, result.output
    meta = read_content_file(path).meta
    assert meta["rank"] == {"2026-05-09": 36} and meta["published"] == "2026-01-02"
    assert meta["comment"] == "=" and meta["keywords"] == ["<<"]
    assert digest("build", "--content", content, "--out", tmp_path / "out").exit_code == 0
    page = (tmp_path / "out" / "papers" / path.stem / "index.html").read_text(encoding="utf-8")
    assert 'href="HTTPS://youtu.be/gCuUyGETbTU"' in page


# --- bombs: quick, bounded, in a subprocess with a memory limit ----------------------------------------


def limited_digest(*args: str | Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """`python -m generator ARGS` under a 1 GB address-space limit, and how long it took."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=120,
    )
    return result, time.monotonic() - start


BOMBS: dict[str, tuple[Callable[[str], str], str, str]] = {
    "billion laughs": (
        lambda text: text.replace("\nsource:", "\n" + BILLION_LAUGHS + "source:"),
        "lol0:",
        r"aliases \(\*a\) are not allowed",
    ),
    "5 MB title": (
        lambda text: text.replace("title: A Deep", "title: " + "x" * 5_000_000 + " A Deep"),
        "id:",
        rf"front matter is 5\.0 MB, over the limit of {MAX_YAML_BYTES / 1e6:.1f} MB",
    ),
    "nesting 100,000 deep": (
        lambda text: text.replace("\nsource:", "\nx: " + "[" * 100_000 + "]" * 100_000 + "\nsource:"),
        "x: [",
        r"exceeded maximum nesting depth",
    ),
}


@pytest.mark.parametrize(("edit", "marker", "message"), BOMBS.values(), ids=BOMBS.keys())
def test_bombs_end_quickly_in_one_line(
    content: Path, tmp_path: Path, edit: Callable[[str], str], marker: str, message: str
) -> None:
    path = content / "papers" / PAPER
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    where = f"{path}:{line_of(path, marker)}"
    out = tmp_path / "out"
    for args in (("check", "--content", content), ("build", "--content", content, "--out", out)):
        result, seconds = limited_digest(*args)
        assert seconds < SECONDS, (args[0], seconds)
        assert result.returncode == 2, result.stderr[-2000:]
        lines = result.stderr.strip("\n").split("\n")
        assert len(lines) == 1 and lines[0].startswith(f"digest: error: {where}: "), lines[0][:300]
        assert re.search(message, lines[0]), lines[0][:300]
    assert not out.exists()


# --- the content folder ---------------------------------------------------------------------------------


def test_papers_being_a_file_is_an_error(content: Path, tmp_path: Path) -> None:
    shutil.rmtree(content / "papers")
    (content / "papers").write_text("not a folder\n")
    check_and_build(content, tmp_path, f"{content / 'papers'}", r"is a file, not a folder")


@pytest.mark.parametrize("empty", [True, False], ids=["empty", "missing"])
def test_no_papers_is_an_error_not_an_empty_site(content: Path, tmp_path: Path, empty: bool) -> None:
    shutil.rmtree(content / "papers")
    if empty:
        (content / "papers").mkdir()
        (content / "papers" / "draft.md~").write_text("---\nnot: [valid\n")
    message = r"no papers yet: ingest a digest first \(digest ingest FILE\)"
    check_and_build(content, tmp_path, f"{content / 'papers'}", message)


def test_editor_files_beside_papers_are_ignored(content: Path) -> None:
    papers = content / "papers"
    (papers / f".#{PAPER}").symlink_to("user@host.1234:1700000000")  # emacs' lock: a dangling symlink
    (papers / f"{PAPER}~").write_text("---\ntitle: [broken backup\n")
    (papers / f".{PAPER}.swp").write_bytes(b"b0VIM 9.0\x00\x00\xff\xfe" * 100)
    result = digest("check", "--content", content)
    assert result.exit_code == 0, result.output
    assert "56 papers" in result.stdout


def test_a_broken_topics_file_is_its_one_error(content: Path, tmp_path: Path) -> None:
    """Not its error plus one "unknown topic" line per paper: topics are not checked without a taxonomy."""
    topics = content / "topics.yml"
    topics.write_text(topics.read_text(encoding="utf-8") + "  - slug: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_topics(topics)
    assert caught.value.line is not None and caught.value.line > 500
    check_and_build(content, tmp_path, f"{topics}:{caught.value.line}", r"not valid YAML")


TOPICS = {
    "duplicate key": (
        lambda t: t.replace("    description:", "    name: Again\n    description:", 1),
        "name: Again",
        r"duplicate key 'name' \(also on line \d+\): keep one",
    ),
    "alias": (lambda t: t.replace("topics:", "x: &a [1]\ny: *a\ntopics:", 1), "y: *a", r"aliases \(\*a\)"),
    "impossible date as a name": (
        lambda t: re.sub(r"(?m)^    name: .*$", "    name: 2026-02-30", t, count=1),
        "name: 2026-02-30",
        None,  # an impossible date is text, and a fine topic name: no error
    ),
    "NUL": (
        lambda t: t.replace("    name:", "    name: a\x00b\n    nam:", 1),
        "a\x00b",
        r"control character U\+0000",
    ),
    "bad UTF-8": (None, "name: caf", r"not valid UTF-8 text"),
}


@pytest.mark.parametrize(("edit", "marker", "message"), TOPICS.values(), ids=TOPICS.keys())
def test_hostile_topics_file_is_one_error_at_its_line(
    content: Path, tmp_path: Path, edit: Callable[[str], str] | None, marker: str, message: str | None
) -> None:
    topics = content / "topics.yml"
    if edit is None:
        topics.write_bytes(topics.read_bytes().replace(b"    name:", b"    name: caf\xe9\n    nam:", 1))
    else:
        topics.write_text(edit(topics.read_text(encoding="utf-8")), encoding="utf-8")
    if message is None:
        assert digest("check", "--content", content).exit_code == 0
        return
    check_and_build(content, tmp_path, f"{topics}:{line_of(topics, marker)}", message)


def test_topics_file_with_bom_and_crlf_loads(content: Path) -> None:
    topics = content / "topics.yml"
    topics.write_bytes(b"\xef\xbb\xbf" + topics.read_bytes().replace(b"\n", b"\r\n"))
    result = digest("check", "--content", content)
    assert result.exit_code == 0, result.output


SITE_YML = {
    "javascript repository": (
        "title: Lab\nrepository: 'javascript:alert(document.domain)//'\n",
        2,
        r"'repository' 'javascript:alert\(document.domain\)//' must be an http:// or https:// URL",
    ),
    "data repository": (
        "repository: data:text/html,<script>x</script>\n",
        1,
        r"'repository' .* must be an http",
    ),
    "repository without a host": ("repository: https://\n", 1, r"'repository' 'https://' must be"),
    "ftp base_url": (
        "title: Lab\n\nbase_url: ftp://example.org/\n",
        3,
        r"'base_url' 'ftp://example.org/' must be an absolute",
    ),
    "javascript base_url": ("base_url: javascript:alert(1)\n", 1, r"'base_url' .* must be an absolute http"),
    "base_url with a query": (
        "base_url: https://example.org/?a=1\n",
        1,
        r"'base_url' .* must be an absolute",
    ),
    "branch with dots": ("branch: ../../evil\n", 1, r"'branch' '\.\./\.\./evil' must be a branch name"),
    "branch with a space": ("branch: my branch\n", 1, r"'branch' 'my branch' must be a branch name"),
    "branch with a leading dash": ("branch: -x\n", 1, r"'branch' '-x' must be a branch name"),
    "branch with a query": ("branch: main?x=1\n", 1, r"'branch' 'main\?x=1' must be a branch name"),
    "empty branch": ("branch: ''\n", 1, r"'branch' '' must be a branch name"),
    "duplicate key": ("title: A\ntitle: B\n", 2, r"duplicate key 'title' \(also on line 1\)"),
    "alias": ("title: &t A\ndescription: *t\n", 2, r"aliases \(\*t\) are not allowed"),
    "impossible date": ("title: 2026-02-30\n", None, None),
    "javascript unsubscribe": (
        "mail:\n  unsubscribe: javascript:alert(1)\n",
        2,
        r"mail: 'unsubscribe' must be a mailto: or https: URL",
    ),
    "unsubscribe without a host": ("mail:\n  unsubscribe: https:///x\n", 2, r"mail: 'unsubscribe' must be"),
}


@pytest.mark.parametrize(("text", "line", "message"), SITE_YML.values(), ids=SITE_YML.keys())
def test_hostile_site_yml_is_one_error_at_its_line(
    content: Path, tmp_path: Path, text: str, line: int | None, message: str | None
) -> None:
    (content / "site.yml").write_text(text, encoding="utf-8")
    if message is None:
        assert digest("check", "--content", content).exit_code == 0
        return
    check_and_build(content, tmp_path, f"{content / 'site.yml'}:{line}", message)


def test_good_site_urls_make_good_links(content: Path, tmp_path: Path) -> None:
    (content / "site.yml").write_text(
        "base_url: HTTPS://lab.example.org/digest/\nrepository: https://github.com/lab/digest\n"
        "branch: release/v1.2\nmail:\n  unsubscribe: HTTPS://lab.example.org/leave\n",
        encoding="utf-8",
    )
    result = digest("build", "--content", content, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "papers" / Path(PAPER).stem / "index.html").read_text(encoding="utf-8")
    assert f'href="https://github.com/lab/digest/edit/release/v1.2/content/papers/{PAPER}"' in page


def test_a_bad_base_url_option_is_still_blamed_on_the_option(content: Path, tmp_path: Path) -> None:
    result = digest("build", "--content", content, "--out", tmp_path / "out", "--base-url", "javascript:x")
    assert result.exit_code == 2
    assert result.stderr.startswith("digest: error: --base-url 'javascript:x' must be an absolute http")
    assert not (tmp_path / "out").exists()


# --- the loader's own contract ---------------------------------------------------------------------------


def test_the_dumper_never_writes_aliases_and_the_loader_reads_its_output() -> None:
    shared = ["2026-05-09"]
    text = dump_yaml({"digests": shared, "again": shared, "day": date(2026, 5, 9)})
    assert "&" not in text and "*" not in text
    assert load_yaml(text, Path("x.yml")) == {"digests": shared, "again": shared, "day": "2026-05-09"}


def test_a_large_manifest_limit_is_available() -> None:
    """ingested.yml may pass 1 MB after years of daily digests; its loader passes the larger limit."""
    entry = (
        "- file: digests/2026-05-09-hf-trending-may-9.txt\n  sha256: "
        + "a" * 64
        + "\n  date: 2026-05-09\n  format: hf-page\n  papers: 5\n"
    )
    text = "digests:\n" + entry * 6_000
    assert len(text) > MAX_YAML_BYTES
    with pytest.raises(ContentError, match="over the limit"):
        load_yaml(text, Path("ingested.yml"))
    assert len(load_yaml(text, Path("ingested.yml"), max_bytes=MAX_MANIFEST_BYTES)["digests"]) == 6_000


# --- whatever ingest writes passes check and build --------------------------------------------------------

# Text a digest may carry: any character but surrogates and the backslash and backtick (TeX accents and
# ``quotes'' are rewritten by ingest on purpose), mixed with YAML, Jinja, HTML and Markdown specials.
SPECIALS = [
    "yes",
    "no",
    "~",
    "null",
    "- ",
    ": ",
    "? ",
    "&a",
    "*a",
    "!!python/object:os.system",
    "!foo",
    "---",
    "...",
    "\r\n",
    "\ufeff",
    "{{ 7*7 }}",
    "{% raw %}",
    "<script>alert(1)</script>",
    "#",
    "%YAML 1.1",
    "@",
    "|",
    ">",
    "'",
    '"',
    "[",
    "]",
    "{",
    "}",
    ",",
    "中文",
    "🚀",
    "\u2028",
    "\x85",
    "\x00",
    "\x07",
    "\t",
    " ",
    "2026-02-30",
    "0x1F",
    "1e999",
    "<<",
    "=",
]
TEXT = st.lists(
    st.one_of(
        st.sampled_from(SPECIALS),
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\\`"), max_size=12),
    ),
    min_size=1,
    max_size=8,
).map("".join)
URLS = st.one_of(
    st.sampled_from(
        [
            "HTTPS://GitHub.com/A/B",
            "HtTp://Example.ORG/x?y=1#z",
            "https://exa mple.org/x",
            "javascript:alert(1)",
            "https://",
            "https://x.org/a\x00b",
            "ftp://x.org/f",
            "www.Example.com/Path",
            "https://[::1",
        ]
    ),
    TEXT,
)


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, object]]:
    """One to three JSON-lines records with hostile titles, abstracts, authors and links; the `P<n> `
    prefix keeps their titles distinct, so ingest never takes two for one paper."""
    count = draw(st.integers(1, 3))
    out = []
    for index in range(count):
        url = draw(URLS)
        record = {
            "title": f"P{index} " + draw(TEXT),
            "abstract": draw(TEXT) + f" see {draw(URLS)} and {url.upper()} " + draw(TEXT),
            "authors": draw(st.lists(TEXT, max_size=4)),
            "url": url,
        }
        out.append(record)
    return out


def expected_authors(authors: list[str]) -> list[str]:
    return list(dict.fromkeys(name for name in (normalize_space(a) for a in authors) if name))


@pytest.mark.fuzz
@fuzz_settings(25)
@given(papers=records())
# Known cases first (they fail without shrinking): links that ingest must normalise or drop.
@example(
    papers=[
        {"title": "P0 a", "abstract": "see HTTPS://GitHub.com/A/B", "authors": [], "url": "HTTPS://x.org"}
    ]
)
@example(
    papers=[{"title": "P0 a", "abstract": "see https://[::1 here", "authors": ["~"], "url": "https://[::1"}]
)
@example(
    papers=[{"title": "P0 &a *a", "abstract": "x", "authors": ["- x"], "url": "https://exa mple.org/x y"}]
)
def test_whatever_ingest_writes_passes_check_and_build(
    papers: list[dict[str, object]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The real `digest ingest --format jsonl`, then `digest check` and `digest build`: what ingest writes
    is valid content, titles and authors come back as written (whitespace collapsed), and every link is
    http(s) in lower case."""
    root = tmp_path_factory.mktemp("ingest")
    content = root / "content"
    content.mkdir()
    shutil.copy(REPO / "content" / "topics.yml", content / "topics.yml")
    source = root / "hostile.jsonl"
    source.write_text("".join(json.dumps(record) + "\n" for record in papers), encoding="utf-8")
    result = digest("ingest", "--content", content, "--format", "jsonl", "--date", "2026-05-09", source)
    assert result.exit_code == 0, result.output
    check = digest("check", "--content", content)
    assert check.exit_code == 0, check.output
    build = digest("build", "--content", content, "--out", root / "out")
    assert build.exit_code == 0, build.output
    metas = [read_content_file(path).meta for path in (content / "papers").glob("*.md")]
    written = {meta["title"]: meta for meta in metas}
    for record in papers:
        meta = written[normalize_space(str(record["title"]))]
        assert meta.get("authors", []) == expected_authors(record["authors"])  # type: ignore[arg-type]
        assert all(
            is_web_url(link["url"]) and link["url"].split("://")[0] in ("http", "https")
            for link in meta["links"]
        )

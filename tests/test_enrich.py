"""`digest enrich` against a local server replaying real arXiv API answers.

Bare titles (as a copied trending page gives them) are looked up by exact title; the cases are an
exact match (new-style and old hard-wrapped answers), an ambiguous title, no match, a field set by
hand that must survive, the 3-second pace, the cache that makes a rerun request nothing, and --dry-run.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from generator import PROJECT_URL
from generator.cli import main

from .common import SHARED, snapshot

ATOM = SHARED / "samples" / "arxiv-atom"
MANA = "Mana: Dexterous Manipulation of Articulated Tools"
RDD = "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks"
CUP = "Adjusted Cup-Product Neural Layer"
NOBODY = "A Paper Nobody Wrote: On Titles That Match Nothing"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def paper_file(content: Path, title: str) -> Path:
    return next(p for p in (content / "papers").glob("*.md") if front(p)["title"] == title)


@pytest.fixture
def bare_site(content_dir: Path, tmp_path: Path) -> Path:
    """A content folder with four papers known only by title and abstract, one with a hand-set comment."""
    if not ATOM.exists():
        pytest.skip(f"../shared is absent: {ATOM} not found")
    digest = tmp_path / "2026-06-14-titles.jsonl"
    records = [{"title": t, "summary": f"The abstract of {t}."} for t in (MANA, RDD, CUP, NOBODY)]
    digest.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert run("ingest", "--content", content_dir, "--format", "jsonl", digest).exit_code == 0
    mana = paper_file(content_dir, MANA)
    text = mana.read_text(encoding="utf-8")
    mana.write_text(text.replace("\nsource:", "\ncomment: Read this one first (our note).\nsource:"), "utf-8")
    assert all("arxiv" not in front(p) for p in (content_dir / "papers").glob("*.md"))
    return content_dir


def replay(server: HTTPServer, times: list[float]) -> None:
    """arXiv's answers by title query: the real responses, and one made ambiguous by a second entry that
    has the same title under another id (as happens when a paper is posted twice)."""
    transformer = (ATOM / "query-transformer.xml").read_text(encoding="utf-8")
    ambiguous = transformer.replace(
        "<title>Multiagent Protocols with Aggregated Confidence Signals</title>", f"<title>{CUP}</title>"
    )
    answers = {
        MANA: transformer,
        RDD: (ATOM / "query-cs-ro-2025-10-17.xml").read_text(encoding="utf-8"),
        CUP: ambiguous,
        NOBODY: (ATOM / "query-empty.xml").read_text(encoding="utf-8"),
    }
    by_query = {f'ti:"{" ".join(_words(title))}"': body for title, body in answers.items()}

    def handler(request: Request) -> Response:
        times.append(time.monotonic())
        body = by_query.get(request.args["search_query"])
        return Response(body or "unexpected query", status=200 if body else 400)

    server.expect_request("/api/query").respond_with_handler(handler)


def _words(title: str) -> list[str]:
    return re.findall(r"\w+", title.casefold())


def enrich(server: HTTPServer, content: Path, *args: str) -> Result:
    return run("enrich", "--content", content, "--endpoint", server.url_for(""), "--delay", "0.2", *args)


def test_enrich_fills_exact_matches_only_and_keeps_hand_edits(
    httpserver: HTTPServer, bare_site: Path
) -> None:
    times: list[float] = []
    replay(httpserver, times)
    cup_before = paper_file(bare_site, CUP).read_bytes()
    nobody_before = paper_file(bare_site, NOBODY).read_bytes()
    result = enrich(httpserver, bare_site)
    assert result.exit_code == 0, result.output

    mana = front(paper_file(bare_site, MANA))
    assert mana["arxiv"] == "2606.13677"
    assert mana["authors"] == ["Zhao-Heng Yin", "Guanya Shi", "Pieter Abbeel", "C. Karen Liu"]
    assert mana["categories"][0] == "cs.RO" and "cs.LG" in mana["categories"]
    assert str(mana["published"]) == "2026-06-11"
    assert mana["comment"] == "Read this one first (our note)."  # set by hand: never overwritten
    assert mana["title"] == MANA and [str(d) for d in mana["digests"]] == ["2026-06-14"]  # no date added

    rdd = front(paper_file(bare_site, RDD))  # from the old, hard-wrapped answer
    assert rdd["arxiv"] == "2510.14968" and rdd["categories"][0] == "cs.RO"

    assert paper_file(bare_site, CUP).read_bytes() == cup_before
    assert paper_file(bare_site, NOBODY).read_bytes() == nobody_before
    assert "ambiguous: " in result.output and "2606.13568, 2606.13591" in result.output
    assert "not found: " in result.output and NOBODY in result.output
    assert "2 matched, 1 ambiguous, 1 not found, 0 skipped; wrote 2 file(s); 4 request(s)" in result.output

    requests = [request for request, _ in httpserver.log]
    assert all(PROJECT_URL in request.headers["User-Agent"] for request in requests)
    assert {request.args["max_results"] for request in requests} == {"25"}
    assert all(b - a >= 0.15 for a, b in itertools.pairwise(times))  # --delay 0.2, paced
    assert run("check", "--content", bare_site).exit_code == 0

    # A rerun asks the network nothing: the two unresolved titles come from the cache.
    again = enrich(httpserver, bare_site)
    assert again.exit_code == 0, again.output
    assert len(httpserver.log) == 4
    assert "0 request(s), 2 answer(s) from the cache" in again.output


def test_dry_run_writes_nothing_and_the_real_run_then_needs_no_request(
    httpserver: HTTPServer, bare_site: Path
) -> None:
    replay(httpserver, [])
    papers_before = snapshot(bare_site / "papers")
    dry = enrich(httpserver, bare_site, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert snapshot(bare_site / "papers") == papers_before
    assert (
        f"matched: {paper_file(bare_site, MANA).name}: arXiv 2606.13677: would fill authors, arxiv"
        in dry.output
    )
    assert "would write 2 file(s)" in dry.output
    real = enrich(httpserver, bare_site)
    assert real.exit_code == 0
    assert len(httpserver.log) == 4  # every answer came from the dry run's cache
    assert front(paper_file(bare_site, MANA))["arxiv"] == "2606.13677"


def test_an_api_failure_writes_nothing(httpserver: HTTPServer, bare_site: Path) -> None:
    httpserver.expect_request("/api/query").respond_with_data("maintenance", status=503)
    before = snapshot(bare_site)
    result = run("enrich", "--content", bare_site, "--endpoint", httpserver.url_for(""), "--delay", "0")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert (
        line.startswith("digest: error: ") and "HTTP 503" in line and line.endswith("(nothing was written)")
    )
    assert snapshot(bare_site) == before


def test_a_mistyped_content_folder_is_an_error(tmp_path: Path) -> None:
    result = run("enrich", "--content", tmp_path / "contnet", "--delay", "0")
    assert result.exit_code == 2
    folder = tmp_path / "contnet"
    assert result.stderr.strip() == (
        f"digest: error: {folder}: is not a folder (pass --content DIR) (nothing was written)"
    )

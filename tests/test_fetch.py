"""`digest fetch hf` and `digest fetch arxiv` against a local server replaying real API answers.

No test reaches the internet: pytest-httpserver on 127.0.0.1 answers with the responses in
../shared/samples, and each test checks the requests the command made (path, query, User-Agent, the
pause between them) as well as what landed in content/.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from generator import PROJECT_URL
from generator.cli import main

from .common import REPO, SHARED, snapshot

HF_SAMPLE = SHARED / "samples" / "hf-api" / "daily-papers-2026-06-12.json"
ATOM = SHARED / "samples" / "arxiv-atom"
DAY = "2026-06-12"


@pytest.fixture(autouse=True)
def _samples() -> None:
    if not HF_SAMPLE.exists():
        pytest.skip(f"../shared is absent: {HF_SAMPLE} not found")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def hf(server: HTTPServer, content: Path, *args: str) -> Result:
    return run("fetch", "hf", "--endpoint", server.url_for(""), "--content", content, *args)


def arxiv(server: HTTPServer, content: Path, *args: str) -> Result:
    return run("fetch", "arxiv", "--endpoint", server.url_for(""), "--content", content, *args)


def timed(body: str | bytes, times: list[float], status: int = 200) -> Callable[[Request], Response]:
    """A handler answering `body` that notes when each request arrived."""

    def handler(request: Request) -> Response:
        times.append(time.monotonic())
        return Response(body, status=status, content_type="application/json")

    return handler


def one_error_line(result: Result) -> str:
    """The command failed as a user error: exit 2, one `digest: error:` line, no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digest: error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def papers(content: Path) -> list[Path]:
    return sorted((content / "papers").glob("*.md"))


def test_fetch_hf_saves_the_raw_answer_and_ingests_it(httpserver: HTTPServer, content_dir: Path) -> None:
    raw = HF_SAMPLE.read_bytes()
    httpserver.expect_ordered_request("/api/daily_papers", query_string={"date": DAY}).respond_with_data(
        raw, content_type="application/json"
    )
    result = hf(httpserver, content_dir, "--date", DAY)
    assert result.exit_code == 0, result.output
    saved = content_dir / "digests" / f"{DAY}-hf-daily.json"
    assert saved.read_bytes() == raw
    assert len(papers(content_dir)) == 30
    manifest = yaml.safe_load((content_dir / "ingested.yml").read_text())["digests"]
    assert manifest == [
        {
            "file": f"digests/{DAY}-hf-daily.json",
            "sha256": manifest[0]["sha256"],
            "date": DAY,
            "format": "hf-json",
            "papers": 30,
        }
    ]
    [(request, _)] = httpserver.log
    user_agent = request.headers["User-Agent"]
    assert user_agent.startswith("research-digest/") and PROJECT_URL in user_agent
    assert "30 papers" in result.output and "1 request(s)" in result.output
    # The most upvoted paper of the day is #1, and the arXiv id, authors and upvotes came along.
    first = max(json.loads(raw), key=lambda item: item["paper"]["upvotes"])["paper"]
    front = [yaml.safe_load(p.read_text().split("---")[1]) for p in papers(content_dir)]
    top = next(meta for meta in front if meta["rank"] == {DAY: 1})
    assert top["arxiv"] == first["id"] and top["upvotes"] == first["upvotes"]
    assert top["authors"] == [a["name"] for a in first["authors"]]


def test_fetching_the_same_day_again_changes_nothing(httpserver: HTTPServer, content_dir: Path) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_data(HF_SAMPLE.read_bytes())
    assert hf(httpserver, content_dir, "--date", DAY).exit_code == 0
    before = snapshot(content_dir)
    again = hf(httpserver, content_dir, "--date", DAY)
    assert again.exit_code == 0, again.output
    assert "already ingested" in again.output
    assert snapshot(content_dir) == before


def test_an_empty_day_saves_nothing_and_is_not_an_error(httpserver: HTTPServer, content_dir: Path) -> None:
    httpserver.expect_request("/api/daily_papers", query_string={"date": "2026-06-13"}).respond_with_data(
        "[]"
    )
    before = snapshot(content_dir)
    result = hf(httpserver, content_dir, "--date", "2026-06-13")
    assert result.exit_code == 0, result.output
    assert "no papers on 2026-06-13: nothing saved" in result.output
    assert snapshot(content_dir) == before


def test_429_with_retry_after_is_waited_out_then_succeeds(httpserver: HTTPServer, content_dir: Path) -> None:
    times: list[float] = []
    httpserver.expect_ordered_request("/api/daily_papers").respond_with_handler(
        lambda request: (times.append(time.monotonic()), Response("slow down", 429, {"Retry-After": "1"}))[1]
    )
    httpserver.expect_ordered_request("/api/daily_papers").respond_with_handler(
        timed(HF_SAMPLE.read_bytes(), times)
    )
    result = hf(httpserver, content_dir, "--date", DAY)
    assert result.exit_code == 0, result.output
    assert len(times) == 2 and times[1] - times[0] >= 0.95  # Retry-After: 1 was honoured
    assert "retried after 429" in result.output
    assert "2 request(s)" in result.output
    assert len(papers(content_dir)) == 30


def test_503_three_times_is_one_clear_error_and_nothing_written(
    httpserver: HTTPServer, content_dir: Path
) -> None:
    times: list[float] = []
    httpserver.expect_request("/api/daily_papers").respond_with_handler(timed("overloaded", times, 503))
    before = snapshot(content_dir)
    line = one_error_line(hf(httpserver, content_dir, "--date", DAY))
    assert line == (
        f"digest: error: {httpserver.url_for('/api/daily_papers')}?date={DAY}: HTTP 503 SERVICE UNAVAILABLE "
        "after 3 attempts: overloaded (nothing was written)"
    )
    assert len(times) == 3
    assert times[2] - times[1] >= 1.9  # exponential backoff between the retries
    assert snapshot(content_dir) == before


def test_a_server_that_never_answers_times_out(content_dir: Path) -> None:
    with HTTPServer("127.0.0.1", 0, threaded=True) as server:
        server.expect_request("/api/daily_papers").respond_with_handler(
            lambda request: (time.sleep(1.0), Response("[]"))[1]
        )
        before = snapshot(content_dir)
        line = one_error_line(hf(server, content_dir, "--date", DAY, "--timeout", "0.3"))
        assert "no answer within 0.3 s (3 attempts) (nothing was written)" in line
        assert snapshot(content_dir) == before


def test_a_truncated_answer_writes_nothing(httpserver: HTTPServer, content_dir: Path) -> None:
    raw = HF_SAMPLE.read_bytes()
    httpserver.expect_request("/api/daily_papers").respond_with_data(raw[: len(raw) // 2])
    before = snapshot(content_dir)
    line = one_error_line(hf(httpserver, content_dir, "--date", DAY))
    assert ": the response is not valid JSON: " in line and line.endswith("(nothing was written)")
    assert snapshot(content_dir) == before


def test_since_walks_day_by_day_up_to_today(httpserver: HTTPServer, content_dir: Path) -> None:
    raw = HF_SAMPLE.read_text()
    for day, body in (("2026-06-11", raw.replace(DAY, "2026-06-11")), ("2026-06-12", raw)):
        httpserver.expect_ordered_request("/api/daily_papers", query_string={"date": day}).respond_with_data(
            body
        )
    httpserver.expect_request("/api/daily_papers").respond_with_data("[]")  # every later day: empty
    result = run(
        "fetch",
        "hf",
        "--since",
        "2026-06-11",
        "--endpoint",
        httpserver.url_for(""),
        "--content",
        content_dir,
        "--delay",
        "0",
    )
    assert result.exit_code == 0, result.output
    today = datetime.now(UTC).date()
    days = (today - date(2026, 6, 11)).days + 1
    asked = [request.args["date"] for request, _ in httpserver.log]
    assert asked == [(date(2026, 6, 11) + timedelta(days=n)).isoformat() for n in range(days)]
    assert sorted(p.name for p in (content_dir / "digests").iterdir()) == [
        "2026-06-11-hf-daily.json",
        "2026-06-12-hf-daily.json",
    ]
    assert f"fetch hf: {days} day(s), {days} request(s), 60 papers" in result.output


def test_date_and_since_together_are_refused(httpserver: HTTPServer, content_dir: Path) -> None:
    line = one_error_line(hf(httpserver, content_dir, "--date", DAY, "--since", DAY))
    assert "--date and --since cannot be used together" in line
    assert httpserver.log == []


def test_no_server_is_one_line(content_dir: Path) -> None:
    with HTTPServer("127.0.0.1", 0) as server:
        endpoint = server.url_for("")
    result = run("fetch", "hf", "--date", DAY, "--endpoint", endpoint, "--content", content_dir)
    assert "cannot connect: " in one_error_line(result)


def test_fetch_arxiv_pages_at_the_requested_pace(httpserver: HTTPServer, content_dir: Path) -> None:
    times: list[float] = []
    first, second = (
        (ATOM / "query-transformer.xml").read_text(),
        (ATOM / "query-cs-ro-2025-10-17.xml").read_text(),
    )
    httpserver.expect_ordered_request("/api/query").respond_with_handler(timed(first, times))
    httpserver.expect_ordered_request("/api/query").respond_with_handler(timed(second, times))
    result = arxiv(
        httpserver,
        content_dir,
        "--query",
        "cat:cs.RO",
        "--date",
        "2025-10-17",
        "--max",
        "7",
        "--page-size",
        "5",
        "--delay",
        "0.5",
    )
    assert result.exit_code == 0, result.output
    (one, _), (two, _) = httpserver.log
    assert one.path == two.path == "/api/query"
    query = "(cat:cs.RO) AND submittedDate:[202510170000 TO 202510172359]"
    assert one.args.to_dict() == {
        "search_query": query,
        "start": "0",
        "max_results": "5",
        "sortBy": "submittedDate",
        "sortOrder": "descending",
    }
    assert (two.args["start"], two.args["max_results"]) == ("5", "2")
    assert PROJECT_URL in one.headers["User-Agent"]
    assert times[1] - times[0] >= 0.45  # --delay 0.5 between the starts (the client's clock, not ours)
    saved = content_dir / "digests" / "2025-10-17-arxiv-cat-cs-ro.xml"
    assert saved.read_text().count("<entry>") == 7
    assert len(papers(content_dir)) == 7
    assert "7 papers of 28946" in result.output and "2 request(s)" in result.output
    manifest = yaml.safe_load((content_dir / "ingested.yml").read_text())["digests"]
    assert [(e["date"], e["format"], e["papers"]) for e in manifest] == [("2025-10-17", "arxiv-atom", 7)]


def test_fetch_arxiv_again_with_a_new_timestamp_changes_nothing(
    httpserver: HTTPServer, content_dir: Path
) -> None:
    text = (ATOM / "query-transformer.xml").read_text()
    httpserver.expect_ordered_request("/api/query").respond_with_data(text)
    httpserver.expect_ordered_request("/api/query").respond_with_data(
        text.replace("2026-06-14T02:30:47Z", "2026-06-14T09:12:00Z")
    )
    args = ("--query", "all:transformer AND cat:cs.LG", "--date", "2026-06-14", "--delay", "0")
    assert arxiv(httpserver, content_dir, *args).exit_code == 0
    before = snapshot(content_dir)
    again = arxiv(httpserver, content_dir, *args)
    assert again.exit_code == 0, again.output
    assert "unchanged since the last fetch" in again.output
    assert snapshot(content_dir) == before


def test_an_arxiv_error_feed_is_reported(httpserver: HTTPServer, content_dir: Path) -> None:
    error_feed = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "  <title>ArXiv Query: search_query=cat:&amp;id_list=&amp;start=0&amp;max_results=100</title>\n"
        "  <id>http://arxiv.org/api/lMt3Ex8NI7i3Bro1UX6oB3sH/a4</id>\n"
        "  <updated>2026-06-14T00:00:00-04:00</updated>\n  <entry>\n"
        "    <id>http://arxiv.org/api/errors#incorrect_id_format_for_cat:</id>\n"
        "    <title>Error</title>\n    <summary>malformed query: cat:</summary>\n  </entry>\n</feed>\n"
    )
    httpserver.expect_request("/api/query").respond_with_data(error_feed)
    before = snapshot(content_dir)
    line = one_error_line(arxiv(httpserver, content_dir, "--query", "cat:", "--delay", "0"))
    assert "the response is an error response from the arXiv API: malformed query: cat:" in line
    assert snapshot(content_dir) == before


def test_an_arxiv_query_with_no_results_saves_nothing(httpserver: HTTPServer, content_dir: Path) -> None:
    httpserver.expect_request("/api/query").respond_with_data((ATOM / "query-empty.xml").read_bytes())
    before = snapshot(content_dir)
    result = arxiv(httpserver, content_dir, "--query", "cat:cs.RO AND nonexistentquery", "--delay", "0")
    assert result.exit_code == 0, result.output
    assert "the query matched no papers: nothing saved" in result.output
    assert snapshot(content_dir) == before


def test_build_and_check_never_touch_the_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only fetch and enrich open connections: with every connect refused, build and check still work,
    and neither imports the HTTP stack."""
    import socket
    import subprocess
    import sys

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access during build: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    content = REPO / "content"
    built = run("build", "--content", content, "--out", tmp_path / "site")
    assert built.exit_code == 0, built.output
    assert run("check", "--content", content, "--site", tmp_path / "site").exit_code == 0
    probe = "import sys, generator.cli, generator.build, generator.site; print('requests' in sys.modules)"
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "False"


def test_arxiv_file_names_and_day_queries() -> None:
    from generator.fetch.arxiv import digest_name, search_query

    assert digest_name("cat:cs.LG", date(2026, 6, 12)) == "2026-06-12-arxiv-cat-cs-lg.xml"
    assert digest_name('ti:"../../etc"', date(2026, 6, 12)) == "2026-06-12-arxiv-ti-etc.xml"
    assert digest_name("李雷", date(2026, 6, 12)) == "2026-06-12-arxiv-query.xml"
    assert search_query("cat:cs.LG", None) == "cat:cs.LG"
    assert search_query("cat:cs.LG OR cat:cs.AI", date(2026, 6, 12)) == (
        "(cat:cs.LG OR cat:cs.AI) AND submittedDate:[202606120000 TO 202606122359]"
    )


def test_pages_combine_into_one_atom_document() -> None:
    from generator.fetch.arxiv import _combine
    from generator.fetch.save import parse_response
    from generator.ingest import arxiv_atom

    first = (ATOM / "query-transformer.xml").read_text()
    second = (ATOM / "query-cs-ro-2025-10-17.xml").read_text()
    entries = re.findall(r"<entry>.*?</entry>", first, re.DOTALL) + re.findall(
        r"<entry>.*?</entry>", second, re.DOTALL
    )
    combined = _combine(first, entries)
    parsed = parse_response(arxiv_atom, combined, "combined")
    assert [p.arxiv for p in parsed.papers][-2:] == ["2510.14968", "2510.14827"]
    assert len(parsed.papers) == 7 and combined.startswith(first[: first.index("<entry>")])
    assert _combine(first, entries[:5]) == first

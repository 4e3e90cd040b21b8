"""The same content gives byte-identical sites whatever the machine's hash seed, time zone or locale.

Each build runs in its own process, so PYTHONHASHSEED really differs (set iteration order, dict order of
sets turned into lists), and TZ and LANG reach `time`, `locale` and `datetime` as they would on a
reader's laptop, a CI runner in UTC, or a server with `LANG=C`.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

from .common import SHARED, snapshot

ENVIRONMENTS = (
    {"PYTHONHASHSEED": "0", "TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    {"PYTHONHASHSEED": "12345", "TZ": "Pacific/Kiritimati", "LANG": "C", "LC_ALL": "C"},
    {"PYTHONHASHSEED": "987654321", "TZ": "America/Adak", "LANG": "de_DE.UTF-8", "LC_ALL": ""},
)


def run(env: dict[str, str], *args: str | Path) -> None:
    full = {**os.environ, **env}
    result = subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)], capture_output=True, text=True, env=full
    )
    assert result.returncode == 0, result.stderr


def test_ingest_and_build_identical_across_hash_seed_time_zone_and_locale(
    tmp_path: Path, content_dir: Path, seed_path: Path
) -> None:
    sites: list[dict[str, bytes]] = []
    contents: list[dict[str, bytes]] = []
    for number, env in enumerate(ENVIRONMENTS):
        content = tmp_path / f"content-{number}"
        content.mkdir()
        (content / "topics.yml").write_bytes((content_dir / "topics.yml").read_bytes())
        run(env, "ingest", "--content", content, "--date", "2026-05-09", seed_path)
        out = tmp_path / f"site-{number}"
        run(env, "build", "--content", content, "--out", out, "--base-url", "https://example.org/digest/")
        contents.append(snapshot(content))
        sites.append(snapshot(out))
    for other in contents[1:]:
        assert other == contents[0]
    for other in sites[1:]:
        differing = sorted(
            name for name in set(other) | set(sites[0]) if other.get(name) != sites[0].get(name)
        )
        assert not differing, differing[:10]
    assert len(sites[0]) > 100


def test_ingest_on_every_core_writes_what_one_process_writes(tmp_path: Path, content_dir: Path) -> None:
    """A digest big enough to fork for (normalising, topics and new files' text on every core) gives the
    same content/ byte for byte as the same digest ingested with DIGEST_WORKERS=1."""
    corpus = SHARED / "corpora" / "arxiv-cs-abstracts-50k.jsonl.gz"
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        lines = [next(handle) for _ in range(1500)]
    digest = tmp_path / "corpus-1500.jsonl"
    digest.write_text("".join(lines), encoding="utf-8")
    contents: list[dict[str, bytes]] = []
    for workers in ("1", "2"):
        content = tmp_path / f"content-{workers}"
        content.mkdir()
        (content / "topics.yml").write_bytes((content_dir / "topics.yml").read_bytes())
        run({"DIGEST_WORKERS": workers}, "ingest", "--content", content, "--date", "2026-07-01", digest)
        contents.append(snapshot(content))
    assert len([name for name in contents[0] if name.startswith("papers/")]) == 1500
    assert contents[1] == contents[0]

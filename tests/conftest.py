"""Shared fixtures: the seed digest, a fresh content folder per test, one headless Chromium per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import site_support as support
from .common import REPO, SEED


@pytest.fixture
def seed_path() -> Path:
    """The founding digest; tests that need it skip (with the reason) when ../shared is absent."""
    if not SEED.exists():
        pytest.skip(f"../shared is absent: {SEED} not found (tests on real digests need it)")
    return SEED


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """An empty content folder holding only the project's taxonomy, as a new site would."""
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(REPO / "content" / "topics.yml", content / "topics.yml")
    return content


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver's replay server listens on 127.0.0.1 (any free port), never a real host."""
    return ("127.0.0.1", 0)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium for the session's browser tests, started when the first one needs it (skips
    locally, fails in CI, when it is missing). Every test opens its pages in a browser context of its own
    (`site_support.new_page`: no cookies, storage or cache shared), so one browser serves all modules and
    each module no longer pays for starting and stopping one."""
    with support.chromium() as browser:
        yield browser

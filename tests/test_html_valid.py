"""Every HTML page of the built seed site passes the Nu HTML Checker (vnu.jar, the W3C validator's engine).

One JVM checks all pages at once, which keeps this to a few seconds. Without Java or vnu.jar the test
skips on a developer's machine and fails in CI (see site_support).
"""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from . import site_support as support

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return support.seed_site(tmp_path_factory)


def run_vnu(files: list[Path]) -> list[dict[str, object]]:
    """The checker's error messages for `files` (warnings and info are left out with --errors-only)."""
    support.require_java()
    support.require_node_file(support.VNU_JAR)
    command = [*support.VNU_COMMAND, "--errors-only", "--format", "json", "--stdout"]
    done = subprocess.run([*command, *map(str, files)], capture_output=True, text=True, timeout=300)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"vnu gave no JSON report (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    # "error", and "non-document-error" (a file it could not read or parse) both count.
    return [m for m in report["messages"] if m.get("type") != "info"]


def test_every_page_is_valid_html(seed: Path) -> None:
    pages = sorted(seed.rglob("*.html"))
    assert len(pages) > 56, f"expected a page per paper and more, found {len(pages)} HTML files"
    errors = run_vnu(pages)
    lines = []
    for m in errors:
        path = Path(unquote(urlsplit(str(m.get("url", ""))).path))
        where = path.relative_to(seed) if path.is_relative_to(seed) else path
        lines.append(f"{where}:{m.get('lastLine', '?')}: {m.get('message')}\n    {m.get('extract', '')!r}")
    for line in lines:
        print(line)
    assert not errors, f"vnu found {len(errors)} error(s) in {len(pages)} pages:\n" + "\n".join(lines)


def test_feeds_and_sitemap_are_well_formed_xml(seed: Path) -> None:
    feeds = [seed / "feed.xml", *sorted(seed.glob("topics/*/feed.xml"))]
    assert len(feeds) > 1, "the site should have feed.xml and a feed per topic"
    for feed in feeds:
        root = ET.parse(feed).getroot()
        assert root.tag == f"{ATOM}feed", f"{feed.relative_to(seed)} is not an Atom feed: <{root.tag}>"
    sitemap = ET.parse(seed / "sitemap.xml").getroot()
    assert sitemap.tag.endswith("urlset"), f"sitemap.xml has <{sitemap.tag}> at its root"

"""The generator as others get it: a wheel installed in a fresh venv, far from this checkout, builds a new
site folder; and a plugin package installed next to it adds a digest format and a page.

The wheel is built from a copy of the sources (setuptools writes build/ and egg-info where it builds)
with the dev venv's setuptools and no network. The fresh venv has no pip and installs nothing from an
index: the wheel is installed into it by the dev venv's pip (`pip --python`), and its dependencies come
from the dev venv's site-packages through a `.pth` line. That line only appends the folder to sys.path;
the dev venv's own `.pth` files (its editable install of this checkout) are not processed, so `generator`
is imported from the fresh venv: the test checks that too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import site_support as support
from .common import SEED
from .site_support import REPO, PageWatch, StaticServer, new_page

LUNR_JS = support.NODE_MODULES / "lunr" / "lunr.min.js"
PLUGIN_SOURCE = Path(__file__).resolve().parent / "plugin_example"
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "package.json", "package-lock.json")
IN_WHEEL = (
    "generator/builtin/templates/base.html",
    "generator/builtin/static/js/lunr.min.js",
    "generator/builtin/static/css/site.css",
    "generator/builtin/topics.yml",
    "generator/scaffold/README.md",
    "generator/scaffold/gitignore",
    "generator/scaffold/requirements.txt",
    "generator/scaffold/pages.yml",
    "generator/scaffold/daily.yml",
    "generator/scaffold/site.yml",
)
SEED_PAPERS = 56
TSV = (
    "# research-digest tsv\n"
    "# date: 2026-03-02\n"
    "Tabular Transformers for Tiny Tables\tWe study transformers on small tables.\thttps://example.org/1\n"
    "Sparse Attention Revisited\tA new look at sparse attention patterns.\thttps://example.org/2\n"
    "Agents That Read Digests\tAn agent summarises daily paper digests.\thttps://example.org/3\n"
)


# --- building and installing ------------------------------------------------------------------------


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command; on failure the assertion shows its output. Returns stdout."""
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def pip(*args: str | Path) -> str:
    """The dev venv's pip, never reaching an index."""
    return run(sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args)


def build_wheel(source: Path, wheels: Path) -> Path:
    pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", wheels, source)
    built = sorted(wheels.glob("*.whl"), key=lambda p: p.stat().st_mtime)
    assert built, f"pip wheel wrote no wheel into {wheels}"
    return built[-1]


def ignore_builds(top: Path) -> Any:
    """A copytree filter: no caches or egg-info anywhere, and no build output (`build/`, `dist/`, the
    `builtin/` folder a wheel build makes) at the top of the copied folder."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {name for name in names if name == "__pycache__" or name.endswith(".egg-info")}
        if Path(folder) == top:
            skip |= {"build", "dist", "builtin"} & set(names)
        return skip

    return ignore


def copy_sources(dest: Path) -> Path:
    """What building the wheel needs, copied out of the checkout (lunr.js from node_modules included)."""
    dest.mkdir()
    for name in SOURCES:
        shutil.copy2(REPO / name, dest / name)
    for folder in ("generator", "templates", "static"):
        shutil.copytree(REPO / folder, dest / folder, ignore=ignore_builds(REPO / folder))
    (dest / "content").mkdir()
    shutil.copy2(REPO / "content" / "topics.yml", dest / "content" / "topics.yml")
    shutil.copytree(support.NODE_MODULES / "lunr", dest / "node_modules" / "lunr")
    return dest


@dataclass(frozen=True)
class FreshVenv:
    root: Path
    python: Path
    digest: Path
    work: Path  # a folder outside the checkout, the commands' working directory

    @property
    def env(self) -> dict[str, str]:
        """The environment without anything that could point Python back at the dev venv or checkout."""
        drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
        return {key: value for key, value in os.environ.items() if key not in drop}

    def digest_cmd(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.digest), *map(str, args)], capture_output=True, text=True, cwd=self.work, env=self.env
        )

    def install(self, wheel: Path) -> None:
        pip("--python", self.python, "install", "--no-index", "--no-deps", "-q", wheel)


def base_python() -> str:
    base = getattr(sys, "_base_executable", None)
    return base if base and Path(base).exists() else shutil.which("python3") or sys.executable


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    support.require_node_file(LUNR_JS)
    root = tmp_path_factory.mktemp("wheel")
    return build_wheel(copy_sources(root / "src"), root / "wheels")


@pytest.fixture(scope="module")
def fresh(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    root = tmp_path_factory.mktemp("fresh")
    venv = root / "venv"
    run(base_python(), "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    # The dependencies, from the dev venv: appended to sys.path after the fresh venv's own site-packages.
    (Path(purelib) / "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    fresh = FreshVenv(venv, python, venv / "bin" / "digest", root / "work")
    fresh.install(wheel)
    fresh.work.mkdir()
    return fresh


# --- the wheel and the fresh install --------------------------------------------------------------


def test_wheel_holds_the_builtins_and_the_scaffold(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in IN_WHEEL if name not in names]
    assert not missing, f"{wheel.name} lacks {missing}"
    assert not any("__pycache__" in name for name in names)


def test_fresh_venv_imports_the_installed_package(fresh: FreshVenv) -> None:
    out = run(
        fresh.python, "-c", "import generator; print(generator.__file__)", cwd=fresh.work, env=fresh.env
    )
    package = Path(out.strip()).parent
    assert package.is_relative_to(fresh.root), f"generator imported from {package}, not from the fresh venv"
    assert (package / "builtin" / "templates" / "base.html").is_file()
    assert fresh.digest.is_file()


# --- a new site, built by the installed generator ---------------------------------------------------


@dataclass(frozen=True)
class SeedSite:
    folder: Path
    out: Path
    check_stdout: str


@pytest.fixture(scope="module")
def seed_site(fresh: FreshVenv) -> SeedSite:
    if not SEED.exists():
        pytest.skip(f"../shared is absent: {SEED} not found (tests on real digests need it)")
    result = fresh.digest_cmd("init", "mysite")
    assert result.returncode == 0, result.stderr
    result = fresh.digest_cmd("ingest", "--content", "mysite/content", SEED)
    assert result.returncode == 0, result.stderr
    assert f"{SEED_PAPERS} new" in result.stdout, result.stdout
    result = fresh.digest_cmd("build", "--content", "mysite/content", "--out", "mysite/_site")
    assert result.returncode == 0, result.stderr
    check = fresh.digest_cmd("check", "--content", "mysite/content", "--site", "mysite/_site")
    assert check.returncode == 0, check.stdout + check.stderr
    folder = fresh.work / "mysite"
    return SeedSite(folder, folder / "_site", check.stdout)


def test_installed_generator_builds_a_new_site(seed_site: SeedSite) -> None:
    assert "0 broken" in seed_site.check_stdout
    out = seed_site.out
    assert (out / "static" / "js" / "lunr.min.js").read_bytes() == LUNR_JS.read_bytes()
    assert (out / "static" / "css" / "site.css").is_file()
    pages = [p for p in (out / "papers").iterdir() if (p / "index.html").is_file()]
    assert len(pages) == SEED_PAPERS


def test_new_site_works_in_a_browser(seed_site: SeedSite, browser: Any) -> None:
    page = new_page(browser)
    watch = PageWatch.attach(page)
    try:
        with StaticServer(seed_site.out) as server:
            page.goto(server.url())
            assert page.locator("main .card").count() == SEED_PAPERS
            page.click("#site-search")  # the first focus loads the index
            page.fill("#site-search", "agent")
            page.wait_for_selector("#site-search-results [role=option]")
            assert page.locator("#site-search-results [role=option]").count() > 0
    finally:
        page.context.close()
    assert not watch.problems(), watch.problems()


# --- a plugin package in the same venv -----------------------------------------------------------


@pytest.fixture(scope="module")
def with_plugin(fresh: FreshVenv, tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    root = tmp_path_factory.mktemp("plugin")
    source = root / "src"
    shutil.copytree(PLUGIN_SOURCE, source, ignore=ignore_builds(PLUGIN_SOURCE))
    fresh.install(build_wheel(source, root / "wheels"))
    return fresh


def test_plugin_format_is_a_choice(with_plugin: FreshVenv) -> None:
    result = with_plugin.digest_cmd("ingest", "--help")
    assert result.returncode == 0, result.stderr
    assert "tsv-digest" in result.stdout


def test_plugin_format_is_detected_and_its_page_built(with_plugin: FreshVenv) -> None:
    result = with_plugin.digest_cmd("init", "plugsite")
    assert result.returncode == 0, result.stderr
    digest = with_plugin.work / "papers.tsv"
    digest.write_text(TSV, encoding="utf-8")

    result = with_plugin.digest_cmd("ingest", "--content", "plugsite/content", digest)
    assert result.returncode == 0, result.stderr
    assert "tsv-digest digest of 2026-03-02" in result.stdout, result.stdout
    assert "3 new" in result.stdout, result.stdout
    assert len(list((with_plugin.work / "plugsite" / "content" / "papers").glob("*.md"))) == 3

    result = with_plugin.digest_cmd("build", "--content", "plugsite/content", "--out", "plugsite/_site")
    assert result.returncode == 0, result.stderr
    out = with_plugin.work / "plugsite" / "_site"
    stats = (out / "stats" / "index.html").read_text(encoding="utf-8")
    assert '<p id="paper-count">3 papers</p>' in stats
    # It extends the site's base.html: the header, its main nav and the search box are there.
    assert 'class="site-header"' in stats and '<nav aria-label="Main">' in stats
    assert 'id="site-search"' in stats
    assert "stats/</loc>" in (out / "sitemap.xml").read_text(encoding="utf-8")
    check = with_plugin.digest_cmd("check", "--content", "plugsite/content", "--site", "plugsite/_site")
    assert check.returncode == 0 and "0 broken" in check.stdout, check.stdout + check.stderr

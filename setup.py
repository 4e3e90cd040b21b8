"""Why this file exists: the wheel must carry the built-in templates, CSS/JS and lunr.js.

pyproject.toml holds all the metadata; this only adds a `build_py` step. The built-ins live outside the
package in the repository (`templates/`, `static/`, `content/topics.yml`), and lunr.js comes from npm
(`node_modules/lunr/lunr.min.js`, never committed), so a normal build copies them into
`<build_lib>/generator/builtin/`, where `generator.assets` looks first. An editable install skips the copy:
there `generator.assets` reads the checkout's own folders.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
LUNR = ROOT / "node_modules" / "lunr" / "lunr.min.js"


class BuildPyWithBuiltins(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not LUNR.is_file() and shutil.which("npm"):
            # lunr is the only non-dev npm dependency (package.json), so this fetches just lunr.js.
            subprocess.run(["npm", "ci", "--omit=dev", "--no-audit", "--no-fund"], cwd=ROOT, check=True)
        if not LUNR.is_file():
            raise SystemExit("lunr.js missing: run `npm ci` (Node.js 18+) before building the package")
        target = Path(self.build_lib) / "generator" / "builtin"
        shutil.rmtree(target, ignore_errors=True)
        hidden = shutil.ignore_patterns(".*")
        shutil.copytree(ROOT / "templates", target / "templates", ignore=hidden)
        shutil.copytree(ROOT / "static", target / "static", ignore=hidden)
        shutil.copy2(LUNR, target / "static" / "js" / "lunr.min.js")
        shutil.copy2(ROOT / "content" / "topics.yml", target / "topics.yml")


setup(cmdclass={"build_py": BuildPyWithBuiltins})

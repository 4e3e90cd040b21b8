"""`digest init DIR`: a new site folder, ready for its first digest.

A site folder is the parent of its `content/` (see `generator.assets`); everything else the generator
needs ships inside the installed package. So a new site gets only what is its own: its settings, a copy
of the taxonomy to edit, an empty digests folder, a `.gitignore`, a README with the daily commands, a
`requirements.txt` pinning this generator's version (so the site builds the same until someone upgrades
it on purpose) and two GitHub Actions workflows: `pages.yml` publishes the site on every push, and
`daily.yml` fetches the day's papers every morning, commits them, publishes the site and, once set up,
sends the e-mail edition. The files come from `generator/scaffold/`, package data, where dotfiles are
stored without their dot (`gitignore`) so packaging tools never leave them out.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

from generator import __version__
from generator.assets import builtins
from generator.atomic import atomic_write
from generator.errors import DigestError

DEFAULT_TITLE = "Research Digest"

#: Where each scaffold file goes in the new site folder. site.yml is written first, then the taxonomy and
#: content/digests/.gitkeep, then the others.
SCAFFOLD = {
    "site.yml": "content/site.yml",
    "gitignore": ".gitignore",
    "README.md": "README.md",
    "requirements.txt": "requirements.txt",
    "pages.yml": ".github/workflows/pages.yml",
    "daily.yml": ".github/workflows/daily.yml",
}
_PLACEHOLDER_RE = re.compile(r"@(VERSION|TITLE|TITLE_YAML)@")


def init_site(folder: Path, *, title: str | None = None) -> list[Path]:
    """Write a new site folder at `folder` and return the files created, in the order written.

    Refuses (DigestError, nothing written) a path that is a file or a folder that is not empty, so it can
    never overwrite someone's site; a missing folder is created with its parents.
    """
    try:
        _check_target(folder)
    except OSError as exc:
        raise DigestError(f"cannot look at it: {exc.strerror or exc}", folder) from exc
    topics = builtins().topics
    if not topics.is_file():
        raise DigestError(
            "the built-in taxonomy is missing (a broken install?): reinstall research-digest", topics
        )
    name = title.strip() if title and title.strip() else DEFAULT_TITLE
    # A JSON string is a valid YAML double-quoted scalar, so any title stays one string in site.yml.
    values = {"VERSION": __version__, "TITLE": name, "TITLE_YAML": json.dumps(name, ensure_ascii=False)}
    scaffold = files("generator") / "scaffold"

    def scaffold_text(source: str) -> str:
        text = (scaffold / source).read_text(encoding="utf-8")
        return _PLACEHOLDER_RE.sub(lambda match: values[match.group(1)], text)

    created: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        created.append(_write(folder / SCAFFOLD["site.yml"], scaffold_text("site.yml")))
        created.append(_write(folder / "content" / "topics.yml", topics.read_text(encoding="utf-8")))
        created.append(_write(folder / "content" / "digests" / ".gitkeep", ""))
        for source, target in SCAFFOLD.items():
            if source != "site.yml":
                created.append(_write(folder / target, scaffold_text(source)))
    except OSError as exc:
        raise DigestError(f"cannot create the site: {exc.strerror or exc}", exc.filename or folder) from exc
    return created


def _check_target(folder: Path) -> None:
    """Refuse anything but a missing or empty folder, before writing a byte."""
    if folder.is_dir():
        if any(folder.iterdir()):
            raise DigestError("is not empty: digest init only creates a new site in an empty folder", folder)
    elif folder.exists() or folder.is_symlink():
        raise DigestError("exists and is not a folder: give a new folder's path", folder)
    else:
        parent = next((p for p in folder.parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            raise DigestError(f"cannot create it: {parent} is a file, not a folder", folder)


def _write(path: Path, text: str) -> Path:
    atomic_write(path, text)
    return path

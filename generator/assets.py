"""Where a build finds its templates and static files: the site folder's own, over the built-in ones.

A site folder is the parent of its `content/` folder. Its `templates/` and `static/` (both optional)
override the built-in ones file by file, as Zola's site templates override its theme's. The built-in
ones ship inside the installed package (`generator/builtin/`, copied there when the wheel is built, see
`setup.py`); in a checkout of research-digest they are the checkout's own `templates/`, `static/` and
`node_modules/lunr/lunr.min.js`, so this repository is at once the generator and a site folder whose
overrides are the built-ins themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.names import is_ignored_name

PACKAGE = Path(__file__).resolve().parent
BUNDLED = PACKAGE / "builtin"
CHECKOUT = PACKAGE.parent
#: Where the lunr.js asset lands in the built site (and in the bundled static folder).
LUNR_TARGET = "js/lunr.min.js"


@dataclass(frozen=True)
class BuiltIns:
    """The generator's own templates, static files, lunr.js and taxonomy (the one `digest init` copies)."""

    templates: Path
    static: Path
    lunr_js: Path
    topics: Path


def builtins() -> BuiltIns:
    """The bundled copy when the package was installed from a wheel, else the checkout's folders."""
    if (BUNDLED / "templates").is_dir():
        static = BUNDLED / "static"
        return BuiltIns(BUNDLED / "templates", static, static / LUNR_TARGET, BUNDLED / "topics.yml")
    return BuiltIns(
        CHECKOUT / "templates",
        CHECKOUT / "static",
        CHECKOUT / "node_modules" / "lunr" / "lunr.min.js",
        CHECKOUT / "content" / "topics.yml",
    )


@dataclass(frozen=True)
class SiteFolder:
    """A site folder: its content and the overrides it may have next to it."""

    root: Path
    content: Path

    @classmethod
    def of(cls, content_dir: Path) -> SiteFolder:
        content = content_dir.resolve()
        return cls(content.parent, content)

    @property
    def templates(self) -> Path | None:
        """The site's own templates folder, or None (then every template is the built-in one)."""
        folder = self.root / "templates"
        return folder if folder.is_dir() else None

    @property
    def static(self) -> Path | None:
        folder = self.root / "static"
        return folder if folder.is_dir() else None

    def template_dirs(self) -> list[Path]:
        """Template folders in lookup order: the site's, then the built-in one (once, when they are one)."""
        built_in = builtins().templates
        own = self.templates
        return [built_in] if own is None or _same(own, built_in) else [own, built_in]

    def static_files(self) -> dict[str, Path]:
        """Each file of the built site's `static/` folder (relative name to source): the built-in files,
        lunr.js, then the site's own files, which replace a built-in one of the same name or add to them."""
        assets = builtins()
        files = builtin_static_files()
        if self.static is not None and not _same(self.static, assets.static):
            files.update(_files_under(self.static))
        return dict(sorted(files.items()))

    def watch_dirs(self) -> list[Path]:
        """What a build reads, hence what `digest serve` watches: content, then every template and static
        folder in use (the built-in ones too when they are a checkout's, where they change)."""
        assets = builtins()
        dirs = [self.content, *(d for d in (self.templates, self.static) if d is not None)]
        if not assets.templates.is_relative_to(BUNDLED):
            dirs += [d for d in (assets.templates, assets.static) if d.is_dir()]
        unique: list[Path] = []
        for folder in dirs:
            if not any(_same(folder, seen) for seen in unique):
                unique.append(folder)
        return unique


def builtin_static_files() -> dict[str, Path]:
    """The generator's own static files and lunr.js (when npm installed it), by their name in the built
    site's `static/` folder, in sorted order: what every site has before its own files are added."""
    assets = builtins()
    files = _files_under(assets.static)
    if assets.lunr_js.is_file():
        files[LUNR_TARGET] = assets.lunr_js
    return dict(sorted(files.items()))


def _files_under(folder: Path) -> dict[str, Path]:
    """Every regular file under `folder` by its POSIX path relative to it. Hidden files and editors' swap
    and backup files (`site.css~`, `.site.css.swp`: `names.is_ignored_name`) are left out, so an edit in
    progress is never published, and `digest serve`, which ignores them too, sees the same files."""
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path
        for path in folder.rglob("*")
        if path.is_file() and not any(is_ignored_name(part) for part in path.relative_to(folder).parts)
    }


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()

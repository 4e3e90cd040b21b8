"""Errors the user can act on.

Every stage raises these instead of letting library exceptions escape, so the CLI can print one line
(`path:line: what is wrong`) and exit with status 2 instead of showing a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click


class DigestError(Exception):
    """A problem with the user's input or content, reported as one line."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        return f"{where}{self.message}"


class ContentError(DigestError):
    """A content file (paper, topics.yml, site.yml) is malformed."""


class InputError(DigestError):
    """A digest file given to `digest ingest` cannot be used."""


class ContentErrors(ContentError):
    """Several content problems at once; str() is the first, `.problems` has them all."""

    def __init__(self, problems: list[ContentError]) -> None:
        first = problems[0]
        super().__init__(first.message, first.path, first.line)
        self.problems = problems


def report(problem: DigestError | str, suffix: str = "", echo: Callable[..., Any] | None = None) -> NoReturn:
    """The one way a command stops on a problem the user can fix: each problem (all of a ContentErrors)
    as a `digest: error: ...` line on stderr, then exit status 2. `echo` is for tests (click's by default).
    """
    say = echo or click.echo
    for line in error_lines(problem, suffix):
        say(line, err=True)
    raise SystemExit(2)


def error_lines(problem: DigestError | str, suffix: str = "") -> list[str]:
    """The `digest: error: ...` lines of a problem, one per problem of a ContentErrors: what `report`
    prints, and what `digest serve` prints for a failed rebuild without stopping."""
    problems = problem.problems if isinstance(problem, ContentErrors) else [problem]
    return [f"digest: error: {one}{suffix}" for one in problems]

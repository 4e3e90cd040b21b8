"""YAML in and out: the one safe loader, whose errors name `file:line`, and the one dumper.

Every YAML file here (front matter, site.yml, topics.yml, ingested.yml) is edited by hand, so a syntax
error must say where it is, in the file's own line numbers, rather than end in a traceback. Front matter
starts on line 2 of its file, hence `first_line`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from generator.errors import ContentError

# libyaml's loader parses the same safe subset about 8x faster; the pure-Python one is the fallback.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# And libyaml's emitter dumps about 4x faster, byte for byte as the pure-Python one (a test checks).
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load_yaml(text: str, path: Path, *, first_line: int = 1, subject: str = "") -> Any:
    """The YAML document in `text` as plain values; a syntax error is a ContentError at its line, saying
    "`subject` is not valid YAML" (e.g. "front matter is not valid YAML: ...")."""
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise _error(exc, path, first_line, subject) from None


def compose_yaml(text: str, path: Path, *, first_line: int = 1) -> yaml.Node | None:
    """The node tree of `text`, for the line of each value (`node_line`); errors as in `load_yaml`."""
    try:
        return yaml.compose(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise _error(exc, path, first_line, "") from None


def _error(exc: yaml.YAMLError, path: Path, first_line: int, subject: str) -> ContentError:
    mark = None
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    line = mark.line + first_line if mark is not None else first_line
    what = f"{subject} is not valid YAML" if subject else "not valid YAML"
    return ContentError(f"{what}: {problem}", path, line)


def child_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node under `key` in a mapping node (the last one, as loading keeps), for its line."""
    pairs = node.value if isinstance(node, yaml.MappingNode) else []
    return next((value for name, value in reversed(pairs) if name.value == key), None)


def key_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The key node `key` itself in a mapping node (the last one), for the line an unknown key is on."""
    pairs = node.value if isinstance(node, yaml.MappingNode) else []
    return next((name for name, _value in reversed(pairs) if name.value == key), None)


def node_line(node: yaml.Node | None, *, first_line: int = 1) -> int | None:
    """The file line a node starts on, or None for no node."""
    return node.start_mark.line + first_line if node is not None else None


def key_line(text: str, key: str, *, first_line: int = 1) -> int:
    """The line of the top-level `key:` in `text` (the first line of `text` when it is absent): a plain
    scan, for reporting a value already known to be wrong without composing the document again."""
    for number, line in enumerate(text.split("\n")):
        if line.startswith(f"{key}:"):
            return number + first_line
    return first_line


def dump_yaml(data: dict[str, Any]) -> str:
    """Block style, Unicode kept, never wrapped, keys in the order given."""
    return yaml.dump(
        data,
        Dumper=SAFE_DUMPER,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=2**31 - 1,
    )

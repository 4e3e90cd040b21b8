"""YAML in and out: the one hardened loader, whose errors name `file:line`, and the one dumper.

Every YAML file here (front matter, site.yml, topics.yml, ingested.yml) is edited by hand, so a syntax
error must say where it is, in the file's own line numbers, rather than end in a traceback. Front matter
starts on line 2 of its file, hence `first_line`.

These files also come from strangers (a pull request, a shared content folder), so the loader accepts
only the plain subset of YAML that content needs, and refuses the rest at its line before it costs
anything: anchors and aliases (the "billion laughs" bomb and self-referencing values), duplicate keys
(the last one would win in silence), tags other than YAML's plain types, nesting deeper than any real
file, over-long text and control characters. Dates load as their `YYYY-MM-DD` text, and an impossible
date (`2026-02-30`) stays text too, so the schema checks can say what is wrong with it.

libyaml's parser and composer (C) build the node tree; `_Builder` turns nodes into values. That one walk
does every check, and is faster than PyYAML's generic constructor it replaces.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import yaml

from generator.errors import ContentError

# libyaml's parser parses the same safe subset about 8x faster; the pure-Python one is the fallback.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# And libyaml's emitter dumps about 4x faster, byte for byte as the pure-Python one (a test checks).
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

#: The largest YAML text (a file, or a content file's front matter) loaded: real ones are a few kB, and a
#: bigger one is a mistake (a whole digest pasted in) that would otherwise cost seconds and memory.
MAX_YAML_BYTES = 1_000_000
#: ingested.yml gets one entry of about 175 bytes per digest ingested, for ever, so it may pass 1 MB
#: (some 6,000 digests, years of daily ones); 16 MB is 90,000 digests, and still loads in seconds.
MAX_MANIFEST_BYTES = 16_000_000
#: The longest single text value (an abstract in a `comment:` is the longest real one, a few kB).
MAX_STRING_CHARS = 100_000
#: The deepest nesting of lists and mappings (real files use at most 4 levels).
MAX_DEPTH = 50

# Characters YAML does not allow in a stream ("printable" in the YAML spec, minus tab, LF, CR and NEL).
_NOT_PRINTABLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_ALIAS_NAME_RE = re.compile(r"\*([^\s,\[\]{}]+)")

_TAG = "tag:yaml.org,2002:"
_SEQ, _MAP, _STR = _TAG + "seq", _TAG + "map", _TAG + "str"
# Plain scalars that YAML gives these tags (`=` and `<<`) are only text outside a key: keep them as text.
_TEXT_TAGS = frozenset({_STR, _TAG + "value", _TAG + "merge"})


def load_yaml(
    text: str,
    path: Path,
    *,
    first_line: int = 1,
    subject: str = "",
    max_bytes: int = MAX_YAML_BYTES,
) -> Any:
    """The YAML document in `text` as plain values (dates as `YYYY-MM-DD` text); any problem is a
    ContentError at its line, a syntax error saying "`subject` is not valid YAML"."""
    return load_yaml_with_nodes(text, path, first_line=first_line, subject=subject, max_bytes=max_bytes)[0]


def load_yaml_with_nodes(
    text: str,
    path: Path,
    *,
    first_line: int = 1,
    subject: str = "",
    max_bytes: int = MAX_YAML_BYTES,
) -> tuple[Any, yaml.Node | None]:
    """The values of `text` and its node tree (for the line of each value, `node_line`), from one parse."""
    _check_text(text, path, first_line, subject, max_bytes)
    loader = SAFE_LOADER(text)
    try:
        root = loader.get_single_node()
        data = _Builder(loader, path, first_line).value(root, 0) if root is not None else None
    except yaml.YAMLError as exc:
        raise _error(exc, path, first_line, subject, text) from None
    except RecursionError:  # only the pure-Python composer recurses; libyaml stops at depth 1000
        raise ContentError(f"nested more than {MAX_DEPTH} levels deep", path, first_line) from None
    finally:
        loader.dispose()
    return data, root


def _check_text(text: str, path: Path, first_line: int, subject: str, max_bytes: int) -> None:
    """Refuse, before parsing, what would be slow or misreported: a huge text, a control character
    (libyaml's error for one has no line), an anchor or alias."""
    what = subject or "the file"
    if len(text) > max_bytes or (len(text) * 4 > max_bytes and len(text.encode("utf-8")) > max_bytes):
        size = len(text.encode("utf-8"))
        message = f"{what} is {_size(size)}, over the limit of {_size(max_bytes)}: is something pasted in?"
        raise ContentError(message, path, first_line)
    bad = _NOT_PRINTABLE_RE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + first_line
        code = f"U+{ord(bad.group()):04X}"
        raise ContentError(
            f"{what} holds the control character {code}, which YAML refuses: remove it", path, line
        )
    if _ANCHOR_START_RE.search(text):  # an alias needs an anchor: only then look for them ("Q&A" is none)
        _refuse_anchors(text, path, first_line, subject)


# Where an anchor can start: `&name` at a line's start or after a space or flow/indicator character. It
# matches more than anchors (the full check then decides), never fewer; "Q&A" and "?a=1&b=2" do not match.
_ANCHOR_START_RE = re.compile(r"(?:^|[\s\[\]{},:?-])&\S", re.M)


def _refuse_anchors(text: str, path: Path, first_line: int, subject: str) -> None:
    """Anchors and aliases are refused at the first alias (or else the first anchor): expanding aliases
    is how a few lines become gigabytes, and an alias inside its own anchor is a value with no end."""
    anchor: yaml.Event | None = None
    try:
        for event in yaml.parse(text, Loader=SAFE_LOADER):
            if isinstance(event, yaml.AliasEvent):
                message = f"aliases (*{event.anchor}) are not allowed: write the value out"
                raise ContentError(message, path, event.start_mark.line + first_line)
            if anchor is None and getattr(event, "anchor", None):
                anchor = event
    except yaml.YAMLError as exc:
        raise _error(exc, path, first_line, subject, text) from None
    if anchor is not None:
        message = f"anchors (&{anchor.anchor}) are not allowed: remove it"
        raise ContentError(message, path, anchor.start_mark.line + first_line)


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count:,} bytes"


class _Builder:
    """Plain values from a node tree, refusing at its line what the loader does not accept."""

    def __init__(self, loader: Any, path: Path, first_line: int) -> None:
        self.loader, self.path, self.first_line = loader, path, first_line

    def fail(self, message: str, node: yaml.Node) -> NoReturn:
        raise ContentError(message, self.path, node.start_mark.line + self.first_line)

    def value(self, node: yaml.Node, depth: int) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if depth >= MAX_DEPTH:
            self.fail(f"nested more than {MAX_DEPTH} levels deep", node)
        if node.tag not in (_SEQ, _MAP):
            self.fail(f"the tag {node.tag!r} is not allowed: write a plain list or mapping", node)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, depth + 1) for item in node.value]
        return self.mapping(node, depth)

    def mapping(self, node: yaml.MappingNode, depth: int) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail("a key must be a single value, not a list or mapping", key_node)
            if key_node.tag == _TAG + "merge":
                self.fail("merge keys (<<) are not allowed: write the fields out", key_node)
            key = self.scalar(key_node)
            line = key_node.start_mark.line + self.first_line
            if key in lines:
                self.fail(f"duplicate key {shown(key)} (also on line {lines[key]}): keep one", key_node)
            lines[key] = line
            mapping[key] = self.value(value_node, depth + 1)
        return mapping

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag in _TEXT_TAGS:
            if len(node.value) > MAX_STRING_CHARS:
                what = f"a text of {len(node.value):,} characters"
                self.fail(f"{what} is over the limit of {MAX_STRING_CHARS:,}: shorten it", node)
            return node.value
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "timestamp":
            return self.timestamp(node)
        constructor = _SCALARS.get(tag)
        if constructor is None:
            self.fail(f"the tag {tag!r} is not allowed: write plain text, numbers or dates", node)
        try:
            return constructor(self.loader, node)
        except (ValueError, OverflowError, KeyError, IndexError):  # `!!bool x`, 5000 digits, `!!int ''`
            self.fail(f"{shown(node.value)} cannot be read as {tag.removeprefix(_TAG)}", node)

    def timestamp(self, node: yaml.ScalarNode) -> str:
        """A date as its `YYYY-MM-DD` text (the one form every stage uses); anything that only looks
        like one (`2026-02-30`, `0000-01-01`) as the text it is, for the schema checks to report."""
        try:
            value = self.loader.construct_yaml_timestamp(node)
        except (ValueError, OverflowError, AttributeError, TypeError):
            return node.value
        return value.date().isoformat() if isinstance(value, datetime) else date.isoformat(value)


_SCALARS = {
    _TAG + "bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
    _TAG + "int": yaml.constructor.SafeConstructor.construct_yaml_int,
    _TAG + "float": yaml.constructor.SafeConstructor.construct_yaml_float,
}


def shown(value: object, limit: int = 60) -> str:
    """`value` as YAML writes it (null, true) or its repr, cut short: an error message stays one readable
    line whatever the value holds."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error(exc: yaml.YAMLError, path: Path, first_line: int, subject: str, text: str = "") -> ContentError:
    mark = None
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
    problem, context = getattr(exc, "problem", None), getattr(exc, "context", None)
    if problem and context and not context.startswith("while"):  # "expected a single document ..."
        problem = f"{context}, {problem}"
    problem = problem or context or str(exc)
    line = mark.line + first_line if mark is not None else first_line
    if problem.startswith("found undefined alias") and mark is not None:
        # No `&` in the text, so no anchor: `*name` (or text starting with `*`) that needs quoting.
        found = _ALIAS_NAME_RE.match(text, mark.index)  # libyaml's index counts characters
        name = found.group(1) if found else "name"
        return ContentError(
            f"aliases (*{name}) are not allowed: write the value out (quote text starting with '*')",
            path,
            line,
        )
    what = f"{subject} is not valid YAML" if subject else "not valid YAML"
    return ContentError(f"{what}: {problem}", path, line)


def child_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node under `key` in a mapping node, for its line (keys are unique: the loader checks)."""
    pairs = node.value if isinstance(node, yaml.MappingNode) else []
    return next((value for name, value in pairs if name.value == key), None)


def key_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The key node `key` itself in a mapping node, for the line an unknown key is on."""
    pairs = node.value if isinstance(node, yaml.MappingNode) else []
    return next((name for name, _value in pairs if name.value == key), None)


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


class _Dumper(SAFE_DUMPER):  # type: ignore[misc, valid-type]
    """The safe dumper, never writing an anchor and alias for a value used twice: the loader refuses
    them, and what digest writes must load."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(data: dict[str, Any]) -> str:
    """Block style, Unicode kept, never wrapped, keys in the order given."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=2**31 - 1,
    )

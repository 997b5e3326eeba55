"""Safe YAML reading that keeps line numbers and refuses what YAML would silently get wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import NewsgenError

try:  # libyaml is ten times faster; the pure loader gives the same nodes
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TAG_PREFIX = "tag:yaml.org,2002:"
_STR_TAG = _TAG_PREFIX + "str"
_TIMESTAMP_TAG = _TAG_PREFIX + "timestamp"
_MERGE_TAG = _TAG_PREFIX + "merge"
_PLAIN_TAGS = frozenset(
    _TAG_PREFIX + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)


@dataclass
class Loaded:
    """A YAML document as plain Python values, with the line of every key and item."""

    value: Any
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    notes: list[NewsgenError] = field(default_factory=list)

    def line(self, *path: Any) -> int:
        """Return the line of a key path, falling back to its nearest parent."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def load(text: str, first_line: int = 1) -> Loaded:
    """Parse one YAML document; raise NewsgenError (with a line) for anything unsafe or unreadable."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.context_mark or exc.problem_mark  # where the unclosed thing began
        line = first_line + (mark.line if mark else 0)
        if "nesting depth" in (exc.problem or ""):
            raise NewsgenError(
                "the value is nested too deeply", "use fewer brackets", line=line
            ) from None
        raise _unreadable(text, line - first_line, line) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every YAML error we know of is marked
        raise NewsgenError(f"YAML could not read this: {exc}", line=first_line) from None
    loaded = Loaded(None)
    if node is None:
        return loaded
    loaded.value = _Builder(loaded, first_line, text).build(node, ())
    if "&" in text:  # an alias was reported above at its use; an unused anchor is refused here
        _refuse_anchors(text, first_line)
    return loaded


def _refuse_anchors(text: str, first_line: int) -> None:
    """Refuse anchors even when no alias uses them: they only make sense with aliases."""
    for event in yaml.parse(text, Loader=_Loader):
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise NewsgenError(
                "YAML anchors and aliases (& and *) are not allowed in front matter",
                "write the value out in full",
                line=first_line + (event.start_mark.line if event.start_mark else 0),
            )


def _unreadable(text: str, index: int, line: int) -> NewsgenError:
    """Explain a YAML syntax error in words a journalist can act on."""
    lines = text.split("\n")
    bad = lines[index] if 0 <= index < len(lines) else ""
    key = bad.split(":", 1)[0].strip() if ":" in bad else ""
    if key and " " not in key:
        hint = f"put the {key} in quotes" if key else "check the quotes and colons"
        return NewsgenError("YAML could not read this line", hint, field=key, line=line)
    return NewsgenError(
        "YAML could not read this line", "check the indentation, quotes and colons", line=line
    )


class _Builder:
    """Turn nodes into plain values, recording lines and rejecting aliases, tags and merges.

    Without '*' in the text no node can be met twice, and without '#' no value can lose a
    comment, so those checks run only when the text holds the character; most front matter
    then reads its text keys and values straight from the nodes.
    """

    def __init__(self, out: Loaded, first: int, text: str) -> None:
        self.out = out
        self.first = first
        self.aliases = "*" in text
        self.src = text.split("\n") if "#" in text else []
        self.fast = not self.aliases and not self.src  # text keys and values need no checks
        self.seen: set[int] = set()

    def build(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        """Turn a node into plain values, recording its line."""
        line = self.first + node.start_mark.line
        self.out.lines.setdefault(path, line)
        if self.aliases:
            if id(node) in self.seen:
                raise _alias_error(path, self.out.lines[path])  # where used, not where set
            self.seen.add(id(node))
        if node.tag not in _PLAIN_TAGS:
            raise _tag_error(node, path, line)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node, path)
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node, path)

    def sequence(self, node: yaml.SequenceNode, path: tuple[Any, ...]) -> list[Any]:
        """Build a list, recording the line of every item."""
        items = []
        lines = self.out.lines
        for i, item in enumerate(node.value):
            if self.fast and item.tag == _STR_TAG and isinstance(item, yaml.ScalarNode):
                lines.setdefault((*path, i), self.first + item.start_mark.line)
                items.append(item.value)
                continue
            if self.aliases and id(item) in self.seen:
                raise _alias_error(path, self.first + node.start_mark.line)
            items.append(self.build(item, (*path, i)))
        return items

    def mapping(self, node: yaml.MappingNode, path: tuple[Any, ...]) -> dict[Any, Any]:
        """Build a mapping, refusing duplicate and merge keys."""
        result: dict[Any, Any] = {}
        lines = self.out.lines
        for key_node, value_node in node.value:
            line = self.first + key_node.start_mark.line
            if key_node.tag == _MERGE_TAG:
                raise NewsgenError(
                    "YAML merge keys (<<) are not allowed", "write the keys out", line=line
                )
            key = self.key(key_node, path, line)
            key_path = (*path, key)
            if key in result:
                raise NewsgenError(
                    f"'{key}' is given twice",
                    f"keep one '{key}:' line (first at line {lines[key_path]})",
                    field=key,
                    line=line,
                )
            lines[key_path] = line
            if self.fast and value_node.tag == _STR_TAG and isinstance(value_node, yaml.ScalarNode):
                result[key] = value_node.value  # its line is the key's, set just above
                continue
            if self.aliases and id(value_node) in self.seen:
                raise _alias_error(key_path, line)
            result[key] = self.build(value_node, key_path)
        lines.pop((*path, "\0key"), None)
        return result

    def key(self, node: yaml.Node, path: tuple[Any, ...], line: int) -> str:
        """Read a mapping key, which must be plain text (or a number, read as text)."""
        if self.fast and node.tag == _STR_TAG and isinstance(node, yaml.ScalarNode):
            return str(node.value)
        key = self.build(node, (*path, "\0key"))
        if not isinstance(key, str | int):
            raise NewsgenError(
                "a key must be plain text", "remove the brackets or quotes", line=line
            )
        return str(key)

    def scalar(self, node: yaml.ScalarNode, path: tuple[Any, ...]) -> Any:
        """Resolve a scalar like SafeLoader, except timestamps, which stay text for our dates."""
        tag = node.tag
        if tag in (_STR_TAG, _TIMESTAMP_TAG):
            value: Any = node.value
        else:
            try:
                value = _CONSTRUCTOR.construct_object(node, deep=True)
            except yaml.YAMLError:
                value = node.value
        if self.src and not node.style and isinstance(value, str) and value:
            _check_comment_truncation(node, path, self.out, self.first, self.src)
        return value


def _tag_error(node: yaml.Node, path: tuple[Any, ...], line: int) -> NewsgenError:
    """Refuse explicit tags such as !!python/object: YAML would silently read something else."""
    return NewsgenError(
        f"the YAML tag {node.tag.replace(_TAG_PREFIX, '!!')} is not allowed",
        "remove the '!' part and write plain text",
        field=str(path[0]) if path else "",
        line=line,
    )


def _alias_error(path: tuple[Any, ...], line: int) -> NewsgenError:
    """Refuse a node met before (an alias), at the line that uses it rather than the anchor's."""
    return NewsgenError(
        "YAML anchors and aliases (& and *) are not allowed in front matter",
        "write the value out in full",
        field=str(path[0]) if path else "",
        line=line,
    )


def _check_comment_truncation(
    node: yaml.ScalarNode, path: tuple[Any, ...], out: Loaded, first: int, src: list[str]
) -> None:
    """Flag `title: Tin #1 hôm nay`, which YAML silently reads as 'Tin'."""
    end = node.end_mark
    if end.line >= len(src):
        return
    rest = src[end.line][end.column :]
    if rest.lstrip().startswith("#") and rest[:1] in (" ", "\t"):
        field_name = str(path[0]) if path else ""
        out.notes.append(
            NewsgenError(
                f"the text after '#' was dropped: YAML read only '{node.value}'",
                "put the whole value in quotes",
                field=field_name,
                line=first + end.line,
            )
        )

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
    source_lines = text.split("\n")
    loaded.value = _build(node, (), loaded, first_line, source_lines, set())
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


def _build(
    node: yaml.Node,
    path: tuple[Any, ...],
    out: Loaded,
    first: int,
    src: list[str],
    seen: set[int],
) -> Any:
    """Turn a node into plain values, recording lines and rejecting aliases."""
    line = first + node.start_mark.line
    out.lines.setdefault(path, line)
    if id(node) in seen:
        raise NewsgenError(
            "YAML anchors and aliases (& and *) are not allowed in front matter",
            "write the value out in full",
            field=str(path[0]) if path else "",
            line=out.lines[path],  # where the alias is used, not where the anchor was set
        )
    _refuse_tag(node, path, first)
    if isinstance(node, yaml.MappingNode):
        seen.add(id(node))
        return _build_mapping(node, path, out, first, src, seen)
    if isinstance(node, yaml.SequenceNode):
        seen.add(id(node))
        items = []
        for i, item in enumerate(node.value):
            _refuse_alias(item, seen, path, first + node.start_mark.line)
            items.append(_build(item, (*path, i), out, first, src, seen))
        return items
    seen.add(id(node))
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node, path, out, first, src)


def _refuse_tag(node: yaml.Node, path: tuple[Any, ...], first: int) -> None:
    """Refuse explicit tags such as !!python/object: YAML would silently read something else."""
    if node.tag not in _PLAIN_TAGS:
        raise NewsgenError(
            f"the YAML tag {node.tag.replace(_TAG_PREFIX, '!!')} is not allowed",
            "remove the '!' part and write plain text",
            field=str(path[0]) if path else "",
            line=first + node.start_mark.line,
        )


def _refuse_alias(node: yaml.Node, seen: set[int], path: tuple[Any, ...], line: int) -> None:
    """Refuse a node met before (an alias), at the line that uses it rather than the anchor's."""
    if id(node) in seen:
        raise NewsgenError(
            "YAML anchors and aliases (& and *) are not allowed in front matter",
            "write the value out in full",
            field=str(path[0]) if path else "",
            line=line,
        )


def _build_mapping(
    node: yaml.MappingNode,
    path: tuple[Any, ...],
    out: Loaded,
    first: int,
    src: list[str],
    seen: set[int],
) -> dict[Any, Any]:
    """Build a mapping, refusing duplicate and merge keys."""
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        line = first + key_node.start_mark.line
        if key_node.tag == _TAG_PREFIX + "merge":
            raise NewsgenError(
                "YAML merge keys (<<) are not allowed", "write the keys out", line=line
            )
        key = _build(key_node, (*path, "\0key"), out, first, src, seen)
        if not isinstance(key, str | int):
            raise NewsgenError(
                "a key must be plain text", "remove the brackets or quotes", line=line
            )
        key = str(key)
        if key in result:
            raise NewsgenError(
                f"'{key}' is given twice",
                f"keep one '{key}:' line (first at line {out.lines[(*path, key)]})",
                field=key,
                line=line,
            )
        out.lines[(*path, key)] = line
        _refuse_alias(value_node, seen, (*path, key), line)
        result[key] = _build(value_node, (*path, key), out, first, src, seen)
    out.lines.pop((*path, "\0key"), None)
    return result


def _scalar(
    node: yaml.ScalarNode, path: tuple[Any, ...], out: Loaded, first: int, src: list[str]
) -> Any:
    """Resolve a scalar like SafeLoader, except timestamps, which stay text for our date parser."""
    tag = node.tag
    if tag == _TAG_PREFIX + "timestamp" or tag == _TAG_PREFIX + "str":
        value: Any = node.value
    else:
        try:
            value = _CONSTRUCTOR.construct_object(node, deep=True)
        except yaml.YAMLError:
            value = node.value
    if not node.style and isinstance(value, str) and value:
        _check_comment_truncation(node, path, out, first, src)
    return value


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

"""Front matter: split it from the body, read it safely, check every key's type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from . import markup, vietnamese, yamlsafe
from .errors import NewsgenError

MAX_FRONT_MATTER = 64 * 1024
_COMMENT_ERROR_FIELDS = {"title", "summary", "slug", "date", "updated", "expires"}


@dataclass(frozen=True)
class FrontMatter:
    """Validated front matter values, with the line of each key for later messages."""

    title: str
    date: dt.datetime
    updated: dt.datetime | None = None
    expires: dt.datetime | None = None
    authors: tuple[str, ...] = ()
    category: str | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None
    slug: str | None = None
    draft: bool = False
    image: str | None = None
    captions: tuple[tuple[str, str], ...] = ()
    related: tuple[str, ...] = ()
    related_enabled: bool = True
    related_exclude: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    lines: tuple[tuple[str, int], ...] = ()

    def line(self, key: str) -> int:
        """Return the line where `key` was written (1 when it was not)."""
        return dict(self.lines).get(key, 1)


@dataclass
class Split:
    """A source file cut into its front matter text and its Markdown body."""

    front: str
    body: str
    body_line: int  # 1-based line of the first body line


@dataclass
class Collected:
    """Problems met while reading one file: errors stop it, warnings do not."""

    errors: list[NewsgenError] = field(default_factory=list)
    warnings: list[NewsgenError] = field(default_factory=list)


def split(text: str) -> Split:
    """Separate front matter from body, or raise with a hint on how to write it."""
    if not text.startswith("---"):
        raise NewsgenError(
            "front matter is missing",
            "start the file with a line '---', then 'title:' and 'date:' lines, then '---'",
            line=1,
        )
    end = text.find("\n")
    if (text if end < 0 else text[:end]).rstrip() != "---":
        raise NewsgenError(
            "the first line must be exactly '---'", "put the title on the next line", line=1
        )
    start = pos = end + 1
    number = 2  # 1-based line number at pos
    while end >= 0:  # line by line through the front matter only: the body is sliced once
        end = text.find("\n", pos)
        if (text[pos:] if end < 0 else text[pos:end]).rstrip() in ("---", "..."):
            front = text[start : max(start, pos - 1)]
            if len(front.encode("utf-8")) > MAX_FRONT_MATTER:
                raise NewsgenError(
                    "front matter is over 64 KiB", "move long text into the body", line=1
                )
            return Split(front, "" if end < 0 else text[end + 1 :], number + 1)
        pos, number = end + 1, number + 1
    raise NewsgenError("front matter is not closed", "add a line '---' after the last key", line=1)


def read(front: str, tz: ZoneInfo, problems: Collected) -> FrontMatter | None:
    """Validate the front matter text; record every problem, return None if any is an error."""
    try:
        loaded = yamlsafe.load(front, first_line=2)
    except NewsgenError as exc:
        problems.errors.append(exc)
        return None
    for note in loaded.notes:
        (problems.errors if note.field in _COMMENT_ERROR_FIELDS else problems.warnings).append(note)
    data = loaded.value
    if not isinstance(data, dict):
        problems.errors.append(
            NewsgenError("front matter must be 'key: value' lines", 'e.g. title: "..."', line=2)
        )
        return None
    reader = _Reader(data, loaded, tz, problems)
    values = reader.read_all()
    if len(problems.errors) or values is None:
        return None
    return values


class _Reader:
    """Check each key against its expected type, collecting every problem at once."""

    def __init__(
        self, data: dict[str, Any], loaded: yamlsafe.Loaded, tz: ZoneInfo, problems: Collected
    ) -> None:
        self.data = data
        self.loaded = loaded
        self.tz = tz
        self.problems = problems

    def error(self, key: str, message: str, hint: str = "", *sub: Any) -> None:
        """Record an error for `key` at its line."""
        self.problems.errors.append(
            NewsgenError(message, hint, field=key, line=self.loaded.line(key, *sub))
        )

    def read_all(self) -> FrontMatter | None:
        """Read every known key; unknown keys become warnings."""
        for key in self.data:
            if key not in _READERS:
                self.problems.warnings.append(
                    NewsgenError(
                        "unknown key, ignored", _suggest(key), field=key, line=self.loaded.line(key)
                    )
                )
        values: dict[str, Any] = {}
        data = self.data
        for key, (target, reader) in _READERS.items():
            if key in data:
                result = reader(self, key, data[key])
                if isinstance(result, dict):
                    values.update(result)
                elif result is not _INVALID:
                    values[target] = result
        for required, hint in (
            ("title", 'title: "Tiêu đề bài viết"'),
            ("date", "date: 2025-04-22 09:07"),
        ):
            if required not in self.data:
                self.problems.errors.append(
                    NewsgenError(
                        f"{required} is missing", f"add a line: {hint}", field=required, line=1
                    )
                )
        if self.problems.errors:
            return None
        lines = tuple(sorted((str(k[0]), v) for k, v in self.loaded.lines.items() if len(k) == 1))
        return FrontMatter(lines=lines, **values)

    def text(self, key: str, value: Any) -> Any:
        """Require a non-empty string (YAML may have read a number, a date or a boolean)."""
        if isinstance(value, str) and value.strip():
            return _plain(value)
        if value is None or value == "":
            self.error(key, "is empty", f"write the {key} after '{key}:' or remove the line")
        else:
            self.error(
                key, f"must be text, not {_yaml_type(value)} {value!r}", f"put the {key} in quotes"
            )
        return _INVALID

    def optional_text(self, key: str, value: Any) -> Any:
        """Accept text, or nothing for an empty value."""
        if value is None or value == "":
            return None
        return self.text(key, value)

    def url_text(self, key: str, value: Any) -> Any:
        """Accept text that will become a URL, refusing script and data URLs."""
        result = self.optional_text(key, value)
        if isinstance(result, str) and markup.is_dangerous_url(result):
            self.error(
                key,
                f"{result.split(':')[0].strip()}: URLs are not allowed",
                "link to an http(s) address or a file",
            )
            return _INVALID
        return result

    def path_list(self, key: str, value: Any) -> Any:
        """Require a list of site paths (old URLs): no script URLs, no '..' climbing out."""
        items = self.text_list(key, value)
        if items is _INVALID:
            return items
        for i, item in enumerate(items):
            if markup.is_dangerous_url(item) or ".." in item.split("/"):
                self.error(
                    key, f"{item!r} is not a path of this site", "write it as /path/page.html", i
                )
                return _INVALID
        return items

    def text_list(self, key: str, value: Any) -> Any:
        """Require a list of strings, refusing the YAML traps (booleans, numbers, one string)."""
        if value is None:
            return ()
        if isinstance(value, str):
            self.error(
                key,
                "must be a list, not one text",
                f"write {key}: [{value}] or one '- item' per line",
            )
            return _INVALID
        if not isinstance(value, list):
            self.error(key, f"must be a list, not {_yaml_type(value)}", f"write {key}: [a, b]")
            return _INVALID
        items = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                items.append(_plain(item))
            else:
                self.error(
                    key,
                    f"item {item!r} was read as {_yaml_type(item)}, not text",
                    "put it in quotes",
                    i,
                )
                return _INVALID
        return tuple(dict.fromkeys(items))

    def authors(self, key: str, value: Any) -> Any:
        """Accept one author or a list of authors."""
        if isinstance(value, str):
            return self.text_list(key, [value])
        return self.text_list(key, value)

    def date(self, key: str, value: Any) -> Any:
        """Parse a date in any accepted form, in the site time zone."""
        try:
            return vietnamese.parse_date(value, self.tz)
        except vietnamese.DateError as exc:
            self.error(key, exc.problem, exc.hint)
            return _INVALID

    def boolean(self, key: str, value: Any) -> Any:
        """Require true or false."""
        if isinstance(value, bool):
            return value
        self.error(key, f"must be true or false, not {value!r}")
        return _INVALID

    def captions(self, key: str, value: Any) -> Any:
        """Require a mapping from image file name to caption text."""
        if value is None:
            return ()
        if not isinstance(value, dict):
            self.error(
                key,
                "must be a mapping of image file name to caption",
                'e.g. captions:\n  anh-1.jpg: "Chú thích"',
            )
            return _INVALID
        pairs = []
        for name, caption in value.items():
            if not isinstance(caption, str):
                self.error(key, f"the caption of {name} must be text", "put it in quotes", name)
                return _INVALID
            pairs.append((vietnamese.normalize(str(name)), _plain(caption)))
        return tuple(pairs)

    def related(self, key: str, value: Any) -> Any:
        """Accept `related: false` or a list of pinned articles."""
        if value is False:
            return {"related_enabled": False}
        pins = self.text_list(key, value)
        return pins if pins is _INVALID else {"related": pins}


def _plain(value: str) -> str:
    """Normalise a front matter string and trim stray whitespace."""
    return vietnamese.normalize(value).strip()


def _yaml_type(value: Any) -> str:
    """Name the type YAML gave a value, in words a journalist knows."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _suggest(key: str) -> str:
    """Point at the closest known key, for typos like 'tag:' or 'catagory:'."""
    import difflib

    close = difflib.get_close_matches(key, list(_READERS), n=1)
    return f"did you mean '{close[0]}'?" if close else "see the README for the keys"


_INVALID = object()
_R = Callable[[_Reader, str, Any], Any]
_READERS: dict[str, tuple[str, _R]] = {
    "title": ("title", _Reader.text),
    "date": ("date", _Reader.date),
    "updated": ("updated", _Reader.date),
    "expires": ("expires", _Reader.date),
    "author": ("authors", _Reader.authors),
    "authors": ("authors", _Reader.authors),
    "category": ("category", _Reader.optional_text),
    "tags": ("tags", _Reader.text_list),
    "summary": ("summary", _Reader.optional_text),
    "slug": ("slug", _Reader.optional_text),
    "draft": ("draft", _Reader.boolean),
    "image": ("image", _Reader.url_text),
    "captions": ("captions", _Reader.captions),
    "related": ("related", _Reader.related),
    "related_exclude": ("related_exclude", _Reader.text_list),
    "aliases": ("aliases", _Reader.path_list),
}

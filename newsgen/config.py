"""Site configuration: `newsgen.yaml`, every key optional, every mistake reported with its line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import vietnamese, yamlsafe
from .errors import BuildFailed, NewsgenError, Problem

CONFIG_NAME = "newsgen.yaml"


@dataclass(frozen=True)
class Paths:
    """Path words of the listing pages, configurable for sites that prefer other words."""

    tag: str = "tag"
    author: str = "tac-gia"
    page: str = "page"
    search: str = "tim-kiem"


@dataclass(frozen=True)
class SiteConfig:
    """Everything a build needs to know about the site, validated once."""

    site_dir: Path
    title: str = "Tin tức"
    base_url: str = "http://localhost:8000/"
    language: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    theme: str = "default"
    per_page: int = 20
    permalink: str = "/{category}/{slug}/"
    related_count: int = 5
    tone_style: str = "old"
    slug_max_length: int = 80
    feed_items: int = 50
    raw_html: str = "escape"
    max_file_size: int = 1024 * 1024
    description: str = ""
    search: str = "full"  # full: title, sapo and body; headlines: title and sapo; off
    paths: Paths = field(default_factory=Paths)

    @property
    def tz(self) -> ZoneInfo:
        """Return the site time zone; every displayed date is in it."""
        return ZoneInfo(self.timezone)

    @cached_property  # asked for every URL of every page
    def base_path(self) -> str:
        """Return the path part of base_url ('/' or '/bao/'), prefixed to every link."""
        rest = self.base_url.split("://", 1)[-1]
        path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return path if path.endswith("/") else path + "/"

    @cached_property
    def origin(self) -> str:
        """Return scheme and host of base_url: 'https://user.github.io'."""
        scheme, rest = self.base_url.split("://", 1)
        return f"{scheme}://{rest.split('/', 1)[0]}"

    @property
    def content_dir(self) -> Path:
        """Return the folder holding the articles."""
        return self.site_dir / "content"

    @cached_property
    def site_real(self) -> str:
        """Return the site folder with its links resolved: image paths are kept relative to it."""
        return os.path.realpath(self.site_dir)

    @cached_property
    def settings(self) -> str:
        """Describe the configuration but not where the site lies: what cache keys take from it,
        so that a site checked out in another folder (another CI runner's) keeps its cache."""
        values = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.name != "site_dir"
        )
        return f"SiteConfig({values})"


# key -> (dataclass field, accepted types, type name for messages)
_SCHEMA: dict[str, tuple[str, tuple[type, ...], str]] = {
    "title": ("title", (str,), "text"),
    "description": ("description", (str,), "text"),
    "base_url": ("base_url", (str,), "a URL"),
    "language": ("language", (str,), "a language code such as vi"),
    "timezone": ("timezone", (str,), "a time zone such as Asia/Ho_Chi_Minh"),
    "theme": ("theme", (str,), "a theme name"),
    "per_page": ("per_page", (int,), "a whole number"),
    "permalink": ("permalink", (str,), "a pattern such as /{category}/{slug}/"),
    "tone_style": ("tone_style", (str,), "old, new or keep"),
    "slug_max_length": ("slug_max_length", (int,), "a whole number"),
    "max_file_size": ("max_file_size", (int,), "a number of bytes"),
    "search": ("search", (str, bool), "full, headlines or off"),
}
_SECTIONS: dict[str, dict[str, tuple[str, tuple[type, ...], str]]] = {
    "related": {"count": ("related_count", (int,), "a whole number")},
    "feeds": {"items": ("feed_items", (int,), "a whole number")},
    "markdown": {"raw_html": ("raw_html", (str,), "escape, allow or safe")},
    "paths": {name.name: (name.name, (str,), "a path word") for name in fields(Paths)},
}
_PERMALINK_FIELDS = ("{category}", "{slug}", "{year}", "{month}", "{day}")


def load_config(site_dir: Path, overrides: dict[str, Any] | None = None) -> SiteConfig:
    """Read newsgen.yaml (if any) and return a validated config, or raise BuildFailed."""
    site_dir = site_dir.resolve()
    path = site_dir / CONFIG_NAME
    shown = CONFIG_NAME
    values: dict[str, Any] = {}
    paths: dict[str, str] = {}
    problems: list[Problem] = []
    key_lines: dict[str, int] = {}
    if path.is_file():
        try:
            text = vietnamese.normalize(path.read_text(encoding="utf-8-sig").replace("\r\n", "\n"))
            loaded = yamlsafe.load(text)
        except UnicodeDecodeError as exc:
            raise BuildFailed(
                [Problem(shown, 1, "", f"not UTF-8 at byte {exc.start}", "save as UTF-8")]
            ) from None
        except NewsgenError as exc:
            raise BuildFailed([exc.at(shown)]) from None
        problems += _read_values(loaded, values, paths, shown)
        key_lines = {".".join(map(str, k)): v for k, v in loaded.lines.items() if k}
    if isinstance(values.get("search"), bool):  # `search: false` reads as YAML's false
        values["search"] = "full" if values["search"] else "off"
    values.update(overrides or {})
    config = SiteConfig(site_dir=site_dir, **values)
    if paths:
        config = replace(config, paths=Paths(**{**vars(Paths()), **paths}))
    problems += _check_values(config, shown, key_lines)
    if problems:
        raise BuildFailed(problems)
    return config


def _read_values(
    loaded: yamlsafe.Loaded, values: dict[str, Any], paths: dict[str, str], shown: str
) -> list[Problem]:
    """Copy known keys into `values`, reporting unknown keys and wrong types."""
    problems: list[Problem] = []
    data = loaded.value
    if data is None:
        return problems
    if not isinstance(data, dict):
        return [Problem(shown, 1, "", "the config must be a list of 'key: value' lines")]
    for key, value in data.items():
        line = loaded.line(key)
        if key in _SECTIONS:
            if not isinstance(value, dict):
                problems.append(
                    Problem(
                        shown,
                        line,
                        key,
                        "must be a mapping of keys",
                        f"e.g. {key}:\\n  {next(iter(_SECTIONS[key]))}: ...",
                    )
                )
                continue
            for sub, sub_value in value.items():
                name = f"{key}.{sub}"
                spec = _SECTIONS[key].get(sub)
                problem = _check_type(name, sub_value, spec, shown, loaded.line(key, sub))
                if problem:
                    problems.append(problem)
                elif spec and key == "paths":
                    paths[sub] = sub_value
                elif spec:
                    values[spec[0]] = sub_value
            continue
        spec = _SCHEMA.get(key)
        problem = _check_type(key, value, spec, shown, line)
        if problem:
            problems.append(problem)
        elif spec:
            values[spec[0]] = value
    return problems


def _check_type(
    name: str, value: Any, spec: tuple[str, tuple[type, ...], str] | None, shown: str, line: int
) -> Problem | None:
    """Return a problem when a key is unknown or its value has the wrong type."""
    if spec is None:
        return Problem(
            shown, line, name, "unknown key", "check the spelling; see the README for every key"
        )
    _, types, type_name = spec
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        return Problem(shown, line, name, f"must be {type_name}, not {value!r}")
    return None


def _check_values(config: SiteConfig, shown: str, key_lines: dict[str, int]) -> list[Problem]:
    """Check values whose type is right but whose meaning is not."""
    problems: list[Problem] = []

    def bad(name: str, message: str, hint: str = "") -> None:
        problems.append(Problem(shown, key_lines.get(name, 0), name, message, hint))

    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        bad("timezone", f"unknown time zone {config.timezone!r}", "e.g. Asia/Ho_Chi_Minh")
    if config.per_page < 1:
        bad("per_page", "must be at least 1")
    if config.related_count < 0:
        bad("related.count", "must be 0 or more")
    if config.tone_style not in ("old", "new", "keep"):
        bad("tone_style", f"{config.tone_style!r} is not old, new or keep")
    if config.search not in ("full", "headlines", "off"):
        bad("search", f"{config.search!r} is not full, headlines or off")
    if config.raw_html not in ("escape", "allow", "safe"):
        bad("markdown.raw_html", f"{config.raw_html!r} is not escape, allow or safe")
    if not config.base_url.startswith(("http://", "https://")):
        bad("base_url", "must start with http:// or https://")
    permalink = config.permalink
    if not permalink.startswith("/") or not permalink.endswith("/") or "{slug}" not in permalink:
        bad("permalink", "must start and end with / and contain {slug}", "e.g. /{category}/{slug}/")
    leftover = permalink
    for name in _PERMALINK_FIELDS:
        leftover = leftover.replace(name, "")
    if "{" in leftover or "}" in leftover:
        bad("permalink", "unknown {field}", "use " + ", ".join(_PERMALINK_FIELDS))
    return problems


_BUNDLED = Path(__file__).resolve().parent / "_themes"
_CHECKOUT = Path(__file__).resolve().parent.parent / "themes"


def theme_dir(config: SiteConfig) -> Path:
    """Find the theme: the site's own themes/ first, then the theme shipped with newsgen."""
    for root in (config.site_dir / "themes", _BUNDLED, _CHECKOUT):
        candidate = root / config.theme
        if (candidate / "templates").is_dir():
            return candidate
    raise NewsgenError(
        f"theme {config.theme!r} not found",
        f"put it in themes/{config.theme}/templates/ or use theme: default",
        field="theme",
    )

"""Jinja environment, theme resolution and filters; render_page is a pure function of its inputs."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from . import vietnamese
from .config import SiteConfig, theme_dir
from .pages import Page


def template_dirs(config: SiteConfig) -> list[Path]:
    """Return template folders in lookup order: the site's overrides, then the theme."""
    dirs = [config.site_dir / "templates", theme_dir(config) / "templates"]
    return [d for d in dirs if d.is_dir()]


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process, checked against their source.

    Each build makes a new environment; the preview server builds on every save and would
    otherwise compile the theme again each time (about 50 ms). One cache per configuration:
    Jinja folds filters applied to constants ('/assets/x.css'|url) into the compiled code.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Hand Jinja the compiled code of a template (it checks the source's checksum)."""
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Keep a template's compiled code."""
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED: dict[str, _CompiledTemplates] = {}  # repr(config) -> its compiled templates


def make_environment(
    config: SiteConfig, build_time: dt.datetime, nav: Any = ()
) -> jinja2.Environment:
    """Create the one Jinja environment of a build: autoescaped, strict about undefined names."""
    dirs = template_dirs(config)
    theme_templates = theme_dir(config) / "templates"
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(d) for d in dirs]),
            jinja2.PrefixLoader({"theme": jinja2.FileSystemLoader(str(theme_templates))}),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        bytecode_cache=_COMPILED.setdefault(repr(config), _CompiledTemplates()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    env.filters.update(filters(config))
    env.globals.update(
        site={
            "title": config.title,
            "description": config.description,
            "base_url": config.base_url,
            "language": config.language,
            "timezone": config.timezone,
            "search_url": f"/{config.paths.search}/",
            "search": config.search,
            "tags_url": f"/{config.paths.tag}/",
            "authors_url": f"/{config.paths.author}/",
        },
        nav=nav,
        build_time=build_time,
    )
    return env


def filters(config: SiteConfig) -> dict[str, Callable[..., Any]]:
    """Return the filters themes use for dates and URLs (dates always in the site time zone)."""
    tz = config.tz
    base_path = config.base_path
    origin = config.origin

    def url(path: str) -> str:
        """Turn a site-relative URL into the one to write in a page (adds the base path)."""
        if path.startswith(("http://", "https://", "#", "mailto:")):
            return path
        return base_path + path.lstrip("/")

    def abs_url(path: str) -> str:
        """Turn a site-relative URL into an absolute one (feeds, sitemaps, Open Graph)."""
        return path if path.startswith(("http://", "https://")) else origin + url(path)

    return {
        "url": url,
        "abs_url": abs_url,
        "date_line": lambda d: vietnamese.format_date(d, tz),
        "short_date": lambda d: vietnamese.short_date(d, tz),
        "time": lambda d: vietnamese.time_of_day(d, tz),
        "weekday": lambda d: vietnamese.weekday_name(d, tz),
        "iso": lambda d: vietnamese.iso_datetime(d, tz),
        "rfc822": lambda d: vietnamese.rfc822(d, tz),
    }


def render_page(env: jinja2.Environment, page: Page) -> bytes:
    """Render one page to bytes; a pure function of the environment's templates and the context."""
    if page.template is None:
        return page.payload()
    template = env.get_template(page.template)
    return template.render(page.full_context()).encode("utf-8")


def templates_digest(config: SiteConfig) -> str:
    """Hash every template file, so caches of rendered pages know when the theme changed."""
    digest = hashlib.sha256()
    for directory in template_dirs(config):
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()

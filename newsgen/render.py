"""Jinja environment, theme resolution and filters; render_page is a pure function of its inputs."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
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
    """Compiled templates kept for the life of the process and in the cache folder.

    Each build makes a new environment; the preview server builds on every save and would
    otherwise compile the theme again each time (about 50 ms), and each CI build would compile
    it once (0.15 s). Jinja checks every entry against its template's source. Compiled code also
    depends on the configuration (Jinja folds filters applied to constants, '/assets/x.css'|url,
    into it) and on newsgen's filters: `salt` names both, and an entry made under another salt
    is not used. The folder holds one file per template, replaced when it is compiled again.
    """

    def __init__(self, salt: str, folder: Path | None) -> None:
        self._code: dict[str, bytes] = {}
        self._salt = hashlib.sha256(salt.encode()).digest()
        self._folder = folder

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Hand Jinja the compiled code of a template (it checks the source's checksum)."""
        code = self._code.get(bucket.key)
        if code is None and self._folder is not None:
            try:
                stored = (self._folder / f"{bucket.key}.jinja").read_bytes()
            except OSError:
                return
            if not stored.startswith(self._salt):
                return
            code = self._code[bucket.key] = stored[len(self._salt) :]
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Keep a template's compiled code, in memory and in the folder (if it can be written)."""
        code = self._code[bucket.key] = bucket.bytecode_to_string()
        if self._folder is None:
            return
        path = self._folder / f"{bucket.key}.jinja"
        temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            temp.write_bytes(self._salt + code)
            os.replace(temp, path)  # a concurrent build reads the old file or the new one
        except OSError:
            with contextlib.suppress(OSError):
                temp.unlink()


# (repr(config), folder) -> its compiled templates
_COMPILED: dict[tuple[str, Path | None], _CompiledTemplates] = {}


def make_environment(
    config: SiteConfig, build_time: dt.datetime, nav: Any = (), compiled: Path | None = None
) -> jinja2.Environment:
    """Create the one Jinja environment of a build: autoescaped, strict about undefined names.

    `compiled` is a folder to keep compiled templates in between processes (the build cache's).
    """
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
        bytecode_cache=_compiled(config, compiled),
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
        once=_rendered_once(),
    )
    return env


_ONCE_LIMIT = 20_000  # entries kept per environment and process: 20-40 MB at most


def _rendered_once() -> Callable[..., Any]:
    """Return `once(macro, item, ...)`: a macro's output for an item, rendered once per build.

    An article's listing entry is the same on every listing that shows it (its section, tags,
    authors, the home page): 80,000 entries at 10,000 articles, 10,000 distinct. The items are
    the build's own view objects (views.list_entry, one per article and build), so a call is
    keyed by the macro's and the item's identity (both held with the output, so no other
    object can take their identity while the entry is kept) and the arguments. A macro
    imported without context sees only its arguments and the environment's globals, so its
    output cannot differ; a new environment, made for each build, starts empty.
    """
    kept: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}

    def once(macro: Callable[..., Any], item: Any, *args: Any, **kwargs: Any) -> Any:
        key = (id(macro), id(item), args, tuple(sorted(kwargs.items())))
        try:
            hit = kept.get(key)
        except TypeError:  # an argument that cannot be a key: render it every time
            return macro(item, *args, **kwargs)
        if hit is not None:
            return hit[2]
        if len(kept) >= _ONCE_LIMIT:
            kept.clear()
        html = macro(item, *args, **kwargs)
        kept[key] = (macro, item, html)
        return html

    return once


def _compiled(config: SiteConfig, folder: Path | None) -> _CompiledTemplates:
    """Return the compiled-template cache of a configuration (and folder) in this process."""
    from .cache import code_digest  # the filters' code is part of what Jinja folds

    described = repr(config)
    held = _COMPILED.get((described, folder))
    if held is None:
        salt = f"{code_digest()}\0{jinja2.__version__}\0{described}"
        held = _COMPILED[(described, folder)] = _CompiledTemplates(salt, folder)
    return held


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

"""Source file -> Article: decoding, front matter, Markdown body, images; every problem collected."""

from __future__ import annotations

import datetime as dt
import functools
import os
import posixpath
import stat
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from . import frontmatter, markup, vietnamese
from . import images as imagelib
from .config import SiteConfig
from .errors import NewsgenError, Problem
from .sources import Source
from .terms import extract_terms

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg"}
_MEASURED = imagelib.RESIZED | {".gif"}  # sizes Pillow reads; SVG and AVIF pass through as written


@dataclass(frozen=True)
class Image:
    """An image file an article publishes next to its page."""

    source: str  # the file to copy, relative to the site's resolved folder (SiteConfig.site_real)
    name: str  # file name in the article's output folder
    width: int = 0  # as displayed (EXIF orientation applied); 0 when unknown (SVG, AVIF)
    height: int = 0
    line: int = 0  # where the article first uses it, for messages about the file

    def plan(self) -> imagelib.Plan | None:
        """Return the files publishing makes of it (names and sizes), None without dimensions."""
        if not self.width:
            return None
        return imagelib.layout(self.name, self.width, self.height)


@dataclass(frozen=True)
class Article:
    """A parsed article: everything later stages need, and nothing that depends on other articles."""

    rel: str
    sha256: str
    title: str
    date: dt.datetime
    updated: dt.datetime | None
    expires: dt.datetime | None
    authors: tuple[str, ...]
    category: str
    tags: tuple[str, ...]
    summary: str
    slug: str
    draft: bool
    cover: str | None  # image name in the article folder, a site path, or an http(s) URL
    cover_alt: str
    body_html: str
    images: tuple[Image, ...]
    related_pins: tuple[str, ...]
    related_exclude: tuple[str, ...]
    related_enabled: bool
    aliases: tuple[str, ...]
    terms: tuple[tuple[str, float], ...]
    lines: tuple[tuple[str, int], ...]
    digest: str = ""  # hash of every field above, set after parsing: pages key on it, not on bodies
    # True: body_html ("") was left in the build cache; bodies.body_of reads it when a page needs it
    body_stored: bool = False

    def line(self, key: str) -> int:
        """Return the line of a front matter key, for messages about it."""
        return dict(self.lines).get(key, 1)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the field values, a zoned time as its bytes and zone name.

        A rebuild loads every cached article: the field names of a pickled dict and each
        time's zone object made that 0.40 s at 10,000 articles; this way it is 0.2 s.
        """
        return (unpack_article, (pack_article(self),))


_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
_TIME_FIELDS = tuple(_ARTICLE_FIELDS.index(name) for name in ("date", "updated", "expires"))
_ZONES: dict[str, ZoneInfo] = {}
_time_from_state: Callable[[bytes, ZoneInfo], dt.datetime] = dt.datetime  # type: ignore[assignment]


def _packed_time(value: dt.datetime | None) -> Any:
    """A time in a named zone as (its pickled bytes, the zone's name); anything else as is."""
    zone = value.tzinfo if value is not None else None
    if isinstance(zone, ZoneInfo) and zone.key and ZoneInfo(zone.key) is zone:
        return (value.__reduce_ex__(5)[1][0], zone.key)
    return value


def pack_article(article: Article) -> tuple[Any, ...]:
    """Return an article's field values, zoned times as bytes and zone name (pickled as is:
    Article.__reduce__, and the build cache's snapshot of every article, column by column)."""
    state = article.__dict__
    values = [state[name] for name in _ARTICLE_FIELDS]
    for at in _TIME_FIELDS:
        values[at] = _packed_time(values[at])
    return tuple(values)


def unpack_article(values: tuple[Any, ...]) -> Article:
    """Rebuild an Article from pack_article()'s values."""
    article = object.__new__(Article)
    state = article.__dict__
    state.update(zip(_ARTICLE_FIELDS, values, strict=True))
    for at in _TIME_FIELDS:
        value = values[at]
        if type(value) is tuple:
            zone = _ZONES.get(value[1]) or _ZONES.setdefault(value[1], ZoneInfo(value[1]))
            state[_ARTICLE_FIELDS[at]] = _time_from_state(value[0], zone)
    return article


@dataclass(frozen=True)
class Parsed:
    """The outcome of parsing one source: an article, or the errors that stopped it."""

    article: Article | None
    problems: tuple[Problem, ...]

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as its two values (the cache holds one per article)."""
        return (make_parsed, (self.article, self.problems))


def make_parsed(article: Article | None, problems: tuple[Problem, ...]) -> Parsed:
    """Make a Parsed without the frozen __init__ (unpickling, the cache's snapshot)."""
    parsed = object.__new__(Parsed)
    parsed.__dict__.update(article=article, problems=problems)
    return parsed


def decode(source: Source, config: SiteConfig) -> str:
    """Decode UTF-8 (BOM and CRLF accepted) and normalise, or raise with the bad byte's place."""
    data = source.data
    if len(data) > config.max_file_size:
        raise NewsgenError(
            f"the file is {len(data):,} bytes, over the limit of {config.max_file_size:,}",
            "split it, or raise max_file_size in newsgen.yaml",
            line=1,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise NewsgenError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} at line {line}, column {column}",
            "save the file as UTF-8",
            line=line,
        ) from None
    return vietnamese.normalize(text.replace("\r\n", "\n").replace("\r", "\n"))


def parse_article(source: Source, config: SiteConfig, renderer: markup.BodyRenderer) -> Parsed:
    """Parse one source into an Article, collecting every problem instead of stopping at the first."""
    collected = frontmatter.Collected()
    try:
        text = decode(source, config)
        parts = frontmatter.split(text)
    except NewsgenError as exc:
        return Parsed(None, (exc.at(source.rel),))
    _text_warnings(text, collected)
    meta = frontmatter.read(parts.front, config.tz, collected)
    article = None
    if meta is not None:
        try:
            article = _build(source, config, renderer, meta, parts, collected)
        except (RecursionError, ValueError, TypeError, KeyError, IndexError) as exc:
            # a bug meeting strange content must still name the file, never print a traceback
            collected.errors.append(
                NewsgenError(
                    f"newsgen could not process this file ({type(exc).__name__}: {exc})",
                    "simplify the body around the unusual part, and report it",
                    line=parts.body_line,
                )
            )
    problems = [e.at(source.rel) for e in collected.errors]
    problems += [_warning(w.at(source.rel)) for w in collected.warnings]
    if collected.errors:
        article = None
    return Parsed(article, tuple(problems))


def _warning(problem: Problem) -> Problem:
    """Mark a problem as a warning (printed, counted, fatal only with --strict)."""
    return Problem(problem.path, problem.line, problem.field, problem.message, problem.hint, True)


def _text_warnings(text: str, collected: frontmatter.Collected) -> None:
    """Warn about leftover combining marks and text pasted from legacy Vietnamese encodings."""
    for line in vietnamese.combining_mark_lines(text):
        collected.warnings.append(
            NewsgenError(
                "a combining accent mark is left over",
                "retype the word with a Vietnamese keyboard (Unicode)",
                line=line,
            )
        )
    for line, encoding, suggestion in vietnamese.detect_legacy(text):
        collected.warnings.append(
            NewsgenError(
                f"this looks like text in the old {encoding} encoding",
                f"did you mean: {suggestion}",
                line=line,
            )
        )


def _build(
    source: Source,
    config: SiteConfig,
    renderer: markup.BodyRenderer,
    meta: frontmatter.FrontMatter,
    parts: frontmatter.Split,
    collected: frontmatter.Collected,
) -> Article | None:
    """Turn valid front matter and a body into an Article."""
    category = meta.category or _folder_category(source.rel)
    if not category:
        collected.errors.append(
            NewsgenError(
                "category is missing",
                "add 'category: Thời sự' or put the file in a folder",
                field="category",
                line=1,
            )
        )
        return None
    _check_term_slugs(meta, category, collected)
    slug = _slug(meta, config, collected)
    captions = dict(meta.captions)
    images, rewrite = _plan_images(source, config, parts.body, collected)
    try:
        rendered = renderer.render(parts.body, parts.body_line, captions, rewrite)
    except markup.RenderError as exc:
        collected.errors.append(exc)
        return None
    _check_rendered(rendered, meta, rewrite, collected)
    cover, cover_alt = _cover(meta, source, config, images, rendered, collected)
    images = _measure(images, rendered, meta, collected, config)
    body_html = _enhance(rendered.html, images, cover)
    summary = meta.summary or markup.first_paragraph(parts.body)
    body_text = markup.plain_text(parts.body)
    terms = extract_terms(meta.title, summary, body_text)
    if slug is None:
        return None
    return Article(
        rel=source.rel,
        sha256=source.sha256,
        title=meta.title,
        date=meta.date,
        updated=meta.updated,
        expires=meta.expires,
        authors=meta.authors,
        category=category,
        tags=meta.tags,
        summary=summary,
        slug=slug,
        draft=meta.draft,
        cover=cover,
        cover_alt=cover_alt,
        body_html=body_html,
        images=tuple(images.values()),
        related_pins=meta.related,
        related_exclude=meta.related_exclude,
        related_enabled=meta.related_enabled,
        aliases=meta.aliases,
        terms=tuple(sorted(terms.items())),
        lines=meta.lines,
    )


def _check_term_slugs(
    meta: frontmatter.FrontMatter, category: str, collected: frontmatter.Collected
) -> None:
    """A tag, author or category needs letters or digits: its page URL is made from them."""
    fields = [("category", (category,)), ("tags", meta.tags), ("author", meta.authors)]
    for field, names in fields:
        for name in names:
            try:
                vietnamese.slugify(name)
            except vietnamese.SlugError:
                collected.errors.append(
                    NewsgenError(
                        f"{name!r} has no letters or digits for its page address",
                        "write it with letters, e.g. Lễ hội",
                        field=field,
                        line=meta.line(
                            "authors"
                            if field == "author" and "authors" in dict(meta.lines)
                            else field
                        ),
                    )
                )


def _folder_category(rel: str) -> str:
    """Default category: the first folder under content/."""
    parts = PurePosixPath(rel).parts
    return parts[1] if len(parts) > 2 else ""


def _slug(
    meta: frontmatter.FrontMatter, config: SiteConfig, collected: frontmatter.Collected
) -> str | None:
    """Use the given slug (checked) or make one from the title."""
    if meta.slug is not None:
        try:
            made = vietnamese.slugify(meta.slug, config.slug_max_length)
        except vietnamese.SlugError as exc:
            collected.errors.append(
                NewsgenError(
                    str(exc), "write letters and digits", field="slug", line=meta.line("slug")
                )
            )
            return None
        if made != meta.slug:
            collected.errors.append(
                NewsgenError(
                    f"{meta.slug!r} is not a valid slug",
                    f"write slug: {made}",
                    field="slug",
                    line=meta.line("slug"),
                )
            )
            return None
        return made
    try:
        return vietnamese.slugify(meta.title, config.slug_max_length)
    except vietnamese.SlugError:
        collected.errors.append(
            NewsgenError(
                "the title gives an empty slug",
                "add a line such as slug: tin-moi",
                field="title",
                line=meta.line("title"),
            )
        )
        return None


def _plan_images(
    source: Source, config: SiteConfig, body: str, collected: frontmatter.Collected
) -> tuple[dict[str, Image], dict[str, str]]:
    """Find each local image on disk and decide its published name and URL."""
    images: dict[str, Image] = {}
    rewrite: dict[str, str] = {}
    for src in markup.image_sources(body):
        if not markup._is_local(src) or src in rewrite:
            continue
        resolved = _resolve_local(source, config, src)
        if resolved is None:
            continue  # reported with its line after rendering
        if src.startswith("/"):
            rewrite[src] = config.base_path + src.lstrip("/")
            continue
        name = posixpath.basename(urlsplit(src).path)
        other = images.get(name)
        if other is not None and other.source != site_relative(config, resolved):
            collected.errors.append(
                NewsgenError(
                    f"two different images are named {name}",
                    "rename one of them",
                    field="image",
                    line=1,
                )
            )
        images[name] = Image(site_relative(config, resolved), name)
        rewrite[src] = name
    return images, rewrite


def site_relative(config: SiteConfig, path: Path | str) -> str:
    """Write a resolved file inside the site relative to the site: cached parses then hold no
    folder of this machine, and a site checked out elsewhere keeps them. A file outside (under
    a static/ folder linked from elsewhere) stays absolute."""
    text, base = os.fspath(path), config.site_real.rstrip("/") + "/"
    return text[len(base) :] if text.startswith(base) else text


def site_file(config: SiteConfig, relative: str) -> str:
    """Return the file a site-relative path (Image.source, a parse's dependency) names."""
    return relative if relative.startswith("/") else f"{config.site_real.rstrip('/')}/{relative}"


def _measure(
    images: dict[str, Image],
    rendered: markup.Rendered,
    meta: frontmatter.FrontMatter,
    collected: frontmatter.Collected,
    config: SiteConfig,
) -> dict[str, Image]:
    """Read each image's size from its header; a file that is no image is an error at its line."""
    lines: dict[str, int] = {}
    for use in rendered.images:
        lines.setdefault(posixpath.basename(urlsplit(use.src).path), use.line)
    measured = {}
    for name, image in images.items():
        line = lines.get(name, meta.line("image"))
        width = height = 0
        if PurePosixPath(name).suffix.lower() in _MEASURED:
            try:
                width, height = imagelib.probe(Path(site_file(config, image.source)))
            except imagelib.ImageProblem as exc:
                collected.errors.append(
                    NewsgenError(
                        str(exc),
                        "export it again as JPEG, PNG or WebP, or replace the file",
                        field="body" if name in lines else "image",
                        line=line,
                    )
                )
        measured[name] = Image(image.source, name, width, height, line)
    return measured


def dependency(path: Path | None, config: SiteConfig) -> str | None:
    """Describe what a parse learns from an image file: where it is in the site and its size
    (or why not).

    The parse cache re-checks this each build, so a replaced image of another size (or a file
    that stopped being an image) is parsed again; header only, no decoding.
    """
    if path is None:
        return None
    where = site_relative(config, path)
    if path.suffix.lower() not in _MEASURED:
        return where
    try:
        width, height = imagelib.probe(path)
    except imagelib.ImageProblem as exc:
        return f"{where}\0{exc}"
    return f"{where}\0{width}x{height}"


def _enhance(body: str, images: dict[str, Image], cover: str | None) -> str:
    """Give body images their width, height, srcset and lazy loading (the cover loads at once)."""
    plans = {name: plan for name, image in images.items() if (plan := image.plan()) is not None}
    return imagelib.enhance_body(body, plans, lead=cover) if plans else body


# folder as written -> as resolved: a build resolves each article folder once, not per image
# (the image checks of 10,000 cached articles took 1.2 s with a realpath each). Cleared by
# forget_folders() at the start of every parse stage, so a folder replaced by a link is seen.
_REAL_FOLDERS: dict[str, str] = {}


def forget_folders() -> None:
    """Forget the folders resolved by an earlier build of this process."""
    _REAL_FOLDERS.clear()


def _resolve_local(source: Source, config: SiteConfig, src: str) -> Path | None:
    """Find an image relative to the article, or under static/ for '/...' paths; None if missing."""
    found = local_file(source, config, src)
    return Path(found) if found is not None else None


def local_file(source: Source, config: SiteConfig, src: str) -> str | None:
    """_resolve_local as a string, for the parse cache's checks of 10,000 articles' images.

    A plain name (no "..") that is a regular file resolves through its folder, resolved once
    per build; anything else takes the full path resolution.
    """
    path = _url_path(src)
    site = config.site_dir
    joined = lexical_file(source, config, src)
    if joined is not None:
        quick = _resolve_plain(str(site), path, joined)
        if quick is not None:
            return quick or None
    if path.startswith("/"):
        candidate = (site / "static" / path.lstrip("/")).resolve()
        root = (site / "static").resolve()
    else:
        candidate = (site / PurePosixPath(source.rel).parent / path).resolve()
        root = site.resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return str(candidate)


def lexical_file(source: Source, config: SiteConfig, src: str) -> str | None:
    """Where an image path points, links not followed (None when it holds ".."): equal to
    where it resolves exactly when no link lies on the way."""
    return _lexical(str(config.site_dir), source.rel, src)


@functools.lru_cache(maxsize=131_072)
def _lexical(site: str, rel: str, src: str) -> str | None:
    """lexical_file, remembered: string work only, asked again for every photo at every save."""
    path = _url_path(src)
    if os.sep != "/" or ".." in path:
        return None
    if path.startswith("/"):
        return posixpath.normpath(f"{site}/static/{path.lstrip('/')}")
    return posixpath.normpath(f"{site}/{posixpath.dirname(rel)}/{path}")


def _url_path(src: str) -> str:
    """The path of a local image's URL (a plain one is its own path)."""
    plain = "?" not in src and "#" not in src and ":" not in src and src[:2] != "//"
    return src if plain else urlsplit(src).path


def _resolve_plain(site: str, path: str, joined: str) -> str | None:
    """Resolve an image path without "..": the file, "" if there is none (or it lies outside),
    None if only the full resolution can tell (the file is a link)."""
    root = _real_folder(f"{site}/static" if path.startswith("/") else site)
    folder, name = posixpath.split(joined)
    try:
        mode = os.lstat(joined).st_mode
    except OSError:
        return ""
    if stat.S_ISLNK(mode):
        return None
    candidate = f"{_real_folder(folder)}/{name}"
    if not stat.S_ISREG(mode) or not candidate.startswith(root.rstrip("/") + "/"):
        return ""
    return candidate


def _real_folder(folder: str) -> str:
    """Resolve a folder's links, once per build."""
    real = _REAL_FOLDERS.get(folder)
    if real is None:
        real = _REAL_FOLDERS[folder] = os.path.realpath(folder)
    return real


def _check_rendered(
    rendered: markup.Rendered,
    meta: frontmatter.FrontMatter,
    rewrite: dict[str, str],
    collected: frontmatter.Collected,
) -> None:
    """Report dangerous URLs, missing images and captions that match no image."""
    for url, line in rendered.bad_urls:
        collected.errors.append(
            NewsgenError(
                f"{url.split(':')[0]}: URLs are not allowed",
                "link to an http(s) address or a file",
                field="body",
                line=line,
            )
        )
    for what, line in rendered.removed:
        collected.warnings.append(
            NewsgenError(
                f"{what} was removed from the raw HTML",
                "markdown.raw_html: safe keeps only an allow-list (see docs/integrity.md)",
                field="body",
                line=line,
            )
        )
    names = set()
    for use in rendered.images:
        names.add(posixpath.basename(urlsplit(use.src).path))
        if use.src not in rewrite:
            where = "under static/" if use.src.startswith("/") else "next to the article"
            collected.errors.append(
                NewsgenError(
                    f"image {use.src} not found",
                    f"put the file {where} or fix the name",
                    field="body",
                    line=use.line,
                )
            )
    for name, _caption in meta.captions:
        if name not in rendered.captions_used and name not in names:
            collected.warnings.append(
                NewsgenError(
                    f"caption for {name}, but the body has no such image",
                    "check the file name",
                    field="captions",
                    line=meta.line("captions"),
                )
            )


def _cover(
    meta: frontmatter.FrontMatter,
    source: Source,
    config: SiteConfig,
    images: dict[str, Image],
    rendered: markup.Rendered,
    collected: frontmatter.Collected,
) -> tuple[str | None, str]:
    """Choose the cover image: `image:` if given, else the first image in the body."""
    if meta.image:
        if not markup._is_local(meta.image):
            return meta.image, meta.title
        resolved = _resolve_local(source, config, meta.image)
        if resolved is None:
            collected.errors.append(
                NewsgenError(
                    f"image {meta.image} not found",
                    "check the file name and folder",
                    field="image",
                    line=meta.line("image"),
                )
            )
            return None, ""
        if meta.image.startswith("/"):
            return config.base_path + meta.image.lstrip("/"), meta.title
        name = resolved.name
        images.setdefault(name, Image(site_relative(config, resolved), name))
        return name, meta.title
    for use in rendered.images:
        name = posixpath.basename(urlsplit(use.src).path)
        if name in images and PurePosixPath(name).suffix.lower() in _IMAGE_SUFFIXES:
            caption = dict(meta.captions).get(name, "")
            return name, caption or meta.title
    return None, ""

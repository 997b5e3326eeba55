"""Redirect pages for `aliases:`: old URLs (a WordPress archive, a renamed slug) keep working."""

from __future__ import annotations

import html
import posixpath
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from .config import SiteConfig
from .errors import BuildFailed, Problem
from .index import SiteIndex
from .pages import Page

_HINT = "write the old address as a path such as /2019/05/bai-cu.html or /2019/05/bai-cu/"


def alias_pages(index: SiteIndex, config: SiteConfig) -> Iterator[Page]:
    """Yield one redirect page per alias of each published article; refuse unsafe aliases."""
    pages: list[Page] = []
    problems: list[Problem] = []
    for article, url in zip(index.articles, index.urls, strict=True):
        for alias in article.aliases:
            path, problem = alias_path(alias)
            if problem:
                problems.append(
                    Problem(article.rel, article.line("aliases"), "aliases", problem, _HINT)
                )
            elif path == url:
                problems.append(
                    Problem(
                        article.rel,
                        article.line("aliases"),
                        "aliases",
                        f"{alias} is the article's own URL",
                        "remove it from aliases",
                    )
                )
            else:
                target = config.base_url.rstrip("/") + "/" + url.lstrip("/")
                pages.append(Page(path, None, {}, redirect_html(target, article.title)))
    if problems:
        raise BuildFailed(problems)
    yield from pages


def alias_path(alias: str) -> tuple[str, str]:
    """Turn an alias into a site path ('/a/b.html' or '/a/b/'), or explain why it cannot be one."""
    parts = urlsplit(alias.strip())
    if parts.scheme or parts.netloc or not alias.strip().startswith("/"):
        return "", f"{alias!r} is not a path on this site"
    if parts.query or parts.fragment:
        return "", f"{alias!r} has a '?' or '#' part, which a static site cannot redirect"
    path = unquote(parts.path)
    segments = [s for s in path.split("/") if s]
    if any(s in (".", "..") or "\\" in s or "\0" in s for s in segments):
        return "", f"{alias!r} leaves the output folder"
    if not segments:
        return "", f"{alias!r} is the home page"
    clean = "/" + "/".join(segments)
    if path.endswith("/") or not posixpath.splitext(segments[-1])[1]:
        return clean + "/", ""
    return clean, ""


def redirect_html(target: str, title: str) -> bytes:
    """Return a small page that sends readers and search engines to the article's new address."""
    url, name = html.escape(target, quote=True), html.escape(title, quote=True)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="vi">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{name}</title>\n"
        '<meta name="robots" content="noindex">\n'
        f'<link rel="canonical" href="{url}">\n'
        f'<meta http-equiv="refresh" content="0; url={url}">\n'
        "</head>\n"
        "<body>\n"
        f'<p>Bài viết đã chuyển tới <a href="{url}">{name}</a>.</p>\n'
        "</body>\n"
        "</html>\n"
    ).encode()

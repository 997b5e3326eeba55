"""Absolute URLs from base_url, for every file read by machines (feeds, sitemaps, Open Graph)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from ..config import SiteConfig

_ABSOLUTE = ("http://", "https://", "mailto:", "tel:", "data:", "#")
_ATTRIBUTE_RE = re.compile(r'(\s(?:src|href|poster)=")([^"]*)(")')
_SRCSET_RE = re.compile(r'(\ssrcset=")([^"]*)(")')  # resized article images


def origin(config: SiteConfig) -> str:
    """Return scheme and host of base_url: 'https://user.github.io'."""
    return config.origin


def absolute(config: SiteConfig, path: str) -> str:
    """Turn a site-relative URL ('/thoi-su/') into the absolute one under base_url."""
    if path.startswith(("http://", "https://")):
        return path
    return origin(config) + config.base_path + path.lstrip("/")


def absolutize_html(html: str, page_url: str) -> str:
    """Make every relative src/href in article HTML absolute against the article's own URL."""

    def fix(match: re.Match[str]) -> str:
        value = match.group(2)
        if value.startswith(_ABSOLUTE) or not value:
            return match.group(0)
        return (
            match.group(1)
            + urljoin(page_url, value.replace("&amp;", "&")).replace("&", "&amp;")
            + match.group(3)
        )

    def fix_srcset(match: re.Match[str]) -> str:
        candidates = [c.strip().split(None, 1) for c in match.group(2).split(",") if c.strip()]
        joined = ", ".join(
            " ".join([c[0] if c[0].startswith(_ABSOLUTE) else urljoin(page_url, c[0]), *c[1:]])
            for c in candidates
        )
        return match.group(1) + joined + match.group(3)

    return _SRCSET_RE.sub(fix_srcset, _ATTRIBUTE_RE.sub(fix, html))

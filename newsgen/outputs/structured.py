"""Head metadata for social networks and search engines: Open Graph, Twitter card, JSON-LD."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from .. import vietnamese
from ..config import SiteConfig
from ..views import ArticleView, Link, PageMeta
from .urls import absolute

SCHEMA = "https://schema.org"


def article_meta(meta: PageMeta, view: ArticleView, config: SiteConfig) -> PageMeta:
    """Add Open Graph, Twitter card, NewsArticle and BreadcrumbList data to an article page."""
    tz = config.tz
    url = absolute(config, view.url)
    image = absolute(config, view.cover.src) if view.cover else None
    published = vietnamese.iso_datetime(view.date, tz)
    modified = vietnamese.iso_datetime(view.updated or view.date, tz)
    og = _common_og(config, "article", view.title, view.summary, url, image)
    og += [("article:published_time", published), ("article:modified_time", modified)]
    og += [("article:author", a.name) for a in view.authors]
    og.append(("article:section", view.category.name))
    og += [("article:tag", t.name) for t in view.tags]
    news: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "NewsArticle",
        "headline": view.title,
        "description": view.summary,
        "datePublished": published,
        "dateModified": modified,
        "author": [{"@type": "Person", "name": a.name} for a in view.authors],
        "publisher": publisher(config),
        "inLanguage": "vi",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "articleSection": view.category.name,
    }
    if image:
        news["image"] = [image]
    if view.tags:
        news["keywords"] = [t.name for t in view.tags]
    trail = (Link("Trang chủ", "/"), view.category, Link(view.title, view.url))
    return dataclasses.replace(
        meta,
        modified=view.updated or view.date,
        og=tuple(og),
        twitter=_twitter(view.title, view.summary, image),
        jsonld=(news, breadcrumb_list(config, trail)),
    )


def listing_meta(meta: PageMeta, config: SiteConfig, trail: Sequence[Link] = ()) -> PageMeta:
    """Add Open Graph and Twitter data (and a BreadcrumbList or WebSite) to any other page."""
    url = absolute(config, meta.url)
    image = absolute(config, meta.image) if meta.image else None
    og = _common_og(config, "website", meta.title, meta.description, url, image)
    jsonld: tuple[dict[str, Any], ...] = ()
    if meta.kind == "home":
        jsonld = (
            {
                "@context": SCHEMA,
                "@type": "WebSite",
                "name": config.title,
                "url": absolute(config, "/"),
                "inLanguage": "vi",
                "publisher": publisher(config),
            },
        )
    elif trail:
        jsonld = (breadcrumb_list(config, trail),)
    return dataclasses.replace(
        meta, og=tuple(og), twitter=_twitter(meta.title, meta.description, image), jsonld=jsonld
    )


def publisher(config: SiteConfig) -> dict[str, Any]:
    """Describe the newsroom as the schema.org publisher."""
    return {"@type": "NewsMediaOrganization", "name": config.title, "url": absolute(config, "/")}


def breadcrumb_list(config: SiteConfig, trail: Sequence[Link]) -> dict[str, Any]:
    """Return a schema.org BreadcrumbList of absolute URLs, home first."""
    items = [
        {"@type": "ListItem", "position": n, "name": step.name, "item": absolute(config, step.url)}
        for n, step in enumerate(trail, 1)
    ]
    return {"@context": SCHEMA, "@type": "BreadcrumbList", "itemListElement": items}


def _common_og(
    config: SiteConfig, kind: str, title: str, description: str, url: str, image: str | None
) -> list[tuple[str, str]]:
    """Return the Open Graph tags every page has."""
    og = [
        ("og:type", kind),
        ("og:site_name", config.title),
        ("og:title", title),
        ("og:url", url),
        ("og:locale", "vi_VN"),
    ]
    if description:
        og.append(("og:description", description))
    if image:
        og.append(("og:image", image))
    return og


def _twitter(title: str, description: str, image: str | None) -> tuple[tuple[str, str], ...]:
    """Return the Twitter card tags: a large image card when there is an image."""
    card = [
        ("twitter:card", "summary_large_image" if image else "summary"),
        ("twitter:title", title),
    ]
    if description:
        card.append(("twitter:description", description))
    if image:
        card.append(("twitter:image", image))
    return tuple(card)

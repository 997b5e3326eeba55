"""View objects handed to templates: explicit, frozen, documented in themes/README.md."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from .bodies import body_of
from .cache import fingerprint
from .config import SiteConfig
from .content import Article
from .index import SiteIndex


@dataclass(frozen=True)
class Link:
    """A named link: a category, tag or author, or a breadcrumb step."""

    name: str
    url: str
    count: int = 0


@dataclass(frozen=True)
class ImageView:
    """An image as a template writes it: `src` is site-relative (use |url) or absolute."""

    src: str
    alt: str
    width: int = 0  # 0 when unknown (remote, static/ or SVG images)
    height: int = 0


@dataclass(frozen=True)
class ListEntry:
    """An article as listed on home, section, tag, author and archive pages, and in Xem thêm."""

    title: str
    url: str
    date: dt.datetime
    summary: str
    category: Link
    thumb: ImageView | None  # 480×320, for list entries
    image: ImageView | None  # 1200×630, for the lead story of the home and section pages


@dataclass(frozen=True)
class ArticleView:
    """Everything the article template shows."""

    title: str
    url: str
    date: dt.datetime
    updated: dt.datetime | None
    authors: tuple[Link, ...]
    category: Link
    tags: tuple[Link, ...]
    summary: str
    body: Markup
    cover: ImageView | None  # the 1200×630 social image (og:image) of an article image
    related: tuple[ListEntry, ...]
    related_enabled: bool
    draft: bool
    scheduled: bool
    source: str


@dataclass(frozen=True)
class Pagination:
    """Where a listing page sits among its pages; page 1 is the listing's own URL."""

    number: int
    total: int
    prev_url: str | None
    next_url: str | None
    urls: tuple[str, ...]


@dataclass(frozen=True)
class PageMeta:
    """What the <head> needs: title, description, canonical URL, social image, structured data."""

    kind: str
    title: str
    description: str
    url: str
    image: str | None = None
    noindex: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    modified: dt.datetime | None = None  # sitemap lastmod: newest change shown on the page
    og: tuple[tuple[str, str], ...] = ()  # Open Graph <meta property> pairs, in order
    twitter: tuple[tuple[str, str], ...] = ()  # Twitter card <meta name> pairs
    jsonld: tuple[dict[str, Any], ...] = ()  # JSON-LD objects, written with |tojson
    feeds: tuple[Link, ...] = ()  # RSS feeds to announce with <link rel="alternate">


def cover_of(
    article: Article, url: str, config: SiteConfig, kind: str = "cover"
) -> ImageView | None:
    """Return the article's cover as a site-relative or absolute URL.

    `kind` picks the published file of an article image: "thumb" (480×320, for lists),
    "og" (1200×630, for social cards and the article's `cover`) or "cover" (the image itself).
    """
    cover = article.cover
    if cover is None:
        return None
    if cover.startswith(("http://", "https://")):
        return ImageView(cover, article.cover_alt)
    if cover.startswith(config.base_path) and "/" in cover:
        return ImageView("/" + cover.removeprefix(config.base_path), article.cover_alt)
    image = next((i for i in article.images if i.name == cover), None)
    plan = image.plan() if image is not None else None
    if plan is None:
        return ImageView(posixpath.join(url, cover), article.cover_alt)
    size = {"thumb": plan.thumb, "og": plan.og}.get(kind)
    if size is None:
        return ImageView(posixpath.join(url, cover), article.cover_alt, plan.width, plan.height)
    return ImageView(posixpath.join(url, size.name), article.cover_alt, size.width, size.height)


def term_link(index: SiteIndex, kind: str, position: int) -> Link:
    """Return the link to a category, tag or author by its position in the index.

    Without its article count: every page showing the link would change with each new
    article of that section, tag or author (the tag and author index pages show counts).
    """
    memo = (kind, position)
    link = index.memo.get(memo)
    if link is None:
        terms = {"category": index.categories, "tag": index.tags, "author": index.authors}[kind]
        term = terms[position]
        link = index.memo[memo] = Link(term.name, term.url)
    return link


def article_digest(index: SiteIndex, position: int) -> str:
    """Return the hash of an article as parsed (computed here for articles made without one)."""
    article = index.articles[position]
    if article.digest:
        return article.digest
    memo = ("digest", position)
    digest = index.memo.get(memo)
    if digest is None:
        digest = index.memo[memo] = fingerprint(article).hex()
    return str(digest)


def dep(*values: Any) -> str:
    """Write values a page depends on as one line (repr never holds a raw newline)."""
    return repr(values)


def link_deps(index: SiteIndex, kind: str, positions: tuple[int, ...]) -> str:
    """Return what links to some categories, tags or authors show: name and URL (term_link)."""
    lines = dep_tables(index)[kind]
    return ",".join([lines[p] for p in positions])


def entry_deps(index: SiteIndex, position: int) -> str:
    """Return what an article's list entry depends on: its URL, parse hash and section link."""
    return dep_tables(index)["entry"][position]


def dep_tables(index: SiteIndex) -> dict[str, list[str]]:
    """Write every term link's and list entry's dependency line once per index."""
    tables: dict[str, list[str]] | None = index.memo.get(("dep-tables", 0))
    if tables is None:
        tables = {
            kind: [repr((t.name, t.url)) for t in terms]
            for kind, terms in (
                ("category", index.categories),
                ("tag", index.tags),
                ("author", index.authors),
            )
        }
        sections = tables["category"]
        tables["entry"] = [_entry_line(index, p, sections) for p in range(len(index.urls))]
        index.memo["dep-tables", 0] = tables
    return tables


def carry_dep_tables(index: SiteIndex, old: SiteIndex, changed: Iterable[int]) -> None:
    """Give an index of the same taxonomies the last one's dependency lines, redoing the changed."""
    tables: dict[str, list[str]] | None = old.memo.get(("dep-tables", 0))
    if tables is None or ("dep-tables", 0) in index.memo:
        return
    tables = {kind: list(lines) for kind, lines in tables.items()}
    entry, sections = tables["entry"], tables["category"]
    for p in changed:
        entry[p] = _entry_line(index, p, sections)
    index.memo["dep-tables", 0] = tables


def _entry_line(index: SiteIndex, position: int, sections: list[str]) -> str:
    """Write what a list entry depends on: its URL, the article's hash and its section link."""
    url, section = index.urls[position], sections[index.article_category[position]]
    return f"({url!r},{article_digest(index, position)!r},{section})"


def list_entry(index: SiteIndex, position: int, config: SiteConfig) -> ListEntry:
    """Describe one article for a listing (made once per build, shown on many pages)."""
    entry = index.memo.get(("entry", position))
    if entry is None:
        entry = index.memo["entry", position] = _list_entry(index, position, config)
    return entry


def _list_entry(index: SiteIndex, position: int, config: SiteConfig) -> ListEntry:
    """Build the listing view of one article."""
    article = index.articles[position]
    url = index.urls[position]
    return ListEntry(
        title=article.title,
        url=url,
        date=article.date,
        summary=article.summary,
        category=term_link(index, "category", index.article_category[position]),
        thumb=cover_of(article, url, config, "thumb"),
        image=cover_of(article, url, config, "og"),
    )


def article_view(
    index: SiteIndex, position: int, config: SiteConfig, now: dt.datetime
) -> ArticleView:
    """Describe one article for its page."""
    article = index.articles[position]
    url = index.urls[position]
    related = tuple(
        list_entry(index, index.by_url[link.url], config) for link in index.related.get(url, ())
    )
    return ArticleView(
        title=article.title,
        url=url,
        date=article.date,
        updated=article.updated,
        authors=tuple(term_link(index, "author", p) for p in index.article_authors[position]),
        category=term_link(index, "category", index.article_category[position]),
        tags=tuple(term_link(index, "tag", p) for p in index.article_tags[position]),
        summary=article.summary,
        body=Markup(body_of(article)),
        cover=cover_of(article, url, config, "og"),
        related=related,
        related_enabled=article.related_enabled,
        draft=article.draft,
        scheduled=article.date > now,
        source=article.rel,
    )

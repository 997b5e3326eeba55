"""plan_pages: every page of the site as (URL, template, context), decided before any rendering."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from . import related
from .config import SiteConfig
from .errors import Problem
from .index import SiteIndex, Term
from .outputs import feeds, sitemaps, structured
from .views import Link, PageMeta, Pagination, article_view, list_entry


@dataclass(frozen=True)
class Page:
    """One output file: rendered from a template with a context, or given as bytes."""

    url: str  # site-relative, '/thoi-su/bao/' or '/rss.xml'
    template: str | None
    context: dict[str, Any]
    data: bytes | None = None

    @property
    def output(self) -> str:
        """Return the file path inside the output folder."""
        path = self.url.lstrip("/")
        return path + "index.html" if path.endswith("/") or not path else path


def plan_pages(index: SiteIndex, config: SiteConfig, now: dt.datetime) -> Iterator[Page]:
    """Yield every page: articles, listings, taxonomy indexes, 404 and machine-readable files."""
    sitemap: list[sitemaps.Entry] = []
    for page in _html_pages(index, config, now):
        meta = page.context["page"]
        if not meta.noindex:
            sitemap.append(sitemaps.Entry(page.url, meta.modified))
        yield page
    if config.search != "off":
        search_url = f"/{config.paths.search}/"
        yield Page(
            search_url,
            "search.html",
            {"page": PageMeta("search", "Tìm kiếm", "", search_url, noindex=True)},
        )
    yield Page("/xem-them.json", None, {}, _xem_them_json(index))
    from .redirects import alias_pages  # redirects imports Page from this module

    yield from alias_pages(index, config)
    yield from _feeds(index, config, now)
    for url, data in sitemaps.sitemap_files(config, sitemap):
        yield Page(url, None, {}, data)
    for url, data in sitemaps.news_sitemap_files(index, config, now):
        yield Page(url, None, {}, data)
    yield Page("/robots.txt", None, {}, sitemaps.robots_txt(config))


def _html_pages(index: SiteIndex, config: SiteConfig, now: dt.datetime) -> Iterator[Page]:
    """Yield the HTML pages: articles, listings, taxonomy indexes and 404."""
    home = Link("Trang chủ", "/")
    site_feed = Link(config.title, "/rss.xml")
    for position in range(len(index.articles)):
        yield _article_page(index, position, config, now)
    yield from _listing(
        index, range(len(index.articles)), "/", "home", config.title, config, config.description
    )
    for term in index.categories:
        yield from _term_pages(index, term, "category", config)
    tags_index = Link("Từ khóa", f"/{config.paths.tag}/")
    authors_index = Link("Tác giả", f"/{config.paths.author}/")
    for term in index.tags:
        yield from _term_pages(index, term, "tag", config, tags_index)
    for term in index.authors:
        yield from _term_pages(index, term, "author", config, authors_index)
    for (year, month), members in index.months:
        title = f"Tin tháng {month}/{year}"
        url = f"/{year:04d}/{month:02d}/"
        yield from _listing(
            index, members, url, "archive", title, config, trail=(home, Link(title, url))
        )
    newest = _newest(index, range(len(index.articles)))
    yield _terms_index(index.tags, tags_index, "tags", config, newest)
    yield _terms_index(index.authors, authors_index, "authors", config, newest)
    meta = PageMeta(
        "404", "Không tìm thấy trang", "", "/404.html", noindex=True, feeds=(site_feed,)
    )
    yield Page("/404.html", "404.html", {"page": meta})


def _article_page(index: SiteIndex, position: int, config: SiteConfig, now: dt.datetime) -> Page:
    """Plan an article page."""
    view = article_view(index, position, config, now)
    meta = PageMeta(
        "article",
        view.title,
        view.summary,
        view.url,
        image=view.cover.src if view.cover else None,
        noindex=view.draft or view.scheduled,
        feeds=(
            Link(config.title, "/rss.xml"),
            Link(f"{view.category.name} - {config.title}", view.category.url + "rss.xml"),
        ),
    )
    meta = structured.article_meta(meta, view, config)
    breadcrumb = (Link("Trang chủ", "/"), view.category)
    return Page(view.url, "article.html", {"page": meta, "article": view, "breadcrumb": breadcrumb})


def _term_pages(
    index: SiteIndex, term: Term, kind: str, config: SiteConfig, parent: Link | None = None
) -> Iterator[Page]:
    """Plan the paginated listing of one category, tag or author."""
    titles = {
        "category": term.name,
        "tag": f"Từ khóa: {term.name}",
        "author": f"Tác giả: {term.name}",
    }
    trail = (Link("Trang chủ", "/"), *((parent,) if parent else ()), Link(term.name, term.url))
    feed = (Link(f"{term.name} - {config.title}", term.url + "rss.xml"),)
    yield from _listing(
        index,
        term.articles,
        term.url,
        kind,
        titles[kind],
        config,
        heading=term.name,
        trail=trail,
        feeds=feed if kind == "category" else (),
    )


def _listing(
    index: SiteIndex,
    members: Sequence[int],
    base: str,
    kind: str,
    title: str,
    config: SiteConfig,
    description: str = "",
    heading: str | None = None,
    trail: Sequence[Link] = (),
    feeds: tuple[Link, ...] = (),
) -> Iterator[Page]:
    """Plan a paginated listing: page 1 at `base`, page N at `base/<paths.page>/N/`.

    Page numbers sit in their own path segment after a fixed word, so page 2 of 'phong-vien-1'
    (/tac-gia/phong-vien-1/page/2/) can never be the URL of 'phong-vien-12' or of its pages.
    """
    per_page = config.per_page
    total = max(1, -(-len(members) // per_page))
    urls = tuple(base if n == 1 else f"{base}{config.paths.page}/{n}/" for n in range(1, total + 1))
    all_feeds = (Link(config.title, "/rss.xml"), *feeds)
    for number in range(1, total + 1):
        chunk = members[(number - 1) * per_page : number * per_page]
        pagination = Pagination(
            number,
            total,
            urls[number - 2] if number > 1 else None,
            urls[number] if number < total else None,
            urls,
        )
        entries = tuple(list_entry(index, p, config) for p in chunk)
        page_title = title if number == 1 else f"{title} - Trang {number}"
        image = next((e.thumb.src for e in entries if e.thumb), None)
        meta = PageMeta(
            kind,
            page_title,
            description or title,
            urls[number - 1],
            image=image,
            modified=_newest(index, chunk),
            feeds=all_feeds,
        )
        meta = structured.listing_meta(meta, config, trail)
        context = {
            "page": meta,
            "heading": heading or title,
            "entries": entries,
            "pagination": pagination,
        }
        yield Page(urls[number - 1], "list.html", context)


def _newest(index: SiteIndex, members: Iterable[int]) -> dt.datetime | None:
    """Return the latest publication or update time among some articles (sitemap lastmod)."""
    times = [index.articles[p].updated or index.articles[p].date for p in members]
    return max(times, default=None)


def _feeds(index: SiteIndex, config: SiteConfig, now: dt.datetime) -> Iterator[Page]:
    """Plan the site RSS feed and one per category; previews never put drafts or embargoes in them."""

    def live(members: Iterable[int]) -> list[int]:
        return [p for p in members if not index.articles[p].draft and index.articles[p].date <= now]

    everything = live(range(len(index.articles)))
    data = feeds.rss(index, config, everything, config.title, config.description, "/", "/rss.xml")
    yield Page("/rss.xml", None, {}, data)
    for term in index.categories:
        url = term.url + "rss.xml"
        title = f"{term.name} - {config.title}"
        data = feeds.rss(index, config, live(term.articles), title, title, term.url, url)
        yield Page(url, None, {}, data)


def _terms_index(
    terms: Sequence[Term], link: Link, kind: str, config: SiteConfig, modified: dt.datetime | None
) -> Page:
    """Plan the page listing every tag or author, in Vietnamese order, with counts."""
    links = tuple(Link(t.name, t.url, len(t.articles)) for t in terms)
    meta = PageMeta(
        kind,
        link.name,
        link.name,
        link.url,
        modified=modified,
        feeds=(Link(config.title, "/rss.xml"),),
    )
    meta = structured.listing_meta(meta, config, (Link("Trang chủ", "/"), link))
    return Page(link.url, "terms.html", {"page": meta, "heading": link.name, "terms": links})


def _xem_them_json(index: SiteIndex) -> bytes:
    """Write the related index for apps: {article url: [related urls in rank order]}."""
    mapping = related.to_json_mapping(index.related)
    return (json.dumps(mapping, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def check_collisions(pages: Sequence[Page]) -> list[Problem]:
    """Two pages at one output path (or paths differing only in case) would overwrite each other."""
    seen: dict[str, Page] = {}
    problems = []
    for page in pages:
        key = page.output.casefold()
        other = seen.setdefault(key, page)
        if other is not page:
            problems.append(
                Problem(
                    "newsgen.yaml",
                    0,
                    "url",
                    f"two pages would be written to {page.output} ({_describe(other)} and {_describe(page)})",
                    "rename the category, tag or author, or change the path words in newsgen.yaml",
                )
            )
    return problems


def _describe(page: Page) -> str:
    """Name what a page shows, for collision messages."""
    meta = page.context.get("page")
    return f"{meta.kind} '{meta.title}'" if isinstance(meta, PageMeta) else page.url

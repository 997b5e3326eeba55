"""plan_pages: every page of the site as (URL, template, context), decided before any rendering.

Planning is cheap: a page carries `deps`, a small tuple of the values its bytes depend on (besides
the templates and configuration), and `make`, which builds its context (or bytes) only when the
page has to be rendered. A rebuild compares keys made from `deps` and renders only what changed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from . import related
from .cache import PageRecord
from .config import SiteConfig
from .errors import Problem
from .index import SiteIndex, Term
from .outputs import feeds, sitemaps, structured
from .views import (
    Link,
    PageMeta,
    Pagination,
    article_view,
    dep,
    dep_tables,
    entry_deps,
    link_deps,
    list_entry,
)


def output_path(url: str) -> str:
    """Return the file a site-relative URL is served from: '/a/' -> 'a/index.html'."""
    path = url.lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


@dataclass(eq=False, slots=True)
class Page:
    """One output file: rendered from a template with a context, or given as bytes.

    Either `context`/`data` is given, or `make` builds it on demand; then `deps` must hold every
    value the result depends on (with the environment: templates, configuration, code).
    """

    url: str  # site-relative, '/thoi-su/bao/' or '/rss.xml'
    template: str | None
    context: dict[str, Any] | None = None
    data: bytes | None = None
    deps: tuple[str, ...] | None = None  # one line each (views.dep): what the bytes depend on
    make: Callable[[], Any] | None = None  # -> context (template pages) or bytes (data pages)
    key: bytes | None = None  # known key: the last build planned this page from the same inputs
    label: str = ""  # what the page shows, for messages
    sitemap: bool = False  # an indexable HTML page, listed in sitemap.xml
    modified: dt.datetime | None = None  # sitemap lastmod: newest change shown on the page

    @property
    def output(self) -> str:
        """Return the file path inside the output folder."""
        return output_path(self.url)

    def full_context(self) -> dict[str, Any]:
        """Return the template context, building it now if the page was planned lazily."""
        if self.context is not None:
            return self.context
        assert self.make is not None and self.template is not None
        context: dict[str, Any] = self.make()
        return context

    def payload(self) -> bytes:
        """Return the bytes of a data page (feed, sitemap, JSON), building them if needed."""
        if self.data is not None:
            return self.data
        assert self.make is not None and self.template is None
        data: bytes = self.make()
        return data


@dataclass(frozen=True)
class Before:
    """The last successful build of a long-lived process, to plan the next one from its changes."""

    index: SiteIndex
    now: dt.datetime
    records: Mapping[str, PageRecord]  # output path -> what the last build wrote there


def plan_pages(
    index: SiteIndex, config: SiteConfig, now: dt.datetime, before: Before | None = None
) -> Iterator[Page]:
    """Yield every page: articles, listings, taxonomy indexes, 404 and machine-readable files.

    With `before` (same taxonomies and URLs, same environment), a page none of whose inputs
    changed takes its key from the last build instead of working out its dependencies again.
    """
    same = _unchanged(index, now, before)
    sitemap: list[sitemaps.Entry] = []
    for page in _html_pages(index, config, now, same):
        if page.sitemap:
            sitemap.append(sitemaps.Entry(page.url, page.modified))
        yield page
    if config.search != "off":
        search_url = f"/{config.paths.search}/"
        yield Page(
            search_url,
            "search.html",
            {"page": PageMeta("search", "Tìm kiếm", "", search_url, noindex=True)},
            label="search",
        )
    mapping = related.to_json_mapping(index.related)
    yield Page(
        "/xem-them.json",
        None,
        deps=(dep("xem-them", mapping),),
        make=partial(_xem_them_json, mapping),
    )
    from .redirects import alias_pages  # redirects imports Page from this module

    yield from alias_pages(index, config)
    yield from _feeds(index, config, now)
    yield from _sitemap_pages(config, sitemap)
    for url, data in sitemaps.news_sitemap_files(index, config, now):
        yield Page(url, None, {}, data)
    yield Page("/robots.txt", None, {}, sitemaps.robots_txt(config))


@dataclass(frozen=True)
class _Same:
    """What the last build planned from the same inputs: its keys and the unchanged articles."""

    records: Mapping[str, PageRecord]
    articles: frozenset[int]  # positions whose article page depends on nothing that changed
    entries: frozenset[int]  # positions whose list entry is unchanged


def _unchanged(index: SiteIndex, now: dt.datetime, before: Before | None) -> _Same | None:
    """Find the articles and list entries whose inputs are the last build's (None: plan all)."""
    if before is None or before.index.urls is not index.urls:  # taxonomies or URLs moved
        return None
    old = before.index
    new_articles, old_articles, urls = index.articles, old.articles, index.urls
    changed = [p for p in range(len(new_articles)) if new_articles[p] is not old_articles[p]]
    gone = {urls[p] for p in changed}  # articles whose list entry changed
    entries = frozenset(range(len(new_articles))).difference(changed)
    articles = []
    related, old_related = index.related, old.related
    for p in entries:
        date, url = new_articles[p].date, urls[p]
        links = related.get(url)
        if (date > now) != (date > before.now) or links is not old_related.get(url):
            continue  # embargo lifted (a badge) or another "Xem thêm" list
        if gone and links and any(link.url in gone for link in links):
            continue  # a related article's title or picture changed
        articles.append(p)
    return _Same(before.records, frozenset(articles), entries)


def _html_pages(
    index: SiteIndex, config: SiteConfig, now: dt.datetime, same: _Same | None = None
) -> Iterator[Page]:
    """Yield the HTML pages: articles, listings, taxonomy indexes and 404."""
    home = Link("Trang chủ", "/")
    site_feed = Link(config.title, "/rss.xml")
    for position in range(len(index.articles)):
        yield _article_page(index, position, config, now, same)
    yield from _listing(
        index,
        range(len(index.articles)),
        "/",
        "home",
        config.title,
        config,
        config.description,
        same=same,
    )
    for term in index.categories:
        yield from _term_pages(index, term, "category", config, same=same)
    tags_index = Link("Từ khóa", f"/{config.paths.tag}/")
    authors_index = Link("Tác giả", f"/{config.paths.author}/")
    for term in index.tags:
        yield from _term_pages(index, term, "tag", config, tags_index, same)
    for term in index.authors:
        yield from _term_pages(index, term, "author", config, authors_index, same)
    for (year, month), members in index.months:
        title = f"Tin tháng {month}/{year}"
        url = f"/{year:04d}/{month:02d}/"
        trail = (home, Link(title, url))
        yield from _listing(index, members, url, "archive", title, config, trail=trail, same=same)
    newest = _newest(index, range(len(index.articles)))
    yield _terms_index(index.tags, tags_index, "tags", config, newest)
    yield _terms_index(index.authors, authors_index, "authors", config, newest)
    meta = PageMeta(
        "404", "Không tìm thấy trang", "", "/404.html", noindex=True, feeds=(site_feed,)
    )
    yield Page("/404.html", "404.html", {"page": meta}, label="404")


def _article_page(
    index: SiteIndex, position: int, config: SiteConfig, now: dt.datetime, same: _Same | None = None
) -> Page:
    """Plan an article page: what it depends on now, its context only if it must be rendered."""
    article = index.articles[position]
    url = index.urls[position]
    scheduled = article.date > now
    make = partial(_article_context, index, position, config, now)
    record = same.records.get(output_path(url)) if same is not None else None
    if record is not None and position in same.articles:  # type: ignore[union-attr]
        return Page(
            url,
            "article.html",
            make=make,
            key=record.key,
            label=f"article '{article.title}'",
            sitemap=not (article.draft or scheduled),
            modified=article.updated or article.date,
        )
    entries = dep_tables(index)["entry"]
    deps = (
        dep("article", scheduled),
        entries[position],
        link_deps(index, "author", index.article_authors[position]),
        link_deps(index, "tag", index.article_tags[position]),
        *[entries[index.by_url[r.url]] for r in index.related.get(url, ())],
    )
    return Page(
        url,
        "article.html",
        deps=deps,
        make=make,
        label=f"article '{article.title}'",
        sitemap=not (article.draft or scheduled),
        modified=article.updated or article.date,
    )


def _article_context(
    index: SiteIndex, position: int, config: SiteConfig, now: dt.datetime
) -> dict[str, Any]:
    """Build an article page's context (in the worker that renders it)."""
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
    return {"page": meta, "article": view, "breadcrumb": breadcrumb}


def _term_pages(
    index: SiteIndex,
    term: Term,
    kind: str,
    config: SiteConfig,
    parent: Link | None = None,
    same: _Same | None = None,
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
        same=same,
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
    same: _Same | None = None,
) -> Iterator[Page]:
    """Plan a paginated listing: page 1 at `base`, page N at `base/<paths.page>/N/`.

    Page numbers sit in their own path segment after a fixed word, so page 2 of 'phong-vien-1'
    (/tac-gia/phong-vien-1/page/2/) can never be the URL of 'phong-vien-12' or of its pages.
    """
    per_page = config.per_page
    total = max(1, -(-len(members) // per_page))
    urls = tuple(base if n == 1 else f"{base}{config.paths.page}/{n}/" for n in range(1, total + 1))
    all_feeds = (Link(config.title, "/rss.xml"), *feeds)
    entries = dep_tables(index)["entry"]
    head = dep(
        "list",
        kind,
        description,
        heading,
        urls,
        tuple((t.name, t.url, t.count) for t in trail),
        tuple((f.name, f.url) for f in feeds),
    )
    for number in range(1, total + 1):
        chunk = members[(number - 1) * per_page : number * per_page]
        page_title = title if number == 1 else f"{title} - Trang {number}"
        key = None
        if same is not None and all(p in same.entries for p in chunk):
            record = same.records.get(output_path(urls[number - 1]))
            key = record.key if record is not None else None
        deps = (
            None
            if key is not None
            else (head, dep(number, page_title), *[entries[p] for p in chunk])
        )
        make = partial(
            _listing_context,
            index,
            chunk,
            (number, urls),
            (kind, page_title, description or title, heading or title),
            config,
            trail,
            all_feeds,
        )
        label = f"{kind} '{page_title}'"
        modified = _newest(index, chunk)
        yield Page(
            urls[number - 1],
            "list.html",
            deps=deps,
            make=make,
            key=key,
            label=label,
            sitemap=True,
            modified=modified,
        )


def _listing_context(
    index: SiteIndex,
    chunk: Sequence[int],
    numbering: tuple[int, tuple[str, ...]],
    titles: tuple[str, str, str, str],
    config: SiteConfig,
    trail: Sequence[Link],
    feeds: tuple[Link, ...],
) -> dict[str, Any]:
    """Build one listing page's context (in the worker that renders it)."""
    number, urls = numbering
    kind, page_title, description, heading = titles
    total = len(urls)
    pagination = Pagination(
        number,
        total,
        urls[number - 2] if number > 1 else None,
        urls[number] if number < total else None,
        urls,
    )
    entries = tuple(list_entry(index, p, config) for p in chunk)
    image = next((e.thumb.src for e in entries if e.thumb), None)
    meta = PageMeta(
        kind,
        page_title,
        description,
        urls[number - 1],
        image=image,
        modified=_newest(index, chunk),
        feeds=feeds,
    )
    meta = structured.listing_meta(meta, config, trail)
    return {"page": meta, "heading": heading, "entries": entries, "pagination": pagination}


def _sitemap_pages(config: SiteConfig, entries: list[sitemaps.Entry]) -> list[Page]:
    """Plan sitemap.xml, written only when a URL or a lastmod changed (split ones: always)."""
    if len(entries) > sitemaps.SITEMAP_LIMIT:
        return [Page(url, None, {}, data) for url, data in sitemaps.sitemap_files(config, entries)]
    stamps = tuple((e.url, e.lastmod.timestamp() if e.lastmod else None) for e in entries)
    make = partial(_first_sitemap, config, entries)
    return [Page("/sitemap.xml", None, deps=(dep("sitemap", stamps),), make=make)]


def _first_sitemap(config: SiteConfig, entries: list[sitemaps.Entry]) -> bytes:
    """Return the bytes of the single sitemap.xml."""
    return sitemaps.sitemap_files(config, entries)[0][1]


def _newest(index: SiteIndex, members: Iterable[int]) -> dt.datetime | None:
    """Return the latest publication or update time among some articles (sitemap lastmod)."""
    changed: list[dt.datetime] | None = index.memo.get(("changed", 0))
    if changed is None:
        changed = index.memo["changed", 0] = [a.updated or a.date for a in index.articles]
    return max([changed[p] for p in members], default=None)


def _feeds(index: SiteIndex, config: SiteConfig, now: dt.datetime) -> Iterator[Page]:
    """Plan the site RSS feed and one per category; previews never put drafts or embargoes in them."""

    def live(members: Iterable[int]) -> list[int]:
        """Return the newest `feed_items` articles a reader may see (members are newest first)."""
        chosen: list[int] = []
        for p in members:
            if len(chosen) >= config.feed_items:
                break
            if not index.articles[p].draft and index.articles[p].date <= now:
                chosen.append(p)
        return chosen

    def feed(members: list[int], title: str, description: str, link: str, url: str) -> Page:
        chosen = members[: max(0, config.feed_items)]
        items = (
            part
            for p in chosen
            for part in (
                entry_deps(index, p),
                link_deps(index, "author", index.article_authors[p]),
                link_deps(index, "tag", index.article_tags[p]),
            )
        )
        make = partial(feeds.rss, index, config, chosen, title, description, link, url)
        return Page(url, None, deps=(dep("rss", title, description, link), *items), make=make)

    everything = live(range(len(index.articles)))
    yield feed(everything, config.title, config.description, "/", "/rss.xml")
    for term in index.categories:
        title = f"{term.name} - {config.title}"
        yield feed(live(term.articles), title, title, term.url, term.url + "rss.xml")


def _terms_index(
    terms: Sequence[Term], link: Link, kind: str, config: SiteConfig, modified: dt.datetime | None
) -> Page:
    """Plan the page listing every tag or author, in Vietnamese order, with counts."""
    links = tuple(Link(t.name, t.url, len(t.articles)) for t in terms)
    values = tuple((t.name, t.url, t.count) for t in links)
    deps = (dep("terms", kind, link.name, link.url, values, modified),)
    make = partial(_terms_context, links, link, kind, config, modified)
    return Page(
        link.url,
        "terms.html",
        deps=deps,
        make=make,
        label=f"{kind} index",
        sitemap=True,
        modified=modified,
    )


def _terms_context(
    links: tuple[Link, ...], link: Link, kind: str, config: SiteConfig, modified: dt.datetime | None
) -> dict[str, Any]:
    """Build the context of the tag or author index page."""
    meta = PageMeta(
        kind,
        link.name,
        link.name,
        link.url,
        modified=modified,
        feeds=(Link(config.title, "/rss.xml"),),
    )
    meta = structured.listing_meta(meta, config, (Link("Trang chủ", "/"), link))
    return {"page": meta, "heading": link.name, "terms": links}


def _xem_them_json(mapping: dict[str, list[str]]) -> bytes:
    """Write the related index for apps: {article url: [related urls in rank order]}."""
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
    return page.label or page.url

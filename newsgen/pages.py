"""plan_pages: every page of the site as (URL, template, context), decided before any rendering.

Planning is cheap: a page carries `deps`, a small tuple of the values its bytes depend on (besides
the templates and configuration), and `make`, which builds its context (or bytes) only when the
page has to be rendered. A rebuild compares keys made from `deps` and renders only what changed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
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
    article_digest,
    article_view,
    carry_dep_tables,
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
    file: str = ""  # output_path(url), worked out once: kept pages live through many builds

    @property
    def output(self) -> str:
        """Return the file path inside the output folder."""
        if not self.file:
            self.file = output_path(self.url)
        return self.file

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
    plan: Plan | None = None  # its pages, to keep all but the ones an edit reaches


@dataclass(frozen=True)
class Recorded:
    """What the build that wrote an output planned from, kept with its page records.

    A new process (a CI rebuild) has no `Before`; with this it plans from the changes as the
    preview does: an article page whose article, "Xem thêm" list and listed articles are as
    recorded takes its key from the record without working out its dependencies, and so does
    a listing page none of whose entries changed (0.15-0.2 s of a 10,000-article rebuild).
    """

    env_key: bytes  # the environment (code, templates, configuration) of the recorded keys
    now: dt.datetime
    shape: str  # the index's shape token: the same taxonomies, URLs and order
    digests: tuple[str, ...]  # each article's digest, newest first
    related: tuple[tuple[int, ...], ...]  # the positions each article's list links

    @classmethod
    def of(cls, index: SiteIndex, env_key: bytes, now: dt.datetime) -> Recorded:
        """Write down what a build planned from (its index, environment and clock)."""
        digests, lists = _facts(index)
        return cls(env_key, now, index.shape, digests, lists)


def _facts(index: SiteIndex) -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]:
    """Return each article's digest and the positions its "Xem thêm" list links, in index
    order, worked out once per index (planning compares them, storing the records keeps them)."""
    facts: tuple[tuple[str, ...], tuple[tuple[int, ...], ...]] | None
    facts = index.memo.get(("recorded", 0))
    if facts is None:
        where, lists = index.by_url.__getitem__, index.related
        digests = tuple([article_digest(index, p) for p in range(len(index.articles))])
        linked = tuple([tuple([where(link[0]) for link in lists.get(u, ())]) for u in index.urls])
        facts = index.memo["recorded", 0] = (digests, linked)
    return facts


def _recorded_same(
    index: SiteIndex,
    env_key: bytes | None,
    now: dt.datetime,
    last: tuple[Mapping[str, PageRecord], Recorded | None] | None,
) -> _Same | None:
    """Find, from the records of the last build into this output, what changed (None: plan all)."""
    if last is None or env_key is None:
        return None
    records, recorded = last
    if (
        not isinstance(recorded, Recorded)
        or not records
        or getattr(recorded, "env_key", None) != env_key  # first: it names newsgen's code
        or not index.shape
        or recorded.shape != index.shape
        or len(recorded.digests) != len(index.articles)
    ):
        return None
    digests, lists = _facts(index)
    changed = {p for p, (a, b) in enumerate(zip(digests, recorded.digests, strict=True)) if a != b}
    stale, moved = set(changed), False
    for p, (new, old) in enumerate(zip(lists, recorded.related, strict=True)):
        if new != old:  # a new list
            stale.add(p)
            moved = True
        elif not changed.isdisjoint(new):  # a list showing an edited article
            stale.add(p)
    stale.update(_embargoes(index, recorded.now, now))  # their badge goes
    return _Same(records, frozenset(stale), frozenset(changed), moved)


class _Ref:
    """The index and clock the article and listing pages of a plan render from.

    A plan made from the last one's changes keeps most of its pages as they are and points them
    here at the new index and clock, instead of planning 14,000 pages again.
    """

    __slots__ = ("index", "now")

    def __init__(self, index: SiteIndex, now: dt.datetime) -> None:
        self.index = index
        self.now = now


@dataclass(frozen=True)
class _Listing:
    """One paginated listing as planned: enough to plan any one of its pages again."""

    members: Sequence[int]
    urls: tuple[str, ...]
    kind: str
    title: str
    description: str
    heading: str | None
    trail: tuple[Link, ...]
    feeds: tuple[Link, ...]  # every feed the page links to, the site's first
    head: str  # the dependency line every page of the listing shares


@dataclass
class Plan:
    """Every page of a build, and where an edit reaches among them, to plan the next build from."""

    pages: list[Page]
    ref: _Ref
    problems: list[Problem] = field(default_factory=list)
    # pages[p] is the page of article p (index order); listing pages follow, up to pages[listed]
    listed: int = 0
    listings: list[list[int]] = field(default_factory=list)  # position -> slots listing it
    specs: dict[int, tuple[_Listing, int]] = field(default_factory=dict)  # slot -> page number
    sitemap: list[Page] = field(default_factory=list)
    xem_them: Page | None = None
    # (related mapping, URL -> positions whose "Xem thêm" list links it), made when first needed
    inbound: tuple[Mapping[str, Any], dict[str, set[int]]] | None = None


def plan_site(
    index: SiteIndex,
    config: SiteConfig,
    now: dt.datetime,
    before: Before | None = None,
    last: tuple[Mapping[str, PageRecord], Recorded | None] | None = None,
    env_key: bytes | None = None,
) -> Plan:
    """Plan every page and check that no two share a file; from the last plan when it can be kept.

    With `before` (same taxonomies and URLs, same environment), a page none of whose inputs
    changed takes its key from the last build instead of working out its dependencies again,
    and with its plan, only the pages an edit reaches are planned at all. Without it, `last`
    (the output's page records and what their build planned from, under `env_key`) does the
    former for a new process.
    """
    quick = _replan(index, config, now, before)
    if quick is not None:
        return quick
    plan = Plan([], _Ref(index, now), listings=[[] for _ in index.articles])
    if before is not None:
        same = _unchanged(index, now, before)
    else:
        same = _recorded_same(index, env_key, now, last)
    pages = plan.pages
    for position in range(len(index.articles)):
        pages.append(_article_page(index, position, config, same, plan.ref))
    _listings(index, config, same, plan)
    plan.listed = len(pages)
    pages += _index_pages(index, config)
    plan.sitemap = _sitemap_pages(
        config, [sitemaps.Entry(p.url, p.modified) for p in pages if p.sitemap]
    )
    plan.xem_them = _xem_them_page(index, same)
    pages += _site_pages(index, config, now, plan)
    plan.problems = check_collisions(pages)
    return plan


def plan_pages(
    index: SiteIndex, config: SiteConfig, now: dt.datetime, before: Before | None = None
) -> Iterator[Page]:
    """Yield every page: articles, listings, taxonomy indexes, 404 and machine-readable files."""
    yield from plan_site(index, config, now, before).pages


def _replan(
    index: SiteIndex, config: SiteConfig, now: dt.datetime, before: Before | None
) -> Plan | None:
    """Plan from the last plan: keep its pages, plan again those an edit reaches (None: plan all).

    It applies when the taxonomies and URLs are the last build's, no article entered or left
    sitemap.xml (an embargo, a draft) or moved in it (its update time) and no edited article
    changed its redirects; the other pages' keys are the last build's records.
    """
    if before is None or before.plan is None or before.index.urls is not index.urls:
        return None
    old, last = before.index, before.plan
    changed = [
        p for p, (a, b) in enumerate(zip(index.articles, old.articles, strict=True)) if a is not b
    ]
    for p in changed:
        new_article, old_article = index.articles[p], old.articles[p]
        if (new_article.updated or new_article.date) != (
            old_article.updated or old_article.date
        ) or new_article.draft != old_article.draft:
            return None  # sitemap.xml changes
        if new_article.aliases != old_article.aliases:
            return None  # redirect pages might now collide with a page
    if _embargoes(index, before.now, now):
        return None  # the article enters sitemap.xml
    stale, inbound, moved = _stale(index, before, last, changed)
    same = _Same(before.records, stale, frozenset(changed))
    carry_dep_tables(index, old, changed)
    if ("changed", 0) in old.memo:  # no edited article's time changed (checked above)
        index.memo["changed", 0] = old.memo["changed", 0]
    ref = last.ref
    ref.index, ref.now = index, now  # the kept pages render from the new index, if at all
    pages = last.pages[: last.listed]
    records = before.records
    for page in pages:
        if page.key is None:  # planned from its dependencies: the last build wrote down the key
            record = records.get(page.output)
            if record is not None:
                page.key = record.key
    for position in sorted(stale):
        pages[position] = _article_page(index, position, config, same, ref)
    for slot in sorted({slot for p in changed for slot in last.listings[p]}):
        listing, number = last.specs[slot]
        pages[slot] = _listing_page(index, listing, number, config, same, ref)
    plan = Plan(pages, ref, [], last.listed, last.listings, last.specs, last.sitemap)
    plan.inbound = (index.related, inbound)
    pages += _index_pages(index, config)
    plan.xem_them = _xem_them_page(index) if moved else last.xem_them
    pages += _site_pages(index, config, now, plan)
    # no collision check: the URLs, taxonomies and redirects are the last plan's, which had none
    return plan


def _embargoes(index: SiteIndex, then: dt.datetime, now: dt.datetime) -> list[int]:
    """Return the articles whose time lies between two builds' clocks (an embargo lifted)."""
    earlier, later = min(then, now), max(then, now)
    found = []
    for p, article in enumerate(index.articles):  # newest first: stop at one older than both
        if article.date <= earlier:
            break
        if article.date <= later:
            found.append(p)
    return found


@dataclass(frozen=True)
class _Same:
    """What the last build planned from the same inputs: its keys, and what changed since."""

    records: Mapping[str, PageRecord]
    stale: frozenset[int]  # positions whose article page depends on something that changed
    changed: frozenset[int]  # positions whose list entry changed
    lists_moved: bool = True  # whether any "Xem thêm" list changed (xem-them.json with it)


def _unchanged(index: SiteIndex, now: dt.datetime, before: Before | None) -> _Same | None:
    """Find the article pages and list entries whose inputs changed (None: plan all)."""
    if before is None or before.index.urls is not index.urls:  # taxonomies or URLs moved
        return None
    new_articles, old_articles = index.articles, before.index.articles
    changed = [p for p in range(len(new_articles)) if new_articles[p] is not old_articles[p]]
    stale, _, moved = _stale(index, before, None, changed)
    lifted = _embargoes(index, before.now, now)  # their badge goes
    return _Same(before.records, stale.union(lifted), frozenset(changed), moved)


def _stale(
    index: SiteIndex, before: Before, last: Plan | None, changed: list[int]
) -> tuple[frozenset[int], dict[str, set[int]], bool]:
    """Return the article pages an edit reaches: edited, with a new "Xem thêm" list, or showing one.

    Also returned: which articles' lists link each URL (kept from plan to plan when `last` has
    it) and whether any list changed. Lifted embargoes are the caller's to add.
    """
    urls, related, old_related = index.urls, index.related, before.index.related
    moved = [p for p, url in enumerate(urls) if related.get(url) is not old_related.get(url)]
    inbound = last.inbound if last is not None else None
    if inbound is None or inbound[0] is not old_related:
        table: dict[str, set[int]] = {}
        for p, url in enumerate(urls):
            for link in related.get(url, ()):
                table.setdefault(link.url, set()).add(p)
    else:
        table = inbound[1]
        for p in moved:
            for link in old_related.get(urls[p], ()):
                table[link.url].discard(p)
            for link in related.get(urls[p], ()):
                table.setdefault(link.url, set()).add(p)
    if last is not None:
        last.inbound = None  # updated in place: it now describes the new index only
    stale = set(changed)
    stale.update(moved)
    for p in changed:
        stale.update(table.get(urls[p], ()))
    return frozenset(stale), table, bool(moved)


def _listings(index: SiteIndex, config: SiteConfig, same: _Same | None, plan: Plan) -> None:
    """Plan the listings: home, sections, tags, authors and months, noting where each article is."""
    home = Link("Trang chủ", "/")
    _listing(
        index, range(len(index.articles)), "/", "home", config.title, config, plan,
        config.description, same=same,
    )  # fmt: skip
    for term in index.categories:
        _term_pages(index, term, "category", config, plan, same=same)
    tags_index, authors_index = _index_links(config)
    for term in index.tags:
        _term_pages(index, term, "tag", config, plan, tags_index, same)
    for term in index.authors:
        _term_pages(index, term, "author", config, plan, authors_index, same)
    for (year, month), members in index.months:
        title = f"Tin tháng {month}/{year}"
        url = f"/{year:04d}/{month:02d}/"
        trail = (home, Link(title, url))
        _listing(index, members, url, "archive", title, config, plan, trail=trail, same=same)


def _index_links(config: SiteConfig) -> tuple[Link, Link]:
    """Return the links to the page of every tag and to the page of every author."""
    return Link("Từ khóa", f"/{config.paths.tag}/"), Link("Tác giả", f"/{config.paths.author}/")


def _index_pages(index: SiteIndex, config: SiteConfig) -> list[Page]:
    """Plan the tag and author indexes and the 404 page."""
    tags_index, authors_index = _index_links(config)
    newest = _newest(index, range(len(index.articles)))
    site_feed = Link(config.title, "/rss.xml")
    meta = PageMeta(
        "404", "Không tìm thấy trang", "", "/404.html", noindex=True, feeds=(site_feed,)
    )
    return [
        _terms_index(index.tags, tags_index, "tags", config, newest),
        _terms_index(index.authors, authors_index, "authors", config, newest),
        Page("/404.html", "404.html", {"page": meta}, label="404"),
    ]


def _site_pages(index: SiteIndex, config: SiteConfig, now: dt.datetime, plan: Plan) -> list[Page]:
    """Plan search, the related JSON, redirects, feeds, sitemaps and robots.txt."""
    pages = []
    if config.search != "off":
        search_url = f"/{config.paths.search}/"
        meta = PageMeta("search", "Tìm kiếm", "", search_url, noindex=True)
        pages.append(Page(search_url, "search.html", {"page": meta}, label="search"))
    if plan.xem_them is not None:
        pages.append(plan.xem_them)
    from .redirects import alias_pages  # redirects imports Page from this module

    pages += alias_pages(index, config)
    pages += _feeds(index, config, now)
    pages += plan.sitemap
    for url, data in sitemaps.news_sitemap_files(index, config, now):
        pages.append(Page(url, None, {}, data))
    pages.append(Page("/robots.txt", None, {}, sitemaps.robots_txt(config)))
    return pages


def _xem_them_page(index: SiteIndex, same: _Same | None = None) -> Page:
    """Plan xem-them.json, written again only when a related list changed."""
    record = same.records.get("xem-them.json") if same is not None else None
    if record is not None and not same.lists_moved:  # type: ignore[union-attr]
        return Page("/xem-them.json", None, make=partial(_xem_them_from, index), key=record.key)
    mapping = related.to_json_mapping(index.related)
    return Page(
        "/xem-them.json",
        None,
        deps=(dep("xem-them", mapping),),
        make=partial(_xem_them_json, mapping),
    )


def _xem_them_from(index: SiteIndex) -> bytes:
    """Write xem-them.json from the index (when its recorded file must be written again)."""
    return _xem_them_json(related.to_json_mapping(index.related))


def _article_page(
    index: SiteIndex, position: int, config: SiteConfig, same: _Same | None, ref: _Ref
) -> Page:
    """Plan an article page: what it depends on now, its context only if it must be rendered."""
    article = index.articles[position]
    url = index.urls[position]
    scheduled = article.date > ref.now
    make = partial(_article_context, ref, position, config)
    record = same.records.get(output_path(url)) if same is not None else None
    if record is not None and position not in same.stale:  # type: ignore[union-attr]
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


def _article_context(ref: _Ref, position: int, config: SiteConfig) -> dict[str, Any]:
    """Build an article page's context (in the worker that renders it)."""
    view = article_view(ref.index, position, config, ref.now)
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
    plan: Plan,
    parent: Link | None = None,
    same: _Same | None = None,
) -> None:
    """Plan the paginated listing of one category, tag or author."""
    titles = {
        "category": term.name,
        "tag": f"Từ khóa: {term.name}",
        "author": f"Tác giả: {term.name}",
    }
    trail = (Link("Trang chủ", "/"), *((parent,) if parent else ()), Link(term.name, term.url))
    feed = (Link(f"{term.name} - {config.title}", term.url + "rss.xml"),)
    _listing(
        index,
        term.articles,
        term.url,
        kind,
        titles[kind],
        config,
        plan,
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
    plan: Plan,
    description: str = "",
    heading: str | None = None,
    trail: Sequence[Link] = (),
    feeds: tuple[Link, ...] = (),
    same: _Same | None = None,
) -> None:
    """Plan a paginated listing: page 1 at `base`, page N at `base/<paths.page>/N/`.

    Page numbers sit in their own path segment after a fixed word, so page 2 of 'phong-vien-1'
    (/tac-gia/phong-vien-1/page/2/) can never be the URL of 'phong-vien-12' or of its pages.
    """
    per_page = config.per_page
    total = max(1, -(-len(members) // per_page))
    urls = tuple(base if n == 1 else f"{base}{config.paths.page}/{n}/" for n in range(1, total + 1))
    head = dep(
        "list",
        kind,
        description,
        heading,
        urls,
        tuple((t.name, t.url, t.count) for t in trail),
        tuple((f.name, f.url) for f in feeds),
    )
    listing = _Listing(
        members,
        urls,
        kind,
        title,
        description or title,
        heading,
        tuple(trail),
        (Link(config.title, "/rss.xml"), *feeds),
        head,
    )
    pages, where = plan.pages, plan.listings
    for number in range(1, total + 1):
        slot = len(pages)
        plan.specs[slot] = (listing, number)
        for p in members[(number - 1) * per_page : number * per_page]:
            where[p].append(slot)
        pages.append(_listing_page(index, listing, number, config, same, plan.ref))


def _listing_page(
    index: SiteIndex,
    listing: _Listing,
    number: int,
    config: SiteConfig,
    same: _Same | None,
    ref: _Ref,
) -> Page:
    """Plan page `number` of a listing: its key if none of its entries changed, else its deps."""
    per_page = config.per_page
    chunk = listing.members[(number - 1) * per_page : number * per_page]
    page_title = listing.title if number == 1 else f"{listing.title} - Trang {number}"
    url = listing.urls[number - 1]
    key = None
    if same is not None and same.changed.isdisjoint(chunk):
        record = same.records.get(output_path(url))
        key = record.key if record is not None else None
    entries = dep_tables(index)["entry"] if key is None else []
    deps = (
        None
        if key is not None
        else (listing.head, dep(number, page_title), *[entries[p] for p in chunk])
    )
    return Page(
        url,
        "list.html",
        deps=deps,
        make=partial(_listing_context, ref, listing, number, page_title, config),
        key=key,
        label=f"{listing.kind} '{page_title}'",
        sitemap=True,
        modified=_newest(index, chunk),
    )


def _listing_context(
    ref: _Ref, listing: _Listing, number: int, page_title: str, config: SiteConfig
) -> dict[str, Any]:
    """Build one listing page's context (in the worker that renders it)."""
    index, urls = ref.index, listing.urls
    chunk = listing.members[(number - 1) * config.per_page : number * config.per_page]
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
        listing.kind,
        page_title,
        listing.description,
        urls[number - 1],
        image=image,
        modified=_newest(index, chunk),
        feeds=listing.feeds,
    )
    meta = structured.listing_meta(meta, config, listing.trail)
    heading = listing.heading or listing.title
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

"""plan_pages: every page of the site as (URL, template, context), decided before any rendering."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from . import related
from .config import SiteConfig
from .errors import Problem
from .index import SiteIndex, Term
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
    for position in range(len(index.articles)):
        yield _article_page(index, position, config, now)
    yield from _listing(
        index, range(len(index.articles)), "/", "home", config.title, config, config.description
    )
    for term in index.categories:
        yield from _term_pages(index, term, "category", config)
    for term in index.tags:
        yield from _term_pages(index, term, "tag", config)
    for term in index.authors:
        yield from _term_pages(index, term, "author", config)
    for (year, month), members in index.months:
        title = f"Tin tháng {month}/{year}"
        yield from _listing(index, members, f"/{year:04d}/{month:02d}/", "archive", title, config)
    yield _terms_index(index.tags, f"/{config.paths.tag}/", "Từ khóa", "tags")
    yield _terms_index(index.authors, f"/{config.paths.author}/", "Tác giả", "authors")
    yield Page(
        "/404.html",
        "404.html",
        {"page": PageMeta("404", "Không tìm thấy trang", "", "/404.html", noindex=True)},
    )
    yield Page("/xem-them.json", None, {}, _xem_them_json(index))


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
    )
    breadcrumb = (Link("Trang chủ", "/"), view.category)
    return Page(view.url, "article.html", {"page": meta, "article": view, "breadcrumb": breadcrumb})


def _term_pages(index: SiteIndex, term: Term, kind: str, config: SiteConfig) -> Iterator[Page]:
    """Plan the paginated listing of one category, tag or author."""
    titles = {
        "category": term.name,
        "tag": f"Từ khóa: {term.name}",
        "author": f"Tác giả: {term.name}",
    }
    yield from _listing(
        index, term.articles, term.url, kind, titles[kind], config, heading=term.name
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
) -> Iterator[Page]:
    """Plan a paginated listing: page 1 at `base`, page N at `base/page/N/`."""
    per_page = config.per_page
    total = max(1, -(-len(members) // per_page))
    urls = tuple(base if n == 1 else f"{base}{config.paths.page}/{n}/" for n in range(1, total + 1))
    for number in range(1, total + 1):
        chunk = members[(number - 1) * per_page : number * per_page]
        pagination = Pagination(
            number,
            total,
            urls[number - 2] if number > 1 else None,
            urls[number] if number < total else None,
            urls,
        )
        page_title = title if number == 1 else f"{title} - Trang {number}"
        meta = PageMeta(kind, page_title, description or title, urls[number - 1])
        context = {
            "page": meta,
            "heading": heading or title,
            "entries": tuple(list_entry(index, p, config) for p in chunk),
            "pagination": pagination,
        }
        yield Page(urls[number - 1], "list.html", context)


def _terms_index(terms: Sequence[Term], url: str, title: str, kind: str) -> Page:
    """Plan the page listing every tag or author, in Vietnamese order, with counts."""
    links = tuple(Link(t.name, t.url, len(t.articles)) for t in terms)
    meta = PageMeta(kind, title, title, url)
    return Page(url, "terms.html", {"page": meta, "heading": title, "terms": links})


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

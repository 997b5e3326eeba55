"""SiteIndex: the published articles with their URLs, taxonomies and related links, built once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import related, vietnamese
from .config import SiteConfig
from .content import Article
from .errors import Problem


@dataclass(frozen=True)
class Term:
    """A category, tag or author: one key (both tone styles), one name, one slug, its articles."""

    kind: str
    key: str
    name: str
    slug: str
    url: str
    articles: tuple[int, ...]  # positions in SiteIndex.articles, newest first


@dataclass(frozen=True)
class SiteIndex:
    """Everything rendering needs to know about the whole site; built once, before rendering."""

    articles: tuple[Article, ...]  # published, newest first
    urls: tuple[str, ...]  # site-relative URL of each article (no base path)
    categories: tuple[Term, ...]  # Vietnamese order
    tags: tuple[Term, ...]
    authors: tuple[Term, ...]
    article_category: tuple[int, ...]  # position in `categories`
    article_tags: tuple[tuple[int, ...], ...]
    article_authors: tuple[tuple[int, ...], ...]
    related: Mapping[str, tuple[related.RelatedLink, ...]]
    months: tuple[
        tuple[tuple[int, int], tuple[int, ...]], ...
    ]  # ((year, month), articles), newest first
    next_change: dt.datetime | None  # the next embargo lift or expiry after `now`
    by_url: Mapping[str, int] = field(default_factory=dict)
    shape: str = field(default="", compare=False)  # _Shape.token: equal tokens, equal shapes
    # views of this index made while planning pages, shared by every page that shows them
    memo: dict[tuple[str, int], Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Options:
    """Which unpublished articles a build shows (preview shows drafts and future articles)."""

    now: dt.datetime
    drafts: bool = False
    future: bool = False


def is_published(article: Article, options: Options) -> bool:
    """Decide whether an article belongs in this build's output at all."""
    if article.draft and not options.drafts:
        return False
    if article.date > options.now and not options.future:
        return False
    return article.expires is None or article.expires > options.now


def next_change(
    articles: Iterable[Article], now: dt.datetime, options: Options | None = None
) -> dt.datetime | None:
    """Return when the published site next changes by itself (an embargo lifts or an article expires)."""
    shown = [a for a in articles if not a.draft or (options is not None and options.drafts)]
    times = [a.expires for a in shown if a.expires and a.expires > now]
    if options is None or not options.future:  # with --future, embargoed articles are already shown
        times += [
            a.date for a in shown if a.date > now and (a.expires is None or a.expires > a.date)
        ]
    return min(times) if times else None


@dataclass
class Carry:
    """What a long-lived process (the preview server) keeps from one index build to the next."""

    docs: dict[int, tuple[Article, related.RelatedDoc]] = field(default_factory=dict)
    related: related.RelatedIndex | None = None  # updated in place of a full rebuild
    shape: tuple[Any, Any] | None = None  # (what it depends on, _Shape) of the last build
    last: _Last | None = None  # the last index built without problems, for body edits


@dataclass
class _Last:
    """The last index built from scratch or patched, with what patching it again needs."""

    articles: list[Article]  # the build's input, in source order
    config: SiteConfig
    options: Options
    index: SiteIndex
    docs: list[related.RelatedDoc]  # in index.articles order
    where: dict[int, int]  # id(article) -> position in index.articles

    @classmethod
    def of(
        cls,
        articles: Sequence[Article],
        config: SiteConfig,
        options: Options,
        index: SiteIndex,
        docs: list[related.RelatedDoc],
    ) -> _Last:
        """Remember a finished index (its docs line up with its articles: no page lacks one)."""
        where = {id(a): i for i, a in enumerate(index.articles)}
        return cls(list(articles), config, options, index, docs, where)


_PATCH_LIMIT = 64  # edited articles beyond which patching the last index is not worth it


def _placement(article: Article) -> tuple[Any, ...]:
    """Return what puts an article in the index: publication, URL, taxonomies and pins."""
    a = article
    return (
        a.rel, a.date, a.expires, a.draft, a.category, a.tags, a.authors, a.slug,
        a.related_pins, a.related_exclude, a.related_enabled,
    )  # fmt: skip


@dataclass(frozen=True)
class _Shape:
    """The taxonomies, URLs and order of the published articles: what a body edit leaves alone."""

    order: tuple[int, ...]  # positions in date order of the newest-first order
    urls: tuple[str, ...]  # newest first
    categories: tuple[Term, ...]
    tags: tuple[Term, ...]
    authors: tuple[Term, ...]
    article_category: tuple[int, ...]
    article_tags: tuple[tuple[int, ...], ...]
    article_authors: tuple[tuple[int, ...], ...]
    months: tuple[tuple[tuple[int, int], tuple[int, ...]], ...]
    problems: tuple[Problem, ...]
    # names this shape, kept with it in the cache: a build's page records note the token of
    # the shape they were planned on (pages.Recorded); a random one costs no hashing
    token: str = field(default_factory=lambda: os.urandom(16).hex(), compare=False)


TermsLookup = Callable[[list[str]], Mapping[str, tuple[tuple[str, float], ...]]]


def build_index(
    articles: Sequence[Article],
    config: SiteConfig,
    options: Options,
    carry: Carry | None = None,
    terms: TermsLookup | None = None,
    jobs: int = 1,
) -> tuple[SiteIndex, list[Problem]]:
    """Filter, order and cross-reference the articles; report URL clashes and unknown pins.

    `terms` finds the term vectors of cached articles, which are stored apart (by digest).
    A full ranking of the related lists runs in `jobs` forked processes (no threads running).
    """
    patched = _patch(articles, config, options, carry, terms) if carry is not None else None
    if patched is not None:
        return patched, []
    published = sorted(
        (a for a in articles if is_published(a, options)), key=lambda a: (a.date, a.rel)
    )
    shape = _shape_of(published, config, carry)
    problems = list(shape.problems)
    ordered = [published[i] for i in shape.order]
    memo = carry.docs if carry is not None else None
    seen = carry.related if carry is not None else None
    docs, pin_problems = _related_docs(ordered, shape.urls, articles, config, memo, seen, terms)
    problems += pin_problems
    clash = any(
        p.field == "slug" for p in problems
    )  # the build fails anyway; related needs unique URLs
    links = _related_links(docs, config.related_count, clash, carry, jobs)
    index = SiteIndex(
        articles=tuple(ordered),
        urls=shape.urls,
        categories=shape.categories,
        tags=shape.tags,
        authors=shape.authors,
        article_category=shape.article_category,
        article_tags=shape.article_tags,
        article_authors=shape.article_authors,
        related=dict(links),
        months=shape.months,
        next_change=next_change(articles, options.now, options),
        by_url={u: i for i, u in enumerate(shape.urls)},
        shape=shape.token,
    )
    if carry is not None:
        fits = not problems and len(docs) == len(ordered)
        carry.last = _Last.of(articles, config, options, index, docs) if fits else None
    return index, problems


def _patch(
    articles: Sequence[Article],
    config: SiteConfig,
    options: Options,
    carry: Carry,
    terms: TermsLookup | None,
) -> SiteIndex | None:
    """Patch the last index for edits that moved no article (a body, a title, a lead).

    A preview rebuild at 10,000 articles then compares article identities instead of filtering,
    sorting, keying and describing every article again. Returns None when it cannot: an edit
    changed where an article goes, an embargo lifted or an article expired since, the related
    count changed, or too many articles changed.
    """
    last = carry.last
    if last is None or len(articles) != len(last.articles) or carry.related is None:
        return None
    before = last.options
    if last.config != config or (options.drafts, options.future) != (before.drafts, before.future):
        return None
    lifts = last.index.next_change
    if options.now < before.now or (lifts is not None and options.now >= lifts):
        return None
    edits = [
        (old, new) for old, new in zip(last.articles, articles, strict=True) if old is not new
    ]
    if len(edits) > _PATCH_LIMIT or carry.related.count != config.related_count:
        return None
    if not config.related_count:  # no "Xem thêm" lists: the full path leaves them out
        return None
    if any(_placement(old) != _placement(new) for old, new in edits):
        return None
    ordered, docs, where = list(last.index.articles), list(last.docs), dict(last.where)
    fresh: list[tuple[int, Article]] = []
    for old, new in edits:
        at = where.pop(id(old), None)
        carry.docs.pop(id(old), None)
        if at is None:  # not published, and still not: same date, draft state and expiry
            continue
        ordered[at] = new
        where[id(new)] = at
        fresh.append((at, new))
    wanted = [a.digest for _, a in fresh if not a.terms and a.digest]
    found = terms(wanted) if terms is not None and wanted else {}
    for at, article in fresh:
        old_doc = docs[at]
        docs[at] = _new_doc(article, old_doc.url, old_doc.pins, old_doc.exclude, found)
        carry.docs[id(article)] = (article, docs[at])
    links = carry.related.update(docs)
    index = dataclasses.replace(last.index, articles=tuple(ordered), related=dict(links), memo={})
    carry.last = _Last(list(articles), config, options, index, docs, where)
    return index


def _shape_of(published: list[Article], config: SiteConfig, carry: Carry | None) -> _Shape:
    """Return the taxonomies and URLs, reusing the last build's when no article's place changed."""
    if carry is None:
        return _make_shape(published, config)
    key = (
        config.settings,
        [(a.rel, a.date, a.category, a.tags, a.authors, a.slug) for a in published],
    )
    if carry.shape is None or carry.shape[0] != key or carry.shape[1].problems:
        carry.shape = (key, _make_shape(published, config))
    return carry.shape[1]


def _make_shape(published: list[Article], config: SiteConfig) -> _Shape:
    """Work out the taxonomies, URLs and newest-first order of the published articles."""
    # taxonomies in date order (oldest first), so slug clashes are numbered by first appearance
    categories = _terms(((a.category,) for a in published), config, "", _reserved(config))
    tags = _terms((a.tags for a in published), config, config.paths.tag + "/")
    authors = _terms((a.authors for a in published), config, config.paths.author + "/")
    urls = [_permalink(a, config, categories) for a in published]
    problems = _url_clashes(published, urls)
    order = sorted(range(len(published)), key=lambda i: (-published[i].date.timestamp(), urls[i]))
    ordered = [published[i] for i in order]
    cat_terms = _finish("category", categories, ordered, lambda a: (a.category,))
    tag_terms = _finish("tag", tags, ordered, lambda a: a.tags)
    author_terms = _finish("author", authors, ordered, lambda a: a.authors)
    return _Shape(
        order=tuple(order),
        urls=tuple(urls[i] for i in order),
        categories=cat_terms,
        tags=tag_terms,
        authors=author_terms,
        article_category=tuple(
            p[0] for p in _positions(cat_terms, ((a.category,) for a in ordered))
        ),
        article_tags=_positions(tag_terms, (a.tags for a in ordered)),
        article_authors=_positions(author_terms, (a.authors for a in ordered)),
        months=_months(ordered, config),
        problems=tuple(problems),
    )


@dataclass
class _Draft:
    """A term while the index is being built."""

    name: str
    slug: str
    url: str


def _reserved(config: SiteConfig) -> frozenset[str]:
    """Return the first path words a category may not take: they belong to other pages."""
    paths = config.paths
    return frozenset({paths.tag, paths.author, paths.page, paths.search, "assets"})


def _terms(
    groups: Iterable[Iterable[str]],
    config: SiteConfig,
    prefix: str,
    reserved: frozenset[str] = frozenset(),
) -> dict[str, _Draft]:
    """Give each distinct key one display name and a unique slug, by order of first appearance."""
    names: dict[str, str] = {}
    for group in groups:
        for name in group:
            names.setdefault(
                vietnamese.tone_key(name), vietnamese.apply_tone_style(name, config.tone_style)
            )
    slugs = vietnamese.unique_slugs(list(names), config.slug_max_length)
    taken = set(slugs.values())
    for key, slug in slugs.items():
        # a category slug that is a path word or a year would put its pages under another listing
        if slug in reserved or slug.isdigit():
            n = 2
            while f"{slug}-{n}" in taken:
                n += 1
            slugs[key] = f"{slug}-{n}"
            taken.add(slugs[key])
    return {key: _Draft(name, slugs[key], f"/{prefix}{slugs[key]}/") for key, name in names.items()}


def _finish(
    kind: str,
    drafts: dict[str, _Draft],
    ordered: Sequence[Article],
    names: Callable[[Article], Iterable[str]],
) -> tuple[Term, ...]:
    """Attach article positions to each term and sort terms in Vietnamese order."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, article in enumerate(ordered):
        for name in names(article):
            key = vietnamese.tone_key(name)
            if i not in members[key][-1:]:
                members[key].append(i)
    terms = [
        Term(kind, key, d.name, d.slug, d.url, tuple(members[key])) for key, d in drafts.items()
    ]
    return tuple(sorted(terms, key=lambda t: (vietnamese.sort_key(t.name), t.slug)))


def _positions(
    terms: tuple[Term, ...], groups: Iterable[Iterable[str]]
) -> tuple[tuple[int, ...], ...]:
    """Return, for each article's names, their positions in the sorted term list."""
    where = {t.key: i for i, t in enumerate(terms)}
    return tuple(tuple(where[vietnamese.tone_key(n)] for n in names) for names in groups)


def _permalink(article: Article, config: SiteConfig, categories: dict[str, _Draft]) -> str:
    """Expand the permalink pattern for an article (site-relative, no base path)."""
    local = article.date.astimezone(config.tz)
    return config.permalink.format(
        category=categories[vietnamese.tone_key(article.category)].slug,
        slug=article.slug,
        year=f"{local.year:04d}",
        month=f"{local.month:02d}",
        day=f"{local.day:02d}",
    )


def _url_clashes(articles: Sequence[Article], urls: Sequence[str]) -> list[Problem]:
    """Two articles at one URL would overwrite each other: name both files."""
    seen: dict[str, Article] = {}
    problems = []
    for article, url in zip(articles, urls, strict=True):
        first = seen.setdefault(url.casefold(), article)
        if first is not article:
            problems.append(
                Problem(
                    article.rel,
                    article.line("title"),
                    "slug",
                    f"{url} is also the URL of {first.rel}",
                    "give one of them a different 'slug:'",
                )
            )
    return problems


def _related_links(
    docs: list[related.RelatedDoc], count: int, clash: bool, carry: Carry | None, jobs: int
) -> Mapping[str, tuple[related.RelatedLink, ...]]:
    """Compute every "Xem thêm" list: updated from the last build's index when one is kept."""
    if not count or clash:
        return {}
    if carry is None:
        return related.build_related(docs, count, jobs=jobs)
    if carry.related is None or carry.related.count != count:
        carry.related = related.RelatedIndex(count)
    return carry.related.update(docs, jobs)


def _months(
    ordered: Sequence[Article], config: SiteConfig
) -> tuple[tuple[tuple[int, int], tuple[int, ...]], ...]:
    """Group articles by year and month in the site time zone, newest first."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, article in enumerate(ordered):
        local = article.date.astimezone(config.tz)
        groups[(local.year, local.month)].append(i)
    return tuple((ym, tuple(groups[ym])) for ym in sorted(groups, reverse=True))


def _related_docs(
    ordered: Sequence[Article],
    urls: Sequence[str],
    every: Sequence[Article],
    config: SiteConfig,
    memo: dict[int, tuple[Article, related.RelatedDoc]] | None = None,
    kept: related.RelatedIndex | None = None,
    terms: TermsLookup | None = None,
) -> tuple[list[related.RelatedDoc], list[Problem]]:
    """Describe each published article for the related index, resolving pins to URLs.

    `memo` (kept by a long-lived process) hands back the same RelatedDoc object for an article
    that did not change, so the related index sees at a glance which articles did; `kept` (the
    last build's related index) does the same by article digest in a new process. Only the
    other articles need their term vectors, looked up with `terms` when they were not parsed
    in this build.
    """
    names: list[tuple[dict[str, list[str]], set[str]]] = []
    problems: list[Problem] = []
    docs: list[related.RelatedDoc | None] = []
    todo: list[tuple[int, Article, str, tuple[str, ...], tuple[str, ...]]] = []
    seen: dict[int, tuple[Article, related.RelatedDoc]] = {}
    for article, url in zip(ordered, urls, strict=True):
        pins: tuple[str, ...] = ()
        exclude: tuple[str, ...] = ()
        if article.related_pins or article.related_exclude:
            if not names:  # only sites that pin or exclude pay for the lookup tables
                known = {a.rel for a in every} | {a.slug for a in every}
                known |= {a.rel.removeprefix("content/") for a in every}
                names.append((_pin_lookup(ordered, urls), known))
            lookup, known = names[0]
            pins = _resolve(article, article.related_pins, "related", lookup, known, problems)
            exclude = _resolve(
                article, article.related_exclude, "related_exclude", lookup, known, problems
            )
        old = memo.get(id(article)) if memo is not None else None
        doc: related.RelatedDoc | None = None
        if old is not None and old[0] is article:
            doc = old[1]
            if doc.url != url or doc.pins != pins or doc.exclude != exclude:
                doc = dataclasses.replace(doc, url=url, pins=pins, exclude=exclude)
        elif kept is not None and article.digest:
            doc = kept.doc(url)
            if doc is None or (doc.digest, doc.pins, doc.exclude) != (article.digest, pins, exclude):
                doc = None
        if doc is None:
            todo.append((len(docs), article, url, pins, exclude))
        else:
            seen[id(article)] = (article, doc)
        docs.append(doc)
    wanted = [a.digest for _, a, _, _, _ in todo if not a.terms and a.digest]
    found = terms(wanted) if terms is not None and wanted else {}
    for at, article, url, pins, exclude in todo:
        doc = docs[at] = _new_doc(article, url, pins, exclude, found)
        seen[id(article)] = (article, doc)
    if memo is not None:
        memo.clear()
        memo.update(seen)
    return [d for d in docs if d is not None], problems


def _new_doc(
    article: Article,
    url: str,
    pins: tuple[str, ...],
    exclude: tuple[str, ...],
    found: Mapping[str, tuple[tuple[str, float], ...]],
) -> related.RelatedDoc:
    """Describe one article for the related index (terms from the article or from `found`)."""
    return related.RelatedDoc(
        url=url,
        terms=dict(article.terms or found.get(article.digest, ())),
        tags=tuple(vietnamese.tone_key(t) for t in article.tags),
        category=vietnamese.tone_key(article.category),
        date=article.date,
        pins=pins,
        exclude=exclude,
        enabled=article.related_enabled,
        digest=article.digest,
    )


def related_docs(index: SiteIndex, config: SiteConfig) -> list[related.RelatedDoc]:
    """Rebuild the related-index input from a finished index (pins already checked)."""
    docs, _ = _related_docs(index.articles, index.urls, index.articles, config)
    return docs


def _pin_lookup(ordered: Sequence[Article], urls: Sequence[str]) -> dict[str, list[str]]:
    """Map each way an editor may name an article (path, path under content/, slug, URL) to URLs."""
    lookup: dict[str, list[str]] = defaultdict(list)
    for article, url in zip(ordered, urls, strict=True):
        for name in {article.rel, article.rel.removeprefix("content/"), article.slug, url}:
            lookup[name].append(url)
    return lookup


def _resolve(
    article: Article,
    names: tuple[str, ...],
    key: str,
    lookup: dict[str, list[str]],
    known: set[str],
    problems: list[Problem],
) -> tuple[str, ...]:
    """Turn pinned or excluded article names into URLs, reporting names that match nothing."""
    found: list[str] = []
    for name in names:
        matches = lookup.get(name.strip())
        if matches and len(matches) == 1:
            found.append(matches[0])
        elif matches:
            problems.append(
                Problem(
                    article.rel,
                    article.line(key),
                    key,
                    f"{name!r} names several articles",
                    "write the file path instead of the slug",
                )
            )
        elif name.strip() not in known:
            problems.append(
                Problem(
                    article.rel,
                    article.line(key),
                    key,
                    f"{name!r} names no article",
                    "write the path such as content/thoi-su/bai-viet.md, or its slug",
                )
            )
    return tuple(dict.fromkeys(found))

"""build(): the whole pipeline, top to bottom. Only its two ends touch the disk."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import multiprocessing
import os
import pickle
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter
from pathlib import Path

from . import bodies, forked, libc, markup, preview_search, search, search_input, shortcut
from . import cache as cachelib
from . import images as imagelib
from .cache import BuildCache, Deps, PageRecord
from .config import SiteConfig, theme_dir
from .content import Article, Parsed, forget_folders, parse_article, site_file
from .content import Image as ContentImage
from .errors import BuildFailed, Problem
from .index import Carry, Options, SiteIndex, build_index
from .output import Staging, Written
from .pages import Before, Page, Plan, Recorded, output_path, plan_site
from .progress import Silent
from .render import make_environment, render_page, templates_digest
from .request import BuildRequest, BuildResult, leave
from .sources import FileDigests, Source
from .views import Link

_PARALLEL_MIN = 64  # below this many items a worker pool costs more than it saves
_LONG_BUILD = 1000  # articles: a smaller build takes seconds and shows no progress
_RELATED_DRIFT = 24  # articles the saved related index may lag behind the sources


def build(request: BuildRequest, reading: shortcut.Reading | None = None) -> BuildResult:
    """Run every stage; raise BuildFailed (nothing written) if any stage reported an error.

    `reading` is the first stage (sources read, the last build's record checked) when the
    caller has run it already, to skip the build without importing the rest.
    """
    reading = reading or shortcut.read(request)
    if reading.last is not None:
        return shortcut.skipped(reading)
    result = BuildResult(timings={"read": reading.seconds})
    clock = _Clock(result.timings)
    cache = open_cache(request)
    spill = None
    if cache.articles_db is None and request.reuse is None:
        with contextlib.suppress(OSError, sqlite3.Error):  # no room beside the output: in memory
            spill = bodies.Spill(request.output)
    elif request.reuse is None:
        bodies.remove_stale(request.output)
    bodies.use(cache.articles_db or (spill.path if spill is not None else None))
    # Millions of short-lived objects and almost no reference cycles: the cyclic collector would
    # rescan the parsed site over and over (0.2-0.4 s a rebuild at 10,000 articles) and, in forked
    # workers, touch every inherited object (copying memory pages). It runs again afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _run(request, reading, result, clock, cache, spill)
    finally:
        bodies.close()
        if spill is not None:  # its database goes: no body can be read from it any more
            bodies.use(None)
            spill.close()
        cache.close()
        if collecting:
            gc.enable()
    return result


def open_cache(request: BuildRequest) -> BuildCache:
    """Open the build's cache: the folder (unless --no-cache) and the in-memory Reuse, if any."""
    return BuildCache(request.cache_folder, request.reuse, request.parses_from)


def _run(
    request: BuildRequest,
    reading: shortcut.Reading,
    result: BuildResult,
    clock: _Clock,
    cache: BuildCache,
    spill: bodies.Spill | None = None,
) -> None:
    """Run the stages after the first, recording their timings in `result`."""
    config = request.config
    sources, problems = reading.sources, list(reading.problems)
    folder = reading.folder if cache.folder is not None else None  # None: a read-only cache
    digest = reading.digest
    shortcut.forget(folder)
    long_build = len(sources) >= _LONG_BUILD
    progress = request.progress if request.progress is not None and long_build else Silent()
    progress.stage("parse", len(sources))
    articles, parse_problems = parse_all(
        sources, config, _jobs(request), cache, progress.advance, spill, reading.digests
    )
    sources.clear()  # the bytes of every source: a tenth of the build's memory from here on
    progress.stage("index", 0)
    problems += parse_problems
    clock.lap("parse")
    carry = None
    if request.reuse is not None:
        if request.reuse.index is None and cache.folder is not None:
            # a preview's first build: start from what its last run left (Reuse.flush)
            request.reuse.index = Carry(related=cache.related(), shape=cache.shape())
        carry = request.reuse.index = request.reuse.index or Carry()
        request.reuse.index_folder = cache.folder
    elif cache.folder is not None:  # a new process: start from the last build's indexes
        carry = Carry(related=cache.related(), shape=cache.shape())
    saved_shape = carry.shape if carry is not None else None
    options_ = Options(request.now, request.drafts, request.future)
    # a long-lived process may run threads (the preview's watcher): it ranks in one process,
    # but for its first build, before any thread starts (10,000 lists: 7 s on one core)
    forkable = request.reuse is None or forked.safe()
    ranking_jobs = _jobs(request) if forkable else 1
    index, index_problems = build_index(
        articles, config, options_, carry, cache.terms, ranking_jobs
    )
    problems += index_problems
    if request.reuse is None:  # one build in this process: free what rendering does not read
        if carry is not None and _related_worth_saving(carry):
            cache.store_related(carry.related)  # exact for these articles, whatever comes next
        if carry is not None and carry.shape is not saved_shape:
            cache.store_shape(carry.shape)
        carry = None
        articles, index = _without_terms(articles, index)
        libc.release_free_memory()  # before the render workers fork: 512 -> 455 MB at 10,000
    clock.lap("index")
    progress.stage("plan", 0)
    # no article counts: a new article would change every page (counts are on the terms pages)
    nav = tuple(Link(t.name, t.url) for t in index.categories)
    compiled = cache.folder / "templates" if cache.folder is not None else None
    env = make_environment(config, request.now, nav, compiled)
    uses_clock = shortcut.templates_use_clock(config)
    env_key = _env_key(config, env, cache, uses_clock)
    before = _before(request, env_key)
    last = cache.last_build(request.output) if before is None and env_key is not None else None
    plan = plan_site(index, config, request.now, before, last, env_key)
    pages = plan.pages
    problems += plan.problems
    clock.lap("plan")
    _raise_if_failed(problems, request.strict)
    result.warnings = [p for p in problems if p.warning]
    result.articles = len(index.articles)
    result.index = index
    result.next_change = index.next_change
    progress.stage("write", len(pages))
    try:
        _write_all(
            request, index, pages, result, (env, env_key), cache, progress.advance, reading.digests
        )
    finally:
        progress.finish()
    _remember(request, index, env_key, plan)
    leave(request, articles, plan, pages)
    clock.lap("write")
    if folder is None:
        return  # nowhere to keep the record of this build
    # with a search index, a page leaving the recent days' shards changes its files
    layout = config.tz if request.search and config.search != "off" else None
    until = shortcut.valid_until(articles, request.now, uses_clock, layout)
    summary = shortcut.LastBuild(
        result.articles, result.pages, index.next_change, tuple(result.warnings)
    )
    shortcut.store(folder, digest, request.now, until, request.output, summary)


def _without_terms(articles: list[Article], index: SiteIndex) -> tuple[list[Article], SiteIndex]:
    """Drop the term vectors (a third of a parsed article's memory) once related lists are ranked.

    Only articles stamped with their digest lose them: pages key on the digest, so what a page
    depends on is unchanged.
    """
    lean = {id(a): dataclasses.replace(a, terms=()) for a in articles if a.digest and a.terms}
    articles = [lean.get(id(a), a) for a in articles]
    kept = tuple(lean.get(id(a), a) for a in index.articles)
    return articles, dataclasses.replace(index, articles=kept)


def _related_worth_saving(carry: Carry) -> bool:
    """Tell whether to save the related index again: after a full ranking, or once the saved
    one lags this build by more than _RELATED_DRIFT articles.

    update() is exact from any older state, so the next build redoes a few edits (hundredths
    of a second) instead of this one rewriting 35 MB at 10,000 articles (0.4 s).
    """
    if carry.related is None:
        return False
    stats = carry.related.stats
    return bool(stats.get("full")) or stats.get("changed", 0) > _RELATED_DRIFT


def _raise_if_failed(problems: list[Problem], strict: bool) -> None:
    """Stop before writing anything when there is an error (or a warning, with --strict)."""
    if any(not p.warning or strict for p in problems):
        if strict:
            problems = [Problem(p.path, p.line, p.field, p.message, p.hint) for p in problems]
        raise BuildFailed(problems)


# -- parallel parsing -------------------------------------------------------------------------

_WORKER: dict[str, object] = {}


def _parse_chunk(bounds: tuple[int, int]) -> list[Parsed]:
    """Parse a slice of the sources inside a worker (inherited through fork, nothing pickled in)."""
    sources: Sequence[Source] = _WORKER["sources"]  # type: ignore[assignment]
    config: SiteConfig = _WORKER["config"]  # type: ignore[assignment]
    renderer = _renderer(config)
    return [_sealed(parse_article(s, config, renderer)) for s in sources[bounds[0] : bounds[1]]]


def _sealed(parsed: Parsed) -> Parsed:
    """Stamp the parsed article with its digest, computed once here and cached with it."""
    article = parsed.article
    if article is None or article.digest:
        return parsed
    article = dataclasses.replace(article, digest=cachelib.fingerprint(article).hex())
    return dataclasses.replace(parsed, article=article)


def _parse_chunk_cached(bounds: tuple[int, int]) -> list[cachelib.Entry]:
    """Parse a slice for the cache: each result pickled once, with the images it looked up.

    The term vector and the body HTML are kept apart, keyed by the article's digest: only the
    related index reads the terms, only for articles it has not seen, and only the pages a
    build renders read bodies.
    """
    sources: Sequence[Source] = _WORKER["sources"]  # type: ignore[assignment]
    config: SiteConfig = _WORKER["config"]  # type: ignore[assignment]
    digests: FileDigests | None = _WORKER.get("digests")  # type: ignore[assignment]
    renderer = _renderer(config)
    out = []
    for source in sources[bounds[0] : bounds[1]]:
        parsed = _sealed(parse_article(source, config, renderer))
        text = source.data.decode("utf-8", "replace")
        deps = cachelib.image_deps(source, config, text, digests)
        digest, terms, body = "", b"", None
        article = parsed.article
        if article is not None:
            digest, terms = article.digest, pickle.dumps(article.terms, protocol=5)
            body = article.body_html
            article = bodies.left_behind(dataclasses.replace(article, terms=()))
            parsed = dataclasses.replace(parsed, article=article)
        out.append((deps, pickle.dumps(parsed, protocol=5), digest, terms, body))
    return out


def _renderer(config: SiteConfig) -> markup.BodyRenderer:
    """Return this process's Markdown converter, made on first use and reset per article."""
    renderer = _WORKER.get("renderer")
    if not isinstance(renderer, markup.BodyRenderer):
        renderer = _WORKER["renderer"] = markup.BodyRenderer(config.raw_html)
    return renderer


def parse_all(
    sources: Sequence[Source],
    config: SiteConfig,
    jobs: int,
    cache: BuildCache | None = None,
    advance: Callable[[int], None] | None = None,
    spill: bodies.Spill | None = None,
    digests: FileDigests | None = None,
) -> tuple[list[Article], list[Problem]]:
    """Parse every source (reusing cached results), in parallel when it pays, in input order.

    Without a cache, `spill` takes each chunk's bodies as it arrives (held nowhere else).
    `digests` tells the SHA-256 of image files (sources.FileDigests), for the cache's checks.
    """
    _WORKER.clear()
    forget_folders()  # a folder may have become a link since the last build of this process
    if cache is None or not cache.enabled:
        _WORKER.update(sources=sources, config=config)
        take = (lambda _, part: spill.take(part)) if spill is not None else None
        parsed: list[Parsed] = _map_chunks(_parse_chunk, len(sources), jobs, advance, take)
    else:
        parsed = _parse_with_cache(sources, config, jobs, cache, advance, digests)
    _WORKER.clear()
    articles = [p.article for p in parsed if p.article is not None]
    problems = [problem for p in parsed for problem in p.problems]
    return articles, problems


def _parse_with_cache(
    sources: Sequence[Source],
    config: SiteConfig,
    jobs: int,
    cache: BuildCache,
    advance: Callable[[int], None] | None = None,
    digests: FileDigests | None = None,
) -> list[Parsed]:
    """Take each source's parse from the cache if its key and image lookups match, else parse."""
    digest = cachelib.parse_digest(config)
    keys = cachelib.parse_keys(digest, sources, cache.reuse)
    stored = cache.parsed(keys)
    results: list[Parsed | None] = [None] * len(sources)
    used: dict[str, tuple[Deps, Parsed]] = {}
    todo = []
    for i, (source, key) in enumerate(zip(sources, keys, strict=True)):
        entry = stored.pop(key, None)  # its pickle is freed once unpickled (3 GB at 100,000)
        if entry is not None and (
            not entry[0] or cachelib.deps_hold(source, config, entry[0], digests)
        ):
            value = entry[1]
            parsed = value if isinstance(value, Parsed) else pickle.loads(value)
            results[i] = parsed
            used[key] = (entry[0], parsed)
        else:
            todo.append(i)
    _WORKER.update(sources=[sources[i] for i in todo], config=config, digests=digests)
    if advance is not None:
        advance(len(sources) - len(todo))  # taken from the cache

    def take(chunk: tuple[int, int], part: list[cachelib.Entry]) -> list[Parsed]:
        """Store a chunk's new parses as they arrive, so their pickles are not all held at once.

        Their bodies stay in memory only if the cache folder could not take them.
        """
        fresh = dict(zip((keys[i] for i in todo[chunk[0] : chunk[1]]), part, strict=True))
        stored = cache.add_parsed(fresh)
        out = []
        for key, (deps, blob, _, _, body) in fresh.items():
            parsed = pickle.loads(blob)
            if not stored and parsed.article is not None and body is not None:
                article = dataclasses.replace(parsed.article, body_html=body, body_stored=False)
                parsed = dataclasses.replace(parsed, article=article)
            used[key] = (deps, parsed)
            out.append(parsed)
        return out

    done = _map_chunks(_parse_chunk_cached, len(todo), jobs, advance, take)
    for i, parsed in zip(todo, done, strict=True):
        results[i] = parsed
    cache.store_parsed({}, used)
    return [p for p in results if p is not None]


def _map_chunks(
    func: Callable[[tuple[int, int]], list],
    count: int,
    jobs: int,
    advance: Callable[[int], None] | None = None,
    take: Callable[[tuple[int, int], list], list] | None = None,
) -> list:
    """Run `func` over [0, count) in chunks, forked over `jobs` processes, results in order.

    `take` turns each chunk's result into what is kept, in the parent, as the chunk arrives.
    """
    serial = (
        jobs <= 1 or count < _PARALLEL_MIN or "fork" not in multiprocessing.get_all_start_methods()
    )
    size = max(16, -(-count // (max(jobs, 1) * 8)))
    chunks = [(start, min(start + size, count)) for start in range(0, count, size)]
    if serial and advance is None and take is None:
        return func((0, count))
    results: list = []
    if serial:
        parts: Iterable[list] = map(func, chunks)
        for chunk, part in zip(chunks, parts, strict=True):
            results += take(chunk, part) if take is not None else part
            if advance is not None:
                advance(chunk[1] - chunk[0])
        return results
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for chunk, part in zip(chunks, pool.imap(func, chunks, chunksize=1), strict=True):
            results += take(chunk, part) if take is not None else part
            if advance is not None:
                advance(chunk[1] - chunk[0])
    return results


# -- rendering and writing --------------------------------------------------------------------


Done = tuple[Written, PageRecord | None]  # a page in the new output, and its record if keyed


def _keep_known(
    pages: Sequence[Page], staging: Staging, old: dict[str, PageRecord], env_key: bytes | None
) -> tuple[list[Done | None], list[int], list[bytes | None]]:
    """Keep, in this process, every page whose key matches the last build's record.

    A rebuild renders a few pages of 24,000: forking workers to link the others and send back
    their records costs more than linking them here. Returns the kept pages (None where a page
    must be rendered), the positions to render and their keys.
    """
    done: list[Done | None] = [None] * len(pages)
    if not old or env_key is None:  # nothing to keep: the workers key and render every page
        return done, list(range(len(pages))), []
    todo, keys = [], []
    for i, page in enumerate(pages):
        key = _page_key(env_key, page)
        record = old.get(page.output) if key is not None else None
        if record is not None and record.key == key:
            kept = _kept(staging, page.output, record)
            if kept is not None:
                done[i] = kept
                continue
        todo.append(i)
        keys.append(key)
    return done, todo, keys


def _kept(staging: Staging, rel: str, record: PageRecord) -> Done | None:
    """Keep a file of the last output as recorded; its record follows it to a new inode when
    the output was restored or copied (the file was then recognised by its bytes)."""
    kept = staging.keep(rel, record.sha256, record.size, record.inode)
    if kept is None:
        return None
    if staging.recognised:
        inode = staging.recognised.pop(rel, None)
        if inode is not None:
            return kept, dataclasses.replace(record, inode=inode)
    return kept, record


def _render_chunk(bounds: tuple[int, int]) -> list[Done]:
    """Render and write a slice of the pages _keep_known could not keep, inside a worker."""
    pages: Sequence[Page] = _WORKER["pages"]  # type: ignore[assignment]
    keys: Sequence[bytes | None] = _WORKER["keys"]  # type: ignore[assignment]
    staging: Staging = _WORKER["staging"]  # type: ignore[assignment]
    env_key: bytes | None = _WORKER["env_key"]  # type: ignore[assignment]
    env = _WORKER["env"]
    out: list[Done] = []
    for at in range(bounds[0], bounds[1]):
        page = pages[at]
        # keyed by _keep_known, or (nothing to keep: a cold build) keyed here, in parallel
        key = keys[at] if keys else _page_key(env_key, page)
        written = staging.write(page.output, _render(env, page))
        if key is None:
            out.append((written, None))
            continue
        size, inode = staging.inode(written.rel)
        out.append((written, PageRecord(key, written.sha256, size, inode)))
    return out


def _render(env: object, page: Page) -> bytes:
    """Render one page, turning a template error into a Problem naming the template and page."""
    try:
        return render_page(env, page)  # type: ignore[arg-type]
    except Exception as exc:  # a template error: name the template and the page
        where = f"templates/{page.template}"
        raise BuildFailed(
            [
                Problem(
                    where,
                    getattr(exc, "lineno", 0) or 0,
                    "",
                    f"rendering {page.url} failed: {exc}",
                    "fix the template",
                )
            ]
        ) from None


def _page_key(env_key: bytes | None, page: Page) -> bytes | None:
    """Hash everything a page's bytes depend on: the environment, template and exact context."""
    if env_key is None:
        return None
    if page.key is not None:  # planned from the last build's inputs, under the same environment
        return page.key
    if page.deps is not None:  # one line per dependency: joined, unambiguous
        deps = "\n".join((repr((page.url, page.template)), *page.deps)).encode()
        return hashlib.sha256(env_key + b"deps\0" + deps).digest()
    if page.data is not None:
        return hashlib.sha256(env_key + b"data\0" + page.data).digest()
    try:
        context = cachelib.fingerprint((page.template, page.context))
    except Exception:  # an unpicklable context is simply rendered every time
        return None
    return hashlib.sha256(env_key + context).digest()


def _env_key(config: SiteConfig, env: object, cache: BuildCache, uses_clock: bool) -> bytes | None:
    """Hash the code, templates, config and template globals that every page depends on."""
    if not cache.enabled:
        return None
    globals_ = dict(getattr(env, "globals", {}))
    if not uses_clock:  # a template printing build_time makes every page change every build
        globals_.pop("build_time", None)
    globals_.pop("once", None)  # a function of this build (newsgen's code is in the digest)
    try:
        values = cachelib.fingerprint(sorted(globals_.items()))
    except Exception:  # a global that cannot be hashed: no page reuse this build
        return None
    digest = hashlib.sha256(f"{cachelib.code_digest()}\0{templates_digest(config)}\0".encode())
    digest.update(config.settings.encode() + b"\0" + values)
    return digest.digest()


def _before(request: BuildRequest, env_key: bytes | None) -> Before | None:
    """Return the last build of this process if this one can be planned from its changes."""
    reuse = request.reuse
    if reuse is None or env_key is None or not isinstance(reuse.before, tuple):
        return None
    output, key, before = reuse.before
    if (
        output != str(request.output.resolve())
        or key != env_key
        or reuse.pages is not before.records
    ):
        return None
    return before


def _remember(request: BuildRequest, index: SiteIndex, env_key: bytes | None, plan: Plan) -> None:
    """Keep this build's index, plan and page keys for planning the next build from its changes."""
    reuse = request.reuse
    if reuse is None or env_key is None:
        return
    keys = reuse.pages
    before = Before(index, request.now, keys, plan)
    reuse.before = (str(request.output.resolve()), env_key, before)


def _write_all(
    request: BuildRequest,
    index: SiteIndex,
    pages: list[Page],
    result: BuildResult,
    environment: tuple[object, bytes | None],
    cache: BuildCache | None = None,
    advance: Callable[[int], None] | None = None,
    digests: Callable[[str], str] | None = None,
) -> None:
    """Render every page into a staging folder and swap it in; on any failure keep the old output."""
    config = request.config
    cache = cache or BuildCache(None)
    env, env_key = environment
    old = cache.pages(request.output) if env_key is not None else {}
    records = old if env_key is not None else None  # None: this build keeps no records
    staging = Staging(request.output, private=request.reuse is not None)
    try:
        kept, todo, keys = _keep_known(pages, staging, old, env_key)
        if advance is not None:
            advance(len(pages) - len(todo))
        _WORKER.clear()
        todo_pages = [pages[i] for i in todo]
        _WORKER.update(pages=todo_pages, keys=keys, staging=staging, env=env, env_key=env_key)
        rendered = _map_chunks(_render_chunk, len(todo), _jobs(request), advance)
        for i, one in zip(todo, rendered, strict=True):
            kept[i] = one
        done = [d for d in kept if d is not None]
        written = [w for w, _ in done]
        images_cache = request.images_folder if cache.folder is not None else None
        memo = request.reuse.photos if request.reuse is not None else None
        copied, published = _copy_assets(
            config, index, staging, (images_cache, _jobs(request)), records, digests, memo
        )
        written += copied
        done += published
        if request.search_dir is not None:
            result.search_plan = _search_beside(staging, request, index, written)
        else:
            bundle = _search_bundle(staging, request, index, written, old, cache)
            written += [w for w, _ in bundle]
            done += [(w, r) for w, r in bundle if r is not None]
        staging.finish(written)
        kept_records = {w.rel: r for w, r in done if r is not None}
        if request.reuse is not None:  # its next build but one updates this very folder
            staging.remember_inodes({rel: r.inode for rel, r in kept_records.items()})
    except BaseException:
        staging.abort()
        raise
    finally:
        _WORKER.clear()
    if env_key is not None:
        planned = Recorded.of(index, env_key, request.now) if request.reuse is None else None
        cache.store_pages(request.output, kept_records, planned)
    result.files = written
    result.written = sum(map(attrgetter("changed"), written))
    result.unchanged = len(written) - result.written


_SHARDS_KEY = b"search shards list"
_UNKNOWN_SEARCH_KEY = b"search file kept without a record"  # matches no shard: re-indexed next


def _search_bundle(
    staging: Staging,
    request: BuildRequest,
    index: SiteIndex,
    written: list[Written],
    old: dict[str, PageRecord],
    cache: BuildCache,
) -> list[Done]:
    """Index the article pages for search, re-indexing only the shards whose pages changed.

    Pagefind is the costliest stage of a build (about 4 s and 250 MB per 1,000 articles), so
    each shard (search.shards) is keyed on what Pagefind reads of its pages (search_input) and
    kept, file by file, while that is the same. The preview indexes beside its output instead
    (_search_beside).
    """
    config = request.config
    if config.search == "off":
        return []
    if not request.search:
        return _previous_bundle(staging, old)
    if not search.available():
        return []
    today = _today(request.now, config)
    shards = search.shards(_indexed_pages(index, request.now, config), today=today)
    digests = _kept_indexed_digests(cache, staging.dir, written, shards)
    keys = _shard_keys(shards, digests, config.language)
    folders = _search_folders(old)
    out: list[Done] = []
    stale = []
    for name in shards:
        kept = _kept_files(staging, old, folders.get(name, []), keys[name])
        if kept is None:
            stale.append(name)
        else:
            out += kept
    ui_key = search.ui_key()
    ui = _kept_files(staging, old, folders.get("", []), ui_key)
    if ui is None and shards and not stale:  # the UI files come with any shard's run
        stale.append(search.ui_shard(shards))
    fresh = search.Bundle({}, [])
    if stale:
        run = {name: shards[name] for name in stale}
        got = search.index_shards(staging.dir, config.language, run, _jobs(request))
        if got is None:
            return []
        fresh = got
    for name in stale:
        out += _write_search_files(staging, fresh.shards[name], keys[name])
    out += ui if ui is not None else _write_search_files(staging, fresh.ui, ui_key)
    out += _write_search_files(staging, [search.shards_file(list(shards))], _SHARDS_KEY)
    return out


def _today(now: dt.datetime, config: SiteConfig) -> dt.date:
    """The build's day in the site's time zone: the search index's recent days end with it."""
    return now.astimezone(config.tz).date()


def _indexed_pages(
    index: SiteIndex, now: dt.datetime, config: SiteConfig
) -> list[tuple[str, dt.date]]:
    """The pages Pagefind indexes (published, not drafts or scheduled) and their local days."""
    return [
        (output_path(url), article.date.astimezone(config.tz).date())
        for article, url in zip(index.articles, index.urls, strict=True)
        if not article.draft and article.date <= now
    ]


def _search_folders(old: dict[str, PageRecord]) -> dict[str, list[str]]:
    """Group the last build's search files by shard folder ("" for the UI files at the top)."""
    folders: dict[str, list[str]] = {}
    prefix = f"{search.OUTPUT_DIR}/"
    for rel in sorted(old):
        if not rel.startswith(prefix) or old[rel].key == _SHARDS_KEY:
            continue
        parts = rel[len(prefix) :].split("/", 1)
        folders.setdefault(parts[0] if len(parts) == 2 else "", []).append(rel)
    return folders


def _kept_files(
    staging: Staging, old: dict[str, PageRecord], rels: list[str], key: bytes | None
) -> list[Done] | None:
    """Keep a shard's files (or the UI files) if the last build made them from the same input.

    `key` None keeps them whatever made them (a build that does not index).
    """
    if not rels or (key is not None and any(old[rel].key != key for rel in rels)):
        return None
    out: list[Done] = []
    for rel in rels:
        kept = _kept(staging, rel, old[rel])
        if kept is None:
            return None  # changed behind our back: index the shard again
        out.append(kept)
    return out


def _write_search_files(
    staging: Staging, files: list[tuple[str, bytes]], key: bytes
) -> list[Done]:
    """Write search files into the staging output, recording them under the key that made them."""
    out: list[Done] = []
    for rel, data in files:
        done = staging.write(rel, data)
        size, inode = staging.inode(done.rel)
        out.append((done, PageRecord(key, done.sha256, size, inode)))
    return out


# page SHA-256 -> hash of what Pagefind reads of it (search_input), kept for the process
_INDEXED: dict[str, bytes] = {}


def _kept_indexed_digests(
    cache: BuildCache, folder: Path, written: list[Written], shards: dict[str, list[str]]
) -> dict[str, str]:
    """_indexed_digests for a new process: taken from the last build's, and kept for the next
    one when they changed (a page that changed, or one that is gone)."""
    if not _INDEXED:
        _INDEXED.update(cache.indexed())
    known = len(_INDEXED)
    digests = _indexed_digests(folder, written, shards, _INDEXED)
    if len(_INDEXED) != known or len(_INDEXED) > len(digests):
        current = {w.sha256 for w in written if w.rel in digests}
        cache.store_indexed({sha: d for sha, d in _INDEXED.items() if sha in current})
    return digests


def _indexed_digests(
    folder: Path, written: list[Written], shards: dict[str, list[str]], memo: dict[str, bytes]
) -> dict[str, str]:
    """Hash what Pagefind reads of each page it indexes, by path (search_input).

    Taken from `memo` by the page's SHA-256, else read from `folder`. A file that no longer
    holds the page's bytes (the preview works its plan out later) keys on the bytes instead.
    """
    wanted = {rel for rels in shards.values() for rel in rels}
    out: dict[str, str] = {}
    for w in written:
        if w.rel not in wanted:
            continue
        known = memo.get(w.sha256)
        if known is None:
            try:
                data = (folder / w.rel).read_bytes()
            except OSError:
                data = b""
            if hashlib.sha256(data).hexdigest() != w.sha256:
                out[w.rel] = w.sha256
                continue
            known = memo[w.sha256] = search_input.indexed_digest(data)
        out[w.rel] = known.hex()
    if len(memo) > 2 * len(out) + 1_000:  # a long-lived process: forget pages long replaced
        current = {w.sha256 for w in written if w.rel in out}
        for sha in [sha for sha in list(memo) if sha not in current]:
            memo.pop(sha, None)
    return out


def _shard_keys(
    shards: dict[str, list[str]], digests: Mapping[str, str], language: str
) -> dict[str, bytes]:
    """Key each shard on its pages' paths and what Pagefind reads of them (search.shard_key)."""
    return {
        name: search.shard_key(name, [(rel, digests.get(rel, "")) for rel in rels], language)
        for name, rels in shards.items()
    }


def _search_beside(
    staging: Staging, request: BuildRequest, index: SiteIndex, written: list[Written]
) -> Callable[[], preview_search.SearchPlan] | None:
    """The preview's index, served from its own folder: indexed now on the first build, else
    returned as a plan for the preview's background refresh (preview_search)."""
    folder = request.search_dir
    assert folder is not None
    config = request.config
    if config.search == "off":
        preview_search.clear(folder)  # the preview must not serve an earlier index
        return None
    if not search.available():
        return None
    if not request.search:  # 0.1 s at 10,000 articles: worked out in the background, not here,
        # after this output has replaced the live one
        return functools.partial(_search_plan, index, request.now, config, written, request.output)
    plan = _search_plan(index, request.now, config, written, staging.dir)
    preview_search.refresh(staging.dir, folder, plan, _jobs(request))
    return None


def _search_plan(
    index: SiteIndex, now: dt.datetime, config: SiteConfig, written: list[Written], pages: Path
) -> preview_search.SearchPlan:
    """What the preview's search index should hold for this output (its files in `pages`):
    shards and their keys."""
    shards = search.shards(_indexed_pages(index, now, config), today=_today(now, config))
    digests = _indexed_digests(pages, written, shards, _INDEXED)
    keys = {name: key.hex() for name, key in _shard_keys(shards, digests, config.language).items()}
    keys[""] = search.ui_key().hex()
    return preview_search.SearchPlan(config.language, shards, keys)


def _previous_bundle(
    staging: Staging, old: dict[str, PageRecord]
) -> list[Done]:
    """Keep the last build's whole search index as it is (a build run with --no-search)."""
    if staging.previous is None or not (staging.previous / search.OUTPUT_DIR).is_dir():
        return []
    prefix = f"{search.OUTPUT_DIR}/"
    known = [rel for rel in old if rel.startswith(prefix)]
    kept = _kept_files(staging, old, sorted(known), None) if known else None
    if kept is not None:
        return kept
    return [
        _keep_file(staging, rel, path, old)
        for rel, path in _files_under(staging.previous / search.OUTPUT_DIR)
    ]


def _files_under(folder: Path) -> list[tuple[str, Path]]:
    """List the files under an output subfolder as (path in the output, file), sorted."""
    root = folder.parent
    found = []
    for parent, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            path = Path(parent, name)
            found.append((path.relative_to(root).as_posix(), path))
    return found


def _keep_file(
    staging: Staging, rel: str, path: Path, old: dict[str, PageRecord]
) -> Done:
    """Carry a file of the previous output over: linked if its record holds, else read again."""
    record = old.get(rel)
    if record is not None:
        kept = _kept(staging, rel, record)
        if kept is not None:
            return kept
    done = staging.write(rel, path.read_bytes())
    size, inode = staging.inode(done.rel)
    return done, PageRecord(_UNKNOWN_SEARCH_KEY, done.sha256, size, inode)


def _copy_assets(
    config: SiteConfig,
    index: SiteIndex,
    staging: Staging,
    publishing: tuple[Path | None, int],
    old: Mapping[str, PageRecord] | None = None,
    digests: Callable[[str], str] | None = None,
    memo: dict[tuple[str, str, str, int], tuple[str, list[Done]]] | None = None,
) -> tuple[list[Written], list[Done]]:
    """Copy theme and site static files, then publish each article's images next to its page.

    An image whose file, name and publishing code are those the last build recorded keeps its
    published files from the previous output without reading anything (_kept_image); the others
    are published (from the images cache, `publishing[0]`, or made on `publishing[1]` workers).
    Returns every file, and the records of the published ones (none when `old` is None).
    A long-lived process passes `memo`: a photo with the same bytes whose files its private
    spare still shares takes its last files and records as they are (the preview's saves).
    """
    images_cache, workers = publishing
    files: dict[str, Path] = {}
    for root in (theme_dir(config) / "static", config.site_dir / "static"):
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    _check_inside(path, config.site_dir, root)
                    files[path.relative_to(root).as_posix()] = path
    photos: list[tuple[str, Article, ContentImage]] = []
    for article, url in zip(index.articles, index.urls, strict=True):
        for image in article.images:
            if image.width and imagelib.resized(image.name):
                photos.append((url.lstrip("/"), article, image))
            else:  # GIF, SVG, AVIF: published exactly as written
                files[url.lstrip("/") + image.name] = Path(site_file(config, image.source))
    written = [staging.copy(rel, path) for rel, path in sorted(files.items())]
    records: list[Done] = []
    jobs: list[tuple[str, Article, ContentImage, str]] = []  # and the photo's SHA-256, if known
    last = memo or {}
    remembered: dict[tuple[str, str, str, int], tuple[str, list[Done]]] = {}
    for folder, article, image in photos:
        photo = site_file(config, image.source)
        hashed = digests(photo) if digests is not None and old is not None else ""
        at = (folder, image.source, image.name, image.width)
        kept = _shared_photo(staging, last.get(at), hashed)
        if kept is None and hashed:
            key = _image_key(image, hashed)
            kept = _kept_image(staging, old, folder, image, key) if old else None
        if kept is not None:
            records += kept
            written += [w for w, _ in kept]
            remembered[at] = (hashed, kept)
        else:
            jobs.append((folder, article, image, hashed))
    problems: list[Problem] = []
    todo = [imagelib.Job(site_file(config, image.source), image.name) for _, _, image, _ in jobs]
    made_all = imagelib.publish_each(todo, images_cache, workers)
    for (folder, article, image, hashed), result in zip(jobs, made_all, strict=True):
        if isinstance(result, imagelib.ImageProblem):
            hint = "export it again as JPEG, PNG or WebP, or replace the file"
            problems.append(Problem(article.rel, image.line, "image", str(result), hint))
            continue
        made = result.files()
        published = [staging.write(folder + v.name, v.data) for v in made]
        written += published
        planned = imagelib.file_names(image.name, image.width)
        if hashed and tuple(v.name for v in made) == planned:  # else: published every time
            key = _image_key(image, hashed)
            done: list[Done] = []
            for one in published:
                size, inode = staging.inode(one.rel)
                done.append((one, PageRecord(key, one.sha256, size, inode)))
            records += done
            unchanged = [(Written(w.rel, w.sha256, False), r) for w, r in done]
            remembered[folder, image.source, image.name, image.width] = (hashed, unchanged)
    if problems:
        raise BuildFailed(problems)
    if memo is not None:  # the photos of this build only
        memo.clear()
        memo.update(remembered)
    return sorted(written, key=attrgetter("rel")), records


def _shared_photo(
    staging: Staging, last: tuple[str, list[Done]] | None, hashed: str
) -> list[Done] | None:
    """The files and records a long-lived process kept for a photo, if its bytes are the same
    and its private spare still shares every file (None: look at the records)."""
    if last is None or not hashed or last[0] != hashed:
        return None
    for written, record in last[1]:
        if record is None or not staging.shares(written.rel, record.inode):
            return None
    return last[1]


def _image_key(image: ContentImage, hashed: str) -> bytes:
    """Key a published image on what its files are made from: its bytes, name and the code."""
    return hashlib.sha256(f"image\0{hashed}\0{image.name}\0{imagelib.VERSION}".encode()).digest()


def _kept_image(
    staging: Staging, old: Mapping[str, PageRecord], folder: str, image: ContentImage, key: bytes
) -> list[Done] | None:
    """Keep every file the last build published for this image, if it made them from the same
    input (None: publish it again). 10,000 photos take 10 s to read back from the images cache."""
    out: list[Done] = []
    for name in imagelib.file_names(image.name, image.width):
        rel = folder + name
        record = old.get(rel)
        if record is None or record.key != key:
            return None
        kept = _kept(staging, rel, record)
        if kept is None:
            return None
        out.append(kept)
    return out


def _check_inside(path: Path, site: Path, root: Path) -> None:
    """Refuse a static file that is a link to somewhere outside the site or theme."""
    resolved = path.resolve()
    if not (resolved.is_relative_to(site.resolve()) or resolved.is_relative_to(root.resolve())):
        raise BuildFailed(
            [Problem(str(path), 0, "", "links to a file outside the site", "copy the file in")]
        )


def _jobs(request: BuildRequest) -> int:
    """Return the number of worker processes: as asked, else one per core."""
    return request.jobs if request.jobs > 0 else (os.cpu_count() or 1)


class _Clock:
    """Record how long each stage took, for the summary and the benchmark."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = now - self.last
        self.last = now

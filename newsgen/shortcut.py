"""Skip a whole build when nothing it reads has changed and the output is still the one it wrote.

A rebuild with nothing changed must cost little more than reading the sources. The record of the
last successful build (`last-build.json` in the cache folder) holds a hash of every input (sources
and other files under content/, static files, templates, the theme, config, code, build options),
the window of build times in which the output stays the same (until the next embargo lifts, an
article expires or leaves the two-day news sitemap), and the hash of the output's manifest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import code_digest
from .config import CONFIG_NAME, SiteConfig, theme_dir
from .errors import Problem
from .forked import Forked
from .output import MANIFEST, ancestors
from .request import BuildRequest, BuildResult
from .sources import FileDigests, Source, discover, file_hash

if TYPE_CHECKING:
    from .content import Article

RECORD = "last-build.json"
NEWS_WINDOW = dt.timedelta(days=2)  # an article leaves news-sitemap.xml two days after it appears
# the reading is forked from this many articles (by the last build): below, it ends before the
# imports it would overlap (0.1 s), which a build with nothing to do would then wait for
FORK_FROM = 3_000


@dataclass(frozen=True)
class LastBuild:
    """What the last successful build produced, enough to repeat its summary without building."""

    articles: int
    files: int
    next_change: dt.datetime | None
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class Reading:
    """A build's first stage: the sources, and whether the last build's output still stands."""

    sources: list[Source]  # none when the forked reader found the build skipped
    problems: list[Problem]
    folder: Path | None  # where the record of the build is kept; None: nowhere
    digest: str
    last: LastBuild | None  # not None: nothing changed, the build has nothing to do
    seconds: float
    digests: FileDigests = field(default_factory=FileDigests)  # of the files beside the articles


def read(request: BuildRequest, meanwhile: Sequence[Callable[[], object]] = ()) -> Reading:
    """Read and hash every input, and find the last build's record if it still holds.

    Runs before the parsing and rendering stages are even imported: a build with nothing to
    do costs the reading of its sources and little more. With `meanwhile` (what the build does
    next: imports, loading the cache), a build with a cache folder whose last build counted
    FORK_FROM articles or more reads in a forked child and takes those steps at the same time,
    until the child finds nothing changed.
    """
    started = time.perf_counter()
    inputs: _Inputs | None = None
    child = None
    folder = request.cache_folder if request.reuse is None else None
    if meanwhile and folder is not None and _last_articles(folder) >= FORK_FROM:
        code_digest()  # once, before the fork: both processes need it
        child = Forked.start(functools.partial(_hashed_inputs, request))
    if child is not None:
        pending, answered = list(meanwhile), False
        try:
            while pending:
                if not answered and child.ready():
                    inputs, answered = _answer(child.result()), True
                    if inputs is None or inputs.last is not None:
                        break  # nothing to do, or the child failed: no more steps
                pending.pop(0)()
            if not answered:
                inputs, answered = _answer(child.result()), True
        except BaseException:
            if not answered:
                child.cancel()
            raise
    if inputs is None:  # no child, or it failed: read here
        inputs = _read_inputs(request)
    reuse = request.reuse
    digests = FileDigests(
        inputs.walked,
        memo=reuse.file_digests if reuse is not None else None,
        quiet=reuse.quiet if reuse is not None else None,
    )
    seconds = time.perf_counter() - started
    return Reading(
        inputs.sources, inputs.problems, inputs.folder, inputs.digest, inputs.last, seconds, digests
    )


def _last_articles(folder: Path) -> int:
    """How many articles the last build recorded here (0 if none)."""
    try:
        record = json.loads((folder / RECORD).read_bytes())
        return int(record.get("articles", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        return 0


@dataclass
class _Inputs:
    """The first stage's findings, as one process or the forked reader sends them."""

    sources: list[Source]
    problems: list[Problem]
    folder: Path | None
    digest: str
    walked: dict[str, str]
    last: LastBuild | None


def _read_inputs(request: BuildRequest) -> _Inputs:
    """Read the sources, hash every input (sources, images, theme, config, code, options) and
    check the last build's record."""
    config = request.config
    sources, problems = discover(config, request.reuse)
    # only a cache folder keeps the record, and the preview (reuse) knows what changed itself
    folder = request.cache_folder if request.reuse is None and not problems else None
    digest = ""
    walked: dict[str, str] = {}
    if folder is not None:
        from .search import available

        options = (request.drafts, request.future, request.strict, request.search and config.search)
        digest = inputs_digest(config, sources, (*options, available()), walked)
    last = load(folder, digest, request.now, request.output)
    return _Inputs(sources, problems, folder, digest, walked, last)


def _answer(sent: object) -> _Inputs | None:
    """The forked reader's first stage, or None if it failed (this process reads, then)."""
    return sent if isinstance(sent, _Inputs) else None


def _hashed_inputs(request: BuildRequest) -> _Inputs:
    """The first stage in the forked reader: its sources go back without their bytes."""
    inputs = _read_inputs(request)
    kept = inputs.sources if inputs.last is None else []  # a skipped build needs no source
    inputs.sources = [Source.hashed(s.rel, s.sha256, s.path) for s in kept]
    return inputs


def skipped(reading: Reading) -> BuildResult:
    """Report the last build's outcome: nothing it read has changed, so neither would its output."""
    last = reading.last
    assert last is not None
    return BuildResult(
        articles=last.articles,
        unchanged=last.files,
        warnings=list(last.warnings),
        timings={"read": reading.seconds},
        next_change=last.next_change,
        skipped=True,
    )


def inputs_digest(
    config: SiteConfig,
    sources: Sequence[Source],
    options: Iterable[object],
    beside: dict[str, str] | None = None,
) -> str:
    """Hash every input of a build: sources, files beside them, static, templates, config, code.

    The files beside the articles (images) are hashed once per build: the digests of those that
    are not links go into `beside` (path -> hex SHA-256) for the later stages.
    """
    digest = hashlib.sha256(f"{code_digest()}\0{config!r}\0{list(options)!r}\0".encode())
    for source in sources:
        digest.update(f"{source.rel}\0{source.sha256}\0".encode())
    roots = [
        config.content_dir,
        config.site_dir / "static",
        config.site_dir / "templates",
        theme_dir(config),
    ]
    for root in roots:
        content = root == config.content_dir
        links: set[str] = set()
        paths = _files(root, skip_suffix=".md" if content else None, links=links)
        for path, hashed in zip(paths, _hash_all(paths), strict=True):
            digest.update(path.encode() + b"\0" + hashed + b"\0")
            if content and beside is not None and hashed and path not in links:
                beside[path] = hashed.hex()
    config_file = config.site_dir / CONFIG_NAME
    if config_file.is_file():
        digest.update(file_hash(str(config_file)))
    return digest.hexdigest()


def _files(root: Path, skip_suffix: str | None, links: set[str] | None = None) -> list[str]:
    """List the files under a folder in a stable order, as os.walk would (linked folders are
    not entered), noting in `links` the files that are links (known from the listing)."""
    found: list[str] = []
    folders = [str(root)]
    while folders:
        try:
            with os.scandir(folders.pop()) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue
        inner = []
        for entry in entries:
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if is_folder:
                if not entry.is_symlink():
                    inner.append(entry.path)
            elif skip_suffix is None or not entry.name.endswith(skip_suffix):
                found.append(entry.path)
                if links is not None and entry.is_symlink():
                    links.add(entry.path)
        folders += reversed(inner)
    return found


_THREADED_MIN = 32  # files: below this, hashing them costs less than starting threads


def _hash_all(paths: Sequence[str]) -> list[bytes]:
    """Hash files on every core: 10,000 photos (0.75 GB) take 0.9 s on one, 0.65-0.7 s on two.

    hashlib and file reads let other threads run, so threads share the work; the digests come
    back in the order of `paths`.
    """
    hashed = [b""] * len(paths)
    workers = min(os.cpu_count() or 1, 8) if len(paths) >= _THREADED_MIN else 1

    def work(first: int) -> None:
        for at in range(first, len(paths), workers):
            hashed[at] = file_hash(paths[at])

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(1, workers)]
    for thread in threads:
        thread.start()
    work(0)
    for thread in threads:
        thread.join()
    return hashed


def valid_until(
    articles: Sequence[Article],
    now: dt.datetime,
    uses_clock: bool,
    search_tz: dt.tzinfo | None = None,
) -> dt.datetime | None:
    """Return when output built at `now` may next differ by time alone (None: never).

    With `search_tz` (the site's time zone, when a search index is built), that includes the
    midnight when an article's day leaves the search index's recent shards.
    """
    if uses_clock:
        return now
    from .search import RECENT_DAYS, leaves_recent  # not imported by a build that is skipped

    # every moment an article's date brings lies within `span` of it (a day more: a midnight
    # in a time zone whose clocks went back comes up to two hours later than the days
    # counted): older articles bring none (one comparison each instead of three datetimes,
    # 0.06 s at 10,000 articles)
    span = NEWS_WINDOW if search_tz is None else max(NEWS_WINDOW, dt.timedelta(days=RECENT_DAYS))
    since = now - span - dt.timedelta(days=1)
    later = [a.expires for a in articles if a.expires is not None and a.expires > now]
    for article in articles:
        if article.date > since:
            moments = [article.date, article.date + NEWS_WINDOW]
            if search_tz is not None:
                moments.append(leaves_recent(article.date, search_tz))
            later += [m for m in moments if m > now]
    return min(later) if later else None


def templates_use_clock(config: SiteConfig) -> bool:
    """Tell whether a template prints the build time, which changes every build."""
    dirs = [config.site_dir / "templates", theme_dir(config) / "templates"]
    for folder in dirs:
        for path in _files(folder, None):
            with contextlib.suppress(OSError, UnicodeDecodeError):
                if "build_time" in Path(path).read_text(encoding="utf-8"):
                    return True
    return False


def load(folder: Path | None, digest: str, now: dt.datetime, output: Path) -> LastBuild | None:
    """Return the last build if it is still exactly what this build would write."""
    if folder is None:
        return None
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        manifest = (output / MANIFEST).read_bytes()
        stat = output.stat()
    except (OSError, ValueError):
        return None
    if record.get("inputs") != digest or record.get("output") != str(output.resolve()):
        return None
    if record.get("output_inode") != stat.st_ino or record.get("manifest") != _sha(manifest):
        return None
    folders = record.get("folders")
    if not isinstance(folders, list) or _folders_stamp(output, folders) != record.get("stamp"):
        return None  # a file was deleted from, added to or renamed in the output by hand
    built = dt.datetime.fromisoformat(record["now"])
    until = record.get("valid_until")
    if now < built or (until is not None and now >= dt.datetime.fromisoformat(until)):
        return None
    change = record.get("next_change")
    return LastBuild(
        articles=record["articles"],
        files=record["files"],
        next_change=dt.datetime.fromisoformat(change) if change else None,
        warnings=tuple(Problem(*w) for w in record.get("warnings", [])),
    )


def store(
    folder: Path | None,
    digest: str,
    now: dt.datetime,
    until: dt.datetime | None,
    output: Path,
    summary: LastBuild,
) -> None:
    """Remember a successful build; a cache folder that cannot be written only costs time."""
    if folder is None:
        return
    try:
        manifest = (output / MANIFEST).read_bytes()
        folders = sorted(ancestors(json.loads(manifest)["files"]) | {""})  # "" is the output
        record = {
            "folders": folders,
            "stamp": _folders_stamp(output, folders),
            "inputs": digest,
            "now": now.isoformat(),
            "valid_until": until.isoformat() if until else None,
            "output": str(output.resolve()),
            "output_inode": output.stat().st_ino,
            "manifest": _sha(manifest),
            "articles": summary.articles,
            "files": summary.files,
            "next_change": summary.next_change.isoformat() if summary.next_change else None,
            "warnings": [
                [w.path, w.line, w.field, w.message, w.hint, w.warning] for w in summary.warnings
            ],
        }
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / (RECORD + ".tmp")
        temp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        os.replace(temp, folder / RECORD)
    except (OSError, ValueError, KeyError, TypeError):
        return


def _folders_stamp(output: Path, folders: Sequence[str]) -> str:
    """Hash every folder's modification time: adding, deleting or renaming a file changes it.

    Cheaper than listing the output (one stat per folder instead of a directory read), and it
    also notices a file renamed by hand, which a count of files would not.
    """
    digest = hashlib.sha256()
    for rel in folders:
        try:
            mtime = os.stat(f"{output}/{rel}" if rel else output).st_mtime_ns
        except OSError:
            mtime = -1
        digest.update(f"{rel}\0{mtime}\n".encode())
    return digest.hexdigest()


def forget(folder: Path | None) -> None:
    """Drop the record (a failed build must never be skipped into 'success')."""
    if folder is not None:
        with contextlib.suppress(OSError):
            (folder / RECORD).unlink()


def _sha(data: bytes) -> str:
    """Return the hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()

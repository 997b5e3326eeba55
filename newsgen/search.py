"""Full-text search: run Pagefind (bundled binary from PyPI) over the built pages, offline.

The index is cut into shards by publication period, each its own Pagefind bundle under
`pagefind/<shard>/`, which the reader's browser searches together (Pagefind's `mergeIndex`).
A shard is a function of its pages alone, so an edit re-indexes only the shard that holds the
article, and a build with the cache gives the same bytes as a cold one.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildFailed, Problem

OUTPUT_DIR = "pagefind"
SHARDS_FILE = "shards.json"  # the shard folders, newest first: what search.js merges
OFF_MESSAGE = "search is off: Pagefind is not installed (pip install 'pagefind[bin]>=1.5')"
# At most this many articles per shard: about 4 s and 250 MB of Pagefind for 1,000 articles of
# 1,000 words, and a dozen shards for 10,000 articles. Periods split finer only when they must.
SHARD_SIZE = 1_000
# The reader's side of Pagefind, the same in every run: kept once, at the top of `pagefind/`.
UI_FILES = frozenset(
    {
        "pagefind-ui.js",
        "pagefind-ui.css",
        "pagefind-component-ui.js",
        "pagefind-component-ui.css",
        "pagefind-modular-ui.js",
        "pagefind-modular-ui.css",
        "pagefind-highlight.js",
    }
)
_LEVELS = 5  # year, half, quarter, month, day: a day is never split
# today and yesterday (in the site's time zone) are each their own shard: most of a newsroom's
# edits and every new article fall there, so they re-index a few dozen pages, not a month's
RECENT_DAYS = 2
_TIMEOUT = 600


@dataclass
class Bundle:
    """Pagefind's files for some shards (paths in the output), and its UI files."""

    shards: dict[str, list[tuple[str, bytes]]]
    ui: list[tuple[str, bytes]]


@functools.cache
def executable() -> Path | None:
    """Find the Pagefind binary as `pagefind.service` does, without importing it (and asyncio).

    In order: PAGEFIND_BINARY_PATH, the `pagefind[extended]` or `pagefind[bin]` package, PATH.
    """
    found: Path | None = None
    env = os.environ.get("PAGEFIND_BINARY_PATH")
    if env:
        found = Path(env)
    for package in ("pagefind_bin_extended", "pagefind_bin") if found is None else ():
        try:
            found = importlib.import_module(package).get_executable()
            break
        except (ImportError, OSError):
            continue
    if found is None:
        path = shutil.which("pagefind_extended") or shutil.which("pagefind")
        found = Path(path) if path else None
    return found if found is not None and found.is_file() else None


def available() -> bool:
    """Tell whether a build will have search, so the CLI can say when it is off."""
    return executable() is not None


def version() -> str:
    """Identify the Pagefind in use, so that a new version re-indexes every shard."""
    binary = executable()
    if binary is None:
        return ""
    info = binary.stat()
    return f"{binary}:{info.st_size}:{_binary_digest(str(binary), info.st_size, info.st_mtime_ns)}"


_DIGESTS: dict[tuple[str, int, int], str] = {}


def _binary_digest(path: str, size: int, mtime_ns: int) -> str:
    """Hash the binary once per process (20 MB, 0.03 s): its contents are what matter."""
    key = (path, size, mtime_ns)
    if key not in _DIGESTS:
        with open(path, "rb") as handle:
            _DIGESTS[key] = hashlib.file_digest(handle, "sha256").hexdigest()
    return _DIGESTS[key]


def shards(
    pages: Iterable[tuple[str, dt.date]], size: int = SHARD_SIZE, today: dt.date | None = None
) -> dict[str, list[str]]:
    """Cut the indexed pages into shards by publication day: years, split finer where too big.

    A year holding more than `size` pages is split in halves, a half in quarters, then months,
    then days. With `today`, the last RECENT_DAYS days are each their own shard; a day joins its
    period when it leaves them (leaves_recent). The same pages on the same day always give the
    same shards, and adding an article changes only the shard of its day or period (until that
    period outgrows `size` and splits once). Returns shard name -> sorted page paths, newest
    shard first.
    """
    older = [(rel, day) for rel, day in pages]
    recent: list[tuple[str, dt.date]] = []
    if today is not None:
        first = today - dt.timedelta(days=RECENT_DAYS - 1)
        recent = [item for item in older if item[1] >= first]
        older = [item for item in older if item[1] < first]
    found = _cut(older, 0, size)
    for item in recent:
        found.setdefault(_period(item[1], _LEVELS - 1), (item[1], []))[1].append(item)
    order = sorted(found, key=lambda name: (found[name][0], name), reverse=True)
    return {name: sorted(rel for rel, _ in found[name][1]) for name in order}


def leaves_recent(published: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """When a page published at `published` leaves the recent days' shards: the shard layout,
    and so the search files, change then by the clock alone."""
    day = published.astimezone(tz).date() + dt.timedelta(days=RECENT_DAYS)
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz)


def _cut(
    items: list[tuple[str, dt.date]], level: int, size: int
) -> dict[str, tuple[dt.date, list[tuple[str, dt.date]]]]:
    """Group by the period of `level`; groups over `size` are cut again one level finer."""
    groups: dict[str, list[tuple[str, dt.date]]] = defaultdict(list)
    for item in items:
        groups[_period(item[1], level)].append(item)
    out: dict[str, tuple[dt.date, list[tuple[str, dt.date]]]] = {}
    for name, members in groups.items():
        if len(members) > size and level + 1 < _LEVELS:
            out.update(_cut(members, level + 1, size))
        else:
            out[name] = (max(day for _, day in members), members)
    return out


def _period(day: dt.date, level: int) -> str:
    """Name the period of `level` holding `day`: 2025, 2025-h2, 2025-q3, 2025-07, 2025-07-14."""
    if level == 0:
        return f"{day.year}"
    if level == 1:
        return f"{day.year}-h{1 if day.month <= 6 else 2}"
    if level == 2:
        return f"{day.year}-q{(day.month - 1) // 3 + 1}"
    if level == 3:
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def shard_key(name: str, pages: Sequence[tuple[str, str]], language: str) -> bytes:
    """Key a shard's bundle on what Pagefind reads: its pages' paths and bytes, language, version."""
    h = hashlib.sha256()
    h.update(json.dumps([version(), language, name, list(pages)]).encode())
    return h.digest()


def ui_shard(shards: Mapping[str, Sequence[str]]) -> str:
    """Pick the shard to run when only the UI files are missing: the smallest, the cheapest."""
    return min(shards, key=lambda name: (len(shards[name]), name))


def ui_key() -> bytes:
    """Key the UI files on the Pagefind that wrote them."""
    return hashlib.sha256(json.dumps(["ui", version()]).encode()).digest()


def shards_file(names: Sequence[str]) -> tuple[str, bytes]:
    """List the shard folders for the search page, newest first."""
    data = json.dumps({"shards": [f"{name}/" for name in names]}, indent=1) + "\n"
    return f"{OUTPUT_DIR}/{SHARDS_FILE}", data.encode()


def index_shards(
    site_dir: Path,
    language: str,
    shards: Mapping[str, Sequence[str]],
    jobs: int = 1,
    background: bool = False,
) -> Bundle | None:
    """Index each shard's pages under `site_dir` with Pagefind, `jobs` at a time; None without it.

    Only pages marked `data-pagefind-body` (published articles, never drafts or scheduled ones)
    are indexed. Each shard is built in a temporary folder from hard links to its pages only, so
    the caller writes the files like any page. The UI files come from the first shard by name.
    `background` runs Pagefind at the lowest CPU priority (the preview's refresh: the editor's
    rebuilds come first).
    """
    binary = executable()
    if binary is None:
        return None
    names = sorted(shards)
    with tempfile.TemporaryDirectory(prefix="newsgen-pagefind-") as tmp:

        def run(name: str) -> list[tuple[str, bytes]]:
            source = link_pages(site_dir, shards[name], Path(tmp, "site", name))
            out = Path(tmp, "out", name)
            _pagefind(binary, source, out, language, background)
            return [(path.relative_to(out).as_posix(), path.read_bytes()) for path in _files(out)]

        with ThreadPoolExecutor(max(1, min(jobs, len(names) or 1))) as pool:
            results = dict(zip(names, pool.map(run, names), strict=True))
    bundle = Bundle({}, [])
    for name in names:
        files = bundle.shards[name] = []
        for rel, data in results[name]:
            if rel in UI_FILES:
                if name == names[0]:
                    bundle.ui.append((f"{OUTPUT_DIR}/{rel}", data))
            else:
                files.append((f"{OUTPUT_DIR}/{name}/{rel}", data))
    return bundle


def _pagefind(binary: Path, source: Path, out: Path, language: str, background: bool) -> None:
    """Run Pagefind once; a failure becomes a build problem naming its last line."""
    nice = shutil.which("nice") if background else None
    command = [
        *([nice, "-n", "19"] if nice else []),
        str(binary),
        "--site",
        str(source),
        "--output-path",
        str(out),
        "--force-language",
        language,
        "--silent",
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=_TIMEOUT)
    except (OSError, subprocess.SubprocessError) as exc:
        raise BuildFailed([_problem(exc)]) from None


def _files(folder: Path) -> list[Path]:
    """List the files under a folder, sorted, for a deterministic bundle."""
    return sorted(path for path in folder.rglob("*") if path.is_file())


def link_pages(site_dir: Path, pages: Sequence[str], target: Path) -> Path:
    """Mirror the given files (hard links, same relative paths; copies where links are refused)."""
    target.mkdir(parents=True, exist_ok=True)
    for rel in pages:
        source = site_dir / rel
        if not source.is_file():
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, dest)
        except OSError:
            shutil.copyfile(source, dest)
    return target


def _problem(exc: BaseException) -> Problem:
    """Say why Pagefind failed, with the last line it printed, as one build problem."""
    stderr = getattr(exc, "stderr", b"") or b""
    last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [str(exc)]
    return Problem(
        "pagefind",
        0,
        "search",
        f"indexing for search failed: {last[0]}",
        "reinstall it with pip install 'pagefind[bin]>=1.5'",
    )

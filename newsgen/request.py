"""What a build is asked to do and what it reports: light, so a build with nothing to do stays cheap."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .config import SiteConfig
from .errors import Problem

if TYPE_CHECKING:
    from .cache import Reuse
    from .index import SiteIndex
    from .output import Written
    from .preview_search import SearchPlan
    from .progress import Progress


@dataclass(frozen=True)
class BuildRequest:
    """What to build and how: the same request serves CI, `newsgen build` and the preview server."""

    config: SiteConfig
    output: Path
    now: dt.datetime
    drafts: bool = False
    future: bool = False
    strict: bool = False
    jobs: int = 0  # 0: one worker per core
    cache_dir: Path | None = None  # None: <site>/.newsgen/cache
    no_cache: bool = False  # build from scratch, read and write no cache folder
    reuse: Reuse | None = None  # in-memory cache a long-lived process passes to every build
    search: bool = True  # index for search; False keeps the previous index (the preview's rebuilds)
    # write the search index into this folder instead of the output: the preview serves it from
    # there, so its rebuilds need not carry the index's 10,000 files from one output to the next
    search_dir: Path | None = None
    progress: Progress | None = None  # live bar or plain lines; None shows nothing
    # published photo sizes, keyed by the photo's bytes: None keeps them in <cache>/images; the
    # preview shares the site's, so its first start does not make 10,000 photos' sizes again
    images_dir: Path | None = None
    # another cache folder whose parses this build may copy into its own (the preview's first
    # build takes those of the site's `newsgen build`: the same keys, the same parses)
    parses_from: Path | None = None
    ending: bool = False  # the process exits after this build (`newsgen build`): see leave()

    @property
    def cache_folder(self) -> Path | None:
        """Return the build cache's folder (None with --no-cache)."""
        if self.no_cache:
            return None
        return self.cache_dir or self.config.site_dir / ".newsgen" / "cache"

    @property
    def images_folder(self) -> Path | None:
        """Return where published photo sizes are cached (None with --no-cache)."""
        folder = self.cache_folder
        if folder is None:
            return None
        return self.images_dir or folder / "images"


@dataclass
class BuildResult:
    """What a build did: counts for the summary line, warnings, and stage timings."""

    articles: int = 0
    written: int = 0
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    index: SiteIndex | None = None  # None when the build was skipped: nothing had changed
    files: list[Written] = field(default_factory=list)
    next_change: dt.datetime | None = None  # when the published site next changes by itself
    skipped: bool = False  # nothing changed since the last build; the output was left as it was
    # the preview's rebuilds: what its search index should hold, for its background refresh
    search_plan: Callable[[], SearchPlan] | None = None

    @property
    def pages(self) -> int:
        """Return how many files the output holds."""
        return self.written + self.unchanged


def build_time(now: str | None = None) -> dt.datetime:
    """Return the build's notion of 'now': --now, else SOURCE_DATE_EPOCH, else the clock."""
    if now:
        parsed = dt.datetime.fromisoformat(now)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


_LEFT: list[object] = []  # what ending builds made, never freed (the process exits)


def leave(request: BuildRequest, *made: object) -> None:
    """Keep what a build made until the process exits, if it is about to (`request.ending`):
    freeing a parsed site object by object as the build returns takes 0.05-0.1 s at 10,000
    articles, for memory the system takes back at once."""
    if request.ending:
        _LEFT.append(made)

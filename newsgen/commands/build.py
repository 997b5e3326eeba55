"""`newsgen build`: build the site into the output folder, all or nothing."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import SiteConfig
    from ..request import BuildRequest, BuildResult

NAME = "build"
HELP = "build the site into public/ (nothing is written if any article has an error)"


def add_site_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options every command that builds the site shares."""
    parser.add_argument("--site", type=Path, default=Path("."), help="site folder (default: .)")
    parser.add_argument("--base-url", help="override base_url from newsgen.yaml")
    parser.add_argument("--drafts", action="store_true", help="include draft articles")
    parser.add_argument(
        "--future", action="store_true", help="include articles dated in the future"
    )
    parser.add_argument(
        "--now", help="build time (ISO 8601); default SOURCE_DATE_EPOCH or the clock"
    )
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument(
        "--jobs", type=int, default=0, help="worker processes (default: one per core)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `build`'s options."""
    add_site_arguments(parser)
    parser.add_argument("--output", type=Path, help="output folder (default: <site>/public)")
    parser.add_argument(
        "--cache-dir", type=Path, help="build cache folder (default: <site>/.newsgen/cache)"
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="build from scratch without reading or writing a cache"
    )
    parser.add_argument(
        "--no-search", action="store_true", help="keep the previous search index (skip Pagefind)"
    )


def run(args: argparse.Namespace) -> int:
    """Build and print the one-line summary; problems raise BuildFailed for the CLI to print."""
    from .. import shortcut
    from ..config import load_config
    from ..progress import Progress
    from ..request import BuildRequest, build_time, leave

    overrides = {"base_url": args.base_url} if args.base_url else {}
    config = load_config(args.site, overrides)
    output = args.output or config.site_dir / "public"
    request = BuildRequest(
        config=config,
        output=Path(output),
        now=build_time(args.now),
        drafts=args.drafts,
        future=args.future,
        strict=args.strict,
        jobs=args.jobs,
        cache_dir=args.cache_dir,
        no_cache=args.no_cache,
        search=not args.no_search,
        progress=Progress(sys.stderr),
        ending=getattr(args, "ending", False),
    )
    # the parsing and rendering stages are imported only when there is something to build, or
    # while another process reads the sources
    reading = shortcut.read(request, meanwhile=_warm_up(request))
    if reading.last is not None:
        result = shortcut.skipped(reading)
    else:
        from ..site import build

        result = build(request, reading)
    leave(request, result, reading)
    for warning in result.warnings:
        print(warning.format(), file=sys.stderr)
    seconds = sum(result.timings.values())
    verb = "nothing changed since the last build of" if result.skipped else "built"
    print(
        f"{verb} {result.articles} articles: {result.pages} files ({result.written} written, "
        f"{result.unchanged} unchanged), {len(result.warnings)} warnings, {seconds:.2f} s -> {output}"
    )
    from ..progress import format_timings

    print(f"time per stage: {format_timings(result.timings)}")
    _say_if_search_is_off()
    print(record_schedule(config, request.now, result))
    return 0


def _warm_up(request: BuildRequest) -> list[Callable[[], object]]:
    """What a build does first once its sources are read, for `shortcut.read` to do meanwhile."""
    from .. import cache

    steps: list[Callable[[], object]] = [functools.partial(importlib.import_module, "newsgen.site")]
    folder = request.cache_folder
    if folder is not None:
        steps += [functools.partial(cache.preload, folder, name) for name in cache.PRELOADABLE]
    return steps


def record_schedule(config: SiteConfig, now: dt.datetime, result: BuildResult) -> str:
    """Write .newsgen/schedule.json and return the line saying when the site next changes."""
    from ..outputs.schedule import schedule_data, write_schedule

    next_change = result.next_change
    path = write_schedule(config, now, next_change)
    when = schedule_data(config, now, next_change)["next_change"]
    return f"next scheduled change: {when or 'none'} (written to {path})"


def _say_if_search_is_off() -> None:
    """Tell the user the site has no search when Pagefind is missing (the build still works)."""
    from ..search import OFF_MESSAGE, available

    if not available():
        print(OFF_MESSAGE, file=sys.stderr)

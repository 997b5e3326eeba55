"""`newsgen check`: build the site aside and check every link, id and page like CI would.

The check builds into its own folder, `<site>/.newsgen/check/public` (never your `public/`),
with its own build cache beside it, so a second check rebuilds only what changed (or nothing)
and re-reads only the pages whose bytes changed: fast enough for a git pre-commit hook.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .build import add_site_arguments

if TYPE_CHECKING:
    from ..config import SiteConfig

NAME = "check"
HELP = "build aside and check every internal link, image, id and page (exit 1 on any problem)"
CHECK_DIR = Path(".newsgen") / "check"  # under the site: output, build cache, last verdict


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `check`'s options: the build's, plus checking an already built folder."""
    add_site_arguments(parser)
    parser.add_argument(
        "--built", type=Path, help="check this already built output folder instead of building"
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="build into a temporary folder from scratch and check every page again",
    )


def run(args: argparse.Namespace) -> int:
    """Build (unless --built), check, print one line per problem and a verdict."""
    from ..checker import check_site, format_summary
    from ..config import load_config

    started = time.perf_counter()
    overrides = {"base_url": args.base_url} if args.base_url else {}
    config = load_config(args.site, overrides)
    jobs = args.jobs if args.jobs > 0 else _cores()
    with tempfile.TemporaryDirectory(prefix="newsgen-check-") as temp:
        if args.built is not None:
            output, hashes, memory = Path(args.built), None, None
            assumed: tuple[str, ...] = ()
        else:
            folder = _check_folder(config, args.no_cache, Path(temp))
            output = folder / "public"
            _build(args, config, output, None if folder == Path(temp) else folder / "cache")
            hashes = _manifest(output)
            memory = None if folder == Path(temp) else folder
            assumed = _unbuilt_search(config)
        files = len(hashes) if hashes is not None else _count(output)
        problems = check_site(output, config.base_url, jobs, hashes, memory, assumed)
    for problem in problems:
        print(problem.format(), file=sys.stderr)
    print(format_summary(problems, files, time.perf_counter() - started))
    return 1 if problems else 0


def _check_folder(config: SiteConfig, no_cache: bool, temp: Path) -> Path:
    """Return the folder to build and remember in: the site's, else (read-only, --no-cache) a temp."""
    if no_cache:
        return temp
    folder = config.site_dir / CHECK_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return temp
    return folder


def _build(args: argparse.Namespace, config: SiteConfig, output: Path, cache: Path | None) -> None:
    """Build the site into `output` without a search index; BuildFailed reaches the CLI (exit 1)."""
    from ..request import BuildRequest, build_time
    from ..site import build

    request = BuildRequest(
        config=config,
        output=output,
        now=build_time(args.now),
        drafts=args.drafts,
        future=args.future,
        strict=args.strict,
        jobs=args.jobs,
        cache_dir=cache,
        no_cache=cache is None,
        search=False,  # Pagefind's index holds no pages or links to check, and costs the most
    )
    result = build(request)
    for warning in result.warnings:
        print(warning.format(), file=sys.stderr)


def _manifest(output: Path) -> dict[str, str]:
    """Return output path -> SHA-256 from the build's manifest, the manifest itself included."""
    from ..output import MANIFEST

    data = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
    files: dict[str, str] = dict(data["files"])
    files[MANIFEST] = ""
    return files


def _unbuilt_search(config: SiteConfig) -> tuple[str, ...]:
    """Return the search index folder, which a real build writes but the check skips."""
    from .. import search

    return (f"{search.OUTPUT_DIR}/",) if config.search != "off" and search.available() else ()


def _count(output: Path) -> int:
    """Count the files of a folder."""
    return sum(1 for p in output.rglob("*") if p.is_file())


def _cores() -> int:
    """Return one worker per core."""
    import os

    return os.cpu_count() or 1

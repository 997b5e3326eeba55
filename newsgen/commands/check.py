"""`newsgen check`: build into a temp folder and check every link, id and page like CI would."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .build import add_site_arguments

NAME = "check"
HELP = "build into a temp folder and check every internal link, image, id and page (exit 1 on any problem)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `check`'s options: the build's, plus checking an already built folder."""
    add_site_arguments(parser)
    parser.add_argument(
        "--built", type=Path, help="check this already built output folder instead of building"
    )


def run(args: argparse.Namespace) -> int:
    """Build (unless --built), check, print one line per problem and a verdict."""
    from ..checker import check_site, format_summary
    from ..config import load_config
    from ..site import BuildRequest, build, build_time

    started = time.perf_counter()
    overrides = {"base_url": args.base_url} if args.base_url else {}
    config = load_config(args.site, overrides)
    jobs = args.jobs if args.jobs > 0 else _cores()
    with tempfile.TemporaryDirectory(prefix="newsgen-check-") as temp:
        output = args.built
        if output is None:
            output = Path(temp) / "public"
            request = BuildRequest(
                config=config,
                output=output,
                now=build_time(args.now),
                drafts=args.drafts,
                future=args.future,
                strict=args.strict,
                jobs=args.jobs,
            )
            result = build(request)  # BuildFailed is printed by the CLI, exit 1
            for warning in result.warnings:
                print(warning.format(), file=sys.stderr)
        files = sum(1 for p in Path(output).rglob("*") if p.is_file())
        problems = check_site(Path(output), config.base_url, jobs)
    for problem in problems:
        print(problem.format(), file=sys.stderr)
    print(format_summary(problems, files, time.perf_counter() - started))
    return 1 if problems else 0


def _cores() -> int:
    """Return one worker per core."""
    import os

    return os.cpu_count() or 1

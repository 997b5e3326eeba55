"""`newsgen serve`: preview the site while writing; rebuilds on save and reloads the browser."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "serve"
HELP = "preview the site at http://127.0.0.1:8000/, rebuilding and reloading on every save"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `serve`'s options."""
    parser.add_argument("--site", type=Path, default=Path("."), help="site folder (default: .)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 opens it to the network)",
    )
    parser.add_argument(
        "--no-drafts",
        action="store_true",
        help="hide drafts and future articles, as the published site does",
    )
    parser.add_argument(
        "--poll", action="store_true", help="poll for changes (network drives, containers)"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes for rebuilds (default 1)"
    )
    parser.add_argument("--now", help="build time (ISO 8601); default the clock")


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C; a broken article shows in the browser instead of stopping the server."""
    from ..server import ServeOptions, serve

    if not (args.site / "content").is_dir() and not (args.site / "newsgen.yaml").is_file():
        print(f"newsgen serve: {args.site} has no content/ folder and no newsgen.yaml")
        return 2
    options = ServeOptions(
        site=args.site,
        host=args.host,
        port=args.port,
        drafts=not args.no_drafts,
        poll=args.poll,
        jobs=args.jobs,
        now=args.now,
    )
    return serve(options)

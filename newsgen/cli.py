"""Command line: `newsgen <command>`; content problems become messages and exit codes, never tracebacks."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from . import __version__, commands
from .errors import BuildFailed

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
_LANG_HELP = "language of messages: vi or en (default: the site's language)"


def _command_modules() -> list[ModuleType]:
    """Load every subcommand module, in a stable order."""
    names = sorted(m.name for m in pkgutil.iter_modules(commands.__path__))
    return [importlib.import_module(f"{commands.__name__}.{name}") for name in names]


def make_parser() -> argparse.ArgumentParser:
    """Build the argument parser with one subparser per command module."""
    parser = argparse.ArgumentParser(
        prog="newsgen", description="Static site generator for Vietnamese newsrooms."
    )
    parser.add_argument("--version", action="version", version=f"newsgen {__version__}")
    parser.add_argument("--lang", help=_LANG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _command_modules():
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.add_argument("--lang", default=argparse.SUPPRESS, help=_LANG_HELP)
        command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command and return its exit code: 0 ok, 1 content or config errors, 2 bad usage."""
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) and EXIT_USAGE
    from . import errors, messages

    previous = errors.LANG
    errors.LANG = args.lang or messages.site_language(getattr(args, "site", None) or Path("."))
    try:
        return int(args.run(args))
    except BuildFailed as failed:
        report_failure(failed)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("newsgen: interrupted; the previous output is untouched", file=sys.stderr)
        return 130
    finally:
        errors.LANG = previous


def report_failure(failed: BuildFailed) -> None:
    """Print every problem on its own line, then the one-line verdict."""
    for problem in failed.problems:
        print(problem.format(), file=sys.stderr)
    from . import errors, messages

    print(messages.translate(str(failed), errors.LANG), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

"""`python -m newsgen` is the `newsgen` command."""

from .cli import entry

entry()

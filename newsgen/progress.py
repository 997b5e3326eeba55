"""Build progress: a live bar with counts and an ETA on a terminal, plain stable lines in CI."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TextIO

_WIDTH = 30


def is_interactive(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Tell whether to draw a live bar: a terminal, and not CI (CI=true or any CI value)."""
    env = os.environ if environ is None else environ
    if env.get("CI", "").lower() not in ("", "0", "false", "no"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """Callbacks the build calls: stage(name, total) when a stage starts, advance(n) as it goes."""

    def __init__(
        self,
        stream: TextIO | None = None,
        interactive: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = is_interactive(self.stream) if interactive is None else interactive
        self.clock = clock
        self.name = ""
        self.total = 0
        self.done = 0
        self.started = 0.0
        self.drawn = 0.0

    def stage(self, name: str, total: int) -> None:
        """Start a stage of `total` items (0 when the count is unknown); close the previous one."""
        self.finish()
        self.name, self.total, self.done = name, max(0, total), 0
        self.started = self.drawn = self.clock()
        if not self.live:
            self.stream.write(f"{name}: {total} to do\n" if total else f"{name}\n")
            self.stream.flush()
        else:
            self._draw()

    def advance(self, count: int = 1) -> None:
        """Record `count` more items done; redraw the bar at most ten times a second."""
        self.done = min(self.done + count, self.total) if self.total else self.done + count
        if self.live and (self.clock() - self.drawn >= 0.1 or self.done == self.total):
            self._draw()

    def finish(self) -> None:
        """Close the current stage: end the bar's line, or print the stage's plain last line."""
        if not self.name:
            return
        if self.live:
            self.done = self.total or self.done
            self._draw()
            self.stream.write("\n")
        else:
            self.stream.write(f"{self.name}: done {self.done}\n")
        self.stream.flush()
        self.name = ""

    def _draw(self) -> None:
        """Rewrite the bar line in place: name, bar, counts, ETA."""
        self.drawn = self.clock()
        if self.total:
            filled = _WIDTH * self.done // self.total
            bar = "#" * filled + "-" * (_WIDTH - filled)
            line = f"{self.name:<8} [{bar}] {self.done}/{self.total} {self._eta()}"
        else:
            line = f"{self.name:<8} {self.done}"
        self.stream.write("\r" + line.ljust(72))
        self.stream.flush()

    def _eta(self) -> str:
        """Estimate the time left from the pace so far."""
        elapsed = self.clock() - self.started
        if self.done == 0 or elapsed <= 0:
            return "ETA --:--"
        if self.done >= self.total:
            return f"{elapsed:.1f} s"
        left = int(elapsed / self.done * (self.total - self.done))
        return f"ETA {left // 60:02d}:{left % 60:02d}"


class Silent(Progress):
    """A progress that shows nothing: the default for library callers and tests."""

    def __init__(self) -> None:
        super().__init__(stream=sys.stderr, interactive=False)

    def stage(self, name: str, total: int) -> None:
        """Ignore."""

    def advance(self, count: int = 1) -> None:
        """Ignore."""

    def finish(self) -> None:
        """Ignore."""


def format_timings(timings: Mapping[str, float]) -> str:
    """Return 'read 0.01 s, parse 0.20 s, ...' in pipeline order, for the build summary."""
    return ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in timings.items())

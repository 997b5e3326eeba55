"""Progress output: a live bar on a terminal, plain stable lines in CI."""

from __future__ import annotations

import io

from newsgen.progress import Progress, format_timings, is_interactive


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(progress: Progress, clock: _Clock) -> None:
    progress.stage("parse", 4)
    for _ in range(4):
        clock.now += 1.0
        progress.advance()
    progress.stage("write", 0)
    progress.advance(7)
    progress.finish()


def test_ci_mode_prints_plain_stable_lines() -> None:
    out, clock = io.StringIO(), _Clock()
    _run(Progress(out, interactive=False, clock=clock), clock)
    assert out.getvalue() == "parse: 4 to do\nparse: done 4\nwrite\nwrite: done 7\n"


def test_terminal_mode_draws_a_bar_with_counts_and_eta() -> None:
    out, clock = io.StringIO(), _Clock()
    _run(Progress(out, interactive=True, clock=clock), clock)
    frames = out.getvalue().split("\r")
    assert "parse    [" + "#" * 7 + "-" * 23 + "] 1/4 ETA 00:03" in frames[2]
    assert any("] 4/4 4.0 s" in f for f in frames)
    assert frames[-1].startswith("write    7") and frames[-1].endswith("\n")


def test_ci_variable_or_a_pipe_turns_the_bar_off() -> None:
    assert is_interactive(_Tty(), {}) is True
    assert is_interactive(_Tty(), {"CI": "true"}) is False
    assert is_interactive(io.StringIO(), {}) is False


def test_timings_are_listed_in_stage_order() -> None:
    assert format_timings({"read": 0.014, "parse": 1.5, "write": 0.25}) == (
        "read 0.01 s, parse 1.50 s, write 0.25 s"
    )

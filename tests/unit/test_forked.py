"""The forked reader's plumbing: a value comes back, a failure says so, nothing is left running."""

from __future__ import annotations

import os
import threading
import time

import pytest

from newsgen.forked import Forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _start(func):  # type: ignore[no-untyped-def]
    child = Forked.start(func)
    if child is None:  # an earlier test must stop its threads, or these tests would prove nothing
        names = [thread.name for thread in threading.enumerate()]
        pytest.fail(f"threads left running, so this process must not fork: {names}")
    return child


def test_the_childs_value_comes_back_whole() -> None:
    child = _start(lambda: {"nội dung": list(range(100_000)), "pid": os.getpid()})
    value = child.result()
    assert value["nội dung"] == list(range(100_000))
    assert value["pid"] != os.getpid()


def test_a_failing_child_gives_none_for_the_caller_to_do_the_work() -> None:
    assert _start(lambda: 1 / 0).result() is None


def test_cancel_stops_and_reaps_the_child() -> None:
    child = _start(lambda: time.sleep(30))
    started = time.perf_counter()
    assert not child.ready()
    child.cancel()
    assert time.perf_counter() - started < 5
    with pytest.raises(ProcessLookupError):
        os.kill(child._pid, 0)  # gone, not even a zombie


def test_ready_tells_a_finished_child_without_waiting() -> None:
    child = _start(lambda: "xong")
    deadline = time.monotonic() + 10
    while not child.ready() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert child.ready()
    assert child.result() == "xong"


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert Forked.start(lambda: 1) is None
    finally:
        stop.set()
        thread.join()

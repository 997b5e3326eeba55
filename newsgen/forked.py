"""Compute one value in a forked child while this process does other work: a build has two cores
before its workers start, and reading 10,000 sources need not wait for imports and cache loads."""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import threading
from collections.abc import Callable
from typing import Any


def safe() -> bool:
    """Tell whether this process may fork now: it can, and no other thread runs (a child would
    inherit whatever locks those threads hold)."""
    return hasattr(os, "fork") and threading.active_count() == 1


class Forked:
    """A function running in a child process; its value comes back pickled through a pipe."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid = pid
        self._fd = fd

    @classmethod
    def start(cls, func: Callable[[], Any]) -> Forked | None:
        """Fork a child that runs `func`; None where forking is unsafe (threads) or unavailable.

        The child leaves with os._exit: it flushes no buffer and runs no cleanup of the parent's.
        """
        if not safe():
            return None
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the child: never returns into the parent's code
            status = 1
            try:
                os.close(read_end)
                payload = pickle.dumps(func(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as out:
                    out.write(payload)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        return cls(pid, read_end)

    def ready(self) -> bool:
        """Tell whether the child has finished (or started sending its value) without waiting."""
        return bool(select.select([self._fd], [], [], 0)[0])

    def result(self) -> Any | None:
        """Wait for the value; None if the child failed (the caller then does the work itself)."""
        chunks = []
        try:
            while chunk := os.read(self._fd, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(self._fd)
            _, status = os.waitpid(self._pid, 0)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        try:
            return pickle.loads(b"".join(chunks))
        except (pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return None

    def cancel(self) -> None:
        """Stop the child and reap it (this process met an error before taking the value)."""
        with contextlib.suppress(OSError):
            os.kill(self._pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.close(self._fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)

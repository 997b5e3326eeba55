"""Calls of the C library that Python's standard library lacks (Linux, glibc): one loader."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _libc() -> Any | None:
    """Load the C library once (None where there is none to load).

    ctypes is imported here, and glibc's usual name tried before find_library (which runs
    ldconfig): together 9 ms of every process's start-up otherwise.
    """
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        pass
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True) if name else None
    except OSError:
        return None


def function(name: str) -> Any | None:
    """Return a C library function, or None where this system has no such function."""
    libc = _libc()
    return getattr(libc, name, None) if libc is not None else None


def release_free_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's malloc_trim).

    A build that has just dropped a third of its memory (term vectors, once the related lists
    are ranked) would otherwise keep it resident, and its forked render workers with it.
    """
    trim = function("malloc_trim")
    if trim is not None:
        trim(0)

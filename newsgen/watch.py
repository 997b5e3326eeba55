"""Watch the site's sources and turn bursts of file events into one rebuild at a time."""

from __future__ import annotations

import errno
import fnmatch
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from watchdog import events
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

QUIET_PERIOD = 0.2  # seconds without events before a burst counts as finished
# once the burst's last write is complete (the file closed after writing, or renamed into
# place), only this long for the other files of the same save (a git checkout, a theme copy)
SETTLED_PERIOD = 0.02
IDLE_AFTER = 1.0  # seconds without events after a build before housekeeping runs
IGNORED_DIRS = frozenset({".git", ".hg", ".svn", ".newsgen", "public", "__pycache__", ".idea"})
IGNORED_NAMES = (
    "*.swp",
    "*.swx",
    "*.swo",
    "*~",
    ".#*",
    "#*#",
    "4913",
    "*___jb_tmp___",
    "*___jb_old___",
)
ROOT_NAMES = frozenset({"newsgen.yaml", "content", "static", "templates", "themes"})
_WATCH_LIMIT_ERRORS = (errno.ENOSPC, errno.EMFILE, errno.ENFILE)
_READS = frozenset({"opened", "closed_no_write"})  # events that change nothing
_CHANGE_EVENTS: list[type[events.FileSystemEvent]] = [
    events.FileCreatedEvent,
    events.FileModifiedEvent,
    events.FileDeletedEvent,
    events.FileMovedEvent,
    events.FileClosedEvent,
    events.DirCreatedEvent,
    events.DirDeletedEvent,
    events.DirMovedEvent,
]


def is_ignored(path: str) -> bool:
    """Return True for editor temp files, VCS folders and output or cache folders."""
    parts = Path(path).parts
    if any(part in IGNORED_DIRS for part in parts[:-1]):
        return True
    name = parts[-1] if parts else ""
    return name in IGNORED_DIRS or any(fnmatch.fnmatchcase(name, p) for p in IGNORED_NAMES)


class Debouncer:
    """Run `action` once per burst of pokes, never twice at once, once more if poked mid-run."""

    def __init__(
        self,
        action: Callable[[], None],
        quiet: float = QUIET_PERIOD,
        on_idle: Callable[[], None] | None = None,
        idle_after: float = IDLE_AFTER,
    ) -> None:
        self.action = action
        self.quiet = quiet
        # housekeeping, run once after a build when nothing has happened for `idle_after`
        # seconds: never between a save and its page
        self.on_idle = on_idle
        self.idle_after = idle_after
        self._cond = threading.Condition()
        self._pending = False
        self._settled = False  # the pending burst's last write is complete
        self._last = 0.0
        self._running = False
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="newsgen-rebuild", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Note that something changed; the action runs after the quiet period."""
        with self._cond:
            self._pending = True
            self._settled = False
            self._last = time.monotonic()
            self._cond.notify_all()

    def settle(self) -> None:
        """Note that the last write of a pending burst is complete: wait only SETTLED_PERIOD."""
        with self._cond:
            if self._pending:
                self._settled = True
                self._last = time.monotonic()
                self._cond.notify_all()

    @property
    def waiting(self) -> bool:
        """Return True while a change waits for its build (idle work should make way)."""
        with self._cond:
            return self._pending

    @property
    def busy(self) -> bool:
        """Return True while a change waits for its build or a build runs."""
        with self._cond:
            return self._pending or self._running

    def close(self) -> None:
        """Stop the loop (a running action finishes first)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        """Wait for a poke, wait for quiet, run; repeat until closed. Tidy up when idle."""
        tidy = True  # nothing to tidy up before the first build
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    if tidy or self.on_idle is None:
                        self._cond.wait()
                    elif not self._cond.wait(self.idle_after) and not self._pending:
                        break  # idle since the last build: tidy up, outside the lock
                if self._closed:
                    return
                pending = self._pending
            if not pending and self.on_idle is not None:
                tidy = True
                self.on_idle()
                continue
            with self._cond:
                quiet = min(self.quiet, SETTLED_PERIOD) if self._settled else self.quiet
                remaining = self._last + quiet - time.monotonic()
                if remaining > 0:
                    self._cond.wait(remaining)
                    continue
                self._pending = False
                self._running = True
            try:
                self.action()
            finally:
                tidy = False
                with self._cond:
                    self._running = False
                    self._cond.notify_all()


class _Handler(events.FileSystemEventHandler):
    """Filter raw file events down to real changes of the site's sources."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: events.FileSystemEvent) -> None:
        """Forward an event that may change the built site, then one that completes a write."""
        if self.watcher.on_paths is not None and event.event_type not in _READS:
            self.watcher.on_paths(self.watcher.touched(event))
        if self.watcher.is_change(event):
            self.watcher.on_change()
        if self.watcher.on_settled is not None and self.watcher.settles(event):
            self.watcher.on_settled()


class Watcher:
    """Watch content/, static/, templates/, the theme and newsgen.yaml; poll when inotify runs out."""

    def __init__(
        self,
        site: Path,
        on_change: Callable[[], None],
        poll: bool = False,
        observer_factory: Callable[[], Any] | None = None,
        on_settled: Callable[[], None] | None = None,
        on_paths: Callable[[list[str]], None] | None = None,
        on_blind: Callable[[], None] | None = None,
    ) -> None:
        self.site = site.resolve()
        self.on_change = on_change
        self.on_settled = on_settled  # a source's write is complete (inotify only)
        # every file and folder an event may have changed, site-relative (sources.Changes)
        self.on_paths = on_paths
        self.on_blind = on_blind  # some folder goes unwatched: its changes go unreported
        self.polling = poll
        self._factory = observer_factory
        self._observer: Any = None
        self._watched: set[Path] = set()
        self._seen: dict[str, tuple[int, int, int]] = {}
        self._lock = threading.Lock()

    def start(self, extra: Iterable[Path] = ()) -> None:
        """Start watching; fall back to polling when the inotify watch limit is hit."""
        try:
            self._start(extra)
        except OSError as exc:
            if self.polling or exc.errno not in _WATCH_LIMIT_ERRORS:
                raise
            print(
                f"newsgen serve: the inotify watch limit was hit ({exc.strerror}); "
                "polling for changes instead",
                file=sys.stderr,
            )
            self.stop()
            self.polling = True
            self._start(extra)

    def _start(self, extra: Iterable[Path]) -> None:
        """Create the observer, schedule every folder and start it."""
        self._watched = set()
        if self._factory is not None and not self.polling:
            self._observer = self._factory()
        else:
            self._observer = PollingObserver(timeout=0.5) if self.polling else Observer()
        self._schedule(extra)
        self._observer.start()

    def refresh(self, extra: Iterable[Path] = ()) -> None:
        """Watch folders that appeared since the start (a new templates/, another theme)."""
        with self._lock:
            if self._observer is not None:
                try:
                    self._schedule(extra)
                except OSError as exc:
                    print(f"newsgen serve: cannot watch a new folder: {exc}", file=sys.stderr)
                    if self.on_blind is not None:
                        self.on_blind()

    def _schedule(self, extra: Iterable[Path]) -> None:
        """Schedule a watch on each source folder that exists and is not watched yet."""
        handler = _Handler(self)
        targets = [(self.site, False)]
        for name in ("content", "static", "templates", "themes"):
            targets.append((self.site / name, True))
        targets += [(Path(p).resolve(), True) for p in extra]
        for path, recursive in targets:
            if path in self._watched or not path.is_dir():
                continue
            themes = self.site / "themes"
            if themes in self._watched and path != themes and path.is_relative_to(themes):
                continue
            self._observer.schedule(
                handler, str(path), recursive=recursive, event_filter=_CHANGE_EVENTS
            )
            self._watched.add(path)

    def is_change(self, event: events.FileSystemEvent) -> bool:
        """Decide whether an event is a real change of a source (not a read, temp file or output)."""
        if event.event_type in ("opened", "closed_no_write", "attrib"):
            return False
        if event.is_directory and event.event_type == "modified":
            return False
        paths = [os.fsdecode(event.src_path)]
        if event.dest_path:
            paths.append(os.fsdecode(event.dest_path))
        return any(self._relevant(p, event.event_type) for p in paths)

    def touched(self, event: events.FileSystemEvent) -> list[str]:
        """Return the site-relative paths an event may have changed: the file or folder, and
        the folder whose listing changes when an entry is created, deleted or renamed."""
        prefix = f"{self.site}{os.sep}"
        found = []
        for raw in (event.src_path, event.dest_path):
            path = os.fsdecode(raw)
            if not path or not path.startswith(prefix):
                continue
            rel = path[len(prefix) :].replace(os.sep, "/")
            found.append(rel)
            if event.event_type in ("created", "deleted", "moved"):
                found.append(rel.rpartition("/")[0])
        return found

    def settles(self, event: events.FileSystemEvent) -> bool:
        """Tell whether an event completes a write to a source: closed after writing, or
        renamed into place (an editor's atomic save)."""
        if event.is_directory or event.event_type not in ("closed", "moved"):
            return False
        path = event.dest_path if event.event_type == "moved" else event.src_path
        return self._source(os.fsdecode(path))

    def _source(self, path: str) -> bool:
        """Tell whether a path is one of the site's sources (not a temp file, output or cache)."""
        try:
            rel = Path(path).resolve().relative_to(self.site)
        except ValueError:
            rel = None  # a theme outside the site
        if rel is not None:
            if len(rel.parts) == 0:
                return False
            if len(rel.parts) == 1 and rel.parts[0] not in ROOT_NAMES:
                return False
            if is_ignored(rel.as_posix()):
                return False
        elif is_ignored(path):
            return False
        return True

    def _relevant(self, path: str, kind: str) -> bool:
        """Return True when this path's event should trigger a rebuild."""
        if not self._source(path):
            return False
        if kind in ("modified", "closed"):
            return self._content_changed(path)
        self._seen.pop(path, None)
        return True

    def _content_changed(self, path: str) -> bool:
        """Ignore a modify event whose file still has the size and mtime we last saw."""
        try:
            st = os.stat(path)
        except OSError:
            return True
        mark = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._lock:
            if self._seen.get(path) == mark:
                return False
            self._seen[path] = mark
        return True

    def stop(self) -> None:
        """Stop the observer thread."""
        if self._observer is not None:
            try:
                self._observer.stop()
                self._observer.join(timeout=5)
            except RuntimeError:
                pass  # never started
            self._observer = None

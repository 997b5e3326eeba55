"""The preview's search index, kept in step with edits: only the shards an edit reaches, later.

The preview serves its index from a folder beside its output (`.newsgen/serve/search/`), so
rebuilds never carry it. Each build, the first included, hands its plan (the shards and the
key of each, as CI computes them) to a background thread, which re-indexes the shards whose
key moved (a few seconds for 1,000 articles; every shard at the first start, 30 s for 10,000)
and swaps the new index in, while the pages are already served. Until a first index exists,
the server answers the search page's first request with 503 and the page says it is coming.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import search
from .errors import BuildFailed

KEYS_FILE = "keys.json"  # beside the index folder, never served: which input made each shard
_UI = ""  # the key entry of the UI files at the top of the index


@dataclass(frozen=True)
class SearchPlan:
    """What the index should hold after a build: each shard's pages and the key of that input."""

    language: str
    shards: Mapping[str, Sequence[str]]  # shard name -> page paths in the output, newest first
    keys: Mapping[str, str]  # shard name (and "" for the UI files) -> hex key


def refresh(
    source: Path,
    folder: Path,
    plan: SearchPlan,
    jobs: int = 1,
    lock: contextlib.AbstractContextManager[object] | None = None,
    background: bool = False,
) -> list[str]:
    """Re-index the shards of `plan` whose key differs from the index in `folder`; return them.

    Pages are read from `source` (an output folder); with `lock`, only while holding it, so a
    build does not rewrite them halfway. The other shards' files are kept (hard links), and the
    new index replaces the old one in two renames. Raises BuildFailed if Pagefind fails.
    """
    live = folder / search.OUTPUT_DIR
    saved = _saved_keys(folder) if live.is_dir() else {}
    stale = [name for name in plan.shards if saved.get(name) != plan.keys[name]]
    ui_stale = saved.get(_UI) != plan.keys[_UI]
    if ui_stale and plan.shards and not stale:  # the UI files come with any shard's run
        stale.append(search.ui_shard(plan.shards))
    if not stale and set(saved) == set(plan.keys):
        return []
    with tempfile.TemporaryDirectory(prefix="newsgen-preview-search-") as tmp:
        pages = Path(tmp, "pages")
        with lock if lock is not None else contextlib.nullcontext():
            for name in stale:
                search.link_pages(source, plan.shards[name], pages)
        todo = {name: plan.shards[name] for name in stale}
        bundle = search.index_shards(pages, plan.language, todo, jobs, background)
        if bundle is None:
            return []
        fresh = folder / f".{search.OUTPUT_DIR}.new"
        shutil.rmtree(fresh, ignore_errors=True)
        files = [search.shards_file(list(plan.shards))]
        files += bundle.ui if bundle.ui else _kept(live, search.UI_FILES)
        for name in plan.shards:
            if name in bundle.shards:
                files += bundle.shards[name]
            else:  # kept: hard links of its files
                kept = live / name
                rels = [p.relative_to(kept).as_posix() for p in kept.rglob("*") if p.is_file()]
                search.link_pages(kept, sorted(rels), fresh / name)
        for rel, data in files:
            path = fresh / rel.removeprefix(f"{search.OUTPUT_DIR}/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    _swap(folder, fresh)
    _write_keys(folder, plan.keys)
    return stale


def clear(folder: Path) -> None:
    """Remove the index (search turned off): the preview must not serve an earlier one."""
    shutil.rmtree(folder / search.OUTPUT_DIR, ignore_errors=True)
    with contextlib.suppress(OSError):
        (folder / KEYS_FILE).unlink()


def _saved_keys(folder: Path) -> dict[str, str]:
    """Read which input made each shard of the live index; {} if unknown (index it all again)."""
    try:
        keys = json.loads((folder / KEYS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return keys if isinstance(keys, dict) else {}


def _write_keys(folder: Path, keys: Mapping[str, str]) -> None:
    """Record the keys of the index just swapped in (after it: a crash only re-indexes more)."""
    temp = folder / f".{KEYS_FILE}.tmp"
    temp.write_text(json.dumps(dict(sorted(keys.items())), indent=1) + "\n", encoding="utf-8")
    os.replace(temp, folder / KEYS_FILE)


def _kept(live: Path, names: frozenset[str]) -> list[tuple[str, bytes]]:
    """Read the live index's top-level files of these names, to write them into the new one."""
    out = []
    for name in sorted(names):
        with contextlib.suppress(OSError):
            out.append((f"{search.OUTPUT_DIR}/{name}", (live / name).read_bytes()))
    return out


def _swap(folder: Path, fresh: Path) -> None:
    """Put the new index in place of the live one."""
    live = folder / search.OUTPUT_DIR
    old = folder / f".{search.OUTPUT_DIR}.old"
    shutil.rmtree(old, ignore_errors=True)
    if live.exists():
        live.rename(old)
    fresh.rename(live)
    shutil.rmtree(old, ignore_errors=True)


class Refresher:
    """One background thread that refreshes the preview's index after each rebuild.

    Plans queue as a single slot (the newest wins: an older plan would only be redone), and a
    plan waits until `settle` seconds pass without a newer one, so a run of saves gives one
    refresh after it instead of Pagefind competing with each rebuild; Pagefind then runs at the
    lowest CPU priority. The builder holds `lock` while it builds, so pages are never linked
    half-written.
    """

    def __init__(
        self,
        source: Path,
        folder: Path,
        log: Callable[[str], None],
        settle: float = 2.0,
        jobs: int = 1,
    ) -> None:
        self.source, self.folder, self.log, self.settle = source, folder, log, settle
        self.jobs = jobs  # Pagefind runs at once: a first index has every shard to make
        self.lock = threading.Lock()
        self.refreshed = 0  # refreshes that re-indexed something (for tests and the log)
        self._pending: SearchPlan | Callable[[], SearchPlan] | None = None
        self._busy = False
        self._closed = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="newsgen-search", daemon=True)
        self._thread.start()

    @property
    def idle(self) -> bool:
        """Tell whether no plan waits and none is being applied."""
        with self._wake:
            return self._pending is None and not self._busy

    def submit(self, plan: SearchPlan | Callable[[], SearchPlan]) -> None:
        """Ask for the index to match `plan` (or what it works out, in the background),
        replacing any plan not started yet."""
        with self._wake:
            self._pending = plan
            self._wake.notify()

    def close(self) -> None:
        """Stop after the refresh under way, if any."""
        with self._wake:
            self._closed = True
            self._pending = None
            self._wake.notify()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                plan = self._pending
                while plan is not None and not self._closed:  # wait for the saves to settle
                    self._wake.wait(self.settle)
                    if self._pending is plan:
                        break
                    plan = self._pending
                if self._closed or plan is None:
                    return
                self._pending, self._busy = None, True
            try:
                if not isinstance(plan, SearchPlan):
                    plan = plan()
                done = refresh(
                    self.source, self.folder, plan, self.jobs, self.lock, background=True
                )
                if done:
                    self.refreshed += 1
                    self.log(f"search index updated: {', '.join(done)}")
            except BuildFailed as failed:  # Pagefind failed: the last index stays served
                reasons = "; ".join(p.format() for p in failed.problems) or str(failed)
                self.log(f"search index not updated: {reasons}")
            except Exception as exc:  # a bug must not stop the preview: show it instead
                self.log(f"search index not updated: {exc!r}")
            finally:
                with self._wake:
                    self._busy = False

"""Finding and reading the article sources: the first stage of every build, and all a skipped one does.

Kept free of the parsing and rendering stages so that a build with nothing to do imports little.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import vietnamese
from .config import SiteConfig
from .errors import Problem

if TYPE_CHECKING:
    from .cache import Reuse


@dataclass(frozen=True)
class Source:
    """One article file as read from disk: its site-relative path, bytes and hash."""

    rel: str  # posix path relative to the site folder, e.g. content/thoi-su/bao.md
    data: bytes
    sha256: str

    @classmethod
    def read(cls, site_dir: str | Path, path: str | Path) -> Source:
        """Read a file under the site folder (plain os.path: this runs for every article)."""
        with open(path, "rb") as handle:
            data = handle.read()
        path, base = os.fspath(path), os.fspath(site_dir).rstrip(os.sep) + os.sep
        # plain slicing when the path is under the site folder: os.path.relpath is slow
        rel = path[len(base) :] if path.startswith(base) else os.path.relpath(path, site_dir)
        rel = rel.replace(os.sep, "/")
        return cls(vietnamese.normalize(rel), data, hashlib.sha256(data).hexdigest())


def discover(config: SiteConfig, reuse: Reuse | None = None) -> tuple[list[Source], list[Problem]]:
    """Read every *.md under content/, in a stable order, refusing links that leave the site.

    A long-lived process (`reuse`) rereads only files whose inode, size, mtime or ctime changed.
    """
    root = config.content_dir
    problems: list[Problem] = []
    if not root.is_dir():
        return [], [
            Problem(
                "content",
                0,
                "",
                "the content/ folder is missing",
                "create it and put articles in it",
            )
        ]
    site = str(config.site_dir.resolve())
    base = str(config.site_dir)
    sources = []
    seen: dict[str, Any] = {}
    for path, is_link, is_file in _markdown_files(str(root), reuse.folders if reuse else None):
        if is_link and not _inside(os.path.realpath(path), site):
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            problems.append(
                Problem(
                    rel,
                    0,
                    "",
                    "links to a file outside the site",
                    "copy the file into content/",
                )
            )
            continue
        if reuse is not None:
            source = _read_again(reuse, base, path, seen)
            if source is not None:
                sources.append(source)
        elif is_file:
            sources.append(Source.read(base, path))
    if reuse is not None:
        reuse.sources = seen
    sources.sort(key=lambda s: s.rel)
    return sources, problems


# a folder as listed: (path, is a link, is a file) of each *.md in it, and its subfolders
_Listing = tuple[list[tuple[str, bool, bool]], list[str]]


def _markdown_files(root: str, known: dict[str, Any] | None = None) -> list[tuple[str, bool, bool]]:
    """List every *.md under a folder as (path, is a link, is a file), not following linked
    folders (as os.walk does).

    os.scandir reports each entry's type from the folder listing itself: telling a file from
    a link or a folder costs no system call per article (os.walk plus islink cost two). A
    long-lived process passes `known`, the listings of its last call: a folder whose
    modification time has not moved is not listed again (adding, removing or renaming an
    entry moves it), unless it moved within two seconds of its listing (racy, as for files).
    """
    found: list[tuple[str, bool, bool]] = []
    listed: dict[str, tuple[int, _Listing]] = {}
    folders = [root]
    while folders:
        listing = _listing(folders.pop(), known, listed)
        if listing is not None:
            found += listing[0]
            folders += reversed(listing[1])
    if known is not None:  # folders that are gone are forgotten
        known.clear()
        known.update(listed)
    return found


def _listing(
    folder: str, known: dict[str, Any] | None, listed: dict[str, tuple[int, _Listing]]
) -> _Listing | None:
    """List one folder, or take its last listing from `known` if its mtime has not moved."""
    stamp = 0
    if known is not None:
        try:
            stamp = os.stat(folder).st_mtime_ns
        except OSError:
            return None
        hit = known.get(folder)
        if hit is not None and hit[0] == stamp:
            listed[folder] = hit
            return hit[1]
    started = time.time_ns()
    try:
        with os.scandir(folder) as entries:
            ordered = sorted(entries, key=lambda e: e.name)
    except OSError:  # vanished or unreadable since it was listed: as os.walk, skip it
        return None
    files = [
        (e.path, e.is_symlink(), _is_file(e))
        for e in ordered
        if e.name.endswith(".md") and not _is_folder(e)
    ]
    listing = (files, [e.path for e in ordered if _is_folder(e)])
    if known is not None and started - stamp > _RACY_NS:
        listed[folder] = (stamp, listing)
    return listing


def _is_file(entry: os.DirEntry[str]) -> bool:
    """Tell a regular file, or a link to one (a broken link is neither)."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Tell a real folder (not a link to one), which the walk goes into."""
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


_RACY_NS = 2_000_000_000  # a file changed this close to its reading may change again unseen


def _read_again(reuse: Reuse, base: str, path: str, seen: dict[str, Any]) -> Source | None:
    """Return a source, reading it only if its file changed since this process last read it.

    The signature (inode, size, mtime, ctime) is trusted only in memory, within one process,
    and not for a file modified within two seconds of the reading (as git does for racy files).
    """
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    signature = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    known = reuse.sources.get(path)
    if known is not None and known[0] == signature:
        seen[path] = known
        return known[2]
    started = time.time_ns()
    try:
        source = Source.read(base, path)
    except OSError:
        return None
    if started - max(info.st_mtime_ns, info.st_ctime_ns) > _RACY_NS:
        seen[path] = (signature, started, source)
    return source


def _inside(path: str, folder: str) -> bool:
    """Tell whether a resolved path lies inside a resolved folder."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)

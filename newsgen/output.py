"""All-or-nothing output: update a spare copy of the site beside it, swap it in at the end."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import libc
from .errors import NewsgenError
from .sources import file_hash

MANIFEST = "manifest.json"
SPARE_MARK = ".newsgen-spare"
_STAGING_MARK = ".newsgen-staging-"
_TMP_MARK = ".newsgen-tmp-"
_MISPLACED = (FileNotFoundError, FileExistsError, NotADirectoryError, IsADirectoryError)


@dataclass(frozen=True)
class Written:
    """One output file: its path, content hash and whether its bytes changed since the last build."""

    rel: str
    sha256: str
    changed: bool


def safe_rel(rel: str) -> str:
    """Refuse any output path that could land outside the output folder."""
    framed = f"/{rel}/"  # a part that is empty, "." or ".." shows as "//", "/./" or "/../"
    if (
        "\\" not in rel
        and "\0" not in rel
        and "//" not in framed
        and "/./" not in framed
        and "/../" not in framed
    ):
        return rel  # already plain: no need to parse it (this runs for every file of a build)
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or "\\" in rel or "\0" in rel or not rel:
        raise NewsgenError(
            f"refusing to write {rel!r} outside the output folder", "fix the slug or file name"
        )
    return path.as_posix()


# file -> (its SHA-256, its manifest line): the preview writes the same 54,000 lines at every save
_LINES: dict[str, tuple[str, str]] = {}


def manifest_bytes(files: dict[str, str]) -> bytes:
    """Write manifest.json as json.dumps(indent=1, sort_keys=True) would, with its C string encoder.

    The pure-Python indenting encoder took 60 ms for a 24,000-file site on every build; each
    line is kept for the next build of this process (0.12 -> 0.03 s at 54,000 files).
    """
    if not files:
        return b'{\n "files": {}\n}\n'
    if len(_LINES) > 4 * len(files) + 100_000:
        _LINES.clear()  # another site, or many renames: start again
    quote = json.encoder.encode_basestring_ascii
    lines = []
    for rel in sorted(files):
        sha = files[rel]
        kept = _LINES.get(rel)
        if kept is None or kept[0] != sha:
            kept = _LINES[rel] = (sha, f"  {quote(rel)}: {quote(sha)}")
        lines.append(kept[1])
    return ('{\n "files": {\n' + ",\n".join(lines) + "\n }\n}\n").encode()


def spare_path(output: Path) -> Path:
    """Where the output before last is kept, for the next build to bring up to date in place."""
    return output.with_name(f".{output.name}{SPARE_MARK}")


class Staging:
    """The next output, built beside the live one; it replaces it only when the whole build succeeded.

    It is the spare (the output before last, kept by the previous build) brought up to date in
    place, so that a build touches only the files that differ from it; the retired output becomes
    the next spare. Without a spare, it is a fresh folder.
    """

    def __init__(self, output: Path, private: bool = False) -> None:
        """Prepare the next output; `private`: nobody but this process touches the output folder.

        The preview's folder is private: there, a spare this process finished itself is known
        file by file (inodes), and keeping an unchanged page costs no system call.
        """
        self.output = output.resolve()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(self.output)
        self.previous = self.output if self.output.is_dir() else None
        spare = spare_path(self.output)
        self._reused = spare.is_dir() and not spare.is_symlink()
        self._inodes: dict[str, int] | None = None  # file -> inode, for a spare known exactly
        self._signature: tuple[int, ...] | None = None  # of the manifest finish() wrote
        if self._reused:
            self.dir = spare
            tree = _take_inventory(spare, trusted=self.previous is not None)
            self._files, dirs, self._walked = tree.files, tree.dirs, tree.walked
            if private and tree.inodes is not None:
                self._inodes = tree.inodes
        else:
            _remove(spare)
            self.dir = Path(
                tempfile.mkdtemp(
                    prefix=f".{self.output.name}{_STAGING_MARK}", dir=self.output.parent
                )
            )
            self._files, dirs, self._walked = frozenset(), frozenset(), False
        self._dirs = frozenset(dirs)
        self._made = set(dirs) | {""}
        # file -> its inode, for kept files found by their bytes instead of their inode
        self.recognised: dict[str, int] = {}

    def write(self, rel: str, data: bytes) -> Written:
        """Write a file, sharing the previous output's copy (same inode) when the bytes are the same."""
        rel = safe_rel(rel)
        digest = hashlib.sha256(data).hexdigest()
        live = self._live(rel, len(data))
        if live is not None and (self.output / rel).read_bytes() == data:
            self._link(rel, live)
            return Written(rel, digest, False)
        self._place(rel, lambda path: _create(path, data))
        return Written(rel, digest, True)

    def shares(self, rel: str, inode: int) -> bool:
        """Tell whether a private spare this process finished shares this file already (keep()
        would return it without a system call)."""
        return self._inodes is not None and self._inodes.get(rel) == inode

    def keep(self, rel: str, sha256: str, size: int, inode: int) -> Written | None:
        """Share the previous output's file if it is still the one recorded (same inode, size).

        A file of the recorded size under another inode (an output restored by a CI runner's
        cache, or copied) is kept if its bytes hash as recorded; its inode is then noted in
        `recognised` for the caller's record.
        """
        if self._inodes is not None and self._inodes.get(rel) == inode:
            # a private spare that already shares the file; its paths were checked (safe_rel)
            # when this process wrote them, so `rel` needs no check again
            return Written(rel, sha256, False)
        rel = safe_rel(rel)
        if self.previous is None:
            return None
        if rel in self._files:  # the usual case: the spare still shares the recorded file
            try:
                mine = os.lstat(f"{self.dir}/{rel}")
            except OSError:
                pass
            else:
                if mine.st_ino == inode and mine.st_size == size and stat.S_ISREG(mine.st_mode):
                    return Written(rel, sha256, False)
        try:
            info = os.lstat(f"{self.output}/{rel}")
        except OSError:
            return None
        if info.st_size != size or not stat.S_ISREG(info.st_mode):
            return None
        if info.st_ino != inode:
            if file_hash(f"{self.output}/{rel}").hex() != sha256:
                return None
            self.recognised[rel] = info.st_ino
        self._link(rel, info)
        return Written(rel, sha256, False)

    def inode(self, rel: str) -> tuple[int, int]:
        """Return (size, inode) of a staged file, for the page cache."""
        info = os.lstat(self.dir / rel)
        return info.st_size, info.st_ino

    def copy(self, rel: str, source: Path) -> Written:
        """Copy a file (image, stylesheet) into the output, keeping an identical previous copy."""
        return self.write(rel, source.read_bytes())

    def _live(self, rel: str, size: int) -> os.stat_result | None:
        """Return the stat of the previous output's file at `rel` if it could hold the same bytes."""
        if self.previous is None:
            return None
        try:
            info = os.lstat(f"{self.output}/{rel}")
        except OSError:
            return None
        return info if stat.S_ISREG(info.st_mode) and info.st_size == size else None

    def _link(self, rel: str, live: os.stat_result) -> None:
        """Make `rel` the live output's file; nothing to do when the spare already shares it."""
        if rel in self._files:
            try:
                mine = os.lstat(f"{self.dir}/{rel}")
            except OSError:
                pass
            else:
                if mine.st_ino == live.st_ino and mine.st_dev == live.st_dev:
                    return
        source = f"{self.output}/{rel}"
        self._place(rel, lambda path: os.link(source, path))

    def _place(self, rel: str, make: Callable[[str], None]) -> None:
        """Create a new file at `rel` with `make`; an existing one is replaced, never written into.

        The spare's files are hard links shared with the live output: writing into one would
        change the live site before the swap.
        """
        dest = f"{self.dir}/{rel}"
        try:
            self._parent(rel)
            _make_new(dest, make)
        except _MISPLACED:  # a file where a folder goes, or the reverse: clear the way once
            self._clear_way(rel)
            _make_new(dest, make)

    def _parent(self, rel: str) -> None:
        """Create the folder of `rel` unless it is known to exist (a syscall saved per file)."""
        parent = rel.rpartition("/")[0]
        if parent not in self._made:
            os.makedirs(f"{self.dir}/{parent}", exist_ok=True)
            self._made.update(ancestors([rel]))

    def _clear_way(self, rel: str) -> None:
        """Turn every folder on the way to `rel` into a real folder and remove a folder at `rel`."""
        path = self.dir
        for part in rel.split("/")[:-1]:
            path = path / part
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                os.mkdir(path)
                continue
            if not stat.S_ISDIR(info.st_mode):
                os.unlink(path)
                os.mkdir(path)
        dest = self.dir / rel
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        self._made.update(ancestors([rel]))

    def finish(self, written: list[Written]) -> None:
        """Remove what the new output no longer has, write the manifest and swap it into place."""
        files = {w.rel: w.sha256 for w in written}  # the manifest sorts: 54,000 files, 40 ms
        manifest = manifest_bytes(files)
        self._prune({*files, MANIFEST})
        self.write(MANIFEST, manifest)  # the spare is clean again: its manifest describes it
        self._signature = _remember_manifest(self.dir / MANIFEST, files)
        if self.previous is None:
            os.replace(self.dir, self.output)
            return
        spare = spare_path(self.output)
        if _exchange(self.dir, self.output):
            if self.dir != spare:
                os.replace(self.dir, spare)
            return
        if self.dir == spare:  # no atomic exchange: move the new output out of the spare's way
            moved = spare.with_name(f".{self.output.name}{_STAGING_MARK}new")
            _remove(moved)
            os.replace(spare, moved)
            self.dir = moved
        os.replace(self.output, spare)
        os.replace(self.dir, self.output)

    def remember_inodes(self, inodes: dict[str, int]) -> None:
        """Note the inodes of the output just finished, for the build that updates it in place."""
        signature = self._signature or ()
        tree = _MANIFESTS.get(signature)
        if tree is not None:
            _MANIFESTS[signature] = _Tree(tree.files, tree.dirs, inodes)

    def _prune(self, keep: set[str]) -> None:
        """Delete the files and folders of the spare that are not part of the new output."""
        if not self._walked and self._files <= keep:
            return  # nothing to delete: every file stays, and every folder holds one of them
        needed = ancestors(keep)
        for folder in self._dirs - needed:
            parent = folder.rpartition("/")[0]
            if folder not in keep and (not parent or parent in needed):
                _remove(self.dir / folder)
        for rel in self._files - keep:
            parent = rel.rpartition("/")[0]
            if rel not in needed and (not parent or parent in needed):
                with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
                    os.unlink(f"{self.dir}/{rel}")

    def abort(self) -> None:
        """Throw a fresh folder away; a spare stays, marked dirty, for the next build to reconcile."""
        if not self._reused:
            shutil.rmtree(self.dir, ignore_errors=True)


@dataclass(frozen=True)
class _Tree:
    """An output folder as a manifest describes it: files, folders, and inodes when known."""

    files: frozenset[str]
    dirs: frozenset[str]  # exactly the folders holding the files, unless walked
    inodes: dict[str, int] | None = None
    walked: bool = False  # read from the disk: may hold empty folders


def _take_inventory(spare: Path, trusted: bool) -> _Tree:
    """List the spare's files and folders, then mark it dirty before anything in it changes.

    A clean spare is described by its manifest; one without (a build was interrupted while
    updating it), or one whose output was deleted (someone wants a clean build), is walked.
    Removing the manifest is the dirty mark: a build killed from here on leaves a spare that the
    next build walks.
    """
    manifest = spare / MANIFEST
    tree = _read_manifest(manifest) if trusted else None
    if tree is None:
        files, dirs = _walk(spare)
        files.discard(MANIFEST)
        tree = _Tree(frozenset(files), frozenset(dirs), walked=True)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(manifest)
    return tree


# manifests this process wrote, by (device, inode, size, mtime, ctime): the two newest
_MANIFESTS: dict[tuple[int, ...], _Tree] = {}


def _signature(path: Path | str) -> tuple[int, ...] | None:
    """Return what identifies one version of a file, or None if it is missing."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _remember_manifest(path: Path, files: Iterable[str]) -> tuple[int, ...] | None:
    """Keep the file list of a manifest just written: it comes back as the spare two builds on."""
    signature = _signature(path)
    if signature is not None:
        listed = frozenset(files)
        # an edit seldom adds or removes a file: the folders of the last output are the same
        same = (t.dirs for t in _MANIFESTS.values() if not t.walked and t.files == listed)
        dirs = next(same, None)
        _MANIFESTS[signature] = _Tree(listed, dirs or frozenset(ancestors(listed)))
        while len(_MANIFESTS) > 2:
            del _MANIFESTS[next(iter(_MANIFESTS))]
    return signature


def _read_manifest(path: Path) -> _Tree | None:
    """Describe the folder a manifest lists, or None when it is missing or not one newsgen wrote.

    A long-lived process (the preview) finds the spare's manifest among the ones it wrote
    itself, unchanged (same inode, size and times), and does not parse 2 MB of JSON again.
    """
    known = _MANIFESTS.get(_signature(path) or ())
    if known is not None:
        return known
    try:
        files = json.loads(path.read_bytes())["files"]
        if not isinstance(files, dict):
            return None
        listed = {safe_rel(rel) for rel in files}
    except (OSError, ValueError, KeyError, TypeError, NewsgenError):
        return None
    if listed != set(files):
        return None
    return _Tree(frozenset(listed), frozenset(ancestors(listed)))


def _walk(root: Path) -> tuple[set[str], set[str]]:
    """Return every file (anything not a folder) and folder under root, as relative paths."""
    files: set[str] = set()
    dirs: set[str] = set()
    pending = [""]
    while pending:
        rel = pending.pop()
        with os.scandir(f"{root}/{rel}" if rel else root) as entries:
            for entry in entries:
                path = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    dirs.add(path)
                    pending.append(path)
                else:
                    files.add(path)
    return files, dirs


def ancestors(rels: Iterable[str]) -> set[str]:
    """Return every folder (relative, the root excluded) that holds one of the given paths."""
    found: set[str] = set()
    for rel in rels:
        parent = rel.rpartition("/")[0]
        while parent and parent not in found:
            found.add(parent)
            parent = parent.rpartition("/")[0]
    return found


def _make_new(dest: str, make: Callable[[str], None]) -> None:
    """Create `dest` with `make`, or, if something is there, beside it and rename it over."""
    try:
        make(dest)
        return
    except FileExistsError:
        pass
    folder, _, name = dest.rpartition("/")
    tmp = f"{folder}/.{name[:32]}{_TMP_MARK}{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    make(tmp)
    try:
        os.replace(tmp, dest)
    except OSError:
        os.unlink(tmp)
        raise


def _create(path: str, data: bytes) -> None:
    """Write a new file; fail rather than open one that exists (it may be shared with the output)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    with open(fd, "wb") as out:
        out.write(data)


def _remove(path: Path) -> None:
    """Delete a folder, file or link if there is one."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2); False where unsupported."""
    renameat2 = libc.function("renameat2")
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(result == 0)


def _remove_stale(output: Path) -> None:
    """Remove staging folders left by a build that was killed (or by older newsgen versions)."""
    for stale in output.parent.glob(f".{output.name}{_STAGING_MARK}*"):
        shutil.rmtree(stale, ignore_errors=True)

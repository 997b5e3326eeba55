"""All-or-nothing output: build into a sibling folder, keep unchanged files, swap in at the end."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import NewsgenError

MANIFEST = "manifest.json"
_STAGING_MARK = ".newsgen-staging-"
_BACKGROUND_MIN = 2000  # files: below this, deleting the old output inline is quick enough


@dataclass(frozen=True)
class Written:
    """One output file: its path, content hash and whether its bytes changed since the last build."""

    rel: str
    sha256: str
    changed: bool


def safe_rel(rel: str) -> str:
    """Refuse any output path that could land outside the output folder."""
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or "\\" in rel or "\0" in rel or not rel:
        raise NewsgenError(
            f"refusing to write {rel!r} outside the output folder", "fix the slug or file name"
        )
    return path.as_posix()


class Staging:
    """A fresh folder next to the output; becomes the output only when the whole build succeeded."""

    def __init__(self, output: Path) -> None:
        self.output = output.resolve()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(self.output)
        self.dir = Path(
            tempfile.mkdtemp(prefix=f".{self.output.name}{_STAGING_MARK}", dir=self.output.parent)
        )
        self.previous = self.output if self.output.is_dir() else None
        self._made: set[Path] = set()

    def _mkdir(self, folder: Path) -> None:
        """Create a folder once per process (a syscall saved per file on big sites)."""
        if folder not in self._made:
            folder.mkdir(parents=True, exist_ok=True)
            self._made.add(folder)

    def write(self, rel: str, data: bytes) -> Written:
        """Write a file, hard-linking the previous output's copy when the bytes are the same."""
        rel = safe_rel(rel)
        dest = self.dir / rel
        self._mkdir(dest.parent)
        digest = hashlib.sha256(data).hexdigest()
        old = self._old(rel, len(data))
        if old is not None and old.read_bytes() == data:
            os.link(old, dest)
            return Written(rel, digest, False)
        dest.write_bytes(data)
        return Written(rel, digest, True)

    def keep(self, rel: str, sha256: str, size: int, inode: int) -> Written | None:
        """Hard-link the previous output's file if it is still the one recorded (same inode, size)."""
        rel = safe_rel(rel)
        if self.previous is None:
            return None
        try:
            info = os.lstat(self.previous / rel)
        except OSError:
            return None
        if info.st_ino != inode or info.st_size != size or not stat.S_ISREG(info.st_mode):
            return None
        dest = self.dir / rel
        self._mkdir(dest.parent)
        os.link(self.previous / rel, dest)
        return Written(rel, sha256, False)

    def inode(self, rel: str) -> tuple[int, int]:
        """Return (size, inode) of a staged file, for the page cache."""
        info = os.lstat(self.dir / rel)
        return info.st_size, info.st_ino

    def copy(self, rel: str, source: Path) -> Written:
        """Copy a file (image, stylesheet) into the output, keeping an identical previous copy."""
        return self.write(rel, source.read_bytes())

    def _old(self, rel: str, size: int) -> Path | None:
        """Return the previous output's file at `rel` if it could hold the same bytes."""
        if self.previous is None:
            return None
        old = self.previous / rel
        try:
            if old.is_file() and not old.is_symlink() and old.stat().st_size == size:
                return old
        except OSError:
            return None
        return None

    def finish(self, written: list[Written]) -> None:
        """Write the manifest and swap the new output into place."""
        files = {w.rel: w.sha256 for w in sorted(written, key=lambda w: w.rel)}
        manifest = json.dumps({"files": files}, indent=1, sort_keys=True).encode() + b"\n"
        self.write(MANIFEST, manifest)
        if self.previous is None:
            os.replace(self.dir, self.output)
            return
        if not _exchange(self.dir, self.output):
            retired = self.output.with_name(f".{self.output.name}{_STAGING_MARK}old")
            shutil.rmtree(retired, ignore_errors=True)
            os.replace(self.output, retired)
            os.replace(self.dir, self.output)
            self.dir = retired
        _remove(self.dir, background=len(written) >= _BACKGROUND_MIN)

    def abort(self) -> None:
        """Throw the half-built folder away; the previous output is untouched."""
        shutil.rmtree(self.dir, ignore_errors=True)


def _remove(folder: Path, background: bool) -> None:
    """Delete the retired output; a big one in a detached `rm` so the build returns at once."""
    rm = shutil.which("rm") if background else None
    if rm is None:
        shutil.rmtree(folder, ignore_errors=True)
        return
    trash = folder.with_name(f"{folder.name}-trash")
    try:
        os.replace(folder, trash)
        subprocess.Popen(  # noqa: S603 - fixed program, our own folder
            [rm, "-rf", "--", str(trash)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(trash, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(result == 0)


def _remove_stale(output: Path) -> None:
    """Remove staging folders left by a build that was killed."""
    for stale in output.parent.glob(f".{output.name}{_STAGING_MARK}*"):
        shutil.rmtree(stale, ignore_errors=True)

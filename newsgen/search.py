"""Full-text search: run Pagefind (bundled binary from PyPI) over the built pages, offline."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .errors import BuildFailed, Problem

OUTPUT_DIR = "pagefind"
OFF_MESSAGE = "search is off: Pagefind is not installed (pip install 'pagefind[bin]>=1.5')"
_TIMEOUT = 600


def executable() -> Path | None:
    """Find the Pagefind binary: the `pagefind[bin]` package, PAGEFIND_BINARY_PATH or PATH."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        found = shutil.which("pagefind")
        return Path(found) if found else None
    path = get_executable()
    return path if path is not None and path.is_file() else None


def available() -> bool:
    """Tell whether a build will have search, so the CLI can say when it is off."""
    return executable() is not None


def index_files(
    site_dir: Path, language: str = "vi", pages: Sequence[str] | None = None
) -> list[tuple[str, bytes]] | None:
    """Index the pages under `site_dir`; return the search bundle's files, or None without Pagefind.

    Only pages marked `data-pagefind-body` (published articles, never drafts or scheduled ones)
    are indexed; `pages` (paths under `site_dir`) narrows the files Pagefind even reads. The
    bundle is built in a temporary folder so the caller writes it like any page.
    """
    binary = executable()
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="newsgen-pagefind-") as tmp:
        out = Path(tmp) / OUTPUT_DIR
        source = site_dir if pages is None else _link_pages(site_dir, pages, Path(tmp) / "site")
        command = [
            str(binary),
            "--site",
            str(source),
            "--output-path",
            str(out),
            "--force-language",
            language,
            "--silent",
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=_TIMEOUT)
        except (OSError, subprocess.SubprocessError) as exc:
            raise BuildFailed([_problem(exc)]) from None
        return [
            (f"{OUTPUT_DIR}/{path.relative_to(out).as_posix()}", path.read_bytes())
            for path in sorted(out.rglob("*"))
            if path.is_file()
        ]


def _link_pages(site_dir: Path, pages: Sequence[str], target: Path) -> Path:
    """Mirror only the given pages (hard links, same relative paths) for Pagefind to read."""
    for rel in pages:
        source = site_dir / rel
        if not source.is_file():
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, dest)
        except OSError:
            shutil.copyfile(source, dest)
    return target


def _problem(exc: BaseException) -> Problem:
    """Say why Pagefind failed, with the last line it printed, as one build problem."""
    stderr = getattr(exc, "stderr", b"") or b""
    last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [str(exc)]
    return Problem(
        "pagefind",
        0,
        "search",
        f"indexing for search failed: {last[0]}",
        "reinstall it with pip install 'pagefind[bin]>=1.5'",
    )

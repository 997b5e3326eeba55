"""Full-text search: run Pagefind (bundled binary from PyPI) over the built pages, offline."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
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


def index_files(site_dir: Path, language: str = "vi") -> list[tuple[str, bytes]] | None:
    """Index the pages under `site_dir`; return the search bundle's files, or None without Pagefind.

    Only pages marked `data-pagefind-body` (published articles, never drafts or scheduled ones)
    are indexed. The bundle is built in a temporary folder so the caller writes it like any page.
    """
    binary = executable()
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="newsgen-pagefind-") as tmp:
        out = Path(tmp) / OUTPUT_DIR
        command = [
            str(binary),
            "--site",
            str(site_dir),
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

"""Article bodies read on demand: a build holds in memory only the bodies of the pages it renders.

A parsed article's body HTML is most of its size (15 KB at 10,000 articles), and a rebuild
renders few pages. The build cache keeps each body in its own column; an article stored
there (Article.body_stored) leaves its body behind, and a page that shows it reads it here by
the article's digest: in the build's process or in a forked render worker, each with its own
read-only connection.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import BuildFailed, Problem

if TYPE_CHECKING:
    from .content import Article, Parsed

_SPILL_MARK = ".newsgen-bodies-"

_STORE: dict[str, object] = {}  # "path": the database; "db", "pid": this process's connection


def use(path: Path | None) -> None:
    """Read stored bodies from this database from now on (None: bodies stay in memory)."""
    close()
    _STORE.clear()
    if path is not None:
        _STORE["path"] = path


def close() -> None:
    """Close this process's connection (a forked worker inherits only the path)."""
    db = _STORE.pop("db", None)
    if isinstance(db, sqlite3.Connection) and _STORE.get("pid") == os.getpid():
        db.close()


def body_of(article: Article) -> str:
    """Return an article's body HTML, from memory or from the build cache."""
    if not article.body_stored:
        return article.body_html
    row = None
    db = _connection()
    if db is not None:
        with contextlib.suppress(sqlite3.Error):
            query = "SELECT body FROM parsed WHERE digest = ? AND body IS NOT NULL LIMIT 1"
            row = db.execute(query, (article.digest,)).fetchone()
    if row is None:
        raise BuildFailed(
            [
                Problem(
                    article.rel,
                    0,
                    "",
                    "its body is missing from the build cache (deleted or changed during the build)",
                    "build again; if it happens again, build once with --no-cache",
                )
            ]
        )
    return str(row[0])


def _connection() -> sqlite3.Connection | None:
    """Open the database read-only, once per process (a connection must not cross a fork)."""
    path = _STORE.get("path")
    if not isinstance(path, Path):
        return None
    db = _STORE.get("db")
    if isinstance(db, sqlite3.Connection) and _STORE.get("pid") == os.getpid():
        return db
    with contextlib.suppress(sqlite3.Error):
        # one build at a time, but the preview's builds run in its rebuild thread
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        _STORE.update(db=db, pid=os.getpid())
        return db
    return None


class Spill:
    """Where a build without a cache folder keeps its bodies: a throwaway database beside the
    output (on its disk, not in memory), removed when the build ends."""

    def __init__(self, output: Path) -> None:
        """Create the database, removing any a killed build left behind."""
        output = output.resolve()
        output.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(output)
        self.folder = Path(tempfile.mkdtemp(prefix=f".{output.name}{_SPILL_MARK}", dir=output.parent))
        self.path = self.folder / "bodies.sqlite"
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA journal_mode=OFF")  # thrown away at the end: nothing to recover
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE parsed (digest TEXT PRIMARY KEY, body TEXT)")

    def take(self, parsed: list[Parsed]) -> list[Parsed]:
        """Store a chunk's bodies and return its parses without them (stamped articles only)."""
        rows: dict[str, str] = {}
        out = []
        for one in parsed:
            article = one.article
            if article is not None and article.digest and not article.body_stored:
                rows[article.digest] = article.body_html
                one = dataclasses.replace(one, article=left_behind(article))
            out.append(one)
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO parsed VALUES (?, ?)", rows.items())
        return out

    def close(self) -> None:
        """Close and remove the database."""
        self._db.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def remove_stale(output: Path) -> None:
    """Remove the databases of builds that were killed (one build at a time per output)."""
    for stale in output.resolve().parent.glob(f".{output.name}{_SPILL_MARK}*"):
        shutil.rmtree(stale, ignore_errors=True)


def left_behind(article: Article) -> Article:
    """Return the article as it is once its body is stored: read back by body_of."""
    return dataclasses.replace(article, body_html="", body_stored=True)

"""Build cache: parsed articles and rendered-page keys, so a rebuild redoes only what changed.

Five stores live in the cache folder (default `<site>/.newsgen/cache/`):
- `articles.sqlite`: one row per parsed article, keyed by a hash of the source bytes, its path,
  newsgen's code and the config parts that affect parsing; each row also lists the image files
  the parse looked up, re-checked on every build (an image's existence is part of the result),
  and holds the article's term vector apart, read by article digest only when needed.
- `pages.pickle`: for each output file, the hash of everything that produced it (templates,
  environment, exact page context) and the file's hash, size and inode in the output folder,
  so an unchanged page is hard-linked from the previous output without being rendered.
- `articles.pickle`: a snapshot of the parsed articles' metadata, column by column, which a
  new process loads in one go instead of a pickle per row; rewritten only once it lacks more
  than a few dozen of the parses a build used (those are read from the table by key).
- `related.pickle`: the related index of the last build, which the next build updates, and
  `shape.pickle`: its taxonomies, URLs and order, kept while no article's place changes.
Modification times are never trusted. A `Reuse` object keeps both in memory between builds
of one process (the preview server), on top of or instead of the folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import pickle
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .config import SiteConfig

if TYPE_CHECKING:
    from .sources import FileDigests

FORMAT = 1  # bump when the layout of the cache changes
_PARSED_DB = "articles.sqlite"
_OLD_DBS = ("parsed.sqlite",)  # earlier layouts: removed when met
_PAGES_FILE = "pages.pickle"
_RELATED_FILE = "related.pickle"
_SHAPE_FILE = "shape.pickle"
_INDEXED_FILE = "indexed.pickle"
_SNAPSHOT_FILE = "articles.pickle"
_SNAPSHOT_LAG = 64  # parses a build used that the snapshot lacks before it is written again
# config fields that only matter after parsing (everything else invalidates parsed articles)
_NOT_PARSING = {"title", "description", "language", "theme", "per_page", "permalink"}
_NOT_PARSING |= {"related_count", "feed_items", "paths"}
# nor where the site lies: a parse that holds a path (an image's) is checked again (deps_hold)
_NOT_PARSING |= {"site_dir"}
# nor the site's address, only its path (parse_digest): a build for a staging address
# (--base-url https://thu.bao.example/) takes the parses made for https://bao.example/
_NOT_PARSING |= {"base_url"}
_LOOKUPS = 2000  # more missing articles than this are read in one pass over the table
_FRONT_IMAGE = re.compile(r"^image:\s*(.+?)\s*$", re.M)

# (image source as written, content.dependency(): resolved file (site-relative) and its size,
# or None)
# (image as the source names it, where it resolved and its size, the file's SHA-256 or "")
Deps = tuple[tuple[str, str | None, str], ...]
# a new parse for the table: (image lookups, pickled Parsed without its terms and body,
# article digest, pickled terms, body HTML); the last three empty when the parse failed
Entry = tuple[Deps, bytes, str, bytes, str | None]


_CODE: list[str] = []


def code_digest() -> str:
    """Hash newsgen's version and its source code, so any code change drops every entry."""
    if not _CODE:
        digest = hashlib.sha256(f"{__version__}\0{FORMAT}\0".encode())
        here = Path(__file__).resolve().parent
        for path in sorted(here.rglob("*.py")):
            digest.update(path.relative_to(here).as_posix().encode() + b"\0")
            with contextlib.suppress(OSError):
                digest.update(path.read_bytes())
        _CODE.append(digest.hexdigest())
    return _CODE[0]


def parse_digest(config: SiteConfig) -> str:
    """Hash what a parse depends on besides the source: the code and the parsing config."""
    parts = [
        (f.name, getattr(config, f.name))
        for f in dataclasses.fields(config)
        if f.name not in _NOT_PARSING
    ]
    parts.append(("base_path", config.base_path))  # site-absolute image URLs start with it
    return hashlib.sha256(f"{code_digest()}\0{parts!r}".encode()).hexdigest()


def parse_key(digest: str, rel: str, sha256: str) -> str:
    """Return the cache key of one source: path and bytes under one parse configuration."""
    return hashlib.sha256(f"{digest}\0{rel}\0{sha256}".encode()).hexdigest()


def parse_keys(digest: str, sources: Sequence[Any], reuse: Reuse | None) -> list[str]:
    """Return each source's parse key; a long-lived process hashes only new or edited sources."""
    if reuse is None:
        return [parse_key(digest, s.rel, s.sha256) for s in sources]
    held = reuse.parse_keys[1] if reuse.parse_keys[0] == digest else {}
    known: dict[tuple[str, str], str] = {}
    for s in sources:
        pair = (s.rel, s.sha256)
        known[pair] = held.get(pair) or parse_key(digest, s.rel, s.sha256)
    reuse.parse_keys = (digest, known)
    return [known[(s.rel, s.sha256)] for s in sources]


def fingerprint(value: Any) -> bytes:
    """Return a stable digest of a value: pickled without memo, so object sharing cannot matter."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True  # no memo: equal values give equal bytes whatever their identity
    pickler.dump(value)
    return hashlib.sha256(buffer.getbuffer()).digest()


@dataclass(frozen=True)
class PageRecord:
    """What produced an output file and where its bytes are: key, hash, size and inode."""

    key: bytes
    sha256: str
    size: int
    inode: int


@dataclass
class Reuse:
    """In-memory cache kept by a long-lived process (the preview server) between builds."""

    parsed: dict[str, tuple[Deps, Any]] = field(default_factory=dict)  # key -> (deps, Parsed)
    # path -> (stat signature, read at, Source): files the preview need not read again
    sources: dict[str, Any] = field(default_factory=dict)
    # content folder -> (mtime, listing): folders the preview need not list again
    folders: dict[str, Any] = field(default_factory=dict)
    changes: Any = None  # sources.Changes: what the preview's watcher reported (None: check all)
    pages: dict[str, PageRecord] = field(default_factory=dict)
    output: str = ""
    index: Any = None  # index.Carry: what the site index keeps between builds
    unsaved: Path | None = None  # cache folder whose page records are older than `pages`
    before: Any = None  # (output, environment key, pages.Before) of the last successful build
    stored: set[str] | None = None  # keys of the cache folder's parsed table, once listed
    terms: dict[str, bytes] = field(default_factory=dict)  # article digest -> pickled terms
    index_folder: Path | None = None  # cache folder to keep `index` in when the process stops
    # (parse digest, {(path, source SHA-256): parse key}): keys not hashed again per rebuild
    parse_keys: tuple[str, dict[tuple[str, str], str]] = ("", {})
    # path -> (stat signature, SHA-256) of files beside the articles (sources.FileDigests)
    file_digests: dict[str, Any] = field(default_factory=dict)
    # set by each build's reading: True for a path the watcher did not report (None: check all)
    quiet: Any = None
    # (folder, photo, name, width) -> (photo's SHA-256, its files and records) of the last build
    photos: dict[tuple[str, str, str, int], Any] = field(default_factory=dict)  # site._copy_assets

    def flush(self) -> None:
        """Write what is kept in memory to the cache folder (when the process stops): the page
        records, and the related index and site shape, so the next start updates them."""
        if self.unsaved is not None and self.pages and self.output:
            _write_pages(self.unsaved, Path(self.output), self.pages)
        self.unsaved = None
        folder, carry = self.index_folder, self.index
        if folder is not None and carry is not None:
            if getattr(carry, "related", None) is not None:
                _write_tagged(folder / _RELATED_FILE, "index", carry.related)
            if getattr(carry, "shape", None) is not None:
                _write_tagged(folder / _SHAPE_FILE, "shape", carry.shape)
        self.index_folder = None


class BuildCache:
    """The caches one build reads and updates: a folder, a Reuse object, both, or neither."""

    def __init__(
        self, folder: Path | None, reuse: Reuse | None = None, seed: Path | None = None
    ) -> None:
        self.folder = folder
        self.reuse = reuse
        self._seed = seed  # a cache folder whose parse rows may be copied (seed_parsed)
        self._db: sqlite3.Connection | None = None
        self._terms: dict[str, bytes] = {}  # this build's new parses: digest -> pickled terms
        self._last: tuple[str, tuple[dict[str, PageRecord], Any]] | None = None  # last_build()
        self._snapshot: frozenset[str] | None = None  # the keys of the snapshot read, if any
        self._present: set[str] | None = None  # the table's keys, when listed this build
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                self._db = _open_db(folder / _PARSED_DB)
                for name in _OLD_DBS:
                    for suffix in ("", "-wal", "-shm"):
                        with contextlib.suppress(OSError):
                            (folder / f"{name}{suffix}").unlink()
            except (OSError, sqlite3.Error):  # a read-only checkout: build without the folder
                self.folder = None

    @property
    def articles_db(self) -> Path | None:
        """Return the database of parsed articles and their bodies (None: there is none)."""
        if self._db is None or self.folder is None:
            return None
        return self.folder / _PARSED_DB

    @property
    def enabled(self) -> bool:
        """Tell whether this build has anywhere to look things up."""
        return self.folder is not None or self.reuse is not None

    # -- parsed articles ---------------------------------------------------------------------

    def parsed(self, keys: list[str]) -> dict[str, tuple[Deps, Any]]:
        """Return (dependencies, Parsed or its pickle) for the keys that have an entry."""
        found: dict[str, tuple[Deps, Any]] = {}
        if self.reuse is not None:
            held = self.reuse.parsed
            found = {k: hit for k in keys if (hit := held.get(k)) is not None}
        if self._db is None or len(found) == len(keys):
            return found
        missing = [k for k in keys if k not in found]
        if self._seed is not None and self.folder is not None:
            seed_parsed(self.folder, self._seed, missing)
            self._seed = None
        if self.reuse is None:  # a new process: most of the site from the snapshot
            found.update(self._from_snapshot(missing))
            missing = [k for k in missing if k not in found]
            if not missing:
                return found
        if len(missing) > _LOOKUPS:  # most of the site: one pass over the table
            wanted = set(missing)
            rows = self._db.execute("SELECT key, deps, parsed FROM parsed")
            # unpickled row by row: holding every pickle first would double the memory
            found.update((k, (pickle.loads(d), pickle.loads(b))) for k, d, b in rows if k in wanted)
            return found
        for start in range(0, len(missing), 100):  # a few edits: look them up by key
            batch = missing[start : start + 100]
            marks = ",".join("?" * len(batch))
            query = f"SELECT key, deps, parsed FROM parsed WHERE key IN ({marks})"
            found.update((k, (pickle.loads(d), b)) for k, d, b in self._db.execute(query, batch))
        return found

    def _from_snapshot(self, keys: list[str]) -> dict[str, tuple[Deps, Any]]:
        """Return the parses of `keys` the snapshot holds (see _write_snapshot).

        Loading 10,000 articles' metadata row by row from the table took 0.17-0.25 s (a pickle
        each); the snapshot keeps them column by column and loads in 0.06 s.
        """
        from .content import make_parsed, unpack_article

        if self.folder is None or self._db is None:
            return {}
        saved = _read_tagged(self.folder / _SNAPSHOT_FILE, "snapshot")
        try:
            known, deps, problems, columns = saved
            entries = list(zip(known, deps, problems, zip(*columns, strict=True), strict=True))
        except (TypeError, ValueError):  # missing or damaged: the table has every parse
            return {}
        self._snapshot = frozenset(known)
        # a row of the table holds each article's body: a parse whose row went is parsed again
        self._present = {row[0] for row in self._db.execute("SELECT key FROM parsed")}
        wanted = self._present.intersection(keys)
        return {
            key: (dep, make_parsed(unpack_article(values), trouble))
            for key, dep, trouble, values in entries
            if key in wanted
        }

    def _write_snapshot(self, used: Mapping[str, tuple[Deps, Any]]) -> None:
        """Keep every used parse's metadata in one pickle, column by column, for the next
        process; written again only once it lacks more than _SNAPSHOT_LAG of them, so a
        rebuild after an edit or two does not rewrite 8 MB (those come from the table).

        Only articles whose body is in the table are kept (bodies are never in the snapshot).
        """
        if self.folder is None or self._db is None:
            return
        known = self._snapshot
        if known is not None and sum(1 for key in used if key not in known) <= _SNAPSHOT_LAG:
            return
        from .content import pack_article

        kept = []
        for key in sorted(used):
            deps, parsed = used[key]
            article = getattr(parsed, "article", None)
            if article is not None and article.body_stored and not article.terms:
                kept.append((key, deps, parsed.problems, pack_article(article)))
        if not kept:
            return
        keys, deps, problems, rows = zip(*kept, strict=True)
        snapshot = (keys, deps, problems, tuple(zip(*rows, strict=True)))
        _write_tagged(self.folder / _SNAPSHOT_FILE, "snapshot", snapshot)
        self._snapshot = frozenset(keys)

    def terms(self, digests: list[str]) -> dict[str, tuple[tuple[str, float], ...]]:
        """Return the term vectors of parsed articles (stored apart: most builds never read them).

        Only articles the related index has not seen with the same digest need them, so a body
        edit reads one row instead of unpickling 1.6 million terms.
        """
        found: dict[str, tuple[tuple[str, float], ...]] = {}
        held = self.reuse.terms if self.reuse is not None else {}
        for digest in digests:
            # this build's pickle is freed once unpickled (0.8 GB at 100,000 articles)
            blob = self._terms.pop(digest, None) or held.get(digest)
            if blob is not None:
                found[digest] = pickle.loads(blob)
        missing = [d for d in digests if d not in found]
        if self._db is None or not missing:
            return found
        if len(missing) > _LOOKUPS:
            wanted = set(missing)
            rows = self._db.execute("SELECT digest, terms FROM parsed WHERE digest != ''")
            found.update((d, pickle.loads(b)) for d, b in rows if d in wanted)
            return found
        for start in range(0, len(missing), 100):
            batch = missing[start : start + 100]
            marks = ",".join("?" * len(batch))
            query = f"SELECT digest, terms FROM parsed WHERE digest IN ({marks})"
            found.update((d, pickle.loads(b)) for d, b in self._db.execute(query, batch))
        return found

    def add_parsed(self, fresh: Mapping[str, Entry]) -> bool:
        """Insert new entries now (a chunk of a build), so their pickles and bodies need not be
        held; return False if they are not in the table (no folder, or the write failed)."""
        for _, _, digest, terms, _ in fresh.values():
            if digest:
                self._terms[digest] = terms
        if self._db is None:
            return False
        try:
            with self._db:
                self._insert(fresh)
        except sqlite3.Error:
            return False
        if self.reuse is not None and self.reuse.stored is not None:
            self.reuse.stored.update(fresh)
        return True

    def _insert(self, fresh: Mapping[str, Entry]) -> None:
        """Insert or replace rows (inside the caller's transaction)."""
        assert self._db is not None
        self._db.executemany(
            "INSERT OR REPLACE INTO parsed (key, deps, parsed, digest, terms, body)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(k, pickle.dumps(d), b, g, t, s) for k, (d, b, g, t, s) in sorted(fresh.items())],
        )

    def store_parsed(
        self,
        fresh: Mapping[str, Entry],
        used: Mapping[str, tuple[Deps, Any]],
    ) -> None:
        """Add new entries, keep `used` (key -> deps, Parsed) in memory, forget the rest."""
        if self.reuse is not None:
            self.reuse.parsed = used if type(used) is dict else dict(used)  # the caller's own
            if self._db is None:  # no folder: the preview keeps the terms it may need in memory
                articles = (getattr(p, "article", None) for _, p in used.values())
                digests = {a.digest for a in articles if a is not None}
                kept = {d: b for d, b in self.reuse.terms.items() if d in digests}
                kept.update((d, b) for d, b in self._terms.items() if d in digests)
                self.reuse.terms = kept
        if self._db is None:
            return
        with contextlib.suppress(sqlite3.Error):  # disk full, locked: the next build parses again
            self._write_parsed(fresh, used)
        if self.reuse is None:
            self._write_snapshot(used)

    def _write_parsed(
        self,
        fresh: Mapping[str, Entry],
        used: Mapping[str, tuple[Deps, Any]],
    ) -> None:
        """Insert new rows and delete unused ones in one transaction.

        A long-lived process remembers which keys the table holds, instead of listing them
        again on every save.
        """
        assert self._db is not None
        known = self.reuse.stored if self.reuse is not None else None
        with self._db:
            self._insert(fresh)
            if known is None and self._present is not None:  # listed by _from_snapshot
                known = self._present
                self._present = None
            if known is None:
                known = {row[0] for row in self._db.execute("SELECT key FROM parsed")}
            else:
                known.update(fresh)
            stale = sorted(known - used.keys())
            if stale:
                self._db.executemany("DELETE FROM parsed WHERE key = ?", [(k,) for k in stale])
                known.difference_update(stale)
        if self.reuse is not None:
            self.reuse.stored = known

    # -- rendered pages ----------------------------------------------------------------------

    def pages(self, output: Path) -> dict[str, PageRecord]:
        """Return the records of the previous build into `output` (empty if it went elsewhere)."""
        return self.last_build(output)[0]

    def last_build(self, output: Path) -> tuple[dict[str, PageRecord], Any]:
        """Return the records of the previous build into `output` and what it planned from
        (pages.Recorded, or None), read once per build."""
        where = str(output.resolve())
        if self.reuse is not None and self.reuse.output == where and self.reuse.pages:
            return self.reuse.pages, None
        if self.folder is None:
            return {}, None
        if self._last is None or self._last[0] != where:
            self._last = (where, _read_pages(self.folder, output))
        return self._last[1]

    def store_pages(
        self, output: Path, pages: dict[str, PageRecord], planned: object = None
    ) -> None:
        """Remember this build's pages, and what they were planned from (atomically: a killed
        build leaves the old file).

        A long-lived process keeps them in memory and writes them to the folder only for its
        first build and when it stops (`Reuse.flush`): pickling 24,000 records costs 40 ms a save.
        """
        where = str(output.resolve())
        self._last = None
        if self.reuse is not None:
            later = bool(self.reuse.pages) and self.reuse.output == where
            self.reuse.pages = pages
            self.reuse.output = where
            if later and self.folder is not None:
                self.reuse.unsaved = self.folder
                return
        if self.folder is not None:
            _write_pages(self.folder, output, pages, planned)

    # -- the related index -------------------------------------------------------------------

    def related(self) -> Any:
        """Return the related index the last build left (related.RelatedIndex), or None.

        A new process updates it instead of ranking every article again (2.5 s at 10,000);
        its lists always equal a full computation, whatever it was left with.
        """
        return _read_tagged(self.folder / _RELATED_FILE, "index") if self.folder else None

    def store_related(self, index: Any) -> None:
        """Keep the related index for the next build (atomically; a failure only costs time)."""
        if self.folder is None:
            return
        _write_tagged(self.folder / _RELATED_FILE, "index", index)

    # -- the site's shape (taxonomies, URLs, order) ------------------------------------------

    def shape(self) -> Any:
        """Return the (key, shape) pair the last build saved (index.Carry.shape), or None.

        Working out 300 tags and 10,000 URLs costs 0.6 s; a body edit changes neither.
        """
        return _read_tagged(self.folder / _SHAPE_FILE, "shape") if self.folder else None

    def store_shape(self, shape: Any) -> None:
        """Keep the site's shape for the next build (atomically; a failure only costs time)."""
        if self.folder is not None:
            _write_tagged(self.folder / _SHAPE_FILE, "shape", shape)

    # -- what Pagefind read of each page (search_input) ------------------------------------

    def indexed(self) -> dict[str, bytes]:
        """Return what the last build kept: page SHA-256 -> hash of what Pagefind reads of it."""
        saved = _read_tagged(self.folder / _INDEXED_FILE, "indexed") if self.folder else None
        return saved if isinstance(saved, dict) else {}

    def store_indexed(self, digests: dict[str, bytes]) -> None:
        """Keep those hashes for the next build (atomically; a failure only costs time)."""
        if self.folder is not None:
            _write_tagged(self.folder / _INDEXED_FILE, "indexed", digests)

    def close(self) -> None:
        """Close the database."""
        if self._db is not None:
            self._db.close()
            self._db = None


def _manifest_hash(output: Path) -> str:
    """Hash the output's manifest: page records are valid only for the output they describe."""
    try:
        return hashlib.sha256((output / "manifest.json").read_bytes()).hexdigest()
    except OSError:
        return ""


def _read_pages(folder: Path, output: Path) -> tuple[dict[str, PageRecord], Any]:
    """Load the page records of `output` and what they were planned from ({} if not its own)."""
    saved = _read_pickle(folder / _PAGES_FILE)
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        return {}, None
    manifest = _manifest_hash(output)
    if not manifest or saved.get("manifest") != manifest:
        return {}, None  # records of another output, or of another state of this one
    # The same manifest in another folder (the site moved, or a CI runner checked it out
    # elsewhere): the same bytes, which Staging.keep recognises by their hash.
    pages = saved.get("pages")
    return (pages, saved.get("planned")) if isinstance(pages, dict) else ({}, None)


def _write_pages(
    folder: Path, output: Path, pages: dict[str, PageRecord], planned: object = None
) -> None:
    """Write the page records of `output` into the cache folder, atomically."""
    where = str(output.resolve())
    saved = {
        "format": FORMAT,
        "output": where,
        "manifest": _manifest_hash(output),
        "pages": pages,
        "planned": planned,
    }
    _write_atomically(folder / _PAGES_FILE, saved)


# the cache's pickles every rebuild in a new process loads, which take about as long as reading
# the sources. Not the related index: its loading (0.2-0.3 s) would often outlast the reading,
# and a build with nothing to do would wait for it.
PRELOADABLE = (_PAGES_FILE, _SNAPSHOT_FILE, _SHAPE_FILE)
# loaded ahead by `preload`: path -> (the file's signature when loaded, value), each taken once
_PRELOADED: dict[str, tuple[tuple[int, ...] | None, Any]] = {}


def preload(folder: Path, name: str) -> None:
    """Load one of the cache's pickles before the stage that needs it, while a forked child
    reads the sources (`shortcut.read`); the stage takes it if the file is still the one loaded."""
    path = folder / name
    signature = _file_signature(path)
    if signature is not None:
        _PRELOADED[str(path)] = (signature, _load_pickle(path))


def _file_signature(path: Path) -> tuple[int, ...] | None:
    """What tells one version of a cache file from another within a process (each is replaced,
    never written in place: a new inode), or None if it is missing."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _read_pickle(path: Path) -> Any:
    """Load a pickle the cache wrote; None if it is missing or damaged (a rebuild only costs time)."""
    ahead = _PRELOADED.pop(str(path), None)
    if ahead is not None and ahead[0] == _file_signature(path):
        return ahead[1]
    return _load_pickle(path)


def _load_pickle(path: Path) -> Any:
    """Unpickle a file; None if it is missing or damaged."""
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None


def _read_tagged(path: Path, name: str) -> Any:
    """Load a value _write_tagged saved; None if missing, damaged or written by other code."""
    saved = _read_pickle(path)
    if not isinstance(saved, dict) or saved.get("code") != code_digest():
        return None
    return saved.get(name)


def _write_tagged(path: Path, name: str, value: object) -> None:
    """Save a value tagged with newsgen's code digest (atomically; a failure only costs time)."""
    _write_atomically(path, {"code": code_digest(), name: value})


def _write_atomically(path: Path, value: object) -> None:
    """Pickle a value into `path` through a temporary file: a killed build leaves the old one."""
    try:
        data = pickle.dumps(value, protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):  # an unpicklable config value
        return
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        temp.write_bytes(data)
        os.replace(temp, path)


def seed_parsed(folder: Path, source: Path, keys: Sequence[str]) -> int:
    """Copy into `folder`'s parse table the rows of `keys` it lacks from `source`'s table.

    The preview keeps its own cache; on its first start after a `newsgen build` it would parse
    every article again (most of a 30 s start at 10,000 articles). A row's key holds all its
    parse depends on (code, parsing configuration, path and bytes of the source), so a copied
    row serves only the parse this build would have made; only the keys it asks for are
    copied, so a restart (its own table full) or a build for another base path (other keys)
    copies nothing. Returns how many rows were copied (0 when `source` has no table, one of
    another layout, or cannot be read: nothing is lost but time).
    """
    mine, theirs = folder / _PARSED_DB, source / _PARSED_DB
    try:
        if not keys or not theirs.is_file() or not mine.is_file() or mine.samefile(theirs):
            return 0
        db = sqlite3.connect(mine.resolve().as_uri(), uri=True, isolation_level=None)
    except (OSError, sqlite3.Error):
        return 0
    try:
        # read-only: a build writing its own cache meanwhile is never disturbed
        db.execute("ATTACH DATABASE ? AS seed", (f"{theirs.resolve().as_uri()}?mode=ro",))
        db.execute("CREATE TEMP TABLE wanted (key TEXT PRIMARY KEY)")
        db.executemany("INSERT OR IGNORE INTO temp.wanted VALUES (?)", [(k,) for k in keys])
        columns = "key, deps, parsed, digest, terms, body"  # a table of another layout fails
        copied = db.execute(
            f"INSERT INTO main.parsed ({columns}) SELECT {columns} FROM seed.parsed"
            " WHERE key IN (SELECT key FROM temp.wanted)"
            " AND key NOT IN (SELECT key FROM main.parsed)"
        ).rowcount
        return max(copied, 0)
    except sqlite3.Error:
        return 0
    finally:
        db.close()


def _open_db(path: Path) -> sqlite3.Connection:
    """Open (or create) the parsed-article store; a damaged file is thrown away and recreated."""
    for attempt in range(2):
        try:
            db = sqlite3.connect(path, isolation_level="DEFERRED")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            columns = [row[1] for row in db.execute("PRAGMA table_info(parsed)")]
            if columns and columns[-1] != "body":  # an earlier layout: its rows are stale anyway
                db.execute("DROP TABLE parsed")
            # the body last: a scan of the other columns never reads its overflow pages
            db.execute(
                "CREATE TABLE IF NOT EXISTS parsed (key TEXT PRIMARY KEY, deps BLOB,"
                " parsed BLOB, digest TEXT, terms BLOB, body TEXT)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS parsed_digest ON parsed (digest)")
            return db
        except sqlite3.DatabaseError:
            if attempt:
                raise
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(f"{path}{suffix}").unlink()
    raise AssertionError("unreachable")


# -- image dependencies of a parse --------------------------------------------------------------


def image_refs(text: str) -> list[str]:
    """List every image a source may name (body images and a front matter `image:`), generously."""
    from . import markup

    refs = markup.image_sources(text)
    for match in _FRONT_IMAGE.finditer(text):
        refs.append(match.group(1).strip("'\""))
    return list(dict.fromkeys(refs))


def image_deps(
    source: Any, config: SiteConfig, text: str, digests: Callable[[str], str] | None = None
) -> Deps:
    """Resolve each local image a source names: the parse result depends on which exist.

    With `digests`, each file's SHA-256 is kept too, so that later builds can tell it is the
    same file without reading its header again.
    """
    from . import content, markup, vietnamese

    deps = []
    for src in image_refs(vietnamese.normalize(text)):
        if markup._is_local(src):
            path = content._resolve_local(source, config, src)
            hashed = digests(str(path)) if digests is not None and path is not None else ""
            deps.append((src, content.dependency(path, config), hashed))
    return tuple(deps)


def deps_hold(
    source: Any, config: SiteConfig, deps: Deps, digests: FileDigests | None = None
) -> bool:
    """Tell whether every image a cached parse looked up still resolves the same way.

    A file that resolves to the same path with the same SHA-256 has the same size: its header
    is not read again (10,000 photos: 1.5 s a build). A file reached without a link, which the
    first stage hashed at that very path (or, in the preview, which the watcher did not report,
    nor a folder above it), is not even looked up again.
    """
    from . import content

    for src, resolved, hashed in deps:
        where = resolved.partition("\0")[0] if resolved is not None and hashed else None
        if where is not None:
            where = content.site_file(config, where)
        if where is not None and digests is not None:
            if digests.vouches(where, hashed) and content.lexical_file(source, config, src) == where:
                continue  # not even looked up
            path = content.local_file(source, config, src)
            if path == where and digests(path) == hashed:
                continue  # the same file, the same bytes: the same size
        else:
            path = content.local_file(source, config, src)
        if content.dependency(Path(path) if path is not None else None, config) != resolved:
            return False
    return True

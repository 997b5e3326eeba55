"""Preview server: serves a private build of the site, live-reloads it, and never leaves its folder."""

from __future__ import annotations

import dataclasses
import gc
import html
import ipaddress
import json
import os
import re
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .errors import BuildFailed, NewsgenError, Problem
from .preview_search import Refresher
from .search import OUTPUT_DIR as SEARCH_DIR
from .search import SHARDS_FILE
from .sources import Changes, missed
from .watch import QUIET_PERIOD, Debouncer, Watcher

PREFIX = "/__newsgen/"
LONG_POLL = 20.0  # seconds a reload request waits before answering "nothing new"
_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
}
LIVERELOAD_JS = """\
(function () {
  var me = document.currentScript;
  var version = me ? me.getAttribute("data-version") : "";
  function wait() {
    fetch("/__newsgen/wait?v=" + encodeURIComponent(version), {cache: "no-store"})
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (state) {
        if (String(state.version) !== version) { location.reload(); } else { wait(); }
      })
      .catch(function () { setTimeout(wait, 1000); });
  }
  wait();
})();
"""
_OVERLAY_STYLE = (
    "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,0,0,.92);"
    "color:#fff;font:15px/1.5 system-ui,sans-serif;padding:2em"
)
_SHARDS_URL = f"/{SEARCH_DIR}/{SHARDS_FILE}"  # what the search page asks first
_RETRY = {"Retry-After": "3"}
_BARE_404 = b"<!doctype html><html lang='vi'><meta charset='utf-8'><title>404</title><body><h1>Kh\xc3\xb4ng t\xc3\xacm th\xe1\xba\xa5y trang</h1></body></html>\n"


# -- build state --------------------------------------------------------------------------------


@dataclass
class State:
    """What the browser needs to know: which build it shows and what went wrong since."""

    version: int = 0
    ok: bool = False
    problems: tuple[Problem, ...] = ()
    builds: int = 0
    summary: str = ""


class Preview:
    """Owns the preview's builds: one at a time, the last good output kept, every outcome counted."""

    def __init__(
        self, builder: Callable[[], str], output: Path, beside: dict[str, Path] | None = None
    ) -> None:
        self.builder = builder
        self.output = output
        self.beside = beside or {}  # URL prefix -> folder served from outside the output
        self.state = State()
        self.building = False
        self.closed = False
        self.on_build: list[Callable[[State], None]] = []  # hooks for the CLI and tests
        # True while the search index is being made and none is served yet
        self.indexing: Callable[[], bool] = lambda: False
        self._cond = threading.Condition()
        self._build_lock = threading.Lock()

    def rebuild(self) -> State:
        """Build once; on failure keep the last good output and record every problem."""
        with self._build_lock:
            with self._cond:
                self.building = True
            problems, summary = self._run_builder()
            state = self._report(problems, summary)
        for hook in list(self.on_build):
            hook(state)
        return state

    def prepare(self) -> None:
        """Build again what the last build built, without holding requests back.

        The spare output the first save updates in place is the one the first build retired:
        missing on a first run, or a whole site behind after a code or template change. This
        build (the same pages, swapped in whole) brings it up to date while the first pages are
        served, so the first save does not relink 14,000 files; a save meanwhile waits for it.
        It is reported only if it wrote pages (a file saved before the watcher ran) or failed:
        open pages then reload, or show why.
        """
        with self._build_lock:
            problems, summary = self._run_builder()
            if not problems and not getattr(self.builder, "wrote", 0):
                return
            state = self._report(problems, summary)
        for hook in list(self.on_build):
            hook(state)

    def _run_builder(self) -> tuple[tuple[Problem, ...], str]:
        """Run the builder once: its summary, or every problem it found."""
        try:
            return (), self.builder()
        except BuildFailed as failed:
            return tuple(failed.problems) or (Problem("", 0, "", str(failed)),), ""
        except NewsgenError as exc:
            return (exc.at(""),), ""
        except Exception as exc:  # a bug must not kill the preview: show it instead
            traceback.print_exc()
            return (Problem("newsgen", 0, "", f"internal error: {exc!r}"),), ""

    def _report(self, problems: tuple[Problem, ...], summary: str) -> State:
        """Record a build's outcome and wake the requests waiting for it."""
        with self._cond:
            self._record(problems, summary)
            self.building = False
            self._cond.notify_all()
            return dataclasses.replace(self.state)

    def _record(self, problems: tuple[Problem, ...], summary: str) -> None:
        """Bump the version when the browser has something new to show."""
        old = self.state
        ok = not any(not p.warning for p in problems)
        changed = ok or old.ok or problems != old.problems
        self.state = State(
            version=old.version + (1 if changed else 0),
            ok=ok,
            problems=problems,
            builds=old.builds + 1,
            summary=summary,
        )

    def root_for(self, path: str) -> Path:
        """Return the folder a URL path is served from: the output, or one kept beside it."""
        for prefix, folder in self.beside.items():
            if path.startswith(prefix):
                return folder
        return self.output

    def snapshot(self, wait_build: bool = True) -> State:
        """Return the current state, waiting for a running build so no half-built site is seen."""
        with self._cond:
            while wait_build and self.building and not self.closed:
                self._cond.wait()
            return dataclasses.replace(self.state)

    def wait_version(self, seen: int, timeout: float) -> State:
        """Long-poll: return once the version differs from `seen`, or after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.state.version == seen and not self.closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return dataclasses.replace(self.state)

    def close(self) -> None:
        """Release every waiting request."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()


# -- paths --------------------------------------------------------------------------------------


class BadRequest(Exception):
    """The request target cannot be decoded: answer 400."""


def decode_target(target: str) -> tuple[str, str]:
    """Split a request target into its decoded path and raw query; raise BadRequest if malformed."""
    path, _, query = target.partition("?")
    path = path.partition("#")[0]
    if not path.startswith("/"):
        raise BadRequest("the path must start with /")
    try:
        raw = path.encode("latin-1")
    except UnicodeEncodeError:
        raise BadRequest("bad characters in the path") from None
    if _BAD_PERCENT.search(raw):
        raise BadRequest("bad percent-encoding")
    try:
        text = urllib.parse.unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the path is not UTF-8") from None
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise BadRequest("control characters in the path")
    return text, query


@dataclass(frozen=True)
class Resolved:
    """Where a URL path leads inside the output folder."""

    file: Path | None = None
    redirect: str | None = None


def resolve(root: Path, path: str, query: str = "") -> Resolved:
    """Map a decoded URL path to a file strictly inside `root` (symlinks resolved), else nothing."""
    parts = path.split("/")
    if "\\" in path or any(p in (".", "..") for p in parts):
        return Resolved()
    words = [p for p in parts if p]
    base = os.path.realpath(root)
    real = os.path.realpath(os.path.join(base, *words))
    if not _inside(real, base):
        return Resolved()
    if os.path.isdir(real):
        if not path.endswith("/"):
            location = "/" + "".join(urllib.parse.quote(w) + "/" for w in words)
            return Resolved(redirect=location + ("?" + query if query else ""))
        real = os.path.realpath(os.path.join(real, "index.html"))
        if not _inside(real, base):
            return Resolved()
    return Resolved(file=Path(real)) if os.path.isfile(real) else Resolved()


def _inside(path: str, base: str) -> bool:
    """Return True when `path` is `base` or below it (a sibling sharing the prefix is outside)."""
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


def content_type(path: Path) -> str:
    """Return the Content-Type of an output file (UTF-8 for every text type)."""
    return _CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


# -- hosts and origins ---------------------------------------------------------------------------


def split_host(value: str) -> str:
    """Return the host name of a Host header or an origin's authority, without port or brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else ""
    host, _, port = value.rpartition(":")
    return host if host and port.isdigit() else value


def host_allowed(header: str | None, bound: str) -> bool:
    """Accept only local names and IP literals, so a rebinding DNS name cannot reach the preview."""
    if header is None:
        return True
    host = split_host(header)
    if host in ("localhost", bound.lower()) or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def origin_allowed(origin: str | None, host_header: str | None) -> bool:
    """Accept a missing Origin or one naming this very server; refuse every other site."""
    if origin is None:
        return True
    parsed = urllib.parse.urlsplit(origin)
    return (
        parsed.scheme == "http"
        and bool(host_header)
        and parsed.netloc.lower() == (host_header or "").strip().lower()
    )


def is_loopback(host: str) -> bool:
    """Return True when binding `host` keeps the preview on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- HTML injection ------------------------------------------------------------------------------


def overlay_html(problems: tuple[Problem, ...]) -> str:
    """Return the error overlay listing every problem, HTML-escaped (it quotes article text)."""
    items = "".join(f"<li><code>{html.escape(p.format())}</code></li>" for p in problems)
    return (
        f'<div id="newsgen-overlay" role="alert" style="{_OVERLAY_STYLE}">'
        "<h2>newsgen: bản dựng mới bị lỗi, đang hiển thị bản cũ</h2>"
        f"<ul>{items}</ul><p>Sửa lỗi và lưu lại; trang sẽ tự tải lại.</p></div>"
    )


def inject(page: bytes, state: State) -> bytes:
    """Add the live-reload script (and the overlay after a failed build) before </body>."""
    parts = []
    if not state.ok and state.problems:
        parts.append(overlay_html(state.problems))
    parts.append(f'<script src="{PREFIX}livereload.js" data-version="{state.version}"></script>')
    snippet = "\n".join(parts).encode("utf-8")
    at = page.lower().rfind(b"</body>")
    if at < 0:
        return page + snippet
    return page[:at] + snippet + b"\n" + page[at:]


# -- HTTP ---------------------------------------------------------------------------------------


class PreviewServer(ThreadingHTTPServer):
    """A threaded HTTP server bound to one Preview."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], preview: Preview, long_poll: float = LONG_POLL):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.preview = preview
        self.long_poll = long_poll
        self.bound_host = address[0]
        super().__init__(address, PreviewHandler)

    @property
    def port(self) -> int:
        """Return the port actually bound (useful with port 0)."""
        return int(self.server_address[1])


class PreviewHandler(BaseHTTPRequestHandler):
    """Serve GET/HEAD from the output folder; everything else is refused."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "newsgen-preview"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Stay quiet: the terminal is for build results."""

    def do_GET(self) -> None:
        """Answer a GET."""
        self._answer(head=False)

    def do_HEAD(self) -> None:
        """Answer a HEAD like a GET, without the body."""
        self._answer(head=True)

    def _refuse(self) -> None:
        """Any other method: 405, connection closed."""
        self.close_connection = True
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            b"method not allowed\n",
            "text/plain",
            {"Allow": "GET, HEAD"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse

    def _answer(self, head: bool) -> None:
        """Route one request; never let an error escape into the server."""
        self._head = head
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            traceback.print_exc()
            self.close_connection = True
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, b"internal error\n", "text/plain")

    def _route(self) -> None:
        """Check the Host, decode the path, then serve a reload endpoint or a file."""
        host = self.headers.get("Host")
        if not host_allowed(host, self.server.bound_host):
            self._send(HTTPStatus.FORBIDDEN, b"this Host is not allowed\n", "text/plain")
            return
        try:
            path, query = decode_target(self.path)
        except BadRequest as exc:
            self.close_connection = True
            self._send(HTTPStatus.BAD_REQUEST, f"bad request: {exc}\n".encode(), "text/plain")
            return
        if path.startswith(PREFIX):
            self._internal(path[len(PREFIX) :], query, host)
            return
        self._file(path, query)

    def _internal(self, name: str, query: str, host: str | None) -> None:
        """Serve the reload script, the long-poll channel and the status, same-origin only."""
        if not origin_allowed(self.headers.get("Origin"), host):
            self._send(HTTPStatus.FORBIDDEN, b"foreign origin\n", "text/plain")
            return
        preview = self.server.preview
        if name == "livereload.js":
            self._send(HTTPStatus.OK, LIVERELOAD_JS.encode(), _CONTENT_TYPES[".js"])
        elif name in ("wait", "status"):
            if name == "wait":
                seen = urllib.parse.parse_qs(query).get("v", ["-1"])[0]
                seen_version = int(seen) if seen.lstrip("-").isdigit() else -1
                state = preview.wait_version(seen_version, self.server.long_poll)
            else:
                state = preview.snapshot()
            body = {
                "version": state.version,
                "ok": state.ok,
                "builds": state.builds,
                "problems": [p.format() for p in state.problems],
            }
            data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode() + b"\n"
            self._send(HTTPStatus.OK, data, _CONTENT_TYPES[".json"])
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    def _file(self, path: str, query: str) -> None:
        """Serve a file of the last good build, waiting for a running build first."""
        preview = self.server.preview
        state = preview.snapshot()
        found = resolve(preview.root_for(path), path, query)
        if found.file is None and not found.redirect and _between_renames(preview.output):
            found = resolve(preview.root_for(path), path, query)
        if found.redirect:
            self._send(
                HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", {"Location": found.redirect}
            )
            return
        status = HTTPStatus.OK
        file = found.file
        if file is None and path == _SHARDS_URL and preview.indexing():
            # no index yet, one on its way: the search page says so and asks again
            body = b'{"indexing": true}\n'
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, body, _CONTENT_TYPES[".json"], _RETRY)
            return
        if file is None:
            status = HTTPStatus.NOT_FOUND
            file = resolve(preview.output, "/404.html").file
        try:
            data = file.read_bytes() if file is not None else _BARE_404
        except OSError:
            status, data, file = HTTPStatus.NOT_FOUND, _BARE_404, None
        kind = content_type(file) if file is not None else _CONTENT_TYPES[".html"]
        if kind.startswith("text/html"):
            data = inject(data, state)
        self._send(status, data, kind)

    def _send(
        self, status: HTTPStatus, body: bytes, kind: str, extra: dict[str, str] | None = None
    ) -> None:
        """Write a complete response with a length; nothing is cached by the browser."""
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not getattr(self, "_head", False):
            self.wfile.write(body)


# -- putting it together ---------------------------------------------------------------------------


@dataclass
class ServeOptions:
    """What `newsgen serve` was asked for."""

    site: Path
    host: str = "127.0.0.1"
    port: int = 8000
    drafts: bool = True
    poll: bool = False
    jobs: int = 1
    now: str | None = None
    quiet: float = QUIET_PERIOD
    long_poll: float = LONG_POLL
    output: Path | None = None
    log: Callable[[str], None] = field(default=lambda line: print(line, flush=True))


def preview_dir(site: Path) -> Path:
    """Return the private folder the preview builds into (never public/)."""
    return site.resolve() / ".newsgen" / "serve"


def search_dir(site: Path) -> Path:
    """Return the folder holding the preview's search index, served at /pagefind/."""
    return preview_dir(site) / "search"


def public_url(host: str, port: int) -> str:
    """Return the address to print and to use as base_url for the preview build."""
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def make_builder(options: ServeOptions, output: Path, base_url: str) -> Callable[[], str]:
    """Return a function that builds the site once through the same path CI uses."""
    from .cache import Reuse
    from .config import load_config
    from .request import BuildRequest, build_time
    from .site import build

    reuse = Reuse()  # parsed articles and page records kept in memory between rebuilds
    reuse.changes = Changes()  # what the watcher reports, once armed: files not to check
    first = [True]
    # indexes for search in the background what each build changed, everything after the first
    # (the server answers meanwhile); started after that build, so that it forks no thread
    refresher: list[Refresher] = []

    def run() -> str:
        config = load_config(options.site, {"base_url": base_url})
        # The first build runs before any thread starts, so forking workers is safe then.
        jobs = 0 if first[0] and options.jobs == 1 else options.jobs
        request = BuildRequest(
            config=config,
            output=output,
            now=build_time(options.now),
            drafts=options.drafts,
            future=options.drafts,
            jobs=jobs,
            cache_dir=preview_dir(options.site) / "cache",
            images_dir=options.site.resolve() / ".newsgen" / "cache" / "images",  # `build`'s
            search_dir=search_dir(options.site),  # served beside the output, never carried
            reuse=reuse,
            search=False,  # Pagefind takes seconds (30 s at 10,000 articles): in the background
            # after `newsgen build`, what it parsed is not parsed again (cache.seed_parsed)
            parses_from=options.site.resolve() / ".newsgen" / "cache" if first[0] else None,
        )
        first[0] = False
        started = time.perf_counter()
        with refresher[0].lock if refresher else nullcontext():
            result = build(request)
        seconds = time.perf_counter() - started
        if result.search_plan is not None:
            if not refresher:
                cores = options.jobs if options.jobs > 1 else os.cpu_count() or 1
                refresher.append(
                    Refresher(output, search_dir(options.site), options.log, jobs=cores)
                )
            refresher[0].submit(result.search_plan)
        run.wrote = result.written  # type: ignore[attr-defined]  # for Preview.prepare
        return (
            f"built {result.articles} articles: {result.written} files written, "
            f"{result.unchanged} unchanged, {seconds:.2f} s"
        )

    run.flush = reuse.flush  # type: ignore[attr-defined]  # called when the preview stops
    run.reuse = reuse  # type: ignore[attr-defined]  # for the watcher's reports and the check
    run.refresher = refresher  # type: ignore[attr-defined]  # for tests: idle, refreshed
    return run


def _between_renames(output: Path, patience: float = 1.0) -> bool:
    """Wait while the output folder is missing; tell whether it was (then look again).

    Where two folders cannot be exchanged in one step (no Linux renameat2), a swap is two
    renames with no output between them. The builds after a save hold requests back until they
    end; the start-up's second build (Preview.prepare) does not, so a request can fall there.
    """
    if output.is_dir():
        return False
    deadline = time.monotonic() + patience
    while not output.is_dir() and time.monotonic() < deadline:
        time.sleep(0.005)
    return True


def theme_folders(site: Path) -> list[Path]:
    """Return the theme folder to watch (it may live outside the site)."""
    from .config import load_config, theme_dir

    try:
        return [theme_dir(load_config(site))]
    except (BuildFailed, NewsgenError):
        return []


@dataclass
class Running:
    """A started preview: its server, build state and watcher, for the CLI and the tests."""

    server: PreviewServer
    preview: Preview
    watcher: Watcher
    debouncer: Debouncer
    url: str
    thread: threading.Thread
    preparing: threading.Thread | None = None  # the start-up's second build (Preview.prepare)

    def close(self) -> None:
        """Stop watching, stop serving, release waiting requests, save the page records."""
        if self.preparing is not None:
            self.preparing.join()  # its records are saved below
        self.watcher.stop()
        self.debouncer.close()
        flush = getattr(self.preview.builder, "flush", None)
        if flush is not None:
            flush()
        for refresher in getattr(self.preview.builder, "refresher", []):
            refresher.close()
        self.preview.close()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        gc.unfreeze()  # what start() set aside may be collected again


def start(options: ServeOptions) -> Running:
    """Bind, build once, then serve and watch in background threads."""
    site = options.site.resolve()
    output = options.output or preview_dir(site) / "public"
    preview = Preview(lambda: "", output, {f"/{SEARCH_DIR}/": search_dir(site)})
    server = PreviewServer((options.host, options.port), preview, options.long_poll)
    url = public_url(options.host, server.port)
    preview.builder = make_builder(dataclasses.replace(options, site=site), output, url)
    refreshers: list[Refresher] = getattr(preview.builder, "refresher", [])
    preview.indexing = lambda: bool(refreshers) and not refreshers[0].idle
    preview.on_build.append(lambda state: _report(state, options.log))
    preview.rebuild()
    # What the first build keeps (the parsed site, its index) lives as long as the preview:
    # collected once here and then left out of the collections between saves (0.3 s each).
    gc.collect()
    gc.freeze()
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="newsgen-http", daemon=True
    )
    thread.start()
    preparing = None
    if preview.state.ok:  # the spare output, brought up to date while pages are served
        preparing = threading.Thread(target=preview.prepare, name="newsgen-prepare", daemon=True)
        preparing.start()
    watcher: Watcher

    def rebuild() -> None:
        preview.rebuild()
        watcher.refresh(theme_folders(site))

    # builds run with the cyclic garbage collector off; it catches up once the server has been
    # idle for a while after a build, so its pause never lands between a save and its page
    reuse = getattr(preview.builder, "reuse", None)
    changes = reuse.changes if reuse is not None else None

    def idle() -> None:
        _collect_garbage()
        # None: a save is waiting, so its build comes first and this check runs after it
        if changes is not None and reuse is not None and missed(reuse, lambda: debouncer.waiting):
            changes.distrust()  # an event was lost: check every file, and rebuild now
            debouncer.poke()

    debouncer = Debouncer(rebuild, options.quiet, on_idle=idle)
    watcher = Watcher(
        site,
        debouncer.poke,
        poll=options.poll,
        on_settled=debouncer.settle,
        on_paths=changes.note if changes is not None else None,
        on_blind=changes.disarm if changes is not None else None,
    )
    watcher.start(theme_folders(site))
    if changes is not None and not watcher.polling:
        # inotify reports every change from now on (a build still checks everything first);
        # polling already stats every file twice a second, and reports late
        changes.arm()
    return Running(server, preview, watcher, debouncer, url, thread, preparing)


def _collect_garbage() -> None:
    """Free the reference cycles builds left behind (builds run with the collector off)."""
    gc.collect()


def _report(state: State, log: Callable[[str], None]) -> None:
    """Print the outcome of a build: the summary, or every problem."""
    if state.ok:
        log(state.summary)
        return
    for problem in state.problems:
        log(problem.format())
    log(f"{sum(not p.warning for p in state.problems)} errors; still serving the last good build")


@contextmanager
def running(options: ServeOptions) -> Iterator[Running]:
    """Start a preview for the length of a with-block."""
    live = start(options)
    try:
        yield live
    finally:
        live.close()


def host_warning(host: str) -> str | None:
    """Return the warning printed when the preview is reachable from other machines."""
    if is_loopback(host):
        return None
    return (
        f"warning: --host {host} lets other machines on the network read this preview, "
        "drafts included"
    )


def serve(options: ServeOptions) -> int:
    """Run the preview until Ctrl+C."""
    warning = host_warning(options.host)
    if warning:
        print(warning, file=sys.stderr)
    live = start(options)
    try:
        options.log(f"serving {options.site} at {live.url} (Ctrl+C to stop)")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        options.log("stopped")
    finally:
        with suppress(KeyboardInterrupt):  # a second Ctrl+C while closing: just go
            live.close()
    return 0

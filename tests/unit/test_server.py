"""Preview server pieces: path decoding and resolution, Host/Origin rules, injection, debouncing."""

from __future__ import annotations

import errno
import threading
from pathlib import Path

import pytest
from watchdog import events

from newsgen.errors import BuildFailed, Problem
from newsgen.server import (
    BadRequest,
    Preview,
    State,
    content_type,
    decode_target,
    host_allowed,
    host_warning,
    inject,
    origin_allowed,
    resolve,
)
from newsgen.watch import Debouncer, Watcher, is_ignored


@pytest.mark.parametrize(
    ("target", "path", "query"),
    [
        ("/thoi-su/bao-so-3/", "/thoi-su/bao-so-3/", ""),
        ("/tag/th%E1%BB%9Di-ti%E1%BA%BFt/?p=2", "/tag/thời-tiết/", "p=2"),
        ("/a%2e%2e/", "/a../", ""),
        ("/%2e%2e%2fetc", "/../etc", ""),
    ],
)
def test_decode_target(target: str, path: str, query: str) -> None:
    assert decode_target(target) == (path, query)


@pytest.mark.parametrize(
    "target", ["/%00", "/%zz", "/%e2%82", "/%c0%ae", "/a%", "/%0d%0a", "*", "x"]
)
def test_decode_target_refuses_malformed_paths(target: str) -> None:
    with pytest.raises(BadRequest):
        decode_target(target)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """An output folder with a page, plus a sibling sharing its name's prefix."""
    out = tmp_path / "public"
    (out / "thoi-su/bao").mkdir(parents=True)
    (out / "thoi-su/bao/index.html").write_text("<p>bài</p>")
    (tmp_path / "public-secret").mkdir()
    (tmp_path / "public-secret/x.txt").write_text("secret")
    (out / "escape").symlink_to(tmp_path / "public-secret", target_is_directory=True)
    return out


def test_resolve_serves_index_of_a_folder_and_redirects_without_slash(root: Path) -> None:
    assert resolve(root, "/thoi-su/bao/").file == (root / "thoi-su/bao/index.html").resolve()
    assert resolve(root, "/thoi-su/bao", "x=1").redirect == "/thoi-su/bao/?x=1"
    assert resolve(root, "/khong-co/").file is None


@pytest.mark.parametrize(
    "path",
    ["/../public-secret/x.txt", "/..\\public-secret\\x.txt", "/escape/x.txt", "/./thoi-su/bao/"],
)
def test_resolve_never_leaves_the_root(root: Path, path: str) -> None:
    found = resolve(root, path)
    assert found.file is None and found.redirect is None


def test_resolve_redirect_cannot_point_to_another_host(root: Path) -> None:
    (root / "evil.example").mkdir()
    assert resolve(root, "//evil.example").redirect == "/evil.example/"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.html", "text/html; charset=utf-8"),
        ("rss.xml", "application/xml; charset=utf-8"),
        ("x.json", "application/json; charset=utf-8"),
        ("a.JPG", "image/jpeg"),
        ("unknown.bin", "application/octet-stream"),
    ],
)
def test_content_type(name: str, kind: str) -> None:
    assert content_type(Path(name)) == kind


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("localhost:8000", True),
        ("127.0.0.1:8000", True),
        ("[::1]:8000", True),
        ("192.168.1.5:8000", True),
        ("evil.example", False),
        ("localhost.evil.example:8000", False),
        ("", False),
        (None, True),
    ],
)
def test_host_allowed(host: str | None, ok: bool) -> None:
    assert host_allowed(host, "127.0.0.1") is ok


def test_origin_allowed_only_for_this_server() -> None:
    assert origin_allowed(None, "127.0.0.1:8000")
    assert origin_allowed("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert not origin_allowed("http://evil.example", "127.0.0.1:8000")
    assert not origin_allowed("null", "127.0.0.1:8000")
    assert not origin_allowed("http://127.0.0.1:9999", "127.0.0.1:8000")


def test_host_warning_only_off_loopback() -> None:
    assert host_warning("127.0.0.1") is None
    assert host_warning("localhost") is None
    warning = host_warning("0.0.0.0")
    assert warning is not None and "0.0.0.0" in warning


def test_inject_adds_script_and_escaped_overlay_before_body_end() -> None:
    problem = Problem("content/a.md", 3, "title", "bad <script>alert(1)</script> & co")
    page = b"<html><body><p>x</p></BODY></html>"
    out = inject(page, State(version=7, ok=False, problems=(problem,)))
    text = out.decode()
    assert text.endswith("</BODY></html>")
    assert 'data-version="7"' in text
    assert "content/a.md:3: title: bad &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text
    assert "<script>alert(1)" not in text
    clean = inject(page, State(version=8, ok=True)).decode()
    assert "newsgen-overlay" not in clean and 'data-version="8"' in clean


def test_preview_keeps_serving_after_a_failure_and_bumps_version_only_on_news(
    tmp_path: Path,
) -> None:
    outcomes: list[Exception | None] = [None, BuildFailed([Problem("a.md", 1, "", "x")])]
    outcomes += [BuildFailed([Problem("a.md", 1, "", "x")]), None]

    def builder() -> str:
        outcome = outcomes.pop(0)
        if outcome:
            raise outcome
        return "ok"

    preview = Preview(builder, tmp_path)
    versions = [(s.version, s.ok) for s in (preview.rebuild() for _ in range(4))]
    assert versions == [(1, True), (2, False), (2, False), (3, True)]
    assert preview.state.builds == 4


def test_requests_wait_for_a_running_build(tmp_path: Path) -> None:
    started, release = threading.Event(), threading.Event()

    def builder() -> str:
        started.set()
        release.wait(10)
        return "ok"

    preview = Preview(builder, tmp_path)
    worker = threading.Thread(target=preview.rebuild)
    worker.start()
    started.wait(10)
    seen: list[State] = []
    reader = threading.Thread(target=lambda: seen.append(preview.snapshot()))
    reader.start()
    reader.join(0.3)
    assert seen == []  # still waiting: the build is not finished
    release.set()
    reader.join(10)
    worker.join(10)
    assert seen[0].ok and seen[0].builds == 1


def test_debouncer_runs_once_per_burst_and_once_more_for_a_change_mid_build() -> None:
    runs: list[int] = []
    active = []
    first_started, release = threading.Event(), threading.Event()

    def action() -> None:
        active.append(1)
        assert len(active) == 1  # never two at once
        runs.append(len(runs))
        if len(runs) == 1:
            first_started.set()
            release.wait(10)
        active.pop()

    debouncer = Debouncer(action, quiet=0.05)
    for _ in range(300):
        debouncer.poke()
    assert first_started.wait(10)
    for _ in range(17):  # a vim save during the build
        debouncer.poke()
    release.set()
    while debouncer.busy:
        threading.Event().wait(0.02)
    debouncer.close()
    assert runs == [0, 1]


def test_housekeeping_waits_until_the_builds_are_over() -> None:
    """The garbage collector's pause never comes between a save and its page: it runs once the
    server has been idle for a while after a build, once per idle spell."""
    order: list[str] = []
    collected = threading.Event()

    def collect() -> None:
        order.append("collect")
        collected.set()

    debouncer = Debouncer(lambda: order.append("build"), quiet=0.01, on_idle=collect, idle_after=0.3)
    assert not collected.wait(0.5)  # no build yet: nothing to tidy up
    for _ in range(17):
        debouncer.poke()
    threading.Event().wait(0.15)
    debouncer.poke()  # another save before the server was idle for long
    assert collected.wait(5)
    assert not threading.Event().wait(0.7)  # once per idle spell
    debouncer.close()
    assert order == ["build", "build", "collect"]


def test_a_completed_write_cuts_the_quiet_period_short() -> None:
    """Closing a saved file ends the wait: the editor sees the page without the full pause."""
    ran = threading.Event()
    debouncer = Debouncer(ran.set, quiet=5.0)
    debouncer.settle()  # nothing pending: nothing to cut short
    assert not ran.wait(0.3)
    debouncer.poke()
    assert not ran.wait(0.3)  # a write still going on: the quiet period holds
    debouncer.settle()
    assert ran.wait(2.0)
    debouncer.close()


def test_only_a_finished_write_to_a_source_settles(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    watcher = Watcher(tmp_path, lambda: None)
    article = str(tmp_path / "content/a.md")
    assert watcher.settles(events.FileClosedEvent(article))
    assert watcher.settles(events.FileMovedEvent(str(tmp_path / "content/.a.md.tmp"), article))
    assert not watcher.settles(events.FileModifiedEvent(article))
    assert not watcher.settles(events.FileClosedEvent(str(tmp_path / "content/.a.md.swp")))
    assert not watcher.settles(events.FileClosedEvent(str(tmp_path / "public/index.html")))


@pytest.mark.parametrize(
    ("rel", "ignored"),
    [
        ("content/a.md", False),
        ("content/.a.md.swp", True),
        ("content/a.md~", True),
        ("content/.#a.md", True),
        ("content/4913", True),
        ("content/a.md___jb_tmp___", True),
        (".git/index", True),
        ("public/index.html", True),
        (".newsgen/serve/public/x.html", True),
    ],
)
def test_is_ignored(rel: str, ignored: bool) -> None:
    assert is_ignored(rel) is ignored


def test_watcher_ignores_reads_and_unchanged_files(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    page = tmp_path / "content/a.md"
    page.write_text("x")
    watcher = Watcher(tmp_path, lambda: None)
    assert not watcher.is_change(events.FileOpenedEvent(str(page)))
    assert not watcher.is_change(events.FileClosedNoWriteEvent(str(page)))
    assert not watcher.is_change(events.DirModifiedEvent(str(tmp_path / "content")))
    assert watcher.is_change(events.FileModifiedEvent(str(page)))
    assert not watcher.is_change(events.FileModifiedEvent(str(page)))  # same size and mtime
    assert watcher.is_change(events.FileCreatedEvent(str(tmp_path / "newsgen.yaml")))
    assert not watcher.is_change(events.FileCreatedEvent(str(tmp_path / "notes.txt")))
    assert not watcher.is_change(events.FileCreatedEvent(str(tmp_path / "public/x.html")))
    moved = events.FileMovedEvent(str(tmp_path / "content/.a.md.swp"), str(page))
    assert watcher.is_change(moved)


def test_watcher_falls_back_to_polling_at_the_inotify_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "content").mkdir()

    class Exhausted:
        def schedule(self, *args: object, **kwargs: object) -> None:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

        def stop(self) -> None: ...

        def join(self, timeout: float) -> None: ...

    watcher = Watcher(tmp_path, lambda: None, observer_factory=Exhausted)
    watcher.start()
    try:
        assert watcher.polling
        assert "polling" in capsys.readouterr().err
    finally:
        watcher.stop()

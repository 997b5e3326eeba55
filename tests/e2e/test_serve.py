"""`newsgen serve` end to end: real HTTP requests, real file edits, real watcher."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsgen import search
from newsgen.output import spare_path
from newsgen.server import Running, ServeOptions, preview_dir, running
from tests.conftest import NOW, REPO, article, hold_pagefind, write_site

SLUG_URL = "/thoi-su/bao-so-3/"
FILES = {
    "content/thoi-su/bao-so-3.md": article("Bão số 3", body="Gió giật cấp 12.", slug="bao-so-3"),
    "content/thoi-su/nhap.md": article("Bài đang viết", slug="nhap", draft="true"),
    "content/thoi-su/hen-gio.md": article("Bài hẹn giờ", "2030-01-01 08:00", slug="hen-gio"),
}
SECRET = "SENTINEL-c0ffee-must-never-be-served"


def raw_request(
    port: int, target: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Send one request exactly as written (no client normalisation); return status, headers, body."""
    head = {"Host": f"127.0.0.1:{port}", **(headers or {})}
    lines = [f"GET {target} HTTP/1.1", "Connection: close"] + [f"{k}: {v}" for k, v in head.items()]
    return send_raw(port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


def send_raw(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Write raw bytes to the server and parse whatever comes back (status 0: an HTTP/0.9 reply)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    reply = b"".join(chunks)
    if not reply.startswith(b"HTTP/"):
        return 0, {}, reply
    head, _, body = reply.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def get(live: Running, target: str, **headers: str) -> tuple[int, dict[str, str], str]:
    """GET a path and decode the body as UTF-8."""
    status, head, body = raw_request(live.server.port, target, headers)
    return status, head, body.decode("utf-8", "replace")


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Poll a condition until it holds or the (generous) timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def settle(live: Running) -> None:
    """Wait until no change is pending and no build runs, then a little longer than the debounce."""
    assert wait_for(lambda: not live.debouncer.busy)
    time.sleep(live.debouncer.quiet + 0.3)
    assert wait_for(lambda: not live.debouncer.busy)


@pytest.fixture
def live(site: Callable[..., Path]) -> Iterator[Running]:
    """A preview server on a free port over a small site, for tests that edit it."""
    root = site(FILES)
    with running(ServeOptions(site=root, port=0, now=NOW, log=lambda line: None)) as server:
        yield server


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One preview server for the tests that only read, with a sentinel planted around it."""
    root = write_site(tmp_path_factory.mktemp("shared") / "site", FILES)
    with running(ServeOptions(site=root, port=0, now=NOW, log=lambda line: None)) as server:
        if server.preparing is not None:
            server.preparing.join()  # it swaps the output in whole: plant in the one it leaves
        plant(server.preview.output, tmp_path_factory.mktemp("outside"))
        yield server


def edit(path: Path, text: str) -> None:
    """Save a file the way an editor does (write, then the mtime surely moves on)."""
    path.write_text(text, encoding="utf-8")


# -- serving ------------------------------------------------------------------------------------


def test_article_is_served_with_pretty_url_and_live_reload_script(shared: Running) -> None:
    live = shared
    status, headers, body = get(live, SLUG_URL)
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "Bão số 3" in body and "Gió giật cấp 12." in body
    assert 'src="/__newsgen/livereload.js"' in body
    built = live.preview.output / "thoi-su/bao-so-3/index.html"
    assert "__newsgen" not in built.read_text(encoding="utf-8")
    assert not (live.preview.output.parent.parent.parent / "public").exists()


def test_folder_without_slash_redirects_and_missing_page_uses_site_404(shared: Running) -> None:
    live = shared
    status, headers, _ = get(live, SLUG_URL.rstrip("/") + "?a=1")
    assert status == 301
    assert headers["location"] == SLUG_URL + "?a=1"
    status, headers, body = get(live, "/khong-co/")
    assert status == 404
    assert "Không tìm thấy trang" in body
    assert "livereload.js" in body


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("/rss.xml", "application/xml; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/xem-them.json", "application/json; charset=utf-8"),
        ("/assets/newsgen.css", "text/css; charset=utf-8"),
    ],
)
def test_content_types(shared: Running, target: str, kind: str) -> None:
    live = shared
    status, headers, body = get(live, target)
    assert status == 200
    assert headers["content-type"] == kind
    assert "livereload" not in body


def test_drafts_and_scheduled_articles_show_with_badges(shared: Running) -> None:
    live = shared
    _, _, draft = get(live, "/thoi-su/nhap/")
    assert "Bài đang viết" in draft and "Bản nháp" in draft
    _, _, scheduled = get(live, "/thoi-su/hen-gio/")
    assert "Bài hẹn giờ" in scheduled and "Hẹn giờ" in scheduled


def test_no_drafts_hides_drafts_and_future_articles(site: Callable[..., Path]) -> None:
    options = ServeOptions(site=site(FILES), port=0, now=NOW, drafts=False, log=lambda line: None)
    with running(options) as live:
        assert get(live, "/thoi-su/nhap/")[0] == 404
        assert get(live, "/thoi-su/hen-gio/")[0] == 404
        assert get(live, SLUG_URL)[0] == 200


# -- safety -------------------------------------------------------------------------------------


def plant(output: Path, outside: Path) -> Path:
    """Plant the sentinel outside the output folder: parent, sibling with the prefix, symlinks."""
    (outside / "secret.txt").write_text(SECRET)
    (output.parent / "secret.txt").write_text(SECRET)
    sibling = output.parent / (output.name + "-secret")
    sibling.mkdir()
    (sibling / "secret.txt").write_text(SECRET)
    (output / "leak.txt").symlink_to(outside / "secret.txt")
    (output / "leakdir").symlink_to(outside, target_is_directory=True)
    return outside / "secret.txt"


def traversal_vectors(secret: Path) -> list[str]:
    """Every encoding of 'one folder up' the issue lists, and a few more."""
    ups = ["../", "%2e%2e/", "%2e%2e%2f", "%2E%2E%2F", "..%2f", ".%2e/", "%2e./", "..%5c", "..\\"]
    ups += ["%252e%252e%252f", "./../", "%2e/%2e%2e/"]
    vectors = [f"/{up}secret.txt" for up in ups]
    vectors += [f"/{up}public-secret/secret.txt" for up in ups]
    vectors += [f"/{up * 20}{secret.relative_to('/')}" for up in ups]
    absolute = secret.as_posix()
    vectors += [f"/{absolute}", f"//{absolute.lstrip('/')}", f"/%2f{absolute.lstrip('/')}"]
    vectors += ["//etc/passwd", "/../../../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd"]
    vectors += ["/leak.txt", "/leakdir/secret.txt", "/leakdir/", "/leakdir"]
    return vectors


def test_no_request_reads_outside_the_output_folder(shared: Running) -> None:
    live = shared
    secret = live.preview.output / "leak.txt"
    assert secret.is_symlink() and SECRET in secret.read_text()  # the sentinel is there
    for target in traversal_vectors(secret.resolve()):
        status, _, body = raw_request(live.server.port, target)
        assert status == 404, target
        assert SECRET.encode() not in body, target
        assert b"root:" not in body, target


@pytest.mark.parametrize(
    "target",
    ["/%00", "/index.html%00.txt", "/%zz", "/%e2%82", "/%c0%ae%c0%ae/secret.txt", "/a%", "/%0a"],
)
def test_malformed_paths_get_400_and_the_server_keeps_working(shared: Running, target: str) -> None:
    live = shared
    status, _, body = raw_request(live.server.port, target)
    assert status == 400
    assert SECRET.encode() not in body
    assert get(live, SLUG_URL)[0] == 200


@pytest.mark.parametrize(
    "data",
    [
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\r\n\r\n",
    ],
)
def test_malformed_requests_do_not_crash_the_server(shared: Running, data: bytes) -> None:
    live = shared
    status, _, body = send_raw(live.server.port, data)
    assert status >= 400 or (status == 0 and b"Error code: " in body)
    assert get(live, SLUG_URL)[0] == 200


def test_only_local_host_headers_are_accepted(shared: Running) -> None:
    live = shared
    port = live.server.port
    assert get(live, SLUG_URL, Host="evil.example")[0] == 403
    assert get(live, SLUG_URL, Host=f"rebind.attacker.example:{port}")[0] == 403
    assert get(live, SLUG_URL, Host=f"localhost:{port}")[0] == 200
    assert get(live, SLUG_URL, Host=f"127.0.0.1:{port}")[0] == 200


def test_reload_channel_rejects_a_foreign_origin(shared: Running) -> None:
    live = shared
    port = live.server.port
    version = live.preview.state.version
    status, _, _ = get(live, "/__newsgen/status", Origin="http://evil.example")
    assert status == 403
    status, _, _ = get(live, f"/__newsgen/wait?v={version}", Origin="null")
    assert status == 403
    status, _, body = get(live, "/__newsgen/status", Origin=f"http://127.0.0.1:{port}")
    assert status == 200 and json.loads(body)["ok"] is True


def test_other_methods_are_refused(shared: Running) -> None:
    live = shared
    data = f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{live.server.port}\r\nContent-Length: 0\r\n\r\n"
    assert send_raw(live.server.port, data.encode())[0] == 405


# -- watching -----------------------------------------------------------------------------------


def test_editing_an_article_updates_the_served_page(live: Running) -> None:
    source = live.watcher.site / "content/thoi-su/bao-so-3.md"
    edit(source, article("Bão số 3", body="Gió đã yếu dần.", slug="bao-so-3"))
    assert wait_for(lambda: "Gió đã yếu dần." in get(live, SLUG_URL)[2])


def test_a_change_the_watcher_failed_to_report_is_built_once_idle(
    site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rebuilds check only what inotify reported; a lost report costs a second, not a stale page."""
    from newsgen import sources

    monkeypatch.setattr(sources, "_RACY_NS", 0)  # trust files saved a moment ago, as if long ago
    options = ServeOptions(site=site(FILES), port=0, now=NOW, log=lambda line: None)
    with running(options) as live:
        settle(live)
        draft = live.watcher.site / "content/thoi-su/nhap.md"
        before = live.preview.state.builds
        edit(draft, article("Bài đang viết", slug="nhap", draft="true", body="Sửa."))
        assert wait_for(lambda: live.preview.state.builds > before)  # checked every file
        settle(live)
        note = live.watcher.on_paths
        assert note is not None
        lost = "content/thoi-su/bao-so-3.md"
        drop = lambda rels: note([r for r in rels if r != lost])  # noqa: E731
        monkeypatch.setattr(live.watcher, "on_paths", drop)
        edit(live.watcher.site / lost, article("Bão số 3", body="Tin mới nhất.", slug="bao-so-3"))
        assert wait_for(lambda: "Tin mới nhất." in get(live, SLUG_URL)[2])


def test_the_first_save_updates_a_spare_output_in_place(live: Running) -> None:
    """Start-up leaves a spare output beside the preview's, so no save rebuilds every folder."""
    output = preview_dir(live.watcher.site) / "public"
    assert live.preparing is not None
    live.preparing.join(30)
    assert not live.preparing.is_alive()
    assert spare_path(output).is_dir()
    assert live.preview.state.builds == 1  # the preparatory build is not reported


def test_a_save_before_the_watcher_runs_reaches_the_open_pages(
    site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file saved after the first build, before the watcher runs, is found by the start-up's
    second build, which then tells open pages to reload (no event will ever come for it)."""
    from newsgen import site as sitelib

    calls, real = [], sitelib.build

    def saving_after_the_first(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        calls.append(1)
        if len(calls) == 1:
            edit(
                root / "content/thoi-su/bao-so-3.md",
                article("Bão số 3", body="Tin sớm.", slug="bao-so-3"),
            )
        return result

    monkeypatch.setattr(sitelib, "build", saving_after_the_first)
    root = site(FILES)
    with running(ServeOptions(site=root, port=0, now=NOW, log=lambda line: None)) as live:
        assert live.preparing is not None
        live.preparing.join(30)
        assert "Tin sớm." in get(live, SLUG_URL)[2]
        assert live.preview.state.version == 2 and live.preview.state.ok


def test_no_page_is_missing_while_the_start_up_swaps_without_an_atomic_exchange(
    site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without renameat2 (macOS), a swap is two renames: a request between them waits."""
    import os as real_os
    import types

    from newsgen import output as outputlib

    monkeypatch.setattr(outputlib, "_exchange", lambda a, b: False)
    gap = threading.Event()

    def replace(a: Path, b: Path) -> None:
        real_os.replace(a, b)
        if Path(b) == spare_path(Path(a)) and Path(a).name == "public":
            gap.set()  # the output has just moved away: hold the gap open a while
            time.sleep(0.3)

    slow = types.SimpleNamespace(**{k: getattr(real_os, k) for k in dir(real_os) if k[0] != "_"})
    slow.replace = replace
    monkeypatch.setattr(outputlib, "os", slow)
    root = site(FILES)
    with running(ServeOptions(site=root, port=0, now=NOW, log=lambda line: None)) as live:
        assert gap.wait(30)
        status, _, body = get(live, SLUG_URL)
        assert status == 200 and "Gió giật cấp 12." in body


def test_pages_are_served_while_the_start_up_prepares_the_spare_output(
    site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Making the spare output's 14,000 folders takes seconds: the editor does not wait for it,
    and a save meanwhile is built after it."""
    from newsgen import site as sitelib

    release, calls, real = threading.Event(), [], sitelib.build

    def held(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:  # the preparatory build
            assert release.wait(30)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sitelib, "build", held)
    root = site(FILES)
    with running(ServeOptions(site=root, port=0, now=NOW, log=lambda line: None)) as live:
        try:
            assert wait_for(lambda: len(calls) == 2)
            status, _, body = get(live, SLUG_URL)
            assert status == 200 and "Gió giật cấp 12." in body
            assert not spare_path(live.preview.output).is_dir()
            edit(
                root / "content/thoi-su/bao-so-3.md",
                article("Bão số 3", body="Tin mới.", slug="bao-so-3"),
            )
            time.sleep(0.5)  # the save's build waits for the preparatory one
            assert len(calls) == 2
        finally:
            release.set()
        assert wait_for(lambda: "Tin mới." in get(live, SLUG_URL)[2])
        assert spare_path(live.preview.output).is_dir()
        # the preparatory build read the save and reported it; the save's own build follows
        assert wait_for(lambda: live.preview.state.builds == 3)


@pytest.mark.skipif(not search.available(), reason="Pagefind is not installed")
def test_search_index_is_served_from_beside_the_output_and_follows_edits(live: Running) -> None:
    """Rebuilds never carry the index's files from output to output: it lives in its own folder,
    and the shard holding an edited article is re-indexed in the background."""
    assert wait_for(lambda: get(live, "/pagefind/shards.json")[0] == 200, timeout=60)
    shards = json.loads(get(live, "/pagefind/shards.json")[2])["shards"]
    entry = f"/pagefind/{shards[0]}pagefind-entry.json"
    status, head, body = get(live, entry)
    assert status == 200 and head["content-type"].startswith("application/json")
    assert "languages" in json.loads(body)
    assert get(live, "/pagefind/pagefind-ui.js")[0] == 200
    assert not (live.preview.output / "pagefind").exists()
    folder = preview_dir(live.watcher.site) / "search/pagefind"
    assert "Gió giật cấp 12." in indexed_text(folder)
    source = live.watcher.site / "content/thoi-su/bao-so-3.md"
    edit(source, article("Bão số 3", body="Tin cập nhật về bão Kalmaegi.", slug="bao-so-3"))
    assert wait_for(lambda: "Tin cập nhật về bão Kalmaegi." in get(live, SLUG_URL)[2])
    assert wait_for(lambda: "Kalmaegi" in indexed_text(folder), timeout=60)
    assert "Gió giật cấp 12." not in indexed_text(folder)
    assert json.loads(get(live, "/pagefind/shards.json")[2])["shards"] == shards
    assert "languages" in json.loads(get(live, entry)[2])
    assert get(live, "/pagefind/pagefind-ui.js")[0] == 200
    assert get(live, "/pagefind/../cache/")[0] == 404


@pytest.mark.skipif(not search.available(), reason="Pagefind is not installed")
def test_pages_are_served_while_the_first_search_index_is_made(
    site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pagefind takes 30 s at 10,000 articles: the editor must not wait for it to see a page.
    The search page's first request is told (503) that the index is on its way."""
    release = hold_pagefind(monkeypatch)
    root = site(FILES)
    with running(ServeOptions(site=root, port=0, now=NOW, log=lambda line: None)) as live:
        try:
            assert get(live, SLUG_URL)[0] == 200
            status, head, body = get(live, "/pagefind/shards.json")
            assert status == 503 and head["retry-after"] == "3"
            assert json.loads(body) == {"indexing": True}
            page = get(live, "/tim-kiem/")[2]
            assert 'class="search-indexing"' in page
        finally:
            release.set()
        assert wait_for(lambda: get(live, "/pagefind/shards.json")[0] == 200, timeout=60)
        shards = json.loads(get(live, "/pagefind/shards.json")[2])["shards"]
        assert get(live, f"/pagefind/{shards[0]}pagefind-entry.json")[0] == 200


def test_without_pagefind_the_search_page_is_told_search_is_off(
    site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "executable", lambda: None)
    with running(ServeOptions(site=site(FILES), port=0, now=NOW, log=lambda line: None)) as live:
        assert get(live, "/pagefind/shards.json")[0] == 404


def indexed_text(folder: Path) -> str:
    """The page texts Pagefind stored (its fragments: gzip, a marker, then JSON)."""
    texts = []
    for path in sorted(folder.glob("*/fragment/*.pf_fragment")):
        with contextlib.suppress(OSError):  # the index may be swapped while we read
            data = gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd")
            texts.append(json.loads(data)["content"])
    return "\n".join(texts)


def test_long_poll_answers_with_the_new_version_after_a_rebuild(live: Running) -> None:
    version = live.preview.state.version
    source = live.watcher.site / "content/thoi-su/bao-so-3.md"
    edit(source, article("Bão số 3", body="Bản tin mới.", slug="bao-so-3"))
    status, _, body = get(live, f"/__newsgen/wait?v={version}")
    assert status == 200
    assert json.loads(body)["version"] == version + 1


@pytest.mark.slow
def test_a_burst_of_300_writes_gives_one_build(site: Callable[..., Path]) -> None:
    # A longer quiet period than the default 200 ms keeps this test honest on a loaded CI machine.
    options = ServeOptions(site=site(FILES), port=0, now=NOW, quiet=1.0, log=lambda line: None)
    with running(options) as live:
        burst_gives_one_build(live)


def burst_gives_one_build(live: Running) -> None:
    """Write 300 articles at once; exactly one build follows."""
    settle(live)
    before = live.preview.state.builds
    folder = live.watcher.site / "content/nhieu"
    folder.mkdir()
    for n in range(300):
        (folder / f"bai-{n:03}.md").write_text(article(f"Bài số {n}", slug=f"bai-{n:03}"))
    assert wait_for(lambda: live.preview.state.builds > before)
    settle(live)
    assert live.preview.state.builds == before + 1
    assert "Bài số 299" in get(live, "/nhieu/bai-299/")[2]


@pytest.mark.slow
def test_editor_temp_files_and_reads_do_not_rebuild(live: Running) -> None:
    settle(live)
    before = live.preview.state.builds
    folder = live.watcher.site / "content/thoi-su"
    for name in (".bao-so-3.md.swp", "bao-so-3.md~", ".#bao-so-3.md", "4913", "x.md___jb_tmp___"):
        (folder / name).write_text("tạm")
        (folder / name).unlink()
    (folder / "bao-so-3.md").read_text()
    (live.watcher.site / ".git").mkdir()
    (live.watcher.site / ".git/HEAD").write_text("ref")
    time.sleep(live.debouncer.quiet * 4)
    settle(live)
    assert live.preview.state.builds == before


def test_broken_edit_shows_overlay_keeps_last_page_and_fixing_removes_it(live: Running) -> None:
    source = live.watcher.site / "content/thoi-su/bao-so-3.md"
    version = live.preview.state.version
    edit(
        source,
        "---\ntitle: <script>alert(1)</script>: bad: yaml\ndate: 2025-02-30\n---\nGió mạnh.\n",
    )
    assert wait_for(lambda: live.preview.state.version > version)
    status, _, body = get(live, SLUG_URL)
    assert status == 200
    assert 'id="newsgen-overlay"' in body
    assert "content/thoi-su/bao-so-3.md:" in body
    assert "<script>alert(1)</script>" not in body
    assert "Gió giật cấp 12." in body  # the last good page
    assert 'id="newsgen-overlay"' in get(live, "/")[2]
    edit(source, article("Bão số 3", body="Đã sửa xong.", slug="bao-so-3"))
    assert wait_for(lambda: "Đã sửa xong." in get(live, SLUG_URL)[2])
    assert 'id="newsgen-overlay"' not in get(live, SLUG_URL)[2]


def test_a_broken_site_at_start_still_serves_the_overlay(site: Callable[..., Path]) -> None:
    root = site({"content/tin/a.md": "---\ntitle: [oops\n---\n"})
    with running(ServeOptions(site=root, port=0, now=NOW, log=lambda line: None)) as live:
        status, _, body = get(live, "/")
        assert status == 404
        assert 'id="newsgen-overlay"' in body and "content/tin/a.md" in body
        edit(root / "content/tin/a.md", article("Đã sửa", slug="a"))
        assert wait_for(lambda: get(live, "/")[0] == 200)
        assert 'id="newsgen-overlay"' not in get(live, "/")[2]


def test_template_changes_rebuild(live: Running) -> None:
    templates = live.watcher.site / "templates"
    templates.mkdir()
    live.watcher.refresh()
    (templates / "404.html").write_text(
        '{% extends "theme/404.html" %}{% block main %}Lạc đường{% endblock %}'
    )
    assert wait_for(lambda: "Lạc đường" in get(live, "/khong-co/")[2])


# -- the command --------------------------------------------------------------------------------


@pytest.mark.slow
def test_serve_command_prints_the_address_serves_and_stops_on_ctrl_c(
    site: Callable[..., Path],
) -> None:
    root = site(FILES)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsgen",
            "serve",
            "--site",
            str(root),
            "--port",
            "0",
            "--now",
            NOW,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        assert lines[0].startswith("built 3 articles"), lines
        assert lines[1].startswith("serving ") and "http://127.0.0.1:" in lines[1]
        port = int(lines[1].split("http://127.0.0.1:")[1].split("/")[0])
        assert raw_request(port, SLUG_URL)[0] == 200
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
        assert code == 0, proc.stderr.read() if proc.stderr else code
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not (root / "public").exists()

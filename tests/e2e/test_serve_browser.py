"""Headless Chromium watches a preview page reload by itself after the article is edited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from newsgen.server import ServeOptions, running
from tests.conftest import NOW, article, hold_pagefind
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)",
    ),
]


def test_page_reloads_with_new_text_and_shows_then_clears_the_overlay(
    site: Callable[..., Path], tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    source = "content/thoi-su/bao-so-3.md"
    root = site({source: article("Bão số 3", body="Gió giật cấp 12.", slug="bao-so-3")})
    options = ServeOptions(site=root, port=0, now=NOW, log=lambda line: None)
    with running(options) as live, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            page = browser.new_page()
            page.goto(live.url + "thoi-su/bao-so-3/")
            sync_api.expect(page.locator("article, main").first).to_contain_text("Gió giật cấp 12.")
            page.evaluate("window.__notReloaded = true")

            (root / source).write_text(
                article("Bão số 3", body="Bão đã suy yếu thành áp thấp.", slug="bao-so-3"),
                encoding="utf-8",
            )
            main = page.locator("main")
            sync_api.expect(main).to_contain_text("Bão đã suy yếu thành áp thấp.", timeout=15000)
            assert page.evaluate("window.__notReloaded === undefined")  # a real reload

            (root / source).write_text(
                "---\ntitle: <b>hỏng</b>: x: y\ndate: 2025-02-30\n---\nThân bài.\n",
                encoding="utf-8",
            )
            overlay = page.locator("#newsgen-overlay")
            sync_api.expect(overlay).to_be_visible(timeout=15000)
            sync_api.expect(overlay).to_contain_text(source)
            sync_api.expect(main).to_contain_text("Bão đã suy yếu thành áp thấp.")  # last good page

            (root / source).write_text(
                article("Bão số 3", body="Đã sửa lỗi.", slug="bao-so-3"), encoding="utf-8"
            )
            sync_api.expect(main).to_contain_text("Đã sửa lỗi.", timeout=15000)
            sync_api.expect(overlay).to_have_count(0)
        finally:
            browser.close()


def test_search_page_says_the_first_index_is_coming_then_shows_results(
    site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor opening search while the preview makes its first index is told to wait a few
    seconds, and the results appear by themselves once it is there."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from newsgen import search

    if not search.available():
        pytest.skip("Pagefind is not installed")
    release = hold_pagefind(monkeypatch)
    root = site({"content/thoi-su/bao-so-3.md": article("Bão số 3", body="Gió giật cấp 12.")})
    options = ServeOptions(site=root, port=0, now=NOW, log=lambda line: None)
    with running(options) as live, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.goto(live.url + "tim-kiem/?q=gio%20giat")
            note = page.locator(".search-indexing")
            sync_api.expect(note).to_be_visible(timeout=15000)
            sync_api.expect(page.locator(".search-off")).to_be_hidden()
            release.set()
            results = page.locator(".pagefind-ui__result-link")
            sync_api.expect(results.first).to_be_visible(timeout=30000)
            assert results.first.get_attribute("href") == "/thoi-su/bao-so-3/"
            sync_api.expect(note).to_be_hidden()
        finally:
            release.set()
            browser.close()

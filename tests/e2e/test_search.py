"""Search: Pagefind indexes published articles; readers find them typing without diacritics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsgen import search
from tests.conftest import article
from tests.e2e.browser import ARTIFACTS, build_sample, chromium, serve

REFERENCE = "/chuyen-doi-so/ung-dung-du-lieu-va-tri-tue-nhan-tao-ai-phuc-vu-quan-tri-va-phat-trien-ben-vung/"
needs_pagefind = pytest.mark.skipif(not search.available(), reason="Pagefind is not installed")


@needs_pagefind
def test_only_published_articles_are_indexed(site, build) -> None:
    root = site(
        {
            "content/thoi-su/a.md": article("Trí tuệ nhân tạo", "2025-04-22 09:07"),
            "content/thoi-su/nhap.md": article("Bản nháp bí mật", "2025-04-22 09:07", draft="true"),
            "content/thoi-su/hen.md": article("Tin hẹn giờ", "2025-06-01 09:07"),
        }
    )
    code, _, err = build(root, "--drafts", "--future")
    assert code == 0, err
    public = root / "public"
    assert (public / "pagefind/pagefind-ui.js").is_file()
    assert (public / "tim-kiem/index.html").is_file()
    entry = json.loads((public / "pagefind/pagefind-entry.json").read_text())
    (language,) = entry["languages"].values()
    assert language["page_count"] == 1  # drafts and scheduled pages are built but never indexed
    manifest = json.loads((public / "manifest.json").read_text())["files"]
    assert "pagefind/pagefind-entry.json" in manifest


@needs_pagefind
def test_search_bundle_is_identical_between_builds(site, build) -> None:
    root = site({"content/thoi-su/a.md": article("Trí tuệ nhân tạo", "2025-04-22 09:07")})
    assert build(root)[0] == 0
    first = _bundle(root / "public")
    assert build(root)[0] == 0
    assert _bundle(root / "public") == first


@needs_pagefind
def test_a_rebuild_that_skips_search_keeps_the_index_files(site, build) -> None:
    """The preview's rebuilds keep the first build's index: same files, same inodes, listed."""
    root = site({"content/thoi-su/a.md": article("Trí tuệ nhân tạo", "2025-04-22 09:07")})
    assert build(root)[0] == 0
    index = root / "public/pagefind/pagefind-entry.json"
    inode = index.stat().st_ino
    first = _bundle(root / "public")
    page = root / "content/thoi-su/a.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nThêm một câu.\n", encoding="utf-8")
    assert build(root, "--no-search")[0] == 0
    assert _bundle(root / "public") == first
    assert index.stat().st_ino == inode
    manifest = json.loads((root / "public/manifest.json").read_text())["files"]
    assert "pagefind/pagefind-entry.json" in manifest


def test_build_works_and_says_so_without_pagefind(site, build, monkeypatch) -> None:
    monkeypatch.setattr(search, "executable", lambda: None)
    root = site({"content/thoi-su/a.md": article("Trí tuệ nhân tạo", "2025-04-22 09:07")})
    code, _, err = build(root)
    assert code == 0
    assert "search is off" in err
    assert not (root / "public/pagefind").exists()


def _bundle(public: Path) -> dict[str, bytes]:
    """Read every file of the search bundle."""
    return {
        p.relative_to(public).as_posix(): p.read_bytes()
        for p in (public / "pagefind").rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build and serve the sample site once."""
    public = build_sample(tmp_path_factory.mktemp("search") / "sample")
    with serve(public) as url:
        yield url


@needs_pagefind
@pytest.mark.slow
@pytest.mark.browser
def test_reader_finds_the_article_typing_without_diacritics(site_url) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(site_url + "/")
        page.fill("#site-search", "tri tue nhan tao")
        page.press("#site-search", "Enter")
        page.wait_for_url("**/tim-kiem/?q=*")
        results = page.locator(".pagefind-ui__result-link")
        results.first.wait_for(timeout=15000)
        hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
        assert REFERENCE in hrefs
        assert page.locator(".pagefind-ui__search-input").input_value() == "tri tue nhan tao"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "search-375.png"), full_page=True)
        assert errors == []

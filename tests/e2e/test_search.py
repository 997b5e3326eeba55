"""Search: Pagefind indexes published articles; readers find them typing without diacritics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsgen import search
from tests.conftest import article, write_site
from tests.e2e.browser import ARTIFACTS, NOW, build_sample, chromium, serve

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
    assert json.loads((public / "pagefind/shards.json").read_text()) == {"shards": ["2025/"]}
    entry = json.loads((public / "pagefind/2025/pagefind-entry.json").read_text())
    (language,) = entry["languages"].values()
    assert language["page_count"] == 1  # drafts and scheduled pages are built but never indexed
    manifest = json.loads((public / "manifest.json").read_text())["files"]
    assert "pagefind/2025/pagefind-entry.json" in manifest


@needs_pagefind
def test_an_edit_reindexes_only_the_shard_of_its_year(site, build, tmp_path) -> None:
    """Each year is its own index; an edit leaves the other years' files alone, same inodes."""
    files = {
        "content/thoi-su/cu.md": article("Bão số ba năm trước", "2023-09-07 08:00"),
        "content/thoi-su/moi.md": article("Bão số năm năm nay", "2025-04-22 09:07"),
    }
    root = site(files)
    assert build(root)[0] == 0
    public = root / "public"
    shards = json.loads((public / "pagefind/shards.json").read_text())["shards"]
    assert shards == ["2025/", "2023/"]  # newest first: the UI searches it first
    old_year = {p: p.stat().st_ino for p in (public / "pagefind/2023").rglob("*") if p.is_file()}
    new_entry = (public / "pagefind/2025/pagefind-entry.json").stat().st_ino
    page = root / "content/thoi-su/moi.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nGió giật cấp mười.\n", encoding="utf-8")
    assert build(root)[0] == 0
    assert {p: p.stat().st_ino for p in old_year} == old_year
    assert (public / "pagefind/2025/pagefind-entry.json").stat().st_ino != new_entry
    cold = tmp_path / "cold"
    assert build(root, "--no-cache", "--output", str(cold))[0] == 0
    assert _bundle(public) == _bundle(cold)


@needs_pagefind
def test_a_new_article_in_other_years_lists_reindexes_only_its_own_year(
    site, build, tmp_path, monkeypatch
) -> None:
    """A new article enters the "Xem thêm" list of last year's article on the same story: that
    page changes, but only where Pagefind does not read it, so last year is not indexed again."""
    files = {
        "content/thoi-su/cu.md": article("Bão số ba đổ bộ miền Bắc", "2024-09-07 08:00"),
        "content/thoi-su/khac.md": article("Giá vàng tăng mạnh", "2025-03-02 08:00"),
    }
    root = site(files)
    assert build(root)[0] == 0
    old_page = root / "public/thoi-su/bao-so-ba-do-bo-mien-bac/index.html"
    before = old_page.read_bytes()
    indexed: list[str] = []
    real = search._pagefind

    def noting(binary: Path, source: Path, out: Path, *args: object) -> None:
        indexed.append(source.name)
        real(binary, source, out, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(search, "_pagefind", noting)
    (root / "content/thoi-su/moi.md").write_text(
        article("Bão số ba: miền Bắc khắc phục hậu quả", "2025-04-20 08:00"), encoding="utf-8"
    )
    assert build(root)[0] == 0
    assert old_page.read_bytes() != before  # its "Xem thêm" list now shows the new article
    assert indexed == ["2025"]
    cold = tmp_path / "cold"
    assert build(root, "--no-cache", "--output", str(cold))[0] == 0
    assert _bundle(root / "public") == _bundle(cold)


@needs_pagefind
def test_the_last_two_days_are_their_own_shards_until_midnight(site, build, tmp_path) -> None:
    """After midnight, with nothing else changed, the day that left joins its year: the build
    is not skipped, and gives what a cold build gives at that time."""
    files = {
        "content/thoi-su/cu.md": article("Giá vàng tăng mạnh", "2025-03-02 08:00"),
        "content/thoi-su/hom-qua.md": article("Bão số ba đổ bộ", "2025-04-21 10:00"),
        "content/thoi-su/hom-nay.md": article("Bão số ba tan dần", "2025-04-22 08:00"),
    }
    root = site(files)
    public = root / "public"
    assert build(root, "--now", "2025-04-22T12:00:00+07:00")[0] == 0
    shards = json.loads((public / "pagefind/shards.json").read_text())["shards"]
    assert shards == ["2025-04-22/", "2025-04-21/", "2025/"]
    code, out, _ = build(root, "--now", "2025-04-23T00:30:00+07:00")
    assert code == 0 and "nothing changed" not in out
    shards = json.loads((public / "pagefind/shards.json").read_text())["shards"]
    assert shards == ["2025-04-22/", "2025/"]
    cold = tmp_path / "cold"
    later = ("--now", "2025-04-23T00:30:00+07:00")
    assert build(root, "--no-cache", "--output", str(cold), *later)[0] == 0
    assert _bundle(public) == _bundle(cold)


def test_a_site_with_nothing_to_index_lists_no_shards(site, build, monkeypatch) -> None:
    """Pagefind refuses an empty site; the search page is told there is nothing to search."""
    monkeypatch.setattr(search, "index_shards", _must_not_run)
    root = site({"content/thoi-su/nhap.md": article("Bản nháp", "2025-04-22 09:07", draft="true")})
    code, _, err = build(root)
    assert code == 0, err
    assert json.loads((root / "public/pagefind/shards.json").read_text()) == {"shards": []}


def _must_not_run(*args: object, **kwargs: object) -> None:
    raise AssertionError("Pagefind ran with nothing to index")


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
    index = root / "public/pagefind/2025/pagefind-entry.json"
    inode = index.stat().st_ino
    first = _bundle(root / "public")
    page = root / "content/thoi-su/a.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nThêm một câu.\n", encoding="utf-8")
    assert build(root, "--no-search")[0] == 0
    assert _bundle(root / "public") == first
    assert index.stat().st_ino == inode
    manifest = json.loads((root / "public/manifest.json").read_text())["files"]
    assert "pagefind/2025/pagefind-entry.json" in manifest


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


@pytest.fixture(scope="module")
def two_years_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build and serve a site whose articles fall in two years: two search shards."""
    from newsgen.cli import main

    root = write_site(
        tmp_path_factory.mktemp("shards") / "site",
        {
            "content/thoi-su/cu.md": article(
                "Bão Damrey đổ bộ miền Trung", "2023-11-04 08:00", "Cơn bão gây mưa lớn."
            ),
            "content/thoi-su/moi.md": article(
                "Bão Kajiki vào vịnh Bắc Bộ", "2025-04-20 09:07", "Cơn bão mạnh cấp mười."
            ),
            "content/the-thao/bong-da.md": article("Đội tuyển thắng", "2025-04-21 20:00"),
        },
    )
    assert main(["build", "--site", str(root), "--now", NOW, "--jobs", "1"]) == 0
    with serve(root / "public") as url:
        yield url


@needs_pagefind
@pytest.mark.slow
@pytest.mark.browser
def test_one_search_finds_articles_from_every_shard(two_years_url) -> None:
    """The reader sees one list: the newest year's index merged with the older one."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(two_years_url + "/tim-kiem/?q=con%20bao")
        results = page.locator(".pagefind-ui__result-link")
        page.wait_for_function(
            "document.querySelectorAll('.pagefind-ui__result-link').length >= 2", timeout=15000
        )
        hrefs = sorted(results.nth(i).get_attribute("href") or "" for i in range(results.count()))
        assert hrefs == ["/thoi-su/bao-damrey-do-bo-mien-trung/", "/thoi-su/bao-kajiki-vao-vinh-bac-bo/"]
        assert errors == []

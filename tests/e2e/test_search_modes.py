"""`search:` in newsgen.yaml: full text, headlines only (cheap for big archives), or off."""

from __future__ import annotations

import pytest

from newsgen import search
from tests.conftest import article, parse_html

FILES = {
    "content/thoi-su/bao.md": article(
        "Bão số 3 đổ bộ", "2025-04-22 09:07", "Gió giật cấp 12 ở Hạ Long."
    )
}
CONFIG = "title: T\nbase_url: https://bao.example/\n"


def test_headlines_mode_keeps_the_body_out_of_the_index(site, build) -> None:
    root = site(FILES, CONFIG + "search: headlines\n")
    assert build(root)[0] == 0
    page = parse_html(root / "public/thoi-su/bao-so-3-do-bo/index.html")
    body = page.find(".//div[@class='body']")
    assert body is not None and body.get("data-pagefind-ignore") is not None
    assert page.find(".//article[@data-pagefind-body]") is not None


def test_full_mode_indexes_the_body(site, build) -> None:
    root = site(FILES, CONFIG)
    assert build(root)[0] == 0
    page = parse_html(root / "public/thoi-su/bao-so-3-do-bo/index.html")
    assert page.find(".//div[@class='body']").get("data-pagefind-ignore") is None


@pytest.mark.parametrize("value", ["off", "false"])
def test_off_means_no_index_no_search_page_no_search_box(site, build, value: str) -> None:
    root = site(FILES, CONFIG + f"search: {value}\n")
    assert build(root)[0] == 0
    public = root / "public"
    assert not (public / search.OUTPUT_DIR).exists()
    assert not (public / "tim-kiem").exists()
    home = parse_html(public / "index.html")
    assert home.find(".//form[@role='search']") is None


def test_an_unknown_mode_is_an_error_with_its_line(site, build) -> None:
    root = site(FILES, CONFIG + "search: maybe\n")
    code, _, err = build(root)
    assert code == 1
    assert "newsgen.yaml:3: search: 'maybe' is not full, headlines or off" in err

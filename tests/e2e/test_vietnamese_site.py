"""Every Vietnamese rule holds through the built site, not only in unit tests."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from tests.conftest import article, parse_html, text_of


def nfd(text: str) -> str:
    """Return text in decomposed form, as some Mac editors save it."""
    return unicodedata.normalize("NFD", text)


FILES = {
    "content/thoi-su/mot.md": nfd(
        article("Hòa Bình khởi công thủy điện", "2025-04-20 08:00", "Người dân Hòa Bình phấn khởi.", tags="[Hòa Bình, Đường]")
    ),
    "content/thoi-su/hai.md": article(
        "Hoà Bình đón khách du lịch", "2025-04-21 08:00", "Du khách đến Hoà Bình.", tags="[Hoà Bình, Dương]"
    ),
    "content/thoi-su/ba.md": article(
        "realme ra mắt C75x giá 4,69 triệu đồng", "2025-04-21T23:30:00-05:00", "Điện thoại mới.", tags="[hòa bình]"
    ),
    "content/thoi-su/bon.md": article("H’Hen Niê về thăm TP.HCM", "22/04/2025 10:00", "Hoa hậu về thăm.", tags="[ưu đãi, ấn độ, an ninh, đà nẵng, bóng đá, ảnh]"),
    "content/thoi-su/nam.md": article("Không để ai bị bỏ lại phía sau", "2025-04-23", "Chuyển đổi số cho mọi người."),
}


def built(site, build) -> Path:  # type: ignore[no-untyped-def]
    """Build the site above and return its output folder."""
    root = site(FILES)
    code, _, err = build(root)
    assert code == 0, err
    return root / "public"


def test_output_has_no_combining_marks_and_nfd_paths_become_nfc(site, build) -> None:
    public = built(site, build)
    for path in public.rglob("*"):
        assert unicodedata.is_normalized("NFC", path.name)
        if path.suffix in (".html", ".xml", ".json"):
            text = path.read_text(encoding="utf-8")
            assert not any(unicodedata.combining(c) for c in text), path
    page = parse_html(public / "thoi-su/hoa-binh-khoi-cong-thuy-dien/index.html")
    assert text_of(page.find(".//h1")) == "Hòa Bình khởi công thủy điện"  # body and title keep the author's spelling


def test_both_tone_styles_and_nfd_are_one_tag_shown_in_old_style(site, build) -> None:
    public = built(site, build)
    tag_pages = sorted(p.parent.name for p in (public / "tag").glob("*/index.html"))
    assert tag_pages.count("hoa-binh") == 1
    assert "hoa-binh-2" not in tag_pages
    page = parse_html(public / "tag/hoa-binh/index.html")
    assert text_of(page.find(".//h1")) == "Hoà Bình"
    assert len(page.findall(".//h2")) == 3


def test_tags_that_fold_alike_get_distinct_slugs_in_date_order(site, build) -> None:
    public = built(site, build)
    assert text_of(parse_html(public / "tag/duong/index.html").find(".//h1")) == "Đường"
    assert text_of(parse_html(public / "tag/duong-2/index.html").find(".//h1")) == "Dương"


def test_slugs_follow_vietnamese_news_conventions(site, build) -> None:
    public = built(site, build)
    assert (public / "thoi-su/realme-ra-mat-c75x-gia-4-69-trieu-dong/index.html").is_file()
    assert (public / "thoi-su/hhen-nie-ve-tham-tp-hcm/index.html").is_file()
    assert (public / "thoi-su/khong-de-ai-bi-bo-lai-phia-sau/index.html").is_file()


def test_dates_are_shown_in_the_site_time_zone(site, build) -> None:
    public = built(site, build)
    page = parse_html(public / "thoi-su/realme-ra-mat-c75x-gia-4-69-trieu-dong/index.html")
    time = page.find(".//p[@class='dateline']/time")
    assert text_of(time) == "Thứ ba, 22/04/2025 11:30"
    assert time.get("datetime") == "2025-04-22T11:30:00+07:00"
    day_first = parse_html(public / "thoi-su/hhen-nie-ve-tham-tp-hcm/index.html")
    assert text_of(day_first.find(".//p[@class='dateline']/time")) == "Thứ ba, 22/04/2025 10:00"


def test_tag_index_is_in_vietnamese_alphabetical_order(site, build) -> None:
    public = built(site, build)
    page = parse_html(public / "tag/index.html")
    names = [text_of(a) for a in page.findall(".//ul[@class='terms']/li/a")]
    assert names == ["an ninh", "ảnh", "ấn độ", "bóng đá", "Dương", "đà nẵng", "Đường", "Hoà Bình", "ưu đãi"]


def test_two_articles_with_one_slug_are_an_error_naming_both(site, build) -> None:
    files = {
        "content/thoi-su/a.md": article("Bão số 3", "2025-04-20 08:00"),
        "content/thoi-su/b.md": article("Bảo số 3", "2025-04-21 08:00"),
    }
    root = site(files)
    code, _, err = build(root)
    assert code == 1
    assert "content/thoi-su/b.md:2: slug: /thoi-su/bao-so-3/ is also the URL of content/thoi-su/a.md" in err
    assert not (root / "public").exists()

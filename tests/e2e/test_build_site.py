"""End to end: build small sites into temp folders and read the output with an HTML parser."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import article, jpeg, parse_html, text_of

JPEG = jpeg(40, 30)

FILES = {
    "content/thoi-su/bao-so-3.md": article(
        "Bão số 3 đổ bộ Quảng Ninh",
        "2025-04-22 09:07",
        "Cơn bão mạnh đổ bộ.\n\n![](anh-bao.jpg)\n\nNgười dân sơ tán.",
        author="Kim Bằng",
        tags="[Thời tiết, Quảng Ninh]",
        summary='"Bão số 3 đã đổ bộ vào Quảng Ninh sáng nay."',
        captions='{anh-bao.jpg: "Sóng lớn ở Hạ Long."}',
    ),
    "content/thoi-su/anh-bao.jpg": JPEG,
    "content/thoi-su/mua-lon.md": article(
        "Mưa lớn sau bão",
        "2025-04-23 07:00",
        "Mưa lớn kéo dài.",
        author="Minh Anh",
        tags="[Thời tiết]",
    ),
    "content/the-thao/bong-da.md": article(
        "Đội tuyển thắng đậm",
        "2025-04-21 20:00",
        "Trận đấu hay.",
        author="Minh Anh",
        category="Thể thao",
    ),
}


def test_article_page_reads_like_a_vietnamese_news_page(site, build) -> None:
    root = site(FILES)
    code, out, err = build(root)
    assert code == 0, err
    assert out.startswith("built 3 articles:")
    page = root / "public/thoi-su/bao-so-3-do-bo-quang-ninh/index.html"
    tree = parse_html(page)
    assert tree.get("lang") == "vi"
    assert text_of(tree.find(".//title")) == "Bão số 3 đổ bộ Quảng Ninh - Báo Thử"
    assert (
        tree.find(".//meta[@name='description']").get("content")
        == "Bão số 3 đã đổ bộ vào Quảng Ninh sáng nay."
    )
    canonical = tree.find(".//link[@rel='canonical']").get("href")
    assert canonical == "https://bao.example/thoi-su/bao-so-3-do-bo-quang-ninh/"
    (h1,) = tree.findall(".//h1")
    assert text_of(h1) == "Bão số 3 đổ bộ Quảng Ninh"
    time = tree.find(".//p[@class='dateline']/time")
    assert time.get("datetime") == "2025-04-22T09:07:00+07:00"
    assert text_of(time) == "Thứ ba, 22/04/2025 09:07"
    assert text_of(tree.find(".//p[@class='sapo']")) == "Bão số 3 đã đổ bộ vào Quảng Ninh sáng nay."
    figure = tree.find(".//figure")
    assert figure.find("img").get("src") == "anh-bao.jpg"
    assert figure.find("img").get("alt") == "Sóng lớn ở Hạ Long."
    assert text_of(figure.find("figcaption")) == "Sóng lớn ở Hạ Long."
    assert (page.parent / "anh-bao.jpg").read_bytes()[:2] == JPEG[:2]  # re-encoded, no EXIF
    assert (figure.find("img").get("width"), figure.find("img").get("height")) == ("40", "30")
    assert text_of(tree.find(".//p[@class='byline']")) == "Kim Bằng"
    crumbs = [a.get("href") for a in tree.findall(".//nav[@class='breadcrumb']/a")]
    assert crumbs == ["/", "/thoi-su/"]


def test_xem_them_links_related_articles_never_itself(site, build) -> None:
    root = site(FILES)
    assert build(root)[0] == 0
    tree = parse_html(root / "public/thoi-su/bao-so-3-do-bo-quang-ninh/index.html")
    nav = tree.find(".//nav[@class='xem-them']")
    links = [a.get("href") for a in nav.findall(".//li/a")]
    assert "/thoi-su/bao-so-3-do-bo-quang-ninh/" not in links
    assert links[0] == "/thoi-su/mua-lon-sau-bao/"
    last = nav.findall(".//a")[-1]
    assert text_of(last) == "Xem thêm" and last.get("href") == "/thoi-su/"


def test_home_and_category_pages_list_newest_first(site, build) -> None:
    root = site(FILES)
    assert build(root)[0] == 0
    home = parse_html(root / "public/index.html")
    titles = [text_of(h) for h in home.findall(".//h2[@class='entry-title']")]
    assert titles == ["Mưa lớn sau bão", "Bão số 3 đổ bộ Quảng Ninh", "Đội tuyển thắng đậm"]
    section = parse_html(root / "public/the-thao/index.html")
    assert text_of(section.find(".//h1")) == "Thể thao"
    assert [text_of(h) for h in section.findall(".//h2")] == ["Đội tuyển thắng đậm"]


def test_pagination_puts_page_n_under_page(site, build) -> None:
    files = {
        f"content/thoi-su/tin-{i}.md": article(f"Tin số {i}", f"2025-04-{10 + i:02d} 08:00")
        for i in range(5)
    }
    root = site(files, "title: T\nbase_url: https://bao.example/\nper_page: 2\n")
    assert build(root)[0] == 0
    assert (root / "public/page/2/index.html").is_file()
    assert (root / "public/page/3/index.html").is_file()
    assert not (root / "public/page/4").exists()
    page2 = parse_html(root / "public/thoi-su/page/2/index.html")
    assert [text_of(h) for h in page2.findall(".//h2")] == ["Tin số 2", "Tin số 1"]


def test_broken_articles_give_one_line_each_and_keep_old_output(site, build) -> None:
    root = site(FILES)
    assert build(root)[0] == 0
    before = {p: p.read_bytes() for p in (root / "public").rglob("*") if p.is_file()}
    (root / "content/thoi-su/hong-1.md").write_text(
        '---\ntitle: "x"\ndate: 2025-02-30\n---\n', encoding="utf-8"
    )
    (root / "content/thoi-su/hong-2.md").write_text(
        "---\ntitle: [\ndate: 2025-01-01\n---\n", encoding="utf-8"
    )
    (root / "content/thoi-su/hong-3.md").write_text("không có front matter\n", encoding="utf-8")
    code, out, err = build(root)
    assert code == 1
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines == [
        "content/thoi-su/hong-1.md:3: date: '2025-02-30' is not a real date (write 2025-02-28)",
        "content/thoi-su/hong-2.md:2: title: YAML could not read this line (put the title in quotes)",
        "content/thoi-su/hong-3.md:1: front matter is missing (start the file with a line '---', then 'title:' and 'date:' lines, then '---')",
        "3 errors in 3 files; nothing written",
    ]
    after = {p: p.read_bytes() for p in (root / "public").rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".public")] == []


def test_site_template_overrides_theme_and_can_extend_it(site, build) -> None:
    files = dict(FILES)
    files["templates/article.html"] = (
        '{% extends "theme/article.html" %}\n{% block title %}RIÊNG: {{ article.title }}{% endblock %}\n'
    )
    root = site(files)
    assert build(root)[0] == 0
    tree = parse_html(root / "public/thoi-su/bao-so-3-do-bo-quang-ninh/index.html")
    assert text_of(tree.find(".//title")) == "RIÊNG: Bão số 3 đổ bộ Quảng Ninh"
    assert text_of(tree.find(".//h1")) == "Bão số 3 đổ bộ Quảng Ninh"


def test_undefined_template_variable_is_an_error(site, build) -> None:
    files = dict(FILES)
    files["templates/404.html"] = "{{ khong_co }}\n"
    root = site(files)
    code, _, err = build(root)
    assert code == 1
    assert "khong_co" in err and "Traceback" not in err
    assert not (root / "public").exists()


def test_bad_config_names_key_and_line(site, build) -> None:
    root = site(FILES, "title: T\nper_page: nhiều\nthem: default\n")
    code, _, err = build(root)
    assert code == 1
    assert "newsgen.yaml:2: per_page: must be a whole number, not 'nhiều'" in err
    assert "newsgen.yaml:3: them: unknown key" in err


def test_usage_error_exits_2(site) -> None:
    from newsgen.cli import main

    assert main(["build", "--no-such-flag"]) == 2


def test_sample_site_builds(sample_site: Path, build) -> None:
    code, out, err = build(sample_site)
    assert code == 0, err
    page = sample_site / "public/chuyen-doi-so"
    reference = next(page.glob("ung-dung-du-lieu-va-tri-tue-nhan-tao*/index.html"))
    tree = parse_html(reference)
    assert len(tree.findall(".//figure/figcaption")) == 5
    assert text_of(tree.find(".//p[@class='byline']")) == "Kim Bằng"
    assert text_of(tree.find(".//p[@class='dateline']")) == "Thứ ba, 22/04/2025 09:07"


def test_every_page_of_the_sample_site_is_valid_and_every_link_resolves(
    sample_site: Path, capsys
) -> None:
    """`newsgen check` parses every page and feed, and follows every internal link and image."""
    from newsgen.cli import main

    code = main(
        [
            "--lang",
            "en",
            "check",
            "--site",
            str(sample_site),
            "--now",
            "2025-05-01T12:00:00+07:00",
            "--strict",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "no problems" in out

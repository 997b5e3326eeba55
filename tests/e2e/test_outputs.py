"""End to end: the news site around the articles, read with the parsers aggregators and crawlers use."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser

from tests.conftest import article, jpeg, parse_html, text_of

JPEG = jpeg(40, 30)
BASE = "https://bao.example/"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
BAO = "/thoi-su/bao-so-3-do-bo-quang-ninh/"
SECRET_TITLES = ("Tin cấm vận giờ G", "Bản nháp tuyệt mật", "Tin đã hết hạn")

FILES: dict[str, str | bytes] = {
    "content/thoi-su/bao-so-3.md": article(
        "Bão số 3 đổ bộ Quảng Ninh",
        "2025-04-30 09:07",
        "Cơn bão mạnh đổ bộ.\n\n![](anh-bao.jpg)\n\nXem [ảnh gốc](anh-bao.jpg) và <b>tin</b> & ảnh.",
        author="[Kim Bằng, Minh Anh]",
        tags="[Thời tiết, Quảng Ninh]",
        summary='"Bão số 3 đã đổ bộ vào Quảng Ninh sáng nay."',
        captions='{anh-bao.jpg: "Sóng lớn ở Hạ Long."}',
        updated="2025-04-30 15:30",
        category="Thời sự",
    ),
    "content/thoi-su/anh-bao.jpg": JPEG,
    "content/the-thao/bong-da.md": article(
        "Đội tuyển thắng đậm", "2025-04-20 20:00", "Trận đấu hay.", author="Minh Anh"
    ),
    "content/thoi-su/cam-van.md": article(
        SECRET_TITLES[0], "2025-05-02 08:00", "Nội dung cấm vận.", tags="[Bí mật riêng]"
    ),
    "content/thoi-su/nhap.md": article(
        SECRET_TITLES[1], "2025-04-29 08:00", "Chưa duyệt.", draft="true", author="Người Ẩn Danh"
    ),
    "content/thoi-su/het-han.md": article(
        SECRET_TITLES[2], "2025-04-01 08:00", "Cũ.", expires="2025-04-30 00:00"
    ),
}


def built(site, build, files=FILES, config=None, *args: str) -> Path:  # type: ignore[no-untyped-def]
    """Build a site and return its output folder."""
    root = site(files, config)
    code, _out, err = build(root, *args)
    assert code == 0, err
    return root / "public"


def every_output_text(public: Path) -> str:
    """Return every file of the output as text, to look for leaks."""
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace") for p in sorted(public.rglob("*")) if p.is_file()
    )


def test_site_feed_is_valid_rss_with_full_content_and_absolute_images(site, build) -> None:
    public = built(site, build)
    feed = feedparser.parse((public / "rss.xml").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert feed.feed.language == "vi"
    assert feed.feed.link == BASE
    assert [e.title for e in feed.entries] == ["Bão số 3 đổ bộ Quảng Ninh", "Đội tuyển thắng đậm"]
    entry = feed.entries[0]
    assert entry.link == BASE + BAO.lstrip("/")
    assert entry.id == entry.link
    assert entry.published == "Wed, 30 Apr 2025 09:07:00 +0700"
    assert entry.summary == "Bão số 3 đã đổ bộ vào Quảng Ninh sáng nay."
    html = entry.content[0].value
    image = BASE + BAO.lstrip("/") + "anh-bao.jpg"
    assert f'src="{image}"' in html
    assert f'href="{image}"' in html
    assert "Sóng lớn ở Hạ Long." in html
    assert [t.term for t in entry.tags] == ["Thời sự", "Thời tiết", "Quảng Ninh"]


def test_each_category_has_its_own_feed_and_items_are_capped(site, build) -> None:
    config = f"title: Báo Thử\nbase_url: {BASE}\nfeeds:\n  items: 1\n"
    public = built(site, build, FILES, config)
    sports = feedparser.parse((public / "the-thao/rss.xml").read_bytes())
    assert sports.bozo == 0
    assert [e.title for e in sports.entries] == ["Đội tuyển thắng đậm"]
    assert len(feedparser.parse((public / "rss.xml").read_bytes()).entries) == 1
    head = parse_html(public / "the-thao/index.html")
    feeds = [link.get("href") for link in head.findall(".//link[@type='application/rss+xml']")]
    assert feeds == [BASE + "rss.xml", BASE + "the-thao/rss.xml"]


def test_sitemap_lists_every_page_with_lastmod_and_nothing_else(site, build) -> None:
    public = built(site, build)
    root = ET.parse(public / "sitemap.xml").getroot()
    assert root.tag == SM + "urlset"
    urls = {u.findtext(SM + "loc"): u.findtext(SM + "lastmod") for u in root.iter(SM + "url")}
    expected = {
        "", BAO.lstrip("/"), "thoi-su/", "the-thao/", "tag/", "tag/thoi-tiet/", "tac-gia/",
        "tac-gia/kim-bang/", "2025/04/",
    }  # fmt: skip
    assert {BASE + path for path in expected} <= set(urls)
    assert BASE + "404.html" not in urls
    assert urls[BASE + BAO.lstrip("/")] == "2025-04-30T15:30:00+07:00"
    assert all(lastmod for lastmod in urls.values())
    indexable = {
        BASE + page.parent.relative_to(public).as_posix().removeprefix(".") + "/"
        for page in public.rglob("index.html")
        if parse_html(page).find(".//meta[@name='robots']") is None
    }
    assert set(urls) == {u.replace("example//", "example/") for u in indexable}


def test_news_sitemap_has_only_the_last_two_days_in_google_news_format(site, build) -> None:
    public = built(site, build)
    root = ET.parse(public / "news-sitemap.xml").getroot()
    (url,) = root.iter(SM + "url")
    assert url.findtext(SM + "loc") == BASE + BAO.lstrip("/")
    news = url.find(NEWS + "news")
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Báo Thử"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "vi"
    assert news.findtext(NEWS + "title") == "Bão số 3 đổ bộ Quảng Ninh"
    assert news.findtext(NEWS + "publication_date") == "2025-04-30T09:07:00+07:00"


def test_news_sitemap_window_follows_source_date_epoch(site, monkeypatch, capsys) -> None:
    from newsgen.cli import main

    root = site(FILES)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1746230400")  # 2025-05-03: the storm is old news
    assert main(["build", "--site", str(root), "--jobs", "1"]) == 0
    capsys.readouterr()
    news = ET.parse(root / "public/news-sitemap.xml").getroot()
    titles = [t.text for t in news.iter(NEWS + "title")]
    assert titles == [SECRET_TITLES[0]]  # the embargo has lifted by then


def test_robots_txt_points_to_both_sitemaps(site, build) -> None:
    public = built(site, build)
    lines = (public / "robots.txt").read_text().splitlines()
    assert f"Sitemap: {BASE}sitemap.xml" in lines
    assert f"Sitemap: {BASE}news-sitemap.xml" in lines


def test_article_head_has_open_graph_twitter_and_json_ld(site, build) -> None:
    public = built(site, build)
    tree = parse_html(public / BAO.lstrip("/") / "index.html")
    og: dict[str, list[str]] = {}
    for meta in tree.findall(".//meta[@property]"):
        og.setdefault(meta.get("property"), []).append(meta.get("content"))
    image = BASE + BAO.lstrip("/") + "anh-bao-og.jpg"  # the social-card copy of the image
    assert og["og:type"] == ["article"]
    assert og["og:title"] == ["Bão số 3 đổ bộ Quảng Ninh"]
    assert og["og:description"] == ["Bão số 3 đã đổ bộ vào Quảng Ninh sáng nay."]
    assert og["og:image"] == [image]
    assert og["og:locale"] == ["vi_VN"]
    assert og["article:published_time"] == ["2025-04-30T09:07:00+07:00"]
    assert og["article:modified_time"] == ["2025-04-30T15:30:00+07:00"]
    assert og["article:author"] == ["Kim Bằng", "Minh Anh"]
    assert og["article:section"] == ["Thời sự"]
    assert og["article:tag"] == ["Thời tiết", "Quảng Ninh"]
    twitter = {m.get("name"): m.get("content") for m in tree.findall(".//meta[@name]")}
    assert twitter["twitter:card"] == "summary_large_image"
    assert twitter["twitter:image"] == image
    scripts = tree.findall(".//script[@type='application/ld+json']")
    data = {d["@type"]: d for d in (json.loads(s.text) for s in scripts)}
    news = data["NewsArticle"]
    assert news["@context"] == "https://schema.org"
    assert news["headline"] == "Bão số 3 đổ bộ Quảng Ninh"
    assert news["description"] == "Bão số 3 đã đổ bộ vào Quảng Ninh sáng nay."
    assert news["image"] == [image]
    assert news["datePublished"] == "2025-04-30T09:07:00+07:00"
    assert news["dateModified"] == "2025-04-30T15:30:00+07:00"
    assert news["author"] == [
        {"@type": "Person", "name": "Kim Bằng"},
        {"@type": "Person", "name": "Minh Anh"},
    ]
    assert news["publisher"]["name"] == "Báo Thử"
    assert news["inLanguage"] == "vi"
    assert news["mainEntityOfPage"]["@id"] == BASE + BAO.lstrip("/")
    crumbs = data["BreadcrumbList"]["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "Trang chủ", BASE),
        (2, "Thời sự", BASE + "thoi-su/"),
        (3, "Bão số 3 đổ bộ Quảng Ninh", BASE + BAO.lstrip("/")),
    ]


def test_json_ld_survives_a_title_that_tries_to_close_the_script(site, build) -> None:
    title = '</script><script>alert(1)</script> & \\"ngoặc\\"'
    files = {"content/thoi-su/x.md": article(title, "2025-04-30 09:00", slug="tieu-de-la")}
    public = built(site, build, files)
    tree = parse_html(public / "thoi-su/tieu-de-la/index.html")
    scripts = tree.findall(".//script[@type='application/ld+json']")
    headlines = [json.loads(s.text).get("headline") for s in scripts]
    assert '</script><script>alert(1)</script> & "ngoặc"' in headlines
    others = [s for s in tree.findall(".//script") if s.get("type") != "application/ld+json"]
    assert all("alert" not in (s.text or "") for s in others)


def test_embargoed_draft_and_expired_articles_leak_nowhere(site, build) -> None:
    root = site(FILES)
    code, out, err = build(root)
    assert code == 0, err
    everything = every_output_text(root / "public")
    for title in SECRET_TITLES:
        assert title not in everything
    assert "bi-mat-rieng" not in everything and "nguoi-an-danh" not in everything
    assert "next scheduled change: 2025-05-02T08:00:00+07:00" in out
    schedule = json.loads((root / ".newsgen/schedule.json").read_text())
    assert schedule["next_change"] == "2025-05-02T08:00:00+07:00"
    assert schedule["next_change_utc"] == "2025-05-02T01:00:00Z"
    assert not (root / "public/.newsgen").exists()


def test_future_and_drafts_flags_show_them_but_not_to_crawlers(site, build) -> None:
    root = site(FILES)
    code, _out, err = build(root, "--future", "--drafts")
    assert code == 0, err
    public = root / "public"
    assert (public / "thoi-su/tin-cam-van-gio-g/index.html").is_file()
    assert (public / "thoi-su/ban-nhap-tuyet-mat/index.html").is_file()
    for machine in ("rss.xml", "thoi-su/rss.xml", "sitemap.xml", "news-sitemap.xml"):
        text = (public / machine).read_text()
        assert SECRET_TITLES[0] not in text and "ban-nhap-tuyet-mat" not in text, machine


def test_pagination_never_collides_between_similar_names(site, build) -> None:
    files = {
        "content/thoi-su/a.md": article("Bài một", "2025-04-20 08:00", author="Phóng viên 1"),
        "content/thoi-su/b.md": article("Bài hai", "2025-04-21 08:00", author="Phóng viên 1"),
        "content/thoi-su/c.md": article("Bài ba", "2025-04-22 08:00", author="Phóng viên 12"),
        "content/tag/d.md": article("Bài bốn", "2025-04-23 08:00", tags="[Mưa]"),
    }
    config = f"base_url: {BASE}\nper_page: 1\n"
    public = built(site, build, files, config)

    def titles(rel: str) -> list[str]:
        tree = parse_html(public / rel / "index.html")
        return [text_of(a) for a in tree.findall(".//*[@class='entry-title']/a")]

    assert titles("tac-gia/phong-vien-1") == ["Bài hai"]
    assert titles("tac-gia/phong-vien-1/page/2") == ["Bài một"]
    assert titles("tac-gia/phong-vien-12") == ["Bài ba"]
    assert not (public / "tac-gia/phong-vien-12/page/2").exists()
    # a section called "tag" must not take over the tags index
    assert titles("tag-2") == ["Bài bốn"]
    assert (public / "tag-2/bai-bon/index.html").is_file()
    terms = parse_html(public / "tag/index.html")
    assert [a.get("href") for a in terms.findall(".//ul[@class='terms']//a")] == ["/tag/mua/"]
    home2 = parse_html(public / "page/2/index.html")
    assert [text_of(a) for a in home2.findall(".//*[@class='entry-title']/a")] == ["Bài ba"]


def test_listing_entries_show_thumbnail_date_and_sapo(site, build) -> None:
    public = built(site, build)
    home = parse_html(public / "index.html")
    entry = next(
        e
        for e in home.iter("article")
        if "Bão số 3" in text_of(e.find(".//*[@class='entry-title']"))
    )
    # the lead story of the home page shows the large picture; other entries the list thumbnail
    expected = "anh-bao-og.jpg" if "entry-lead" in entry.get("class", "") else "anh-bao-thumb.jpg"
    assert entry.find(".//img").get("src") == BAO + expected
    assert entry.find(".//time").get("datetime") == "2025-04-30T09:07:00+07:00"
    assert (
        text_of(entry.find(".//p[@class='sapo']")) == "Bão số 3 đã đổ bộ vào Quảng Ninh sáng nay."
    )
    assert (public / "404.html").is_file()


def test_tag_and_author_indexes_in_vietnamese_order_with_counts(site, build) -> None:
    files = {
        "content/thoi-su/a.md": article(
            "A", "2025-04-20 08:00", tags="[Đà Nẵng, Bắc Ninh, An Giang]"
        ),
        "content/thoi-su/b.md": article("B", "2025-04-21 08:00", tags="[Đà Nẵng, Cà Mau]"),
    }
    public = built(site, build, files)
    tree = parse_html(public / "tag/index.html")
    items = [text_of(li) for li in tree.findall(".//ul[@class='terms']/li")]
    assert items == ["An Giang (1)", "Bắc Ninh (1)", "Cà Mau (1)", "Đà Nẵng (2)"]


def test_path_words_come_from_newsgen_yaml(site, build) -> None:
    config = f"base_url: {BASE}\nper_page: 1\npaths:\n  tag: chu-de\n  author: nguoi-viet\n  page: trang\n"
    public = built(site, build, FILES, config)
    assert (public / "chu-de/thoi-tiet/index.html").is_file()
    assert (public / "chu-de/index.html").is_file()
    assert (public / "nguoi-viet/minh-anh/trang/2/index.html").is_file()
    assert (public / "trang/2/index.html").is_file()
    assert not (public / "tag").exists() and not (public / "page").exists()


def test_sub_path_base_url_puts_every_link_under_it(site, build) -> None:
    base = "https://user.github.io/bao/"
    public = built(site, build, FILES, f"title: Báo Thử\nbase_url: {base}\n")
    for page in public.rglob("*.html"):
        tree = parse_html(page)
        for node in tree.iter():
            for attr in ("href", "src"):
                value = node.get(attr) or ""
                if value.startswith("/"):
                    assert value.startswith("/bao/"), (page, value)
                elif value.startswith("http"):
                    assert value.startswith(base), (page, value)
    feed = feedparser.parse((public / "rss.xml").read_bytes())
    assert feed.bozo == 0
    assert feed.entries[0].link == base + BAO.lstrip("/")
    assert f'src="{base}{BAO.lstrip("/")}anh-bao.jpg"' in feed.entries[0].content[0].value
    locs = [u.text for u in ET.parse(public / "sitemap.xml").getroot().iter(SM + "loc")]
    assert locs and all(loc.startswith(base) for loc in locs)
    assert f"Sitemap: {base}news-sitemap.xml" in (public / "robots.txt").read_text()


def test_sample_site_outputs_are_valid(sample_site: Path, build) -> None:
    code, _out, err = build(sample_site, "--future")
    assert code == 0, err
    public = sample_site / "public"
    for feed_path in public.rglob("rss.xml"):
        feed = feedparser.parse(feed_path.read_bytes())
        assert feed.bozo == 0, (feed_path, feed.get("bozo_exception"))
        assert feed.entries
    for page in public.rglob("index.html"):
        for script in parse_html(page).findall(".//script[@type='application/ld+json']"):
            assert json.loads(script.text)["@context"] == "https://schema.org"


def test_one_process_building_two_base_urls_links_each_under_its_own(site, build) -> None:
    """Compiled templates are shared within a process, never across configurations."""
    built(site, build, FILES, "title: Báo Thử\nbase_url: https://bao.example/\n")
    public = built(site, build, FILES, "title: Báo Thử\nbase_url: https://user.github.io/bao/\n")
    html = (public / "404.html").read_text(encoding="utf-8")
    assert 'href="/bao/assets/favicon.svg"' in html

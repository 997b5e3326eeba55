"""Units of the news-site outputs: sitemap splitting, absolute URLs, the schedule, reserved slugs."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from newsgen.config import SiteConfig
from newsgen.content import Article
from newsgen.index import Options, build_index, next_change
from newsgen.outputs import schedule, sitemaps
from newsgen.outputs.urls import absolute, absolutize_html
from newsgen.pages import Page, plan_pages

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2025, 5, 1, 12, 0, tzinfo=VN)


def make(title: str, when: str, **extra: Any) -> Article:
    """Return a minimal article published at `when` (ISO, Vietnam time)."""
    values: dict[str, Any] = {
        "rel": f"content/x/{title}.md",
        "sha256": "0",
        "title": title,
        "date": dt.datetime.fromisoformat(when).replace(tzinfo=VN),
        "updated": None,
        "expires": None,
        "authors": (),
        "category": "Thời sự",
        "tags": (),
        "summary": "Sapo.",
        "slug": title.lower(),
        "draft": False,
        "cover": None,
        "cover_alt": "",
        "body_html": "<p>Nội dung.</p>",
        "images": (),
        "related_pins": (),
        "related_exclude": (),
        "related_enabled": True,
        "aliases": (),
        "terms": (),
        "lines": (),
    }
    values.update(extra)
    return Article(**values)


def config(tmp_path: Path, **extra: Any) -> SiteConfig:
    """Return a site config for a sub-path site."""
    return SiteConfig(site_dir=tmp_path, base_url="https://user.github.io/bao/", **extra)


def test_absolute_urls_stay_under_the_sub_path(tmp_path: Path) -> None:
    site = config(tmp_path)
    assert absolute(site, "/") == "https://user.github.io/bao/"
    assert absolute(site, "/thoi-su/a/") == "https://user.github.io/bao/thoi-su/a/"
    assert absolute(site, "https://cdn.example/a.jpg") == "https://cdn.example/a.jpg"


def test_article_html_gets_absolute_links_and_images() -> None:
    page = "https://user.github.io/bao/thoi-su/a/"
    html = (
        '<figure><img src="anh.jpg" alt="x"></figure><a href="/bao/b/">b</a>'
        '<a href="https://other.example/">o</a><a href="#chu-thich">c</a>'
        '<a href="mailto:toa-soan@bao.vn">m</a><img src="anh.jpg?w=1&amp;h=2" alt="">'
    )
    out = absolutize_html(html, page)
    assert 'src="https://user.github.io/bao/thoi-su/a/anh.jpg"' in out
    assert 'href="https://user.github.io/bao/b/"' in out
    assert 'href="https://other.example/"' in out
    assert 'href="#chu-thich"' in out and 'href="mailto:toa-soan@bao.vn"' in out
    assert 'src="https://user.github.io/bao/thoi-su/a/anh.jpg?w=1&amp;h=2"' in out


def test_sitemap_splits_into_an_index_past_the_limit(tmp_path: Path) -> None:
    site = config(tmp_path)
    entries = [sitemaps.Entry(f"/a{n}/", NOW - dt.timedelta(days=n)) for n in range(5)]
    files = dict(sitemaps.sitemap_files(site, entries, limit=2))
    assert sorted(files) == ["/sitemap-1.xml", "/sitemap-2.xml", "/sitemap-3.xml", "/sitemap.xml"]
    index = ET.fromstring(files["/sitemap.xml"])
    assert index.tag == SM + "sitemapindex"
    locs = [s.findtext(SM + "loc") for s in index.iter(SM + "sitemap")]
    assert locs == [f"https://user.github.io/bao/sitemap-{n}.xml" for n in (1, 2, 3)]
    assert [s.findtext(SM + "lastmod") for s in index.iter(SM + "sitemap")][0] == (
        "2025-05-01T12:00:00+07:00"
    )
    parts = [ET.fromstring(files[f"/sitemap-{n}.xml"]) for n in (1, 2, 3)]
    assert [len(list(p.iter(SM + "url"))) for p in parts] == [2, 2, 1]


def test_small_sitemap_is_one_file(tmp_path: Path) -> None:
    files = sitemaps.sitemap_files(config(tmp_path), [sitemaps.Entry("/", None)])
    assert [url for url, _ in files] == ["/sitemap.xml"]
    root = ET.fromstring(files[0][1])
    assert root.tag == SM + "urlset"
    assert root.find(f"{SM}url/{SM}lastmod") is None


def test_news_sitemap_keeps_two_days_and_splits_per_thousand(tmp_path: Path) -> None:
    site = config(tmp_path)
    articles = [
        make("Moi", "2025-04-30 08:00"),
        make("Hom-qua", "2025-04-29 13:00"),
        make("Cu", "2025-04-29 11:59"),
        make("Mai", "2025-05-02 08:00"),
    ]
    index, problems = build_index(articles, site, Options(NOW, future=True))
    assert problems == []
    files = dict(sitemaps.news_sitemap_files(index, site, NOW, limit=1))
    assert sorted(files) == ["/news-sitemap-1.xml", "/news-sitemap-2.xml", "/news-sitemap.xml"]
    titles = [
        t.text
        for n in (1, 2)
        for t in ET.fromstring(files[f"/news-sitemap-{n}.xml"]).iter(
            "{http://www.google.com/schemas/sitemap-news/0.9}title"
        )
    ]
    assert titles == ["Moi", "Hom-qua"]


def test_next_change_is_the_next_embargo_or_expiry_never_a_draft() -> None:
    articles = [
        make("Nhap", "2025-05-01 20:00", draft=True),  # a draft's date never triggers a rebuild
        make("Het-han", "2025-04-01 08:00", expires=dt.datetime(2025, 5, 3, tzinfo=VN)),
        make("Cam-van", "2025-05-02 09:00"),
        make("Da-het", "2025-04-01 08:00", expires=dt.datetime(2025, 4, 30, tzinfo=VN)),
    ]
    assert next_change(articles, NOW) == dt.datetime(2025, 5, 2, 9, tzinfo=VN)
    only_expiry = Options(NOW, future=True)
    assert next_change(articles, NOW, only_expiry) == dt.datetime(2025, 5, 3, tzinfo=VN)
    assert next_change(articles[:1], NOW) is None
    assert next_change(articles[:1], NOW, Options(NOW, drafts=True)) == articles[0].date


def test_schedule_file_is_written_outside_the_output(tmp_path: Path) -> None:
    site = config(tmp_path)
    path = schedule.write_schedule(site, NOW, dt.datetime(2025, 5, 2, 1, tzinfo=dt.UTC))
    assert path == tmp_path / ".newsgen/schedule.json"
    assert json.loads(path.read_text()) == {
        "built_at": "2025-05-01T12:00:00+07:00",
        "next_change": "2025-05-02T08:00:00+07:00",
        "next_change_utc": "2025-05-02T01:00:00Z",
    }
    schedule.write_schedule(site, NOW, None)
    assert json.loads(path.read_text())["next_change"] is None
    assert [p.name for p in path.parent.iterdir()] == ["schedule.json"]


@pytest.mark.parametrize(
    ("category", "slug"), [("Tag", "tag-2"), ("Tác giả", "tac-gia-2"), ("2025", "2025-2")]
)
def test_a_section_never_takes_a_path_word_or_a_year(
    tmp_path: Path, category: str, slug: str
) -> None:
    index, _ = build_index(
        [make("A", "2025-04-20 08:00", category=category)], config(tmp_path), Options(NOW)
    )
    assert index.categories[0].url == f"/{slug}/"
    assert index.urls == (f"/{slug}/a/",)


def test_machine_files_are_byte_pages_and_html_pages_are_listed_once(tmp_path: Path) -> None:
    site = config(tmp_path, per_page=1)
    index, _ = build_index(
        [make("A", "2025-04-20 08:00"), make("B", "2025-04-21 08:00")], site, Options(NOW)
    )
    pages = list(plan_pages(index, site, NOW))
    outputs = [p.output for p in pages]
    assert len(outputs) == len(set(outputs))
    machine = {p.output for p in pages if p.template is None}
    assert {"rss.xml", "sitemap.xml", "news-sitemap.xml", "robots.txt"} <= machine
    assert "thoi-su/rss.xml" in machine
    assert {"page/2/index.html", "thoi-su/page/2/index.html"} <= set(outputs)
    assert Page("/a/", None, {}).output == "a/index.html"

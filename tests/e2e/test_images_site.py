"""End to end: article images in a built site are sized, resized, stripped of EXIF and cached."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image

from newsgen import content, images
from newsgen.config import load_config
from newsgen.errors import BuildFailed
from newsgen.request import BuildRequest, BuildResult
from newsgen.site import build
from tests.conftest import article, jpeg, parse_html, write_site

NOW = dt.datetime(2025, 5, 1, 5, 0, tzinfo=dt.UTC)
PAGE = "thoi-su/bao-so-3-do-bo-quang-ninh/"


def _gps_photo() -> bytes:
    """A 2000×1200 camera photo stored sideways (EXIF orientation 6) with a GPS position."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Máy ảnh phóng viên"
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)}
    return jpeg(2000, 1200, exif)


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (60, 40)).save(out, "GIF")
    return out.getvalue()


FILES: dict[str, str | bytes] = {
    "content/thoi-su/bao-so-3.md": article(
        "Bão số 3 đổ bộ Quảng Ninh",
        "2025-04-22 09:07",
        "Cơn bão mạnh đổ bộ.\n\n![](anh-bao.jpg)\n\nNgười dân sơ tán.\n\n![Bản đồ](ban-do.png)"
        "\n\n![Hoạt hình](mo-phong.gif)\n",
        captions='{anh-bao.jpg: "Sóng lớn ở Hạ Long. Ảnh: Kim Bằng"}',
    ),
    "content/thoi-su/anh-bao.jpg": _gps_photo(),
    "content/thoi-su/ban-do.png": b"",  # replaced below by a real PNG
    "content/thoi-su/mo-phong.gif": _gif(),
    "content/the-thao/bong-da.md": article("Đội tuyển thắng", "2025-04-20 20:00", "Trận hay."),
}


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 10)).save(out, "PNG")
    return out.getvalue()


FILES["content/thoi-su/ban-do.png"] = _png(700, 350)


def _build(site_dir: Path, output: Path, **options: object) -> BuildResult:
    options.setdefault("jobs", 1)
    config = load_config(site_dir)
    return build(BuildRequest(config=config, output=output, now=NOW, **options))  # type: ignore[arg-type]


@pytest.fixture
def built(tmp_path: Path) -> Path:
    site_dir = write_site(tmp_path / "site", FILES)
    _build(site_dir, tmp_path / "public")
    return tmp_path / "public"


def _img(public: Path, src: str):
    tree = parse_html(public / PAGE / "index.html")
    return next(i for i in tree.iter("img") if i.get("src") == src)


def test_body_images_get_dimensions_srcset_and_lazy_loading(built: Path) -> None:
    lead = _img(built, "anh-bao.jpg")
    assert (lead.get("width"), lead.get("height")) == ("1200", "2000")  # shown upright
    assert lead.get("srcset") == "anh-bao-480.jpg 480w, anh-bao-960.jpg 960w, anh-bao.jpg 1200w"
    assert lead.get("sizes") and lead.get("loading") is None  # the lead image loads at once
    assert lead.get("fetchpriority") == "high"
    second = _img(built, "ban-do.png")
    assert (second.get("width"), second.get("height"), second.get("loading")) == (
        "700",
        "350",
        "lazy",
    )
    assert second.get("srcset") == "ban-do-480.png 480w, ban-do.png 700w"


def test_variants_exist_and_are_never_upscaled(built: Path) -> None:
    folder = built / PAGE
    sizes = {p.name: Image.open(p).size for p in folder.iterdir() if p.suffix != ".html"}
    assert sizes["anh-bao.jpg"] == (1200, 2000)
    assert sizes["anh-bao-480.jpg"] == (480, 800)
    assert sizes["anh-bao-960.jpg"] == (960, 1600)
    assert sizes["anh-bao-thumb.jpg"] == (480, 320)
    assert sizes["anh-bao-og.jpg"] == (1200, 630)
    assert "anh-bao-1600.jpg" not in sizes  # 1600 would be wider than the 1200-px source
    assert sizes["ban-do-480.png"] == (480, 240) and "ban-do-960.png" not in sizes
    assert (folder / "mo-phong.gif").read_bytes() == FILES["content/thoi-su/mo-phong.gif"]
    assert sorted(n for n in sizes if n.startswith("mo-phong")) == ["mo-phong.gif"]


def test_gps_and_camera_exif_are_gone_and_orientation_applied(built: Path) -> None:
    published = sorted((built / PAGE).glob("anh-bao*.jpg"))
    assert len(published) == 5
    for path in published:
        data = path.read_bytes()
        assert not Image.open(path).getexif(), path.name
        assert "Máy ảnh".encode() not in data and b"Exif" not in data, path.name
    upright = Image.open(built / PAGE / "anh-bao.jpg").convert("RGB")
    top_right, top_left = upright.getpixel((1100, 100)), upright.getpixel((100, 100))
    assert isinstance(top_right, tuple) and isinstance(top_left, tuple)
    assert top_right[2] > 150  # the blue corner turned to the top right
    assert top_left[0] > 150


def test_lists_use_the_thumbnail_and_og_image_the_1200_wide_copy(built: Path) -> None:
    archive = parse_html(built / "2025/04/index.html")  # a plain list: no lead story
    thumbs = [i for i in archive.iter("img") if "anh-bao" in (i.get("src") or "")]
    assert [(i.get("src"), i.get("width"), i.get("height")) for i in thumbs] == [
        (f"/{PAGE}anh-bao-thumb.jpg", "480", "320")
    ]
    home = parse_html(built / "index.html")  # the newest story leads, with the large picture
    leads = [i for i in home.iter("img") if "anh-bao" in (i.get("src") or "")]
    assert [(i.get("src"), i.get("width"), i.get("height")) for i in leads] == [
        (f"/{PAGE}anh-bao-og.jpg", "1200", "630")
    ]
    page = parse_html(built / PAGE / "index.html")
    og = {m.get("property"): m.get("content") for m in page.iter("meta") if m.get("property")}
    assert og["og:image"] == f"https://bao.example/{PAGE}anh-bao-og.jpg"
    assert Image.open(built / PAGE / "anh-bao-og.jpg").width == 1200


def test_caption_credit_is_set_apart(built: Path) -> None:
    html = (built / PAGE / "index.html").read_text(encoding="utf-8")
    assert (
        '<figcaption>Sóng lớn ở Hạ Long. <span class="credit">Ảnh: Kim Bằng</span></figcaption>'
        in html
    )
    assert _img(built, "anh-bao.jpg").get("alt") == "Sóng lớn ở Hạ Long."


def test_unchanged_image_is_not_processed_twice(tmp_path: Path, monkeypatch) -> None:
    site_dir = write_site(tmp_path / "site", FILES)
    _build(site_dir, tmp_path / "public")
    monkeypatch.setattr(images, "_make", lambda *a: pytest.fail("an image was processed again"))
    _build(site_dir, tmp_path / "public-2")  # another output: nothing can be linked or skipped
    assert (tmp_path / "public-2" / PAGE / "anh-bao-og.jpg").read_bytes() == (
        tmp_path / "public" / PAGE / "anh-bao-og.jpg"
    ).read_bytes()


def test_replaced_image_is_seen_through_the_parse_cache(tmp_path: Path) -> None:
    site_dir = write_site(tmp_path / "site", FILES)
    _build(site_dir, tmp_path / "public")
    (site_dir / "content/thoi-su/ban-do.png").write_bytes(_png(300, 200))
    _build(site_dir, tmp_path / "public")
    assert (_img(tmp_path / "public", "ban-do.png").get("width")) == "300"
    _build(site_dir, tmp_path / "cold", no_cache=True)
    assert (tmp_path / "public" / PAGE / "index.html").read_bytes() == (
        tmp_path / "cold" / PAGE / "index.html"
    ).read_bytes()


def test_a_non_image_jpg_is_an_error_naming_the_article_and_line(tmp_path: Path) -> None:
    files = dict(FILES)
    files["content/thoi-su/anh-bao.jpg"] = b"\xff\xd8\xff\xe0fake-jpeg"
    site_dir = write_site(tmp_path / "site", files)
    with pytest.raises(BuildFailed) as failed:
        _build(site_dir, tmp_path / "public")
    (problem,) = [p.format() for p in failed.value.problems]
    assert problem.startswith("content/thoi-su/bao-so-3.md:9: body: anh-bao.jpg is not ")
    assert problem.endswith(" (export it again as JPEG, PNG or WebP, or replace the file)")
    assert not (tmp_path / "public").exists()


def test_a_truncated_photo_is_an_error_naming_the_article(tmp_path: Path) -> None:
    files = dict(FILES)
    whole = jpeg(800, 600)
    files["content/thoi-su/anh-bao.jpg"] = whole[: len(whole) // 3]  # the header is intact
    site_dir = write_site(tmp_path / "site", files)
    with pytest.raises(BuildFailed) as failed:
        _build(site_dir, tmp_path / "public", no_cache=True)
    (problem,) = failed.value.problems
    assert (problem.path, problem.line) == ("content/thoi-su/bao-so-3.md", 9)
    assert "anh-bao.jpg is not a readable image" in problem.message
    assert not (tmp_path / "public").exists()


def test_feed_srcset_is_absolute(built: Path) -> None:
    rss = (built / "rss.xml").read_text(encoding="utf-8")
    assert f"https://bao.example/{PAGE}anh-bao-480.jpg 480w" in rss
    assert 'srcset="anh-bao' not in rss and "srcset=&quot;anh-bao" not in rss


def _photos(public: Path) -> dict[str, tuple[int, bytes]]:
    """Every published photo file of the article: its inode and bytes."""
    return {
        p.name: (p.stat().st_ino, p.read_bytes())
        for p in (public / PAGE).iterdir()
        if p.suffix in (".jpg", ".png")
    }


def test_an_edit_keeps_published_photos_without_reading_them(
    tmp_path: Path, monkeypatch
) -> None:
    site_dir = write_site(tmp_path / "site", FILES)
    public = tmp_path / "public"
    _build(site_dir, public)
    before = _photos(public)
    source = site_dir / "content/thoi-su/bao-so-3.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nTin cập nhật.\n", encoding="utf-8")
    # not published again, not even from the images cache
    monkeypatch.setattr(images, "publish", lambda *a: pytest.fail("a photo was published again"))
    _build(site_dir, public)
    assert "Tin cập nhật." in (public / PAGE / "index.html").read_text(encoding="utf-8")
    assert _photos(public) == before  # same files, same inodes
    # an edit elsewhere does not even read the photos' headers (the parse cache's check)
    other = site_dir / "content/the-thao/bong-da.md"
    other.write_text(other.read_text(encoding="utf-8") + "\nHết giờ.\n", encoding="utf-8")
    monkeypatch.setattr(images, "probe", lambda *a: pytest.fail("a photo's header was read"))
    # the first stage found the photo where the article points: no lookup on disk either
    monkeypatch.setattr(content, "local_file", lambda *a: pytest.fail("a photo was looked up"))
    result = _build(site_dir, public)
    assert _photos(public) == before
    assert [w.rel for w in result.files if w.changed and w.rel.endswith(".jpg")] == []
    monkeypatch.undo()
    cold = tmp_path / "cold"
    _build(site_dir, cold, no_cache=True)
    assert _photos(cold) == {k: (_photos(cold)[k][0], v[1]) for k, v in before.items()}


def test_a_photo_replaced_under_the_same_name_is_published_again(tmp_path: Path) -> None:
    site_dir = write_site(tmp_path / "site", FILES)
    public = tmp_path / "public"
    _build(site_dir, public)
    before = _photos(public)
    new_photo = Image.new("RGB", (1200, 2000), (20, 160, 40))  # same size, other pixels
    out = io.BytesIO()
    new_photo.save(out, "JPEG")
    (site_dir / "content/thoi-su/anh-bao.jpg").write_bytes(out.getvalue())
    _build(site_dir, public)
    after = _photos(public)
    assert sorted(after) == sorted(before)
    assert after["anh-bao-og.jpg"][1] != before["anh-bao-og.jpg"][1]
    assert after["ban-do.png"] == before["ban-do.png"]  # the other image is kept as it was
    cold = tmp_path / "cold"
    _build(site_dir, cold, no_cache=True)
    assert {k: v[1] for k, v in _photos(cold).items()} == {k: v[1] for k, v in after.items()}


def test_the_preview_takes_the_photo_sizes_a_build_made(
    tmp_path: Path, monkeypatch, preview_builder
) -> None:
    """`newsgen serve` after `newsgen build` does not make every photo's sizes again."""
    site_dir = write_site(tmp_path / "site", FILES)
    _build(site_dir, tmp_path / "public")
    monkeypatch.setattr(images, "_make", lambda *a: pytest.fail("a photo's sizes were made again"))
    run, output = preview_builder(site_dir)
    run()
    assert (output / PAGE / "anh-bao-og.jpg").read_bytes() == (
        tmp_path / "public" / PAGE / "anh-bao-og.jpg"
    ).read_bytes()


def test_the_preview_follows_a_replaced_photo_reported_or_not(
    tmp_path: Path, monkeypatch, preview_builder
) -> None:
    """Rebuilds trust the watcher for photos; a lost report is caught by the idle check."""
    from newsgen import sources

    monkeypatch.setattr(sources, "_RACY_NS", -1)  # trust files saved a moment ago
    site_dir = write_site(tmp_path / "site", FILES)
    run, output = preview_builder(site_dir)
    run()
    reuse = run.reuse  # type: ignore[attr-defined]
    reuse.changes.arm()
    run()  # the first build after arming checks everything
    photo = site_dir / "content/thoi-su/anh-bao.jpg"
    photo.write_bytes(jpeg(900, 600))
    reuse.changes.note(["content/thoi-su/anh-bao.jpg"])
    run()
    assert _img(output, "anh-bao.jpg").get("width") == "900"
    assert not sources.missed(reuse)
    photo.write_bytes(jpeg(700, 500))  # its event is lost
    run()
    assert sources.missed(reuse)  # the idle check finds it, and the server rebuilds all
    reuse.changes.distrust()
    run()
    assert _img(output, "anh-bao.jpg").get("width") == "700"
    assert Image.open(output / PAGE / "anh-bao.jpg").size == (700, 500)
    assert not sources.missed(reuse)


def test_a_preview_save_takes_its_photos_as_the_last_build_left_them(
    tmp_path: Path, monkeypatch, preview_builder
) -> None:
    from newsgen import site, sources

    monkeypatch.setattr(sources, "_RACY_NS", -1)
    site_dir = write_site(tmp_path / "site", FILES)
    run, output = preview_builder(site_dir)
    run()
    run.reuse.changes.arm()  # type: ignore[attr-defined]
    run()
    before = _photos(output)
    monkeypatch.setattr(site, "_kept_image", lambda *a: pytest.fail("records looked up again"))
    monkeypatch.setattr(images, "publish", lambda *a: pytest.fail("published again"))
    source = site_dir / "content/thoi-su/bao-so-3.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nTin mới.\n", encoding="utf-8")
    run.reuse.changes.note(["content/thoi-su/bao-so-3.md"])  # type: ignore[attr-defined]
    run()
    assert "Tin mới." in (output / PAGE / "index.html").read_text(encoding="utf-8")
    assert _photos(output) == before

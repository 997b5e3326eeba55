"""Image publishing: real dimensions, variants never upscaled, EXIF orientation applied and stripped."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from newsgen import images


def jpeg(width: int, height: int, exif: Image.Exif | None = None) -> bytes:
    """Make a JPEG of the given size, with optional EXIF."""
    out = io.BytesIO()
    picture = Image.new("RGB", (width, height), (200, 30, 30))
    picture.paste((30, 30, 200), (0, 0, width // 2, height // 2))  # blue top-left corner
    picture.save(out, "JPEG", exif=exif if exif is not None else Image.Exif())
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    """Open published bytes."""
    return Image.open(io.BytesIO(data))


def test_variants_are_made_only_below_the_source_width() -> None:
    result = images.publish(jpeg(1200, 800), "anh.jpg")
    assert (result.width, result.height) == (1200, 800)
    assert [(v.name, v.width, v.height) for v in result.variants] == [
        ("anh-480.jpg", 480, 320),
        ("anh-960.jpg", 960, 640),
        ("anh.jpg", 1200, 800),
    ]
    assert result.srcset() == "anh-480.jpg 480w, anh-960.jpg 960w, anh.jpg 1200w"
    for v in result.files():
        assert opened(v.data).size == (v.width, v.height)


def test_small_image_is_never_upscaled() -> None:
    result = images.publish(jpeg(300, 200), "nho.jpg")
    assert [v.width for v in result.variants] == [300]
    assert (result.thumb.width, result.thumb.height) == (300, 200)
    assert result.og.width == 300 and result.og.name == "nho-og.jpg"


def test_thumbnail_and_og_image_have_news_proportions() -> None:
    result = images.publish(jpeg(3000, 2000), "lon.jpg")
    assert (result.thumb.width, result.thumb.height) == (480, 320)
    assert (result.og.width, result.og.height) == (1200, 630)
    assert [v.width for v in result.variants] == [480, 960, 1600]


def test_exif_orientation_is_applied_and_gps_stripped() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    exif[0x8825] = {2: (21.0, 1.0, 0.0)}  # GPS latitude
    exif[0x010F] = "Camera"
    result = images.publish(jpeg(800, 600, exif), "doc.jpg")
    assert (result.width, result.height) == (600, 800)
    for v in result.files():
        published = opened(v.data)
        assert not published.getexif(), v.name
        assert b"Exif" not in v.data[:200]
    top_right = opened(result.main.data).convert("RGB").getpixel((590, 10))
    assert top_right[2] > 150  # the blue corner turned to the top right


def test_a_non_image_is_a_clear_error() -> None:
    with pytest.raises(images.ImageProblem, match="anh.jpg is not a readable image"):
        images.publish(b"\xff\xd8\xff\xe0fake-jpeg", "anh.jpg")


def test_unchanged_image_comes_from_the_cache(tmp_path: Path, monkeypatch) -> None:
    data = jpeg(1000, 500)
    first = images.publish(data, "a.jpg", tmp_path)
    monkeypatch.setattr(images, "_make", lambda *a: pytest.fail("processed twice"))
    assert images.publish(data, "a.jpg", tmp_path) == first


def test_output_is_identical_between_runs() -> None:
    data = jpeg(1000, 500)
    assert images.publish(data, "a.jpg") == images.publish(data, "a.jpg")


def test_body_images_get_dimensions_srcset_and_lazy_loading() -> None:
    published = {"a.jpg": images.publish(jpeg(1200, 800), "a.jpg")}
    body = '<figure><img alt="Cầu &quot;Rồng&quot;" src="a.jpg"></figure><p><img alt="x" src="b.png"></p>'
    out = images.enhance_body(body, published)
    assert (
        '<img alt="Cầu &quot;Rồng&quot;" src="a.jpg" width="1200" height="800" '
        'srcset="a-480.jpg 480w, a-960.jpg 960w, a.jpg 1200w" sizes="(min-width: 48em) 42rem, 100vw" '
        'decoding="async" loading="lazy">'
    ) in out
    assert '<img alt="x" src="b.png">' in out
    lead = images.enhance_body(body, published, lead="a.jpg")
    assert 'fetchpriority="high"' in lead and "loading" not in lead.split("b.png")[0]


@pytest.mark.parametrize("size", [(3000, 2000), (1200, 800), (300, 200), (1601, 7), (481, 3000)])
def test_plan_names_and_sizes_exactly_what_publish_makes(size: tuple[int, int]) -> None:
    made = images.publish(jpeg(*size), "a.jpg")
    planned = images.plan("a.jpg", *size)
    assert [(v.name, v.width, v.height) for v in made.variants] == [
        (v.name, v.width, v.height) for v in planned.variants
    ]
    assert (made.thumb.name, made.thumb.width, made.thumb.height) == tuple(
        vars(planned.thumb).values()
    )
    assert (made.og.name, made.og.width, made.og.height) == tuple(vars(planned.og).values())
    assert made.srcset() == planned.srcset()
    assert tuple(v.name for v in made.files()) == images.file_names("a.jpg", size[0])


def test_plan_of_a_sideways_photo_names_the_files_publish_makes(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: shown 1200 wide, 2000 high
    data = jpeg(2000, 1200, exif)
    (tmp_path / "a.jpg").write_bytes(data)
    shown = images.probe(tmp_path / "a.jpg")
    assert shown == (1200, 2000)
    made = images.publish(data, "a.jpg")
    assert tuple(v.name for v in made.files()) == images.file_names("a.jpg", shown[0])


def test_raw_html_attributes_are_kept_and_only_missing_ones_added() -> None:
    plans = {"a.jpg": images.plan("a.jpg", 1200, 800)}
    out = images.enhance_body("<img src='a.jpg' width=600 loading=eager alt=x />", plans)
    assert out == (
        "<img src='a.jpg' width=600 loading=eager alt=x "
        'srcset="a-480.jpg 480w, a-960.jpg 960w, a.jpg 1200w" sizes="(min-width: 48em) 42rem, 100vw" '
        'decoding="async"/>'
    )

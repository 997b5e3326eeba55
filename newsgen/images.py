"""Article images with Pillow: true dimensions, resized variants, thumbnail and og:image, no EXIF.

Pure apart from the optional cache folder: `publish()` turns one source image into the files to
write next to the article page; `enhance_body()` adds width/height/srcset/sizes/loading to the
body's <img> tags. Results are cached by content hash, so an unchanged image is never redone.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import json
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

WIDTHS = (480, 960, 1600)
THUMB = (480, 320)
OG_WIDTH, OG_HEIGHT = 1200, 630
QUALITY = 82
SIZES = "(min-width: 48em) 42rem, 100vw"
VERSION = "1"  # bump when the output of publish() changes, to retire cached variants
_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


class ImageProblem(ValueError):
    """The file is not an image Pillow can read: the caller names the article."""


@dataclass(frozen=True)
class Variant:
    """One published file: its name next to the page, its size and its bytes."""

    name: str
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class Published:
    """Everything one source image becomes: the main file, widths for srcset, thumb and og image."""

    name: str
    width: int
    height: int
    main: Variant
    variants: tuple[Variant, ...]
    thumb: Variant
    og: Variant

    def files(self) -> list[Variant]:
        """Return every file to write, main first, without duplicates."""
        seen: dict[str, Variant] = {}
        for v in (self.main, *self.variants, self.thumb, self.og):
            seen.setdefault(v.name, v)
        return list(seen.values())

    def srcset(self) -> str:
        """Return the srcset attribute: every width, narrowest first."""
        return ", ".join(f"{v.name} {v.width}w" for v in self.variants)


def publish(data: bytes, name: str, cache: Path | None = None) -> Published:
    """Make the published files of one image from its bytes; raise ImageProblem if unreadable."""
    key = hashlib.sha256(data + f"\0{name}\0{VERSION}".encode()).hexdigest()
    if cache is not None:
        cached = _load(cache, key)
        if cached is not None:
            return cached
    result = _make(data, name)
    if cache is not None:
        _store(cache, key, result)
    return result


def _make(data: bytes, name: str) -> Published:
    """Decode, orient, strip and resize."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            fmt = opened.format or ""
            image = ImageOps.exif_transpose(opened)
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageProblem(f"{name} is not a readable image ({exc})") from None
    if fmt not in _FORMATS:
        fmt = "JPEG"
    stem, ext = posixpath.splitext(name)
    ext = ext if ext.lower() in {".jpg", ".jpeg", ".png", ".webp"} else _FORMATS[fmt]
    width, height = image.size
    main = _encode(image, name, fmt)
    variants = [_encode(_resize(image, w), f"{stem}-{w}{ext}", fmt) for w in WIDTHS if w < width]
    if width <= WIDTHS[-1]:
        variants.append(main)
    thumb = _encode(_fit(image, THUMB), f"{stem}-thumb{ext}", fmt)
    og = _encode(_fit(image, (OG_WIDTH, OG_HEIGHT)), f"{stem}-og.jpg", "JPEG")
    return Published(name, width, height, main, tuple(variants), thumb, og)


def _resize(image: Image.Image, width: int) -> Image.Image:
    """Scale to a width, keeping the proportions (never called to upscale)."""
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _fit(image: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Crop to the box's proportions around the centre, never larger than the source."""
    scale = min(1.0, image.width / box[0], image.height / box[1])
    size = (max(1, round(box[0] * scale)), max(1, round(box[1] * scale)))
    return ImageOps.fit(image, size, Image.Resampling.LANCZOS)


def _encode(image: Image.Image, name: str, fmt: str) -> Variant:
    """Encode without EXIF, XMP or comments (no GPS leaks); keep the colour profile."""
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = _flatten(image)
    out = io.BytesIO()
    options: dict[str, object] = {}
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]
    if fmt == "JPEG":
        options.update(quality=QUALITY, optimize=True, progressive=True)
    elif fmt == "WEBP":
        options.update(quality=QUALITY)
    elif fmt == "PNG":
        options.update(optimize=True)
    image.save(out, fmt, **options)
    return Variant(name, image.width, image.height, out.getvalue())


def _flatten(image: Image.Image) -> Image.Image:
    """Put a transparent image on white, for JPEG."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    background.info = dict(image.info)
    return background


def _load(cache: Path, key: str) -> Published | None:
    """Return a cached result, or None if absent or damaged."""
    folder = cache / key
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))

        def variant(m: dict[str, Any]) -> Variant:
            return Variant(
                str(m["name"]),
                int(m["width"]),
                int(m["height"]),
                (folder / str(m["file"])).read_bytes(),
            )

        return Published(
            meta["name"],
            meta["width"],
            meta["height"],
            variant(meta["main"]),
            tuple(variant(m) for m in meta["variants"]),
            variant(meta["thumb"]),
            variant(meta["og"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(cache: Path, key: str, result: Published) -> None:
    """Save a result under its content hash (written to a temporary folder, then renamed)."""
    folder = cache / key
    if folder.is_dir():
        return
    tmp = cache / f".{key}.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    files = {v.name: f"{i}.bin" for i, v in enumerate(result.files())}
    for v in result.files():
        (tmp / files[v.name]).write_bytes(v.data)

    def meta(v: Variant) -> dict[str, object]:
        return {"name": v.name, "width": v.width, "height": v.height, "file": files[v.name]}

    (tmp / "meta.json").write_text(
        json.dumps(
            {
                "name": result.name,
                "width": result.width,
                "height": result.height,
                "main": meta(result.main),
                "variants": [meta(v) for v in result.variants],
                "thumb": meta(result.thumb),
                "og": meta(result.og),
            },
            sort_keys=True,
        ),
        encoding="utf-8",
    )
    with contextlib.suppress(OSError):  # another worker stored it first
        tmp.rename(folder)


_IMG = re.compile(r"<img\b[^>]*>")
_ATTR = re.compile(r'\s([a-zA-Z-]+)="([^"]*)"')


def enhance_body(body: str, images: Mapping[str, Published], lead: str | None = None) -> str:
    """Add width, height, srcset, sizes and loading="lazy" (eager for `lead`) to known <img> tags."""

    def replace(match: re.Match[str]) -> str:
        tag = match.group(0)
        attrs = dict(_ATTR.findall(tag))
        published = images.get(html.unescape(attrs.get("src", "")))
        if published is None:
            return tag
        attrs.update(
            width=str(published.main.width),
            height=str(published.main.height),
            srcset=html.escape(published.srcset()),
            sizes=SIZES,
            decoding="async",
        )
        if published.name == lead:
            attrs["fetchpriority"] = "high"
        else:
            attrs["loading"] = "lazy"
        return "<img" + "".join(f' {k}="{v}"' for k, v in attrs.items()) + ">"

    return _IMG.sub(replace, body)

"""Article images with Pillow: true dimensions, resized variants, thumbnail and og:image, no EXIF.

Pure apart from the optional cache folder: `publish()` turns one source image into the files to
write next to the article page; `enhance_body()` adds width/height/srcset/sizes/loading to the
body's <img> tags. Results are cached by content hash, so an unchanged image is never redone.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import io
import json
import multiprocessing
import os
import posixpath
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # Pillow is imported where an image is read: most rebuilds read none (20 ms)
    from PIL import Image

WIDTHS = (480, 960, 1600)
THUMB = (480, 320)
OG_WIDTH, OG_HEIGHT = 1200, 630
QUALITY = 82
SIZES = "(min-width: 48em) 42rem, 100vw"
VERSION = "1"  # bump when the output of publish() changes, to retire cached variants
_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


#: Extensions whose files get variants; anything else (GIF, SVG, AVIF...) is copied unchanged.
RESIZED = frozenset({".jpg", ".jpeg", ".png", ".webp"})


class ImageProblem(ValueError):
    """The file is not an image Pillow can read: the caller names the article."""


@dataclass(frozen=True)
class Size:
    """A published file's name and size, known before any pixel is decoded."""

    name: str
    width: int
    height: int


@dataclass(frozen=True)
class Plan:
    """What publish() will make of an image of a given size: names and sizes, no bytes."""

    name: str
    width: int
    height: int
    variants: tuple[Size, ...]
    thumb: Size
    og: Size

    def srcset(self) -> str:
        """Return the srcset attribute: every width, narrowest first."""
        return ", ".join(f"{v.name} {v.width}w" for v in self.variants)


@functools.lru_cache(maxsize=65_536)
def file_names(name: str, width: int) -> tuple[str, ...]:
    """Name the files publish() makes of a photo this wide, in Published.files() order.

    Known without decoding it: a build keeps 10,000 photos' files by these names (and the
    preview asks again at every save).
    """
    stem, ext = posixpath.splitext(name)
    names = [name, *(f"{stem}-{w}{ext}" for w in WIDTHS if w < width)]
    return tuple(dict.fromkeys((*names, f"{stem}-thumb{ext}", f"{stem}-og.jpg")))


@functools.lru_cache(maxsize=1 << 16)
def resized(name: str) -> bool:
    """Tell whether an image of this name gets variants (JPEG, PNG, WebP); memoised, as a
    preview's save asks it of every photo of the site."""
    return posixpath.splitext(name)[1].lower() in RESIZED


def plan(name: str, width: int, height: int) -> Plan:
    """Name and size every file of an image (as shown, after EXIF orientation)."""
    stem, ext = posixpath.splitext(name)
    variants = [
        Size(f"{stem}-{w}{ext}", w, max(1, round(height * w / width))) for w in WIDTHS if w < width
    ]
    if width <= WIDTHS[-1]:
        variants.append(Size(name, width, height))
    thumb = Size(f"{stem}-thumb{ext}", *_fitted((width, height), THUMB))
    og = Size(f"{stem}-og.jpg", *_fitted((width, height), (OG_WIDTH, OG_HEIGHT)))
    return Plan(name, width, height, tuple(variants), thumb, og)


def layout(name: str, width: int, height: int) -> Plan:
    """Plan an image's files: variants for JPEG, PNG and WebP; the file alone for anything else."""
    if resized(name):
        return plan(name, width, height)
    alone = Size(name, width, height)
    return Plan(name, width, height, (), alone, alone)


def _fitted(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """Return the box's proportions scaled down to fit inside the source, never larger."""
    scale = min(1.0, size[0] / box[0], size[1] / box[1])
    return max(1, round(box[0] * scale)), max(1, round(box[1] * scale))


def probe(path: Path) -> tuple[int, int]:
    """Read an image's displayed size from its header (EXIF rotation applied), without decoding.

    Raises ImageProblem for a file Pillow cannot identify.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            width, height = opened.size
            if opened.format not in (*_FORMATS, "GIF"):
                raise ImageProblem(f"{path.name} is not a JPEG, PNG, WebP or GIF image")
            orientation = opened.getexif().get(0x0112) if opened.format != "GIF" else None
    except UnidentifiedImageError:
        raise ImageProblem(f"{path.name} is not an image file (or is damaged)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageProblem):
            raise
        raise ImageProblem(f"{path.name} is not a readable image ({exc})") from None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return width, height


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
        with contextlib.suppress(OSError):  # a read-only site folder: publish without caching
            _store(cache, key, result)
    return result


def _make(data: bytes, name: str) -> Published:
    """Decode, orient, strip and resize."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as opened:
            fmt = opened.format or ""
            image = ImageOps.exif_transpose(opened)
            image.load()
    except UnidentifiedImageError:
        raise ImageProblem(f"{name} is not an image file (or is damaged)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageProblem(f"{name} is not a readable image ({exc})") from None
    if fmt not in _FORMATS:
        fmt = "JPEG"
    if not resized(name):
        name = posixpath.splitext(name)[0] + _FORMATS[fmt]
    layout = plan(name, *image.size)
    main = _encode(image, name, fmt)
    variants = [
        main if v.name == name else _encode(_resize(image, v), v.name, fmt) for v in layout.variants
    ]
    thumb = _encode(_fit(image, layout.thumb), layout.thumb.name, fmt)
    og = _encode(_fit(image, layout.og), layout.og.name, "JPEG")
    return Published(name, layout.width, layout.height, main, tuple(variants), thumb, og)


def _resize(image: Image.Image, size: Size) -> Image.Image:
    """Scale to a planned size (never called to upscale)."""
    from PIL import Image

    return image.resize((size.width, size.height), Image.Resampling.LANCZOS)


def _fit(image: Image.Image, size: Size) -> Image.Image:
    """Crop to the planned size's proportions around the centre."""
    from PIL import Image, ImageOps

    return ImageOps.fit(image, (size.width, size.height), Image.Resampling.LANCZOS)


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
    from PIL import Image

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
    tmp = cache / f".{key}.{os.getpid()}.tmp"
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
    try:
        tmp.rename(folder)
    except OSError:  # another worker stored it first
        shutil.rmtree(tmp, ignore_errors=True)


_IMG = re.compile(r"<img\b[^>]*>")
_ATTR = re.compile(r"""\s([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


class Dimensioned(Protocol):
    """What enhance_body needs of an image: a Plan or a Published."""

    @property
    def name(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    def srcset(self) -> str: ...


def enhance_body(body: str, images: Mapping[str, Dimensioned], lead: str | None = None) -> str:
    """Add width, height, srcset, sizes and loading="lazy" (eager for `lead`) to known <img> tags.

    Attributes the tag already has are kept as written; only missing ones are added.
    """

    def replace(match: re.Match[str]) -> str:
        tag = match.group(0)
        found = {
            name.lower(): next((v for v in values if v), "")
            for name, *values in _ATTR.findall(tag[4:])
        }
        image = images.get(html.unescape(found.get("src", "")))
        if image is None:
            return tag
        extra = {"width": str(image.width), "height": str(image.height)}
        srcset = image.srcset()
        if srcset:
            extra.update(srcset=html.escape(srcset), sizes=SIZES)
        extra["decoding"] = "async"
        if image.name == lead:
            extra["fetchpriority"] = "high"
        else:
            extra["loading"] = "lazy"
        if "width" in found or "height" in found:  # the writer sized it: add neither
            extra.pop("width")
            extra.pop("height")
        if "srcset" in found:  # the writer chose the candidates: keep them and their sizes
            extra.pop("srcset", None)
            extra.pop("sizes", None)
        added = "".join(f' {k}="{v}"' for k, v in extra.items() if k not in found)
        head = tag[:-1].rstrip()
        closing = "/>" if head.endswith("/") else ">"
        return head.removesuffix("/").rstrip() + added + closing

    return _IMG.sub(replace, body)


@dataclass(frozen=True)
class Job:
    """One image to publish: its source file and the name it is published under."""

    source: str
    name: str


_POOL_MIN = 8  # below this many images a worker pool costs more than it saves
_JOB_STATE: dict[str, object] = {}


def publish_each(
    jobs: Sequence[Job], cache: Path | None, workers: int = 0
) -> Iterator[Published | ImageProblem]:
    """Publish each job in order (in parallel when it pays); an unreadable file yields its problem."""
    workers = workers or os.cpu_count() or 1
    if (
        workers <= 1
        or len(jobs) < _POOL_MIN
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        for job in jobs:
            yield _publish_job(job, cache)
        return
    _JOB_STATE.update(cache=cache)
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            yield from pool.imap(_pooled_job, jobs, chunksize=1)
    finally:
        _JOB_STATE.clear()


def _pooled_job(job: Job) -> Published | ImageProblem:
    """Worker side of publish_each (the cache folder is inherited through fork)."""
    cache: Path | None = _JOB_STATE.get("cache")  # type: ignore[assignment]
    return _publish_job(job, cache)


def _publish_job(job: Job, cache: Path | None) -> Published | ImageProblem:
    """Read and publish one file, returning (not raising) its problem."""
    try:
        return publish(Path(job.source).read_bytes(), job.name, cache)
    except ImageProblem as exc:
        return exc
    except OSError as exc:
        return ImageProblem(f"{job.name} cannot be read ({exc.strerror or exc})")

"""`newsgen import export.xml`: move a WordPress archive over, old links kept as redirects."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .. import wxr
from ..errors import BuildFailed, NewsgenError, Problem

NAME = "import"
HELP = "import a WordPress export (WXR .xml): posts, categories, tags, authors, images, old URLs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `import`'s options."""
    parser.add_argument("export", type=Path, help="the WordPress export file (Tools > Export)")
    parser.add_argument("--site", type=Path, default=Path("."), help="site folder (default: .)")
    parser.add_argument(
        "--uploads",
        type=Path,
        help="a copy of the old site's wp-content/uploads/ folder: images are copied from it",
    )


def run(args: argparse.Namespace) -> int:
    """Write one article per post; never overwrite an existing file; print a summary."""
    from .. import wxr
    from ..config import load_config
    from .new import article_path

    config = load_config(args.site)
    shown = str(args.export)
    if not args.export.is_file():
        raise BuildFailed(
            [Problem(shown, 0, "", "file not found", "give the path of the .xml file")]
        )
    try:
        export = wxr.read_export(args.export, config.tz)
    except NewsgenError as exc:
        raise BuildFailed([exc.at(shown)]) from None
    done = wxr.Imported(skipped=[f"skipped {s}" for s in export.skipped])
    for post in export.posts:
        body = wxr.to_markdown(post.html)
        try:
            rel = article_path(
                post.title, post.categories[0] if post.categories else "Tin tức", post.date
            )
        except BuildFailed:
            rel = article_path(f"bai {post.post_id}", "Tin tức", post.date)
        target = config.site_dir / rel
        if target.exists():
            done.skipped.append(f"skipped {rel}: the file already exists")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        names = _copy_images(body, post, export, target.parent, args.uploads, done)
        image = _featured(post, export, body, names)
        for url, name in names.items():
            body.markdown = body.markdown.replace(f"]({url.replace(' ', '%20')})", f"]({name})")
        target.write_text(wxr.render_article(post, body, image, names), encoding="utf-8")
        done.written.append(rel)
        done.drafts += post.draft
    for line in done.skipped:
        print(line)
    print(
        f"imported {len(done.written)} articles ({done.drafts} drafts), {done.images} images copied,"
        f" {len(done.skipped)} skipped -> {config.content_dir}"
    )
    return 0


def _copy_images(
    body: wxr.Body,
    post: wxr.Post,
    export: wxr.Export,
    folder: Path,
    uploads: Path | None,
    done: wxr.Imported,
) -> dict[str, str]:
    """Copy each image found in the uploads copy next to the article; return URL -> file name."""
    from .. import wxr

    urls = list(body.images)
    thumb = export.attachments.get(post.thumbnail_id or "")
    if thumb and thumb.url:
        urls.append(thumb.url)
    names: dict[str, str] = {}
    for url in dict.fromkeys(urls):
        source = wxr.find_upload(url, uploads)
        if source is None:
            continue
        name = wxr.image_name(url)
        target = folder / name
        if target.exists() and target.read_bytes() != source.read_bytes():
            name = f"{post.post_id}-{name}"
            target = folder / name
        if not target.exists():
            shutil.copyfile(source, target)
            done.images += 1
        names[url] = name
    return names


def _featured(
    post: wxr.Post, export: wxr.Export, body: wxr.Body, names: dict[str, str]
) -> str | None:
    """Return the cover (copied file name, else its URL) and carry its caption over."""
    thumb = export.attachments.get(post.thumbnail_id or "")
    if thumb is None or not thumb.url:
        return None
    if thumb.caption and thumb.url in body.images:
        body.captions.setdefault(thumb.url, thumb.caption)
    return names.get(thumb.url, thumb.url)

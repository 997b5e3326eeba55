"""`newsgen new "Tiêu đề"`: start an article with complete, correctly quoted front matter."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
from pathlib import Path

from ..errors import BuildFailed, Problem

NAME = "new"
HELP = "create a new article file with its front matter filled in"
DEFAULT_CATEGORY = "Tin tức"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `new`'s options."""
    parser.add_argument("title", help='the headline, in quotes: "Bão số 3: tin mới nhất"')
    parser.add_argument("--category", help=f"the section (default: {DEFAULT_CATEGORY})")
    parser.add_argument("--author", help="default: $NEWSGEN_AUTHOR, else git config user.name")
    parser.add_argument("--site", type=Path, default=Path("."), help="site folder (default: .)")
    parser.add_argument("--now", help="the article's time (ISO 8601); default: the clock")


def run(args: argparse.Namespace) -> int:
    """Write content/<category>/<yyyy>/<mm>/<slug>.md, refusing to overwrite, and print its path."""
    from .. import vietnamese
    from ..config import load_config
    from ..request import build_time

    config = load_config(args.site)
    title = " ".join(vietnamese.normalize(args.title).split())
    category = " ".join(vietnamese.normalize(args.category or DEFAULT_CATEGORY).split())
    when = build_time(args.now).astimezone(config.tz)
    rel = article_path(title, category, when, config.slug_max_length)
    author = find_author(args.author, config.site_dir)
    path = config.site_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(front_matter(title, when, author, category))
    except FileExistsError:
        raise BuildFailed(
            [Problem(rel, 0, "", "the file already exists", "choose another title, or edit it")]
        ) from None
    print(args.site / rel if not args.site.is_absolute() else path)
    return 0


def article_path(title: str, category: str, when: dt.datetime, max_length: int = 80) -> str:
    """Return content/<category-slug>/<yyyy>/<mm>/<title-slug>.md for a new article."""
    from .. import vietnamese

    problems = []
    slugs = []
    for field, text in (("category", category), ("title", title)):
        try:
            slugs.append(vietnamese.slugify(text, max_length))
        except vietnamese.SlugError:
            problems.append(
                Problem(
                    "newsgen new",
                    0,
                    field,
                    f"{text!r} gives an empty slug",
                    "use letters or digits in it",
                )
            )
    if problems:
        raise BuildFailed(problems)
    return f"content/{slugs[0]}/{when.year:04d}/{when.month:02d}/{slugs[1]}.md"


def find_author(given: str | None, site_dir: Path) -> str | None:
    """Pick the author: --author, else $NEWSGEN_AUTHOR, else git's user.name, else nobody."""
    from .. import vietnamese

    for candidate in (given, os.environ.get("NEWSGEN_AUTHOR"), _git_user(site_dir)):
        if candidate and candidate.strip():
            return " ".join(vietnamese.normalize(candidate).split())
    return None


def _git_user(site_dir: Path) -> str | None:
    """Ask git for user.name; None when git is missing or has no name set."""
    try:
        done = subprocess.run(
            ["git", "config", "user.name"],
            cwd=site_dir,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _quoted(text: str) -> str:
    """Quote a value for YAML: JSON strings are valid double-quoted YAML, whatever they contain."""
    return json.dumps(text, ensure_ascii=False)


def front_matter(title: str, when: dt.datetime, author: str | None, category: str) -> str:
    """Return the new file's text: every key, with comments (on their own lines) on how to fill them."""
    offset = when.strftime("%z")
    stamp = f"{when:%Y-%m-%d %H:%M}{offset[:3]}:{offset[3:]}"
    lines = [
        "---",
        f"title: {_quoted(title)}",
        "# Giờ đăng; đổi thành giờ sau này để hẹn giờ đăng bài.",
        f"date: {stamp}",
    ]
    if author:
        lines.append(f"author: {_quoted(author)}")
    else:
        lines.append(
            '# Tác giả, ví dụ: author: "Kim Bằng" (nhiều người: author: [Minh Anh, Hoàng Nam])'
        )
    lines += [
        f"category: {_quoted(category)}",
        "# Từ khóa: một danh sách, ví dụ: tags: [Thời sự, Hà Nội]",
        "tags: []",
        "# Sapo: một hai câu trong dấu ngoặc kép; để trống thì lấy đoạn đầu tiên của bài.",
        'summary: ""',
        "# Chú thích ảnh: mỗi ảnh một dòng, thụt vào hai dấu cách, ví dụ:",
        "# captions:",
        '#   anh-1.jpg: "Chú thích ảnh"',
        "captions: {}",
        "---",
        "",
        "",
    ]
    return "\n".join(lines)

"""WordPress export (WXR) -> newsgen articles: front matter, Markdown body, images, old URLs kept."""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from . import vietnamese
from .errors import NewsgenError

_CAPTION_RE = re.compile(r"\[caption[^\]]*\](.*?)\[/caption\]", re.DOTALL)
_SHORTCODE_RE = re.compile(r"\[/?[a-zA-Z_][\w-]*(?:\s[^\]]*)?\]")
_KEEP_STATUS = {"publish": False, "future": False, "draft": True, "pending": True, "private": True}


@dataclass
class Post:
    """One WordPress post, as newsgen needs it."""

    post_id: str
    title: str
    link: str
    date: dt.datetime
    author: str | None
    categories: list[str]
    tags: list[str]
    summary: str
    html: str
    slug: str
    draft: bool
    thumbnail_id: str | None


@dataclass
class Attachment:
    """A media item: its URL and the caption WordPress keeps in its excerpt."""

    url: str
    caption: str
    alt: str


@dataclass
class Export:
    """Everything read from a WXR file."""

    posts: list[Post] = field(default_factory=list)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def _local(tag: str) -> tuple[str, str]:
    """Split '{namespace}name' into a short prefix (wp, content, excerpt, dc or '') and the name."""
    if not tag.startswith("{"):
        return "", tag
    space, name = tag[1:].split("}", 1)
    if "wordpress.org/export" in space:
        return ("excerpt" if space.rstrip("/").endswith("excerpt") else "wp"), name
    if "purl.org/rss/1.0/modules/content" in space:
        return "content", name
    if "purl.org/dc/elements" in space:
        return "dc", name
    return "?", name


def _text(element: ET.Element, wanted: str) -> str:
    """Return the text of the first child named like 'wp:post_type' (any WXR version)."""
    prefix, _, name = wanted.rpartition(":")
    for child in element:
        if _local(child.tag) == (prefix, name):
            return (child.text or "").strip()
    return ""


def read_export(path: Path, tz: ZoneInfo) -> Export:
    """Parse a WXR file into posts and attachments; raise NewsgenError for a file that is not one."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise NewsgenError(
            f"this is not a readable XML file: {exc}",
            "export it again from WordPress: Tools > Export > Posts",
            line=exc.position[0],
        ) from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise NewsgenError(
            "this is not a WordPress export (WXR) file",
            "export it again from WordPress: Tools > Export > Posts",
            line=1,
        )
    authors = {
        _text(a, "wp:author_login"): _text(a, "wp:author_display_name")
        for a in channel
        if _local(a.tag) == ("wp", "author")
    }
    export = Export()
    for item in channel.iter("item"):
        kind = _text(item, "wp:post_type")
        if kind == "attachment":
            export.attachments[_text(item, "wp:post_id")] = Attachment(
                _text(item, "wp:attachment_url"),
                _plain(_text(item, "excerpt:encoded")),
                _meta(item, "_wp_attachment_image_alt") or "",
            )
        elif kind == "post":
            post = _post(item, authors, tz)
            if post is None:
                export.skipped.append(f"{_text(item, 'title') or '?'}: {_text(item, 'wp:status')}")
            else:
                export.posts.append(post)
        elif kind == "page":
            export.skipped.append(f"{_text(item, 'title') or '?'}: a page, not a post")
    return export


def _meta(item: ET.Element, key: str) -> str | None:
    """Return a wp:postmeta value by key."""
    for child in item:
        if _local(child.tag) == ("wp", "postmeta") and _text(child, "wp:meta_key") == key:
            return _text(child, "wp:meta_value")
    return None


def _post(item: ET.Element, authors: dict[str, str], tz: ZoneInfo) -> Post | None:
    """Read one post item; None for trash and auto-drafts."""
    status = _text(item, "wp:status")
    if status not in _KEEP_STATUS:
        return None
    categories: list[str] = []
    tags: list[str] = []
    for child in item.findall("category"):
        name = _plain(child.text or "")
        if name:
            (tags if child.get("domain") == "post_tag" else categories).append(name)
    creator = _text(item, "dc:creator")
    return Post(
        post_id=_text(item, "wp:post_id"),
        title=_plain(_text(item, "title")) or "(không có tiêu đề)",
        link=_text(item, "link"),
        date=_date(item, tz),
        author=authors.get(creator) or creator or None,
        categories=list(dict.fromkeys(categories)),
        tags=list(dict.fromkeys(tags)),
        summary=_plain(_text(item, "excerpt:encoded")),
        html=_text(item, "content:encoded"),
        slug=unquote(_text(item, "wp:post_name")),
        draft=_KEEP_STATUS[status],
        thumbnail_id=_meta(item, "_thumbnail_id"),
    )


def _date(item: ET.Element, tz: ZoneInfo) -> dt.datetime:
    """Read the post time: the GMT field when set, else the local one in the site zone."""
    gmt = _text(item, "wp:post_date_gmt")
    if gmt and not gmt.startswith("0000"):
        return dt.datetime.fromisoformat(gmt).replace(tzinfo=dt.UTC).astimezone(tz)
    local = _text(item, "wp:post_date")
    if local and not local.startswith("0000"):
        return dt.datetime.fromisoformat(local).replace(tzinfo=tz)
    return dt.datetime(1970, 1, 1, tzinfo=tz)


def _plain(html_text: str) -> str:
    """Strip tags and collapse whitespace, for titles, summaries and captions."""
    parser = _TextOnly()
    parser.feed(html_text)
    parser.close()
    return " ".join(vietnamese.normalize("".join(parser.parts)).split())


class _TextOnly(HTMLParser):
    """Collect the text of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


# -- HTML body -> Markdown ---------------------------------------------------------------------


@dataclass
class Body:
    """A converted body: Markdown text, the images it shows and their captions."""

    markdown: str
    images: list[str]  # image URLs in order
    captions: dict[str, str]  # image URL -> caption


_BLOCKS = {"p", "div", "figure", "section", "article", "table", "tr", "pre"}
_HEADINGS = {"h1": "##", "h2": "##", "h3": "###", "h4": "####", "h5": "#####", "h6": "######"}
_ESCAPE_RE = re.compile(r"([\\`*_\[\]<>])")


class _ToMarkdown(HTMLParser):
    """A small HTML to Markdown converter for what WordPress bodies hold."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str] = []
        self.lists: list[list[int]] = []  # [counter] per open list; -1 for bullets
        self.quote = 0
        self.images: list[str] = []
        self.captions: dict[str, str] = {}
        self.caption: list[str] | None = None
        self.last_image = ""
        self.skip = 0

    def _block(self) -> None:
        self.out.append("\n\n" + "> " * self.quote)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in _BLOCKS:
            self._block()
        elif tag in _HEADINGS:
            self._block()
            self.out.append(_HEADINGS[tag] + " ")
        elif tag == "br":
            self.out.append("\\\n" + "> " * self.quote)
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "a":
            self.links.append(values.get("href", ""))
            self.out.append("[")
        elif tag == "blockquote":
            self.quote += 1
            self._block()
        elif tag in ("ul", "ol"):
            self.lists.append([0 if tag == "ol" else -1])
            self._block()
        elif tag == "li" and self.lists:
            counter = self.lists[-1]
            indent = "   " * (len(self.lists) - 1)
            if counter[0] >= 0:
                counter[0] += 1
                self.out.append(f"\n{indent}{counter[0]}. ")
            else:
                self.out.append(f"\n{indent}- ")
        elif tag == "img":
            self._image(values)
        elif tag == "figcaption":
            self.caption = []

    def _image(self, values: dict[str, str]) -> None:
        src = values.get("src", "")
        if not src:
            return
        self.images.append(src)
        self.last_image = src
        alt = _ESCAPE_RE.sub(r"\\\1", values.get("alt", ""))
        self._block()
        self.out.append(f"![{alt}]({src.replace(' ', '%20')})")
        self._block()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS or tag in _HEADINGS:
            self._block()
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "a" and self.links:
            href = self.links.pop()
            self.out.append(f"]({href.replace(' ', '%20')})" if href else "]")
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self._block()
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._block()
        elif tag == "figcaption" and self.caption is not None:
            self._set_caption(" ".join("".join(self.caption).split()))
            self.caption = None

    def _set_caption(self, text: str) -> None:
        if text and self.last_image:
            self.captions[self.last_image] = vietnamese.normalize(text)

    def handle_data(self, data: str) -> None:
        if self.skip or (self.lists and not data.strip()):
            return
        if self.caption is not None:
            self.caption.append(data)
            return
        text = _ESCAPE_RE.sub(r"\\\1", data)
        if self.quote:
            text = text.replace("\n", "\n" + "> " * self.quote)
        self.out.append(text)


def to_markdown(html_text: str) -> Body:
    """Convert a WordPress body (HTML, [caption] shortcodes, autop blank lines) to Markdown."""
    captions: dict[str, str] = {}

    def caption(match: re.Match[str]) -> str:
        inner = match.group(1)
        image = re.search(r"<img\b[^>]*>", inner)
        if image is None:
            return inner
        src = re.search(r"""\bsrc=["']([^"']+)""", image.group(0))
        text = _plain(inner.replace(image.group(0), ""))
        link_free = re.sub(r"</?a\b[^>]*>", "", image.group(0))
        if src and text:
            captions[src.group(1)] = text
        return f"<figure>{link_free}</figure>"

    cleaned = _SHORTCODE_RE.sub("", _CAPTION_RE.sub(caption, html_text))
    parser = _ToMarkdown()
    parser.feed(cleaned)
    parser.close()
    captions.update(parser.captions)
    text = "".join(parser.out)
    lines = [line.rstrip() for line in text.split("\n")]
    markdown = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    markdown = "\n".join(line for line in markdown.split("\n") if line.strip(" >") or not line)
    return Body(vietnamese.normalize(markdown) + "\n", parser.images, captions)


# -- writing articles ----------------------------------------------------------------------------


@dataclass
class Imported:
    """What an import did, for the summary and the tests."""

    written: list[str] = field(default_factory=list)
    drafts: int = 0
    images: int = 0
    skipped: list[str] = field(default_factory=list)


def image_name(url: str) -> str:
    """Return the file name of an image URL, decoded."""
    return posixpath.basename(unquote(urlsplit(url).path))


def find_upload(url: str, uploads: Path | None) -> Path | None:
    """Find an image of wp-content/uploads/ in a local copy of that folder."""
    if uploads is None:
        return None
    path = unquote(urlsplit(url).path)
    marker = "/wp-content/uploads/"
    rel = path.split(marker, 1)[1] if marker in path else path.lstrip("/")
    candidate = (uploads / rel).resolve()
    if candidate.is_relative_to(uploads.resolve()) and candidate.is_file():
        return candidate
    return None


def alias_of(link: str) -> str | None:
    """Return the old permalink's path, or None when a static site cannot serve it (?p=12)."""
    parts = urlsplit(link)
    if not parts.path or parts.query or parts.path == "/":
        return None
    return unquote(parts.path)


def quoted(text: str) -> str:
    """Quote a value for YAML: JSON strings are valid double-quoted YAML, whatever they contain."""
    return json.dumps(text, ensure_ascii=False)


def render_article(post: Post, body: Body, image: str | None, names: dict[str, str]) -> str:
    """Return the article file: front matter (every string quoted) and the Markdown body."""
    stamp = post.date.strftime("%Y-%m-%d %H:%M%z")
    lines = ["---", f"title: {quoted(post.title)}", f"date: {stamp[:-2]}:{stamp[-2:]}"]
    if post.author:
        lines.append(f"author: {quoted(post.author)}")
    if post.categories:
        lines.append(f"category: {quoted(post.categories[0])}")
    tags = list(dict.fromkeys(post.categories[1:] + post.tags))
    lines.append(f"tags: [{', '.join(quoted(t) for t in tags)}]")
    if post.summary:
        lines.append(f"summary: {quoted(post.summary)}")
    if _valid_slug(post.slug):
        lines.append(f"slug: {post.slug}")
    if post.draft:
        lines.append("draft: true")
    if image:
        lines.append(f"image: {quoted(image)}")
    captions = {
        names.get(u, image_name(u)): c for u, c in body.captions.items() if u in body.images
    }
    if captions:
        lines.append("captions:")
        lines += [f"  {quoted(name)}: {quoted(text)}" for name, text in sorted(captions.items())]
    alias = alias_of(post.link)
    if alias:
        lines.append(f"aliases: [{quoted(alias)}]")
    lines += ["---", "", body.markdown]
    return "\n".join(lines)


def _valid_slug(slug: str) -> bool:
    """Keep WordPress's slug only when newsgen would accept it as written."""
    return bool(slug) and bool(vietnamese.SLUG_PATTERN.match(slug))

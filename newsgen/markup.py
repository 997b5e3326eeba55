"""Markdown to HTML for article bodies: figures with captions, safe links, image references."""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import markdown
from markdown.treeprocessors import Treeprocessor

_DANGEROUS_SCHEMES = ("javascript", "vbscript", "data")
_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]


@dataclass(frozen=True)
class ImageUse:
    """One image an article body uses: where it was written and its name in the output."""

    src: str  # as written in the Markdown, URL-decoded
    line: int  # 1-based line in the source file


@dataclass
class Rendered:
    """The HTML of a body plus what the build must check or copy because of it."""

    html: str
    images: list[ImageUse] = field(default_factory=list)
    bad_urls: list[tuple[str, int]] = field(default_factory=list)
    captions_used: set[str] = field(default_factory=set)


class _State:
    """Per-document inputs and outputs of the tree processor (the Markdown instance is reused)."""

    def __init__(self) -> None:
        self.captions: dict[str, str] = {}
        self.rewrite: dict[str, str] = {}
        self.result = Rendered("")
        self.body = ""
        self.body_line = 1

    def line_of(self, needle: str) -> int:
        """Find the source line of a URL, for error messages."""
        index = self.body.find(needle)
        return self.body_line + (self.body.count("\n", 0, index) if index >= 0 else 0)


def _is_local(src: str) -> bool:
    """Tell a file of the site from an address elsewhere."""
    parts = urlsplit(src)
    return not parts.scheme and not parts.netloc and not src.startswith("#")


class _FigureProcessor(Treeprocessor):
    """Turn a paragraph holding one image into <figure> with its caption; vet every URL."""

    def __init__(self, md: markdown.Markdown, state: _State) -> None:
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag == "p" and _lone_image(child) is not None:
                    parent[index] = self._figure(_lone_image(child))  # type: ignore[arg-type]
        for element in root.iter():
            for attr in ("href", "src"):
                value = element.get(attr)
                if value is not None:
                    self._check_url(element, attr, value)

    def _figure(self, img: etree.Element) -> etree.Element:
        figure = etree.Element("figure")
        caption = self._caption(img)
        figure.append(img)
        if caption:
            figcaption = etree.SubElement(figure, "figcaption")
            figcaption.text = caption
        return figure

    def _caption(self, img: etree.Element) -> str:
        src = unquote(img.get("src", ""))
        name = posixpath.basename(urlsplit(src).path)
        caption = self.state.captions.get(name) or img.get("title") or ""
        if name in self.state.captions:
            self.state.result.captions_used.add(name)
        if img.get("title"):
            del img.attrib["title"]
        if caption and not img.get("alt"):
            img.set("alt", caption)
        return caption

    def _check_url(self, element: etree.Element, attr: str, value: str) -> None:
        scheme = urlsplit(value.strip()).scheme.lower()
        if scheme in _DANGEROUS_SCHEMES or re.match(
            r"\s*(javascript|vbscript|data)\s*:", value, re.I
        ):
            self.state.result.bad_urls.append((value, self.state.line_of(value)))
            element.set(attr, "#")
            return
        if element.tag == "img":
            if "alt" not in element.attrib:
                element.set("alt", "")
            if _is_local(value):
                src = unquote(value)
                self.state.result.images.append(ImageUse(src, self.state.line_of(value)))
                element.set("src", self.state.rewrite.get(src, value))


def _lone_image(paragraph: etree.Element) -> etree.Element | None:
    """Return the image if a paragraph holds nothing else."""
    if len(paragraph) != 1 or (paragraph.text or "").strip():
        return None
    child = paragraph[0]
    if child.tag != "img" or (child.tail or "").strip():
        return None
    return child


class BodyRenderer:
    """A reusable Markdown converter: one per process, reset between articles."""

    def __init__(self, raw_html: str = "escape") -> None:
        self.state = _State()
        self.md = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
        if raw_html != "allow":
            self.md.preprocessors.deregister("html_block")
            self.md.inlinePatterns.deregister("html")
        self.md.treeprocessors.register(_FigureProcessor(self.md, self.state), "newsgen_figures", 5)

    def render(
        self,
        body: str,
        body_line: int,
        captions: dict[str, str],
        rewrite: dict[str, str] | None = None,
    ) -> Rendered:
        """Convert a body; `rewrite` maps image sources to their published URLs."""
        state = self.state
        state.captions = captions
        state.rewrite = rewrite or {}
        state.result = Rendered("")
        state.body = body
        state.body_line = body_line
        self.md.reset()
        state.result.html = self.md.convert(body)
        return state.result


_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def image_sources(body: str) -> list[str]:
    """List image sources in Markdown order, before rendering (to plan where they are copied)."""
    return [unquote(m.group(2)) for m in _IMAGE_RE.finditer(body)]


_STRIP_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<[^>]+>|[*_`#>|]+|\[([^\]]*)\]\([^)]*\)")


def plain_text(body: str) -> str:
    """Reduce Markdown to its words, for summaries and the related-links index."""
    return _STRIP_RE.sub(lambda m: m.group(1) or " ", body)


def first_paragraph(body: str) -> str:
    """Return the first paragraph of prose (not a heading or an image), as plain text."""
    for block in re.split(r"\n\s*\n", body):
        stripped = block.strip()
        if not stripped or stripped.startswith(("#", "![", "```", "|", ">")):
            continue
        text = " ".join(plain_text(stripped).split())
        if text:
            return text
    return ""

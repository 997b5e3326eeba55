"""Markdown to HTML for article bodies: figures with captions, safe links, bounded, sanitised."""

from __future__ import annotations

import html
import posixpath
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from markdown import treeprocessors, util
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .errors import NewsgenError

_DANGEROUS_SCHEMES = ("javascript", "vbscript", "data")


def _extensions() -> list[Extension]:
    """Tables, fenced code and sane lists, as objects: by name, Markdown looks every name up
    among the installed packages' entry points (0.04 s for each process that parses)."""
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension

    # tables would otherwise write style="text-align: ..." from the content
    return [TableExtension(use_align_attribute=True), FencedCodeExtension(), SaneListExtension()]

_URL_ATTRIBUTES = ("href", "src", "srcset", "action", "formaction", "poster", "cite", "background")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")

# Bounds that keep one article's rendering short (Python-Markdown is quadratic on stray '[').
MAX_STRAY_PER_BLOCK = 200
MAX_STRAY_COST = 250_000  # sum over blocks of (stray brackets) squared
MAX_NESTING = 32  # list and quote levels

# The allow-list of `markdown.raw_html: safe`.
SAFE_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "iframe",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
    ]
)
SAFE_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "iframe": {
        "src",
        "width",
        "height",
        "allow",
        "allowfullscreen",
        "frameborder",
        "scrolling",
        "loading",
        "referrerpolicy",
    },
    "code": {"class"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "time": {"datetime"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "col": {"span"},
    "colgroup": {"span"},
}
EMBED_HOSTS = frozenset(
    {
        "www.youtube.com",
        "youtube.com",
        "www.youtube-nocookie.com",
        "youtube-nocookie.com",
        "www.facebook.com",
        "facebook.com",
        "web.facebook.com",
    }
)
_URL_SCHEMES = {"http", "https", "mailto", "tel"}


class RenderError(NewsgenError):
    """A body Markdown cannot render in bounded time or depth; carries the line to blame."""


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
    removed: list[tuple[str, int]] = field(default_factory=list)  # what `safe` mode dropped


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


def is_dangerous_url(value: str) -> bool:
    """Tell whether a URL would run script or smuggle data, however it is disguised."""
    plain = _INVISIBLE.sub("", html.unescape(unquote(value))).lower()
    return plain.startswith(tuple(f"{scheme}:" for scheme in _DANGEROUS_SCHEMES))


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
            img.set("alt", split_credit(caption)[0] or caption)
        return caption

    def _check_url(self, element: etree.Element, attr: str, value: str) -> None:
        if is_dangerous_url(value):
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


class _RawHtmlScan(HTMLParser):
    """Read rendered HTML for what raw HTML brought in: script URLs, and tags `safe` will drop."""

    def __init__(self, state: _State, safe: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.state = state
        self.safe = safe

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.state.line_of(self.get_starttag_text() or f"<{tag}")
        for name, value in attrs:
            if value and name in _URL_ATTRIBUTES and _has_dangerous_url(name, value):
                self.state.result.bad_urls.append((value, line))
        if not self.safe:
            return
        if tag not in SAFE_TAGS:
            self.state.result.removed.append((f"<{tag}>", line))
            return
        allowed = SAFE_ATTRIBUTES["*"] | SAFE_ATTRIBUTES.get(tag, set())
        for name, _value in attrs:
            if name not in allowed:
                self.state.result.removed.append((f"the {name} attribute of <{tag}>", line))
        if tag == "iframe" and not _embed_allowed(dict(attrs).get("src") or ""):
            self.state.result.removed.append(
                (
                    f"<iframe> from {urlsplit(dict(attrs).get('src') or '').netloc or 'nowhere'}",
                    line,
                )
            )

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def _has_dangerous_url(name: str, value: str) -> bool:
    """Check an attribute's URL, or each candidate of a srcset."""
    if name == "srcset":
        return any(is_dangerous_url(part.strip()) for part in value.split(","))
    return is_dangerous_url(value)


def _embed_allowed(src: str) -> bool:
    """Allow iframes only over https from the YouTube and Facebook players."""
    parts = urlsplit(src.strip())
    return parts.scheme == "https" and (parts.hostname or "") in EMBED_HOSTS


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3 hook: drop an iframe's src unless it is an allowed embed host."""
    if tag == "iframe" and attribute == "src" and not _embed_allowed(value):
        return None
    return value


def sanitize(fragment: str) -> str:
    """Keep only the allow-listed tags and attributes (the `safe` raw HTML mode)."""
    return nh3.clean(
        fragment,
        tags=set(SAFE_TAGS),
        attributes={tag: set(names) for tag, names in SAFE_ATTRIBUTES.items()},
        url_schemes=set(_URL_SCHEMES),
        link_rel=None,
        attribute_filter=_filter_attribute,
        strip_comments=True,
    )


_ESCAPED_OR_PAIRED = re.compile(r"\\.|!?\[[^\[\]\n]*\](?:\([^()\n]*\)|\[[^\[\]\n]*\])?")
_WHOLE_TAG = re.compile(r"<[^<>]*>")
_WIDE_INDENT = " " * (MAX_NESTING + 1)  # with no tab, a 33-character indent is 33 spaces
_LIST_OR_QUOTE = re.compile(r"^((?:[ \t]*>)*)([ \t]*)(?:[-*+]|\d{1,9}[.)])?")


def check_bounds(body: str, body_line: int, raw_html: bool) -> None:
    """Refuse input Python-Markdown would take minutes on, or recurse too deep into."""
    line = body_line
    cost = 0
    # a line can only nest too deep with over 32 '>' or a 33-character indent in the body
    # (plain substring tests: a regex for runs of blanks tries every space of the prose)
    deep = body.count(">") > MAX_NESTING or "\t" in body or _WIDE_INDENT in body
    for block in re.split(r"\n[ \t]*\n", body):
        stray = _stray_brackets(block, raw_html)
        cost += stray * stray
        if stray > MAX_STRAY_PER_BLOCK or cost > MAX_STRAY_COST:
            raise RenderError(
                f"too many unmatched '[' (or '<') in this paragraph ({stray})",
                "close them, or write \\[ for a literal bracket",
                field="body",
                line=line,
            )
        if not deep:
            line += block.count("\n") + 2
            continue
        for offset, text in enumerate(block.split("\n")):
            match = _LIST_OR_QUOTE.match(text)
            depth = match.group(1).count(">") if match else 0
            indent = len(match.group(2).expandtabs(4)) // 2 if match and text.strip() else 0
            if depth > MAX_NESTING or indent > MAX_NESTING * 2:
                raise RenderError(
                    f"nested more than {MAX_NESTING} levels deep",
                    "use fewer '>' or less indentation",
                    field="body",
                    line=line + offset,
                )
        line += block.count("\n") + 2


def _stray_brackets(block: str, raw_html: bool) -> int:
    """Count the '[' (and with raw HTML, '<') that no closing bracket pairs with."""
    if "[" not in block and not (raw_html and "<" in block):
        return 0
    rest = block
    for _ in range(3):  # images inside links pair from the inside out
        rest = _ESCAPED_OR_PAIRED.sub("", rest)
    count = rest.count("[")
    if raw_html:
        count += _WHOLE_TAG.sub("", rest).count("<")
    return count


# Text an inline pattern of Python-Markdown cannot match without, keyed by its regex: a run of
# text holding none of it skips the pattern (most prose has no [ ` * _ & < or backslash). A
# pattern of another Markdown version, or of an extension, is not in here and always runs.
_NEEDLES: dict[str, tuple[str, ...]] = {
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": ("`",),
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)(`+)(.+?)(?<!`)\2(?!`))": ("`",),
    r"\\(.)": ("\\",),
    r"(?<!\!)\[": ("[",),
    r"\!\[": ("![",),
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": ("<",),
    r"<((?:[Ff]|[Hh][Tt])[Tt][Pp][Ss]?://[^<>]*)>": ("<",),
    r"<([^<> !]+@[^@<> ]+)>": ("<",),
    r"  \n": ("  \n",),
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": ("&",),
    r"\*|_": ("*", "_"),
    r"\*": ("*",),
    r"_": ("_",),
    r"((^|(?<=\s))(\*{1,3}|_{1,3})(?=\s|$))": ("*", "_"),
    # raw HTML (markup.raw_html allow/safe), as Python-Markdown 3.5-3.6 and 3.7+ spell it
    r"(<(\/?[a-zA-Z][^<>@ ]*( [^<>]*)?|!--(?:(?!<!--|-->).)*--)>)": ("<",),
    r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s"'=<>]++))?+)*+\s*+/?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)""": (
        "<",
    ),
}


class _InlineProcessor(treeprocessors.InlineProcessor):
    """Python-Markdown's inline stage, minus the patterns a text cannot match (same output).

    Python-Markdown tries every inline pattern on every run of text, in Python; this skips
    the ones whose needed character is absent, exactly as if their search had found nothing.
    """

    _patterns: list[tuple[object, tuple[str, ...] | None]]

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        self._patterns = [(p, _needles(p)) for p in self.inlinePatterns]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        if isinstance(data, util.AtomicString):
            return data
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        patterns = self._patterns
        count = len(patterns)
        start = 0
        while patternIndex < count:
            pattern, needles = patterns[patternIndex]
            if needles is not None:
                for needle in needles:
                    if needle in data:
                        break
                else:  # what a failed search returns: next pattern, from the start
                    patternIndex += 1
                    start = 0
                    continue
            data, matched, start = apply(pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def _needles(pattern: object) -> tuple[str, ...] | None:
    """Return what text an inline pattern needs to match, None when unknown (always tried)."""
    compiled = getattr(pattern, "compiled_re", None)
    source = getattr(compiled, "pattern", None)
    if not isinstance(source, str):
        return None
    return _NEEDLES.get(source)


# The same for block processors whose test is a regex search over the whole paragraph: text a
# match needs, keyed by class and regex (the table test splits every line unless it has a '|').
_BLOCK_NEEDLES: dict[tuple[str, str], tuple[str, ...]] = {
    (
        "HashHeaderProcessor",
        r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)",
    ): ("#",),
    ("SetextHeaderProcessor", r"^.*?\n(?:=+|-+)[ ]*(\n|$)"): ("\n=", "\n-"),
    (
        "HRProcessor",
        r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))(?P=atomicgroup)[ ]*$",
    ): ("-", "_", "*"),
    ("BlockQuoteProcessor", r"(^|\n)[ ]{0,3}>[ ]?(.*)"): (">",),
    (
        "ReferenceProcessor",
        r"""^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$""",
    ): ("]:",),
    ("TableProcessor", ""): ("|",),
}


def _guard_block_tests(md: markdown.Markdown) -> None:
    """Answer "no" at once for a block that lacks what a processor's match needs (same output)."""
    for processor in md.parser.blockprocessors:
        compiled = getattr(processor, "SEARCH_RE", None) or getattr(processor, "RE", None)
        source = getattr(compiled, "pattern", "")
        needles = _BLOCK_NEEDLES.get(
            (type(processor).__name__, source if isinstance(source, str) else "")
        )
        if needles is not None:
            processor.test = _guarded(processor.test, needles)  # type: ignore[method-assign,assignment]
    kinds = {type(p).__name__: p for p in md.preprocessors}
    fenced = kinds.get("FencedBlockPreprocessor")
    pattern = getattr(getattr(fenced, "FENCED_BLOCK_RE", None), "pattern", "")
    if fenced is not None and "(?P<fence>^(?:~{3,}|`{3,}))" in pattern:
        fenced.run = _unless_fenced(fenced.run)  # type: ignore[method-assign,assignment]


def _unless_fenced(run: Callable[[list[str]], list[str]]) -> Callable[[list[str]], list[str]]:
    """Skip the fenced-code search over the whole body when it has no ``` or ~~~ at all."""

    def guarded(lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "```" in text or "~~~" in text:
            return run(lines)
        return text.split("\n")  # what the search loop returns when it finds no fence

    return guarded


def _guarded(
    test: Callable[[etree.Element, str], bool], needles: tuple[str, ...]
) -> Callable[[etree.Element, str], bool]:
    """Wrap a block test: without any of the needles it cannot match, so it is not run."""

    def guarded(parent: etree.Element, block: str) -> bool:
        for needle in needles:
            if needle in block:
                return test(parent, block)
        return False

    return guarded


# The shortcut leans on two private methods of Python-Markdown; without them, the stock stage.
_SKIPPING = hasattr(treeprocessors.InlineProcessor, "_InlineProcessor__applyPattern") and hasattr(
    treeprocessors.InlineProcessor, "_InlineProcessor__handleInline"
)


class BodyRenderer:
    """A reusable Markdown converter: one per process, reset between articles."""

    def __init__(self, raw_html: str = "escape") -> None:
        self.state = _State()
        self.raw_html = raw_html
        self.md = markdown.Markdown(extensions=_extensions(), output_format="html")
        if raw_html == "escape":
            self.md.preprocessors.deregister("html_block")
            self.md.inlinePatterns.deregister("html")
        _guard_block_tests(self.md)
        if _SKIPPING:  # same priority as Python-Markdown's own "inline" stage, which it replaces
            self.md.treeprocessors.register(_InlineProcessor(self.md), "inline", 20)
        self.md.treeprocessors.register(_FigureProcessor(self.md, self.state), "newsgen_figures", 5)

    def render(
        self,
        body: str,
        body_line: int,
        captions: dict[str, str],
        rewrite: dict[str, str] | None = None,
    ) -> Rendered:
        """Convert a body; `rewrite` maps image sources to their published URLs.

        Raises RenderError for input that would take too long or nest too deep.
        """
        check_bounds(body, body_line, self.raw_html != "escape")
        state = self.state
        state.captions = captions
        state.rewrite = rewrite or {}
        state.result = Rendered("")
        state.body = body
        state.body_line = body_line
        self.md.reset()
        try:
            converted = self.md.convert(body)
        except RecursionError:
            self.md.reset()
            raise RenderError(
                "the body is nested too deeply to render",
                "use fewer nested lists or quotes",
                field="body",
                line=body_line,
            ) from None
        if self.raw_html != "escape":
            scan = _RawHtmlScan(state, safe=self.raw_html == "safe")
            scan.feed(converted)
            scan.close()
        if self.raw_html == "safe":
            converted = sanitize(converted)
        state.result.html = mark_credits(converted)
        return state.result


# "… Ảnh: Kim Bằng" or "… (Ảnh: TTXVN)" at the end of a caption: the photographer's credit
_CREDIT = re.compile(r"\s*(\(?\s*Ảnh\s*:[^()<>]*\)?)\s*$")
_FIGCAPTION = re.compile(r"(<figcaption>)([^<]*)(</figcaption>)")


def split_credit(caption: str) -> tuple[str, str]:
    """Split a caption into its text and a trailing credit ("Ảnh: …"), either possibly empty."""
    match = _CREDIT.search(caption)
    if match is None or not match.group(1).strip("() "):
        return caption, ""
    return caption[: match.start()].rstrip(), match.group(1).strip()


def mark_credits(body: str) -> str:
    """Wrap each figure caption's credit in <span class="credit"> (the theme sets it apart)."""

    def wrap(match: re.Match[str]) -> str:
        text, credit = split_credit(match.group(2))
        if not credit:
            return match.group(0)
        spaced = f"{text} " if text else ""
        return f'{match.group(1)}{spaced}<span class="credit">{credit}</span>{match.group(3)}'

    return _FIGCAPTION.sub(wrap, body) if "<figcaption>" in body else body


_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def image_sources(body: str) -> list[str]:
    """List image sources in Markdown order, before rendering (to plan where they are copied)."""
    return [unquote(m.group(2)) for m in _IMAGE_RE.finditer(body)]


# A run of * _ ` # > | is spelt as one branch per first character: every branch then starts
# with a literal, so the regex engine skips ahead to those characters (4x faster on prose).
_STRIP_RE = re.compile(
    r"!\[[^\]]*\]\([^)]*\)|<[^>]+>"
    r"|\*[*_`#>|]*|_[*_`#>|]*|`[*_`#>|]*|#[*_`#>|]*|>[*_`#>|]*|\|[*_`#>|]*"
    r"|\[([^\]]*)\]\([^)]*\)"
)


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

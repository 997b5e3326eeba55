"""Compare Markdown engines on newsroom bodies: time per article and what they get right.

    python -m newsgen.bench.markdown_bench [--n 1000]

Prints figures, asserts nothing. The bodies are the benchmark corpus's, each given what a
newsroom writes besides paragraphs: a photo with its caption (the image title, as newsgen
reads it), a subheading, bold, a link, a list and a stray HTML tag. Engines that are not
installed (markdown-it-py, cmarkgfm: not newsgen dependencies) are skipped. For each engine
the figure/caption step newsgen needs is written the cheapest way that engine allows (on
markdown-it's tokens, on cmark's HTML), and its output is compared with newsgen's own
renderer: same visible text, same figures, headings, list items, links and bold.
"""

from __future__ import annotations

import argparse
import html
import re
import time
from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from newsgen.bench.corpus import article
from newsgen.markup import BodyRenderer, _extensions

Engine = Callable[[str], str]
_COUNTED = ("figure", "figcaption", "h2", "li", "a", "strong")
_BLOCKS = frozenset({"p", "figure", "figcaption", "h2", "ul", "ol", "li", "table", "tr", "td"})


def bodies(n: int) -> list[str]:
    """Return n corpus bodies with a photo and caption, a subheading, bold, a link and a list."""
    out = []
    for i in range(n):
        paragraphs = article(i)["body"].strip().split("\n\n")
        paragraphs.insert(2, f'![Ảnh minh họa](anh-{i}.jpg "Hiện trường sáng {i}/4. Ảnh: Minh Anh")')
        paragraphs[3] = f"**Theo ghi nhận**, {paragraphs[3]} Xem [chi tiết](https://bao.example/{i}/)."
        paragraphs.insert(5, "## Những việc cần làm ngay")
        paragraphs.insert(6, "- Rà soát hồ sơ\n- Công khai tiến độ\n- Báo cáo <b>trước 30/6</b>")
        out.append("\n\n".join(paragraphs) + "\n")
    return out


def newsgen_engine() -> Engine:
    """Return newsgen's own renderer: Python-Markdown plus figures, URL checks, escaped HTML."""
    renderer = BodyRenderer("escape")
    return lambda body: renderer.render(body, 1, {}).html


def python_markdown_engine() -> Engine:
    """Return stock Python-Markdown (the same extensions, one reused instance): no figures, and
    its own inline stage, which newsgen replaces with one that skips text without markup."""
    import markdown

    md = markdown.Markdown(extensions=_extensions())
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")

    def convert(body: str) -> str:
        md.reset()
        return md.convert(body)

    return convert


def markdown_it_engine() -> Engine | None:
    """Return markdown-it-py (CommonMark, tables, raw HTML as text) with a figure step on tokens."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return None
    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def convert(body: str) -> str:
        tokens = md.parse(body)
        for k in range(1, len(tokens) - 1):
            inline = tokens[k]
            kids = inline.children or []
            if (
                inline.type == "inline"
                and tokens[k - 1].type == "paragraph_open"
                and len(kids) == 1
                and kids[0].type == "image"
            ):
                image = kids[0]
                tokens[k - 1].tag = tokens[k + 1].tag = "figure"
                image.meta["caption"] = str(image.attrs.pop("title", "") or "")
        return str(md.renderer.render(tokens, md.options, {}))

    html_renderer: Any = md.renderer
    default_image = html_renderer.rules["image"]

    def image_rule(renderer: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
        rendered = str(default_image(tokens, idx, options, env))
        caption = tokens[idx].meta.get("caption")
        if caption:
            rendered += f"<figcaption>{html.escape(caption)}</figcaption>"
        return rendered

    md.add_render_rule("image", image_rule)
    return convert


_LONE_IMAGE = re.compile(r'<p><img src="([^"]*)" alt="([^"]*)"(?: title="([^"]*)")? /></p>')


def cmark_engine() -> Engine | None:
    """Return cmark-gfm (safe mode: raw HTML omitted) with a figure step on its HTML."""
    try:
        import cmarkgfm
    except ImportError:
        return None

    def figure(match: re.Match[str]) -> str:
        src, alt, title = match.group(1), match.group(2), match.group(3)
        caption = f"<figcaption>{title}</figcaption>" if title else ""
        return f'<figure><img src="{src}" alt="{alt}">{caption}</figure>'

    def convert(body: str) -> str:
        return _LONE_IMAGE.sub(figure, cmarkgfm.github_flavored_markdown_to_html(body))

    return convert


class _Shape(HTMLParser):
    """The visible text of some HTML and a count of the elements a reader notices."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _COUNTED:
            self.tags[tag] += 1
        if tag in _BLOCKS:
            self.text.append(" ")  # engines differ in the line breaks between blocks

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.text.append(" ")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def shape(markup: str) -> tuple[str, Counter[str]]:
    """Return (visible text with whitespace collapsed, element counts) of some HTML."""
    parser = _Shape()
    parser.feed(markup)
    parser.close()
    return " ".join("".join(parser.text).split()), parser.tags


def per_article_ms(engine: Engine, texts: list[str], rounds: int = 3) -> float:
    """Return the best CPU milliseconds per body over a few rounds (the first warms up)."""
    for body in texts[:50]:
        engine(body)
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for body in texts:
            engine(body)
        best = min(best, time.process_time() - started)
    return 1000 * best / len(texts)


def main(argv: list[str] | None = None) -> None:
    """Time every installed engine and compare its output with newsgen's renderer."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="bodies to convert (default 1000)")
    args = parser.parse_args(argv)
    texts = bodies(args.n)
    reference = newsgen_engine()
    expected = [shape(reference(body)) for body in texts]
    engines: list[tuple[str, Engine | None]] = [
        ("newsgen (Python-Markdown + figures)", reference),
        ("Python-Markdown, stock (no figures)", python_markdown_engine()),
        ("markdown-it-py + figures", markdown_it_engine()),
        ("cmarkgfm + figures", cmark_engine()),
    ]
    print(f"{args.n} bodies, {sum(map(len, texts)) / args.n:,.0f} characters each")
    print(f"  {'engine':38} {'ms/article':>10}  same text  same elements")
    for name, engine in engines:
        if engine is None:
            print(f"  {name:38} {'not installed':>10}")
            continue
        got = [shape(engine(body)) for body in texts]
        text = sum(g[0] == e[0] for g, e in zip(got, expected, strict=True)) / args.n
        tags = sum(g[1] == e[1] for g, e in zip(got, expected, strict=True)) / args.n
        ms = per_article_ms(engine, texts)
        print(f"  {name:38} {ms:10.3f}  {text:9.0%}  {tags:13.0%}")
    first = texts[0]
    for name, engine in engines[2:]:
        if engine is not None:
            diff = _first_difference(shape(reference(first))[0], shape(engine(first))[0])
            print(f"  {name}: first text difference: {diff}")


def _first_difference(a: str, b: str) -> str:
    """Show where two texts part, a few words either side (or 'none')."""
    pairs = zip(a, b, strict=False)  # texts of different lengths: up to the shorter
    at = next((k for k, (x, y) in enumerate(pairs) if x != y), min(len(a), len(b)))
    if a == b:
        return "none"
    return f"newsgen {a[max(0, at - 30) : at + 30]!r} / engine {b[max(0, at - 30) : at + 30]!r}"


if __name__ == "__main__":
    main()

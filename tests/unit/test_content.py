"""Parsing one article: front matter types, every error with its message and line, Markdown figures."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from newsgen.config import load_config
from newsgen.content import Parsed, parse_article
from newsgen.markup import BodyRenderer
from newsgen.sources import Source
from tests.conftest import jpeg


def parse(text: str | bytes, tmp_path: Path, rel: str = "content/thoi-su/bai.md") -> Parsed:
    """Parse text as if it were the file `rel` of a site in tmp_path."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    config = load_config(tmp_path)
    source = Source(rel, data, hashlib.sha256(data).hexdigest())
    return parse_article(source, config, BodyRenderer())


def messages(parsed: Parsed) -> list[str]:
    """Return the formatted problems."""
    return [p.format() for p in parsed.problems]


GOOD = """---
title: "Bão số 3 đổ bộ"
date: 2025-04-22 09:07
author: Kim Bằng
tags: [Thời tiết, Bão]
---

Cơn bão số 3 đã đổ bộ vào đất liền.

Đoạn thứ hai.
"""


def test_good_article_reads_every_field(tmp_path: Path) -> None:
    parsed = parse(GOOD, tmp_path)
    assert parsed.problems == ()
    article = parsed.article
    assert article is not None
    assert article.title == "Bão số 3 đổ bộ"
    assert article.date.isoformat() == "2025-04-22T09:07:00+07:00"
    assert article.authors == ("Kim Bằng",)
    assert article.tags == ("Thời tiết", "Bão")
    assert article.category == "thoi-su"  # the first folder under content/
    assert article.summary == "Cơn bão số 3 đã đổ bộ vào đất liền."
    assert article.slug == "bao-so-3-do-bo"


def test_bom_crlf_and_nfd_are_accepted(tmp_path: Path) -> None:
    import unicodedata

    text = unicodedata.normalize("NFD", GOOD).replace("\n", "\r\n")
    parsed = parse(b"\xef\xbb\xbf" + text.encode(), tmp_path)
    assert parsed.article is not None
    assert parsed.article.title == "Bão số 3 đổ bộ"
    assert unicodedata.is_normalized("NFC", parsed.article.body_html)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no front matter\n", "content/thoi-su/bai.md:1: front matter is missing"),
        (
            "---\ntitle: x\ndate: 2025-01-01\n",
            "content/thoi-su/bai.md:1: front matter is not closed (add a line '---'",
        ),
        (
            "---\n- a\n- b\n---\n",
            "content/thoi-su/bai.md:2: front matter must be 'key: value' lines",
        ),
        ("---\ndate: 2025-01-01\n---\n", "content/thoi-su/bai.md:1: title: title is missing"),
        ('---\ntitle: "x"\n---\n', "content/thoi-su/bai.md:1: date: date is missing"),
        (
            '---\ntitle: "x"\ndate: 2025-02-30\n---\n',
            "content/thoi-su/bai.md:3: date: '2025-02-30' is not a real date (write 2025-02-28)",
        ),
        (
            "---\ntitle: Tin: nóng: hôm nay\ndate: 2025-01-01\n---\n",
            "content/thoi-su/bai.md:2: title: YAML could not read this line (put the title in quotes)",
        ),
        (
            '---\ntitle: "x"\ndate: 2025-01-01\ntags: yes\n---\n',
            "content/thoi-su/bai.md:4: tags: must be a list, not true/false",
        ),
        (
            '---\ntitle: "x"\ndate: 2025-01-01\ntags: [Thời sự, no]\n---\n',
            "content/thoi-su/bai.md:4: tags: item False was read as true/false, not text (put it in quotes)",
        ),
        (
            '---\ntitle: "x"\ndate: 2025-01-01\ntags: Thời sự\n---\n',
            "content/thoi-su/bai.md:4: tags: must be a list, not one text (write tags: [Thời sự]",
        ),
        (
            "---\ntitle: 2025\ndate: 2025-01-01\n---\n",
            "content/thoi-su/bai.md:2: title: must be text, not a number 2025",
        ),
        (
            '---\ntitle: "x"\ndate: 2025-01-01\ndraft: maybe\n---\n',
            "content/thoi-su/bai.md:4: draft: must be true or false, not 'maybe'",
        ),
        (
            '---\ntitle: "x"\ntitle: "y"\ndate: 2025-01-01\n---\n',
            "content/thoi-su/bai.md:3: title: 'title' is given twice (keep one 'title:' line (first at line 2))",
        ),
        (
            "---\ntitle: Tin #1 hôm nay\ndate: 2025-01-01\n---\n",
            "content/thoi-su/bai.md:2: title: the text after '#' was dropped: YAML read only 'Tin' (put the whole value in quotes)",
        ),
        (
            '---\ntitle: &a "x"\nsummary: *a\ndate: 2025-01-01\n---\n',
            "content/thoi-su/bai.md:3: summary: YAML anchors and aliases (& and *) are not allowed in front matter",
        ),
    ],
)
def test_each_error_names_file_line_and_fix(tmp_path: Path, text: str, expected: str) -> None:
    parsed = parse(text, tmp_path)
    assert parsed.article is None
    assert any(m.startswith(expected) for m in messages(parsed)), messages(parsed)


@pytest.mark.parametrize("extra", ["", "# ghi chú của biên tập\n", 'summary: "Ngôi *sao* mới"\n'])
def test_item_and_key_lines_are_the_same_with_or_without_comments_and_stars(
    tmp_path: Path, extra: str
) -> None:
    # a '#' or '*' anywhere turns on the comment and alias checks: lines must not move
    head = f'---\n{extra}title: "Tin"\ndate: 2025-01-01\naliases:\n  - /cu/tin.html\n'
    shift = extra.count("\n")
    assert messages(parse(head + "  - ../ngoai.html\n---\nB\n", tmp_path)) == [
        f"content/thoi-su/bai.md:{6 + shift}: aliases: '../ngoai.html' is not a path of this"
        " site (write it as /path/page.html)"
    ]
    assert messages(parse(head + "  - 5\n---\nB\n", tmp_path)) == [
        f"content/thoi-su/bai.md:{6 + shift}: aliases: item 5 was read as a number, not text"
        " (put it in quotes)"
    ]
    good = parse(head + "  - /cu/tin-2.html\n---\nB\n", tmp_path).article
    assert good is not None and good.aliases == ("/cu/tin.html", "/cu/tin-2.html")
    assert dict(good.lines) == {"aliases": 4 + shift, "date": 3 + shift, "title": 2 + shift} | (
        {"summary": 2} if "summary" in extra else {}
    )


@pytest.mark.parametrize(
    ("text", "body", "body_line"),
    [
        ('---\ntitle: "x"\ndate: 2025-01-01\n---\nThân bài.\n', "Thân bài.\n", 5),
        ('---  \ntitle: "x"\ndate: 2025-01-01\n...\t\n\nThân bài.', "\nThân bài.", 5),
        ('---\ntitle: "x"\ndate: 2025-01-01\n---', "", 5),
    ],
)
def test_body_starts_after_the_closing_line(
    tmp_path: Path, text: str, body: str, body_line: int
) -> None:
    from newsgen.frontmatter import split

    parts = split(text)
    assert (parts.front, parts.body, parts.body_line) == (
        'title: "x"\ndate: 2025-01-01',
        body,
        body_line,
    )
    assert parse(text, tmp_path).article is not None


def test_not_utf8_names_the_position(tmp_path: Path) -> None:
    data = '---\ntitle: "Tin"\ndate: 2025-01-01\n---\n\nTi\xeang Vi\xeat\n'.encode("latin-1")
    parsed = parse(data, tmp_path)
    assert messages(parsed) == [
        "content/thoi-su/bai.md:6: not UTF-8: byte 0xea at line 6, column 3 (save the file as UTF-8)"
    ]


def test_all_problems_of_a_file_are_reported_together(tmp_path: Path) -> None:
    parsed = parse("---\ntitle: 5\ndate: 31/04/2025\ntags: Một\n---\n", tmp_path)
    lines = sorted(p.line for p in parsed.problems)
    assert lines == [2, 3, 4]


def test_unknown_key_is_a_warning_with_suggestion(tmp_path: Path) -> None:
    parsed = parse('---\ntitle: "x"\ndate: 2025-01-01\ncatagory: Thời sự\n---\nBody\n', tmp_path)
    assert parsed.article is not None
    (problem,) = parsed.problems
    assert problem.warning
    assert problem.format() == (
        "content/thoi-su/bai.md:4: warning: catagory: unknown key, ignored (did you mean 'category'?)"
    )


def test_day_first_date_and_offsets(tmp_path: Path) -> None:
    parsed = parse(
        '---\ntitle: "x"\ndate: 22/04/2025 09:07\nupdated: 2025-04-22T10:00:00Z\n---\nB\n', tmp_path
    )
    assert parsed.article is not None
    assert parsed.article.date.isoformat() == "2025-04-22T09:07:00+07:00"
    assert parsed.article.updated is not None
    assert parsed.article.updated.timestamp() == 1745316000


def test_figures_with_captions_and_alt(tmp_path: Path) -> None:
    (tmp_path / "content/thoi-su").mkdir(parents=True)
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (tmp_path / "content/thoi-su" / name).write_bytes(jpeg(40, 30))
    text = (
        '---\ntitle: "x"\ndate: 2025-01-01\ncaptions:\n  a.jpg: "Chú thích A & B"\n---\n\n'
        'Đoạn mở đầu.\n\n![](a.jpg)\n\n![Ảnh B](b.jpg "Chú thích B")\n\nCó ảnh ![c](c.jpg) trong câu.\n'
    )
    parsed = parse(text, tmp_path)
    assert parsed.problems == ()
    html = parsed.article.body_html  # type: ignore[union-attr]
    assert '<figure><img alt="Chú thích A &amp; B" src="a.jpg" width="40" height="30" ' in html
    assert "<figcaption>Chú thích A &amp; B</figcaption></figure>" in html
    assert '<figure><img alt="Ảnh B" src="b.jpg" width="40" height="30" ' in html
    assert "<figcaption>Chú thích B</figcaption></figure>" in html
    assert '<p>Có ảnh <img alt="c" src="c.jpg" width="40" height="30" ' in html
    assert parsed.article.cover == "a.jpg"  # type: ignore[union-attr]
    assert [i.name for i in parsed.article.images] == ["a.jpg", "b.jpg", "c.jpg"]  # type: ignore[union-attr]


def test_missing_image_is_an_error_with_its_line(tmp_path: Path) -> None:
    parsed = parse(
        '---\ntitle: "x"\ndate: 2025-01-01\n---\n\nĐoạn.\n\n![](khong-co.jpg)\n', tmp_path
    )
    assert messages(parsed) == [
        "content/thoi-su/bai.md:8: body: image khong-co.jpg not found (put the file next to the article or fix the name)"
    ]


def test_caption_without_image_is_a_warning(tmp_path: Path) -> None:
    parsed = parse('---\ntitle: "x"\ndate: 2025-01-01\ncaptions:\n  z.jpg: "Z"\n---\nB\n', tmp_path)
    assert parsed.article is not None
    assert [p.format() for p in parsed.problems] == [
        "content/thoi-su/bai.md:4: warning: captions: caption for z.jpg, but the body has no such image (check the file name)"
    ]


def test_raw_html_is_escaped_and_script_urls_refused(tmp_path: Path) -> None:
    parsed = parse(
        '---\ntitle: "x"\ndate: 2025-01-01\n---\n\n<script>alert(1)</script>\n\nok\n', tmp_path
    )
    assert parsed.article is not None
    assert "<script>" not in parsed.article.body_html
    assert "&lt;script&gt;" in parsed.article.body_html
    bad = parse('---\ntitle: "x"\ndate: 2025-01-01\n---\n\n[bấm](javascript:alert(1))\n', tmp_path)
    assert messages(bad) == [
        "content/thoi-su/bai.md:6: body: javascript: URLs are not allowed (link to an http(s) address or a file)"
    ]


def test_tag_without_letters_is_an_error_not_a_crash(tmp_path: Path) -> None:
    parsed = parse('---\ntitle: "x"\ndate: 2025-01-01\ntags: [Lễ hội, "🎉"]\n---\nB\n', tmp_path)
    assert parsed.article is None
    assert messages(parsed) == [
        "content/thoi-su/bai.md:4: tags: '🎉' has no letters or digits for its page address (write it with letters, e.g. Lễ hội)"
    ]


# Bodies that use every inline and block construct Python-Markdown knows, and prose with none.
_MARKDOWN_SAMPLES = [
    "Chỉ có chữ, không ký hiệu nào: 12/3, 2025 - 2030.",
    "*nghiêng* **đậm** _gạch_ __đậm__ ***cả hai*** a_b_c 2*3*4 * _ lẻ",
    "`mã` ``a ` b`` \\*không\\* \\\\ \\[ &amp; &#39; &copy; a & b",
    "[liên kết](https://vnexpress.net) [ref][r1] [r1] ![ảnh](https://a.vn/x.jpg) ![x][r1]\n\n"
    '[r1]: https://example.com/ref "Tiêu đề"',
    "<https://example.com/a?b=1> <mail@example.com> <b>đậm</b> <!-- chú thích -->",
    "dòng một  \ndòng hai\n# Tiêu đề\n\n## Phụ *đề* ##\n\nSetext\n===\n\nCũng\n---\n\n* * *\n___",
    "> trích dẫn **đậm**\n> > lồng\n\n- mục 1\n- mục [2](http://a.b)\n    - con\n\n1. một\n2. hai",
    "```python\nx = '<b>' * 2\n```\n\n~~~\ny\n~~~\n\n    mã thụt lề\n\n| a | b |\n|:--|--:|\n| *x* | `y` |",
    "a | b\n--|--\n1 | 2\n\nkhông | phải bảng",
]


@pytest.mark.parametrize("raw_html", ["escape", "allow"])
def test_body_renders_exactly_as_python_markdown_does(raw_html: str) -> None:
    """The renderer's shortcuts (patterns skipped when their character is absent) change nothing."""
    import markdown

    stock = markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists"],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    if raw_html == "escape":
        stock.preprocessors.deregister("html_block")
        stock.inlinePatterns.deregister("html")
    renderer = BodyRenderer(raw_html)
    for body in _MARKDOWN_SAMPLES * 2:  # twice: the converter is reused between articles
        stock.reset()
        expected = stock.convert(body)
        assert renderer.render(body, 1, {}).html == expected


def test_a_pickled_article_comes_back_equal_with_its_zones(tmp_path: Path) -> None:
    """The parse cache pickles every article: times keep their zone object, fold and value."""
    import dataclasses
    import datetime as dt
    import pickle
    from zoneinfo import ZoneInfo

    text = GOOD.replace("tags:", "updated: 2025-04-22T10:00:00Z\nexpires: 2030-01-01 00:00\ntags:")
    article = parse(text, tmp_path).article
    assert article is not None and article.expires is not None
    paris = ZoneInfo("Europe/Paris")
    late = dt.datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=paris)  # the second 02:30 that night
    article = dataclasses.replace(article, date=late, digest="d")
    back = pickle.loads(pickle.dumps(article, protocol=5))
    assert back == article
    assert back.date.tzinfo is paris and back.date.fold == 1
    assert back.date.utcoffset() == dt.timedelta(hours=1)
    assert back.updated == article.updated and back.updated.tzinfo == article.updated.tzinfo
    assert back.expires.tzinfo is article.expires.tzinfo
    parsed = Parsed(article, ())
    assert pickle.loads(pickle.dumps(parsed)) == parsed
    assert pickle.loads(pickle.dumps(Parsed(None, ()))) == Parsed(None, ())


def _resolved_in_full(site: Path, rel: str, src: str) -> str | None:
    """The image lookup's meaning: resolve every link, then stay inside the site (or static/)."""
    from urllib.parse import urlsplit

    path = urlsplit(src).path
    if path.startswith("/"):
        candidate, root = (site / "static" / path.lstrip("/")).resolve(), (site / "static").resolve()
    else:
        candidate, root = (site / Path(rel).parent / path).resolve(), site.resolve()
    return str(candidate) if candidate.is_relative_to(root) and candidate.is_file() else None


def test_the_quick_image_lookup_means_the_full_resolution(tmp_path: Path) -> None:
    from newsgen import content
    from newsgen.config import SiteConfig

    site = tmp_path / "site"
    folder = site / "content" / "thoi-su"
    (folder / "anh").mkdir(parents=True)
    (site / "static" / "logo").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.jpg").write_bytes(b"x")
    for name in ("a.jpg", "anh/b.jpg", "c d.jpg"):
        (folder / name).write_bytes(b"a")
    (site / "static" / "logo" / "l.png").write_bytes(b"l")
    (folder / "link-in.jpg").symlink_to(folder / "a.jpg")
    (folder / "link-out.jpg").symlink_to(outside / "x.jpg")
    (folder / "ra-ngoai").symlink_to(outside)
    (folder / "vong").symlink_to(folder / "anh")
    config = SiteConfig(site_dir=site)
    source = Source("content/thoi-su/bai.md", b"", "00")
    content.forget_folders()
    for src in [
        "a.jpg", "./a.jpg", "anh/b.jpg", "anh//b.jpg", "c d.jpg", "a.jpg?v=2", "a.jpg#x",
        "missing.jpg", "anh", "link-in.jpg", "link-out.jpg", "ra-ngoai/x.jpg", "vong/b.jpg",
        "../thoi-su/a.jpg", "../../static/logo/l.png", "/logo/l.png", "/logo/../logo/l.png",
        "/khong-co.png", "/", "anh/../a.jpg",
    ]:  # fmt: skip
        expected = _resolved_in_full(site, source.rel, src)
        assert content.local_file(source, config, src) == expected, src
